"""The one canonical emotion label order used everywhere in the project.

This is FER2013's CSV index order and DeepFace's order. The Kaggle folder
layout sorts alphabetically (neutral before sad), so never derive the order
from directory listings: map names through ``EMOTIONS.index`` instead.
"""

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
NUM_EMOTIONS = len(EMOTIONS)

# Colours (BGR for OpenCV drawing) chosen to be distinguishable and to carry
# the usual connotation: red anger, green disgust, purple fear, yellow happy...
EMOTION_COLORS_BGR: dict[str, tuple[int, int, int]] = {
    "angry": (40, 40, 220),
    "disgust": (40, 150, 40),
    "fear": (160, 60, 140),
    "happy": (0, 200, 255),
    "sad": (200, 110, 30),
    "surprise": (0, 140, 255),
    "neutral": (170, 170, 170),
}


def label_index(name: str) -> int:
    """Index of an emotion name in ``EMOTIONS`` (case-insensitive)."""
    key = name.strip().lower()
    if key not in EMOTIONS:
        raise ValueError(f"unknown emotion label {name!r}; expected one of {', '.join(EMOTIONS)}")
    return EMOTIONS.index(key)


def emotion_color_rgb(name: str) -> tuple[int, int, int]:
    """The emotion's colour as RGB (for Qt and matplotlib)."""
    b, g, r = EMOTION_COLORS_BGR[name]
    return (r, g, b)

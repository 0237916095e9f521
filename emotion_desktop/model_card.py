"""Model cards: the JSON beside each ``models/<name>.keras`` (see ARCHITECTURE.md).

The app reads a card to know how to feed the model (input size, colour,
normalisation) and how to read its output (``labels``: the order of the
output units, remapped to ``EMOTIONS`` here, never assumed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emotion_desktop.labels import EMOTIONS
from emotion_desktop.preprocessing import NORMALISATIONS

REQUIRED_FIELDS = ("labels", "input_size", "color", "normalisation")


class ModelCardError(ValueError):
    """A card that is missing, unreadable or inconsistent; the message says which and how to fix it."""


@dataclass
class ModelCard:
    labels: tuple[str, ...]
    input_size: int
    color: str
    normalisation: str
    data: dict = field(default_factory=dict)  # everything else in the card, shown to the user as is

    @property
    def output_order(self) -> np.ndarray:
        """Column indices that reorder the model's outputs into ``EMOTIONS`` order."""
        return np.array([self.labels.index(name) for name in EMOTIONS])

    def to_emotions_order(self, probabilities: np.ndarray) -> np.ndarray:
        return probabilities[:, self.output_order]


def parse_card(data: dict, source: str = "model card") -> ModelCard:
    missing = [key for key in REQUIRED_FIELDS if key not in data]
    if missing:
        raise ModelCardError(f"{source} lacks {', '.join(missing)}")
    labels = tuple(str(label).lower() for label in data["labels"])
    if sorted(labels) != sorted(EMOTIONS):
        raise ModelCardError(f"{source}: labels {list(labels)} are not a permutation of {list(EMOTIONS)}")
    if data["color"] not in ("gray", "rgb"):
        raise ModelCardError(f"{source}: color must be 'gray' or 'rgb', not {data['color']!r}")
    if data["normalisation"] not in NORMALISATIONS:
        raise ModelCardError(f"{source}: normalisation must be one of {NORMALISATIONS}, "
                             f"not {data['normalisation']!r}")
    return ModelCard(labels=labels, input_size=int(data["input_size"]), color=data["color"],
                     normalisation=data["normalisation"], data=dict(data))


def read_card_json(path: str | Path) -> dict | None:
    """A card's JSON as a dict, or None when it is missing or unreadable (for display only)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def load_card(path: str | Path) -> ModelCard:
    """A validated card; ModelCardError says what is wrong with it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelCardError(f"model card {path} is missing") from None
    except (OSError, json.JSONDecodeError) as error:
        raise ModelCardError(f"model card {path} cannot be read: {error}") from None
    return parse_card(data, str(path))


def save_card(path: str | Path, data: dict) -> None:
    parse_card(data, str(path))  # never write a card the app would refuse
    Path(path).write_text(json.dumps(data, indent=2) + "\n")

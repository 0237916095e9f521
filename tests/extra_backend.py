"""A classifier added the way ARCHITECTURE.md says: this one module plus one registry line.

It answers from the face's brightness (bright: happy, dark: sad), with no files to load, so the
tests can see a new model flow through the registry, the CLI, the window and the drawing.
"""

from __future__ import annotations

import numpy as np

from emotion_desktop.backends import Backend, BackendInfo
from emotion_desktop.backends.base import as_probabilities
from emotion_desktop.labels import EMOTIONS


class BrightnessBackend(Backend):
    name = "brightness"
    display_name = "Brightness rule"
    runtime = "NumPy"

    def __init__(self):
        self.card = {"architecture": "mean brightness of the crop: > 100 happy, else sad", "init": "a rule"}

    def predict(self, faces: list[np.ndarray]) -> np.ndarray:
        rows = np.full((len(faces), len(EMOTIONS)), 0.01, np.float32)
        for row, face in zip(rows, faces):
            row[EMOTIONS.index("happy" if face.mean() > 100 else "sad")] = 1.0
        return as_probabilities(rows)


INFO = BackendInfo(
    name="brightness", display_name="Brightness rule", short_name="Rule", color_rgb=(150, 40, 200),
    probe=lambda _models_dir: None,
    load=lambda _models_dir, _runtime: BrightnessBackend(),
    read_card=lambda _models_dir: BrightnessBackend().card,
    repair_hint=lambda _models_dir: "",
    trained_here=False)

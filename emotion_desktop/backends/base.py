"""The classifier interface every backend implements (ARCHITECTURE.md, "Adding a classifier")."""

from __future__ import annotations

import numpy as np

from emotion_desktop.labels import EMOTIONS, NUM_EMOTIONS


class BackendUnavailableError(RuntimeError):
    """Raised by ``predict`` of a backend that could not be loaded; the message says why and how to fix it."""


class Backend:
    """A classifier: BGR face crops of any size in, (N, 7) probabilities in ``EMOTIONS`` order out."""

    name: str = ""
    display_name: str = ""
    available: bool = True
    unavailable_reason: str = ""
    runtime: str = ""  # what runs the model, shown to the user ("ONNX Runtime 1.32", ...)
    card: dict | None = None  # the model card (or what is known about a library model)
    load_seconds: float = 0.0

    def predict(self, faces: list[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        state = "available" if self.available else f"unavailable: {self.unavailable_reason}"
        return f"<{type(self).__name__} {self.name} ({state})>"


class UnavailableBackend(Backend):
    """Stands in for a backend whose model file, card or weights are missing."""

    available = False

    def __init__(self, name: str, display_name: str, reason: str, card: dict | None = None):
        self.name = name
        self.display_name = display_name
        self.unavailable_reason = reason
        self.card = card

    def predict(self, faces: list[np.ndarray]) -> np.ndarray:
        raise BackendUnavailableError(f"{self.display_name} is unavailable: {self.unavailable_reason}")


def remap_columns(probabilities: np.ndarray, model_labels) -> np.ndarray:
    """Reorder a model's output columns from its own label order into ``EMOTIONS`` order."""
    labels = [str(label).lower() for label in model_labels]
    return probabilities[:, [labels.index(name) for name in EMOTIONS]]


def as_probabilities(values: np.ndarray) -> np.ndarray:
    """(N, 7) float32 rows summing to 1; guards against tiny drift and all-zero rows."""
    values = np.asarray(values, dtype=np.float32).reshape(-1, NUM_EMOTIONS)
    values = np.clip(np.nan_to_num(values, nan=0.0), 0.0, None)
    totals = values.sum(axis=1, keepdims=True)
    uniform = np.full_like(values, 1.0 / NUM_EMOTIONS)
    return np.where(totals > 0, values / np.maximum(totals, 1e-12), uniform).astype(np.float32)

"""Confidence calibration: the temperature a model card carries, applied to the model's output."""

from __future__ import annotations

import numpy as np


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log p / T) row by row: T > 1 tempers an over-confident model, T < 1 sharpens one.
    The winning emotion never changes."""
    if temperature == 1.0:
        return probabilities
    logits = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return (scaled / scaled.sum(axis=1, keepdims=True)).astype(np.float32)


def card_temperature(card: dict | None) -> float:
    """The card's fitted temperature, or 1 (no change) when it has none."""
    calibration = (card or {}).get("calibration") or {}
    temperature = calibration.get("temperature", 1.0)
    return float(temperature) if isinstance(temperature, (int, float)) and temperature > 0 else 1.0

"""Confusion matrices as one image, a panel per model side by side (evaluate --report, the
window's evaluation dialog). Drawn with OpenCV so the app needs no plotting library."""

from __future__ import annotations

import cv2
import numpy as np

from emotion_desktop.labels import EMOTIONS

FONT = cv2.FONT_HERSHEY_SIMPLEX
CELL, LEFT, TOP, MARGIN = 58, 92, 104, 16
COLUMNS = [e[:4] for e in EMOTIONS] + ["none"]


def _text(image, text, x, y, scale=0.45, color=(30, 30, 30), centre=False, bold=False) -> None:
    thickness = 2 if bold else 1
    if centre:
        (width, height), _ = cv2.getTextSize(text, FONT, scale, thickness)
        x, y = x - width // 2, y + height // 2
    cv2.putText(image, text, (int(x), int(y)), FONT, scale, color, thickness, cv2.LINE_AA)


def matrix_panel(title: str, matrix, subtitle: str = "") -> np.ndarray:
    """One model's matrix: rows the true emotion, columns the prediction (and "none": no face),
    each cell's shade its share of the row, its number the count."""
    matrix = np.asarray(matrix, dtype=float)
    rows, columns = matrix.shape
    panel = np.full((TOP + rows * CELL + MARGIN, LEFT + columns * CELL + MARGIN, 3), 255, np.uint8)
    _text(panel, title, MARGIN, 24, 0.6, bold=True)
    if subtitle:
        _text(panel, subtitle, MARGIN, 46, 0.45, (80, 80, 80))
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    # Which axis is which, said on the panel itself: rows true, columns predicted.
    _text(panel, "predicted", LEFT + columns * CELL / 2, TOP - 40, 0.45, (80, 80, 80), centre=True, bold=True)
    _text(panel, "true", 8, TOP - 10, 0.45, (80, 80, 80), bold=True)
    for column, name in enumerate(COLUMNS[:columns]):
        _text(panel, name, LEFT + column * CELL + CELL / 2, TOP - 14, 0.42, centre=True)
    for row in range(rows):
        y = TOP + row * CELL
        _text(panel, EMOTIONS[row], 8, y + CELL / 2 + 5, 0.45)
        for column in range(columns):
            x = LEFT + column * CELL
            share = shares[row, column]
            # White to a deep blue (BGR); the diagonal is what the model got right.
            color = tuple(int(255 - share * (255 - c)) for c in (140, 60, 20))
            cv2.rectangle(panel, (x, y), (x + CELL - 2, y + CELL - 2), color, -1)
            if row == column:
                cv2.rectangle(panel, (x, y), (x + CELL - 2, y + CELL - 2), (40, 160, 40), 2)
            ink = (255, 255, 255) if share > 0.5 else (30, 30, 30)
            _text(panel, str(int(matrix[row, column])), x + CELL / 2, y + CELL / 2, 0.45, ink, centre=True)
    return panel


def side_by_side(panels: list[np.ndarray]) -> np.ndarray:
    height = max(p.shape[0] for p in panels)
    padded = [cv2.copyMakeBorder(p, 0, height - p.shape[0], 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))
              for p in panels]
    return np.hstack(padded)

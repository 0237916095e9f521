"""Annotating frames: a box per face, coloured by emotion, with "happy 87%" labels.

Drawing happens on the worker thread (the UI thread only paints the
finished image), and the CLI's ``--annotate`` and snapshots use the same code.
"""

from __future__ import annotations

import cv2
import numpy as np

from emotion_desktop.backends import SHORT_NAMES
from emotion_desktop.labels import EMOTION_COLORS_BGR
from emotion_desktop.results import FrameResult

FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text_color(background: tuple[int, int, int]) -> tuple[int, int, int]:
    b, g, r = background
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)


def draw_label(image: np.ndarray, text: str, x: int, y: int, color, scale: float) -> int:
    """A filled label with its top-left at (x, y), kept inside the image; returns its height."""
    thickness = max(1, int(round(scale * 2)))
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    pad = max(2, int(3 * scale))
    box_h = height + baseline + 2 * pad
    x = int(np.clip(x, 0, max(0, image.shape[1] - width - 2 * pad)))
    y = int(np.clip(y, 0, max(0, image.shape[0] - box_h)))
    cv2.rectangle(image, (x, y), (x + width + 2 * pad, y + box_h), color, cv2.FILLED)
    cv2.putText(image, text, (x + pad, y + pad + height), FONT, scale, _text_color(color), thickness, cv2.LINE_AA)
    return box_h


def annotate(image: np.ndarray, result: FrameResult, selected_track: int | None = None,
             smoothed: bool = True) -> np.ndarray:
    """A copy of ``image`` with every face's box and each model's top label drawn on it."""
    canvas = image.copy()
    scale = float(np.clip(max(canvas.shape[:2]) / 850, 0.45, 1.6))
    compare = len(result.models) > 1
    for face in result.faces:
        models = [m for m in result.models if m in face.probabilities]
        x, y, w, h = face.box
        if models:
            label, _ = face.top(models[0], smoothed)
            color = EMOTION_COLORS_BGR[label]
        else:
            color = (200, 200, 200)
        selected = face.track_id == selected_track
        thickness = max(2, int(round(scale * (4 if selected else 2))))
        cv2.rectangle(canvas, (x, y), (x + w, y + h), color, thickness)
        if selected:  # a white outline marks the face the chart shows
            cv2.rectangle(canvas, (x - thickness, y - thickness), (x + w + thickness, y + h + thickness),
                          (255, 255, 255), 1)
        lines = []
        for model in models:
            label, probability = face.top(model, smoothed)
            prefix = f"{SHORT_NAMES.get(model, model)}: " if compare else ""
            lines.append((f"{prefix}{label} {probability:.0%}", EMOTION_COLORS_BGR[label]))
        if not lines:
            lines.append(("face", color))
        line_height = cv2.getTextSize("Ag", FONT, scale, 1)[0][1] + 10
        top = y - line_height * len(lines) - 2
        if top < 0:  # no room above the box: write inside it
            top = y + 2
        for text, line_color in lines:
            top += draw_label(canvas, text, x, top, line_color, scale)
    return canvas

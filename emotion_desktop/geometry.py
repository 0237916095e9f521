"""Face boxes: the ``Box`` type, their overlap and cropping a frame to one."""

from __future__ import annotations

import numpy as np

Box = tuple[int, int, int, int]  # x, y, width, height in frame pixels


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when they do not overlap)."""
    inter = _intersection(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def share_inside(a: Box, b: Box) -> float:
    """The share of box ``a``'s area that lies inside box ``b``."""
    return _intersection(a, b) / (a[2] * a[3]) if a[2] * a[3] > 0 else 0.0


def _intersection(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return max(0, min(ax + aw, bx + bw) - max(ax, bx)) * max(0, min(ay + ah, by + bh) - max(ay, by))


def reframe(box, scale: float, shift: float, shape) -> Box:
    """``box`` (float or int x, y, w, h) grown ``scale`` times around its centre, the centre moved
    down by ``shift`` box heights first, as integers clipped to a frame of ``shape``."""
    x, y, w, h = (float(v) for v in box)
    cx, cy = x + w / 2, y + h / 2 + shift * h
    w, h = w * scale, h * scale
    x0, y0 = max(0, round(cx - w / 2)), max(0, round(cy - h / 2))
    x1, y1 = min(shape[1], round(cx + w / 2)), min(shape[0], round(cy + h / 2))
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def crop(frame: np.ndarray, box: Box) -> np.ndarray:
    """The box's pixels, clipped to the frame (never empty for a box that overlaps it)."""
    x, y, w, h = box
    height, width = frame.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 <= x0 or y1 <= y0:
        return frame[0:1, 0:1]
    return frame[y0:y1, x0:x1]

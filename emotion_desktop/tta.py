"""Test-time augmentation: classify a few views of each face and average the answers.

``flip`` adds the mirror image (the models were trained with horizontal flips);
``tencrop`` takes five crops covering 90% of the face (the centre and the four
corners) and their mirror images, the classic FER2013 ten-crop evaluation, which
the models' random zoom and shift augmentation makes them used to. It works on
face crops, so it serves every backend alike. The live view stays single-pass;
still images and the CLI can ask for it (it costs 2x or 10x the classification).
"""

from __future__ import annotations

import numpy as np

TTA_MODES = ("none", "flip", "tencrop")
TENCROP_FRACTION = 0.9


def views(face: np.ndarray, mode: str) -> list[np.ndarray]:
    """The views of one face crop that ``mode`` classifies."""
    if mode == "none":
        return [face]
    if mode == "flip":
        return [face, face[:, ::-1]]
    if mode == "tencrop":
        height, width = face.shape[:2]
        h, w = max(1, int(round(height * TENCROP_FRACTION))), max(1, int(round(width * TENCROP_FRACTION)))
        corners = [((height - h) // 2, (width - w) // 2), (0, 0), (0, width - w), (height - h, 0),
                   (height - h, width - w)]
        crops = [face[y:y + h, x:x + w] for y, x in corners]
        return crops + [crop[:, ::-1] for crop in crops]
    raise ValueError(f"unknown test-time augmentation {mode!r}; choose one of {', '.join(TTA_MODES)}")


def predict_with_tta(backend, faces: list[np.ndarray], mode: str = "none") -> np.ndarray:
    """``backend.predict`` averaged over each face's views, in one batch: (N, 7)."""
    if mode == "none" or not faces:
        return backend.predict(faces)
    per_face = [views(face, mode) for face in faces]
    count = len(per_face[0])
    batch = [view for group in per_face for view in group]
    probabilities = backend.predict(batch).reshape(len(faces), count, -1).mean(axis=1)
    return (probabilities / probabilities.sum(axis=1, keepdims=True)).astype(np.float32)

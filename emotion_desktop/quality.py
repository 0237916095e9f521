"""How sure to be of a face's answer: a quality record per face, and "uncertain" below thresholds.

Each face gets its size in pixels, its sharpness (variance of the Laplacian over the pixels'
variance, at the models' input size, so that it grows neither with resolution nor with lighting) and
its sideways head turn (BlazeFace's keypoints; 0 where the detector has none); each model's answer
adds its calibrated top probability. A model's answer on a face is *uncertain* when the face is too
small, too blurred or turned too far, or the model's top probability is too low; the label then reads
"uncertain" with the reason.

The thresholds come from ``python -m benchmarks.risk_coverage`` (risk-coverage on FER2013 PublicTest
and on the robustness suite's degraded faces, in reports/): the defaults keep at least 90 % of
PublicTest faces answered.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SHARPNESS_SIDE = 48  # the crop is measured at the models' input size
MIN_FACE_PX = 24  # below half of FER2013's 48 px there is too little face to read
MIN_SHARPNESS = 2.3  # chosen by benchmarks/risk_coverage.py on the scratch CNN
MAX_TURN = 0.6  # nose offset in eye distances: beyond a half profile the expression is half hidden
MIN_TOP_PROBABILITY = 0.40  # chosen by benchmarks/risk_coverage.py on the scratch CNN

# Reasons, in the order they are checked; their index is the code the session log stores (0: none).
REASONS = ("", "small face", "blurred face", "head turned", "model unsure")


@dataclass(frozen=True)
class FaceQuality:
    size_px: int
    sharpness: float
    turn: float

    def as_json(self) -> dict:
        return {"size_px": self.size_px, "sharpness": round(self.sharpness, 1), "head_turn": round(self.turn, 3)}


def sharpness(face_bgr: np.ndarray) -> float:
    """Detail at the scale the models see, whatever the lighting: the variance of the Laplacian over
    the variance of the pixels (a darker or flatter-lit face is not a blurred one), in percent."""
    gray = face_bgr if face_bgr.ndim == 2 else cv2.cvtColor(face_bgr, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, (SHARPNESS_SIDE, SHARPNESS_SIDE), interpolation=cv2.INTER_AREA).astype(np.float64)
    return float(100 * cv2.Laplacian(small, cv2.CV_64F).var() / (small.var() + 1.0))


def face_quality(face_bgr: np.ndarray, box, turn: float) -> FaceQuality:
    return FaceQuality(int(min(box[2], box[3])), sharpness(face_bgr), float(turn))


def uncertain_code(quality: FaceQuality, top_probability: float) -> int:
    """0 when the answer stands, else the index of its reason in REASONS."""
    if quality.size_px < MIN_FACE_PX:
        return 1
    if quality.sharpness < MIN_SHARPNESS:
        return 2
    if quality.turn > MAX_TURN:
        return 3
    if top_probability < MIN_TOP_PROBABILITY:
        return 4
    return 0

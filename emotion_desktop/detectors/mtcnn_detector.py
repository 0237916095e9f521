"""MTCNN from the ``mtcnn`` package (it ships its weights; it runs on TensorFlow)."""

from __future__ import annotations

import importlib.util

import cv2
import numpy as np

from emotion_desktop.detectors.base import Detection, DetectorInfo, FaceDetector
from emotion_desktop.geometry import reframe


class MtcnnFaceDetector(FaceDetector):
    """MTCNN from the ``mtcnn`` package (it ships its weights). Slower than Haar, finds more faces."""

    name = "mtcnn"
    # MTCNN's boxes are about three quarters as wide as tall; the classifiers take a square crop, so
    # the raw box would reach them squeezed sideways. Boxes are made square (the side the mean of
    # width and height) and then framed as FER2013 framed its faces: 1.1x as large, centre 0.05 box
    # heights higher. Chosen on 1,000 PublicTest faces by benchmarks/crop_framing.py (docs/performance.md).
    FRAMING = (1.1, -0.05)  # size factor, vertical shift (in box heights)

    def __init__(self, min_confidence: float = 0.9):
        from emotion_desktop.environment import import_tensorflow

        import_tensorflow()
        from mtcnn import MTCNN  # imported only when chosen: it loads TensorFlow

        self.model = MTCNN()  # all three stages: the last refines boxes and drops duplicates
        self.min_confidence = min_confidence

    def detect(self, frame: np.ndarray, thorough: bool = False) -> list[Detection]:
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)  # MTCNN expects RGB; OpenCV gives BGR
        detections = []
        for face in self.model.detect_faces(rgb):
            if face["confidence"] < self.min_confidence:
                continue
            x, y, w, h = (float(v) for v in face["box"])
            if w > 0 and h > 0:
                detections.append(Detection(self._framed((x, y, w, h), frame.shape), float(face["confidence"])))
        return detections

    def _framed(self, box: tuple[float, float, float, float], shape) -> tuple[int, int, int, int]:
        """The box made square around its centre, then in FER2013's framing, clipped to the frame."""
        x, y, w, h = box
        side = (w + h) / 2
        scale, shift = self.FRAMING
        return reframe((x + w / 2 - side / 2, y + h / 2 - side / 2, side, side), scale, shift, shape)


def _package_missing() -> str | None:
    if importlib.util.find_spec("mtcnn") is None:
        return "the mtcnn package is not installed (pip install mtcnn)"
    return None


INFO = DetectorInfo("mtcnn", "MTCNN (accurate, slower)", MtcnnFaceDetector, _package_missing)

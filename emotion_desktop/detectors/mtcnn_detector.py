"""MTCNN from the ``mtcnn`` package (it ships its weights; it runs on TensorFlow)."""

from __future__ import annotations

import importlib.util

import cv2
import numpy as np

from emotion_desktop.detectors.base import Detection, DetectorInfo, FaceDetector


class MtcnnFaceDetector(FaceDetector):
    """MTCNN from the ``mtcnn`` package (it ships its weights). Slower than Haar, finds more faces."""

    name = "mtcnn"

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
            x, y, w, h = (int(v) for v in face["box"])
            if w > 0 and h > 0:
                detections.append(Detection((max(0, x), max(0, y), w, h), float(face["confidence"])))
        return detections


def _package_missing() -> str | None:
    if importlib.util.find_spec("mtcnn") is None:
        return "the mtcnn package is not installed (pip install mtcnn)"
    return None


INFO = DetectorInfo("mtcnn", "MTCNN (accurate, slower)", MtcnnFaceDetector, _package_missing)

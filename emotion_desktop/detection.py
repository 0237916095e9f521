"""Face detectors: OpenCV's Haar cascade (fast, default) and MTCNN (accurate, for still images).

A detector maps a BGR frame to ``Detection`` boxes in frame pixels. When it
finds nothing in a small image that is itself a face crop (FER2013-style
48x48 inputs), ``detect_or_whole`` returns the whole image as the face.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

WHOLE_IMAGE_MAX_SIDE = 160  # images up to this size with no detected face are treated as face crops
FACE_CROP_MAX_SIDE = 64  # images this small are FER-style face crops: classified whole, no detection
DETECTOR_NAMES = ("haar", "mtcnn")


@dataclass(frozen=True)
class Detection:
    box: tuple[int, int, int, int]  # x, y, w, h in frame pixels
    confidence: float  # 0..1
    whole_image: bool = False  # the image itself was taken as the face


class HaarFaceDetector:
    """OpenCV's frontal-face Haar cascade on a downscaled, histogram-equalised gray frame.

    Live frames use a fast setting (320 px, scale step 1.2, faces at least 12%
    of the short side): on the demo, the test video and the test photos it
    found the same faces as a 480 px / 1.1 / 6% setting at a fifth of the
    time. Still images (``thorough=True``) get the slow, small-face setting.
    Confidence is the cascade's final-stage level weight squashed to 0..1 with
    a logistic (Haar has no calibrated probability).
    """

    name = "haar"
    display_name = "Haar cascade (fast)"
    THOROUGH = dict(max_side=960, scale_factor=1.1, min_face_fraction=0.03)

    def __init__(self, max_side: int = 320, min_face_fraction: float = 0.12, min_neighbors: int = 5,
                 scale_factor: float = 1.2):
        # alt2 rather than "default": on the demo and the test photos it gave no false
        # positives at minNeighbors=5 where "default" gave 22 in 30 demo frames.
        path = cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml"
        self.cascade = cv2.CascadeClassifier(path)
        if self.cascade.empty():
            raise RuntimeError(f"OpenCV's Haar cascade could not be loaded from {path}; reinstall "
                               "opencv-contrib-python-headless (below 5.0, which dropped the cascades)")
        self.max_side = max_side
        self.min_face_fraction = min_face_fraction
        self.min_neighbors = min_neighbors
        self.scale_factor = scale_factor

    def detect(self, frame: np.ndarray, thorough: bool = False) -> list[Detection]:
        settings = self.THOROUGH if thorough else dict(max_side=self.max_side, scale_factor=self.scale_factor,
                                                        min_face_fraction=self.min_face_fraction)
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        scale = min(1.0, settings["max_side"] / max(gray.shape[:2]))
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
        small = cv2.equalizeHist(small)
        # Small images (face crops) need a small minimum size: Haar's 24 px model
        # finds nothing in a 48x48 crop with a typical 50 px minimum.
        min_side = max(20, int(settings["min_face_fraction"] * min(small.shape[:2])))
        boxes, _levels, weights = self.cascade.detectMultiScale3(
            small, scaleFactor=settings["scale_factor"], minNeighbors=self.min_neighbors, minSize=(min_side, min_side),
            outputRejectLevels=True)
        detections = []
        for (x, y, w, h), weight in zip(np.asarray(boxes).reshape(-1, 4), np.asarray(weights).reshape(-1)):
            box = tuple(int(round(v / scale)) for v in (x, y, w, h))
            detections.append(Detection(box, 1.0 / (1.0 + math.exp(-float(weight)))))
        return detections


class MtcnnFaceDetector:
    """MTCNN from the ``mtcnn`` package (it ships its weights). Slower than Haar, finds more faces."""

    name = "mtcnn"
    display_name = "MTCNN (accurate)"

    def __init__(self, min_confidence: float = 0.9):
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


def make_detector(name: str = "haar"):
    if name == "haar":
        return HaarFaceDetector()
    if name == "mtcnn":
        return MtcnnFaceDetector()
    raise ValueError(f"unknown face detector {name!r}; choose one of {', '.join(DETECTOR_NAMES)}")


def detect_or_whole(detector, frame: np.ndarray, thorough: bool = False) -> list[Detection]:
    """Detected faces, or the whole image when a small image yields none (it is then a face crop).

    FER-sized images (48x48) are taken whole without detection: the models were
    trained on such crops, and a detector's box inside one only loses pixels.
    """
    height, width = frame.shape[:2]
    if max(height, width) <= FACE_CROP_MAX_SIDE:
        return [Detection((0, 0, width, height), 0.0, whole_image=True)]
    detections = detector.detect(frame, thorough=thorough)
    if not detections and max(height, width) <= WHOLE_IMAGE_MAX_SIDE:
        return [Detection((0, 0, width, height), 0.0, whole_image=True)]
    return detections


def crop(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The box's pixels, clipped to the frame (never empty for a box that overlaps it)."""
    x, y, w, h = box
    height, width = frame.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 <= x0 or y1 <= y0:
        return frame[0:1, 0:1]
    return frame[y0:y1, x0:x1]

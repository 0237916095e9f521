"""Face detectors: BlazeFace (default, ``blazeface.py``), OpenCV's Haar cascade and MTCNN.

A detector maps a BGR frame to ``Detection`` boxes in frame pixels. When it
finds nothing in a small image that is itself a face crop (FER2013-style
48x48 inputs), ``detect_or_whole`` returns the whole image as the face.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from emotion_desktop.geometry import iou

WHOLE_IMAGE_MAX_SIDE = 160  # images up to this size with no detected face are treated as face crops
FACE_CROP_MAX_SIDE = 64  # images this small are FER-style face crops: classified whole, no detection


@dataclass(frozen=True)
class Detection:
    box: tuple[int, int, int, int]  # x, y, w, h in frame pixels
    confidence: float  # 0..1
    whole_image: bool = False  # the image itself was taken as the face
    roll: float = 0.0  # degrees the eye line is turned clockwise (detectors that find eyes)


class HaarFaceDetector:
    """OpenCV's frontal-face Haar cascade on a downscaled, histogram-equalised gray frame.

    Live frames use a fast setting (400 px, scale step 1.2, faces at least 10%
    of the short side). ``python -m benchmarks.detector_settings``: in 640x480
    frames it finds faces from 70 px wide (60 px: 6 of 8) in 15 ms, where
    320 px / 12% needed 80 px faces and 480 px / 8% found 50 px faces in 22 ms.
    The live view runs it on every few frames only (see ``detect_near``).
    Still images (``thorough=True``) get the slow, small-face setting.
    Confidence is the cascade's final-stage level weight squashed to 0..1 with
    a logistic (Haar has no calibrated probability).
    """

    name = "haar"
    display_name = "Haar cascade (fast)"
    THOROUGH = dict(max_side=960, scale_factor=1.1, min_face_fraction=0.03)
    # detect_near: search a window 25% wider than the face on each side, faces rescaled to 56 px,
    # sizes within 1.3x of the tracked one. benchmarks/face_following.py: boxes at mean IoU 0.95
    # with the full pass's on both test clips (48 px: 0.85 in 2.0 ms instead of 2.6; 64 px: 0.94).
    NEAR_MARGIN, NEAR_FACE_PX, NEAR_SIZE_RANGE = 0.25, 56, 1.3

    def __init__(self, max_side: int = 400, min_face_fraction: float = 0.10, min_neighbors: int = 5,
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
        scale = min(1.0, settings["max_side"] / max(frame.shape[:2]))
        small = _equalized_gray(frame, scale)
        # Small images (face crops) need a small minimum size: Haar's 24 px model
        # finds nothing in a 48x48 crop with a typical 50 px minimum.
        min_side = max(20, int(settings["min_face_fraction"] * min(small.shape[:2])))
        return self._search(small, scale, (0, 0), scaleFactor=settings["scale_factor"],
                            minNeighbors=self.min_neighbors, minSize=(min_side, min_side))

    def detect_near(self, frame: np.ndarray, box: tuple[int, int, int, int]) -> Detection | None:
        """The face close to ``box`` (a tracked face from the previous frame), or None.

        Runs the cascade on a small window around the box, rescaled so the face
        is ``NEAR_FACE_PX`` wide and searched only at sizes near its own: 2.6 ms
        against 15.6 ms for a full pass on the 640x360 test clip, finding the full
        pass's face in every frame. This lets the live view follow faces on every
        frame and run the full-frame search only every few frames.
        """
        x, y, w, h = box
        if w <= 0 or h <= 0:
            return None
        height, width = frame.shape[:2]
        pad = int(self.NEAR_MARGIN * max(w, h))
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(width, x + w + pad), min(height, y + h + pad)
        if x1 - x0 < 20 or y1 - y0 < 20:
            return None
        scale = min(1.0, self.NEAR_FACE_PX / max(w, h))
        face = max(w, h) * scale
        smallest, largest = max(20, int(face / self.NEAR_SIZE_RANGE)), int(face * self.NEAR_SIZE_RANGE) + 1
        candidates = self._search(_equalized_gray(frame[y0:y1, x0:x1], scale), scale, (x0, y0), scaleFactor=1.1,
                                  minNeighbors=3, minSize=(smallest, smallest), maxSize=(largest, largest))
        return max(candidates, key=lambda d: iou(d.box, box), default=None)

    def _search(self, small: np.ndarray, scale: float, offset: tuple[int, int], **cascade_options) -> list[Detection]:
        """Run the cascade on a prepared image; boxes mapped back to frame pixels (``offset`` is the
        image's top-left corner in the frame, ``scale`` its resize factor)."""
        boxes, _levels, weights = self.cascade.detectMultiScale3(small, outputRejectLevels=True, **cascade_options)
        detections = []
        for (x, y, w, h), weight in zip(np.asarray(boxes).reshape(-1, 4), np.asarray(weights).reshape(-1)):
            box = (int(round(x / scale)) + offset[0], int(round(y / scale)) + offset[1],
                   int(round(w / scale)), int(round(h / scale)))
            detections.append(Detection(box, 1.0 / (1.0 + math.exp(-float(weight)))))
        return detections


def _equalized_gray(image: np.ndarray, scale: float) -> np.ndarray:
    """Gray, resized by ``scale`` (when below 1) and histogram-equalised: what the cascade searches."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if scale < 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return cv2.equalizeHist(gray)

class MtcnnFaceDetector:
    """MTCNN from the ``mtcnn`` package (it ships its weights). Slower than Haar, finds more faces."""

    name = "mtcnn"
    display_name = "MTCNN (accurate, slower)"

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


@dataclass(frozen=True)
class DetectorInfo:
    """How a face detector describes itself to the menus, the CLI and the loader."""

    name: str
    display_name: str
    make: Callable[[], object]  # builds the detector (may import TensorFlow); raises when it cannot
    probe: Callable[[], str | None] = lambda: None  # why it cannot run here (cheap), or None


def _blazeface_missing() -> str | None:
    from emotion_desktop.blazeface import CLOSE_UP_MODEL_FILE, MODEL_FILE, resource_file

    missing = [name for name in (MODEL_FILE, CLOSE_UP_MODEL_FILE) if not resource_file(name).is_file()]
    if missing:
        files = f"files {' and '.join(missing)} are" if len(missing) > 1 else f"file {missing[0]} is"
        return f"its model {files} missing (reinstall emotion-desktop)"
    return None


def _make_blazeface():
    from emotion_desktop.blazeface import BlazeFaceDetector

    return BlazeFaceDetector()


def _package_missing(package: str) -> Callable[[], str | None]:
    def probe() -> str | None:
        if importlib.util.find_spec(package) is None:
            return f"the {package} package is not installed (pip install {package})"
        return None
    return probe


# The detectors in menu order; the first is the default (benchmarks/detection.py: BlazeFace finds
# MTCNN's share of the photos' faces and 40 px faces live, at a fraction of Haar's and MTCNN's time).
# Adding one: a class with detect() (and optionally detect_near() for the live view's face
# following) plus a line here.
DETECTORS: tuple[DetectorInfo, ...] = (
    DetectorInfo("blazeface", "BlazeFace (fast, finds small faces)", _make_blazeface, _blazeface_missing),
    DetectorInfo("haar", HaarFaceDetector.display_name, HaarFaceDetector),
    DetectorInfo("mtcnn", MtcnnFaceDetector.display_name, MtcnnFaceDetector, _package_missing("mtcnn")),
)
DETECTOR_NAMES = tuple(info.name for info in DETECTORS)
DEFAULT_DETECTOR = DETECTORS[0].name
FALLBACK_DETECTOR = "haar"  # OpenCV's cascade ships with OpenCV: it can always load


def make_detector(name: str = DEFAULT_DETECTOR):
    for info in DETECTORS:
        if info.name == name:
            return info.make()
    raise ValueError(f"unknown face detector {name!r}; choose one of {', '.join(DETECTOR_NAMES)}")


def make_detector_or_fallback(name: str = DEFAULT_DETECTOR):
    """(detector, None), or (the Haar cascade, why ``name`` could not start): faces are still found
    when a detector's package or model file is missing."""
    try:
        return make_detector(name), None
    except Exception as error:  # missing file, broken package: say why, keep detecting
        if name == FALLBACK_DETECTOR:
            raise
        return make_detector(FALLBACK_DETECTOR), f"{type(error).__name__}: {error}"


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

"""OpenCV's frontal-face Haar cascade: ships with OpenCV, so it always loads (the fallback detector)."""

from __future__ import annotations

import math

import cv2
import numpy as np

from emotion_desktop.detectors.base import Detection, DetectorInfo, FaceDetector
from emotion_desktop.geometry import iou


class HaarFaceDetector(FaceDetector):
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
    follows_faces = True
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


INFO = DetectorInfo("haar", "Haar cascade (fast)", HaarFaceDetector)

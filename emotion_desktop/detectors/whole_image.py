"""Small images are face crops: when a detector finds nothing in one, the whole image is the face."""

from __future__ import annotations

import numpy as np

from emotion_desktop.detectors.base import Detection, FaceDetector

WHOLE_IMAGE_MAX_SIDE = 160  # images up to this size with no detected face are treated as face crops
FACE_CROP_MAX_SIDE = 64  # images this small are FER-style face crops: classified whole, no detection


def detect_or_whole(detector: FaceDetector, frame: np.ndarray, thorough: bool = False) -> list[Detection]:
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

"""Training faces as the app crops them: each FER2013 face upscaled in a webcam-sized frame, found by
the app's face detector and cut out with the app's framing, back at 48x48.

FER2013's square does not normalise the face's size (its faces fill it more or less), while a
detector's box does, so a model that only saw FER2013's squares answers differently on the app's
crops (``benchmarks.crop_framing``). Training on both teaches it the app's framing. Each face gets
its own size in the frame (webcam faces come at many), and the frame's border repeats the face's
edge pixels (a mirrored border would hold mirrored faces). Crops are cached beside the decoded dataset.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.detectors import make_detector
from emotion_desktop.geometry import crop
from emotion_desktop.preprocessing import prepare_faces

FACE_SIDES, FRAME = (140, 300), (480, 640)  # the faces' sizes and the frame's (height, width)
CROPS_VERSION = 1  # bump when the way crops are made changes (invalidates the cache)


def in_frame(face: np.ndarray, side: int, roll: float = 0.0) -> np.ndarray:
    """A gray face upscaled to ``side`` px in the middle of a BGR frame, its edge pixels repeated around
    it, turned ``roll`` degrees clockwise."""
    big = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
    top, left = (FRAME[0] - side) // 2, (FRAME[1] - side) // 2
    frame = cv2.copyMakeBorder(big, top, FRAME[0] - side - top, left, FRAME[1] - side - left, cv2.BORDER_REPLICATE)
    if roll:
        turn = cv2.getRotationMatrix2D((FRAME[1] / 2, FRAME[0] / 2), -roll, 1.0)
        frame = cv2.warpAffine(frame, turn, (FRAME[1], FRAME[0]), borderMode=cv2.BORDER_REPLICATE)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def nearest_to_centre(detections):
    """The detection whose box centre is nearest the frame's centre (None when there is none)."""
    centre = np.array([FRAME[1] / 2, FRAME[0] / 2])
    return min(detections, key=lambda d: np.linalg.norm(np.array(d.box[:2]) + np.array(d.box[2:]) / 2 - centre),
               default=None)


def make_detector_crops(images: np.ndarray, detector_name: str = "blazeface",
                        seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(crops (M, 48, 48) uint8, the index of each crop's face in ``images``) for the faces the
    detector finds; the still-image search, so that close-up boxes are among them."""
    detector = make_detector(detector_name)
    sides = np.random.default_rng(seed).integers(FACE_SIDES[0], FACE_SIDES[1] + 1, len(images))
    crops, found = [], []
    for index, (face, side) in enumerate(zip(images, sides)):
        frame = in_frame(face, int(side))
        detection = nearest_to_centre(detector.detect(frame, thorough=True))
        if detection is not None:  # detect() never takes the whole image as the face
            crops.append(crop(frame, detection.box))
            found.append(index)
    faces = prepare_faces(crops, 48, "gray")[..., 0] if crops else np.zeros((0, 48, 48), np.uint8)
    return faces.astype(np.uint8), np.array(found, dtype=np.int64)


def cached_detector_crops(images: np.ndarray, cache_dir: Path, detector_name: str = "blazeface"):
    """``make_detector_crops``, kept in ``cache_dir`` under the images' digest."""
    digest = hashlib.sha256(images.tobytes()).hexdigest()[:16]
    path = cache_dir / f"detector_crops_{detector_name}_v{CROPS_VERSION}_{digest}.npz"
    if path.is_file():
        kept = np.load(path)
        return kept["crops"], kept["index"]
    started = time.time()
    crops, index = make_detector_crops(images, detector_name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, crops=crops, index=index)
    print(f"{detector_name} found {len(index)} of {len(images)} training faces in frames "
          f"({time.time() - started:.0f}s; kept in {path})", flush=True)
    return crops, index

"""Which faces the live Haar setting finds, by face size, and what a full-frame pass costs.

    python -m benchmarks.detector_settings

The photos in ../shared/media/photos and scikit-image's astronaut are each
scaled so that their faces (as the slow still-image setting finds them) are
50-100 px wide, placed on a blurred copy of the photo in a 640x480 frame,
and searched with several live settings. It prints, per setting, how many of
those faces it finds at each size, how many boxes it finds where there is no
face, and its time per frame on the test clip. The app's live setting is the
``HaarFaceDetector`` defaults.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.face_following import DEFAULT_VIDEOS, read_all
from emotion_desktop.detectors.haar import HaarFaceDetector
from emotion_desktop.geometry import iou

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "media" / "photos"
FACE_SIZES = (50, 60, 70, 80, 100)
FRAME_W, FRAME_H = 640, 480
SETTINGS = {  # max_side / scale_factor / min_neighbors / min_face_fraction
    "320 / 1.2 / 5 / 0.12": dict(max_side=320, scale_factor=1.2, min_neighbors=5, min_face_fraction=0.12),
    "400 / 1.2 / 5 / 0.10": dict(max_side=400, scale_factor=1.2, min_neighbors=5, min_face_fraction=0.10),
    "320 / 1.1 / 5 / 0.12": dict(max_side=320, scale_factor=1.1, min_neighbors=5, min_face_fraction=0.12),
    "480 / 1.2 / 5 / 0.08": dict(max_side=480, scale_factor=1.2, min_neighbors=5, min_face_fraction=0.08),
}


def photos() -> list[np.ndarray]:
    from skimage import data

    images = [cv2.imread(str(path)) for path in sorted(PHOTOS.glob("*.jpg"))]
    return [image for image in images if image is not None] + [cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)]


def scenes(images: list[np.ndarray]):
    """(face size, 640x480 frame, face boxes) with each photo's faces scaled to each size."""
    reference = HaarFaceDetector()
    for photo in images:
        faces = [d.box for d in reference.detect(photo, thorough=True)]
        if not faces:
            continue
        median_width = float(np.median([box[2] for box in faces]))
        for size in FACE_SIZES:
            scale = size / median_width
            scaled = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            frame = cv2.GaussianBlur(cv2.resize(photo, (FRAME_W, FRAME_H), interpolation=cv2.INTER_AREA), (0, 0), 8)
            height, width = scaled.shape[:2]
            offset_x, offset_y = max(0, (FRAME_W - width) // 2), max(0, (FRAME_H - height) // 2)
            cut_x, cut_y = max(0, (width - FRAME_W) // 2), max(0, (height - FRAME_H) // 2)
            part = scaled[cut_y:cut_y + FRAME_H, cut_x:cut_x + FRAME_W]
            frame[offset_y:offset_y + part.shape[0], offset_x:offset_x + part.shape[1]] = part
            boxes = [(int(x * scale) - cut_x + offset_x, int(y * scale) - cut_y + offset_y, int(w * scale),
                      int(h * scale)) for x, y, w, h in faces]
            inside = [b for b in boxes if b[0] >= 0 and b[1] >= 0 and b[0] + b[2] <= FRAME_W and b[1] + b[3] <= FRAME_H]
            yield size, frame, inside


def main() -> int:
    if not PHOTOS.is_dir() or not DEFAULT_VIDEOS[0].is_file():
        print(f"error: needs the photos in {PHOTOS} and the clip {DEFAULT_VIDEOS[0]}", file=sys.stderr)
        return 2
    test_scenes = list(scenes(photos()))
    clip = read_all(DEFAULT_VIDEOS[0])
    print(f"{len(test_scenes) // len(FACE_SIZES)} photos, faces scaled to {FACE_SIZES} px in {FRAME_W}x{FRAME_H}; "
          f"timing on {DEFAULT_VIDEOS[0].name}")
    for name, settings in SETTINGS.items():
        detector = HaarFaceDetector(**settings)
        found, total, extra = dict.fromkeys(FACE_SIZES, 0), dict.fromkeys(FACE_SIZES, 0), 0
        for size, frame, truth in test_scenes:
            boxes = [d.box for d in detector.detect(frame)]
            found[size] += sum(any(iou(t, b) > 0.3 for b in boxes) for t in truth)
            total[size] += len(truth)
            extra += sum(not any(iou(t, b) > 0.3 for t in truth) for b in boxes)
        times = []
        for image in clip:
            started = time.perf_counter()
            detector.detect(image)
            times.append((time.perf_counter() - started) * 1000)
        by_size = "  ".join(f"{size} px {found[size]}/{total[size]}" for size in FACE_SIZES)
        print(f"{name}: {np.median(times):5.1f} ms p50, {np.percentile(times, 95):5.1f} ms p95 | found {by_size} | "
              f"boxes without a face {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Face detection benchmark: recall, false positives and time per image for each detector.

    python -m benchmarks.detection [--media ../shared/media]

Three tests, all on real faces:

- **Photos**: the photos listed in ``benchmarks/face_boxes.json`` (39 faces verified by eye in 13
  group and portrait photos, plus a landscape without a face), each detector's still-image search.
- **Scale sweep**: every face of those photos scaled to 24-300 px wide and placed in a 640x480
  frame (the rest of the frame a blurred copy of the photo), each detector's live search, as a
  webcam frame would be searched.
- **No face**: frames of ``pyfeat_no_face.mp4`` (a cartoon title, no human face): boxes found
  are false positives.

A detection matches a face when each box's centre lies inside the other box (detectors frame faces
differently: Haar boxes are square and tight, MTCNN's taller), each face matching once.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.detection import DETECTORS

BOXES = Path(__file__).with_name("face_boxes.json")
DEFAULT_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
SIZES = (24, 32, 40, 48, 64, 80, 120, 200, 300)


def centre_inside(a, b) -> bool:
    x, y, w, h = b
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return x <= cx <= x + w and y <= cy <= y + h


def match(found: list, truth: list) -> tuple[int, int]:
    """(faces found, false positives)."""
    unmatched = list(truth)
    false_positives = 0
    for box in found:
        hit = next((t for t in unmatched if centre_inside(box, t) and centre_inside(t, box)), None)
        if hit is None:
            false_positives += 1
        else:
            unmatched.remove(hit)
    return len(truth) - len(unmatched), false_positives


def timed(detector, image, thorough: bool) -> tuple[list, float]:
    started = time.perf_counter()
    found = [d.box for d in detector.detect(image, thorough=thorough)]
    return found, (time.perf_counter() - started) * 1000


def photos_test(detector, photos: dict, media: Path) -> dict:
    found_total = faces = false_positives = 0
    times = []
    for name, truth in photos.items():
        image = cv2.imread(str(media / "photos" / name))
        found, ms = timed(detector, image, thorough=True)
        hits, extra = match(found, truth)
        found_total, faces, false_positives = found_total + hits, faces + len(truth), false_positives + extra
        times.append(ms)
    return {"found": found_total, "faces": faces, "false_positives": false_positives, "ms": float(np.median(times))}


def sweep_frames(photos: dict, media: Path):
    """(size, frame, face box) for every face at every size, in a 640x480 frame."""
    for name, truth in photos.items():
        photo = cv2.imread(str(media / "photos" / name))
        for x, y, w, h in truth:
            for size in SIZES:
                scale = size / w
                scaled = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                frame = cv2.GaussianBlur(cv2.resize(photo, (640, 480)), (31, 31), 0)
                # Put the face in the middle of the frame with as much of its surroundings as fits.
                cx, cy = int((x + w / 2) * scale), int((y + h / 2) * scale)
                left, top = max(0, cx - 320), max(0, cy - 240)
                piece = scaled[top:top + 480, left:left + 640]
                ox, oy = 320 - (cx - left), 240 - (cy - top)
                ph, pw = min(piece.shape[0], 480 - oy), min(piece.shape[1], 640 - ox)
                if ph <= 0 or pw <= 0:
                    continue
                frame[oy:oy + ph, ox:ox + pw] = piece[:ph, :pw]
                box = (int(x * scale) - left + ox, int(y * scale) - top + oy, size, int(h * scale))
                yield size, frame, box


def sweep_test(detector, photos: dict, media: Path) -> dict:
    found = {size: [0, 0] for size in SIZES}
    times = []
    for size, frame, box in sweep_frames(photos, media):
        boxes, ms = timed(detector, frame, thorough=False)
        hits, _extra = match(boxes, [box])
        found[size][0] += hits
        found[size][1] += 1
        times.append(ms)
    return {"recall_by_size": {s: round(h / max(n, 1), 2) for s, (h, n) in found.items()},
            "ms_640x480": float(np.median(times))}


def no_face_test(detector, media: Path, frames: int = 60) -> int:
    capture = cv2.VideoCapture(str(media / "videos" / "pyfeat_no_face.mp4"))
    false_positives = 0
    for _ in range(frames):
        ok, frame = capture.read()
        if not ok:
            break
        false_positives += len(detector.detect(frame, thorough=False))
    capture.release()
    return false_positives


class YuNetCandidate:
    """YuNet through the ``yuface`` wheel (libfacedetection compiled with its weights), evaluated
    here before any app use: ``pip install yuface`` (wheels for CPython 3.7-3.11 only)."""

    def __init__(self):
        import yuface

        self._detect = yuface.detect

    def detect(self, frame, thorough: bool = False):
        from emotion_desktop.detection import Detection

        scale = min(1.0, (960 if thorough else 640) / max(frame.shape[:2]))
        small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else frame
        confidences, boxes, _landmarks = self._detect(np.ascontiguousarray(small), conf=0.6)
        return [Detection(tuple(int(v / scale) for v in box), float(c) / 100) for box, c in zip(boxes, confidences)]


def detectors():
    """(label, factory) for the app's detectors that can run here and the candidates; a factory
    raises ImportError when its package is not installed."""
    for info in DETECTORS:
        if info.probe() is None:
            yield info.name, info.make
    yield "yunet (yuface, candidate)", YuNetCandidate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--media", type=Path, default=DEFAULT_MEDIA)
    parser.add_argument("--only", help="run only the detectors whose label contains this text")
    args = parser.parse_args(argv)
    photos = json.loads(BOXES.read_text())["photos"]
    header = ["detector", "photos: found", "false pos.", "ms/photo", "live 640x480 ms",
              *[f"{s}px" for s in SIZES], "no-face FP /60 frames"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, factory in detectors():
        if args.only and args.only not in label:
            continue
        try:
            detector = factory()
        except ImportError as error:
            print(f"({label} skipped: {error})")
            continue
        stills = photos_test(detector, photos, args.media)
        sweep = sweep_test(detector, photos, args.media)
        empty = no_face_test(detector, args.media)
        row = [label, f"{stills['found']}/{stills['faces']}", str(stills["false_positives"]), f"{stills['ms']:.0f}",
               f"{sweep['ms_640x480']:.1f}", *[f"{sweep['recall_by_size'][s]:.2f}" for s in SIZES], str(empty)]
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

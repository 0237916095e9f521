"""How well and how fast the live view follows a face between full-frame detections.

    python -m benchmarks.face_following [--video PATH ...] [--scale 0.5] [--face-px 48 56 64]

For the Haar cascade (BlazeFace searches every frame instead). For every frame of each clip it
runs the detector's full live pass (what the app does every few
frames) and its ``detect_near`` from the box followed so far (what it does in between), and prints
both timings, how often the local search found the face the full pass found, found a face the full
pass did not, or missed it, and the IoU between the two boxes. ``--scale`` shrinks the frames (small,
distant faces); ``--face-px`` tries other local-search sizes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.detectors.haar import HaarFaceDetector
from emotion_desktop.geometry import iou
from emotion_desktop.sources import VideoFileSource

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media" / "videos"
DEFAULT_VIDEOS = [MEDIA / "pyfeat_single_face_neutral_smile_neutral.mp4", MEDIA / "pyfeat_face_then_noface.mov"]


def read_all(path: Path, scale: float = 1.0) -> list[np.ndarray]:
    with VideoFileSource(path) as source:
        frames = []
        while (frame := source.read()) is not None:
            image = frame.image
            if scale != 1.0:
                image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            frames.append(image)
    return frames


def follow(detector, frames: list[np.ndarray]) -> dict:
    full_ms, near_ms, overlaps = [], [], []
    both = missed = extra = 0
    box = None
    for image in frames:
        started = time.perf_counter()
        full = detector.detect(image)
        full_ms.append((time.perf_counter() - started) * 1000)
        if box is None:  # start following at the first full detection
            box = full[0].box if full else None
            continue
        started = time.perf_counter()
        found = detector.detect_near(image, box)
        near_ms.append((time.perf_counter() - started) * 1000)
        if full and found:
            both += 1
            overlaps.append(iou(found.box, full[0].box))
        elif full:
            missed += 1
        elif found:
            extra += 1
        if found:
            box = found.box
    return {"full_ms": full_ms, "near_ms": near_ms, "overlaps": overlaps, "both": both, "missed": missed,
            "extra": extra}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, nargs="+", default=DEFAULT_VIDEOS)
    parser.add_argument("--scale", type=float, default=1.0, help="resize the frames by this factor")
    parser.add_argument("--face-px", type=int, nargs="+", default=[HaarFaceDetector.NEAR_FACE_PX],
                        help="face size the local search rescales to (default: the app's)")
    args = parser.parse_args(argv)
    for video in args.video:
        if not video.is_file():
            print(f"error: video {video} not found; pass --video PATH", file=sys.stderr)
            return 2
        frames = read_all(video, args.scale)
        for face_px in args.face_px:
            detector = HaarFaceDetector()
            detector.NEAR_FACE_PX = face_px
            stats = follow(detector, frames)
            overlaps = stats["overlaps"] or [float("nan")]
            print(f"{video.name} ({frames[0].shape[1]}x{frames[0].shape[0]}, {len(frames)} frames), "
                  f"local search at {face_px} px: full pass p50 {np.median(stats['full_ms']):.1f} ms, local p50/p95 "
                  f"{np.median(stats['near_ms']):.2f}/{np.percentile(stats['near_ms'], 95):.2f} ms; "
                  f"same face {stats['both']}, missed {stats['missed']}, found where the full pass found none "
                  f"{stats['extra']}; IoU with the full pass mean {np.mean(overlaps):.2f} min {np.min(overlaps):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

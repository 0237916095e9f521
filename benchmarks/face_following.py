"""How well and how fast the live view follows a face between full-frame detections.

    python -m benchmarks.face_following [--detector blazeface|haar] [--video PATH ...] [--scale 0.5]
        [--face-px 48 56 64] [--near-crop 1.6 2.0 2.5]

For every frame of each clip it runs the detector's full live pass (what the app does every few
frames) and its ``detect_near`` from the box followed so far (what it does in between), and prints
both timings, how often the local search found the face the full pass found, found a face the full
pass did not, or missed it, the IoU between the two boxes and their size ratio (local / full: the
classifier sees the box's pixels, so a local box of another size would change the answer).
``--scale`` shrinks the frames (small, distant faces); ``--face-px`` tries other local-search sizes
for Haar, ``--near-crop`` other crop sizes for BlazeFace.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.machine import cpu_header
from emotion_desktop.detectors.blazeface import BlazeFaceDetector
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
    """Follow the first face the full pass finds; in a frame with several faces the full pass's face
    that overlaps the followed box most is the one compared with."""
    full_ms, near_ms, overlaps, ratios = [], [], [], []
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
        same = max(full, key=lambda d: iou(d.box, found.box if found else box), default=None)
        if same is not None and iou(same.box, found.box if found else box) == 0:
            same = None  # the full pass found only other faces
        if same and found:
            both += 1
            overlaps.append(iou(found.box, same.box))
            ratios.append(found.box[2] / same.box[2])
        elif same:
            missed += 1
        elif found:
            extra += 1
        box = found.box if found else (same.box if same else box)
    return {"full_ms": full_ms, "near_ms": near_ms, "overlaps": overlaps, "ratios": ratios, "both": both,
            "missed": missed, "extra": extra}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, nargs="+", default=DEFAULT_VIDEOS)
    parser.add_argument("--scale", type=float, default=1.0, help="resize the frames by this factor")
    parser.add_argument("--detector", choices=("blazeface", "haar"), default="blazeface")
    parser.add_argument("--face-px", type=int, nargs="+", default=[HaarFaceDetector.NEAR_FACE_PX],
                        help="Haar: face size the local search rescales to (default: the app's)")
    parser.add_argument("--near-crop", type=float, nargs="+", default=[BlazeFaceDetector.NEAR_CROP],
                        help="BlazeFace: crop side around the followed box, in box sides (default: the app's)")
    args = parser.parse_args(argv)
    print(cpu_header())
    for video in args.video:
        if not video.is_file():
            print(f"error: video {video} not found; pass --video PATH", file=sys.stderr)
            return 2
        frames = read_all(video, args.scale)
        for setting in (args.face_px if args.detector == "haar" else args.near_crop):
            if args.detector == "haar":
                detector, name = HaarFaceDetector(), f"local search at {setting} px"
                detector.NEAR_FACE_PX = setting
            else:
                detector, name = BlazeFaceDetector(), f"crop {setting}x the box"
                detector.NEAR_CROP = setting
            stats = follow(detector, frames)
            overlaps, ratios = stats["overlaps"] or [float("nan")], stats["ratios"] or [float("nan")]
            print(f"{video.name} ({frames[0].shape[1]}x{frames[0].shape[0]}, {len(frames)} frames), {args.detector} "
                  f"{name}: full pass p50 {np.median(stats['full_ms']):.2f} ms, local p50/p95 "
                  f"{np.median(stats['near_ms']):.2f}/{np.percentile(stats['near_ms'], 95):.2f} ms; "
                  f"same face {stats['both']}, missed {stats['missed']}, found where the full pass found none "
                  f"{stats['extra']}; IoU with the full pass mean {np.mean(overlaps):.2f} min {np.min(overlaps):.2f}; "
                  f"size local/full median {np.median(ratios):.3f} (p5 {np.percentile(ratios, 5):.3f}, "
                  f"p95 {np.percentile(ratios, 95):.3f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

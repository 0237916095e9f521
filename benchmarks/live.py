"""Live-pipeline benchmark: the real pipeline over a video, without a window.

    python -m benchmarks.live [--video PATH] [--seconds 20] [--memory-frames 10000]

Runs source (decoding the clip, looped) -> detector -> tracker -> backends ->
result assembly -> drawing of the annotated frame, as fast as it goes, for
each available backend alone and for compare mode (all of them), and prints
FPS, per-stage latency p50/p95, CPU use and resident memory. In the same run
it times the obvious alternative, ``DeepFace.analyze(frame,
actions=["emotion"])`` per frame, and prints our throughput as a ratio to it.

Frame latency here is the time from starting to read a frame to its
annotated image being ready (capture + detect + classify + draw); frames are
processed back to back, so FPS is the sustained throughput. DeepFace's real
weights cannot be downloaded here; where they are absent a same-architecture
stand-in file is written in a temporary DEEPFACE_HOME (speed does not depend
on the weights' values), and the output says so.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from benchmarks.machine import cpu_header
from emotion_desktop.backends import DISPLAY_NAMES, backend_names, load_backend
from emotion_desktop.detectors import DEFAULT_DETECTOR, detector_names, make_detector
from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
from emotion_desktop.results import SessionLog
from emotion_desktop.session import Session
from emotion_desktop.sources import VideoFileSource

DEFAULT_VIDEO = Path(__file__).resolve().parents[2] / "shared" / "media" / "videos" / \
    "pyfeat_single_face_neutral_smile_neutral.mp4"
STAGES = ("capture", "detect", "classify", "draw", "total")


def run_pipeline(video: Path, backends, seconds: float, detect_every: int, log: SessionLog | None = None,
                 max_frames: int | None = None, detector: str = DEFAULT_DETECTOR) -> dict:
    source = VideoFileSource(video, loop=True)
    # The window's own loop (session.py), one frame at a time on this thread: analysed, drawn and,
    # when a log is given, kept in it.
    session = Session(Pipeline(make_detector(detector), backends, detect_every=detect_every))
    for _ in range(15):  # warm-up: first calls compile and allocate
        session.handle(source.read())
    if log is not None:
        session.log = log
    process = psutil.Process()
    process.cpu_percent(None)
    timings = {stage: [] for stage in STAGES}
    faces = 0
    started = time.perf_counter()
    frames = 0
    while time.perf_counter() - started < seconds and (max_frames is None or frames < max_frames):
        read_started = time.perf_counter()
        frame = source.read()
        capture_ms = (time.perf_counter() - read_started) * 1000
        result, _, _ = session.handle(frame, capture_ms)
        for stage in STAGES:
            timings[stage].append(result.timings_ms[stage])
        faces += len(result.faces)
        frames += 1
    elapsed = time.perf_counter() - started
    return {
        "frames": frames, "fps": frames / elapsed, "faces_per_frame": faces / max(frames, 1),
        "p50": {s: float(np.percentile(timings[s], 50)) for s in STAGES},
        "p95": {s: float(np.percentile(timings[s], 95)) for s in STAGES},
        "cpu_percent": process.cpu_percent(None), "rss_mb": process.memory_info().rss / 2**20,
        "size": tuple(frame.image.shape[1::-1]),
    }


def time_deepface_analyze(video: Path, frames: int) -> float:
    """Frames per second of DeepFace.analyze(frame, actions=["emotion"]) on the same clip."""
    from deepface import DeepFace

    source = VideoFileSource(video, loop=True)
    DeepFace.analyze(source.read().image, actions=["emotion"], enforce_detection=False, silent=True)  # warm-up
    started = time.perf_counter()
    for _ in range(frames):
        DeepFace.analyze(source.read().image, actions=["emotion"], enforce_detection=False, silent=True)
    return frames / (time.perf_counter() - started)


def ensure_deepface_weights() -> str:
    """'shipped' if DeepFace's real weights are present, else write stand-in weights and say so."""
    from emotion_desktop.backends.deepface_backend import missing_weights_reason

    if missing_weights_reason() is None:
        return "DeepFace's real weights"
    from training.deepface_standin import write_standin_weights

    home = tempfile.mkdtemp(prefix="deepface-standin-")
    atexit.register(shutil.rmtree, home, True)
    os.environ["DEEPFACE_HOME"] = home
    write_standin_weights(home)
    return "a same-architecture stand-in weights file (DeepFace's real weights are absent here)"


def format_row(name: str, stats: dict) -> str:
    p50, p95 = stats["p50"], stats["p95"]
    stages = " ".join(f"{s} {p50[s]:.1f}/{p95[s]:.1f}" for s in STAGES)
    return (f"{name:<28} {stats['fps']:6.1f} FPS  p50/p95 ms: {stages}  CPU {stats['cpu_percent']:.0f}%  "
            f"RSS {stats['rss_mb']:.0f} MB  faces/frame {stats['faces_per_frame']:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time per configuration")
    parser.add_argument("--detector", default=DEFAULT_DETECTOR, choices=detector_names())
    parser.add_argument("--detect-every", type=int, default=LIVE_DETECT_EVERY,
                        help="search the whole frame every N frames (default: the app's live setting)")
    parser.add_argument("--analyze-frames", type=int, default=60, help="frames for DeepFace.analyze (0: skip)")
    parser.add_argument("--memory-frames", type=int, default=10_000, help="frames of the memory test (0: skip)")
    parser.add_argument("--models-dir", type=Path)
    parser.add_argument("--opencv-threads", type=int, default=1,
                        help="OpenCV's thread pool (default 1, as the window's worker sets it)")
    args = parser.parse_args(argv)
    import cv2

    cv2.setNumThreads(args.opencv_threads)
    if not args.video.is_file():
        print(f"error: video {args.video} not found; pass --video PATH", file=sys.stderr)
        return 2
    deepface_weights = ensure_deepface_weights()
    print(cpu_header())
    print(f"video: {args.video.name}; DeepFace runs on {deepface_weights}; OpenCV threads {args.opencv_threads}")
    every = Pipeline(make_detector(args.detector), [], detect_every=args.detect_every)._search_every()
    print(f"detector: {args.detector} on the whole frame every {every} frame(s)"
          f"{', known faces followed locally in between' if every > 1 else ''}; ms figures are p50/p95 per frame\n")

    backends = [load_backend(name, args.models_dir) for name in backend_names()]
    for backend in backends:
        if not backend.available:
            print(f"{backend.display_name}: unavailable ({backend.unavailable_reason})")
    available = [b for b in backends if b.available]
    results = {}
    for backend in available:
        results[backend.name] = run_pipeline(args.video, [backend], args.seconds, args.detect_every,
                                             detector=args.detector)
        print(format_row(f"{backend.display_name} ({backend.runtime.split(' (')[0]})", results[backend.name]),
              flush=True)
    if len(available) > 1:
        results["compare"] = run_pipeline(args.video, available, args.seconds, args.detect_every,
                                          detector=args.detector)
        print(format_row(f"compare ({len(available)} models)", results["compare"]), flush=True)
    first = next(iter(results.values()), None)
    if first:
        print(f"frame size {first['size'][0]}x{first['size'][1]}")

    if args.analyze_frames:
        analyze_fps = time_deepface_analyze(args.video, args.analyze_frames)
        print(f"\nDeepFace.analyze(frame, actions=['emotion']) per frame: {analyze_fps:.1f} FPS "
              f"({1000 / analyze_fps:.0f} ms/frame)")
        for name, stats in results.items():
            print(f"  {DISPLAY_NAMES.get(name, name)}: {stats['fps'] / analyze_fps:.1f}x its throughput")

    if args.memory_frames and available:
        backend = next((b for b in available if b.name == "scratch_cnn"), available[0])
        log = SessionLog()
        log.start_source(args.video.name, "video")
        run_pipeline(args.video, [backend], 1e9, args.detect_every, log=log, max_frames=500,  # warm-up
                     detector=args.detector)
        gc.collect()
        before = psutil.Process().memory_info().rss / 2**20
        stats = run_pipeline(args.video, [backend], 1e9, args.detect_every, log=log, max_frames=args.memory_frames,
                             detector=args.detector)
        gc.collect()
        after = psutil.Process().memory_info().rss / 2**20
        print(f"\nmemory over {stats['frames']} frames ({backend.display_name}, results kept in the session log): "
              f"{before:.0f} MB -> {after:.0f} MB ({after - before:+.1f} MB), {stats['fps']:.1f} FPS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

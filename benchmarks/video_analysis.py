"""Headless video analysis: `emotion-desktop predict VIDEO` against DeepFace.analyze per frame.

    python -m benchmarks.video_analysis [--video PATH] [--model scratch_cnn] [--analyze-frames 120]

Runs the real CLI in this process on every frame of a real clip (face following
between full searches, decoding on its own thread, the next frame's faces located on a
second thread while this frame is classified; once with --full-search),
after one warm-up run so that imports are not counted but loading the model
is, and times ``DeepFace.analyze(frame, actions=["emotion"])`` on frames of the
same clip in the same run. Prints frames per second of each and the ratio.
DeepFace runs on a same-architecture stand-in weights file where its real
weights are absent (speed does not depend on the weights' values).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.live import DEFAULT_VIDEO, ensure_deepface_weights, time_deepface_analyze
from benchmarks.machine import cpu_header
from emotion_desktop.backends import backend_names
from emotion_desktop.cli import main as cli


def run_cli(video: Path, model: str, extra: list[str]) -> tuple[float, int]:
    """Wall seconds and frames of one `emotion-desktop predict` run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        started = time.perf_counter()
        code = cli(["predict", str(video), "--model", model, "--json", str(out), *extra])
        elapsed = time.perf_counter() - started
        if code != 0:
            raise SystemExit(f"error: emotion-desktop predict exited {code}")
        frames = len(json.loads(out.read_text())[0]["frames"])
    return elapsed, frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--model", default="scratch_cnn", choices=backend_names())
    parser.add_argument("--analyze-frames", type=int, default=120, help="frames timed with DeepFace.analyze")
    args = parser.parse_args(argv)
    if not args.video.is_file():
        print(f"error: video {args.video} not found; pass --video PATH", file=sys.stderr)
        return 2
    weights = ensure_deepface_weights()
    run_cli(args.video, args.model, [])  # warm-up: imports, ONNX cache
    print(cpu_header())
    print(f"video: {args.video.name}; model {args.model}; DeepFace.analyze on {weights}")
    results = {}
    for label, extra in (("face following (default)", []), ("--full-search", ["--full-search"])):
        elapsed, frames = run_cli(args.video, args.model, extra)
        results[label] = frames / elapsed
        print(f"emotion-desktop predict, {label}: {frames} frames in {elapsed:.2f} s = {frames / elapsed:.1f} FPS "
              "(model load included)", flush=True)
    analyze = time_deepface_analyze(args.video, args.analyze_frames)
    print(f"DeepFace.analyze(frame, actions=['emotion']) per frame: {analyze:.1f} FPS ({args.analyze_frames} frames)")
    for label, fps in results.items():
        print(f"  {label}: {fps / analyze:.1f}x DeepFace.analyze")
    return 0


if __name__ == "__main__":
    sys.exit(main())

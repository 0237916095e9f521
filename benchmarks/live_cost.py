"""Live detection cost of this checkout against earlier ones, on the same machine.

    python -m benchmarks.live_cost [--against 920a2a1^ ea2b19c] [--rounds 2] [--media ../shared/media]

Three real clips go through the app's pipeline without a classifier (a full search every few
frames, faces followed in between, as the window runs it), with BlazeFace: one face
(``fer_woman2.mp4``), an audience (``face_recognition_short_hamilton_clip.mp4``: small, blurry,
weakly scored faces) and no face (``pyfeat_no_face.mp4``). Each earlier revision is checked out in a
temporary git worktree and measured in its own process, the checkouts alternately, ``--rounds``
times; each figure is the best of three passes (the least disturbed by other work). Prints
detection ms per frame, the range over the rounds. ``920a2a1^`` is the code before issue 17 (whose
target is "live detection cost within +1 ms of that, on the same machine"). Run it with nothing
else running.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.machine import cpu_header

REPO = Path(__file__).resolve().parents[1]
CLIPS = {"one face": "fer_woman2.mp4", "audience": "face_recognition_short_hamilton_clip.mp4",
         "no face": "pyfeat_no_face.mp4"}
FRAMES = 300

# Runs inside the checkout measured: only the API every revision since the live pipeline has
# (the detector moved into a package later).
PROBE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import cv2
try:
    from emotion_desktop.detectors.blazeface import BlazeFaceDetector
except ImportError:
    from emotion_desktop.blazeface import BlazeFaceDetector
from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
from emotion_desktop.sources import Frame
figures = {}
for name, path in json.loads(sys.argv[2]).items():
    capture = cv2.VideoCapture(path)
    clip = [frame for ok, frame in iter(capture.read, (False, None)) if ok][:int(sys.argv[3])]
    detector, best = BlazeFaceDetector(), float("inf")
    for _ in range(3):
        getattr(detector, "reset", lambda: None)()
        pipeline = Pipeline(detector, [], detect_every=LIVE_DETECT_EVERY)
        started = time.perf_counter()
        for index, frame in enumerate(clip):
            pipeline.process(Frame(frame, index, index / 30))
        best = min(best, (time.perf_counter() - started) * 1000 / len(clip))
    figures[name] = best
print(json.dumps(figures))
"""


def measure(checkout: Path, clips: dict[str, Path]) -> dict[str, float]:
    """Detection ms per frame of each clip with the code of ``checkout``."""
    done = subprocess.run([sys.executable, "-c", PROBE, str(checkout),
                           json.dumps({name: str(path) for name, path in clips.items()}), str(FRAMES)],
                          capture_output=True, text=True, cwd=checkout)
    if done.returncode != 0:
        last_line = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise SystemExit(f"error: measuring {checkout} failed: {last_line}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", nargs="*", default=["920a2a1^"], help="earlier git revisions")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    args = parser.parse_args(argv)
    clips = {name: args.media / "videos" / file for name, file in CLIPS.items()}
    missing = [str(path) for path in clips.values() if not path.is_file()]
    if missing:
        print(f"error: clips not found: {', '.join(missing)} (pass --media)")
        return 2
    print(cpu_header())
    with tempfile.TemporaryDirectory(prefix="live_cost_") as scratch:
        checkouts = {}
        for revision in args.against:
            worktree = Path(scratch) / revision.replace("^", "_parent").replace("/", "_")
            subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(worktree), revision],
                           cwd=REPO, check=True)
            checkouts[revision] = worktree
        checkouts["this checkout"] = REPO
        try:
            rounds = [{label: measure(path, clips) for label, path in checkouts.items()} for _ in range(args.rounds)]
        finally:
            for worktree in checkouts.values():
                if worktree != REPO:
                    subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO)
    print(f"\nBlazeFace detection through the pipeline, ms per frame (best of 3 passes; range over "
          f"{args.rounds} rounds)\n")
    print("| clip | " + " | ".join(checkouts) + " |")
    print("|---|" + "---|" * len(checkouts))
    for name in CLIPS:
        cells = []
        for label in checkouts:
            figures = [run[label][name] for run in rounds]
            cells.append(f"{min(figures):.2f}–{max(figures):.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

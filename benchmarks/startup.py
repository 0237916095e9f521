"""Start-up: how long until the first answer, and how much memory it takes.

    python -m benchmarks.startup [--image PATH] [--runs 3]

1. ``emotion-desktop predict IMAGE`` as a new process: wall time and peak
   resident memory (the whole process, interpreter start included).
2. The window on the built-in demo (offscreen) as a new process: seconds from
   the process's start to the first frame with a model's answer on screen.
Each is run ``--runs`` times; the median is printed with the single runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_IMAGE = REPO.parent / "shared" / "media" / "photos" / "pyfeat_single_face.jpg"

FIRST_LABEL_PROBE = """
import time, psutil
started = psutil.Process().create_time()
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from emotion_desktop.gui.main_window import MainWindow
import tempfile, pathlib
settings = QSettings(str(pathlib.Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
window = MainWindow(settings=settings, start=("demo",))
window.show()
while True:
    app.processEvents()
    result = window.last_result
    if result is not None and result.faces and result.faces[0].probabilities and window._ui_frames:
        print(f"FIRST_LABEL {time.time() - started:.3f}", flush=True)
        break
    if time.time() - started > 120:
        print("FIRST_LABEL timeout", flush=True)
        break
    time.sleep(0.002)
window.close()
"""


def predict_once(image: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `emotion-desktop predict IMAGE` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "emotion_desktop.cli", "predict", str(image), "--json", os.devnull],
                          capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"predict failed: {done.stderr.strip().splitlines()[-1:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # max over children so far, in KB
    return wall, max(peak, before) / 1024


def first_label_once() -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", FIRST_LABEL_PROBE], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=180)
    line = next((line for line in done.stdout.splitlines() if line.startswith("FIRST_LABEL")), "FIRST_LABEL ?")
    value = line.split()[1]
    if value in ("?", "timeout"):
        raise SystemExit(f"the window gave no label: {done.stderr.strip().splitlines()[-3:]}")
    return float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.image.is_file():
        print(f"error: {args.image} not found; pass --image PATH", file=sys.stderr)
        return 2
    predict_once(args.image)  # warm the file cache and the ONNX cache
    runs = [predict_once(args.image) for _ in range(args.runs)]
    walls = [wall for wall, _ in runs]
    peak = max(mb for _, mb in runs)
    print(f"emotion-desktop predict {args.image.name}: median {statistics.median(walls):.2f} s wall "
          f"({', '.join(f'{w:.2f}' for w in walls)}), peak RSS {peak:.0f} MB (largest over all runs)")
    labels = [first_label_once() for _ in range(args.runs)]
    print(f"window on the demo, first label after: median {statistics.median(labels):.2f} s "
          f"({', '.join(f'{s:.2f}' for s in labels)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up and footprint: how long until the first answer, how much memory and CPU it takes.

    python -m benchmarks.startup [--image PATH] [--runs 3] [--cpu-seconds 30]

1. ``emotion-desktop predict IMAGE`` as a new process: wall time and peak
   resident memory (the whole process, interpreter start included).
2. The window on the built-in demo (offscreen) as a new process: seconds from
   the process's start to the first frame with a model's answer on screen.
Each is run ``--runs`` times; the median is printed with the single runs.
3. The window on the demo (one face, 30 FPS, offscreen) after 5 s of warm-up: the process's CPU
   time over ``--cpu-seconds`` as a share of one core, and the frames shown per second.
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

from benchmarks.machine import cpu_header

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
    if result is not None and result.faces and result.faces[0].probabilities and window.frames_shown:
        print(f"FIRST_LABEL {time.time() - started:.3f}", flush=True)
        break
    if time.time() - started > 120:
        print("FIRST_LABEL timeout", flush=True)
        break
    time.sleep(0.002)
window.close()
"""


CPU_PROBE = """
import sys, threading, time, psutil
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from emotion_desktop.gui.main_window import MainWindow
import tempfile, pathlib
settings = QSettings(str(pathlib.Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
window = MainWindow(settings=settings, start=("demo",))
window.show()
process = psutil.Process()
def thread_times():
    return {t.id: t.user_time + t.system_time for t in process.threads()}
def begin():
    global before, frames_before, started
    before, frames_before, started = thread_times(), window.frames_shown, time.time()
    QTimer.singleShot(int(float(sys.argv[1]) * 1000), end)
def end():
    after, elapsed = thread_times(), time.time() - started
    names = {t.native_id: t.name for t in threading.enumerate()}
    busy = {}
    for tid, seconds in after.items():
        try:  # threads Python did not start carry the name their library gave them (QThread, ORT...)
            comm = pathlib.Path(f"/proc/self/task/{tid}/comm").read_text().strip()
        except OSError:
            comm = "?"
        name = names.get(tid, comm).replace(" ", "-")
        busy[name] = busy.get(name, 0.0) + seconds - before.get(tid, 0.0)
    faces = len(window.last_result.faces) if window.last_result else 0
    parts = ",".join(f"{name}={100 * b / elapsed:.1f}" for name, b in sorted(busy.items(), key=lambda kv: -kv[1]))
    print(f"CPU {100 * sum(busy.values()) / elapsed:.1f} {(window.frames_shown - frames_before) / elapsed:.1f} "
          f"{faces} {parts}", flush=True)
    window.close()
    app.quit()
QTimer.singleShot(5000, begin)  # warm-up: models loaded, first frames shown
app.exec()
"""


def window_cpu(seconds: float) -> tuple[float, float, int, str]:
    """(CPU % of one core, frames shown per second, faces, CPU % per thread) of the window on the demo,
    running its own event loop as the app does."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CPU_PROBE, str(seconds)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=seconds + 180)
    line = next((line for line in done.stdout.splitlines() if line.startswith("CPU ")), None)
    if line is None:
        raise SystemExit(f"the window did not run: {done.stderr.strip().splitlines()[-3:]}")
    _, cpu, fps, faces, parts = line.split()
    return float(cpu), float(fps), int(faces), parts.replace(",", ", ")


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
    parser.add_argument("--cpu-seconds", type=float, default=30.0, help="CPU measuring time (0: skip)")
    args = parser.parse_args(argv)
    print(cpu_header())
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
    if args.cpu_seconds > 0:
        cpu, fps, faces, parts = window_cpu(args.cpu_seconds)
        print(f"window on the demo ({faces} face, {fps:.1f} frames shown per second): CPU {cpu:.0f} % of one core "
              f"over {args.cpu_seconds:.0f} s\n  by thread, % of one core: {parts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

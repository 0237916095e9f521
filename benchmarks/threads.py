"""How many ONNX Runtime threads each network should get on this machine: time and CPU per call.

    python -m benchmarks.threads [--runs 200] [--batches 1 4]

For every shipped ONNX file (the classifiers, float and int8, and BlazeFace's two detectors) it
runs a batch of random inputs with 1, 2, ... up to the cores available intra-op threads (no
spinning, as the app runs them) and prints the median wall time per call and the process CPU time
per call. A second thread pays where it cuts the wall time by more than it adds CPU time: the
window at 30 FPS is bounded by CPU, a benchmark or an archive by wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.machine import cpu_header
from emotion_desktop.backends.runners import OnnxRunner
from emotion_desktop.settings import shipped_file

REPO = Path(__file__).resolve().parents[1]


def networks() -> list[Path]:
    models = sorted((REPO / "models").glob("*.onnx"))
    return models + [shipped_file("resources", name) for name in ("blazeface_full_range.onnx",
                                                                  "blazeface_short_range.onnx")]


def measure(path: Path, threads: int, batch: int, runs: int) -> tuple[float, float]:
    """(median wall ms, mean process CPU ms) per call."""
    runner = OnnxRunner(path, threads=threads)
    shape = [batch if not isinstance(d, int) or i == 0 else d for i, d in enumerate(runner.input_shape)]
    inputs = np.random.default_rng(0).random(shape, dtype=np.float32)
    for _ in range(10):
        runner(inputs)
    walls = []
    cpu_started = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        runner(inputs)
        walls.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu_started) / runs
    return float(np.median(walls)) * 1000, cpu * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4], help="faces per call (detectors: 1)")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    counts = sorted({1, 2, min(4, cores), cores} & set(range(1, cores + 1)))
    print(cpu_header())
    print("network, batch: wall ms / CPU ms per call at " + ", ".join(f"{n} thread(s)" for n in counts))
    for path in networks():
        for batch in (args.batches if "blazeface" not in path.name else [1]):
            cells = [measure(path, n, batch, args.runs) for n in counts]
            print(f"{path.name:<32} batch {batch}: " + "   ".join(f"{n}t {w:6.2f} / {c:6.2f}"
                                                                   for n, (w, c) in zip(counts, cells)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How a classifier's ONNX file runs fastest on this CPU: float or int8, and how many threads.

Both depend on the CPU, so they are measurements, not rules: int8 convolutions pay on some CPUs
(AVX2, AVX-512 VNNI) and not on others, and a second ONNX Runtime thread halves a small network's
time on one machine and only adds CPU on another (``python -m benchmarks.threads``). The first load
on a machine times each file at batch 1 with 1, 2 and 4 threads (at most the cores available) and
caches the answer by CPU, core count and file digests. ``EMOTION_DESKTOP_INT8=on|off`` forces the
file, ``EMOTION_DESKTOP_THREADS=N`` the threads (the batch workers share the cores that way).
"""

from __future__ import annotations

import json
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from emotion_desktop.environment import cache_dir, cpu_name, cpu_simd
from emotion_desktop.settings import INT8_ENV, THREADS_ENV, env

log = logging.getLogger(__name__)

FASTER_BY = 0.9  # int8 must take at most this share of the float time: a tie keeps the exact float model
# More threads must cut the time to this share of fewer threads' time: they cost CPU (the window at
# 30 FPS is bounded by CPU), so a small gain is not worth it.
MORE_THREADS_BY = 0.75
RUNS = 30


def choices_file() -> Path:
    return cache_dir() / "runner_choice.json"


_reserved_cores = 0


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def cores_reserved(count: int):
    """Within the block, leave ``count`` cores to work that runs beside the classifiers (the face
    detector of a video analysed in two overlapping stages): models loaded there choose among fewer
    threads."""
    global _reserved_cores
    previous, _reserved_cores = _reserved_cores, max(0, count)
    try:
        yield
    finally:
        _reserved_cores = previous


def usable_cores() -> int:
    return max(1, available_cores() - _reserved_cores)


def median_ms(runner, batch: np.ndarray) -> float:
    for _ in range(5):
        runner(batch)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        runner(batch)
        times.append(time.perf_counter() - started)
    return float(np.median(times)) * 1000


def _remembered(key: str, measure) -> dict:
    """The cached answer for ``key`` on this CPU, or ``measure()``'s, then cached."""
    machine_key = f"{cpu_name()} ({cpu_simd()}, {usable_cores()} cores) {key}"
    path = choices_file()
    try:
        choices = json.loads(path.read_text())
    except (OSError, ValueError):
        choices = {}
    if machine_key not in choices:
        choices[machine_key] = measure()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(choices, indent=1) + "\n")
            temporary.replace(path)
        except OSError:  # a read-only cache only costs the measurement again next time
            pass
    return choices[machine_key]


def prefer_int8(float_runner, int8_runner, key: str) -> bool:
    """Whether to run the int8 file: the override, else the cached or newly measured answer for ``key``
    (the two files' digests) on this CPU."""
    override = (env(INT8_ENV) or "auto").lower()
    if override in ("on", "off"):
        return override == "on"

    def measure() -> dict:
        batch = np.random.default_rng(0).random((1, *float_runner.input_shape[1:]), dtype=np.float32)
        float_ms, int8_ms = median_ms(float_runner, batch), median_ms(int8_runner, batch)
        log.info("int8 or float on %s: %.2f ms int8, %.2f ms float at batch 1", cpu_name(), int8_ms, float_ms)
        return {"float_ms": round(float_ms, 3), "int8_ms": round(int8_ms, 3), "int8": int8_ms <= FASTER_BY * float_ms}

    return bool(_remembered(key, measure)["int8"])


def thread_count(onnx_path: Path) -> int:
    """ONNX Runtime intra-op threads for this file: the override, else the fewest threads that more
    threads do not beat by ``MORE_THREADS_BY``, measured at batch 1 once per CPU and file."""
    from emotion_desktop.backends.runners import OnnxRunner, file_digest

    fixed = int(env(THREADS_ENV) or 0)
    if fixed > 0:
        return fixed
    counts = sorted({n for n in (1, 2, 4) if n <= usable_cores()})
    if counts == [1]:
        return 1

    def measure() -> dict:
        timings = {}
        for count in counts:
            runner = OnnxRunner(onnx_path, threads=count)
            batch = np.random.default_rng(0).random((1, *runner.input_shape[1:]), dtype=np.float32)
            timings[count] = median_ms(runner, batch)
        chosen = counts[0]
        for count in counts[1:]:
            if timings[count] <= MORE_THREADS_BY * timings[chosen]:
                chosen = count
        log.info("%s on %s: %s ms at batch 1 with %s threads; using %d", onnx_path.name, cpu_name(),
                 [round(timings[n], 2) for n in counts], counts, chosen)
        return {"ms_by_threads": {str(n): round(t, 3) for n, t in timings.items()}, "threads": chosen}

    return int(_remembered(f"threads {file_digest(onnx_path)}", measure)["threads"])


def fastest_runner(onnx_path: Path, card: dict):
    """The runner for a classifier's float ONNX file, or for the int8 file its card records beside it
    (written by ``training.quantize`` from exactly this float file) where that is faster on this CPU,
    each with its measured thread count; and whether it is the int8 one."""
    from emotion_desktop.backends.runners import OnnxRunner, file_digest

    float_runner = OnnxRunner(onnx_path, threads=thread_count(onnx_path))
    record = card.get("int8") or {}
    int8_path = onnx_path.with_name(Path(record["file"]).name) if record.get("file") else None
    float_digest = file_digest(onnx_path)
    if int8_path is None or not int8_path.is_file() or record.get("float_onnx_digest") != float_digest:
        return float_runner, False
    int8_runner = OnnxRunner(int8_path, threads=thread_count(int8_path))
    if prefer_int8(float_runner, int8_runner, f"{float_digest} {file_digest(int8_path)}"):
        return int8_runner, True
    return float_runner, False

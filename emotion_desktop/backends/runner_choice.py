"""Float or int8: which of a model's two ONNX files runs faster on this CPU, measured once and cached.

int8 convolutions pay on some CPUs (AVX2, AVX-512 VNNI) and not on others, so the choice is a
measurement, not a rule: the first load on a machine times both files at batch 1 (about half a second)
and caches the answer by CPU and file digests. ``EMOTION_DESKTOP_INT8=on|off`` overrides it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from emotion_desktop.environment import cache_dir, cpu_name, cpu_simd
from emotion_desktop.settings import INT8_ENV, env

log = logging.getLogger(__name__)

FASTER_BY = 0.9  # int8 must take at most this share of the float time: a tie keeps the exact float model
RUNS = 30


def choices_file() -> Path:
    return cache_dir() / "int8_choice.json"


def median_ms(runner, batch: np.ndarray) -> float:
    for _ in range(5):
        runner(batch)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        runner(batch)
        times.append(time.perf_counter() - started)
    return float(np.median(times)) * 1000


def prefer_int8(float_runner, int8_runner, key: str) -> bool:
    """Whether to run the int8 file: the override, else the cached or newly measured answer for ``key``
    (the two files' digests) on this CPU."""
    override = (env(INT8_ENV) or "auto").lower()
    if override in ("on", "off"):
        return override == "on"
    machine_key = f"{cpu_name()} ({cpu_simd()}) {key}"
    path = choices_file()
    try:
        choices = json.loads(path.read_text())
    except (OSError, ValueError):
        choices = {}
    if machine_key not in choices:
        batch = np.random.default_rng(0).random((1, *float_runner.input_shape[1:]), dtype=np.float32)
        float_ms, int8_ms = median_ms(float_runner, batch), median_ms(int8_runner, batch)
        choices[machine_key] = {"float_ms": round(float_ms, 3), "int8_ms": round(int8_ms, 3),
                                "int8": int8_ms <= FASTER_BY * float_ms}
        log.info("int8 or float on %s: %.2f ms int8, %.2f ms float at batch 1", cpu_name(), int8_ms, float_ms)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(choices, indent=1) + "\n")
            temporary.replace(path)
        except OSError:  # a read-only cache only costs the measurement again next time
            pass
    return bool(choices[machine_key]["int8"])

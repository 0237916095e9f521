"""Facts about the machine and the user's folders, in one place."""

from __future__ import annotations

import os
import platform
from contextlib import contextmanager
from pathlib import Path

CACHE_ENV = "EMOTION_DESKTOP_CACHE"


def cache_dir() -> Path:
    """The project's cache folder (decoded datasets, ONNX exports): ``$EMOTION_DESKTOP_CACHE`` or
    ``~/.cache/emotion_desktop``, read at call time so tests and tools can redirect it."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "emotion_desktop")


def cpu_name() -> str:
    """The CPU's model name (for cards and benchmark reports)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


@contextmanager
def temporary_env(name: str, value: str):
    """Set an environment variable for the duration of a ``with`` block, then restore it."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous

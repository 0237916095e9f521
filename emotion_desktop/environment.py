"""Facts about the machine and the user's folders, in one place."""

from __future__ import annotations

import os
import platform
from contextlib import contextmanager
from pathlib import Path

from emotion_desktop.settings import CACHE_ENV


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


def cpu_simd() -> str:
    """The widest vector instructions the CPU offers (AMX, AVX-512 bf16, AVX-512, AVX2, ...): the same
    model runs several times faster on the wider ones, so every speed figure names it."""
    try:
        flags = next((line.split(":", 1)[1].split() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("flags")), [])
    except OSError:
        flags = []
    for flag, level in (("amx_tile", "AMX"), ("avx512_bf16", "AVX-512 bf16"), ("avx512f", "AVX-512"),
                        ("avx2", "AVX2"), ("avx", "AVX"), ("sse4_2", "SSE4.2")):
        if flag in flags:
            return level
    return "unknown"


def cpu_generation(cpuinfo: str | None = None) -> str | None:
    """AMD's core generation (Zen 3, Zen 4, Zen 5) from the CPU family and model in ``/proc/cpuinfo``
    (or the text given), where a virtual machine names every EPYC just "AMD EPYC"; None for other CPUs."""
    try:
        text = Path("/proc/cpuinfo").read_text() if cpuinfo is None else cpuinfo
        lines = text.split("\n\n")[0].splitlines()  # the first CPU's fields
        fields = {key.strip(): value for key, value in (line.split(":", 1) for line in lines if ":" in line)}
        vendor, family, model = (fields[key].strip() for key in ("vendor_id", "cpu family", "model"))
        family, model = int(family), int(model)
    except (OSError, KeyError, ValueError):
        return None
    if vendor != "AuthenticAMD":
        return None
    if family == 25:  # Zen 3 and Zen 4 share family 19h; Zen 4's models are 10h-1Fh and 60h-AFh
        return "Zen 4" if 0x10 <= model <= 0x1F or 0x60 <= model <= 0xAF else "Zen 3"
    return {23: "Zen/Zen 2", 26: "Zen 5"}.get(family)


def cpu_description() -> str:
    """CPU model, its vector instructions and the cores this process may use, for benchmark headers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    generation = cpu_generation()
    return f"{cpu_name()}{' ' + generation if generation else ''} ({cpu_simd()}), {cores} cores"


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


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's per-thread malloc arenas (M_ARENA_MAX). The window starts a frame-reader thread per
    source; each new thread got its own arena that kept freed frames, so RSS grew by ~1.2 MB per
    source opened until 16 arenas existed (+22 MB over 18 source changes; +2.4 MB with the cap).
    Returns whether the cap was applied (glibc only)."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-8, arenas))  # -8: M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to cap
        return False


# What TensorFlow's native libraries print while loading, before its log level applies: true on
# every CPU-only machine and of no use to a user of the app.
TENSORFLOW_STARTUP_NOISE = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
    "Could not find cuda drivers",
    "failed call to cuInit",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "rebuild TensorFlow with the appropriate compiler flags",
)


@contextmanager
def native_stderr_filtered(noise: tuple[str, ...] = TENSORFLOW_STARTUP_NOISE):
    """Hide lines containing ``noise`` that native code writes to file descriptor 2 inside the
    block; every other line is written to stderr when the block ends (late, but never lost)."""
    import sys
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines(keepends=True)
                    if not any(pattern in line for pattern in noise)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def import_tensorflow():
    """``import tensorflow``, without its CPU-only start-up chatter on the terminal."""
    import sys

    if "tensorflow" not in sys.modules:
        with native_stderr_filtered():
            import tensorflow  # noqa: F401
    return sys.modules["tensorflow"]

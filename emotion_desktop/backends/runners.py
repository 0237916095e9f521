"""Fast inference for a loaded Keras 3 model: ONNX Runtime, or a compiled TensorFlow function.

``model.predict`` costs tens of milliseconds per call; both runners here are
compiled once. ONNX Runtime runs small CNNs at batch 1 two to three times
faster than TensorFlow on this kind of CPU (measured 2.1 vs 4.4 ms for a
117 MMAC VGG-style net), so it is preferred: the Keras model is exported to
ONNX once (tf2onnx, in a child process), the export is checked against
Keras on a fixed batch, and the result is cached by the ``.keras`` file's hash.
Set ``EMOTION_DESKTOP_RUNTIME=keras`` to force TensorFlow.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from emotion_desktop.environment import cache_dir, import_tensorflow
from emotion_desktop.settings import RUNTIME_ENV, THREADS_ENV, env

log = logging.getLogger(__name__)

PARITY_TOLERANCE = 1e-4
EXPORT_TIMEOUT_S = 1800  # a ResNet-sized export on a slow 2-core machine takes minutes, not half an hour
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


def onnx_cache_dir() -> Path:
    return cache_dir() / "onnx"


def onnx_cache_path(model_path: Path) -> Path:
    """Where the ONNX export of this exact .keras file (by content digest) is cached."""
    return onnx_cache_dir() / f"{model_path.stem}-{file_digest(model_path)}.onnx"


def cached_onnx(model_path: Path) -> Path | None:
    """The cached, parity-checked ONNX export of this .keras file, if an earlier run made one."""
    path = onnx_cache_path(model_path)
    return path if path.is_file() else None


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:20]


class KerasRunner:
    """A compiled (XLA) TensorFlow function; batches are padded to a few sizes so it compiles rarely."""

    def __init__(self, model):
        tf = import_tensorflow()

        self.model = model
        self._forward = tf.function(lambda batch: model(batch, training=False), jit_compile=True,
                                    reduce_retracing=True)
        self.description = f"TensorFlow {tf.__version__} (XLA-compiled function)"

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        count = len(batch)
        size = next((b for b in BATCH_BUCKETS if b >= count), count)
        if size != count:
            batch = np.concatenate([batch, np.zeros((size - count, *batch.shape[1:]), batch.dtype)])
        return np.asarray(self._forward(batch))[:count]


class OnnxRunner:
    def __init__(self, onnx_path: Path, threads: int | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or int(env(THREADS_ENV) or 0) or min(4, os.cpu_count() or 1)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between runs: on 2 cores, spinning ORT threads starved the Haar detector and
        # TensorFlow (DeepFace): benchmarks/live.py's compare mode got faster, a single model kept its
        # rate at less CPU.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.input_shape = tuple(self.session.get_inputs()[0].shape)  # (batch, H, W, C)
        self.description = f"ONNX Runtime {ort.__version__}"

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input_name: np.ascontiguousarray(batch, dtype=np.float32)})[0]


def export_onnx(model, target: Path) -> None:
    """Export a Keras model's inference function to ONNX with tf2onnx, atomically.

    The function is traced with ``training=False`` explicitly: ``model.export(format="onnx")``
    traced the nested ResNet50V2 backbone with batch-statistics BatchNormalization, which
    gave near-uniform outputs (the parity check caught it).
    """
    tf = import_tensorflow()
    import keras
    import tf2onnx

    target.parent.mkdir(parents=True, exist_ok=True)

    @tf.autograph.experimental.do_not_convert
    def infer(face):
        return model(face, training=False)

    signature = [tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name="face")]
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        path = Path(tmp) / "model.onnx"
        tf2onnx.convert.from_function(tf.function(infer), input_signature=signature, opset=17,
                                      output_path=str(path))
        path.replace(target)
    log.info("exported %s to ONNX at %s (Keras %s)", model.name, target, keras.__version__)


def check_parity(model, runner, input_shape) -> float:
    """Largest absolute difference between Keras and the runner on a fixed random batch."""
    rng = np.random.default_rng(0)
    batch = rng.random((4, *input_shape), dtype=np.float32)
    expected = np.asarray(model(batch, training=False))
    return float(np.abs(expected - runner(batch)).max())


def runtime_preference(runtime: str | None) -> str:
    """auto, onnx or keras: the argument, else ``$EMOTION_DESKTOP_RUNTIME``, else auto."""
    prefer = (runtime or env(RUNTIME_ENV) or "auto").lower()
    if prefer not in ("auto", "onnx", "keras"):
        raise ValueError(f"{RUNTIME_ENV} must be auto, onnx or keras, not {prefer!r}")
    return prefer


def cache_checked_export(model, model_path: Path) -> Path:
    """Export ``model`` (loaded from ``model_path``) into the ONNX cache; ValueError if it does not
    answer like Keras.

    Exported beside the cache entry and moved in only after the parity check, so a file in the
    cache has passed it (cached_onnx can then load it without TensorFlow). The candidate's name
    is the exporter's own: the window and an evaluation may export the same model at once, and a
    shared name let one move the other's file away mid-check.
    """
    onnx_path = onnx_cache_path(model_path)
    remove_abandoned_candidates(onnx_path)
    candidate = onnx_path.with_suffix(f".{uuid.uuid4().hex[:12]}.unchecked.onnx")
    try:
        export_onnx(model, candidate)
        difference = check_parity(model, OnnxRunner(candidate), model.input_shape[1:])
        if difference > PARITY_TOLERANCE:
            raise ValueError(f"the ONNX export differs from Keras by {difference:.2g}")
        candidate.replace(onnx_path)
    finally:
        candidate.unlink(missing_ok=True)
    return onnx_path


def remove_abandoned_candidates(onnx_path: Path) -> None:
    """Delete this export's candidates left by exporters that were killed (a timed-out child): each
    has its own name, so none would ever be overwritten. Only ones older than any live export."""
    now = time.time()
    for leftover in onnx_path.parent.glob(f"{onnx_path.stem}.*.unchecked.onnx"):
        with contextlib.suppress(OSError):  # another exporter may remove it first
            if now - leftover.stat().st_mtime > 2 * EXPORT_TIMEOUT_S:
                leftover.unlink()


def export_in_child(model_path: Path, timeout: float = EXPORT_TIMEOUT_S) -> tuple[Path | None, str]:
    """Run cache_checked_export in a child process: (the cached file, "") or (None, why not).

    TensorFlow and tf2onnx took gigabytes for the ResNet50V2 graph and never gave them back
    (soak RSS 1.2 -> 4.0 GB); in a child they leave with it, and the app runs ONNX Runtime alone.
    """
    command = [sys.executable, "-m", "emotion_desktop.backends.export_child", str(model_path)]
    try:
        child = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"{type(error).__name__}: {error}"
    exported = cached_onnx(model_path)
    if child.returncode == 0 and exported is not None:
        return exported, ""
    lines = [line for line in child.stderr.strip().splitlines() if line.strip()]
    return None, lines[-1] if lines else f"the export process exited with code {child.returncode}"

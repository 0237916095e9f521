"""The project's own models: ``models/<name>.keras`` plus its card ``models/<name>.json``."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from emotion_desktop.backends.base import Backend, as_probabilities
from emotion_desktop.backends.info import BackendInfo
from emotion_desktop.calibration import apply_temperature, card_temperature
from emotion_desktop.environment import import_tensorflow
from emotion_desktop.model_card import load_card, read_card_json
from emotion_desktop.preprocessing import normalise, prepare_faces

log = logging.getLogger(__name__)


def missing_files_reason(name: str, models_dir: Path) -> str | None:
    """Why ``name`` cannot load from ``models_dir`` (None when both files are there)."""
    model_path, card_path = models_dir / f"{name}.keras", models_dir / f"{name}.json"
    missing = [str(p) for p in (model_path, card_path) if not p.is_file()]
    if not missing:
        return None
    return (f"model file missing: {' and '.join(missing)}. Train it with "
            f"`python -m training.train --model {name} --data PATH/TO/fer2013 --out {models_dir}` "
            "or point EMOTION_DESKTOP_MODELS (or --models-dir) at a folder that holds it.")


def shipped_onnx(model_path: Path, card: dict) -> Path | None:
    """The ONNX file shipped beside ``model_path``, if its card says it was exported from exactly this
    .keras file (same digest) and checked against it; else None."""
    from emotion_desktop.backends.runners import file_digest

    onnx = card.get("onnx") or {}
    if not onnx.get("file"):
        return None
    path = model_path.with_name(Path(onnx["file"]).name)
    if not path.is_file():
        return None
    return path if onnx.get("keras_digest") == file_digest(model_path) else None


def onnx_for(model_path: Path, card: dict, prefer: str) -> tuple[Path | None, str]:
    """The ONNX file to run for ``model_path`` and where it came from, or (None, "") for TensorFlow.

    Shipped file first, then an earlier run's cached export, else a new export in a child process.
    """
    from emotion_desktop.backends.runners import cached_onnx, export_in_child

    if prefer == "keras":
        return None, ""
    shipped = shipped_onnx(model_path, card)
    if shipped is not None:
        return shipped, " (shipped ONNX file)"
    cached = cached_onnx(model_path)
    if cached is not None:
        return cached, " (ONNX export cached by an earlier run)"
    exported, failure = export_in_child(model_path)
    if exported is not None:
        return exported, " (exported to ONNX on first load, cached)"
    if prefer == "onnx":
        raise RuntimeError(failure)
    log.warning("%s; using TensorFlow", failure)
    return None, ""


class OwnModelBackend(Backend):
    """A model this project trained. Runs the ONNX file shipped beside it with ONNX Runtime, without
    importing TensorFlow (fast start); otherwise exports the .keras file to ONNX once, in a child
    process (cached, parity-checked), falling back to TensorFlow."""

    def __init__(self, name: str, display_name: str, models_dir: Path, runtime: str | None = None):
        from emotion_desktop.backends.runner_choice import fastest_runner
        from emotion_desktop.backends.runners import runtime_preference

        started = time.perf_counter()
        self.name = name
        self.display_name = display_name
        model_path = models_dir / f"{name}.keras"
        self.model_card = load_card(models_dir / f"{name}.json")
        self.card = self.model_card.data
        card = self.model_card
        expected = (card.input_size, card.input_size, 1 if card.color == "gray" else 3)
        onnx_path, origin = onnx_for(model_path, self.card, runtime_preference(runtime))
        if onnx_path is not None:
            self.model = None
            self._run, int8 = fastest_runner(onnx_path, self.card)
            input_shape = tuple(self._run.input_shape[1:])
            if int8:
                origin = origin[:-1] + ", int8)"
        else:
            from emotion_desktop.backends.runners import KerasRunner

            import_tensorflow()  # quietly, before Keras loads it
            import keras  # Keras 3, never tf.keras (deepface turns tf.keras into Keras 2)

            self.model = keras.models.load_model(model_path, compile=False)
            self._run = KerasRunner(self.model)
            input_shape = tuple(self.model.input_shape[1:])
        if input_shape != expected:
            raise ValueError(f"{model_path.name} takes input {input_shape}, but its card says "
                             f"{expected}; the card does not belong to this model")
        self.runtime = self._run.description + origin
        self.temperature = card_temperature(self.card)  # 1 when the card has no calibration
        self.load_seconds = time.perf_counter() - started

    @property
    def params(self) -> int | None:
        return self.card.get("params")

    def prepare(self, faces: list[np.ndarray]) -> np.ndarray:
        card = self.model_card
        batch = prepare_faces(faces, card.input_size, card.color).astype(np.float32)
        return normalise(batch, card.normalisation)

    def predict(self, faces: list[np.ndarray]) -> np.ndarray:
        if len(faces) == 0:
            return np.zeros((0, 7), np.float32)
        raw = self.model_card.to_emotions_order(self._run(self.prepare(faces)))
        return as_probabilities(apply_temperature(raw, self.temperature))


def own_model_info(name: str, display_name: str, short_name: str, color_rgb: tuple[int, int, int]) -> BackendInfo:
    """The description of a model this project trains: ``<models_dir>/<name>.keras`` and its card."""
    return BackendInfo(
        name=name, display_name=display_name, short_name=short_name, color_rgb=color_rgb,
        probe=lambda models_dir: missing_files_reason(name, models_dir),
        load=lambda models_dir, runtime: OwnModelBackend(name, display_name, models_dir, runtime),
        read_card=lambda models_dir: read_card_json(models_dir / f"{name}.json"),
        repair_hint=lambda models_dir: f"Retrain it or restore {models_dir / name}.keras and {name}.json.",
        trained_here=True)

"""Backend registry: the one place where a classifier is listed, loaded and described.

    backend = load_backend("scratch_cnn")          # from the shipped models/
    backend.predict([face_bgr, ...])               # (N, 7) in EMOTIONS order

``load_backend`` never raises for a missing model, card or weights file: it
returns a backend with ``available = False`` and an ``unavailable_reason``
that says what is missing and how to get it. ``probe`` answers the same
question cheaply (no TensorFlow import), for menus and tooltips. Names,
colours and cards come from each backend's ``BackendInfo``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from emotion_desktop.backends.base import Backend, BackendUnavailableError, UnavailableBackend
from emotion_desktop.backends.deepface_backend import INFO as DEEPFACE_INFO
from emotion_desktop.backends.face_expression_net import INFO as FACE_EXPRESSION_NET_INFO
from emotion_desktop.backends.info import BackendInfo
from emotion_desktop.backends.own_model import own_model_info
from emotion_desktop.settings import MODELS_ENV, env, shipped_folder

log = logging.getLogger(__name__)

# Every model by name, in the order of the selector (the first available one is the default), and
# lookups derived from it. They are updated in place by register(), so modules that imported them
# see a model registered later.
INFO: dict[str, BackendInfo] = {}
DISPLAY_NAMES: dict[str, str] = {}
SHORT_NAMES: dict[str, str] = {}
MODEL_COLORS: dict[str, tuple[int, int, int]] = {}


def register(info: BackendInfo) -> None:
    """Add a classifier to the registry (or replace the one with the same name)."""
    INFO[info.name] = info
    DISPLAY_NAMES[info.name] = info.display_name
    SHORT_NAMES[info.name] = info.short_name
    MODEL_COLORS[info.name] = info.color_rgb


def unregister(name: str) -> None:
    for table in (INFO, DISPLAY_NAMES, SHORT_NAMES, MODEL_COLORS):
        table.pop(name, None)


def backend_names() -> tuple[str, ...]:
    """The registered models' names, in selector order."""
    return tuple(INFO)


# The registry: one line per model.
register(own_model_info("scratch_cnn", "Scratch CNN", "CNN", (31, 119, 180)))
register(own_model_info("resnet50v2", "ResNet50V2", "ResNet", (255, 127, 14)))
register(DEEPFACE_INFO)
register(FACE_EXPRESSION_NET_INFO)

BACKEND_NAMES: tuple[str, ...] = backend_names()  # the built-in models (use backend_names() for all)

__all__ = ["BACKEND_NAMES", "DISPLAY_NAMES", "INFO", "MODEL_COLORS", "SHORT_NAMES", "Backend", "BackendInfo",
           "BackendUnavailableError", "UnavailableBackend", "backend_names", "default_models_dir", "load_backend",
           "probe", "read_cards", "register", "unregister"]


def default_models_dir() -> Path:
    """``$EMOTION_DESKTOP_MODELS``, else the models installed with the package, else the source tree's."""
    if env(MODELS_ENV):
        return Path(env(MODELS_ENV)).expanduser()
    return shipped_folder("models")


def _info(name: str) -> BackendInfo:
    if name not in INFO:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(INFO)}")
    return INFO[name]


def _folder(models_dir: str | Path | None) -> Path:
    return Path(models_dir) if models_dir else default_models_dir()


def probe(name: str, models_dir: str | Path | None = None) -> str | None:
    """Why ``name`` cannot load (missing files or weights), or None if its files are there."""
    return _info(name).probe(_folder(models_dir))


def load_backend(name: str, models_dir: str | Path | None = None, runtime: str | None = None) -> Backend:
    """The backend called ``name``; unavailable (with the reason) if it cannot be loaded."""
    info = _info(name)
    folder = _folder(models_dir)
    reason = info.probe(folder)
    if reason is None:
        try:
            return info.load(folder, runtime)
        except Exception as error:  # a damaged or mismatched file must not take the app down
            reason = f"could not be loaded ({type(error).__name__}: {error}). {info.repair_hint(folder)}"
    # Callers tell the user (the window's menus and log, the CLI's stderr); here it is only logged.
    log.info("%s unavailable: %s", info.display_name, reason)
    return UnavailableBackend(name, info.display_name, reason)


def read_cards(models_dir: str | Path | None = None) -> dict[str, dict | None]:
    """Each backend's card (the JSON beside a trained model, a library's own description), or None."""
    folder = _folder(models_dir)
    return {info.name: info.read_card(folder) for info in INFO.values()}

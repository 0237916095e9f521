"""Backend registry: the one place where a classifier is loaded and wired.

    backend = load_backend("scratch_cnn")          # from the shipped models/
    backend.predict([face_bgr, ...])               # (N, 7) in EMOTIONS order

``load_backend`` never raises for a missing model, card or weights file: it
returns a backend with ``available = False`` and an ``unavailable_reason``
that says what is missing and how to get it. ``probe`` answers the same
question cheaply (no TensorFlow import), for menus and tooltips.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from emotion_desktop.backends.base import Backend, BackendUnavailableError, UnavailableBackend

log = logging.getLogger(__name__)

BACKEND_NAMES: tuple[str, ...] = ("scratch_cnn", "resnet50v2", "deepface")
DISPLAY_NAMES = {"scratch_cnn": "Scratch CNN", "resnet50v2": "ResNet50V2", "deepface": "DeepFace"}
MODELS_ENV = "EMOTION_DESKTOP_MODELS"

__all__ = ["BACKEND_NAMES", "DISPLAY_NAMES", "Backend", "BackendUnavailableError", "UnavailableBackend",
           "default_models_dir", "load_backend", "probe"]


def default_models_dir() -> Path:
    """``$EMOTION_DESKTOP_MODELS``, else the models installed with the package, else the source tree's."""
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV]).expanduser()
    package = Path(__file__).resolve().parent.parent
    installed = package / "models"  # pip install . maps the top-level models/ here
    return installed if installed.is_dir() else package.parent / "models"


def _check_name(name: str) -> None:
    if name not in BACKEND_NAMES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(BACKEND_NAMES)}")


def probe(name: str, models_dir: str | Path | None = None) -> str | None:
    """Why ``name`` cannot load (missing files or weights), or None if its files are there."""
    _check_name(name)
    if name == "deepface":
        from emotion_desktop.backends.deepface_backend import missing_weights_reason

        return missing_weights_reason()
    from emotion_desktop.backends.own_model import missing_files_reason

    return missing_files_reason(name, Path(models_dir) if models_dir else default_models_dir())


def load_backend(name: str, models_dir: str | Path | None = None, runtime: str | None = None) -> Backend:
    """The backend called ``name``; unavailable (with the reason) if it cannot be loaded."""
    _check_name(name)
    display = DISPLAY_NAMES[name]
    reason = probe(name, models_dir)
    if reason:
        log.warning("%s unavailable: %s", display, reason)
        return UnavailableBackend(name, display, reason)
    try:
        if name == "deepface":
            from emotion_desktop.backends.deepface_backend import DeepFaceBackend

            return DeepFaceBackend()
        from emotion_desktop.backends.own_model import OwnModelBackend

        return OwnModelBackend(name, display, Path(models_dir) if models_dir else default_models_dir(), runtime)
    except Exception as error:  # a damaged or mismatched file must not take the app down
        reason = f"could not be loaded ({type(error).__name__}: {error})"
        if name == "deepface":
            reason += ". Delete the weights file and fetch it again (`emotion-desktop fetch-weights`)."
        else:
            reason += f". Retrain it or restore models/{name}.keras and models/{name}.json."
        log.warning("%s unavailable: %s", display, reason)
        return UnavailableBackend(name, display, reason)

"""The app's settings in one place: defaults, environment variables, shipped files, saved choices.

ARCHITECTURE.md ("Settings") lists them as a table. The registries (``backends``, ``detectors``)
own what is registered; this module imports nothing of the app (everything may use it), so saved
names are checked against the names its callers pass in.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

# ---- defaults -------------------------------------------------------------------------------
DEFAULT_MODEL = "scratch_cnn"
# BlazeFace finds faces of every size at a fraction of Haar's and MTCNN's time (benchmarks/detection.py).
DEFAULT_DETECTOR = "blazeface"
FALLBACK_DETECTOR = "haar"  # OpenCV's cascade ships with OpenCV: it can always load
DEFAULT_SMOOTHING_S = 0.25  # time constant of the live view's probability smoothing
MAX_SMOOTHING_S = 1.0  # the slider's end
# Still images get ten-crop test-time augmentation by default (more accurate on PublicTest at a cost
# only a still can afford, python -m benchmarks.tta); live video stays single-pass.
DEFAULT_STILL_TTA = "tencrop"
DEFAULT_TIMELINE_S = 30.0
MIN_TIMELINE_S, MAX_TIMELINE_S = 5.0, 300.0
MAX_RECENT = 8
# Headless analysis (predict, batch): no smoothing unless asked (each frame's own answer).
HEADLESS_SMOOTHING_S = 0.0

# ---- environment variables (read when used, so tests and tools can set them) ----------------
MODELS_ENV = "EMOTION_DESKTOP_MODELS"  # folder holding <model>.keras and cards (like --models-dir)
CACHE_ENV = "EMOTION_DESKTOP_CACHE"  # cache folder (ONNX exports, decoded FER2013); ~/.cache/emotion_desktop
RUNTIME_ENV = "EMOTION_DESKTOP_RUNTIME"  # auto | onnx | keras: how the trained models run
INT8_ENV = "EMOTION_DESKTOP_INT8"  # on | off: force the int8 or the float model (default: the faster here)
THREADS_ENV = "EMOTION_DESKTOP_THREADS"  # ONNX Runtime threads per model (batch workers share the cores)
DEEPFACE_URL_ENV = "EMOTION_DESKTOP_DEEPFACE_URL"  # comma-separated mirrors for DeepFace's weights


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


# ---- files shipped with the app ---------------------------------------------------------------
PACKAGE = Path(__file__).resolve().parent  # pip install . maps models/ and resources/ in here
CHECKOUT = PACKAGE.parent  # a source checkout keeps them beside the package


def shipped_folder(name: str) -> Path:
    """``models`` or ``resources``: the installed package's, else the source checkout's."""
    installed = PACKAGE / name
    return installed if installed.is_dir() else CHECKOUT / name


def shipped_file(folder: str, name: str) -> Path:
    """A file of ``models/`` or ``resources/``, from the installed package or the source checkout."""
    installed = PACKAGE / folder / name
    return installed if installed.is_file() else CHECKOUT / folder / name


# ---- choices saved between runs -----------------------------------------------------------------
@dataclass(frozen=True)
class SavedChoice:
    key: str  # the name in the settings file (earlier versions' names, kept)
    default: Any
    parse: Callable[[Any], Any]  # raises ValueError (or TypeError) for a value it cannot take


def _number_between(low: float, high: float) -> Callable[[Any], float]:
    def parse(value) -> float:
        number = float(value)
        if not low <= number <= high:
            raise ValueError(f"outside {low:g}..{high:g}")
        return number
    return parse


def _flag(value) -> bool:
    if str(value).lower() not in ("true", "false"):
        raise ValueError("not true or false")
    return str(value).lower() == "true"


def _paths(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)):
        raise TypeError("not a list of paths")
    return tuple(str(v) for v in value)[:MAX_RECENT]


# ViewState field -> how it is saved. Names (models, detectors, TTA modes) are checked against what
# the caller says exists (ViewState.restore asks the registries); which saved model is used also
# depends on what can load now.
SAVED: dict[str, SavedChoice] = {
    "primary_model": SavedChoice("model", DEFAULT_MODEL, str),
    "compare": SavedChoice("compare", False, _flag),
    "smoothing_s": SavedChoice("smoothing", DEFAULT_SMOOTHING_S, _number_between(0.0, MAX_SMOOTHING_S)),
    "still_tta": SavedChoice("still_tta", DEFAULT_STILL_TTA, str),
    "detector": SavedChoice("detector", DEFAULT_DETECTOR, str),
    "timeline_s": SavedChoice("timeline_s", DEFAULT_TIMELINE_S, _number_between(MIN_TIMELINE_S, MAX_TIMELINE_S)),
    "recent": SavedChoice("recent", (), _paths),
    "export_folder": SavedChoice("export_folder", "", str),
}


def read_saved(store, field: str, allowed: tuple[str, ...] | None = None) -> Any:
    """The saved value of a ViewState field (one of ``allowed`` when given), or its default, with one
    log line, when the saved one is damaged or out of range; the default, silently, when none was saved."""
    choice = SAVED[field]
    value = store.value(choice.key, None)
    if value is None or value == "":
        return choice.default
    try:
        parsed = choice.parse(value)
        if allowed is not None and parsed not in allowed:
            raise ValueError(f"not one of {', '.join(allowed)}")
        return parsed
    except (TypeError, ValueError) as error:
        log.warning("saved setting %s=%r is not usable (%s); using %r", choice.key, value, error, choice.default)
        return choice.default

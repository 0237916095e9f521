"""Face detector registry: the one place where a detector is listed, built and described.

    detector = make_detector("blazeface")
    detector.detect(frame_bgr)                     # [Detection(box, confidence, ...)]

The twin of ``backends/``: each detector is a module with a ``FaceDetector`` class and its
``DetectorInfo`` (``base.py``), listed here by one ``register()`` line. ``probe`` says cheaply why
one cannot run here; ``make_detector_or_fallback`` is the one place that falls back to the Haar
cascade when a detector cannot start.
"""

from __future__ import annotations

from emotion_desktop.detectors import blazeface, haar, mtcnn_detector
from emotion_desktop.detectors.base import Detection, DetectorInfo, FaceDetector, faces_in_view
from emotion_desktop.detectors.whole_image import detect_or_whole
from emotion_desktop.settings import DEFAULT_DETECTOR, FALLBACK_DETECTOR

# Every detector by name, in menu order (the first is the default), and its display name. Updated
# in place by register(), so modules that imported them see a detector registered later.
INFO: dict[str, DetectorInfo] = {}
DISPLAY_NAMES: dict[str, str] = {}


def register(info: DetectorInfo) -> None:
    """Add a face detector to the registry (or replace the one with the same name)."""
    INFO[info.name] = info
    DISPLAY_NAMES[info.name] = info.display_name


def unregister(name: str) -> None:
    for table in (INFO, DISPLAY_NAMES):
        table.pop(name, None)


def detector_names() -> tuple[str, ...]:
    """The registered detectors' names, in menu order."""
    return tuple(INFO)


# The registry: one line per detector, in menu order (the default, settings.DEFAULT_DETECTOR, first).
register(blazeface.INFO)
register(haar.INFO)
register(mtcnn_detector.INFO)

DETECTOR_NAMES: tuple[str, ...] = detector_names()  # the built-in detectors (detector_names() for all)

__all__ = ["DEFAULT_DETECTOR", "DETECTOR_NAMES", "DISPLAY_NAMES", "FALLBACK_DETECTOR", "INFO", "Detection",
           "DetectorInfo", "FaceDetector", "detect_or_whole", "detector_names", "faces_in_view", "make_detector",
           "make_detector_or_fallback", "probe", "register", "unregister"]


def _info(name: str) -> DetectorInfo:
    if name not in INFO:
        raise ValueError(f"unknown face detector {name!r}; choose one of {', '.join(INFO)}")
    return INFO[name]


def probe(name: str) -> str | None:
    """Why ``name`` cannot run here (a missing package or file), or None."""
    return _info(name).probe()


def make_detector(name: str = DEFAULT_DETECTOR) -> FaceDetector:
    return _info(name).make()


def make_detector_or_fallback(name: str = DEFAULT_DETECTOR) -> tuple[FaceDetector, str | None]:
    """(detector, None), or (the Haar cascade, why ``name`` could not start): faces are still found
    when a detector's package or model file is missing."""
    try:
        return make_detector(name), None
    except Exception as error:  # missing file, broken package: say why, keep detecting
        if name == FALLBACK_DETECTOR:
            raise
        return make_detector(FALLBACK_DETECTOR), f"{type(error).__name__}: {error}"

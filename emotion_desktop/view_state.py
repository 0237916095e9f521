"""What the user chose and what the window is showing, without Qt.

The window renders a `ViewState` and forwards user actions to it; whoever cares about a change
(the window's widgets, the worker, the settings) connects to the field's event, as napari's
viewer model works. Every field change emits ``state.events.<field>(new_value)`` once, and only
when the value really changed (psygnal's evented dataclass), so a widget that sets the field it
is observing does not loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from psygnal import evented

from emotion_desktop.detection import DEFAULT_DETECTOR, DETECTOR_NAMES
from emotion_desktop.timeline import DEFAULT_SPAN_S, MAX_SPAN_S

MAX_RECENT = 8
# Still images get ten-crop test-time augmentation by default: scratch CNN on FER2013 PublicTest
# 65.5% single pass, 66.2% with the mirror image, 66.8% ten-crop at ~26 ms per face
# (python -m benchmarks.tta). Live video stays single-pass (the frame budget).
DEFAULT_STILL_TTA = "tencrop"
DEFAULT_SMOOTHING_S = 0.25
DEFAULT_MODEL = "scratch_cnn"


class SettingsStore(Protocol):
    """Where choices persist between runs (QSettings in the window, a dict-backed one in tests)."""

    def value(self, key: str, default: Any = None) -> Any: ...

    def setValue(self, key: str, value: Any) -> None: ...  # noqa: N802 (QSettings' name)


@evented
@dataclass
class ViewState:
    primary_model: str = DEFAULT_MODEL
    compare: bool = False  # every other available model runs beside the primary one
    smoothing_s: float = DEFAULT_SMOOTHING_S
    still_tta: str = DEFAULT_STILL_TTA
    detector: str = DEFAULT_DETECTOR
    is_paused: bool = False  # ("paused" is taken by psygnal's SignalGroup)
    selected_track: int | None = None  # the face the chart follows; None: the largest face
    source_kind: str = ""  # "camera", "video", "images", "demo" once a source is open
    source_name: str = ""
    available_models: tuple[str, ...] = ()  # models that can load (the others say why not)
    recent: tuple[str, ...] = ()
    export_folder: str = ""
    timeline_s: float = DEFAULT_SPAN_S  # how many seconds the emotion timeline shows

    @property
    def stills(self) -> bool:
        return self.source_kind == "images"

    def wanted_models(self) -> list[str]:
        """The primary model, then (in compare mode) every other available one: the first one
        colours the boxes and names the charted face's emotion."""
        if self.compare:
            return [self.primary_model] + [n for n in self.available_models if n != self.primary_model]
        return [self.primary_model]

    def source_opened(self, kind: str, name: str) -> None:
        """A new source starts with no face selected (track ids of the old one mean nothing)."""
        self.selected_track = None
        self.source_kind, self.source_name = kind, name

    # ---- recent files ------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Recently opened files and folders that still exist (moved or deleted ones are dropped)."""
        return [entry for entry in self.recent if Path(entry).exists()]

    def remember(self, path: Path) -> None:
        entries = [str(path)] + [p for p in self.recent_files() if p != str(path)]
        self.recent = tuple(entries[:MAX_RECENT])

    def last_folder(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    # ---- persistence -------------------------------------------------------------------------
    def restore(self, store: SettingsStore, initial_model: str | None = None) -> None:
        """Read the saved choices; a saved model that is unavailable falls back to one that is."""
        preferred = initial_model or str(store.value("model", DEFAULT_MODEL))
        available = self.available_models
        self.primary_model = preferred if preferred in available else (available[0] if available else preferred)
        self.compare = str(store.value("compare", "false")).lower() == "true"
        self.smoothing_s = float(store.value("smoothing", DEFAULT_SMOOTHING_S))
        self.still_tta = str(store.value("still_tta", DEFAULT_STILL_TTA))
        recent = store.value("recent", [])
        self.recent = tuple([recent] if isinstance(recent, str) else list(recent or []))
        self.export_folder = str(store.value("export_folder", "") or "")
        self.timeline_s = min(MAX_SPAN_S, max(5.0, float(store.value("timeline_s", DEFAULT_SPAN_S))))
        detector = str(store.value("detector", DEFAULT_DETECTOR))
        self.detector = detector if detector in DETECTOR_NAMES else DEFAULT_DETECTOR

    def persist_to(self, store: SettingsStore) -> None:
        """Save each choice whenever it changes, under the keys earlier versions used."""
        keys = {"primary_model": "model", "compare": "compare", "smoothing_s": "smoothing",
                "still_tta": "still_tta", "recent": "recent", "export_folder": "export_folder",
                "timeline_s": "timeline_s", "detector": "detector"}
        for name, key in keys.items():
            getattr(self.events, name).connect(_saver(store, key))


def _saver(store: SettingsStore, key: str):
    def save(value) -> None:
        store.setValue(key, list(value) if isinstance(value, tuple) else value)
    return save

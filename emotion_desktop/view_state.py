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

from emotion_desktop.backends import backend_names
from emotion_desktop.detectors import detector_names
from emotion_desktop.settings import (
    DEFAULT_DETECTOR,
    DEFAULT_MODEL,
    DEFAULT_SMOOTHING_S,
    DEFAULT_STILL_TTA,
    DEFAULT_TIMELINE_S,
    MAX_RECENT,
    SAVED,
    read_saved,
)
from emotion_desktop.tta import TTA_MODES


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
    # (model, why it cannot load) for the models that cannot; the selector and the menus follow it
    model_problems: tuple[tuple[str, str], ...] = ()
    recent: tuple[str, ...] = ()
    export_folder: str = ""
    timeline_s: float = DEFAULT_TIMELINE_S  # how many seconds the emotion timeline shows
    explain: bool = False  # saliency maps: why each model answered (not saved: costs time when on)
    presentation: bool = False  # full-screen video with large labels (not saved: every start is normal)

    @property
    def stills(self) -> bool:
        return self.source_kind == "images"

    def wanted_models(self) -> list[str]:
        """The primary model, then (in compare mode) every other available one: the first one
        colours the boxes and names the charted face's emotion."""
        if self.compare:
            return [self.primary_model] + [n for n in self.available_models if n != self.primary_model]
        return [self.primary_model]

    def model_problem(self, name: str) -> str:
        """Why ``name`` cannot load ("" when it can)."""
        return dict(self.model_problems).get(name, "")

    def set_model_problem(self, name: str, reason: str) -> None:
        problems = {**dict(self.model_problems), name: reason}
        self.model_problems = tuple((n, r) for n, r in problems.items() if r)

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
        """Read the saved choices (settings.SAVED: a damaged one falls back to its default); a saved
        model that is unavailable falls back to one that is."""
        allowed = {"primary_model": backend_names(), "detector": detector_names(), "still_tta": TTA_MODES}
        for name in SAVED:
            setattr(self, name, read_saved(store, name, allowed.get(name)))
        preferred = initial_model or self.primary_model
        available = self.available_models
        self.primary_model = preferred if preferred in available else (available[0] if available else preferred)

    def persist_to(self, store: SettingsStore) -> None:
        """Save each choice whenever it changes, under the keys earlier versions used."""
        for name, choice in SAVED.items():
            getattr(self.events, name).connect(_saver(store, choice.key))


def _saver(store: SettingsStore, key: str):
    def save(value) -> None:
        store.setValue(key, list(value) if isinstance(value, tuple) else value)
    return save

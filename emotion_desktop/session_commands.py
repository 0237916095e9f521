"""The requests a session (session.py) takes while it runs, one typed message per request, handled in
order between frames. The window sends them from the UI thread; nothing here knows about Qt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from emotion_desktop.sources import FrameSource


@dataclass(frozen=True)
class OpenSource:
    label: str  # names the request in error messages ("camera 0", "clip.mp4")
    factory: Callable[[], FrameSource]


@dataclass(frozen=True)
class SetBackends:
    backends: tuple


@dataclass(frozen=True)
class SetDetector:
    detector: object


@dataclass(frozen=True)
class SetSmoothing:
    seconds: float


@dataclass(frozen=True)
class SetStillTta:
    mode: str  # test-time augmentation for still images: none, flip, tencrop


@dataclass(frozen=True)
class SetPaused:
    paused: bool


@dataclass(frozen=True)
class Step:
    offset: int  # images to move forward (negative: back; 0: the current one)


@dataclass(frozen=True)
class SelectTrack:
    track_id: int | None  # the face drawn as selected; None: the largest face


@dataclass(frozen=True)
class SetExplain:
    on: bool  # saliency maps on the faces (why each model answered)


@dataclass(frozen=True)
class SetTextSize:
    factor: float  # the drawn labels' size relative to normal (presentation mode enlarges them)


@dataclass(frozen=True)
class ExpectModels:
    """Whether a model is on its way: a file waits for its first model so that every frame gets an
    answer; with none loadable, files play without answers."""
    expected: bool


@dataclass(frozen=True)
class StartRecording:
    path: Path  # where to write (the suffix may change to .avi when MPEG-4 is unavailable)


@dataclass(frozen=True)
class StopRecording:
    pass


Command = (OpenSource | SetBackends | SetDetector | SetSmoothing | SetStillTta | SetPaused | Step | SelectTrack
           | SetTextSize | SetExplain | ExpectModels | StartRecording | StopRecording)

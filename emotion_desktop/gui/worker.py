"""The worker thread: runs the session loop (``session.py``) off the UI thread and speaks Qt to the window.

The loop itself is Qt-free and shared with ``emotion-desktop predict`` and the benchmarks; this
adapter only turns its events into Qt signals, converts the annotated frame to a QImage on the worker
thread, and tells the UI a result is ready at most once until it has taken it, so the UI thread
never falls behind. Requests from the UI go to the loop as typed commands (``session_commands.py``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from emotion_desktop.pipeline import Pipeline
from emotion_desktop.results import FrameResult
from emotion_desktop.session import Session
from emotion_desktop.session_commands import (
    ExpectModels,
    OpenSource,
    SelectTrack,
    SetBackends,
    SetDetector,
    SetExplain,
    SetPaused,
    SetSmoothing,
    SetStillTta,
    SetTextSize,
    StartRecording,
    Step,
    StopRecording,
)
from emotion_desktop.sources import Frame


def to_qimage(image: np.ndarray) -> QImage:
    """A BGR uint8 frame as a QImage that owns its pixels (safe to hand to the UI thread)."""
    height, width = image.shape[:2]
    # Qt's own raster format (RGB32: B, G, R, 255 in memory) paints without a per-paint conversion on
    # the UI thread; OpenCV's BGR -> BGRA is one vectorised pass (cheaper than a numpy channel swap).
    # copy() makes the QImage own its pixels.
    bgra = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    return QImage(bgra.data, width, height, bgra.strides[0], QImage.Format.Format_RGB32).copy()


class PipelineWorker(QThread):
    """Runs a ``Session``; the UI talks to it through thread-safe commands and reads its readouts."""

    result_ready = Signal()  # a new (image, result) is waiting in ``take_result``
    source_opened = Signal(str, str, object)  # kind, name, info
    source_failed = Signal(str, str)  # request label, message (could not open)
    source_error = Signal(str)  # the running source broke (camera lost, decode error)
    source_ended = Signal(str)  # a video ended / last image reached
    image_position = Signal(int, int)  # index, count for still images
    image_error = Signal(str)  # one image of several could not be read; the others still can
    recording_started = Signal(str)  # path asked for
    recording_stopped = Signal(str, int, float)  # path written ("" when nothing was), frames, seconds
    recording_failed = Signal(str)  # message

    def __init__(self, pipeline: Pipeline, parent=None):
        super().__init__(parent)
        self.session = Session(pipeline)
        self._latest_lock = threading.Lock()
        self._latest: tuple[QImage, FrameResult, np.ndarray] | None = None
        self._notified = False
        events = self.session.events
        events.frame_done.connect(self._publish)
        for name in ("source_opened", "source_failed", "source_error", "source_ended", "image_position",
                     "image_error", "recording_started", "recording_stopped", "recording_failed"):
            events[name].connect(getattr(self, name).emit)

    @property
    def pipeline(self) -> Pipeline:
        return self.session.pipeline

    # ---- commands from the UI thread -------------------------------------------------------
    def open_source(self, label: str, factory) -> None:
        """Open ``factory()`` (a callable returning a FrameSource) in the worker; ``label`` names it in errors."""
        self.session.send(OpenSource(label, factory))

    def set_backends(self, backends) -> None:
        self.session.send(SetBackends(tuple(backends)))

    def set_detector(self, detector) -> None:
        self.session.send(SetDetector(detector))

    def set_smoothing(self, seconds: float) -> None:
        self.session.send(SetSmoothing(float(seconds)))

    def set_still_tta(self, mode: str) -> None:
        self.session.send(SetStillTta(mode))

    def set_paused(self, paused: bool) -> None:
        self.session.send(SetPaused(bool(paused)))

    def select_track(self, track_id: int | None) -> None:
        """Draw this face as the selected one (None: the largest); a still image is redrawn."""
        self.session.send(SelectTrack(track_id))

    def set_explain(self, on: bool) -> None:
        """Saliency maps on the faces; a still or a paused frame is explained at once."""
        self.session.send(SetExplain(on))

    def set_text_size(self, factor: float) -> None:
        """Draw the labels ``factor`` times their normal size (presentation mode); a still is redrawn."""
        self.session.send(SetTextSize(factor))

    def expect_models(self, expected: bool) -> None:
        self.session.send(ExpectModels(bool(expected)))

    def step(self, offset: int) -> None:
        self.session.send(Step(int(offset)))

    def start_recording(self, path: Path) -> None:
        """Write the annotated frames to a video file until stop_recording, a new source, the end of
        the video, a lost camera or the window closing (each finalises the file)."""
        self.session.send(StartRecording(Path(path)))

    def stop_recording(self) -> None:
        self.session.send(StopRecording())

    def stop(self) -> None:
        self.session.stop()

    # ---- readouts, for the UI thread ---------------------------------------------------------
    @property
    def recording_seconds(self) -> float | None:
        return self.session.recording_seconds

    @property
    def fps(self) -> float:
        return self.session.fps

    @property
    def stage_ms(self) -> dict[str, float]:
        return self.session.stage_ms

    def result_counts(self) -> tuple[int, int]:
        return self.session.result_counts()

    def export_results(self, path, kind: str) -> int:
        return self.session.export_results(path, kind)

    def summaries(self):
        return self.session.summaries()

    def clear_results(self) -> None:
        self.session.clear_results()

    def take_result(self) -> tuple[QImage, FrameResult, np.ndarray] | None:
        with self._latest_lock:
            latest, self._latest = self._latest, None
            self._notified = False
        return latest

    # ---- the loop --------------------------------------------------------------------------
    def run(self) -> None:
        # One OpenCV thread: on 2 cores its second pool thread cost more CPU in wake-ups than it saved
        # on the face search. Process-wide, but this process's OpenCV work all runs here.
        cv2.setNumThreads(1)
        self.session.run()

    def _publish(self, result: FrameResult, frame: Frame, annotated: np.ndarray | None) -> None:
        """Runs on the worker thread (the session emits there): the QImage is made here, not in the UI."""
        image = to_qimage(annotated if annotated is not None else frame.image)
        with self._latest_lock:
            self._latest = (image, result, frame.image)
            notify = not self._notified
            self._notified = True
        if notify:
            self.result_ready.emit()

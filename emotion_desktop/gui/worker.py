"""The worker thread: capture -> detect -> classify -> draw, off the UI thread.

A grabber thread (``frame_grabber.py``) reads the source at its own pace: from
a camera only the newest frame is kept, so nothing queues up and latency stays
bounded; a file hands over every frame. Requests from the UI arrive as typed
messages (``worker_commands.py``). The UI is told a result is ready at most once
until it has taken it, so the UI thread never falls behind either.

Every processed frame goes into the session log here (not in the UI), so
results survive even when the UI skips painting a frame.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from emotion_desktop.drawing import annotate
from emotion_desktop.frame_grabber import FrameGrabber
from emotion_desktop.gui.worker_commands import (
    Command,
    OpenSource,
    Refresh,
    SetBackends,
    SetDetector,
    SetPaused,
    SetSmoothing,
    SetStillTta,
    StartRecording,
    Step,
    StopRecording,
)
from emotion_desktop.pipeline import Pipeline
from emotion_desktop.recording import RecordingError, VideoRecorder
from emotion_desktop.results import FrameResult, SessionLog
from emotion_desktop.sources import Frame, FrameSource, ImageSource, SourceError

log = logging.getLogger(__name__)
FPS_WINDOW_S = 1.0


def to_qimage(image: np.ndarray) -> QImage:
    """A BGR uint8 frame as a QImage that owns its pixels (safe to hand to the UI thread)."""
    height, width = image.shape[:2]
    # Qt's own raster format (RGB32: B, G, R, 255 in memory) paints without a per-paint conversion on
    # the UI thread; OpenCV's BGR -> BGRA is one vectorised pass (a numpy channel swap cost 1.3 ms per
    # 640x480 frame). copy() makes the QImage own its pixels.
    bgra = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    return QImage(bgra.data, width, height, bgra.strides[0], QImage.Format.Format_RGB32).copy()


class PipelineWorker(QThread):
    """Owns the source and the pipeline; the UI talks to it through thread-safe commands."""

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
        self.pipeline = pipeline
        self.session = SessionLog()
        self.session_lock = threading.Lock()
        self.selected_track: int | None = None
        self.models_expected = True  # False when no model can load: files then play without answers
        self._commands: queue.Queue[Command] = queue.Queue()
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._source: FrameSource | None = None
        self._grabber: FrameGrabber | None = None
        self._paused = False
        self._still: Frame | None = None  # the current still image, reprocessed when settings change
        self._last_result: FrameResult | None = None
        self._image_index: int | None = None
        self._latest_lock = threading.Lock()
        self._latest: tuple[QImage, FrameResult, np.ndarray] | None = None
        self._notified = False
        # Per-stage ms averaged over the last ~10 frames: the full face search runs on every few
        # frames only, so one frame's figures would jump between a few ms and tens of ms.
        self.stage_ms: dict[str, float] = {}
        self._last_done: float | None = None
        self._done_times: collections.deque[float] = collections.deque(maxlen=120)  # for the FPS readout
        self._recorder: VideoRecorder | None = None

    # ---- commands from the UI thread -------------------------------------------------------
    def _send(self, command: Command) -> None:
        self._commands.put(command)
        self._wake.set()

    def open_source(self, label: str, factory) -> None:
        """Open ``factory()`` (a callable returning a FrameSource) in the worker; ``label`` names it in errors."""
        self._send(OpenSource(label, factory))

    def set_backends(self, backends) -> None:
        self._send(SetBackends(tuple(backends)))

    def set_detector(self, detector) -> None:
        self._send(SetDetector(detector))

    def set_smoothing(self, seconds: float) -> None:
        self._send(SetSmoothing(float(seconds)))

    def set_still_tta(self, mode: str) -> None:
        self._send(SetStillTta(mode))

    def set_paused(self, paused: bool) -> None:
        self._send(SetPaused(bool(paused)))

    def step(self, offset: int) -> None:
        self._send(Step(int(offset)))

    def refresh(self) -> None:
        """Redraw the current still image (after the selected face changed); live frames redraw anyway."""
        self._send(Refresh())

    def start_recording(self, path: Path) -> None:
        """Write the annotated frames to a video file until stop_recording, a new source, the end of
        the video, a lost camera or the window closing (each finalises the file)."""
        self._send(StartRecording(Path(path)))

    def stop_recording(self) -> None:
        self._send(StopRecording())

    @property
    def recording_seconds(self) -> float | None:
        """Seconds recorded so far, or None when not recording."""
        recorder = self._recorder
        return None if recorder is None else recorder.seconds

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # ---- the session log, for any thread (the worker adds to it while the UI reads it) --------
    def result_counts(self) -> tuple[int, int]:
        """Frames and face answers collected so far."""
        with self.session_lock:
            return self.session.frame_count, self.session.face_count

    def export_results(self, path, kind: str) -> int:
        """Write every result so far as ``kind`` (csv or json); returns the number of frames.
        Raises OSError when the file cannot be written."""
        with self.session_lock:
            if kind == "csv":
                self.session.export_csv(path)
            else:
                self.session.export_json(path)
            return self.session.frame_count

    def summaries(self):
        """Per source, the summary of each tracked face and model so far (summary.py)."""
        with self.session_lock:
            return self.session.summaries()

    def clear_results(self) -> None:
        with self.session_lock:
            self.session.clear()

    @property
    def fps(self) -> float:
        """Frames analysed per second over the last second (0 when none arrived in that second:
        paused, ended or stalled). Counting frames, not averaging 1/interval, which overstates it."""
        times = [t for t in list(self._done_times) if t >= time.perf_counter() - FPS_WINDOW_S]
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    # ---- results for the UI thread ----------------------------------------------------------
    def take_result(self) -> tuple[QImage, FrameResult, np.ndarray] | None:
        with self._latest_lock:
            latest, self._latest = self._latest, None
            self._notified = False
        return latest

    # ---- the loop --------------------------------------------------------------------------
    def run(self) -> None:
        # One OpenCV thread: on 2 cores its second pool thread cost ~12% of a core in wake-ups to
        # save ~2 ms per frame of Haar search (window on the demo: 57% -> 51% CPU, /tmp profile in
        # the issue 14 note). Process-wide, but this process's OpenCV work all runs here.
        cv2.setNumThreads(1)
        try:
            while not self._stopping.is_set():
                self._drain_commands()
                if self._stopping.is_set():
                    break
                if self._grabber is not None and not self._paused and not self._waiting_for_models():
                    self._process_live()
                else:
                    self._wake.wait(0.05)
                    self._wake.clear()
        finally:
            self._close()

    def _drain_commands(self) -> None:
        reprocess = False
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                break
            match command:
                case OpenSource(label, factory):
                    self._open(label, factory)
                case SetBackends(backends):
                    self.pipeline.set_backends(list(backends))
                    reprocess = True
                case SetDetector(detector):
                    self.pipeline.detector = detector
                    reprocess = True
                case SetSmoothing(seconds):
                    self.pipeline.set_smoothing(seconds)
                case SetStillTta(mode):
                    self.pipeline.tta = mode
                    reprocess = True
                case SetPaused(paused):
                    self._paused = paused
                    if self._grabber is not None:
                        self._grabber.set_paused(paused)
                case Step(offset):
                    self._step(offset)
                case Refresh():
                    self._redraw()
                case StartRecording(path):
                    self._start_recording(path)
                case StopRecording():
                    self._stop_recording()
        if reprocess and self._still is not None:
            self.pipeline.reset()
            self._handle(self._still, 0.0)

    def _open(self, label: str, factory) -> None:
        self._close()
        try:
            source = factory()
        except SourceError as error:
            self.source_failed.emit(label, str(error))
            return
        except Exception as error:  # never let a bad file take the worker down
            log.exception("opening %s failed", label)
            self.source_failed.emit(label, f"Cannot open {label}: {error}")
            return
        self._source = source
        self.pipeline.reset()
        self._last_done = None
        self._done_times.clear()
        self.stage_ms = {}
        with self.session_lock:
            self.session.start_source(source.info.name, source.info.kind)
        self.source_opened.emit(source.info.kind, source.info.name, source.info)
        if isinstance(source, ImageSource):
            self._step(0)
        else:
            self._grabber = FrameGrabber(source)
            self._grabber.set_paused(self._paused)
            self._grabber.start()

    def _start_recording(self, path: Path) -> None:
        self._stop_recording()
        fps = self._source.info.fps if self._source is not None else None
        self._recorder = VideoRecorder(path, fps or 30.0)
        self.recording_started.emit(str(path))

    def _stop_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            written = recorder.close()
            self.recording_stopped.emit(str(written or ""), recorder.frames, recorder.seconds)

    def _record(self, annotated: np.ndarray, frame: Frame) -> None:
        # Stills carry no time: they are recorded as shown, in real time (a slideshow).
        time_s = time.monotonic() - self._recorder.started_at if frame.still else frame.time_s
        try:
            self._recorder.add(annotated, time_s)
        except (RecordingError, cv2.error) as error:
            self._recorder.close()
            self._recorder = None
            self.recording_failed.emit(str(error))

    def _close(self) -> None:
        self._stop_recording()  # the file is finalised whatever ends the source
        if self._grabber is not None:
            self._grabber.stop()
            self._grabber = None
        if self._source is not None:
            self._source.close()
            self._source = None
        self._still = self._last_result = None
        self._image_index = None

    def _step(self, offset: int) -> None:
        """Show the image ``offset`` away from the current one (0: the current one)."""
        source = self._source
        if not isinstance(source, ImageSource):
            return
        target = 0 if self._image_index is None else self._image_index + offset
        if target >= len(source.paths):
            self.source_ended.emit(f"That was the last image ({len(source.paths)}).")
            return
        self._image_index = max(0, target)
        source.seek(self._image_index)
        self.image_position.emit(self._image_index, len(source.paths))
        try:
            frame = source.read()
        except SourceError as error:  # a bad file in a folder: say so, keep the rest steppable
            self._still = self._last_result = None
            self.image_error.emit(str(error))
            return
        self._still = frame
        self.pipeline.reset()  # still images are independent: no tracking or smoothing across them
        self._handle(frame, 0.0)

    def _waiting_for_models(self) -> bool:
        """A file waits for its first model to load, so that every frame gets an answer (the export
        holds the whole video); a camera shows its faces meanwhile."""
        return (self.models_expected and not self.pipeline.backends and self._source is not None
                and self._source.info.every_frame)

    def _process_live(self) -> None:
        grabber = self._grabber
        taken = grabber.take(timeout=0.1)
        if taken is not None:
            self._handle(*taken)
        if grabber.error is not None:
            message = str(grabber.error)
            self._close()
            self.source_error.emit(message)
        elif grabber.ended and taken is None:
            name = self._source.info.name if self._source else "the video"
            self._close()
            self.source_ended.emit(f"{name} ended. Open another file, or choose a camera or the demo.")

    def _draw(self, frame: Frame, result: FrameResult) -> QImage:
        selected = result.selected_face(self.selected_track)
        annotated = annotate(frame.image, result, selected.track_id if selected else None)
        if self._recorder is not None:
            self._record(annotated, frame)
        return to_qimage(annotated)

    def _redraw(self) -> None:
        if self._still is not None and self._last_result is not None:
            self._publish(self._draw(self._still, self._last_result), self._last_result, self._still)

    def _publish(self, image: QImage, result: FrameResult, frame: Frame) -> None:
        with self._latest_lock:
            self._latest = (image, result, frame.image)
            notify = not self._notified
            self._notified = True
        if notify:
            self.result_ready.emit()

    def _handle(self, frame: Frame, capture_ms: float) -> None:
        result = self.pipeline.process(frame, capture_ms)
        result.source = self._source.info.name if self._source else ""
        draw_started = time.perf_counter()
        image = self._draw(frame, result)
        result.timings_ms["draw"] = (time.perf_counter() - draw_started) * 1000
        result.timings_ms["total"] += result.timings_ms["draw"]
        now = time.perf_counter()
        if self._still is None:
            self._done_times.append(now)
        self.stage_ms = _averaged(self.stage_ms, result.timings_ms, moving=self._still is None)
        self._last_done = now
        self._last_result = result
        with self.session_lock:
            self.session.add(result, still=frame.still)
        self._publish(image, result, frame)


def _averaged(previous: dict[str, float], latest: dict[str, float], moving: bool) -> dict[str, float]:
    """Exponential average (weight 0.1) of stage timings for moving sources; a still's own figures."""
    if not moving or not previous:
        return dict(latest)
    return {stage: 0.9 * previous.get(stage, ms) + 0.1 * ms for stage, ms in latest.items()}

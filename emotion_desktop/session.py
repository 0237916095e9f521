"""The session loop, without Qt: source -> pipeline -> session log -> draw -> record.

One ``Session`` serves the window, ``emotion-desktop predict`` and the benchmarks, so all three log,
draw and record frames the same way (``handle``):

- the window's worker thread calls ``run()``: a grabber thread (``frame_grabber.py``) reads the
  source at its own pace, and requests arrive as typed commands (``session_commands.py``) handled
  in order between frames;
- ``predict`` and the benchmarks call ``analyse(source)``, which processes one source's frames in
  the calling thread.

Everything the loop has to tell its owner goes out through ``events`` (psygnal, emitted on the
thread that runs the loop); the window's worker re-emits them as Qt signals. Every processed frame
goes into the session log here, so results survive even when a viewer skips painting a frame.
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from psygnal import Signal, SignalGroup

from emotion_desktop.drawing import annotate
from emotion_desktop.frame_grabber import FrameGrabber
from emotion_desktop.pipeline import Located, Pipeline
from emotion_desktop.recording import RecordingError, VideoRecorder
from emotion_desktop.results import FrameResult, SessionLog
from emotion_desktop.saliency import LIVE_GRID
from emotion_desktop.session_commands import (
    Command,
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
from emotion_desktop.sources import Frame, FrameSource, ImageSource, SourceError

log = logging.getLogger(__name__)
FPS_WINDOW_S = 1.0
# Live saliency: one map a second for the charted face (a coarser grid than stills), reused on that
# face in between, so explaining costs one frame's worth of time a second, not every frame.
LIVE_EXPLAIN_EVERY_S = 1.0


class SessionEvents(SignalGroup):
    frame_done = Signal(object, object, object)  # FrameResult, Frame, annotated BGR image (None: not drawn)
    source_opened = Signal(str, str, object)  # kind, name, SourceInfo
    source_failed = Signal(str, str)  # request label, message (could not open)
    source_error = Signal(str)  # the running source broke (camera lost, decode error)
    source_ended = Signal(str)  # a video ended / last image reached
    image_position = Signal(int, int)  # index, count for still images
    image_error = Signal(str)  # one image of several could not be read; the others still can
    recording_started = Signal(str)  # path asked for
    recording_stopped = Signal(str, int, float)  # path written ("" when nothing was), frames, seconds
    recording_failed = Signal(str)  # message


class Session:
    """Owns the source, the pipeline's use and the session log; one thread runs it."""

    def __init__(self, pipeline: Pipeline, draw: bool = True):
        """``draw``: annotate every frame (the window shows them); otherwise only recorded frames are
        drawn (``predict`` without ``--annotate`` needs no pictures)."""
        self.pipeline = pipeline
        self.draw = draw
        self.events = SessionEvents()
        self.log = SessionLog()
        self.log_lock = threading.Lock()  # the loop adds to the log while other threads read it
        self.selected_track: int | None = None
        self.text_size = 1.0  # the drawn labels' size (SetTextSize)
        self.explain = False  # saliency maps on the faces (SetExplain)
        self._explained_at = 0.0
        self._live_explanation: tuple[tuple[int, str], object] | None = None  # (track, model), its map
        self._last_frame: Frame | None = None
        self.models_expected = True
        # Per-stage ms averaged over recent frames: the full face search runs on some frames only,
        # so one frame's figures would jump.
        self.stage_ms: dict[str, float] = {}
        self._commands: queue.Queue[Command] = queue.Queue()
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._source: FrameSource | None = None
        self._source_name = ""
        self._grabber: FrameGrabber | None = None
        self._paused = False
        self._still: Frame | None = None  # the current still image, reprocessed when settings change
        self._last_result: FrameResult | None = None
        self._image_index: int | None = None
        self._done_times: collections.deque[float] = collections.deque(maxlen=120)  # for the FPS readout
        self._recorder: VideoRecorder | None = None

    # ---- requests, from any thread -----------------------------------------------------------
    def send(self, command: Command) -> None:
        self._commands.put(command)
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # ---- readouts, for any thread ------------------------------------------------------------
    @property
    def recording_seconds(self) -> float | None:
        """Seconds recorded so far, or None when not recording."""
        recorder = self._recorder
        return None if recorder is None else recorder.seconds

    @property
    def fps(self) -> float:
        """Frames analysed per second over the last second (0 when none arrived in that second:
        paused, ended or stalled). Counting frames, not averaging 1/interval, which overstates it."""
        times = [t for t in list(self._done_times) if t >= time.perf_counter() - FPS_WINDOW_S]
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    def result_counts(self) -> tuple[int, int]:
        """Frames and face answers collected so far."""
        with self.log_lock:
            return self.log.frame_count, self.log.face_count

    def export_results(self, path, kind: str) -> int:
        """Write every result so far as ``kind`` (csv or json); returns the number of frames.
        Raises OSError when the file cannot be written."""
        with self.log_lock:
            if kind == "csv":
                self.log.export_csv(path)
            else:
                self.log.export_json(path)
            return self.log.frame_count

    def summaries(self):
        """Per source, the summary of each tracked face and model so far (summary.py)."""
        with self.log_lock:
            return self.log.summaries()

    def clear_results(self) -> None:
        with self.log_lock:
            self.log.clear()

    # ---- the window's loop -------------------------------------------------------------------
    def run(self) -> None:
        """Handle commands and frames until ``stop()``; closes the source and any recording at the end."""
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
                case SelectTrack(track_id):
                    self.selected_track = track_id
                    self._redraw()
                case SetExplain(on):
                    self._set_explain(on)
                case SetTextSize(factor):
                    self.text_size = factor
                    self._redraw()
                case ExpectModels(expected):
                    self.models_expected = expected
                case StartRecording(path):
                    self.start_recording(path)
                case StopRecording():
                    self.stop_recording()
        if reprocess and self._still is not None and self.pipeline.detector is not None:
            self.pipeline.reset()
            self.handle(self._still)

    def _open(self, label: str, factory) -> None:
        self._close()
        try:
            source = factory()
        except SourceError as error:
            self.events.source_failed.emit(label, str(error))
            return
        except Exception as error:  # never let a bad file take the loop down
            log.exception("opening %s failed", label)
            self.events.source_failed.emit(label, f"Cannot open {label}: {error}")
            return
        self._start(source, source.info.name, source.info.kind)
        if isinstance(source, ImageSource):
            self._step(0)
        else:
            self._grabber = FrameGrabber(source)
            self._grabber.set_paused(self._paused)
            self._grabber.start()

    def _start(self, source: FrameSource, name: str, kind: str) -> None:
        self._source, self._source_name = source, name
        self.pipeline.reset()
        self._done_times.clear()
        self.stage_ms = {}
        with self.log_lock:
            self.log.start_source(name, kind)
        self.events.source_opened.emit(source.info.kind, source.info.name, source.info)

    def _close(self) -> None:
        self.stop_recording()  # the file is finalised whatever ends the source
        if self._grabber is not None:
            self._grabber.stop()
            self._grabber = None
        if self._source is not None:
            self._source.close()
            self._source = None
        self._still = self._last_result = self._last_frame = None
        self._live_explanation = None
        self._image_index = None

    def _step(self, offset: int) -> None:
        """Show the image ``offset`` away from the current one (0: the current one)."""
        source = self._source
        if not isinstance(source, ImageSource):
            return
        target = 0 if self._image_index is None else self._image_index + offset
        if target >= len(source.paths):
            self.events.source_ended.emit(f"That was the last image ({len(source.paths)}).")
            return
        self._image_index = max(0, target)
        source.seek(self._image_index)
        self.events.image_position.emit(self._image_index, len(source.paths))
        try:
            frame = source.read()
        except SourceError as error:  # a bad file in a folder: say so, keep the rest steppable
            self._still = self._last_result = None
            self.events.image_error.emit(str(error))
            return
        self._still = frame
        if self.pipeline.detector is not None:  # otherwise the detector's arrival processes it
            self.pipeline.reset()  # still images are independent: no tracking or smoothing across them
            self.handle(frame)

    def _waiting_for_models(self) -> bool:
        """Every source waits for the face detector; a file also waits for its first model to load, so
        that every frame gets an answer (the export holds the whole video); a camera shows its faces
        meanwhile."""
        if self.pipeline.detector is None:
            return True
        return (self.models_expected and not self.pipeline.backends and self._source is not None
                and self._source.info.every_frame)

    def _process_live(self) -> None:
        grabber = self._grabber
        taken = grabber.take(timeout=0.1)
        if taken is not None:
            self.handle(*taken)
        if grabber.error is not None:
            message = str(grabber.error)
            self._close()
            self.events.source_error.emit(message)
        elif grabber.ended and taken is None:
            name = self._source.info.name if self._source else "the video"
            self._close()
            self.events.source_ended.emit(f"{name} ended. Open another file, or choose a camera or the demo.")

    def _redraw(self) -> None:
        if self._still is not None and self._last_result is not None:
            annotated = self._draw(self._still, self._last_result)
            self.events.frame_done.emit(self._last_result, self._still, annotated)

    # ---- one source in the calling thread (predict, benchmarks) -----------------------------
    def analyse(self, source: FrameSource, name: str | None = None, kind: str | None = None, every: int = 1,
                record_to: Path | None = None, overlap: bool = True
                ) -> Iterator[tuple[FrameResult, Frame, np.ndarray | None]]:
        """Process ``source`` frame by frame (a video's every ``every``-th frame), yielding each frame's
        result, the frame and its annotated image (None when not drawn). ``record_to`` writes the
        annotated video there. A source that breaks raises SourceError; the frames so far are logged.
        The source is closed at the end.

        With ``overlap`` a video's next frame is read and its faces located on a second thread while
        this frame is classified: ONNX Runtime and OpenCV release the GIL, so on two or more cores
        the two stages run at once; the results are those of one frame after the other."""
        self._close()
        self._start(source, name or source.info.name, kind or source.info.kind)
        if record_to is not None:
            self.start_recording(record_to)
        try:
            if overlap and source.info.kind == "video":
                yield from self._analyse_overlapped(source, every)
                return
            while (frame := source.read()) is not None:
                if frame.still:
                    self.pipeline.reset()  # still images are independent, as in the window
                yield self.handle(frame)
                if every > 1 and not frame.still:
                    source.skip(every - 1)
        finally:
            self._close()

    def _analyse_overlapped(self, source: FrameSource, every: int):
        def read_and_locate(first: bool):
            if not first and every > 1:
                source.skip(every - 1)
            started = time.perf_counter()
            frame = source.read()
            capture_ms = (time.perf_counter() - started) * 1000
            return (None, 0.0) if frame is None else (self.pipeline.locate(frame), capture_ms)

        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="locate-ahead") as ahead:
            pending = ahead.submit(read_and_locate, True)
            while True:
                located, capture_ms = pending.result()
                if located is None:
                    return
                pending = ahead.submit(read_and_locate, False)
                yield self.handle(located.frame, capture_ms, located)

    # ---- every frame, whoever runs the loop --------------------------------------------------
    def handle(self, frame: Frame, capture_ms: float = 0.0, located: Located | None = None
               ) -> tuple[FrameResult, Frame, np.ndarray | None]:
        """Process one frame (``located``: its faces already found): its result goes into the log, its
        annotated image into the recording, and both out through ``events.frame_done``."""
        if located is None:
            located = self.pipeline.locate(frame)
        result = self.pipeline.classify(located, capture_ms, source=self._source_name)
        self._last_frame = frame
        if self.explain:
            explain_started = time.perf_counter()
            self._explain(frame, result)
            result.add_stage("explain", (time.perf_counter() - explain_started) * 1000)
        annotated = None
        if self.draw or self._recorder is not None:
            draw_started = time.perf_counter()
            annotated = self._draw(frame, result)
            result.add_stage("draw", (time.perf_counter() - draw_started) * 1000)
        if not frame.still:
            self._done_times.append(time.perf_counter())
        self.stage_ms = _averaged(self.stage_ms, result.timings_ms, moving=not frame.still)
        self._last_result = result
        with self.log_lock:
            self.log.add(result, still=frame.still)
        self.events.frame_done.emit(result, frame, annotated)
        return result, frame, annotated

    def _explain(self, frame: Frame, result: FrameResult, thorough: bool = False) -> None:
        """Saliency maps: a still (or a paused frame) gets every face's map for every model; a moving
        source gets the charted face's map for the first model once every LIVE_EXPLAIN_EVERY_S, shown
        on that face in between, so the frame rate holds."""
        if frame.still or thorough:
            self.pipeline.explain(frame.image, result.faces)
            return
        face = result.selected_face(self.selected_track)
        if face is None or not result.models:
            return
        model = result.models[0]
        key = (face.track_id, model)
        due = time.perf_counter() - self._explained_at >= LIVE_EXPLAIN_EVERY_S
        if due or self._live_explanation is None or self._live_explanation[0] != key:
            self.pipeline.explain(frame.image, [face], [model], LIVE_GRID)
            self._explained_at = time.perf_counter()
            self._live_explanation = (key, face.explanations.get(model))
        elif self._live_explanation[1] is not None:
            face.explanations[model] = self._live_explanation[1]

    def _set_explain(self, on: bool) -> None:
        self.explain = on
        self._live_explanation = None
        frame, result = self._still or (self._last_frame if self._paused else None), self._last_result
        if frame is None or result is None:
            return
        for face in result.faces:
            face.explanations.clear()
        if on:
            self._explain(frame, result, thorough=True)
        annotated = self._draw(frame, result)
        self.events.frame_done.emit(result, frame, annotated)

    def _draw(self, frame: Frame, result: FrameResult) -> np.ndarray:
        selected = result.selected_face(self.selected_track)
        annotated = annotate(frame.image, result, selected.track_id if selected else None, text_size=self.text_size,
                             explain=self.explain)
        if self._recorder is not None:
            self._record(annotated, frame)
        return annotated

    # ---- recording ---------------------------------------------------------------------------
    def start_recording(self, path: Path) -> None:
        """Write the annotated frames to a video file until stop_recording, a new source, the end of
        the source or the loop stopping (each finalises the file)."""
        self.stop_recording()
        fps = self._source.info.fps if self._source is not None else None
        self._recorder = VideoRecorder(Path(path), fps or 30.0)
        self.events.recording_started.emit(str(path))

    def stop_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            written = recorder.close()
            self.events.recording_stopped.emit(str(written or ""), recorder.frames, recorder.seconds)

    def _record(self, annotated: np.ndarray, frame: Frame) -> None:
        # Stills carry no time: they are recorded as shown, in real time (a slideshow).
        time_s = time.monotonic() - self._recorder.started_at if frame.still else frame.time_s
        try:
            self._recorder.add(annotated, time_s)
        except (RecordingError, cv2.error) as error:
            self._recorder.close()
            self._recorder = None
            self.events.recording_failed.emit(str(error))


def _averaged(previous: dict[str, float], latest: dict[str, float], moving: bool) -> dict[str, float]:
    """Exponential average (weight 0.1) of stage timings for moving sources; a still's own figures."""
    if not moving or not previous:
        return dict(latest)
    return {stage: 0.9 * previous.get(stage, ms) + 0.1 * ms for stage, ms in latest.items()}

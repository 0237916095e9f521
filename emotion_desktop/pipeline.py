"""detect -> crop -> classify -> FrameResult, with tracking and smoothing.

One ``Pipeline`` serves the GUI's worker thread, the CLI and the benchmark,
so all three measure and export the same thing. It is not thread-safe by
design: one thread calls ``process``, or one thread ``locate`` and another
``classify`` (their state is apart: tracks in the first, smoothing in the second).
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from dataclasses import dataclass

import numpy as np

from emotion_desktop.backends import Backend
from emotion_desktop.backends.runner_choice import usable_cores
from emotion_desktop.detectors import FaceDetector, detect_or_whole
from emotion_desktop.geometry import crop
from emotion_desktop.quality import face_quality, uncertain_code
from emotion_desktop.results import FaceResult, FrameResult
from emotion_desktop.saliency import STILL_GRID, occlusion_map
from emotion_desktop.sources import Frame
from emotion_desktop.tracking import IouTracker, ProbabilitySmoother, Track
from emotion_desktop.tta import predict_with_tta

log = logging.getLogger(__name__)

# With a detector slower than its own face following (Haar), the live view searches the whole
# frame on every 6th frame (a new face appears within 0.2 s at 30 FPS) and follows known faces in
# between: measured with benchmarks/live.py, it more than doubled the frame rate of searching every
# frame. BlazeFace searches every frame (its live_detect_every).
LIVE_DETECT_EVERY = 6


class Pipeline:
    def __init__(self, detector: FaceDetector | None, backends: list[Backend], smoothing_s: float = 0.25,
                 detect_every: int = 1, tta: str = "none", tta_live: bool = False):
        """``detector`` None: set one before ``process`` (the window builds it off the UI thread).
        ``detect_every`` > 1 searches the whole frame on every n-th frame only and follows the
        tracked faces in between (faster; a new face then appears within n frames). ``tta``
        (none, flip, tencrop) is used for still images, and for every frame with ``tta_live``."""
        self.detector = detector
        self.backends = [b for b in backends if b.available]
        self.tracker = IouTracker()
        self._detector_error: str | None = None
        self._detector_error_logged = False
        self.smoother = ProbabilitySmoother(smoothing_s)
        self.detect_every = max(1, detect_every)
        self._search_due = False  # a followed face was lost: search the next frame
        self.tta = tta
        self.tta_live = tta_live
        # compare mode's models at once: made on first use, False on a single core
        self._model_pool: concurrent.futures.ThreadPoolExecutor | bool | None = None

    @property
    def model_names(self) -> list[str]:
        return [b.name for b in self.backends]

    def set_backends(self, backends: list[Backend]) -> None:
        self.backends = [b for b in backends if b.available]
        self.smoother.reset()

    def set_smoothing(self, seconds: float) -> None:
        self.smoother.time_constant_s = max(0.0, seconds)

    def reset(self) -> None:
        """Forget tracks and smoothing (a new source, or the next still image)."""
        self.tracker.reset()
        self.smoother.reset()
        self._search_due = False
        self._detector_error_logged = False
        if self.detector is not None:
            self.detector.reset()

    def _locate(self, frame: Frame) -> list[Track]:
        """This frame's faces as tracks: a full detection, or the live tracks followed locally.

        Full searches fall on frame numbers divisible by the cadence (and right after a face was
        lost), not on a count since the last one, so that a video analysed in segments searches the
        same frames as one pass over it (batch/)."""
        live = [t for t in self.tracker.tracks if t.missed == 0]
        if not frame.still and live and not self._search_due and frame.index % self._search_every() != 0:
            for track in live:
                self._follow(frame.image, track)
            return live
        self._search_due = False
        try:
            detections = detect_or_whole(self.detector, frame.image, thorough=frame.still)
        except Exception as error:  # a detector failing on one frame must not stop the stream or the batch
            self._detector_failed(frame, error)
            detections = []
        tracks = self.tracker.update([d.box for d in detections])
        for track, detection in zip(tracks, detections):
            track.confidence, track.whole_image = detection.confidence, detection.whole_image
            track.turn = detection.turn
        return tracks

    def _search_every(self) -> int:
        """Frames per full search: ``detect_every``, or fewer where the detector is cheap enough to
        search every frame (BlazeFace's ``live_detect_every = 1``)."""
        return min(self.detect_every, self.detector.live_detect_every or self.detect_every)

    def _follow(self, image: np.ndarray, track: Track) -> None:
        """Move a track to the face found near its box. Where none is found the box stays and the
        next frame gets a full detection, which decides whether the face is gone; detectors that
        cannot search locally (MTCNN) keep their boxes until the next full detection."""
        if not self.detector.follows_faces or track.whole_image:
            return
        try:
            found = self.detector.detect_near(image, track.box)
        except Exception:  # the next full detection decides (and reports a detector that keeps failing)
            found = None
        if found is None:
            self._search_due = True
            return
        self.tracker.move(track, found.box)
        track.confidence, track.turn = found.confidence, found.turn

    def explain(self, image: np.ndarray, faces: list[FaceResult], models: list[str] | None = None,
                grid: int = STILL_GRID) -> None:
        """Add each face's saliency map per model (``models``: all by default) to the faces;
        a model that fails leaves its maps out (its answer is unaffected)."""
        for backend in self.backends:
            if models is not None and backend.name not in models:
                continue
            for face in faces:
                if backend.name not in face.probabilities:
                    continue
                try:
                    face.explanations[backend.name] = occlusion_map(backend, crop(image, face.box), grid)
                except Exception:
                    log.exception("explaining %s's answer failed", backend.name)

    def _detector_failed(self, frame: Frame, error: Exception) -> None:
        self._detector_error = f"{type(error).__name__}: {error}"
        if not self._detector_error_logged:  # once per source: not 30 log lines a second
            log.warning("the face detector failed on frame %d (%s); the stream goes on", frame.index,
                        self._detector_error)
            self._detector_error_logged = True

    def process(self, frame: Frame, capture_ms: float = 0.0, source: str = "") -> FrameResult:
        """This frame's faces and every model's answer; ``source`` names where the frame came from."""
        return self.classify(self.locate(frame), capture_ms, source)

    def locate(self, frame: Frame) -> Located:
        """The first stage: this frame's faces (detected or followed), their crops and quality.

        It depends only on earlier frames' faces, never on their answers, so a video's next frame
        can be located on another thread while this one is classified (``Session.analyse``)."""
        started = time.perf_counter()
        self._detector_error = None
        tracks = self._locate(frame)
        faces = [FaceResult(box=track.box, confidence=float(track.confidence), track_id=track.track_id,
                            whole_image=track.whole_image)
                 for track in tracks]
        crops = [crop(frame.image, face.box) for face in faces]
        for face, face_crop, track in zip(faces, crops, tracks):
            face.quality = face_quality(face_crop, face.box, track.turn)
        return Located(frame, faces, crops, {t.track_id for t in self.tracker.tracks}, self._detector_error,
                       (time.perf_counter() - started) * 1000)

    def _answers(self, crops: list[np.ndarray], tta: str, frame_index: int) -> dict[str, Answer]:
        """Each model's answer for the crops. In compare mode the models run at once on a small thread
        pool (ONNX Runtime and TensorFlow release the GIL), so the frame costs about the slowest model
        rather than the sum of all."""
        pool = self._compare_pool() if len(self.backends) > 1 else None
        if pool is None:
            return {b.name: _answer(b, crops, tta, frame_index) for b in self.backends}
        futures = {b.name: pool.submit(_answer, b, crops, tta, frame_index) for b in self.backends}
        return {name: future.result() for name, future in futures.items()}

    def _compare_pool(self) -> concurrent.futures.ThreadPoolExecutor | None:
        """The pool compare mode's models run on, made on first use; None on a single core."""
        if self._model_pool is None:
            cores = usable_cores()
            self._model_pool = (concurrent.futures.ThreadPoolExecutor(cores, thread_name_prefix="models")
                                if cores > 1 else False)
        return self._model_pool or None

    def classify(self, located: Located, capture_ms: float = 0.0, source: str = "") -> FrameResult:
        """The second stage: every model's answer for the located faces, smoothed over time."""
        started = time.perf_counter()
        frame, faces, crops = located.frame, located.faces, located.crops
        result = FrameResult(frame_index=frame.index, time_s=frame.time_s, source=source, faces=faces,
                             models=self.model_names, image_name=frame.name)
        if located.detector_error:
            result.errors["face detector"] = located.detector_error
        tta = self.tta if frame.still or self.tta_live else "none"
        if crops:
            answers = self._answers(crops, tta, frame.index)
            for backend in self.backends:
                answer = answers[backend.name]
                if answer.error:  # one failing model must not stop the others or the stream
                    result.errors[backend.name] = answer.error
                    continue
                result.model_ms[backend.name] = answer.seconds * 1000
                for face, row in zip(faces, answer.probabilities):
                    face.probabilities[backend.name] = row
                    face.smoothed[backend.name] = self.smoother.update(face.track_id, backend.name, row,
                                                                       frame.time_s)
                    face.uncertain[backend.name] = uncertain_code(face.quality,
                                                                  float(face.smoothed[backend.name].max()))
        self.smoother.forget(located.track_ids)
        classify_ms = (time.perf_counter() - started) * 1000
        result.timings_ms = {"capture": capture_ms, "detect": located.detect_ms, "classify": classify_ms}
        result.timings_ms["total"] = capture_ms + located.detect_ms + classify_ms
        return result


@dataclass
class Answer:
    """One model's answer for a frame's faces, or why it failed."""

    probabilities: np.ndarray | None
    seconds: float = 0.0
    error: str | None = None


def _answer(backend: Backend, crops: list[np.ndarray], tta: str, frame_index: int) -> Answer:
    started = time.perf_counter()
    try:
        return Answer(predict_with_tta(backend, crops, tta), time.perf_counter() - started)
    except Exception as error:
        log.exception("%s failed on frame %d", backend.name, frame_index)
        return Answer(None, error=f"{type(error).__name__}: {error}")


@dataclass
class Located:
    """A frame after the first stage: its faces (no answers yet), their crops, the tracks alive."""

    frame: Frame
    faces: list[FaceResult]
    crops: list[np.ndarray]
    track_ids: set[int]
    detector_error: str | None
    detect_ms: float

"""detect -> crop -> classify -> FrameResult, with tracking and smoothing.

One ``Pipeline`` serves the GUI's worker thread, the CLI and the benchmark,
so all three measure and export the same thing. It is not thread-safe by
design: exactly one thread (the worker) calls ``process``.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from emotion_desktop.backends import Backend
from emotion_desktop.detection import crop, detect_or_whole
from emotion_desktop.results import FaceResult, FrameResult
from emotion_desktop.sources import Frame
from emotion_desktop.tracking import IouTracker, ProbabilitySmoother

log = logging.getLogger(__name__)

# The live view detects on every 2nd frame and tracks in between: benchmarks/live.py measured
# 45 FPS detecting every frame and 87 FPS every 2nd frame with the scratch CNN on 2 cores.
LIVE_DETECT_EVERY = 2


class Pipeline:
    def __init__(self, detector, backends: list[Backend], smoothing_s: float = 0.25, detect_every: int = 1):
        """``detect_every`` > 1 runs the detector on every n-th frame only and keeps the tracked
        boxes in between (faster; a new face then appears within n frames)."""
        self.detector = detector
        self.backends = [b for b in backends if b.available]
        self.tracker = IouTracker()
        self.smoother = ProbabilitySmoother(smoothing_s)
        self.detect_every = max(1, detect_every)
        self._frames_since_detection = 0

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
        self._frames_since_detection = 0

    def _detect(self, frame: Frame):
        """This frame's detections, or the tracked boxes when detection is skipped for this frame."""
        self._frames_since_detection += 1
        if not frame.still and self._frames_since_detection < self.detect_every and self.tracker.tracks:
            return [(t.box, 1.0, False) for t in self.tracker.tracks if t.missed == 0], False
        self._frames_since_detection = 0
        detections = detect_or_whole(self.detector, frame.image, thorough=frame.still)
        return [(d.box, d.confidence, d.whole_image) for d in detections], True

    def process(self, frame: Frame, capture_ms: float = 0.0) -> FrameResult:
        started = time.perf_counter()
        detections, detected = self._detect(frame)
        tracks = self.tracker.update([d[0] for d in detections]) if detected else \
            [t for t in self.tracker.tracks if t.missed == 0]
        detect_done = time.perf_counter()

        faces = [FaceResult(box=track.box, confidence=float(confidence), track_id=track.track_id,
                            whole_image=whole)
                 for track, (_box, confidence, whole) in zip(tracks, detections)]
        crops = [crop(frame.image, face.box) for face in faces]
        result = FrameResult(frame_index=frame.index, time_s=frame.time_s, faces=faces,
                             models=self.model_names, image_name=frame.name)
        if crops:
            for backend in self.backends:
                model_started = time.perf_counter()
                try:
                    probabilities = backend.predict(crops)
                except Exception as error:  # one failing model must not stop the others or the stream
                    log.exception("%s failed on frame %d", backend.name, frame.index)
                    result.errors[backend.name] = f"{type(error).__name__}: {error}"
                    continue
                result.model_ms[backend.name] = (time.perf_counter() - model_started) * 1000
                for face, row in zip(faces, probabilities):
                    face.probabilities[backend.name] = row
                    face.smoothed[backend.name] = self.smoother.update(face.track_id, backend.name, row,
                                                                       frame.time_s)
        self.smoother.forget({t.track_id for t in self.tracker.tracks})
        finished = time.perf_counter()
        result.timings_ms = {"capture": capture_ms, "detect": (detect_done - started) * 1000,
                             "classify": (finished - detect_done) * 1000}
        result.timings_ms["total"] = capture_ms + (finished - started) * 1000
        return result

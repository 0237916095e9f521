"""The recent history of each face's smoothed probabilities, per model, for the live timeline.

Kept on the UI side from the results the window shows, limited to the last `MAX_SPAN_S` seconds of
source time, so it stays small however long the stream runs (the session log keeps everything).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from emotion_desktop.results import FrameResult

MAX_SPAN_S = 300.0
DEFAULT_SPAN_S = 30.0


class Timeline:
    def __init__(self, span_s: float = DEFAULT_SPAN_S):
        self.span_s = span_s
        self._series: dict[tuple[int, str], deque] = {}
        self._now: float | None = None

    @property
    def now(self) -> float | None:
        return self._now

    def clear(self) -> None:
        self._series.clear()
        self._now = None

    def add(self, result: FrameResult) -> None:
        time_s = float(result.time_s)
        if self._now is not None and time_s < self._now - 0.5:  # time went back: a new source or a loop
            self.clear()
        self._now = time_s if self._now is None else max(self._now, time_s)
        for face in result.faces:
            for model, values in face.smoothed.items():
                self._series.setdefault((face.track_id, model), deque()).append((time_s, np.asarray(values)))
        self._forget_before(self._now - MAX_SPAN_S)

    def _forget_before(self, oldest: float) -> None:
        for key in list(self._series):
            points = self._series[key]
            while points and points[0][0] < oldest:
                points.popleft()
            if not points:
                del self._series[key]

    def series(self, track_id: int, model: str) -> tuple[np.ndarray, np.ndarray]:
        """Times (s, relative to the newest result: -span..0) and probabilities (n, 7) of one face."""
        points = [p for p in self._series.get((track_id, model), ()) if p[0] >= (self._now or 0) - self.span_s - 1e-6]
        if not points:
            return np.zeros(0), np.zeros((0, 7))
        times = np.array([p[0] for p in points]) - self._now
        return times, np.stack([p[1] for p in points])

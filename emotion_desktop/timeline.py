"""The recent history of each face's smoothed probabilities, per model, for the live timeline.

Kept on the UI side from the results the window shows, limited to the last `MAX_SPAN_S` seconds of
source time, so it stays small however long the stream runs (the session log keeps everything).
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

from emotion_desktop.results import FrameResult
from emotion_desktop.settings import DEFAULT_TIMELINE_S, MAX_TIMELINE_S

MAX_SPAN_S = MAX_TIMELINE_S  # the longest span the user can choose: older values are dropped
DEFAULT_SPAN_S = DEFAULT_TIMELINE_S


class _Series:
    """One face's history for one model: times and probability rows in growing arrays, the oldest
    dropped from the front, so that a redraw slices instead of copying point by point."""

    def __init__(self):
        self.times = np.zeros(256)
        self.rows = np.zeros((256, 7), np.float32)
        self.start = self.end = 0

    def append(self, time_s: float, row) -> None:
        if self.end == len(self.times):
            keep = slice(self.start, self.end)
            size = max(256, 2 * (self.end - self.start))
            times, rows = np.zeros(size), np.zeros((size, 7), np.float32)
            count = self.end - self.start
            times[:count], rows[:count] = self.times[keep], self.rows[keep]
            self.times, self.rows, self.start, self.end = times, rows, 0, count
        self.times[self.end] = time_s
        self.rows[self.end] = row
        self.end += 1

    def drop_before(self, oldest: float) -> None:
        self.start += bisect_left(self.times[self.start:self.end], oldest)

    def __len__(self) -> int:
        return self.end - self.start

    def since(self, oldest: float) -> tuple[np.ndarray, np.ndarray]:
        first = self.start + bisect_left(self.times[self.start:self.end], oldest)
        return self.times[first:self.end].copy(), self.rows[first:self.end].copy()


class Timeline:
    def __init__(self, span_s: float = DEFAULT_SPAN_S):
        self.span_s = span_s
        self._series: dict[tuple[int, str], _Series] = {}
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
                self._series.setdefault((face.track_id, model), _Series()).append(time_s, values)
        self._forget_before(self._now - MAX_SPAN_S)

    def _forget_before(self, oldest: float) -> None:
        for key in list(self._series):
            self._series[key].drop_before(oldest)
            if not len(self._series[key]):
                del self._series[key]

    def series(self, track_id: int, model: str) -> tuple[np.ndarray, np.ndarray]:
        """Times (s, relative to the newest result: -span..0) and probabilities (n, 7) of one face."""
        history = self._series.get((track_id, model))
        if history is None or self._now is None:
            return np.zeros(0), np.zeros((0, 7))
        times, rows = history.since(self._now - self.span_s - 1e-6)
        return times - self._now, rows

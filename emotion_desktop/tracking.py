"""Stable face identities across frames and temporal smoothing of probabilities.

``IouTracker`` gives each face a track id that survives from frame to frame
(greedy IoU matching, which is enough for the few faces of a webcam scene),
and smooths box corners so boxes don't jitter. ``ProbabilitySmoother`` is
an exponential moving average per track and model whose weight depends on
the time between frames, so its behaviour is the same at 10 or 30 FPS: a
time constant of 0.25 s removes frame-to-frame flicker while a real change
of expression still takes over within about half a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from emotion_desktop.geometry import Box, iou


@dataclass
class Track:
    track_id: int
    box: Box
    missed: int = 0  # consecutive full detections without a match
    confidence: float = 1.0  # of the face detection that last placed the box
    whole_image: bool = False  # the box is the whole image (a face crop), nothing to follow
    turn: float = 0.0  # the head's sideways turn at the last detection (detections.Detection.turn)


class IouTracker:
    def __init__(self, min_iou: float = 0.3, max_missed: int = 10, box_smoothing: float = 0.5):
        self.min_iou = min_iou
        self.max_missed = max_missed
        self.box_smoothing = box_smoothing  # weight of the previous box (0: follow detections exactly)
        self.tracks: list[Track] = []
        self._next_id = 1

    def reset(self) -> None:
        self.tracks = []
        self._next_id = 1

    def update(self, boxes: list[Box]) -> list[Track]:
        """Match this frame's boxes to tracks; returns one track per box, in the boxes' order."""
        pairs = sorted(((iou(track.box, box), t, b) for t, track in enumerate(self.tracks)
                        for b, box in enumerate(boxes)), reverse=True)
        assigned: dict[int, Track] = {}
        used_tracks: set[int] = set()
        for overlap, t, b in pairs:
            if overlap < self.min_iou:
                break
            if t in used_tracks or b in assigned:
                continue
            track = self.tracks[t]
            track.box = self._blend(track.box, boxes[b])
            track.missed = 0
            assigned[b] = track
            used_tracks.add(t)
        for t, track in enumerate(self.tracks):
            if t not in used_tracks:
                track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        result = []
        for b, box in enumerate(boxes):
            if b not in assigned:
                assigned[b] = Track(self._next_id, tuple(int(v) for v in box))
                self._next_id += 1
                self.tracks.append(assigned[b])
            result.append(assigned[b])
        return result

    def move(self, track: Track, box: Box) -> None:
        """Follow a track to a box found near it between full detections (no matching, no ageing)."""
        track.box = self._blend(track.box, box)

    def _blend(self, old: Box, new: Box) -> Box:
        keep = self.box_smoothing
        return tuple(int(round(keep * o + (1 - keep) * n)) for o, n in zip(old, new))


class ProbabilitySmoother:
    """Exponential moving average of probabilities per (track, model), time-constant based."""

    def __init__(self, time_constant_s: float = 0.25):
        self.time_constant_s = time_constant_s
        self._state: dict[tuple[int, str], tuple[np.ndarray, float]] = {}

    def reset(self) -> None:
        self._state.clear()

    def weight(self, elapsed_s: float) -> float:
        """How much of the new value goes in: 1 - exp(-dt / tau) (1 when smoothing is off)."""
        if self.time_constant_s <= 0:
            return 1.0
        return 1.0 - math.exp(-max(elapsed_s, 0.0) / self.time_constant_s)

    def update(self, track_id: int, model: str, probabilities: np.ndarray, time_s: float) -> np.ndarray:
        key = (track_id, model)
        previous = self._state.get(key)
        if previous is None or time_s < previous[1]:
            smoothed = probabilities.astype(np.float32)
        else:
            alpha = self.weight(time_s - previous[1])
            smoothed = (alpha * probabilities + (1 - alpha) * previous[0]).astype(np.float32)
        self._state[key] = (smoothed, time_s)
        return smoothed

    def forget(self, live_track_ids: set[int]) -> None:
        """Drop the state of tracks that ended, so memory stays flat over long runs."""
        for key in [k for k in self._state if k[0] not in live_track_ids]:
            del self._state[key]

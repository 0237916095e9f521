"""Annotated video out: the window's Record button and `predict VIDEO --annotate`.

OpenCV's `VideoWriter` with MPEG-4 Part 2 in .mp4 (plays in VLC, browsers' players, QuickTime,
Windows' Films & TV, GNOME Videos); when that codec is missing from the OpenCV build, Motion JPEG
in .avi. Frames are placed by their source time, so a camera whose frames the pipeline skipped
still records in real time (a frame is repeated), and a file's frames are written one for one.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

CODECS = ((".mp4", "mp4v"), (".avi", "MJPG"))


def unused_path(path: Path) -> Path:
    """`path`, or `path` with -2, -3, ... before the suffix when a file of that name (with any of
    the codecs' suffixes) exists: two recordings within one second must not overwrite each other."""
    stem, number = path.stem, 1
    while any(path.with_suffix(suffix).exists() for suffix, _ in CODECS):
        number += 1
        path = path.with_name(f"{stem}-{number}{path.suffix}")
    return path


class RecordingError(OSError):
    """The video file could not be opened or written; the message says what to do."""


class VideoRecorder:
    def __init__(self, path: Path, fps: float):
        self.requested = Path(path)
        self.fps = fps if fps and 1 <= fps <= 240 else 30.0
        self.path: Path | None = None
        self.writer: cv2.VideoWriter | None = None
        self.size: tuple[int, int] | None = None
        self.frames = 0
        self._previous: np.ndarray | None = None
        self._start_time: float | None = None
        self.started_at = time.monotonic()

    def _open(self, size: tuple[int, int]) -> None:
        try:
            self.requested.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RecordingError(f"Cannot write a video to {self.requested.parent} ({error.strerror}): check "
                                 "that the folder is writable and has free space.") from error
        for suffix, fourcc in CODECS:
            path = self.requested.with_suffix(suffix)
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), self.fps, size)
            if writer.isOpened():
                self.writer, self.path, self.size = writer, path, size
                return
            writer.release()
            path.unlink(missing_ok=True)
        raise RecordingError(f"Cannot write a video to {self.requested.parent}: check that the folder is "
                             "writable and has free space.")

    def add(self, image: np.ndarray, time_s: float) -> int:
        """Add an annotated frame shown at `time_s` (source seconds); returns how many frames were
        written: 0 when it came sooner than the frame rate needs; more than 1 after a gap, which
        the previous frame fills (held on screen, as the viewer saw it)."""
        if self.writer is None:
            self._open((image.shape[1], image.shape[0]))
            self._start_time = time_s
        due = int(round((time_s - self._start_time) * self.fps)) + 1 - self.frames
        if due <= 0:
            return 0
        held = min(due - 1, int(self.fps * 2))  # a stall longer than 2 s is not filled in full
        for _ in range(held):
            self.writer.write(self._previous)
        if (image.shape[1], image.shape[0]) != self.size:  # a huge still drawn smaller, a new size
            image = cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)
        self._previous = np.ascontiguousarray(image)
        self.writer.write(self._previous)
        self.frames += held + 1
        return held + 1

    @property
    def seconds(self) -> float:
        return self.frames / self.fps

    def close(self) -> Path | None:
        """Finish the file (it plays only once closed); returns its path, or None when nothing was
        recorded (no empty file is left behind)."""
        if self.writer is None:
            return None
        self.writer.release()
        self.writer = None
        if self.frames == 0 and self.path is not None:
            self.path.unlink(missing_ok=True)
            return None
        return self.path

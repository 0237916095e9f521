"""Reads a source on its own thread: a camera's newest frame wins, a file hands over every frame.

Qt-free (threads and events only), so the window's worker and any other consumer can use it.
"""

from __future__ import annotations

import threading
import time

from emotion_desktop.sources import Frame, FrameSource, SourceError


class FrameGrabber(threading.Thread):
    """Reads a source continuously: a camera's newest frame wins (latency stays bounded); a file
    (``SourceInfo.every_frame``) hands over every frame, waiting for the worker to take each one,
    paced to the file's frame rate while the pipeline keeps up."""

    def __init__(self, source: FrameSource):
        super().__init__(daemon=True, name="frame-grabber")
        self.source = source
        self._lock = threading.Lock()
        self._latest: tuple[Frame, float] | None = None
        self._new = threading.Event()
        self._taken = threading.Event()
        self._stopping = threading.Event()
        self._paused = threading.Event()
        self.error: SourceError | None = None
        self.ended = False
        self._interval = 1.0 / (source.info.fps or 30.0) if source.info.paced else 0.0

    def run(self) -> None:
        next_due = time.perf_counter()
        while not self._stopping.is_set():
            if self._paused.is_set():
                time.sleep(0.02)
                next_due = time.perf_counter()
                continue
            started = time.perf_counter()
            try:
                frame = self.source.read()
            except SourceError as error:
                self.error = error
                self._new.set()
                return
            except Exception as error:  # an unexpected decoder failure ends the source, not the app
                self.error = SourceError(f"Reading from {self.source.info.name} failed: {error}")
                self._new.set()
                return
            if frame is None:
                self.ended = True
                self._new.set()
                return
            capture_ms = (time.perf_counter() - started) * 1000
            with self._lock:
                self._taken.clear()
                self._latest = (frame, capture_ms)
            self._new.set()
            if self.source.info.every_frame:
                self._wait_until_taken()
            if self._interval:  # play videos and the demo in real time
                next_due += self._interval
                delay = next_due - time.perf_counter()
                if delay > 0:
                    self._stopping.wait(delay)
                elif delay < -1.0:  # far behind (e.g. after a stall): resynchronise
                    next_due = time.perf_counter()

    def _wait_until_taken(self) -> None:
        while not self._stopping.is_set() and not self._taken.wait(0.1):
            pass

    def take(self, timeout: float) -> tuple[Frame, float] | None:
        """The newest frame not yet taken (waits up to ``timeout``), or None."""
        if not self._new.wait(timeout):
            return None
        with self._lock:
            latest, self._latest = self._latest, None
            self._new.clear()
            self._taken.set()
        return latest

    def set_paused(self, paused: bool) -> None:
        (self._paused.set if paused else self._paused.clear)()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=2.0)


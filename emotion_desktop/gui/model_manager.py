"""Loads classifier backends off the UI thread, one at a time, and reports through signals.

Availability is probed up front (cheap file checks, no TensorFlow), so the
model selector can show missing models disabled with the reason before
anything loads. Loading goes through the registry on a single background
thread: TensorFlow imports and model builds never run concurrently, and the
UI stays responsive while a model loads.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from emotion_desktop.backends import Backend, backend_names, load_backend, probe


class ModelManager(QObject):
    loading = Signal(str)  # name
    loaded = Signal(str, object, bool)  # name, Backend (available), just loaded (False: it already was)
    failed = Signal(str, str)  # name, reason
    busy_changed = Signal(bool)
    detector_ready = Signal(str, object, str)  # name asked for, detector (the fallback when it failed), why
    detector_failed = Signal(str, str)  # name, reason
    downloaded = Signal(str)  # name: its weights arrived and it can load now
    download_failed = Signal(str, str)  # name, message with the manual steps

    def __init__(self, models_dir: Path | None = None, parent=None):
        super().__init__(parent)
        self.models_dir = models_dir
        self.backends: dict[str, Backend] = {}
        self.reasons: dict[str, str | None] = {name: probe(name, models_dir) for name in backend_names()}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-loader")
        self._pending: dict[str, Future] = {}
        self._lock = threading.Lock()

    def is_available(self, name: str) -> bool:
        return self.reasons.get(name) is None

    def available_names(self) -> list[str]:
        return [name for name in backend_names() if self.is_available(name)]

    def request(self, names: list[str]) -> None:
        """Make sure these backends are loaded; emits ``loaded``/``failed`` for each once ready."""
        for name in names:
            if name in self.backends:
                self.loaded.emit(name, self.backends[name], False)
                continue
            if not self.is_available(name):
                self.failed.emit(name, self.reasons[name] or "unavailable")
                continue
            if self._submit(name, self._load, name):
                self.loading.emit(name)

    def _submit(self, key: str, function, *args) -> bool:
        """Queue work on the loader thread unless the same work is already queued."""
        with self._lock:
            if key in self._pending:
                return False
            was_idle = not self._pending
            self._pending[key] = self._executor.submit(function, *args)
        if was_idle:
            self.busy_changed.emit(True)
        return True

    def _finish(self, key: str) -> None:
        with self._lock:
            self._pending.pop(key, None)
            now_idle = not self._pending
        if now_idle:
            self.busy_changed.emit(False)

    def _load(self, name: str) -> None:
        backend = load_backend(name, self.models_dir)
        if backend.available:
            self.backends[name] = backend
        else:
            self.reasons[name] = backend.unavailable_reason
        self._finish(name)
        if backend.available:
            self.loaded.emit(name, backend, True)
        else:
            self.failed.emit(name, backend.unavailable_reason)

    def download(self, name: str) -> bool:
        """Fetch a model's missing weights on the loader thread (its BackendInfo says how)."""
        return self._submit(f"download:{name}", self._download, name)

    def _download(self, name: str) -> None:
        from emotion_desktop.backends import INFO

        try:
            INFO[name].download()
        except Exception as error:  # offline, proxy, bad file: the app goes on, the message says what to do
            self._finish(f"download:{name}")
            self.download_failed.emit(name, str(error))
            return
        self.reasons[name] = probe(name, self.models_dir)
        self._finish(f"download:{name}")
        self.downloaded.emit(name)

    def request_detector(self, name: str) -> None:
        """Build a face detector on the loader thread (MTCNN imports TensorFlow)."""
        self._submit(f"detector:{name}", self._load_detector, name)

    def _load_detector(self, name: str) -> None:
        from emotion_desktop.detectors import make_detector_or_fallback

        try:
            detector, problem = make_detector_or_fallback(name)
        except Exception as error:  # even the fallback failed (a broken OpenCV): keep the current detector
            self._finish(f"detector:{name}")
            self.detector_failed.emit(name, f"{type(error).__name__}: {error}")
            return
        self._finish(f"detector:{name}")
        self.detector_ready.emit(name, detector, problem or "")

    def shutdown(self) -> None:
        """Stop taking work; a load already running finishes in the background."""
        self._executor.shutdown(wait=False, cancel_futures=True)

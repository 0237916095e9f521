"""What the user saves from the window: snapshots, exported results and recordings, and where
(the last export folder, else the user's documents)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject

from emotion_desktop.gui import file_dialogs
from emotion_desktop.recording import unused_path


class WindowOutput(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def export_folder(self) -> Path:
        return file_dialogs.export_folder(self.window.state.export_folder)

    def _remember_export(self, path: Path) -> None:
        self.window.state.export_folder = str(path.parent)

    def save_snapshot(self) -> None:
        if self.window.last_image is None:
            self.window.show_problem("Nothing to save yet: no frame has been shown.", kind="info")
            return
        path = file_dialogs.ask_save(self.window, "Save snapshot", self.export_folder(), "emotion-snapshot", "png",
                                     "PNG image")
        if path:
            self.write_snapshot(path)

    def write_snapshot(self, path: Path) -> bool:
        if self.window.last_image is None or not self.window.last_image.save(str(path), "PNG"):
            self.window.show_problem(f"Could not save the snapshot to {path}.")
            return False
        self._remember_export(path)
        self.window.log(f"saved snapshot {path}")
        return True

    def toggle_recording(self, recording: bool) -> None:
        """Record the annotated view to <export folder>/emotion-recording-<date-time>.mp4."""
        if recording:
            path = self.export_folder() / f"emotion-recording-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
            self.window.worker.start_recording(unused_path(path))
        else:
            self.window.worker.stop_recording()

    def on_recording_stopped(self, path: str, frames: int, seconds: float) -> None:
        self.window.menus.record.setChecked(False)
        self.window.status.show_recording(None)
        if path:
            self._remember_export(Path(path))
            self.window.log(f"saved recording {path} ({frames} frames, {seconds:.1f} s)")
        else:
            self.window.log("recording stopped before any frame was shown: no file written")

    def on_recording_failed(self, message: str) -> None:
        self.window.menus.record.setChecked(False)
        self.window.status.show_recording(None)
        self.window.show_problem(f"Recording stopped: {message}")
        self.window.log(f"error: recording stopped: {message}")

    def export_results(self, kind: str) -> None:
        path = file_dialogs.ask_save(self.window, f"Export results as {kind.upper()}", self.export_folder(),
                                     "emotion-results", kind, kind.upper())
        if path:
            self.write_results(path, kind)

    def write_results(self, path: Path, kind: str) -> bool:
        try:
            frames = self.window.worker.export_results(path, kind)
            self._remember_export(path)
        except OSError as error:
            self.window.show_problem(f"Could not write {path}: {error.strerror or error}. Choose another folder.")
            return False
        self.window.log(f"exported {frames} frames of results to {path}")
        return True

    def clear_results(self) -> None:
        self.window.worker.clear_results()
        self.window.log("results cleared")

"""What the user saves from the window: snapshots, exported results and recordings, and where
(the last export folder, else the user's documents)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from emotion_desktop.gui import file_dialogs
from emotion_desktop.recording import unused_path


class WindowOutput(QObject):
    """Needs the state (the export folder), the worker (results, recording), where to tell the user,
    the status readout, the frame on screen (``shown_image()``) and a parent for its dialogs."""

    recording_ended = Signal()  # the Record action unchecks itself

    def __init__(self, state, worker, messages, status, shown_image, dialog_parent):
        super().__init__(dialog_parent)
        self.state, self.worker, self.messages, self.status = state, worker, messages, status
        self.shown_image, self.dialog_parent = shown_image, dialog_parent

    def export_folder(self) -> Path:
        return file_dialogs.export_folder(self.state.export_folder)

    def _remember_export(self, path: Path) -> None:
        self.state.export_folder = str(path.parent)

    def save_snapshot(self) -> None:
        if self.shown_image() is None:
            self.messages.show_problem("Nothing to save yet: no frame has been shown.", kind="info")
            return
        path = file_dialogs.ask_save(self.dialog_parent, "Save snapshot", self.export_folder(), "emotion-snapshot",
                                     "png", "PNG image")
        if path:
            self.write_snapshot(path)

    def write_snapshot(self, path: Path) -> bool:
        image = self.shown_image()
        if image is None or not image.save(str(path), "PNG"):
            self.messages.show_problem(f"Could not save the snapshot to {path}.")
            return False
        self._remember_export(path)
        self.messages.log(f"saved snapshot {path}")
        return True

    def toggle_recording(self, recording: bool) -> None:
        """Record the annotated view to <export folder>/emotion-recording-<date-time>.mp4."""
        if recording:
            path = self.export_folder() / f"emotion-recording-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
            self.worker.start_recording(unused_path(path))
        else:
            self.worker.stop_recording()

    def on_recording_stopped(self, path: str, frames: int, seconds: float) -> None:
        self.recording_ended.emit()
        self.status.show_recording(None)
        if path:
            self._remember_export(Path(path))
            self.messages.log(f"saved recording {path} ({frames} frames, {seconds:.1f} s)")
        else:
            self.messages.log("recording stopped before any frame was shown: no file written")

    def on_recording_failed(self, message: str) -> None:
        self.recording_ended.emit()
        self.status.show_recording(None)
        self.messages.show_problem(f"Recording stopped: {message}")
        self.messages.log(f"error: recording stopped: {message}")

    def export_results(self, kind: str) -> None:
        path = file_dialogs.ask_save(self.dialog_parent, f"Export results as {kind.upper()}", self.export_folder(),
                                     "emotion-results", kind, kind.upper())
        if path:
            self.write_results(path, kind)

    def write_results(self, path: Path, kind: str) -> bool:
        try:
            frames = self.worker.export_results(path, kind)
            self._remember_export(path)
        except OSError as error:
            self.messages.show_problem(f"Could not write {path}: {error.strerror or error}. Choose another folder.")
            return False
        self.messages.log(f"exported {frames} frames of results to {path}")
        return True

    def clear_results(self) -> None:
        self.worker.clear_results()
        self.messages.log("results cleared")

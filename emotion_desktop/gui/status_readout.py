"""The status bar's permanent readouts: model loading, stage times, FPS and the results count."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

STAGES = ("capture", "detect", "classify", "draw")


class StatusReadout:
    def __init__(self, status: QStatusBar):
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: "loading a model"
        self.busy.setMaximumWidth(120)
        self.busy.setFormat("loading model")
        self.busy.hide()
        self.fps_label = QLabel("–")
        self.stages_label = QLabel("")
        self.results_label = QLabel("no results yet")
        self.recording_label = QLabel()  # "● REC 0:12" while recording
        self.recording_label.setStyleSheet("color: #d62728; font-weight: bold")
        self.recording_label.hide()
        for widget in (self.recording_label, self.busy, self.stages_label, self.fps_label, self.results_label):
            status.addPermanentWidget(widget)

    def show(self, timings_ms: dict[str, float], rate: str, counts: tuple[int, int]) -> None:
        """`rate` is "still image", "paused" or the measured FPS; `counts` the frames and face
        answers collected so far."""
        stages = " · ".join(f"{k} {timings_ms[k]:.1f}" for k in STAGES if k in timings_ms)
        self.stages_label.setText(f"{stages} ms")
        self.fps_label.setText(rate)
        frames, faces = counts
        self.results_label.setText(f"results: {frames} frames, {faces} face answers")

    def show_recording(self, seconds: float | None) -> None:
        """The recording indicator with the elapsed time; hidden when not recording."""
        self.recording_label.setVisible(seconds is not None)
        if seconds is not None:
            minutes, rest = divmod(int(seconds), 60)
            self.recording_label.setText(f"\u25cf REC {minutes}:{rest:02d}")

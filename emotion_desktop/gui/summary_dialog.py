"""The session summary: per source and tracked face, each model's time visible, dominant emotion,
the share of time per emotion and the mean probabilities (the same figures as the exports)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from emotion_desktop.backends import DISPLAY_NAMES
from emotion_desktop.labels import EMOTIONS
from emotion_desktop.summary import FaceSummary

COLUMNS = ["Source", "Face", "Model", "Visible", "Frames", "Mostly"] + [e.capitalize() for e in EMOTIONS]


class SummaryDialog(QDialog):
    def __init__(self, summaries: list[tuple[str, list[FaceSummary]]], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Session Summary")
        self.resize(980, 420)
        rows = [(source, summary) for source, items in summaries for summary in items]
        note = QLabel("Per tracked face and model. Emotion columns: share of the visible time the emotion led "
                      "(mean probability in brackets). Export Results includes this table.")
        note.setWordWrap(True)
        self.table = QTableWidget(len(rows), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (source, summary) in enumerate(rows):
            visible = f"{summary.visible_s:.1f} s" if summary.visible_s else "still"
            cells = [source, f"#{summary.track_id}", DISPLAY_NAMES.get(summary.model, summary.model), visible,
                     str(summary.frames), summary.dominant]
            cells += [f"{summary.dominant_share[e]:.0%} ({summary.mean_percent[e]:.0f}%)" for e in EMOTIONS]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        if not rows:
            layout.addWidget(QLabel("No faces yet: open a video, a camera or the demo."))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

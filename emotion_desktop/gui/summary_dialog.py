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
from emotion_desktop.results import SourceSummary
from emotion_desktop.summary import FaceSummary

KIND_NAMES = {"images": "photos", "image": "photo", "video": "video", "camera": "camera", "demo": "demo"}

COLUMNS = ["Face", "Model", "Visible", "Frames", "Unsure", "Mostly"] + [e.capitalize() for e in EMOTIONS]


def visible_text(kind: str, summary: FaceSummary) -> str:
    """Time on screen; a face in one frame of a video is "1 frame", only photos are "still"."""
    if summary.visible_s:
        return f"{summary.visible_s:.1f} s"
    return "still" if kind in ("image", "images") else f"{summary.frames} frame" + ("s" if summary.frames > 1 else "")


class SummaryDialog(QDialog):
    def __init__(self, summaries: list[SourceSummary], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Session Summary")
        note = QLabel("Per tracked face and model, under each source. Unsure: share of the time the answer was "
                      "uncertain (too small, blurred or turned a face, or the model unsure). Emotion columns: "
                      "share of the answered time the emotion led (hover for the mean probability). "
                      "Export Results includes this table.")
        note.setWordWrap(True)
        count = sum(1 + len(source.faces) for source in summaries)
        self.table = QTableWidget(count, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        row = 0
        for source in summaries:  # a source's name spans the row above its faces, not a column of its own
            heading = QTableWidgetItem(f"{source.name} ({KIND_NAMES.get(source.kind, source.kind)})")
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            self.table.setItem(row, 0, heading)
            self.table.setSpan(row, 0, 1, len(COLUMNS))
            row += 1
            for summary in source.faces:
                cells = [f"#{summary.track_id}", DISPLAY_NAMES.get(summary.model, summary.model),
                         visible_text(source.kind, summary), str(summary.frames),
                         f"{summary.uncertain_share:.0%}", summary.dominant]
                cells += [f"{summary.dominant_share[e]:.0%}" for e in EMOTIONS]
                for column, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    if column == 0 and summary.agreement is not None:
                        item.setToolTip(f"every model agreed on {summary.agreement:.0%} of this face's frames")
                    if column >= len(cells) - len(EMOTIONS):  # the mean on hover: the table stays narrow
                        emotion = EMOTIONS[column - (len(cells) - len(EMOTIONS))]
                        item.setToolTip(f"mean probability of {emotion}: {summary.mean_percent[emotion]:.0f}%")
                    self.table.setItem(row, column, item)
                row += 1
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        if not count:
            layout.addWidget(QLabel("No faces yet: open a video, a camera or the demo."))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(self._opening_width(), 420)

    def _opening_width(self) -> int:
        """Wide enough for every column (no sideways scrolling), within the screen."""
        needed = (self.table.horizontalHeader().length() + self.table.frameWidth() * 2
                  + self.table.verticalScrollBar().sizeHint().width() + 40)
        screen = (self.parentWidget() or self).screen().availableGeometry().width()
        return max(480, min(needed, screen - 16))

"""Help -> Quick Guide (F1): the shipped quick guide (resources/quick_guide.md), rendered as Markdown."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from emotion_desktop.settings import shipped_file

GUIDE_FILE = "quick_guide.md"


def guide_markdown() -> str:
    path = shipped_file("resources", GUIDE_FILE)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:  # a broken install: say so instead of an empty window
        return f"The quick guide could not be read ({error.strerror}: {path}). Reinstall emotion-desktop."


class GuideDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Quick Guide")
        self.resize(640, 620)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setMarkdown(guide_markdown())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)

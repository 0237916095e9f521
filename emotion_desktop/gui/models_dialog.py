"""The Models dialog: each model's card and the comparison table, rendered from the cards."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QTextBrowser, QVBoxLayout

from emotion_desktop.backends import DISPLAY_NAMES, backend_names, read_cards
from emotion_desktop.model_info import card_markdown, comparison_markdown, comparison_rows


def _browser(markdown: str) -> QTextBrowser:
    browser = QTextBrowser()
    browser.setOpenExternalLinks(True)
    browser.setMarkdown(markdown)
    return browser


class ModelsDialog(QDialog):
    def __init__(self, manager, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.resize(900, 620)
        cards = read_cards(manager.models_dir)
        self.tabs = QTabWidget()
        table = comparison_markdown(comparison_rows(cards, manager.models_dir))
        self.tabs.addTab(_browser("## Comparison on FER2013\n\nMeasured by `python -m training.compare` on this "
                                  "project's hardware; accuracy on PrivateTest (the test split), choices made on "
                                  "PublicTest.\n\n" + table), "Comparison")
        for name in backend_names():
            backend = manager.backends.get(name)
            runtime = f"{backend.runtime} (loaded in {backend.load_seconds:.1f} s)" if backend else ""
            self.tabs.addTab(_browser(card_markdown(name, cards.get(name), runtime, manager.reasons.get(name))),
                             DISPLAY_NAMES[name])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

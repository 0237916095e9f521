"""The Models dialog: each model's card and the comparison table, rendered from the cards."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from emotion_desktop.backends import DISPLAY_NAMES, backend_names, read_cards
from emotion_desktop.model_info import COLUMNS, card_markdown, comparison_rows


def _browser(markdown: str) -> QTextBrowser:
    browser = QTextBrowser()
    browser.setOpenExternalLinks(True)
    browser.setMarkdown(markdown)
    return browser


def comparison_table(rows: list[dict]) -> QTableWidget:
    """The comparison as a real table: whole words in every cell, columns sized to their contents."""
    table = QTableWidget(len(rows), len(COLUMNS))
    table.setHorizontalHeaderLabels([title for _key, title in COLUMNS])
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    for row, values in enumerate(rows):
        for column, (key, _title) in enumerate(COLUMNS):
            item = QTableWidgetItem(str(values[key]))
            if values.get("reason"):
                item.setToolTip(values["reason"])
            table.setItem(row, column, item)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class ModelsDialog(QDialog):
    def __init__(self, manager, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.resize(1000, 620)
        cards = read_cards(manager.models_dir)
        rows = comparison_rows(cards, manager.models_dir)
        self.table = comparison_table(rows)
        intro = QLabel("Measured by <code>python -m training.compare</code> on this project's hardware; accuracy on "
                       "FER2013 PrivateTest (the test split), every choice made on PublicTest.")
        intro.setWordWrap(True)
        self.notes = notes = QLabel("<br>".join(f"<b>{row['model']}</b> is unavailable here: {row['reason']}"
                                   for row in rows if row["reason"]))
        notes.setWordWrap(True)
        notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        comparison = QWidget()
        layout = QVBoxLayout(comparison)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(notes)
        self.tabs = QTabWidget()
        self.tabs.addTab(comparison, "Comparison")
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

    def comparison_text(self) -> str:
        """What the Comparison tab shows, as plain text: header, one line per model, the notes."""
        table, columns = self.table, range(self.table.columnCount())
        lines = ["\t".join(table.horizontalHeaderItem(c).text() for c in columns)]
        lines += ["\t".join(table.item(r, c).text() for c in columns) for r in range(table.rowCount())]
        return "\n".join(lines + [self.notes.text()])


def about_text(models_dir, app_title: str) -> str:
    """The About box's text: the version, and every model as its card describes it."""
    from html import escape

    from emotion_desktop import __version__
    from emotion_desktop.backends import read_cards
    from emotion_desktop.model_info import model_summary

    cards = read_cards(models_dir)
    models = "".join(f"<li>{escape(model_summary(name, card))}</li>" for name, card in cards.items())
    return (f"<b>{app_title}</b> {__version__}<p>Live facial-emotion recognition on the seven FER2013 emotions, "
            f"with these models side by side:</p><ul>{models}</ul>"
            "<p>Click a face to chart it; drop image or video files on the window to open them.</p>")


def show_about(parent, models_dir, app_title: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.about(parent, f"About {app_title}", about_text(models_dir, app_title))

"""How the window tells the user things: the banner above the video and the log panel's feed."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout


class LogBridge(QObject, logging.Handler):
    """Forwards log records from any thread to the log panel (through a queued signal)."""

    message = Signal(str)

    def __init__(self):
        QObject.__init__(self)
        logging.Handler.__init__(self, level=logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:  # logging.Handler.emit
        try:
            self.message.emit(f"{record.levelname.lower()}: {record.getMessage()}")
        except RuntimeError:  # the window is gone
            pass


class Banner(QFrame):
    """A message strip above the video, with up to three actions (e.g. "Open file…", "Retry camera")."""

    STYLES = {"error": "#fde2e1", "info": "#e3effd"}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("✕")
        close.setFlat(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        top = QHBoxLayout()
        top.addWidget(self.label, 1)
        top.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        buttons = QHBoxLayout()  # actions on their own row, so the text keeps the full width
        buttons.addStretch(1)
        self.buttons: list[QPushButton] = []
        for _ in range(3):
            button = QPushButton()
            button.hide()
            buttons.addWidget(button)
            self.buttons.append(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addLayout(top)
        layout.addLayout(buttons)
        self.hide()

    def show_message(self, text: str, kind: str = "error", actions: list[tuple[str, object]] = ()) -> None:
        self.setStyleSheet(f"Banner {{ background: {self.STYLES[kind]}; border-radius: 4px; }}")
        self.label.setText(text)
        for button, action in zip(self.buttons, list(actions) + [None] * 3):
            if button.property("connected"):
                button.clicked.disconnect()
                button.setProperty("connected", False)
            if action is None:
                button.hide()
                continue
            button.setText(action[0])
            button.clicked.connect(action[1])
            button.setProperty("connected", True)
            button.show()
        self.show()


class _LogView(QPlainTextEdit):
    """Five lines tall unless the window has room to spare: the chart gets the height first."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.fontMetrics().lineSpacing() * 5 + 12)


class LogDock(QDockWidget):
    """The log panel under the video: time-stamped lines, the newest 1,000 kept."""

    def __init__(self, parent=None):
        super().__init__("Log", parent)
        self.setObjectName("log")
        self.view = _LogView()
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(1000)
        # Two lines at least, not the text edit's default: the window must fit a 1024x600 screen.
        self.view.setMinimumHeight(self.view.fontMetrics().lineSpacing() * 2 + 12)
        self.setWidget(self.view)
        self.setMaximumHeight(160)

    def append(self, text: str) -> None:
        self.view.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")


class Messages:
    """What the window's helpers use to tell the user something, without holding the window: a line
    in the log panel, a message in the banner, a passing note in the status bar."""

    def __init__(self, log_dock: LogDock, banner: Banner, status_bar):
        self._log_dock, self._banner, self._status_bar = log_dock, banner, status_bar

    def log(self, text: str) -> None:
        self._log_dock.append(text)

    def show_problem(self, message: str, kind: str = "error", actions=()) -> None:
        self._banner.show_message(message, kind, actions)

    def note(self, text: str, milliseconds: int) -> None:
        self._status_bar.showMessage(text, milliseconds)

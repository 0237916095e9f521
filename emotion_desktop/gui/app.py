"""Starting the application: QApplication, the main window, the event loop."""

from __future__ import annotations

import signal
import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from emotion_desktop.gui.main_window import MainWindow
from emotion_desktop.gui.platform_check import display_problem, xcb_problem
from emotion_desktop.settings import shipped_file


def start_request(args) -> tuple:
    if getattr(args, "path", None):
        return ("path", args.path)
    if getattr(args, "demo", False):
        return ("demo",)
    return ("camera", getattr(args, "camera", 0))


def run_app(args) -> int:
    problem = xcb_problem() or display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 3
    QCoreApplication.setOrganizationName("EmotionDesktop")
    QCoreApplication.setApplicationName("Emotion Desktop")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    icon = shipped_file("resources", "icon.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    window = MainWindow(models_dir=getattr(args, "models_dir", None), start=start_request(args),
                        initial_model=getattr(args, "model", None))
    window.show()
    # Let Ctrl+C in the terminal close the window cleanly (Python handles signals between Qt events).
    signal.signal(signal.SIGINT, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.start(250)
    heartbeat.timeout.connect(lambda: None)
    return app.exec()

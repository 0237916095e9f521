"""Screenshot of the real application window, for the README.

    xvfb-run -a -s "-screen 0 1440x900x24" python tools/screenshot.py docs/screenshot.png \
        [--demo | --path FILE] [--compare] [--presentation] [--model NAME] [--seconds 25]
        [--dialog summary|evaluate=FOLDER]

Starts the same MainWindow as `emotion-desktop` on the xcb platform (a real X
window, here on Xvfb), lets it run, then grabs the X screen.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=Path)
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--path", type=Path)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--presentation", action="store_true", help="presentation mode (F11), the whole screen")
    parser.add_argument("--model", default="scratch_cnn")
    parser.add_argument("--seconds", type=float, default=25)
    parser.add_argument("--size", default="1400x860")
    parser.add_argument("--dialog", help="grab a dialog instead of the window after --seconds: 'summary' or "
                                         "'evaluate=FOLDER' (the evaluation runs to its end)")
    args = parser.parse_args()
    from emotion_desktop.gui.platform_check import display_problem, xcb_problem

    problem = xcb_problem() or display_problem()  # Qt aborts without a word otherwise
    if problem:
        print(problem, file=sys.stderr)
        return 3
    app = QApplication(sys.argv[:1])
    from emotion_desktop.gui.main_window import MainWindow

    settings_dir = tempfile.TemporaryDirectory()  # a throwaway profile: no recent files, default layout
    settings = QSettings(str(Path(settings_dir.name) / "settings.ini"), QSettings.Format.IniFormat)
    settings.clear()
    start = ("path", args.path) if args.path else ("demo",) if args.demo else ("camera", 0)
    window = MainWindow(settings=settings, start=start, initial_model=args.model)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.move(0, 0)
    window.show()
    window.panel.compare_box.setChecked(args.compare)
    if args.presentation:
        window.state.presentation = True
        width, height = app.primaryScreen().size().toTuple()
    deadline = time.time() + args.seconds
    while time.time() < deadline:
        app.processEvents()
        time.sleep(0.01)
    if args.dialog:
        dialog = window.show_summary() if args.dialog == "summary" else window.evaluate_folder(
            Path(args.dialog.split("=", 1)[1]))
        while getattr(dialog, "report", True) is None or time.time() < deadline + 1:
            app.processEvents()
            time.sleep(0.01)
        image = dialog.grab()
    else:
        image = app.primaryScreen().grabWindow(0).copy(0, 0, width, height)
    ok = image.save(str(args.output))
    print(f"platform {app.platformName()}, saved {args.output}: {ok}; "
          f"status: {window.status.fps_label.text()} | {window.status.stages_label.text()}")
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

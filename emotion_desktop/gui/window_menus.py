"""The window's actions, menus and toolbar: what each command is called, its shortcut and tip.

The actions run the `MenuCommands` they are given and write choices into the `ViewState`; the
checkable ones (model, compare, pause, test-time augmentation) and the models' availability follow
the state, so a menu, the toolbar and the side panel always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from emotion_desktop.backends import DISPLAY_NAMES, INFO, backend_names
from emotion_desktop.view_state import ViewState

STILL_TTA_CHOICES = (
    ("none", "Off (one pass)", "Classify each face once"),
    ("flip", "Mirror Image (2×)", "Average each face with its mirror image"),
    ("tencrop", "Ten Crops (10×)", "Average ten crops of each face and their mirror images (most accurate)"),
)


def _action(parent, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False) -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.setCheckable(checkable)
    action.triggered.connect(slot)
    return action


@dataclass(frozen=True)
class MenuCommands:
    """What the actions do: the window's and its helpers' slots."""

    open_images: Callable[[], None]
    open_video: Callable[[], None]
    open_folder: Callable[[], None]
    open_paths: Callable[[list], None]
    open_camera: Callable[[int], None]
    open_demo: Callable[[], None]
    step: Callable[[int], None]  # images forward (negative: back)
    save_snapshot: Callable[[], None]
    export_results: Callable[[str], None]  # csv or json
    clear_results: Callable[[], None]
    toggle_recording: Callable[[bool], None]
    show_summary: Callable[[], None]
    evaluate_folder: Callable[[], None]
    show_models_dialog: Callable[[], None]
    download_weights: Callable[[str], None]  # a model's name
    show_guide: Callable[[], None]
    show_about: Callable[[], None]
    quit: Callable[[], None]


class WindowMenus:
    """Builds the menu bar and toolbar of ``host`` and keeps the checkable actions in step with ``state``."""

    def __init__(self, host: QMainWindow, state: ViewState, commands: MenuCommands):
        self.host, self.state, self.commands = host, state, commands
        w, do = host, commands
        self.open_images = _action(w, "Open &Image(s)…", do.open_images, QKeySequence.StandardKey.Open,
                                   "Open one or more image files")
        self.open_video = _action(w, "Open &Video…", do.open_video, "Ctrl+Shift+O", "Open a video file")
        self.open_folder = _action(w, "Open &Folder…", do.open_folder, "Ctrl+Alt+O",
                                   "Open every image in a folder and step through them")
        self.snapshot = _action(w, "Save &Snapshot…", do.save_snapshot, QKeySequence.StandardKey.Save,
                                "Save the annotated frame as PNG")
        self.export_csv = _action(w, "Export Results as &CSV…", lambda: do.export_results("csv"), "Ctrl+E",
                                  "Export every frame's results (per face and model) as CSV")
        self.export_json = _action(w, "Export Results as &JSON…", lambda: do.export_results("json"),
                                   "Ctrl+Shift+E", "Export every frame's results in DeepFace's JSON shape")
        self.clear = _action(w, "Clear Results", do.clear_results, tip="Forget the results collected so far")
        self.record = _action(w, "&Record Video", do.toggle_recording, "Ctrl+R",
                              "Record the annotated view to a video file in your export folder", checkable=True)
        self.summary = _action(w, "Session S&ummary…", do.show_summary, "Ctrl+I",
                               "Per tracked face: time visible, share of time per emotion, mean probabilities")
        self.quit = _action(w, "&Quit", do.quit, QKeySequence.StandardKey.Quit)
        self.demo = _action(w, "Built-in &Demo", do.open_demo, "Ctrl+D", "Play the built-in demo")
        self.pause = _action(w, "&Pause", lambda checked: setattr(state, "is_paused", checked), "Space",
                             "Pause or resume", checkable=True)
        self.prev = _action(w, "&Previous Image", lambda: do.step(-1), "Left", "Previous image")
        self.next = _action(w, "&Next Image", lambda: do.step(1), "Right", "Next image")
        self.compare = _action(w, "&Compare All Models", lambda checked: setattr(state, "compare", checked),
                               "Ctrl+M", "Run every available model side by side", checkable=True)
        self.evaluate = _action(w, "&Evaluate on a Folder…", do.evaluate_folder,
                                tip="Score every available model on your own photos, one subfolder per emotion")
        self.cards = _action(w, "Model &Cards && Comparison…", do.show_models_dialog,
                             tip="Architecture, training and accuracy of each model")
        self.guide = _action(w, "&Quick Guide", do.show_guide, QKeySequence.StandardKey.HelpContents,
                             "How to use the window, and its keys")
        self.about = _action(w, "&About", do.show_about)
        self.explain = _action(w, "Show &Why (Saliency)", lambda checked: setattr(state, "explain", checked),
                               "Ctrl+H", "Heat map of the face regions each model's answer rests on "
                               "(stills and paused frames: every face and model; live: the charted face, "
                               "once a second)", checkable=True)
        self.presentation = _action(w, "&Presentation Mode", lambda checked: setattr(state, "presentation", checked),
                                    "F11", "Full-screen video with large labels for a live demo (Esc leaves)",
                                    checkable=True)
        self.set_stepping(False, False)
        self._build_menus()
        self._build_toolbar()
        self._follow_state()

    def _build_menus(self) -> None:
        menu = self.host.menuBar()
        file_menu = menu.addMenu("&File")
        for action in (self.open_images, self.open_video, self.open_folder):
            file_menu.addAction(action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        file_menu.addSeparator()
        for action in (self.snapshot, self.record, self.export_csv, self.export_json, self.summary, self.clear):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)

        source_menu = menu.addMenu("&Source")
        self.camera_menu = source_menu.addMenu("&Camera")
        for menu_with_reasons in (source_menu, self.camera_menu):
            menu_with_reasons.setToolTipsVisible(True)
        self.camera_menu.aboutToShow.connect(self._fill_camera_menu)
        source_menu.addAction(self.demo)
        source_menu.addSeparator()
        for action in (self.pause, self.prev, self.next):
            source_menu.addAction(action)

        self.view_menu = menu.addMenu("&View")  # the window adds its panels' toggles
        self.view_menu.addAction(self.explain)
        self.view_menu.addAction(self.presentation)

        models_menu = menu.addMenu("&Models")
        models_menu.setToolTipsVisible(True)  # disabled models say why in their tooltip
        self.model_actions = QActionGroup(self.host)
        for name in backend_names():
            action = QAction(DISPLAY_NAMES[name], self.host, checkable=True)
            action.setData(name)
            action.triggered.connect(lambda _checked=False, n=name: setattr(self.state, "primary_model", n))
            self.model_actions.addAction(action)
            models_menu.addAction(action)
        models_menu.addSeparator()
        models_menu.addAction(self.compare)
        self._build_tta_menu(models_menu.addMenu("Still Images: &Test-Time Augmentation"))
        self.download_actions = {}
        for name in backend_names():
            info = INFO[name]
            if info.download is not None:
                action = _action(self.host, f"&Download {info.display_name}'s Weights ({info.download_size})",
                                 lambda _checked=False, n=name: self.commands.download_weights(n),
                                 tip=f"Fetch {info.display_name}'s missing weights and enable it without a restart")
                self.download_actions[name] = action
                models_menu.addAction(action)
        models_menu.addAction(self.evaluate)
        models_menu.addAction(self.cards)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.guide)
        help_menu.addAction(self.about)

    def _build_tta_menu(self, tta_menu: QMenu) -> None:
        tta_menu.setToolTipsVisible(True)
        self.tta_actions = QActionGroup(self.host)
        for mode, text, tip in STILL_TTA_CHOICES:
            action = QAction(text, self.host, checkable=True)
            action.setData(mode)
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False, m=mode: setattr(self.state, "still_tta", m))
            self.tta_actions.addAction(action)
            tta_menu.addAction(action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        for action in (self.open_images, self.open_video, self.open_folder, None,
                       self.demo, self.pause, self.prev, self.next, None,
                       self.snapshot, self.record, self.export_csv, None, self.compare, self.cards):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.host.addToolBar(toolbar)
        self.toolbar = toolbar
        # Keys keep working while the menu bar and the toolbar are hidden (presentation mode).
        self.host.addActions([self.pause, self.prev, self.next, self.compare, self.presentation, self.explain,
                              self.snapshot, self.record, self.quit])

    def _follow_state(self) -> None:
        events = self.state.events
        events.primary_model.connect(self._check_model)
        events.model_problems.connect(self._show_model_problems)
        events.compare.connect(lambda checked: self.compare.setChecked(checked))
        events.is_paused.connect(self._show_paused)
        events.still_tta.connect(self._check_tta)
        events.presentation.connect(lambda on: self.presentation.setChecked(on))
        events.explain.connect(lambda on: self.explain.setChecked(on))
        self._check_model(self.state.primary_model)
        self._show_model_problems(self.state.model_problems)
        self.compare.setChecked(self.state.compare)
        self._check_tta(self.state.still_tta)

    def _check_model(self, name: str) -> None:
        for action in self.model_actions.actions():
            action.setChecked(action.data() == name)

    def _check_tta(self, mode: str) -> None:
        for action in self.tta_actions.actions():
            action.setChecked(action.data() == mode)

    def _show_paused(self, paused: bool) -> None:
        self.pause.setChecked(paused)
        self.pause.setText("&Resume" if paused else "&Pause")

    def _show_model_problems(self, _problems) -> None:
        for name in backend_names():
            self.mark_model(name, self.state.model_problem(name))

    def mark_model(self, name: str, reason: str) -> None:
        """An unavailable model's menu entry is disabled and says why; a model with weights to
        download offers the download while they are missing."""
        action = self.model_actions.actions()[backend_names().index(name)]
        action.setEnabled(not reason)
        action.setToolTip(reason or DISPLAY_NAMES[name])
        if name in self.download_actions:
            self.download_actions[name].setVisible(bool(reason))

    def set_stepping(self, can_go_back: bool, can_go_on: bool) -> None:
        self.prev.setEnabled(can_go_back)
        self.next.setEnabled(can_go_on)

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        entries = self.state.recent_files()
        for entry in entries:
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _checked=False, p=entry: self.commands.open_paths([p]))
        if not entries:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _fill_camera_menu(self) -> None:
        from emotion_desktop.sources import list_cameras

        self.camera_menu.clear()
        cameras = list_cameras()
        for index in cameras:
            action = self.camera_menu.addAction(f"Camera {index}")
            action.triggered.connect(lambda _checked=False, i=index: self.commands.open_camera(i))
        if not cameras:
            self.camera_menu.addAction("No camera found").setEnabled(False)
            self.camera_menu.addAction("Try camera 0 anyway", lambda: self.commands.open_camera(0))

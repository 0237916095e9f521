"""The main window: video with face boxes, the live chart, model selector, compare mode."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QSlider,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from emotion_desktop.backends import DISPLAY_NAMES, backend_names
from emotion_desktop.detection import DETECTORS, HaarFaceDetector
from emotion_desktop.gui.chart import EmotionChart
from emotion_desktop.gui.messages import Banner, LogBridge
from emotion_desktop.gui.model_manager import ModelManager
from emotion_desktop.gui.video_view import VideoView
from emotion_desktop.gui.worker import PipelineWorker
from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
from emotion_desktop.results import FrameResult
from emotion_desktop.sources import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    CameraSource,
    DemoSource,
    ImageSource,
    list_cameras,
    open_path,
)
from emotion_desktop.tta import TTA_MODES

log = logging.getLogger(__name__)

MAX_RECENT = 8
# Still images get ten-crop test-time augmentation by default: scratch CNN on FER2013 PublicTest
# 65.5% single pass, 66.2% with the mirror image, 66.8% ten-crop at ~26 ms per face
# (python -m benchmarks.tta). Live video stays single-pass (the frame budget).
DEFAULT_STILL_TTA = "tencrop"
# Redrawing the pyqtgraph chart and the face label costs more than painting the frame; 15 Hz reads
# as smooth and saves about a quarter of the window's CPU on a 30 FPS source.
CHART_INTERVAL_S = 1 / 15
STILL_TTA_CHOICES = (
    ("none", "Off (one pass)", "Classify each face once"),
    ("flip", "Mirror Image (2×)", "Average each face with its mirror image"),
    ("tencrop", "Ten Crops (10×)", "Average ten crops of each face and their mirror images (most accurate)"),
)
APP_TITLE = "Emotion Desktop"


class MainWindow(QMainWindow):
    def __init__(self, models_dir: Path | None = None, settings: QSettings | None = None,
                 start: tuple | None = ("camera", 0), initial_model: str | None = None):
        super().__init__()
        self.settings = settings or QSettings()
        self.models = ModelManager(models_dir, self)
        self.pipeline = Pipeline(HaarFaceDetector(), [], detect_every=LIVE_DETECT_EVERY)
        self.worker = PipelineWorker(self.pipeline)
        self.selected_track: int | None = None
        self.last_result = None
        self.last_image = None
        self.source_kind = ""
        self.source_name = ""
        self._startup = True
        self._ui_frames = 0
        self._closing = False
        self._image_error_shown = False  # the banner shows a per-image read error
        self._chart_updated = 0.0
        self._frame_size = (0, 0)

        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.resize(1280, 760)
        self._build_widgets()
        self._build_actions()
        self._build_menus()
        self._connect()
        self._restore_settings(initial_model)

        self.log_bridge = LogBridge()
        self.log_bridge.message.connect(self.log)
        logging.getLogger().addHandler(self.log_bridge)

        self.worker.start()
        self._apply_model_choice()
        if start is not None:
            QTimer.singleShot(0, lambda: self._open_start(start))

    # ---- construction ---------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.video = VideoView()
        self.banner = Banner()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.banner)
        left_layout.addWidget(self.video, 1)

        self.model_combo = QComboBox()
        for name in backend_names():
            self.model_combo.addItem(DISPLAY_NAMES[name], name)
        self.compare_box = QCheckBox("Compare all models")
        self.compare_box.setToolTip("Run every available model on the same frames and show them side by side")
        self.face_label = QLabel("No face yet")
        self.face_label.setWordWrap(True)
        font = self.face_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.face_label.setFont(font)
        self.chart = EmotionChart()
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0, 100)  # hundredths of a second
        self.smoothing_slider.setToolTip("Time constant of the smoothing of probabilities over frames (0: off)")
        self.smoothing_label = QLabel()
        self.detector_combo = QComboBox()
        for index, info in enumerate(DETECTORS):
            self.detector_combo.addItem(info.display_name, info.name)
            reason = info.probe()
            if reason:  # shown disabled, with the reason, like an unavailable model
                self.detector_combo.model().item(index).setEnabled(False)
                self.detector_combo.model().item(index).setToolTip(reason)

        smoothing_row = QHBoxLayout()
        smoothing_row.addWidget(self.smoothing_slider, 1)
        smoothing_row.addWidget(self.smoothing_label)
        form = QFormLayout()
        form.addRow("Model", self.model_combo)
        form.addRow("", self.compare_box)
        form.addRow("Smoothing", smoothing_row)
        form.addRow("Face detector", self.detector_combo)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        right_layout.addWidget(self.face_label)
        right_layout.addWidget(self.chart, 1)
        right.setMinimumWidth(340)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(1000)
        self.log_dock = QDockWidget("Log", self)
        self.log_dock.setObjectName("log")
        self.log_dock.setWidget(self.log_view)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.log_dock.setMaximumHeight(160)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: "loading a model"
        self.busy.setMaximumWidth(120)
        self.busy.setFormat("loading model")
        self.busy.hide()
        self.fps_label = QLabel("–")
        self.stages_label = QLabel("")
        self.results_label = QLabel("no results yet")
        status = self.statusBar()
        status.addPermanentWidget(self.busy)
        status.addPermanentWidget(self.stages_label)
        status.addPermanentWidget(self.fps_label)
        status.addPermanentWidget(self.results_label)

    def _action(self, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.open_images_action = self._action("Open &Image(s)…", self.open_images_dialog,
                                               QKeySequence.StandardKey.Open, "Open one or more image files")
        self.open_video_action = self._action("Open &Video…", self.open_video_dialog, "Ctrl+Shift+O",
                                              "Open a video file")
        self.open_folder_action = self._action("Open &Folder…", self.open_folder_dialog, "Ctrl+Alt+O",
                                               "Open every image in a folder and step through them")
        self.snapshot_action = self._action("Save &Snapshot…", self.save_snapshot, QKeySequence.StandardKey.Save,
                                            "Save the annotated frame as PNG")
        self.export_csv_action = self._action("Export Results as &CSV…", lambda: self.export_results("csv"), "Ctrl+E",
                                              "Export every frame's results (per face and model) as CSV")
        self.export_json_action = self._action("Export Results as &JSON…", lambda: self.export_results("json"),
                                               "Ctrl+Shift+E", "Export every frame's results in DeepFace's JSON shape")
        self.clear_action = self._action("Clear Results", self.clear_results, tip="Forget the results collected so far")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.demo_action = self._action("Built-in &Demo", self.open_demo, "Ctrl+D", "Play the built-in demo")
        self.pause_action = self._action("&Pause", self.toggle_pause, "Space", "Pause or resume", checkable=True)
        self.prev_action = self._action("&Previous Image", lambda: self.worker.step(-1), "Left", "Previous image")
        self.next_action = self._action("&Next Image", lambda: self.worker.step(1), "Right", "Next image")
        self.compare_action = self._action("&Compare All Models", self.compare_box.toggle, "Ctrl+M",
                                           "Run every available model side by side", checkable=True)
        self.cards_action = self._action("Model &Cards && Comparison…", self.show_models_dialog,
                                         tip="Architecture, training and accuracy of each model")
        self.about_action = self._action("&About", self.show_about)
        for action in (self.prev_action, self.next_action):
            action.setEnabled(False)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for action in (self.open_images_action, self.open_video_action, self.open_folder_action):
            file_menu.addAction(action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        for action in (self.snapshot_action, self.export_csv_action, self.export_json_action, self.clear_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        source_menu = menu.addMenu("&Source")
        self.camera_menu = source_menu.addMenu("&Camera")
        for menu_with_reasons in (source_menu, self.camera_menu):
            menu_with_reasons.setToolTipsVisible(True)
        self.camera_menu.aboutToShow.connect(self._fill_camera_menu)
        source_menu.addAction(self.demo_action)
        source_menu.addSeparator()
        for action in (self.pause_action, self.prev_action, self.next_action):
            source_menu.addAction(action)

        models_menu = menu.addMenu("&Models")
        models_menu.setToolTipsVisible(True)  # disabled models say why in their tooltip
        self.model_actions = QActionGroup(self)
        for index, name in enumerate(backend_names()):
            action = QAction(DISPLAY_NAMES[name], self, checkable=True)
            action.setData(name)
            action.triggered.connect(lambda _checked=False, i=index: self.model_combo.setCurrentIndex(i))
            self.model_actions.addAction(action)
            models_menu.addAction(action)
        models_menu.addSeparator()
        models_menu.addAction(self.compare_action)
        tta_menu = models_menu.addMenu("Still Images: &Test-Time Augmentation")
        tta_menu.setToolTipsVisible(True)
        self.tta_actions = QActionGroup(self)
        for mode, text, tip in STILL_TTA_CHOICES:
            action = QAction(text, self, checkable=True)
            action.setData(mode)
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_still_tta(m))
            self.tta_actions.addAction(action)
            tta_menu.addAction(action)
        models_menu.addAction(self.cards_action)
        menu.addMenu("&Help").addAction(self.about_action)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        for action in (self.open_images_action, self.open_video_action, self.open_folder_action, None,
                       self.demo_action, self.pause_action, self.prev_action, self.next_action, None,
                       self.snapshot_action, self.export_csv_action, None, self.compare_action, self.cards_action):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.addToolBar(toolbar)

    def _connect(self) -> None:
        self.worker.result_ready.connect(self.on_result)
        self.worker.source_opened.connect(self.on_source_opened)
        self.worker.source_failed.connect(self.on_source_failed)
        self.worker.source_error.connect(self.on_source_error)
        self.worker.source_ended.connect(self.on_source_ended)
        self.worker.image_position.connect(self.on_image_position)
        self.worker.image_error.connect(self.on_image_error)
        self.models.loaded.connect(self.on_model_loaded)
        self.models.failed.connect(self.on_model_failed)
        self.models.busy_changed.connect(self.busy.setVisible)
        self.models.detector_ready.connect(self.on_detector_ready)
        self.models.detector_failed.connect(self.on_detector_failed)
        self.models.loading.connect(lambda name: self.log(f"loading {DISPLAY_NAMES[name]}…"))
        self.model_combo.currentIndexChanged.connect(lambda _i: self._apply_model_choice())
        self.compare_box.toggled.connect(self._on_compare_toggled)
        self.smoothing_slider.valueChanged.connect(self._on_smoothing_changed)
        self.detector_combo.currentIndexChanged.connect(self._on_detector_changed)
        self.video.clicked.connect(self.on_video_clicked)
        self.answer_timer = QTimer(self)  # shows a throttled frame's answer (see CHART_INTERVAL_S)
        self.answer_timer.setSingleShot(True)
        self.answer_timer.timeout.connect(self._show_answer)
        self.ui_timer = QTimer(self)  # refreshes the FPS readout even when frames stop coming
        self.ui_timer.timeout.connect(self._update_status)
        self.ui_timer.start(500)

    def _restore_settings(self, initial_model: str | None) -> None:
        # Missing models show disabled, with the reason and the fix in the tooltip.
        for index, name in enumerate(backend_names()):
            reason = self.models.reasons[name]
            item = self.model_combo.model().item(index)
            action = self.model_actions.actions()[index]
            if reason:
                item.setEnabled(False)
                item.setToolTip(reason)
                action.setEnabled(False)
                action.setToolTip(reason)
                self.log(f"{DISPLAY_NAMES[name]} unavailable: {reason}")
            else:
                item.setToolTip(f"{DISPLAY_NAMES[name]}: ready to load")
        preferred = initial_model or self.settings.value("model", "scratch_cnn")
        available = self.models.available_names()
        choice = preferred if preferred in available else (available[0] if available else preferred)
        self.model_combo.blockSignals(True)
        self.model_combo.setCurrentIndex(backend_names().index(choice) if choice in backend_names() else 0)
        self.model_combo.blockSignals(False)
        self.compare_box.blockSignals(True)
        self.compare_box.setChecked(str(self.settings.value("compare", "false")).lower() == "true")
        self.compare_box.blockSignals(False)
        self.compare_action.setChecked(self.compare_box.isChecked())
        self.smoothing_slider.setValue(int(float(self.settings.value("smoothing", 0.25)) * 100))
        self._on_smoothing_changed(self.smoothing_slider.value())
        self.set_still_tta(str(self.settings.value("still_tta", DEFAULT_STILL_TTA)))
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if not available:
            self.show_problem("No model is available yet. " + " ".join(
                f"{DISPLAY_NAMES[n]}: {self.models.reasons[n]}" for n in backend_names()), kind="info")

    # ---- sources ---------------------------------------------------------------------------
    def _open_start(self, start: tuple) -> None:
        kind = start[0]
        if kind == "camera":
            self.open_camera(start[1])
        elif kind == "demo":
            self.open_demo()
        elif kind == "path":
            self.open_paths([Path(start[1])])

    def open_camera(self, index: int = 0) -> None:
        self.video.set_placeholder(f"Opening camera {index}…")
        self.worker.open_source(f"camera {index}", lambda: CameraSource(index))

    def open_demo(self) -> None:
        self.worker.open_source("the built-in demo", DemoSource)

    def open_paths(self, paths: list[Path]) -> None:
        paths = [Path(p) for p in paths]
        if not paths:
            return
        images = [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]
        if len(paths) > 1 and len(images) == len(paths):
            self.worker.open_source(f"{len(paths)} images", lambda: ImageSource(paths))
        else:
            if len(paths) > 1:
                self.log(f"opening {paths[0].name} (several files can be opened together only when all are images)")
            path = paths[0]
            self.worker.open_source(path.name, lambda: open_path(path))
        self._remember(paths[0] if len(paths) == 1 else paths[0].parent)

    def open_images_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        files, _ = QFileDialog.getOpenFileNames(self, "Open images", self._last_folder(),
                                                f"Images ({patterns});;All files (*)")
        self.open_paths([Path(f) for f in files])

    def open_video_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in VIDEO_SUFFIXES)
        file, _ = QFileDialog.getOpenFileName(self, "Open video", self._last_folder(),
                                              f"Videos ({patterns});;All files (*)")
        if file:
            self.open_paths([Path(file)])

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open folder of images", self._last_folder())
        if folder:
            self.open_paths([Path(folder)])

    def _last_folder(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def recent_files(self) -> list[str]:
        """Recently opened files and folders that still exist (moved or deleted ones are dropped)."""
        value = self.settings.value("recent", [])
        entries = [value] if isinstance(value, str) else list(value or [])
        return [entry for entry in entries if Path(entry).exists()]

    def _remember(self, path: Path) -> None:
        entries = [str(path)] + [p for p in self.recent_files() if p != str(path)]
        self.settings.setValue("recent", entries[:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self.recent_files():
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _checked=False, p=entry: self.open_paths([Path(p)]))
        if not self.recent_files():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _fill_camera_menu(self) -> None:
        self.camera_menu.clear()
        cameras = list_cameras()
        for index in cameras:
            action = self.camera_menu.addAction(f"Camera {index}")
            action.triggered.connect(lambda _checked=False, i=index: self.open_camera(i))
        if not cameras:
            self.camera_menu.addAction("No camera found").setEnabled(False)
            self.camera_menu.addAction("Try camera 0 anyway", lambda: self.open_camera(0))

    def toggle_pause(self, paused: bool | None = None) -> None:
        paused = self.pause_action.isChecked() if paused is None else paused
        self.pause_action.setChecked(paused)
        self.pause_action.setText("&Resume" if paused else "&Pause")
        self.worker.set_paused(paused)

    # ---- worker signals ---------------------------------------------------------------------
    def on_source_opened(self, kind: str, name: str, info) -> None:
        self.source_kind, self.source_name = kind, name
        self.selected_track = self.worker.selected_track = None
        self.setWindowTitle(f"{name} — {APP_TITLE}")
        stills = kind == "images"
        self.prev_action.setEnabled(stills)
        self.next_action.setEnabled(stills)
        if not (self._startup and kind == "demo" and self.banner.isVisible()):
            self.banner.hide()
        self._startup = False
        details = f", {info.fps:.0f} fps" if info.fps else ""
        self.log(f"opened {name} ({kind}{details})")

    def on_source_failed(self, label: str, message: str) -> None:
        self.log(f"error: {message}")
        if self._startup and label.startswith("camera"):
            # No camera at start-up: say so plainly and show the demo meanwhile.
            self.show_problem(f"{message} Showing the built-in demo meanwhile.", actions=[
                ("Open file…", self.open_images_dialog), ("Open video…", self.open_video_dialog),
                ("Retry camera", lambda: self.open_camera(0))])
            self.open_demo()
            return
        self._startup = False
        self.show_problem(message, actions=[("Open file…", self.open_images_dialog), ("Run demo", self.open_demo)])

    def on_source_error(self, message: str) -> None:
        self.log(f"error: {message}")
        self.show_problem(message, actions=[("Open file…", self.open_images_dialog), ("Run demo", self.open_demo),
                                            ("Retry camera", lambda: self.open_camera(0))])
        self.video.set_placeholder(message)

    def on_source_ended(self, message: str) -> None:
        self.log(message)
        self.show_problem(f"{message} Results so far are kept: export them from the File menu.", kind="info",
                          actions=[("Open file…", self.open_images_dialog), ("Run demo", self.open_demo)])

    def on_image_position(self, index: int, count: int) -> None:
        self.prev_action.setEnabled(index > 0)
        self.next_action.setEnabled(index < count - 1)
        self.statusBar().showMessage(f"image {index + 1} of {count}", 4000)

    def show_problem(self, message: str, kind: str = "error", actions=()) -> None:
        self.banner.show_message(message, kind, actions)

    def on_image_error(self, message: str) -> None:
        """One image of several could not be read: say so, and show nothing of the previous image
        (its faces and answers must never look like this file's)."""
        self.log(f"error: {message}")
        self.show_problem(message)
        self._image_error_shown = True
        self.last_result = FrameResult(frame_index=0, time_s=0.0)  # this file's result: nothing
        self.last_image = None
        self.video.set_image(None)
        self.video.set_placeholder(message)
        self.chart.show_message("No result for this image")
        self.face_label.setText("No result: the image could not be read")

    def on_result(self) -> None:
        taken = self.worker.take_result()
        if taken is None:
            return
        image, result, _frame = taken
        if self._image_error_shown and result.image_name:  # the next readable image replaces the error
            self._image_error_shown = False
            self.banner.hide()
        self.last_result, self.last_image = result, image
        self._frame_size = (_frame.shape[1], _frame.shape[0])  # huge stills are shown downscaled
        self._ui_frames += 1
        self.video.set_image(image)
        still = self.source_kind == "images"
        if still:
            self._show_answer()
            self._update_status()  # moving sources: the status bar follows ui_timer, twice a second
        elif time.monotonic() - self._chart_updated >= CHART_INTERVAL_S:
            self._show_answer()
        elif not self.answer_timer.isActive():  # the newest frame's answer follows within 1/15 s
            self.answer_timer.start(int(CHART_INTERVAL_S * 1000))

    def _show_answer(self) -> None:
        """The chart and the face label for the newest result (the selected face's answer)."""
        self.answer_timer.stop()
        self._chart_updated = time.monotonic()
        result = self.last_result
        if result is None:
            return
        face = result.selected_face(self.selected_track)
        if face is None:
            self.chart.show_message("No face in view")
            self.face_label.setText("No face in view")
            return
        shown = {m: face.smoothed[m] for m in result.models if m in face.smoothed}
        self.chart.set_probabilities(shown, {m: result.per_face_ms(m) for m in shown})
        if shown:
            label, probability = face.top(next(iter(shown)))
            self.face_label.setText(f"{label} {probability:.0%} — {result.describe_face(face)} "
                                    f"({DISPLAY_NAMES.get(next(iter(shown)), '')})")
        elif result.errors:
            self.chart.show_message("Model error (see the log)")
            self.face_label.setText("model error: " + "; ".join(result.errors.values()))
        else:
            self.chart.show_message("Waiting for a model to load…")
            self.face_label.setText("waiting for a model to load…")

    def _update_status(self) -> None:
        result = self.last_result
        if result is None:
            return
        timings = self.worker.stage_ms or result.timings_ms
        stages = " · ".join(f"{k} {timings[k]:.1f}" for k in ("capture", "detect", "classify", "draw") if k in timings)
        self.stages_label.setText(f"{stages} ms")
        if self.source_kind == "images":
            self.fps_label.setText("still image")
        elif self.pause_action.isChecked():
            self.fps_label.setText("paused")
        else:
            self.fps_label.setText(f"{self.worker.fps:.1f} FPS")
        frames, faces = self.worker.result_counts()
        self.results_label.setText(f"results: {frames} frames, {faces} face answers")

    def on_video_clicked(self, x: float, y: float) -> None:
        if self.last_result is None or self.last_image is None:
            return
        factor = self._frame_size[0] / max(1, self.last_image.width())  # view pixels -> frame pixels
        face = self.last_result.face_at(x * factor, y * factor)
        if face is not None:
            self.selected_track = self.worker.selected_track = face.track_id
            self.log(f"selected {self.last_result.describe_face(face)} (track #{face.track_id})")
            self.worker.refresh()

    # ---- models ----------------------------------------------------------------------------
    @property
    def primary_model(self) -> str:
        return self.model_combo.currentData()

    def wanted_models(self) -> list[str]:
        """The selected model, then (in compare mode) every other available one: the first one
        colours the boxes and names the charted face's emotion."""
        if self.compare_box.isChecked():
            return [self.primary_model] + [n for n in self.models.available_names() if n != self.primary_model]
        return [self.primary_model]

    def _apply_model_choice(self) -> None:
        name = self.primary_model
        self.settings.setValue("model", name)
        for action in self.model_actions.actions():
            action.setChecked(action.data() == name)
        self.models.request(self.wanted_models())

    def _on_compare_toggled(self, checked: bool) -> None:
        self.compare_action.setChecked(checked)
        self.settings.setValue("compare", checked)
        self._apply_model_choice()
        if checked and len(self.models.available_names()) < 2:
            self.log("compare mode: only one model is available, so there is nothing to compare it with")

    def on_model_loaded(self, name: str, backend, just_loaded: bool = True) -> None:
        if name not in self.wanted_models():
            return
        if just_loaded:  # switching back to a loaded model loads nothing: say nothing
            self.log(f"{backend.display_name} ready ({backend.runtime}, loaded in {backend.load_seconds:.1f} s)")
        loaded = [self.models.backends[n] for n in self.wanted_models() if n in self.models.backends]
        self.worker.set_backends(loaded)

    def on_model_failed(self, name: str, reason: str) -> None:
        index = backend_names().index(name)
        item = self.model_combo.model().item(index)
        item.setEnabled(False)
        item.setToolTip(reason)
        self.model_actions.actions()[index].setEnabled(False)
        if name == self.primary_model:
            self.show_problem(f"{DISPLAY_NAMES[name]} is unavailable: {reason}")
        self.log(f"{DISPLAY_NAMES[name]} unavailable: {reason}")

    def set_still_tta(self, mode: str) -> None:
        """How still images are classified: one pass, with the mirror image, or ten crops."""
        if mode not in TTA_MODES:
            mode = DEFAULT_STILL_TTA
        self.settings.setValue("still_tta", mode)
        for action in self.tta_actions.actions():
            action.setChecked(action.data() == mode)
        self.worker.set_still_tta(mode)

    def _on_smoothing_changed(self, value: int) -> None:
        seconds = value / 100
        self.smoothing_label.setText("off" if value == 0 else f"{seconds:.2f} s")
        self.settings.setValue("smoothing", seconds)
        self.worker.set_smoothing(seconds)

    def _on_detector_changed(self, _index: int) -> None:
        name = self.detector_combo.currentData()
        if name == "haar":
            self.worker.set_detector(HaarFaceDetector())
        else:
            self.models.request_detector(name)  # MTCNN imports TensorFlow: build it off the UI thread

    def on_detector_ready(self, name: str, detector) -> None:
        if self.detector_combo.currentData() == name:
            self.worker.set_detector(detector)
            self.log(f"face detector: {detector.display_name}")

    def on_detector_failed(self, name: str, reason: str) -> None:
        self.show_problem(f"The {name} face detector could not start ({reason}); staying with the Haar cascade.")
        self.detector_combo.blockSignals(True)
        self.detector_combo.setCurrentIndex(0)
        self.detector_combo.blockSignals(False)

    # ---- output ----------------------------------------------------------------------------
    def export_folder(self) -> Path:
        """Where save dialogs start: the folder of the last export, else the user's documents."""
        saved = self.settings.value("export_folder", "")
        if saved and Path(saved).is_dir():
            return Path(saved)
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(documents) if documents and Path(documents).is_dir() else Path.home()

    def _remember_export(self, path: Path) -> None:
        self.settings.setValue("export_folder", str(path.parent))

    def save_snapshot(self) -> None:
        if self.last_image is None:
            self.show_problem("Nothing to save yet: no frame has been shown.", kind="info")
            return
        default = str(self.export_folder() / f"emotion-snapshot-{time.strftime('%Y%m%d-%H%M%S')}.png")
        path, _ = QFileDialog.getSaveFileName(self, "Save snapshot", default, "PNG image (*.png)")
        if path:
            self.write_snapshot(Path(path))

    def write_snapshot(self, path: Path) -> bool:
        if self.last_image is None or not self.last_image.save(str(path), "PNG"):
            self.show_problem(f"Could not save the snapshot to {path}.")
            return False
        self._remember_export(path)
        self.log(f"saved snapshot {path}")
        return True

    def export_results(self, kind: str) -> None:
        default = str(self.export_folder() / f"emotion-results-{time.strftime('%Y%m%d-%H%M%S')}.{kind}")
        path, _ = QFileDialog.getSaveFileName(self, f"Export results as {kind.upper()}", default,
                                              f"{kind.upper()} (*.{kind})")
        if path:
            self.write_results(Path(path), kind)

    def write_results(self, path: Path, kind: str) -> bool:
        try:
            frames = self.worker.export_results(path, kind)
            self._remember_export(path)
        except OSError as error:
            self.show_problem(f"Could not write {path}: {error.strerror or error}. Choose another folder.")
            return False
        self.log(f"exported {frames} frames of results to {path}")
        return True

    def clear_results(self) -> None:
        self.worker.clear_results()
        self.log("results cleared")

    # ---- dialogs ---------------------------------------------------------------------------
    def show_models_dialog(self) -> None:
        from emotion_desktop.gui.models_dialog import ModelsDialog

        ModelsDialog(self.models, self).exec()

    def show_about(self) -> None:
        from html import escape

        from emotion_desktop.backends import read_cards
        from emotion_desktop.model_info import model_summary

        cards = read_cards(self.models.models_dir)  # every description of a model comes from its card
        models = "".join(f"<li>{escape(model_summary(name, card))}</li>" for name, card in cards.items())
        QMessageBox.about(self, f"About {APP_TITLE}",
                          f"<b>{APP_TITLE}</b><p>Live facial-emotion recognition on the seven FER2013 emotions, "
                          f"with these models side by side:</p><ul>{models}</ul>"
                          "<p>Click a face to chart it; drop image or video files on the window to open them.</p>")

    def log(self, text: str) -> None:
        self.log_view.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    # ---- drag and drop ---------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.open_paths(paths)
            event.acceptProposedAction()

    # ---- shutdown --------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if not self._closing:
            self._closing = True
            self.settings.setValue("geometry", self.saveGeometry())
            logging.getLogger().removeHandler(self.log_bridge)
            self.ui_timer.stop()
            self.worker.stop()
            if not self.worker.wait(10_000):  # a frame in flight finishes first
                log.error("the worker thread did not stop within 10 s")
            self.models.shutdown()
        super().closeEvent(event)


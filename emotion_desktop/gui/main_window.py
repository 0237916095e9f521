"""The main window: it assembles the video view, the control panel, the log and the menus,
wires the `ViewState` to the worker and the model manager, and shows what the worker reports.

User choices live in the `ViewState` (Qt-free, `emotion_desktop/view_state.py`); the window holds
only what it is displaying (the newest result and image).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emotion_desktop.gui import file_dialogs
from emotion_desktop.gui.control_panel import ControlPanel
from emotion_desktop.gui.messages import Banner, LogBridge, LogDock, Messages
from emotion_desktop.gui.model_manager import ModelManager
from emotion_desktop.gui.model_selection import ModelSelection
from emotion_desktop.gui.output import WindowOutput
from emotion_desktop.gui.presentation import PresentationMode
from emotion_desktop.gui.status_readout import StatusReadout
from emotion_desktop.gui.video_view import VideoView
from emotion_desktop.gui.window_menus import MenuCommands, WindowMenus
from emotion_desktop.gui.worker import PipelineWorker
from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
from emotion_desktop.results import FrameResult
from emotion_desktop.sources import IMAGE_SUFFIXES, CameraSource, DemoSource, ImageSource, open_path
from emotion_desktop.timeline import Timeline
from emotion_desktop.view_state import ViewState

log = logging.getLogger(__name__)

# Redrawing the pyqtgraph chart and the face label costs more than painting the frame; 15 Hz reads
# as smooth and saves about a quarter of the window's CPU on a 30 FPS source.
CHART_INTERVAL_S = 1 / 15
APP_TITLE = "Emotion Desktop"


class MainWindow(QMainWindow):
    def __init__(self, models_dir: Path | None = None, settings: QSettings | None = None,
                 start: tuple | None = ("camera", 0), initial_model: str | None = None):
        super().__init__()
        self.settings = settings or QSettings()
        self.models = ModelManager(models_dir, self)
        self.state = ViewState(available_models=tuple(self.models.available_names()))
        self.state.restore(self.settings, initial_model)
        # The saved detector is built on the loader thread (MTCNN imports TensorFlow); the worker waits for it.
        self.worker = PipelineWorker(Pipeline(None, [], detect_every=LIVE_DETECT_EVERY))
        self.last_result: FrameResult | None = None  # what the view and chart are showing
        self.timeline = Timeline(self.state.timeline_s)  # the recent history the timeline plot draws
        self.last_image = None
        self._frame_size = (0, 0)
        self._startup = True
        self.frames_shown = 0  # frames painted (benchmarks compare it with the worker's count)
        self._closing = False
        self._image_error_shown = False  # the banner shows a per-image read error
        self._chart_updated = 0.0
        self._opened: list[Path] = []  # the files or folder last opened

        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.resize(1280, 760)
        self._build_widgets()
        self.messages = Messages(self.log_dock, self.banner, self.statusBar())
        self.output = WindowOutput(self.state, self.worker, self.messages, self.status, lambda: self.last_image, self)
        self.selection = ModelSelection(self.state, self.models, self.worker, self.messages, self.status.busy, self)
        self.menus = WindowMenus(self, self.state, MenuCommands(
            open_images=self.open_images_dialog, open_video=self.open_video_dialog,
            open_folder=self.open_folder_dialog, open_paths=self.open_paths, open_camera=self.open_camera,
            open_demo=self.open_demo, step=self.worker.step, save_snapshot=self.output.save_snapshot,
            export_results=self.output.export_results, clear_results=self.output.clear_results,
            toggle_recording=self.output.toggle_recording, show_summary=self.show_summary,
            evaluate_folder=self.evaluate_folder_dialog, show_models_dialog=self.show_models_dialog,
            download_weights=self.selection.download, show_guide=self.show_guide, show_about=self.show_about,
            quit=self.close))
        self.menus.view_menu.addAction(self.log_dock.toggleViewAction())
        self.presentation = PresentationMode(
            self, self.video, [self.panel, self.log_dock, self.menuBar(), self.menus.toolbar, self.statusBar()],
            self.worker.set_text_size, leave=lambda: setattr(self.state, "presentation", False))
        self._connect()
        self.selection.show_availability()
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

        self.log_bridge = LogBridge()
        self.log_bridge.message.connect(self.log)
        logging.getLogger().addHandler(self.log_bridge)

        self.worker.start()
        self.worker.set_smoothing(self.state.smoothing_s)
        self.worker.set_still_tta(self.state.still_tta)
        self.selection.request_models()
        self.selection.request_detector()
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
        self.panel = ControlPanel(self.state)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.log_dock = LogDock(self)
        self.log_view = self.log_dock.view
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.status = StatusReadout(self.statusBar())

    def _connect(self) -> None:
        worker, events = self.worker, self.state.events
        worker.result_ready.connect(self.on_result)
        worker.source_opened.connect(self.on_source_opened)
        worker.source_failed.connect(self.on_source_failed)
        worker.source_error.connect(self.on_source_error)
        worker.source_ended.connect(self.on_source_ended)
        worker.image_position.connect(self.on_image_position)
        worker.image_error.connect(self.on_image_error)
        worker.recording_started.connect(lambda path: self.log(f"recording to {path}"))
        worker.recording_stopped.connect(self.output.on_recording_stopped)
        worker.recording_failed.connect(self.output.on_recording_failed)
        self.output.recording_ended.connect(lambda: self.menus.record.setChecked(False))
        self.models.busy_changed.connect(self.status.busy.setVisible)
        self.video.clicked.connect(self.on_video_clicked)

        self.state.persist_to(self.settings)
        events.smoothing_s.connect(worker.set_smoothing)
        events.still_tta.connect(worker.set_still_tta)
        events.is_paused.connect(worker.set_paused)
        events.timeline_s.connect(lambda seconds: setattr(self.timeline, "span_s", seconds))
        events.selected_track.connect(worker.select_track)
        events.presentation.connect(self.presentation.set_active)
        events.explain.connect(worker.set_explain)
        self.video.resized.connect(self.presentation.place_overlay)

        self.answer_timer = QTimer(self)  # shows a throttled frame's answer (see CHART_INTERVAL_S)
        self.answer_timer.setSingleShot(True)
        self.answer_timer.timeout.connect(self._show_answer)
        self.ui_timer = QTimer(self)  # refreshes the FPS readout even when frames stop coming
        self.ui_timer.timeout.connect(self.update_status)
        self.ui_timer.start(500)

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
        self.video.set_placeholder("Starting the built-in demo…")
        self.worker.open_source("the built-in demo", DemoSource)

    def open_paths(self, paths: list[Path]) -> None:
        paths = [Path(p) for p in paths]
        if not paths:
            return
        self._opened = paths  # what Replay opens again
        self.video.set_placeholder(f"Opening {paths[0].name}…")
        images = [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]
        if len(paths) > 1 and len(images) == len(paths):
            self.worker.open_source(f"{len(paths)} images", lambda: ImageSource(paths))
        else:
            if len(paths) > 1:
                self.log(f"opening {paths[0].name} (several files can be opened together only when all are images)")
            path = paths[0]
            self.worker.open_source(path.name, lambda: open_path(path))
        self.state.remember(paths[0] if len(paths) == 1 else paths[0].parent)

    def open_images_dialog(self) -> None:
        self.open_paths(file_dialogs.ask_images(self, self.state.last_folder()))

    def open_video_dialog(self) -> None:
        self.open_paths(file_dialogs.ask_video(self, self.state.last_folder()))

    def open_folder_dialog(self) -> None:
        self.open_paths(file_dialogs.ask_folder(self, self.state.last_folder()))

    def toggle_pause(self, paused: bool | None = None) -> None:
        self.state.is_paused = (not self.state.is_paused) if paused is None else paused

    # ---- worker signals ---------------------------------------------------------------------
    def on_source_opened(self, kind: str, name: str, info) -> None:
        self.state.source_opened(kind, name)
        self.timeline.clear()
        self.setWindowTitle(f"{name} — {APP_TITLE}")
        self.menus.set_stepping(self.state.stills, self.state.stills)
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
        self._show_no_source(message)
        self.show_problem(message, actions=[("Open file…", self.open_images_dialog), ("Run demo", self.open_demo)])

    def _show_no_source(self, message: str) -> None:
        """Nothing is open (the previous source was closed): no frame, title or answer of it may stay."""
        self.setWindowTitle(APP_TITLE)
        self.last_result, self.last_image = None, None
        self.video.set_image(None)
        self.video.set_placeholder(message)
        self.panel.show_nothing("Nothing open", "Nothing open: open a file, a camera or the demo")

    def on_source_error(self, message: str) -> None:
        self.log(f"error: {message}")
        self.show_problem(message, actions=[("Open file…", self.open_images_dialog), ("Run demo", self.open_demo),
                                            ("Retry camera", lambda: self.open_camera(0))])
        self.video.set_placeholder(message)

    def on_source_ended(self, message: str) -> None:
        self.log(message)
        actions = [("Open file…", self.open_images_dialog), ("Run demo", self.open_demo)]
        if self.state.source_kind == "video" and self._opened:
            opened = self._opened
            actions.insert(0, ("Replay", lambda: self.replay(opened)))
        self.show_problem(f"{message} Results so far are kept: export them from the File menu.", kind="info",
                          actions=actions)

    def replay(self, paths: list[Path]) -> None:
        """Play a finished video again from the start (unpaused); its frames are analysed again."""
        self.state.is_paused = False
        self.open_paths(paths)

    def on_image_position(self, index: int, count: int) -> None:
        self.menus.set_stepping(index > 0, index < count - 1)
        self.statusBar().showMessage(f"image {index + 1} of {count}", 4000)

    def show_problem(self, message: str, kind: str = "error", actions=()) -> None:
        self.messages.show_problem(message, kind, actions)

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
        self.panel.show_nothing("No result for this image", "No result: the image could not be read")

    def on_result(self) -> None:
        taken = self.worker.take_result()
        if taken is None:
            return
        image, result, frame = taken
        if self._image_error_shown and result.image_name:  # the next readable image replaces the error
            self._image_error_shown = False
            self.banner.hide()
        self.last_result, self.last_image = result, image
        if not self.state.stills:
            self.timeline.add(result)
        self._frame_size = (frame.shape[1], frame.shape[0])  # huge stills are shown downscaled
        self.frames_shown += 1
        self.video.set_image(image)
        if self.state.stills:
            self._show_answer()
            self.update_status()  # moving sources: the status bar follows ui_timer, twice a second
        elif time.monotonic() - self._chart_updated >= CHART_INTERVAL_S:
            self._show_answer()
        elif not self.answer_timer.isActive():  # the newest frame's answer follows within 1/15 s
            self.answer_timer.start(int(CHART_INTERVAL_S * 1000))

    def _show_answer(self) -> None:
        """The chart and the face label for the newest result (the selected face's answer)."""
        self.answer_timer.stop()
        self._chart_updated = time.monotonic()
        if self.last_result is not None:
            self.panel.show_answer(self.last_result, self.timeline)
            face = self.last_result.selected_face(self.state.selected_track)
            self.presentation.show({m: face.smoothed[m] for m in self.last_result.models if m in face.smoothed}
                                   if face is not None else {})

    def update_status(self) -> None:
        self.status.show_recording(self.worker.recording_seconds)
        result = self.last_result
        if result is None:
            return
        if self.state.stills:
            rate = "still image"
        else:
            rate = "paused" if self.state.is_paused else f"{self.worker.fps:.1f} FPS"
        self.status.show(self.worker.stage_ms or result.timings_ms, rate, self.worker.result_counts())

    def on_video_clicked(self, x: float, y: float) -> None:
        if self.last_result is None or self.last_image is None:
            return
        factor = self._frame_size[0] / max(1, self.last_image.width())  # view pixels -> frame pixels
        face = self.last_result.face_at(x * factor, y * factor)
        if face is not None:
            self.state.selected_track = face.track_id
            self.log(f"selected {self.last_result.describe_face(face)} (track #{face.track_id})")

    # ---- dialogs ---------------------------------------------------------------------------
    def show_models_dialog(self) -> None:
        from emotion_desktop.gui.models_dialog import ModelsDialog

        ModelsDialog(self.models, self).exec()

    def evaluate_folder_dialog(self) -> None:
        folder = file_dialogs.ask_folder(self, self.state.last_folder(), "Evaluate on a folder (one subfolder per "
                                         "emotion)")
        if folder:
            self.evaluate_folder(folder[0])

    def evaluate_folder(self, folder: Path):
        from emotion_desktop.gui.evaluation_dialog import EvaluationDialog

        dialog = EvaluationDialog(folder, list(self.state.available_models), self.models.models_dir,
                                  self.state.detector, self, log=self.messages.log)
        dialog.open()
        return dialog

    def show_summary(self):
        from emotion_desktop.gui.summary_dialog import SummaryDialog

        dialog = SummaryDialog(self.worker.summaries(), self)
        dialog.open()  # not modal-blocking: the stream goes on
        return dialog

    def show_guide(self):
        from emotion_desktop.gui.guide_dialog import GuideDialog

        dialog = GuideDialog(self)
        dialog.show()  # not modal: the guide can stay open beside the window
        return dialog

    def show_about(self) -> None:
        from emotion_desktop.gui.models_dialog import show_about

        show_about(self, self.models.models_dir, APP_TITLE)

    def log(self, text: str) -> None:
        self.messages.log(text)

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


"""Models -> Evaluate on a Folder…: `emotion-desktop evaluate` in the window, off the UI thread,
with progress, the scores table and the confusion matrices side by side."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from emotion_desktop.gui.fitted_image import FittedImage
from emotion_desktop.labels import EMOTIONS

COLUMNS = ["Model", "Accuracy", "Macro-F1", "No face"] + [e.capitalize() for e in EMOTIONS]


class EvaluationJob(QThread):
    """Loads its own instances of the models (the live view keeps running) and evaluates."""

    progress = Signal(int, int)  # images searched, images in all
    finished_report = Signal(object)  # the report dict (object: a QVariantMap would sort its models)
    failed = Signal(str)

    def __init__(self, folder: Path, model_names: list[str], models_dir: Path | None, detector_name: str):
        super().__init__()
        self.folder, self.model_names = folder, model_names
        self.models_dir, self.detector_name = models_dir, detector_name
        self.cancelled = False  # set from the UI thread: the next image stops the run

    def run(self) -> None:
        from emotion_desktop.backends import load_backend
        from emotion_desktop.detectors import make_detector
        from emotion_desktop.evaluation import evaluate_folder, scan_folder

        try:
            total = len(scan_folder(self.folder).paths)
            if total == 0:
                raise ValueError(f"No images in emotion subfolders of {self.folder}: put them in folders named "
                                 "angry, disgust, fear, happy, sad, surprise and neutral.")
            backends = [b for b in (load_backend(n, self.models_dir) for n in self.model_names) if b.available]
            done = [0]

            def step(count: int) -> None:
                if self.cancelled:
                    raise _Cancelled
                done[0] += count
                self.progress.emit(done[0], total)

            self.finished_report.emit(evaluate_folder(self.folder, backends, make_detector(self.detector_name),
                                                      progress=step))
        except _Cancelled:
            pass
        except Exception as error:  # a bad folder must not take the app down
            self.failed.emit(str(error))


class _Cancelled(Exception):
    """The dialog was closed while the evaluation ran."""


class EvaluationDialog(QDialog):
    def __init__(self, folder: Path, model_names: list[str], models_dir: Path | None, detector_name: str,
                 parent=None, log=None):
        super().__init__(parent)
        self.folder = folder
        self.log = log or (lambda _text: None)  # the window's log: how the run went, kept after closing
        self.setWindowTitle(f"Evaluation — {folder.name}")
        self.resize(1100, 720)
        self.report: dict | None = None
        self.status = QLabel(f"Searching the faces in {folder}…")  # short lines: no word wrap, so the
        # label's height always fits them (a wrapped label was laid out one line short)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.bar = QProgressBar()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.matrices = FittedImage()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.status, self.bar):
            layout.addWidget(widget)
        layout.addWidget(self.table)
        layout.addWidget(self.matrices, 1)
        layout.addWidget(buttons)
        self.job = EvaluationJob(folder, model_names, models_dir, detector_name)
        self.job.progress.connect(self.show_progress)
        self.job.finished_report.connect(self._show)
        self.job.failed.connect(self._on_failed)
        self.job.start()

    def show_progress(self, done: int, total: int) -> None:
        if done < total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.status.setText(f"Searching the faces in {self.folder}: {done} of {total} images…")
        elif self.bar.maximum():  # every image searched: the models classify; no end to show
            self.bar.setRange(0, 0)
            self.status.setText(f"Faces found in {total} images; the models are classifying them…")

    def _on_failed(self, message: str) -> None:
        self.bar.hide()
        self.status.setText(f"The evaluation could not run: {message}")
        self.log(f"Evaluation of {self.folder} could not run: {message}")

    def _show(self, report: dict) -> None:
        from emotion_desktop.confusion_image import matrix_panel, side_by_side
        from emotion_desktop.evaluation import format_report
        from emotion_desktop.gui.worker import to_qimage

        self.report = report
        self.bar.hide()
        # The report's lines about the folder (images, skipped folders, faces not found); the table
        # below has the models' figures.
        lines = [line for line in format_report(report).splitlines()
                 if "accuracy" not in line and not line.startswith(" " * 14)]
        self.status.setText("\n".join(lines))
        self.log(f"Evaluation of {report['folder']}: " + "; ".join(
            f"{s['display_name']} {s['accuracy']:.1%}" for s in report["models"].values())
                 + f" ({report['images']} images, {len(report['no_face'])} without a face)")
        self.status.setMinimumHeight(len(lines) * self.status.fontMetrics().lineSpacing() + 6)
        models = list(report["models"].values())
        self.table.setRowCount(len(models))
        for row, scores in enumerate(models):
            cells = [scores["display_name"], f"{scores['accuracy']:.1%}", f"{scores['macro_f1']:.3f}",
                     str(scores["no_face"])]
            cells += [f"{scores['per_class_recall'][e]:.0%}" if e in scores["per_class_recall"] else "–"
                      for e in EMOTIONS]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        rows_height = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setFixedHeight(self.table.horizontalHeader().height() + rows_height + 4)
        if models:
            image = side_by_side([matrix_panel(s["display_name"], s["confusion_matrix"],
                                               f"accuracy {s['accuracy']:.1%}, n={s['count']}") for s in models])
            self.matrices.set_image(QPixmap.fromImage(to_qimage(image)))
            self._widen_to(image.shape[1])

    def _widen_to(self, image_width: int) -> None:
        """Room for the matrices at full size where the screen has it; they shrink to fit otherwise."""
        screen = self.screen().availableGeometry()
        margins = self.layout().contentsMargins()
        wanted = image_width + margins.left() + margins.right()
        if wanted > self.width():
            self.resize(min(wanted, screen.width()), self.height())

    def done(self, result: int) -> None:
        self.job.cancelled = True  # closing stops the run at the next image instead of waiting for all
        self.job.wait()
        super().done(result)

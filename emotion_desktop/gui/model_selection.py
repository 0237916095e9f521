"""Keeps the worker running the models and detector the `ViewState` asks for: requests loads from
the `ModelManager`, hands loaded backends to the worker, and marks models that cannot load."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from emotion_desktop.backends import DISPLAY_NAMES, INFO, backend_names
from emotion_desktop.detectors import DISPLAY_NAMES as DETECTOR_DISPLAY_NAMES
from emotion_desktop.detectors import FALLBACK_DETECTOR, make_detector


class ModelSelection(QObject):
    """Needs the state it follows, the loader, the worker it feeds, where to tell the user, and the
    status bar's busy indicator (which says "downloading" during a download)."""

    def __init__(self, state, models, worker, messages, busy, parent=None):
        super().__init__(parent)
        self.state, self.models, self.worker, self.messages, self.busy = state, models, worker, messages, busy
        models, events = self.models, self.state.events
        models.loaded.connect(self.on_model_loaded)
        models.failed.connect(self.on_model_failed)
        models.detector_ready.connect(self.on_detector_ready)
        models.detector_failed.connect(self.on_detector_failed)
        models.loading.connect(lambda name: messages.log(f"loading {DISPLAY_NAMES[name]}…"))
        events.primary_model.connect(self.request_models)
        events.compare.connect(self._on_compare_changed)
        events.available_models.connect(self.request_models)
        events.detector.connect(self._on_detector_changed)
        models.downloaded.connect(self.on_downloaded)
        models.download_failed.connect(self.on_download_failed)
        self.download_timer = QTimer(self)  # the bytes arriving, in the status bar
        self.download_timer.timeout.connect(self._show_download_progress)
        self._downloading: str | None = None

    def show_availability(self) -> None:
        """Missing models show disabled, with the reason and the fix in the tooltip."""
        self.state.model_problems = tuple((n, r) for n in backend_names() if (r := self.models.reasons[n]))
        for name, reason in self.state.model_problems:
            self.messages.log(f"{DISPLAY_NAMES[name]} unavailable: {reason}")
        if not self.state.available_models:
            self.messages.show_problem("No model is available yet. " + " ".join(
                f"{DISPLAY_NAMES[n]}: {self.models.reasons[n]}" for n in backend_names()), kind="info")

    def request_models(self, *_args) -> None:
        self.worker.expect_models(bool(self.state.available_models))
        self.models.request(self.state.wanted_models())

    def _on_compare_changed(self, checked: bool) -> None:
        self.request_models()
        if checked and len(self.state.available_models) < 2:
            self.messages.log("compare mode: only one model is available, so there is nothing to compare it with")

    def on_model_loaded(self, name: str, backend, just_loaded: bool = True) -> None:
        wanted = self.state.wanted_models()
        if name not in wanted:
            return
        if just_loaded:  # switching back to a loaded model loads nothing: say nothing
            self.messages.log(f"{backend.display_name} ready ({backend.runtime}, "
                              f"loaded in {backend.load_seconds:.1f} s)")
        self.worker.set_backends([self.models.backends[n] for n in wanted if n in self.models.backends])

    def on_model_failed(self, name: str, reason: str) -> None:
        self.state.set_model_problem(name, reason)
        if name == self.state.primary_model:
            self.messages.show_problem(f"{DISPLAY_NAMES[name]} is unavailable: {reason}")
        self.messages.log(f"{DISPLAY_NAMES[name]} unavailable: {reason}")
        self.state.available_models = tuple(self.models.available_names())

    # ---- missing weights ------------------------------------------------------------------------
    def download(self, name: str) -> None:
        """Fetch a model's missing weights off the UI thread; on success it is enabled at once."""
        if not self.models.download(name):
            return  # already downloading
        self._downloading = name
        self.messages.log(f"downloading {DISPLAY_NAMES[name]}'s weights ({INFO[name].download_size})…")
        self.busy.setFormat("downloading")
        self.download_timer.start(250)

    def _show_download_progress(self) -> None:
        target = INFO[self._downloading].download_target if self._downloading else None
        if target is None:
            return
        folder, name = target().parent, target().name
        arrived = sum(p.stat().st_size for p in folder.glob(f"{name}*")) if folder.is_dir() else 0
        self.messages.note(f"downloading {DISPLAY_NAMES[self._downloading]}'s weights: {arrived / 1e6:.1f} MB", 1000)

    def _end_download(self) -> None:
        self.download_timer.stop()
        self._downloading = None
        self.busy.setFormat("loading model")

    def on_downloaded(self, name: str) -> None:
        self._end_download()
        self.state.set_model_problem(name, "")
        self.messages.log(f"{DISPLAY_NAMES[name]}'s weights downloaded and checked: {DISPLAY_NAMES[name]} is ready")
        self.messages.show_problem(f"{DISPLAY_NAMES[name]} is ready: choose it in Model, or compare all models.",
                                 kind="info")
        self.state.available_models = tuple(self.models.available_names())

    def on_download_failed(self, name: str, message: str) -> None:
        self._end_download()
        self.messages.log(f"error: {message}")
        self.messages.show_problem(message, actions=[("Try again", lambda: self.download(name))])

    def request_detector(self) -> None:
        """Build the chosen face detector (at start-up: the saved one)."""
        self._on_detector_changed(self.state.detector)

    def _on_detector_changed(self, name: str) -> None:
        if name == FALLBACK_DETECTOR:
            self.worker.set_detector(make_detector(name))  # OpenCV's cascade: loads at once, cannot fail
        else:
            self.models.request_detector(name)  # MTCNN imports TensorFlow: build it off the UI thread

    def on_detector_ready(self, name: str, detector, problem: str) -> None:
        if self.state.detector != name:
            return  # another detector was chosen meanwhile
        self.worker.set_detector(detector)
        if problem:  # the Haar cascade stands in
            self.on_detector_failed(name, problem)
        else:
            self.messages.log(f"face detector: {DETECTOR_DISPLAY_NAMES[name]}")

    def on_detector_failed(self, name: str, reason: str) -> None:
        self.messages.log(f"error: the {name} face detector could not start ({reason}); using the Haar cascade")
        self.messages.show_problem(
            f"The {name} face detector could not start ({reason}); using the Haar cascade.")
        self.state.detector = FALLBACK_DETECTOR

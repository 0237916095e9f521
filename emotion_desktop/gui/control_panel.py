"""The panel beside the video: model selector, compare switch, smoothing, detector, the charted
face's answer and the live chart.

It renders the `ViewState` and writes the user's choices back into it; it never talks to the
worker (the window wires the state to the worker).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from emotion_desktop.backends import DISPLAY_NAMES, backend_names
from emotion_desktop.detectors import INFO as DETECTORS
from emotion_desktop.gui.chart import EmotionChart
from emotion_desktop.gui.timeline_plot import TimelinePlot
from emotion_desktop.results import FrameResult
from emotion_desktop.settings import MAX_TIMELINE_S, MIN_TIMELINE_S
from emotion_desktop.timeline import Timeline
from emotion_desktop.view_state import ViewState


class ControlPanel(QWidget):
    def __init__(self, state: ViewState, parent=None):
        super().__init__(parent)
        self.state = state
        self.model_combo = QComboBox()
        for name in backend_names():
            self.model_combo.addItem(DISPLAY_NAMES[name], name)
        self.compare_box = QCheckBox("Compare all")
        self.compare_box.setToolTip("Run every available model on the same frames and show them side by side")
        self.face_label = QLabel("No face yet")
        self.face_label.setWordWrap(True)
        font = self.face_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.face_label.setFont(font)
        # Room for two lines whatever the text: the chart must not jump when a longer answer wraps.
        self.face_label.setFixedHeight(self.face_label.fontMetrics().lineSpacing() * 2 + 4)
        self.face_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.chart = EmotionChart()
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0, 100)  # hundredths of a second
        self.smoothing_slider.setToolTip("Time constant of the smoothing of probabilities over frames (0: off)")
        self.smoothing_label = QLabel()
        self.detector_combo = QComboBox()
        for index, info in enumerate(DETECTORS.values()):
            self.detector_combo.addItem(info.display_name, info.name)
            reason = info.probe()
            if reason:  # shown disabled, with the reason, like an unavailable model
                self.disable_item(self.detector_combo, index, reason)

        smoothing_row = QHBoxLayout()
        smoothing_row.addWidget(self.smoothing_slider, 1)
        smoothing_row.addWidget(self.smoothing_label)
        model_row = QHBoxLayout()  # one row for both: the panel must fit a 1024x600 screen
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.compare_box)
        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("Smoothing", smoothing_row)
        form.addRow("Face detector", self.detector_combo)
        self.timeline_plot = TimelinePlot()
        self.timeline_span = QDoubleSpinBox()
        self.timeline_span.setRange(MIN_TIMELINE_S, MAX_TIMELINE_S)
        self.timeline_span.setDecimals(0)
        self.timeline_span.setSingleStep(5)
        self.timeline_span.setSuffix(" s")
        self.timeline_span.setToolTip("How many seconds of the charted face's history the timeline shows")
        timeline_row = QHBoxLayout()
        self.timeline_title = QLabel("Timeline of the charted face")
        timeline_row.addWidget(self.timeline_title, 1)
        timeline_row.addWidget(self.timeline_span)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.face_label)
        layout.addWidget(self.chart, 3)
        layout.addLayout(timeline_row)
        layout.addWidget(self.timeline_plot, 2)
        self.setMinimumWidth(340)
        self._bind()

    def _bind(self) -> None:
        """User -> state, and state -> widgets (the state only emits real changes, so no loops)."""
        state, events = self.state, self.state.events
        self.model_combo.currentIndexChanged.connect(
            lambda _i: setattr(state, "primary_model", self.model_combo.currentData()))
        self.compare_box.toggled.connect(lambda checked: setattr(state, "compare", checked))
        self.smoothing_slider.valueChanged.connect(lambda value: setattr(state, "smoothing_s", value / 100))
        self.detector_combo.currentIndexChanged.connect(
            lambda _i: setattr(state, "detector", self.detector_combo.currentData()))
        events.primary_model.connect(self._show_model)
        events.model_problems.connect(self._show_model_problems)
        events.compare.connect(lambda checked: self.compare_box.setChecked(checked))
        events.smoothing_s.connect(self._show_smoothing)
        events.detector.connect(self._show_detector)
        self.timeline_span.valueChanged.connect(lambda value: setattr(state, "timeline_s", float(value)))
        events.timeline_s.connect(self._show_timeline_span)
        self._show_timeline_span(state.timeline_s)
        self._show_model(state.primary_model)
        self._show_model_problems(state.model_problems)
        self.compare_box.setChecked(state.compare)
        self._show_smoothing(state.smoothing_s)

    def _show_model(self, name: str) -> None:
        index = self.model_combo.findData(name)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)

    def _show_smoothing(self, seconds: float) -> None:
        self.smoothing_slider.setValue(round(seconds * 100))
        self.smoothing_label.setText("off" if seconds <= 0 else f"{seconds:.2f} s")

    def _show_timeline_span(self, seconds: float) -> None:
        self.timeline_span.setValue(seconds)
        self.timeline_plot.set_span(seconds)

    def _show_detector(self, name: str) -> None:
        index = self.detector_combo.findData(name)
        if index >= 0:
            self.detector_combo.setCurrentIndex(index)

    @staticmethod
    def disable_item(combo: QComboBox, index: int, reason: str) -> None:
        item = combo.model().item(index)
        item.setEnabled(False)
        item.setToolTip(reason)

    def _show_model_problems(self, _problems) -> None:
        for name in backend_names():
            self.mark_model(name, self.state.model_problem(name))

    def mark_model(self, name: str, reason: str) -> None:
        """An unavailable model shows disabled with the reason (and the fix) as its tooltip."""
        index = self.model_combo.findData(name)
        if reason:
            self.disable_item(self.model_combo, index, reason)
        else:  # also after its weights arrived
            item = self.model_combo.model().item(index)
            item.setEnabled(True)
            item.setToolTip(f"{DISPLAY_NAMES[name]}: ready to load")

    def show_answer(self, result: FrameResult, timeline: Timeline) -> None:
        """The chart, the face label and the timeline for a result: the selected face, else the
        largest."""
        face = result.selected_face(self.state.selected_track)
        if face is None:
            self._say("No face in view")
            return
        shown = {m: face.smoothed[m] for m in result.models if m in face.smoothed}
        if self.state.stills:
            self.timeline_plot.show_message("The timeline follows videos, cameras and the demo")
        else:
            self.timeline_plot.show_face(timeline, face.track_id, list(shown))
        if shown:
            self.chart.set_probabilities(shown, {m: result.per_face_ms(m) for m in shown})
            first = next(iter(shown))
            label, probability = face.top(first)  # smoothed, as the chart and the face's drawn label
            answer = f"{label} {probability:.0%}"
            reason = face.uncertain_reason(first)
            if reason:  # withheld on the face; said here with what the model leant to, and why
                answer += f", uncertain: {reason}"
            self.face_label.setText(f"{answer} — {result.describe_face(face)} "
                                    f"({DISPLAY_NAMES.get(first, '')}{self._smoothing_note()})")
            quality = face.quality
            self.face_label.setToolTip("" if quality is None else
                                       f"face {quality.size_px} px, sharpness {quality.sharpness:.0f}, head turn "
                                       f"{quality.turn:.2f}" + (f"; uncertain: {reason}" if reason else ""))
        elif result.errors:
            self.chart.show_message("Model error (see the log)")
            self.face_label.setText("model error: " + "; ".join(result.errors.values()))
        else:
            self._say("Waiting for a model to load…", "waiting for a model to load…")

    def _smoothing_note(self) -> str:
        """Moving sources say that the numbers are smoothed over time (stills are never smoothed)."""
        if self.state.stills or self.state.smoothing_s <= 0:
            return ""
        return f", smoothed {self.state.smoothing_s:.2f} s"

    def show_nothing(self, chart_message: str, label: str) -> None:
        self._say(chart_message, label)

    def _say(self, chart_message: str, label: str | None = None) -> None:
        self.chart.show_message(chart_message)
        self.timeline_plot.show_message(chart_message)
        self.face_label.setText(label or chart_message)

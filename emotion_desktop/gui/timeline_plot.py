"""The emotion timeline under the bar chart: the charted face's last N seconds.

One model: a line per emotion (its probability, in the emotion colours). Compare mode: a step line
per model at the row of its dominant emotion, so agreement and disagreement read at a glance.
Curves are created once per layout and updated with ``setData``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from emotion_desktop.backends import MODEL_COLORS
from emotion_desktop.gui.chart import StaticPlot
from emotion_desktop.labels import EMOTIONS, emotion_color_rgb
from emotion_desktop.timeline import Timeline


class TimelinePlot(StaticPlot):
    def __init__(self, parent=None):
        super().__init__(parent, min_height=90)
        plot = self.getPlotItem()
        plot.showGrid(x=True, y=True, alpha=0.2)
        # 300 s at 30 FPS is 9,000 points a curve: draw about a point per pixel.
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.setLabel("bottom", "seconds ago")
        plot.setYRange(0, 100, padding=0.02)  # a percentage axis before any face (not pyqtgraph's 49.6-50.4)
        plot.setLabel("left", "%")
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._layout: tuple[str, ...] = ()
        self._span = 0.0
        self.message = pg.TextItem("", color=(90, 90, 90), anchor=(0.5, 0.5))
        plot.addItem(self.message)
        self.set_span(30.0)

    def set_span(self, seconds: float) -> None:
        self._span = seconds
        self.getPlotItem().setXRange(-seconds, 0, padding=0.01)
        self._place_message()

    def _place_message(self) -> None:
        centre_y = 50 if len(self._layout) < 2 else (len(EMOTIONS) - 1) / 2
        self.message.setPos(-self._span / 2, centre_y)

    def show_message(self, text: str) -> None:
        for curve in self._curves.values():
            curve.setData([], [])
        self.message.setText(text)

    def _build(self, models: tuple[str, ...]) -> None:
        plot = self.getPlotItem()
        for curve in self._curves.values():
            plot.removeItem(curve)
        self._curves = {}
        left = plot.getAxis("left")
        plot.invertY(len(models) > 1)  # compare mode: emotions top to bottom, as in the bar chart
        if len(models) == 1:
            plot.setYRange(0, 100, padding=0.02)
            left.setTicks(None)
            plot.setLabel("left", "%")
            for emotion in EMOTIONS:
                self._curves[emotion] = plot.plot(pen=pg.mkPen(*emotion_color_rgb(emotion), width=2))
        else:
            plot.setYRange(-0.5, len(EMOTIONS) - 0.5, padding=0)
            left.setTicks([[(i, name) for i, name in enumerate(EMOTIONS)]])
            plot.setLabel("left", "")
            for index, model in enumerate(models):
                # Models a little apart vertically, so identical answers stay visible as parallel lines.
                pen = pg.mkPen(*MODEL_COLORS.get(model, (120, 120, 120)), width=3)
                self._curves[model] = plot.plot(pen=pen)
                self._curves[model].setPos(0, (index - (len(models) - 1) / 2) * 0.12)
        self._layout = models
        self._place_message()

    def show_face(self, timeline: Timeline, track_id: int, models: list[str]) -> None:
        """Draw the history of one face (track) for these models."""
        models = tuple(models)
        if not models:
            self.show_message("No model answer yet")
            return
        if models != self._layout:
            self._build(models)
        self.message.setText("")
        if len(models) == 1:
            times, values = timeline.series(track_id, models[0])
            for index, emotion in enumerate(EMOTIONS):
                self._curves[emotion].setData(times, values[:, index] * 100 if len(values) else [])
        else:
            for model in models:
                times, values = timeline.series(track_id, model)
                dominant = values.argmax(axis=1).astype(float) if len(values) else np.zeros(0)
                self._curves[model].setData(times, dominant)

    def curve_data(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """What each curve shows now (for tests)."""
        return {name: tuple(np.asarray(a) for a in curve.getData()) for name, curve in self._curves.items()}

"""The live bar chart of the 7 emotion probabilities (pyqtgraph).

Horizontal bars, one row per emotion, so the labels stay readable in a
narrow side panel. One model: seven bars in the emotions' colours. Compare
mode: grouped bars, one colour per model, with each model's per-face
latency in the legend. Bars are updated in place (``setOpts``) every frame
rather than rebuilt.

Every bar item has a single brush: a multi-brush ``BarGraphItem`` renders
through ``QPainter.begin(QPicture)``, which leaks references to ``None`` on
every redraw in PySide6 6.10-6.11 (tests/test_long_run.py), so the
single-model chart uses one item per emotion instead.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from emotion_desktop.backends import DISPLAY_NAMES, MODEL_COLORS
from emotion_desktop.labels import EMOTIONS, emotion_color_rgb


class StaticPlot(pg.PlotWidget):
    """A read-only plot on white: no zoom, pan, context menu, auto-range button or keyboard focus
    (the bar chart and the timeline)."""

    def __init__(self, parent=None, min_height: int = 220):
        super().__init__(parent, background="w")
        self.setMinimumSize(300, min_height)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()


class EmotionChart(StaticPlot):
    def __init__(self, parent=None):
        super().__init__(parent, min_height=185)
        plot = self.getPlotItem()
        plot.setXRange(0, 100, padding=0)
        plot.setYRange(-0.6, len(EMOTIONS) - 0.4, padding=0)
        plot.invertY(True)  # angry at the top, neutral at the bottom
        plot.showGrid(x=True, alpha=0.25)
        plot.setLabel("bottom", "probability (%)")
        plot.getAxis("left").setTicks([[(i, name) for i, name in enumerate(EMOTIONS)]])
        plot.getAxis("left").setStyle(tickTextOffset=6)
        # Compare mode names the models in the title row, one line each: a legend inside the plot
        # covered the bars of whichever emotion it sat on.
        self._legend: list[str] = []
        # Per model, the bar items whose bars, concatenated, are the 7 emotions in order.
        self._bars: dict[str, list[pg.BarGraphItem]] = {}
        self._layout: tuple[str, ...] = ()
        self.message = pg.TextItem("", color=(90, 90, 90), anchor=(0.5, 0.5))
        self.message.setPos(50, (len(EMOTIONS) - 1) / 2)
        plot.addItem(self.message)
        self.show_message("No face yet")

    def show_message(self, text: str) -> None:
        """Empty the chart and show ``text`` (e.g. "No face in view")."""
        for items in self._bars.values():
            for item in items:
                item.setOpts(width=np.zeros(len(item.opts["width"])))
        self.message.setText(text)

    def _build(self, models: tuple[str, ...]) -> None:
        plot = self.getPlotItem()
        for items in self._bars.values():
            for item in items:
                plot.removeItem(item)
        self._bars = {}
        count = len(models)
        thickness = 0.8 / count
        rows = np.arange(len(EMOTIONS), dtype=float)
        zeros = np.zeros(len(EMOTIONS))
        for index, model in enumerate(models):
            offset = (index - (count - 1) / 2) * thickness
            if count == 1:  # one model: each bar in its emotion's colour, one item per bar
                items = [pg.BarGraphItem(x0=[0.0], y=[row + offset], width=[0.0], height=thickness,
                                         brush=pg.mkBrush(*emotion_color_rgb(emotion)), pen=pg.mkPen(80, 80, 80))
                         for row, emotion in zip(rows, EMOTIONS)]
            else:
                items = [pg.BarGraphItem(x0=zeros, y=rows + offset, width=zeros, height=thickness,
                                         brush=pg.mkBrush(*MODEL_COLORS.get(model, (120, 120, 120))),
                                         pen=pg.mkPen(80, 80, 80))]
            for item in items:
                plot.addItem(item)
            self._bars[model] = items
        self._layout = models
        self._show_legend({})

    def _show_legend(self, per_face_ms: dict[str, float]) -> None:
        """Per model in the title row: its colour, name and per-face time (compare mode)."""
        models = self._layout if len(self._layout) > 1 else ()
        texts = [DISPLAY_NAMES.get(m, m) + (f" ({per_face_ms[m]:.1f} ms/face)" if m in per_face_ms else "")
                 for m in models]
        if texts == self._legend:
            return
        self._legend = texts
        lines = ['<span style="color:#%02x%02x%02x">&#9632;</span> %s' % (*MODEL_COLORS.get(m, (120, 120, 120)),
                                                                          escape(text))
                 for m, text in zip(models, texts)]
        # Two models a line: the title row has room for two lines before it clips the first.
        rows = ["&nbsp;&nbsp;".join(lines[i:i + 2]) for i in range(0, len(lines), 2)]
        self.getPlotItem().setTitle("<br>".join(rows) if rows else None, color="k", size="9pt")

    def set_probabilities(self, probabilities: dict[str, np.ndarray], per_face_ms: dict[str, float] | None = None):
        """Show one face's probabilities per model (values 0..1, EMOTIONS order)."""
        models = tuple(probabilities)
        if not models:
            self.show_message("No face in view")
            return
        if models != self._layout:
            self._build(models)
        self.message.setText("")
        for model, values in probabilities.items():
            items = self._bars[model]
            for item, widths in zip(items, np.split(np.asarray(values, dtype=float) * 100, len(items))):
                item.setOpts(width=widths)
        if per_face_ms:
            self._show_legend(per_face_ms)

    def values(self) -> dict[str, np.ndarray]:
        """The bar lengths now shown, in percent, per model (for tests)."""
        return {model: np.concatenate([np.asarray(item.opts["width"], dtype=float) for item in items])
                for model, items in self._bars.items()}

    def legend_texts(self) -> list[str]:
        return list(self._legend)

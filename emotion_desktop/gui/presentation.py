"""Presentation mode (F11, Esc leaves): the video full screen for a live demo, its labels large
enough to read across a room, the charted face's bars laid over the video's corner. Everything else
(panel, menus, toolbar, log, status bar) hides, and comes back as it was."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QWidget

from emotion_desktop.gui.chart import EmotionChart

TEXT_SIZE = 2.2  # the drawn labels, relative to the normal view: cap height ~4 cm on a 1080p projector
OVERLAY_SHARE = (0.3, 0.42)  # the chart's share of the video's width and height


class PresentationMode:
    def __init__(self, host: QMainWindow, video: QWidget, chrome: list[QWidget], set_text_size, leave):
        """``chrome``: the widgets that hide (they come back only if they were visible);
        ``set_text_size(factor)``: how the labels drawn on frames are enlarged; ``leave()``: Esc."""
        self.host, self.video, self.chrome, self.set_text_size = host, video, chrome, set_text_size
        self.active = False
        self._was_visible: list[QWidget] = []
        self._was_maximized = False
        self._geometry = b""
        self.overlay = EmotionChart(video)
        self.overlay.setMinimumSize(0, 0)  # it takes its share of the video, however small the screen
        self.overlay.hide()
        axis_font = self.overlay.font()
        axis_font.setPointSizeF(axis_font.pointSizeF() * 2.2)
        plot = self.overlay.getPlotItem()
        for side in ("left", "bottom"):
            plot.getAxis(side).setStyle(tickFont=axis_font)
            plot.getAxis(side).setTextPen("k")  # dark on the white plot, for a projector
        plot.setLabel("bottom", "")
        self.leave_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), host)
        self.leave_shortcut.setEnabled(False)
        self.leave_shortcut.activated.connect(leave)

    def set_active(self, active: bool) -> None:
        if active == self.active:
            return
        self.active = active
        if active:
            self._was_visible = [w for w in self.chrome if w.isVisible()]
            self._was_maximized = self.host.isMaximized()
            self._geometry = self.host.saveGeometry()
            for widget in self._was_visible:
                widget.hide()
            self.host.setGeometry(self.host.screen().geometry())  # also where no window manager does it
            self.host.showFullScreen()
            self.overlay.show()
            self.overlay.raise_()
            self.place_overlay()
        else:
            self.overlay.hide()
            for widget in self._was_visible:
                widget.show()
            if self._was_maximized:
                self.host.showMaximized()
            else:
                self.host.showNormal()
                self.host.restoreGeometry(self._geometry)
        self.leave_shortcut.setEnabled(active)
        self.set_text_size(TEXT_SIZE if active else 1.0)

    def place_overlay(self) -> None:
        """Bottom right of the video area (the video view calls this when it is resized)."""
        width, height = (int(self.video.width() * OVERLAY_SHARE[0]), int(self.video.height() * OVERLAY_SHARE[1]))
        self.overlay.setGeometry(self.video.width() - width - 16, self.video.height() - height - 16, width, height)

    def show(self, probabilities: dict[str, np.ndarray]) -> None:
        """The charted face's bars (as the panel's chart shows them), or nothing."""
        if not self.active:
            return
        if probabilities:
            self.overlay.set_probabilities(probabilities)
        else:
            self.overlay.show_message("No face in view")

"""The video area: paints the newest annotated frame, scaled to fit, and reports clicks on it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class VideoView(QWidget):
    clicked = Signal(float, float)  # a click, in frame pixel coordinates
    resized = Signal()  # overlays follow the view's size

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.placeholder = "Starting…"
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def set_placeholder(self, text: str) -> None:
        """Text shown when there is no frame (cleared frames show it too)."""
        self.placeholder = text
        if self.image is None:
            self.update()

    def target_rect(self) -> QRectF:
        """Where the frame is drawn: centred, aspect ratio kept."""
        if self.image is None or self.image.isNull():
            return QRectF()
        scale = min(self.width() / self.image.width(), self.height() / self.image.height())
        width, height = self.image.width() * scale, self.image.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def to_frame(self, point: QPointF) -> tuple[float, float] | None:
        rect = self.target_rect()
        if rect.isEmpty() or not rect.contains(point):
            return None
        scale = rect.width() / self.image.width()
        return (point.x() - rect.x()) / scale, (point.y() - rect.y()) / scale

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(32, 32, 36))
        if self.image is not None and not self.image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.target_rect(), self.image)
        else:
            painter.setPen(QColor(220, 220, 220))
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.2)
            painter.setFont(font)
            painter.drawText(self.rect().adjusted(24, 24, -24, -24),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def mousePressEvent(self, event) -> None:
        position = self.to_frame(event.position())
        if position is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(*position)
        super().mousePressEvent(event)

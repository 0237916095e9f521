"""An image that shrinks to the space it is given and never grows past its own size."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy


class FittedImage(QLabel):
    """Shows a pixmap scaled down, aspect kept, to fit the label, so side-by-side confusion
    matrices stay whole in a dialog narrower than them instead of hiding behind a scroll bar."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.original = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Ignored: the layout gives the label what room there is; its pixmap must not demand more.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def set_image(self, pixmap: QPixmap) -> None:
        self.original = pixmap
        self._fit()

    def sizeHint(self) -> QSize:
        return self.original.size() if not self.original.isNull() else super().sizeHint()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self.original.isNull():
            return
        room = self.original.size().boundedTo(self.size())
        # Smooth: the cells' numbers stay legible when shrunk.
        self.setPixmap(self.original.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation))

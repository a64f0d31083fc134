"""A line of text for the status bar that does not lay the window out again on every edit."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class StatusText(QWidget):
    """Plain text whose width in the layout only grows.

    A ``QLabel`` tells its layout that its size may have changed whenever its text does, and the
    status bar then lays the whole main window out again: every edit changes the totals (0.4 ms
    a time on the grouped 10,000-layer design). This widget asks for more room only when a text
    is wider than any before; a shorter one is drawn right-aligned in the room it has (next to
    the widgets after it, as a label sized to it would be). On a screen too small for it the text
    is cut with "…" rather than widen the window.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._width = 0  # the widest text shown so far: the size hint's width (as a QLabel's)
        self.layouts = 0  # times it asked its layout for more room (tests)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # (QLabel's name: the window and tests use it)
        if text == self._text:
            return
        self._text = text
        self.setAccessibleName(text)
        self._fit()
        self.update()

    def _fit(self) -> None:
        needed = math.ceil(QFontMetricsF(self.font()).horizontalAdvance(self._text))
        if needed > self._width:
            self._width = needed
            self.layouts += 1
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(self._width, self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(1, self.fontMetrics().height())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._width = 0  # measured again in the new font
            self._fit()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        room = self.rect()
        metrics = QFontMetricsF(self.font())
        shown = metrics.elidedText(self._text, Qt.TextElideMode.ElideRight, room.width())
        painter.drawText(room, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, shown)

"""Coalesced, visibility-aware refreshes for the views that follow the canvas.

An edit repaints the canvas first; secondary views (charts, the 3D volumes) refresh on the
next turn of the event loop, once however many edits arrived, and not at all while hidden:
a hidden view refreshes when it is shown again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class DeferredRefresh(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], object]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        self._stale = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush)
        widget.installEventFilter(self)

    @property
    def pending(self) -> bool:
        return self._stale or self._timer.isActive()

    def request(self, *_args: object) -> None:
        """Ask for a refresh: soon if the widget is visible, else when it is shown."""
        self._stale = True
        if self._widget.isVisible():
            self._timer.start()

    def flush(self) -> None:
        """Refresh now if a refresh is owed."""
        self._timer.stop()
        if self._stale:
            self._stale = False
            self._callback()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # (While a closed window is torn down, Python's cycle collection may have emptied this
        # wrapper before Qt deletes the object and its filter: then there is nothing to do.)
        widget = getattr(self, "_widget", None)
        if watched is widget and event.type() == QEvent.Type.Show and self._stale:
            self._timer.start()
        return False

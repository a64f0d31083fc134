"""Coalesced, visibility-aware refreshes for the views that follow the canvas.

An edit repaints the canvas first; secondary views (charts, the 3D volumes) refresh on the
next turn of the event loop, once however many edits arrived, and not at all while hidden:
a hidden view refreshes when it is shown again.

A view that follows the selection asks with ``request_soon`` instead: its refresh is a
posted event, which Qt delivers before the (low-priority) update request that paints the
window, so the view is drawn anew in the same pass of the event loop as the canvas and the
other panels, once however many times the selection changed in that pass. A 0 ms timer
runs after that paint, and its own repaint is a second pass: under X another flush of the
window, whose next paint waits until the X server has taken the previous one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QDockWidget, QWidget

_SOON = QEvent.Type(QEvent.registerEventType())


class DeferredRefresh(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], object]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        self._stale = False
        self._posted = False  # a ``request_soon`` event on its way
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush)
        widget.installEventFilter(self)

    @property
    def pending(self) -> bool:
        return self._stale or self._timer.isActive() or self._posted

    def request(self, *_args: object) -> None:
        """Ask for a refresh: soon if the widget is visible, else when it is shown."""
        self._stale = True
        if self._widget.isVisible():
            self._timer.start()

    def request_soon(self) -> None:
        """Ask for a refresh before the window is next painted (if the widget is visible, else
        when it is shown): in the same pass of the event loop, once however often asked."""
        self._stale = True
        if self._widget.isVisible() and not self._posted:
            self._posted = True
            QCoreApplication.postEvent(self, QEvent(_SOON))

    def flush_soon(self) -> None:
        """Refresh now if ``request_soon`` asked for it and its event has not come yet (what
        ``request`` asked for waits for its timer: an edit's refresh after the canvas)."""
        if self._posted:
            self._posted = False  # (its event, when it comes, finds nothing owed)
            self.flush()

    def cancel(self) -> None:
        """What was asked for is done another way: nothing is owed."""
        self._stale = False
        self._timer.stop()

    def flush(self) -> None:
        """Refresh now if a refresh is owed."""
        self._timer.stop()
        if self._stale:
            self._stale = False
            self._callback()

    def event(self, event: QEvent) -> bool:
        if event.type() == _SOON:
            self._posted = False
            self.flush()
            return True
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # (While a closed window is torn down, Python's cycle collection may have emptied this
        # wrapper before Qt deletes the object and its filter: then there is nothing to do.)
        widget = getattr(self, "_widget", None)
        if watched is widget and event.type() == QEvent.Type.Show and self._stale:
            self._timer.start()
        return False


def unseen(widget: QWidget) -> bool:
    """Whether ``widget``, in a window on screen, cannot be seen: hidden, or in a dock behind
    another tab of its dock area (tabbed docks lie one on top of another, and those behind
    stay "visible": only their dock's visible region is empty)."""
    window = widget.window()
    if window is widget or not window.isVisible():
        return False
    if not widget.isVisible():
        return True
    host = widget.parentWidget()
    while host is not None and not isinstance(host, QDockWidget):
        host = host.parentWidget()
    return host is not None and host.visibleRegion().isEmpty()

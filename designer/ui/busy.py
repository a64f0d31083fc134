"""A busy cursor (and a word in the status bar) while a long design is changed in one go.

On a design of thousands of layers some edits take a few hundred milliseconds on the GUI thread
(opening, tidying up, deleting or pasting many layers, changing the semantics, undoing those):
the cursor says so instead of the window looking frozen. Small designs show nothing (the edit is
over before the cursor could change)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QStatusBar, QWidget

#: From this many layers on, a whole-design edit shows the busy cursor: at 1,000–2,000 layers
#: some take a quarter of a second to a second (the undo of deleting half the design, Expand
#: All, File ▸ Export), and below 500 hardly any reaches 100 ms.
LONG_DESIGN = 500


@contextmanager
def busy(layers: int, text: str = "", status: QStatusBar | None = None) -> Iterator[None]:
    """A busy cursor (and ``text`` in ``status``) while the block runs, on a long design."""
    if layers < LONG_DESIGN:
        yield
        return
    if status is not None and text:
        status.showMessage(text)
        status.repaint()  # shown now: the event loop is about to stop for the edit
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()
        if status is not None and text and status.currentMessage() == text:
            status.clearMessage()


def busy_while(
    layers: Callable[[], int], text: str, run: Callable[[], Any], status: QStatusBar | None = None
) -> Callable[..., None]:
    """``run`` (an action's slot) with ``busy`` around it."""

    def slot(*_args: object) -> None:
        with busy(layers(), text, status):
            run()

    return slot


def window_status(widget: QWidget) -> QStatusBar | None:
    """The status bar of the main window ``widget`` shows in: its own window's, or (a dialog,
    a floating dock) that of the window it belongs to; None if there is none."""
    top: QWidget | None = widget.window()
    for _ in range(2):
        if top is None:
            break
        status = top.findChild(QStatusBar)
        if isinstance(status, QStatusBar):
            return status
        parent = top.parentWidget()
        top = parent.window() if parent is not None else None
    return None

"""The Undo History dock: Qt's list of the undo stack, whose clicks jump many steps as one.

A click (or arrow key) on an entry far back undoes every step in between, one after another;
each step told every view of the design (the table, charts, problems, 3D view) on its own. Here
the jump runs inside ``Document.batched``: the views follow once, at its end, and a long design
shows the busy cursor meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QHideEvent, QKeyEvent, QMouseEvent, QShowEvent
from PySide6.QtWidgets import QUndoView, QWidget

from designer.ui.busy import busy, window_status
from designer.ui.document import Document


class UndoHistoryView(QUndoView):
    """Follows the undo stack only while shown: Qt's list lays every entry out again at each
    step pushed (each entry measured through its command's text unless all are one line high),
    which made every edit slower the longer the session (4 ms more per edit after 2,000 steps),
    in a dock that usually sits behind another tab. Shown again, it lists the whole history."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setEmptyLabel("Opened design")
        self.setUniformItemSizes(True)  # (every entry is one line of text)

    def showEvent(self, event: QShowEvent) -> None:
        if self.stack() is not self.document.undo_stack:
            self.setStack(self.document.undo_stack)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not event.spontaneous():  # (a minimised window keeps its views as they are)
            self.setStack(None)  # type: ignore[arg-type]

    @contextmanager
    def _jump(self) -> Iterator[None]:
        """What a jump through the history runs inside (entered by the event handlers)."""
        with (
            busy(len(self.document.design), "Undoing…", window_status(self)),
            self.document.batched(),
        ):
            yield

    def _moves(self, event: QMouseEvent) -> bool:
        """Whether the entry under the pointer is another step than the current one."""
        row = self.indexAt(event.position().toPoint()).row()
        return row >= 0 and row != self.document.undo_stack.index()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self._moves(event):
            super().mousePressEvent(event)
            return
        with self._jump():
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not event.buttons() or not self._moves(event):
            super().mouseMoveEvent(event)
            return
        with self._jump():  # (a drag along the list moves through the history too)
            super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        with self._jump():
            super().keyPressEvent(event)

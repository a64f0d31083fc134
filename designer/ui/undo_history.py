"""The Undo History dock: Qt's list of the undo stack, whose clicks jump many steps as one.

A click (or arrow key) on an entry far back undoes every step in between, one after another;
each step told every view of the design (the table, charts, problems, 3D view) on its own. Here
the jump runs inside ``Document.batched``: the views follow once, at its end, and a long design
shows the busy cursor meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QUndoView, QWidget

from designer.ui.busy import busy, window_status
from designer.ui.document import Document


class UndoHistoryView(QUndoView):
    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(document.undo_stack, parent)
        self.document = document
        self.setEmptyLabel("Opened design")

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

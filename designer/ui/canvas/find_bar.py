"""Ctrl+F on the canvas: find a layer or a group by id, label or type, and go to it.

Going to a layer inside a collapsed block expands the block; going to a group shows it as
one card. Enter goes to the next match, Shift+Enter to the previous one, Escape closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QToolButton,
    QWidget,
)

from designer.core.groups import GroupIndex, find_targets

if TYPE_CHECKING:
    from designer.ui.canvas.view import CanvasView


class FindField(QLineEdit):
    def __init__(self, bar: FindBar) -> None:
        super().__init__(bar)
        self.bar = bar

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            popup = self.completer().popup() if self.completer() else None
            if popup is not None and popup.isVisible():
                popup.hide()
            self.bar.go(-1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            self.bar.close_bar()
            event.accept()
            return
        super().keyPressEvent(event)


class FindBar(QWidget):
    """A small bar over the canvas's top-right corner."""

    def __init__(self, view: CanvasView) -> None:
        super().__init__(view)
        self.view = view
        self.setObjectName("find_bar")
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        self.field = FindField(self)
        self.field.setObjectName("find_field")
        self.field.setPlaceholderText("Find a layer or block: id, label or type")
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumWidth(260)
        self.model = QStringListModel(self)
        completer = QCompleter(self.model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(lambda _text: self.go(0))
        popup = completer.popup()
        if isinstance(popup, QListView):
            # Every row the same height: the list lays out its thousands of matches at once
            # instead of measuring each (the first key typed on a 10,000-layer design took a
            # quarter of a second).
            popup.setUniformItemSizes(True)
        self.field.setCompleter(completer)
        self.field.textEdited.connect(self._on_edited)
        self.status = QLabel("", self)
        self.status.setObjectName("find_status")
        self.status.setMinimumWidth(
            self.status.fontMetrics().horizontalAdvance("no match  999 of 999")
        )
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Close (Escape)")
        close.clicked.connect(self.close_bar)
        layout.addWidget(self.field)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.matches: list[tuple[str, str]] = []
        self.position = -1
        self.hide()

    def open_bar(self) -> None:
        design = self.view.design_scene.document.design
        index = GroupIndex(design)
        self.model.setStringList([*design.ids, *index.members])
        self.adjustSize()
        self.move(max(0, self.view.viewport().width() - self.width() - 12), 8)
        self.show()
        self.raise_()
        self.field.setFocus()
        self.field.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.view.setFocus()

    def _on_edited(self, _text: str) -> None:
        self.matches = []
        self.position = -1
        self.status.setText("")

    def go(self, step: int) -> tuple[str, str] | None:
        """Go to the next (``step`` 1), previous (-1) or first (0) match; return it."""
        text = self.field.text().strip()
        scene = self.view.design_scene
        if not self.matches or step == 0:
            self.matches = find_targets(
                scene.document.design, GroupIndex(scene.document.design), text
            )
            self.position = -1
            step = 1
        if not self.matches:
            self.status.setText("no match")
            return None
        self.position = (self.position + step) % len(self.matches)
        kind, target = self.matches[self.position]
        self.status.setText(f"{self.position + 1} of {len(self.matches)}")
        self.view.go_to(kind, target)
        return kind, target

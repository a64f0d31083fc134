"""Mouse gestures on the canvas, each a small object with start / move / finish.

The scene routes mouse events to the active gesture; a gesture reports what the
user meant (a connection, a move) and the scene turns that into one document edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPen, QTransform
from PySide6.QtWidgets import QGraphicsPathItem

from designer.core.design import Point
from designer.ui import theme
from designer.ui.canvas.items import LayerCard, Port, connection_path

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsScene


class NewLinkGesture:
    """Drag from an output port; release over an input port (or a card) to connect."""

    def __init__(self, scene: QGraphicsScene, source: LayerCard, direction: str) -> None:
        self.scene = scene
        self.source = source
        self.direction = direction
        self.target: LayerCard | None = None
        self.preview = QGraphicsPathItem()
        pen = QPen(theme.SELECTION, 2.0)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.preview.setPen(pen)
        self.preview.setZValue(5)
        scene.addItem(self.preview)
        self.move(source.out_anchor())

    def _target_at(self, pos: QPointF) -> LayerCard | None:
        for item in self.scene.items(
            pos,
            Qt.ItemSelectionMode.IntersectsItemShape,
            Qt.SortOrder.DescendingOrder,
            QTransform(),
        ):
            card = item.card if isinstance(item, Port) else item
            if isinstance(card, LayerCard) and card is not self.source and card.in_port is not None:
                return card
        return None

    def move(self, pos: QPointF) -> None:
        target = self._target_at(pos)
        if target is not self.target:
            if self.target is not None and self.target.in_port is not None:
                self.target.in_port.set_highlighted(False)
            self.target = target
            if target is not None and target.in_port is not None:
                target.in_port.set_highlighted(True)
        end = target.in_anchor() if target is not None else pos
        self.preview.setPath(connection_path(self.source.out_anchor(), end, self.direction))

    def finish(self, pos: QPointF) -> tuple[str, str] | None:
        """Remove the preview; return ``(source, target)`` if released over a target."""
        self.move(pos)
        target = self.target
        self.cancel()
        if target is None:
            return None
        return (self.source.layer_id, target.layer_id)

    def cancel(self) -> None:
        if self.target is not None and self.target.in_port is not None:
            self.target.in_port.set_highlighted(False)
        self.target = None
        if self.preview.scene() is not None:
            self.scene.removeItem(self.preview)


class MoveGesture:
    """Remembers where the selected cards were on press; on release, what moved (one undo step)."""

    def __init__(self, cards: list[LayerCard]) -> None:
        self.start = {card.layer_id: (card.pos().x(), card.pos().y()) for card in cards}
        self.cards = cards

    def finish(self) -> dict[str, Point]:
        moves: dict[str, Point] = {}
        for card in self.cards:
            pos = (round(card.pos().x(), 1), round(card.pos().y(), 1))
            old = self.start[card.layer_id]
            if abs(pos[0] - old[0]) > 0.05 or abs(pos[1] - old[1]) > 0.05:
                moves[card.layer_id] = pos
        return moves

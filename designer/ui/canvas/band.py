"""A rubber band's selection, worked out move by move (issue 15, ninth pass).

Qt's own rubber band (``QGraphicsScene.setSelectionArea``) looks at every item under the whole
band at each move of the mouse: for each, two Python ``boundingRect`` calls and a ``shape``,
and a path intersection in C++; then it selects them one by one and the scene's listeners read
the whole selection again. A band over a quarter of a 10,000-layer canvas (2,600 cards, 2,500
edges) took 60–130 ms a move.

Between two moves only the items under the part of the canvas the band gained or lost can
change: the band is anchored where the button went down, and an item that meets neither of
those parts meets the new band exactly where it met the old one. ``BandSelection`` looks at
those items alone and decides each as Qt does: a card or edge wholly inside the band is
selected, one wholly outside is not, and one across its border is tested with Qt's own
``collidesWithPath`` (the item's outline against the band). Only the items whose state
changes are selected or deselected, and the scene's ``selectionChanged`` is emitted once with
the change attached (``BandChange``), so its listeners (the cards' stacking order, the overview's
outlines) follow the change without reading the whole selection.

With Ctrl held the band adds to the selection and never takes away (as Qt's band does: an
item swept and left stays selected); without, the selection is what the band covers. After
anything else changed the selection or the items (an edit, a design opened) the next move
looks at every item under the band, as Qt would.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from designer.core.layout import CARD_HEIGHT, CARD_WIDTH
from designer.ui.canvas.items import EdgeItem, LayerCard

Box = tuple[float, float, float, float]  # left, top, right, bottom in scene coordinates

_BOUNDING = Qt.ItemSelectionMode.IntersectsItemBoundingRect
_SHAPE = Qt.ItemSelectionMode.IntersectsItemShape
_ORDER = Qt.SortOrder.AscendingOrder
#: How far (scene units) past the part of the canvas a move changed its items are looked at:
#: an item touching the border of that part is decided again, never assumed unchanged.
SLACK = 2.0
#: How far an edge's outline (``EdgeItem.shape``: a stroke 12 wide) reaches past its line.
EDGE_REACH = 12.0


@dataclass
class BandChange:
    """What one move of a band changed: the items it selected and deselected, and the boxes
    (scene coordinates) round them where the canvas shows the change."""

    added: list[QGraphicsItem] = field(default_factory=list)
    removed: list[QGraphicsItem] = field(default_factory=list)
    areas: list[QRectF] = field(default_factory=list)
    #: Every item under the band was looked at (its first move, or the first after another
    #: change): listeners read the whole selection, as after any change.
    full: bool = False


def rect_minus(a: Box, b: Box) -> list[Box]:
    """The parts of ``a`` outside ``b``: up to four boxes."""
    al, at, ar, ab = a
    bl, bt, br, bb = b
    if br <= al or bl >= ar or bb <= at or bt >= ab:
        return [a]
    out: list[Box] = []
    if bt > at:
        out.append((al, at, ar, bt))
    if bb < ab:
        out.append((al, bb, ar, ab))
    top, bottom = max(at, bt), min(ab, bb)
    if bl > al:
        out.append((al, top, bl, bottom))
    if br < ar:
        out.append((br, top, ar, bottom))
    return out


def collides(item: QGraphicsItem, area: QPainterPath) -> bool:
    """Qt's own test of an item against a band (``QGraphicsScene.items`` with
    ``IntersectsItemShape``): its bounding rectangle meets the band, and so does its shape."""
    if not area.intersects(item.sceneBoundingRect()):
        return False
    return bool(item.collidesWithPath(item.mapFromScene(area), _SHAPE))


def extent(item: QGraphicsItem) -> Box | None:
    """Where the item is drawn (scene coordinates): a card's box from its place, an edge's
    from its path (it stands at the origin: its bounding rectangle), any other item's from
    Qt; None for nowhere."""
    if isinstance(item, LayerCard):
        left, top, width, height = LayerCard.BOUNDS
        x, y = item.x() + left, item.y() + top
        return (x, y, x + width, y + height)
    if isinstance(item, EdgeItem):
        line = item.line_box()
        if line is None:
            return None
        return (line[0] - 40.0, line[1] - 14.0, line[2] + 40.0, line[3] + 14.0)
    r = item.sceneBoundingRect()
    return (r.left(), r.top(), r.right(), r.bottom()) if r.isValid() else None


def _united(boxes: list[Box]) -> QRectF | None:
    if not boxes:
        return None
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    return QRectF(left, top, max(b[2] for b in boxes) - left, max(b[3] for b in boxes) - top)


def hit(item: QGraphicsItem, area: QPainterPath, box: Box) -> bool:
    """Whether the band (``area``, the rectangle ``box``) selects ``item``: decided from the
    item's place when it is wholly inside or outside, else by Qt's test."""
    left, top, right, bottom = box
    if isinstance(item, LayerCard):
        x, y = item.x(), item.y()
        if left < x and x + CARD_WIDTH < right and top < y and y + CARD_HEIGHT < bottom:
            return True
        if (
            x > right + 1
            or x + CARD_WIDTH < left - 1
            or y > bottom + 1
            or y + CARD_HEIGHT < top - 1
        ):
            return False
    elif isinstance(item, EdgeItem):
        line = item.line_box()
        if line is not None:
            x0, y0, x1, y1 = line
            if left < x0 and x1 < right and top < y0 and y1 < bottom:
                return True
            reach = EDGE_REACH
            if x0 - reach > right or x1 + reach < left or y0 - reach > bottom or y1 + reach < top:
                return False
    return collides(item, area)


class BandSelection:
    """One rubber band's selection on a scene (``DesignScene.band_select`` at each move)."""

    def __init__(self, scene: QGraphicsScene) -> None:
        # (Weakly: the scene holds the band while it is swept; no cycle left if a window
        # closes in the middle of one.)
        self._scene = weakref.ref(scene)
        self.box: Box | None = None  # the band at the last move (None: none yet)
        self.seen: tuple[object, ...] | None = None  # what the scene was then (``state``)
        self.looked_at = 0  # items decided at the last move (tests and benchmarks)

    def select(self, area: QPainterPath, add: bool, state: tuple[object, ...]) -> BandChange:
        """Select what the band ``area`` (a rectangle in scene coordinates) selects, as Qt's
        ``setSelectionArea(area, AddToSelection if add else ReplaceSelection,
        IntersectsItemShape)`` would. ``state`` names what the scene's items and selection
        are (it changes with any change not made here); the change made is returned. The
        caller blocks the scene's signals around this and tells the change."""
        r = area.boundingRect()
        box: Box = (r.left(), r.top(), r.right(), r.bottom())
        old = self.box
        full = old is None or state != self.seen
        parts = [box] if full or old is None else rect_minus(box, old) + rect_minus(old, box)
        scene = self._scene()
        change = BandChange(full=full)
        if scene is None:
            return change
        added, removed, areas = change.added, change.removed, change.areas
        decided: set[QGraphicsItem] = set()
        left, top, right, bottom = box
        width, height = CARD_WIDTH, CARD_HEIGHT
        for part in parts:
            query = QRectF(
                part[0] - SLACK,
                part[1] - SLACK,
                part[2] - part[0] + 2 * SLACK,
                part[3] - part[1] + 2 * SLACK,
            )
            boxes: list[Box] = []
            xs: list[float] = []  # (the cards changed: their box from their places)
            ys: list[float] = []
            for item in scene.items(query, _BOUNDING, _ORDER):
                if item in decided:  # (an item across two parts)
                    continue
                decided.add(item)
                if isinstance(item, LayerCard):
                    # (``hit`` for a card, inline: most items a band meets are cards.)
                    x, y = item.x(), item.y()
                    if left < x and x + width < right and top < y and y + height < bottom:
                        covered = True
                    elif (
                        x > right + 1
                        or x + width < left - 1
                        or y > bottom + 1
                        or y + height < top - 1
                    ):
                        covered = False
                    else:
                        covered = collides(item, area)
                    if covered:
                        if item.isSelected():
                            continue
                        item.setSelected(True)
                        added.append(item)
                    elif add or not item.isSelected():
                        continue
                    else:
                        item.setSelected(False)
                        removed.append(item)
                    xs.append(x)
                    ys.append(y)
                    continue
                if hit(item, area, box):
                    if item.isSelected():
                        continue
                    item.setSelected(True)
                    # (Not selectable, and so not selected: a port, a frame, a block's edge.)
                    if not item.isSelected():
                        continue
                    added.append(item)
                elif add or not item.isSelected():
                    continue
                else:
                    item.setSelected(False)
                    removed.append(item)
                drawn = extent(item)
                if drawn is not None:
                    boxes.append(drawn)
            if xs:
                margin_x, margin_y, full_w, full_h = LayerCard.BOUNDS
                x0, y0 = min(xs) + margin_x, min(ys) + margin_y
                boxes.append((x0, y0, max(xs) + margin_x + full_w, max(ys) + margin_y + full_h))
            found = _united(boxes)
            if found is not None:
                areas.append(found)
        if full and not add:
            # Whatever else is selected is outside the band (Qt's Replace).
            boxes = []
            for item in scene.selectedItems():
                if item not in decided:
                    item.setSelected(False)
                    removed.append(item)
                    drawn = extent(item)
                    if drawn is not None:
                        boxes.append(drawn)
            found = _united(boxes)
            if found is not None:
                areas.append(found)
        self.looked_at = len(decided)
        self.box = box
        return change

    def note(self, state: tuple[object, ...]) -> None:
        """The scene is now ``state`` (after the change made here was told)."""
        self.seen = state

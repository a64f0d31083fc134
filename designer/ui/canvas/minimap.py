"""An overview of a large design in the canvas's corner: where you are, and a click to go elsewhere.

It is a second, non-interactive view of the same scene, fitted to all cards (they draw as
plain coloured blocks at that scale), with the canvas's visible area as a frame. Clicking
or dragging in it centres the canvas there. It shows only when the design does not fit
the canvas at the current zoom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsItem, QGraphicsView

from designer.core.layout import CARD_HEIGHT, CARD_WIDTH
from designer.ui import theme
from designer.ui.canvas.grouping import GROUP_COLOR

if TYPE_CHECKING:
    from designer.ui.canvas.view import CanvasView

MINIMAP_SIZE = (220, 140)  # the largest it gets
#: At most this share of the canvas's width and height: on a small window the overview must
#: not hide the cards it summarises (at 1280×720 a fixed 220×140 covered a third of the canvas).
MINIMAP_SHARE = 0.25
MINIMAP_MIN = (100, 60)  # smaller than this it is no help: hidden


def minimap_size(viewport_width: int, viewport_height: int) -> tuple[int, int] | None:
    """The overview's size on a canvas of this size, ``None`` when the canvas is too small."""
    w = min(MINIMAP_SIZE[0], int(viewport_width * MINIMAP_SHARE))
    h = min(MINIMAP_SIZE[1], int(viewport_height * MINIMAP_SHARE))
    if w < MINIMAP_MIN[0] or h < MINIMAP_MIN[1]:
        return None
    return w, h


def items_box(items: list[QGraphicsItem]) -> QRectF:
    """The union of these top-level items' bounding rectangles (and 40 around), for cards whose
    rectangle is the same for every card of a kind: from their positions, a class at a time
    (``sceneBoundingRect`` of 10,000 cards took tens of milliseconds)."""
    kinds: dict[type, list[QGraphicsItem]] = {}
    for item in items:
        kinds.setdefault(type(item), []).append(item)
    rect = QRectF()
    for same in kinds.values():
        xs = [item.x() for item in same]
        ys = [item.y() for item in same]
        own = same[0].boundingRect()
        rect = rect.united(
            QRectF(
                min(xs) + own.left(),
                min(ys) + own.top(),
                max(xs) - min(xs) + own.width(),
                max(ys) - min(ys) + own.height(),
            )
        )
    return rect.adjusted(-40, -40, 40, 40)


def _inside(card: QRectF, box: QRectF) -> bool:
    """Whether ``card`` lies inside ``box`` clear of its edges. (With a margin: a box's edges
    are sums of floats, and a card on the edge could read as a hair inside it: the box kept
    stayed round a card deleted from the design's edge.)"""
    return (
        card.left() > box.left() + EDGE_MARGIN
        and card.top() > box.top() + EDGE_MARGIN
        and card.right() < box.right() - EDGE_MARGIN
        and card.bottom() < box.bottom() - EDGE_MARGIN
    )


EDGE_MARGIN = 0.01  # scene units


def _followed(
    box: QRectF,
    changes: list[tuple[QRectF, bool]] | None,
    grown: list[tuple[QRectF, QRectF]],
) -> QRectF | None:
    """``items_box`` after these cards were added or removed (their boxes), from the box it
    was before; None when it must be worked out again.

    ``grown`` (kept by the caller, emptied when the box is worked out again) lists the cards
    added, each with the box before it: the card last added removed again (a drop undone)
    gives that box back. Any other card removed from the box's edge needs the walk."""
    if changes is None:
        return None
    for card, added in changes:
        # As ``items_box`` counts a card: its outline (``LayerCard.boundingRect``), 40 around.
        around = card.adjusted(-14 - 40, -14 - 40, 14 + 40, 14 + 40)
        if added:
            grown.append((around, box))
            if len(grown) > MAX_GROWN:
                del grown[0]
            box = box.united(around)
        elif grown and grown[-1][0] == around:
            box = grown.pop()[1]
        elif _inside(around, box):
            if not all(_inside(around, before) for _, before in grown):
                grown.clear()  # (it stood on the edge of a box before: that box is wrong now)
        else:
            return None
    return box


#: Cards added remembered with the box before each (``_followed``).
MAX_GROWN = 64


class Minimap(QGraphicsView):
    def __init__(self, canvas: CanvasView) -> None:
        super().__init__(canvas.design_scene, canvas)
        self.canvas = canvas
        # (version, box, whether any card is in it: a box round no card is not widened)
        self._content: tuple[tuple[int, int], QRectF, bool] | None = None
        self._grown: list[tuple[QRectF, QRectF]] = []  # see ``_followed``
        self.setObjectName("minimap")
        self.setInteractive(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.Box)
        self.apply_theme()
        theme.notifier().changed.connect(self.apply_theme)
        self.setRenderHints(QPainter.RenderHint.Antialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the canvas there")
        self.resize(*MINIMAP_SIZE)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self.sync)
        canvas.horizontalScrollBar().valueChanged.connect(self.schedule)
        canvas.verticalScrollBar().valueChanged.connect(self.schedule)
        canvas.zoom_changed.connect(self.schedule)
        # Not the scene's ``changed`` signal: connected, it puts every view of the scene in Qt's
        # compatibility mode (a Python ``boundingRect`` call and a rectangle handed to Python per
        # item changed). The overview tells what changes in what it draws.
        canvas.design_scene.overview.watch(self, self.schedule)

    def apply_theme(self, *_args: object) -> None:
        """The canvas's own background and border colours, light or dark."""
        self.setStyleSheet(
            f"QGraphicsView#minimap {{ border: 1px solid {theme.CARD_BORDER.name()}; "
            f"background: {theme.CANVAS_BG.name()}; }}"
        )

    def schedule(self, *_args: object) -> None:
        self._timer.start()

    def content_rect(self) -> QRectF:
        """The box round the cards shown (kept until a card or block moves, appears, goes or
        is shown or hidden: a minimap sync after each edit walked 10,000 cards). A card added
        widens the box kept; a card removed leaves it as it is unless the card stood on its
        edge, and the card last added removed again (a drop undone: 17 ms at 10,000 layers)
        gives back the box before it."""
        scene = self.canvas.design_scene
        overview = scene.overview
        version = (id(scene), overview.content_version)
        kept = self._content
        if kept is not None and kept[0] != version and kept[0][0] == id(scene) and kept[2]:
            box = _followed(kept[1], overview.card_changes(kept[0][1]), self._grown)
            if box is not None:
                kept = self._content = (version, box, True)
        if kept is None or kept[0] != version:
            self._grown = []
            items = scene.grouping.visible_items()
            kept = self._content = (version, items_box(items), bool(items))
        return QRectF(kept[1])

    def visible_area(self) -> QRectF:
        return self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()

    def sync(self) -> None:
        """Show (fitted to every card) when the design is larger than the canvas shows; else hide."""
        self.canvas.design_scene.overview.seen()  # (a change from now on schedules it again)
        content = self.content_rect()
        area = self.visible_area()
        needed = content.isValid() and not area.contains(content.adjusted(30, 30, -30, -30))
        if not needed:
            self.hide()
            return
        viewport = self.canvas.viewport()
        size = minimap_size(viewport.width(), viewport.height())
        if size is None:
            self.hide()
            return
        if (self.width(), self.height()) != size:
            self.resize(*size)
        self.move(viewport.width() - self.width() - 10, viewport.height() - self.height() - 10)
        if not self._still_fits(content):
            self.setSceneRect(content)
            self.fitInView(content, Qt.AspectRatioMode.KeepAspectRatio)
        self.show()
        self.raise_()
        self.viewport().update()

    def _still_fits(self, content: QRectF) -> bool:
        """Whether the scale and place shown now still fit ``content``: all of it in view, at
        no less than 90 % of the scale a new fit would give. A layer dropped in the room the
        overview leaves beside the design (and its drop undone) then leaves the overview as
        it is: it does not jump, nor draw every block again at a new scale."""
        if content.isEmpty():
            return False
        view = self.viewport().rect()
        shown = self.mapToScene(view).boundingRect()
        ideal = min((view.width() - 4) / content.width(), (view.height() - 4) / content.height())
        scale = self.transform().m11()
        return shown.contains(content) and 0.9 * ideal <= scale <= ideal * 1.0001

    def paintEvent(self, event: QPaintEvent) -> None:
        """The design as blocks and lines from the canvas's cached overview paths: a minimap
        of 10,000 layers costs a few draw calls, not one Python ``paint`` per item."""
        painter = QPainter(self.viewport())
        painter.fillRect(self.viewport().rect(), theme.CANVAS_BG)
        painter.setTransform(self.viewportTransform())
        scene = self.canvas.design_scene
        scene.overview.paint(painter, always=True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(GROUP_COLOR)
        for card in scene.grouping.cards.values():
            if card.isVisible():
                painter.drawRect(QRectF(card.x(), card.y(), CARD_WIDTH, CARD_HEIGHT))
        self.drawForeground(painter, QRectF())
        painter.end()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        area = self.visible_area()
        painter.setPen(QPen(QColor("#2f7de1"), 2.0 / max(self.transform().m11(), 1e-3)))
        painter.setBrush(QColor(47, 125, 225, 40))
        painter.drawRect(area)

    def _go(self, event: QMouseEvent) -> None:
        point: QPointF = self.mapToScene(event.position().toPoint())
        self.canvas.centerOn(point)
        self.viewport().update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._go(event)
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._go(event)
            event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        return  # the overview does not zoom

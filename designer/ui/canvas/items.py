"""The graphics items of the canvas: layer cards, their ports, and edges.

Items only draw what the scene tells them (``LayerCard.refresh``); they never
read or change the design themselves. Texts are laid out when the data changes,
not in ``paint``, so repainting a large design stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, ClassVar, cast

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designer.core.layout import CARD_HEIGHT, CARD_WIDTH
from designer.core.routing import lane_route, line_break_height, path_hits
from designer.ui import theme

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

HEADER_HEIGHT = 26.0
PORT_RADIUS = 5.5
CORNER = 7.0
#: An edge shorter than this (between its anchors) has no room for its shape label.
LABEL_ROOM = 90.0
#: Below this zoom factor cards are drawn as plain coloured blocks (no text).
DETAIL_LOD = 0.38


@cache
def _fonts() -> tuple[QFont, QFont, QFont, QFont]:
    base = theme.ui_font()
    size = 9.0
    title = QFont(base)
    title.setPointSizeF(size + 0.5)
    title.setBold(True)
    small = QFont(base)
    small.setPointSizeF(size - 0.5)
    shape = QFont(base)
    shape.setPointSizeF(size + 4)
    shape.setBold(True)
    badge = QFont(base)
    badge.setPointSizeF(size - 1)
    badge.setBold(True)
    return title, small, shape, badge


def edge_label_font() -> QFont:
    return _fonts()[1]


@dataclass
class CardData:
    """What a card shows, computed by the scene from the design and its analysis."""

    layer_id: str
    type_id: str
    category: str
    params_text: str = ""
    shape_text: str = "?"
    status: str = "unknown"  # ok / warning / error / unknown
    errors: int = 0
    warnings: int = 0
    tooltip: str = ""
    output_texts: tuple[str, ...] = ()  # each output's shape, for a layer with several (Split)


#: A layer card's flags, combined once (an enum ``|`` in Python costs as much as the call).
CARD_FLAGS = (
    QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
    | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
    | QGraphicsItem.GraphicsItemFlag.ItemIsFocusable
)
#: ... and drawn by the overview, not by itself (``Overview.adopt``: a card or edge made zoomed out).
CARD_FLAGS_OVERVIEW = CARD_FLAGS | QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
EDGE_FLAGS = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
EDGE_FLAGS_OVERVIEW = EDGE_FLAGS | QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
_DEVICE_CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache


#: Items hidden together are moved under the holder only while (items moved) × (items left at
#: the top level) stays below this: Qt finds each in its list of top-level items one by one
#: (collapsing every block of an expanded 10,000-layer design would move 21,000 items out of
#: a list of 21,000, about 0.4 s). Hidden items left at the top level are only slower to skip.
STOW_WORK = 2_000_000


class HiddenItems(QGraphicsItem):
    """Holds the layer cards and edges the canvas hides (inside collapsed blocks), out of the
    scene's top level: in every event-loop pass that updated any item, Qt walks each top-level
    item (the 10,000 hidden cards and 11,000 hidden edges of a collapsed 10,000-layer design
    cost about 0.5 ms a pass), not the children of an item with nothing to update. Itself
    hidden and contentless, at the origin without a transform: its children keep their scene
    coordinates, and their own positions are scene positions, as at the top level.

    Items come back out in the order they went in (``stowed`` is that rank): Qt then finds
    each at the front of the holder's list of children (Expand All takes all 21,000 out).
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.setVisible(False)
        self.held = 0  # items under it now
        self.moves = 0  # items moved in or out so far (tests)
        self._rank = 0
        self._batch: dict[LayerCard | EdgeItem, bool] | None = None

    #: The holder whose ``batch`` is open (a refresh of the collapsed view shows and hides the
    #: items of its own scene only): ``stow`` records a request without asking the item for its
    #: scene (21,000 requests for Expand All).
    batching: HiddenItems | None = None

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        pass

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Items stowed or brought back inside this block move at its end, together (the last
        request for each counts): those coming back first, in the order they went in; those
        going in if few enough (``STOW_WORK``)."""
        if self._batch is not None:
            yield
            return
        self._batch = {}
        outer, HiddenItems.batching = HiddenItems.batching, self
        try:
            yield
        finally:
            HiddenItems.batching = outer
            wanted, self._batch = self._batch, None
            self._release([item for item, hide in wanted.items() if not hide and item.stowed])
            self._hold([item for item, hide in wanted.items() if hide and not item.stowed])

    def stow(self, item: LayerCard | EdgeItem, hidden: bool) -> None:
        """Move ``item`` under the holder (``hidden``) or back to the top level."""
        if self._batch is not None:
            self._batch[item] = hidden
        elif hidden != bool(item.stowed):
            (self._hold if hidden else self._release)([item])

    def take(self, item: LayerCard | EdgeItem) -> None:
        """Hold ``item`` (hidden) at once: it enters the scene with the holder if not in it."""
        item.setParentItem(self)
        self._rank += 1
        item.stowed = self._rank
        self.held += 1

    def forget(self, item: LayerCard | EdgeItem) -> None:
        """``item`` is leaving the scene (Qt takes it from the holder's children)."""
        if item.stowed:
            item.stowed = 0
            self.held -= 1

    def _hold(self, items: list[LayerCard | EdgeItem]) -> None:
        scene = self.scene()
        total = len(getattr(scene, "cards", ())) + len(getattr(scene, "edges", ()))
        if not items or len(items) * max(total - self.held, 1) > STOW_WORK:
            return
        for item in items:
            if item.scene() is scene:
                self.take(item)
                self.moves += 1
        _fit_index(scene)

    def _release(self, items: list[LayerCard | EdgeItem]) -> None:
        items.sort(key=lambda item: item.stowed)
        scene = self.scene()
        for item in items:
            # Back to the top level through the scene, not ``setParentItem(None)``: PySide
            # gives an item taken from its parent that way back to its Python wrapper while
            # the scene still holds it, and then the scene and the wrapper may each delete it
            # (a crash in a later garbage collection, once the scene was gone). Added to the
            # scene, the item is the scene's again.
            if scene is not None and item.scene() is scene:
                scene.removeItem(item)
                scene.addItem(item)
            else:
                item.setParentItem(None)  # type: ignore[arg-type]
            item.stowed = 0
        self.held -= len(items)
        self.moves += len(items)
        _fit_index(scene)


def _fit_index(scene: QGraphicsScene | None) -> None:
    """The scene's index follows how many items are at its top level (``DesignScene.fit_index``)."""
    fit = getattr(scene, "fit_index", None)
    if fit is not None:
        fit()


def stow(item: LayerCard | EdgeItem, hidden: bool) -> None:
    """A card or edge just hidden goes under its scene's ``HiddenItems`` (``hidden_items``);
    one about to be shown comes back to the top level. Call it after hiding and before
    showing: an item under the holder is hidden whatever its own visibility."""
    holder = HiddenItems.batching
    if holder is not None:
        holder._batch[item] = hidden  # type: ignore[index]
        return
    if not hidden and not item.stowed:
        return  # (nothing to bring back)
    holder = getattr(item.scene(), "hidden_items", None)
    if holder is not None:
        holder.stow(item, hidden)


class Port(QGraphicsItem):
    """A connection point: the input on the card's leading side, the output on the trailing one."""

    def __init__(self, card: LayerCard, kind: str) -> None:
        super().__init__(card)
        self.card = card
        self.kind = kind  # "in" or "out"
        self.hovered = False
        self.highlighted = False
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to an input port to connect" if kind == "out" else "Input")

    def boundingRect(self) -> QRectF:
        r = PORT_RADIUS + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        r = PORT_RADIUS + 4  # generous hit area
        path.addEllipse(QPointF(0, 0), r, r)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < DETAIL_LOD:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = theme.type_color(self.card.content.type_id)
        active = self.hovered or self.highlighted
        r = PORT_RADIUS + (1.5 if active else 0)
        painter.setPen(QPen(color.darker(140) if active else theme.CARD_BORDER.darker(115), 1.4))
        painter.setBrush(color if (active or self.kind == "out") else theme.CARD_BG)
        painter.drawEllipse(QPointF(0, 0), r, r)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered = False
        self.update()

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()


class LayerCard(QGraphicsItem):
    """One layer: id, type and key hyper-parameters, output volume, status badge."""

    # Each card's state starts as these class attributes and is set on the card when it changes
    # (fewer assignments per card: a 10,000-layer design makes 10,000 of them as it opens).
    drop_highlight = False
    _in_port: Port | None = None
    _out_port: Port | None = None
    _ports = False  # made (the input port is dropped again for an Input layer)
    stowed = 0  # > 0: under the scene's ``HiddenItems``, its rank there (``stow``)

    def __init__(
        self,
        data: CardData,
        direction: str = "LR",
        provider: Callable[[str], CardData] | None = None,
        stale: bool = False,
        ports: bool = True,
        contents: bool = True,
    ) -> None:
        """``stale``: ``data`` holds only the id and type; the texts are computed from
        ``provider`` when the card is first painted or read. ``ports=False``: its ports are made
        when the canvas first draws it up close or they are asked for (``set_shown``): a card
        hidden in a collapsed block or only ever seen zoomed out needs none (20,000 items fewer
        at 10,000 layers). ``contents=False``: made flagged as the overview flags the cards it
        draws (``Overview.adopt``), by a caller that tells the overview itself."""
        QGraphicsItem.__init__(self)
        self._data = data
        self.provider = provider  # recomputes the data of a stale card when it is next read
        self.edges: set[EdgeItem] = set()
        self.setFlags(CARD_FLAGS if contents else CARD_FLAGS_OVERVIEW)
        self.setAcceptHoverEvents(True)
        self.setCacheMode(_DEVICE_CACHE)
        self.setZValue(1)
        self.direction = direction
        if data.tooltip:  # (``_apply`` without its ports: there are none yet)
            self.setToolTip(data.tooltip)
        self._stale = stale
        if ports:
            self.make_ports()

    @property
    def in_port(self) -> Port | None:
        """The input port (None for an Input layer)."""
        self.make_ports()
        return self._in_port

    @property
    def out_port(self) -> Port:
        self.make_ports()
        assert self._out_port is not None
        return self._out_port

    def existing_ports(self) -> tuple[Port, ...]:
        """The ports made so far (none until the card was first shown or its ports asked for)."""
        return tuple(p for p in (self._in_port, self._out_port) if p is not None)

    def make_ports(self) -> None:
        if self._ports:
            return
        self._ports = True
        portless = getattr(self.scene(), "portless", None)
        if portless is not None:
            portless.discard(self)
        if self._data.type_id != "Input":
            self._in_port = Port(self, "in")
        self._out_port = Port(self, "out")
        self._place_ports()
        overview = getattr(self.scene(), "overview", None)
        if overview is not None and not overview.active:
            overview.detail(self)  # up close: asked for its ports, it paints itself
        if self.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents:
            for port in self.existing_ports():  # drawn by the overview: ports hidden
                port.setVisible(False)

    def set_shown(self, on: bool) -> None:
        """Show or hide the card. A card shown without ports gets them when the canvas first
        draws it up close (``DesignScene.prepare_up_close``) or they are asked for: zoomed out, ports
        are not drawn, and most cards of a long design are never seen up close."""
        if on and not self._ports:
            portless = getattr(self.scene(), "portless", None)
            if portless is None:
                self.make_ports()
            else:
                portless.add(self)
        if on:
            stow(self, False)
            self.setVisible(True)
        else:
            self.setVisible(False)
            stow(self, True)

    @property
    def layer_id(self) -> str:
        return self._data.layer_id

    @property
    def content(self) -> CardData:
        if self._stale and self.provider is not None:
            self._stale = False
            self._apply(self.provider(self._data.layer_id))
        return self._data

    @property
    def stale(self) -> bool:
        """Its texts are recomputed when it is next painted or read."""
        return self._stale

    def set_layer_id(self, layer_id: str) -> None:
        self._data.layer_id = layer_id

    def mark_stale(self) -> None:
        """The analysis changed: recompute the texts when the card is next painted or read."""
        self._stale = True
        self.update()
        for edge in self.edges:
            if edge.source is self:
                edge.update()

    # ----------------------------------------------------------------- state

    def set_direction(self, direction: str, route: bool = True) -> None:
        """Lay the card out for ``direction`` ("LR" or "TB"); ``route=False``: its edges are
        routed by the caller (``DesignScene.set_direction``: each edge once, not once per end)."""
        self.direction = direction
        self._place_ports()
        if route:
            for edge in self.edges:
                edge.update_path()

    def _place_ports(self) -> None:
        if self.direction == "TB":
            in_pos, out_pos = QPointF(CARD_WIDTH / 2, 0), QPointF(CARD_WIDTH / 2, CARD_HEIGHT)
        else:
            in_pos, out_pos = QPointF(0, CARD_HEIGHT / 2), QPointF(CARD_WIDTH, CARD_HEIGHT / 2)
        if self._in_port is not None:
            self._in_port.setPos(in_pos)
        if self._out_port is not None:
            self._out_port.setPos(out_pos)

    def refresh(self, data: CardData) -> None:
        self._stale = False
        self._apply(data)
        self.update()

    def _apply(self, data: CardData) -> None:
        self._data = data
        if data.type_id == "Input" and self._in_port is not None:
            port, self._in_port = self._in_port, None
            if port.scene() is not None:
                port.scene().removeItem(port)
            port.setParentItem(None)  # type: ignore[arg-type]
        self.setToolTip(data.tooltip)

    def set_drop_highlight(self, on: bool) -> None:
        if on != self.drop_highlight:
            self.drop_highlight = on
            self.update()

    # A card's position is its scene position (it stands at the top level or under the holder of
    # hidden items, at the origin without a transform, and has no transform of its own): the
    # anchors are worked out from it, as ``mapToScene(card_anchor(...))`` adds them (opening a
    # 10,000-layer design asks for 23,000 of them).
    def in_anchor(self) -> QPointF:
        if self.direction == "TB":
            return QPointF(self.x() + CARD_WIDTH / 2, self.y())
        return QPointF(self.x(), self.y() + CARD_HEIGHT / 2)

    def out_anchor(self) -> QPointF:
        if self.direction == "TB":
            return QPointF(self.x() + CARD_WIDTH / 2, self.y() + CARD_HEIGHT)
        return QPointF(self.x() + CARD_WIDTH, self.y() + CARD_HEIGHT / 2)

    def header_rect(self) -> QRectF:
        return QRectF(0, 0, CARD_WIDTH, HEADER_HEIGHT)

    # --------------------------------------------------------------- drawing

    #: Its bounding rectangle (left, top, width, height): room round it for its ports and outline.
    BOUNDS = (-14.0, -14.0, CARD_WIDTH + 28.0, CARD_HEIGHT + 28.0)

    def boundingRect(self) -> QRectF:
        return QRectF(*LayerCard.BOUNDS)

    def shape(self) -> QPainterPath:
        return card_shape()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        d = self.content
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)
        unknown = d.status == "unknown"
        accent = theme.UNKNOWN if unknown else theme.category_color(d.category)
        selected = self.isSelected()
        if d.status == "error":
            border, width = theme.ERROR, 2.6
        elif selected:
            border, width = theme.SELECTION, 2.6
        elif self.drop_highlight:
            border, width = theme.SELECTION, 2.2
        else:
            border, width = theme.CARD_BORDER, 1.0
        if lod < DETAIL_LOD:
            painter.setPen(
                QPen(border, max(width, 2.0) / max(lod, 0.05)) if width > 1 else Qt.PenStyle.NoPen
            )
            painter.setBrush(accent)
            painter.drawRect(rect)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        title_font, small_font, shape_font, badge_font = _fonts()

        if selected and d.status == "error":  # selection ring outside the red border
            painter.setPen(QPen(theme.SELECTION, 2.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), CORNER + 3, CORNER + 3)

        # Body and header band.
        paint_card_frame(
            painter, theme.CARD_UNKNOWN_BG if unknown else theme.CARD_BG, accent, border, width
        )

        # Header: id (left), type (right).
        pad = 10.0
        badge_space = 24.0 * ((d.errors > 0) + (d.warnings > 0))
        painter.setFont(small_font)
        fm_small = QFontMetricsF(small_font)
        type_w = fm_small.horizontalAdvance(d.type_id)
        painter.setFont(title_font)
        fm_title = QFontMetricsF(title_font)
        id_space = CARD_WIDTH - 2 * pad - type_w - 8 - badge_space
        if fm_title.horizontalAdvance(d.layer_id) > id_space:  # the id matters more than the type
            type_w, id_space = 0.0, CARD_WIDTH - 2 * pad - badge_space
        ink = theme.text_on(accent)
        painter.setPen(ink)
        painter.drawText(
            QRectF(pad, 0, id_space, HEADER_HEIGHT),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            fm_title.elidedText(
                d.layer_id, Qt.TextElideMode.ElideMiddle, id_space
            ),  # layer2.2…bn1, not layer2.2…
        )
        painter.setFont(small_font)
        painter.setPen(QColor(ink.red(), ink.green(), ink.blue(), 215))
        if type_w:
            painter.drawText(
                QRectF(CARD_WIDTH - pad - type_w - badge_space, 0, type_w, HEADER_HEIGHT),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                d.type_id,
            )

        # Key hyper-parameters.
        painter.setPen(theme.TEXT_MUTED)
        params_rect = QRectF(pad, HEADER_HEIGHT + 4, CARD_WIDTH - 2 * pad, 20)
        painter.drawText(
            params_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            fm_small.elidedText(d.params_text, Qt.TextElideMode.ElideRight, params_rect.width()),
        )

        # Output volume, as papers write it.
        painter.setFont(shape_font)
        painter.setPen(theme.UNKNOWN.darker(115) if unknown else theme.TEXT)
        shape_rect = QRectF(
            pad, HEADER_HEIGHT + 22, CARD_WIDTH - 2 * pad, CARD_HEIGHT - HEADER_HEIGHT - 26
        )
        fm_shape = QFontMetricsF(shape_font)
        painter.drawText(
            shape_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            fm_shape.elidedText(d.shape_text, Qt.TextElideMode.ElideMiddle, shape_rect.width()),
        )

        # Badges on the top-right corner: errors (red), warnings (amber).
        x = CARD_WIDTH - 2
        painter.setFont(badge_font)
        for count, color in ((d.errors, theme.ERROR), (d.warnings, theme.WARNING)):
            if count <= 0:
                continue
            center = QPointF(x, 0)
            painter.setPen(QPen(QColor("white"), 2))
            painter.setBrush(color)
            painter.drawEllipse(center, 10.5, 10.5)
            painter.setPen(QColor("white") if color == theme.ERROR else theme.TEXT)
            painter.drawText(
                QRectF(center.x() - 10, center.y() - 10, 20, 20),
                Qt.AlignmentFlag.AlignCenter,
                str(count) if count < 100 else "99+",
            )
            x -= 24

    # ------------------------------------------------------------- behaviour

    def move_to(self, x: float, y: float) -> None:
        """Place the card and bend its edges along (no ``itemChange`` override: PySide6
        mishandles the reference count of ``None`` values returned from it)."""
        self.setPos(x, y)
        _touch_overview(self)
        cover_card(self.scene(), x, y)
        self.update_edges()

    def place(self, x: float, y: float) -> None:
        """Place the card as part of a new layout: its edges are left for the caller to route
        once every card stands where it belongs (``DesignScene.reroute_edges``, with one grid
        of the cards), not routed at each card's move among cards still to be moved (expanding
        every block of a 10,000-layer design routed 11,000 edges one scene query at a time)."""
        self.setPos(x, y)
        _touch_overview(self)
        cover_card(self.scene(), x, y)
        for edge in self.edges:
            edge.unrouted = True

    def update_edges(self) -> None:
        for edge in self.edges:
            edge.update_path()


def cards_box(xs: list[float], ys: list[float]) -> tuple[float, float, float, float] | None:
    """The box (left, top, right, bottom) of cards at these top-left corners; None for none."""
    if not xs:
        return None
    return (min(xs), min(ys), max(xs) + CARD_WIDTH, max(ys) + CARD_HEIGHT)


def cover_card(scene: QGraphicsScene | None, x: float, y: float) -> None:
    """A card now stands at (x, y): the scene's rectangle must hold it (``DesignScene.cover``)."""
    cover = getattr(scene, "cover", None)
    if cover is not None:
        cover(x, y, x + CARD_WIDTH, y + CARD_HEIGHT)


def _touch_overview(item: LayerCard | EdgeItem) -> None:
    """A card moved or an edge changed its path: the zoomed-out drawing follows it."""
    overview = getattr(item.scene(), "overview", None)
    if overview is not None:
        overview.item_moved(item)


def unlink_items(cards: Iterable[LayerCard]) -> None:
    """Break the reference cycles of cards the scene has dropped (a card lists its edges, each
    edge names its two cards; a port names its card): they then go with their last reference,
    not in a pass of Python's cycle collector over the whole heap (about 150,000 objects in
    cycles for a 10,000-layer design, a third of a second's collection some time later)."""
    for card in cards:
        card.edges = set()
        card._in_port = card._out_port = None


class EdgeItem(QGraphicsPathItem):
    """A connection ``source → target``; its tooltip and label give the tensor shape it carries."""

    # Each edge's state starts as these class attributes and is set on the edge when it changes
    # (fewer assignments per edge: a 10,000-layer design makes 11,000 of them as it opens).
    outputs: tuple[int | None, ...] = ()  # which outputs of a Split the edge carries
    hovered = False
    drop_highlight = False
    laned = False  # drawn in a lane round the cards between its ends
    stowed = 0  # > 0: under the scene's ``HiddenItems``, its rank there (``stow``)
    _corridor: QRectF | None = None  # ``corridor()`` as of the path last set
    # The path last set, kept (Qt shares its data with the item's copy): ``path()`` makes a new
    # Python object per call, and the scene's index and the overview read it for every edge of
    # a design just opened (an empty path until one is set: never changed in place). Its
    # bounding rectangle, worked out when first asked.
    drawn = QPainterPath()
    _bounds: QRectF | None = None
    _outline: QPainterPath | None = None  # ``shape()`` for the path drawn, made when first asked
    # The path's own box (left, top, right, bottom), None for no path; False: not worked out yet.
    _line: tuple[float, float, float, float] | bool | None = False
    # ``route=False``: no path until ``set_shown`` (an edge hidden inside a collapsed block when
    # a design opens is never drawn until its block is opened).
    unrouted = True

    def __init__(
        self, source: LayerCard, target: LayerCard, route: bool = True, contents: bool = True
    ) -> None:
        """``contents=False``: made flagged as the overview flags the edges it draws
        (``Overview.adopt``), by a caller that tells the overview itself."""
        QGraphicsPathItem.__init__(self)
        self.source = source
        self.target = target
        self.setFlags(EDGE_FLAGS if contents else EDGE_FLAGS_OVERVIEW)
        self.setAcceptHoverEvents(True)  # (z value 0, Qt's default: under the cards)
        source.edges.add(self)
        target.edges.add(self)
        # Never given a path: an empty bounding rectangle, not one at the origin (11,000 edges
        # hidden in collapsed blocks all sat in the scene index's cell there, and every paint of
        # a view over the origin went through them); ``setPath`` gives it its own.
        self._parked = not route
        if route:
            self.update_path()
        # Its tooltip, the shape it carries, is written in when one is asked for
        # (DesignScene.helpEvent): 10,000 edges built without one.

    @property
    def key(self) -> tuple[str, str]:
        return (self.source.layer_id, self.target.layer_id)

    def detach(self) -> None:
        self.source.edges.discard(self)
        self.target.edges.discard(self)

    @property
    def label(self) -> str:
        texts = self.source.content.output_texts
        if texts and self.outputs:
            return " | ".join(
                f":{k} {texts[k]}" if k is not None and 0 <= k < len(texts) else f":{k} ?"
                for k in self.outputs
            )
        return self.source.content.shape_text

    @property
    def known(self) -> bool:
        return self.source.content.status != "unknown" and self.source.content.shape_text != "?"

    def tooltip_text(self) -> str:
        """The current shape (the scene sets it as the tooltip when one is asked for)."""
        return f"{self.source.layer_id} → {self.target.layer_id}: {self.label}"

    def set_drop_highlight(self, on: bool) -> None:
        if on != self.drop_highlight:
            self.drop_highlight = on
            self.update()

    #: While a scene routes many edges (``DesignScene.routing``): the edges given a path, which
    #: the overview is told of once at the end (``Overview.edges_routed``), not one by one.
    routed: ClassVar[list[EdgeItem] | None] = None

    def setPath(self, path: QPainterPath) -> None:
        if self._parked:
            self.prepareGeometryChange()  # (the index drops it from where it was, then)
            self._parked = False
        QGraphicsPathItem.setPath(self, path)
        self.drawn = path
        # Its cards moved or it was routed anew: worked out when asked.
        self._corridor = self._bounds = self._outline = None
        self._line = False
        routed = EdgeItem.routed
        if routed is None:
            _touch_overview(self)
        else:
            routed.append(self)

    def set_shown(self, on: bool, route: bool = True) -> None:
        """Show (routing it first if it has no path yet) or hide the edge. ``route=False``: the
        caller routes it next, with every other edge shown (``DesignScene.reroute_edges``)."""
        if on:
            stow(self, False)
            if route and self.unrouted:
                self.update_path()
            self.setVisible(True)
        else:
            self.setVisible(False)
            stow(self, True)

    def update_path(self) -> None:
        self.unrouted = False
        source = self.source
        a = source.out_anchor()
        b = self.target.in_anchor()
        direction = source.direction
        # (Asked only where each may apply: most edges of a long design are neither, and the
        # scene routes 11,000 of them when it opens one.)
        ax, bx = a.x(), b.x()
        lane = (
            self._skip_path(a, b) if direction != "TB" and bx - ax >= CARD_WIDTH else None
        )  # (setPath prepares the geometry change itself)
        self.laned = lane is not None
        if lane is None:
            ay, by = a.y(), b.y()
            gap = (
                self._wrap_gap(a, b)
                if direction != "TB"
                and by >= ay
                and bx < ax + 2 * WRAP_STUB
                and abs(by - ay) > WRAP_CLEARANCE
                else None
            )
            self.setPath(connection_path(a, b, direction, gap))
        else:
            self.setPath(lane)
        if lane is not None:  # a lane may run past every card; other paths stay near their ends
            cover = getattr(self.scene(), "cover_item", None)
            if cover is not None:
                cover(self)

    def _is_line_break(self, a: QPointF, b: QPointF) -> bool:
        return (
            self.source.direction != "TB"
            and b.x() < a.x() + 2 * WRAP_STUB
            and abs(b.y() - a.y()) > WRAP_CLEARANCE
        )

    def _wrap_gap(self, a: QPointF, b: QPointF) -> float | None:
        """The height of a line break into a later band: the gap between the bands
        (``line_break_height``), not the one just above the target's row."""
        if b.y() < a.y() or not self._is_line_break(a, b):
            return None
        scene = self.scene()
        if scene is None:
            return None
        left, right = b.x() - WRAP_STUB, a.x() + WRAP_STUB
        boxes = _cards_in_rect(scene, QRectF(left, a.y(), right - left, b.y() - a.y()), ())
        return line_break_height((a.x(), a.y()), (b.x(), b.y()), boxes, WRAP_CLEARANCE - 46.0)

    def _skip_path(self, a: QPointF, b: QPointF) -> QPainterPath | None:
        """A path in the nearest free lane when the S-curve would cut across other cards
        (a shortcut over its block, a branch that ends early), else ``None``."""
        scene = self.scene()
        if scene is None or self.source.direction == "TB" or b.x() - a.x() < CARD_WIDTH:
            return (
                None  # next to each other (most edges): the curve stays in the gap between columns
            )
        ends = (self.source, self.target)
        top, bottom = min(a.y(), b.y()) - CARD_HEIGHT, max(a.y(), b.y()) + CARD_HEIGHT
        # The cards over the whole height the edge might use (where a lane is looked for), and
        # among them those the S-curve's rectangle meets (one look-up, not two).
        span = QRectF(a.x(), top - 6 * CARD_HEIGHT, b.x() - a.x(), bottom - top + 12 * CARD_HEIGHT)
        boxes = _cards_in_rect(scene, span, ends)
        left, right = a.x(), b.x()
        near = [
            box
            for box in boxes
            if box[0] < right
            and box[0] + CARD_WIDTH > left
            and box[1] < bottom
            and box[1] + CARD_HEIGHT > top
        ]
        if not near:
            return None
        x0, y0 = a.x(), a.y()
        key = _lane_key(x0, y0, b.x(), b.y(), boxes)
        if key is None:  # off the quarter grid: worked out in place, not kept
            route = self._lane(a, b, near, boxes)
            if route is None:
                return None
            path = QPainterPath(a)
            _rounded_polyline(path, [QPointF(x, y) for x, y in route], 12.0)
            return path
        found = _LANES.get(key, _MISSING)
        if found is _MISSING:
            route = self._lane(a, b, near, boxes)
            found = None
            if route is not None:
                # Drawn from the edge's start, and moved there: an edge of the same geometry
                # elsewhere gets this path moved to its start, equal to the bit.
                found = QPainterPath(QPointF(0.0, 0.0))
                _rounded_polyline(found, [QPointF(x - x0, y - y0) for x, y in route], 12.0)
            if len(_LANES) >= _LANES_KEPT:
                _LANES.clear()
            _LANES[key] = found
        if found is None:
            return None
        return cast(QPainterPath, found).translated(x0, y0)

    @staticmethod
    def _lane(
        a: QPointF, b: QPointF, near: list[Box], boxes: list[Box]
    ) -> list[tuple[float, float]] | None:
        """The lane route of an S-curve from ``a`` to ``b`` that would cut one of ``near``."""
        if not path_hits(path_points(connection_path(a, b, "LR")), near):
            return None
        return lane_route(
            (a.x(), a.y()),
            (b.x(), b.y()),
            boxes,
            clearance=16.0,
            stub=min(WRAP_STUB, (b.x() - a.x()) / 2 - 1),
        )

    def shows_label(self) -> bool:
        """Is this the edge that writes its source's output shape? Every edge out of one card
        carries the same tensor, so one label says it: on the shortest edge with room for it
        (several labels stacked where edges leave a card hid each other)."""
        outgoing = [e for e in self.source.edges if e.source is self.source and e.isVisible()]
        if len(outgoing) <= 1:
            return True

        def rank(e: EdgeItem) -> tuple[bool, float, str]:
            a, b = e.source.out_anchor(), e.target.in_anchor()
            return (
                math.hypot(b.x() - a.x(), b.y() - a.y()) < LABEL_ROOM,
                e.path().length(),
                e.target.layer_id,
            )

        return min(outgoing, key=rank) is self

    def corridor(self) -> QRectF:
        """Where a card could block this edge's lane or free a nearer one: the path drawn now
        and the band a card high around the straight line between its ends (kept until the
        path is set again: a card moving moves its edges' paths)."""
        if self._corridor is None:
            a, b = self.source.out_anchor(), self.target.in_anchor()
            straight = QRectF(a, b).normalized().adjusted(0, -CARD_HEIGHT, 0, CARD_HEIGHT)
            self._corridor = self.drawn.boundingRect().united(straight)
        return self._corridor

    def may_need_lane(self) -> bool:
        """Could cards sit between its ends (or did they, when it was last routed)?"""
        a, b = self.source.out_anchor(), self.target.in_anchor()
        return self.laned or b.x() - a.x() >= CARD_WIDTH or self._is_line_break(a, b)

    def shape(self) -> QPainterPath:
        # Kept until the path changes: a rubber band asks every edge it crosses at each move
        # of the mouse (4,000 strokes a move on a 10,000-layer design).
        outline = self._outline
        if outline is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(12)
            outline = self._outline = stroker.createStroke(self.drawn)
        return outline

    def line_box(self) -> tuple[float, float, float, float] | None:
        """The box (left, top, right, bottom) of the path drawn, kept until the path changes;
        None when it has none (a rubber band decides most edges from it: ``band.hit``)."""
        line = self._line
        if line is False:
            path = self.drawn
            if path.isEmpty():
                line = None
            else:
                r = path.boundingRect()
                line = (r.left(), r.top(), r.right(), r.bottom())
            self._line = line
        return line  # type: ignore[return-value]

    def boundingRect(self) -> QRectF:
        if self._parked:
            return QRectF()
        bounds = self._bounds
        if bounds is None:  # (room for its arrow head and label)
            bounds = self._bounds = self.drawn.boundingRect().adjusted(-40, -14, 40, 14)
        return bounds

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod >= DETAIL_LOD)
        active = self.isSelected() or self.hovered or self.drop_highlight
        color = theme.SELECTION if active else (theme.EDGE if self.known else theme.UNKNOWN)
        pen = QPen(color, 2.6 if active else 1.6)
        if not self.known:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = self.drawn
        painter.drawPath(path)
        if lod < DETAIL_LOD:
            return
        # Arrow head at the target.
        end = path.pointAtPercent(1.0)
        before = path.pointAtPercent(0.96)
        angle = math.atan2(end.y() - before.y(), end.x() - before.x())
        size = 7.0
        tip = QPointF(
            end.x() - PORT_RADIUS * math.cos(angle), end.y() - PORT_RADIUS * math.sin(angle)
        )
        left = QPointF(
            tip.x() - size * math.cos(angle - 0.45), tip.y() - size * math.sin(angle - 0.45)
        )
        right = QPointF(
            tip.x() - size * math.cos(angle + 0.45), tip.y() - size * math.sin(angle + 0.45)
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([tip, left, right]))
        # The tensor shape, where the edge is long enough to hold it.
        if self.label and (active or (lod >= 0.55 and self.shows_label())):
            font = edge_label_font()
            fm = QFontMetricsF(font)
            w = fm.horizontalAdvance(self.label) + 8
            h = fm.height() + 2
            a, b = self.source.out_anchor(), self.target.in_anchor()
            if math.hypot(b.x() - a.x(), b.y() - a.y()) < w + 2 * PORT_RADIUS + 6 and not active:
                return
            mid = path.pointAtPercent(0.5)
            box = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
            painter.setBrush(QBrush(theme.CANVAS_BG))
            painter.setPen(QPen(color, 0.8) if active else Qt.PenStyle.NoPen)
            painter.drawRoundedRect(box, 3, 3)
            painter.setFont(font)
            painter.setPen(theme.SELECTION.darker(120) if active else theme.TEXT_MUTED)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.label)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered = True
        hovered = getattr(self.scene(), "hovered_edges", None)
        if hovered is not None:  # the zoomed-out canvas draws them without a walk of every edge
            hovered.add(self)
            self.scene().overview.marks_changed()  # type: ignore[attr-defined]
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered = False
        hovered = getattr(self.scene(), "hovered_edges", None)
        if hovered is not None:
            hovered.discard(self)
            self.scene().overview.marks_changed()  # type: ignore[attr-defined]
        self.update()


def card_anchor(direction: str, out: bool) -> QPointF:
    """Where edges leave (``out``) or enter a card, in its own coordinates: the middle of its
    right or left side (left to right), of its bottom or top (top to bottom)."""
    if direction == "TB":
        return QPointF(CARD_WIDTH / 2, CARD_HEIGHT if out else 0.0)
    return QPointF(CARD_WIDTH if out else 0.0, CARD_HEIGHT / 2)


@cache
def card_shape() -> QPainterPath:
    """A card's outline (what takes clicks): layer cards and block cards alike. One path for
    them all (Qt's hit tests ask a card for it at each move of a rubber band): not to be
    changed in place."""
    path = QPainterPath()
    path.addRoundedRect(QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT), CORNER, CORNER)
    return path


def paint_card_frame(
    painter: QPainter, body: QColor, band: QColor, border: QColor, width: float
) -> None:
    """A card's rounded body, its header band and its outline (layer and block cards)."""
    rect = QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(body)
    painter.drawPath(card_shape())
    header = QPainterPath()
    header.addRoundedRect(QRectF(0, 0, CARD_WIDTH, HEADER_HEIGHT + CORNER), CORNER, CORNER)
    clip = QPainterPath()
    clip.addRect(QRectF(0, 0, CARD_WIDTH, HEADER_HEIGHT))
    painter.setBrush(band)
    painter.drawPath(header.intersected(clip))
    painter.setPen(QPen(border, width))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect, CORNER, CORNER)


def connection_path(
    a: QPointF, b: QPointF, direction: str = "LR", gap: float | None = None
) -> QPainterPath:
    """A smooth S-curve from an output anchor to an input anchor.

    Left to right, an edge that runs backwards (into the next band of a wrapped layout)
    is routed like a line break instead: out to the right, along the gap above the
    target's band (at height ``gap`` when the caller knows it), and in from the left,
    so it never cuts across cards.
    """
    ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
    line_break = direction != "TB" and bx < ax + 2 * WRAP_STUB and abs(by - ay) > WRAP_CLEARANCE
    if not line_break:
        # An S-curve: the one of the same shape from the origin, moved to ``a`` (most edges of a
        # long design have one of a few shapes). On the quarter grid the move's additions are
        # exact, so the moved curve equals the one worked out in place, to the bit.
        if (ax * 4) % 1 or (ay * 4) % 1 or (bx * 4) % 1 or (by * 4) % 1:
            return _s_curve(a, b, direction)  # (a card dragged anywhere: worked out in place)
        key = (direction == "TB", bx - ax, by - ay)
        curve = _CURVES.get(key)
        if curve is None:
            if len(_CURVES) >= _CURVES_KEPT:
                _CURVES.clear()
            curve = _CURVES[key] = _s_curve(QPointF(0.0, 0.0), QPointF(key[1], key[2]), direction)
        return curve.translated(ax, ay)
    path = QPainterPath(a)
    if line_break:
        if gap is None:
            gap = b.y() - WRAP_CLEARANCE if b.y() > a.y() else b.y() + WRAP_CLEARANCE
        points = [
            a,
            QPointF(a.x() + WRAP_STUB, a.y()),
            QPointF(a.x() + WRAP_STUB, gap),
            QPointF(b.x() - WRAP_STUB, gap),
            QPointF(b.x() - WRAP_STUB, b.y()),
            b,
        ]
        _rounded_polyline(path, points, 12.0)
    return path


def _s_curve(a: QPointF, b: QPointF, direction: str) -> QPainterPath:
    path = QPainterPath(a)
    if direction == "TB":
        d = max(30.0, abs(b.y() - a.y()) * 0.5)
        path.cubicTo(QPointF(a.x(), a.y() + d), QPointF(b.x(), b.y() - d), b)
    else:
        d = max(30.0, abs(b.x() - a.x()) * 0.5)
        path.cubicTo(QPointF(a.x() + d, a.y()), QPointF(b.x() - d, b.y()), b)
    return path


# S-curves from the origin by their direction and end (``connection_path``).
_CURVES: dict[tuple[bool, float, float], QPainterPath] = {}
_CURVES_KEPT = 4096

WRAP_STUB = 22.0  # how far a line-break edge leaves and enters the cards horizontally
WRAP_CLEARANCE = 66.0  # from a card's port down/up to the gap between bands


def _rounded_polyline(path: QPainterPath, points: list[QPointF], radius: float) -> None:
    """Append ``points[1:]`` to ``path`` as straight runs with rounded corners."""
    for i in range(1, len(points) - 1):
        prev, corner, nxt = points[i - 1], points[i], points[i + 1]
        d_in = math.hypot(corner.x() - prev.x(), corner.y() - prev.y())
        d_out = math.hypot(nxt.x() - corner.x(), nxt.y() - corner.y())
        r = min(radius, d_in / 2, d_out / 2)
        if r <= 0.01:
            path.lineTo(corner)
            continue
        start = QPointF(
            corner.x() + (prev.x() - corner.x()) * r / d_in,
            corner.y() + (prev.y() - corner.y()) * r / d_in,
        )
        end = QPointF(
            corner.x() + (nxt.x() - corner.x()) * r / d_out,
            corner.y() + (nxt.y() - corner.y()) * r / d_out,
        )
        path.lineTo(start)
        path.quadTo(corner, end)
    path.lineTo(points[-1])


def path_points(path: QPainterPath) -> list[tuple[float, float]]:
    """``path`` flattened to the points of the straight pieces Qt draws it with."""
    points: list[tuple[float, float]] = []
    for poly in path.toSubpathPolygons():
        points.extend((poly.at(i).x(), poly.at(i).y()) for i in range(poly.size()))
    return points


def _is_card(item: QGraphicsItem) -> bool:
    """A layer card or a collapsed block's card (anything edges attach to, not a port or a frame)."""
    return isinstance(item, LayerCard) or (
        hasattr(item, "edges") and hasattr(item, "in_anchor") and not isinstance(item, EdgeItem)
    )


def _box(item: QGraphicsItem) -> tuple[float, float, float, float]:
    return (item.x(), item.y(), CARD_WIDTH, CARD_HEIGHT)


Box = tuple[float, float, float, float]

# Lane routes by their geometry relative to the edge's start: the shortcut of every identical
# residual block in a long design has the same cards around it, so it is worked out once (half
# the time of opening a 10,000-layer ResNet went to routing its 1,428 shortcuts one by one).
# Each is kept as its path drawn from the origin (None: no lane needed).
_LANES: dict[tuple[float, ...], QPainterPath | None] = {}
_LANES_KEPT = 20_000
_MISSING: object = object()


def _lane_key(
    x0: float, y0: float, x1: float, y1: float, boxes: list[Box]
) -> tuple[float, ...] | None:
    """The edge's geometry relative to its start, or None when a coordinate is not a multiple of
    a quarter (the lane's arithmetic, +, - and halving, is exact on those, so the route moved
    back equals the one worked out in place, to the bit; a card dragged to any position is not
    cached)."""
    if (x0 * 4) % 1 or (y0 * 4) % 1:
        return None
    key = [x1 - x0, y1 - y0]
    for bx, by, _w, _h in sorted(boxes):  # (every box is a card's size: its place says it)
        key += (bx - x0, by - y0)
    if not all([(v * 4).is_integer() for v in key]):
        return None  # (the start and the differences on the grid: every coordinate is)
    return tuple(key)


def _cards_in_rect(
    scene: QGraphicsScene, rect: QRectF, ends: tuple[object, ...]
) -> list[tuple[float, float, float, float]]:
    """The boxes of the visible cards in ``rect`` other than ``ends``: from the scene's grid of
    cards while it routes every edge after a layout (``card_grid``), else from its item index."""
    grid = getattr(scene, "card_grid", None)
    if grid is not None:
        left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
        names = {getattr(e, "layer_id", None) for e in ends}
        boxes = grid.boxes
        found = []
        for k in grid.near_rect(left, top, right, bottom):
            if k in names:
                continue
            box = boxes[k]
            x, y = box[0], box[1]
            if x < right and x + CARD_WIDTH > left and y < bottom and y + CARD_HEIGHT > top:
                found.append(box)
        return found
    # The same test as the grid's: the card's own box meets the rectangle (its bounding
    # rectangle, with room for its ports and outline, is larger).
    left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
    return [
        box
        for i in scene.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect)
        if _is_card(i)
        and i not in ends
        and i.isVisible()
        and (box := _box(i))[0] < right
        and box[0] + CARD_WIDTH > left
        and box[1] < bottom
        and box[1] + CARD_HEIGHT > top
    ]


def cards_in(items: Iterable[QGraphicsItem]) -> list[LayerCard]:
    """The cards among ``items`` (a port counts as its card), without duplicates."""
    out: dict[LayerCard, None] = {}  # (in order; a list's ``in`` made Select All quadratic)
    for item in items:
        card = item.card if isinstance(item, Port) else item
        if isinstance(card, LayerCard):
            out[card] = None
    return list(out)

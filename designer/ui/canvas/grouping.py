"""Collapsed groups on the canvas: one card per collapsed block, expand/collapse, reveal.

``CanvasGroups`` keeps which groups are collapsed (view state, like the zoom: not in the
file and not on the undo stack; grouping and ungrouping are document edits). With nothing
collapsed the canvas shows every card where the design puts it. With something collapsed
it shows ``designer.core.groups.visible_graph``: each collapsed group is one ``GroupCard``
(its input → output shape, parameters, MACs and "×N" for identical repeated blocks), the
cards inside it are hidden, and the visible cards are laid out automatically (the layered
layout of the collapsed graph), so a 176-layer ResNet-50 reads as a stem, blocks and a head.
Selecting a hidden layer (from the table, a problem, Find) expands the groups around it.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneMouseEvent,
    QStatusBar,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designer.core.groups import (
    GroupIndex,
    GroupSummary,
    Node,
    Run,
    VisibleGraph,
    auto_level,
    collapsed_for_level,
    consumers_of,
    repeat_runs,
    summarize,
    visible_graph,
)
from designer.core.layout import (
    CARD_HEIGHT,
    CARD_WIDTH,
    COLUMN_GAP,
    ROW_GAP,
    auto_layout,
    graph_layout,
    side_branches,
)
from designer.core.report import human_count
from designer.core.routing import BoxGrid
from designer.ui import theme
from designer.ui.busy import busy, window_status
from designer.ui.canvas.items import (
    CORNER,
    DETAIL_LOD,
    HEADER_HEIGHT,
    CardData,
    EdgeItem,
    LayerCard,
    card_anchor,
    card_shape,
    cards_box,
    cover_card,
    paint_card_frame,
)
from designer.ui.group_views import cache_for, renamed_index

if TYPE_CHECKING:
    from designer.ui.canvas.scene import DesignScene

CHEVRON_WIDTH = 22.0
GROUP_COLOR = QColor("#4a5a78")
#: Hidden block cards, proxy edges and frames kept for reuse, of each kind at most.
SPARES = 64
#: The event ``CanvasGroups`` posts itself to run deferred work before the next paint.
_DEFERRED = QEvent.Type(QEvent.registerEventType())


@cache
def group_fonts() -> tuple[QFont, QFont, QFont]:
    base = theme.ui_font()
    title = QFont(base)
    title.setPointSizeF(9.5)
    title.setBold(True)
    small = QFont(base)
    small.setPointSizeF(8.5)
    shape = QFont(base)
    shape.setPointSizeF(12.0)
    shape.setBold(True)
    return title, small, shape


#: A block card's fonts with their metrics, per base font (``_card_fonts``).
_CARD_FONTS: dict[str, tuple[tuple[QFont, QFontMetricsF], ...]] = {}
#: Texts elided to a width, per font and elision (``_elided``): a card drawn again after an
#: edit mostly shows texts it showed before.
_ELIDED: dict[tuple[str, str, Qt.TextElideMode, float], str] = {}
_ALIGN_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_ALIGN_RIGHT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
_WHITE = QColor("white")


def _card_fonts() -> tuple[tuple[QFont, QFontMetricsF], ...]:
    """``group_fonts`` with each font's metrics, made once per base font."""
    key = theme.ui_font().key()
    found = _CARD_FONTS.get(key)
    if found is None:
        found = _CARD_FONTS[key] = tuple((f, QFontMetricsF(f)) for f in group_fonts())
    return found


def _elided(
    metrics: QFontMetricsF, font: QFont, text: str, mode: Qt.TextElideMode, width: float
) -> str:
    key = (font.key(), text, mode, width)
    found = _ELIDED.get(key)
    if found is None:
        if len(_ELIDED) > 4096:
            _ELIDED.clear()
        found = _ELIDED[key] = metrics.elidedText(text, mode, width)
    return found


class GroupCard(QGraphicsItem):
    """A collapsed group (or a run of identical groups) drawn as one card.

    It offers what an ``EdgeItem`` reads from a card (``edges``, anchors, ``direction``,
    ``layer_id``, ``content``), so edges attach to it like to a layer card.
    """

    def __init__(
        self, node: Node, summary: GroupSummary, direction: str, controller: CanvasGroups
    ) -> None:
        super().__init__()
        self.controller = controller
        self.edges: set[EdgeItem] = set()
        self.direction = direction
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsFocusable
        )
        self.setAcceptHoverEvents(True)
        # Painted once per zoom into a pixmap, like a layer card: a repaint of the view (any
        # edit's) blits it; ``set_node`` (its totals changed) and selection redraw it.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.node = node
        self.summary = summary
        self.content = CardData(node.id, "Group", "group")
        self._face: tuple[object, ...] | None = None  # what its picture shows (see ``face``)
        self.redraws = 0  # times its picture was asked to be drawn again (tests)
        self.set_node(node, summary)

    @property
    def layer_id(self) -> str:  # what an edge calls its end
        return self.node.id

    @property
    def group_ids(self) -> tuple[str, ...]:
        return self.node.groups

    def set_node(self, node: Node, summary: GroupSummary) -> None:
        """Show ``node`` with ``summary``; the cached picture is drawn again only when what it
        shows changed (a new receptive field, for one, is in the tooltip only)."""
        if node is self.node and summary is self.summary and self._face is not None:
            return
        self.node = node
        self.summary = summary
        shape = summary.shapes_text.split(" → ")[-1]
        self.content = CardData(
            node.id, "Group", "group", "", shape, summary.status, summary.errors, summary.warnings
        )
        self.setToolTip(self.tooltip_text())
        face = self.face()
        if face != self._face:
            self._face = face
            self.redraws += 1
            self.update()

    def face(self) -> tuple[object, ...]:
        """Everything ``paint`` draws that comes from the node and its totals."""
        s, n = self.summary, self.node
        blocks = len(self.controller.index.children.get(n.groups[0], [])) if n.repeat == 1 else 0
        return (
            n.title,
            n.repeat,
            blocks,
            s.layers,
            s.shapes_text,
            s.output_shape is None,
            self.content.shape_text,
            s.params,
            s.macs,
            s.errors,
        )

    def tooltip_text(self) -> str:
        s = self.summary
        n = self.node
        index = self.controller.index
        names = ", ".join(n.groups) if n.repeat > 1 else n.groups[0]
        label = index.groups[n.groups[0]].label if n.groups[0] in index.groups else ""
        lines = [f"<b>{n.title}</b>" + (f" ×{n.repeat} identical blocks" if n.repeat > 1 else "")]
        if label and label != n.title:
            lines.append(label)
        lines.append(f"Groups: {names}")
        lines.append(f"{s.layers} layers · {s.shapes_text}")
        lines.append(f"{s.params:,} parameters · {s.macs:,} MACs")
        if s.receptive_field is not None:
            h, w = s.receptive_field.size_px
            lines.append(f"Receptive field at the output: {h}×{w}")
        if s.errors or s.warnings:
            lines.append(f"{s.errors} errors, {s.warnings} warnings inside")
        lines.append("<i>Double-click or click ▸ to expand</i>")
        return "<br>".join(lines)

    # -------------------------------------------------------- edge protocol

    def in_anchor(self) -> QPointF:
        return self.mapToScene(card_anchor(self.direction, out=False))

    def out_anchor(self) -> QPointF:
        return self.mapToScene(card_anchor(self.direction, out=True))

    def move_to(self, x: float, y: float) -> None:
        self.setPos(x, y)
        cover_card(self.scene(), x, y)
        for edge in self.edges:
            edge.update_path()

    def chevron_rect(self) -> QRectF:
        return QRectF(0, 0, CHEVRON_WIDTH, HEADER_HEIGHT)

    # -------------------------------------------------------------- drawing

    def boundingRect(self) -> QRectF:
        return QRectF(-8, -14, CARD_WIDTH + 22, CARD_HEIGHT + 28)

    def shape(self) -> QPainterPath:
        return card_shape()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        s = self.summary
        n = self.node
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)
        selected = self.isSelected()
        border = theme.ERROR if s.errors else (theme.SELECTION if selected else GROUP_COLOR)
        width = 2.6 if (s.errors or selected) else 1.4
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # A stack: one or two sheets behind the card say "several layers" (and "×N").
        sheets = 2 if n.repeat > 1 else 1
        for k in range(sheets, 0, -1):
            painter.setPen(QPen(GROUP_COLOR.lighter(150), 1.0))
            painter.setBrush(theme.CARD_BG)
            painter.drawRoundedRect(rect.translated(5 * k, -5 * k), CORNER, CORNER)
        if lod < DETAIL_LOD:
            painter.setPen(QPen(border, max(width, 2.0) / max(lod, 0.05)))
            painter.setBrush(GROUP_COLOR)
            painter.drawRect(rect)
            return
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        (title_font, fm_title), (small_font, fm_small), (shape_font, fm_shape) = _card_fonts()
        paint_card_frame(painter, theme.CARD_BG, GROUP_COLOR, border, width)

        # Header: chevron, title (elided in the middle), ×N.
        pad = 8.0
        painter.setFont(title_font)
        painter.setPen(_WHITE)
        painter.drawText(self.chevron_rect(), Qt.AlignmentFlag.AlignCenter, "▸")
        repeat = f"×{n.repeat}" if n.repeat > 1 else ""
        rep_w = fm_title.horizontalAdvance(repeat) + 6 if repeat else 0.0
        title_space = CARD_WIDTH - CHEVRON_WIDTH - pad - rep_w
        middle = Qt.TextElideMode.ElideMiddle
        painter.drawText(
            QRectF(CHEVRON_WIDTH, 0, title_space, HEADER_HEIGHT),
            _ALIGN_LEFT,
            _elided(fm_title, title_font, n.title, middle, title_space),
        )
        if repeat:
            painter.drawText(
                QRectF(CARD_WIDTH - pad - rep_w, 0, rep_w, HEADER_HEIGHT), _ALIGN_RIGHT, repeat
            )

        # Body: where it starts, the output volume, the totals.
        painter.setFont(small_font)
        painter.setPen(theme.TEXT_MUTED)
        src = s.shapes_text.split(" → ")[0]
        top = QRectF(pad, HEADER_HEIGHT + 2, CARD_WIDTH - 2 * pad, 17)
        blocks = len(self.controller.index.children.get(n.groups[0], [])) if n.repeat == 1 else 0
        count = f"{blocks} blocks" if blocks > 1 else f"{s.layers} layers"
        painter.drawText(
            top,
            _ALIGN_LEFT,
            _elided(fm_small, small_font, f"{src} →   {count}", middle, top.width()),
        )
        painter.setFont(shape_font)
        painter.setPen(theme.UNKNOWN.darker(115) if s.output_shape is None else theme.TEXT)
        mid = QRectF(pad, HEADER_HEIGHT + 19, CARD_WIDTH - 2 * pad, 26)
        painter.drawText(
            mid,
            _ALIGN_LEFT,
            _elided(fm_shape, shape_font, self.content.shape_text, middle, mid.width()),
        )
        painter.setFont(small_font)
        painter.setPen(theme.TEXT_MUTED)
        bottom = QRectF(pad, CARD_HEIGHT - 21, CARD_WIDTH - 2 * pad, 17)
        totals = f"{human_count(s.params)} params · {human_count(s.macs)} MACs"
        painter.drawText(
            bottom,
            _ALIGN_LEFT,
            _elided(fm_small, small_font, totals, Qt.TextElideMode.ElideRight, bottom.width()),
        )

    # ------------------------------------------------------------ behaviour

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.chevron_rect().contains(
            event.pos()
        ):
            event.accept()
            self.controller.expand(self.node.groups)
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.controller.expand(self.node.groups)
            return
        super().mouseDoubleClickEvent(event)


FRAME_PAD = 10.0
FRAME_HEADER = 20.0


class GroupFrame(QGraphicsItem):
    """An open group: a light frame behind its cards, titled, with a ▾ that collapses it.

    Only its title bar takes clicks, so rubber-band selection and drops work inside it. It is
    drawn at its own origin and placed with ``setPos``: a frame that only moves (the cards
    after a split "×N" run moved along) keeps its cached picture (``place``).
    """

    def __init__(
        self,
        group_id: str,
        title: str,
        rect: QRectF,
        depth: int,
        controller: CanvasGroups,
        titled: bool = True,
    ) -> None:
        super().__init__()
        self.controller = controller
        self.group_id = ""
        self.title = ""
        self.depth = -1
        self.titled = titled
        self._size = (0.0, 0.0)
        self.redraws = 0  # times its picture was asked to be drawn again (tests)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.place(group_id, title, rect, depth, titled)

    def place(self, group_id: str, title: str, rect: QRectF, depth: int, titled: bool) -> None:
        """Stand for ``group_id`` round ``rect`` (scene coordinates): moved with ``setPos``, and
        drawn again only when what the picture shows (size, title, depth, title bar) changed."""
        if group_id != self.group_id or title != self.title:
            self.setToolTip(
                f"<b>{group_id}</b>"
                + (f" · {title}" if title != group_id else "")
                + "<br><i>Click ▾ or double-click the title to collapse</i>"
            )
        size = (rect.width(), rect.height())
        if (title, size, depth, titled) != (self.title, self._size, self.depth, self.titled):
            self.prepareGeometryChange()
            self.title, self._size, self.depth, self.titled = title, size, depth, titled
            self.setZValue(0.5 + 0.01 * depth)  # over edges (its title takes clicks), under cards
            self.redraws += 1
            self.update()
        self.group_id = group_id
        if (self.x(), self.y()) != (rect.x(), rect.y()):
            self.setPos(rect.x(), rect.y())

    @property
    def rect(self) -> QRectF:
        """Its rectangle in the scene."""
        return QRectF(self.x(), self.y(), self._size[0], self._size[1])

    def looks(self) -> tuple[object, ...]:
        """What it is drawn from and where: a frame with the same looks is the same picture,
        in the same place."""
        return (self.group_id, self.title, self.rect.getRect(), self.depth, self.titled)

    def _local_rect(self) -> QRectF:
        return QRectF(0.0, 0.0, self._size[0], self._size[1])

    def _local_header(self) -> QRectF:
        _, small, _ = group_fonts()
        w = QFontMetricsF(small).horizontalAdvance(self.title) + 30
        return QRectF(0.0, -FRAME_HEADER, min(w, self._size[0]), FRAME_HEADER)

    def header_rect(self) -> QRectF:
        """Its title bar in the scene."""
        return self._local_header().translated(self.x(), self.y())

    def boundingRect(self) -> QRectF:
        return self._local_rect().adjusted(-2, -FRAME_HEADER - 2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        if self.titled:
            path.addRect(self._local_header())
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(GROUP_COLOR)
        fill = QColor(GROUP_COLOR)
        fill.setAlpha(14)
        painter.setPen(QPen(color.lighter(160), 1.2, Qt.PenStyle.DashLine))
        painter.setBrush(fill)
        painter.drawRoundedRect(self._local_rect(), 10, 10)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < DETAIL_LOD or not self.titled:
            return
        _, small, _ = group_fonts()
        header = self._local_header()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(header.adjusted(0, 2, 0, -1), 5, 5)
        painter.setFont(small)
        painter.setPen(QColor("white"))
        fm = QFontMetricsF(small)
        painter.drawText(
            header.adjusted(6, 0, -4, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            "▾ " + fm.elidedText(self.title, Qt.TextElideMode.ElideMiddle, header.width() - 26),
        )

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.controller.collapse(self.group_id)
            return
        super().mousePressEvent(event)


def _box(rect: QRectF) -> tuple[float, float, float, float]:
    return (rect.x(), rect.y(), rect.width(), rect.height())


#: The side of the grid cells ``_place_frames`` files the cards shown by (``BoxGrid``).
FRAME_CELL = 4 * CARD_WIDTH


def _bands(items: set[QGraphicsItem]) -> list[list[QGraphicsItem]]:
    ordered = sorted(items, key=lambda i: (i.y(), i.x()))
    bands: list[list[QGraphicsItem]] = []
    for item in ordered:
        if bands and item.y() - bands[-1][-1].y() <= 1.2 * (CARD_HEIGHT + ROW_GAP):
            bands[-1].append(item)
        else:
            bands.append([item])
    return bands


class CanvasGroups(QObject):
    """Which groups the canvas shows collapsed, and the items that stand for them."""

    changed = Signal()  # the collapsed set changed (menus, charts and figures follow)

    def __init__(self, scene: DesignScene) -> None:
        super().__init__(scene)
        self.scene = scene
        self.document = scene.document
        # The groups shown shut; a frozenset, replaced (never changed in place): the group cache
        # and the views key their graph by it.
        self.collapsed: frozenset[str] = frozenset()
        self.cards: dict[str, GroupCard] = {}
        self.proxy_edges: list[EdgeItem] = []
        self.frames: list[GroupFrame] = []
        self.index = GroupIndex(self.document.design)
        # Each group's place among the index's members (the frames' order), for that index.
        self._group_order: tuple[GroupIndex, dict[str, int]] | None = None
        self._runs: list[Run] | None = None  # repeat_runs of the design, until it changes
        self._summaries: dict[tuple[str, ...], GroupSummary] = {}  # until the analysis changes
        self._consumers: dict[str, list[str]] | None = None
        self._side: set[str] | None = None  # side_branches of the design, until it changes
        # Which layer cards the collapsed view hides, and which it shows (None: every card),
        # as of the last refresh; ``_trusted`` is False once cards or edges may have been added
        # or renamed since (a structure edit): the next refresh then looks at every item.
        self.hidden: set[str] = set()
        self._shown: list[str] | None = None
        self._trusted = False
        self._stale_index = False
        self._movable: bool | None = None
        self._movable_count = -1
        # Deferred work (``_schedule``) runs from an event posted to this object at a high
        # priority, not from a timer: the event loop then delivers it before the window's
        # update request (timers come after both), so an edit that splits a "×N" run is laid
        # out before the canvas is painted once, not painted, laid out and painted again.
        # ``_posted``: an event is on its way and the work not done yet.
        self._posted = False
        # What the event does when it arrives: a whole refresh, or only the frames following
        # cards that moved (the cards and edges are already where they belong).
        self._pending_refresh = False
        self._hold_groups = False  # ``holding_groups``
        self.repaints = 0  # times the collapsed view was rebuilt (tests, benchmarks)
        self.frames_made = 0  # group frames made (tests: an edit keeps the frames it can)
        self.cards_made = 0  # block cards made (tests: an edit reuses the cards it can)
        self.proxies_made = 0  # proxy edges made (tests: an edit keeps the edges it can)
        # Items no longer shown, kept hidden in the scene for the next items wanted: a card, an
        # edge or a frame taken from here costs no ``addItem``, and one put here no
        # ``removeItem`` (Qt's index purges removed items in a pass over all 40,000 items of a
        # 10,000-layer design, about 2 ms per batch).
        self._spare_cards: list[GroupCard] = []
        self._spare_edges: list[EdgeItem] = []
        self._spare_frames: list[GroupFrame] = []
        self._layers_changed = False  # the last refresh showed, hid or moved a layer card
        self._outgoing: dict[EdgeItem, int] = {}  # each proxy edge's source's edges out (shown)
        theme.notifier().changed.connect(self._on_theme)
        self._laid: VisibleGraph | None = None  # the graph the last refresh laid out
        self.wrap: int | Literal["auto"] = "auto"  # columns per band of the collapsed layout
        self.fresh = True  # a design was just opened: the view picks the level that fits it
        doc = self.document
        doc.design_reset.connect(self._on_reset)
        doc.groups_changed.connect(self._on_groups)
        doc.layer_added.connect(self._on_structure)
        doc.layer_removed.connect(self._on_structure)
        doc.inputs_changed.connect(self._on_structure)
        doc.layer_renamed.connect(self._on_renamed)
        doc.layout_changed.connect(self._on_layout)
        doc.params_changed.connect(self._on_params)
        doc.analysis_updated.connect(self._on_analysis)
        doc.selection_changed.connect(self._on_selection)
        self._on_reset()

    # -------------------------------------------------------------- state

    @property
    def active(self) -> bool:
        return bool(self.collapsed)

    def levels(self) -> int:
        """How many nesting levels the groups have (0: no groups)."""
        return self.index.max_depth + 1

    def set_collapsed(self, groups: AbstractSet[str]) -> None:
        index = self._fresh_index()
        groups = {g for g in groups if g in index.members}
        if groups != self.collapsed:
            # On a long design, opening a stage of hundreds of blocks (a layer selected in the
            # table or the problems list inside it, a block's ▸) takes a few hundred ms.
            text = (
                "Opening blocks…"
                if groups < self.collapsed
                else "Closing blocks…"
                if groups > self.collapsed
                else "Opening and closing blocks…"
            )
            with busy(len(self.document.design), text, self._status()):
                self.collapsed = frozenset(groups)
                self.refresh()
                self.changed.emit()

    def _status(self) -> QStatusBar | None:
        views = self.scene.views()
        return window_status(views[0]) if views else None

    def expand(self, groups: tuple[str, ...] | list[str] | str) -> None:
        names = {groups} if isinstance(groups, str) else set(groups)
        self.set_collapsed(self.collapsed - names)

    def collapse(self, groups: tuple[str, ...] | list[str] | str) -> None:
        names = {groups} if isinstance(groups, str) else set(groups)
        self.set_collapsed(self.collapsed | names)

    def collapse_all(self) -> None:
        self.expand_to_level(0)

    def expand_all(self) -> None:
        self.set_collapsed(set())

    def expand_to_level(self, level: int) -> None:
        self.set_collapsed(collapsed_for_level(self.index, level))

    def reveal(self, layer_id: str) -> bool:
        """Expand the groups around ``layer_id`` so that its card shows; True if it changed."""
        shut = [g for g in self.index.chain(layer_id) if g in self.collapsed]
        if not shut:
            return False
        self.expand(shut)
        return True

    def reveal_group(self, group_id: str) -> None:
        """Make ``group_id`` visible as a card: open its ancestors, collapse it."""
        ancestors = set(self.index.ancestors(group_id)) if group_id in self.index.groups else set()
        self.set_collapsed((self.collapsed - ancestors) | {group_id})

    def card_for_group(self, group_id: str) -> GroupCard | None:
        for card in self.cards.values():
            if group_id in card.group_ids:
                return card
        return None

    def selected_groups(self) -> list[str]:
        return [
            g
            for item in self.scene.selectedItems()
            if isinstance(item, GroupCard)
            for g in item.group_ids
        ]

    # ------------------------------------------------------------- events

    def _on_reset(self) -> None:
        # The scene has just been cleared and rebuilt: our items are gone with it.
        self._invalidate()
        scene = self.scene
        if scene.built_hidden:  # every card and edge was made hidden: show only what is wanted
            scene.built_hidden = False
            self.hidden = set(scene.cards)
            self._shown = []
            self._trusted = True
        elif scene.built_shown:  # every card and edge was made shown (no groups: none hidden)
            scene.built_shown = False
            self.hidden = set()
            self._shown = None
            self._trusted = True
        if self._trusted:  # (made movable, as ``LayerCard`` makes them: no flag set again)
            self._movable, self._movable_count = True, len(scene.cards)
        for card in (*self.cards.values(), *self._spare_cards):
            card.edges = set()  # (they and their edges go without a cycle collection)
        self.cards = {}
        self.proxy_edges = []
        self.frames = []
        self._spare_cards, self._spare_edges, self._spare_frames = [], [], []
        self.index = GroupIndex(self.document.design)
        self._stale_index = False
        level = auto_level(self.document.design, self.index, runs=self._repeats())
        self.collapsed = (
            frozenset() if level is None else frozenset(collapsed_for_level(self.index, level))
        )
        self.wrap = "auto"
        self.fresh = True
        self.refresh()
        self.changed.emit()

    def _invalidate(self) -> None:
        self._trusted = False
        self._side = None
        self._stale_index = True
        self._movable = None
        self._runs = None
        self._summaries = {}
        self._consumers = None
        self._laid = None

    def _on_groups(self) -> None:
        self._invalidate()
        if self._hold_groups:
            self._schedule(refresh=True)  # the caller refreshes next (``holding_groups``)
        else:
            self.refresh()

    @contextmanager
    def holding_groups(self) -> Iterator[None]:
        """Within this block a change of the design's groups does not lay the canvas out at
        once: the caller changes what is collapsed next, and that lays it out (grouping a
        selection is one layout, not two; each is seconds at 10,000 layers)."""
        held, self._hold_groups = self._hold_groups, True
        try:
            yield
        finally:
            self._hold_groups = held

    def _fresh_index(self) -> GroupIndex:
        design = self.document.design
        if self._stale_index or self.index.design is not design:
            self.index = GroupIndex(design)
            self._stale_index = False
        return self.index

    def _on_params(self, _layer_id: str) -> None:
        shown = self._runs
        self._runs = None  # repeats compare hyper-parameters
        if shown is None or not self.cards:
            return
        # An edit that makes a repeated block differ from its neighbours (or alike again) splits
        # or joins a "×N" card: the canvas is redrawn, as the table and the 3D view are. The
        # document's group cache (updated before this slot runs) finds the repeats from its
        # kept structure keys; without it they are found again here.
        self._fresh_index()
        runs = self._repeats()
        # The cache keeps the graph while the runs that merge its nodes stay the same: a run
        # changed elsewhere (in a stage shown open) leaves the canvas as it is.
        changed = self._nodes_changed()
        if changed is not None:
            if changed:
                self._schedule(refresh=True)
            return
        if runs != shown:
            self._runs = runs
            self._schedule(refresh=True)
        else:
            self._runs = shown

    def _on_structure(self, *_args: object) -> None:
        every_card_shown = self._trusted and self._shown is None and not self.hidden
        self._invalidate()
        if (
            not self.document.design.has_groups  # (not a copy of every group per edit)
            and not self.cards
            and not self.frames
            and not self.collapsed
            and not self._posted
        ):
            # No blocks before or after: the scene placed and routed what changed itself (a new
            # card and its edges are shown), and every card is still shown. A refresh would
            # route every edge again (seconds on 10,000 layers) for nothing.
            self._trusted = every_card_shown
            return
        self._schedule(refresh=True)  # once, after however many edits arrive together

    def _on_renamed(self, old: str, new: str) -> None:
        if self.collapsed:
            if old in self.hidden and self._trusted and not self._stale_index:
                self._renamed_hidden(old, new)
            else:
                self._on_structure()  # the collapsed view's units, runs and graph name layers
            return
        # Nothing collapsed: every card, edge and frame stays where it is (a frame shows its
        # group's title, not its layers' ids), so nothing is laid out again; what is kept by
        # layer id is found again when next needed (a refresh then looks at every card).
        self._invalidate()
        if old in self.hidden:
            self.hidden = (self.hidden - {old}) | {new}
        if self._shown is not None and old in self._shown:
            self._shown = [new if lid == old else lid for lid in self._shown]

    def _renamed_hidden(self, old: str, new: str) -> None:
        """A layer hidden in a collapsed block renamed: nothing the canvas shows names it (a
        block card shows its groups' titles and totals, a frame its group's title), so what
        names it is re-keyed (the group index, the cards hidden, the side branches) and the
        view laid out as after an edit (the group cache re-keys its own units and graph). Laid
        out afresh, every card and edge looked at and the index and side branches worked out
        again, the rename of one layer of the grouped 10,000-layer design took about 70 ms."""
        self.index = renamed_index(self.index, old, new)
        self._group_order = None
        hidden = self.hidden
        hidden.discard(old)
        hidden.add(new)
        side = self._side
        if side is not None and old in side:
            self._side = (side - {old}) | {new}
        self._consumers = None
        self._laid = None
        self._schedule(refresh=True)

    def _on_layout(self, _layer_id: str) -> None:
        if self.collapsed:
            self._on_structure()  # cards are placed automatically while blocks are collapsed
        elif self.frames:
            self._schedule(refresh=False)  # frames follow their cards

    def _schedule(self, refresh: bool) -> None:
        self._pending_refresh = self._pending_refresh or refresh
        if not self._posted:
            self._posted = True
            # Ahead of the window's update request (posted at a high priority once the scene
            # reports its changes) and of the scene's own queued calls.
            QCoreApplication.postEvent(
                self, QEvent(_DEFERRED), Qt.EventPriority.HighEventPriority.value
            )

    def customEvent(self, event: QEvent) -> None:
        if event.type() == _DEFERRED and self._posted:  # (not flushed or refreshed already)
            self._run_pending()

    def _run_pending(self) -> None:
        self._posted = False
        if self._pending_refresh:
            self.refresh()
        else:
            self._place_frames()

    def flush(self) -> None:
        """Apply what edits asked for (tests call this instead of waiting)."""
        if self._posted:
            self._run_pending()

    def _on_analysis(self, _ids: object) -> None:
        # The document's group cache has dropped the totals of the blocks whose layers (or
        # inputs) changed: only those cards are summed again and redrawn.
        self._summaries = {}
        if not self.cards:
            return
        if self._pending_refresh or self._nodes_changed():  # (None: no cache to ask)
            # The edit split or joined a "×N" run: the refresh already asked for shows the new
            # nodes with their totals. Summing the old ones first (a run of 356 blocks, its
            # main type) was thrown away a moment later.
            self._schedule(refresh=True)
            return
        for card in self.cards.values():
            self._show_node(card, card.node)

    def _nodes_changed(self) -> bool | None:
        """Whether the group cache's visible graph is no longer the one laid out, after an edit
        of hyper-parameters (``_on_analysis`` asks before ``_on_params`` does); None when nothing
        was laid out from the cache."""
        cache = cache_for(self.document.analysis)
        if self._laid is None or cache is None or cache.design is not self.document.design:
            return None
        return cache.graph(self.collapsed) is not self._laid

    def _show_node(self, card: GroupCard, node: Node) -> None:
        """``card`` shows ``node`` with its totals now; the edges out of it are drawn again
        when the shape they carry, or their style, changed."""
        summary = self._summary(node)
        if node is card.node and summary is card.summary:
            return
        shown = (card.content.shape_text, card.content.status)
        card.set_node(node, summary)
        if (card.content.shape_text, card.content.status) != shown:
            for edge in card.edges:
                source: QGraphicsItem = edge.source
                if source is card:
                    edge.update()

    def _on_selection(self, ids: list[str]) -> None:
        if not ids or not self.collapsed:
            return
        self.flush()
        last = ids[-1]
        card = self.scene.cards.get(last)
        if card is not None and not card.isVisible() and self.reveal(last):
            self.scene._on_document_selection(ids)

    # ------------------------------------------------------------ drawing

    def refresh(self) -> None:
        """Rebuild the collapsed view from the design and the collapsed set."""
        scene = self.scene
        members = self._fresh_index().members
        if not self.collapsed <= members.keys():
            self.collapsed = frozenset(g for g in self.collapsed if g in members)
        self._posted = False
        self._pending_refresh = False
        self.repaints += 1
        self._layers_changed = False
        scene.hold_rect()  # the cards' boxes are known: one rectangle for them all
        holder = scene.hidden_items
        try:
            try:
                # Cards and edges shown or hidden move out of or into the holder of hidden
                # items together, at the end (``HiddenItems.batch``); with nothing collapsed
                # and nothing held there, nothing moves (every card of a design without groups
                # is shown: no request to record for each).
                batched = holder is not None and (self.collapsed or holder.held)
                with holder.batch() if batched else nullcontext():  # type: ignore[union-attr]
                    box = self._place_cards()
                scene.fit_rect(box)
            finally:
                self._place_frames()
                self._trim_spares()
        finally:
            scene.release_rect()
        scene.reroute_edges(self)  # the edges just shown or whose cards moved, with one grid
        self._relabel()
        if self._layers_changed:
            scene.overview.invalidate()  # layer cards shown, hidden or moved
        else:
            # Only block cards changed: the overview's blocks and lines (layer cards and their
            # edges) stay; what counts moves (the minimap's box round every card) follows.
            scene.overview.content_version += 1

    def _place_cards(self) -> tuple[float, float, float, float] | None:
        """Show, hide and place the cards; the box of the cards shown (None: none)."""
        scene = self.scene
        design = self.document.design
        movable = not self.collapsed  # while blocks are collapsed, cards are placed automatically
        if movable != self._movable or len(scene.cards) != self._movable_count:
            for layer_card in scene.cards.values():
                layer_card.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, movable)
            self._movable, self._movable_count = movable, len(scene.cards)
        # With nothing added or renamed since the last refresh, only the cards whose visibility
        # changes (and their edges) are touched, not every one of 10,000.
        trusted = self._trusted
        was_hidden = self.hidden if trusted else set(scene.cards)
        xs: list[float] = []
        ys: list[float] = []
        if not self.collapsed:
            self._layers_changed = True
            for edge in self.proxy_edges:
                self._retire_edge(edge)
            self.proxy_edges = []
            for card in self.cards.values():
                self._retire_card(card)
            self.cards = {}
            missing = [lid for lid in design.ids if design.position(lid) is None]
            placed = auto_layout(design, scene.direction, only=missing) if missing else {}  # type: ignore[arg-type]
            for lid, each in scene.cards.items():
                pos = design.position(lid) or placed.get(lid)
                if pos is None:
                    pos = (each.x(), each.y())
                elif (each.x(), each.y()) != pos:
                    each.place(pos[0], pos[1])
                xs.append(pos[0])
                ys.append(pos[1])
            if trusted:
                self._set_visible(was_hidden, True)
            else:
                for each in scene.cards.values():
                    each.set_shown(True)
                for edge in scene.edges.values():
                    edge.set_shown(True, route=False)
            self.hidden = set()
            self._shown = None
            self._trusted = True
            self._laid = None
            return cards_box(xs, ys)
        graph = self._laid = self._graph()
        if self._side is None:
            self._side = side_branches(design)
        positions = graph_layout(
            [n.id for n in graph.nodes],
            graph.inputs,
            scene.direction,  # type: ignore[arg-type]
            self.wrap,
            self._side,
        )
        shown: set[str] = set()
        order: list[str] = []  # the layer cards shown, in network order
        # The block cards kept (by node id) stay; those no longer wanted become spares first,
        # so that a new node takes one of them (hidden, in the scene) rather than a new item.
        blocks = {node.id for node in graph.nodes if node.kind != "layer"}
        for nid in [nid for nid in self.cards if nid not in blocks]:
            self._retire_card(self.cards.pop(nid))
        wanted_cards: dict[str, GroupCard] = {}
        direction = scene.direction
        for node in graph.nodes:
            x, y = positions[node.id]
            xs.append(x)
            ys.append(y)
            if node.kind == "layer":
                found = scene.cards.get(node.id)
                if found is not None:
                    shown.add(node.id)
                    order.append(node.id)
                    if node.id in was_hidden:
                        found.set_shown(True)
                    if (found.x(), found.y()) != (x, y):
                        found.place(x, y)
                        self._layers_changed = True
                continue
            group_card = self.cards.pop(node.id, None)
            if group_card is None:
                group_card = self._new_card(node, self._summary(node))
            else:
                self._show_node(group_card, node)
            if (group_card.x(), group_card.y()) != (x, y) or group_card.direction != direction:
                group_card.direction = direction
                group_card.setPos(x, y)
                for edge in group_card.edges:
                    edge.unrouted = True  # routed once every card stands where it belongs
            cover_card(scene, x, y)
            wanted_cards[node.id] = group_card
        self.cards = wanted_cards
        if trusted and order == self._shown:
            hidden = was_hidden  # the same layer cards shown: no set of 10,000 ids made again
        else:
            hidden = set(scene.cards) - shown
            if not trusted or hidden != was_hidden:
                self._layers_changed = True
        if hidden is was_hidden:
            pass  # the same cards shown and hidden: nothing to show or hide
        elif trusted:
            # Cards shown again were made visible above; their edges and the newly hidden
            # cards' follow.
            self._set_visible(hidden - was_hidden, False)
            for lid in was_hidden - hidden:
                self._show_edges(lid, shown)
        else:
            cards = scene.cards
            with self._one_selection_change() as deselected:
                for lid in hidden:
                    each = cards[lid]
                    if each.isVisible() or not each.stowed:
                        if each.isSelected():
                            each.setSelected(False)
                            deselected.append(each)
                        each.set_shown(False)
            for (src, dst), edge in scene.edges.items():
                want = src in shown and dst in shown
                if (
                    edge.isVisible() != want
                    or (want and edge.unrouted)
                    or (not want and not edge.stowed)
                ):
                    edge.set_shown(want, route=False)
        self.hidden = hidden
        self._shown = order
        self._trusted = True
        # The proxy edges (to or from a block's card): an edge between the same two items is
        # kept (routed again only if one of them moved), the others become spares, and a new
        # one takes a spare before an item is made.
        ends: list[tuple[QGraphicsItem, QGraphicsItem]] = []
        for src, dst in graph.edges:
            if src in shown and dst in shown:
                continue  # a real edge between two layer cards
            a: QGraphicsItem | None = self.cards.get(src) or scene.cards.get(src)
            b: QGraphicsItem | None = self.cards.get(dst) or scene.cards.get(dst)
            if a is not None and b is not None:
                ends.append((a, b))
        kept = {(edge.source, edge.target): edge for edge in self.proxy_edges}
        wanted = set(ends)
        for pair, edge in kept.items():
            if pair not in wanted:
                self._retire_edge(edge)
        proxies: list[EdgeItem] = []
        for a, b in ends:
            edge = kept.pop((a, b), None)  # type: ignore[arg-type]
            if edge is None:
                edge = self._new_edge(a, b)
            elif not edge.isVisible():  # (hidden with a layer card at its end, shown again)
                edge.set_shown(True, route=False)
            proxies.append(edge)
        self.proxy_edges = proxies
        return cards_box(xs, ys)

    def _relabel(self) -> None:
        """Draw again the proxy edges whose label may now be shown or not: of several edges
        out of one card only one carries the shape (``EdgeItem.shows_label``), so an edge
        out of a card with several, or with a different number than at the last refresh,
        is drawn again (a path set anew redraws its edge anyway)."""
        counts: dict[QGraphicsItem, int] = {}
        for edge in self.proxy_edges:
            source = edge.source
            if source not in counts:
                counts[source] = sum(
                    1 for e in source.edges if e.source is source and e.isVisible()
                )
        before = self._outgoing
        self._outgoing = {}
        for edge in self.proxy_edges:
            n = counts[edge.source]
            if n > 1 or before.get(edge, n) != n:
                edge.update()
            self._outgoing[edge] = n

    def _on_theme(self, *_args: object) -> None:
        """Another colour scheme: the cached pictures of the block cards, frames and proxy
        edges are drawn again in its colours."""
        for item in [*self.cards.values(), *self.frames, *self.proxy_edges]:
            item.update()

    # ------------------------------------------------------------- spares

    def _new_card(self, node: Node, summary: GroupSummary) -> GroupCard:
        """A card for ``node``: a spare one shown again, or a new one."""
        if self._spare_cards:
            card = self._spare_cards.pop()
            card.set_node(node, summary)
            card.setVisible(True)
            return card
        card = GroupCard(node, summary, self.scene.direction, self)
        self.scene.addItem(card)
        self.cards_made += 1
        return card

    def _retire_card(self, card: GroupCard) -> None:
        """Hide a card no longer shown and keep it for the next one wanted."""
        if card.scene() is not self.scene:
            return
        if card.isSelected():
            card.setSelected(False)
        card.setVisible(False)
        self._spare_cards.append(card)

    def _new_edge(self, a: QGraphicsItem, b: QGraphicsItem) -> EdgeItem:
        """A proxy edge from ``a`` to ``b``, routed by ``DesignScene.reroute_edges`` next: a
        spare one attached to them and shown again, or a new one."""
        if self._spare_edges:
            edge = self._spare_edges.pop()
            edge.source, edge.target = a, b  # type: ignore[assignment]
            a.edges.add(edge)  # type: ignore[attr-defined]
            b.edges.add(edge)  # type: ignore[attr-defined]
            edge.unrouted = True
            edge.set_shown(True, route=False)
            return edge
        edge = EdgeItem(a, b, route=False)  # type: ignore[arg-type]
        edge.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        # Painted once into a picture, like the cards it joins: the frames after an edit copy
        # it. It is drawn again when its path is set, its source's shape or status changes
        # (``_on_analysis``), it is hovered, or whether it carries the label may have changed
        # (``_relabel``).
        edge.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.scene.addItem(edge)
        self.proxies_made += 1
        return edge

    def _retire_edge(self, edge: EdgeItem) -> None:
        edge.detach()
        if edge.scene() is not self.scene:
            return
        edge.hovered = False
        self.scene.hovered_edges.discard(edge)
        # (Left at the top level: a split or a join retires edges and takes spares, and an item
        # into or out of the holder of 10,000 hidden ones costs tens of microseconds.)
        edge.setVisible(False)
        self._spare_edges.append(edge)

    def _trim_spares(self) -> None:
        """At most ``SPARES`` of each kind kept: the others leave the scene."""
        scene = self.scene
        for spares in (self._spare_cards, self._spare_edges, self._spare_frames):
            while len(spares) > SPARES:
                item = spares.pop(0)
                if item.scene() is scene:
                    if isinstance(item, EdgeItem) and scene.hidden_items is not None:
                        scene.hidden_items.forget(item)
                    scene.removeItem(item)

    def _repeats(self) -> list[Run]:
        """``repeat_runs`` of the design: from the document's group cache, which keeps each
        group's structure key between edits, or computed here (and kept until a change)."""
        if self._runs is None:
            design = self.document.design
            cache = cache_for(self.document.analysis)
            if cache is not None and cache.design is design:
                self._runs = cache.runs()
            else:
                self._runs = repeat_runs(design, self.index)
        return self._runs

    def _graph(self, collapsed: set[str] | None = None) -> VisibleGraph:
        """The visible graph of ``collapsed`` (default: the collapsed set shown)."""
        design = self.document.design
        shut = self.collapsed if collapsed is None else collapsed
        runs = self._repeats()
        cache = cache_for(self.document.analysis)
        if cache is not None and cache.design is design and runs == cache.runs():
            return cache.graph(shut)  # the table and the 3D view ask for it too
        return visible_graph(design, self.index, shut, runs=runs)

    def _set_visible(self, layer_ids: set[str], on: bool) -> None:
        """Show or hide these layer cards and the real edges at them (showing: every card is
        shown, nothing being collapsed)."""
        cards = self.scene.cards
        with self._one_selection_change() as deselected:
            for lid in layer_ids:
                card = cards.get(lid)
                if card is None:
                    continue
                if not on and card.isSelected():
                    card.setSelected(False)
                    deselected.append(card)
                card.set_shown(on)
                for edge in card.edges:
                    edge.set_shown(on, route=False)

    @contextmanager
    def _one_selection_change(self) -> Iterator[list[QGraphicsItem]]:
        """Cards deselected (and hidden) in this block, listed in the list it gives, make one
        ``selectionChanged`` at its end, not one each: its listeners read the whole selection
        (collapsing a new block round 100 selected layers of a 10,000-layer design took
        seconds). Only the scene's signals are held, only for the block."""
        scene = self.scene
        deselected: list[QGraphicsItem] = []
        blocked = scene.blockSignals(True)
        try:
            yield deselected
        finally:
            scene.blockSignals(blocked)
        if deselected and not blocked:
            scene.selectionChanged.emit()

    def _show_edges(self, layer_id: str, shown: set[str]) -> None:
        """The real edges at a card shown again: visible where both ends are shown."""
        card = self.scene.cards.get(layer_id)
        if card is None:
            return
        edges = self.scene.edges
        for edge in card.edges:
            key = edge.key
            if edges.get(key) is edge:
                edge.set_shown(key[0] in shown and key[1] in shown, route=False)

    def _summary(self, node: Node) -> GroupSummary:
        summary = self._summaries.get(node.layers)
        cache = cache_for(self.document.analysis)
        if summary is None and cache is not None and cache.design is self.document.design:
            summary = cache.summary(node)
            self._summaries[node.layers] = summary
        if summary is None:
            if self._consumers is None:
                self._consumers = consumers_of(self.document.design)
            summary = summarize(
                self.document.design, self.document.analysis, node.layers, self._consumers
            )
            self._summaries[node.layers] = summary
        return summary

    def _place_frames(self) -> None:
        """A frame around each open group whose cards are all shown and sit together."""
        scene = self.scene
        old = [frame for frame in self.frames if frame.scene() is scene]
        self.frames = []
        index = self.index
        if not index.members:
            for frame in old:
                self._retire_frame(frame)
            return
        wanted: list[tuple[str, str, QRectF, int, bool]] = []
        # Each group's cards shown: a layer card is in the groups around it, a block's card in
        # the groups around that block (the groups inside it are shut, so they get no frame).
        # From the few cards shown, not from every member of every group.
        items_of: dict[str, set[QGraphicsItem]] = {}
        shown: set[QGraphicsItem] = set()
        for card in self.visible_layer_cards():
            shown.add(card)
            for gid in index.chain(card.layer_id):
                items_of.setdefault(gid, set()).add(card)
        for group_card in self.cards.values():
            if not group_card.node.layers:
                continue
            shown.add(group_card)
            # (A run's blocks are siblings: the groups around its first are around them all.)
            for gid in index.ancestors(group_card.node.groups[0]):
                items_of.setdefault(gid, set()).add(group_card)
        # Each card shown filed by the grid cells its box covers: a frame is checked against
        # the cards near it, not every card shown (1,500 open blocks × 10,000 cards took 36 s
        # to expand every block of a 10,000-layer design).
        filed = list(shown)
        box_of: dict[QGraphicsItem, QRectF] = {}
        for item in filed:
            box_of[item] = item.mapRectToScene(QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT))
        near = BoxGrid({str(k): _box(box_of[item]) for k, item in enumerate(filed)}, FRAME_CELL)
        collapsed = self.collapsed
        # The groups with cards shown, in the index's order (not a pass over all 1,400 groups).
        order = self._group_order
        if order is None or order[0] is not index:
            order = self._group_order = (index, {gid: n for n, gid in enumerate(index.members)})
        place = order[1]
        for gid in sorted((g for g in items_of if g in place), key=place.__getitem__):
            items = items_of[gid]
            if gid in collapsed or any(g in collapsed for g in index.ancestors(gid)):
                continue
            # The deepest open group drawn inside this one (a walk that stops at shut groups).
            depth_below = index.depth[gid]
            stack = [c for c in index.children.get(gid, []) if c not in collapsed]
            while stack:
                d = stack.pop()
                if d in index.members:
                    depth_below = max(depth_below, index.depth[d])
                stack.extend(c for c in index.children.get(d, []) if c not in collapsed)
            nesting = depth_below - index.depth[gid]
            pad = FRAME_PAD * (1 + nesting)
            titled = False
            # One frame per band of a wrapped layout (cards of one band are < 1.5 rows apart).
            for band in _bands(items):
                rect = QRectF()
                for item in band:
                    rect = rect.united(box_of[item])
                rect = rect.adjusted(-pad, -pad - nesting * FRAME_HEADER, pad, pad)
                close = near.near_rect(rect.left(), rect.top(), rect.right(), rect.bottom())
                if any(
                    filed[int(k)] not in items and rect.intersects(box_of[filed[int(k)]])
                    for k in close
                ):
                    continue  # another block's card sits among these (a hand layout): no frame
                first = not titled  # the first band's frame carries the title
                titled = True
                wanted.append((gid, index.title(gid), rect, index.depth[gid], first))
        self._frame_items(old, wanted)

    def _frame_items(
        self, old: list[GroupFrame], wanted: list[tuple[str, str, QRectF, int, bool]]
    ) -> None:
        """The frames ``wanted`` from the items ``old``: a frame with the same looks in the same
        place is kept as it is; one whose picture is the same (title, size, depth) is moved
        there (its cached picture with it: after an edit that splits a run, the frames of the
        stages after it only move); the others are drawn anew in a frame left over, a spare
        one or a new one."""
        scene = self.scene
        placed: list[GroupFrame | None] = [None] * len(wanted)
        exact: dict[tuple[object, ...], GroupFrame] = {frame.looks(): frame for frame in old}
        for k, (gid, title, rect, depth, first) in enumerate(wanted):
            placed[k] = exact.pop((gid, title, rect.getRect(), depth, first), None)
        left = list(exact.values())
        for k, (_gid, title, rect, depth, first) in enumerate(wanted):
            if placed[k] is not None:
                continue
            picture = (title, rect.width(), rect.height(), depth, first)
            for n, candidate in enumerate(left):
                if (
                    candidate.title,
                    *candidate._size,
                    candidate.depth,
                    candidate.titled,
                ) == picture:
                    placed[k] = left.pop(n)
                    break
        for k, (gid, title, rect, depth, first) in enumerate(wanted):
            frame: GroupFrame | None = placed[k]
            if frame is None:
                if left:
                    frame = left.pop()
                elif self._spare_frames:
                    frame = self._spare_frames.pop()
                    frame.setVisible(True)
                else:
                    frame = GroupFrame(gid, title, rect, depth, self, first)
                    scene.addItem(frame)
                    self.frames_made += 1
            frame.place(gid, title, rect, depth, first)
            scene.cover_item(frame)
            self.frames.append(frame)
        for frame in left:
            self._retire_frame(frame)

    def _retire_frame(self, frame: GroupFrame) -> None:
        frame.setVisible(False)
        self._spare_frames.append(frame)

    def fit_level(self, width: float, height: float, zoom: float) -> None:
        """Open a just-loaded design at the deepest level whose cards fit ``width`` × ``height``
        pixels at ``zoom`` (wrapping the rows to that width); level 0 if none does."""
        self.fresh = False
        design = self.document.design
        self._fresh_index()
        runs = self._repeats()
        start = auto_level(design, self.index, runs=runs)
        if start is None:
            return
        step_x = CARD_WIDTH + COLUMN_GAP
        columns = max(3, int((width / zoom - 60 + COLUMN_GAP) // step_x))  # 60: fit_to_view margins
        if self._side is None:
            self._side = side_branches(design)
        side = self._side
        chosen = 0
        for level in range(start, -1, -1):
            graph = self._graph(collapsed_for_level(self.index, level))
            pos = graph_layout([n.id for n in graph.nodes], graph.inputs, "LR", columns, side)
            w = max(x for x, _ in pos.values()) + CARD_WIDTH + 60
            h = max(y for _, y in pos.values()) + CARD_HEIGHT + 60
            if w * zoom <= width and h * zoom <= height:
                chosen = level
                break
        self.wrap = columns
        self.collapsed = frozenset(collapsed_for_level(self.index, chosen))
        self.refresh()
        self.changed.emit()

    def visible_layer_cards(self) -> list[LayerCard]:
        """The layer cards the canvas shows (not hidden in a collapsed group)."""
        cards = self.scene.cards
        if not self._trusted:
            return [c for c in cards.values() if c.isVisible()]
        if self._shown is None:
            return list(cards.values())
        return [cards[lid] for lid in self._shown if lid in cards]

    def visible_items(self) -> list[QGraphicsItem]:
        """The cards the canvas shows (layer cards not hidden in a group, and group cards)."""
        items: list[QGraphicsItem] = list(self.visible_layer_cards())
        items.extend(self.cards.values())
        return items

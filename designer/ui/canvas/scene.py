"""The canvas scene: mirrors the document's design as cards and edges, and nothing more.

It keeps ``cards`` (layer id → card) and ``edges`` ((source, target) → edge) in
step with the document's signals, and turns gestures and drops into document
edits. Analysis updates repaint only the cards whose information changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QClipboard, QPainterPath, QTransform
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneHelpEvent,
    QGraphicsSceneMouseEvent,
)

from designer.core.card_text import key_params_text
from designer.core.design import DesignError, Point, source_of, split_ref
from designer.core.groups import AUTO_COLLAPSE_NODES
from designer.core.layout import CARD_HEIGHT, CARD_WIDTH, COLUMN_GAP, ROW_GAP, auto_layout
from designer.core.registry import REGISTRY
from designer.core.routing import BoxGrid
from designer.core.shape_rules import fmt_shape
from designer.ui.busy import busy, window_status
from designer.ui.canvas.band import BandChange, BandSelection
from designer.ui.canvas.clipboard import (
    FragmentError,
    clipboard_fragment,
    fragment_text,
    parse_fragment,
    put_on_clipboard,
)
from designer.ui.canvas.grouping import CanvasGroups, GroupCard
from designer.ui.canvas.interactions import MoveGesture, NewLinkGesture
from designer.ui.canvas.items import (
    CardData,
    EdgeItem,
    HiddenItems,
    LayerCard,
    Port,
    cards_box,
    cards_in,
    path_points,
    unlink_items,
)
from designer.ui.canvas.overview import Overview
from designer.ui.document import Document

DropTarget = LayerCard | EdgeItem | None

#: How far past the design the canvas scrolls, and how far the scene rectangle reaches ahead of
#: it, so that a card dragged or added near the edge rarely changes it.
SCENE_MARGIN = 4000.0
#: Up to this many boxes where cards moved, the edges near them come from the scene's index
#: (``DesignScene.reroute_edges``); more (a layout, a large drag): a pass over every edge.
NEAR_QUERIES = 256
# A document batch (undo, redo, a paste, a bulk step: ``Document.batch_started``) that adds or
# removes more layers than this: the canvas makes or drops the rest of their cards and edges
# without routing, patching the overview or growing the scene rectangle per card, and does each
# once at the batch's end (``_on_batch_finished``). Fewer: card by card, the overview patched
# rather than drawn anew.
BULK_LAYERS = 64
#: While the mouse button is down on a rubber band, how often it is checked for having been let go.
BAND_CHECK_MS = 50
#: A collapsed design (more cards and edges hidden under the holder than left at the top level)
#: is looked up without Qt's index while at most ``UNINDEXED_AT_MOST`` cards and edges are at the
#: top level, and with it again once over ``INDEXED_ABOVE`` (``DesignScene.fit_index``). Qt's
#: BSP index holds every item, hidden ones too: every paint of the whole view gathered and sorted
#: the 21,000 hidden cards and edges of a collapsed 10,000-layer design (2–3 ms an edit). Without
#: it Qt walks the top-level items only and skips the hidden holder with all it holds; with
#: thousands of items shown the index is the faster again (a paint up close finds only those
#: in view), and building it costs about 40 ms for 21,000 items.
UNINDEXED_AT_MOST = 1_500
INDEXED_ABOVE = 3_000

Box = tuple[float, float, float, float]  # left, top, right, bottom in scene coordinates


def _boxes_near(boxes: list[QRectF]) -> Callable[[QRectF], Iterable[QRectF]]:
    """A function giving the boxes among ``boxes`` that may meet a rectangle: all of them when
    they are few, else those filed in the grid cells it covers (undoing the deletion of 5,000
    layers moved 5,000 cards: each edge's corridor was tested against every one of them)."""
    if len(boxes) <= 16:
        return lambda _rect: boxes
    grid = BoxGrid({str(k): (r.x(), r.y(), r.width(), r.height()) for k, r in enumerate(boxes)})

    def near(rect: QRectF) -> Iterable[QRectF]:
        keys = grid.near_rect(rect.left(), rect.top(), rect.right(), rect.bottom())
        return [boxes[int(k)] for k in keys]

    return near


class DesignScene(QGraphicsScene):
    message = Signal(str)  # a refused edit or a hint, for the status bar

    def __init__(self, document: Document, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.document = document
        self.cards: dict[str, LayerCard] = {}
        self.edges: dict[tuple[str, str], EdgeItem] = {}
        self.hovered_edges: set[EdgeItem] = set()  # under the pointer (EdgeItem's hover events)
        self.portless: set[LayerCard] = set()  # shown, ports not made yet (``prepare_up_close``)
        self._raised: set[LayerCard] = set()  # drawn above the others (selected)
        self._ports_checked: tuple[tuple[int, int, int], QRectF] | None = None  # (versions, rect)
        self.direction = "LR"
        self._syncing = False
        self._selection_owed = False  # a selectionChanged, for selected cards removed
        self._selection_timer = QTimer(self)  # (a child: it goes with the scene)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(0)
        self._selection_timer.timeout.connect(self._pay_selection)
        # A rubber band under way: the document (and every view following its selection) is
        # told once the mouse button is let go (``flush_selection``), not at every move.
        self._band_owed = False
        self._band_timer = QTimer(self)
        self._band_timer.setSingleShot(True)
        self._band_timer.setInterval(BAND_CHECK_MS)
        self._band_timer.timeout.connect(self._check_band)
        # The band being swept (a view's ``band_started`` .. ``band_finished``), and while its
        # move's ``selectionChanged`` is emitted, what that move changed (``band_select``).
        self._band: BandSelection | None = None
        self.band_change: BandChange | None = None
        self.selection_serial = 0  # counts the selection's changes not made by a band's move
        self.press_taken: bool | None = None  # whether an item took the last mouse press
        self.built_hidden = False  # rebuilt with every item hidden, until the grouping shows them
        self.built_shown = (
            False  # rebuilt with every item shown (no groups), until the grouping knows
        )
        # Cards and edges hidden in collapsed blocks, out of the top level (made anew by ``rebuild``).
        self.hidden_items: HiddenItems | None = None
        self._link: NewLinkGesture | None = None
        self._move: MoveGesture | None = None
        self._drop_hint: DropTarget = None
        # While edges are routed again: the cards shown, put in a grid (``card_grid``) when an
        # edge first needs it (re-routing near a move often routes none).
        self._grid_cards: list[LayerCard | GroupCard] | None = None
        self._grid: BoxGrid | None = None
        self.refresh_count = 0  # cards refreshed since creation (for tests and benchmarks)
        self._card_keys: dict[
            str, tuple[object, ...]
        ] = {}  # what each card last showed (see _card_key)
        self._reroute = QTimer(self)  # once after however many cards moved together
        self._reroute.setSingleShot(True)
        self._reroute.setInterval(0)
        self._reroute.timeout.connect(self._reroute_near_moves)
        self._moved_boxes: list[tuple[float, float, float, float]] = []  # since the last reroute
        self.rerouted = 0  # edges the last reroute routed again (for tests and benchmarks)
        # During a bulk step: the boxes of the cards added (True) or removed (False); None
        # otherwise. The edges made without a path during one, routed by the next reroute.
        self._bulk: list[tuple[Box, bool]] | None = None
        self._unrouted: list[EdgeItem] = []
        self._batch_depth = 0  # the document's batches open (``batch_started``)
        self._batch_layers = 0  # layers added or removed in the batch so far
        self.overview = Overview(self)  # the zoomed-out design in a few batched draws
        # The scene rectangle is set here, never left to Qt: without one, Qt recomputes the
        # bounding rectangle of every item (40,000 at 10,000 layers, a Python boundingRect call
        # each) after items are added or removed, e.g. on every collapse or expand of a block.
        self._rect: Box | None = None
        self._rect_held = 0  # > 0 while a layout places many cards: the rectangle is set after
        self.rect_changes = 0  # times the rectangle was set (for tests and benchmarks)
        doc = document
        doc.layer_added.connect(self._on_layer_added)
        doc.layer_removed.connect(self._on_layer_removed)
        doc.inputs_changed.connect(self._on_inputs_changed)
        doc.params_changed.connect(self._refresh_card)
        doc.layer_renamed.connect(self._on_renamed)
        doc.layout_changed.connect(self._on_layout_changed)
        doc.analysis_updated.connect(self._on_analysis_updated)
        doc.design_reset.connect(self.rebuild)
        doc.batch_started.connect(self._on_batch_started)
        doc.bulk_started.connect(self._on_bulk_started)
        doc.batch_finished.connect(self._on_batch_finished)
        doc.selection_changed.connect(self._on_document_selection)
        self.selectionChanged.connect(self._on_scene_selection)
        self.rebuild()
        self.grouping = CanvasGroups(
            self
        )  # collapsed blocks; follows the document after the cards do

    # ------------------------------------------------------------ mirroring

    def rebuild(self) -> None:
        """Drop every item and build the scene from the document's design, every card and edge
        hidden: the grouping, reset right after on ``design_reset`` (or made right after in
        ``__init__``), shows what it does not collapse (``built_hidden``)."""
        self._cancel_gestures()
        self.overview.forget_items()
        self.built_hidden = self.built_shown = False
        self._syncing = True
        # Every item goes: the selected ones without a ``selectionChanged`` each (its listeners
        # read the whole selection: opening a design after Select All on 10,000 layers took
        # half a minute), and one for them all after.
        selected = bool(self.selectedItems())
        blocked = self.blockSignals(True)
        try:
            self.clear()
        finally:
            self.blockSignals(blocked)
            self._syncing = False
        unlink_items(self.cards.values())
        self.cards = {}
        self.edges = {}
        self.hovered_edges = set()  # (the edges gone: none is under the pointer)
        self._raised = set()
        self.hidden_items = HiddenItems()  # (gone with the other items)
        self.addItem(self.hidden_items)
        if selected and not blocked:
            self.selectionChanged.emit()
        self.portless = set()
        self._drop_hint = None
        self._card_keys = {}
        self._unrouted = []
        if self._bulk is not None:
            self._bulk = []  # (the places of cards gone with the design before)
        self.overview.invalidate()
        design = self.document.design
        self.direction = guess_direction(
            design.layout, [(layer.inputs, layer.id) for layer in design]
        )
        missing = [lid for lid in design.ids if design.position(lid) is None]
        placed = auto_layout(design, self.direction, only=missing) if missing else {}  # type: ignore[arg-type]
        spots = [(lid, design.position(lid) or placed.get(lid, (0.0, 0.0))) for lid in design.ids]
        self.fit_rect(cards_box([p[0] for _, p in spots], [p[1] for _, p in spots]))
        # A design the grouping may open collapsed (``auto_level``): every card and edge starts
        # under the holder of hidden items, and the few the grouping shows come out of it
        # (moving an item there or back costs a few microseconds: not done for the 10,000
        # cards of a design shown whole).
        holder = (
            self.hidden_items if design.has_groups and len(design) > AUTO_COLLAPSE_NODES else None
        )
        # A design without groups is shown whole: its cards and edges are made shown (and
        # ``CanvasGroups._on_reset`` shows nothing), not hidden and then shown one by one.
        shown = not design.has_groups
        add, direction, provider = self.addItem, self.direction, self.card_data
        layers = design.layer_map
        categories: dict[str, str] = {}  # (each type's, looked up once: ``_unread_card``)
        cards: dict[str, LayerCard] = self.cards
        # Every card and edge is made flagged as the overview flags what it draws (``adopt``);
        # the overview, invalidated above, is told once at the end.
        for lid, pos in spots:
            # The texts are computed when the card is first painted or read (most of a long
            # design is never seen up close): the card starts stale.
            type_id = layers[lid].type
            category = categories.get(type_id)
            if category is None:
                ltype = REGISTRY.get(type_id)
                category = categories[type_id] = ltype.category if ltype else ""
            card = LayerCard(
                CardData(lid, type_id, category),
                direction,
                provider,
                stale=True,
                ports=False,
                contents=False,
            )
            card.setPos(pos[0], pos[1])  # no edges yet, not in the scene: nothing else follows
            if not shown:
                card.setVisible(False)  # the grouping (reset next) shows what it does not collapse
            if holder is None:
                add(card)
            else:
                holder.take(card)  # (into the scene with it)
            cards[lid] = card
        # The edges get their paths when shown (``EdgeItem.set_shown``), or, made shown, from the
        # grouping's reroute: the grouping, made or reset next, hides those inside collapsed
        # blocks, most of a long design's.
        edges = self.edges
        for layer in design:
            card = cards[layer.id]
            inputs = layer.inputs
            single = len(inputs) == 1 and ":" not in inputs[0]  # (most layers: one whole input)
            for source in inputs if single else layer.sources:
                src = cards.get(source)
                if src is None or (source, layer.id) in edges:
                    continue
                edge = EdgeItem(src, card, route=False, contents=False)
                edge.outputs = (
                    (None,)
                    if single
                    else tuple(split_ref(i)[1] for i in inputs if source_of(i) == source)
                )
                if not shown:
                    edge.setVisible(False)
                if holder is None:
                    add(edge)
                else:
                    holder.take(edge)
                edges[(source, layer.id)] = edge
        self.overview.invalidate()  # (what ``Overview.adopt`` of each would have done)
        if shown:
            self.portless = set(cards.values())  # (``LayerCard.set_shown``)
            self.built_shown = True  # CanvasGroups._on_reset shows nothing more
        else:
            self.built_hidden = True  # every card and edge: CanvasGroups._on_reset shows them
        self.fit_index(anew=True)
        self._on_document_selection(self.document.selection)

    def fit_index(self, anew: bool = False) -> None:
        """Qt's index or none, for how many cards and edges are at the top level now
        (``UNINDEXED_AT_MOST``); ``anew``: for a design just built."""
        holder = self.hidden_items
        held = holder.held if holder is not None else 0
        top = len(self.cards) + len(self.edges) - held
        method = QGraphicsScene.ItemIndexMethod
        indexed = self.itemIndexMethod() == method.BspTreeIndex
        if indexed and held > top and top <= UNINDEXED_AT_MOST:
            self.setItemIndexMethod(method.NoIndex)
            return
        if not indexed and (top > INDEXED_ABOVE or held <= top):
            self.setItemIndexMethod(method.BspTreeIndex)
            anew = True
        if anew and self.itemIndexMethod() == method.BspTreeIndex:
            # The depth of Qt's index for this many items, as Qt picks it: left to Qt, it is
            # picked the first time the scene indexes any item and kept for the index's life (a
            # 10,000-layer design opened after a small one, or after the holder of hidden items
            # was the only item, was looked up in a tree made for a few: ten times the
            # candidates per look-up).
            self.setBspTreeDepth(
                max(5, math.ceil(math.log2(len(self.cards) + len(self.edges) + 1)))
            )

    def prepare_up_close(self, rect: QRectF) -> int:
        """Before drawing ``rect`` up close (the view calls this): the cards and edges there
        paint themselves (``Overview.detail_in``), and the cards shown there that have no
        ports yet get them; how many cards got them."""
        # A repaint inside the part already looked at, with no layer card or edge shown, added or
        # moved since and no change of mode (an edit's repaint up close; a split run's block
        # cards and proxy edges moved), needs no look-up in the index.
        overview = self.overview
        version = (overview.detail_version, overview.mode_version, len(self.portless))
        checked = self._ports_checked
        before = checked[1] if checked is not None and checked[0] == version else None
        # (A millionth of a unit in: the same part found again may differ from the one kept
        # in the last bit of a float, and a rectangle's union rounds its edges.)
        if before is not None and before.contains(rect.adjusted(1e-6, 1e-6, -1e-6, -1e-6)):
            return 0
        overview.detail_in(rect)
        made = 0
        if self.portless:
            for item in self.items(rect):
                if isinstance(item, LayerCard) and item in self.portless:
                    item.make_ports()
                    made += 1
        # Nothing changed since the part looked at before: it and this one are both done (an
        # edit's partial paint and a whole repaint alternate; kept apart, neither contained the
        # other, their edges differing in the last bit of a float).
        looked = QRectF(rect) if before is None else QRectF(rect).united(before)
        self._ports_checked = (
            (overview.detail_version, overview.mode_version, len(self.portless)),
            looked,
        )
        return made

    def reroute_edges(
        self,
        grouping: CanvasGroups | None = None,
        near: list[tuple[float, float, float, float]] | None = None,
    ) -> None:
        """Route the long edges again once cards have moved (a lane must miss every card where it
        now stands, not where it stood while the cards moved one by one).

        ``near``: only the edges whose corridor (the path drawn now, and the band between its
        two ends) touches one of these boxes, the places cards left or arrived at; a card
        elsewhere cannot block or free their lanes. ``None``: every long edge (a new layout).
        """
        self._reroute.stop()
        self._moved_boxes = []
        with self.routing():
            try:
                self._reroute_edges(grouping, near)
            finally:
                self._route_unrouted()

    def _route_unrouted(self) -> None:
        """Route the edges a bulk step made without a path that are still shown and still
        have none (a reroute near the cards added finds them in neither the scene's index,
        where a pathless edge has no box, nor always among the edges it looks at)."""
        pending, self._unrouted = self._unrouted, []
        with self.routing():
            for edge in pending:
                if edge.unrouted and edge.scene() is self and edge.isVisible():
                    edge.update_path()
                    self.rerouted += 1

    @contextmanager
    def routing(self) -> Iterator[None]:
        """Many edges are routed in this block: the overview is told of them once, at its end
        (``EdgeItem.routed``; 11,000 calls fewer when a 10,000-layer design opens)."""
        if EdgeItem.routed is not None:
            yield
            return
        routed: list[EdgeItem] = []
        EdgeItem.routed = routed
        try:
            yield
        finally:
            EdgeItem.routed = None
            self.overview.edges_routed([e for e in routed if e.scene() is self])

    def _reroute_edges(
        self,
        grouping: CanvasGroups | None,
        near: list[tuple[float, float, float, float]] | None,
    ) -> None:
        touched = [QRectF(*box) for box in near] if near is not None else None
        if touched is not None and len(touched) <= NEAR_QUERIES:
            # A few cards moved, appeared or left (an add, a delete, a small drag): the edges
            # near them from the scene's index, not a pass over every edge of the design; the
            # lanes are looked up in the same index (no grid of every card made).
            self.rerouted = 0
            for edge in self._edges_near(touched):
                if edge.unrouted or edge.may_need_lane():
                    edge.update_path()
                    self.rerouted += 1
            return
        if grouping is None:
            grouping = getattr(self, "grouping", None)  # None while the grouping is being made
        proxies = grouping.proxy_edges if grouping is not None else []
        group_cards = list(grouping.cards.values()) if grouping is not None else []
        shown = (
            grouping.visible_layer_cards() if grouping is not None else list(self.cards.values())
        )
        # One grid of the cards for every lookup (the scene's own index rebuilds itself after
        # cards moved, which costs more than this even when only a few edges are routed).
        self._grid_cards, self._grid = [*shown, *group_cards], None
        ids = {c.layer_id for c in shown}
        around = QRectF()  # the box round them all: most edges are nowhere near it
        for r in touched or ():
            around = around.united(r)
        near_boxes = _boxes_near(touched or [])
        self.rerouted = 0
        try:
            # The real edges between cards shown (by their keys: no Qt call per hidden edge); from
            # the cards' own edges when few cards are shown (a long design collapsed into its
            # blocks), not from every one of its 11,000 edges.
            edges = (
                [
                    e
                    for c in shown
                    for e in c.edges
                    if e.target is c and e.source.layer_id in ids and self.edges.get(e.key) is e
                ]
                if 4 * len(shown) < len(self.edges)
                else [e for (a, b), e in self.edges.items() if a in ids and b in ids]
            )
            for edge in [*edges, *proxies]:
                if not edge.isVisible():
                    continue
                if edge.unrouted:  # just shown (CanvasGroups): routed here, with the grid
                    edge.update_path()
                    self.rerouted += 1
                    continue
                if touched is not None:  # first the kept corridor: no anchor worked out
                    corridor = edge.corridor()
                    if not corridor.intersects(around) or not any(
                        corridor.intersects(r) for r in near_boxes(corridor)
                    ):
                        continue
                if not edge.may_need_lane():
                    continue
                edge.update_path()
                self.rerouted += 1
        finally:
            self._grid_cards = self._grid = None

    def _edges_near(self, boxes: list[QRectF]) -> list[EdgeItem]:
        """The edges shown whose corridor (``EdgeItem.corridor``) meets one of ``boxes``, or
        that were shown without a path: what ``reroute_edges`` routes again near them.

        A corridor lies within the edge's path and a card's height around it, so within its
        bounding rectangle grown by that much: the scene's index finds every candidate."""
        found: dict[int, EdgeItem] = {}
        looked: set[int] = set()  # (an edge near many boxes is looked at once)
        mode = Qt.ItemSelectionMode.IntersectsItemBoundingRect
        for r in boxes:
            wide = r.adjusted(-CARD_WIDTH, -CARD_HEIGHT, CARD_WIDTH, CARD_HEIGHT)
            for item in self.items(wide, mode):
                key = id(item)
                if key in looked or not isinstance(item, EdgeItem) or not item.isVisible():
                    continue
                looked.add(key)
                if item.unrouted:
                    found[key] = item
                    continue
                corridor = item.corridor()  # (once, not once per box)
                if any(corridor.intersects(b) for b in boxes):
                    found[key] = item
        return list(found.values())

    @property
    def card_grid(self) -> BoxGrid | None:
        """The cards shown, in a grid, while edges are routed again (None otherwise)."""
        if self._grid is None and self._grid_cards is not None:
            self._grid = BoxGrid(
                {c.layer_id: (c.x(), c.y(), CARD_WIDTH, CARD_HEIGHT) for c in self._grid_cards}
            )
        return self._grid

    def _card_moved(self, old: Point, new: Point) -> None:
        """A card moved from ``old`` to ``new``: re-route the edges near either place, once the
        cards moving together have all moved."""
        for x, y in (old, new):
            self._moved_boxes.append((x, y, CARD_WIDTH, CARD_HEIGHT))
        self._reroute.start()

    def _reroute_near_moves(self) -> None:
        self.reroute_edges(near=self._moved_boxes)

    # ------------------------------------------------------- scene rectangle

    def cover(self, left: float, top: float, right: float, bottom: float) -> None:
        """Grow the scene rectangle, if need be, so that it holds this box with room to spare
        (a card added, moved or dragged, an edge routed round the cards, a group's frame).

        A few float comparisons when the box is already well inside: the rectangle changes
        only when a box comes within half a margin of its edge, and then reaches a whole
        margin past it (Qt re-indexes its items when the rectangle changes)."""
        r = self._rect
        half = SCENE_MARGIN / 2
        if r is not None and (
            left - half >= r[0]
            and top - half >= r[1]
            and right + half <= r[2]
            and bottom + half <= r[3]
        ):
            return
        m = SCENE_MARGIN
        grown = (left - m, top - m, right + m, bottom + m)
        if r is not None:
            grown = (
                min(r[0], grown[0]),
                min(r[1], grown[1]),
                max(r[2], grown[2]),
                max(r[3], grown[3]),
            )
        if self._rect_held:
            self._rect = grown  # set once the layout is done (see ``hold_rect``)
            return
        self._set_rect(grown)

    def cover_item(self, item: QGraphicsItem) -> None:
        """``cover`` an item's bounding rectangle in the scene."""
        r = item.sceneBoundingRect()
        self.cover(r.left(), r.top(), r.right(), r.bottom())

    def fit_rect(self, content: Box | None) -> None:
        """A new layout: the scene rectangle becomes ``content`` (the box of the cards shown)
        with a margin on every side, unless the current one already holds that and reaches
        less than two margins further on any side (then it stays: Qt re-indexes every item
        when it changes). ``None``: nothing shown."""
        if content is None:
            content = (0.0, 0.0, CARD_WIDTH, CARD_HEIGHT)
        m = SCENE_MARGIN
        wanted = (content[0] - m, content[1] - m, content[2] + m, content[3] + m)
        r = self._rect
        if r is not None and (
            wanted[0] - 2 * m <= r[0] <= wanted[0]
            and wanted[1] - 2 * m <= r[1] <= wanted[1]
            and wanted[2] <= r[2] <= wanted[2] + 2 * m
            and wanted[3] <= r[3] <= wanted[3] + 2 * m
        ):
            if self._rect_held == 0 and self.sceneRect() != QRectF(
                r[0], r[1], r[2] - r[0], r[3] - r[1]
            ):
                self._set_rect(r)
            return
        if self._rect_held:
            self._rect = wanted
            return
        self._set_rect(wanted)

    def hold_rect(self) -> None:
        """Many cards are about to be placed: ``cover`` only notes their boxes until
        ``release_rect`` sets the rectangle once."""
        self._rect_held += 1

    def release_rect(self) -> None:
        self._rect_held = max(0, self._rect_held - 1)
        if self._rect_held == 0 and self._rect is not None:
            r = self._rect
            if self.sceneRect() != QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1]):
                self._set_rect(r)

    def _set_rect(self, r: Box) -> None:
        self._rect = r
        self.rect_changes += 1
        self.setSceneRect(QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1]))

    @property
    def drop_hint(self) -> DropTarget:
        return self._drop_hint

    def _unread_card(self, layer_id: str) -> CardData:
        layer = self.document.design.layer(layer_id)
        ltype = REGISTRY.get(layer.type)
        return CardData(layer_id, layer.type, ltype.category if ltype else "")

    def card_data(self, layer_id: str) -> CardData:
        key = self._card_key(layer_id)
        if key is not None:
            self._card_keys[layer_id] = key  # what this card's data is computed from
        design = self.document.design
        analysis = self.document.analysis
        layer = design.layer(layer_id)
        ltype = REGISTRY[layer.type]
        # As stored: a card shows no receptive field, and reading one left out of date brings
        # every field before it up to date (a card at the end of a long design, after an edit).
        info = analysis.stored(layer_id)
        diags = list(info.diagnostics) if info else []
        diags += [d for d in analysis.structural if d.layer == layer_id]
        errors = sum(d.severity == "error" for d in diags)
        warnings = sum(d.severity == "warning" for d in diags)
        status = info.status if info else "unknown"
        if errors and status != "error":
            status = "error"
        shape = fmt_shape(info.display_shape) if info and info.output_shape is not None else "?"
        outputs = tuple(fmt_shape(o) for o in info.output_shapes) if info else ()
        if outputs:
            shape = (
                f"{len(outputs)}× {outputs[0]}" if len(set(outputs)) == 1 else " | ".join(outputs)
            )
        lines = [f"<b>{layer_id}</b> · {layer.type}", ltype.summary]
        if info and outputs:
            lines.append(
                "Outputs: " + ", ".join(f"<b>{layer_id}:{k}</b> {o}" for k, o in enumerate(outputs))
            )
        elif info and info.output_shape is not None:
            lines.append(
                f"Output: <b>{shape}</b> (H×W×C)"
                if len(info.output_shape) == 3
                else f"Output: <b>{shape}</b>"
            )
            if info.display_shape != info.output_shape:
                lines.append(
                    f"Channels-last: the tensor is N×{fmt_shape(info.output_shape, 'chw')} (N×H×W×C)"
                )
        elif status == "unknown":
            lines.append("Output unknown: a layer upstream has an error.")
        for d in diags[:6]:
            color = {"error": "#c0392b", "warning": "#a06a00"}.get(d.severity, "#555")
            lines.append(f"<span style='color:{color}'>{d.severity}: {_html(d.message)}</span>")
        return CardData(
            layer_id,
            layer.type,
            ltype.category,
            key_params_text(layer),
            shape,
            status,
            errors,
            warnings,
            "<br>".join(lines),
            outputs,
        )

    def _refresh_card(self, layer_id: str) -> None:
        """Mark the card (and its outgoing edges) for redrawing; its texts are recomputed
        lazily when it is painted, so an edit that changes 500 shapes costs 500 flags."""
        card = self.cards.get(layer_id)
        if card is None or layer_id not in self.document.design:
            return  # removed: the layer_removed event that follows drops the card
        self.refresh_count += 1
        card.mark_stale()
        self.overview.card_changed(layer_id)

    def helpEvent(self, event: QGraphicsSceneHelpEvent) -> None:
        for item in self.items(
            event.scenePos(),
            Qt.ItemSelectionMode.IntersectsItemShape,
            Qt.SortOrder.DescendingOrder,
            QTransform(),
        ):
            if isinstance(item, EdgeItem):
                item.setToolTip(item.tooltip_text())
                break
            if isinstance(item, LayerCard):
                item.content  # noqa: B018 - refreshes a stale card's tooltip
                break
        super().helpEvent(event)

    def _on_analysis_updated(self, ids: set[str] | frozenset[str]) -> None:
        # A layer can change without its card changing: an edit upstream that keeps the shapes
        # still changes every receptive field downstream. Only cards whose shown results changed
        # are redrawn, so such an edit repaints one card, not thousands; and the layers whose
        # field alone changed (no card shows it) are not even looked at.
        ids = self.document.analysis.beyond_fields(ids)
        keys = self._card_keys
        cards = self.cards
        unread: list[str] = []
        for lid in ids:
            if lid not in keys:
                card = cards.get(lid)
                if card is not None and card.stale:  # never read: computed fresh when it is
                    unread.append(lid)
                    continue
                self._refresh_card(lid)
            elif keys[lid] != self._card_key(lid):
                self._refresh_card(lid)
        self.overview.cards_changed(unread)

    def _card_key(self, layer_id: str) -> tuple[object, ...] | None:
        """What a card shows of the analysis (shapes, status, messages), or None if unknown."""
        analysis = self.document.analysis
        info = analysis.stored(layer_id)  # (no field: see card_data)
        if info is None:
            return None
        structural = tuple(d.message for d in analysis.structural if d.layer == layer_id)
        messages = tuple((d.severity, d.message) for d in info.diagnostics)
        # Fields some analyses add (several outputs, channels-last) count when present.
        extra = tuple(getattr(info, name, None) for name in ("output_shapes", "channel_axis"))
        return (info.output_shape, info.status, messages, structural, extra)

    def _on_batch_started(self) -> None:
        self._batch_depth += 1
        self._batch_layers = 0

    def _on_bulk_started(self, count: int) -> None:
        """A bulk step is about to tell this many layers removed or put back, one by one: the
        bulk mode starts now if they are more than ``BULK_LAYERS``, else they are counted as
        they come (``_count_layer``)."""
        if count > BULK_LAYERS:
            self._enter_bulk()

    def _count_layer(self) -> None:
        """A layer added or removed: within a batch, the one past ``BULK_LAYERS`` starts the
        bulk mode (the cards before it were made or dropped one by one, as outside a batch)."""
        if self._batch_depth and self._bulk is None:
            self._batch_layers += 1
            if self._batch_layers > BULK_LAYERS:
                self._enter_bulk()

    def _enter_bulk(self) -> None:
        if self._bulk is None and self._batch_depth:
            self._bulk = []
            # Drawn anew from the scene when next painted (once), not patched card by card.
            self.overview.invalidate()

    def _on_batch_finished(self) -> None:
        """The batch's layers were all told: the scene rectangle grows once to hold the
        cards added, and one reroute (when the event loop next runs, as after any move) routes
        the edges made without a path and those near where cards came or went."""
        self._batch_depth = max(0, self._batch_depth - 1)
        if self._batch_depth:
            return
        self._batch_layers = 0
        boxes, self._bulk = self._bulk, None
        if boxes is None:
            return
        self.overview.invalidate()
        added = [box for box, new in boxes if new]
        if added:
            self.cover(
                min(b[0] for b in added),
                min(b[1] for b in added),
                max(b[0] for b in added) + CARD_WIDTH,
                max(b[1] for b in added) + CARD_HEIGHT,
            )
        self._moved_boxes.extend(box for box, _new in boxes)
        self._reroute.start()

    def _on_layer_added(self, layer_id: str) -> None:
        self._count_layer()
        design = self.document.design
        pos = design.position(layer_id)
        if pos is None:
            pos = auto_layout(design, self.direction, only=[layer_id])[layer_id]  # type: ignore[arg-type]
        if self._bulk is not None:
            self._add_card_in_bulk(layer_id, pos)
            return
        card = LayerCard(self.card_data(layer_id), self.direction, self.card_data)
        card.move_to(pos[0], pos[1])
        self.addItem(card)
        self.cover(pos[0], pos[1], pos[0] + CARD_WIDTH, pos[1] + CARD_HEIGHT)
        self.cards[layer_id] = card
        self.overview.adopt(card)
        self._rebuild_edges_into(layer_id)
        for consumer in design.consumers(layer_id):
            self._rebuild_edges_into(consumer)
        self._card_moved(pos, pos)  # a lane it now stands in goes round it

    def _add_card_in_bulk(self, layer_id: str, pos: Point) -> None:
        """``_on_layer_added`` within a bulk step: the card is made as ``rebuild`` makes it (its
        texts computed when first painted or read, its ports when first drawn up close), its
        edges without a path; the reroute after the batch routes them (``_on_batch_finished``)."""
        assert self._bulk is not None
        card = LayerCard(
            self._unread_card(layer_id), self.direction, self.card_data, stale=True, ports=False
        )
        card.setPos(pos[0], pos[1])  # (no edges yet, not in the scene: nothing else follows)
        self._card_keys.pop(layer_id, None)  # (a layer put back: read afresh when painted)
        self.addItem(card)
        self.portless.add(card)  # shown without ports (``prepare_up_close``)
        self.cards[layer_id] = card
        self.overview.adopt(card)
        self._bulk.append(((pos[0], pos[1], CARD_WIDTH, CARD_HEIGHT), True))
        self._rebuild_edges_into(layer_id)
        cards = self.cards
        for consumer in self.document.design.consumers_unordered(layer_id):
            if consumer in cards:  # (one put back later in the step makes its own edges)
                self._rebuild_edges_into(consumer)

    def _on_layer_removed(self, layer_id: str) -> None:
        card = self.cards.pop(layer_id, None)
        if card is None:
            return
        self._count_layer()
        # Removed without a ``selectionChanged`` each (Qt emits one per selected item removed,
        # and its listeners read the whole selection: deleting 1,500 selected layers took
        # 25 s); one follows, for them all, when the event loop next runs.
        selected = card.isSelected() or any(edge.isSelected() for edge in card.edges)
        blocked = self.blockSignals(True)
        try:
            for edge in list(card.edges):
                self._remove_edge(edge)
            if self._drop_hint is card:
                self._drop_hint = None
            self.portless.discard(card)
            self._raised.discard(card)
            if self.hidden_items is not None:
                self.hidden_items.forget(card)
            self.removeItem(card)
        finally:
            self.blockSignals(blocked)
        if selected and not blocked and not self._selection_owed:
            self._selection_owed = True
            self._selection_timer.start()
        if self._bulk is not None:  # rerouted near it once, after the batch
            self._bulk.append(((card.x(), card.y(), CARD_WIDTH, CARD_HEIGHT), False))
        else:
            self._card_moved(
                (card.x(), card.y()), (card.x(), card.y())
            )  # a nearer lane may be free
        self.overview.item_removed(card)

    def _on_inputs_changed(self, layer_id: str) -> None:
        self._rebuild_edges_into(layer_id)
        self._refresh_card(layer_id)

    def _on_renamed(self, old: str, new: str) -> None:
        """The card, its edges (keyed by their ends' ids) and the overview's block and lines
        are re-keyed, not looked up again among every card and edge; the card shows its new
        id now, and the cards it feeds (a message of theirs may name it) when next painted."""
        card = self.cards.pop(old, None)
        if card is None:
            return
        self.cards[new] = card
        card.set_layer_id(new)
        edges = self.edges
        for edge in card.edges:
            source, target = edge.key
            before = (old if source == new else source, old if target == new else target)
            if edges.get(before) is edge:
                del edges[before]
                edges[(source, target)] = edge
        keys = self._card_keys
        if old in keys:
            keys[new] = keys.pop(old)
        self.overview.renamed(old, new)
        card.refresh(self.card_data(new))
        for edge in card.edges:
            if edge.source is card:
                self._refresh_card(edge.target.layer_id)

    def _on_layout_changed(self, layer_id: str) -> None:
        card = self.cards.get(layer_id)
        if card is None:
            return
        pos = self.document.design.position(layer_id)
        if pos is None:
            pos = auto_layout(self.document.design, self.direction, only=[layer_id])[layer_id]  # type: ignore[arg-type]
        old = (card.pos().x(), card.pos().y())
        if old != pos:
            card.move_to(pos[0], pos[1])  # the overview follows it (``_touch_overview``)
            self._card_moved(old, pos)

    def _rebuild_edges_into(self, target: str) -> None:
        card = self.cards.get(target)
        if card is None:
            return
        layer = self.document.design.layer(target)
        wanted = [s for s in layer.sources if s in self.cards]
        for edge in [e for e in card.edges if e.target is card]:
            if edge.source.layer_id not in wanted:
                self._remove_edge(edge)
        for source in wanted:
            found = self.edges.get((source, target))
            if found is None:
                # Within a bulk step: no path yet (routed at its end, every card in place).
                bulk = self._bulk is not None
                edge = EdgeItem(self.cards[source], card, route=not bulk)
                if bulk:
                    self._unrouted.append(edge)
                self.addItem(edge)
                self.edges[(source, target)] = edge
                self.overview.adopt(edge)
            else:
                edge = found
            outputs = tuple(split_ref(i)[1] for i in layer.inputs if source_of(i) == source)
            if outputs != edge.outputs:
                edge.outputs = outputs
                edge.update()

    def _remove_edge(self, edge: EdgeItem) -> None:
        if self.edges.get(edge.key) is edge:
            self.overview.item_removed(edge)
        else:
            self.overview.invalidate()
        edge.detach()
        self.edges.pop(edge.key, None)
        if self._drop_hint is edge:
            self._drop_hint = None
        if edge.scene() is self:
            if self.hidden_items is not None:
                self.hidden_items.forget(edge)
            self.removeItem(edge)

    def edge_geometry(
        self,
    ) -> tuple[
        dict[tuple[str, str], list[tuple[float, float]]],
        dict[str, tuple[float, float, float, float]],
    ]:
        """The drawn path of every visible edge (flattened to points) and the box of every visible
        card, in scene coordinates: what ``designer.core.routing.edge_crossings`` measures."""
        boxes: dict[str, tuple[float, float, float, float]] = {}
        for card in self.cards.values():
            if card.isVisible():
                boxes[card.layer_id] = (card.x(), card.y(), CARD_WIDTH, CARD_HEIGHT)
        for group_card in self.grouping.cards.values():
            boxes[group_card.layer_id] = (group_card.x(), group_card.y(), CARD_WIDTH, CARD_HEIGHT)
        paths: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for edge in [*self.edges.values(), *self.grouping.proxy_edges]:
            if edge.isVisible() and edge.scene() is self:
                paths[edge.key] = path_points(edge.path())
        return paths, boxes

    def set_direction(self, direction: str) -> None:
        direction = "TB" if direction == "TB" else "LR"
        if direction == self.direction:
            return  # (Tidy Up in the same direction: the cards are moved next, nothing else)
        self.direction = direction
        for card in self.cards.values():
            card.set_direction(direction, route=False)
        # Each edge routed once (each card routed all its edges: every edge twice), the hidden
        # ones when shown.
        grouping = getattr(self, "grouping", None)
        for edge in [*self.edges.values(), *(grouping.proxy_edges if grouping else [])]:
            edge.unrouted = True
        self.reroute_edges()
        self.overview.invalidate()

    # ------------------------------------------------------------ selection

    def selected_ids(self) -> list[str]:
        return [c.layer_id for c in cards_in(self.selectedItems())]

    def selected_edges(self) -> list[EdgeItem]:
        return [i for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def _pay_selection(self) -> None:
        """The one ``selectionChanged`` owed for selected cards removed (``_on_layer_removed``)."""
        if self._selection_owed:
            self._selection_owed = False
            self.selectionChanged.emit()

    def _on_scene_selection(self) -> None:
        change = self.band_change
        if change is None:
            self.selection_serial += 1
        if self._syncing:
            return
        # Selected cards drawn above the others: only the cards whose selection changed are
        # raised or lowered (every card's, at each move of a rubber band over a 10,000-layer
        # design, was 10,000 calls into Qt a move).
        raised = self._raised
        if change is None or change.full:
            selected_cards: list[LayerCard] | None = cards_in(self.selectedItems())
            now = set(selected_cards or ())
            for card in raised - now:
                card.setZValue(1)
            for card in now - raised:
                card.setZValue(1.5)
            self._raised = raised = now
        else:
            # A band's move: the change it made, not the whole selection read again.
            selected_cards = None
            for item in change.removed:
                if item in raised:
                    item.setZValue(1)
                    raised.discard(item)
            for item in change.added:
                if isinstance(item, LayerCard):
                    item.setZValue(1.5)
                    raised.add(item)
        if len(raised) > 1 and self._banding():
            # (the table, the inspector and the other views followed every move: 20 ms a
            # move while a band swept over thousands of cards)
            self._band_owed = True
            self._band_timer.start()
            return
        self._tell_document(
            selected_cards if selected_cards is not None else cards_in(self.selectedItems())
        )

    # ------------------------------------------------------- rubber band

    def band_started(self) -> None:
        """A view began a rubber band (its button went down on the empty canvas)."""
        self._band = BandSelection(self)

    def band_select(self, area: QPainterPath, add: bool) -> BandChange:
        """One move of the band: select what ``area`` (scene coordinates) covers, as Qt's
        ``setSelectionArea`` with ``IntersectsItemShape`` (``add``: Ctrl held, nothing is
        deselected); one ``selectionChanged`` for the move, with ``band_change`` set while
        it is emitted. Returns the change made."""
        band = self._band
        if band is None:
            band = self._band = BandSelection(self)
        blocked = self.blockSignals(True)
        try:
            change = band.select(area, add, self._band_state())
        finally:
            self.blockSignals(blocked)
        if (change.added or change.removed) and not blocked:
            self.band_change = change
            try:
                self.selectionChanged.emit()
            finally:
                self.band_change = None
        band.note(self._band_state())
        return change

    def band_finished(self) -> None:
        self._band = None

    def _band_state(self) -> tuple[object, ...]:
        """What changes when anything but a band's move changes the items or the selection."""
        return (self.selection_serial, self.overview.content_version, len(self.cards))

    def flush_selection(self) -> None:
        """Tell the document the selection a rubber band made, if it is owed (the view calls
        this when the mouse button is let go)."""
        if self._band_owed:
            self._band_timer.stop()
            self._tell_document(cards_in(self.selectedItems()))

    def _banding(self) -> bool:
        """Whether a rubber band is being swept over one of the views now."""
        return any(getattr(view, "banding", False) for view in self.views())

    def _check_band(self) -> None:
        if self._banding():
            self._band_timer.start()  # (still sweeping)
        else:
            self.flush_selection()  # (let go where the view did not see it)

    def _tell_document(self, selected_cards: list[LayerCard]) -> None:
        self._band_owed = False
        ids = [c.layer_id for c in selected_cards]
        selected = set(ids)
        previous = [i for i in self.document.selection if i in selected]
        kept = set(previous)
        added = [i for i in ids if i not in kept]
        self._syncing = True
        try:
            self.document.select(previous + added)
        finally:
            self._syncing = False

    def _on_document_selection(self, ids: list[str]) -> None:
        if self._syncing:
            return
        wanted = set(ids)
        self._syncing = True
        # One ``selectionChanged`` for the whole change, not one per card: its listeners read
        # the selection (Select All of 10,000 layers was quadratic: 39 s).
        blocked = self.blockSignals(True)
        changed = False
        try:
            for item in self.selectedItems():
                if not (isinstance(item, LayerCard) and item.layer_id in wanted):
                    item.setSelected(False)
                    changed = True
            for lid in ids:
                card = self.cards.get(lid)
                if card is not None and not card.isSelected():
                    card.setSelected(True)
                    changed = True
        finally:
            self.blockSignals(blocked)
            try:
                if changed and not blocked:
                    self.selectionChanged.emit()
            finally:
                self._syncing = False

    # ------------------------------------------------------------- gestures

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.press_taken = True
        if event.button() == Qt.MouseButton.LeftButton:
            item = self.itemAt(event.scenePos(), QTransform())
            if isinstance(item, Port) and item.kind == "out":
                self._cancel_gestures()
                self._link = NewLinkGesture(self, item.card, self.direction)
                event.accept()
                return
        super().mousePressEvent(event)
        # (Not taken: the view begins a rubber band, as Qt's own view would.)
        self.press_taken = event.isAccepted()
        if event.button() == Qt.MouseButton.LeftButton:
            item = self.itemAt(event.scenePos(), QTransform())
            if isinstance(item, LayerCard):
                self._move = MoveGesture(cards_in(self.selectedItems()))

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._link is not None:
            self._link.move(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)
        if self._move is not None:
            for card in self._move.cards:
                card.update_edges()
                x, y = card.x(), card.y()
                self.cover(x, y, x + CARD_WIDTH, y + CARD_HEIGHT)  # dragged past the edge
                self.overview.item_moved(card)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._link is not None and event.button() == Qt.MouseButton.LeftButton:
            link, self._link = self._link, None
            result = link.finish(event.scenePos())
            if result is not None:
                self.connect_layers(*result)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self._move is not None and event.button() == Qt.MouseButton.LeftButton:
            move, self._move = self._move, None
            moves = move.finish()
            if moves:
                self.document.move_layers(moves)
                for lid, pos in moves.items():
                    self._card_moved(move.start[lid], pos)

    def _cancel_gestures(self) -> None:
        if self._link is not None:
            self._link.cancel()
            self._link = None
        self._move = None

    def cancel_gesture(self) -> bool:
        """Escape: abandon a connection in progress. True if there was one."""
        had = self._link is not None
        self._cancel_gestures()
        return had

    # --------------------------------------------------------------- groups

    def group_selection(self) -> str | None:
        """Ctrl+G: the selected layers and blocks become a new group, shown collapsed."""
        layers = self.selected_ids()
        groups = self.grouping.selected_groups()
        try:
            with self.grouping.holding_groups():
                gid = self.document.group(layers, groups)
        except DesignError as exc:
            self.message.emit(f"Cannot group: {exc}")
            return None
        self.message.emit(
            f"Grouped as {gid}: double-click the card to open it, Ctrl+Shift+G to ungroup."
        )
        self.grouping.collapse(gid)
        self.grouping.flush()  # (laid out already if the new block was shut before)
        return gid

    def ungroup(self, group_id: str | None = None) -> str | None:
        """Ctrl+Shift+G: dissolve the selected block (or the innermost group of the current layer)."""
        if group_id is None:
            chosen = self.grouping.selected_groups()
            current = self.document.current
            if chosen:
                group_id = chosen[0]
            elif current is not None and current in self.document.design:
                chain = self.grouping.index.chain(current)
                group_id = chain[-1] if chain else None
        if group_id is None:
            self.message.emit("Cannot ungroup: select a block or a layer inside one first")
            return None
        try:
            self.document.ungroup(group_id)
        except DesignError as exc:
            self.message.emit(f"Cannot ungroup: {exc}")
            return None
        return group_id

    # ---------------------------------------------------------------- edits

    def connect_layers(self, source: str, target: str) -> bool:
        try:
            self.document.connect_layers(source, target)
        except DesignError as exc:
            self.message.emit(f"Cannot connect: {exc}")
            return False
        return True

    def drop_target_at(self, pos: QPointF) -> DropTarget:
        edge: EdgeItem | None = None
        for item in self.items(
            pos,
            Qt.ItemSelectionMode.IntersectsItemShape,
            Qt.SortOrder.DescendingOrder,
            QTransform(),
        ):
            card = item.card if isinstance(item, Port) else item
            if isinstance(card, LayerCard):
                return card
            if isinstance(item, EdgeItem) and edge is None and self.edges.get(item.key) is item:
                edge = item  # an edge into a collapsed block is not a place to insert a layer
        return edge

    def show_drop_hint(self, pos: QPointF | None) -> None:
        target = self.drop_target_at(pos) if pos is not None else None
        if target is self._drop_hint:
            return
        if self._drop_hint is not None:
            self._drop_hint.set_drop_highlight(False)
        self._drop_hint = target
        if target is not None:
            target.set_drop_highlight(True)
        self.overview.marks_changed()  # (zoomed out, the overview draws the drop target)

    def handle_drop(self, type_id: str, pos: QPointF) -> str | None:
        """A layer type dropped at ``pos``: free layer, inserted into an edge, or appended to a card."""
        self.show_drop_hint(None)
        if type_id not in REGISTRY:
            self.message.emit(f"Unknown layer type {type_id!r}")
            return None
        target = self.drop_target_at(pos)
        doc = self.document
        # A drop on a long design is a structural edit as a paste is: on 10,000 layers the
        # window takes about a tenth of a second to follow it (the canvas, the table, the 3D
        # view), so the cursor says so, as for Paste, Delete and Undo.
        views = self.views()
        status = window_status(views[0]) if views else None
        try:
            with busy(len(doc.design), f"Adding {type_id}…", status):
                return self._drop(type_id, pos, target)
        except DesignError as exc:
            self.message.emit(f"Cannot add {type_id}: {exc}")
            return None

    def _drop(self, type_id: str, pos: QPointF, target: DropTarget) -> str:
        doc = self.document
        if isinstance(target, LayerCard):
            after = target.layer_id
            new_pos = self._beside(target.pos())
            with doc.macro(f"Append {type_id} after {after}"):
                lid = doc.append_after(type_id, after, new_pos, select=False)
                self._make_room(lid, new_pos)
            doc.select([lid])  # (after the cards moved: a collapsed view laid out once)
        elif isinstance(target, EdgeItem):
            source, tgt = target.key
            a, b = target.source.pos(), target.target.pos()
            new_pos = self._between(a, b)
            with doc.macro(f"Insert {type_id} between {source} and {tgt}"):
                lid = doc.insert_on_edge(type_id, source, tgt, new_pos, select=False)
                self._make_room(lid, new_pos)
            doc.select([lid])
        else:
            new_pos = (round(pos.x() - CARD_WIDTH / 2, 1), round(pos.y() - CARD_HEIGHT / 2, 1))
            lid = doc.add_layer(type_id, position=new_pos)
        return lid

    def _beside(self, p: QPointF) -> Point:
        if self.direction == "TB":
            return (p.x(), p.y() + CARD_HEIGHT + ROW_GAP + 8)
        return (p.x() + CARD_WIDTH + COLUMN_GAP, p.y())

    def _between(self, a: QPointF, b: QPointF) -> Point:
        step_x, step_y = (
            (CARD_WIDTH + COLUMN_GAP, 0.0)
            if self.direction == "LR"
            else (0.0, CARD_HEIGHT + ROW_GAP + 8)
        )
        mid = ((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
        ahead = (a.x() + step_x, a.y() + step_y)
        # Enough room between the two cards: the middle; otherwise right after the source.
        room = abs(b.x() - a.x()) >= 2 * step_x if step_x else abs(b.y() - a.y()) >= 2 * step_y
        return (round(mid[0], 1), round(mid[1], 1)) if room else ahead

    def _make_room(self, new_id: str, pos: Point) -> None:
        """Shift the new layer's downstream cards along the flow if the new card overlaps any card.

        The cards near it and on its line come from the scene's index (the cards shown) and
        from the cards hidden in collapsed blocks, not from a pass over every card (10 ms on
        10,000 layers)."""
        x, y = pos
        reach_x, reach_y = CARD_WIDTH + 8, CARD_HEIGHT + 8
        near = self._cards_at(
            QRectF(x - reach_x, y - reach_y, 2 * reach_x + CARD_WIDTH, 2 * reach_y + CARD_HEIGHT)
        )
        if not any(
            c.layer_id != new_id and abs(c.x() - x) < reach_x and abs(c.y() - y) < reach_y
            for c in near
        ):
            return
        if self.direction == "LR":
            dx, dy = CARD_WIDTH + COLUMN_GAP, 0.0
            right = self.sceneRect().right() + CARD_WIDTH
            line = QRectF(x - 1, y - CARD_HEIGHT / 2, max(right - x, 1.0), 2 * CARD_HEIGHT)
        else:
            dx, dy = 0.0, CARD_HEIGHT + ROW_GAP + 8
            bottom = self.sceneRect().bottom() + CARD_HEIGHT
            line = QRectF(x - CARD_WIDTH / 2, y - 1, 2 * CARD_WIDTH, max(bottom - y, 1.0))
        downstream = self.document.analysis.downstream_set(new_id)
        moves: dict[str, Point] = {}
        # Only the new card's own row (column, top to bottom) moves along: shifting the rows a long
        # design wraps onto would leave a gap at their start.
        for card in self._cards_at(line):
            lid = card.layer_id
            if lid == new_id or lid not in downstream:
                continue
            if self.direction == "LR":
                same_line = card.x() >= x - 1 and abs(card.y() - y) < CARD_HEIGHT / 2
            else:
                same_line = card.y() >= y - 1 and abs(card.x() - x) < CARD_WIDTH / 2
            if same_line:
                moves[lid] = (card.x() + dx, card.y() + dy)
        if moves:
            self.document.move_layers(moves)

    def _cards_at(self, rect: QRectF) -> list[LayerCard]:
        """The layer cards whose box meets ``rect``: the shown ones from the scene's index, and
        every card hidden in a collapsed block (their places count when it opens again)."""
        found = cards_in(self.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect))
        grouping = getattr(self, "grouping", None)
        if grouping is not None and grouping.hidden:
            cards = self.cards
            found += [cards[lid] for lid in grouping.hidden if lid in cards]
        return found

    def delete_selection(self) -> None:
        ids = self.selected_ids()
        edges = [
            e.key for e in self.selected_edges() if e.key[0] not in ids and e.key[1] not in ids
        ]
        if not ids and not edges:
            return
        doc = self.document
        with doc.macro(
            "Delete selection"
            if ids and edges
            else (
                f"Delete {len(ids)} layers"
                if len(ids) > 1
                else (f"Delete {ids[0]}" if ids else "Disconnect")
            )
        ):
            for source, target in edges:
                doc.disconnect_layers(source, target)
            if ids:
                doc.remove_layers(ids)

    def copy_selection(self, clipboard: QClipboard) -> int:
        ids = self.selected_ids()
        if ids:
            put_on_clipboard(clipboard, fragment_text(self.document.design, ids))
        return len(ids)

    def cut_selection(self, clipboard: QClipboard) -> int:
        n = self.copy_selection(clipboard)
        if n:
            ids = self.selected_ids()
            with self.document.macro(f"Cut {n} layer{'s' if n != 1 else ''}"):
                self.document.remove_layers(ids)
        return n

    def paste(self, clipboard: QClipboard) -> list[str]:
        text = clipboard_fragment(clipboard)
        if text is None:
            self.message.emit("Nothing to paste: the clipboard holds no layers")
            return []
        return self.paste_text(text)

    def paste_text(self, text: str) -> list[str]:
        try:
            layers, positions = parse_fragment(text)
        except FragmentError as exc:
            self.message.emit(f"Cannot paste: {exc}")
            return []
        if not layers:
            return []
        try:
            return self.document.paste_layers(
                layers, positions, self.free_offset(list(positions.values()))
            )
        except DesignError as exc:
            self.message.emit(f"Cannot paste: {exc}")
            return []

    def free_offset(self, positions: list[Point]) -> Point:
        """How far to move pasted cards so that none covers a card already on the canvas.

        A copy lands in the nearest free place a whole card step away (below or above a row
        first), never on top of what it copies.
        """
        if not positions:
            return (0.0, 0.0)
        # The cards already there, in cells a card (and its margin) wide and high: a place is
        # checked against the cards in the cells around it (each copied card against every card
        # of a 10,000-layer design was 500,000 tests per place tried).
        cw, ch = CARD_WIDTH + 8, CARD_HEIGHT + 8
        cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for c in self.cards.values():
            tx, ty = c.x(), c.y()
            cells.setdefault((math.floor(tx / cw), math.floor(ty / ch)), []).append((tx, ty))

        def clear(dx: float, dy: float) -> bool:
            for x, y in positions:
                px, py = x + dx, y + dy
                i, j = math.floor(px / cw), math.floor(py / ch)
                for ci in (i - 1, i, i + 1):
                    for cj in (j - 1, j, j + 1):
                        for tx, ty in cells.get((ci, cj), ()):
                            if abs(px - tx) < cw and abs(py - ty) < ch:
                                return False
            return True

        xs, ys = [p[0] for p in positions], [p[1] for p in positions]
        sx = max(xs) - min(xs) + CARD_WIDTH + COLUMN_GAP
        sy = max(ys) - min(ys) + CARD_HEIGHT + ROW_GAP
        # The nearest free place on a grid of whole steps around the originals; across the flow
        # first (below a row, beside a column), where a copy reads as a parallel branch.
        across = (0, 1) if self.direction == "LR" else (1, 0)
        grid = [(i, j) for i in range(-4, 5) for j in range(-4, 5) if (i, j) != (0, 0)]
        back = (-across[0], -across[1])
        grid.sort(key=lambda ij: (max(abs(ij[0]), abs(ij[1])), ij != across, ij != back))
        for i, j in grid:
            if clear(i * sx, j * sy):
                return (i * sx, j * sy)
        n = 5
        while not clear(across[0] * n * sx, across[1] * n * sy):
            n += 1
        return (across[0] * n * sx, across[1] * n * sy)

    def duplicate_selection(self) -> list[str]:
        ids = self.selected_ids()
        if not ids:
            return []
        return self.paste_text(fragment_text(self.document.design, ids))

    def select_all(self) -> None:
        self.document.select(self.document.design.ids)


def guess_direction(layout: dict[str, Point], layers: Iterable[tuple[list[str], str]]) -> str:
    """ "TB" when a design's stored layout mostly flows downwards, else "LR"."""
    down = across = 0.0
    for inputs, lid in layers:
        b = layout.get(lid)
        for src in inputs:
            a = layout.get(src)
            if a is None or b is None:
                continue
            down += abs(b[1] - a[1])
            across += abs(b[0] - a[0])
    return "TB" if down > across else "LR"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

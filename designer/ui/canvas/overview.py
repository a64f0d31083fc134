"""The zoomed-out canvas drawn in a few batched calls instead of one Python call per item.

Below ``DETAIL_LOD`` a card is a coloured block and an edge a thin line: no text is legible.
Painting thousands of such items one by one (a card, its two ports, its edge: four Python
``paint`` calls per layer) made a zoom step at fit view of 10,000 layers take seconds. In
overview mode the cards and the edges between layer cards are flagged ``ItemHasNoContents``
(Qt skips their ``paint``; they stay in the scene for hit tests, selection and tooltips), the
ports are hidden and the view draws them all in ``drawForeground`` from cached paths: one filled
path per colour and one stroked path per edge style.

The cached paths are rebuilt only when something they show changes: a card's colour (its
category, or grey when its shape is unknown) or error outline, a card moved, shown or hidden, an
edge added, removed or re-routed. An edit that keeps every card's status (most edits: a
kernel size, a channel count) rebuilds nothing; the selection, the drop target and hovered edges
are drawn on top of the cached paths from the scene's few selected or highlighted items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsItem, QWidget
from shiboken6 import isValid

from designer.core.layout import CARD_HEIGHT, CARD_WIDTH
from designer.core.registry import REGISTRY
from designer.ui import theme
from designer.ui.canvas.items import DETAIL_LOD, EdgeItem, LayerCard

if TYPE_CHECKING:
    from designer.ui.canvas.band import BandChange
    from designer.ui.canvas.scene import DesignScene

NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents

#: (category or "" for an unknown shape, error outline) per card, what its overview block shows.
Look = tuple[str, bool]
#: From this many selected cards on, their outlines are drawn once into a kept picture.
MANY_OUTLINES = 200
#: A selection change between this few cards and edges repaints the canvas only round them.
FEW_OUTLINES = 64
#: From this many cards restyled at once, every bucket's paths are made again in one pass.
BULK_RESTYLE = 1024
#: A card's look and where its block is.
Block = tuple[Look, QRectF]
#: A widget told when what the overview draws changes, and (optional) told where only the
#: selection changed, by a rubber band's move (scene rectangles).
Watcher = tuple[QObject, Callable[[], object], Callable[[list[QRectF]], object] | None]
#: What each change of the selection by a band's move did to the lines and outlines drawn: the
#: edges and cards it added, and the places (scene rectangles) where it took some away; None
#: for any other change (kept pictures are drawn anew).
Added = tuple[list[EdgeItem], list[LayerCard], list[QRectF]] | None
#: How many changes of the selection are remembered (``_added``).
ADDED_KEPT = 256
#: The blocks and lines are kept in this many paths each (by a hash of the card's id, a line by
#: its source's): a card moved or restyled makes its share of them again, not all 10,000 blocks
#: and 11,000 lines (a card dragged at 100 % zoom did, for the minimap, at every move).
BUCKETS = 64


def _pixel_hole(box: QRectF, ratio: float) -> QRectF:
    """``box`` (widget coordinates) grown by 3 pixels and put on whole pixels of a picture of
    this device-pixel ``ratio``: a clip or fill that cuts pixels would blend those on its edge."""
    pixels = box.adjusted(-3, -3, 3, 3)
    aligned = QRectF(
        pixels.left() * ratio, pixels.top() * ratio, pixels.width() * ratio, pixels.height() * ratio
    ).toAlignedRect()
    return QRectF(
        aligned.x() / ratio, aligned.y() / ratio, aligned.width() / ratio, aligned.height() / ratio
    )


def bucket(layer_id: str) -> int:
    """Which of the paths holds this card's block and the lines out of it."""
    return hash(layer_id) & (BUCKETS - 1)


class Overview:
    """Batched drawing of a design's layer cards and edges when zoomed out (see the module doc)."""

    def __init__(self, scene: DesignScene) -> None:
        self.scene = scene
        self.active = False
        self.rebuilds = 0  # cached paths rebuilt (for tests and benchmarks)
        # Told (once until the overview is next painted or ``seen``) when what it draws may have
        # changed: the canvas and the minimap repaint and the minimap fits itself again. (They
        # listened to the scene's ``changed`` signal before, which puts every view of the
        # scene in Qt's compatibility mode: each geometry change of any item, 21,000 of them
        # when a 10,000-layer design opens, then calls the item's Python ``boundingRect`` and
        # adds its rectangle to a list handed to Python.)
        self._watchers: list[Watcher] = []
        self._told = False
        # Counts every card or edge moved, added, removed, shown or hidden (the minimap keeps
        # the box round the cards until it changes).
        self._content_version = 0
        # What each change since ``_cards_since`` did to the cards shown: (version, a card's
        # box, added (True) or removed (False)); changes that add or remove no card shown are
        # not listed. The minimap brings its box up to date from these (``card_changes``).
        self._card_log: list[tuple[int, QRectF, bool]] = []
        self._cards_since = 0
        # Up close, the cards and edges drawn there so far, unflagged (``detail_in``); every
        # other card and edge is flagged ``ItemHasNoContents``. Counts the changes of mode.
        self._detailed: set[QGraphicsItem] = set()
        self.mode_version = 0
        # Counts the changes ``detail_in`` has to look at again: a layer card or an edge between
        # layer cards added, moved, shown or hidden (not a block card or proxy edge of the
        # collapsed view: an edit that splits a run moves only those).
        self.detail_version = 0
        self._looks: dict[str, Look] = {}  # each drawn card's (hidden ones are not drawn)
        self._rects: dict[str, QRectF] = {}  # where each drawn card is
        # Each drawn edge's source and line, by the edge's key.
        self._lines: dict[tuple[str, str], tuple[str, QPainterPath]] = {}
        self._dirty = True  # cards or edges moved, shown, hidden, added or removed
        self._styled = False  # a drawn card looks different, in the same place
        self._edges_styled = False  # ... and its edges' line style changed with it
        self.restyles = 0  # paths drawn again from the looks kept (tests and benchmarks)
        # (category ("" = unknown), bucket) -> card blocks
        self._fills: dict[tuple[str, int], QPainterPath] = {}
        self._error_paths: dict[int, QPainterPath] = {}  # outlines of the cards with errors
        self._known: dict[int, QPainterPath] = {}  # edges whose tensor shape is known, by bucket
        self._unknown: dict[int, QPainterPath] = {}  # the others (dashed)
        # Bumped whenever a bucket's path changes: the paths merged per colour for drawing
        # (``_merged``) are kept until then.
        self._paths_version = 0
        self._merged_paths: (
            tuple[
                int,
                list[QPainterPath],
                list[QPainterPath],
                list[tuple[str, QPainterPath]],
                list[QPainterPath],
            ]
            | None
        ) = None
        # The buckets whose blocks or lines are to be made again (None: all of them).
        self._fills_due: set[int] | None = None
        self._lines_due: set[int] | None = None
        # Which cards' blocks and which lines each bucket holds (made when first needed after a
        # rebuild; may hold ids and keys since gone, skipped then).
        self._card_sets: list[set[str]] | None = None
        self._line_sets: list[set[tuple[str, str]]] | None = None
        # Per painted widget:
        # (what it showed, the blocks and lines drawn, how many of ``_patches`` are in it).
        self._pictures: dict[int, tuple[tuple[object, ...], QPixmap, int]] = {}
        # Since the paths were last drawn anew (``_restyle_paths``): the blocks of cards added
        # (a look), and the places of free cards removed (None), each brought to the pictures
        # kept instead of drawing every block and line again (``_patch``).
        self._patches: list[tuple[Look | None, QRectF]] = []
        self._fills_stale = False  # the blocks' paths still hold a card removed since
        self.pictures_reused = 0  # frames that copied the drawn blocks and lines (tests)
        self.pictures_drawn = 0  # pictures drawn anew (tests)
        # The selection as drawn on top (``_selected``): the selected edges drawn here and the
        # boxes of the selected cards, kept for (content_version, rebuilds, restyles) and
        # brought along by a band's moves (``_follow_band``); many of them drawn once per
        # painted widget into two kept pictures, lines and outlines (``_marks_pictures``),
        # which a move that only added to them draws on (``_added``).
        self._selection_version = 0
        self._selection_key: tuple[int, ...] | None = None
        self._selected_edges: dict[EdgeItem, None] = {}
        self._selected_cards: dict[LayerCard, QRectF] = {}
        self._added: dict[int, Added] = {}
        self._marks: dict[int, tuple[tuple[object, ...], int, QPixmap, QPixmap]] = {}
        self.marks_drawn = 0  # pictures of the selection drawn anew (tests and benchmarks)
        self.marks_added = 0  # ... and drawn on (tests and benchmarks)
        scene.selectionChanged.connect(self._on_selection)

    @property
    def content_version(self) -> int:
        return self._content_version

    @content_version.setter
    def content_version(self, value: int) -> None:
        self._content_version = value
        if not self._told:
            self._tell()

    def watch(
        self,
        owner: QObject,
        told: Callable[[], object],
        areas: Callable[[list[QRectF]], object] | None = None,
    ) -> None:
        """Call ``told`` when what the overview draws may have changed, while ``owner`` (the
        widget it belongs to) lives; ``areas`` (if given) instead when only the selection
        changed, by a rubber band's move, with the places (scene rectangles) it changed."""
        self._watchers.append((owner, told, areas))

    def _tell(self) -> None:
        """What the overview draws may have changed: its watchers are told (once until
        ``seen``)."""
        if self._told:
            return
        self._told = True
        for _owner, told, _areas in self._live_watchers():
            told()

    def _live_watchers(self) -> list[Watcher]:
        watchers = self._watchers
        if not all(isValid(w[0]) for w in watchers):  # (a view deleted before its scene)
            watchers[:] = [w for w in watchers if isValid(w[0])]
        return watchers

    def marks_changed(self) -> None:
        """What it draws on top of the blocks changed (the drop target, a hovered edge): the
        items' own updates repaint nothing while they are flagged."""
        self._tell()

    def seen(self) -> None:
        """A watcher has caught up (the overview painted, the minimap fitted): the next change
        is told again."""
        self._told = False

    # ---------------------------------------------------------------- mode

    @staticmethod
    def wanted(zoom: float) -> bool:
        return zoom < DETAIL_LOD

    def set_active(self, on: bool) -> None:
        """Enter or leave overview mode.

        Every layer card and edge is flagged (its ports hidden) but those the canvas has drawn
        up close since it last left overview mode (``detail_in``): entering it flags those few
        again, leaving it flags nothing. Flagging all 20,000 cards and edges of a 10,000-layer
        design each way took about 300 ms of the zoom step that crossed the threshold."""
        if on == self.active:
            return
        self.active = on
        self.mode_version += 1
        if on:
            for item in self._detailed:
                if isinstance(item, LayerCard):
                    self._flag_card(item, True)
                else:
                    item.setFlag(NO_CONTENTS, True)
            self._detailed = set()
        # (The blocks and lines kept follow every change in either mode: the minimap draws
        # them up close too.)

    def detail_in(self, rect: QRectF) -> int:
        """Up close: the cards and edges about to be drawn in ``rect`` paint themselves (and show
        their ports); how many did not yet."""
        mode = Qt.ItemSelectionMode.IntersectsItemBoundingRect
        return sum(self.detail(item) for item in self.scene.items(rect, mode))

    def detail(self, item: QGraphicsItem) -> bool:
        """Up close, this card or edge paints itself (a card shows its ports); whether it did
        not yet."""
        if item in self._detailed or not item.flags() & NO_CONTENTS:
            return False
        if isinstance(item, LayerCard):
            self._flag_card(item, False)
        elif isinstance(item, EdgeItem) and self.scene.edges.get(item.key) is item:
            item.setFlag(NO_CONTENTS, False)
        else:
            return False
        self._detailed.add(item)
        return True

    def forget_items(self) -> None:
        """Every card and edge is about to be dropped (a new design)."""
        self._detailed = set()

    def adopt(self, item: LayerCard | EdgeItem) -> None:
        """A card or edge just added to the scene: flagged like the others until the canvas draws
        it up close (``detail_in``)."""
        self.item_moved(item, new=True)
        if isinstance(item, LayerCard):
            self._flag_card(item, True)
        else:
            item.setFlag(NO_CONTENTS, True)

    def item_moved(self, item: LayerCard | EdgeItem, new: bool = False) -> None:
        """A card was added (``new``) or moved, or an edge added or routed anew: its block or
        line is drawn from where it is now, without looking every other card and edge up
        again."""
        self.content_version += 1
        if isinstance(item, LayerCard) or self.scene.edges.get(item.key) is item:
            self.detail_version += 1
        # (An edge, or a card hidden in a collapsed block, is in no box round the cards: not
        # logged, ``card_changes`` skips its version.)
        if isinstance(item, LayerCard):
            if not new:
                # A drawn card moved: its box left where it stood (kept in ``_rects``) and came
                # where it stands (a card dragged made the minimap measure every card again).
                old = None if self._dirty else self._rects.get(item.layer_id)
                if old is not None and item.isVisible():
                    self._log_cards(old, False)
                    self._log_cards(QRectF(item.x(), item.y(), CARD_WIDTH, CARD_HEIGHT), True)
                else:
                    self._forget_cards()  # (where it stood before is not known here)
            elif item.isVisible():
                self._log_cards(QRectF(item.x(), item.y(), CARD_WIDTH, CARD_HEIGHT), True)
        if self._dirty:
            return
        if isinstance(item, LayerCard):
            lid = item.layer_id
            if lid not in self._rects and not item.isVisible():
                return  # hidden (in a collapsed block): not drawn
            rect = QRectF(item.x(), item.y(), CARD_WIDTH, CARD_HEIGHT)
            if lid not in self._looks:
                self._looks[lid] = self.look(lid)
            if lid not in self._rects and not self._styled:
                # A new card (one dropped from the palette): its block is added to the paths
                # and drawn over the pictures kept, not every block drawn again.
                self._rects[lid] = rect
                self._add_block(lid, rect)
                return
            self._rects[lid] = rect
            if self._card_sets is not None:
                self._card_sets[bucket(lid)].add(lid)
            self._styled = True
            self._due(self._fills_due, lid)
            return
        key = item.key
        if self.scene.edges.get(key) is not item:
            return  # a block's proxy edge: drawn by itself, not in the overview
        if key not in self._lines and not item.isVisible():
            return
        source = key[0]
        if source not in self._looks and source in self.scene.document.design:
            self._looks[source] = self.look(source)
        self._lines[key] = (source, item.drawn)
        if self._line_sets is not None:
            self._line_sets[bucket(source)].add(key)
        self._styled = self._edges_styled = True
        self._due(self._lines_due, source)

    @staticmethod
    def _due(buckets: set[int] | None, layer_id: str) -> None:
        if buckets is not None:
            buckets.add(bucket(layer_id))

    def edges_routed(self, edges: list[EdgeItem]) -> None:
        """``item_moved`` of each of these edges, routed anew without telling the overview one by
        one (``DesignScene.routing``): while every line is to be drawn anew anyway
        (a design just opened, a new layout), the counts change once, not 11,000 times."""
        if not edges:
            return
        if not self._dirty:
            for edge in edges:
                self.item_moved(edge)
            return
        self.content_version += 1
        real = self.scene.edges
        if any(real.get(edge.key) is edge for edge in edges):
            self.detail_version += 1

    def item_removed(self, item: LayerCard | EdgeItem) -> None:
        """A card or edge left the scene: its block or line is dropped from those kept, the
        others are drawn again as they are (no look-up of every other card and edge)."""
        self.content_version += 1
        self._detailed.discard(item)
        if isinstance(item, LayerCard) and item.isVisible():
            self._log_cards(QRectF(item.x(), item.y(), CARD_WIDTH, CARD_HEIGHT), False)
        if self._dirty:
            return
        if isinstance(item, LayerCard):
            lid = item.layer_id
            rect = self._rects.pop(lid, None)
            self._looks.pop(lid, None)  # (its edges left first)
            if rect is not None:
                self._due(self._fills_due, lid)
                if self._styled:
                    return  # drawn anew anyway
                # Its place is cleared in the pictures kept (``_patch``); the paths that still
                # hold its block are made again before a new picture is drawn from them.
                self._fills_stale = True
                self._patches.append((None, rect))
            return
        if self._lines.pop(item.key, None) is not None:
            self._styled = self._edges_styled = True
            self._due(self._lines_due, item.key[0])

    def renamed(self, old: str, new: str) -> None:
        """A layer's id changed: its block and lines are kept under the new id (they look
        the same and stand where they stood); nothing is drawn again."""
        looks, rects, lines = self._looks, self._rects, self._lines
        # (Its block and lines move to another bucket's paths the next time any are made: both
        # buckets then, so that neither draws them twice.)
        for lid in (old, new):
            self._due(self._fills_due, lid)
            self._due(self._lines_due, lid)
        if old in looks:
            looks[new] = looks.pop(old)
        if old in rects:
            rects[new] = rects.pop(old)
            if self._card_sets is not None:
                self._card_sets[bucket(new)].add(new)
        card = self.scene.cards.get(new)
        if card is None:
            return
        for edge in card.edges:
            source, target = edge.key
            before = (old if source == new else source, old if target == new else target)
            line = lines.pop(before, None)
            if line is not None:
                lines[(source, target)] = (source, line[1])
                if self._line_sets is not None:
                    self._line_sets[bucket(source)].add((source, target))

    def _add_block(self, layer_id: str, rect: QRectF) -> None:
        look = self._looks[layer_id]
        b = bucket(layer_id)
        if self._card_sets is not None:
            self._card_sets[b].add(layer_id)
        key = (look[0], b)
        path = self._fills.get(key)
        if path is None:
            path = self._fills[key] = QPainterPath()
        path.addRect(rect)
        self._paths_version += 1
        if look[1]:
            errors = self._error_paths.get(b)
            if errors is None:
                errors = self._error_paths[b] = QPainterPath()
            errors.addRect(rect)
        self._patches.append((look, rect))

    @property
    def _errors(self) -> QPainterPath:
        """The outlines of the cards with errors, in one path."""
        joined = QPainterPath()
        for path in self._error_paths.values():
            joined.addPath(path)
        return joined

    @staticmethod
    def _flag_card(card: LayerCard, on: bool) -> None:
        card.setFlag(NO_CONTENTS, on)
        # Ports are hidden outright (2 pixels wide at this zoom, drawn as nothing before): Qt then
        # skips them when it walks the scene, 20,000 items fewer per frame on 10,000 layers.
        for port in card.existing_ports():  # the others are made hidden (``make_ports``)
            port.setVisible(not on)

    # ---------------------------------------------------------- invalidation

    def invalidate(self) -> None:
        """Cards or edges moved, appeared, disappeared, or were shown or hidden."""
        self.content_version += 1
        self.detail_version += 1
        self._forget_cards()
        self._dirty = True

    # ------------------------------------------------------ the cards shown

    def _log_cards(self, box: QRectF, added: bool) -> None:
        log = self._card_log
        log.append((self.content_version, box, added))
        if len(log) > 512:  # (a long burst of changes: the box is worked out again)
            self._forget_cards()

    def _forget_cards(self) -> None:
        self._card_log = []
        self._cards_since = self.content_version

    def card_changes(self, since: int) -> list[tuple[QRectF, bool]] | None:
        """The cards shown added (True) and removed (False) since ``content_version`` was
        ``since``, each by its box; None when a change since is not known this way (a card
        moved, cards shown or hidden). Changes to edges and hidden cards are not listed."""
        if since < self._cards_since:
            return None
        return [(box, added) for version, box, added in self._card_log if version > since]

    def card_changed(self, layer_id: str) -> None:
        """The analysis of a card changed: rebuild only if its block looks different now."""
        if self._dirty:
            return
        old = self._looks.get(layer_id)
        if old is None:
            self._dirty = self._drawn(layer_id)
            if self._dirty:
                self._tell()
            return
        new = self.look(layer_id)
        if old != new:
            self._restyle(layer_id, old, new)

    def _restyle(self, layer_id: str, old: Look, new: Look) -> None:
        """A drawn card looks different (colour or error outline), in the same place: its block
        is drawn anew from the looks kept, without looking every other card up again."""
        self._looks[layer_id] = new
        self._styled = True
        self._due(self._fills_due, layer_id)
        self._tell()
        if (old[0] == "") != (new[0] == ""):
            self._edges_styled = True  # its edges' line (dashed when its shape is unknown)
            self._due(self._lines_due, layer_id)

    def _drawn(self, layer_id: str) -> bool:
        """Whether the card is drawn (hidden cards, inside a collapsed block, are not: their
        looks are not even kept, and a change in them changes nothing drawn)."""
        card = self.scene.cards.get(layer_id)
        return card is not None and card.isVisible()

    def cards_changed(self, layer_ids: list[str]) -> None:
        """``card_changed`` for many cards at once (an edit upstream of thousands of layers)."""
        if self._dirty or not layer_ids:
            return  # rebuilt anyway, or nothing changed
        analysis = self.scene.document.analysis
        infos = analysis.info
        flagged = {d.layer for d in analysis.structural if d.severity == "error"}
        looks = self._looks
        relook: list[str] = []
        for lid in layer_ids:
            old = looks.get(lid)
            if old is None:
                if self._drawn(lid):
                    self._dirty = True
                    self._tell()
                    return
                continue
            info = infos.get(lid)
            if info is None:
                if lid not in self.scene.document.design:
                    continue  # deleted: its card's removal drops its block (``item_removed``)
                self._dirty = True
                self._tell()
                return
            status = info.status
            error = (
                status == "error"
                or lid in flagged
                or (bool(info.diagnostics) and any(d.severity == "error" for d in info.diagnostics))
            )
            if old[1] != error or (old[0] == "") != (status == "unknown"):
                relook.append(lid)
        new = self.looks(relook)
        if len(new) < BULK_RESTYLE:
            for lid, look in new.items():
                self._restyle(lid, looks[lid], look)
            return
        # Thousands of cards restyled (an edit upstream of half the design): every bucket is
        # made again in one pass, without finding each card's bucket first.
        lines = False
        for lid, look in new.items():
            lines = lines or (looks[lid][0] == "") != (look[0] == "")
            looks[lid] = look
        self._styled = True
        self._fills_due = None
        if lines:
            self._edges_styled = True
            self._lines_due = None
        self._tell()

    def look(self, layer_id: str) -> Look:
        return self.looks([layer_id])[layer_id]

    def looks(self, layer_ids: Iterable[str]) -> dict[str, Look]:
        """Each card's look: its category's colour ("" while its shape is unknown) and whether
        it is outlined as an error (its status, or an error about it in its or the structure's
        diagnostics), for many
        cards at once: the structural errors and each type's category looked up once."""
        analysis = self.scene.document.analysis
        design = self.scene.document.design
        # As stored: a look shows no receptive field, and reading one left out of date would
        # bring every field before it up to date (the end of a long design after an edit).
        stored = analysis.stored
        layers = design.layer_map
        flagged = {d.layer for d in analysis.structural if d.severity == "error"}
        categories: dict[str, str] = {}
        out: dict[str, Look] = {}
        for lid in layer_ids:
            info = stored(lid)
            status = info.status if info is not None else "unknown"
            if status != "error" and (
                lid in flagged
                or (
                    info is not None
                    and bool(info.diagnostics)
                    and any(d.severity == "error" for d in info.diagnostics)
                )
            ):
                status = "error"
            if status == "unknown":
                out[lid] = ("", False)
                continue
            type_id = layers[lid].type if lid in layers else design.layer(lid).type
            category = categories.get(type_id)
            if category is None:
                ltype = REGISTRY.get(type_id)
                category = categories[type_id] = ltype.category if ltype else "?"
            out[lid] = (category, status == "error")
        return out

    # --------------------------------------------------------------- drawing

    def _rebuild(self) -> None:
        """Everything from the scene: each drawn card's look and place, each drawn edge's line."""
        self.rebuilds += 1
        scene = self.scene
        design = scene.document.design
        rects: dict[str, QRectF] = {}
        # The cards shown, as the collapsed view lists them (a few when a long design is
        # collapsed: no visibility test of the other 10,000).
        grouping = getattr(scene, "grouping", None)
        shown = (
            grouping.visible_layer_cards()
            if grouping is not None
            else [c for c in scene.cards.values() if c.isVisible()]
        )
        layers = design.layer_map
        for card in shown:
            lid = card.layer_id
            if lid in layers:
                rects[lid] = QRectF(card.x(), card.y(), CARD_WIDTH, CARD_HEIGHT)
        looks = self.looks(rects)
        lines: dict[tuple[str, str], tuple[str, QPainterPath]] = {}
        for key, edge in scene.edges.items():
            source, target = key
            if (source in rects or target in rects) and edge.isVisible():
                if source not in looks and source in layers:
                    looks[source] = self.look(source)  # a hidden card's edge, shown: rare
                lines[key] = (source, edge.drawn)
        self._looks, self._rects, self._lines = looks, rects, lines
        self._dirty = False
        self._styled = self._edges_styled = True
        self._fills_due = self._lines_due = None  # (every bucket)
        self._card_sets = self._line_sets = None
        self._restyle_paths()

    def _restyle_paths(self) -> None:
        """The blocks (and, if a card's shape became known or unknown, the lines) drawn again
        from the looks and places kept: no card or edge is looked up in the scene; only the
        buckets where something changed."""
        self._make_fills()
        if self._edges_styled:
            self._make_lines()
        self._styled = self._edges_styled = False
        self._patches = []
        self.restyles += 1

    def _make_lines(self) -> None:
        due = self._lines_due
        if due is not None and not due:
            return
        looks, lines = self._looks, self._lines
        if due is None:
            # Every line: sorted into its bucket and added to its path in one pass.
            known: dict[int, QPainterPath] = {}
            unknown: dict[int, QPainterPath] = {}
            line_sets: list[set[tuple[str, str]]] = [set() for _ in range(BUCKETS)]
            mask, plain = BUCKETS - 1, ("", False)
            for key, (source, line) in lines.items():
                b = hash(source) & mask
                line_sets[b].add(key)
                paths = known if looks.get(source, plain)[0] != "" else unknown
                path = paths.get(b)
                if path is None:
                    path = paths[b] = QPainterPath()
                path.addPath(line)
            self._line_sets = line_sets
            self._known, self._unknown = known, unknown
            self._lines_due = set()
            self._paths_version += 1
            return
        known = {b: p for b, p in self._known.items() if b not in due}
        unknown = {b: p for b, p in self._unknown.items() if b not in due}
        if self._line_sets is None:
            # Every line, sorted into its bucket as it goes.
            sets: list[set[tuple[str, str]]] = [set() for _ in range(BUCKETS)]
            for key, (source, _line) in lines.items():
                sets[hash(source) & (BUCKETS - 1)].add(key)
            self._line_sets = sets
        for b in due:
            members = self._line_sets[b]
            gone = []
            for key in members:
                kept = lines.get(key)
                if kept is None:
                    gone.append(key)
                    continue
                source, line = kept
                paths = known if looks.get(source, ("", False))[0] != "" else unknown
                path = paths.get(b)
                if path is None:
                    path = paths[b] = QPainterPath()
                path.addPath(line)
            members.difference_update(gone)
        self._known, self._unknown = known, unknown
        self._lines_due = set()
        self._paths_version += 1

    def _make_fills(self) -> None:
        """The blocks' paths from the looks and places kept (the buckets due)."""
        due = self._fills_due
        if due is not None and not due:
            self._fills_stale = False
            return
        looks, rects = self._looks, self._rects
        fills = {} if due is None else {k: p for k, p in self._fills.items() if k[1] not in due}
        errors = {} if due is None else {b: p for b, p in self._error_paths.items() if b not in due}
        if due is None or self._card_sets is None:
            sets: list[set[str]] = [set() for _ in range(BUCKETS)]
            for lid in rects:
                sets[hash(lid) & (BUCKETS - 1)].add(lid)
            self._card_sets = sets
        for b in range(BUCKETS) if due is None else due:
            members = self._card_sets[b]
            gone = []
            for lid in members:
                rect = rects.get(lid)
                if rect is None:
                    gone.append(lid)
                    continue
                look = looks[lid]
                key = (look[0], b)
                path = fills.get(key)
                if path is None:
                    path = fills[key] = QPainterPath()
                path.addRect(rect)
                if look[1]:
                    outline = errors.get(b)
                    if outline is None:
                        outline = errors[b] = QPainterPath()
                    outline.addRect(rect)
            members.difference_update(gone)
        self._fills, self._error_paths = fills, errors
        self._fills_due = set()
        self._fills_stale = False
        self._paths_version += 1

    def paint(self, painter: QPainter, always: bool = False) -> None:
        """Draw the blocks and lines (``painter`` in scene coordinates): in overview mode, or
        ``always`` (the minimap, which never draws the items themselves).

        The blocks and lines are drawn once into a picture of the painted device at this zoom and
        scroll position, which later frames copy as long as nothing they show moved: repainting
        10,000 blocks and lines took about 8 ms of every frame after an edit at fit view. The
        selection, the drop target and hovered edges are drawn on top, every frame."""
        self._told = False  # (painted from here on: a change after this is told again)
        if not (self.active or always):
            return
        if self._dirty:
            self._rebuild()
        elif self._styled:
            self._restyle_paths()
        picture = self._picture(painter)
        painter.save()
        if picture is None:  # a device that is no widget (an export): drawn directly
            self._draw_paths(painter)
        else:
            transform = painter.worldTransform()
            painter.resetTransform()
            painter.drawPixmap(0, 0, picture)
            painter.setTransform(transform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        edges, cards = self._selected()
        many = len(edges) + len(cards) > MANY_OUTLINES
        marks = self._marks_pictures(painter) if many else None
        hint = self.scene.drop_hint
        hinted = (
            QRectF(hint.x(), hint.y(), CARD_WIDTH, CARD_HEIGHT)
            if isinstance(hint, LayerCard) and hint.isVisible() and not hint.isSelected()
            else None
        )
        if marks is not None:
            # Thousands selected (Select All, a wide rubber band): the selected lines and the
            # outlines drawn once for this view, with the drop target and hovered edges on top
            # of the lines, under the outlines, as when each is drawn here.
            lines, boxes = marks
            transform = painter.worldTransform()
            painter.resetTransform()
            painter.drawPixmap(0, 0, lines)
            painter.setTransform(transform)
            self._draw_edges(painter, self._marked_edges(edges))
            painter.resetTransform()
            painter.drawPixmap(0, 0, boxes)
            painter.setTransform(transform)
            if hinted is not None:
                self._draw_outlines(painter, {2.2: [hinted]})
        else:
            self._draw_edges(painter, [*edges, *self._marked_edges(edges)])
            outlines: dict[float, list[QRectF]] = {}
            if cards:
                outlines[2.6] = list(cards.values())
            if hinted is not None:
                outlines.setdefault(2.2, []).append(hinted)
            self._draw_outlines(painter, outlines)
        painter.restore()

    @staticmethod
    def _draw_edges(painter: QPainter, edges: Iterable[EdgeItem]) -> None:
        """Highlighted edges' lines, in one stroke (thousands after Select All or a wide
        band: a call each took three times as long)."""
        joined = QPainterPath()
        for edge in edges:
            joined.addPath(edge.drawn)
        if not joined.isEmpty():
            painter.setPen(QPen(theme.SELECTION, 2.6))
            painter.drawPath(joined)

    def _picture(self, painter: QPainter) -> QPixmap | None:
        """The blocks and lines as the painter's widget shows them now (kept per widget)."""
        device = painter.device()
        if not isinstance(device, QWidget):
            return None
        t = painter.worldTransform()
        key = (self.rebuilds, self.restyles, *_view_key(device, t))
        cached = self._pictures.get(id(device))
        if cached is not None and cached[0] == key:
            picture, done = cached[1], cached[2]
            if done == len(self._patches) or self._patch(picture, t, self._patches[done:]):
                self.pictures_reused += 1
                self._pictures[id(device)] = (key, picture, len(self._patches))
                return picture
        self.pictures_drawn += 1
        picture, inner = _blank_picture(device, t)
        self._draw_paths(inner)
        inner.end()
        if len(self._pictures) > 4:
            self._pictures.clear()
        self._pictures[id(device)] = (key, picture, len(self._patches))
        return picture

    def _patch(
        self, picture: QPixmap, t: QTransform, patches: list[tuple[Look | None, QRectF]]
    ) -> bool:
        """Bring a kept picture up to date: the blocks of cards added drawn on top; the place of
        each free card removed cleared, with room for an outline a few pixels wide at this
        zoom, and the blocks and lines of whatever else the cleared place touched drawn there
        again. False (the picture is drawn anew) where it touched something else shown: a
        block's card or frame, a dashed line."""
        inverse, invertible = t.inverted()
        steps: list[tuple[Look | None, QRectF, tuple[list[QPainterPath], list[Block]]]] = []
        for look, rect in patches:
            if look is not None:
                steps.append((look, rect, ([], [])))
                continue
            # In the widget's coordinates, on whole pixels of the picture (a clip or fill
            # that cuts pixels would blend the pixels on its edge).
            ratio = picture.devicePixelRatio()
            hole = _pixel_hole(t.mapRect(rect), ratio)
            near = self._drawn_in(inverse.mapRect(hole) if invertible else rect)
            if near is None:
                return False
            steps.append((None, hole, near))
        inner = QPainter(picture)
        for look, rect, (lines, blocks) in steps:  # in order: a card added then removed goes
            if look is not None:
                inner.setTransform(t)
                self._draw_blocks(inner, [(look, rect)])
                continue
            inner.resetTransform()
            if not (lines or blocks):
                inner.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
                inner.fillRect(rect, Qt.GlobalColor.transparent)
            else:
                # What else the place touched, drawn into a piece the place's size as the
                # whole picture draws it (a clip in the picture would draw thin lines'
                # edge pixels a shade apart), then put in the place.
                ratio = picture.devicePixelRatio()
                piece = QPixmap(round(rect.width() * ratio), round(rect.height() * ratio))
                piece.setDevicePixelRatio(ratio)
                piece.fill(Qt.GlobalColor.transparent)
                painter = QPainter(piece)
                painter.translate(-rect.left(), -rect.top())
                painter.setTransform(t, True)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                if lines:
                    painter.setPen(QPen(theme.EDGE, 1.6))
                    joined = QPainterPath()
                    for line in lines:
                        joined.addPath(line)
                    painter.drawPath(joined)
                self._draw_blocks(painter, blocks)
                painter.end()
                inner.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                inner.drawPixmap(rect.topLeft(), piece)
            inner.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        inner.end()
        return True

    def _drawn_in(self, area: QRectF) -> tuple[list[QPainterPath], list[Block]] | None:
        """The lines and blocks drawn in ``area`` (scene coordinates), from those kept; None
        when something else is shown there (drawn another way, or a dashed line, whose dashes
        drawn alone could fall elsewhere than in the whole path)."""
        lines: list[QPainterPath] = []
        blocks: list[Block] = []
        edges, rects, looks = self.scene.edges, self._rects, self._looks
        for item in self.scene.items(area):
            if not item.isVisible():
                continue
            if isinstance(item, LayerCard):
                rect = rects.get(item.layer_id)
                if rect is None:
                    return None
                blocks.append((looks[item.layer_id], rect))
            elif isinstance(item, EdgeItem):
                kept = self._lines.get(item.key)
                if kept is None or edges.get(item.key) is not item:
                    return None
                if looks.get(kept[0], ("", False))[0] == "":
                    return None  # dashed
                lines.append(kept[1])
            else:
                return None
        return lines, blocks

    def _draw_paths(self, painter: QPainter) -> None:
        """The cached blocks and lines (not the selection or hover highlights)."""
        if self._fills_stale:
            self._make_fills()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(theme.EDGE, 1.6)
        painter.setPen(pen)
        known, unknown, fills, errors = self._merged()
        for path in known:
            painter.drawPath(path)
        if unknown:
            pen = QPen(theme.UNKNOWN, 1.6)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            for path in unknown:
                painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        for category, path in fills:
            painter.setBrush(theme.category_color(category) if category else theme.UNKNOWN)
            painter.drawPath(path)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if errors:
            painter.setPen(_outline(theme.ERROR, 2.6))
            for path in errors:
                painter.drawPath(path)
        painter.restore()

    def _merged(
        self,
    ) -> tuple[
        list[QPainterPath], list[QPainterPath], list[tuple[str, QPainterPath]], list[QPainterPath]
    ]:
        """The buckets' paths joined into one path per colour and style, as drawn: kept until a
        bucket's path changes (``_paths_version``). Drawn bucket by bucket, a frame at fit view
        of a 10,000-layer design made hundreds of draw calls (64 buckets per colour), and an
        edit that restyled thousands of cards drew every bucket again."""
        kept = self._merged_paths
        if kept is not None and kept[0] == self._paths_version:
            return kept[1], kept[2], kept[3], kept[4]

        def joined(paths: Iterable[QPainterPath]) -> list[QPainterPath]:
            out = QPainterPath()
            for path in paths:
                out.addPath(path)
            return [out] if not out.isEmpty() else []

        by_colour: dict[str, QPainterPath] = {}
        for (category, _bucket), path in self._fills.items():
            into = by_colour.get(category)
            if into is None:
                into = by_colour[category] = QPainterPath()
                into.setFillRule(Qt.FillRule.WindingFill)  # (blocks laid over one another)
            into.addPath(path)
        merged = (
            joined(self._known.values()),
            joined(self._unknown.values()),
            list(by_colour.items()),
            joined(self._error_paths.values()),
        )
        self._merged_paths = (self._paths_version, *merged)
        return merged

    @staticmethod
    def _draw_blocks(painter: QPainter, blocks: list[tuple[Look, QRectF]]) -> None:
        """Blocks added over a picture: each filled, then outlined if in error, as
        ``_draw_paths`` draws them."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(Qt.PenStyle.NoPen)
        for (category, _error), rect in blocks:
            painter.setBrush(theme.category_color(category) if category else theme.UNKNOWN)
            painter.drawRect(rect)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(_outline(theme.ERROR, 2.6))
        for (_category, error), rect in blocks:
            if error:
                painter.drawRect(rect)
        painter.restore()

    def _outlined(
        self, selected: list[QGraphicsItem]
    ) -> tuple[dict[EdgeItem, None], dict[LayerCard, QRectF]]:
        """Of these selected items, the edges and the cards (with their boxes) the zoomed-out
        canvas outlines: shown, a card not drawn as an error, an edge still the scene's own."""
        edges: dict[EdgeItem, None] = {}
        cards: dict[LayerCard, QRectF] = {}
        looks, scene_edges = self._looks, self.scene.edges
        for item in selected:
            if isinstance(item, LayerCard):
                if item.isVisible() and not looks.get(item.layer_id, ("", False))[1]:
                    cards[item] = QRectF(item.x(), item.y(), CARD_WIDTH, CARD_HEIGHT)
            elif (
                isinstance(item, EdgeItem)
                and item.isVisible()
                and scene_edges.get(item.key) is item
            ):
                edges[item] = None
        return edges, cards

    def _selected(self) -> tuple[dict[EdgeItem, None], dict[LayerCard, QRectF]]:
        """The selected edges drawn here and the boxes of the selected cards (not those
        outlined as errors), kept until a card or edge, or a card's look changes, or the
        selection changes other than by a band's move (read every frame: a pass over 10,000
        selected items per frame after Select All)."""
        key = (self.content_version, self.rebuilds, self.restyles)
        if self._selection_key != key:
            edges, cards = self._outlined(self.scene.selectedItems())
            self._selection_key = key
            self._selected_edges, self._selected_cards = edges, cards
            self._added = {}  # (the pictures kept are drawn anew)
        return self._selected_edges, self._selected_cards

    def _on_selection(self) -> None:
        self._selection_version += 1
        change = self.scene.band_change
        if change is not None and not change.full and self._follow_band(change):
            # A band's move: the canvas repaints where it changed the selection, the other
            # watchers (the minimap) as for any change.
            for _owner, told, areas in self._live_watchers():
                if areas is not None:
                    areas(change.areas)
                else:
                    told()
            return
        places = self._small_change() if change is None else None
        if places is not None:
            # A few cards or edges (a layer selected from a panel, a click): the canvas
            # repaints round them, not the whole view (a full repaint of the 10,000-layer
            # canvas at fit view, 8 ms, and under X a flush of the whole canvas).
            for _owner, told, watcher_areas in self._live_watchers():
                if watcher_areas is not None:
                    watcher_areas(places)
                else:
                    told()
            return
        self._selection_key = None  # (read again when next drawn)
        self._tell()  # (the selection is drawn on top of the blocks)

    def _small_change(self) -> list[QRectF] | None:
        """When the selection kept (as last drawn, or as the last small change left it) and
        the new one are both a few items: the new one kept, and the places (scene rectangles)
        where the two differ. Else None (the selection is read again when next drawn)."""
        if self._selection_key != (
            self.content_version,
            self.rebuilds,
            self.restyles,
        ) or not isValid(self.scene):  # (its items deselected as it is deleted)
            return None
        old_edges, old_cards = self._selected_edges, self._selected_cards
        if len(old_edges) + len(old_cards) > FEW_OUTLINES:
            return None
        selected = self.scene.selectedItems()
        if len(selected) > FEW_OUTLINES:
            return None
        edges, cards = self._outlined(selected)
        areas = [rect for card, rect in old_cards.items() if card not in cards]
        areas += [rect for card, rect in cards.items() if card not in old_cards]
        areas += [e.boundingRect() for e in old_edges if e not in edges]
        areas += [e.boundingRect() for e in edges if e not in old_edges]
        self._selected_edges, self._selected_cards = edges, cards
        self._added = {}
        return areas

    def _follow_band(self, change: BandChange) -> bool:
        """Bring the selection kept along with a band's move (what it selected and
        deselected), if it is kept for what is shown now; whether it was."""
        if self._selection_key != (self.content_version, self.rebuilds, self.restyles):
            return False
        edges, cards = self._selected_edges, self._selected_cards
        taken = False
        for item in change.removed:
            if isinstance(item, LayerCard):
                taken = cards.pop(item, None) is not None or taken
            elif item in edges:
                del edges[item]
                taken = True
        new_edges: list[EdgeItem] = []
        new_cards: list[LayerCard] = []
        looks = self._looks
        # (What a band selects is shown, and selectable: an edge selected is one of the scene's
        # edges between layers, a block's edges being not selectable.)
        for item in change.added:
            if isinstance(item, LayerCard):
                if not looks.get(item.layer_id, ("", False))[1]:
                    cards[item] = QRectF(item.x(), item.y(), CARD_WIDTH, CARD_HEIGHT)
                    new_cards.append(item)
            elif isinstance(item, EdgeItem):
                edges[item] = None
                new_edges.append(item)
        added = self._added
        # A move that took some away: the places it changed are drawn again from the selection
        # (what it added there with it: a line drawn twice would come out darker).
        added[self._selection_version] = (
            ([], [], change.areas) if taken else (new_edges, new_cards, [])
        )
        if len(added) > ADDED_KEPT:
            del added[next(iter(added))]
        return True

    @staticmethod
    def _draw_outlines(painter: QPainter, outlines: dict[float, list[QRectF]]) -> None:
        for width, rects in outlines.items():  # one call per width
            painter.setPen(_outline(theme.SELECTION, width))
            painter.drawRects(rects)

    def _marks_pictures(self, painter: QPainter) -> tuple[QPixmap, QPixmap] | None:
        """The selected edges' lines and the selected cards' outlines, each drawn once into a
        picture of the painted widget at this zoom and place, kept while the cards and the
        edges stay; a change of the selection that only added to them (a band growing) is
        drawn on them, any other draws them anew."""
        device = painter.device()
        if not isinstance(device, QWidget):
            return None
        t = painter.worldTransform()
        key = (self.content_version, self.rebuilds, self.restyles, *_view_key(device, t))
        version = self._selection_version
        cached = self._marks.get(id(device))
        if cached is not None and cached[0] == key:
            done, lines, outlines = cached[1], cached[2], cached[3]
            if done == version:
                return lines, outlines
            steps = [self._added.get(v) for v in range(done + 1, version + 1)]
            if all(step is not None for step in steps):
                # Band moves since: the places where they took some away are drawn again
                # from the selection now, and what they added is drawn on top.
                self.marks_added += 1
                edges, cards = self._selected_edges, self._selected_cards
                places = [a for step in steps if step is not None for a in step[2]]
                new_edges = [e for step in steps if step is not None for e in step[0]]
                new_cards = [c for step in steps if step is not None for c in step[1]]
                if places:
                    # (What the others added is drawn again with them, in the places it is.)
                    for edge in new_edges:
                        places.append(edge.boundingRect())
                    for card in new_cards:
                        places.append(QRectF(card.x(), card.y(), CARD_WIDTH, CARD_HEIGHT))
                    self._redraw_places(lines, outlines, t, places)
                else:
                    self._draw_marks(
                        lines,
                        outlines,
                        t,
                        [e for e in new_edges if e in edges],
                        [cards[c] for c in new_cards if c in cards],
                    )
                self._marks[id(device)] = (key, version, lines, outlines)
                return lines, outlines
        self.marks_drawn += 1
        lines, inner = _blank_picture(device, t)
        inner.end()
        outlines, inner = _blank_picture(device, t)
        inner.end()
        edges, cards = self._selected()
        self._draw_marks(lines, outlines, t, list(edges), list(cards.values()))
        if len(self._marks) > 4:
            self._marks.clear()
        self._marks[id(device)] = (key, version, lines, outlines)
        return lines, outlines

    def _redraw_places(
        self, lines: QPixmap, outlines: QPixmap, t: QTransform, places: list[QRectF]
    ) -> None:
        """Clear these places (scene rectangles) in the pictures, with room for the lines and
        outlines drawn there, and draw the selected lines and outlines that reach into them
        again, within them."""
        inverse, invertible = t.inverted()
        scale = max(abs(t.m11()), 1e-6)
        margin = 4.0 / scale  # (4 pixels: the widest outline and its rounding)
        ratio = lines.devicePixelRatio()
        edges, cards = self._selected_edges, self._selected_cards
        mode = Qt.ItemSelectionMode.IntersectsItemBoundingRect
        for place in places:
            hole = _pixel_hole(t.mapRect(place), ratio)
            area = inverse.mapRect(hole) if invertible else place
            near_edges: list[EdgeItem] = []
            near_cards: list[QRectF] = []
            for item in self.scene.items(area.adjusted(-margin, -margin, margin, margin), mode):
                if item in edges:
                    near_edges.append(item)
                elif item in cards:
                    near_cards.append(cards[item])
            for picture in (lines, outlines):
                inner = QPainter(picture)
                inner.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
                inner.fillRect(hole, Qt.GlobalColor.transparent)
                inner.end()
            self._draw_marks(lines, outlines, t, near_edges, near_cards, hole)

    def _draw_marks(
        self,
        lines: QPixmap,
        outlines: QPixmap,
        t: QTransform,
        edges: list[EdgeItem],
        cards: list[QRectF],
        clip: QRectF | None = None,
    ) -> None:
        """Draw these edges' lines and cards' outlines into the pictures (within ``clip``, in
        the pictures' own coordinates, if given)."""
        for picture, draw in ((lines, bool(edges)), (outlines, bool(cards))):
            if not draw:
                continue
            inner = QPainter(picture)
            if clip is not None:
                inner.setClipRect(clip)
            inner.setTransform(t)
            inner.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            inner.setBrush(Qt.BrushStyle.NoBrush)
            if picture is lines:
                self._draw_edges(inner, edges)
            else:
                self._draw_outlines(inner, {2.6: cards})
            inner.end()

    def _marked_edges(self, selected: dict[EdgeItem, None]) -> list[EdgeItem]:
        """The drop target and the hovered edges, not among the selected ones."""
        scene = self.scene
        edges: list[EdgeItem] = []
        hint = scene.drop_hint
        if isinstance(hint, EdgeItem) and hint.isVisible() and hint not in selected:
            edges.append(hint)
        hovered = scene.hovered_edges
        for e in list(hovered):
            if not e.hovered or scene.edges.get(e.key) is not e:
                hovered.discard(e)  # left, or removed while the pointer was on it
            elif e not in selected and e not in edges and e.isVisible():
                edges.append(e)
        return edges


def _view_key(device: QWidget, t: QTransform) -> tuple[object, ...]:
    """What a picture of ``device`` drawn with ``t`` depends on besides its content."""
    return (
        theme.SCHEME,
        device.width(),
        device.height(),
        device.devicePixelRatioF(),
        (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy()),
    )


def _blank_picture(device: QWidget, t: QTransform) -> tuple[QPixmap, QPainter]:
    """A transparent picture the size of ``device`` and a painter on it drawing with ``t``."""
    ratio = device.devicePixelRatioF()
    picture = QPixmap(round(device.width() * ratio), round(device.height() * ratio))
    picture.setDevicePixelRatio(ratio)
    picture.fill(Qt.GlobalColor.transparent)
    inner = QPainter(picture)
    inner.setTransform(t)
    return picture, inner


def _outline(color: QColor, width: float) -> QPen:
    """An outline as wide on screen at any zoom (the zoomed-out cards' borders)."""
    pen = QPen(color, width)
    pen.setCosmetic(True)
    return pen

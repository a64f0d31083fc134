"""The collapsed canvas after an edit that splits or joins a "×N" run (issue 15, target 4): the
items kept across the re-layout give what a fresh layout gives, the items that stay are the same
objects (no card, edge or frame made again, none removed from the scene), and the re-layout runs
before the canvas is painted."""

from __future__ import annotations

import random

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QObject, QRectF
from PySide6.QtWidgets import QApplication

from designer.core.collapsed_figure import main_type
from designer.core.groups import collapsed_for_level
from designer.ui.canvas.grouping import CanvasGroups, GroupCard, GroupFrame
from designer.ui.canvas.items import EdgeItem, path_points
from designer.ui.canvas.scene import DesignScene
from designer.ui.document import Document
from designer.ui.main_window import MainWindow
from tests.core.test_groups_incremental import staged
from tests.ui.ui_helpers import shown_main_window


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def snapshot(grouping: CanvasGroups) -> dict[str, object]:
    """What the collapsed canvas shows: the cards (block and layer) where they stand, each block
    card's face, each edge's path, each frame."""
    scene = grouping.scene
    shown = grouping.visible_layer_cards()
    ids = {c.layer_id for c in shown}
    real = [
        (a, b, path_points(e.path()))
        for (a, b), e in scene.edges.items()
        if a in ids and b in ids and e.isVisible()
    ]
    return {
        "blocks": sorted(
            (nid, c.node.repeat, c.node.title, c.x(), c.y(), c.face())
            for nid, c in grouping.cards.items()
        ),
        "layers": sorted((c.layer_id, c.x(), c.y()) for c in shown),
        "proxies": sorted(
            (e.source.layer_id, e.target.layer_id, path_points(e.path()))
            for e in grouping.proxy_edges
        ),
        "real": sorted(real),
        "frames": [(f.group_id, f.rect.getRect(), f.depth, f.titled) for f in grouping.frames],
    }


def fresh_snapshot(window: MainWindow) -> dict[str, object]:
    """The same design and collapsed set laid out by a scene made now."""
    grouping = window.scene.grouping
    fresh = DesignScene(window.document)
    try:
        fresh.grouping.wrap = grouping.wrap
        fresh.grouping.set_collapsed(set(grouping.collapsed))
        fresh.grouping.refresh()  # (laid out with this wrap, even if the set was the same)
        return snapshot(fresh.grouping)
    finally:
        shiboken6.delete(fresh)


def settle(window: MainWindow) -> None:
    for _ in range(3):
        QApplication.processEvents()
    window.scene.grouping.flush()


def settled_on_screen(window: MainWindow, qtbot) -> None:
    """Every pass of the event loop run, and the minimap's own repaint after it fits itself on
    a timer: what the screen shows is compared once it has, not while a paint is still to come."""
    for _ in range(3):
        QApplication.processEvents()
    qtbot.waitUntil(lambda: not window.view.minimap._timer.isActive(), timeout=2000)
    for _ in range(3):
        QApplication.processEvents()


def assert_items_consistent(grouping: CanvasGroups) -> None:
    """Every block card, proxy edge and frame shown is one the grouping lists, and the spares are
    hidden; every proxy edge is attached to its two cards."""
    items = grouping.scene.items()
    shown_cards = {i for i in items if isinstance(i, GroupCard) and i.isVisible()}
    assert shown_cards == set(grouping.cards.values())
    shown_frames = {i for i in items if isinstance(i, GroupFrame) and i.isVisible()}
    assert shown_frames == set(grouping.frames)
    real = set(grouping.scene.edges.values())
    proxies = {i for i in items if isinstance(i, EdgeItem) and i not in real and i.isVisible()}
    assert proxies == set(grouping.proxy_edges)
    for edge in grouping.proxy_edges:
        assert edge in edge.source.edges and edge in edge.target.edges
        assert not edge.unrouted


def test_random_splits_joins_undo_and_redo_give_what_a_fresh_layout_gives(window):
    window.load_design(staged(stages=3, blocks=6), None)
    doc = window.document
    grouping = window.scene.grouping
    rng = random.Random(15)
    convs = [layer.id for layer in doc.design if layer.type == "Conv2d" and ".conv" in layer.id]
    levels = [collapsed_for_level(grouping.index, level) for level in (0, 1)]
    grouping.set_collapsed(levels[1])  # the stages open, their blocks shut (runs shown "×N")
    settle(window)
    assert snapshot(grouping) == fresh_snapshot(window)
    splits = 0
    for step in range(30):
        choice = rng.randrange(6)
        if choice <= 2:
            lid = rng.choice(convs)
            params = dict(doc.design.layer(lid).params)
            k = 5 if params.get("kernel_size", 3) in (3, [3, 3]) else 3
            before = len(grouping.cards)
            doc.set_params(lid, {**params, "kernel_size": k, "padding": k // 2})
            settle(window)
            splits += len(grouping.cards) != before
        elif choice == 3 and doc.undo_stack.canUndo():
            doc.undo_stack.undo()
        elif choice == 4 and doc.undo_stack.canRedo():
            doc.undo_stack.redo()
        elif choice == 5:
            grouping.set_collapsed(rng.choice(levels))
        settle(window)
        assert snapshot(grouping) == fresh_snapshot(window), step
        assert_items_consistent(grouping)
    assert splits >= 5  # the edits did split and join runs


def stage_edit(window: MainWindow, kernel: int) -> None:
    doc = window.document
    params = dict(doc.design.layer("layer2.3.conv2").params)
    doc.set_params("layer2.3.conv2", {**params, "kernel_size": kernel, "padding": kernel // 2})


class PaintLog(QObject):
    """The canvas's paints, each with how many times the collapsed view had been laid out."""

    def __init__(self, grouping: CanvasGroups) -> None:
        super().__init__()
        self.grouping = grouping
        self.paints: list[int] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints.append(self.grouping.repaints)
        return False


def test_a_split_keeps_the_items_that_stay_and_is_laid_out_before_the_one_paint(window):
    window.load_design(staged(stages=3, blocks=6), None)
    grouping = window.scene.grouping
    grouping.set_collapsed(collapsed_for_level(grouping.index, 1))
    grouping.wrap = 20  # one row: the split moves stage 3's cards (and frame) along it
    grouping.refresh()
    settle(window)
    window.view.viewport().repaint()
    titles = {c.node.title: c.node.repeat for c in grouping.cards.values()}
    assert titles["layer2.1–5"] == 5
    cards = dict(grouping.cards)
    proxies = {e.key: e for e in grouping.proxy_edges}
    # Each frame: what its picture shows, where it stands, how often it was drawn.
    frames = {
        f: (f.group_id, f.titled, f.rect.size(), f.rect.topLeft(), f.redraws)
        for f in grouping.frames
    }
    made = (grouping.cards_made, grouping.proxies_made, grouping.frames_made)
    repaints = grouping.repaints
    log = PaintLog(grouping)
    window.view.viewport().installEventFilter(log)
    try:
        stage_edit(window, 5)  # layer2.1–5 ×5 → layer2.1–2 ×2, layer2.3, layer2.4–5 ×2
        for _ in range(3):
            QApplication.processEvents()
    finally:
        window.view.viewport().removeEventFilter(log)
    assert grouping.repaints == repaints + 1
    # Laid out before the canvas was painted: no paint shows the layout before the split (on
    # main: [4, 5], painted for the edit, laid out, painted again). (Later paints may follow
    # for other reasons on a busy machine: the minimap's timer, shown or hidden.)
    assert log.paints and set(log.paints) == {repaints + 1}
    titles = {c.node.title: c.node.repeat for c in grouping.cards.values()}
    assert titles["layer2.1–2"] == 2 and titles["layer2.3"] == 1 and titles["layer2.4–5"] == 2
    # The cards and the edges between two cards that stay are the same items.
    for nid, card in cards.items():
        if nid in grouping.cards:
            assert grouping.cards[nid] is card, nid
    kept = [e for e in grouping.proxy_edges if e.key in proxies]
    assert kept and all(proxies[e.key] is e for e in kept)
    new_pairs = len(grouping.proxy_edges) - len(kept)
    assert grouping.proxies_made - made[1] <= new_pairs
    assert grouping.cards_made - made[0] <= len(grouping.cards) - len(cards) + 1
    # A frame that only moved is the same item with the same picture, moved.
    moved = [
        f
        for f, (gid, titled, size, place, _) in frames.items()
        if f in grouping.frames
        and (f.group_id, f.titled, f.rect.size()) == (gid, titled, size)
        and f.rect.topLeft() != place
    ]
    assert {f.group_id for f in moved} == {"layer3"}  # the stage after the split, moved along
    for f in moved:
        assert f.redraws == frames[f][4], f.group_id
    assert grouping.frames_made == made[2]
    assert_items_consistent(grouping)
    assert snapshot(grouping) == fresh_snapshot(window)

    # Joined again, split again, and so on: nothing is made or removed any more (the items no
    # longer shown wait hidden in the scene for the next split).
    settle(window)
    count = len(window.scene.items())
    made = (grouping.cards_made, grouping.proxies_made, grouping.frames_made)
    for kernel in (3, 5, 3, 5):
        stage_edit(window, kernel)
        settle(window)
        assert (grouping.cards_made, grouping.proxies_made, grouping.frames_made) == made
        assert len(window.scene.items()) == count
        assert_items_consistent(grouping)
    assert snapshot(grouping) == fresh_snapshot(window)


def test_a_runs_main_type_from_its_blocks_is_the_one_its_layers_give(qapp):
    """The 3D view colours a block by its main layer type; the cache finds a run's from its
    blocks' kept weights, which must give what a pass over the run's layers gives."""
    doc = Document()
    doc.reset(staged(stages=3, blocks=6))
    cache = doc.group_cache
    shut = collapsed_for_level(cache.index(), 1)
    for kernel in (None, 5, 3, 7):
        if kernel is not None:
            params = dict(doc.design.layer("layer2.3.conv2").params)
            doc.set_params("layer2.3.conv2", {**params, "kernel_size": kernel})
        composed = 0
        for node in cache.graph(shut).nodes:
            if node.kind != "group":
                continue
            cache.summary(node)  # (finds whether the run's totals come from its blocks)
            composed += cache._composable.get(node.groups) is not None
            assert cache.main_type(node) == main_type(doc.analysis, node), node.id
        assert composed >= 2


def test_a_split_paints_without_looking_the_view_up_in_the_index_again(window, monkeypatch):
    """Painting up close looks the painted part up in the scene's index when layer cards or
    their edges were shown, added or moved since the last look (they then paint themselves and
    get their ports): an edit that splits a run moves only block cards and proxy edges, and is
    painted without that look-up (a pass over every item in view, hidden ones included, at
    10,000 layers); opening a block, whose layer cards are then shown, still gets one."""
    design = staged(stages=3, blocks=6)
    design.remove_layer("pool")  # the one layer card shown is the input, which stays put
    window.load_design(design, None)
    grouping = window.scene.grouping
    grouping.set_collapsed(collapsed_for_level(grouping.index, 1))
    grouping.refresh()
    settle(window)
    assert [c.layer_id for c in grouping.visible_layer_cards()] == ["input"]
    view = window.view
    view.fit_to_view()
    settle(window)
    view.viewport().repaint()
    overview = window.scene.overview
    assert not overview.active  # up close: cards paint themselves
    looks: list[int] = []
    detail_in = overview.detail_in
    monkeypatch.setattr(overview, "detail_in", lambda rect: looks.append(1) or detail_in(rect))
    for kernel in (5, 3, 5):
        repaints = grouping.repaints
        stage_edit(window, kernel)
        settle(window)
        view.viewport().repaint()
        assert grouping.repaints == repaints + 1  # the split or join was laid out
    assert looks == []  # (on main: two look-ups per split or join)
    # A block opened: its layer cards are shown, looked up once and drawn with their ports.
    block = next(c for c in grouping.cards.values() if c.node.repeat == 1)
    grouping.expand(block.node.id)
    settle(window)
    view.fit_to_view()
    view.viewport().repaint()
    assert looks
    shown = [window.scene.cards[lid] for lid in block.node.layers]
    in_view = view.mapToScene(view.viewport().rect()).boundingRect()
    drawn = [c for c in shown if c.sceneBoundingRect().intersects(in_view)]
    assert drawn and all(c.existing_ports() for c in drawn)
    assert not window.scene.portless & set(drawn)
    # Paints of two parts, neither inside the other by the last bit of a float (an edit's
    # partial paint and a whole repaint at 10,000 layers), alternating: each looked up once.
    looks.clear()
    window.scene._ports_checked = None
    whole = view.mapToScene(view.viewport().rect()).boundingRect()
    part = QRectF(whole.x(), whole.y() + 100, whole.width(), whole.height() - 100 + 1e-9)
    assert not whole.contains(part) and not part.contains(whole)
    for _ in range(3):
        window.scene.prepare_up_close(part)
        window.scene.prepare_up_close(whole)
    assert len(looks) <= 2, looks
    # The two parts an edit at 10,000 layers painted (the edit's and the whole view), whose
    # union rounds its bottom edge a bit above the smaller one's.
    looks.clear()
    window.scene._ports_checked = None  # (nothing looked up yet)
    part = QRectF(-46.25592417061611, -17.345971563981042, 980.6255924170616, 471.8104265402843)
    whole = QRectF(-46.25592417061611, -171.14691943127963, 980.6255924170616, 625.6113744075828)
    for _ in range(3):
        window.scene.prepare_up_close(whole)
        window.scene.prepare_up_close(part)
    assert len(looks) <= 2, looks


def test_edges_never_routed_are_in_no_cell_of_the_index_until_shown(window):
    """An edge hidden inside a collapsed block since the design opened has no path: its
    bounding rectangle is empty (not one at the origin, where 11,000 such edges filled the scene
    index's cell), so no look-up at the origin finds it; once its block opens it is routed and
    the index finds it where it is drawn, and again after its block shut and opened."""
    design = staged(stages=3, blocks=6)
    window.load_design(design, None)
    scene = window.scene
    grouping = scene.grouping
    grouping.set_collapsed(collapsed_for_level(grouping.index, 0))
    grouping.refresh()
    settle(window)
    hidden = [e for e in scene.edges.values() if not e.isVisible() and e.unrouted]
    assert len(hidden) > 50
    assert all(e.boundingRect().isNull() and e.path().isEmpty() for e in hidden)
    grouping.expand(["layer2", "layer2.0"])  # the stage and its first block open
    settle(window)
    shown = [e for e in hidden if e.isVisible()]
    assert shown
    for edge in shown:
        assert not edge.unrouted and not edge.boundingRect().isNull()
        assert edge in scene.items(edge.sceneBoundingRect())
    grouping.collapse(["layer2", "layer2.0"])
    settle(window)
    for edge in shown:  # hidden again with its path: its rectangle is the path's
        assert not edge.isVisible() and not edge.boundingRect().isNull()
    grouping.expand(["layer2", "layer2.0"])
    settle(window)
    for edge in shown:
        assert edge.isVisible() and edge in scene.items(edge.sceneBoundingRect())


class PaintRegions(QObject):
    """The area (in pixels) of each paint the canvas receives."""

    def __init__(self) -> None:
        super().__init__()
        self.areas: list[int] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.areas.append(sum(r.width() * r.height() for r in event.region()))
        return False


def test_a_split_run_repaints_where_its_block_cards_moved_not_the_whole_canvas(window, qtbot):
    """Block cards and their edges draw themselves, so Qt repaints where they moved; the canvas
    was painted whole besides whenever the collapsed view changed (2 ms an edit on a collapsed
    10,000-layer design). Only layer cards or their edges moving, appearing or shown (one never
    drawn there draws nothing until the canvas is painted there) repaint it whole up close. What
    the window shows after each edit is what a whole repaint shows."""
    from benchmarks.scale_designs import grouped_resnet
    from tests.ui.test_layer_charts_incremental import screen_pixels

    def settled() -> None:
        settled_on_screen(window, qtbot)

    window.load_design(grouped_resnet(100), None)  # (opened collapsed, as the benchmark's)
    settle(window)
    grouping = window.scene.grouping
    doc = window.document
    stage2 = [g.id for g in doc.design.groups if g.parent == "layer2"]
    target = f"{stage2[len(stage2) // 2]}.conv2"
    params = dict(doc.design.layer(target).params)
    assert window.scene.cards[target].stowed  # (hidden in its collapsed block)
    view = window.view
    view.fit_to_view()
    settle(window)
    assert not window.scene.overview.active  # (up close: the cards draw themselves)
    for kernel in (5, 3):  # (the first split makes the cards and edges it needs)
        doc.set_params(target, {**params, "kernel_size": kernel, "padding": kernel // 2})
        settle(window)
    viewport = view.viewport()
    whole = viewport.width() * viewport.height()
    log = PaintRegions()
    viewport.installEventFilter(log)
    try:
        for kernel in (5, 3, 5):  # split, joined, split
            log.areas.clear()
            repeats = [c.node.repeat for c in grouping.cards.values()]
            doc.set_params(target, {**params, "kernel_size": kernel, "padding": kernel // 2})
            settled()
            assert [c.node.repeat for c in grouping.cards.values()] != repeats  # (split, joined)
            assert log.areas and max(log.areas) < whole, (log.areas, whole)
            shown = screen_pixels(viewport)
            viewport.repaint()
            assert screen_pixels(viewport) == shown, f"kernel {kernel}: part left unpainted"
        # Layer cards shown (their block opened): they are drawn where they stand.
        detail = window.scene.overview.detail_version
        grouping.expand(stage2[len(stage2) // 2])
        settled()
        assert window.scene.overview.detail_version > detail
        assert window.scene.cards[target].isVisible()
        shown = screen_pixels(viewport)
        viewport.repaint()
        assert screen_pixels(viewport) == shown
    finally:
        viewport.removeEventFilter(log)


def test_an_edit_that_splits_a_run_and_moves_the_shapes_after_it_shows_them_everywhere(
    window, qtbot
):
    """An edit that splits a "×N" run is shown by the re-layout it asks for: the block cards about
    to go are not summed first (a run of 356 blocks and its main type, thrown away a moment
    later). The re-layout gives each block card kept its new totals and draws again the edges out
    of those whose shape changed, whether or not the card moved. Here the edited block's output
    shrinks (padding 1 → 0), so every shape after it changes (and the sums after it fail)."""
    from benchmarks.scale_designs import grouped_resnet
    from tests.ui.test_layer_charts_incremental import screen_pixels

    def settled() -> None:
        settled_on_screen(window, qtbot)

    window.load_design(grouped_resnet(100), None)
    settle(window)
    grouping = window.scene.grouping
    doc = window.document
    stage2 = [g.id for g in doc.design.groups if g.parent == "layer2"]
    target = f"{stage2[len(stage2) // 2]}.conv2"
    params = dict(doc.design.layer(target).params)
    view = window.view
    view.fit_to_view()
    settled()
    viewport = view.viewport()
    faces = {nid: card.face() for nid, card in grouping.cards.items()}
    repeats = [c.node.repeat for c in grouping.cards.values()]
    doc.set_params(target, {**params, "padding": 0})
    settled()
    assert [c.node.repeat for c in grouping.cards.values()] != repeats  # (split)
    kept = [nid for nid in faces if nid in grouping.cards]
    assert any(grouping.cards[nid].face() != faces[nid] for nid in kept)  # (kept cards changed)
    assert snapshot(grouping) == fresh_snapshot(window)
    shown = screen_pixels(viewport)
    viewport.repaint()
    assert screen_pixels(viewport) == shown, "a card or an edge left as it was"
    doc.undo()  # joined again, every shape as before
    settled()
    assert [c.node.repeat for c in grouping.cards.values()] == repeats
    assert {nid: card.face() for nid, card in grouping.cards.items()} == faces
    shown = screen_pixels(viewport)
    viewport.repaint()
    assert screen_pixels(viewport) == shown, "a card or an edge left as it was"

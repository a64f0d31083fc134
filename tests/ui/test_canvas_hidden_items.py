"""Cards and edges hidden in collapsed blocks sit under the scene's holder of hidden items
(``HiddenItems``), out of its top level (issue 15, target 4, seventh pass): Qt walks every
top-level item in each event-loop pass that updated an item. What the canvas shows, selects and
routes is what a freshly opened window shows."""

from __future__ import annotations

import math
import random

import pytest
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QGraphicsScene

from benchmarks.scale_designs import chain_design
from designer.core.groups import collapsed_for_level
from designer.core.layout import CARD_HEIGHT, CARD_WIDTH
from designer.ui.canvas import items as canvas_items
from designer.ui.canvas.grouping import GroupCard
from designer.ui.canvas.scene import DesignScene
from designer.ui.main_window import MainWindow
from tests.core.test_groups_incremental import staged
from tests.ui.test_groups_canvas_incremental import (
    assert_items_consistent,
    settle,
    snapshot,
    stage_edit,
)
from tests.ui.ui_helpers import shown_main_window


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def at_top_level(item) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``item`` has no parent, asked without ``parentItem()``: in PySide 6.11 that call
    on a top-level item gives the item back to its Python wrapper while the scene still holds
    it (the scene and the wrapper may then each delete it)."""
    return item.topLevelItem() is item


def assert_hidden_out_of_top_level(scene: DesignScene, all_stowed: bool = True) -> None:
    """Every item under the holder is a hidden card or edge the scene or grouping knows, marked
    as stowed, and the holder counts them; no stowed item is at the top level.
    ``all_stowed``: no hidden layer card or edge is at the top level either."""
    holder = scene.hidden_items
    assert holder is not None and holder.scene() is scene and not holder.isVisible()
    grouping = scene.grouping
    known = [
        *scene.cards.values(),
        *scene.edges.values(),
        *grouping.proxy_edges,
        *grouping._spare_edges,
    ]
    for item in known:
        if item.scene() is scene:
            # The scene's (or the holder's), not Python's: an item Python owns while the scene
            # holds it may be deleted twice (it crashed a later garbage collection).
            assert not shiboken6.Shiboken.ownedByPython(item), item
        parent = None if at_top_level(item) else item.topLevelItem()
        if item.stowed:
            assert parent is holder and not item.isVisible(), item
        else:
            assert parent is None, item
    under = holder.childItems()
    assert holder.held == len(under)
    assert {id(i) for i in under} <= {id(i) for i in known}
    if all_stowed:
        hidden = [i for i in (*scene.cards.values(), *scene.edges.values()) if not i.isVisible()]
        assert all(i.stowed for i in hidden)


def seen(scene: DesignScene) -> dict[str, object]:
    """The canvas as ``snapshot`` gives it, with the cards shown and selected."""
    return {
        **snapshot(scene.grouping),
        "visible": sorted(lid for lid, c in scene.cards.items() if c.isVisible()),
        "selected": sorted(scene.selected_ids()),
        "selected_blocks": sorted(scene.grouping.selected_groups()),
    }


def fresh(window: MainWindow) -> dict[str, object]:
    """A scene made now for the same document and collapsed set (as a window opening it)."""
    grouping = window.scene.grouping
    scene = DesignScene(window.document)
    try:
        scene.grouping.wrap = grouping.wrap
        scene.grouping.set_collapsed(set(grouping.collapsed))
        scene.grouping.refresh()
        scene._on_document_selection(window.document.selection)
        assert_hidden_out_of_top_level(scene)
        return seen(scene)
    finally:
        shiboken6.delete(scene)


def test_a_collapsed_design_opens_with_its_hidden_items_under_the_holder(window):
    window.load_design(staged(stages=3, blocks=6), None)
    scene = window.scene
    grouping = scene.grouping
    assert grouping.collapsed  # (opened collapsed: more layers than the view's budget)
    hidden = [c for c in scene.cards.values() if not c.isVisible()]
    assert len(hidden) > 50
    assert_hidden_out_of_top_level(scene)
    top = [i for i in scene.items() if at_top_level(i)]
    assert len(top) < 40  # the holder, the few cards, edges and frames shown


def test_random_collapse_expand_split_join_delete_undo_redo_equal_a_fresh_window(window):
    window.load_design(staged(stages=3, blocks=6), None)
    doc = window.document
    scene = window.scene
    grouping = scene.grouping
    rng = random.Random(7)
    levels = [collapsed_for_level(grouping.index, level) for level in (0, 1)]
    grouping.set_collapsed(levels[1])
    settle(window)
    for step in range(40):
        convs = [layer.id for layer in doc.design if layer.type == "Conv2d" and ".conv" in layer.id]
        choice = rng.randrange(9)
        if choice <= 1:  # a kernel edit inside a block: splits or joins a "×N" run
            lid = rng.choice(convs)
            params = dict(doc.design.layer(lid).params)
            k = 5 if params.get("kernel_size", 3) in (3, [3, 3]) else 3
            doc.set_params(lid, {**params, "kernel_size": k, "padding": k // 2})
        elif choice == 2 and doc.undo_stack.canUndo():
            doc.undo_stack.undo()
        elif choice == 3 and doc.undo_stack.canRedo():
            doc.undo_stack.redo()
        elif choice == 4:
            grouping.set_collapsed(rng.choice([*levels, set()]))
        elif choice == 5 and grouping.index.members:
            gid = rng.choice(sorted(grouping.index.members))
            (grouping.expand if gid in grouping.collapsed else grouping.collapse)(gid)
        elif choice == 6:  # a layer deleted, perhaps hidden in a collapsed block
            doc.remove_layers([rng.choice(convs)])
        elif choice == 7:  # a hidden layer selected (from the table, Find): its blocks open
            doc.select([rng.choice(convs)])
        elif choice == 8:
            doc.select([])
        settle(window)
        assert_hidden_out_of_top_level(scene)
        assert_items_consistent(grouping)
        assert seen(scene) == fresh(window), step


def test_a_split_and_a_join_move_nothing_into_or_out_of_the_holder(window):
    # Was: a split retired proxy edges into the holder and took spares out of it, each move a
    # walk of Qt's list of its 21,000 children on the grouped 10,000-layer design.
    window.load_design(staged(stages=3, blocks=6), None)
    grouping = window.scene.grouping
    grouping.set_collapsed(collapsed_for_level(grouping.index, 1))
    settle(window)
    stage_edit(window, 5)
    settle(window)
    stage_edit(window, 3)
    settle(window)
    holder = window.scene.hidden_items
    assert holder is not None
    moves, cards = holder.moves, len(grouping.cards)
    for kernel in (5, 3, 5, 3):
        stage_edit(window, kernel)
        settle(window)
        assert len(grouping.cards) != cards or kernel == 3  # the run split, then joined
    assert holder.moves == moves
    assert_hidden_out_of_top_level(window.scene)


def test_too_many_to_move_stay_hidden_at_the_top_level(window, monkeypatch):
    # Hiding thousands of items among thousands at the top level would cost Qt a walk of its
    # list per item: above STOW_WORK they are hidden where they are, and shown from there.
    window.load_design(staged(stages=3, blocks=6), None)
    scene = window.scene
    grouping = scene.grouping
    grouping.expand_all()
    settle(window)
    assert scene.hidden_items is not None and scene.hidden_items.held == 0
    assert_hidden_out_of_top_level(scene)
    monkeypatch.setattr(canvas_items, "STOW_WORK", 10)
    grouping.collapse_all()
    settle(window)
    assert scene.hidden_items.held == 0  # too many: hidden at the top level
    assert_hidden_out_of_top_level(scene, all_stowed=False)
    assert seen(scene) == fresh(window)
    monkeypatch.setattr(canvas_items, "STOW_WORK", 2_000_000)
    grouping.expand_to_level(1)
    settle(window)
    assert_hidden_out_of_top_level(scene, all_stowed=False)
    assert seen(scene) == fresh(window)
    grouping.expand_all()
    settle(window)
    assert_hidden_out_of_top_level(scene)
    assert seen(scene) == fresh(window)


def click_at(window: MainWindow, point: QPointF, double: bool = False) -> None:
    view = window.view
    at = view.mapFromScene(point)
    if double:
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), at)
    else:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), at)


def test_double_click_a_block_delete_a_layer_and_ctrl_z(qtbot, window):
    window.load_design(staged(stages=3, blocks=6), None)
    scene = window.scene
    grouping = scene.grouping
    doc = window.document
    grouping.set_collapsed(collapsed_for_level(grouping.index, 1))
    settle(window)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.set_zoom(0.6)
    block = next(
        c for c in grouping.cards.values() if c.node.repeat == 1 and c.node.groups[0] != "layer1"
    )
    gid = block.node.groups[0]
    window.view.centerOn(block)
    settle(window)
    click_at(window, block.mapToScene(QPointF(CARD_WIDTH / 2, CARD_HEIGHT / 2)), double=True)
    settle(window)
    assert gid not in grouping.collapsed
    members = [lid for lid in grouping.index.members[gid] if lid in scene.cards]
    assert members and all(scene.cards[lid].isVisible() for lid in members)
    assert all(at_top_level(scene.cards[lid]) for lid in members)
    assert_hidden_out_of_top_level(scene)
    assert seen(scene) == fresh(window)
    # A click on one of its layers, Delete, then Ctrl+Z.
    target = next(lid for lid in members if ".relu" in lid)
    card = scene.cards[target]
    window.view.centerOn(card)
    settle(window)
    click_at(window, card.mapToScene(QPointF(CARD_WIDTH / 2, CARD_HEIGHT / 2)))
    assert doc.selection == [target]
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    settle(window)
    assert target not in doc.design
    assert_hidden_out_of_top_level(scene)
    assert seen(scene) == fresh(window)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(window)
    assert target in doc.design
    assert scene.cards[target].isVisible() and at_top_level(scene.cards[target])
    assert_hidden_out_of_top_level(scene)
    assert seen(scene) == fresh(window)
    # Shut it again with a click on its frame's title: its cards go back under the holder.
    frame = next(f for f in grouping.frames if f.group_id == gid and f.titled)
    window.view.centerOn(frame)
    settle(window)
    click_at(window, frame.header_rect().center())
    settle(window)
    assert gid in grouping.collapsed
    assert all(scene.cards[lid].stowed for lid in members if lid in scene.cards)
    assert isinstance(grouping.card_for_group(gid), GroupCard)
    assert_hidden_out_of_top_level(scene)
    assert seen(scene) == fresh(window)


def test_the_index_depth_follows_the_design_opened(window):
    # Was: Qt picks its index's depth the first time the scene indexes any item and keeps it;
    # a long design opened after a small one (or with the holder as the only item at first)
    # was looked up in a tree made for a few items: ten times the candidates per look-up.
    window.load_design(staged(stages=1, blocks=2), None)
    window.scene.items(QRectF(0, 0, 10, 10))  # (indexed now)
    small = window.scene.bspTreeDepth()
    window.load_design(chain_design(800), None)
    scene = window.scene
    scene.items(QRectF(0, 0, 10, 10))
    count = len(scene.cards) + len(scene.edges) + 1
    assert scene.bspTreeDepth() == max(5, math.ceil(math.log2(count))) > small


def test_items_brought_back_from_the_holder_belong_to_the_scene(window):
    """Expand All brings every hidden card and edge back to the top level. They came back
    through ``setParentItem(None)``, which in PySide gives an item back to its Python wrapper
    while the scene still holds it: the scene and the wrapper could each delete it, and a
    garbage collection after the window was gone crashed the test run now and then."""
    window.load_design(staged(stages=3, blocks=6), None)
    scene = window.scene
    assert scene.hidden_items.held > 50
    window.expand_all_action.trigger()
    settle(window)
    assert scene.hidden_items.held == 0
    shown = [*scene.cards.values(), *scene.edges.values()]
    assert shown and all(i.isVisible() and at_top_level(i) for i in shown)
    assert not [i for i in shown if shiboken6.Shiboken.ownedByPython(i)]
    assert_hidden_out_of_top_level(scene)


def test_a_collapsed_design_is_looked_up_without_qts_index(qtbot, window):
    """Qt's BSP index holds every item, the hidden ones under the holder too: every paint of the
    whole view gathered and sorted them all (2–3 ms an edit on a collapsed 10,000-layer design).
    While most cards and edges are hidden and few are at the top level, the scene has no index
    (Qt then walks the top-level items only); it has one again when blocks are opened (Expand
    All) or another design is opened, and what is under the pointer is found either way."""
    method = QGraphicsScene.ItemIndexMethod
    window.load_design(staged(stages=3, blocks=6), None)
    settle(window)
    scene = window.scene
    held = scene.hidden_items.held
    assert held > len(scene.cards) + len(scene.edges) - held
    assert scene.itemIndexMethod() == method.NoIndex
    card = scene.cards["input"]
    click_at(window, card.sceneBoundingRect().center())
    assert window.document.selection == ["input"]
    block = next(iter(scene.grouping.cards.values()))
    click_at(window, block.sceneBoundingRect().center())
    assert block.isSelected() and not card.isSelected()

    window.expand_all_action.trigger()
    settle(window)
    assert scene.hidden_items.held == 0
    assert scene.itemIndexMethod() == method.BspTreeIndex
    scene.items(QRectF(0, 0, 10, 10))  # (indexed now)
    count = len(scene.cards) + len(scene.edges) + 1
    assert scene.bspTreeDepth() == max(5, math.ceil(math.log2(count)))
    inner = scene.cards["layer2.3.conv1"]
    window.view.centerOn(inner)
    click_at(window, inner.sceneBoundingRect().center())
    assert window.document.selection == ["layer2.3.conv1"]

    window.collapse_all_action.trigger()
    settle(window)
    assert scene.hidden_items.held > 0
    assert scene.itemIndexMethod() == method.NoIndex
    window.load_design(chain_design(800), None)
    settle(window)
    assert scene.itemIndexMethod() == method.BspTreeIndex
    scene.items(QRectF(0, 0, 10, 10))
    count = len(scene.cards) + len(scene.edges) + 1
    assert scene.bspTreeDepth() == max(5, math.ceil(math.log2(count)))

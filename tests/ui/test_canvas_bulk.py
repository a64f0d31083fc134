"""The canvas follows a bulk step (``Design.remove_layers``/``restore_layers``: deleting many
layers, its undo and redo) in one pass (issue 15, seventh pass): the cards and edges are made or
dropped without routing, patching the overview or growing the scene rectangle per card, and one
reroute follows. What it shows afterwards is what a freshly built scene shows for the same
document: cards, positions, routed paths, block cards, frames, selection, hidden items under
the holder."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt

from benchmarks.scale_designs import chain_design
from designer.core.groups import collapsed_for_level
from designer.ui.canvas import scene as scene_module
from designer.ui.canvas.items import EdgeItem, LayerCard
from designer.ui.main_window import MainWindow
from tests.core.test_groups_incremental import staged
from tests.ui.test_canvas_hidden_items import assert_hidden_out_of_top_level, fresh, seen
from tests.ui.test_groups_canvas_incremental import assert_items_consistent, settle
from tests.ui.ui_helpers import shown_main_window


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def _check(window: MainWindow, step: object) -> None:
    scene = window.scene
    settle(window)
    assert not scene._unrouted, step  # every edge made without a path was routed or dropped
    assert_hidden_out_of_top_level(scene)
    assert_items_consistent(scene.grouping)
    assert seen(scene) == fresh(window), step
    # Every card and edge the canvas shows has a path / stands inside the scene rectangle.
    rect = scene.sceneRect()
    for card in scene.grouping.visible_layer_cards():
        assert rect.contains(card.sceneBoundingRect()), card.layer_id
    for edge in scene.edges.values():
        if edge.isVisible():
            assert not edge.unrouted, edge.key


@pytest.mark.parametrize(
    ("kind", "level"), [("chain", None), ("grouped", None), ("grouped", 0), ("grouped", 1)]
)
def test_random_bulk_deletions_undos_and_redos_equal_a_fresh_scene(
    window, monkeypatch, kind, level
):
    monkeypatch.setattr(scene_module, "BULK_LAYERS", 4)  # (small designs take the bulk path)
    window.load_design(chain_design(90) if kind == "chain" else staged(stages=3, blocks=6), None)
    doc, scene = window.document, window.scene
    grouping = scene.grouping
    if level is None:
        grouping.expand_all()
    else:
        grouping.set_collapsed(collapsed_for_level(grouping.index, level))
    settle(window)
    rng = random.Random(15 + (level or 0))
    bulk_steps = 0
    for step in range(14):
        ids = [lid for lid in doc.design.ids if lid != "input"]
        choice = rng.randrange(5)
        if choice <= 1 and len(ids) > 12:
            start = rng.randrange(len(ids) - 10)
            chosen = (
                ids[start : start + rng.randrange(5, 10)]  # neighbours
                if choice == 0
                else rng.sample(ids, rng.randrange(5, min(30, len(ids) // 2)))  # scattered
            )
            if rng.random() < 0.5:
                doc.select(chosen[: len(chosen) // 2])  # selected cards among those going
                settle(window)
            doc.remove_layers(chosen)
            bulk_steps += 1
        elif choice <= 3 and doc.undo_stack.canUndo():
            doc.undo()
        elif doc.undo_stack.canRedo():
            doc.redo()
        else:
            doc.select(rng.sample(ids, 3))
        _check(window, step)
    assert bulk_steps >= 3
    while doc.undo_stack.canUndo():
        doc.undo()
    _check(window, "all undone")


def test_the_undo_of_a_large_deletion_routes_each_new_edge_once_after_every_card_is_back(
    window, monkeypatch
):
    """Before: each card put back routed its edges at once, among cards still missing (a lane
    round cards not there yet), and the reroute after routed many again."""
    window.load_design(chain_design(200), None)
    doc, scene = window.document, window.scene
    window.view.fit_to_view()
    settle(window)
    shown = seen(scene)
    ids = doc.design.ids
    doc.remove_layers(ids[40:160])  # (more than BULK_LAYERS)
    settle(window)
    routed: list[EdgeItem] = []
    made: list[LayerCard] = []
    real_route, real_init = EdgeItem.update_path, LayerCard.__init__

    def route(edge: EdgeItem) -> None:
        routed.append(edge)
        real_route(edge)

    def init(card: LayerCard, *args: object, **kwargs: object) -> None:
        real_init(card, *args, **kwargs)  # type: ignore[arg-type]
        made.append(card)

    monkeypatch.setattr(EdgeItem, "update_path", route)
    monkeypatch.setattr(LayerCard, "__init__", init)
    doc.undo()
    # Told to the canvas in one step: no edge routed yet, no card read or given ports.
    assert routed == []
    assert len(made) == 120 and all(card.stale and not card._ports for card in made)
    settle(window)
    assert len(routed) == len({id(e) for e in routed})  # none routed twice
    assert seen(scene) == shown == fresh(window)


def test_ctrl_a_delete_ctrl_z_ctrl_shift_z_with_real_events(qtbot, window):
    window.load_design(staged(stages=3, blocks=6), None)
    doc, scene = window.document, window.scene
    scene.grouping.expand_all()
    window.view.fit_to_view()
    settle(window)
    assert len(doc.design) > scene_module.BULK_LAYERS
    shown, original = seen(scene), doc.text()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(doc.selection) == len(doc.design)
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert len(doc.design) == 0
    _check(window, "deleted")
    assert scene.cards == {} and scene.edges == {}
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.text() == original
    _check(window, "undone")
    assert seen(scene) == shown
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert len(doc.design) == 0
    _check(window, "redone")
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _check(window, "undone again")
    assert seen(scene) == shown
    # Up close the cards put back are given their ports when first drawn, and read their texts.
    card = scene.cards[[lid for lid in doc.design.ids if lid != "input"][5]]
    assert card.stale and card in scene.portless
    window.view.set_zoom(1.0)
    window.view.centerOn(card)
    window.view.viewport().repaint()
    assert card not in scene.portless and card.existing_ports()
    assert not card.stale and card.content.shape_text not in ("", "?")


def test_ctrl_d_of_many_layers_its_undo_and_redo_equal_a_fresh_scene(qtbot, window, monkeypatch):
    """A paste (Ctrl+D) is a macro of one addition per layer, and its undo one removal per
    layer: past ``BULK_LAYERS`` of them in the batch, the canvas makes the rest without routing
    and routes their edges once after."""
    monkeypatch.setattr(scene_module, "BULK_LAYERS", 8)
    window.load_design(staged(stages=3, blocks=6), None)
    doc, scene = window.document, window.scene
    scene.grouping.expand_all()
    window.view.fit_to_view()
    settle(window)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    before = set(doc.design.ids)
    routed: list[EdgeItem] = []
    real_route = EdgeItem.update_path

    def route(edge: EdgeItem) -> None:
        routed.append(edge)
        real_route(edge)

    monkeypatch.setattr(EdgeItem, "update_path", route)
    qtbot.keyClick(window.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    copies = set(doc.design.ids) - before
    assert len(copies) == len(before) > scene_module.BULK_LAYERS
    assert set(doc.selection) == copies
    new_edges = [e for (a, b), e in scene.edges.items() if a in copies or b in copies]
    # The cards past the first BULK_LAYERS were made without routing their edges.
    assert 0 < len(routed) < len(new_edges) / 3
    _check(window, "duplicated")
    assert sorted(scene.selected_ids()) == sorted(copies)
    duplicated = seen(scene)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert set(doc.design.ids) == before
    _check(window, "undone")
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    _check(window, "redone")
    # (A redo does not select the copies again: the document's selection is not undone.)
    assert {**seen(scene), "selected": duplicated["selected"]} == duplicated

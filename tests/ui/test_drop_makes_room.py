"""A layer dropped on a card makes room: the cards after it on its line move along (the
scene's ``_make_room``), found from the scene's index and the hidden cards, not from a pass
over every card; the edges near the cards that moved are each looked at once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from benchmarks.scale_designs import chain_design
from designer.core.layout import CARD_HEIGHT, CARD_WIDTH, COLUMN_GAP
from designer.ui.canvas.items import EdgeItem, LayerCard
from designer.ui.canvas.scene import DesignScene
from designer.ui.document import Document
from designer.ui.panels.layer_table import LayerTableModel
from tests.ui.ui_helpers import drop_layer, shown_canvas


def positions(scene: DesignScene) -> dict[str, tuple[float, float]]:
    return {lid: (c.x(), c.y()) for lid, c in scene.cards.items()}


def expected_after(
    doc: Document, before: dict[str, tuple[float, float]], new: str
) -> dict[str, tuple[float, float]]:
    """Every card, by the rule itself: where the new card overlaps one, its downstream cards on
    its own row (left to right) move one step along; every other card stays."""
    x, y = doc.design.position(new) or (0.0, 0.0)
    overlaps = any(
        abs(cx - x) < CARD_WIDTH + 8 and abs(cy - y) < CARD_HEIGHT + 8
        for lid, (cx, cy) in before.items()
        if lid != new
    )
    downstream = set(doc.analysis.downstream(new))
    out = dict(before)
    if overlaps:
        for lid, (cx, cy) in before.items():
            if lid in downstream and cx >= x - 1 and abs(cy - y) < CARD_HEIGHT / 2:
                out[lid] = (cx + CARD_WIDTH + COLUMN_GAP, cy)
    return out


def test_a_layer_dropped_on_a_card_moves_the_cards_after_it_on_its_row(qtbot, monkeypatch):
    doc, scene, view = shown_canvas(qtbot, chain_design(400))
    scene.grouping.expand_all()
    table = LayerTableModel(doc)  # the table follows the drop as one row inserted
    rows = [lid for lid, c in scene.cards.items() if abs(c.y() - scene.cards["l40"].y()) < 1]
    assert 5 < len(rows) < 200  # the chain wraps onto rows
    before = positions(scene)
    looked: list[str] = []
    real_x = LayerCard.x

    def counted_x(card: LayerCard) -> float:
        looked.append(card.layer_id)
        return real_x(card)

    monkeypatch.setattr(LayerCard, "x", counted_x)
    target = scene.cards["l40"]
    view.centerOn(target)
    assert drop_layer(view, "ReLU", target.sceneBoundingRect().center())
    monkeypatch.setattr(LayerCard, "x", real_x)
    QApplication.processEvents()
    new = doc.selection[0]
    assert doc.design.layer(new).inputs == ["l40"]
    # A few cards looked at (those near the new one and on its row), not all 400.
    assert len(set(looked) - {new}) < 3 * len(rows)
    after = positions(scene)
    del after[new]
    assert after == expected_after(doc, before, new)
    moved = [lid for lid in before if after[lid] != before[lid]]
    assert moved and "l41" in moved and set(moved) <= set(rows)
    assert table.reset_count == 0 and table.splice_count == 1
    doc.undo_stack.undo()
    QApplication.processEvents()
    assert positions(scene) == before
    assert table.reset_count == 0 and table.splice_count == 2


@pytest.mark.parametrize("target", ["l3", "l4", "l5", "l9"])
def test_the_cards_moved_are_those_the_rule_picks_from_every_card(qtbot, monkeypatch, target):
    """With a block collapsed (two cards hidden on the row, the cards shown laid out round the
    block), each drop moves exactly what the rule applied to every card, hidden ones included,
    picks from the places the cards have when the new card arrives."""
    doc, scene, view = shown_canvas(qtbot, chain_design(60))
    scene.grouping.expand_all()
    gid = doc.group(["l6", "l7"], label="pair")
    scene.grouping.collapse(gid)
    QApplication.processEvents()
    assert scene.grouping.hidden == {"l6", "l7"}
    seen: list[tuple[str, dict[str, tuple[float, float]]]] = []
    real_room = DesignScene._make_room

    def spied(self: DesignScene, new_id: str, pos: tuple[float, float]) -> None:
        seen.append((new_id, positions(self)))
        real_room(self, new_id, pos)

    monkeypatch.setattr(DesignScene, "_make_room", spied)
    moved: list[dict[str, tuple[float, float]]] = []
    real_move = doc.move_layers
    monkeypatch.setattr(doc, "move_layers", lambda m: (moved.append(dict(m)), real_move(m)))
    card = scene.cards[target]
    view.centerOn(card)
    assert drop_layer(view, "ReLU", card.sceneBoundingRect().center())
    QApplication.processEvents()
    ((new, before),) = seen
    want = {
        lid: place
        for lid, place in expected_after(doc, before, new).items()
        if place != before[lid] and lid != new
    }
    assert moved == ([want] if want else [])  # those cards and no other, in one step
    assert {lid: doc.design.position(lid) for lid in want} == want
    if target == "l5":  # the new card lands on l7, hidden in the block: it moves along
        assert "l7" in want


def test_edges_near_many_moved_cards_are_each_looked_at_once(qtbot, monkeypatch):
    _doc, scene, view = shown_canvas(qtbot, chain_design(400))
    scene.grouping.expand_all()
    corridors: list[tuple[str, str]] = []
    real = EdgeItem.corridor

    def counted(edge: EdgeItem):  # type: ignore[no-untyped-def]
        corridors.append(edge.key)
        return real(edge)

    monkeypatch.setattr(EdgeItem, "corridor", counted)
    target = scene.cards["l40"]
    view.centerOn(target)
    assert drop_layer(view, "ReLU", QPointF(target.sceneBoundingRect().center()))
    qtbot.waitUntil(lambda: not scene._reroute.isActive(), timeout=3000)
    QApplication.processEvents()
    assert corridors  # the edges near the cards that moved were looked at
    assert len(corridors) == len(set(corridors))  # each once (before: once per moved box)


def test_cards_moved_with_blocks_collapsed_copy_the_groups_once_at_most(qtbot, monkeypatch):
    """A card moved while blocks are collapsed asks whether the design has groups: without a
    copy of every group per card moved (1,400 groups, 83 cards moved by one drop on the grouped
    10,000-layer design: 126,000 copies)."""
    from designer.core.design import Design

    doc, scene, _view = shown_canvas(qtbot, chain_design(60))
    gid = doc.group(["l6", "l7"], label="pair")
    scene.grouping.collapse(gid)
    QApplication.processEvents()
    copies: list[int] = []
    real = Design.groups

    def counted(design: Design):  # type: ignore[no-untyped-def]
        copies.append(1)
        return real.fget(design)  # type: ignore[attr-defined]

    monkeypatch.setattr(Design, "groups", property(counted))
    doc.move_layers({f"l{k}": (1000.0 + 300 * k, 900.0) for k in range(20, 40)})
    QApplication.processEvents()
    assert len(copies) <= 2  # (the deferred refresh's own, once)


def test_a_drop_with_blocks_collapsed_lays_the_view_out_once(qtbot, monkeypatch):
    """A layer dropped onto a card while blocks are collapsed, where cards must move along to
    make room (the new card lands on one hidden in the block): the new layer is selected after
    they moved, so the collapsed view is laid out once, not once for the selection and again
    for the moves (about 50 ms each on the grouped 10,000-layer design). The drop is one undo
    step, and the new layer is selected."""
    from designer.ui.canvas.grouping import CanvasGroups

    doc, scene, view = shown_canvas(qtbot, chain_design(60))
    scene.grouping.expand_all()
    gid = doc.group(["l6", "l7"], label="pair")
    scene.grouping.collapse(gid)
    QApplication.processEvents()
    steps = doc.undo_stack.count()
    before = {lid: doc.design.position(lid) for lid in doc.design.ids}
    layouts: list[int] = []
    real = CanvasGroups.refresh

    def counted(self: CanvasGroups, *args, **kwargs):  # type: ignore[no-untyped-def]
        layouts.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CanvasGroups, "refresh", counted)
    spot = scene.cards["l5"].sceneBoundingRect().center()
    view.centerOn(spot)
    assert drop_layer(view, "ReLU", spot)
    for _ in range(3):
        QApplication.processEvents()
    new = doc.selection[0]
    assert doc.design.layer(new).inputs == ["l5"]
    assert doc.design.position("l7") != before["l7"]  # cards moved along (l7, hidden, too)
    assert len(layouts) == 1
    assert doc.undo_stack.count() == steps + 1
    doc.undo_stack.undo()
    QApplication.processEvents()
    assert new not in doc.design
    assert {lid: doc.design.position(lid) for lid in doc.design.ids} == before

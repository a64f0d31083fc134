"""The canvas's scene rectangle is kept by the scene (not recomputed by Qt over every item), and
the collapsed view shows and hides only what changes: both must leave the canvas as before.

A small margin (monkeypatched ``SCENE_MARGIN``) makes a stale rectangle show: with the app's
4,000 it would hide most mistakes.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter

from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.ui.canvas import scene as scene_module
from designer.ui.canvas.grouping import GroupCard, GroupFrame
from designer.ui.canvas.items import EdgeItem, LayerCard
from designer.ui.main_window import MainWindow
from tests.ui.ui_helpers import click_scene, drag_mouse, drop_layer, shown_main_window

MARGIN = 200.0  # more than anything reaches past its card (a line break's stub and its label)


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(scene_module, "SCENE_MARGIN", MARGIN)
    return shown_main_window(qtbot, monkeypatch)


def open_resnet50(window: MainWindow) -> None:
    window.load_design(load_design(templates_dir() / "resnet50.json"), None)


def shown_items(window: MainWindow) -> list:
    return [
        i
        for i in window.scene.items()
        if i.isVisible() and isinstance(i, LayerCard | GroupCard | GroupFrame | EdgeItem)
    ]


def assert_covered(window: MainWindow, what: str) -> None:
    """Every card, block, frame and edge shown lies inside the scene rectangle, which is the
    scene's own (set explicitly), not Qt's bounding rectangle of every item."""
    scene = window.scene
    rect = scene.sceneRect()
    kept = scene._rect
    assert kept is not None
    assert rect == QRectF(kept[0], kept[1], kept[2] - kept[0], kept[3] - kept[1]), what
    outside = [
        getattr(i, "layer_id", None) or getattr(i, "group_id", None) or repr(i)
        for i in shown_items(window)
        if not rect.contains(i.sceneBoundingRect())
    ]
    assert not outside, f"{what}: outside the scene rectangle {rect}: {outside[:5]}"
    assert window.view.sceneRect() == rect, f"{what}: the view scrolls over the scene's rectangle"


def test_the_rect_holds_every_item_shown_through_expand_collapse_add_move_and_undo(window, qtbot):
    open_resnet50(window)
    scene, grouping, doc = window.scene, window.scene.grouping, window.document
    assert_covered(window, "opened collapsed")
    stage = grouping.card_for_group("layer4")
    assert stage is not None
    click_scene(qtbot, window, stage.sceneBoundingRect().center(), double=True)
    assert "layer4" not in grouping.collapsed
    assert_covered(window, "a stage expanded by a double-click")
    grouping.expand_all()
    assert_covered(window, "everything expanded")
    # The whole design in a row far to the right of where it was: the rectangle must follow.
    far = {lid: (x + 5000.0, y + 3000.0) for lid, (x, y) in doc.design.layout.items()}
    doc.move_layers(far)
    grouping.flush()
    assert_covered(window, "every card moved away")
    doc.undo_stack.undo()
    grouping.flush()
    assert_covered(window, "the move undone")
    window.view.fit_to_view()
    # A layer dropped beyond the last card, as a user drops one from the palette.
    right = max(c.x() for c in scene.cards.values()) + 900.0
    window.view.centerOn(right, 0.0)
    assert drop_layer(window.view, "ReLU", QPointF(right, 0.0))
    assert_covered(window, "a layer dropped past the design")
    doc.undo_stack.undo()
    grouping.collapse_all()
    assert_covered(window, "everything collapsed")
    frames = [f for f in grouping.frames if isinstance(f, GroupFrame)]
    assert not frames  # nothing open: no frame
    grouping.expand("layer2")
    assert any(f.group_id == "layer2" for f in grouping.frames)
    assert_covered(window, "one stage open in its frame")


def test_a_card_dragged_past_the_edge_grows_the_rect(window, qtbot, monkeypatch):
    # A margin that makes the scene larger than the viewport at this zoom: Qt centres a smaller
    # scene in the view, which then shifts under the mouse when the scene grows.
    monkeypatch.setattr(scene_module, "SCENE_MARGIN", 600.0)
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}, []), position=(0, 0))
    d.add_layer(
        Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["input"]),
        position=(236, 0),
    )
    d.add_layer(Layer("free", "ReLU", {}, []), position=(1200, 0))
    window.document.reset(d)
    view = window.view
    view.set_zoom(0.5)
    card = window.scene.cards["conv1"]
    start = card.sceneBoundingRect().center() + QPointF(0, 15)
    view.centerOn(start.x(), 400)
    before = window.scene.sceneRect()
    end = start + QPointF(0, 735)
    assert end.y() > before.bottom()  # the card is dragged out of the rectangle
    drag_mouse(qtbot, view, start, end, steps=10)
    assert window.document.design.position("conv1") == pytest.approx((236, 735), abs=4)
    assert window.scene.sceneRect().bottom() > before.bottom()
    assert_covered(window, "a card dragged past the edge")


def test_fit_to_view_frames_the_design_collapsed_and_expanded(window, qtbot):
    open_resnet50(window)
    view, grouping = window.view, window.scene.grouping
    for step in ("collapsed", "expanded", "collapsed again"):
        window.fit_action.trigger()
        visible = view.mapToScene(view.viewport().rect()).boundingRect()
        for item in grouping.visible_items():
            assert visible.contains(item.sceneBoundingRect()), (step, item)
        if step == "collapsed":
            grouping.expand_all()
        else:
            grouping.collapse_all()


def test_toggling_a_stage_keeps_the_rect_and_shows_what_a_full_refresh_shows(window, qtbot):
    """Collapse and expand touch only the cards whose visibility changes; the result is what
    a refresh that looks at every card and edge gives."""
    open_resnet50(window)
    scene, grouping = window.scene, window.scene.grouping

    def state() -> tuple:
        cards = {lid: (c.isVisible(), c.x(), c.y()) for lid, c in scene.cards.items()}
        edges = {k: (e.isVisible(), e.path().boundingRect()) for k, e in scene.edges.items()}
        hidden_routed = [k for k, e in scene.edges.items() if e.isVisible() and e.unrouted]
        assert not hidden_routed, f"edges shown without a path: {hidden_routed[:3]}"
        blocks = sorted((c.node.id, c.x(), c.y()) for c in grouping.cards.values())
        return (
            cards,
            {k: v[0] for k, v in edges.items()},
            blocks,
            sorted(
                (k, (r.x(), r.y(), r.width(), r.height())) for k, (vis, r) in edges.items() if vis
            ),
        )

    for step, action in enumerate(
        [
            lambda: grouping.expand("layer3"),
            lambda: grouping.expand("layer3.2"),
            lambda: grouping.collapse("layer3"),
            lambda: grouping.expand(["layer2", "layer3"]),
            grouping.expand_all,
            lambda: grouping.expand_to_level(1),
        ]
    ):
        action()
        quick = state()
        grouping._trusted = False  # as after a structure edit: look at every card and edge
        grouping.refresh()
        assert state() == quick, f"step {step}"
        assert_covered(window, f"step {step}")


def test_toggling_a_stage_again_and_again_keeps_the_rect(window, monkeypatch):
    """With the app's margin the rectangle is not set anew on every collapse and expand of a
    stage (Qt re-indexes every item when it changes)."""
    monkeypatch.setattr(scene_module, "SCENE_MARGIN", 4000.0)
    open_resnet50(window)
    scene, grouping = window.scene, window.scene.grouping
    grouping.expand("layer3")
    grouping.collapse("layer3")
    changes = scene.rect_changes
    for _ in range(5):
        grouping.expand("layer3")
        assert_covered(window, "layer3 open")
        grouping.collapse("layer3")
        assert_covered(window, "layer3 shut")
    assert scene.rect_changes == changes


def test_a_structure_edit_while_collapsed_hides_the_new_edges_inside_blocks(window, qtbot):
    open_resnet50(window)
    scene, grouping, doc = window.scene, window.scene.grouping, window.document
    assert "layer2.1" in grouping.collapsed or any(
        g in grouping.collapsed for g in grouping.index.ancestors("layer2.1")
    )
    doc.insert_on_edge("ReLU", "layer2.1.conv1", "layer2.1.bn1", (0.0, 0.0))
    grouping.flush()
    new = next(lid for lid in doc.design.ids if lid not in scene.cards or lid.startswith("relu"))
    assert new in scene.cards
    assert not scene.cards[new].isVisible()
    for key, edge in scene.edges.items():
        if new in key:
            assert not edge.isVisible(), key
    grouping.expand_all()
    assert scene.cards[new].isVisible()
    assert all(e.isVisible() and not e.unrouted for e in scene.edges.values())
    assert_covered(window, "expanded after an edit inside a block")


def paint_overview(window: MainWindow) -> None:
    """What the minimap does: the overview's paths painted (rebuilt first if out of date)."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    window.scene.overview.paint(painter, always=True)
    painter.end()


def test_the_overview_draws_the_cards_shown_and_ignores_edits_to_hidden_ones(window):
    """Zoomed out (and in the minimap) the overview draws only the cards shown; an edit that
    changes a hidden card's look leaves its paths alone, one that changes a shown card's redraws
    it, and expanding the blocks draws every card."""
    open_resnet50(window)
    scene, grouping, doc = window.scene, window.scene.grouping, window.document
    overview = scene.overview
    paint_overview(window)
    shown = {c.layer_id for c in grouping.visible_layer_cards()}
    assert set(overview._looks) == shown and "layer2.1.conv1" not in shown
    # A hidden layer turns red (an impossible kernel): nothing drawn changes.
    overview._dirty = False
    doc.set_params(
        "layer2.1.conv1", {**doc.design.layer("layer2.1.conv1").params, "kernel_size": 99}
    )
    overview.cards_changed(["layer2.1.conv1"])
    assert not overview._dirty
    # A shown layer turns red: its block is drawn again, with its error outline.
    doc.undo_stack.undo()
    grouping.expand(["layer1", "layer1.0"])
    paint_overview(window)
    assert "layer1.0.conv1" in overview._looks
    assert not overview._looks["layer1.0.conv1"][1]
    params = doc.design.layer("layer1.0.conv1").params
    doc.set_params("layer1.0.conv1", {**params, "kernel_size": 99})
    grouping.flush()
    paint_overview(window)
    assert overview._looks["layer1.0.conv1"][1]  # drawn with an error outline
    assert overview._errors.boundingRect().intersects(
        scene.cards["layer1.0.conv1"].sceneBoundingRect()
    )
    grouping.expand_all()
    paint_overview(window)
    assert set(overview._looks) == set(scene.cards)

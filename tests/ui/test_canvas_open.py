"""Opening a long design (issue 15, target 4, eighth pass): what the canvas no longer does per
card or edge when a design opens, and what it must still do.

Behaviour, not timing: no view listens to the scene's ``changed`` signal (it put every view in
Qt's compatibility mode); the overview tells the canvas and the minimap what changed instead, so
the zoomed-out canvas repaints when a card's colour changes (it did not) and the minimap follows
cards moved out of view; a design without groups is built shown (no card or edge shown one by
one after); the shapes of edges moved from a kept one equal those worked out in place, to the
bit; a card's anchors and the box round the cards are worked out from positions, equal to Qt's.
"""

from __future__ import annotations

import random

from PySide6.QtCore import SIGNAL, QPointF, QRectF
from PySide6.QtGui import QPainterPath

from benchmarks.bench_scale_gui import PaintCounter
from designer.core.design import Design, Layer
from designer.core.layout import auto_layout
from designer.ui.canvas import items
from designer.ui.canvas.items import (
    EdgeItem,
    LayerCard,
    _s_curve,
    card_anchor,
    connection_path,
)
from designer.ui.canvas.overview import Overview
from designer.ui.canvas.scene import DesignScene
from designer.ui.canvas.view import CanvasView, items_rect
from designer.ui.document import Document
from tests.ui.ui_helpers import shown_canvas


def chain(n: int) -> Design:
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [8, 32, 32]}))
    prev = "input"
    for k in range(n):
        params = {"out_channels": 8, "kernel_size": 3, "padding": 1}
        d.add_layer(Layer(f"conv{k}", "Conv2d", params, [prev]))
        d.add_layer(Layer(f"relu{k}", "ReLU", {}, [f"conv{k}"]))
        prev = f"relu{k}"
    for lid, pos in auto_layout(d).items():
        d.set_position(lid, pos)
    return d


def make_view(qtbot, design: Design) -> tuple[Document, DesignScene, CanvasView]:
    return shown_canvas(qtbot, design)


def elements(path: QPainterPath) -> list[tuple[int, float, float]]:
    """The path's elements as they are stored (``==`` on paths is a fuzzy comparison)."""
    out = []
    for i in range(path.elementCount()):
        e = path.elementAt(i)
        out.append((int(e.type.value), e.x, e.y))
    return out


def test_no_view_listens_to_the_scenes_changed_signal(qtbot) -> None:
    """The minimap listened to the scene's ``changed`` signal. Connected, it makes Qt connect
    every view to it and send updates to the views as lists of scene rectangles: each geometry
    change of any item (21,000 when a 10,000-layer design opens) called the item's Python
    ``boundingRect`` and added a rectangle to a list handed to Python."""
    doc, scene, view = make_view(qtbot, chain(30))
    view.minimap.sync()
    doc.move_layers({"conv3": (5000.0, 3000.0)})
    qtbot.wait(60)  # (the minimap syncs 30 ms after a change; Qt's update pass runs)
    assert scene.receivers(SIGNAL("changed(QList<QRectF>)")) == 0


def test_the_zoomed_out_canvas_repaints_when_a_cards_colour_changes(qtbot) -> None:
    """Zoomed out, the cards draw nothing themselves (the overview draws them), so their own
    updates repaint nothing: an edit that turned a card red (and the cards after it grey) left
    the canvas showing the old colours until something else repainted it. Its undo as well."""
    doc, scene, view = make_view(qtbot, chain(30))
    view.set_zoom(0.2)
    qtbot.wait(20)
    assert scene.overview.active
    paints = PaintCounter(view.viewport())
    qtbot.wait(20)
    paints.paints = 0
    before = scene.overview.look("conv10")
    doc.set_params("conv10", {"out_channels": 8, "kernel_size": 64, "padding": 1}, "too large")
    qtbot.waitUntil(lambda: paints.paints > 0, timeout=1000)
    assert scene.overview.look("conv10") != before
    paints.paints = 0
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: paints.paints > 0, timeout=1000)
    assert scene.overview.look("conv10") == before


def test_the_minimap_follows_a_card_moved_out_of_view(qtbot) -> None:
    """The minimap fits itself again, shows itself and repaints when a card goes far off, at
    fit view and up close (told by the overview, no longer by the scene's ``changed``)."""
    doc, scene, view = make_view(qtbot, chain(12))
    view.fit_to_view()
    qtbot.wait(60)
    minimap = view.minimap
    assert not minimap.isVisible()  # (the whole design is in view)
    x, y = doc.design.position("conv11") or (0.0, 0.0)
    doc.move_layers({"conv11": (x + 6000.0, y + 4000.0)})
    qtbot.waitUntil(minimap.isVisible, timeout=1000)
    assert minimap.content_rect().contains(QRectF(x + 6000.0, y + 4000.0, 10, 10))
    view.set_zoom(1.0)
    view.centerOn(scene.cards["conv2"])
    qtbot.wait(60)
    paints = PaintCounter(minimap.viewport())
    paints.paints = 0
    doc.move_layers({"conv11": (x + 9000.0, y + 4000.0)})
    qtbot.waitUntil(lambda: paints.paints > 0, timeout=1000)
    assert minimap.content_rect().contains(QRectF(x + 9000.0, y + 4000.0, 10, 10))


def test_a_design_without_groups_is_built_shown(qtbot, monkeypatch) -> None:
    """Cards and edges were made hidden and then shown one by one by the grouping (each edge
    twice, once per end), and each told the overview on its own; now a design without groups
    is made shown and the overview is told once. Every card and edge is shown and routed,
    as before."""
    shown: list[object] = []
    told: list[object] = []
    for klass in (LayerCard, EdgeItem):
        real = klass.set_shown
        monkeypatch.setattr(
            klass,
            "set_shown",
            lambda self, *a, _r=real, **k: (shown.append(self), _r(self, *a, **k))[1],
        )
    for name in ("adopt", "item_moved"):
        real = getattr(Overview, name)
        monkeypatch.setattr(
            Overview,
            name,
            lambda self, item, *a, _r=real, **k: (told.append(item), _r(self, item, *a, **k))[1],
        )
    _doc, scene, _view = make_view(qtbot, chain(20))
    assert shown == [] and told == []
    assert all(card.isVisible() for card in scene.cards.values())
    assert all(e.isVisible() and not e.unrouted for e in scene.edges.values())
    assert scene.grouping.visible_layer_cards() == list(scene.cards.values())
    assert scene.portless == set(scene.cards.values()) - {
        c for c in scene.cards.values() if c.existing_ports()
    }
    # Each edge as routing it alone draws it.
    for edge in scene.edges.values():
        path = edge.path()
        edge.update_path()
        assert elements(edge.path()) == elements(path)


def test_an_edges_curve_moved_from_a_kept_one_equals_the_one_worked_out_in_place() -> None:
    """Most edges of a long design have one of a few shapes: each S-curve is the kept one of its
    shape moved to its start. On the quarter grid the move's additions are exact, so the moved
    curve equals the one worked out in place to the bit; off it, it is worked out in place."""
    rng = random.Random(15)
    items._CURVES.clear()
    for _ in range(400):
        quarter = rng.random() < 0.8
        coords = [rng.randint(-40000, 40000) / (4 if quarter else 7) for _ in range(4)]
        if rng.random() < 0.5:  # same shapes again: the kept ones
            coords[2], coords[3] = coords[0] + 240.0, coords[1] + rng.choice([0.0, 120.5, -61.25])
        a, b = QPointF(coords[0], coords[1]), QPointF(coords[2], coords[3])
        for direction in ("LR", "TB"):
            if direction == "LR" and b.x() < a.x() + 2 * items.WRAP_STUB:
                continue  # (a line break: not an S-curve)
            assert elements(connection_path(a, b, direction)) == elements(
                _s_curve(a, b, direction)
            ), (coords, direction)
    assert items._CURVES  # (kept ones were used)


def test_a_cards_anchors_are_where_qt_maps_them(qtbot) -> None:
    """A card's anchors come from its position, equal to ``mapToScene`` of its anchor point:
    left to right and top to bottom, at the top level and under the holder of hidden items."""
    _doc, scene, _view = make_view(qtbot, chain(6))
    rng = random.Random(4)
    for card in list(scene.cards.values())[:6]:
        card.setPos(rng.uniform(-5000, 5000), rng.uniform(-5000, 5000))
        for direction in ("LR", "TB"):
            card.direction = direction
            for holder in (False, True):
                if holder:
                    assert scene.hidden_items is not None
                    scene.hidden_items.take(card)
                assert card.in_anchor() == card.mapToScene(card_anchor(direction, False))
                assert card.out_anchor() == card.mapToScene(card_anchor(direction, True))
                if holder:
                    scene.removeItem(card)  # (back to the top level through the scene)
                    scene.addItem(card)
                    scene.hidden_items.forget(card)


def test_the_box_round_the_cards_equals_the_union_of_their_bounding_rectangles(qtbot) -> None:
    """Fitting the view takes the box round the cards shown from their positions (a layer card's
    bounding rectangle is fixed): equal to the union of Qt's ``sceneBoundingRect``, block
    cards included."""
    from benchmarks.scale_designs import grouped_resnet

    for design in (chain(25), grouped_resnet(120)):
        _doc, scene, _view = make_view(qtbot, design)
        for collapsed in (False, True):
            if collapsed:
                scene.grouping.collapse_all()
            shown = scene.grouping.visible_items()
            union = QRectF()
            for item in shown:
                union = union.united(item.sceneBoundingRect())
            assert items_rect(shown) == union


def test_the_zoomed_out_canvas_shows_the_drop_target_as_a_layer_is_dragged(qtbot) -> None:
    """Zoomed out, the overview draws the card a dragged layer would be appended to: the card's
    own update repainted nothing (it is flagged), so the canvas did not show the target while
    the drag moved over it."""
    from PySide6.QtCore import QMimeData, Qt
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent
    from PySide6.QtWidgets import QApplication

    from designer.core.layout import CARD_HEIGHT, CARD_WIDTH
    from designer.ui.canvas import LAYER_MIME

    _doc, scene, view = make_view(qtbot, chain(30))
    view.set_zoom(0.2)
    view.centerOn(scene.cards["conv10"])
    qtbot.wait(20)
    assert scene.overview.active
    paints = PaintCounter(view.viewport())
    qtbot.wait(20)
    paints.paints = 0
    card = scene.cards["conv10"]
    point = view.mapFromScene(QPointF(card.x() + CARD_WIDTH / 2, card.y() + CARD_HEIGHT / 2))
    mime = QMimeData()
    mime.setData(LAYER_MIME, b"ReLU")
    actions, left = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
    none = Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(point, actions, mime, left, none))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(point, actions, mime, left, none))
    assert scene.drop_hint is card
    qtbot.waitUntil(lambda: paints.paints > 0, timeout=1000)


def test_up_close_a_card_never_drawn_moved_into_view_is_drawn(qtbot) -> None:
    """Up close, a card far off was never drawn there (flagged for the overview until the
    canvas paints where it stands): moved into view (an undo, a drag of its group), it is
    drawn, and what the window shows is what a whole repaint shows. (Block cards moving repaint
    only where they moved: ``CanvasView._overview_changed``.)"""
    from tests.ui.test_layer_charts_incremental import screen_pixels

    doc, scene, view = make_view(qtbot, chain(40))
    view.set_zoom(1.0)
    view.centerOn(scene.cards["conv0"])
    qtbot.wait(40)
    far = scene.cards["relu39"]
    no_contents = items.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    assert not scene.overview.active and far.flags() & no_contents
    spot = view.mapToScene(view.viewport().rect().center())
    doc.move_layers({"relu39": (spot.x(), spot.y() + 60.0)})
    qtbot.wait(40)
    assert far in scene.items(view.mapToScene(view.viewport().rect()).boundingRect())
    assert not far.flags() & no_contents
    shown = screen_pixels(view.viewport())
    view.viewport().repaint()
    assert screen_pixels(view.viewport()) == shown

"""A rubber band swept over many cards (issue 15, eighth pass): at 10,000 layers each mouse move
of a band over a quarter of the canvas took about 100 ms (every card's stacking order set again,
each card's and edge's outline made anew for Qt's hit test, every view following the selection,
the explanation typeset again). What the band selects is what it selected before; the document
and its views are told when the band is let go."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainterPath
from PySide6.QtWidgets import QApplication, QGraphicsItem

from benchmarks.scale_designs import chain_design, grouped_resnet, resnet_like
from designer.ui.canvas.items import LayerCard
from designer.ui.canvas.overview import MANY_OUTLINES
from designer.ui.canvas.view import items_rect
from tests.ui.ui_helpers import drag_mouse, shown_main_window


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def sweep(qtbot, window, corner: QPointF, moves: int = 5) -> list[int]:  # type: ignore[no-untyped-def]
    """Press on the empty canvas above the cards' top-left, sweep to ``corner`` (scene
    coordinates) in ``moves`` moves and let go; the explanation's renders after each move."""
    view = window.view
    vp = view.viewport()
    box = window.scene.itemsBoundingRect()
    a = view.mapFromScene(box.topLeft() - QPointF(30, 30))
    b = view.mapFromScene(corner)
    panel = window.diagnostics_panel
    renders = []
    told: list[list[str]] = []
    window.document.selection_changed.connect(told.append)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    for n in range(1, moves + 1):
        p = QPoint(a.x() + (b.x() - a.x()) * n // moves, a.y() + (b.y() - a.y()) * n // moves)
        qtbot.mouseMove(vp, pos=p)
        assert QGuiApplication.mouseButtons() == Qt.MouseButton.LeftButton
        renders.append(panel._renders)
    # The views follow the document's selection: told once the band is let go, not per move
    # (a band over one card is told at once: that is a click).
    assert len(told) <= 1, told
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)
    window.document.selection_changed.disconnect(told.append)
    return renders


def test_a_band_selects_the_cards_it_covers_raised_and_explains_once_let_go(window, qtbot):
    window.load_design(chain_design(30), None)
    window.view.fit_to_view()
    qtbot.wait(20)
    scene = window.scene
    cards = list(scene.cards.values())
    # Down to the middle of the design: the cards whose outline the band meets.
    middle = cards[len(cards) // 2].sceneBoundingRect()
    renders = sweep(qtbot, window, QPointF(middle.right(), middle.bottom()))
    selected = [c for c in cards if c.isSelected()]
    assert 2 < len(selected) < len(cards)
    assert set(window.document.selection) == {c.layer_id for c in selected}
    # Selected cards are drawn above the others; the rest at the cards' level.
    assert all(c.zValue() == 1.5 for c in selected)
    assert all(c.zValue() == 1 for c in cards if not c.isSelected())
    # The explanation was not typeset at each move of the band, and follows once let go.
    assert renders[-1] - renders[0] <= 1, renders
    panel = window.diagnostics_panel
    qtbot.waitUntil(lambda: window.document.selection[-1] in panel.explanation_text(), timeout=2000)
    # A click on one card: only it is raised, at once explained.
    one = selected[0]
    point = window.view.mapFromScene(one.sceneBoundingRect().center())
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert [c for c in cards if c.isSelected()] == [one]
    assert [c for c in cards if c.zValue() == 1.5] == [one]
    assert one.layer_id in panel.explanation_text()
    assert isinstance(one, LayerCard)


# ---------------------------------------------------------------- ninth pass: the band swept here
#
# The canvas sweeps the band itself (``canvas/band.py``): each move decides only the items under
# the part of the canvas the band gained or lost. What it selects must be what Qt's own band
# selects: ``QGraphicsScene.items(area, IntersectsItemShape)`` of the band's rectangle, every
# selectable item (cards, edges, collapsed blocks' cards), Ctrl adding to the selection and never
# taking away, Shift as no modifier.


def _area(view, a: QPoint, p: QPoint) -> QPainterPath:  # type: ignore[no-untyped-def]
    """The band's area in the scene with the button pressed at ``a`` and the pointer at ``p``,
    as Qt's view makes it."""
    rect = QRect(
        min(a.x(), p.x()), min(a.y(), p.y()), abs(a.x() - p.x()) + 1, abs(a.y() - p.y()) + 1
    )
    area = QPainterPath()
    area.addPolygon(view.mapToScene(rect))
    area.closeSubpath()
    return area


def _qt_selects(scene, area: QPainterPath) -> set[QGraphicsItem]:  # type: ignore[no-untyped-def]
    selectable = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
    return {
        i
        for i in scene.items(area, Qt.ItemSelectionMode.IntersectsItemShape)
        if i.flags() & selectable and i.isEnabled()
    }


def _grouped_window(qtbot, monkeypatch):  # type: ignore[no-untyped-def]
    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(grouped_resnet(120), None)
    grouping = window.scene.grouping
    grouping.expand_all()
    # Two blocks collapsed: their cards (selectable) and edges (not) stand among the layers.
    blocks = [g.id for g in window.document.design.groups if g.parent is not None]
    grouping.collapse(blocks[1])
    grouping.collapse(blocks[4])
    window.view.fit_to_view()
    qtbot.wait(10)
    assert any(c.isVisible() for c in grouping.cards.values())
    return window


@pytest.mark.parametrize("kind", ["resnet", "grouped"])
@pytest.mark.parametrize(
    "modifier",
    [
        Qt.KeyboardModifier.NoModifier,
        Qt.KeyboardModifier.ControlModifier,
        Qt.KeyboardModifier.ShiftModifier,
    ],
)
def test_each_move_selects_what_qts_band_selects(qtbot, monkeypatch, kind, modifier):
    if kind == "grouped":
        window = _grouped_window(qtbot, monkeypatch)
    else:
        window = shown_main_window(qtbot, monkeypatch)
        window.load_design(resnet_like(120), None)
        window.view.fit_to_view()
        qtbot.wait(10)
    scene, view, doc = window.scene, window.view, window.document
    vp = view.viewport()
    ids = list(doc.design.ids)
    doc.select([ids[-1], ids[-3]])  # selected before the band: kept with Ctrl only
    before = set(scene.selectedItems())
    assert len(before) == 2
    box = items_rect(scene.grouping.visible_items())  # (the cards and blocks shown)

    def at(fx: float, fy: float) -> QPoint:
        return view.mapFromScene(
            QPointF(box.left() + fx * box.width(), box.top() + fy * box.height())
        )

    # Pressed above the design, a third of the way along it; swept down and right, out, back
    # (shrinking), then across to the left of where the button went down (the band flips).
    a = at(1 / 3, 0) - QPoint(0, 12)
    path = [at(0.45, 0.1), at(0.6, 0.3), at(0.8, 0.6), at(1, 1) + QPoint(-3, 5), at(0.6, 0.5)]
    path += [at(0.5, 0.3), at(0.1, 0.3), at(0.2, 0.7)]
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, modifier, a)
    union = set(before)
    sizes = []
    for p in path:
        qtbot.mouseMove(vp, p)
        qt = _qt_selects(scene, _area(view, a, p))
        union |= qt
        expected = union if modifier == Qt.KeyboardModifier.ControlModifier else qt
        assert set(scene.selectedItems()) == expected, p
        sizes.append(len(expected))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, modifier, path[-1])
    selected = set(scene.selectedItems())
    assert selected == expected
    # The band went out and came back: without Ctrl, fewer are selected after it shrank.
    assert max(sizes) > 20
    if modifier != Qt.KeyboardModifier.ControlModifier:
        assert sizes[4] < sizes[3], sizes
    kinds = {type(i).__name__ for i in selected}
    assert {"LayerCard", "EdgeItem"} <= kinds
    if kind == "grouped":
        assert "GroupCard" in {type(i).__name__ for i in union}
    cards = [i for i in selected if isinstance(i, LayerCard)]
    # The document follows once let go; the selected cards are drawn above the others.
    assert set(doc.selection) == {c.layer_id for c in cards}
    assert all(c.zValue() == 1.5 for c in cards)
    assert all(c.zValue() == 1 for c in scene.cards.values() if c not in selected)


def test_a_move_looks_only_at_what_it_changed(qtbot, monkeypatch):
    """A small move of a wide band decides a few items, not every item under the band (Qt's
    band: every item under it, three Python calls each, at every move)."""
    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(chain_design(300), None)
    window.view.fit_to_view()
    qtbot.wait(10)
    scene, view = window.scene, window.view
    vp = view.viewport()
    a = QPoint(3, 3)
    far = QPoint(vp.width() * 2 // 3, vp.height() * 2 // 3)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, far)
    selected = len(scene.selectedItems())
    assert selected > 200
    qtbot.mouseMove(vp, far + QPoint(3, 2))
    assert 0 < scene._band.looked_at < selected / 5  # type: ignore[union-attr]
    assert set(scene.selectedItems()) == _qt_selects(scene, _area(view, a, far + QPoint(3, 2)))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=far)


def _screen(window) -> QImage:  # type: ignore[no-untyped-def]
    """What the window shows now (the offscreen screen's copy of it, not a fresh paint)."""
    return QGuiApplication.primaryScreen().grabWindow(window.winId()).toImage()


def _differ(a: QImage, b: QImage) -> int:
    """The largest difference of a colour channel between two pictures of the same size (the
    selected edges' lines, thinner than a pixel, are drawn in one stroke: a pixel's coverage
    may come out a step apart when a stroke holds other lines)."""
    assert a.size() == b.size()
    arrays = []
    for image in (a, b):
        image = image.convertToFormat(QImage.Format.Format_RGB32)
        arrays.append(np.frombuffer(image.constBits(), np.uint8).astype(np.int16))
    return int(np.abs(arrays[0] - arrays[1]).max())


def test_zoomed_out_the_band_and_the_selection_are_drawn_as_a_full_repaint_draws_them(
    qtbot, monkeypatch
):
    """Zoomed out, the selection's outlines and lines are kept in pictures that a move of the
    band draws on (what it added) or draws again in the places it took away, and only the part
    of the band that changed is repainted: after each move the window shows exactly what a
    repaint of the whole canvas, with the pictures drawn anew, shows."""
    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(chain_design(300), None)
    view = window.view
    view.fit_to_view()
    qtbot.wait(20)
    overview = window.scene.overview
    assert overview.active
    vp = view.viewport()
    a = QPoint(3, 3)
    w, h = vp.width(), vp.height()
    # Growing, shrinking, growing one way while shrinking the other, and a small band at last.
    moves = [(w // 2, h // 2), (w * 2 // 3, h * 2 // 3), (w - 10, h - 10), (w * 3 // 4, h * 2 // 3)]
    moves += [(w - 10, h * 3 // 5), (w * 2 // 3, h - 10), (w // 4, h // 5)]
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    added = 0
    many = False  # (a picture of the selection kept from the move before)
    for x, y in moves:
        before = overview.marks_added
        qtbot.mouseMove(vp, QPoint(x, y))
        QApplication.processEvents()
        shown = _screen(window)
        was_many, many = many, len(window.scene.selectedItems()) > MANY_OUTLINES
        if was_many and many:
            assert overview.marks_added == before + 1, (x, y)  # drawn on, not anew
            added += 1
        overview._marks.clear()
        vp.repaint()
        QApplication.processEvents()
        assert _differ(_screen(window), shown) <= 2, (x, y)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=QPoint(*moves[-1]))
    # (The pictures were drawn on at the moves after the first, not drawn anew.)
    assert added >= 3
    QApplication.processEvents()
    shown = _screen(window)
    vp.repaint()
    QApplication.processEvents()
    assert _differ(_screen(window), shown) <= 2  # the band gone, nowhere left behind


def test_a_banded_selection_moves_together_and_undo_puts_it_back(window, qtbot):
    window.load_design(chain_design(8), None)
    window.view.fit_to_view()
    qtbot.wait(20)
    scene, view, doc = window.scene, window.view, window.document
    cards = list(scene.cards.values())
    middle = cards[4].sceneBoundingRect()
    sweep(qtbot, window, QPointF(middle.right(), middle.bottom()))
    chosen = [c for c in cards if c.isSelected()]
    assert 2 < len(chosen) < len(cards)
    start = {c.layer_id: (c.x(), c.y()) for c in cards}
    grip = chosen[-1].sceneBoundingRect().center()
    drag_mouse(qtbot, view, grip, grip + QPointF(0, 150))
    moved = {c.layer_id for c in cards if (c.x(), c.y()) != start[c.layer_id]}
    assert moved == {c.layer_id for c in chosen}
    assert all(doc.design.position(lid) != start[lid] for lid in moved)
    with qtbot.waitActive(window):
        window.activateWindow()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {c.layer_id: (c.x(), c.y()) for c in cards} == start
    assert all(doc.design.position(lid) == start[lid] for lid in moved)

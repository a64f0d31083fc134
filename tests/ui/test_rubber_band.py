"""A rubber band swept over many cards (issue 15, eighth pass): at 10,000 layers each mouse move
of a band over a quarter of the canvas took about 100 ms (every card's stacking order set again,
each card's and edge's outline made anew for Qt's hit test, every view following the selection,
the explanation typeset again). What the band selects is what it selected before; the document
and its views are told when the band is let go."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication

from benchmarks.scale_designs import chain_design
from designer.ui.canvas.items import LayerCard
from tests.ui.ui_helpers import shown_main_window


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

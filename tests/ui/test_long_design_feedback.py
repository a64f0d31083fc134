"""On a long design, the steps that take a tenth of a second or more show the busy cursor and say
what they do in the status bar (issue 15: nothing blocks for more than 100 ms without a
progress indicator). The eighth pass's audit of interactions on 10,000-layer designs found these
without it: switching the layer table's rows (150 ms) and first showing the charts (100 ms)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from benchmarks.scale_designs import chain_design
from designer.ui import busy
from tests.ui.ui_helpers import shown_main_window


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(busy, "LONG_DESIGN", 20)
    return shown_main_window(qtbot, monkeypatch)


def busy_while(monkeypatch, owner: object, name: str, window) -> list[tuple[object, str]]:  # type: ignore[no-untyped-def]
    """Record the cursor and the status bar's message each time ``owner.name`` runs."""
    seen: list[tuple[object, str]] = []
    real = getattr(owner, name)

    def watched(*args, **kw):  # type: ignore[no-untyped-def]
        cursor = QApplication.overrideCursor()
        seen.append((cursor.shape() if cursor else None, window.statusBar().currentMessage()))
        return real(*args, **kw)

    monkeypatch.setattr(owner, name, watched)
    return seen


def test_switching_the_table_rows_shows_the_busy_cursor(window, qtbot, monkeypatch) -> None:
    window.load_design(chain_design(60), None)
    table = window.layer_table
    window.docks["statistics"].setVisible(True)
    window.statistics_tabs.setCurrentWidget(table)
    qtbot.waitExposed(table.rows_combo)
    seen = busy_while(monkeypatch, table.model, "set_blocks", window)
    assert table.rows_combo.currentData() == "layers"
    table.rows_combo.setFocus()
    QTest.keyClick(table.rows_combo, Qt.Key.Key_Down)  # "Blocks, as on the canvas"
    assert table.rows_combo.currentData() == "blocks"
    assert seen == [(Qt.CursorShape.WaitCursor, "Listing the rows…")]
    assert QApplication.overrideCursor() is None


def test_the_charts_drawn_anew_show_the_busy_cursor(window, qtbot, monkeypatch) -> None:
    window.load_design(chain_design(60), None)
    charts = window.layer_charts
    window.docks["statistics"].setVisible(True)
    window.statistics_tabs.setCurrentWidget(window.layer_table)
    qtbot.wait(10)
    window.load_design(chain_design(70), None)  # (while hidden: drawn when shown)
    seen = busy_while(monkeypatch, charts, "_refresh", window)
    tabs = window.statistics_tabs
    bar = tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(charts)).center())
    qtbot.waitUntil(lambda: bool(seen), timeout=2000)
    assert seen == [(Qt.CursorShape.WaitCursor, "Drawing the charts…")]
    assert QApplication.overrideCursor() is None


ADDS = ("add_layer", "append_after", "insert_on_edge")


def test_a_layer_dropped_on_a_long_design_shows_the_busy_cursor(window, qtbot, monkeypatch) -> None:
    """Eleventh pass: a layer dropped from the palette on the 10,000-layer chain took 75-180 ms
    (the canvas, the table and the 3D view following it) without the busy cursor that Paste,
    Delete and Undo show on a long design. Dropped with real drag events: below the design, on
    a card (appended after it) and on an edge (inserted); a short design shows nothing."""
    from PySide6.QtCore import QPointF

    from tests.ui.ui_helpers import drop_layer

    window.load_design(chain_design(60), None)
    doc, scene, view = window.document, window.scene, window.view
    watched = [busy_while(monkeypatch, doc, name, window) for name in ADDS]
    box = scene.itemsBoundingRect()
    view.centerOn(QPointF(box.center().x(), box.bottom()))
    assert drop_layer(view, "ReLU", QPointF(box.center().x(), box.bottom() + 150))
    card = scene.cards[doc.design.ids[5]]
    view.centerOn(card)
    assert drop_layer(view, "ReLU", card.sceneBoundingRect().center())
    edge = scene.edges[(doc.design.ids[20], doc.design.ids[21])]
    view.centerOn(edge)
    assert drop_layer(view, "ReLU", edge.path().pointAtPercent(0.5))
    assert len(doc.design) == 63
    # (one drop each way: a free layer, appended after a card, inserted on an edge)
    assert [len(seen) for seen in watched] == [1, 1, 1]
    assert [seen[0] for seen in watched] == [(Qt.CursorShape.WaitCursor, "Adding ReLU…")] * 3
    assert QApplication.overrideCursor() is None
    window.load_design(chain_design(6), None)
    box = scene.itemsBoundingRect()
    assert drop_layer(view, "ReLU", QPointF(box.center().x(), box.bottom() + 150))
    assert watched[0][-1][0] is None  # (a short design: no busy cursor)

"""How many times an edit paints the views that follow it (issue 15: under X each repaint of the
window is flushed to the display; a view painted twice for one edit costs twice)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from tests.ui.ui_helpers import shown_main_window


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_an_edit_that_splits_a_run_paints_the_table_by_block_once(window, qtbot):
    """Rows by block replaced by an edit (a "×N" run split, then joined by the undo) are laid out
    at once: the view's own delayed layout could run after the window's next repaint (it did on
    the 10,000-layer design under X), so the table was painted, laid out (its scroll bar's range
    set) and painted whole again."""
    from benchmarks.scale_designs import grouped_resnet

    window.load_design(grouped_resnet(100), None)
    table = window.layer_table
    combo = table.rows_combo
    combo.setCurrentIndex(combo.findData("blocks"))
    for _ in range(5):
        QApplication.processEvents()
    assert table.model.blocks is not None
    doc = window.document
    stage2 = [g.id for g in doc.design.groups if g.parent == "layer2"]
    target = f"{stage2[len(stage2) // 2]}.conv2"
    params = dict(doc.design.layer(target).params)
    rows = table.model.rowCount()
    scroll = table.view.verticalScrollBar()
    ranges = []
    counter = PaintCounter()
    table.view.viewport().installEventFilter(counter)
    try:
        for edit, rows_after in (
            (lambda: doc.set_params(target, {**params, "kernel_size": 5, "padding": 2}), rows + 2),
            (doc.undo, rows),
        ):
            counter.paints = 0
            edit()
            laid_out = scroll.maximum()  # (before the event loop runs)
            for _ in range(5):
                QApplication.processEvents()
            assert table.model.rowCount() == rows_after  # (the run split in three, then joined)
            assert scroll.maximum() == laid_out
            ranges.append(laid_out)
            assert counter.paints == 1
    finally:
        table.view.viewport().removeEventFilter(counter)
    assert ranges[0] != ranges[1]  # (two more rows than fit, then none: the range did change)

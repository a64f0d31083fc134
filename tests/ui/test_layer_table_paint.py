"""The layer table's cells painted by ``_CellDelegate`` (issue 15, tenth pass): pixel for pixel
what Qt's own delegate paints, through edits, sorting, the shape order, a filter, a theme
switch, elided texts, a selected row and the current cell; and its kept layouts never show
an old text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QTableView

from designer.core.fileformat import load_design
from designer.core.layer_table import COLUMNS
from designer.core.resources import templates_dir
from designer.ui.document import Document
from designer.ui.panels.layer_table import LayerTablePanel, _CellDelegate
from designer.ui.theme import set_appearance

COL = {c.key: n for n, c in enumerate(COLUMNS)}


@pytest.fixture
def panel(qtbot, tmp_path) -> Iterator[LayerTablePanel]:
    doc = Document(load_design(templates_dir() / "vgg16.json"))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    table = LayerTablePanel(doc, settings)
    qtbot.addWidget(table)
    table.resize(900, 420)
    table.show()
    qtbot.waitExposed(table)
    yield table
    set_appearance(QApplication.instance(), "light")


def _grab(view: QTableView) -> QImage:
    view.viewport().repaint()
    return view.viewport().grab().toImage()


def _as_qt_paints(view: QTableView) -> QImage:
    """The view painted by Qt's own delegate, then given its own delegate back."""
    ours = view.itemDelegate()
    plain = QStyledItemDelegate(view)
    view.setItemDelegate(plain)
    try:
        return _grab(view)
    finally:
        view.setItemDelegate(ours)
        plain.deleteLater()


def _same_as_qt(panel: LayerTablePanel) -> None:
    QApplication.processEvents()
    for view in (panel.view, panel.footer):
        delegate = view.itemDelegate()
        assert isinstance(delegate, _CellDelegate)
        before = delegate.fast_cells
        ours = _grab(view)
        assert delegate.fast_cells > before  # (the fast path painted some cells)
        assert ours == _as_qt_paints(view)


def test_cells_are_painted_as_qts_delegate_paints_them(panel: LayerTablePanel) -> None:
    doc = panel.document
    _same_as_qt(panel)
    # An error and the layers downstream of it (coloured output shapes and status).
    doc.set_params("conv3_1", {**doc.design.layer("conv3_1").params, "kernel_size": 99})
    assert any(r.status == "error" for r in panel.model.rows())
    _same_as_qt(panel)
    # A selected row, the current cell, a column too narrow for its texts (elided by Qt).
    doc.select(["conv2_1"])
    panel.view.setFocus()
    panel.view.setCurrentIndex(panel.proxy.index(3, COL["output_shape"]))
    panel.view.setColumnWidth(COL["type"], 30)
    _same_as_qt(panel)
    panel.set_shape_order("chw")
    _same_as_qt(panel)
    panel.view.sortByColumn(COL["macs"], Qt.SortOrder.DescendingOrder)
    _same_as_qt(panel)
    panel.filter_edit.setText("conv")
    panel.flush_filter()
    _same_as_qt(panel)
    set_appearance(QApplication.instance(), "dark")
    _same_as_qt(panel)

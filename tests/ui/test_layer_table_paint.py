"""The layer table's cells painted by ``_CellDelegate`` (issue 15, tenth pass): pixel for pixel
what Qt's own delegate paints, through edits, sorting, the shape order, a filter, a theme
switch, elided texts, a selected row and the current cell; and its kept layouts never show
an old text."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QTableView

from designer.core.fileformat import load_design
from designer.core.layer_table import COLUMNS, layer_rows
from designer.core.resources import templates_dir
from designer.ui.document import Document
from designer.ui.panels.layer_table import ID_ROLE, LayerTablePanel, _CellDelegate
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
    """Each view paints as Qt's delegate would, and every row shown reads what a row made
    afresh from the analysis reads (a stale cell is the bug to fear)."""
    QApplication.processEvents()
    fresh = {r.id: r for r in layer_rows(panel.document.analysis)}
    order = panel.shape_order
    proxy = panel.proxy
    for r in range(proxy.rowCount()):
        lid = proxy.index(r, 0).data(ID_ROLE)
        shown = [proxy.index(r, c).data() for c in range(len(COLUMNS))]
        assert shown == [fresh[lid].text(c.key, order) for c in COLUMNS]
        row = panel.model.row_shown(proxy.mapToSource(proxy.index(r, 0)).row())
        assert row.texts(order) == tuple(shown)
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
    # The pointer over a cell (the style may draw hover).
    QTest.mouseMove(panel.view.viewport(), panel.view.visualRect(panel.proxy.index(6, 2)).center())
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
    # More edits with the table sorted, filtered and in C×H×W: a row's texts follow.
    doc.set_params("conv3_1", {**doc.design.layer("conv3_1").params, "kernel_size": 3})
    _same_as_qt(panel)
    doc.set_params("conv1_2", {**doc.design.layer("conv1_2").params, "out_channels": 80})
    _same_as_qt(panel)
    doc.undo_stack.undo()
    _same_as_qt(panel)
    panel.set_shape_order("hwc")
    panel.filter_edit.clear()
    panel.flush_filter()
    _same_as_qt(panel)


# ------------------------------------------------------------------------------ the toolbar


def _placeholder_fits(panel: LayerTablePanel) -> bool:
    """The filter box shows its placeholder whole: typed as text, its end is reached without
    the box scrolling (the cursor at the end stands one text's width from the start)."""
    edit = panel.filter_edit
    text = edit.placeholderText()
    edit.setText(text)
    edit.setCursorPosition(0)
    edit.repaint()
    start = edit.cursorRect().left()
    edit.setCursorPosition(len(text))
    edit.repaint()
    end = edit.cursorRect().left()
    edit.clear()
    return end - start == edit.fontMetrics().horizontalAdvance(text)


@pytest.mark.parametrize(
    ("size", "modes"),
    [
        ((1280, 720), ("rows", "tight")),
        ((1920, 1080), ("full",)),
        ((1600, 1000), ("full", "short")),
    ],
)
def test_the_table_toolbar_reads_whole_at_common_window_sizes(qtbot, tmp_path, size, modes):
    """At 1280×720 the filter box was squeezed to "Fil…" and both choices cut ("Blocks, as o");
    at 1920×1080 the choices were cut too. Now the filter box has room for its placeholder,
    every choice, label and button shows whole inside the panel, and the dock keeps clear of
    the Problems dock."""
    from designer.ui.main_window import MainWindow

    # A new user's window (no layout saved by an earlier test's window), sized before it is
    # shown, as the app starts.
    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.document.open(templates_dir() / "resnet50.json")
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.show_problems()  # (the Problems dock beside the table's, as in the screenshots)
    for _ in range(3):
        QApplication.processEvents()
    panel = window.layer_table
    window.statistics_tabs.setCurrentWidget(panel)
    QApplication.processEvents()
    assert panel.isVisible()
    assert panel.bar_mode in modes
    edit = panel.filter_edit
    assert edit.width() >= panel.filter_room()
    assert _placeholder_fits(panel)
    bar = [edit, panel.rows_label, panel.rows_combo, panel.shapes_label, panel.order_combo]
    bar += [panel.copy_button, panel.export_button]
    shown = [w for w in bar if w.isVisible()]
    for widget in shown[1:]:
        assert widget.width() >= widget.sizeHint().width(), widget  # (nothing elided)
        assert panel.rect().contains(widget.geometry()), widget  # (nothing past the edge)
    for left, right in pairwise(shown):
        assert left.geometry().right() < right.geometry().left()  # (no overlap)
    if panel.bar_mode == "full":
        assert panel.rows_combo.sizeHint().width() > panel.rows_combo.hint(True).width()
    # The docks: side by side, never over each other.
    stats, problems = window.docks["statistics"], window.docks["diagnostics"]
    assert problems.isVisible() and window.diagnostics_panel.isVisible()
    assert not stats.geometry().intersects(problems.geometry())
    assert window.rect().contains(stats.geometry())
    assert panel.minimumSizeHint().width() <= panel.width()
    # A user types in it (real keys) and the rows follow.
    qtbot.keyClicks(edit, "block")  # (the blocks' rows: "Stage 1", "Block (32 layers)")
    panel.flush_filter()
    assert 0 < panel.proxy.rowCount() < panel.model.rowCount()


def test_a_narrowed_table_drops_labels_then_shortens_choices_and_widens_again(qtbot, tmp_path):
    """The toolbar's forms in turn as the panel narrows, and back as it widens; a short
    choice still reads its full text in the list and in ``currentText``."""
    doc = Document(load_design(templates_dir() / "vgg16.json"))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    panel = LayerTablePanel(doc, settings)
    qtbot.addWidget(panel)
    panel.show()
    seen, least = [], []
    for width in (1000, 700, 560, 480, 420, 380, 1000):
        panel.resize(width, 300)
        QApplication.processEvents()
        seen.append(panel.bar_mode)
        least.append(panel.minimumSizeHint().width())
        # (Each form's least width lets the dock narrow on into the next form.)
        assert least[-1] <= max(width, 380)
        if panel.bar_mode != "tight":
            assert panel.filter_edit.width() >= panel.filter_room()
        assert panel.order_combo.currentText() == "H×W×C (as papers write it)"
    assert seen[0] == seen[-1] == "full"
    order = ["full", "short", "rows", "tight"]
    assert [order.index(m) for m in seen[:-1]] == sorted(order.index(m) for m in seen[:-1])
    assert "tight" in seen and "short" in seen
    assert min(least) < 380  # (it was 483 before the toolbar had its narrower forms)

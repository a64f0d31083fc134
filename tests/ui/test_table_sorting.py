"""The layer table sorted by its rows' model (issue 15, seventh pass): the rows shown always
equal Python's stable ``sorted`` of the design's rows by the column's ``sort_key`` (ties in
design order, both orders), through edits, deletions, renames, undo and redo, with filter text
and by block; the selection and the view's place follow the rows."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.core.collapsed_figure import block_rows
from designer.core.fileformat import load_design
from designer.core.layer_table import COLUMNS, LayerRow, layer_rows
from designer.core.resources import templates_dir
from designer.ui.commands import MoveInOrderCommand
from designer.ui.document import Document
from designer.ui.panels.layer_table import ID_ROLE, SORT_ROLE, LayerTableModel, LayerTablePanel

COL = {c.key: n for n, c in enumerate(COLUMNS)}
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder


def _expected(doc: Document, column: int, order: Qt.SortOrder, text: str) -> list[LayerRow]:
    """What the table must show: every layer's row, fresh from the analysis, filtered by id or
    type and sorted by ``sort_key`` with Python's stable sort (ties in design order)."""
    rows = layer_rows(doc.analysis)
    needle = text.strip().lower()
    rows = [r for r in rows if needle in f"{r.id}\n{r.type}".lower()]
    if column >= 0:
        key = COLUMNS[column].key
        rows = sorted(rows, key=lambda r: r.sort_key(key), reverse=order == DESC)
    return rows


def _shown_ids(panel: LayerTablePanel) -> list[str]:
    proxy = panel.proxy
    return [proxy.index(r, 0).data(ID_ROLE) for r in range(proxy.rowCount())]


def _check(panel: LayerTablePanel, doc: Document) -> None:
    QApplication.processEvents()
    model = panel.model
    column, order = model.sort_column, model.sort_order
    if model.blocks is not None:
        # By block: a table made afresh for the same blocks, in design order, sorted here.
        fresh = LayerTableModel(doc)
        fresh.set_blocks(model.blocks)
        rows = fresh.rows()
        needle = panel.filter_edit.text().strip().lower()
        rows = [r for r in rows if needle in f"{r.id}\n{r.type}".lower()]
        if column >= 0:
            key = COLUMNS[column].key
            rows = sorted(rows, key=lambda r: r.sort_key(key), reverse=order == DESC)
        assert panel.visible_rows() == rows
        fresh.deleteLater()
        return
    expected = _expected(doc, column, order, panel.filter_edit.text())
    assert _shown_ids(panel) == [r.id for r in expected]
    assert panel.visible_rows() == expected  # every value up to date, in the order shown
    if column >= 0:
        proxy = panel.proxy
        keys = [proxy.index(r, column).data(SORT_ROLE) for r in range(proxy.rowCount())]
        assert keys == [r.sort_key(COLUMNS[column].key) for r in expected]
    # The model's own mapping: each layer's row is where it is shown.
    for lid in doc.design.ids:
        row = model.row_of(lid)
        assert row is not None and model.index(row, 0).data(ID_ROLE) == lid
    shown = {r.id for r in expected}
    assert set(panel.selected_ids()) == set(doc.selection) & shown


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("sort"), st.integers(-1, len(COLUMNS) - 1), st.sampled_from([ASC, DESC])),
        st.tuples(st.just("edit"), st.integers(0, 50), st.sampled_from([8, 64, 100, 512])),
        st.tuples(st.just("kernel"), st.integers(0, 50), st.sampled_from([1, 3, 5])),
        st.tuples(st.just("delete"), st.integers(0, 50), st.integers(1, 12)),
        st.tuples(st.just("rename"), st.integers(0, 50), st.sampled_from(["a", "Z", "m0"])),
        st.tuples(st.just("undo"), st.just(0), st.just(0)),
        st.tuples(st.just("redo"), st.just(0), st.just(0)),
        st.tuples(st.just("filter"), st.just(0), st.sampled_from(["", "conv", "ReLU", "fc"])),
        st.tuples(st.just("select"), st.integers(0, 50), st.integers(0, 20)),
        st.tuples(st.just("blocks"), st.just(0), st.booleans()),
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=_OPS)
def test_the_rows_shown_are_pythons_sorted_rows_after_any_edits(qtbot, tmp_path, ops) -> None:
    settings_file = QSettings(str(tmp_path / "t.ini"), QSettings.Format.IniFormat)
    doc = Document(load_design(templates_dir() / "vgg16.json"))
    panel = LayerTablePanel(doc, settings_file)
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    try:
        for op, a, b in ops:
            ids = doc.design.ids
            if op == "sort":
                panel.view.sortByColumn(a, b)
            elif op == "edit" or op == "kernel":
                convs = [lid for lid in ids if doc.design.layer(lid).type == "Conv2d"]
                if convs:
                    lid = convs[a % len(convs)]
                    if op == "edit":
                        doc.set_param(lid, "out_channels", b)
                    else:
                        doc.set_params(lid, {"kernel_size": b, "padding": b // 2})
            elif op == "delete" and len(ids) > b + 2:
                start = 1 + a % (len(ids) - b - 1)  # (the Input stays)
                doc.remove_layers(ids[start : start + b])
            elif op == "rename" and len(ids) > 1:
                lid = ids[1 + a % (len(ids) - 1)]
                if f"{b}{lid}" not in doc.design.ids:
                    doc.rename(lid, f"{b}{lid}")
            elif op == "undo":
                doc.undo_stack.undo()
            elif op == "redo":
                doc.undo_stack.redo()
            elif op == "filter":
                panel.filter_edit.setText(b)
            elif op == "select":
                doc.select(ids[a % len(ids) :][:b])
            elif op == "blocks":  # one row per top-level group, or per layer
                tops = {g.id for g in doc.design.groups if g.parent is None}
                panel.model.set_blocks(tops if b else None)
            _check(panel, doc)
    finally:
        panel.close()
        panel.deleteLater()


def test_rows_by_block_sort_and_follow_an_edit_and_its_undo(qtbot, tmp_path) -> None:
    settings_file = QSettings(str(tmp_path / "t.ini"), QSettings.Format.IniFormat)
    doc = Document(load_design(templates_dir() / "resnet50.json"))
    panel = LayerTablePanel(doc, settings_file)
    qtbot.addWidget(panel)
    panel.show()
    blocks = {"stem", "layer1", "layer2", "layer3", "layer4"}
    panel.model.set_blocks(blocks)
    column = COL["params"]
    panel.view.sortByColumn(column, DESC)

    def shown() -> list[tuple[str, float]]:
        proxy = panel.proxy
        return [
            (proxy.index(r, 0).data(), proxy.index(r, column).data(SORT_ROLE))
            for r in range(proxy.rowCount())
        ]

    def fresh() -> list[tuple[str, float]]:
        panel.model.set_blocks(None)
        panel.model.set_blocks(blocks)  # a new table by block, in design order
        panel.model.sort_rows(-1)
        rows = shown()
        panel.model.sort_rows(column, DESC)
        return sorted(rows, key=lambda r: r[1], reverse=True)

    first = shown()
    assert [name for name, _ in first][:2] == ["Stage 4", "Stage 3"]
    assert first == fresh()
    names = [name for name, _ in first]
    assert names.index("Stage 1") == names.index("Stage 2") + 1
    # Stage 1 grows past Stage 2 (a 17×17 kernel): its row moves up, in place (no reset).
    resets = panel.model.reset_count
    doc.set_params("layer1.0.conv2", {"kernel_size": 17, "padding": 8})
    QApplication.processEvents()
    names = [name for name, _ in shown()]
    assert names.index("Stage 1") == names.index("Stage 2") - 1
    assert panel.model.reset_count == resets
    assert shown() == fresh()
    doc.undo_stack.undo()
    QApplication.processEvents()
    assert shown() == first


def test_header_clicks_filter_select_all_delete_and_undo_with_real_events(
    qtbot, monkeypatch
) -> None:
    from tests.ui.ui_helpers import shown_main_window

    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(load_design(templates_dir() / "vgg16.json"), None)
    # Every block open: Delete removes the canvas's selection, and a card inside a collapsed
    # block is not selected on the canvas when the table selects its layer (left as it is).
    window.scene.grouping.expand_all()
    window.docks["statistics"].setVisible(True)
    panel = window.layer_table
    window.statistics_tabs.setCurrentWidget(panel)
    panel.flush_collapsed()
    panel.rows_combo.setCurrentIndex(panel.rows_combo.findData("layers"))  # one row per layer
    doc = window.document
    with qtbot.waitActive(window):
        window.activateWindow()
    header = panel.view.horizontalHeader()
    column = COL["macs"]

    def click_header() -> None:
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    click_header()
    first = panel.model.sort_order
    assert panel.model.sort_column == column == header.sortIndicatorSection()
    assert panel.proxy.sortColumn() == column
    _check(panel, doc)
    click_header()
    assert panel.model.sort_order == header.sortIndicatorOrder() != first
    _check(panel, doc)
    # The filter box (typed): only convolutions, still sorted.
    panel.filter_edit.setFocus()
    qtbot.keyClicks(panel.filter_edit, "conv")
    assert panel.proxy.rowCount() == 13
    _check(panel, doc)
    # A click on a row selects its layer; the view keeps it in sight as rows move.
    rect = panel.view.visualRect(panel.proxy.index(3, 1))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    picked = panel.proxy.index(3, 0).data(ID_ROLE)
    assert doc.selection == [picked]
    doc.set_param(picked, "out_channels", 2048)  # its MACs jump: its row moves
    QApplication.processEvents()
    _check(panel, doc)
    assert panel.selected_ids() == [picked]
    row = panel.model.row_of(picked)
    assert row is not None
    moved = panel.proxy.mapFromSource(panel.model.index(row, 0))
    assert panel.view.selectionModel().isRowSelected(moved.row())
    assert panel.view.viewport().rect().intersects(panel.view.visualRect(moved))
    doc.undo_stack.undo()
    QApplication.processEvents()
    # Ctrl+A in the table selects the thirteen convolutions; Delete removes them (one step).
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    convs = [lid for lid in doc.design.ids if doc.design.layer(lid).type == "Conv2d"]
    assert set(doc.selection) == set(convs)
    before = doc.text()
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert not set(convs) & set(doc.design.ids)
    assert panel.proxy.rowCount() == 0
    panel.filter_edit.clear()
    _check(panel, doc)
    panel.filter_edit.setText("conv")
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.text() == before
    _check(panel, doc)
    assert panel.proxy.rowCount() == 13
    # Back to design order with the model's own sort (-1), as before any click.
    panel.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    panel.filter_edit.clear()
    assert _shown_ids(panel) == doc.design.ids


def _panel(qtbot, tmp_path, template: str) -> tuple[LayerTablePanel, Document]:
    doc = Document(load_design(templates_dir() / template))
    panel = LayerTablePanel(doc, QSettings(str(tmp_path / "t.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    return panel, doc


def test_deleting_a_layer_brings_the_fields_downstream_up_to_date(qtbot, tmp_path) -> None:
    """Regression: a batched removal's analysis tells the fields that moved in one update and
    the layers removed in the next, which cleared the field flags before the document passed
    the merged update on; the table kept fc6's old receptive field (404×404, now 402×402)."""
    panel, doc = _panel(qtbot, tmp_path, "vgg16.json")
    assert panel.visible_rows()[-3].receptive_field == (404, 404)  # (every row read)
    doc.remove_layers(["conv1_1"])
    QApplication.processEvents()
    assert panel.visible_rows() == layer_rows(doc.analysis)
    fc6 = panel.model.row_of("fc6")
    assert fc6 is not None
    assert panel.model.index(fc6, COL["receptive_field"]).data() == "402×402"


def test_a_layer_selected_while_filtered_out_shows_selected_when_the_filter_clears(
    qtbot, tmp_path
) -> None:
    panel, doc = _panel(qtbot, tmp_path, "vgg16.json")
    panel.view.sortByColumn(COL["params"], DESC)
    qtbot.keyClicks(panel.filter_edit, "conv")
    doc.select(["pool1"])  # (not shown while the filter holds)
    assert panel.selected_ids() == []
    panel.filter_edit.clear()
    assert panel.selected_ids() == ["pool1"]


def test_a_long_table_filters_once_the_typing_pauses_under_the_busy_cursor(
    qtbot, tmp_path, monkeypatch
) -> None:
    """Regression: on a 10,000-layer design each key typed in the filter box filtered every row
    again (120–150 ms a key, nothing shown). A long table now filters once the typing pauses,
    or at once on Enter, with the busy cursor."""
    from designer.ui import busy
    from designer.ui.panels import layer_table as table_module

    monkeypatch.setattr(table_module, "LONG_DESIGN", 20)
    monkeypatch.setattr(busy, "LONG_DESIGN", 20)
    panel, doc = _panel(qtbot, tmp_path, "vgg16.json")
    assert panel.model.rowCount() >= 20
    cursors: list[object] = []
    real = panel.proxy.set_filter_text

    def watched(text: str) -> None:
        cursor = QApplication.overrideCursor()
        cursors.append(cursor.shape() if cursor else None)
        real(text)

    monkeypatch.setattr(panel.proxy, "set_filter_text", watched)
    everything = panel.proxy.rowCount()
    qtbot.keyClicks(panel.filter_edit, "conv")
    assert panel.proxy.rowCount() == everything and cursors == []  # not yet: still typing
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 13, timeout=2000)
    assert cursors == [Qt.CursorShape.WaitCursor]  # one pass for the four keys
    _check(panel, doc)
    qtbot.keyClicks(panel.filter_edit, "1_")
    qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Return)  # Enter: at once
    assert [r.id for r in panel.visible_rows()] == ["conv1_1", "conv1_2"]
    panel.filter_edit.clear()
    qtbot.keyClicks(panel.filter_edit, "fc")
    # Copying the rows right after typing copies what the box says.
    assert [r.id for r in panel.visible_rows()] == ["fc6", "fc7", "fc8"]
    assert QApplication.overrideCursor() is None


def test_rows_by_block_with_nothing_collapsed_follow_edits_as_layer_rows_do(
    qtbot, tmp_path
) -> None:
    """ "Blocks, as on the canvas" with no block collapsed lists every layer, in design order, as
    the core's ``block_rows`` does; an added layer and its undo splice one row in and out (not
    every block row made again and compared: 140-230 ms on the 10,000-layer chain), and a block
    collapsed later gives rows by block."""
    panel, doc = _panel(qtbot, tmp_path, "resnet18.json")
    model = panel.model
    combo = panel.rows_combo
    combo.setFocus()
    while combo.currentData() != "blocks":  # the user picks the rows with the keyboard
        QTest.keyClick(combo, Qt.Key.Key_Down)
    assert model.blocks == frozenset() and not model.by_block

    def core_rows() -> list[LayerRow]:
        return [replace(b.row, id=b.title) for b in block_rows(doc.analysis, model.blocks or ())]

    assert model.rows() == core_rows()
    resets, replaced, computed = model.reset_count, model.replace_count, model.rows_computed
    added = doc.append_after("ReLU", "layer1.0.relu")
    QApplication.processEvents()
    assert model.splice_count == 1 and model.replace_count == replaced
    assert model.reset_count == resets
    assert model.rows_computed - computed < 60  # the rows painted, not all of them
    assert model.row_of(added) == doc.design.ids.index(added)
    assert model.rows() == core_rows()
    _check(panel, doc)
    doc.undo_stack.undo()
    QApplication.processEvents()
    assert model.splice_count == 2 and model.reset_count == resets
    assert model.rows() == core_rows()
    # A stage collapsed on the canvas: one row for it.
    panel.set_collapsed({"layer1"})
    panel.flush_collapsed()
    assert model.by_block and model.blocks == {"layer1"}
    assert model.rows() == core_rows() and len(model.rows()) < len(doc.design)
    _check(panel, doc)
    panel.set_collapsed(set())  # opened again: every layer, kept per layer
    panel.flush_collapsed()
    assert model.blocks == frozenset() and not model.by_block
    assert model.rows() == core_rows()


def test_a_layer_moved_in_the_design_order_moves_its_row(qtbot, tmp_path) -> None:
    """Reordering the design (what files list first) reorders the rows: the analysis's update
    after the move brings the table round (no table rebuilt on every card moved)."""
    panel, doc = _panel(qtbot, tmp_path, "resnet18.json")
    last = doc.design.ids[-1]
    doc.push(MoveInOrderCommand(doc.design, last, 3))
    QApplication.processEvents()
    assert _shown_ids(panel)[3] == last
    _check(panel, doc)
    doc.undo_stack.undo()
    QApplication.processEvents()
    assert _shown_ids(panel)[-1] == last
    _check(panel, doc)

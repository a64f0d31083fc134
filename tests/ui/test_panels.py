"""The panels of issue 5: the per-layer table, the charts, the semantics switch, the
diagnostics & explanation panel and the arithmetic reference (pytest-qt, offscreen)."""

from __future__ import annotations

import csv
import io
import math

import pytest
from PySide6.QtCore import QModelIndex, QModelRoleData, QPoint, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QStyleOptionViewItem, QTreeWidgetItem

from designer.core.fileformat import load_design
from designer.core.layer_table import COLUMNS, WEIGHTED_TYPES, layer_rows, totals_row
from designer.core.resources import templates_dir
from designer.ui.document import Document
from designer.ui.panels.arithmetic_reference import show_arithmetic_reference
from designer.ui.panels.diagnostics_panel import DiagnosticsPanel, typeset
from designer.ui.panels.fix_application import apply_fix
from designer.ui.panels.layer_charts import METRICS, SELECTED_COLOR, LayerChartsPanel
from designer.ui.panels.layer_table import ID_ROLE, SORT_ROLE, LayerTablePanel
from designer.ui.panels.semantics_selector import SemanticsSelector
from tests.conftest import DATA

COL = {c.key: n for n, c in enumerate(COLUMNS)}


def template_doc(name: str) -> Document:
    return Document(load_design(templates_dir() / name))


def data_doc(name: str) -> Document:
    return Document(load_design(DATA / "designs" / name))


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "panels.ini"), QSettings.Format.IniFormat)


# ------------------------------------------------------------------- table


def table_panel(qtbot, doc: Document, settings: QSettings) -> LayerTablePanel:
    panel = LayerTablePanel(doc, settings)
    qtbot.addWidget(panel)
    panel.resize(1200, 500)
    panel.show()
    return panel


def test_table_holds_the_core_numbers_for_a_template(qtbot, settings):
    doc = template_doc("vgg16.json")
    panel = table_panel(qtbot, doc, settings)
    model = panel.model
    assert model.rowCount() == len(doc.design)
    for row, lid in enumerate(doc.design.ids):
        info = doc.analysis.info[lid]
        assert model.data(model.index(row, COL["id"])) == lid
        assert model.data(model.index(row, COL["params"]), SORT_ROLE) == info.params
        assert model.data(model.index(row, COL["macs"]), SORT_ROLE) == info.macs
        assert model.data(model.index(row, COL["neurons"])) == f"{info.neurons:,}"
        assert model.data(model.index(row, COL["memory_bytes"]), SORT_ROLE) == info.memory_bytes
    t = doc.analysis.totals()
    footer = panel.totals_model
    assert footer.data(footer.index(0, COL["params"])) == "138,357,544" == f"{t.params:,}"
    assert footer.data(footer.index(0, COL["macs"]), SORT_ROLE) == t.macs


def test_sorting_is_numeric_and_the_totals_stay_last(qtbot, settings):
    doc = template_doc("vgg16.json")
    panel = table_panel(qtbot, doc, settings)
    panel.view.sortByColumn(COL["params"], Qt.SortOrder.DescendingOrder)
    values = [
        panel.proxy.index(r, COL["params"]).data(SORT_ROLE) for r in range(panel.proxy.rowCount())
    ]
    assert values == sorted(values, reverse=True)
    assert panel.proxy.index(0, COL["id"]).data() == "fc6"  # 102,764,544
    assert all(panel.proxy.index(r, 0).data() != "Total" for r in range(panel.proxy.rowCount()))
    panel.view.sortByColumn(COL["output_shape"], Qt.SortOrder.AscendingOrder)
    sizes = [
        panel.proxy.index(r, COL["output_shape"]).data(SORT_ROLE)
        for r in range(panel.proxy.rowCount())
    ]
    assert sizes == sorted(sizes)


def test_edits_update_rows_incrementally_and_added_layers_splice_in(qtbot, settings):
    doc = template_doc("alexnet_paper.json")
    panel = table_panel(qtbot, doc, settings)
    model = panel.model
    resets = model.reset_count
    changed_rows: set[int] = set()
    model.dataChanged.connect(
        lambda a, b, _roles=(): changed_rows.update(range(a.row(), b.row() + 1))
    )
    doc.set_param("conv1", "out_channels", 64)
    assert model.reset_count == resets
    assert model.row_of("conv1") in changed_rows and model.row_of("conv2") in changed_rows
    assert (
        model.row_of("fc6") not in changed_rows
    )  # conv2 keeps its output shape: the update stops there
    row = model.row_of("conv1")
    assert model.data(model.index(row, COL["output_shape"])) == "55×55×64"
    assert (
        model.data(model.index(row, COL["params"]), SORT_ROLE) == doc.analysis.info["conv1"].params
    )
    assert panel.totals_model.row().params == doc.analysis.totals().params
    splices = model.splice_count
    doc.append_after("ReLU", "fc8")
    assert model.reset_count == resets and model.splice_count == splices + 1  # a row inserted
    assert model.rowCount() == len(doc.design)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert model.data(model.index(row, COL["output_shape"])) == "55×55×96"
    assert model.rowCount() == len(doc.design)


def test_selection_is_synced_with_the_document_both_ways(qtbot, settings):
    doc = template_doc("alexnet_paper.json")
    panel = table_panel(qtbot, doc, settings)
    doc.select(["conv3"])
    assert panel.selected_ids() == ["conv3"]
    panel.view.sortByColumn(COL["macs"], Qt.SortOrder.DescendingOrder)
    assert panel.selected_ids() == ["conv3"]
    row = next(
        r for r in range(panel.proxy.rowCount()) if panel.proxy.index(r, 0).data(ID_ROLE) == "fc7"
    )
    rect = panel.view.visualRect(panel.proxy.index(row, COL["type"]))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert doc.selection == ["fc7"]


def test_copy_and_export_csv(qtbot, settings, tmp_path):
    doc = template_doc("alexnet_paper.json")
    panel = table_panel(qtbot, doc, settings)
    doc.select(["conv1"])
    panel.view.setFocus()
    qtbot.keySequence(panel.view, QKeySequence.StandardKey.Copy)
    copied = list(csv.reader(io.StringIO(QGuiApplication.clipboard().text())))
    assert [r[0] for r in copied] == ["Layer", "conv1"]
    assert copied[1][3] == "55×55×96" and int(copied[1][5]) == 34_944
    markdown = panel.copy_table("markdown", selected_only=False)
    assert "| **Total** |" in markdown and "| conv1 | Conv2d |" in markdown
    target = panel.export_csv(tmp_path / "alexnet.csv")
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 1 + len(doc.design) + 1
    assert rows[-1][0] == "Total" and int(rows[-1][5]) == doc.analysis.totals().params


def test_shape_order_is_a_persisted_view_setting(qtbot, settings):
    doc = template_doc("alexnet_paper.json")
    panel = table_panel(qtbot, doc, settings)
    row = panel.model.row_of("conv1")
    panel.order_combo.setCurrentIndex(panel.order_combo.findData("chw"))
    assert panel.model.data(panel.model.index(row, COL["output_shape"])) == "96×55×55"
    assert "C×H×W" in panel.model.headerData(COL["output_shape"], Qt.Orientation.Horizontal)
    assert settings.value("view/shape_order") == "chw"
    again = table_panel(qtbot, doc, settings)
    assert again.shape_order == "chw"
    assert "96×55×55" in again.copy_table("csv")


def test_filter_by_id_or_type(qtbot, settings):
    doc = template_doc("alexnet_paper.json")
    panel = table_panel(qtbot, doc, settings)
    panel.filter_edit.setText("linear")
    assert [panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())] == [
        "fc6",
        "fc7",
        "fc8",
    ]


# ------------------------------------------------------------------ charts


def charts_panel(qtbot, doc: Document) -> LayerChartsPanel:
    panel = LayerChartsPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(1100, 640)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_charts_hold_the_core_numbers_for_a_template(qtbot):
    doc = template_doc("resnet18.json")
    panel = charts_panel(qtbot, doc)
    weighted = [lid for lid in doc.design.ids if doc.design.layer(lid).type in WEIGHTED_TYPES]
    assert [r.id for r in panel.rows] == weighted
    for key, *_ in METRICS:
        assert panel.values(key) == [getattr(doc.analysis.info[lid], key) for lid in weighted]
    assert sum(panel.values("params")) == sum(doc.analysis.info[lid].params for lid in weighted)
    heights = list(panel.bars[1].opts["height"])
    assert heights == [float(doc.analysis.info[lid].macs) for lid in weighted]
    panel.set_weighted_only(False)
    assert [r.id for r in panel.rows] == doc.design.ids
    assert sum(panel.values("params")) == doc.analysis.totals().params == 11_689_512
    panel.set_log(True)
    heights = list(panel.bars[0].opts["height"])
    for r, h in zip(layer_rows(doc.analysis), heights, strict=True):
        assert h == (math.log10(r.params) if r.params else 0.0)


def test_clicking_a_bar_selects_its_layer_and_hover_shows_values(qtbot):
    doc = template_doc("alexnet_paper.json")
    panel = charts_panel(qtbot, doc)
    index = [r.id for r in panel.rows].index("conv2")
    scene_pos = panel.bar_center(1, index)
    view_pos = panel.graphics.mapFromScene(scene_pos)
    with qtbot.waitSignal(panel.layer_activated, timeout=1000) as signal:
        qtbot.mousePress(panel.graphics.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
        qtbot.mouseRelease(
            panel.graphics.viewport(), Qt.MouseButton.LeftButton, pos=view_pos, delay=20
        )
    assert signal.args == ["conv2"]
    assert doc.selection == ["conv2"]
    # The selected bar is painted in the selection colour on screen, the others in their own.
    assert panel.selected_bars() == [index]
    image = panel.graphics.grab().toImage()
    ratio = image.devicePixelRatio()
    other = panel.graphics.mapFromScene(panel.bar_center(1, 0))
    assert image.pixelColor(view_pos * ratio).name() == SELECTED_COLOR
    assert image.pixelColor(other * ratio).name() == METRICS[1][2]
    assert panel.bar_at(scene_pos) == index
    text = panel.hover_text(index)
    assert "conv2" in text and "307,456" in text and "223,948,800" in text


def test_charts_follow_edits_and_compare_with_a_file(qtbot):
    doc = template_doc("alexnet_paper.json")
    panel = charts_panel(qtbot, doc)
    doc.set_param("fc6", "out_features", 2048)
    i = [r.id for r in panel.rows].index("fc6")
    expected = doc.analysis.info["fc6"].params
    assert expected == 9216 * 2048 + 2048
    qtbot.waitUntil(lambda: panel.values("params")[i] == expected)  # the charts follow the canvas
    assert panel.compare_with(templates_dir() / "vgg16.json") is None
    assert "138,357,544" in panel.summary.text()
    problem = panel.compare_with(DATA / "designs" / "no_such_file.json")
    assert problem is not None and "no_such_file.json" in problem


# --------------------------------------------------------------- semantics


def test_semantics_switch_turns_the_224_warning_into_an_error_and_undo_restores(qtbot):
    doc = data_doc("alexnet_paper_224.json")
    selector = SemanticsSelector(doc)
    panel = DiagnosticsPanel(doc)
    qtbot.addWidget(selector)
    qtbot.addWidget(panel)

    def conv1_severity() -> str:
        d = next(
            d for d in panel.diagnostics if d.layer == "conv1" and d.code == "non_integer_output"
        )
        return d.severity

    assert selector.semantics == "pytorch"
    assert conv1_severity() == "warning"
    assert panel.item_for("non_integer_output", "conv1").parent().text(0).startswith("Warnings")
    selector.choose("strict")
    assert doc.design.semantics == "strict"
    assert conv1_severity() == "error"
    assert panel.item_for("non_integer_output", "conv1").parent().text(0).startswith("Errors")
    assert doc.analysis.info["conv1"].status == "error"
    doc.undo_stack.undo()
    assert selector.combo.currentData() == "pytorch"
    assert conv1_severity() == "warning"
    panel.flush()
    assert panel.banner.isVisibleTo(panel)
    assert "conv1" in panel.disagreement_origins()
    assert "Frameworks disagree" in panel.banner.text()


# ------------------------------------------------------------- diagnostics


def diagnostics_panel(qtbot, doc: Document) -> DiagnosticsPanel:
    panel = DiagnosticsPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(460, 900)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_a_broken_design_shows_its_errors(qtbot):
    doc = data_doc("resnet_block_broken.json")
    panel = diagnostics_panel(qtbot, doc)
    groups = [panel.tree.topLevelItem(n).text(0) for n in range(panel.tree.topLevelItemCount())]
    assert groups[0] == "Errors (1)"
    item = panel.item_for("add_shape_mismatch", "add")
    assert item is not None and item.text(0) == "add"
    assert "add" in item.toolTip(1) and "add_shape_mismatch" in item.toolTip(1)
    assert "1</b> error" in panel.counts_label.text()


def test_clicking_a_diagnostic_selects_its_layer_and_explains_it(qtbot):
    doc = data_doc("resnet_block_broken.json")
    panel = diagnostics_panel(qtbot, doc)
    item = panel.item_for("add_shape_mismatch", "add")
    rect = panel.tree.visualItemRect(item)
    with qtbot.waitSignal(panel.layer_activated) as signal:
        qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == ["add"]
    assert doc.selection == ["add"]
    text = panel.explanation_text()
    assert "Error in add" in text and "Why it matters" in text
    assert panel.fix_buttons and "projection" in panel.fix_buttons[0].text()


def test_selecting_a_layer_shows_its_diagnostics_and_why_it_has_its_shape(qtbot):
    doc = data_doc("alexnet_paper_224.json")
    panel = diagnostics_panel(qtbot, doc)
    doc.select(["pool1"])
    selected = panel.tree.selectedItems()
    assert [i.text(0) for i in selected] == ["pool1"]
    doc.select(["conv2"])  # a layer without problems still gets its "why"
    assert panel.tree.selectedItems() == []
    text = panel.explanation_text()
    assert text.startswith("Why is conv2 26×26×256?")
    assert "(5·5·48 + 1)·256" in text or "5·5·48" in text
    assert panel.fix_buttons == []


def test_an_edit_that_leaves_the_explanation_as_it_was_keeps_the_readers_place(qtbot):
    """Regression: every edit set the explanation's HTML again even when it read the same,
    which laid the text out anew (on every edit of a 10,000-layer design) and dropped the
    text the user had selected in it to copy. Unchanged, it is left alone; changed, or after
    a theme switch (the style applies when the HTML is set again), it is set anew."""
    from PySide6.QtGui import QTextCursor

    from designer.ui import theme

    doc = template_doc("alexnet_paper.json")
    panel = diagnostics_panel(qtbot, doc)
    doc.select(["conv1"])
    before = panel.explanation_text()
    assert before.startswith("Why is conv1")
    cursor = panel.browser.textCursor()
    cursor.select(QTextCursor.SelectionType.Document)
    panel.browser.setTextCursor(cursor)
    assert panel.browser.textCursor().hasSelection()
    params = dict(doc.design.layer("fc8").params)  # (downstream: conv1's explanation stays)
    doc.set_params("fc8", {**params, "bias": not params.get("bias", True)})
    panel.flush()
    assert panel.explanation_text() == before
    assert panel.browser.textCursor().hasSelection()
    sets: list[str] = []
    original = panel.browser.setHtml
    panel.browser.setHtml = lambda html: (sets.append(html), original(html))  # type: ignore[method-assign]
    theme.notifier().changed.emit(theme.SCHEME)
    assert len(sets) == 1 and panel.explanation_text() == before
    params = dict(doc.design.layer("conv1").params)
    doc.set_params("conv1", {**params, "out_channels": params["out_channels"] + 1})
    panel.flush()
    assert len(sets) == 2 and panel.explanation_text() != before


def test_valid_layer_explanation_shows_the_arithmetic(qtbot):
    doc = template_doc("alexnet_paper.json")
    panel = diagnostics_panel(qtbot, doc)
    doc.select(["conv1"])
    text = panel.explanation_text()
    assert text.startswith("Why is conv1 55×55×96?")
    assert "(227 − 11 + 2·0)/4 + 1" in text
    assert "34,944" in text and "290,400" in text
    html = panel.browser.toHtml()
    assert "vertical-align:super" in html or "<sup>" in html  # 216/4 typeset as a fraction


def test_applying_a_fix_resolves_it_in_one_undo_step(qtbot):
    doc = data_doc("alexnet_paper_224.json")
    panel = diagnostics_panel(qtbot, doc)
    before = doc.text()
    assert panel.select_diagnostic("non_integer_output", "conv1")
    assert doc.selection == ["conv1"]
    button = next(b for b in panel.fix_buttons if "227×227" in b.text())
    depth = doc.undo_stack.count()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.count() == depth + 1
    assert doc.design.layer("input").params["shape"] == [3, 227, 227]
    assert panel.item_for("non_integer_output", "conv1") is None
    assert doc.analysis.info["conv1"].output_shape == (96, 55, 55)
    assert (
        "Why is conv1 55×55×96?" in panel.explanation_text()
    )  # the panel keeps explaining the layer
    doc.undo_stack.undo()
    assert doc.text() == before
    assert panel.item_for("non_integer_output", "conv1") is not None
    doc.undo_stack.redo()
    assert panel.item_for("non_integer_output", "conv1") is None


def test_a_fix_that_inserts_a_layer_is_one_undo_step(qtbot):
    doc = data_doc("linear_on_volume.json")
    panel = diagnostics_panel(qtbot, doc)
    before = doc.text()
    assert panel.select_diagnostic("linear_on_volume", "fc")
    fix = next(f for f in panel.fixes if f.label.startswith("Insert Flatten"))
    panel.apply(fix)
    assert doc.undo_stack.count() == 1
    assert doc.design.layer("fc").inputs != ["pool1"]
    flatten = doc.design.layer("fc").inputs[0]
    assert doc.design.layer(flatten).type == "Flatten"
    assert doc.analysis.info["fc"].params == 16 * 16 * 16 * 10 + 10
    assert panel.item_for("linear_on_volume", "fc") is None
    doc.undo_stack.undo()
    assert doc.text() == before


def test_a_stale_fix_is_refused_without_touching_the_design(qtbot, monkeypatch):
    from designer.core.fixes import FixError

    doc = data_doc("linear_on_volume.json")
    panel = diagnostics_panel(qtbot, doc)
    assert panel.select_diagnostic("linear_on_volume", "fc")
    fix = panel.fixes[0]
    doc.remove_layers(["fc"])
    depth = doc.undo_stack.count()
    text = doc.text()
    with pytest.raises(FixError, match="cannot apply"):
        apply_fix(doc, fix)
    assert doc.undo_stack.count() == depth and doc.text() == text
    shown: list[str] = []
    monkeypatch.setattr(
        "designer.ui.panels.diagnostics_panel.QMessageBox.warning", lambda *a: shown.append(a[2])
    )
    panel.apply(fix)
    assert shown and "cannot apply" in shown[0]


def test_opening_another_design_resets_the_panel(qtbot):
    doc = data_doc("resnet_block_broken.json")
    panel = diagnostics_panel(qtbot, doc)
    panel.select_diagnostic("add_shape_mismatch", "add")
    doc.reset(load_design(templates_dir() / "lenet5.json"))
    panel.flush()
    assert panel.current_diagnostic() is None
    top = panel.tree.topLevelItem(0)
    assert isinstance(top, QTreeWidgetItem)
    assert not panel.banner.isVisibleTo(panel) or panel.disagreements


def test_typeset_builds_fractions_but_leaves_tags_alone():
    assert typeset("= 213/4 + 1") == "= <sup>213</sup>&#8260;<sub>4</sub> + 1"
    assert typeset("<td>54</td>") == "<td>54</td>"
    assert typeset("(224 − 11)/4") == "(224 − 11)/4"


def test_arithmetic_reference_opens(qtbot):
    dialog = show_arithmetic_reference(None)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert "Convolution arithmetic reference" in text
    dialog.find_edit.setText("dilation")
    assert dialog.find_next()


def test_totals_row_equals_core_totals_after_edit(qtbot, settings):
    doc = template_doc("alexnet_paper.json")
    panel = table_panel(qtbot, doc, settings)
    doc.set_param("input", "shape", [3, 224, 224])
    assert panel.totals_model.row() == totals_row(doc.analysis)
    assert "warning" in panel.totals_model.row().text("status")


def test_main_window_hosts_the_panels(qtbot, settings):
    from designer.ui.main_window import MainWindow

    window = MainWindow(data_doc("alexnet_paper_224.json"), settings)
    qtbot.addWidget(window)
    assert {"diagnostics", "statistics"} <= set(window.docks)
    assert window.semantics_selector.semantics == "pytorch"
    window.diagnostics_panel.select_diagnostic("non_integer_output", "conv1")
    assert window.document.selection == ["conv1"]
    assert window.layer_table.selected_ids() == ["conv1"]
    action = window.findChild(type(window.undo_action), "arithmetic_reference")
    assert action is not None
    window.document.undo_stack.setClean()


def test_a_click_on_a_column_header_reads_each_rows_key_once_and_sorts_as_before(
    qtbot, settings, monkeypatch
):
    """Issue 15: sorting a 10,000-layer table by a column took 3.5 s, each comparison asking the
    model for both rows' keys (about 2·n·log n reads). Each key is now read once per sort; the
    order is the one sorting every key gives, and it follows an edit."""
    from PySide6.QtTest import QTest

    from benchmarks.scale_designs import resnet_like
    from designer.core import layer_table as core_table

    doc = Document(resnet_like(300))
    panel = table_panel(qtbot, doc, settings)
    reads = 0
    real = core_table.LayerRow.sort_key

    def counted(row, key):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return real(row, key)

    monkeypatch.setattr(core_table.LayerRow, "sort_key", counted)
    header = panel.view.horizontalHeader()
    column = COL["macs"]
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    rows = panel.proxy.rowCount()
    assert panel.proxy.sortColumn() == column
    assert reads <= rows + 5  # before: about 2·n·log n (thousands)
    monkeypatch.setattr(core_table.LayerRow, "sort_key", real)
    values = [panel.proxy.index(r, column).data(SORT_ROLE) for r in range(rows)]
    order = panel.proxy.sortOrder()
    assert values == sorted(values, reverse=order == Qt.SortOrder.DescendingOrder)
    # An edit re-sorts its row with fresh keys (none kept from before the edit).
    biggest = panel.proxy.index(0 if order == Qt.SortOrder.DescendingOrder else rows - 1, 0)
    conv = next(lid for lid in doc.design.ids if doc.design.layer(lid).type == "Conv2d")
    doc.set_param(conv, "out_channels", 4096)
    values = [panel.proxy.index(r, column).data(SORT_ROLE) for r in range(rows)]
    assert values == sorted(values, reverse=order == Qt.SortOrder.DescendingOrder)
    assert biggest.isValid()


def _cells_agree(view, model) -> int:
    """Every cell of ``view`` as its delegate paints it (one ``multiData`` call per cell) and
    each role on its own (``multiData`` with one role) equals ``model.data`` role by role."""
    roles = [
        *range(0, 14),  # every standard role a view or delegate asks for
        int(SORT_ROLE),
        int(ID_ROLE),
        int(Qt.ItemDataRole.UserRole + 3),  # the filter's role
    ]
    delegate = view.itemDelegate()
    checked = 0
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            index = model.index(r, c)
            for role in roles:
                one = QModelRoleData(role)
                model.multiData(index, one)
                assert one.data() == model.data(index, role), (r, c, role)
            option = QStyleOptionViewItem()
            delegate.initStyleOption(option, index)
            assert option.text == (model.data(index, Qt.ItemDataRole.DisplayRole) or "")
            assert int(option.displayAlignment) == model.data(
                index, Qt.ItemDataRole.TextAlignmentRole
            )
            font = model.data(index, Qt.ItemDataRole.FontRole)
            assert option.font.bold() == (font is not None and font.bold())
            brush = model.data(index, Qt.ItemDataRole.ForegroundRole)
            if brush is not None:
                assert option.palette.color(option.palette.ColorRole.Text) == brush.color()
            checked += 1
    return checked


def test_cells_painted_in_one_call_equal_each_role_asked_alone(qtbot, settings):
    """The table paints a cell from one ``multiData`` call (the sort proxy passes it to the rows'
    model) instead of a call into Python per role: what it paints, and every role read alone
    through it, equal ``data`` — layer rows with errors and warnings, sorted and filtered,
    rows by block, and the totals footer."""
    doc = data_doc("resnet_block_broken.json")
    panel = table_panel(qtbot, doc, settings)
    assert any(r.status == "error" for r in panel.model.rows())
    assert _cells_agree(panel.view, panel.proxy) == panel.model.rowCount() * len(COLUMNS)
    assert _cells_agree(panel.footer, panel.totals_model) == len(COLUMNS)
    header = panel.view.horizontalHeader()
    qtbot.mouseClick(  # sort by parameters, as a user does
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(COL["params"]) + 5, 5),
    )
    assert panel.proxy.sortColumn() == COL["params"]
    _cells_agree(panel.view, panel.proxy)
    qtbot.keyClicks(panel.filter_edit, "conv")
    assert 0 < panel.proxy.rowCount() < panel.model.rowCount()
    _cells_agree(panel.view, panel.proxy)
    grouped = template_doc("resnet18.json")
    assert grouped.design.groups
    panel = table_panel(qtbot, grouped, settings)
    panel.set_collapsed({g.id for g in grouped.design.groups if g.parent is None})
    panel.flush_collapsed()
    assert panel.model.blocks is not None
    assert _cells_agree(panel.view, panel.proxy) == panel.model.rowCount() * len(COLUMNS)
    # An index out of range, or of another model, is answered with nothing.
    empty = QModelRoleData(Qt.ItemDataRole.DisplayRole)
    panel.model.multiData(QModelIndex(), empty)
    assert empty.data() is None
    assert not panel.model.index(panel.model.rowCount(), 0).isValid()
    assert not panel.model.index(0, len(COLUMNS)).isValid()

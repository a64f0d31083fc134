"""The table and the 3D view on long designs (issue 15): an edit costs what it changes and
what is shown, not a pass over the whole design. Behaviour checks (counts), never timings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from designer.core.analysis import Analysis
from designer.core.design import Design, Layer
from designer.core.layer_table import COLUMNS, layer_rows
from designer.ui.document import Document
from designer.ui.panels.layer_table import LayerTablePanel
from designer.ui.volume_view import MAX_VOLUME_LAYERS, VolumeView

COL = {c.key: n for n, c in enumerate(COLUMNS)}


def chain(n: int) -> Design:
    """Input, then ``n - 1`` layers: Conv → BN → ReLU repeated (56×56 kept by padding 1)."""
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [8, 56, 56]}))
    prev = "input"
    for k in range(1, n):
        kind = ("Conv2d", "BatchNorm2d", "ReLU")[(k - 1) % 3]
        params = {"out_channels": 8, "kernel_size": 3, "padding": 1} if kind == "Conv2d" else {}
        d.add_layer(Layer(f"l{k}", kind, params, [prev]))
        prev = f"l{k}"
    return d


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "scale.ini"), QSettings.Format.IniFormat)


def shown_table(qtbot, settings, n: int) -> tuple[Document, LayerTablePanel]:
    """The table of a ``chain(n)``, shown."""
    doc = Document(chain(n))
    panel = LayerTablePanel(doc, settings)
    qtbot.addWidget(panel)
    panel.resize(1000, 400)
    panel.show()
    qtbot.waitExposed(panel)
    return doc, panel


def test_an_edit_upstream_of_a_thousand_rows_recomputes_only_the_rows_shown(qtbot, settings):
    doc, panel = shown_table(qtbot, settings, 1000)
    model = panel.model
    # Opening computes the rows shown and those the column widths are measured on.
    assert model.rows_computed <= 1000
    signals: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles=(): signals.append((a.row(), b.row())))
    before = model.rows_computed
    # kernel 3 → 5, padding 1 → 2 on the second conv: no shape changes, but every receptive
    # field after it does (a column of the table).
    doc.set_params("l4", {"out_channels": 8, "kernel_size": 5, "padding": 2}, "edit")
    panel.view.viewport().repaint()
    # Two signals whatever the length: the receptive-field column of every row, and the range
    # of the rows whose other values changed (the edited layer, a note that moved).
    assert len(signals) == 2 and signals[0] == (0, 999), signals
    assert signals[1][0] == model.row_of("l4"), signals
    assert model.rows_computed - before < 100, model.rows_computed - before
    # Whatever is read is up to date: a row far down, the whole table, the copy.
    row = model.row_of("l999")
    assert model.data(model.index(row, COL["receptive_field"])) == layer_rows(doc.analysis)[
        row
    ].text("receptive_field", "hwc")
    assert model.rows() == layer_rows(doc.analysis)
    # The filter box still finds layers by id or type (Qt's filter on the id/type role).
    QTest.keyClicks(panel.filter_edit, "l99")
    QTest.keyClick(panel.filter_edit, Qt.Key.Key_Return)  # (a long table waits for a pause)
    assert {panel.proxy.index(r, COL["id"]).data() for r in range(panel.proxy.rowCount())} == {
        "l99",
        *(f"l99{k}" for k in range(10)),
    }
    panel.filter_edit.clear()
    QTest.keyClicks(panel.filter_edit, "batchnorm")
    QTest.keyClick(panel.filter_edit, Qt.Key.Key_Return)
    assert panel.proxy.rowCount() == 333
    assert panel.proxy.index(0, COL["type"]).data() == "BatchNorm2d"


def test_a_long_design_shows_a_window_of_volumes_round_the_selection(qtbot):
    design = chain(3 * MAX_VOLUME_LAYERS)
    analysis = Analysis(design)
    view = VolumeView()
    qtbot.addWidget(view)
    view.set_analysis(analysis)
    view.show()
    assert view.shown_window is not None and len(view.shown_window) == MAX_VOLUME_LAYERS
    assert view.shown_window[0] == "input" and view.window_hint.isVisibleTo(view)
    assert f"of {len(design):,}" in view.window_hint.text()
    assert view.scene is not None
    drawn = {m for b in view.scene.blocks for m in b.layer_ids}
    assert drawn <= set(view.shown_window) and f"l{MAX_VOLUME_LAYERS + 10}" not in drawn
    # An edit outside the window leaves the picture alone; one inside rebuilds it.
    count = view.rebuild_count
    design.set_param(f"l{2 * MAX_VOLUME_LAYERS + 1}", "out_channels", 9)  # a conv
    qtbot.wait(20)
    assert view.rebuild_count == count
    design.set_param("l4", "out_channels", 9)
    qtbot.waitUntil(lambda: view.rebuild_count == count + 1)
    # Selecting a layer outside the window moves the window round it.
    far = f"l{2 * MAX_VOLUME_LAYERS + 50}"
    view.set_selected(far)
    qtbot.waitUntil(lambda: view.rebuild_count == count + 2)
    assert far in view.shown_window
    assert view.scene.block_of.get(far) is not None
    # An edit before the window that keeps every shape (kernel 3 → 5, padding 1 → 2) moves only
    # receptive fields in it, which no volume shows: the picture stays.
    count = view.rebuild_count
    design.set_params("l7", {"out_channels": 8, "kernel_size": 5, "padding": 2})
    # Listed as field-only up to where every layer sees the whole input; out of date after it.
    assert analysis.field_only and analysis.unlisted_fields
    qtbot.wait(20)
    assert view.rebuild_count == count
    # A short design is drawn whole, without the hint.
    view.set_analysis(Analysis(chain(50)))
    assert view.shown_window is None and not view.window_hint.isVisibleTo(view)
    view.close()


def test_the_window_of_volumes_follows_layers_added_and_removed(qtbot):
    """The window's place in the design order is kept between edits (no pass over every
    layer per edit); a layer added or removed moves it."""
    design = chain(3 * MAX_VOLUME_LAYERS)
    analysis = Analysis(design)
    view = VolumeView()
    qtbot.addWidget(view)
    view.set_analysis(analysis)
    view.show()
    view.set_selected("l199")
    qtbot.waitUntil(lambda: view.shown_window is not None and "l199" in view.shown_window)
    first = view.shown_window[0]
    design.set_param("l199", "kernel_size", 5)  # in the window: rebuilt, same window
    qtbot.waitUntil(lambda: not view._deferred.pending)
    assert view.shown_window[0] == first
    gone = next(lid for lid in view.shown_window[3:] if design.layer(lid).type == "ReLU")
    (after,) = design.consumers(gone)
    design.set_inputs(after, design.layer(gone).inputs)  # the chain stays one chain
    design.remove_layer(gone)
    qtbot.waitUntil(lambda: not view._deferred.pending)
    assert gone not in view.shown_window and gone not in view.scene.block_of
    assert set(view.shown_window) <= set(design.ids) and len(view.shown_window) == MAX_VOLUME_LAYERS
    assert "l199" in view.shown_window
    design.add_layer(Layer("extra", "ReLU", {}, ["l198"]), index=design.index_of("l199"))
    qtbot.waitUntil(lambda: not view._deferred.pending)
    assert "extra" in view.shown_window and view.scene.block_of.get("extra") is not None
    order = [lid for lid in analysis.order if lid in design]
    start = order.index(view.shown_window[0])
    assert list(view.shown_window) == order[start : start + MAX_VOLUME_LAYERS]
    view.close()


def test_the_table_sorts_every_row_after_lazy_updates(qtbot, settings):
    doc = Document(chain(300))
    panel = LayerTablePanel(doc, settings)
    qtbot.addWidget(panel)
    panel.show()
    doc.set_params("l1", {"out_channels": 32, "kernel_size": 3, "padding": 1}, "edit")
    panel.view.sortByColumn(COL["params"], Qt.SortOrder.DescendingOrder)
    params = [
        panel.proxy.index(r, COL["params"]).data(Qt.ItemDataRole.UserRole + 1)
        for r in range(panel.proxy.rowCount())
    ]
    assert params == sorted(params, reverse=True)
    assert params[0] == max(info.params for info in doc.analysis.info.values())


def odd_chain(n: int) -> Design:
    """A 56×56 input into a stride-2 conv, then a long chain of ReLUs."""
    d = Design("odd")
    d.add_layer(Layer("input", "Input", {"shape": [8, 56, 56]}))
    d.add_layer(
        Layer("down", "Conv2d", {"out_channels": 8, "kernel_size": 2, "stride": 2}, ["input"])
    )
    prev = "down"
    for k in range(n - 2):
        d.add_layer(Layer(f"r{k}", "ReLU", {}, [prev]))
        prev = f"r{k}"
    return d


def test_a_long_design_is_compared_across_frameworks_off_the_gui_thread(qtbot):
    from designer.core.semantics_compare import compare_semantics
    from designer.ui.panels.diagnostics_panel import DiagnosticsPanel
    from designer.ui.panels.semantics_worker import INLINE_LAYERS

    doc = Document(odd_chain(INLINE_LAYERS + 100))
    panel = DiagnosticsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: not panel._comparer.busy, timeout=30000)  # the design as opened
    assert panel.disagreements == []
    # kernel 3, stride 2 on 56: (56 − 3)/2 + 1 = 27.5, floored by PyTorch, an error when strict.
    doc.set_params("down", {"out_channels": 8, "kernel_size": 3, "stride": 2}, "edit")
    assert not panel._comparer.busy  # the comparison waits for the edits to settle
    qtbot.waitUntil(lambda: panel._comparer.busy, timeout=2000)
    qtbot.waitUntil(lambda: panel.banner.isVisibleTo(panel), timeout=20000)
    expected = compare_semantics(doc.design, doc.analysis)
    assert expected and panel.disagreements == expected
    assert "down" in panel.disagreement_origins()
    # An edit while a comparison runs: the stale result is never shown; flush() waits for the
    # comparison of the design as it is now.
    doc.set_params("down", {"out_channels": 8, "kernel_size": 2, "stride": 2}, "edit")
    panel.flush()
    assert panel.disagreements == compare_semantics(doc.design, doc.analysis) == []
    assert not panel.banner.isVisibleTo(panel)


def test_closing_the_window_ends_a_comparison_under_way(qtbot, monkeypatch):
    """Regression: closing the window while a long design was compared across frameworks left
    the comparison's process running until Qt killed it as the panel went ("QProcess:
    Destroyed while process is still running" on stderr). The window ends it as it closes."""
    from PySide6.QtCore import QProcess

    from designer.ui.panels.semantics_worker import INLINE_LAYERS
    from tests.ui.ui_helpers import shown_main_window

    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(odd_chain(INLINE_LAYERS + 100), None)
    panel = window.diagnostics_panel
    qtbot.waitUntil(lambda: panel._comparer.busy, timeout=5000)
    processes = panel._comparer.findChildren(QProcess)
    assert any(p.state() != QProcess.ProcessState.NotRunning for p in processes)
    window.document.undo_stack.setClean()
    assert window.close()
    assert not panel._comparer.busy
    assert all(p.state() == QProcess.ProcessState.NotRunning for p in processes)


def test_opening_shows_a_busy_cursor_and_message_and_always_restores_it(
    qtbot, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from designer.core.fileformat import save_design
    from designer.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    path = tmp_path / "long.json"
    save_design(chain(30), path)
    seen: list[tuple[object, str]] = []
    original = window.document.open

    def watching(p):  # type: ignore[no-untyped-def]
        cursor = QApplication.overrideCursor()
        seen.append((cursor.shape() if cursor else None, window.statusBar().currentMessage()))
        return original(p)

    monkeypatch.setattr(window.document, "open", watching)
    assert window.open_file(path, ask=False)
    assert seen == [(Qt.CursorShape.WaitCursor, "Opening long.json…")]
    assert QApplication.overrideCursor() is None
    # A file that cannot be read: the message box, and the cursor back to normal.
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda *a, **k: None))
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert not window.open_file(bad, ask=False)
    assert QApplication.overrideCursor() is None
    window.document.undo_stack.setClean()
    window.close()


def test_an_edit_that_keeps_the_problems_leaves_the_problem_list_alone(qtbot):
    from designer.ui.panels.diagnostics_panel import DiagnosticsPanel

    doc = Document(odd_chain(60))
    panel = DiagnosticsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    first = panel.tree.topLevelItem(0)
    skipped = panel.tree_builds_skipped
    doc.set_params("down", {"out_channels": 16, "kernel_size": 2, "stride": 2}, "edit")
    assert panel.tree_builds_skipped == skipped + 1
    assert panel.tree.topLevelItem(0) is first  # the same rows, not rebuilt
    # kernel 3: a new problem (56 does not divide): the list is rebuilt and shows it.
    doc.set_params("down", {"out_channels": 16, "kernel_size": 3, "stride": 2}, "edit")
    assert panel.tree_builds_skipped == skipped + 1
    assert any(item.text(0) == "down" for item in panel.items())
    doc.undo_stack.undo()
    assert not any(item.text(0) == "down" for item in panel.items())


def test_a_problem_worded_anew_keeps_its_row_and_shows_the_new_numbers(qtbot):
    """Regression: the same problem of the same layer with other numbers (l82's output 56×56 →
    54×54) cleared and filled the whole tree again, which relaid and repainted the dock on
    every such edit (a third of a collapsed-block edit's time on the 10,000-layer design)."""
    from designer.ui.panels.diagnostics_panel import DiagnosticsPanel

    doc = Document(chain(91))
    panel = DiagnosticsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    (row,) = panel.items()
    assert row.text(0) == "l82" and "56×56 output positions" in row.text(1)
    group = panel.tree.topLevelItem(0)
    retexted = panel.tree_rows_retexted
    doc.set_params("l82", {"out_channels": 8, "kernel_size": 3, "padding": 0}, "edit")
    assert panel.items() == [row] and panel.tree.topLevelItem(0) is group  # not rebuilt
    assert panel.tree_rows_retexted == retexted + 1
    assert "54×54 output positions" in row.text(1) and "54×54" in row.toolTip(0)
    assert row.toolTip(1) == row.toolTip(0)
    doc.undo_stack.undo()
    assert panel.items() == [row] and "56×56 output positions" in row.text(1)
    # Another layer's problem: a new list.
    doc.set_params("l1", {"out_channels": 8, "kernel_size": 5, "padding": 2}, "edit")
    assert panel.tree_rows_retexted == retexted + 2  # (the undo above, worded back)
    assert [item.text(0) for item in panel.items()] == ["l79"]
    assert panel.tree.topLevelItem(0) is not group


def test_the_comparison_process_gives_the_same_rows_as_comparing_in_process(qtbot):
    from designer.core.fileformat import load_design
    from designer.core.resources import templates_dir
    from designer.core.semantics_compare import compare_semantics
    from designer.ui.panels.compare_process import (
        compare_payload,
        payload_of,
        rows_from_json,
        rows_to_json,
    )

    for design in (odd_chain(20), load_design(templates_dir() / "alexnet_paper.json")):
        design.set_param("input" if "input" in design else design.ids[0], "shape", [3, 224, 224])
        expected = compare_semantics(design)
        assert rows_from_json(rows_to_json(compare_payload(payload_of(design, 4)))) == expected
    assert expected  # AlexNet at 224 divides unevenly: the frameworks disagree


@pytest.mark.qt_log_ignore("QProcess: Destroyed while process")  # Qt's own note as it kills it
def test_a_comparison_still_running_when_its_window_goes_raises_nothing(qtbot) -> None:
    """Regression: closing the window while a long design's comparison ran in its process:
    Qt deleted the QProcess (killing it), its ``finished`` still came, and the handler read the
    deleted process ("Internal C++ object (PySide6.QtCore.QProcess) already deleted")."""
    import shiboken6
    from PySide6.QtCore import QObject

    from designer.core.analysis import analyze
    from designer.core.fileformat import load_design
    from designer.core.resources import templates_dir
    from designer.ui.panels.semantics_worker import SemanticsWorker

    design = load_design(templates_dir() / "resnet50.json")
    owner = QObject()
    worker = SemanticsWorker(owner)
    results: list[object] = []
    worker.done.connect(lambda *args: results.append(args))
    worker.start(1, design, analyze(design))
    assert worker.busy
    shiboken6.delete(owner)  # pytest-qt fails the test on an exception in a Qt callback
    qtbot.wait(50)
    assert results == []


def test_rows_whose_field_changed_in_edits_nobody_saw_are_up_to_date_when_read(qtbot, settings):
    doc, panel = shown_table(qtbot, settings, 300)
    model = panel.model
    panel.hide()  # nothing reads a row between the edits
    # Each edit changes the fields of a different stretch (the second one's start is later).
    doc.set_params("l100", {"out_channels": 8, "kernel_size": 5, "padding": 2}, "edit")
    doc.set_params("l7", {"out_channels": 8, "kernel_size": 7, "padding": 3}, "edit")
    doc.set_params("l202", {"out_channels": 8, "kernel_size": 1, "padding": 0}, "edit")
    assert model.rows() == layer_rows(doc.analysis)
    # More such edits than are kept apart: every row is recomputed, still right.
    for k in range(12):
        doc.set_params(
            "l7", {"out_channels": 8, "kernel_size": 3 + 2 * (k % 2), "padding": 1 + k % 2}, "e"
        )
    assert model.rows() == layer_rows(doc.analysis)


def test_an_edit_that_moves_only_fields_does_not_list_every_problem_again(qtbot, monkeypatch):
    from designer.ui.panels.diagnostics_panel import DiagnosticsPanel

    doc = Document(chain(390))  # under 400 layers: compared in process, no child process
    panel = DiagnosticsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.tree.topLevelItemCount()  # the receptive-field note, at least
    listed = []
    original = type(doc.analysis).diagnostics
    monkeypatch.setattr(
        type(doc.analysis), "diagnostics", lambda self: (listed.append(1), original(self))[1]
    )
    skipped = panel.tree_builds_skipped
    doc.set_params("l190", {"out_channels": 9, "kernel_size": 3, "padding": 1}, "edit")
    doc.set_params("l190", {"out_channels": 9, "kernel_size": 5, "padding": 2}, "edit")
    # 200 layers after it: their field alone (out of date, brought up to date when read)
    assert doc.analysis.unlisted_fields
    assert panel.tree_builds_skipped == skipped + 2 and not listed
    # A new problem is listed: an Input of 3×3 under a 5×5 window.
    doc.set_params("input", {"shape": [8, 3, 3]}, "edit")
    assert listed and panel.tree_builds_skipped == skipped + 2
    assert any(item.text(0) == "l1" for item in panel.items())


def test_the_inspector_shows_the_field_of_a_layer_left_out_of_date(qtbot):
    # An edit far upstream of the selected layer, past where every layer sees the whole input:
    # its field is not updated with the edit, but what the inspector shows is current.
    from designer.core.analysis import analyze
    from designer.core.report import rf_text
    from designer.ui.inspector.panel import Inspector

    doc = Document(chain(300))
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    inspector.show()
    doc.select(["l280"])
    before = rf_text(doc.analysis.info["l280"])
    assert before in inspector.output.text()
    doc.set_params("l100", {"out_channels": 8, "kernel_size": 7, "padding": 3}, "edit")
    assert doc.analysis.unlisted_fields
    after = rf_text(analyze(doc.design).info["l280"])
    assert after != before and after in inspector.output.text()


def test_layers_added_and_removed_splice_the_table_instead_of_resetting_it(qtbot, settings):
    """Adding, deleting, inserting and undoing layers inserts or removes those rows only (the
    view keeps its place and its selection; no reset of 10,000 rows), and the table then reads
    exactly as a fresh one; a longer id widens its column, a removal never narrows one."""
    doc, panel = shown_table(qtbot, settings, 300)
    model = panel.model
    resets, splices = model.reset_count, model.splice_count
    header = panel.view.horizontalHeader()
    id_width = header.sectionSize(COL["id"])
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))

    long_id = "a_layer_with_a_much_longer_name_than_any_other"
    doc.add_layer("Conv2d", position=(0.0, 900.0), layer_id=long_id)
    assert inserted == [(300, 300)] and model.layer_id(300) == long_id
    assert header.sectionSize(COL["id"]) > id_width
    wide = header.sectionSize(COL["id"])
    doc.rename("l20", "renamed")
    assert model.layer_id(20) == "renamed"
    doc.insert_on_edge("ReLU", "l10", "l11", (0.0, 1200.0))
    doc.remove_layers(["l150"])
    assert removed and removed[-1][0] == removed[-1][1]
    for _ in range(4):
        doc.undo_stack.undo()
    assert model.rowCount() == 300 and model.layer_id(20) == "l20"
    for _ in range(3):
        doc.undo_stack.redo()
    assert model.reset_count == resets and model.splice_count > splices
    assert header.sectionSize(COL["id"]) == wide  # removing the long one does not narrow it
    assert model.rows() == layer_rows(doc.analysis)
    assert [model.layer_id(r) for r in range(model.rowCount())] == [
        lid for lid in doc.design.ids if lid in doc.analysis.info
    ]
    # The sorted and filtered view follows the spliced rows.
    panel.view.sortByColumn(COL["params"], Qt.SortOrder.DescendingOrder)
    params = [
        panel.proxy.index(r, COL["params"]).data(Qt.ItemDataRole.UserRole + 1)
        for r in range(panel.proxy.rowCount())
    ]
    assert params == sorted(params, reverse=True) and len(params) == model.rowCount()


def test_the_last_rows_shown_without_their_field_column_bring_no_field_up_to_date(qtbot, settings):
    """The analysis leaves the fields far downstream of an edit out of date until read. The
    table scrolled to a long design's last rows, its field column out of sight, shows them
    without bringing 2,000 fields up to date; the field column, a sort on it or a copy does."""
    doc, panel = shown_table(qtbot, settings, 3000)
    model, view = panel.model, panel.view
    view.setColumnHidden(COL["receptive_field"], True)  # (as if scrolled out of sight)
    doc.select(["l2999"])  # the table goes to its row (as after adding a layer at the end)
    qtbot.waitUntil(lambda: view.rowAt(view.viewport().height() - 30) > 2900)
    view.viewport().repaint()
    doc.set_params("l901", {"out_channels": 8, "kernel_size": 5, "padding": 2}, "edit")
    analysis = doc.analysis
    assert not analysis.field_is_current("l2999")
    before = analysis.recompute_count
    qtbot.wait(50)  # the panel follows on the next turns of the event loop
    view.viewport().repaint()  # the last rows' cells, read with the edit's results
    assert analysis.recompute_count - before < 50
    assert not analysis.field_is_current("l2999")
    last = model.row_of("l2999")
    fresh = layer_rows(Analysis(doc.design))
    assert model.data(model.index(last, COL["params"])) == fresh[last].text("params", "hwc")
    # Its field's cell (shown, or read by a sort or a copy) brings it up to date.
    assert model.data(model.index(last, COL["receptive_field"])) == fresh[last].text(
        "receptive_field", "hwc"
    )
    assert analysis.field_is_current("l2999")
    assert model.rows() == fresh


def test_edits_of_several_steps_work_the_order_out_once_for_the_3d_view(qtbot, monkeypatch):
    """Issue 15: the 3D view read the analysis's order on every update, to tell whether layers
    had come or gone; after a structural edit that order is worked out again only when read (a
    pass over every layer), so Duplicate of 50 layers at 10,000 worked it out 50 times. Now the
    view compares the number of layers and reads the order once, when it rebuilds."""
    import designer.core.analysis as analysis_module

    design = chain(3 * MAX_VOLUME_LAYERS)
    analysis = Analysis(design)
    view = VolumeView()
    qtbot.addWidget(view)
    view.set_analysis(analysis)
    view.show()
    view.set_selected("l199")
    qtbot.waitUntil(lambda: view.shown_window is not None and not view._deferred.pending)
    works: list[int] = []
    real = analysis_module._kahn
    monkeypatch.setattr(analysis_module, "_kahn", lambda d: (works.append(1), real(d))[1])
    for k in range(6):  # free layers, then connected against the order: the order is left
        design.add_layer(Layer(f"x{k}", "ReLU", {}, []), index=0)
        design.set_inputs(f"x{k}", ["l3"])
    assert works == []
    qtbot.waitUntil(lambda: not view._deferred.pending)
    assert len(works) <= 1
    order = analysis.order
    assert [lid for lid in order if lid.startswith("x")] and len(order) == len(design)
    view.close()

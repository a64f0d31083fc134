"""A rename followed through every view without a pass over every card, row or edge (issue 15,
sixth pass): the scene re-keys the card and its edges, the overview its block and lines, the
table its row, the charts their bar; the document tells ``layer_renamed`` before the analysis's
update, and the selection follows. Each view ends as a fresh one shows the renamed design.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from designer.core.design import Design, Layer
from designer.core.layout import auto_layout
from designer.ui.document import Document
from designer.ui.main_window import MainWindow
from tests.ui.test_canvas_overview import chain, make_view, render
from tests.ui.ui_helpers import click_scene, shown_main_window


def _overview_state(overview):  # type: ignore[no-untyped-def]
    return (
        dict(overview._rects),
        dict(overview._looks),
        {k: (v[0], v[1]) for k, v in overview._lines.items()},
    )


def _same_as_rebuilt(view, overview) -> None:  # type: ignore[no-untyped-def]
    image = render(view)
    rects, looks, lines = _overview_state(overview)
    overview.invalidate()
    assert image == render(view)
    fresh = _overview_state(overview)
    assert rects == fresh[0] and looks == fresh[1]
    assert lines.keys() == fresh[2].keys()
    assert all(lines[k][0] == fresh[2][k][0] and lines[k][1] == fresh[2][k][1] for k in lines)


def test_a_rename_at_fit_view_keeps_the_overview_and_a_delete_after_it_clears_the_block(
    qtbot,
) -> None:
    """Zoomed out, a rename redraws nothing (the block and lines are re-keyed), and deleting
    the renamed layer then clears its block: before, the overview kept the block and lines under
    the old id, so the deleted card's block stayed drawn."""
    doc, scene, view = make_view(qtbot)
    view.fit_to_view()
    render(view)
    overview = scene.overview
    rebuilds = overview.rebuilds
    doc.rename("conv12", "middle")
    render(view)
    assert overview.rebuilds == rebuilds
    assert "conv12" not in overview._rects and "middle" in overview._rects
    assert ("middle", "relu12") in overview._lines and ("relu11", "middle") in overview._lines
    _same_as_rebuilt(view, overview)
    rebuilds = overview.rebuilds
    doc.rename("middle", "again")
    render(view)
    doc.remove_layers(["again"])
    render(view)
    assert overview.rebuilds == rebuilds
    assert "again" not in overview._rects and "middle" not in overview._rects
    _same_as_rebuilt(view, overview)


# ------------------------------------------------------------------ the main window


def _split_design() -> Design:
    """conv1 → split (2 outputs) → add of both; ``bad`` takes an output the Split has not: its
    error names the Split."""
    d = Design("renames")
    d.add_layer(Layer("input", "Input", {"shape": [8, 16, 16]}))
    d.add_layer(
        Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}, ["input"])
    )
    d.add_layer(Layer("split", "Split", {"split_size_or_sections": 4}, ["conv1"]))
    d.add_layer(Layer("add", "Add", {}, ["split:0", "split:1"]))
    d.add_layer(Layer("bad", "ReLU", {}, ["split:7"]))
    for lid, pos in auto_layout(d).items():
        d.set_position(lid, pos)
    return d


def _table_ids(window: MainWindow) -> list[str]:
    model = window.layer_table.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def _problem_texts(window: MainWindow) -> list[str]:
    return [item.text(0) + " " + item.toolTip(0) for item in window.diagnostics_panel.items()]


def _follows(window: MainWindow, lid: str, gone: str) -> None:
    """Every view shows ``lid`` (the Split) and nothing of ``gone``, as a fresh window would."""
    doc, scene = window.document, window.scene
    window.scene.grouping.flush()
    QApplication.processEvents()
    assert lid in scene.cards and gone not in scene.cards
    card = scene.cards[lid]
    assert card.layer_id == lid and card.content.layer_id == lid
    assert f"<b>{lid}</b>" in card.content.tooltip
    assert (lid, "add") in scene.edges and (lid, "bad") in scene.edges
    assert all(gone not in key for key in scene.edges)
    assert _table_ids(window) == doc.design.ids
    assert window.inspector.id_edit.text() == lid
    assert doc.selection == [lid]
    problems = [d.message for d in window.diagnostics_panel.diagnostics]
    assert any(f"output 7 of {lid}" in m for m in problems), problems
    assert not any(gone in m for m in problems)
    assert scene.cards["bad"].content.tooltip.count(lid) >= 1
    assert gone not in scene.cards["bad"].content.tooltip
    charts = window.layer_charts
    assert charts._order == doc.design.ids  # (its bars: the weighted layers, not the Split)
    assert all(axis.labels == charts.titles for axis in charts.layer_axes)


def test_renaming_in_the_inspector_is_followed_by_every_view_and_undone_by_ctrl_z(
    qtbot, monkeypatch
) -> None:
    """Click the Split's card, type a new id in the inspector and press Return: the card, its
    edges, the table row, the problems naming it (the consumer's error), the charts and the
    selection follow; Ctrl+Z puts the old id back everywhere."""
    window = shown_main_window(qtbot, monkeypatch)
    window.document.reset(_split_design())
    window.statistics_tabs.setCurrentWidget(window.layer_charts)
    with qtbot.waitActive(window):
        window.activateWindow()
    card = window.scene.cards["split"]
    click_scene(qtbot, window, card.sceneBoundingRect().center())
    assert window.document.selection == ["split"]
    rebuilds = window.layer_charts.rebuild_count
    resets = window.layer_table.model.reset_count
    edit = window.inspector.id_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "halves")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.document.design.ids == ["input", "conv1", "halves", "add", "bad"]
    _follows(window, "halves", "split")
    assert window.layer_charts.rebuild_count == rebuilds  # the bar re-keyed, not rebuilt
    assert window.layer_table.model.reset_count == resets
    window.view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.design.ids == ["input", "conv1", "split", "add", "bad"]
    _follows(window, "split", "halves")
    qtbot.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    _follows(window, "halves", "split")
    assert window.layer_charts.rebuild_count == rebuilds
    # The charts and table are those a fresh window draws of the renamed design.
    charts = window.layer_charts
    shown = (
        list(charts.ids),
        [list(a.labels) for a in charts.layer_axes],
        [charts.heights(i) for i in range(3)],
        [a.height() for a in charts.layer_axes],
    )
    charts.refresh()
    assert shown == (
        list(charts.ids),
        [list(a.labels) for a in charts.layer_axes],
        [charts.heights(i) for i in range(3)],
        [a.height() for a in charts.layer_axes],
    )


def test_the_document_tells_the_rename_before_the_analysis_update_that_names_the_new_id(
    qtbot,
) -> None:
    """``layer_renamed`` comes first, then one ``analysis_updated`` with the layer and those
    taking its output (for a rename, its undo and its redo): a view re-keys before it is told
    of the new id. The selection is told only when it held the layer."""
    doc = Document(_split_design())
    events: list[tuple[str, object]] = []
    doc.layer_renamed.connect(lambda old, new: events.append(("renamed", (old, new))))
    doc.analysis_updated.connect(lambda ids: events.append(("updated", set(ids))))
    doc.selection_changed.connect(lambda ids: events.append(("selection", list(ids))))
    doc.rename("split", "halves")
    assert events == [("renamed", ("split", "halves")), ("updated", {"halves", "add", "bad"})]
    events.clear()
    doc.undo()
    assert events == [("renamed", ("halves", "split")), ("updated", {"split", "add", "bad"})]
    doc.select(["split"])
    events.clear()
    doc.undo_stack.redo()  # (through the stack itself, as a QUndoView would)
    assert events == [
        ("renamed", ("split", "halves")),
        ("selection", ["halves"]),
        ("updated", {"halves", "add", "bad"}),
    ]
    assert doc.analysis.renames == 3


def test_a_long_design_renamed_mid_way_follows_in_the_table_charts_and_3d_window(qtbot) -> None:
    """On a 600-layer chain with the 3D view showing a window round the selection: a rename of
    the selected layer re-keys the table row, the chart bar and the 3D view's window (no rebuild
    of the table or the bars, no pass to place the window again), and each equals a fresh one."""
    from designer.ui.panels.layer_charts import LayerChartsPanel
    from designer.ui.panels.layer_table import LayerTablePanel
    from designer.ui.volume_view import VolumeView

    doc = Document(chain(300))
    table = LayerTablePanel(doc)
    charts = LayerChartsPanel(doc)
    volumes = VolumeView()
    for w in (table, charts, volumes):
        qtbot.addWidget(w)
    volumes.set_analysis(doc.analysis)
    doc.layer_renamed.connect(volumes.renamed)
    doc.selection_changed.connect(lambda _ids: volumes.set_selected(doc.current))
    doc.select(["conv150"])
    volumes.rebuild()
    assert volumes.shown_window is not None and "conv150" in volumes.shown_window
    resets, rebuilds = table.model.reset_count, charts.rebuild_count
    source = volumes._order_source
    doc.rename("conv150", "middle")
    QApplication.processEvents()
    volumes.rebuild()
    assert table.model.reset_count == resets and charts.rebuild_count == rebuilds
    assert volumes._order_source is doc.analysis.order and volumes._order_source is not source
    assert volumes._order == doc.analysis.order
    assert volumes._position == {lid: n for n, lid in enumerate(doc.analysis.order)}
    assert "middle" in volumes.shown_window and "conv150" not in volumes.shown_window
    assert volumes.selected == "middle"
    model = table.model
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == doc.design.ids
    assert charts.ids == [lid for lid in doc.design.ids if lid in charts._bar_of]
    assert charts._bar_of == {lid: n for n, lid in enumerate(charts.ids)}
    assert charts._order == doc.design.ids


# ------------------------------------------------------------------ groups, busy cursor


def test_renames_in_a_grouped_design_expanded_and_collapsed_give_a_fresh_layout(
    qtbot, monkeypatch
) -> None:
    """With groups shown open, a rename lays nothing out again (cards, edges and frames stay);
    collapsed, the view is laid out again. Either way the canvas equals a fresh layout, and
    a collapse after the rename (and its undo) too."""
    from designer.core.groups import collapsed_for_level
    from tests.core.test_groups_incremental import staged
    from tests.ui.test_groups_canvas_incremental import fresh_snapshot, settle, snapshot

    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(staged(stages=2, blocks=4), None)
    doc, grouping = window.document, window.scene.grouping
    grouping.set_collapsed(set())
    settle(window)
    target = next(lid for lid in doc.design.ids if lid.endswith(".conv2"))
    repaints, frames = grouping.repaints, list(grouping.frames)
    doc.rename(target, "renamed_open")
    settle(window)
    assert grouping.repaints == repaints and grouping.frames == frames
    assert snapshot(grouping) == fresh_snapshot(window)
    grouping.set_collapsed(collapsed_for_level(grouping._fresh_index(), 1))
    settle(window)
    assert snapshot(grouping) == fresh_snapshot(window)
    doc.rename("renamed_open", "renamed_shut")
    settle(window)
    assert snapshot(grouping) == fresh_snapshot(window)
    doc.undo()
    settle(window)
    assert "renamed_open" in doc.design and snapshot(grouping) == fresh_snapshot(window)
    grouping.set_collapsed(set())
    settle(window)
    doc.undo()
    settle(window)
    assert target in doc.design and snapshot(grouping) == fresh_snapshot(window)


def test_a_rename_and_its_undo_show_the_busy_cursor_only_where_views_are_worked_out_again(
    qtbot, monkeypatch
) -> None:
    """On a long design (here: a short one, the threshold lowered), a rename and Ctrl+Z show
    no busy cursor without groups (the layer is re-keyed), and show it with groups (the views
    by block and the collapsed canvas are worked out again); other undos still show it."""
    import designer.ui.busy as busy_module
    from tests.core.test_groups_incremental import staged

    shown: list[str] = []
    monkeypatch.setattr(busy_module, "LONG_DESIGN", 3)
    monkeypatch.setattr(
        busy_module.QApplication, "setOverrideCursor", staticmethod(lambda _c: shown.append("busy"))
    )
    monkeypatch.setattr(
        busy_module.QApplication, "restoreOverrideCursor", staticmethod(lambda: None)
    )
    window = shown_main_window(qtbot, monkeypatch)
    window.document.reset(_split_design())
    window.document.rename("split", "halves")
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "split" in window.document.design and shown == []
    window.document.set_params("conv1", {"out_channels": 8, "kernel_size": 5, "padding": 2})
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert shown == ["busy"]  # (an undo of another kind, on a long design)
    shown.clear()
    window.load_design(staged(stages=2, blocks=3), None)
    shown.clear()
    lid = next(lid for lid in window.document.design.ids if lid.endswith(".conv1"))
    window.document.rename(lid, "renamed")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lid in window.document.design and shown == ["busy", "busy"]


def test_the_problems_list_names_a_renamed_layer_with_a_problem(qtbot) -> None:
    """A layer with an error of its own renamed: the problems list shows it under its new id,
    and the old id nowhere; undo brings the old one back."""
    from designer.ui.panels.diagnostics_panel import DiagnosticsPanel

    doc = Document(_split_design())
    panel = DiagnosticsPanel(doc)
    qtbot.addWidget(panel)

    def listed() -> list[tuple[str | None, str]]:
        return [(d.layer, d.message) for d in panel.diagnostics]

    assert any(layer == "bad" for layer, _ in listed())
    doc.rename("bad", "worse")
    QApplication.processEvents()
    assert any(layer == "worse" and m.startswith("worse ") for layer, m in listed())
    assert not any(layer == "bad" or "bad " in m for layer, m in listed())
    assert panel.item_for("no_such_output", "worse") is not None
    doc.undo()
    QApplication.processEvents()
    assert panel.item_for("no_such_output", "bad") is not None
    assert not any("worse" in m for _, m in listed())


def test_layers_hidden_in_collapsed_blocks_renamed_are_re_keyed_and_give_a_fresh_layout(
    qtbot, monkeypatch
) -> None:
    """Issue 15, eleventh pass: a layer hidden inside a collapsed block, renamed, is re-keyed
    where the canvas names it (the group index, the cards hidden, the side branches) rather
    than the view laid out afresh with every card and edge looked at (70 ms at 10,000 layers).
    After random renames, undos and redos the canvas equals a fresh layout, its index a fresh
    index, and expanding everything then shows every card where a fresh layout puts it."""
    import random

    from designer.core.groups import GroupIndex, collapsed_for_level
    from tests.core.test_groups_incremental import staged
    from tests.ui.test_groups_canvas_incremental import fresh_snapshot, settle, snapshot

    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(staged(stages=2, blocks=4), None)
    doc, grouping = window.document, window.scene.grouping
    grouping.set_collapsed(collapsed_for_level(grouping._fresh_index(), 1))
    settle(window)
    rekeyed: list[str] = []
    real = grouping._renamed_hidden
    monkeypatch.setattr(grouping, "_renamed_hidden", lambda o, n: (rekeyed.append(n), real(o, n)))
    rng = random.Random(11)
    for step in range(12):
        action = rng.choice(["rename", "rename", "undo", "redo"])
        if action == "rename":
            hidden = sorted(grouping.hidden)
            doc.rename(rng.choice(hidden), f"renamed_{step}")
        elif action == "undo":
            doc.undo()
        else:
            doc.undo_stack.redo()
        settle(window)
        assert snapshot(grouping) == fresh_snapshot(window), (step, action)
        fresh = GroupIndex(doc.design)
        index = grouping._fresh_index()
        assert (index.members, index.owner) == (fresh.members, fresh.owner), (step, action)
        assert grouping.hidden == set(doc.design.ids) - {
            c.layer_id for c in grouping.visible_layer_cards()
        }
    assert rekeyed  # (the path taken)
    grouping.set_collapsed(set())
    settle(window)
    assert snapshot(grouping) == fresh_snapshot(window)

"""Issue 15, sixth pass: operations on a long design that were slow beyond their edit — expanding
every block, grouping a selection, File ▸ Export — driven as a user does. Each test counts the
work that grew with the square of the design (never the time: the machines are shared)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from benchmarks.scale_designs import grouped_resnet, resnet_like
from designer.core.analysis import Analysis
from designer.export.figure_exporter import ExportOptions
from designer.export.svg_exporter import SvgExporter
from designer.ui import busy
from designer.ui import export_dialog as export_module
from designer.ui.canvas import grouping as grouping_module
from designer.ui.canvas.items import EdgeItem, LayerCard
from tests.ui.ui_helpers import click_scene, shown_main_window


def _count_routes(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """Counts ``EdgeItem.update_path`` calls from now on (in the list's one item)."""
    routes = [0]
    real = EdgeItem.update_path

    def route(edge: EdgeItem) -> None:
        routes[0] += 1
        real(edge)

    monkeypatch.setattr(EdgeItem, "update_path", route)
    return routes


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def test_expand_all_routes_each_edge_once_and_checks_each_frame_against_nearby_cards(
    window, qtbot, monkeypatch
) -> None:
    """Expand All on a 10,000-layer grouped design took 36 s: every card moved routed its edges
    at once (each edge twice, among cards still to move), and each block's frame was checked
    against every card shown. Now edges are routed once, with every card in place, and a frame
    against the cards near it; the canvas ends as it did."""
    window.load_design(grouped_resnet(300), None)
    grouping = window.scene.grouping
    assert grouping.collapsed  # opened collapsed, as the app opens a long grouped design
    routes = _count_routes(monkeypatch)
    boxes = 0
    real_box = LayerCard.mapRectToScene

    def box(card, *args):  # type: ignore[no-untyped-def]
        nonlocal boxes
        boxes += 1
        return real_box(card, *args)

    monkeypatch.setattr(LayerCard, "mapRectToScene", box)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_Equal,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
    )
    qtbot.waitUntil(lambda: not grouping.collapsed)
    cards = window.scene.cards
    edges = window.scene.edges
    assert all(card.isVisible() for card in cards.values())
    assert all(edge.isVisible() and not edge.unrouted for edge in edges.values())
    assert routes[0] <= len(edges)  # each edge at most once (before: more than twice as many)
    assert boxes <= 2 * len(cards)  # each card's box once per layout (before: per block)
    # Every edge's path is the one it gets routed again now that every card stands still.
    paths = {key: edge.path() for key, edge in edges.items()}
    for edge in edges.values():
        edge.update_path()
    assert all(edge.path() == paths[key] for key, edge in edges.items())
    # The frames are those a test against every card shown gives (one cell holding them all).
    looks = [frame.looks() for frame in grouping.frames]
    assert len(looks) > 50
    monkeypatch.setattr(grouping_module, "FRAME_CELL", 1e12)
    grouping._place_frames()
    assert [frame.looks() for frame in grouping.frames] == looks


def test_grouping_selected_layers_makes_one_selection_change_and_one_layout(
    window, qtbot, monkeypatch
) -> None:
    """Ctrl+G round 100 selected layers of a 10,000-layer design took seconds: the new block,
    shown collapsed, hid its 100 selected cards one selectionChanged each (each read by every
    panel), and the canvas was laid out for the new group and again for its collapse."""
    window.load_design(grouped_resnet(300), None)
    grouping = window.scene.grouping
    grouping.expand_all()
    doc = window.document
    chosen = [lid for lid in doc.design.ids if lid.startswith("layer3.")][:12]
    doc.select(chosen)
    changes = 0

    def count() -> None:
        nonlocal changes
        changes += 1

    window.scene.selectionChanged.connect(count)
    layouts = grouping.repaints
    routes = _count_routes(monkeypatch)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    new = [g.id for g in doc.design.groups if set(chosen) <= set(g.layers)]
    assert new and new[-1] in grouping.collapsed
    assert not any(window.scene.cards[lid].isVisible() for lid in chosen)
    assert changes == 1  # before: one per selected card hidden
    assert grouping.repaints - layouts == 1  # before: 2
    # Every card moves (the view is laid out automatically while a block is shut): each edge
    # shown is routed once, with every card in place (before: once per end's move, and again).
    shown = [e for e in window.scene.edges.values() if e.isVisible()]
    assert routes[0] <= len(shown) + len(grouping.proxy_edges)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not any(set(chosen) <= set(g.layers) and g.id == new[-1] for g in doc.design.groups)


def test_grouping_a_long_design_shows_the_busy_cursor(window, qtbot, monkeypatch) -> None:
    window.load_design(grouped_resnet(300), None)
    window.scene.grouping.expand_all()
    doc = window.document
    seen: list[object] = []
    real = doc.group

    def watched(*args, **kw):  # type: ignore[no-untyped-def]
        cursor = QApplication.overrideCursor()
        seen.append((cursor.shape() if cursor else None, window.statusBar().currentMessage()))
        return real(*args, **kw)

    monkeypatch.setattr(doc, "group", watched)
    monkeypatch.setattr(busy, "LONG_DESIGN", 100)
    doc.select([lid for lid in doc.design.ids if lid.startswith("layer4.")][:5])
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert seen == [(Qt.CursorShape.WaitCursor, "Grouping…")]
    assert QApplication.overrideCursor() is None


def test_a_hidden_layer_clicked_in_the_table_opens_its_blocks_under_the_busy_cursor(
    window, qtbot, monkeypatch
) -> None:
    """Regression: a click on the row of a layer inside a collapsed block selects it, and the
    canvas opens the blocks around it; on the 10,000-layer grouped design that took 200 ms
    (the 354 blocks of a stage shown) with nothing to say so."""
    window.load_design(grouped_resnet(300), None)
    grouping = window.scene.grouping
    assert grouping.collapsed
    seen: list[object] = []
    real = grouping.refresh

    def watched() -> None:
        cursor = QApplication.overrideCursor()
        seen.append((cursor.shape() if cursor else None, window.statusBar().currentMessage()))
        real()

    monkeypatch.setattr(grouping, "refresh", watched)
    monkeypatch.setattr(busy, "LONG_DESIGN", 100)
    table = window.layer_table
    window.docks["statistics"].setVisible(True)
    window.statistics_tabs.setCurrentWidget(table)
    qtbot.waitExposed(table.view)
    model = table.view.model()
    assert table.rows_combo.currentText() == "Every layer"
    cards = window.scene.cards
    row = next(
        r for r in range(model.rowCount()) if not cards[str(model.index(r, 0).data())].isVisible()
    )
    point = table.view.visualRect(model.index(row, 0)).center()
    QTest.mouseClick(table.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert (Qt.CursorShape.WaitCursor, "Opening blocks…") in seen
    chosen = window.document.selection[-1]
    assert window.scene.cards[chosen].isVisible()
    # The blocks around the opened one stay merged ("layer1.1–10 ×10"), not ten cards.
    assert len(grouping.cards) <= 8, [c.node.title for c in grouping.cards.values()]
    assert QApplication.overrideCursor() is None
    assert window.statusBar().currentMessage() != "Opening blocks…"


def test_the_export_dialog_draws_its_figure_once_and_saves_that_figure(
    window, qtbot, monkeypatch, tmp_path
) -> None:
    """The dialog placed every box and label again when shown, resized, at each PNG scale and
    when saving: seconds each on a long design. The figure is now made once per choice that
    changes it; the file saved is the one the exporter makes from the design."""
    window.load_design(grouped_resnet(120), None)
    made = 0
    real = export_module.make_figure

    def counted(*args, **kw):  # type: ignore[no-untyped-def]
        nonlocal made
        made += 1
        return real(*args, **kw)

    monkeypatch.setattr(export_module, "make_figure", counted)
    doc = window.document
    dialog = export_module.ExportDialog(
        doc.design, doc.analysis, window, canvas_collapsed=window.scene.grouping.collapsed
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.resize(1100, 640)
    qtbot.wait(20)
    dialog.scale_box.setValue(3.0)
    dialog.transparent_box.click()
    assert made == 1
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(".svg"))
    assert made == 1
    path = tmp_path / "figure.svg"
    assert dialog.save_to(path)
    assert made == 1
    expected = SvgExporter(Analysis(doc.design), dialog.options()).export()
    assert path.read_bytes() == expected
    # A choice that changes the figure makes it again.
    dialog.dims_box.setCurrentIndex(1)
    assert made == 2
    assert isinstance(dialog.options(), ExportOptions)


def test_copying_reads_the_selection_once_not_once_per_layer() -> None:
    """Copy of 10,000 selected layers took 3–5 s: the selection was made a set again for each
    layer of the design. The fragment is the same, in the design's order."""
    from benchmarks.scale_designs import chain_design
    from designer.ui.canvas.clipboard import fragment_text, parse_fragment

    class Counted(list):  # type: ignore[type-arg]
        reads = 0

        def __iter__(self):  # type: ignore[no-untyped-def]
            Counted.reads += 1
            return super().__iter__()

    design = chain_design(200)
    chosen = Counted(reversed(design.ids[10:60]))
    layers, layout = parse_fragment(fragment_text(design, chosen))
    assert Counted.reads == 1  # before: once per layer of the design (200)
    assert [layer.id for layer in layers] == design.ids[10:60]
    assert set(layout) <= set(design.ids[10:60])


def test_deleting_many_selected_layers_tells_the_views_the_selection_once(window, qtbot) -> None:
    """Deleting 1,500 selected layers of a 3,000-layer design took 25 s: each layer removed
    told every view the new selection (the document's signal and Qt's own, one per selected
    card removed), and each view read all of it. Now each is told once; undo restores all."""
    from benchmarks.scale_designs import resnet_like

    window.load_design(resnet_like(160), None)
    window.scene.grouping.expand_all()
    doc = window.document
    doomed = doc.design.ids[40:120]
    doc.select(doomed)
    told: list[list[str]] = []
    doc.selection_changed.connect(told.append)
    scene_told = 0

    def count() -> None:
        nonlocal scene_told
        scene_told += 1

    window.scene.selectionChanged.connect(count)
    before = doc.text()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: scene_told >= 1)
    qtbot.wait(10)
    assert not any(lid in doc.design for lid in doomed)
    assert told == [[]]  # before: one per deleted layer (80)
    assert scene_told == 1  # before: one per selected card removed (80)
    assert not window.copy_action.isEnabled()  # the actions follow the empty selection
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.text() == before


def test_opening_a_design_after_select_all_does_not_report_each_card_deselected(
    window, qtbot
) -> None:
    """With every card of a 10,000-layer design selected, opening another design took half a
    minute: clearing the scene reported each selected card gone, one by one."""
    from benchmarks.scale_designs import chain_design
    from designer.core.fileformat import load_design
    from designer.core.resources import templates_dir

    window.load_design(chain_design(150), None)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.scene.selected_ids()) == 150
    told = 0

    def count() -> None:
        nonlocal told
        told += 1

    window.scene.selectionChanged.connect(count)
    window.load_design(load_design(templates_dir() / "resnet18.json"), None)
    assert told <= 1  # before: 150
    assert window.scene.selected_ids() == [] and window.document.selection == []
    assert not window.copy_action.isEnabled()


def test_undoing_a_big_deletion_tests_each_edge_against_the_moved_cards_near_it(
    window, qtbot, monkeypatch
) -> None:
    """Undoing the deletion of half of a long design brings thousands of cards back at once;
    each edge's corridor was then tested against every card that came back (quadratic: the
    undo of deleting 500 of 1,000 layers spent 0.66 s there). Now against those near it; every
    edge ends routed as a fresh routing routes it."""
    from benchmarks.scale_designs import chain_design
    from designer.ui.canvas import scene as scene_module

    window.load_design(chain_design(400), None)
    doc = window.document
    before = doc.text()
    doc.select(doc.design.ids[:200])
    window.scene.delete_selection()
    qtbot.wait(10)
    candidates = 0
    real = scene_module._boxes_near

    def counted(boxes):  # type: ignore[no-untyped-def]
        near = real(boxes)

        def wrapped(rect):  # type: ignore[no-untyped-def]
            nonlocal candidates
            found = list(near(rect))
            candidates += len(found)
            return found

        return wrapped

    monkeypatch.setattr(scene_module, "_boxes_near", counted)
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.scene.cards) == 400)
    qtbot.wait(20)  # the deferred re-routing near the cards that came back
    assert doc.text() == before
    edges = window.scene.edges
    assert candidates <= 20 * len(edges)  # before: every edge × every box moved (400 × 400)
    paths = {key: edge.path() for key, edge in edges.items()}
    for edge in edges.values():
        edge.update_path()
    assert all(edge.path() == paths[key] for key, edge in edges.items())


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-2000, 2000), st.integers(-2000, 2000)), max_size=60),
    st.tuples(
        st.integers(-2500, 2500),
        st.integers(-2500, 2500),
        st.integers(0, 3000),
        st.integers(0, 900),
    ),
)
def test_the_moved_boxes_near_a_corridor_include_every_one_that_meets_it(spots, corridor) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QRectF

    from designer.ui.canvas.scene import _boxes_near

    boxes = [QRectF(x, y, 180, 64) for x, y in spots]
    rect = QRectF(*corridor)
    near = list(_boxes_near(boxes)(rect))
    assert all(any(b is n for n in near) for b in boxes if rect.intersects(b))


def test_a_click_far_back_in_the_undo_history_updates_the_views_once(window, qtbot) -> None:
    """A click on an entry of Undo History undoes every step in between; each told every view
    on its own (the table, charts, problems, 3D view: tens of ms each at 10,000 layers). The
    jump now runs as one batch: the views follow once, and the design is the one at that step."""
    from designer.core.fileformat import load_design
    from designer.core.resources import templates_dir

    window.load_design(load_design(templates_dir() / "resnet18.json"), None)
    doc = window.document
    window.docks["undo_history"].setVisible(True)
    convs = [lid for lid in doc.design.ids if doc.design.layer(lid).type == "Conv2d"]
    texts = [doc.text()]
    for conv in convs[:5]:  # (edits of one layer in a row merge into one step)
        doc.set_param(conv, "padding", 2)
        texts.append(doc.text())
    told: list[object] = []
    doc.analysis_updated.connect(told.append)
    view = window.undo_view
    window.docks["undo_history"].raise_()
    qtbot.waitUntil(lambda: view.isVisible())
    assert view.model().rowCount() == 6, view.model().rowCount()
    target = view.model().index(1, 0)
    view.scrollTo(target)
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(target).center()
    )
    assert doc.undo_stack.index() == 1
    assert doc.text() == texts[1]
    assert len(told) == 1  # before: one per step undone (4)
    QTest.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(view.model().index(5, 0)).center(),
    )
    assert doc.undo_stack.index() == 5 and doc.text() == texts[5]
    assert len(told) == 2


def test_save_forgets_the_load_notes_without_analysing_the_design_again(
    window, qtbot, monkeypatch, tmp_path
) -> None:
    """Saving analysed the whole design again (60–100 ms at 10,000 layers, on every Ctrl+S) to
    drop the notes the loader left (a duplicate id renamed, ...). Now only the notes go: the
    problems count follows, and no layer is evaluated again."""
    import json

    from designer.core.fileformat import dumps_design

    design = grouped_resnet(60)
    data = json.loads(dumps_design(design))
    first = data["layers"][1]
    data["layers"].append({**first, "inputs": [first["id"]]})  # the same id again: renamed
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert window.open_file(path, ask=False)
    analysis = window.document.analysis
    assert [d.code for d in analysis.diagnostics() if d.code == "duplicate_id"] == ["duplicate_id"]
    errors = analysis.totals().errors
    assert "1 error" in window.problems_label.text()
    full = [0]
    real = Analysis.full_refresh

    def counted(self):  # type: ignore[no-untyped-def]
        full[0] += 1
        real(self)

    monkeypatch.setattr(Analysis, "full_refresh", counted)
    evaluated = analysis.recompute_count
    with qtbot.waitActive(window):
        window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not window.document.is_modified
    assert full[0] == 0 and analysis.recompute_count == evaluated
    assert not [d for d in analysis.diagnostics() if d.code == "duplicate_id"]
    assert analysis.totals().errors == errors - 1
    qtbot.waitUntil(lambda: "0 errors" in window.problems_label.text())
    assert json.loads(path.read_text(encoding="utf-8"))["layers"][-1]["id"] != first["id"]


def test_edit_actions_follow_what_kind_of_item_is_clicked(window, qtbot) -> None:
    """Cut, Copy and Duplicate need a layer; Delete a layer or a connection; Group a layer or
    a block. The window tells them apart in one pass over the selection (after Select All on
    10,000 layers it made two passes over every card, twice per change)."""
    window.load_design(grouped_resnet(60), None)
    scene = window.scene
    block = next(c for c in scene.grouping.cards.values() if c.isVisible() and c.group_ids)
    click_scene(qtbot, window, block.sceneBoundingRect().center())
    assert block.isSelected()
    assert window.group_action.isEnabled() and not window.copy_action.isEnabled()
    assert not window.delete_action.isEnabled()
    window.load_design(resnet_like(30), None)  # no groups: every connection drawn
    edge = next(e for e in scene.edges.values() if e.isVisible())
    click_scene(qtbot, window, edge.path().pointAtPercent(0.5))
    assert scene.selectedItems() == [edge]
    assert window.delete_action.isEnabled()
    assert not window.copy_action.isEnabled() and not window.group_action.isEnabled()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.copy_action.isEnabled() and window.delete_action.isEnabled()
    assert window.group_action.isEnabled() and window.duplicate_action.isEnabled()


def test_the_table_header_does_not_ask_every_row_after_select_all(qtbot, monkeypatch) -> None:
    """After Select All, painting the table's header asked every row's flags through the sort
    proxy, for each column shown (Qt's test whether a whole column is selected): 70,000 calls
    into Python at 10,000 layers, each time the selection changed. The header now reads a
    selection of its own; the rows still show as selected."""
    from benchmarks.scale_designs import chain_design
    from designer.ui.panels import layer_table

    asked = [0]
    real = layer_table._RowsModel.index

    def index(model, *args):  # type: ignore[no-untyped-def]
        asked[0] += 1
        return real(model, *args)

    # (Before the window: PySide keeps the method Qt calls from the first call on.)
    monkeypatch.setattr(layer_table._RowsModel, "index", index)
    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(chain_design(2000), None)
    window.docks["statistics"].setVisible(True)
    window.statistics_tabs.setCurrentWidget(window.layer_table)
    view = window.layer_table.view
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    assert len(view.selectionModel().selectedRows()) == 2000
    asked[0] = 0
    view.horizontalHeader().viewport().grab()
    # A few per column in view (42 with the table 605 px wide, 114 at 964 px once the docks
    # take the sizes an earlier test saved: the count follows the layout, and how far it had
    # got when grabbed); every row's flags would be 2,000 per column.
    assert asked[0] < 400
    assert view.selectionModel().isRowSelected(0)


def test_the_undo_history_follows_the_steps_only_while_shown(window, qtbot) -> None:
    """Qt's undo list laid every entry out again at each step pushed, in a dock usually behind
    another tab: every edit got slower the longer the session (4 ms more per edit after 2,000
    steps on the grouped 102-layer design). Hidden, it follows no step; shown, it lists the
    whole history with the current step selected, and a click there still jumps to a step."""
    from designer.core.fileformat import load_design
    from designer.core.resources import templates_dir

    window.load_design(load_design(templates_dir() / "resnet18.json"), None)
    doc = window.document
    view = window.undo_view
    dock = window.docks["undo_history"]
    dock.setVisible(True)
    dock.raise_()
    qtbot.waitUntil(lambda: view.isVisible())
    assert view.stack() is doc.undo_stack and view.uniformItemSizes()
    dock.setVisible(False)
    qtbot.waitUntil(lambda: not view.isVisible())
    assert view.stack() is None
    convs = [lid for lid in doc.design.ids if doc.design.layer(lid).type == "Conv2d"]
    texts = [doc.text()]
    for conv in convs[:4]:
        doc.set_param(conv, "padding", 2)
        texts.append(doc.text())
    assert view.stack() is None  # (no entry laid out while hidden)
    dock.setVisible(True)
    dock.raise_()
    qtbot.waitUntil(lambda: view.isVisible())
    assert view.stack() is doc.undo_stack
    model = view.model()
    assert model.rowCount() == doc.undo_stack.count() + 1 == 5
    assert view.selectionModel().currentIndex().row() == doc.undo_stack.index() == 4
    assert model.index(0, 0).data() == "Opened design"
    target = model.index(2, 0)
    view.scrollTo(target)
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(target).center()
    )
    assert doc.undo_stack.index() == 2 and doc.text() == texts[2]

"""Blocks on the canvas, driven like a user: open collapsed, expand, collapse, group, find."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontInfo, QImage, QPainter
from PySide6.QtWidgets import QListView

from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.core.groups import collapsed_for_level
from designer.core.resources import templates_dir
from designer.ui import commands as cmd
from designer.ui.canvas.grouping import (
    FRAME_HEADER,
    FRAME_PAD,
    GroupCard,
    GroupFrame,
    _bands,
    group_fonts,
)
from designer.ui.canvas.items import CARD_HEIGHT, CARD_WIDTH, _fonts
from designer.ui.main_window import MainWindow
from tests.ui.ui_helpers import click_scene, shown_main_window


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def open_resnet50(window: MainWindow) -> None:
    window.load_design(load_design(templates_dir() / "resnet50.json"), None)


def chain() -> Design:
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}), position=(0, 0))
    d.add_layer(
        Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["input"]),
        position=(236, 0),
    )
    d.add_layer(Layer("relu1", "ReLU", {}, ["conv1"]), position=(472, 0))
    d.add_layer(Layer("pool1", "MaxPool2d", {"kernel_size": 2}, ["relu1"]), position=(708, 0))
    return d


def test_resnet50_opens_as_stem_stages_and_head_with_readable_labels(window):
    open_resnet50(window)
    grouping = window.scene.grouping
    titles = sorted(card.node.title for card in grouping.cards.values())
    assert titles == ["Head", "Stage 1", "Stage 2", "Stage 3", "Stage 4", "Stem"]
    shown = [c for c in window.scene.cards.values() if c.isVisible()]
    assert [c.layer_id for c in shown] == ["input"]
    # Every text a card draws, in screen pixels at the zoom the design opened with.
    zoom = window.view.zoom
    fonts = [*_fonts(), *group_fonts()]
    smallest = min(QFontInfo(f).pixelSize() for f in fonts) * zoom
    print(
        f"\nResNet-50 in a 1500×940 window: zoom {zoom:.2f}, smallest card text {smallest:.1f} px"
    )
    assert smallest >= 8.0
    viewport = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    for card in grouping.cards.values():  # the whole overview is on screen
        assert viewport.contains(card.sceneBoundingRect().adjusted(8, 14, -22, -14))
    stage3 = grouping.card_for_group("layer3")
    assert stage3 is not None
    assert stage3.summary.shapes_text == "28×28×512 → 14×14×1024"
    assert stage3.summary.params == 7_098_368


def test_double_click_expands_and_the_frame_title_collapses(window, qtbot):
    open_resnet50(window)
    grouping = window.scene.grouping
    stage = grouping.card_for_group("layer2")
    assert stage is not None
    click_scene(qtbot, window, stage.sceneBoundingRect().center(), double=True)
    assert "layer2" not in grouping.collapsed
    blocks = sorted(
        c.node.title for c in grouping.cards.values() if c.node.groups[0].startswith("layer2")
    )
    assert blocks == ["layer2.0", "layer2.1–3"]  # three identical blocks are one card ×3
    run = grouping.card_for_group("layer2.2")
    assert run is not None and run.node.repeat == 3
    # The chevron of the ×3 card opens all three blocks.
    click_scene(qtbot, window, run.mapToScene(QPointF(10, 12)))
    assert not {"layer2.1", "layer2.2", "layer2.3"} & grouping.collapsed
    assert window.scene.cards["layer2.2.conv2"].isVisible()
    frames = {f.group_id: f for f in grouping.frames if f.titled}
    frame = frames.get("layer2.2")
    assert isinstance(frame, GroupFrame), sorted(frames)
    click_scene(qtbot, window, frame.header_rect().center())
    assert "layer2.2" in grouping.collapsed
    assert not window.scene.cards["layer2.2.conv2"].isVisible()
    assert window.document.undo_stack.count() == 0, "collapsing is a view change, not an edit"


def test_collapse_all_expand_all_and_expand_to_level(window):
    open_resnet50(window)
    grouping = window.scene.grouping
    window.expand_all_action.trigger()
    assert grouping.cards == {} and all(c.isVisible() for c in window.scene.cards.values())
    assert (
        window.scene.cards["conv1"].x(),
        window.scene.cards["conv1"].y(),
    ) == window.document.design.position("conv1")
    window.collapse_all_action.trigger()
    assert len(grouping.cards) == 6
    grouping.expand_to_level(1)
    assert {c.node.id for c in grouping.cards.values()} >= {
        "layer3.0",
        "layer3.1",
        "layer1.0.downsample",
    } - {"layer1.0.downsample"}
    assert grouping.card_for_group("layer3.4") is grouping.card_for_group("layer3.1")


def test_ctrl_g_groups_the_selection_and_undo_redo_restore_it(window, qtbot):
    window.document.reset(chain())
    doc = window.document
    doc.select(["conv1", "relu1"])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert [(g.id, g.layers) for g in doc.design.groups] == [("group1", ["conv1", "relu1"])]
    assert isinstance(doc.undo_stack.command(0), cmd.SetGroupsCommand)
    card = window.scene.grouping.card_for_group("group1")
    assert card is not None and not window.scene.cards["conv1"].isVisible()
    assert card.summary.shapes_text == "32×32×3 → 30×30×8"
    doc.undo_stack.undo()
    assert doc.design.groups == []
    assert window.scene.grouping.cards == {} and window.scene.cards["conv1"].isVisible()
    doc.undo_stack.redo()
    assert [g.id for g in doc.design.groups] == ["group1"]


def test_ctrl_shift_g_ungroups_and_undo_brings_the_block_back(window, qtbot):
    open_resnet50(window)
    doc = window.document
    card = window.scene.grouping.card_for_group("stem")
    assert card is not None
    click_scene(qtbot, window, card.sceneBoundingRect().center())
    assert window.scene.grouping.selected_groups() == ["stem"]
    window.view.setFocus()
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_G,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert "stem" not in {g.id for g in doc.design.groups}
    assert window.scene.cards["conv1"].isVisible()
    doc.undo_stack.undo()
    assert "stem" in {g.id for g in doc.design.groups}
    saved = doc.text()
    assert '"groups"' in saved and '{"id": "stem", "label": "Stem"' in saved


@pytest.mark.qt_log_ignore(
    "does not support raise", "does not support grabbing the keyboard"
)  # the completer popup, offscreen
def test_ctrl_f_finds_a_layer_inside_a_collapsed_stage_and_goes_to_it(window, qtbot):
    open_resnet50(window)
    grouping = window.scene.grouping
    assert not window.scene.cards["layer3.4.conv2"].isVisible()
    qtbot.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.view.find_bar
    assert bar.isVisible() and bar.field.hasFocus()
    qtbot.keyClicks(bar.field, "layer3.4.conv2")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    card = window.scene.cards["layer3.4.conv2"]
    assert card.isVisible() and card.isSelected()
    assert window.document.selection == ["layer3.4.conv2"]
    assert not {"layer3", "layer3.4"} & grouping.collapsed
    assert window.view.zoom >= 0.75
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(card.sceneBoundingRect().center())
    # A block by its label: shown as one card and selected.
    bar.field.clear()
    qtbot.keyClicks(bar.field, "Stage 4")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    stage4 = grouping.card_for_group("layer4")
    assert stage4 is not None and stage4.isSelected()
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()


@pytest.mark.qt_log_ignore(
    "does not support raise", "does not support grabbing the keyboard"
)  # the completer popup, offscreen
def test_find_by_type_steps_through_matches(window, qtbot):
    open_resnet50(window)
    bar = window.view.find_bar
    bar.open_bar()
    qtbot.keyClicks(bar.field, "Linear")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert window.document.selection == ["fc"]
    assert bar.status.text() == "1 of 1"
    bar.field.clear()
    qtbot.keyClicks(bar.field, "nothing-like-this")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.status.text() == "no match"


@pytest.mark.qt_log_ignore(
    "does not support raise", "does not support grabbing the keyboard"
)  # the completer popup, offscreen
def test_the_find_completer_lists_its_matches_in_rows_of_one_height(window, qtbot):
    """Regression: the completer's list measured each of its thousands of matches before
    showing (the first key typed in Find on a 10,000-layer design: 190 ms; now 9 ms)."""
    open_resnet50(window)
    bar = window.view.find_bar
    bar.open_bar()
    qtbot.keyClicks(bar.field, "conv")
    popup = bar.field.completer().popup()
    assert isinstance(popup, QListView) and popup.uniformItemSizes()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    shown = [popup.model().index(r, 0).data() for r in range(popup.model().rowCount())]
    assert shown and all("conv" in text.lower() for text in shown)
    assert "layer3.4.conv2" in shown


def test_selecting_a_hidden_layer_from_the_table_reveals_it(window):
    open_resnet50(window)
    window.document.select(["layer4.1.bn2"])  # what the layer table and the problems panel do
    card = window.scene.cards["layer4.1.bn2"]
    assert card.isVisible() and card.isSelected()


def test_edits_while_collapsed_keep_the_view_consistent(window, qtbot):
    open_resnet50(window)
    doc = window.document
    grouping = window.scene.grouping
    grouping.expand("head")
    doc.select(["flatten"])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    grouping.flush()
    assert "flatten" not in window.scene.cards
    assert window.scene.cards["fc"].isVisible()
    assert doc.design.groups[-1].layers == ["avgpool", "fc"]
    doc.undo_stack.undo()
    grouping.flush()
    assert doc.design.groups[-1].layers == ["avgpool", "flatten", "fc"]
    assert window.scene.cards["flatten"].isVisible()
    head = grouping.card_for_group("layer4")
    assert isinstance(head, GroupCard)


def test_the_3d_view_draws_collapsed_blocks_as_one_volume_each(window):
    open_resnet50(window)
    window.volume_view._deferred.flush()  # secondary views follow on the next turn of the event loop
    scene = window.volume_view.scene
    assert scene is not None
    names = [b.name_label for b in scene.blocks]
    assert names == ["input", "Stem", "Stage 1", "Stage 2", "Stage 3", "Stage 4", "Head"]
    stage3 = scene.block("layer3")
    assert stage3.dims_label == "14×14×1024" and len(stage3.layer_ids) == 62
    window.scene.grouping.expand("layer3")
    window.volume_view._deferred.flush()
    names = [b.name_label for b in window.volume_view.scene.blocks]
    assert "layer3.1–5 ×5" in names and "Stage 3" not in names
    window.expand_all_action.trigger()
    window.volume_view._deferred.flush()
    assert len(window.volume_view.scene.blocks) > 50


def test_charts_follow_the_canvas_with_one_bar_per_block(window, qtbot):
    open_resnet50(window)
    charts = window.layer_charts
    window.statistics_tabs.setCurrentWidget(charts)
    charts._deferred.flush()
    assert charts.by_block
    assert charts.titles == ["Stem", "Stage 1", "Stage 2", "Stage 3", "Stage 4", "Head"]
    assert sum(charts.values("params")) == 25_557_032
    window.scene.grouping.expand("layer3")
    charts._deferred.flush()
    assert "layer3.1–5 ×5" in charts.titles
    i = charts.titles.index("Stage 4")
    point = charts.graphics.mapFromScene(charts.bar_center(0, i))
    qtbot.mouseClick(charts.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.document.selection == [
        "layer4.0.conv1"
    ]  # the block's first layer, shown on the canvas
    assert window.scene.cards["layer4.0.conv1"].isVisible()
    charts.scope_combo.setCurrentIndex(
        charts.scope_combo.findData(False)
    )  # the per-layer view stays available
    assert not charts.by_block and len(charts.rows) == 176
    window.collapse_all_action.trigger()
    charts._deferred.flush()
    assert not charts.by_block, "a scope the user picked is kept"


def test_the_minimap_shows_for_a_large_design_and_moves_the_canvas(window, qtbot):
    open_resnet50(window)
    view = window.view
    window.expand_all_action.trigger()
    view.set_zoom(1.0)
    view.centerOn(window.scene.cards["conv1"])
    minimap = view.minimap
    minimap.sync()
    assert minimap.isVisible()
    target = window.scene.cards["fc"].sceneBoundingRect().center()
    qtbot.mouseClick(
        minimap.viewport(), Qt.MouseButton.LeftButton, pos=minimap.mapFromScene(target)
    )
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(target)
    window.collapse_all_action.trigger()
    view.fit_to_view()
    minimap.sync()
    assert not minimap.isVisible(), "everything fits: no overview needed"


def test_the_table_follows_the_canvas_with_one_row_per_block(window, qtbot):
    open_resnet50(window)
    table = window.layer_table
    table.flush_collapsed()  # applied on the next turn of the event loop, after the canvas
    model = table.model
    assert model.blocks is not None
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert names == ["input", "Stem", "Stage 1", "Stage 2", "Stage 3", "Stage 4", "Head"]
    stage3 = names.index("Stage 3")
    assert model.index(stage3, 5).data() == "7,098,368"  # the block's parameters
    # Clicking a block's row selects its first layer: the canvas opens the block, the table follows.
    rect = table.view.visualRect(table.proxy.mapFromSource(model.index(stage3, 0)))
    qtbot.mouseClick(table.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.document.selection == ["layer3.0.conv1"]
    assert window.scene.cards["layer3.0.conv1"].isVisible()
    table.flush_collapsed()
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert "layer3.0.conv1" in names and "layer3.1–5 ×5" in names
    assert table.selected_ids() == ["layer3.0.conv1"]
    table.rows_combo.setCurrentIndex(table.rows_combo.findData("layers"))
    assert model.blocks is None and model.rowCount() == 176


def test_expand_all_lays_inception_modules_out_side_by_side(window, qtbot):
    """Issue 13 item 5 on the canvas: every layer of a chain of Inception modules, opened by
    the user (Ctrl+Alt+=): each module's branches side by side in one band, no edge across a
    card or another edge, and the edges from a fork into the next band one trunk."""
    from designer.core.groups import Group
    from designer.core.routing import edge_crossings, edge_edge_crossings
    from tests.core.test_branch_layout import inception_chain

    ids, inputs = inception_chain(6)
    design = Design("inception")
    for lid in ids:
        if lid == "input":
            design.add_layer(Layer(lid, "Input", {"shape": [8, 16, 16]}))
        else:
            kind = "Concat" if lid.endswith(".cat") else "ReLU"
            design.add_layer(Layer(lid, kind, {}, inputs[lid]))
    design.set_groups(
        [
            Group(f"m{m}", f"Module {m}", None, [i for i in ids if i.startswith(f"m{m}.")])
            for m in range(6)
        ]
    )
    window.load_design(design, None)
    grouping = window.scene.grouping
    assert grouping.collapsed  # 62 layers open as blocks
    window.view.setFocus()
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_Equal,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
    )
    qtbot.waitUntil(lambda: not grouping.collapsed, timeout=2000)
    cards = window.scene.cards
    for m in range(6):
        heads = [cards[f"m{m}.b{b}.0"].pos() for b in range(4)]
        assert len({p.x() for p in heads}) == 1 and len({p.y() for p in heads}) == 4
        for lid in ids:
            if lid.startswith(f"m{m}."):
                for src in inputs[lid]:
                    if src.startswith(f"m{m}."):  # inside the module: left to right, one band
                        assert cards[lid].x() > cards[src].x(), (src, lid)
    paths, boxes = window.scene.edge_geometry()
    assert edge_crossings(paths, boxes) == []
    assert edge_edge_crossings(paths) == 0
    edges = window.scene.edges
    breaks = [
        key for key, e in edges.items() if e.target.x() < e.source.x() and key[0].endswith(".cat")
    ]
    assert breaks  # the chain wraps after a concatenation (a fork)
    for fork in {src for src, _ in breaks}:
        runs = {  # the height each edge runs back left at
            round(min((y for x, y in paths[key] if x < cards[fork].x()), default=0.0), 1)
            for key in breaks
            if key[0] == fork
        }
        assert len(runs) == 1, (fork, runs)


def test_the_minimap_never_covers_more_than_a_quarter_of_a_small_canvas(window, qtbot):
    """Regression: at 1280×720 the fixed 220×140 overview covered a third of the canvas's width,
    hiding the cards it summarises. It now takes at most a quarter of each side, and hides
    when the canvas is too small for it to help."""
    share = 0.25
    open_resnet50(window)
    view, minimap = window.view, window.view.minimap
    window.expand_all_action.trigger()
    for width, height in ((1500, 940), (1280, 720), (900, 600)):
        window.resize(width, height)
        qtbot.wait(10)
        view.set_zoom(1.0)
        view.centerOn(window.scene.cards["conv1"])
        minimap.sync()
        port = view.viewport()
        if minimap.isVisible():
            assert minimap.width() <= port.width() * share + 1, (width, minimap.width())
            assert minimap.height() <= port.height() * share + 1, (width, minimap.height())
            assert port.rect().contains(minimap.geometry())
    window.resize(1500, 940)
    qtbot.wait(10)
    minimap.sync()
    assert minimap.isVisible() and minimap.width() >= 100  # a large window still has one


def draw_overview(overview) -> None:
    """Paint the overview as the minimap of a long design does (always, whatever the zoom)."""
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    overview.paint(painter, always=True)
    painter.end()


def test_a_change_inside_a_collapsed_block_redraws_no_overview_until_the_block_opens(window):
    # The minimap draws the overview's blocks: a layer hidden in a collapsed block is not among
    # them, so its look is not kept and a change to it rebuilds nothing (on 10,000 layers the
    # rebuild looked up every hidden card); opening the block draws it, in red if in error.
    open_resnet50(window)
    doc, scene, grouping = window.document, window.scene, window.scene.grouping
    hidden = "layer3.1.conv2"
    assert not scene.cards[hidden].isVisible()
    overview = scene.overview
    draw_overview(overview)
    rebuilds = overview.rebuilds
    assert hidden not in overview._looks
    overview.card_changed(hidden)
    overview.cards_changed([hidden, "layer3.1.bn2", "layer2.0.conv1"])
    draw_overview(overview)
    assert overview.rebuilds == rebuilds
    doc.set_params(hidden, {"out_channels": 256, "kernel_size": 99}, "impossible")
    grouping.expand("layer3")
    grouping.expand("layer3.1")
    grouping.flush()
    assert scene.cards[hidden].isVisible()
    draw_overview(overview)
    assert overview.rebuilds > rebuilds
    assert overview._looks[hidden][1]  # drawn with its error outline


def test_adding_a_layer_to_a_design_without_blocks_does_not_lay_the_canvas_out_again(window, qtbot):
    # A design without groups: the scene places and routes the new layer itself; the grouping
    # has nothing to do (it used to route every edge again: seconds on 10,000 layers).
    window.load_design(chain(), None)
    grouping, scene, doc = window.scene.grouping, window.scene, window.document
    grouping.flush()
    repaints = grouping.repaints
    doc.add_layer("ReLU", (944.0, 0.0), inputs=["pool1"], layer_id="relu2")
    qtbot.wait(10)
    grouping.flush()
    assert grouping.repaints == repaints
    card = scene.cards["relu2"]
    assert card.isVisible() and card in grouping.visible_layer_cards()
    edge = scene.edges[("pool1", "relu2")]
    assert edge.isVisible() and not edge.path().isEmpty()
    # Grouping the new layer with another still lays the blocks out.
    doc.select(["pool1", "relu2"])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    grouping.flush()
    assert grouping.repaints > repaints and doc.design.groups


def reference_frames(grouping) -> list[tuple[str, tuple[float, ...], int, bool]]:
    """The frames as ``_place_frames`` found them before it took each group's cards from the
    cards shown (a pass over every member of every group): the reference for what it draws."""
    index = grouping.index
    item_of = {c.layer_id: c for c in grouping.visible_layer_cards()}
    for group_card in grouping.cards.values():
        for lid in group_card.node.layers:
            item_of[lid] = group_card
    shown = set(item_of.values())
    out = []
    for gid, members in index.members.items():
        if gid in grouping.collapsed or any(g in grouping.collapsed for g in index.ancestors(gid)):
            continue
        items = {item_of[m] for m in members if m in item_of}
        if not items:
            continue
        open_below = [
            d
            for d in index.descendants(gid)
            if d in index.members
            and d not in grouping.collapsed
            and not any(a in grouping.collapsed for a in index.ancestors(d))
        ]
        depth_below = max((index.depth[d] for d in open_below), default=index.depth[gid])
        nesting = depth_below - index.depth[gid]
        pad = FRAME_PAD * (1 + nesting)
        titled = False
        for band in _bands(items):
            rect = QRectF()
            for item in band:
                rect = rect.united(item.mapRectToScene(QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)))
            rect = rect.adjusted(-pad, -pad - nesting * FRAME_HEADER, pad, pad)
            if any(
                rect.intersects(i.mapRectToScene(QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)))
                for i in shown - items
            ):
                continue
            out.append((gid, rect.getRect(), index.depth[gid], not titled))
            titled = True
    return out


@pytest.mark.parametrize("template", ["resnet50", "efficientnet_b0"])
def test_the_frames_are_those_a_pass_over_every_group_member_finds(window, template):
    window.load_design(load_design(templates_dir() / f"{template}.json"), None)
    grouping = window.scene.grouping
    index = grouping.index
    rng = random.Random(15)
    groups = sorted(index.members)
    states = [collapsed_for_level(index, level) for level in range(index.max_depth + 2)]
    states += [set(rng.sample(groups, rng.randint(0, len(groups)))) for _ in range(4)]
    for shut in states:
        grouping.set_collapsed(shut)
        grouping.flush()
        frames = [(f.group_id, f.rect.getRect(), f.depth, f.titled) for f in grouping.frames]
        assert frames == reference_frames(grouping)

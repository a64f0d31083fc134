"""The canvas driven like a user: drops, port drags, moves, selection, clipboard, keyboard."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from designer.core.design import Design, Layer
from designer.core.layout import CARD_HEIGHT, CARD_WIDTH
from designer.ui import commands as cmd
from designer.ui.canvas.clipboard import FragmentError, fragment_text, parse_fragment
from designer.ui.main_window import MainWindow
from designer.ui.palette import LayerPalette
from designer.ui.template_dialog import templates_folder
from tests.ui.ui_helpers import drag_mouse, drop_layer


@pytest.fixture
def window(qtbot, monkeypatch):
    # Closing a modified window asks; tests that care patch this themselves.
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1300, 820)
    w.show()
    return w


def chain_design() -> Design:
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}, []), position=(0, 0))
    d.add_layer(
        Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["input"]),
        position=(236, 0),
    )
    d.add_layer(Layer("pool1", "MaxPool2d", {"kernel_size": 2}, ["conv1"]), position=(472, 0))
    d.add_layer(Layer("flat", "Flatten", {}, ["pool1"]), position=(708, 0))
    return d


def show(window: MainWindow, design: Design) -> None:
    window.document.reset(design)
    window.view.set_zoom(1.0)
    window.view.centerOn(400, 40)


def test_drop_on_empty_space_adds_a_free_layer(window):
    show(window, chain_design())
    before = window.document.text()
    assert drop_layer(window.view, "BatchNorm2d", QPointF(300, 400))
    doc = window.document
    assert "bn1" in doc.design
    assert doc.design.layer("bn1").inputs == []
    x, y = doc.design.position("bn1")
    assert (x + CARD_WIDTH / 2, y + CARD_HEIGHT / 2) == pytest.approx((300, 400), abs=1.5)
    assert "bn1" in window.scene.cards
    assert doc.selection == ["bn1"]
    doc.undo_stack.undo()
    assert doc.text() == before
    assert "bn1" not in window.scene.cards


def test_drop_on_an_edge_inserts_into_the_connection(window):
    show(window, chain_design())
    edge = window.scene.edges[("conv1", "pool1")]
    assert drop_layer(window.view, "ReLU", edge.path().pointAtPercent(0.5))
    d = window.document.design
    assert d.layer("relu1").inputs == ["conv1"]
    assert d.layer("pool1").inputs == ["relu1"]
    assert d.ids == ["input", "conv1", "relu1", "pool1", "flat"]
    # The scene mirrors it: the old edge is gone, two new ones carry the shape.
    assert ("conv1", "pool1") not in window.scene.edges
    assert window.scene.edges[("conv1", "relu1")].tooltip_text().endswith("30×30×8")
    # Downstream cards made room instead of being covered.
    assert window.scene.cards["pool1"].x() >= window.scene.cards["relu1"].x() + CARD_WIDTH
    assert window.document.undo_stack.count() == 1  # one undo step for the whole drop


def test_drop_on_a_card_appends_after_it(window):
    show(window, chain_design())
    card = window.scene.cards["conv1"]
    assert drop_layer(window.view, "BatchNorm2d", card.sceneBoundingRect().center())
    d = window.document.design
    assert d.layer("bn1").inputs == ["conv1"]
    assert d.layer("pool1").inputs == ["bn1"]
    assert window.scene.cards["bn1"].content.shape_text == "30×30×8"


def test_drop_of_unknown_mime_is_refused(window):
    from PySide6.QtCore import QMimeData

    from tests.ui.ui_helpers import drop_mime

    show(window, chain_design())
    mime = QMimeData()
    mime.setText("Conv2d")
    assert not drop_mime(window.view, mime, QPointF(300, 300))
    assert len(window.document.design) == 4


def test_connect_by_dragging_from_output_port_to_input_port(window, qtbot):
    d = chain_design()
    d.add_layer(Layer("fc", "Linear", {"out_features": 10}, []), position=(944, 200))
    show(window, d)
    scene = window.scene
    start = scene.cards["flat"].out_port.scenePos()
    end = scene.cards["fc"].in_port.scenePos()
    drag_mouse(qtbot, window.view, start, end)
    assert window.document.design.layer("fc").inputs == ["flat"]
    assert ("flat", "fc") in scene.edges
    assert scene.cards["fc"].content.shape_text == "10"
    assert window.document.undo_stack.undoText() == "Connect flat → fc"
    # The preview path is gone.
    assert all(type(i).__name__ != "QGraphicsPathItem" for i in scene.items())


def test_connecting_into_a_cycle_is_refused_with_a_message(window, qtbot):
    show(window, chain_design())
    scene = window.scene
    before = window.document.text()
    drag_mouse(
        qtbot,
        window.view,
        scene.cards["flat"].out_port.scenePos(),
        scene.cards["conv1"].in_port.scenePos(),
    )
    assert window.document.text() == before
    assert "cycle" in window.statusBar().currentMessage()


def test_moving_cards_is_one_undo_step_on_release(window, qtbot):
    show(window, chain_design())
    card = window.scene.cards["pool1"]
    start = card.sceneBoundingRect().center() + QPointF(0, 15)
    drag_mouse(qtbot, window.view, start, start + QPointF(40, 120), steps=8)
    doc = window.document
    assert doc.design.position("pool1") == pytest.approx((512, 120), abs=2)
    assert doc.undo_stack.count() == 1
    assert isinstance(doc.undo_stack.command(0), cmd.MoveLayersCommand)
    doc.undo_stack.undo()
    assert (card.x(), card.y()) == (472, 0)


def test_rubber_band_selects_several_cards(window, qtbot):
    show(window, chain_design())
    drag_mouse(qtbot, window.view, QPointF(200, -60), QPointF(700, 150))
    assert set(window.document.selection) == {"conv1", "pool1"}


def test_delete_key_removes_selection_and_heals_the_chain(window, qtbot):
    show(window, chain_design())
    window.document.select(["pool1"])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    d = window.document.design
    assert "pool1" not in d
    assert d.layer("flat").inputs == ["conv1"]
    assert ("conv1", "flat") in window.scene.edges


def test_deleting_a_run_of_layers_reconnects_the_chain_and_undo_restores_it(window, qtbot):
    """Regression: deleting two neighbouring layers (conv1 and pool1, clicked with Ctrl) left
    ``flat`` with no input: each was healed to the input of the other, deleted too. Now the
    consumer takes the input of the first of the run, and nothing is cut off in between."""
    show(window, chain_design())
    before = window.document.text()
    scene, view = window.scene, window.view
    for lid, modifier in (
        ("conv1", Qt.KeyboardModifier.NoModifier),
        ("pool1", Qt.KeyboardModifier.ControlModifier),
    ):
        card = scene.cards[lid]
        at = view.mapFromScene(card.sceneBoundingRect().center())
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, at)
    assert set(window.document.selection) == {"conv1", "pool1"}
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    d = window.document.design
    assert "conv1" not in d and "pool1" not in d
    assert d.layer("flat").inputs == ["input"]
    assert ("input", "flat") in scene.edges
    assert window.document.analysis.info["flat"].output_shape is not None
    assert window.document.undo_stack.undoText() == "Delete 2 layers"
    window.document.undo_stack.undo()
    assert window.document.text() == before
    assert {("input", "conv1"), ("conv1", "pool1"), ("pool1", "flat")} <= set(scene.edges)


def test_selected_edge_and_delete_disconnects(window):
    show(window, chain_design())
    window.scene.edges[("pool1", "flat")].setSelected(True)
    window.delete_action.trigger()
    assert window.document.design.layer("flat").inputs == []
    assert window.scene.cards["flat"].content.errors >= 1  # Flatten without input is an error
    assert ("pool1", "flat") not in window.scene.edges


def test_copy_paste_and_duplicate_use_fresh_ids(window):
    show(window, chain_design())
    doc = window.document
    doc.select(["conv1", "pool1"])
    window.copy_action.trigger()
    window.paste_action.trigger()
    d = doc.design
    assert set(doc.selection) == {"conv2", "pool2"}
    assert d.layer("pool2").inputs == ["conv2"]  # internal link kept
    assert d.layer("conv2").inputs == ["input"]  # outside input still exists: kept
    assert d.layer("conv2").params == d.layer("conv1").params
    window.duplicate_action.trigger()
    assert set(doc.selection) == {"conv3", "pool3"}
    doc.select(["flat"])
    window.cut_action.trigger()
    assert "flat" not in d
    window.paste_action.trigger()
    assert "flat" in d  # the id is free again, so it is reused


def test_fragment_parsing_names_the_problem():
    d = chain_design()
    text = fragment_text(d, ["conv1"])
    layers, positions = parse_fragment(text)
    assert layers[0].params == {"out_channels": 8, "kernel_size": 3}
    assert positions == {"conv1": (236.0, 0.0)}
    bad = json.loads(text)
    bad["layers"][0]["params"]["kernel_size"] = -2
    with pytest.raises(FragmentError, match=r"\$\.layers\[0\]\.params"):
        parse_fragment(json.dumps(bad))
    with pytest.raises(FragmentError, match="does not hold"):
        parse_fragment("hello")


def test_paste_of_foreign_text_shows_a_message(window):
    show(window, chain_design())
    QGuiApplication.clipboard().setText('{"format": "cnn-designer-fragment", "layers": 3}')
    window.paste_action.trigger()
    assert "Cannot paste" in window.statusBar().currentMessage()
    assert len(window.document.design) == 4


def test_rename_in_place_with_f2(window, qtbot):
    show(window, chain_design())
    window.document.select(["conv1"])
    window.view.setFocus()
    editor = window.view.start_rename(window.document.current)
    assert editor is not None and editor.text() == "conv1"
    editor.setText("pool1")  # taken: refused, editor stays open
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "conv1" in window.document.design
    assert "already exists" in window.statusBar().currentMessage()
    editor.setText("features")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    d = window.document.design
    assert "features" in d and d.layer("pool1").inputs == ["features"]
    assert window.scene.cards["features"].content.layer_id == "features"
    assert ("features", "pool1") in window.scene.edges


def test_arrow_keys_follow_edges(window, qtbot):
    d = chain_design()
    d.add_layer(Layer("side", "ReLU", {}, ["conv1"]), position=(472, 128))
    show(window, d)
    doc = window.document
    doc.select(["conv1"])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert doc.current == "pool1"
    qtbot.keyClick(window.view, Qt.Key.Key_Down)
    assert doc.current == "side"
    qtbot.keyClick(window.view, Qt.Key.Key_Left)
    assert doc.current == "conv1"
    qtbot.keyClick(window.view, Qt.Key.Key_Left)
    assert doc.current == "input"


def test_zoom_and_fit(window, qtbot):
    show(window, chain_design())
    view = window.view
    view.set_zoom(1.0)
    window.zoom_in_action.trigger()
    assert view.zoom == pytest.approx(1.25)
    window.zoom_out_action.trigger()
    window.zoom_out_action.trigger()
    assert view.zoom == pytest.approx(0.8)
    window.fit_action.trigger()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for card in window.scene.cards.values():
        assert visible.contains(card.sceneBoundingRect())


def test_error_cards_have_badges_and_downstream_cards_are_unknown(window):
    d = chain_design()
    d.set_param("conv1", "kernel_size", 40)  # larger than the 32×32 input
    show(window, d)
    cards = window.scene.cards
    assert cards["conv1"].content.status == "error" and cards["conv1"].content.errors >= 1
    assert cards["pool1"].content.status == "unknown" and cards["pool1"].content.shape_text == "?"
    assert not window.scene.edges[("conv1", "pool1")].known
    window.document.set_param("conv1", "kernel_size", 3)
    assert cards["conv1"].content.status == "ok" and cards["pool1"].content.shape_text == "15×15×8"


def test_tidy_up_top_to_bottom_is_one_undo_step(window):
    show(window, chain_design())
    window.tidy_tb_action.trigger()
    d = window.document.design
    xs = {d.position(i)[0] for i in d.ids}
    assert len(xs) == 1  # one column
    assert window.scene.direction == "TB"
    card = window.scene.cards["conv1"]
    assert card.in_anchor().y() == pytest.approx(card.y())
    window.document.undo_stack.undo()
    assert d.position("pool1") == (472, 0)


def test_palette_filter_and_drag_payload(qtbot):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    palette.filter.setText("pool")
    visible = palette.visible_types()
    assert "MaxPool2d" in visible and "AdaptiveAvgPool2d" in visible and "Conv2d" not in visible
    mime = palette.tree.mimeData([palette.items["MaxPool2d"]])
    assert bytes(mime.data("application/x-cnn-designer-layer").data()) == b"MaxPool2d"
    palette.filter.setText("")
    assert len(palette.visible_types()) == len(palette.items)
    assert "largest value" in palette.items["MaxPool2d"].toolTip(0)


def test_palette_double_click_appends_after_current(window):
    show(window, chain_design())
    window.document.select(["flat"])
    window.layer_palette.layer_requested.emit("Linear")
    d = window.document.design
    assert d.layer("fc1").inputs == ["flat"]
    assert window.scene.cards["fc1"].content.shape_text == "1000"


def test_templates_open_with_every_card_and_edge(window):
    window.open_file(templates_folder() / "resnet18.json", ask=False)
    d = window.document.design
    assert set(window.scene.cards) == set(d.ids)
    n_edges = sum(len(set(layer.inputs)) for layer in d)
    assert len(window.scene.edges) == n_edges
    assert window.scene.cards["conv1"].content.shape_text == "112×112×64"


def split_design() -> Design:
    d = Design("split")
    d.add_layer(Layer("input", "Input", {"shape": [64, 16, 16]}, []), position=(0, 0))
    d.add_layer(
        Layer("split", "Split", {"split_size_or_sections": [16, 48]}, ["input"]), position=(236, 0)
    )
    d.add_layer(
        Layer("a", "Conv2d", {"out_channels": 8, "kernel_size": 1}, []), position=(472, -120)
    )
    d.add_layer(
        Layer("b", "Conv2d", {"out_channels": 8, "kernel_size": 1}, []), position=(472, 120)
    )
    return d


def test_dragging_from_a_split_connects_its_pieces_in_turn(window, qtbot):
    """A Split's output port hands out its pieces: the first connection takes split:0, the next split:1."""
    show(window, split_design())
    scene = window.scene
    doc = window.document
    for target in ("a", "b"):
        drag_mouse(
            qtbot,
            window.view,
            scene.cards["split"].out_port.scenePos(),
            scene.cards[target].in_port.scenePos(),
        )
    assert doc.design.layer("a").inputs == ["split:0"]
    assert doc.design.layer("b").inputs == ["split:1"]
    assert scene.edges[("split", "a")].label == ":0 16×16×16"
    assert scene.edges[("split", "b")].label == ":1 16×16×48"
    assert scene.cards["split"].content.shape_text == "16×16×16 | 16×16×48"
    assert doc.analysis.info["b"].input_shapes == [(48, 16, 16)]
    assert doc.undo_stack.undoText() == "Connect split:1 → b"
    doc.undo_stack.undo()
    assert doc.design.layer("b").inputs == [] and ("split", "b") not in scene.edges


def test_renaming_and_deleting_a_split_keeps_the_canvas_in_step(window):
    show(window, split_design())
    doc = window.document
    doc.set_inputs("a", ["split:1"])
    doc.rename("split", "cut")
    assert doc.design.layer("a").inputs == ["cut:1"]
    assert ("cut", "a") in window.scene.edges
    assert window.scene.edges[("cut", "a")].label == ":1 16×16×48"
    doc.remove_layers(["cut"])
    assert doc.design.layer("a").inputs == ["input"]  # healed: the deleted Split's input
    doc.undo_stack.undo()
    assert doc.design.layer("a").inputs == ["cut:1"]


def test_the_palette_offers_the_new_layers_but_not_unsupported(qtbot):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    for type_id in (
        "Mul",
        "Split",
        "LayerNorm2d",
        "ChannelShuffle",
        "Hardswish",
        "StochasticDepth",
    ):
        assert type_id in palette.items
    assert "Unsupported" not in palette.items  # only importers create it
    groups = [palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())]
    assert "Imported" not in groups


@pytest.mark.qt_log_ignore("does not support raise")  # the tooltip popup, offscreen
def test_an_edges_tooltip_shows_the_shape_it_carries_when_asked(window, qtbot):
    """Edges are built without a tooltip (10,000 of them when a long design opens): the
    pointer resting on one asks for it, and it names the shape, up to date."""
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    show(window, chain_design())
    edge = window.scene.edges[("conv1", "pool1")]
    assert edge.toolTip() == ""
    view = window.view
    view.centerOn(edge)
    point = view.mapFromScene(edge.path().pointAtPercent(0.5))
    QTest.mouseMove(view.viewport(), point)
    global_point = view.viewport().mapToGlobal(point)
    QApplication.sendEvent(
        view.viewport(), QHelpEvent(QEvent.Type.ToolTip, point, global_point + QPoint(0, 0))
    )
    qtbot.waitUntil(lambda: "conv1 → pool1" in QToolTip.text(), timeout=2000)
    assert QToolTip.text().endswith("30×30×8")
    QToolTip.hideText()

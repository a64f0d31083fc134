"""The inspector's editor factory: every parameter kind has an editor, both directions work."""

from __future__ import annotations

import pytest

from designer.core.design import Design, Layer
from designer.core.params import ParamKind
from designer.core.registry import REGISTRY
from designer.ui.document import Document
from designer.ui.inspector import EDITORS, Inspector, editor_for


def test_every_param_kind_has_an_editor():
    assert set(EDITORS) == set(ParamKind)


@pytest.mark.parametrize("type_id", sorted(REGISTRY))
def test_model_to_widget_round_trips_every_default(qtbot, type_id):
    for spec in REGISTRY[type_id].params:
        editor = editor_for(spec)
        qtbot.addWidget(editor)
        editor.set_value(spec.default)
        assert (
            spec.normalize(editor.value()) == spec.normalize(spec.default)
            if spec.default is not None
            else editor.value() is None
        )


@pytest.mark.parametrize(
    ("type_id", "name", "value"),
    [
        ("Conv2d", "kernel_size", [3, 5]),
        ("Conv2d", "padding", "same"),
        ("Conv2d", "padding", [1, 2]),
        ("MaxPool2d", "stride", None),
        ("MaxPool2d", "stride", [2, 1]),
        ("AdaptiveAvgPool2d", "output_size", [None, 7]),
        ("ZeroPad2d", "padding", [1, 2, 0, 3]),
        ("Upsample", "size", [64, 32]),
        ("Upsample", "scale_factor", [2, 1.5]),
        ("Input", "shape", [784]),
        ("Input", "shape", [1, 28, 28]),
        ("GELU", "approximate", "tanh"),
        ("BatchNorm2d", "eps", 0.001),
        ("Linear", "bias", False),
    ],
)
def test_editor_shows_and_returns_values(qtbot, type_id, name, value):
    spec = REGISTRY[type_id].spec(name)
    editor = editor_for(spec)
    qtbot.addWidget(editor)
    editor.set_value(value)
    assert (
        spec.normalize(editor.value()) == spec.normalize(value)
        if value is not None
        else editor.value() is None
    )


def test_widget_changes_reach_the_model_and_model_changes_reach_the_widget(qtbot):
    d = Design()
    d.add_layer(Layer("input", "Input", {"shape": [3, 64, 64]}, []))
    d.add_layer(Layer("pool", "MaxPool2d", {"kernel_size": 2}, ["input"]))
    d.add_layer(Layer("pad", "ZeroPad2d", {"padding": 1}, ["pool"]))
    doc = Document(d)
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    doc.select(["pool"])
    stride = inspector.editors["stride"]
    assert stride.auto.isChecked()
    stride.auto.setChecked(False)
    stride.spins.h.setValue(1)
    assert d.layer("pool").params["stride"] == 1
    assert "63×63×3" in inspector.output.text()
    doc.set_param("pool", "stride", None)
    assert stride.auto.isChecked() and not stride.spins.isEnabled()
    doc.select(["pad"])
    pad = inspector.editors["padding"]
    pad.mode.setCurrentIndex(1)
    pad.spins[2].setValue(4)
    assert d.layer("pad").params["padding"] == [1, 1, 4, 1]
    doc.select(["input", "pad"])
    assert inspector.layer_id is None and "2 layers selected" in inspector.empty_hint.text()


@pytest.mark.parametrize(
    ("type_id", "name", "value"),
    [
        ("Split", "split_size_or_sections", [24, 40]),
        ("Split", "split_size_or_sections", 58),
        ("Permute", "dims", [0, 2, 3, 1]),
        ("Reshape", "shape", [4, -1]),
        ("Mean", "dim", [2, 3]),
        ("Upsample", "align_corners", True),
        ("Upsample", "align_corners", None),
        ("Unsupported", "op", "aten::roll"),
        ("Unsupported", "shape", [8, 4, 4]),
        ("Unsupported", "shape", None),
    ],
)
def test_new_kind_editors_show_and_return_values(qtbot, type_id, name, value):
    spec = REGISTRY[type_id].spec(name)
    editor = editor_for(spec)
    qtbot.addWidget(editor)
    editor.set_value(value)
    assert editor.value() == spec.normalize(value) if value is not None else editor.value() is None


def _split_doc():
    d = Design()
    d.add_layer(Layer("input", "Input", {"shape": [64, 8, 8]}, []))
    d.add_layer(Layer("split", "Split", {"split_size_or_sections": 32}, ["input"]))
    d.add_layer(Layer("conv", "Conv2d", {"out_channels": 8, "kernel_size": 1}, ["split:0"]))
    return d, Document(d)


def test_typing_split_sections_reaches_the_model_and_undoes(qtbot):
    from PySide6.QtCore import Qt

    d, doc = _split_doc()
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    inspector.show()
    doc.select(["split"])
    editor = inspector.editors["split_size_or_sections"]
    editor.line.setFocus()
    editor.line.selectAll()
    qtbot.keyClicks(editor.line, "16, 48")
    qtbot.keyClick(editor.line, Qt.Key.Key_Return)
    assert d.layer("split").params["split_size_or_sections"] == [16, 48]
    assert "8×8×16 | 8×8×48" in inspector.output.text()
    editor.line.selectAll()
    qtbot.keyClicks(editor.line, "x")
    assert d.layer("split").params["split_size_or_sections"] == [
        16,
        48,
    ]  # bad text never reaches the design
    assert not inspector.messages["split_size_or_sections"].isHidden()
    doc.undo_stack.undo()
    assert d.layer("split").params["split_size_or_sections"] == 32


def test_picking_the_piece_of_a_split_is_an_undoable_input_change(qtbot):
    d, doc = _split_doc()
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    inspector.show()
    doc.select(["conv"])
    box = inspector.pick_boxes[0]
    assert box.currentText().startswith("split:0")
    assert box.count() == 2
    box.setFocus()
    from PySide6.QtCore import Qt

    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert d.layer("conv").inputs == ["split:1"]
    doc.undo_stack.undo()
    assert d.layer("conv").inputs == ["split:0"]
    doc.select(["input"])
    assert inspector.picks_host.isHidden()


def test_undo_while_the_inspector_shows_a_padding_pair_restores_the_layer(qtbot):
    """Regression (GUI undo property test, seed 1271115313): a fix set a conv's padding to
    [2, 0] while the inspector showed that conv; undoing it made the padding editor go back
    from "h × w" to "number", its spin boxes re-locked, and that pushed a new edit
    (padding 2) in the middle of the undo: undo all no longer restored the file."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    d = Design()
    d.add_layer(Layer("input", "Input", {"shape": [1, 32, 32]}, []))
    d.add_layer(Layer("c1", "Conv2d", {"out_channels": 6, "kernel_size": 5}, ["input"]))
    doc = Document(d)
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    inspector.show()
    doc.select(["c1"])
    pad = inspector.editors["padding"]

    # As a fix does it: one closed edit from outside the inspector.
    doc.set_param("c1", "padding", [2, 0])
    doc.close_edit()
    assert pad.mode.currentIndex() == 1 and pad.spins.pair() == [2, 0]
    doc.undo_stack.undo()
    assert d.layer("c1").params == {"out_channels": 6, "kernel_size": 5}
    assert (doc.undo_stack.count(), doc.undo_stack.index()) == (1, 0), "undo pushed an edit"
    assert pad.mode.currentIndex() == 0 and pad.spins.pair() == [0, 0]
    doc.undo_stack.redo()
    assert d.layer("c1").params["padding"] == [2, 0]

    # As a user does it: "h × w" from the mode box, then the height typed in.
    doc.undo_stack.undo()
    pad.mode.setFocus()
    QTest.keyClick(pad.mode, Qt.Key.Key_Down)  # number → h × w
    assert pad.mode.currentIndex() == 1
    pad.spins.h.setFocus()
    pad.spins.h.selectAll()
    QTest.keyClicks(pad.spins.h, "3")
    QTest.keyClick(pad.spins.h, Qt.Key.Key_Return)
    assert d.layer("c1").params["padding"] == [3, 0]
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert d.layer("c1").params == {"out_channels": 6, "kernel_size": 5}
    assert doc.undo_stack.index() == 0 and not doc.undo_stack.canUndo()
    assert doc.undo_stack.canRedo()


def test_each_types_form_is_built_once_and_shows_no_message_left_from_another_layer(qtbot):
    """Issue 15: the inspector built its form of editors again whenever the type shown changed
    (about 6 ms, on every layer dropped from the palette); now a form per type is kept. A kept
    form shows the layer's values and no message left from the layer it showed before."""
    from PySide6.QtCore import Qt

    d = Design()
    d.add_layer(Layer("input", "Input", {"shape": [3, 64, 64]}, []))
    d.add_layer(Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["input"]))
    d.add_layer(Layer("relu", "ReLU", {}, ["conv1"]))
    d.add_layer(Layer("conv2", "Conv2d", {"out_channels": 16, "kernel_size": 5}, ["relu"]))
    doc = Document(d)
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    inspector.show()
    doc.select(["conv1"])
    editors = inspector.editors
    spin = inspector.editors["out_channels"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "0")
    assert inspector.messages["out_channels"].isVisibleTo(inspector)
    for lid in ("relu", "conv2", "input", "conv1", "relu", "conv2"):
        doc.select([lid])
    assert inspector.forms_built == 3  # Conv2d, ReLU, Input: once each
    assert inspector.editors is editors
    assert not inspector.messages["out_channels"].isVisibleTo(inspector)
    assert inspector.editors["out_channels"].value() == 16
    shown = [host for host, _e, _m in inspector._forms.values() if host.isVisibleTo(inspector)]
    assert len(shown) == 1
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "32")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert d.layer("conv2").params["out_channels"] == 32
    assert d.layer("conv1").params["out_channels"] == 8

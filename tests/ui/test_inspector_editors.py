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

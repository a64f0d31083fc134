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
        assert spec.normalize(editor.value()) == spec.normalize(spec.default) if spec.default is not None \
            else editor.value() is None


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
    assert spec.normalize(editor.value()) == spec.normalize(value) if value is not None else editor.value() is None


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

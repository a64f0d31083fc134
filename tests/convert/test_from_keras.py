"""Keras import: saved configurations read without running code, round trips through Keras 3, bad files."""

from __future__ import annotations

import contextlib
import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pytest

from designer.cli import main
from designer.convert.design_builder import ConversionError
from designer.convert.from_keras import (
    import_keras,
    import_keras_model,
    read_keras_config,
    uses_keras,
)
from designer.core.analysis import analyze
from designer.core.design import Design
from designer.core.fileformat import load_design
from designer.export.keras_code import generate, keras_name
from tests.keras_support import build, keras, requires_h5py, requires_keras

#: Keras' PyTorch backend warns about numpy 2's __array__ protocol on every tensor it converts.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "resources" / "templates").glob("*.json"))
#: Keras cannot express local response normalisation (alexnet_paper, zfnet: refused on export);
#: ConvNeXt comes back equivalent, not identical (see the test of its own below).
EXPORTABLE = [p for p in TEMPLATES if p.stem not in ("alexnet_paper", "zfnet", "convnext_tiny")]


def _tensor(layer: str, shape: list[Any]) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, 0, 0]},
    }


def _layer(
    cls: str, name: str, inbound: list[dict[str, Any]] | None, **config: Any
) -> dict[str, Any]:
    args: list[Any] = [] if inbound is None else ([inbound] if len(inbound) > 1 else inbound)
    return {
        "module": "keras.layers",
        "class_name": cls,
        "name": name,
        "config": {"name": name, **config},
        "inbound_nodes": [] if inbound is None else [{"args": args, "kwargs": {}}],
    }


def _functional() -> dict[str, Any]:
    """A small Keras 3 functional config as model.save() writes it (hand-written: no Keras needed)."""
    x = [None, 32, 32, 3]
    layers = [
        _layer("InputLayer", "image", None, batch_shape=x),
        _layer("Rescaling", "rescale", [_tensor("image", x)], scale=1 / 255, offset=0.0),
        _layer("ZeroPadding2D", "stem_pad", [_tensor("rescale", x)], padding=[[1, 1], [1, 1]]),
        _layer(
            "Conv2D",
            "stem",
            [_tensor("stem_pad", [None, 34, 34, 3])],
            filters=16,
            kernel_size=[3, 3],
            strides=[2, 2],
            padding="valid",
            dilation_rate=[1, 1],
            groups=1,
            use_bias=False,
            activation="linear",
        ),
        _layer(
            "BatchNormalization",
            "stem_bn",
            [_tensor("stem", [None, 16, 16, 16])],
            axis=-1,
            momentum=0.99,
            epsilon=0.001,
            center=True,
            scale=True,
        ),
        _layer(
            "Activation", "stem_relu", [_tensor("stem_bn", [None, 16, 16, 16])], activation="relu"
        ),
        _layer(
            "DepthwiseConv2D",
            "dw",
            [_tensor("stem_relu", [None, 16, 16, 16])],
            kernel_size=[3, 3],
            strides=[1, 1],
            padding="same",
            depth_multiplier=1,
            dilation_rate=[1, 1],
            use_bias=False,
            activation="relu6",
        ),
        _layer(
            "Conv2D",
            "proj",
            [_tensor("dw_relu6", [None, 16, 16, 16])],
            filters=16,
            kernel_size=[1, 1],
            strides=[1, 1],
            padding="valid",
            dilation_rate=[1, 1],
            groups=1,
            use_bias=True,
            activation="linear",
        ),
        _layer(
            "Add",
            "add",
            [_tensor("proj", [None, 16, 16, 16]), _tensor("stem_relu", [None, 16, 16, 16])],
        ),
        _layer(
            "MaxPooling2D",
            "pool",
            [_tensor("add", [None, 16, 16, 16])],
            pool_size=[3, 3],
            strides=[2, 2],
            padding="same",
        ),
        _layer(
            "Concatenate",
            "cat",
            [_tensor("pool", [None, 8, 8, 16]), _tensor("pool", [None, 8, 8, 16])],
            axis=-1,
        ),
        _layer("GlobalAveragePooling2D", "gap", [_tensor("cat", [None, 8, 8, 32])], keepdims=False),
        _layer("Dropout", "drop", [_tensor("gap", [None, 32])], rate=0.2),
        _layer(
            "Dense",
            "logits",
            [_tensor("drop", [None, 32])],
            units=10,
            use_bias=True,
            activation="softmax",
        ),
    ]
    # The depthwise layer's activation becomes its own layer; its consumers refer to the Keras layer.
    layers[7]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["dw", 0, 0]
    return {
        "module": "keras",
        "class_name": "Functional",
        "config": {
            "name": "tiny net",
            "trainable": True,
            "layers": layers,
            "input_layers": ["image", 0, 0],
            "output_layers": ["logits", 0, 0],
        },
    }


def _save_keras(config: dict[str, Any], path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        z.writestr("config.json", json.dumps(config))
    return path


def _by_id(design: Design) -> dict[str, tuple[str, dict[str, Any], list[str]]]:
    return {layer.id: (layer.type, dict(layer.params), list(layer.inputs)) for layer in design}


# ------------------------------------------------------------------------------ no Keras needed


def test_keras_file_is_read_from_its_config_without_keras(tmp_path: Path) -> None:
    result = import_keras(_save_keras(_functional(), tmp_path / "tiny.keras"))
    design = result.design
    assert design.name == "tiny net" and design.semantics == "keras"
    layers = _by_id(design)
    assert layers["image"] == ("Input", {"shape": [3, 32, 32]}, [])
    # Rescaling is preprocessing: left out, said in the description.
    assert "rescale" not in layers and "rescale (Rescaling: ×0.00392" in design.description
    # The symmetric ZeroPadding2D before a valid convolution is that convolution's padding.
    assert "stem_pad" not in layers
    assert layers["stem"] == (
        "Conv2d",
        {"out_channels": 16, "kernel_size": 3, "stride": 2, "padding": 1, "bias": False},
        ["image"],
    )
    assert layers["stem_bn"] == ("BatchNorm2d", {"eps": 0.001, "momentum": 0.01}, ["stem"])
    assert layers["stem_relu"] == ("ReLU", {}, ["stem_bn"])
    # DepthwiseConv2D = a Conv2d with groups = channels; "same" at stride 1 is padding 1; relu6 its own layer.
    assert layers["dw"] == (
        "Conv2d",
        {"out_channels": 16, "kernel_size": 3, "padding": 1, "groups": 16, "bias": False},
        ["stem_relu"],
    )
    assert layers["dw_relu6"] == ("ReLU6", {}, ["dw"])
    assert layers["add"] == ("Add", {}, ["proj", "stem_relu"])
    # TF "same" max pooling 3/2 at 16 pads 0 before: PyTorch padding 0 gives 7, not 8 → an explicit pad.
    assert layers["pool_pad"][0] == "ZeroPad2d"
    assert layers["cat"] == ("Concat", {}, ["pool", "pool"])
    assert layers["gap"] == ("AdaptiveAvgPool2d", {"output_size": 1}, ["cat"])
    assert layers["gap_flatten"] == ("Flatten", {}, ["gap"])
    assert layers["logits_softmax"] == ("Softmax", {}, ["logits"])
    analysis = analyze(design)
    assert analysis.info["pool"].output_shape == (16, 8, 8)
    assert analysis.info["logits_softmax"].output_shape == (10,)
    # The shapes Keras stored for each tensor agree with the design's (no shape_mismatch note).
    assert [n.code for n in result.notes if n.severity != "info"] == ["padding_approximated"]
    assert any(n.code == "padding_approximated" and n.layer == "pool_pad" for n in result.notes)


def test_keras2_style_sequential_and_inbound_nodes(tmp_path: Path) -> None:
    seq = {
        "class_name": "Sequential",
        "config": {
            "name": "seq",
            "layers": [
                {
                    "class_name": "Conv2D",
                    "config": {
                        "name": "c1",
                        "batch_input_shape": [None, 28, 28, 1],
                        "filters": 4,
                        "kernel_size": [5, 5],
                        "strides": [1, 1],
                        "padding": "valid",
                        "activation": "relu",
                        "use_bias": True,
                    },
                },
                {
                    "class_name": "MaxPooling2D",
                    "config": {
                        "name": "p1",
                        "pool_size": [2, 2],
                        "strides": [2, 2],
                        "padding": "valid",
                    },
                },
                {"class_name": "Flatten", "config": {"name": "f"}},
                {
                    "class_name": "Dense",
                    "config": {"name": "out", "units": 10, "activation": "linear"},
                },
            ],
        },
    }
    path = tmp_path / "seq.json"
    path.write_text(json.dumps(seq))
    design = import_keras(path).design
    assert [(layer.id, layer.type) for layer in design] == [
        ("seq_input", "Input"),
        ("c1", "Conv2d"),
        ("c1_relu", "ReLU"),
        ("p1", "MaxPool2d"),
        ("f", "Flatten"),
        ("out", "Linear"),
    ]
    assert analyze(design).info["out"].output_shape == (10,)
    functional = {
        "class_name": "Model",
        "config": {
            "name": "m",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "name": "a",
                    "config": {"batch_input_shape": [None, 8, 8, 3], "name": "a"},
                    "inbound_nodes": [],
                },
                {
                    "class_name": "Conv2D",
                    "name": "b",
                    "config": {"name": "b", "filters": 3, "kernel_size": 3, "padding": "same"},
                    "inbound_nodes": [[["a", 0, 0, {}]]],
                },
                {
                    "class_name": "Add",
                    "name": "c",
                    "config": {"name": "c"},
                    "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]],
                },
            ],
            "input_layers": [["a", 0, 0]],
            "output_layers": [["c", 0, 0]],
        },
    }
    design = import_keras(functional).design
    assert _by_id(design)["c"] == ("Add", {}, ["a", "b"])


def test_unsupported_layers_are_loud_placeholders(tmp_path: Path) -> None:
    config = _functional()
    config["config"]["layers"][12] = _layer(
        "UnitNormalization", "drop", [_tensor("gap", [None, 32])], axis=-1
    )
    result = import_keras(config)
    [note] = result.unsupported
    assert "Keras' UnitNormalization" in note.message and note.layer is not None
    assert analyze(result.design).has_errors()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", r"bad.keras is not a .keras file \(not a zip archive\)"),
        (None, r"bad.keras is a zip archive without config.json"),
        ({"config.json": "{not json"}, r"bad.keras: the model configuration is not valid JSON"),
        (
            {"config.json": '{"class_name": "Dense", "config": {}}'},
            r"the saved object is a 'Dense', not a Keras model",
        ),
        ({"config.json": "[1, 2]"}, r"has no class_name/config"),
    ],
)
def test_bad_keras_files_give_a_clear_message(tmp_path: Path, content: Any, message: str) -> None:
    path = tmp_path / "bad.keras"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        with zipfile.ZipFile(path, "w") as z:
            for name, text in (content or {"other.txt": "x"}).items():
                z.writestr(name, text)
    with pytest.raises(ConversionError, match=message):
        import_keras(path)


def test_an_open_input_size_needs_an_input_shape(tmp_path: Path) -> None:
    config = _functional()
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, None, None, 3]
    path = _save_keras(config, tmp_path / "open.keras")
    with pytest.raises(
        ConversionError, match=r"the input image has shape \['\?', '\?', '\?', 3\]; give its size"
    ):
        import_keras(path)
    design = import_keras(path, input_shapes=[(3, 64, 64)]).design
    assert analyze(design).info["pool"].output_shape == (16, 16, 16)


def test_cli_imports_keras_files(tmp_path: Path) -> None:
    path = _save_keras(_functional(), tmp_path / "tiny.keras")
    out = tmp_path / "tiny.json"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["import", str(path), "-o", str(out)]) == 0
    assert load_design(out).semantics == "keras"
    assert "tiny net: 16 layers" in err.getvalue() and "0 errors" in err.getvalue()
    with contextlib.redirect_stderr(io.StringIO()) as err2:
        assert main(["import", str(tmp_path / "missing.keras")]) == 2
    assert "missing.keras: no such file" in err2.getvalue()
    with contextlib.redirect_stderr(io.StringIO()) as err3:
        assert main(["import", str(path), "--args", "[1]"]) == 2
    assert "--args applies to Python classes" in err3.getvalue()
    with contextlib.redirect_stderr(io.StringIO()) as err4:
        assert main(["import", str(out)]) == 2  # a design is not a Keras model.to_json()
    assert "tiny.json is a CNN Designer design already" in err4.getvalue()


def test_uses_keras_reads_imports_only(tmp_path: Path) -> None:
    keras_file = tmp_path / "k.py"
    keras_file.write_text("from tensorflow import keras\nraise SystemExit('must not run')\n")
    torch_file = tmp_path / "t.py"
    torch_file.write_text("import torch\n")
    assert uses_keras(keras_file) and not uses_keras(torch_file)


# ----------------------------------------------------------------------------- with Keras 3


def _normalized(design: Design, rename: bool) -> dict[str, tuple[str, dict[str, Any], list[str]]]:
    """Layers by id; a pool's stride equal to its kernel is the default (both spellings are one network)."""
    out = {}
    for layer in design:
        params = dict(layer.params)
        if layer.type in ("MaxPool2d", "AvgPool2d") and params.get("stride") == params.get(
            "kernel_size"
        ):
            params.pop("stride", None)
        name = keras_name if rename else str
        out[name(layer.id)] = (layer.type, params, [name(i) for i in layer.inputs])
    return out


@requires_keras
@pytest.mark.parametrize("path", EXPORTABLE, ids=lambda p: p.stem)
def test_round_trip_design_keras_code_saved_model_design(path: Path, tmp_path: Path) -> None:
    design = load_design(path)
    model = build(generate(design), path.name)
    saved = tmp_path / "model.keras"
    model.save(saved)
    result = import_keras(saved)
    back = result.design
    assert [n for n in result.notes if n.severity != "info"] == []
    assert back.name == design.name and back.semantics == "keras"
    assert _normalized(back, rename=False) == _normalized(design, rename=True)
    ours, theirs = analyze(design), analyze(back)
    assert (
        theirs.totals().params == ours.totals().params
        and theirs.totals().macs == ours.totals().macs
    )
    for layer in design:
        assert theirs.info[keras_name(layer.id)].output_shape == ours.info[layer.id].output_shape


@requires_keras
def test_convnext_comes_back_from_keras_equivalent_with_the_same_numbers(tmp_path: Path) -> None:
    """Keras holds ConvNeXt channels last throughout, as its own ConvNeXt does: the design's
    Permute → LayerNorm → Linear … Linear → Permute has no permutes there, and comes back as
    LayerNorm2d and 1×1 convolutions: the same parameters, multiply-accumulates and shapes."""
    design = load_design(ROOT / "resources" / "templates" / "convnext_tiny.json")
    model = build(generate(design))
    saved = tmp_path / "convnext.keras"
    model.save(saved)
    result = import_keras(saved)
    assert [n for n in result.notes if n.severity not in ("info",)] == []
    back = result.design
    ours, theirs = analyze(design), analyze(back)
    assert not theirs.has_errors()
    assert theirs.totals().params == ours.totals().params
    assert theirs.totals().macs == ours.totals().macs
    changed = {}
    for layer in design:
        if layer.type == "Permute":
            assert keras_name(layer.id) not in back.ids
            continue
        other = back.layer(keras_name(layer.id))
        if other.type != layer.type:
            changed.setdefault((layer.type, other.type), 0)
            changed[(layer.type, other.type)] += 1
        shape = ours.info[layer.id].output_shape
        if layer.type in ("LayerNorm", "Linear", "GELU") and shape is not None and len(shape) == 3:
            c, h, w = theirs.info[other.id].output_shape or (0, 0, 0)
            assert shape == (h, w, c)  # between the permutes the design holds H×W×C
        else:
            assert theirs.info[other.id].output_shape == shape
    assert changed == {("LayerNorm", "LayerNorm2d"): 18, ("Linear", "Conv2d"): 36}


@requires_keras
@requires_h5py
def test_h5_files_are_read_through_h5py(tmp_path: Path) -> None:
    design = load_design(ROOT / "resources" / "templates" / "lenet5.json")
    model = build(generate(design))
    saved = tmp_path / "lenet.h5"
    with contextlib.redirect_stderr(io.StringIO()):
        model.save(saved)
    assert read_keras_config(saved)["class_name"] == "Sequential"
    assert _normalized(import_keras(saved).design, rename=False) == _normalized(design, rename=True)
    weights_only = tmp_path / "w.weights.h5"
    model.save_weights(weights_only)
    renamed = tmp_path / "w.h5"
    weights_only.rename(renamed)
    with pytest.raises(ConversionError, match=r"w.h5 holds no model_config"):
        import_keras(renamed)


@requires_keras
@pytest.mark.parametrize("name", ["MobileNetV2", "Xception", "ResNet50"])
def test_keras_applications_come_through_and_go_back_out_with_keras_numbers(name: str) -> None:
    assert keras is not None
    model = getattr(keras.applications, name)(weights=None)
    result = import_keras_model(model)
    analysis = analyze(result.design)
    assert analysis.totals().trainable_params == sum(
        math.prod(w.shape) for w in model.trainable_weights
    )
    assert not analysis.has_errors()
    for layer in model.layers:
        if layer.name in _by_id(result.design) and len(layer.output.shape) == 4:
            _, h, w, c = layer.output.shape
            assert analysis.info[layer.name].output_shape == (c, h, w), layer.name
    # ... and back out as Keras code that builds with the same numbers (Keras → design → Keras).
    again = build(generate(result.design))
    for attr in ("trainable_weights", "non_trainable_weights"):
        assert sum(math.prod(w.shape) for w in getattr(again, attr)) == sum(
            math.prod(w.shape) for w in getattr(model, attr)
        )
    assert tuple(again.outputs[0].shape) == tuple(model.outputs[0].shape)


@requires_keras
@pytest.mark.parametrize("name", ["EfficientNetB0", "MobileNetV3Small"])
def test_keras_applications_with_squeeze_and_excitation_import_without_placeholders(
    name: str, tmp_path: Path
) -> None:
    """EfficientNet's SE block reshapes the pooled vector (Reshape((1, 1, C))) and gates with
    Multiply; MobileNetV3 writes hard_sigmoid as ReLU(6)(x + 3) * (1/6) and hard_swish as
    Activation("hard_silu"). Saved as .keras and read back: no placeholder, Keras' numbers."""
    assert keras is not None
    model = getattr(keras.applications, name)(weights=None, input_shape=(224, 224, 3))
    saved = tmp_path / f"{name}.keras"
    model.save(saved)
    result = import_keras(saved)
    design = result.design
    assert [layer.id for layer in design if layer.type == "Unsupported"] == []
    assert [n.message for n in result.notes if n.severity != "info"] == []
    analysis = analyze(design)
    assert not analysis.has_errors()
    assert analysis.totals().params == sum(math.prod(w.shape) for w in model.trainable_weights)
    for layer in model.layers:
        if layer.name in _by_id(design) and len(layer.output.shape) == 4:
            _, h, w, c = layer.output.shape
            assert analysis.info[layer.name].output_shape == (c, h, w), layer.name
    types = {layer.type for layer in design}
    assert {"Mul", "Conv2d", "BatchNorm2d"} <= types
    assert ("Reshape" in types) == (name == "EfficientNetB0")
    assert ("Hardsigmoid" in types and "Hardswish" in types) == (name == "MobileNetV3Small")
    again = build(generate(design))  # and back out as Keras code with the same numbers
    assert sum(math.prod(w.shape) for w in again.trainable_weights) == analysis.totals().params


def test_a_constant_chain_that_is_not_hard_sigmoid_is_a_placeholder() -> None:
    config = {
        "class_name": "Functional",
        "config": {
            "name": "m",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "name": "a",
                    "config": {"name": "a", "batch_shape": [None, 4]},
                    "inbound_nodes": [],
                },
                {
                    "class_name": "Add",
                    "name": "plus",
                    "config": {"name": "plus"},
                    "inbound_nodes": [{"args": [_tensor("a", [None, 4]), 3.0], "kwargs": {}}],
                },
                {
                    "class_name": "Multiply",
                    "name": "times",
                    "config": {"name": "times"},
                    "inbound_nodes": [{"args": [_tensor("plus", [None, 4]), 0.5], "kwargs": {}}],
                },
            ],
            "input_layers": [["a", 0, 0]],
            "output_layers": [["times", 0, 0]],
        },
    }
    result = import_keras(config)
    [note] = result.unsupported
    assert "the constant 0.5" in note.message
    assert [ly.inputs for ly in result.design if ly.type == "Unsupported"] == [["a"]]


@requires_keras
def test_cli_imports_a_build_function(tmp_path: Path) -> None:
    source = generate(load_design(ROOT / "resources" / "templates" / "unet_small.json"))
    path = tmp_path / "unet_keras.py"
    path.write_text(source)
    out = tmp_path / "back.json"
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["import", f"{path}:build_model", "-o", str(out)]) == 0
    back = load_design(out)
    assert back.semantics == "keras" and len(back) == len(
        load_design(ROOT / "resources" / "templates" / "unet_small.json")
    )
    not_keras = tmp_path / "nk.py"
    not_keras.write_text("import keras\n\ndef build():\n    return 42\n")
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["import", f"{not_keras}:build"]) == 2
    assert "nk.py:build returned a int, not a Keras model" in err.getvalue()


def test_nested_keras_model_is_inlined() -> None:
    inner = {
        "class_name": "Sequential",
        "config": {
            "name": "block",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"name": "block_in", "batch_shape": [None, 8, 8, 4]},
                },
                {
                    "class_name": "Conv2D",
                    "config": {
                        "name": "block_conv",
                        "filters": 4,
                        "kernel_size": [3, 3],
                        "padding": "same",
                    },
                },
            ],
        },
    }
    outer = {
        "class_name": "Functional",
        "config": {
            "name": "outer",
            "layers": [
                _layer("InputLayer", "x", None, batch_shape=[None, 8, 8, 4]),
                {
                    **inner,
                    "name": "block",
                    "inbound_nodes": [{"args": [_tensor("x", [None, 8, 8, 4])], "kwargs": {}}],
                },
                _layer(
                    "Add", "sum", [_tensor("block", [None, 8, 8, 4]), _tensor("x", [None, 8, 8, 4])]
                ),
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["sum", 0, 0]],
        },
    }
    design = import_keras(outer).design
    assert _by_id(design)["block_conv"] == (
        "Conv2d",
        {"out_channels": 4, "kernel_size": 3, "padding": 1},
        ["x"],
    )
    assert _by_id(design)["sum"] == ("Add", {}, ["block_conv", "x"])


def _mutations(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the config (dict keys and list indices)."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_mutations(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_mutations(v, (*path, i)))
    return out


@pytest.mark.parametrize("replacement", [None, 7, "x", [], {}, [None, -3], {"class_name": 1}])
def test_damaged_configs_never_crash(replacement: Any) -> None:
    """Each value of the config replaced in turn: an import or a ConversionError, never another exception."""
    import copy

    original = _functional()
    for path in _mutations(original)[1:]:
        config = copy.deepcopy(original)
        target = config
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = copy.deepcopy(replacement)
        with contextlib.suppress(ConversionError):
            import_keras(config)


def test_a_folded_padding_is_not_mistaken_for_its_inputs_shape() -> None:
    config = _functional()
    layers = config["config"]["layers"]
    del layers[1]  # no Rescaling: the ZeroPadding2D reads the input itself
    layers[1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["image", 0, 0]
    result = import_keras(config)
    assert "stem_pad" not in _by_id(result.design)
    assert [n for n in result.notes if n.code == "shape_mismatch"] == []


@requires_keras
def test_every_modern_type_comes_back_from_keras_with_the_same_numbers(tmp_path: Path) -> None:
    """The exported Keras code of a design using every modern type, saved and imported: no
    placeholder, the same parameters, MACs and output; what Keras spells otherwise comes back
    as its equivalent (a channel shuffle's Reshape → Permute → Reshape is one ChannelShuffle again)."""
    from tests.export.test_keras_code import _modern_design

    design = _modern_design()
    model = build(generate(design))
    saved = tmp_path / "modern.keras"
    model.save(saved)
    result = import_keras(saved)
    back = result.design
    assert [ly.id for ly in back if ly.type == "Unsupported"] == []
    ours, theirs = analyze(design), analyze(back)
    assert not theirs.has_errors()
    assert theirs.totals().params == ours.totals().params
    assert theirs.totals().macs == ours.totals().macs
    assert theirs.info["vol"].output_shape == ours.info["vol"].output_shape == (6, 1, 1)
    same = ["hswish", "hsig", "mish", "elu", "selu", "softplus", "prelu", "prelu1", "ln2d"]
    same += ["gn", "inorm", "drop", "shuffle", "mul", "scale", "gate", "small", "fc2", "vol"]
    for lid in same:
        assert (back.layer(lid).type, back.layer(lid).params) == (
            design.layer(lid).type,
            design.layer(lid).params,
        ), lid
    # The Chunk comes back as a Split named by Keras' own op counter (split_1, split_5, ...:
    # it depends on what ran before in the process), its three pieces feeding the Mul.
    split = back.layer("mul").inputs[0].split(":")[0]
    assert back.layer(split).type == "Split"
    assert back.layer("mul").inputs == [f"{split}:0", f"{split}:1", f"{split}:2"]
    assert back.layer("ln").type == "LayerNorm2d" and back.layer("fc").type == "Conv2d"


def test_a_second_output_of_a_single_output_layer_is_a_placeholder_not_a_stall() -> None:
    config = {
        "class_name": "Functional",
        "config": {
            "name": "m",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "name": "a",
                    "config": {"name": "a", "batch_shape": [None, 4]},
                    "inbound_nodes": [],
                },
                {
                    "class_name": "Mystery",
                    "name": "two",
                    "config": {"name": "two"},
                    "inbound_nodes": [{"args": [_tensor("a", [None, 4])], "kwargs": {}}],
                },
                {
                    "class_name": "Add",
                    "name": "sum",
                    "config": {"name": "sum"},
                    "inbound_nodes": [
                        {
                            "args": [
                                [
                                    _tensor("two", [None, 4]),
                                    {
                                        "class_name": "__keras_tensor__",
                                        "config": {
                                            "shape": [None, 4],
                                            "keras_history": ["two", 0, 1],
                                        },
                                    },
                                ]
                            ],
                            "kwargs": {},
                        }
                    ],
                },
            ],
            "input_layers": [["a", 0, 0]],
            "output_layers": [["sum", 0, 0]],
        },
    }
    result = import_keras(config)
    messages = [n.message for n in result.unsupported]
    assert any("output 1 of the Keras layer two" in m for m in messages)
    assert result.design.layer("sum").type == "Add"

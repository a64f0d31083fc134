"""Keras code from designs: what it says without Keras, and that it builds the same network with Keras 3."""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import pytest

from designer.cli import main
from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.export.keras_code import (
    SUPPORTED_TYPES,
    KerasCodeExporter,
    generate,
    keras_name,
    keras_shapes,
)
from designer.export.pytorch_code import CodeGenerationError
from tests.keras_support import build, keras, requires_keras

#: Keras' PyTorch backend warns about numpy 2's __array__ protocol on every tensor it converts.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "resources" / "templates").glob("*.json"))
#: Templates with a layer Keras cannot express (local response normalisation).
REFUSED = {"alexnet_paper": "lrn1", "zfnet": "norm1"}
EXPORTABLE = [p for p in TEMPLATES if p.stem not in REFUSED]


def _design(*layers: Layer, semantics: str = "pytorch") -> Design:
    design = Design("Test net", semantics)
    for layer in layers:
        design.add_layer(layer)
    return design


def _chain(*layers: Layer, shape: list[int] | None = None, semantics: str = "pytorch") -> Design:
    out = [Layer("input", "Input", {"shape": shape or [3, 32, 32]}, [])]
    prev = "input"
    for layer in layers:
        out.append(Layer(layer.id, layer.type, layer.params, [prev]))
        prev = layer.id
    return _design(*out, semantics=semantics)


# ------------------------------------------------------------------------ without Keras


def test_lrn_is_refused_naming_the_layer_and_its_type() -> None:
    for stem, layer in REFUSED.items():
        with pytest.raises(
            CodeGenerationError,
            match=rf"layer '{layer}' \(LocalResponseNorm\) has no Keras equivalent",
        ):
            generate(load_design(ROOT / "resources" / "templates" / f"{stem}.json"))


def test_a_chain_is_sequential_and_a_graph_is_functional() -> None:
    lenet = generate(load_design(ROOT / "resources" / "templates" / "lenet5.json"))
    assert (
        "keras.Sequential(" in lenet
        and "keras.Model(" not in lenet.split("def build_model")[1].split('"""')[2]
    )
    resnet = generate(load_design(ROOT / "resources" / "templates" / "resnet18.json"))
    assert 'return keras.Model(inputs, x, name="ResNet-18")' in resnet
    assert 'layers.Add(name="layer1_0_add")([layer1_0_bn2, maxpool])' in resnet


def test_header_says_channels_last_and_every_layer_line_has_its_shape() -> None:
    source = generate(load_design(ROOT / "resources" / "templates" / "vgg16.json"))
    assert "Channels last" in source and "(H, W, C)" in source
    assert 'keras.Input(shape=(224, 224, 3), name="input"),  # 224×224×3' in source
    calls = [line for line in source.splitlines() if "layers." in line and "import" not in line]
    assert calls and all("  # " in line for line in calls)


def test_padding_same_where_tensorflow_places_the_windows_alike_else_zero_padding() -> None:
    source = generate(load_design(ROOT / "resources" / "templates" / "resnet18.json"))
    # 3×3 stride 1 padding 1: TensorFlow's "same" pads 1 on each side too.
    assert 'layers.Conv2D(64, 3, padding="same", use_bias=False, name="layer1_0_conv1")' in source
    # 7×7 stride 2 padding 3 at 224: "same" would pad 2 before and 3 after, so the padding is explicit.
    assert 'layers.ZeroPadding2D(3, name="conv1_pad")(inputs)  # 230×230×3' in source
    assert (
        'layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1")(x)  # 112×112×64' in source
    )
    # The max pool's −∞ padding is zeros here only because a ReLU comes first.
    assert 'layers.ZeroPadding2D(1, name="maxpool_pad")(x)' in source


def test_keras_semantics_same_stays_same() -> None:
    design = _chain(
        Layer(
            "conv", "Conv2d", {"out_channels": 8, "kernel_size": 3, "stride": 2, "padding": "same"}
        ),
        shape=[3, 15, 15],
        semantics="keras",
    )
    source = generate(design)
    assert 'layers.Conv2D(8, 3, strides=2, padding="same", name="conv")' in source
    assert "# 8×8×8" in source  # ⌈15/2⌉


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            (Layer("pool", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}),),
            r"layer 'pool' \(MaxPool2d\) pads with −∞",
        ),
        (
            (Layer("fc", "Linear", {"out_features": 10}),),
            r"layer 'fc' \(Linear\) is applied to the volume 32×32×3",
        ),
        (
            (Layer("gelu", "GELU", {"approximate": "tanh"}),),
            r"layer 'gelu' \(GELU\) uses the tanh approximation",
        ),
        (
            (
                Layer(
                    "conv",
                    "Conv2d",
                    {"out_channels": 4, "kernel_size": 3, "stride": 2, "dilation": 2},
                ),
            ),
            r"layer 'conv' \(Conv2d\) combines a stride above 1 with dilation",
        ),
        (
            (Layer("pad", "ZeroPad2d", {"padding": [1, -1, 0, 0]}),),
            r"layer 'pad' \(ZeroPad2d\) pads some borders and crops",
        ),
        (
            (Layer("bn", "BatchNorm2d", {"track_running_stats": False}),),
            r"layer 'bn' \(BatchNorm2d\) does not track",
        ),
        (
            (Layer("up", "Upsample", {"scale_factor": 1.5}),),
            r"layer 'up' \(Upsample\) resizes 32 to 48",
        ),
        (
            (Layer("flat", "Flatten", {"start_dim": 2}),),
            r"layer 'flat' \(Flatten\) flattens only some axes",
        ),
    ],
)
def test_layers_without_a_faithful_keras_equivalent_are_refused(
    layers: tuple[Layer, ...], message: str
) -> None:
    with pytest.raises(CodeGenerationError, match=message):
        generate(_chain(*layers))


def test_designs_with_errors_are_refused() -> None:
    design = _chain(Layer("conv", "Conv2d", {"out_channels": 8, "kernel_size": 40}))
    with pytest.raises(
        CodeGenerationError, match=r"(?s)the design has 1 error.*layer 'conv' \[kernel_too_large\]"
    ):
        generate(design)


def test_every_registered_type_is_translated_or_refused_with_its_name() -> None:
    from designer.core.registry import REGISTRY

    missing = sorted(set(REGISTRY) - SUPPORTED_TYPES - {"LocalResponseNorm"})
    for type_id in missing:  # types added later (Mul, Unsupported, ...) must be refused by name
        design = Design("x")
        design.add_layer(Layer("input", "Input", {"shape": [4, 8, 8]}, []))
        try:
            design.add_layer(Layer("it", type_id, REGISTRY[type_id].initial_params(), ["input"]))
        except Exception:
            continue
        if analyze(design).has_errors():
            continue
        with pytest.raises(CodeGenerationError, match=rf"layer 'it' \({type_id}\)"):
            generate(design)


def test_exporter_writes_the_file(tmp_path: Path) -> None:
    design = load_design(ROOT / "resources" / "templates" / "lenet5.json")
    out = tmp_path / "lenet_keras.py"
    data = KerasCodeExporter(design).export(out)
    assert out.read_bytes() == data and data.decode().startswith('"""LeNet-5: Keras model')


def test_cli_export_framework_keras(tmp_path: Path) -> None:
    out = tmp_path / "model_keras.py"
    with contextlib.redirect_stdout(io.StringIO()):
        assert (
            main(
                [
                    "export",
                    str(ROOT / "resources" / "templates" / "resnet18.json"),
                    "-o",
                    str(out),
                    "--framework",
                    "keras",
                ]
            )
            == 0
        )
    assert "def build_model() -> keras.Model:" in out.read_text()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert (
            main(
                [
                    "export",
                    str(ROOT / "resources" / "templates" / "zfnet.json"),
                    "-o",
                    str(tmp_path / "z.py"),
                    "--framework",
                    "keras",
                ]
            )
            == 1
        )
    assert "layer 'norm1' (LocalResponseNorm)" in err.getvalue()
    assert not (tmp_path / "z.py").exists()
    with contextlib.redirect_stderr(io.StringIO()) as err2:
        assert (
            main(
                [
                    "export",
                    str(ROOT / "resources" / "templates" / "lenet5.json"),
                    "-o",
                    str(tmp_path / "f.svg"),
                    "--framework",
                    "keras",
                ]
            )
            == 2
        )
    assert "--framework applies to code (.py)" in err2.getvalue()


# --------------------------------------------------------------------------- with Keras


def _weights(ws: list[object]) -> int:
    return sum(math.prod(tuple(w.shape)) for w in ws)  # type: ignore[attr-defined]


@requires_keras
@pytest.mark.parametrize("path", EXPORTABLE, ids=lambda p: p.stem)
def test_exported_template_builds_with_the_same_numbers(path: Path) -> None:
    design = load_design(path)
    analysis = analyze(design)
    model = build(generate(design), path.name)
    totals = analysis.totals()
    bn = [layer for layer in design if layer.type == "BatchNorm2d"]
    assert _weights(model.trainable_weights) == totals.trainable_params == totals.params
    # PyTorch's buffers minus each BatchNorm's batch counter are Keras' moving mean and variance.
    assert _weights(model.non_trainable_weights) == totals.buffers - len(bn)
    held = keras_shapes(design)
    for layer in design:
        if layer.type == "Input" or held[layer.id] is None:
            continue  # a Permute: no Keras layer (Keras holds the tensor channels last already)
        shape = analysis.info[layer.id].output_shape
        assert shape is not None
        want = (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape
        if held[layer.id] != want:  # after ConvNeXt's Permute(0, 2, 3, 1): the design's own order
            assert layer.id in _between_permutes(design), layer.id
            want = shape
        assert tuple(model.get_layer(keras_name(layer.id)).output.shape)[1:] == want, layer.id
    last = next(lid for lid in design.ids if not any(lid in other.inputs for other in design))
    out = analysis.info[last].output_shape
    assert out is not None
    assert tuple(model.outputs[0].shape)[1:] == ((out[1], out[2], out[0]) if len(out) == 3 else out)


def _between_permutes(design: Design) -> set[str]:
    """Layers after a Permute(0, 2, 3, 1) and before the Permute(0, 3, 1, 2) that undoes it."""
    inside: set[str] = set()
    for layer in design:
        if layer.type == "Permute" and layer.params.get("dims") == [0, 3, 1, 2]:
            continue
        if layer.inputs and (
            any(i in inside for i in layer.inputs)
            or (
                design.layer(layer.inputs[0]).type == "Permute"
                and design.layer(layer.inputs[0]).params.get("dims") == [0, 2, 3, 1]
            )
        ):
            inside.add(layer.id)
    return inside


@requires_keras
def test_model_summary_prints_the_designs_shapes_in_hwc() -> None:
    design = load_design(ROOT / "resources" / "templates" / "alexnet_torchvision.json")
    model = build(generate(design))
    lines: list[str] = []
    model.summary(print_fn=lambda text, line_break=True: lines.append(text))
    text = "\n".join(lines)
    analysis = analyze(design)
    for layer in design:
        shape = analysis.info[layer.id].output_shape
        if layer.type == "Input" or shape is None:
            continue
        hwc = ", ".join(
            str(v) for v in ((shape[1], shape[2], shape[0]) if len(shape) == 3 else shape)
        )
        row = [line for line in text.splitlines() if line.startswith(f"│ {keras_name(layer.id)} ")]
        assert row and f"(None, {hwc})" in row[0], (layer.id, row)


@requires_keras
def test_keras_semantics_design_builds_with_its_own_shapes() -> None:
    design = _design(
        Layer("input", "Input", {"shape": [3, 15, 15]}, []),
        Layer(
            "conv",
            "Conv2d",
            {"out_channels": 8, "kernel_size": 3, "stride": 2, "padding": "same"},
            ["input"],
        ),
        Layer("relu", "ReLU", {}, ["conv"]),
        Layer(
            "dw",
            "Conv2d",
            {"out_channels": 16, "kernel_size": 3, "padding": 1, "groups": 8},
            ["relu"],
        ),
        Layer("pool", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, ["relu"]),
        Layer("up", "Upsample", {"scale_factor": 2}, ["pool"]),
        Layer("cat", "Concat", {}, ["dw", "conv"]),
        semantics="keras",
    )
    analysis = analyze(design)
    assert not analysis.has_errors()
    model = build(generate(design))
    for layer in design:
        shape = analysis.info[layer.id].output_shape
        if layer.type != "Input" and shape is not None:
            assert tuple(model.get_layer(keras_name(layer.id)).output.shape)[1:] == (
                shape[1],
                shape[2],
                shape[0],
            )
    assert _weights(model.trainable_weights) == analysis.totals().params


@requires_keras
def test_generated_main_block_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "lenet_keras.py"
    out.write_text(generate(load_design(ROOT / "resources" / "templates" / "lenet5.json")))
    env = {**__import__("os").environ, "KERAS_BACKEND": "torch"}
    proc = subprocess.run(
        [sys.executable, str(out)], capture_output=True, text=True, env=env, timeout=240
    )
    assert proc.returncode == 0, proc.stderr
    assert "61,706" in proc.stdout  # Keras' summary counts the same parameters
    assert keras is not None


def _two_inputs_two_outputs() -> Design:
    return _design(
        Layer("a", "Input", {"shape": [3, 16, 16]}, []),
        Layer("b", "Input", {"shape": [5, 16, 16]}, []),
        Layer("c.1", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, ["a"]),
        Layer("c_1", "Conv2d", {"out_channels": 4, "kernel_size": 1}, ["b"]),
        Layer("cat", "Concat", {}, ["c.1", "c_1"]),
        Layer("head1", "Conv2d", {"out_channels": 2, "kernel_size": 1}, ["cat"]),
        Layer("gap", "AdaptiveAvgPool2d", {"output_size": 1}, ["cat"]),
        Layer("flat", "Flatten", {}, ["gap"]),
        Layer("fc", "Linear", {"out_features": 3}, ["flat"]),
    )


def test_ids_that_are_keras_names_keep_them() -> None:
    source = generate(_two_inputs_two_outputs())
    assert 'layers.Conv2D(4, 1, name="c_1")(b)' in source  # c_1 is a Keras name already
    assert 'c_1_2 = layers.Conv2D(4, 3, padding="same", name="c_1_2")(a)' in source  # c.1 cannot be
    assert 'return keras.Model([a, b], [head1, fc], name="Test net")' in source


@requires_keras
def test_several_inputs_and_outputs_build() -> None:
    design = _two_inputs_two_outputs()
    model = build(generate(design))
    assert [tuple(o.shape) for o in model.outputs] == [(None, 16, 16, 2), (None, 3)]
    assert model.count_params() == analyze(design).totals().params


@requires_keras
def test_window_layers_build_with_the_designs_shapes_or_are_refused() -> None:
    """Random convolutions and pools under every semantics: Keras builds the design's shapes, or the
    exporter refuses by name. Never a model whose shapes differ from the design's."""
    from hypothesis import HealthCheck, given, settings

    from tests.window_cases import conv_pool_designs

    @settings(
        max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    @given(design=conv_pool_designs())
    def check(design: Design) -> None:
        analysis = analyze(design)
        if analysis.has_errors():
            return
        try:
            source = generate(design)
        except CodeGenerationError as exc:
            assert "layer 'conv'" in str(exc) or "layer 'pool'" in str(exc)
            return
        model = build(source)
        for lid in ("conv", "pool"):
            c, h, w = analysis.info[lid].output_shape or (0, 0, 0)
            assert tuple(model.get_layer(lid).output.shape)[1:] == (h, w, c), (lid, source)

    check()


def _modern_design() -> Design:
    """Every layer type issue 11 added that Keras can express, wired as networks use them."""
    return _design(
        Layer("input", "Input", {"shape": [8, 8, 8]}, []),
        Layer("hswish", "Hardswish", {}, ["input"]),
        Layer("hsig", "Hardsigmoid", {}, ["hswish"]),
        Layer("mish", "Mish", {}, ["hsig"]),
        Layer("elu", "ELU", {"alpha": 0.5}, ["mish"]),
        Layer("selu", "SELU", {}, ["elu"]),
        Layer("softplus", "Softplus", {}, ["selu"]),
        Layer("prelu", "PReLU", {"num_parameters": 8, "init": 0.1}, ["softplus"]),
        Layer("prelu1", "PReLU", {}, ["prelu"]),
        Layer("ln2d", "LayerNorm2d", {"eps": 1e-5}, ["prelu1"]),
        Layer("gn", "GroupNorm", {"num_groups": 4, "affine": False}, ["ln2d"]),
        Layer("inorm", "InstanceNorm2d", {"affine": True, "eps": 0.001}, ["gn"]),
        Layer("drop", "StochasticDepth", {"p": 0.2, "mode": "batch"}, ["inorm"]),
        Layer("shuffle", "ChannelShuffle", {"groups": 2}, ["drop"]),
        Layer("split", "Split", {"split_size_or_sections": [2, 6]}, ["shuffle"]),
        Layer("chunk", "Chunk", {"chunks": 3}, ["split:1"]),
        Layer("mul", "Mul", {}, ["chunk:0", "chunk:1", "chunk:2"]),
        Layer("scale", "Scale", {"shape": [2, 1, 1], "init": 0.5}, ["mul"]),
        Layer("gate", "Mul", {}, ["scale", "split:0"]),
        Layer("nhwc", "Permute", {"dims": [0, 2, 3, 1]}, ["gate"]),
        Layer("ln", "LayerNorm", {"normalized_shape": [2], "eps": 1e-6}, ["nhwc"]),
        Layer("fc", "Linear", {"out_features": 4}, ["ln"]),
        Layer("back", "Permute", {"dims": [0, 3, 1, 2]}, ["fc"]),
        Layer("small", "MaxPool2d", {"kernel_size": 2}, ["back"]),
        Layer("up", "Upsample", {"mode": "bilinear"}, ["small", "input"]),
        Layer("squeeze", "Mean", {"dim": [2, 3], "keepdim": True}, ["up"]),
        Layer("flat", "Reshape", {"shape": [-1]}, ["squeeze"]),
        Layer("fc2", "Linear", {"out_features": 6}, ["flat"]),
        Layer("vol", "Reshape", {"shape": [6, 1, 1]}, ["fc2"]),
    )


def test_modern_types_are_written_with_keras_layers() -> None:
    source = generate(_modern_design())
    for text in (
        'layers.Activation("hard_swish", name="hswish")',
        'layers.Activation("hard_sigmoid", name="hsig")',
        "layers.ELU(alpha=0.5",
        "layers.PReLU(alpha_initializer=keras.initializers.Constant(0.1), shared_axes=(1, 2)",
        "shared_axes=(1, 2, 3)",
        'layers.LayerNormalization(axis=-1, epsilon=1e-05, name="ln2d")',
        "layers.GroupNormalization(groups=4, axis=-1, epsilon=1e-05, center=False, scale=False",
        "layers.GroupNormalization(groups=8, axis=-1, epsilon=0.001",
        'layers.Dropout(0.2, noise_shape=(1, 1, 1, 1), name="drop")',
        "keras.ops.split(",
        'layers.Multiply(name="mul")([chunk_0, chunk_1, chunk_2])',
        'Scale((1, 1, 2), init=0.5, name="scale")',
        "class Scale(layers.Layer):",
        'layers.GlobalAveragePooling2D(keepdims=True, name="squeeze")',
    ):
        assert text in source, text
    assert "# nhwc: Permute(0, 2, 3, 1) needs no Keras layer" in source
    assert 'layers.Dense(4, name="fc")(x)  # 8×8×4' in source  # channels last already


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            (Layer("sp", "Softplus", {"beta": 2.0}),),
            r"layer 'sp' \(Softplus\) has beta 2: Keras' softplus",
        ),
        (
            (
                Layer(
                    "up", "Upsample", {"scale_factor": 2, "mode": "bilinear", "align_corners": True}
                ),
            ),
            r"layer 'up' \(Upsample\) aligns the corner pixels",
        ),
        (
            (Layer("m", "Mean", {"dim": [1]}),),
            r"layer 'm' \(Mean\) averages over axes \[1\]",
        ),
        (
            (Layer("r", "Reshape", {"shape": [3, 16, 64]}),),
            r"layer 'r' \(Reshape\) reshapes 3×32×32 into 3×16×64",
        ),
        (
            (Layer("in", "InstanceNorm2d", {"track_running_stats": True}),),
            r"layer 'in' \(InstanceNorm2d\) keeps running statistics",
        ),
        (
            (
                Layer("p", "Permute", {"dims": [0, 2, 3, 1]}),
                Layer("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3}),
            ),
            r"layer 'conv' \(Conv2d\) receives 'p' after a Permute or Transpose: its channels",
        ),
        (
            (Layer("p", "Permute", {"dims": [0, 2, 3, 1]}),),
            r"layer 'p' \(Permute\) is an output of the model but leaves its axes permuted",
        ),
        (
            (Layer("it", "Unsupported", {"op": "aten::roll", "shape": [3, 32, 32]}),),
            r"aten::roll \(layer it\)",
        ),
    ],
)
def test_modern_layers_without_a_faithful_keras_equivalent_are_refused(
    layers: tuple[Layer, ...], message: str
) -> None:
    with pytest.raises(CodeGenerationError, match=message):
        generate(_chain(*layers))


@requires_keras
def test_modern_types_build_with_the_designs_parameters_and_shapes() -> None:
    design = _modern_design()
    analysis = analyze(design)
    assert not analysis.has_errors(), [d.message for d in analysis.diagnostics()]
    model = build(generate(design))
    assert _weights(model.trainable_weights) == analysis.totals().params
    held = keras_shapes(design)
    inside = {"ln", "fc"}  # between the permutes: the design's own order, which is channels last
    for layer in design:
        if layer.type == "Input" or held[layer.id] is None:
            continue
        shape = analysis.info[layer.id].output_shape
        assert shape is not None
        want = shape if layer.id in inside or len(shape) != 3 else (shape[1], shape[2], shape[0])
        assert tuple(model.get_layer(keras_name(layer.id)).output.shape)[1:] == want, layer.id
    assert tuple(model.outputs[0].shape)[1:] == (1, 1, 6)


@requires_keras
def test_modern_types_compute_what_pytorch_computes() -> None:
    """The weight-free part of the modern design, run by PyTorch (the design's meaning) and by the
    exported Keras model on the same input: the same numbers, channels last."""
    import numpy as np

    from tests.torch_oracle import requires_torch, torch

    if torch is None:
        pytest.skip(requires_torch.kwargs["reason"])
    from tests.torch_build import design_net

    full = _modern_design()
    design = Design("numbers")
    skip = {"fc", "fc2", "vol", "flat"}
    for layer in full:
        if layer.id in skip:
            continue
        inputs = ["ln" if i == "fc" else i for i in layer.inputs]
        design.add_layer(Layer(layer.id, layer.type, layer.params, inputs))
    assert not analyze(design).has_errors()
    net = design_net(design, "cpu").eval()
    x = torch.randn(1, 8, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want = net(x)
    model = build(generate(design))
    got = model(x.permute(0, 2, 3, 1), training=False)
    ours = np.asarray(got.detach().cpu() if hasattr(got, "detach") else got)
    theirs = want["squeeze"].permute(0, 2, 3, 1).numpy()
    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, atol=1e-4), float(np.abs(ours - theirs).max())

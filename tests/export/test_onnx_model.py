"""ONNX export: valid under onnx.checker with full shape inference, the design's names and shapes, and a round
trip design → ONNX → import that gives the design back."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

onnx = pytest.importorskip(
    "onnx", reason="the optional onnx package is not installed (pip install onnx)"
)

from designer.cli import main  # noqa: E402
from designer.convert.from_onnx import import_onnx  # noqa: E402
from designer.core.analysis import analyze  # noqa: E402
from designer.core.design import Design, Layer  # noqa: E402
from designer.core.fileformat import load_design  # noqa: E402
from designer.export.onnx_model import SUPPORTED_TYPES, OnnxExporter, build_onnx, export_onnx  # noqa: E402
from designer.export.pytorch_code import CodeGenerationError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "resources" / "templates").glob("*.json"))


def _normalized(design: Design) -> dict[str, tuple[str, dict[str, Any], list[str]]]:
    """Layers by id. A pool's stride equal to its kernel is the default; an AdaptiveAvgPool2d whose output
    divides its input is that fixed pool (ONNX has no adaptive pooling), so both spellings compare equal."""
    analysis = analyze(design)
    out = {}
    # The importer names a functional op (Add, Concat) after its scope and the op ("cat3" → "cat3.concat"):
    # both sides are compared with that suffix taken off.
    ids = set(design.ids)
    rename = {}
    for layer in design:
        stem = layer.id
        for suffix in (".add", ".concat"):
            if (
                layer.type in ("Add", "Concat")
                and stem.endswith(suffix)
                and stem[: -len(suffix)] not in ids
            ):
                stem = stem[: -len(suffix)]
        rename[layer.id] = stem

    def plain(lid: str) -> str:
        return rename.get(lid, lid)

    for layer in design:
        params, kind = dict(layer.params), layer.type
        if kind in ("MaxPool2d", "AvgPool2d") and params.get("stride") == params.get("kernel_size"):
            params.pop("stride", None)
        shape, in_shape = analysis.info[layer.id].output_shape, analysis.info[layer.id].input_shapes
        if (
            kind == "AdaptiveAvgPool2d"
            and shape is not None
            and shape[1:] != (1, 1)
            and in_shape
            and in_shape[0]
        ):
            kind = "AvgPool2d"
            k = in_shape[0][1] // shape[1]
            params = {"kernel_size": k, "count_include_pad": False}
        out[plain(layer.id)] = (kind, params, [plain(i) for i in layer.inputs])
    return out


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_template_exports_valid_onnx_that_imports_back(path: Path, tmp_path: Path) -> None:
    design = load_design(path)
    out = tmp_path / f"{path.stem}.onnx"
    OnnxExporter(design).export(out)
    model = onnx.load(str(out))
    onnx.checker.check_model(str(out), full_check=True)
    inferred = onnx.shape_inference.infer_shapes_path(
        str(out), str(tmp_path / "inferred.onnx"), check_type=True, strict_mode=True, data_prop=True
    )
    assert inferred is None
    shapes = {
        vi.name: tuple(d.dim_value for d in vi.type.tensor_type.shape.dim)[1:]
        for vi in [
            *onnx.load(str(tmp_path / "inferred.onnx"), load_external_data=False).graph.value_info,
            *model.graph.output,
        ]
    }
    analysis = analyze(design)
    for layer in design:
        if layer.type != "Input":
            assert shapes[layer.id] == analysis.info[layer.id].output_shape, layer.id
    assert model.graph.name == design.name and "placeholders" in model.doc_string
    assert {n.name for n in model.graph.node} >= {
        f"/{lid}/Conv" for lid in design.ids if design.layer(lid).type == "Conv2d"
    }
    result = import_onnx(model)
    assert [n for n in result.notes if n.severity != "info"] == []
    back = result.design
    assert back.name == design.name
    assert _normalized(back) == _normalized(design)
    assert analyze(back).totals().params == analysis.totals().params


def _chain(*layers: Layer, shape: list[int] | None = None, semantics: str = "pytorch") -> Design:
    design = Design("t", semantics)
    design.add_layer(Layer("input", "Input", {"shape": shape or [3, 16, 16]}, []))
    prev = "input"
    for layer in layers:
        design.add_layer(Layer(layer.id, layer.type, layer.params, [prev]))
        prev = layer.id
    return design


def test_every_layer_type_the_exporter_handles_round_trips_its_shape() -> None:
    design = _chain(
        Layer("conv", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": "same"}),
        Layer("bn", "BatchNorm2d", {"momentum": 0.2}),
        Layer("lrelu", "LeakyReLU", {"negative_slope": 0.1}),
        Layer("r6", "ReLU6", {}),
        Layer("silu", "SiLU", {}),
        Layer("gelu", "GELU", {"approximate": "tanh"}),
        Layer("up", "Upsample", {"scale_factor": 2, "mode": "bilinear"}),
        Layer(
            "deconv",
            "ConvTranspose2d",
            {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
        ),
        Layer("pad", "ZeroPad2d", {"padding": [1, 0, 2, -1]}),
        Layer(
            "avg",
            "AvgPool2d",
            {
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "ceil_mode": True,
                "count_include_pad": False,
            },
        ),
        Layer("d2", "Dropout2d", {"p": 0.1}),
        Layer("tanh", "Tanh", {}),
        Layer("flat", "Flatten", {}),
        Layer("fc", "Linear", {"out_features": 5}),
        Layer("sm", "Softmax", {"dim": 1}),
    )
    assert not analyze(design).has_errors()
    model = build_onnx(design)
    onnx.checker.check_model(model, full_check=True)
    back = import_onnx(model).design
    ours, theirs = analyze(design), analyze(back)
    for lid in ("conv", "bn", "up", "deconv", "pad", "avg", "flat", "fc", "sm"):
        assert theirs.info[lid].output_shape == ours.info[lid].output_shape, lid
    assert back.layer("conv").params["padding"] == "same"
    assert back.layer("bn").params == {"momentum": 0.2}
    assert back.layer("lrelu").params == {"negative_slope": 0.1}
    assert back.layer("r6").type == "ReLU6"


def test_keras_semantics_same_padding_is_written_out() -> None:
    design = _chain(
        Layer(
            "conv", "Conv2d", {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "same"}
        ),
        shape=[3, 16, 16],
        semantics="keras",
    )
    model = build_onnx(design)
    [conv] = [n for n in model.graph.node if n.op_type == "Conv"]
    pads = next(a for a in conv.attribute if a.name == "pads")
    assert list(pads.ints) == [0, 0, 1, 1]  # TensorFlow puts the odd pixel after
    assert analyze(import_onnx(model).design).info["conv"].output_shape == (4, 8, 8)


def test_layers_onnx_cannot_express_are_refused_by_name() -> None:
    design = _chain(Layer("gap", "AdaptiveAvgPool2d", {"output_size": 3}), shape=[3, 16, 16])
    with pytest.raises(
        CodeGenerationError, match=r"layer 'gap' \(AdaptiveAvgPool2d\) pools 16×16 into 3×3"
    ):
        export_onnx(design)
    broken = _chain(Layer("conv", "Conv2d", {"out_channels": 4, "kernel_size": 30}))
    with pytest.raises(CodeGenerationError, match=r"the design has 1 error"):
        export_onnx(broken)


def test_every_registered_type_is_exported_or_refused_with_its_name() -> None:
    from designer.core.registry import REGISTRY

    for type_id in sorted(set(REGISTRY) - SUPPORTED_TYPES):
        design = Design("x")
        design.add_layer(Layer("input", "Input", {"shape": [4, 8, 8]}, []))
        try:
            design.add_layer(Layer("it", type_id, REGISTRY[type_id].initial_params(), ["input"]))
        except Exception:
            continue
        if analyze(design).has_errors():
            continue
        with pytest.raises(CodeGenerationError, match=rf"layer 'it' \({type_id}\)"):
            export_onnx(design)


def test_cli_writes_onnx(tmp_path: Path) -> None:
    out = tmp_path / "lenet.onnx"
    with contextlib.redirect_stdout(io.StringIO()):
        assert (
            main(["export", str(ROOT / "resources" / "templates" / "lenet5.json"), "-o", str(out)])
            == 0
        )
    onnx.checker.check_model(str(out), full_check=True)
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert (
            main(
                [
                    "export",
                    str(ROOT / "resources" / "templates" / "lenet5.json"),
                    "-o",
                    str(out),
                    "--framework",
                    "keras",
                ]
            )
            == 2
        )
    assert "--framework applies to code (.py), not to .onnx files" in err.getvalue()


def test_layer_ids_that_look_like_weight_names_do_not_collide() -> None:
    design = _chain(
        Layer("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3}),
        Layer("conv.weight", "ReLU", {}),
        Layer("conv.bias", "Tanh", {}),
    )
    model = build_onnx(design)
    onnx.checker.check_model(model, full_check=True)
    assert {i.name for i in model.graph.initializer} == {"conv.weight_2", "conv.bias_2"}
    back = import_onnx(model).design
    assert [(ly.id, ly.type) for ly in back][1:] == [
        ("conv", "Conv2d"),
        ("conv.weight", "ReLU"),
        ("conv.bias", "Tanh"),
    ]


def _conv_pool(
    semantics: str,
    size: int,
    kernel: int,
    stride: int,
    padding: object,
    pool: str,
    pool_params: dict[str, object],
) -> Design:
    return _chain(
        Layer(
            "conv",
            "Conv2d",
            {"out_channels": 4, "kernel_size": kernel, "stride": stride, "padding": padding},
        ),
        Layer("pool", pool, pool_params),
        shape=[3, size, size],
        semantics=semantics,
    )


@pytest.mark.parametrize(
    "case",
    [  # ceil mode where PyTorch and Caffe drop a last window that would start in the padding
        (
            "caffe",
            5,
            1,
            1,
            0,
            "AvgPool2d",
            {"kernel_size": 2, "stride": 2, "padding": 1, "count_include_pad": True},
        ),
        ("caffe", 11, 2, 2, 0, "AvgPool2d", {"kernel_size": 2, "stride": 3, "padding": 1}),
        (
            "pytorch",
            13,
            3,
            3,
            1,
            "MaxPool2d",
            {"kernel_size": 3, "stride": 3, "padding": 1, "ceil_mode": True},
        ),
    ],
)
def test_a_dropped_last_window_is_exported_with_the_designs_count(case: tuple[Any, ...]) -> None:
    design = _conv_pool(*case)
    model = build_onnx(design)
    onnx.checker.check_model(model, full_check=True)
    back = analyze(import_onnx(model).design)
    assert back.info["pool"].output_shape == analyze(design).info["pool"].output_shape


def test_random_convolutions_and_pools_export_under_every_semantics() -> None:
    from hypothesis import HealthCheck, given, settings

    from tests.window_cases import conv_pool_designs

    @settings(
        max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    @given(design=conv_pool_designs())
    def check(design: Design) -> None:
        if analyze(design).has_errors():
            return
        model = build_onnx(design)  # checks itself: valid, and every shape equal to the design's
        onnx.checker.check_model(model, full_check=True)

    check()


def _modern_design() -> Design:
    """Every layer type issue 11 added, wired as a network would use them (branches, a Split's pieces)."""
    design = Design("modern")
    layers = [
        Layer("input", "Input", {"shape": [8, 8, 8]}, []),
        Layer("hswish", "Hardswish", {}, ["input"]),
        Layer("hsig", "Hardsigmoid", {}, ["hswish"]),
        Layer("mish", "Mish", {}, ["hsig"]),
        Layer("elu", "ELU", {"alpha": 0.5}, ["mish"]),
        Layer("selu", "SELU", {}, ["elu"]),
        Layer("softplus", "Softplus", {}, ["selu"]),
        Layer("softplus2", "Softplus", {"beta": 2.0}, ["softplus"]),
        Layer("prelu", "PReLU", {"num_parameters": 8, "init": 0.1}, ["softplus2"]),
        Layer("prelu1", "PReLU", {}, ["prelu"]),
        Layer("ln2d", "LayerNorm2d", {"elementwise_affine": False}, ["prelu1"]),
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
        Layer("ln", "LayerNorm", {"normalized_shape": [2], "eps": 1e-6, "bias": False}, ["nhwc"]),
        Layer("swap", "Transpose", {"dim0": 1, "dim1": 2}, ["ln"]),
        Layer("back", "Permute", {"dims": [0, 3, 2, 1]}, ["swap"]),
        Layer("small", "MaxPool2d", {"kernel_size": 2}, ["back"]),
        Layer("up", "Upsample", {"mode": "bilinear", "align_corners": True}, ["small", "input"]),
        Layer("squeeze", "Mean", {"dim": [2, 3], "keepdim": True}, ["up"]),
        Layer("flat", "Reshape", {"shape": [-1]}, ["squeeze"]),
    ]
    for layer in layers:
        design.add_layer(layer)
    return design


def test_every_modern_layer_type_round_trips_through_onnx_exactly() -> None:
    design = _modern_design()
    analysis = analyze(design)
    assert not analysis.has_errors(), [d.message for d in analysis.diagnostics()]
    model = build_onnx(design)  # checks itself: valid, strict shape inference, shapes equal
    onnx.checker.check_model(model, full_check=True)
    ops = {n.op_type for n in model.graph.node}
    assert {"HardSwish", "HardSigmoid", "Mish", "Elu", "Selu", "Softplus", "PRelu"} <= ops
    assert {"LayerNormalization", "GroupNormalization", "InstanceNormalization"} <= ops
    assert {"Split", "ReduceMean", "Reshape", "Transpose", "Mul", "Resize", "Shape"} <= ops
    result = import_onnx(model)
    assert [n for n in result.notes if n.severity != "info"] == []
    back = result.design
    assert [(ly.id, ly.type, ly.params, ly.inputs) for ly in back] == [
        (ly.id, ly.type, ly.params, ly.inputs) for ly in design
    ]
    theirs = analyze(back)
    assert theirs.totals().params == analysis.totals().params
    assert theirs.totals().macs == analysis.totals().macs


def test_per_channel_slopes_and_norm_scales_are_weights_of_the_designs_sizes() -> None:
    model = build_onnx(_modern_design())
    sizes = {i.name: list(i.dims) for i in model.graph.initializer}
    assert sizes["prelu.weight"] == [8, 1, 1] and sizes["prelu1.weight"] == [1]
    assert sizes["inorm.weight"] == [8] and sizes["scale.weight"] == [2, 1, 1]
    assert "gn.weight" not in sizes and "ln2d.weight" not in sizes  # not learned: Constant nodes
    [identity] = [n for n in model.graph.node if n.op_type == "Identity"]
    assert identity.doc_string.startswith("StochasticDepth(p=0.2, mode=batch)")


def test_placeholders_and_running_instance_stats_are_refused_by_name() -> None:
    design = _chain(Layer("it", "Unsupported", {"op": "aten::roll", "shape": [3, 16, 16]}))
    with pytest.raises(CodeGenerationError, match=r"aten::roll \(layer it\)"):
        export_onnx(design)
    design = _chain(Layer("inorm", "InstanceNorm2d", {"track_running_stats": True}))
    with pytest.raises(
        CodeGenerationError, match=r"layer 'inorm' \(InstanceNorm2d\) keeps running statistics"
    ):
        export_onnx(design)

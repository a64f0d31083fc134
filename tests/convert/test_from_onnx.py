"""Importing ONNX graphs: exported by torch from the templates, and built by hand."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest

from designer.convert.design_builder import ConversionError
from designer.core.analysis import analyze
from designer.core.fileformat import load_design
from tests.torch_oracle import requires_torch

onnx = pytest.importorskip(
    "onnx", reason="the optional onnx package is not installed (pip install onnx)"
)
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _export(design_path: Path) -> bytes:
    from tests.export.generated_model import load_generated
    from tests.torch_oracle import torch

    design = load_design(design_path)
    _, model = load_generated(design)
    shape = next(analyze(design).info[ly.id].output_shape for ly in design if ly.type == "Input")
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated, and says so
        torch.onnx.export(
            model.eval(),
            (torch.randn(1, *shape),),
            buffer,
            dynamo=False,
            training=torch.onnx.TrainingMode.PRESERVE,
            do_constant_folding=False,
        )
    return buffer.getvalue()


@requires_torch
@pytest.mark.parametrize("stem", ["lenet5", "resnet18", "unet_small"])
def test_templates_exported_by_torch_come_back(stem: str) -> None:
    from designer.convert.from_onnx import import_onnx

    path = ROOT / "resources" / "templates" / f"{stem}.json"
    design = load_design(path)
    result = import_onnx(onnx.load_from_string(_export(path)))
    assert result.notes == []
    imported = result.design
    # Dropout disappears in an exported inference graph; everything else is there, in order.
    kept = [(ly.type, ly.params) for ly in design if ly.type != "Dropout"]
    got = [(ly.type, ly.params) for ly in imported]
    assert len(got) == len(kept)
    norm = lambda p: {k: v for k, v in p.items() if k != "stride"}  # noqa: E731 - pools spell the stride out
    assert sorted(map(str, ((t, norm(p)) for t, p in got))) == sorted(
        map(str, ((t, norm(p)) for t, p in kept))
    )
    a, b = analyze(design).totals(), analyze(imported).totals()
    assert (b.params, b.buffers, b.macs, b.neurons) == (a.params, a.buffers, a.macs, a.neurons)
    assert set(imported.layout) == set(imported.ids)


def _graph() -> onnx.ModelProto:
    """Hand-built: uneven Conv padding, Clip as ReLU6, LRN, Pad, Resize, Concat, GlobalAveragePool,
    Reshape to flatten, MatMul + bias Add, Softmax, and one operator the designer lacks (Abs)."""
    f = TensorProto.FLOAT
    init = [
        numpy_helper.from_array(__import__("numpy").ones((4, 3, 3, 3), "float32"), "w"),
        numpy_helper.from_array(__import__("numpy").zeros((4,), "float32"), "b"),
        numpy_helper.from_array(__import__("numpy").array(0.0, "float32"), "lo"),
        numpy_helper.from_array(__import__("numpy").array(6.0, "float32"), "hi"),
        numpy_helper.from_array(
            __import__("numpy").array([0, 0, 1, 1, 0, 0, 1, 1], "int64"), "pads"
        ),
        numpy_helper.from_array(__import__("numpy").array([1, 1, 2, 2], "float32"), "scales"),
        numpy_helper.from_array(__import__("numpy").array([1, -1], "int64"), "flat"),
        numpy_helper.from_array(__import__("numpy").ones((8, 5), "float32"), "fc_w"),
        numpy_helper.from_array(__import__("numpy").zeros((5,), "float32"), "fc_b"),
    ]
    nodes = [
        helper.make_node(
            "Conv",
            ["x", "w", "b"],
            ["c"],
            name="/conv/Conv",
            pads=[0, 0, 1, 1],
            kernel_shape=[3, 3],
        ),
        helper.make_node("Clip", ["c", "lo", "hi"], ["r"], name="/act/Clip"),
        helper.make_node(
            "LRN", ["r"], ["n"], name="/lrn/LRN", size=3, alpha=2e-4, beta=0.5, bias=2.0
        ),
        helper.make_node("Pad", ["n", "pads"], ["p"], name="/pad/Pad"),
        helper.make_node("Resize", ["p", "", "scales"], ["u"], name="/up/Resize", mode="linear"),
        helper.make_node("Abs", ["u"], ["a"], name="/abs/Abs"),
        helper.make_node("Concat", ["u", "a"], ["cat"], name="/Concat", axis=1),
        helper.make_node("GlobalAveragePool", ["cat"], ["g"], name="/gap/GlobalAveragePool"),
        helper.make_node("Reshape", ["g", "flat"], ["v"], name="/Reshape"),
        helper.make_node("MatMul", ["v", "fc_w"], ["m"], name="/fc/MatMul"),
        helper.make_node("Add", ["m", "fc_b"], ["fc"], name="/fc/Add"),
        helper.make_node("Softmax", ["fc"], ["y"], name="/Softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "hand_built",
        [helper.make_tensor_value_info("x", f, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", f, ["N", 5])],
        init,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_hand_built_graph() -> None:
    from designer.convert.from_onnx import import_onnx

    result = import_onnx(_graph())
    design = result.design
    assert [(ly.id, ly.type, ly.params) for ly in design] == [
        ("x", "Input", {"shape": [3, 8, 8]}),
        ("conv.pad", "ZeroPad2d", {"padding": [0, 1, 0, 1]}),
        ("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3}),
        ("act", "ReLU6", {}),
        ("lrn", "LocalResponseNorm", {"size": 3, "alpha": 0.0002, "beta": 0.5, "k": 2}),
        ("pad", "ZeroPad2d", {"padding": 1}),
        ("up", "Upsample", {"scale_factor": 2, "mode": "bilinear"}),
        ("unsupported_abs", "Unsupported", {"op": "onnx::Abs", "shape": [4, 18, 18]}),
        ("concat", "Concat", {}),
        ("gap", "AdaptiveAvgPool2d", {"output_size": 1}),
        ("reshape", "Flatten", {}),
        ("fc", "Linear", {"out_features": 5}),
        ("softmax", "Softmax", {}),
    ]
    assert design.layer("concat").inputs == ["up", "unsupported_abs"]
    assert [(n.code, n.layer) for n in result.notes] == [("unsupported_op", "unsupported_abs")]
    assert "Abs" in result.notes[0].message
    analysis = analyze(design)
    assert analysis.info["fc"].output_shape == (5,)
    assert analysis.info["up"].output_shape == (4, 18, 18)
    assert analysis.info["fc"].params == 8 * 5 + 5


def test_input_shapes_and_errors(tmp_path: Path) -> None:
    from designer.convert.from_onnx import from_onnx

    path = tmp_path / "m.onnx"
    model = _graph()
    model.graph.input[0].type.tensor_type.shape.dim[2].dim_param = "H"
    onnx.save(model, path)
    with pytest.raises(
        ConversionError, match=r"input x has shape \['\?', 3, '\?', 8\].*--input-shape"
    ):
        from_onnx(path)
    design = from_onnx(path, input_shapes=[(3, 10, 10)])
    assert design.layer("x").params == {"shape": [3, 10, 10]}
    with pytest.raises(ConversionError, match=r"1 input .* but 2 input shapes"):
        from_onnx(path, input_shapes=[(3, 10, 10), (3, 10, 10)])
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a protobuf at all")
    with pytest.raises(ConversionError, match=r"bad.onnx cannot be read as an ONNX model"):
        from_onnx(bad)


def test_import_command_reads_onnx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from designer.cli import main

    path = tmp_path / "hand.onnx"
    onnx.save(_graph(), path)
    out = tmp_path / "hand.json"
    assert main(["import", str(path), "-o", str(out)]) == 1  # the Abs placeholder is an error
    err = capsys.readouterr().err
    assert "unsupported_abs stands for the Abs node" in err and "onnx::Abs ×1" in err
    assert load_design(out).layer("fc").type == "Linear"


def _tiny(nodes: list, inits: list, out: str = "y") -> onnx.ModelProto:
    f = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", f, [1, 3, 8, 8])],
        [helper.make_tensor_value_info(out, f, None)],
        initializer=inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_graph_with_a_cycle_is_refused() -> None:
    """Regression (issue 12, item 10): the back edge was dropped and the Add called 'a stored tensor'."""
    from designer.convert.from_onnx import import_onnx

    np = __import__("numpy")
    w = numpy_helper.from_array(np.ones((3, 3, 1, 1), "float32"), "w")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node("Add", ["c", "r"], ["a"], name="add"),
        helper.make_node("Relu", ["a"], ["r"], name="relu"),
        helper.make_node("Identity", ["r"], ["y"], name="out"),
    ]
    with pytest.raises(
        ConversionError,
        match=r"cycle \(Relu 'relu' → Add 'add' → Relu 'relu'\).*nothing was imported",
    ):
        import_onnx(_tiny(nodes, [w]))


def test_nodes_out_of_order_are_sorted_not_dropped() -> None:
    from designer.convert.from_onnx import import_onnx

    np = __import__("numpy")
    w = numpy_helper.from_array(np.ones((4, 3, 1, 1), "float32"), "w")
    nodes = [
        helper.make_node("Relu", ["c"], ["y"], name="/relu/Relu"),
        helper.make_node("Conv", ["x", "w"], ["c"], name="/conv/Conv"),
    ]
    result = import_onnx(_tiny(nodes, [w]))
    assert [(ly.id, ly.type, ly.inputs) for ly in result.design] == [
        ("x", "Input", []),
        ("conv", "Conv2d", ["x"]),
        ("relu", "ReLU", ["conv"]),
    ]


def test_identity_alias_of_a_weight_and_one_input_concat() -> None:
    """Regression: a deduplicated weight read through Identity was 'computed in the graph'; DenseNet's
    one-input Concat became a Concat layer with one input and cut the network short."""
    from designer.convert.from_onnx import import_onnx

    np = __import__("numpy")
    w = numpy_helper.from_array(np.ones((3, 3, 3, 3), "float32"), "conv1.weight")
    nodes = [
        helper.make_node("Identity", ["conv1.weight"], ["onnx::Conv_7"], name="Identity_0"),
        helper.make_node(
            "Conv", ["x", "conv1.weight"], ["c1"], name="/conv1/Conv", pads=[1, 1, 1, 1]
        ),
        helper.make_node("Concat", ["c1"], ["cat"], name="/block/Concat", axis=1),
        helper.make_node(
            "Conv", ["cat", "onnx::Conv_7"], ["y"], name="/conv2/Conv", pads=[1, 1, 1, 1]
        ),
    ]
    result = import_onnx(_tiny(nodes, [w]))
    assert result.notes == []
    assert [(ly.id, ly.type, ly.inputs) for ly in result.design] == [
        ("x", "Input", []),
        ("conv1", "Conv2d", ["x"]),
        ("conv2", "Conv2d", ["conv1"]),
    ]
    assert analyze(result.design).totals().params == 2 * 81


@requires_torch
def test_modern_patterns_exported_by_torch_come_back_as_single_layers() -> None:
    """SiLU (Sigmoid·x), SE gate (Mul), channel shuffle, LayerNorm2d, chunk (Split), layer scale
    (Scale), global mean (Mean) and a BatchNorm folded into its Conv by the default export."""
    from designer.convert.from_onnx import import_onnx
    from tests.torch_oracle import torch

    nn, F = torch.nn, torch.nn.functional

    class Modern(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(8)
            self.act = nn.SiLU()
            self.fc1 = nn.Conv2d(8, 2, 1)
            self.fc2 = nn.Conv2d(2, 8, 1)
            self.layer_scale = nn.Parameter(torch.full((4, 1, 1), 1e-6))

        def forward(self, x):
            x = self.act(self.bn(self.conv(x)))
            x = x * torch.sigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
            b, c, h, w = x.size()
            x = torch.transpose(x.view(b, 2, c // 2, h, w), 1, 2).reshape(b, c, h, w)
            x = F.layer_norm(x.permute(0, 2, 3, 1), (8,), eps=1e-6).permute(0, 3, 1, 2)
            a, y = x.chunk(2, dim=1)
            return (a + self.layer_scale * y).mean((2, 3))

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Modern().eval(), (torch.randn(1, 3, 16, 16),), buffer, dynamo=False)
    result = import_onnx(onnx.load_from_string(buffer.getvalue()))
    assert [n.code for n in result.notes] == [
        "folded_batchnorm"
    ]  # the one warning: BatchNorm restored
    types = [ly.type for ly in result.design]
    assert types == [
        "Input",
        "Conv2d",
        "BatchNorm2d",
        "SiLU",
        "AdaptiveAvgPool2d",
        "Conv2d",
        "ReLU",
        "Conv2d",
        "Sigmoid",
        "Mul",
        "ChannelShuffle",
        "LayerNorm2d",
        "Split",
        "Scale",
        "Add",
        "Mean",
    ]
    design = result.design
    split = next(ly.id for ly in design if ly.type == "Split")
    assert next(ly for ly in design if ly.type == "Add").inputs[0] == f"{split}:0"
    analysis = analyze(design)
    assert analysis.info[design.ids[-1]].output_shape == (4,)
    assert analysis.totals().params == sum(p.numel() for p in Modern().parameters())

"""The generated PyTorch code builds exactly the designed network (checked with real torch)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.export.pytorch_code import (
    FUNCTIONAL_TYPES,
    MODULE_RESERVED,
    CodeGenerationError,
    PyTorchCodeExporter,
    class_name_for,
    generate,
    identifier_for,
    names_for,
)
from tests.torch_oracle import requires_torch, torch

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "resources" / "templates").glob("*.json"))
FIXTURES = sorted((ROOT / "tests" / "data" / "torch_code").glob("*.json"))
# The newer vocabulary (Split pieces, Mul, Mean, permutes, ...) as code. Kept apart from
# torch_code/, which the round trip through the torch.fx importer also reads.
MODERN = sorted((ROOT / "tests" / "data" / "torch_code_modern").glob("*.json"))
DESIGNS = TEMPLATES + FIXTURES + MODERN


def _id(path: Path) -> str:
    return path.stem


@requires_torch
@pytest.mark.parametrize("path", DESIGNS, ids=_id)
def test_generated_code_matches_the_designer(path: Path) -> None:
    from tests.export.generated_model import run_generated

    design = load_design(path)
    analysis = analyze(design)
    result = run_generated(design)
    module_layers = [
        ly
        for ly in design
        if ly.type not in FUNCTIONAL_TYPES and not (ly.type == "Upsample" and len(ly.inputs) == 2)
    ]
    assert set(result.layers) == {ly.id for ly in module_layers}, (
        "every layer ran exactly as a module"
    )
    for layer in module_layers:
        info = analysis.info[layer.id]
        got = result.layers[layer.id]
        where = f"{path.stem}:{layer.id} ({layer.type})"
        assert got.output_shape == info.output_shape, where
        # Inputs check the merges and tensor ops: their output is some module's input.
        assert got.input_shape == info.input_shapes[0], where
        assert got.params == info.params, where
        assert got.buffers == info.buffers, where
        assert got.macs == info.macs, where
    totals = analysis.totals()
    outputs = [ly.id for ly in design if not design.consumers(ly.id) and ly.type != "Input"]
    assert result.outputs == [analysis.info[o].output_shape for o in outputs]
    assert result.params == totals.params
    assert result.buffers == totals.buffers
    assert sum(m.macs for m in result.layers.values()) == totals.macs
    assert result.flop_counter_macs == totals.macs  # torch's own FLOP counter, halved


@requires_torch
def test_main_block_runs_and_prints_the_output_shapes() -> None:
    design = load_design(ROOT / "tests" / "data" / "torch_code" / "two_inputs_two_outputs.json")
    source = generate(design)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "generated.py", "exec"), {"__name__": "__main__"})
    assert out.getvalue().splitlines() == [
        "output seg-head: (1, 5, 32, 32)",
        "output x: (1, 7)",
        "output features: (1, 16, 32, 3)",
        "parameters: 1,103",
    ]


def test_generated_source_is_stable(golden) -> None:
    design = load_design(ROOT / "tests" / "data" / "torch_code" / "two_inputs_two_outputs.json")
    golden("two_inputs_two_outputs.py.txt", generate(design))


def test_generated_source_is_valid_python_for_every_design() -> None:
    for path in DESIGNS:
        compile(generate(load_design(path)), str(path), "exec")


def test_refuses_a_design_with_errors_naming_the_layer() -> None:
    design = Design("broken")
    design.add_layer(Layer("input", "Input", {"shape": [3, 8, 8]}))
    design.add_layer(Layer("conv1", "Conv2d", {"out_channels": 4, "kernel_size": 11}, ["input"]))
    design.add_layer(Layer("fc", "Linear", {"out_features": 2}, ["conv1"]))
    with pytest.raises(CodeGenerationError) as exc:
        generate(design)
    text = str(exc.value)
    assert (
        "layer 'conv1'" in text
        and "kernel_too_large" in text
        and "larger than the padded input" in text
    )


def test_refuses_an_unconnected_layer() -> None:
    design = Design("loose")
    design.add_layer(Layer("input", "Input", {"shape": [3, 8, 8]}))
    design.add_layer(Layer("relu", "ReLU", {}, ["input"]))
    design.add_layer(Layer("orphan", "ReLU", {}, []))
    with pytest.raises(CodeGenerationError, match="orphan"):
        generate(design)


def _pool_design(semantics: str, size: int) -> Design:
    design = Design("pool", semantics=semantics)
    design.add_layer(Layer("input", "Input", {"shape": [3, size, size]}))
    design.add_layer(Layer("pool", "MaxPool2d", {"kernel_size": 3, "stride": 2}, ["input"]))
    return design


def test_other_semantics_generate_when_the_shapes_agree() -> None:
    source = generate(_pool_design("caffe", 13))  # (13 − 3)/2 + 1 = 6 exactly: no rounding at all
    assert "caffe semantics; every shape below is PyTorch's" in source


def test_other_semantics_are_refused_when_pytorch_would_differ() -> None:
    # Caffe rounds pooling up: 56.5 → 57; PyTorch floors to 56.
    with pytest.raises(
        CodeGenerationError,
        match=r"caffe semantics.*'pool' is 57×57×3 there but 56×56×3 in PyTorch",
    ):
        generate(_pool_design("caffe", 114))


def test_identifiers() -> None:
    assert identifier_for("layer1.0.conv-1") == "layer1_0_conv_1"
    assert identifier_for("class") == "class_"
    assert identifier_for("forward") == "forward_"
    assert identifier_for("x") == "x_"
    assert identifier_for("_modules") == "layer_modules"
    assert identifier_for("input") == "input_"
    assert class_name_for("AlexNet (2012 paper)") == "AlexNet2012Paper"
    assert class_name_for("2-stream") == "Net2Stream"
    assert class_name_for("  ") == "Model"
    design = Design("twins")
    design.add_layer(Layer("in", "Input", {"shape": [4]}))
    design.add_layer(Layer("fc-1", "Linear", {"out_features": 2}, ["in"]))
    design.add_layer(Layer("fc_1", "Linear", {"out_features": 2}, ["in"]))
    assert names_for(design).attributes == {"in": "in_", "fc-1": "fc_1", "fc_1": "fc_1_2"}
    with pytest.raises(CodeGenerationError, match="not a Python identifier"):
        generate(design, class_name="my model")
    assert "class Twin(nn.Module):" in generate(design, class_name="Twin")


@requires_torch
def test_reserved_names_cover_every_public_module_attribute() -> None:
    public = {n for n in dir(torch.nn.Module) if not n.startswith("_")}
    assert public <= MODULE_RESERVED, sorted(public - MODULE_RESERVED)


def test_exporter_writes_the_file(tmp_path: Path) -> None:
    design = load_design(ROOT / "tests" / "data" / "torch_code" / "two_inputs_two_outputs.json")
    target = tmp_path / "model.py"
    data = PyTorchCodeExporter(design).export(target)
    assert target.read_bytes() == data == generate(design).encode("utf-8")
    assert PyTorchCodeExporter(design).export() == data


@requires_torch
def test_modern_layers_export_runs_with_every_functional_op() -> None:
    """Split outputs, Mul broadcast, Mean, Reshape, Permute, Transpose and Upsample-to-a-tensor
    are expressions in forward; the checks above see them through the modules they feed."""
    design = load_design(ROOT / "tests" / "data" / "torch_code_modern" / "modern_layers.json")
    source = generate(design)
    for expected in (
        "torch.split(conv, (8, 8), dim=1)",
        "chunk = torch.chunk(split[1], 2, dim=1)",
        "split[0] * squeeze",
        'nn.functional.interpolate(squeeze, size=x.shape[-2:], mode="bilinear", align_corners=False)',
        ".mean((2, 3))",
        "nn.LayerNorm((16,), eps=1e-06)",
        "class LayerNorm2d(nn.LayerNorm):",
    ):
        assert expected in source, expected
    assert "class ConvNeXt" not in source and "Unsupported" not in source


def test_refuses_a_design_with_an_unsupported_op_naming_it() -> None:
    design = load_design(ROOT / "tests" / "data" / "format" / "v1" / "modern_layers.json")
    with pytest.raises(CodeGenerationError, match=r"aten::roll \(layer roll\)"):
        generate(design)

"""Every diagnostic code is explained, and every suggested fix really removes its diagnostic."""

from __future__ import annotations

from typing import Any

import pytest

from designer.core.analysis import Analysis, Diagnostic, analyze
from designer.core.design import Design
from designer.core.diagnosis import WHY, explain_diagnostic
from designer.core.explain import render_html, render_text
from designer.core.fileformat import design_from_dict
from designer.core.fixes import (
    _GENERATORS,
    NO_FIX_CODES,
    AddLayer,
    FixError,
    SetParam,
    apply_fix,
    still_present,
    suggest_fixes,
)
from designer.core.fixes import Fix as FixData


def _design(layers: list[dict[str, Any]], semantics: str = "pytorch") -> Design:
    return design_from_dict(
        {
            "format": "cnn-designer",
            "version": 1,
            "name": "case",
            "semantics": semantics,
            "layers": layers,
        }
    )


def _inp(*shape: int) -> dict[str, Any]:
    return {"id": "input", "type": "Input", "shape": list(shape)}


def _conv(lid: str, out: int, k: int, **kw: Any) -> dict[str, Any]:
    return {"id": lid, "type": "Conv2d", "out_channels": out, "kernel_size": k, **kw}


# (case name, layers, semantics, code, layer the diagnostic is on, at least this many fixes)
CASES: list[tuple[str, list[dict[str, Any]], str, str, str | None, int]] = [
    (
        "alexnet 224",
        [_inp(3, 224, 224), _conv("conv1", 96, 11, stride=4)],
        "pytorch",
        "non_integer_output",
        "conv1",
        3,
    ),
    (
        "strict",
        [_inp(3, 224, 224), _conv("conv1", 96, 11, stride=4)],
        "strict",
        "non_integer_output",
        "conv1",
        3,
    ),
    (
        "pool",
        [_inp(8, 54, 54), {"id": "pool", "type": "MaxPool2d", "kernel_size": 3, "stride": 2}],
        "pytorch",
        "non_integer_output",
        "pool",
        2,
    ),
    (
        "kernel conv",
        [_inp(3, 5, 5), _conv("conv", 8, 11)],
        "pytorch",
        "kernel_too_large",
        "conv",
        2,
    ),
    (
        "kernel pool",
        [
            _inp(3, 5, 5),
            {"id": "pool", "type": "MaxPool2d", "kernel_size": 7},
            {"id": "relu", "type": "ReLU"},
        ],
        "pytorch",
        "kernel_too_large",
        "pool",
        2,
    ),
    (
        "deconv crop",
        [
            _inp(4, 1, 1),
            {
                "id": "deconv",
                "type": "ConvTranspose2d",
                "out_channels": 4,
                "kernel_size": 1,
                "padding": 1,
            },
        ],
        "pytorch",
        "nonpositive_output",
        "deconv",
        1,
    ),
    (
        "zeropad crop",
        [_inp(1, 6, 6), {"id": "pad", "type": "ZeroPad2d", "padding": -3}],
        "pytorch",
        "nonpositive_output",
        "pad",
        1,
    ),
    (
        "upsample tiny",
        [_inp(1, 13, 13), {"id": "up", "type": "Upsample", "scale_factor": 0.01}],
        "pytorch",
        "nonpositive_output",
        "up",
        1,
    ),
    (
        "groups in",
        [_inp(3, 32, 32), _conv("conv", 64, 3, groups=2)],
        "pytorch",
        "groups_mismatch",
        "conv",
        1,
    ),
    (
        "groups out",
        [_inp(64, 32, 32), _conv("conv", 48, 3, groups=32)],
        "pytorch",
        "groups_mismatch",
        "conv",
        2,
    ),
    (
        "groups deconv",
        [
            _inp(6, 8, 8),
            {
                "id": "deconv",
                "type": "ConvTranspose2d",
                "out_channels": 4,
                "kernel_size": 2,
                "groups": 3,
            },
        ],
        "pytorch",
        "groups_mismatch",
        "deconv",
        1,
    ),
    (
        "same stride",
        [_inp(3, 32, 32), _conv("conv", 8, 3, stride=2, padding="same")],
        "pytorch",
        "same_padding_stride",
        "conv",
        2,
    ),
    (
        "output_padding",
        [
            _inp(8, 8, 8),
            {
                "id": "deconv",
                "type": "ConvTranspose2d",
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 2,
                "output_padding": 2,
            },
        ],
        "pytorch",
        "output_padding_too_large",
        "deconv",
        2,
    ),
    (
        "pool padding",
        [
            _inp(8, 16, 16),
            {"id": "pool", "type": "MaxPool2d", "kernel_size": 3, "stride": 2, "padding": 2},
        ],
        "pytorch",
        "pool_padding_too_large",
        "pool",
        2,
    ),
    (
        "resnet block",
        [
            _inp(64, 56, 56),
            _conv("conv1", 128, 3, stride=2, padding=1, bias=False),
            {"id": "bn1", "type": "BatchNorm2d"},
            {"id": "relu1", "type": "ReLU"},
            _conv("conv2", 128, 3, padding=1, bias=False),
            {"id": "bn2", "type": "BatchNorm2d"},
            {"id": "add", "type": "Add", "inputs": ["bn2", "input"]},
        ],
        "pytorch",
        "add_shape_mismatch",
        "add",
        1,
    ),
    (
        "add stride only",
        [
            _inp(16, 32, 32),
            _conv("conv1", 16, 3, padding=1),
            _conv("conv2", 16, 3, padding=1, stride=2, inputs=["input"]),
            {"id": "add", "type": "Add", "inputs": ["conv2", "conv1"]},
        ],
        "pytorch",
        "add_shape_mismatch",
        "add",
        2,
    ),
    (
        "concat",
        [
            _inp(64, 64, 64),
            _conv("conv", 64, 3),
            {"id": "cat", "type": "Concat", "inputs": ["conv", "input"]},
        ],
        "pytorch",
        "concat_shape_mismatch",
        "cat",
        2,
    ),
    (
        "linear volume",
        [
            _inp(3, 32, 32),
            _conv("conv", 16, 3, padding=1),
            {"id": "fc", "type": "Linear", "out_features": 10},
        ],
        "pytorch",
        "linear_on_volume",
        "fc",
        2,
    ),
    (
        "rank",
        [_inp(3, 32, 32), {"id": "flat", "type": "Flatten"}, _conv("conv", 8, 3)],
        "pytorch",
        "rank_mismatch",
        "conv",
        1,
    ),
    (
        "softmax dim",
        [_inp(10), {"id": "softmax", "type": "Softmax", "dim": 5}],
        "pytorch",
        "dim_out_of_range",
        "softmax",
        1,
    ),
    (
        "flatten dim",
        [_inp(3, 8, 8), {"id": "flat", "type": "Flatten", "start_dim": 7}],
        "pytorch",
        "dim_out_of_range",
        "flat",
        1,
    ),
    (
        "flatten batch",
        [_inp(3, 8, 8), {"id": "flat", "type": "Flatten", "start_dim": 0}],
        "pytorch",
        "flatten_batch",
        "flat",
        1,
    ),
    (
        "upsample both",
        [_inp(3, 8, 8), {"id": "up", "type": "Upsample", "scale_factor": 2, "size": 16}],
        "pytorch",
        "upsample_arguments",
        "up",
        2,
    ),
    (
        "upsample neither",
        [_inp(3, 8, 8), {"id": "up", "type": "Upsample"}],
        "pytorch",
        "upsample_arguments",
        "up",
        1,
    ),
    (
        "missing input",
        [_inp(3, 8, 8), _conv("conv", 8, 3, inputs=["inptu"])],
        "pytorch",
        "missing_input",
        "conv",
        1,
    ),
    (
        "too many inputs",
        [_inp(3, 8, 8), _conv("a", 8, 3), _conv("conv", 8, 3, inputs=["input", "a"])],
        "pytorch",
        "wrong_input_count",
        "conv",
        1,
    ),
    (
        "too few inputs",
        [
            _inp(3, 8, 8),
            _conv("a", 8, 3),
            {"id": "add", "type": "Add", "inputs": ["a"]},
            {"id": "relu", "type": "ReLU"},
        ],
        "pytorch",
        "wrong_input_count",
        "add",
        1,
    ),
    (
        "not connected",
        [_inp(3, 8, 8), _conv("a", 8, 3), _conv("b", 8, 3, inputs=[])],
        "pytorch",
        "wrong_input_count",
        "b",
        1,
    ),
    (
        "cycle",
        [_inp(3, 8, 8), _conv("c1", 8, 3, inputs=["c2"]), _conv("c2", 8, 1, inputs=["c1"])],
        "pytorch",
        "cycle",
        "c1",
        1,
    ),
    ("no input", [_conv("conv", 8, 3, inputs=[])], "pytorch", "no_input", None, 1),
    (
        "unreachable",
        [
            _inp(3, 8, 8),
            _conv("conv1", 8, 3),
            {"id": "x", "type": "ReLU", "inputs": ["y"]},
            {"id": "y", "type": "ReLU", "inputs": []},
        ],
        "pytorch",
        "unreachable",
        "x",
        1,
    ),
    (
        "large activation",
        [_inp(3, 4096, 4096), _conv("conv", 64, 3, padding=1)],
        "pytorch",
        "large_activation",
        "conv",
        2,
    ),
    (
        "bottleneck conv",
        [_inp(64, 64, 64), _conv("conv", 8, 4, stride=4), {"id": "relu", "type": "ReLU"}],
        "pytorch",
        "information_bottleneck",
        "conv",
        2,
    ),
    (
        "bottleneck pool",
        [
            _inp(16, 64, 64),
            {"id": "pool", "type": "MaxPool2d", "kernel_size": 4},
            {"id": "relu", "type": "ReLU"},
        ],
        "pytorch",
        "information_bottleneck",
        "pool",
        1,
    ),
    (
        "rf covers",
        [_inp(3, 8, 8), *(_conv(f"c{i}", 8, 3, padding=1) for i in range(1, 5))],
        "pytorch",
        "receptive_field_covers_input",
        "c4",
        0,
    ),
    # issue 11's vocabulary
    (
        "mul",
        [
            _inp(16, 8, 8),
            _conv("conv", 8, 1),
            {"id": "mul", "type": "Mul", "inputs": ["input", "conv"]},
        ],
        "pytorch",
        "mul_shape_mismatch",
        "mul",
        1,
    ),
    (
        "broadcast enlarges",
        [
            _inp(8, 6, 6),
            {"id": "rows", "type": "AdaptiveAvgPool2d", "output_size": [None, 1]},
            {
                "id": "cols",
                "type": "AdaptiveAvgPool2d",
                "output_size": [1, None],
                "inputs": ["input"],
            },
            {"id": "sum", "type": "Add", "inputs": ["rows", "cols"]},
        ],
        "pytorch",
        "broadcast_enlarges",
        "sum",
        0,
    ),
    (
        "add split pieces",
        [
            _inp(16, 8, 8),
            {"id": "split", "type": "Split", "split_size_or_sections": [8, 8]},
            _conv("down", 8, 3, stride=2, padding=1, inputs=["split:1"]),
            {"id": "add", "type": "Add", "inputs": ["split:0", "down"]},
        ],
        "pytorch",
        "add_shape_mismatch",
        "add",
        1,
    ),
    (
        "output not chosen",
        [
            _inp(8, 4, 4),
            {"id": "split", "type": "Split", "split_size_or_sections": 4},
            {"id": "relu", "type": "ReLU"},
        ],
        "pytorch",
        "output_not_chosen",
        "relu",
        2,
    ),
    (
        "no such output",
        [
            _inp(8, 4, 4),
            {"id": "split", "type": "Split", "split_size_or_sections": 4},
            {"id": "relu", "type": "ReLU", "inputs": ["split:2"]},
        ],
        "pytorch",
        "no_such_output",
        "relu",
        2,
    ),
    (
        "split into too many pieces",
        [_inp(5000, 2, 2), {"id": "split", "type": "Chunk", "chunks": 5000}],
        "pytorch",
        "too_many_outputs",
        "split",
        0,
    ),
    (
        "unsupported",
        [
            _inp(8, 4, 4),
            {"id": "roll", "type": "Unsupported", "op": "aten::roll", "shape": [8, 4, 4]},
        ],
        "pytorch",
        "unsupported_op",
        "roll",
        0,
    ),
    (
        "prelu",
        [_inp(8, 4, 4), {"id": "prelu", "type": "PReLU", "num_parameters": 3}],
        "pytorch",
        "prelu_parameters",
        "prelu",
        2,
    ),
    (
        "layernorm",
        [_inp(8, 4, 4), {"id": "ln", "type": "LayerNorm", "normalized_shape": [8]}],
        "pytorch",
        "normalized_shape_mismatch",
        "ln",
        0,
    ),
    (
        "instancenorm 1x1",
        [_inp(8, 1, 1), {"id": "in", "type": "InstanceNorm2d"}],
        "pytorch",
        "single_value_norm",
        "in",
        0,
    ),
    (
        "groupnorm",
        [_inp(12, 4, 4), {"id": "gn", "type": "GroupNorm", "num_groups": 8}],
        "pytorch",
        "groups_mismatch",
        "gn",
        2,
    ),
    (
        "shuffle",
        [_inp(12, 4, 4), {"id": "shuffle", "type": "ChannelShuffle", "groups": 5}],
        "pytorch",
        "groups_mismatch",
        "shuffle",
        2,
    ),
    (
        "split sections",
        [_inp(8, 4, 4), {"id": "split", "type": "Split", "split_size_or_sections": [3, 3]}],
        "pytorch",
        "split_sizes_mismatch",
        "split",
        1,
    ),
    (
        "reshape -1 twice",
        [_inp(8, 4, 4), {"id": "rs", "type": "Reshape", "shape": [-1, -1]}],
        "pytorch",
        "reshape_invalid",
        "rs",
        0,
    ),
    (
        "reshape count",
        [_inp(8, 4, 4), {"id": "rs", "type": "Reshape", "shape": [8, 5]}],
        "pytorch",
        "reshape_count_mismatch",
        "rs",
        0,
    ),
    (
        "mean batch",
        [_inp(8, 4, 4), {"id": "mean", "type": "Mean", "dim": [0, 2]}],
        "pytorch",
        "batch_axis",
        "mean",
        0,
    ),
    (
        "permute twice",
        [_inp(8, 4, 4), {"id": "perm", "type": "Permute", "dims": [0, 1, 1, 2]}],
        "pytorch",
        "duplicate_dim",
        "perm",
        0,
    ),
    (
        "scale",
        [_inp(8, 4, 4), {"id": "scale", "type": "Scale", "shape": [4, 1, 1]}],
        "pytorch",
        "scale_shape_mismatch",
        "scale",
        0,
    ),
    (
        "upsample to input 2",
        [
            _inp(8, 4, 4),
            {"id": "pool", "type": "MaxPool2d", "kernel_size": 2},
            {"id": "up", "type": "Upsample", "scale_factor": 2, "inputs": ["pool", "input"]},
        ],
        "pytorch",
        "upsample_arguments",
        "up",
        2,
    ),
    (
        "align corners",
        [_inp(8, 4, 4), {"id": "up", "type": "Upsample", "scale_factor": 2, "align_corners": True}],
        "pytorch",
        "align_corners_mode",
        "up",
        2,
    ),
]


def _load_note_design(code: str) -> Design:
    layers = [
        _inp(3, 8, 8),
        _conv("conv", 8, 3),
        {"type": "ReLU"},
        _conv("conv", 8, 1, inputs=["input"]),
    ]
    d = _design(layers)
    assert {c for c, _, _ in d.load_notes} == {"missing_id", "duplicate_id"}
    return d


def _find(analysis: Analysis, code: str, layer: str | None) -> Diagnostic:
    found = [d for d in analysis.diagnostics() if d.code == code and d.layer == layer]
    assert found, (
        f"{code} on {layer} not raised; got {[(d.code, d.layer) for d in analysis.diagnostics()]}"
    )
    return found[0]


def _check_fixes(design: Design, code: str, layer: str | None, minimum: int) -> None:
    analysis = analyze(design)
    diag = _find(analysis, code, layer)
    fixes = suggest_fixes(design, analysis, diag)
    assert len(fixes) >= minimum, [f.label for f in fixes]
    expl = explain_diagnostic(analysis, diag, fixes)
    text = render_text(expl)
    assert diag.message in text and WHY[code] in text
    assert len(expl.section("Fixes").numbered if fixes else ()) == len(fixes)  # type: ignore[union-attr]
    assert "<h2>" in render_html(expl)
    for fix in fixes:
        trial = design.copy()
        apply_fix(trial, fix)
        after = analyze(trial)
        assert not still_present(after, diag), fix.label
        assert fix.to_json()["operations"], fix.label


@pytest.mark.parametrize(
    ("name", "layers", "semantics", "code", "layer", "minimum"), CASES, ids=[c[0] for c in CASES]
)
def test_fix_removes_diagnostic(
    name: str,
    layers: list[dict[str, Any]],
    semantics: str,
    code: str,
    layer: str | None,
    minimum: int,
) -> None:
    _check_fixes(_design(layers, semantics), code, layer, minimum)


@pytest.mark.parametrize("code", ["missing_id", "duplicate_id"])
def test_load_note_fixes(code: str) -> None:
    design = _load_note_design(code)
    layer = next(lid for c, lid, _ in design.load_notes if c == code)
    _check_fixes(design, code, layer, 1)


def test_every_code_is_exercised() -> None:
    covered = {c[3] for c in CASES} | {"missing_id", "duplicate_id"}
    assert covered == set(_GENERATORS) | NO_FIX_CODES
    assert set(WHY) == covered


def test_alexnet_224_fixes_are_the_nearest_exact_settings() -> None:
    design = _design([_inp(3, 224, 224), _conv("conv1", 96, 11, stride=4)])
    analysis = analyze(design)
    fixes = suggest_fixes(design, analysis, _find(analysis, "non_integer_output", "conv1"))
    labels = [f.label for f in fixes]
    assert labels[0].startswith("Set the input size to 227×227")
    assert labels[1].startswith("Set the input size to 223×223")
    assert "ZeroPad2d [1, 2, 1, 2]" in labels[2]  # no symmetric padding divides 213 + 2P by 4
    assert labels[3].startswith("Set conv1's padding to 2")  # torchvision's choice: 55.25 → 55
    assert "(227 − 11 + 2·0)/4 + 1 = 55" in fixes[0].detail


def test_apply_fix_is_all_or_nothing() -> None:
    design = _design([_inp(3, 8, 8), _conv("conv", 8, 3)])
    before = [layer.copy() for layer in design]
    bad = FixData(
        "broken", (SetParam("conv", "kernel_size", 1), AddLayer("conv", "ReLU")), "x", "conv"
    )
    with pytest.raises(FixError, match="already exists"):
        apply_fix(design, bad)
    assert [(la.id, la.params) for la in design] == [(la.id, la.params) for la in before]


def test_dismissed_load_note_can_be_restored() -> None:
    design = _load_note_design("missing_id")
    analysis = analyze(design)
    errors = analysis.totals().errors
    note = design.load_notes[0]
    assert design.dismiss_load_note(note[0], note[1]) == note
    live = Analysis(design)
    assert live.totals().errors == errors - 1
    design.restore_load_note(note)
    assert live.totals().errors == errors

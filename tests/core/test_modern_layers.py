"""Issue 11's vocabulary in the core: broadcasting merges, indexed outputs, Unsupported,
and the rank-2 Add crash (shape arithmetic is compared with torch in test_torch_oracle.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.core.analysis import analyze
from designer.core.design import Design, DesignError, Layer, split_ref
from designer.core.fileformat import dumps_design, load_design, loads_design, save_design

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "format" / "v1"


def _rank2_add() -> Design:
    """The issue's reproduction: Input → Flatten(start_dim=2) → two Linear (10 and 20) → Add."""
    design = Design("rank-2 add")
    design.add_layer(Layer("input", "Input", {"shape": [3, 8, 8]}))
    design.add_layer(Layer("flat", "Flatten", {"start_dim": 2}, ["input"]))
    design.add_layer(Layer("fc10", "Linear", {"out_features": 10}, ["flat"]))
    design.add_layer(Layer("fc20", "Linear", {"out_features": 20}, ["flat"]))
    design.add_layer(Layer("add", "Add", {}, ["fc10", "fc20"]))
    return design


def test_rank2_add_mismatch_is_a_diagnostic_not_an_index_error() -> None:
    info = analyze(_rank2_add()).info["add"]
    assert info.output_shape is None
    assert [d.code for d in info.diagnostics] == ["add_shape_mismatch"]
    assert "input 1 is 3×10 and input 2 is 3×20 (dim 2 10 vs 20)" in info.diagnostics[0].message


def test_rank2_add_mismatch_check_and_export_exit_1_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rank2.json"
    save_design(_rank2_add(), path)
    assert main(["check", str(path)]) == 1
    assert "add_shape_mismatch" in capsys.readouterr().out
    assert main(["export", str(path), "-o", str(tmp_path / "model.py")]) == 1
    assert not (tmp_path / "model.py").exists()


def _se_block(c: int = 16, h: int = 14, extra: list[Layer] | None = None) -> Design:
    design = Design("se")
    design.add_layer(Layer("input", "Input", {"shape": [c, h, h]}))
    design.add_layer(Layer("squeeze", "AdaptiveAvgPool2d", {"output_size": 1}, ["input"]))
    design.add_layer(Layer("fc1", "Conv2d", {"out_channels": 4, "kernel_size": 1}, ["squeeze"]))
    design.add_layer(Layer("relu", "ReLU", {}, ["fc1"]))
    design.add_layer(Layer("fc2", "Conv2d", {"out_channels": c, "kernel_size": 1}, ["relu"]))
    design.add_layer(Layer("gate", "Hardsigmoid", {}, ["fc2"]))
    design.add_layer(Layer("scale", "Mul", {}, ["gate", "input"]))
    for layer in extra or []:
        design.add_layer(layer)
    return design


def test_se_block_mul_broadcasts_the_gate_over_the_volume() -> None:
    analysis = analyze(_se_block())
    info = analysis.info["scale"]
    assert info.output_shape == (16, 14, 14)
    assert info.derived["broadcast"] == {"inputs": [0], "shape": [16, 14, 14]}
    assert info.macs == 0 and info.status == "ok"


def test_add_broadcast_that_enlarges_every_input_is_an_explained_error() -> None:
    design = Design("enlarge")
    design.add_layer(Layer("input", "Input", {"shape": [8, 6, 6]}))
    design.add_layer(Layer("rows", "AdaptiveAvgPool2d", {"output_size": [None, 1]}, ["input"]))
    design.add_layer(Layer("cols", "AdaptiveAvgPool2d", {"output_size": [1, None]}, ["input"]))
    design.add_layer(Layer("sum", "Add", {}, ["rows", "cols"]))
    info = analyze(design).info["sum"]
    assert info.output_shape is None
    (diag,) = info.diagnostics
    assert diag.code == "broadcast_enlarges"
    assert "6×1×8 and 1×6×8 would broadcast to 6×6×8" in diag.message


def test_mul_of_clashing_sizes_names_both_inputs() -> None:
    design = _se_block()
    design.add_layer(Layer("other", "Conv2d", {"out_channels": 8, "kernel_size": 1}, ["input"]))
    design.add_layer(Layer("bad", "Mul", {}, ["input", "other"]))
    (diag,) = analyze(design).info["bad"].diagnostics
    assert diag.code == "mul_shape_mismatch"
    assert "input 1 is 14×14×16 and input 2 is 14×14×8 (channels 16 vs 8)" in diag.message


# ------------------------------------------------------------------ indexed outputs


def _split_design() -> Design:
    design = Design("split")
    design.add_layer(Layer("input", "Input", {"shape": [116, 28, 28]}))
    design.add_layer(Layer("split", "Split", {"split_size_or_sections": 58}, ["input"]))
    design.add_layer(Layer("branch", "Conv2d", {"out_channels": 58, "kernel_size": 1}, ["split:1"]))
    design.add_layer(Layer("cat", "Concat", {}, ["split:0", "branch"]))
    design.add_layer(Layer("shuffle", "ChannelShuffle", {"groups": 2}, ["cat"]))
    return design


def test_split_outputs_are_addressed_by_index() -> None:
    analysis = analyze(_split_design())
    assert analysis.info["split"].output_shapes == ((58, 28, 28), (58, 28, 28))
    assert analysis.info["split"].neurons == 116 * 28 * 28
    assert analysis.info["branch"].input_shapes == [(58, 28, 28)]
    assert analysis.info["shuffle"].output_shape == (116, 28, 28)
    assert analysis.totals().errors == 0
    assert analysis.order.index("split") < analysis.order.index("branch")


def test_a_plain_reference_to_a_split_asks_which_output() -> None:
    design = _split_design()
    design.set_inputs("branch", ["split"])
    (diag,) = analyze(design).info["branch"].diagnostics
    assert diag.code == "output_not_chosen"
    assert "split:0 (28×28×58), split:1 (28×28×58)" in diag.message


def test_an_index_the_layer_does_not_have_is_an_error() -> None:
    design = _split_design()
    design.set_inputs("branch", ["split:2"])
    (diag,) = analyze(design).info["branch"].diagnostics
    assert diag.code == "no_such_output" and "has only 2 outputs" in diag.message
    design.set_inputs("branch", ["input:1"])
    assert [d.code for d in analyze(design).info["branch"].diagnostics] == ["no_such_output"]
    design.set_inputs("branch", ["input:0"])  # output 0 of a single-output layer is the layer
    assert analyze(design).info["branch"].diagnostics == []


def test_live_analysis_follows_split_edits() -> None:
    from designer.core.analysis import Analysis

    design = _split_design()
    live = Analysis(design)
    design.set_param("split", "split_size_or_sections", [16, 100])
    assert live.info["branch"].input_shapes == [(100, 28, 28)]
    assert [d.code for d in live.info["cat"].diagnostics] == []
    assert live.info["cat"].output_shape == (74, 28, 28)
    fresh = analyze(design)
    assert {k: v.output_shape for k, v in fresh.info.items()} == {
        k: v.output_shape for k, v in live.info.items()
    }


def test_rename_keeps_the_index_and_remove_drops_the_references() -> None:
    design = _split_design()
    design.rename_layer("split", "stem_split")
    assert design.layer("branch").inputs == ["stem_split:1"]
    assert design.layer("cat").inputs == ["stem_split:0", "branch"]
    assert design.consumers("stem_split") == ["branch", "cat"]
    removal = design.remove_layer("stem_split")
    assert design.layer("cat").inputs == ["branch"]
    design.restore_layer(removal)
    assert design.layer("cat").inputs == ["stem_split:0", "branch"]
    with pytest.raises(DesignError):
        design.set_inputs("branch", ["branch:0"])


def test_split_ref_parsing() -> None:
    assert split_ref("split1:1") == ("split1", 1)
    assert split_ref("conv.1") == ("conv.1", None)
    assert split_ref("a:b") == ("a:b", None)  # not an index: an id that does not exist
    assert split_ref(":1") == (":1", None)


def test_indexed_inputs_survive_save_and_load() -> None:
    design = _split_design()
    text = dumps_design(design)
    assert '"inputs": ["split:0", "branch"]' in text
    again = loads_design(text)
    assert again.layer("cat").inputs == ["split:0", "branch"]
    assert dumps_design(again) == text


def test_a_file_whose_layer_reads_its_own_output_by_index_is_refused() -> None:
    from designer.core.fileformat import FormatError

    doc = {
        "format": "cnn-designer",
        "version": 1,
        "layers": [
            {"id": "input", "type": "Input", "shape": [4]},
            {"id": "s", "type": "Split", "split_size_or_sections": 1, "inputs": ["s:0"]},
        ],
    }
    with pytest.raises(FormatError, match=r"\$\.layers\[1\]\.inputs"):
        loads_design(json.dumps(doc))


def test_the_modern_fixture_analyses_with_only_the_unsupported_error() -> None:
    analysis = analyze(load_design(FIXTURES / "modern_layers.json"))
    errors = [d for d in analysis.diagnostics() if d.severity == "error"]
    assert [(d.code, d.layer) for d in errors] == [("unsupported_op", "roll")]
    assert analysis.info["out"].output_shape == (2, 5)  # the importer's shape flows on


# ------------------------------------------------------------------------ Unsupported


def _with_unsupported() -> Design:
    design = Design("unsupported")
    design.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}))
    design.add_layer(
        Layer("conv", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}, ["input"])
    )
    design.add_layer(
        Layer("roll", "Unsupported", {"op": "aten::roll", "shape": [8, 32, 32]}, ["conv", "input"])
    )
    design.add_layer(Layer("pool", "AdaptiveAvgPool2d", {"output_size": 1}, ["roll"]))
    return design


def test_unsupported_keeps_its_shape_and_is_an_error() -> None:
    analysis = analyze(_with_unsupported())
    info = analysis.info["roll"]
    assert info.output_shape == (8, 32, 32) and info.status == "error"
    assert [d.code for d in info.diagnostics] == ["unsupported_op"]
    assert "aten::roll" in info.diagnostics[0].message
    assert analysis.info["pool"].output_shape == (8, 1, 1)
    design = _with_unsupported()
    design.set_param("roll", "shape", None)
    assert analyze(design).info["pool"].status == "unknown"


def test_unsupported_survives_save_and_blocks_check_and_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "imported.json"
    save_design(_with_unsupported(), path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    roll = next(layer for layer in saved["layers"] if layer["id"] == "roll")
    assert roll == {
        "id": "roll",
        "type": "Unsupported",
        "inputs": ["conv", "input"],
        "op": "aten::roll",
        "shape": [8, 32, 32],
    }
    assert main(["check", str(path)]) == 1
    assert "unsupported_op" in capsys.readouterr().out
    out = tmp_path / "model.py"
    assert main(["export", str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "aten::roll" in err
    assert not out.exists()


# ------------------------------------------------------------------ views and figures


def test_figures_draw_every_new_layer_type() -> None:
    """The graph figure used to crash on an Upsample that takes its size from a second input."""
    from designer.core.graph_geometry import build_graph_figure, layer_summary
    from designer.core.volume_geometry import build_volume_scene

    design = load_design(FIXTURES / "modern_layers.json")
    analysis = analyze(design)
    build_graph_figure(analysis)
    assert layer_summary(design.layer("up")) == "→ size of input 2"
    assert layer_summary(design.layer("split")) == "8+8"
    scene = build_volume_scene(analysis)
    assert scene.block_of["shuffle"] == scene.block_of["droppath"]  # shape-keeping layers fold


def test_channels_last_volumes_are_shown_as_the_volume_they_hold() -> None:
    from designer.core.layer_table import layer_rows
    from designer.core.report import check_table

    design = load_design(
        Path(__file__).resolve().parent.parent / "data" / "designs" / "modern_blocks.json"
    )
    analysis = analyze(design)
    ln = analysis.info["cx_ln"]
    assert ln.output_shape == (56, 56, 96) and ln.channel_axis == 2
    assert ln.display_shape == (96, 56, 56)
    row = next(r for r in layer_rows(analysis) if r.id == "cx_ln")
    assert row.text("output_shape") == "56×56×96"
    line = next(x for x in check_table(analysis).splitlines() if x.startswith("cx_fc1 "))
    assert line.split()[:3] == ["cx_fc1", "Linear", "56×56×384"]
    assert analysis.info["cx_nchw"].channel_axis == 0


def test_check_json_lists_every_output_of_a_split(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "split.json"
    save_design(_split_design(), path)
    assert main(["check", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    split = next(layer for layer in doc["layers"] if layer["id"] == "split")
    assert split["output_shape"] == [58, 28, 28]
    assert split["output_shapes"] == [[58, 28, 28], [58, 28, 28]]
    assert "output_shapes" not in next(layer for layer in doc["layers"] if layer["id"] == "branch")


def test_an_upsample_sized_by_a_second_input_sees_only_its_first_input() -> None:
    design = Design("seg head")
    design.add_layer(Layer("input", "Input", {"shape": [3, 64, 64]}))
    design.add_layer(Layer("pool", "MaxPool2d", {"kernel_size": 2}, ["input"]))
    design.add_layer(
        Layer("wide", "Conv2d", {"out_channels": 8, "kernel_size": 7, "padding": 3}, ["input"])
    )
    design.add_layer(Layer("up", "Upsample", {"mode": "bilinear"}, ["pool", "wide"]))
    analysis = analyze(design)
    assert analysis.info["up"].output_shape == (3, 64, 64)
    rf = analysis.info["up"].receptive_field
    # The pooled values (2×2 pixels each) spread back over 64×64; the 7×7 conv only lends its size.
    assert rf is not None and rf.size == (2.0, 2.0) and rf.jump == (1.0, 1.0)


def test_a_broadcast_gate_widens_the_receptive_field_but_keeps_the_jump() -> None:
    """After an SE block each output sees the whole input, but outputs stay 2 pixels apart."""
    design = load_design(
        Path(__file__).resolve().parent.parent / "data" / "designs" / "modern_blocks.json"
    )
    analysis = analyze(design)
    assert analysis.info["dw_relu"].receptive_field.jump == (2.0, 2.0)  # type: ignore[union-attr]
    rf = analysis.info["se_scale"].receptive_field
    assert rf is not None and rf.size == (59.0, 59.0) and rf.jump == (2.0, 2.0)


def test_groups_see_split_pieces_as_reads_of_the_split() -> None:
    from designer.core.groups import Group, consumers_of, summarize

    design = _split_design()
    design.set_groups(
        [Group("unit", "ShuffleNet unit", None, ["split", "branch", "cat", "shuffle"])]
    )
    assert consumers_of(design)["split"] == ["branch", "cat"]
    summary = summarize(design, analyze(design), ["branch", "cat", "shuffle"])
    assert summary.input_shape == (58, 28, 28)  # the piece branch takes, not the whole input
    assert summary.output_shape == (116, 28, 28)

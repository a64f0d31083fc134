"""Layer explanations, the rendered check output and the CLI (golden files in tests/data/golden/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.core.analysis import analyze
from designer.core.explain import decimal, explain_layer, render_html, render_text
from designer.core.fileformat import load_design
from designer.core.registry import REGISTRY
from designer.core.semantics_compare import compare_semantics

DESIGNS = Path(__file__).resolve().parent.parent / "data" / "designs"


def _text(name: str, layer: str) -> str:
    return render_text(explain_layer(analyze(load_design(DESIGNS / name)), layer))


def test_alexnet_conv1_227_reads_like_the_issue(golden) -> None:  # type: ignore[no-untyped-def]
    text = _text("alexnet_paper_227.json", "conv1")
    for line in (
        "= (227 − 11 + 2·0)/4 + 1 = 216/4 + 1 = 55",
        "depth: 96  — the number of filters; each filter is 11×11×3 (it spans all 3 input channels)",
        "= 55·55·96 = 290,400",
        "= (11·11·3 + 1)·96 = 34,944",
        "= 290,400·11·11·3 = 105,415,200",
        "receptive field: 11×11 pixels of the input, jump 4",
    ):
        assert line in text
    golden("explain/alexnet_conv1_227.txt", text)


def test_alexnet_conv1_224_shows_the_fraction(golden) -> None:  # type: ignore[no-untyped-def]
    analysis = analyze(load_design(DESIGNS / "alexnet_paper_224.json"))
    expl = explain_layer(analysis, "conv1")
    text = render_text(expl)
    assert "213/4 + 1 = 54.25 → ⌊54.25⌋ = 54" in text
    assert "the last 1 row and column of the input are never read" in text
    golden("explain/alexnet_conv1_224.txt", text)
    html = render_html(expl)
    assert '<span class="bad">54.25</span>' in html
    assert "<table" in html and "⌊" in html
    golden("explain/alexnet_conv1_224.html", html)


@pytest.mark.parametrize(
    "layer", [la["id"] for la in json.loads((DESIGNS / "every_layer.json").read_text())["layers"]]
)
def test_one_explanation_per_layer_type(layer: str, golden) -> None:  # type: ignore[no-untyped-def]
    design = load_design(DESIGNS / "every_layer.json")
    analysis = analyze(design)
    text = render_text(explain_layer(analysis, layer))
    assert text.startswith(f"{layer} — {design.layer(layer).type}")
    golden(f"explain/layer_{layer}.txt", text)


@pytest.mark.parametrize(
    "layer", [la["id"] for la in json.loads((DESIGNS / "modern_layers.json").read_text())["layers"]]
)
def test_one_explanation_per_modern_layer_type(layer: str, golden) -> None:  # type: ignore[no-untyped-def]
    design = load_design(DESIGNS / "modern_layers.json")
    text = render_text(explain_layer(analyze(design), layer))
    assert text.startswith(f"{layer} — {design.layer(layer).type}")
    golden(f"explain/modern_{layer}.txt", text)


def test_every_layer_type_has_a_fixture() -> None:
    design = load_design(DESIGNS / "every_layer.json")
    modern = load_design(DESIGNS / "modern_layers.json")
    assert {layer.type for layer in design} | {layer.type for layer in modern} == set(REGISTRY)


def test_explanations_never_fail_on_broken_layers() -> None:
    design = load_design(DESIGNS / "resnet_block_broken.json")
    design.set_param("conv1", "kernel_size", 99)
    design.set_inputs("bn1", ["nowhere"])
    analysis = analyze(design)
    for lid in design.ids:
        expl = explain_layer(analysis, lid)
        assert render_text(expl) and render_html(expl)
    assert "does not fit" in render_text(explain_layer(analysis, "conv1"))
    assert "no numbers can be put in yet" in render_text(explain_layer(analysis, "conv2"))


def test_decimal_never_rounds_silently() -> None:
    from fractions import Fraction

    assert decimal(Fraction(217, 4)) == "54.25"
    assert decimal(Fraction(55, 3)) == "18.33…"


def test_semantics_disagree_where_pooling_rounds() -> None:
    rows = {r.layer: r for r in compare_semantics(load_design(DESIGNS / "alexnet_paper_224.json"))}
    assert rows["conv1"].outputs["strict"] == "error"
    assert rows["pool1"].outputs == {
        "pytorch": "26×26×96",
        "keras": "26×26×96",
        "caffe": "27×27×96",
        "strict": "?",
    }
    assert compare_semantics(load_design(DESIGNS / "alexnet_paper_227.json")) == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("alexnet_paper_224.json", 0),
        ("alexnet_paper_227.json", 0),
        ("resnet_block_broken.json", 1),
        ("linear_on_volume.json", 0),
    ],
)
def test_check_output(name: str, code: int, capsys: pytest.CaptureFixture[str], golden) -> None:  # type: ignore[no-untyped-def]
    path = DESIGNS / name
    assert main(["check", str(path)]) == code
    out = capsys.readouterr().out.replace(str(path), f"tests/data/designs/{name}")
    golden(f"check/{name.removesuffix('.json')}.txt", out)


def test_check_explain_and_compare(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(DESIGNS / "alexnet_paper_224.json")
    assert main(["check", path, "--explain", "conv1"]) == 0
    assert "54.25" in capsys.readouterr().out
    assert main(["check", path, "--explain", "nope"]) == 2
    assert "no layer 'nope'" in capsys.readouterr().err
    assert main(["check", path, "--compare-semantics"]) == 0
    assert "caffe" in capsys.readouterr().out


def test_check_json_keeps_its_fields_and_adds_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(DESIGNS / "resnet_block_broken.json"), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    diag = next(d for d in doc["diagnostics"] if d["code"] == "add_shape_mismatch")
    assert {"severity", "code", "layer", "message"} <= set(diag)
    assert diag["fixes"][0]["operations"][0]["op"] == "add_layer"
    assert "Why it matters" in diag["explanation"]


def test_fix_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "alexnet.json"
    src.write_bytes((DESIGNS / "alexnet_paper_224.json").read_bytes())
    out = tmp_path / "fixed.json"
    assert main(["fix", str(src)]) == 0
    assert "1. Set the input size to 227×227" in capsys.readouterr().out
    assert main(["fix", str(src), "--apply", "non_integer_output"]) == 1
    assert "several layers" in capsys.readouterr().err
    assert (
        main(["fix", str(src), "--apply", "non_integer_output", "--layer", "conv1", "-o", str(out)])
        == 0
    )
    assert "0 errors, 0 warnings left" in capsys.readouterr().out
    assert load_design(out).layer("input").value("shape") == [3, 227, 227]
    assert src.read_bytes() == (DESIGNS / "alexnet_paper_224.json").read_bytes()
    assert main(["fix", str(src), "--apply", "cycle"]) == 1
    assert (
        main(
            ["fix", str(src), "--apply", "non_integer_output", "--layer", "conv1", "--choice", "9"]
        )
        == 1
    )
    assert main(["fix", str(tmp_path / "missing.json")]) == 2
    capsys.readouterr()
    res = tmp_path / "res.json"
    res.write_bytes((DESIGNS / "resnet_block_broken.json").read_bytes())
    assert main(["fix", str(res), "--apply", "add_shape_mismatch"]) == 0
    assert main(["check", str(res), "--brief"]) == 0


@pytest.mark.parametrize(
    ("layer", "lines"),
    [
        (
            "se_scale",
            [
                "channels: 72 vs 72 = 72  — equal",
                "height: 1 vs 28 = 28  — se_gate repeated 28×",
                "se_gate holds one number per channel (72 values), and each is repeated over the 28×28 = 784 "
                "positions of that channel of dw_relu",
            ],
        ),
        (
            "sh_shuffle",
            [
                "= 116/2 = 58",
                "new order: 0, 58, 1, 59, …",
                "The 116 channels are read as 2 groups of 58",
            ],
        ),
        (
            "sh_split",
            [
                "pieces: 58 + 58 = 116",
                "sh_split:0: 28×28×58  — → sh_cat",
                "sh_split:1: 28×28×58  — → b_conv1",
            ],
        ),
        (
            "down_ln",
            [
                "At each of the 56×56 positions, the 96 channel values are normalised together",
                "= 2·96 = 192",
            ],
        ),
        (
            "cx_ln",
            [
                "The last axis (96 values) is normalised together, separately at each of the 3,136 other positions."
            ],
        ),
        (
            "cx_fc1",
            [
                "in_features: 96  — the channels: the data is channels-last after a permute",
                "A pointwise layer",
            ],
        ),
        ("cx_scale", ["One multiplier per channel: ConvNeXt's layer scale", "= 96·1·1 = 96"]),
    ],
)
def test_modern_blocks_explain_with_the_users_numbers(
    layer: str, lines: list[str], capsys, golden
) -> None:  # type: ignore[no-untyped-def]
    """check --explain on the SE block's Mul, ShuffleNet's ChannelShuffle and ConvNeXt's LayerNorms."""
    assert main(["check", str(DESIGNS / "modern_blocks.json"), "--explain", layer]) == 0
    text = capsys.readouterr().out
    for line in lines:
        assert line in text, line
    golden(f"explain/modern_blocks_{layer}.txt", text)


def test_modern_blocks_check_has_no_warnings(capsys) -> None:  # type: ignore[no-untyped-def]
    """ConvNeXt's Linear after a permute is pointwise on channels: no linear_on_volume warning."""
    analysis = analyze(load_design(DESIGNS / "modern_blocks.json"))
    assert [d.code for d in analysis.diagnostics() if d.severity != "info"] == []
    assert analysis.info["cx_fc1"].macs == 56 * 56 * 96 * 384

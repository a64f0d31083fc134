"""The tutorial quotes only numbers the app really shows, and its pictures exist.

Each lesson's design is rebuilt from ``tools/tutorial_designs.py`` (the same edits the
screenshot script replays in the app) and analysed with the core; every quoted value is
compared with the analysis *and* looked up, verbatim, in ``docs/tutorial.md``.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design
from designer.core.diagnosis import explain_diagnostic
from designer.core.explain import explain_layer, render_text
from designer.core.fileformat import dumps_design, load_design
from designer.core.fixes import suggest_fixes
from designer.core.report import human_bytes, human_count
from designer.core.shape_rules import fmt_shape

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TOOLS = ROOT / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

tut = importlib.import_module("tutorial_designs")
TUTORIAL = (DOCS / "tutorial.md").read_text(encoding="utf-8")
GUIDE_DOCS = ("tutorial.md", "user-guide.md")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _quoted(text: str) -> None:
    """``text`` appears in the tutorial (line breaks and runs of spaces do not count)."""
    assert _flat(text) in _flat(TUTORIAL), f"docs/tutorial.md should quote {text!r}"


def _shape(a: Analysis, lid: str) -> str:
    return fmt_shape(a.info[lid].output_shape)


def _n(value: int) -> str:
    return f"{value:,}"


@pytest.fixture(scope="module")
def lenet() -> Analysis:
    return analyze(tut.lenet5())


@pytest.fixture(scope="module")
def alex224() -> Analysis:
    return analyze(tut.alexnet_224())


@pytest.fixture(scope="module")
def alex227() -> Analysis:
    return analyze(tut.alexnet_fixed())


@pytest.fixture(scope="module")
def res_broken() -> Analysis:
    return analyze(tut.residual_broken())


@pytest.fixture(scope="module")
def res_fixed() -> Analysis:
    return analyze(tut.residual_fixed())


# ------------------------------------------------------------------ lesson 1


def test_an_empty_design_has_one_error() -> None:
    problems = analyze(Design("Untitled")).diagnostics()
    assert [(d.severity, d.code) for d in problems] == [("error", "no_input")]
    assert problems[0].message.startswith(
        "The design has no Input layer, so no shape can be computed."
    )
    _quoted(
        '**1 error** in the status bar: "The design has no Input layer, so no shape can be computed."'
    )
    assert analyze(tut.build(tut.LENET5_STEPS[:1])).diagnostics() == []


def test_lenet_ids_are_the_ones_the_app_hands_out(lenet: Analysis) -> None:
    assert lenet.design.ids == [
        "input1",
        "conv1",
        "tanh1",
        "avgpool1",
        "conv2",
        "tanh2",
        "avgpool2",
        "flatten1",
        "fc1",
        "tanh3",
        "fc2",
        "tanh4",
        "fc3",
    ]
    _quoted("`input1`, `conv1`, `tanh1`, `avgpool1`")
    lesson1 = TUTORIAL.split("## Lesson 1")[1].split("## Lesson 2")[0]
    for lid in set(re.findall(r"`([a-z]+\d+)`", lesson1)):
        assert lid in lenet.design, f"lesson 1 names {lid}, which the app does not create"


def test_inspector_field_names_are_the_apps() -> None:
    """The tutorial's *field* names are the inspector's labels (the registry's titles)."""
    from designer.core.registry import REGISTRY

    titles = {spec.title for ltype in REGISTRY.values() for spec in ltype.params}
    used = {"filters", "kernel", "stride", "padding", "shape", "outputs", "bias"}
    assert used <= titles
    for title in used:
        _quoted(f"*{title}*")


def test_lenet_volumes(lenet: Analysis) -> None:
    expected = {
        "input1": "32×32×1",
        "conv1": "28×28×6",
        "tanh1": "28×28×6",
        "avgpool1": "14×14×6",
        "conv2": "10×10×16",
        "avgpool2": "5×5×16",
        "fc1": "120",
        "fc2": "84",
        "fc3": "10",
    }
    for lid, text in expected.items():
        assert _shape(lenet, lid) == text, lid
        _quoted(text)
    assert _shape(lenet, "flatten1") == "400"
    _quoted("**400** features")
    assert lenet.diagnostics() == []


def test_lenet_formulas_are_the_apps(lenet: Analysis) -> None:
    conv1 = render_text(explain_layer(lenet, "conv1"))
    pool1 = render_text(explain_layer(lenet, "avgpool1"))
    for line, text in (
        ("(32 − 5 + 2·0)/1 + 1 = 27 + 1 = 28", conv1),
        ("(28 − 2 + 2·0)/2 + 1 = 26/2 + 1 = 14", pool1),
        ("(5·5·1 + 1)·6 = 156", conv1),
    ):
        assert line in text
        _quoted(line.split(" = 156")[0])
    for lid, line in (
        ("conv2", "(14 − 5 + 2·0)/1 + 1 = 9 + 1 = 10"),
        ("avgpool2", "(10 − 2 + 2·0)/2 + 1 = 8/2 + 1 = 5"),
    ):
        assert line in render_text(explain_layer(lenet, lid))
        _quoted(line)


def test_lenet_counts(lenet: Analysis) -> None:
    info = lenet.info
    assert info["conv1"].params == 156 and info["conv1"].macs == 117_600
    _quoted("**156** parameters")
    _quoted("117,600 multiply-accumulates")
    assert info["conv2"].params == 2_416 and info["conv2"].macs == 240_000
    _quoted("**2,416** parameters")
    _quoted("240,000 multiply-accumulates")
    for lid, in_features, out in (("fc1", 400, 120), ("fc2", 120, 84), ("fc3", 84, 10)):
        params = (in_features + 1) * out
        assert info[lid].params == params and info[lid].macs == in_features * out
        _quoted(
            f"| {lid} | {out} | {_n(params)} = ({in_features} + 1)·{out} | {_n(in_features * out)} |"
        )
    totals = lenet.totals()
    status = f"**{len(lenet.design)} layers · {_n(totals.params)} params · {human_count(totals.macs)} MACs**"
    assert status == "**13 layers · 61,706 params · 416.5k MACs**"
    _quoted(status)
    template = analyze(load_design(tut.TEMPLATES / "lenet5.json"))
    assert template.totals().params == totals.params and template.totals().macs == totals.macs
    assert template.info["c5"].params == info["fc1"].params == 48_120


def test_lenet_padding_experiment(lenet: Analysis) -> None:
    design = lenet.design.copy()
    design.set_param("conv1", "padding", 2)
    a = analyze(design)
    assert _shape(a, "conv1") == "32×32×6" and _shape(a, "flatten1") == "576"
    assert a.info["fc1"].params == 69_240
    _quoted("`32×32×6`")
    _quoted("576 features")
    _quoted("69,240")


# ------------------------------------------------------------------ lesson 2


def test_alexnet_224_warning_and_explanation(alex224: Analysis) -> None:
    assert _shape(alex224, "conv1") == "54×54×96"
    _quoted("conv1 now reads `54×54×96`")
    warnings = [d for d in alex224.diagnostics() if d.severity == "warning"]
    assert [d.layer for d in warnings] == ["conv1", "pool1", "pool2", "pool5"]
    assert all(d.code == "non_integer_output" for d in warnings)
    _quoted("Four cards get a warning badge")
    _quoted("Three pooling layers now warn")
    diagnostic = next(d for d in warnings if d.layer == "conv1")
    text = render_text(explain_diagnostic(alex224, diagnostic))
    for line in (
        "(224 − 11 + 2·0)/4 + 1 = 213/4 + 1 = 54.25 → ⌊54.25⌋ = 54",
        "the 11-pixel window, moved 4 at a time over 224 pixels, fits 54 times",
        "with 1 pixel left over (213 = 4·53 + 1). The last 1 row and 1 column of the input are never read.",
        'PyTorch rounds down to 54 (so do Keras with "valid" padding and Caffe); strict arithmetic rejects it.',
    ):
        assert _flat(line) in _flat(text), line
        _quoted(line)


def test_alexnet_224_consequences(alex224: Analysis, alex227: Analysis) -> None:
    pairs = {"pool1": ("26×26×96", "27×27×96"), "pool5": ("5×5×256", "6×6×256")}
    for lid, (small, right) in pairs.items():
        assert (_shape(alex224, lid), _shape(alex227, lid)) == (small, right)
        _quoted(f"{small} instead of {right}")
    assert (_shape(alex224, "flatten"), _shape(alex227, "flatten")) == ("6400", "9216")
    _quoted("6,400 features instead of 9,216")
    assert (alex224.info["fc6"].params, alex227.info["fc6"].params) == (26_218_496, 37_752_832)
    _quoted("26,218,496 parameters instead of 37,752,832")
    assert (alex224.totals().params, alex227.totals().params) == (49_430_888, 60_965_224)
    _quoted("49,430,888 parameters instead of\n60,965,224")
    _quoted("shows 60,965,224 parameters")


def test_alexnet_fixes_are_the_apps(alex224: Analysis) -> None:
    d = next(d for d in alex224.diagnostics() if d.layer == "conv1")
    labels = [f.label for f in suggest_fixes(alex224.design, alex224, d)]
    assert labels[0].startswith("Set the input size to 227×227")
    assert labels[1].startswith("Set the input size to 223×223")
    assert labels[2].startswith("Insert ZeroPad2d [1, 2, 1, 2]")
    assert labels[3].startswith("Set conv1's padding to 2")
    for quote in (
        "*Set the input size to 227×227*",
        "*Set the input size to 223×223*",
        "*Insert ZeroPad2d [1, 2, 1, 2]*",
        "*Set conv1's padding to 2*",
        "(224 − 11 + 2·2)/4 + 1 = 55.25 → 55",
        "(227 − 11 + 2·0)/4 + 1 = 55",
    ):
        _quoted(quote)
    by_hand = tut.build(tut.ALEXNET_FIX_BY_HAND, tut.alexnet_224())
    assert _layers_only(by_hand) == _layers_only(tut.alexnet_fixed()), "fix 1 is the hand edit"
    from designer.ui.panels.fix_application import short_label

    first = suggest_fixes(alex224.design, alex224, d)[0]
    _quoted(f"*1. {short_label(first)}*")
    strict = alex224.design.copy()
    strict.set_semantics("strict")
    assert [(x.severity, x.layer) for x in analyze(strict).diagnostics()] == [("error", "conv1")]
    padded = alex224.design.copy()
    padded.set_param("conv1", "padding", 2)
    assert _shape(analyze(padded), "conv1") == "55×55×96"
    torchvision = load_design(tut.TEMPLATES / "alexnet_torchvision.json")
    first_conv = next(lid for lid in torchvision.ids if torchvision.layer(lid).type == "Conv2d")
    assert torchvision.layer(first_conv).resolved()["padding"] == 2


def test_alexnet_227_conv1(alex227: Analysis) -> None:
    info = alex227.info["conv1"]
    assert _shape(alex227, "conv1") == "55×55×96" and alex227.diagnostics() == []
    assert alex227.design.layer("input").params["shape"] == [3, 227, 227]
    assert info.params == (11 * 11 * 3 + 1) * 96 == 34_944
    _quoted("(11·11·3 + 1)·96 = 34,944      (34,848 weights + 96 biases)")
    _quoted("**params 34,944**")
    _quoted("`in 227×227×3 → 55×55×96`")
    assert info.neurons == 290_400 == 55 * 55 * 96 and 48 * 48 * 55 * 2 == 253_440
    assert info.macs == 105_415_200
    _quoted("neurons 55·55·96 =\n290,400")
    _quoted("290,400·11·11·3 = 105,415,200")
    _quoted("253,440 equals 48·48·55·2")
    text = render_text(explain_layer(alex227, "conv1"))
    assert "(11·11·3 + 1)·96 = 34,944" in text and "290,400·11·11·3 = 105,415,200" in text


# ------------------------------------------------------------------ lesson 3


def test_residual_mismatch(res_broken: Analysis) -> None:
    assert _shape(res_broken, "relu1") == "32×32×16" and _shape(res_broken, "conv2") == "16×16×32"
    _quoted("`relu1` is `32×32×16`")
    line = "(32 − 3 + 2·1)/2 + 1 = 31/2 + 1 = 16.5 → ⌊16.5⌋ = 16"
    assert line in render_text(explain_layer(res_broken, "conv2"))
    _quoted(f"{line}   →   16×16×32")
    notes = {(d.severity, d.code, d.layer) for d in res_broken.diagnostics()}
    assert notes == {
        ("error", "add_shape_mismatch", "add1"),
        ("info", "non_integer_output", "conv2"),
    }
    error = next(d for d in res_broken.diagnostics() if d.severity == "error")
    assert error.message == (
        "add1: Add needs matching shapes (a size of 1 is repeated to match), but input 1 "
        "is 16×16×32 and input 2 is 32×32×16 (channels 32 vs 16, height 16 vs 32, width 16 vs 32)."
    )
    _quoted(error.message)
    assert res_broken.info["relu3"].output_shape is None
    by_hand = tut.build(tut.RESIDUAL_FIX_BY_HAND, tut.residual_broken())
    assert _layers_only(by_hand) == _layers_only(tut.residual_fixed()), "the fix is the two drops"
    fixes = suggest_fixes(res_broken.design, res_broken, error)
    assert fixes[0].label == (
        "Insert a 1×1 projection conv (32 filters, stride 2) + BatchNorm on the branch "
        "from relu1: 32×32×16 → 16×16×32"
    )
    _quoted(
        "*Insert a 1×1 projection conv\n(32 filters, stride 2) + BatchNorm on the branch from relu1: "
        "32×32×16 → 16×16×32*"
    )


def test_residual_fixed(res_fixed: Analysis) -> None:
    design = res_fixed.design
    assert design.layer("conv4").type == "Conv2d" and design.layer("bn4").inputs == ["conv4"]
    assert design.layer("add1").inputs == ["bn3", "bn4"]
    assert _shape(res_fixed, "add1") == "16×16×32"
    assert res_fixed.info["conv4"].params == 512 and res_fixed.info["conv4"].macs == 131_072
    _quoted("1·1·16·32 = 512 parameters, 131,072 multiply-accumulates")
    remaining = [(d.severity, d.layer) for d in res_fixed.diagnostics() if d.severity != "info"]
    assert remaining == []
    notes = [(d.code, d.layer) for d in res_fixed.diagnostics() if d.severity == "info"]
    assert ("non_integer_output", "conv4") in notes
    line = "(32 − 1 + 2·0)/2 + 1 = 31/2 + 1 = 16.5 → ⌊16.5⌋ = 16"
    assert line in render_text(explain_layer(res_fixed, "conv4"))
    _quoted(line)
    assert res_fixed.totals().params == 15_072
    _quoted("15,072 parameters")
    resnet18 = analyze(load_design(tut.TEMPLATES / "resnet18.json"))
    assert any(
        d.severity == "info" and "downsample" in (d.layer or "") for d in resnet18.diagnostics()
    )
    info = res_fixed.info["conv3"]
    assert (info.params, info.macs) == (9_248, 2_359_296) == (9_248, 32 * 32 * 16 * 16 * 9)
    _quoted("9,248 parameters and 2,359,296 multiply-accumulates")


def test_vgg_table(res_fixed: Analysis) -> None:
    vgg = analyze(tut.vgg16())
    rows = re.findall(
        r"^\| (conv\d_\d) \| (\S+) \| ([\d,]+) \| ([\d,]+) \| ([^|]+) \|$", TUTORIAL, re.M
    )
    assert [r[0] for r in rows] == ["conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3"]
    for lid, shape, params, macs, memory in rows:
        info = vgg.info[lid]
        assert (shape, params, macs, memory.strip()) == (
            _shape(vgg, lid),
            _n(info.params),
            _n(info.macs),
            human_bytes(info.memory_bytes),
        ), lid
    convs = sum(i.params for lid, i in vgg.info.items() if vgg.design.layer(lid).type == "Conv2d")
    assert len([1 for lid in vgg.design.ids if vgg.design.layer(lid).type == "Conv2d"]) == 13
    assert vgg.info["fc6"].params == 102_764_544 > convs
    _quoted("fc6,\n102,764,544 parameters) outweighs all thirteen convolutions")
    assert human_count(vgg.info["conv1_2"].macs) == "1.85G"
    _quoted("stay at 1.85 billion")


# ------------------------------------------------------------- images


def _referenced_guide_images() -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {}
    for doc in GUIDE_DOCS:
        path = DOCS / doc
        if path.exists():
            text = path.read_text(encoding="utf-8")
            refs[doc] = set(re.findall(r"\]\(images/guide/([^)\s]+)\)", text))
    return refs


def test_every_referenced_image_exists() -> None:
    for doc in GUIDE_DOCS:
        path = DOCS / doc
        if not path.exists():
            continue
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", path.read_text(encoding="utf-8")):
            assert (DOCS / target).is_file(), f"{doc} shows {target}, which does not exist"
            assert (DOCS / target).stat().st_size > 10_000, f"{target} looks empty"


def test_screenshot_script_writes_exactly_the_referenced_images() -> None:
    shots = importlib.import_module("make_screenshots")
    names = shots.output_names()
    assert len(names) == len(set(names))
    referenced = set().union(*_referenced_guide_images().values())
    assert referenced == set(names)
    on_disk = {p.name for p in (DOCS / "images" / "guide").glob("*.png")}
    assert on_disk == set(names), (
        "docs/images/guide holds images the script does not make (or lacks some)"
    )


def test_docs_links_resolve() -> None:
    for doc in ("tutorial.md", "user-guide.md"):
        path = DOCS / doc
        if not path.exists():
            continue
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://")):
                continue
            assert (path.parent / target).exists(), f"{doc} links to {target}, which does not exist"


# ------------------------------------------------- the app builds the same designs


def _layers_only(design: Design) -> str:
    copy = design.copy()
    for lid in copy.ids:
        copy.set_position(lid, None)
    return dumps_design(copy)


@pytest.mark.parametrize("lesson", ["lenet", "residual"])
def test_the_app_replay_builds_the_same_design(
    qtbot, tmp_path: Path, monkeypatch, lesson: str
) -> None:
    """The screenshot script's replay through the main window (palette, inspector, ports, fix)
    gives the very design the numbers above were checked on."""
    from PySide6.QtCore import QSettings

    from designer.ui.main_window import MainWindow

    monkeypatch.setenv("CNN_DESIGNER_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("CNN_DESIGNER_DATA_DIR", str(tmp_path / "data"))
    shots = importlib.import_module("make_screenshots")
    window = MainWindow(
        settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    try:
        studio = shots.Studio(tmp_path, tmp_path)
        studio.window = window
        studio.new_window()
        if lesson == "lenet":
            shots.lesson_lenet(studio, lambda _name: False)  # the whole lesson, taking no pictures
            expected = tut.lenet5()
        else:
            shots.lesson_residual(studio, lambda _name: False)
            expected = tut.residual_fixed()
        got = window.document.design.copy()
        got.name = expected.name
        assert _layers_only(got) == _layers_only(expected)
    finally:
        window.document.undo_stack.setClean()  # closing must not ask to save

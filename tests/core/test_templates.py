"""The bundled classics: published totals, the papers' figures, clean analyses, byte-stable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.core.analysis import Analysis, analyze
from designer.core.fileformat import dumps_design, load_design
from designer.core.shape_rules import fmt_shape
from tools.make_templates import EXAMPLE_BUILDERS, TEMPLATE_BUILDERS, expected_files

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "resources" / "templates"
EXAMPLES = ROOT / "resources" / "examples"

# (params, MACs): torchvision's published numbers where they exist, the arithmetic of the
# named variant otherwise. Exact integers, so any change to a template or a rule shows.
TOTALS: dict[str, tuple[int, int]] = {
    # Modern LeNet-5 (tanh, average pooling, dense C3, Linear output): the 61,706 of most courses.
    "lenet5.json": (61_706, 416_520),
    # The 2012 paper with groups=2 on conv2/4/5: the widely quoted 60,965,224 ("60 million").
    "alexnet_paper.json": (60_965_224, 724_406_816),
    "alexnet_torchvision.json": (61_100_840, 714_188_480),
    "zfnet.json": (62_357_608, 1_168_032_896),
    "vgg16.json": (138_357_544, 15_470_264_320),
    "resnet18.json": (11_689_512, 1_814_073_344),
    "resnet50.json": (25_557_032, 4_089_184_256),
    "unet_small.json": (1_926_466, 2_295_857_152),
    # torchvision's mobilenet_v3_small, efficientnet_b0 and convnext_tiny: sum(p.numel()) and the
    # conv + linear MACs torch's FlopCounterMode counts (tests/convert/test_modern_networks.py).
    "mobilenet_v3_small.json": (2_542_856, 56_510_400),
    "efficientnet_b0.json": (5_288_548, 385_814_752),
    "convnext_tiny.json": (28_589_128, 4_455_531_264),
}

# GMACs as torchvision's model documentation prints them (two decimals).
PUBLISHED_GMACS = {
    "alexnet_torchvision.json": 0.71,
    "vgg16.json": 15.47,
    "resnet18.json": 1.81,
    "resnet50.json": 4.09,
    "mobilenet_v3_small.json": 0.06,
    "efficientnet_b0.json": 0.39,
    "convnext_tiny.json": 4.46,
}

# Warnings that are the honest truth about the network, not mistakes in the template.
NON_INTEGER = {
    "lenet5.json": set(),
    "alexnet_paper.json": set(),  # 227 makes every division exact
    "alexnet_torchvision.json": {"conv1"},  # (224 + 4 − 11)/4 + 1 = 55.25
    "zfnet.json": {
        "conv1",
        "pool1",
        "pool2",
    },  # 110.5 floored; 54.5 and 12.5 rounded up (ceil_mode)
    "vgg16.json": set(),
    "resnet18.json": {
        "conv1",
        "maxpool",
        *(f"layer{s}.0.{c}" for s in (2, 3, 4) for c in ("conv1", "downsample.0")),
    },
    "resnet50.json": {
        "conv1",
        "maxpool",
        *(f"layer{s}.0.{c}" for s in (2, 3, 4) for c in ("conv2", "downsample.0")),
    },
    "unet_small.json": set(),
    # Stride-2 3×3/5×5 convolutions on even sizes: (112 + 2 − 3)/2 + 1 = 56.5, floored as torch does.
    "mobilenet_v3_small.json": {
        "features.0.0",
        "features.1.block.0.0",
        "features.2.block.1.0",
        "features.4.block.1.0",
        "features.9.block.1.0",
    },
    "efficientnet_b0.json": {"features.0.0", *(f"features.{s}.0.block.1.0" for s in (2, 3, 4, 6))},
    "convnext_tiny.json": set(),
}
# Other warnings a template may carry: a segmentation head maps 32 feature maps to 2
# class scores by design, which a bottleneck heuristic may flag. (EfficientNet's
# squeeze-and-excitation squeeze is a 1×1 conv on a 1×1 input, a fully connected layer,
# which the heuristic leaves alone.)
ACCEPTED_WARNINGS = {("unet_small.json", "head", "information_bottleneck")}


def _analysis(name: str) -> Analysis:
    return analyze(load_design(TEMPLATES / name))


def test_every_template_is_listed() -> None:
    on_disk = {p.name for p in TEMPLATES.glob("*.json")}
    assert on_disk == set(TEMPLATE_BUILDERS) == set(TOTALS)
    assert {p.name for p in EXAMPLES.glob("*.json")} >= set(EXAMPLE_BUILDERS)


def test_committed_files_are_exactly_what_the_generator_writes() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, text in expected_files().items()
        if not path.exists() or path.read_bytes() != text.encode("utf-8")
    ]
    assert not stale, f"regenerate with `python -m tools.make_templates`: {stale}"


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_template_round_trips_byte_for_byte(name: str) -> None:
    path = TEMPLATES / name
    assert dumps_design(load_design(path)) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_template_totals(name: str) -> None:
    totals = _analysis(name).totals()
    assert (totals.params, totals.macs) == TOTALS[name]
    assert totals.trainable_params == totals.params
    if name in PUBLISHED_GMACS:
        assert round(totals.macs / 1e9, 2) == PUBLISHED_GMACS[name]


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_template_analyses_without_errors(name: str) -> None:
    analysis = _analysis(name)
    diagnostics = analysis.diagnostics()
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert all(analysis.info[lid].output_shape is not None for lid in analysis.design.ids)
    non_integer = {d.layer for d in diagnostics if d.code == "non_integer_output"}
    assert non_integer == NON_INTEGER[name]
    others = {
        (name, d.layer, d.code)
        for d in diagnostics
        if d.severity == "warning" and d.code != "non_integer_output"
    }
    assert others <= ACCEPTED_WARNINGS


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_template_describes_its_source(name: str) -> None:
    design = load_design(TEMPLATES / name)
    assert design.name
    assert len(design.description) > 300
    assert design.description.count(". ") >= 3
    assert set(design.layout) == set(design.ids)  # every layer has a position
    positions = list(design.layout.values())
    assert len(set(positions)) == len(positions)  # no two cards on the same spot


def test_lenet5_shapes() -> None:
    info = _analysis("lenet5.json").info
    shapes = [
        fmt_shape(info[i].output_shape) for i in ("c1", "s2", "c3", "s4", "c5", "f6", "output")
    ]
    assert shapes == ["28×28×6", "14×14×6", "10×10×16", "5×5×16", "1×1×120", "84", "10"]
    assert [info[i].params for i in ("c1", "c3", "c5", "f6", "output")] == [
        156,
        2416,
        48120,
        10164,
        850,
    ]


def test_alexnet_paper_groups_and_sizes() -> None:
    analysis = _analysis("alexnet_paper.json")
    info = analysis.info
    sizes = [
        fmt_shape(info[i].output_shape)
        for i in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5")
    ]
    assert sizes == [
        "55×55×96",
        "27×27×96",
        "27×27×256",
        "13×13×256",
        "13×13×384",
        "13×13×384",
        "13×13×256",
        "6×6×256",
    ]
    design = analysis.design
    assert {lid for lid in design.ids if design.layer(lid).value("groups") == 2} == {
        "conv2",
        "conv4",
        "conv5",
    }
    # Grouping halves the weights: each conv2 filter sees 48 of the 96 maps.
    assert info["conv2"].params == 48 * 5 * 5 * 256 + 256
    assert info["conv1"].params == 34_944
    assert info["conv1"].neurons == 290_400
    assert sum(1 for layer in design if layer.type == "LocalResponseNorm") == 2
    assert [info[i].output_shape for i in ("fc6", "fc7", "fc8")] == [(4096,), (4096,), (1000,)]


def test_alexnet_torchvision_sizes() -> None:
    info = _analysis("alexnet_torchvision.json").info
    assert [info[f"conv{i}"].output_shape[0] for i in range(1, 6)] == [64, 192, 384, 256, 256]  # type: ignore[index]
    assert fmt_shape(info["conv1"].output_shape) == "55×55×64"
    assert fmt_shape(info["avgpool"].output_shape) == "6×6×256"
    assert info["fc6"].derived["in_features"] == 9216


def test_zfnet_reproduces_the_papers_figure() -> None:
    info = _analysis("zfnet.json").info
    figure = {
        "input": "224×224×3",
        "conv1": "110×110×96",
        "pool1": "55×55×96",
        "conv2": "26×26×256",
        "pool2": "13×13×256",
        "conv3": "13×13×384",
        "conv4": "13×13×384",
        "conv5": "13×13×256",
        "pool5": "6×6×256",
        "fc6": "4096",
        "fc7": "4096",
    }
    assert {lid: fmt_shape(info[lid].output_shape) for lid in figure} == figure
    assert info["conv1"].params == (7 * 7 * 3 + 1) * 96


def test_vgg16_stages() -> None:
    info = _analysis("vgg16.json").info
    assert [fmt_shape(info[f"pool{s}"].output_shape) for s in range(1, 6)] == [
        "112×112×64",
        "56×56×128",
        "28×28×256",
        "14×14×512",
        "7×7×512",
    ]
    assert info["fc6"].params == 102_764_544


def _resnet_structure(name: str) -> tuple[Analysis, list[str], list[str]]:
    analysis = _analysis(name)
    design = analysis.design
    adds = [layer.id for layer in design if layer.type == "Add"]
    projections = [layer.id for layer in design if layer.id.endswith("downsample.0")]
    return analysis, adds, projections


@pytest.mark.parametrize(
    ("name", "blocks", "projections", "final"),
    [
        ("resnet18.json", 8, ["layer2.0", "layer3.0", "layer4.0"], "7×7×512"),
        ("resnet50.json", 16, ["layer1.0", "layer2.0", "layer3.0", "layer4.0"], "7×7×2048"),
    ],
)
def test_resnet_residual_structure(
    name: str, blocks: int, projections: list[str], final: str
) -> None:
    analysis, adds, found = _resnet_structure(name)
    design = analysis.design
    assert len(adds) == blocks
    assert all(len(design.layer(a).inputs) == 2 for a in adds)
    assert found == [f"{p}.downsample.0" for p in projections]
    for proj in found:
        layer = design.layer(proj)
        assert layer.value("kernel_size") == 1 and layer.value("bias") is False
        block = proj.removesuffix(".downsample.0")
        assert design.layer(f"{block}.add").inputs[1] == f"{block}.downsample.1"
    # Identity shortcuts read the previous block's output directly.
    identity = [a for a in adds if not design.layer(a).inputs[1].endswith("downsample.1")]
    assert len(identity) == blocks - len(projections)
    for a in identity:
        block = a.removesuffix(".add")
        block_input = design.layer(f"{block}.conv1").inputs[0]
        assert design.layer(a).inputs[1] == block_input
        assert analysis.info[block_input].output_shape == analysis.info[a].output_shape
    # Every convolution before a BatchNorm has no bias, as in torchvision.
    convs = [layer for layer in design if layer.type == "Conv2d"]
    assert all(layer.value("bias") is False for layer in convs)
    last_block = adds[-1].removesuffix(".add")
    assert fmt_shape(analysis.info[f"{last_block}.relu"].output_shape) == final


def test_unet_small_skips() -> None:
    analysis = _analysis("unet_small.json")
    design = analysis.design
    info = analysis.info
    assert sum(1 for layer in design if layer.type == "ConvTranspose2d") == 3
    cats = [layer for layer in design if layer.type == "Concat"]
    assert len(cats) == 3
    for cat in cats:
        skip, up = (info[i].output_shape for i in cat.inputs)
        assert skip is not None and up is not None
        assert skip[1:] == up[1:]  # same height and width: the skip needs no cropping
        assert info[cat.id].output_shape == (skip[0] + up[0], *skip[1:])
    assert info["head"].output_shape == (2, 128, 128)


@pytest.mark.parametrize(
    ("name", "params", "macs"),
    [("lenet5.json", 61_706, 416_520), ("vgg16.json", 138_357_544, 15_470_264_320)],
)
def test_examples_match_published_numbers(name: str, params: int, macs: int) -> None:
    """Issue 2: example designs whose totals are asserted against the published numbers."""
    analysis = analyze(load_design(EXAMPLES / name))
    totals = analysis.totals()
    assert (totals.params, totals.macs, totals.errors) == (params, macs, 0)

"""The layered layout of branches (issue 13, item 5): parallel branches side by side, the main
path straight, SE gates on a side row, long chains wrapped between blocks, not through them."""

from __future__ import annotations

from designer.core.analysis import analyze
from designer.core.collapsed_figure import build_figure
from designer.core.design import Design, Layer
from designer.core.figure import FigureStyle
from designer.core.fileformat import load_design
from designer.core.layout import (
    CARD_WIDTH,
    auto_layout,
    band_breaks,
    graph_layout,
    graph_ranks,
    side_branches,
)
from designer.core.resources import templates_dir
from designer.core.routing import (
    edge_crossings,
    edge_edge_crossings,
    figure_geometry,
    line_break_height,
)


def inception_chain(modules: int) -> tuple[list[str], dict[str, list[str]]]:
    """A stem and ``modules`` Inception modules in a row (no pooling between them): four
    branches of 1, 2, 2 and 2 layers from each concatenation into the next."""
    ids = ["input", "stem"]
    inputs: dict[str, list[str]] = {"input": [], "stem": ["input"]}
    prev = "stem"
    for m in range(modules):
        ends = []
        for b, length in enumerate((1, 3, 3, 2)):
            last = prev
            for k in range(length):
                lid = f"m{m}.b{b}.{k}"
                ids.append(lid)
                inputs[lid] = [last]
                last = lid
            ends.append(last)
        ids.append(f"m{m}.cat")
        inputs[f"m{m}.cat"] = ends
        prev = f"m{m}.cat"
    ids.append("head")
    inputs["head"] = [prev]
    return ids, inputs


def test_inception_branches_sit_side_by_side_in_one_column_each() -> None:
    ids, inputs = inception_chain(1)
    pos = graph_layout(ids, inputs)
    heads = [pos[f"m0.b{b}.0"] for b in range(4)]
    assert len({x for x, _ in heads}) == 1  # one column
    assert len({y for _, y in heads}) == 4  # four rows
    # The branch that ends early keeps its row free up to the concatenation: a straight edge.
    assert pos["m0.b0.0"][1] == pos["m0.cat"][1] == pos["stem"][1]
    for lid in ("m0.b1.1", "m0.b1.2", "m0.b2.1", "m0.b3.1"):
        assert pos[lid][1] != pos["m0.cat"][1]


def test_a_long_chain_of_modules_wraps_between_modules_never_through_one() -> None:
    ids, inputs = inception_chain(9)
    ranks = graph_ranks(ids, inputs)
    starts = band_breaks(ids, inputs, ranks, 10)
    cats = {ranks[f"m{m}.cat"] for m in range(9)}
    # Before: a break every 10 columns, through the middle of every other module.
    # Now every band starts right after a concatenation (or at the stem).
    assert starts[0] == 0
    assert all(s - 1 in cats or s <= ranks["m0.cat"] - 4 for s in starts[1:]), starts
    pos = graph_layout(ids, inputs, wrap="auto")
    for m in range(9):  # every edge inside a module runs left to right: one band
        inside = [lid for lid in ids if lid.startswith(f"m{m}.")]
        for lid in inside:
            for src in inputs[lid]:
                if src.startswith(f"m{m}."):
                    assert pos[lid][0] > pos[src][0], (src, lid)


def test_bands_are_never_wider_than_asked() -> None:
    ids, inputs = inception_chain(9)
    ranks = graph_ranks(ids, inputs)
    for per_band in (3, 6, 10, 17):
        starts = band_breaks(ids, inputs, ranks, per_band)
        ends = [*starts[1:], max(ranks.values()) + 1]
        assert all(0 < e - s <= per_band for s, e in zip(starts, ends, strict=True))


def se_block_design() -> Design:
    d = Design("se")
    d.add_layer(Layer("input", "Input", {"shape": [16, 32, 32]}))
    d.add_layer(
        Layer("conv", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, ["input"])
    )
    d.add_layer(Layer("act", "SiLU", {}, ["conv"]))
    d.add_layer(Layer("pool", "AdaptiveAvgPool2d", {"output_size": 1}, ["act"]))
    d.add_layer(Layer("fc1", "Conv2d", {"out_channels": 4, "kernel_size": 1}, ["pool"]))
    d.add_layer(Layer("fc2", "Conv2d", {"out_channels": 16, "kernel_size": 1}, ["fc1"]))
    d.add_layer(Layer("gate", "Sigmoid", {}, ["fc2"]))
    d.add_layer(Layer("mul", "Mul", {}, ["gate", "act"]))  # torchvision's order: scale first
    return d


def test_an_se_gate_is_a_side_branch_below_the_block_it_scales() -> None:
    d = se_block_design()
    assert side_branches(d) == {"pool", "fc1", "fc2", "gate"}
    pos = auto_layout(d)
    main = {pos[lid][1] for lid in ("input", "conv", "act", "mul")}
    assert len(main) == 1  # before: the gate took the main row and the block ran below it
    (main_y,) = main
    assert all(pos[lid][1] > main_y for lid in ("pool", "fc1", "fc2", "gate"))
    paths, boxes = figure_geometry(build_figure(analyze(d), None, "graph", FigureStyle()))
    assert edge_crossings(paths, boxes) == []
    straight = paths[("act", "mul")]
    assert len({round(y, 3) for _, y in straight}) == 1  # the block's own path: one line


def test_a_mul_that_is_not_a_gate_is_no_side_branch() -> None:
    d2 = Design("plain")
    for layer in se_block_design():
        d2.add_layer(
            Layer(
                layer.id, "ReLU" if layer.id == "gate" else layer.type, layer.params, layer.inputs
            )
        )
    assert side_branches(d2) == set()


def test_unet_concatenations_follow_the_upsampling_not_the_skip() -> None:
    design = load_design(templates_dir() / "unet_small.json")
    ids = design.ids
    inputs = {layer.id: layer.sources for layer in design}
    pos = graph_layout(ids, inputs, wrap=None)
    # The encoder, the bottleneck and the decoder all on one row; before, each skip edge
    # reserved the row of its source and pushed the path one row down per level.
    assert len({y for y in (p[1] for p in pos.values())}) == 1


def test_resnet50_template_wraps_between_blocks() -> None:
    design = load_design(templates_dir() / "resnet50.json")
    paths, boxes = figure_geometry(build_figure(analyze(design), None, "graph", FigureStyle()))
    ranks = graph_ranks(list(boxes), {k: [s for s, d in paths if d == k] for k in boxes})
    shortcuts = [(s, d) for s, d in paths if ranks[d] - ranks[s] > 1]
    assert len(shortcuts) == 16
    for s, d in shortcuts:  # no shortcut is cut by a line break: it runs right, in its band
        assert boxes[d][0] > boxes[s][0], (s, d)
    assert edge_crossings(paths, boxes) == []
    assert edge_edge_crossings(paths) == 0  # before: 8


def test_line_break_height_is_the_gap_between_bands() -> None:
    card = (180.0, 92.0)
    band0 = [(x, y, *card) for x in (0.0, 236.0, 472.0) for y in (0.0, 128.0)]  # two rows
    band1 = [(x, y, *card) for x in (0.0, 236.0, 472.0) for y in (320.0, 448.0, 576.0)]
    boxes = band0 + band1
    start = (472.0 + 180.0, 46.0)  # out of the last card of band 0, row 0
    for target_y in (320.0, 448.0, 576.0):  # into each row of band 1
        end = (0.0, target_y + 46.0)
        y = line_break_height(start, end, boxes)
        assert y is not None and 128.0 + 92.0 < y < 320.0  # between the bands, every time
        assert y == line_break_height(start, (0.0, 320.0 + 46.0), boxes)  # one trunk


def test_inception_chain_figure_draws_no_edge_across_another() -> None:
    ids, inputs = inception_chain(6)
    d = Design("inception")
    for lid in ids:
        if lid == "input":
            d.add_layer(Layer(lid, "Input", {"shape": [8, 16, 16]}))
        else:
            d.add_layer(Layer(lid, "Concat" if lid.endswith(".cat") else "ReLU", {}, inputs[lid]))
    paths, boxes = figure_geometry(build_figure(analyze(d), None, "graph", FigureStyle()))
    assert edge_crossings(paths, boxes) == []
    # Before: a fork at the end of a band sent one line between each pair of rows of the
    # next band, crossing every other edge into it.
    assert edge_edge_crossings(paths) == 0


def test_edge_edge_crossings_counts_a_plus_not_a_touch() -> None:
    paths = {
        ("a", "b"): [(0.0, 50.0), (100.0, 50.0)],
        ("c", "d"): [(50.0, 0.0), (50.0, 100.0)],  # crosses a → b
        ("e", "f"): [(100.0, 0.0), (100.0, 50.0)],  # ends on a → b's end: a touch
        ("g", "h"): [(0.0, 80.0), (30.0, 80.0), (30.0, 120.0)],  # passes nothing
    }
    assert edge_edge_crossings(paths) == 1
    assert CARD_WIDTH == 180.0

"""Encoder–decoder networks (U-Net) are drawn as a U (issue 13 follow-up): the encoder
descends on the left, the decoder ascends on the right, each skip a short straight edge
across its level; every other network lays out exactly as before."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from designer.core import layout
from designer.core.analysis import analyze
from designer.core.collapsed_figure import build_figure
from designer.core.design import Design, Layer
from designer.core.figure import FigureStyle
from designer.core.fileformat import load_design
from designer.core.graph_geometry import route_edge
from designer.core.layout import (
    CARD_HEIGHT,
    CARD_WIDTH,
    COLUMN_GAP,
    auto_layout,
    encoder_decoder,
    graph_layout,
    graph_ranks,
    side_branches,
    u_layout,
)
from designer.core.resources import templates_dir
from designer.core.routing import edge_crossings, edge_edge_crossings, figure_geometry
from tests.core.test_branch_layout import inception_chain, se_block_design

UNET = templates_dir() / "unet_small.json"
OTHERS = sorted(p for p in templates_dir().glob("*.json") if p.name != UNET.name)
SKIPS = [("enc1_relu2", "cat1"), ("enc2_relu2", "cat2"), ("enc3_relu2", "cat3")]


def graph_of(design: Design) -> tuple[list[str], dict[str, list[str]]]:
    return design.ids, {layer.id: layer.sources for layer in design}


def detect(design: Design) -> list[tuple[str, str]] | None:
    ids, inputs = graph_of(design)
    return encoder_decoder(ids, inputs, graph_ranks(ids, inputs), side_branches(design))


def chain(n: int) -> Design:
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}))
    for k in range(1, n):
        d.add_layer(Layer(f"r{k}", "ReLU", {}, [d.ids[-1]]))
    return d


def se_resnet_block() -> Design:
    """An SE block inside a residual block: two nested long edges, but no U."""
    d = se_block_design()
    d.add_layer(Layer("add", "Add", {}, ["mul", "input"]))
    return d


def test_unet_is_detected_with_its_skips_outermost_first() -> None:
    assert detect(load_design(UNET)) == SKIPS


def test_unet_collapsed_to_its_blocks_is_detected_too() -> None:
    ids = ["input", "E1", "E2", "E3", "B", "D3", "D2", "D1", "head"]
    inputs = {
        "input": [],
        "E1": ["input"],
        "E2": ["E1"],
        "E3": ["E2"],
        "B": ["E3"],
        "D3": ["E3", "B"],
        "D2": ["E2", "D3"],
        "D1": ["E1", "D2"],
        "head": ["D1"],
    }
    assert encoder_decoder(ids, inputs, graph_ranks(ids, inputs)) == [
        ("E1", "D1"),
        ("E2", "D2"),
        ("E3", "D3"),
    ]


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.stem)
def test_no_other_template_is_an_encoder_decoder(path: Path) -> None:
    assert detect(load_design(path)) is None


def test_inception_chain_se_resnet_and_plain_chain_are_not_encoder_decoders() -> None:
    ids, inputs = inception_chain(3)
    assert encoder_decoder(ids, inputs, graph_ranks(ids, inputs)) is None
    assert detect(chain(12)) is None
    assert detect(se_resnet_block()) is None  # nested, but the inner edge is an SE gate


def test_one_level_is_no_u() -> None:
    d = chain(8)
    d.add_layer(Layer("cat", "Concat", {}, ["r2", "r7"]))
    assert detect(d) is None


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.stem)
def test_every_other_template_lays_out_exactly_as_before(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    design = load_design(path)
    ids, inputs = graph_of(design)
    side = side_branches(design)
    wraps: list[int | str | None] = ["auto", None, 4, 6, 9, 14]
    now = [graph_layout(ids, inputs, "LR", w, side) for w in wraps]  # type: ignore[arg-type]
    now_tb = graph_layout(ids, inputs, "TB", None, side)
    analysis = analyze(design)
    figure_now = figure_geometry(build_figure(analysis, None, "graph", FigureStyle()))[1]
    monkeypatch.setattr(layout, "encoder_decoder", lambda *args, **kwargs: None)
    before = [graph_layout(ids, inputs, "LR", w, side) for w in wraps]  # type: ignore[arg-type]
    assert now == before
    assert now_tb == graph_layout(ids, inputs, "TB", None, side)
    assert figure_now == figure_geometry(build_figure(analysis, None, "graph", FigureStyle()))[1]


def assert_skips_straight_and_short(paths: dict[tuple[str, str], list[tuple[float, float]]]):  # type: ignore[no-untyped-def]
    for skip in SKIPS:
        pts = paths[skip]
        assert len({round(y, 3) for _, y in pts}) == 1, (skip, pts)  # horizontal
        length = max(x for x, _ in pts) - min(x for x, _ in pts)
        assert length <= COLUMN_GAP + 1e-6, (skip, length)  # one gap: the cards are neighbours


def test_the_template_is_stored_as_its_u() -> None:
    design = load_design(UNET)
    assert {lid: design.position(lid) for lid in design.ids} == auto_layout(design)


def test_unet_every_layer_figure_is_a_u_with_short_straight_skips() -> None:
    design = load_design(UNET)
    paths, boxes = figure_geometry(build_figure(analyze(design), None, "graph", FigureStyle()))
    assert_skips_straight_and_short(paths)
    assert edge_crossings(paths, boxes) == []
    assert edge_edge_crossings(paths) == 0  # before: 8
    # The U: each encoder level left of the middle, its decoder level right of it, the
    # deepest level below the shallower ones, the bottleneck below them all.
    middle = boxes["cat1"][0]
    for k in (1, 2, 3):
        assert boxes[f"enc{k}_conv1"][0] < middle <= boxes[f"dec{k}_conv1"][0]
        assert boxes[f"enc{k}_relu2"][1] == boxes[f"cat{k}"][1]
    assert boxes["cat1"][1] < boxes["cat2"][1] < boxes["cat3"][1] < boxes["bottleneck_conv1"][1]
    # The decoder reads upwards: each level ends above its concatenation and its
    # up-sampling climbs into the level above.
    for k in (1, 2, 3):
        assert boxes[f"dec{k}_relu2"][1] < boxes[f"cat{k}"][1]
    assert boxes["up2"][1] > boxes["cat2"][1] and boxes["up1"][1] > boxes["cat1"][1]


def test_unet_blocks_figure_is_the_papers_v() -> None:
    design = load_design(UNET)
    paths, boxes = figure_geometry(build_figure(analyze(design), 0, "graph", FigureStyle()))
    assert edge_crossings(paths, boxes) == []
    assert edge_edge_crossings(paths) == 0
    row = {k: boxes[k][1] for k in boxes}
    assert row["input"] == row["encoder1"] == row["decoder1"] == row["head"]
    assert row["encoder1"] < row["encoder2"] < row["encoder3"] < row["bottom"]
    assert row["encoder2"] == row["decoder2"] and row["encoder3"] == row["decoder3"]
    xs = [boxes[k][0] for k in ("encoder1", "encoder2", "encoder3", "bottom", "decoder3")]
    assert xs == sorted(xs)  # every edge runs forwards, down the encoder and up the decoder
    for src, dst in (("encoder1", "decoder1"), ("encoder2", "decoder2"), ("encoder3", "decoder3")):
        assert len({round(y, 3) for _, y in paths[(src, dst)]}) == 1  # straight across


@pytest.mark.parametrize("columns", [4, 5, 8, 12, 15, 16, 30, 53])
def test_u_stays_within_the_width_asked_and_overlaps_nothing(columns: int) -> None:
    ids, inputs = graph_of(load_design(UNET))
    pos = graph_layout(ids, inputs, "LR", columns)
    assert pos == u_layout(ids, inputs, columns)  # a U at every width from 4 columns
    step = CARD_WIDTH + COLUMN_GAP
    assert max(x for x, _ in pos.values()) <= (columns - 1) * step
    cells = {(round(x), round(y)) for x, y in pos.values()}
    assert len(cells) == len(ids)
    boxes = {lid: (x, y, CARD_WIDTH, CARD_HEIGHT) for lid, (x, y) in pos.items()}
    for a, (ax, ay, _, _) in boxes.items():
        for b, (bx, by, _, _) in boxes.items():
            if a < b:
                assert abs(ax - bx) >= CARD_WIDTH or abs(ay - by) >= CARD_HEIGHT, (a, b)


def test_too_narrow_for_a_u_falls_back_to_the_wrapped_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids, inputs = graph_of(load_design(UNET))
    assert u_layout(ids, inputs, 3) is None  # halves of one card: a column, not a U
    now = graph_layout(ids, inputs, "LR", 3)
    monkeypatch.setattr(layout, "encoder_decoder", lambda *args, **kwargs: None)
    assert now == graph_layout(ids, inputs, "LR", 3)


def test_an_edge_into_an_earlier_row_runs_through_the_gap_above_its_source() -> None:
    # A decoder's line break, read upwards: from the end of the lower row to the start of
    # the row above. Before, the path ran back left through the target card itself.
    upper = (488.0, 212.0, 180.0, 92.0)
    lower = (488.0, 404.0, 180.0, 92.0)
    path = route_edge(lower, upper, [], "LR")
    ys = [y for _, y in path]
    run = [y for (x0, y), (x1, y1) in itertools.pairwise(path) if y == y1 and x1 < x0]
    assert run and all(upper[1] + upper[3] < y < lower[1] for y in run), path
    assert ys[0] == lower[1] + lower[3] / 2 and ys[-1] == upper[1] + upper[3] / 2

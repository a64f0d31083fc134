"""The layer diagram's geometry: one card per layer, summaries, edges with arrows, detours."""

from __future__ import annotations

from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.core.figure import Polyline, Rect
from designer.core.fileformat import load_design
from designer.core.graph_geometry import build_graph_figure, layer_summary, route_edge
from designer.core.layout import CARD_HEIGHT, CARD_WIDTH
from designer.core.resources import templates_dir
from designer.core.routing import path_hits


def test_layer_summaries() -> None:
    assert (
        layer_summary(Layer("c", "Conv2d", {"out_channels": 96, "kernel_size": 11, "stride": 4}))
        == "96 · 11×11 /4"
    )
    assert (
        layer_summary(
            Layer("c", "Conv2d", {"out_channels": 256, "kernel_size": 5, "padding": 2, "groups": 2})
        )
        == "256 · 5×5 p2 g2"
    )
    assert layer_summary(Layer("p", "MaxPool2d", {"kernel_size": 3, "stride": 2})) == "3×3 /2"
    assert layer_summary(Layer("p", "MaxPool2d", {"kernel_size": 2})) == "2×2 /2"
    assert layer_summary(Layer("g", "AdaptiveAvgPool2d", {"output_size": 1})) == "→ 1×1"
    assert layer_summary(Layer("f", "Linear", {"out_features": 4096})) == "4096"
    assert layer_summary(Layer("r", "ReLU")) == ""


def test_one_card_per_layer_with_id_type_and_shape() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    fig = build_graph_figure(analyze(design))
    assert [g.id for g in fig.groups] == design.ids
    conv1 = fig.group("conv1")
    texts = [t for t in fig.texts()]
    assert "conv1" in texts and "Conv2d  96 · 11×11 /4" in texts and "55×55×96" in texts
    cards = [p for p in conv1.items if isinstance(p, Rect) and p.role == "card"]
    assert len(cards) == 1 and (cards[0].width, cards[0].height) == (CARD_WIDTH, CARD_HEIGHT)
    edges = [p for p in conv1.items if isinstance(p, Polyline)]
    assert len(edges) == 1 and edges[0].arrow
    assert edges[0].points[-1] == (cards[0].x, cards[0].y + CARD_HEIGHT / 2)  # into the input side


def test_skip_edges_go_around_cards() -> None:
    src = (0.0, 0.0, 100.0, 50.0)
    mid = (150.0, 0.0, 100.0, 50.0)
    dst = (300.0, 0.0, 100.0, 50.0)
    straight = route_edge(src, mid, [dst], "LR")
    assert straight == ((100.0, 25.0), (150.0, 25.0))
    path = route_edge(src, dst, [mid], "LR")
    assert path[0] == (100.0, 25.0) and path[-1] == (300.0, 25.0)
    ys = [y for _, y in path]
    assert (
        min(ys) < 0 or max(ys) > 50
    )  # round the card in between (below it: the nearest free lane)
    assert not path_hits(path, [mid]) and max(ys) - min(ys) < 50 + 40
    tb = route_edge((0.0, 0.0, 100.0, 50.0), (0.0, 100.0, 100.0, 50.0), [], "TB")
    assert tb[0] == (50.0, 50.0) and tb[-1] == (50.0, 100.0)


def test_errors_are_marked_and_positions_filled_in() -> None:
    d = Design("e")
    d.add_layer(Layer("input", "Input", {"shape": [3, 8, 8]}), position=(0.0, 0.0))
    d.add_layer(Layer("conv", "Conv2d", {"out_channels": 4, "kernel_size": 20}, ["input"]))
    fig = build_graph_figure(analyze(d))
    card = next(p for p in fig.group("conv").items if isinstance(p, Rect) and p.role == "card")
    assert card.stroke != "#1A1A1A" and "error" in fig.texts()
    assert {g.id for g in fig.groups} == {"input", "conv"}

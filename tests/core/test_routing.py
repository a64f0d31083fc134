"""Skip connections and branches never cut across cards (issue 13, item 5)."""

from __future__ import annotations

import sys
import types

import pytest

from designer.core.analysis import analyze
from designer.core.collapsed_figure import build_figure
from designer.core.design import Design, Layer
from designer.core.figure import FigureStyle
from designer.core.fileformat import load_design
from designer.core.graph_geometry import route_edge
from designer.core.layout import auto_layout
from designer.core.resources import templates_dir
from designer.core.routing import (
    edge_crossings,
    figure_geometry,
    lane_route,
    path_hits,
    segment_hits_box,
)
from tests.torch_oracle import requires_torch

CARD = (180.0, 92.0)


def test_segment_hits_box_enters_not_touches() -> None:
    box = (0.0, 0.0, 100.0, 50.0)
    assert segment_hits_box((-10, 25), (110, 25), box)
    assert not segment_hits_box((-10, 0), (110, 0), box)  # along the outline
    assert not segment_hits_box((-10, 60), (110, 60), box)
    assert segment_hits_box((-10, -10), (110, 60), box)  # a diagonal through it
    assert not segment_hits_box((120, -10), (120, 60), box)


def test_a_shortcut_dips_under_its_block_and_comes_back() -> None:
    # x ─ conv ─ bn ─ add, with the shortcut x → add: all on one row.
    boxes = [(236.0, 0.0, *CARD), (472.0, 0.0, *CARD)]
    start, end = (180.0, 46.0), (944.0, 46.0)
    assert path_hits([start, end], boxes)
    path = lane_route(start, end, boxes, clearance=14.0)
    assert path is not None and not path_hits(path, boxes)
    lane_y = path[2][1]
    assert (
        92.0 < lane_y <= 92.0 + 14.0
    )  # just under the cards it passes, not round the whole figure
    assert path[0] == start and path[-1] == end


def test_a_free_row_is_taken_as_it_is() -> None:
    boxes = [(236.0, 128.0, *CARD)]  # something below, nothing in the way
    path = lane_route((180.0, 46.0), (944.0, 46.0), boxes)
    assert path is not None and {p[1] for p in path} == {46.0}


def test_no_lane_when_the_cards_wall_the_way() -> None:
    wall = [
        (236.0, 0.0, 180.0, 10_000.0)
    ]  # one card taller than everything: nothing passes beside it
    assert lane_route((180.0, 46.0), (944.0, 46.0), wall) is not None  # above or below it, far out
    assert lane_route((180.0, 46.0), (200.0, 46.0), wall) is None  # too short for a lane


def test_route_edge_uses_the_nearest_lane_not_the_top_of_the_figure() -> None:
    # A wrapped layout: band 0 at y = 0, band 1 at y = 500; the shortcut is in band 1.
    cards = [(x, y, *CARD) for y in (0.0, 500.0) for x in (236.0, 472.0, 708.0)]
    path = route_edge((0.0, 500.0, *CARD), (944.0, 500.0, *CARD), cards, "LR")
    assert not path_hits(path, cards)
    assert min(y for _, y in path) > 500.0 - 40  # it did not climb over band 0


def se_design() -> Design:
    d = Design("se")
    d.add_layer(Layer("input", "Input", {"shape": [16, 32, 32]}))
    prev = "input"
    for b in (1, 2):
        p = f"b{b}."
        d.add_layer(
            Layer(
                p + "conv", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, [prev]
            )
        )
        d.add_layer(Layer(p + "relu", "ReLU", {}, [p + "conv"]))
        d.add_layer(Layer(p + "pool", "AdaptiveAvgPool2d", {"output_size": 1}, [p + "relu"]))
        d.add_layer(Layer(p + "fc1", "Conv2d", {"out_channels": 4, "kernel_size": 1}, [p + "pool"]))
        d.add_layer(Layer(p + "fc2", "Conv2d", {"out_channels": 16, "kernel_size": 1}, [p + "fc1"]))
        d.add_layer(Layer(p + "gate", "Sigmoid", {}, [p + "fc2"]))
        # The scale (a Mul in SE) is an Add here: only the branch's topology matters to the layout.
        d.add_layer(Layer(p + "scale", "Add", {}, [p + "relu", p + "gate"]))
        d.add_layer(Layer(p + "add", "Add", {}, [p + "scale", prev]))
        prev = p + "add"
    for lid, pos in auto_layout(d).items():
        d.set_position(lid, pos)
    return d


def figure_crossings(design: Design, level: int | None = None) -> list[tuple[str, str, str]]:
    fig = build_figure(analyze(design), level, "graph", FigureStyle())
    paths, boxes = figure_geometry(fig)
    assert paths and all(src in boxes for src, _ in paths)  # every edge found its source card
    return edge_crossings(paths, boxes)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "unet_small"])
def test_template_graph_figures_have_no_edge_across_a_card(name: str) -> None:
    design = load_design(templates_dir() / f"{name}.json")
    assert figure_crossings(design) == []
    assert figure_crossings(design, 0) == []


def test_se_blocks_figure_has_no_edge_across_a_card() -> None:
    assert figure_crossings(se_design()) == []


def test_resnet18_shortcuts_stay_close_to_their_block() -> None:
    fig = build_figure(
        analyze(load_design(templates_dir() / "resnet18.json")), None, "graph", FigureStyle()
    )
    paths, boxes = figure_geometry(fig)
    for (src, dst), points in paths.items():
        top = min(boxes[src][1], boxes[dst][1])
        # Before: a shortcut whose straight path was blocked climbed over every card in its
        # columns, up to the top of the figure (ResNet-50: 7,312 px long).
        assert min(y for _, y in points) >= top - 40, (src, dst)


@requires_torch
def test_googlenet_inception_branches_do_not_cross_cards() -> None:
    sys.modules.setdefault(
        "torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations")
    )
    torchvision = pytest.importorskip(
        "torchvision", reason="torchvision is the test-only oracle for whole networks"
    )
    from designer.convert.from_torch import from_torch

    design = from_torch(
        torchvision.models.googlenet(aux_logits=False, init_weights=False).eval(), (3, 224, 224)
    )
    assert figure_crossings(design) == []


def test_box_grid_finds_every_card_in_a_rectangle() -> None:
    from designer.core.routing import BoxGrid

    boxes = {f"c{i}.{j}": (i * 236.0, j * 128.0, *CARD) for i in range(12) for j in range(8)}
    grid = BoxGrid(boxes)
    x0, y0, x1, y1 = 300.0, 50.0, 1900.0, 700.0
    inside = {
        k for k, (x, y, w, h) in boxes.items() if x < x1 and x + w > x0 and y < y1 and y + h > y0
    }
    assert inside <= grid.near_rect(x0, y0, x1, y1)

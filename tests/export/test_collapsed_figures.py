"""Exported figures of large designs: collapsed blocks, labels that never overlap, sized for a slide."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from designer.cli import main
from designer.core.analysis import analyze
from designer.core.collapsed_figure import (
    build_figure,
    collapsed_level,
    label_overlaps,
    place_labels,
    smallest_label_on_slide,
)
from designer.core.figure import Figure, FigureStyle, Group, Text
from designer.core.fileformat import load_design
from designer.core.resources import resource_path, templates_dir
from designer.export.figure_exporter import ExportOptions, make_figure

SVG = "{http://www.w3.org/2000/svg}"


def resnet50():  # type: ignore[no-untyped-def]
    return analyze(load_design(templates_dir() / "resnet50.json"))


def test_place_labels_drops_the_less_important_of_two_overlapping_labels() -> None:
    dims = Text(10, 20, "56×56×256", 11, role="dims")
    name = Text(12, 22, "layer1.0.conv1", 9, role="name")
    apart = Text(400, 20, "fc", 9, role="name")
    fig = Figure(
        500,
        100,
        [Group("a", ("a",), "", [name]), Group("b", ("b",), "", [dims, apart])],
        FigureStyle(),
    )
    assert label_overlaps(fig) == 1
    place_labels(fig)
    assert label_overlaps(fig) == 0
    assert fig.texts() == ["56×56×256", "fc"]


@pytest.mark.parametrize("view", ["blocks", "graph"])
@pytest.mark.parametrize(
    "name", ["resnet18", "resnet50", "unet_small", "alexnet_torchvision", "vgg16"]
)
def test_default_export_is_readable_on_a_slide(name: str, view: str) -> None:
    analysis = analyze(load_design(templates_dir() / f"{name}.json"))
    fig = make_figure(analysis, ExportOptions(view=view))  # type: ignore[arg-type]
    assert label_overlaps(fig) == 0
    assert smallest_label_on_slide(fig) >= 8.0
    drawn = sorted(lid for g in fig.groups if g.kind != "legend" for lid in g.layer_ids)
    assert drawn == sorted(
        analysis.design.ids
    )  # every layer is drawn, once, as itself or in its block


def test_resnet50_auto_draws_blocks_with_repeats() -> None:
    analysis = resnet50()
    assert collapsed_level(analysis, "auto", "blocks", FigureStyle()) == 1
    fig = build_figure(analysis, 1, "blocks", FigureStyle())
    texts = fig.texts()
    assert "layer3.1–5 ×5" in texts and "14×14×1024" in texts
    run = fig.group("layer3.1")
    assert len(run.layer_ids) == 50 and run.layer_ids[0] == "layer3.1.conv1"
    top = build_figure(analysis, 0, "graph", FigureStyle())
    assert {"Stem", "Stage 1", "Stage 2", "Stage 3", "Stage 4", "Head"} <= set(top.texts())
    assert top.width / top.height < 16 / 9 * 1.6  # rows wrap towards a slide's shape


def test_cli_collapse_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = str(resource_path("templates", "resnet50.json"))
    out = tmp_path / "r50.svg"
    assert main(["export", src, "-o", str(out), "--view", "graph", "--collapse", "0"]) == 0
    ids = [
        g.get("id")
        for g in ET.parse(out).getroot().iter(f"{SVG}g")
        if (g.get("id") or "").startswith("layer-")
    ]
    assert ids == [
        "layer-input",
        "layer-stem",
        "layer-layer1",
        "layer-layer2",
        "layer-layer3",
        "layer-layer4",
        "layer-head",
    ]
    assert main(["export", src, "-o", str(out), "--view", "graph", "--collapse", "none"]) == 0
    ids = [
        g
        for g in ET.parse(out).getroot().iter(f"{SVG}g")
        if (g.get("id") or "").startswith("layer-")
    ]
    assert len(ids) == 176
    assert main(["export", src, "-o", str(tmp_path / "x.svg"), "--collapse", "deep"]) == 2
    err = capsys.readouterr().err
    assert "--collapse must be a level (0, 1, 2, …), auto or none, got 'deep'" in err
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("view", ["blocks", "graph"])
def test_a_block_with_an_error_inside_still_draws(view: str) -> None:
    design = load_design(templates_dir() / "resnet50.json")
    design.set_param(
        "layer3.2.conv2", "kernel_size", 99
    )  # larger than 14×14: an error, unknown shapes after it
    analysis = analyze(design)
    assert analysis.has_errors()
    fig = build_figure(analysis, 0, view, FigureStyle())
    assert label_overlaps(fig) == 0
    assert "?" in fig.texts() or view == "blocks"
    drawn = sorted(lid for g in fig.groups if g.kind != "legend" for lid in g.layer_ids)
    assert drawn == sorted(design.ids)

"""Graph-view export: Upsample labels, routing in near-linear time, PNG size refused early (issue 12)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from designer.cli import main
from designer.core import graph_geometry
from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.core.graph_geometry import ObstacleIndex, _hits, layer_summary
from designer.export.figure_exporter import ExportOptions
from designer.export.png_exporter import PngExporter
from designer.export.svg_exporter import SvgExporter

UPSAMPLE = """{"format": "cnn-designer", "version": 1, "name": "up", "layers": [
 {"id": "input", "type": "Input", "shape": [3, 8, 8]},
 {"id": "up", "type": "Upsample", "inputs": ["input"]},
 {"id": "up2", "type": "Upsample", "scale_factor": 1.5, "inputs": ["input"]},
 {"id": "up3", "type": "Upsample", "scale_factor": [2, 1.5], "inputs": ["input"]},
 {"id": "up4", "type": "Upsample", "size": [7, 9], "inputs": ["input"]},
 {"id": "pad", "type": "ZeroPad2d", "padding": [1, 0, 2, -1], "inputs": ["input"]}
]}"""


def test_upsample_and_padding_summaries() -> None:
    assert layer_summary(Layer("u", "Upsample", {})) == "×?"  # was a TypeError in as_pair
    assert layer_summary(Layer("u", "Upsample", {"scale_factor": 1.5})) == "×1.5"  # was "×1"
    assert layer_summary(Layer("u", "Upsample", {"scale_factor": [2, 1.5]})) == "×2,1.5"
    assert layer_summary(Layer("u", "Upsample", {"size": [7, 9]})) == "→ 7,9"
    assert layer_summary(Layer("u", "Upsample", {"scale_factor": 2})) == "×2"
    assert layer_summary(Layer("p", "ZeroPad2d", {"padding": [1, 0, 2, -1]})) == "pad 1,0,2,-1"


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_graph_export_of_an_upsample_without_arguments(tmp_path: Path, suffix: str, qapp) -> None:
    src = tmp_path / "up.json"
    src.write_text(UPSAMPLE, encoding="utf-8")
    out = tmp_path / f"up{suffix}"
    assert main(["export", str(src), "--view", "graph", "-o", str(out)]) == 0
    if suffix == ".svg":
        text = out.read_text(encoding="utf-8")
        assert "×?" in text and "×1.5" in text


def test_the_obstacle_index_answers_like_a_scan_of_every_card() -> None:
    rng = random.Random(12)
    for direction in ("LR", "TB"):
        for _ in range(30):
            boxes = {
                f"c{n}": (
                    rng.uniform(-2000, 2000),
                    rng.uniform(-2000, 2000),
                    rng.choice([180.0, 40.0, 900.0]),
                    rng.choice([92.0, 30.0]),
                )
                for n in range(rng.randint(0, 60))
            }
            index = ObstacleIndex(boxes, direction)  # type: ignore[arg-type]
            flow = index.boxes
            for _ in range(40):
                u0, v0 = rng.uniform(-2500, 2500), rng.uniform(-2500, 2500)
                u1 = u0 + rng.uniform(-3000, 3000) if rng.random() < 0.5 else u0
                v1 = v0 if u1 != u0 else v0 + rng.uniform(-3000, 3000)
                path = [(u0, v0), (u1, v1)]
                skip = tuple(rng.sample(sorted(boxes), min(2, len(boxes))))
                expected = any(_hits(path[0], path[1], b) for k, b in flow.items() if k not in skip)
                assert index.crosses(path, skip) == expected
                lo, hi = sorted((u0, u1 + 1.0))
                spanning = [b[1] for b in flow.values() if b[0] < hi and b[0] + b[2] > lo]
                assert index.top(lo, hi) == (min(spanning) if spanning else None)


def _chain(n: int) -> Design:
    d = Design(f"chain{n}")
    d.add_layer(Layer("input", "Input", {"shape": [4, 8, 8]}))
    prev = shortcut = "input"
    for i in range(n - 1):
        lid = f"l{i}"
        if i % 3 == 1:
            d.add_layer(Layer(lid, "Add", {}, [prev, shortcut]))
            shortcut = lid
        else:
            d.add_layer(Layer(lid, "ReLU", {}, [prev]))
        prev = lid
    return d


def test_a_too_large_png_is_refused_before_any_edge_is_routed(
    monkeypatch: pytest.MonkeyPatch, qapp
) -> None:
    analysis = analyze(_chain(300))

    def routed(*_args: object, **_kw: object) -> None:
        raise AssertionError("the PNG size must be checked before edges are routed")

    monkeypatch.setattr(graph_geometry, "route_edge", routed)
    with pytest.raises(ValueError, match=r"at least .* too large to render"):
        PngExporter(analysis, ExportOptions(view="graph", scale=20)).export()


def test_long_graph_figures_route_every_edge(qapp) -> None:
    """2,000 layers export (it took minutes to route 20,000 before; speed is measured in
    benchmarks/bench_graph_export.py) and every edge still enters its card."""
    analysis = analyze(_chain(2000))
    data = SvgExporter(analysis, ExportOptions(view="graph")).export()
    assert data.count(b"<g") >= 2000

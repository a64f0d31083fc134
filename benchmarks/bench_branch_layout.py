"""Branches and skip connections: how the layered layout draws them (issue 13, item 5).

For ResNet-18, ResNet-50, U-Net, EfficientNet-B0 (templates), GoogLeNet, Inception-v3,
MobileNetV2 and SqueezeNet (torchvision imports; skipped without torch) and a
squeeze-and-excitation design, on the canvas (every layer, and collapsed as the design
opens) and in the graph figure (every layer, and ``--collapse auto``):

- ``cross``: edges whose drawn path enters a card that is not its source or target (target 0);
- ``e×e``: crossings between two drawn edges;
- ``skips``: edges that jump over at least one column (shortcuts, branch ends), their mean and
  longest drawn length in card widths (180 px);
- ``side``: forks whose branches sit side by side, i.e. the fork, its merge and everything
  between them in one band of the wrapped layout (no edge of the module runs back left
  across a line break), out of all forks;
- ``aspect``: width / height of the cards' extent.

Then the time to lay out and route a 10,000-layer residual design (layout stays near-linear),
and on the canvas the edges an edit moving one card routes again, against a full reroute.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_branch_layout.py [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import types
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from designer.core.analysis import analyze
from designer.core.collapsed_figure import build_figure
from designer.core.design import Design, Layer
from designer.core.figure import FigureStyle
from designer.core.fileformat import load_design
from designer.core.layout import CARD_HEIGHT, CARD_WIDTH, auto_layout, graph_ranks
from designer.core.registry import REGISTRY
from designer.core.resources import templates_dir
from designer.core.routing import (
    edge_crossings,
    edge_edge_crossings,
    figure_geometry,
    path_length,
)

Paths = dict[tuple[str, str], list[tuple[float, float]]]
Boxes = dict[str, tuple[float, float, float, float]]


def se_design(blocks: int = 3) -> Design:
    """A chain of residual squeeze-and-excitation blocks (SE-ResNet style)."""
    merge = "Mul" if "Mul" in REGISTRY else "Add"  # Mul arrives with the new layer types
    d = Design("se_blocks")
    d.add_layer(Layer("input", "Input", {"shape": [16, 32, 32]}))
    prev = "input"
    for b in range(1, blocks + 1):
        p = f"b{b}."
        d.add_layer(
            Layer(
                p + "conv", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, [prev]
            )
        )
        d.add_layer(Layer(p + "bn", "BatchNorm2d", {}, [p + "conv"]))
        d.add_layer(Layer(p + "relu", "ReLU", {}, [p + "bn"]))
        d.add_layer(Layer(p + "se.pool", "AdaptiveAvgPool2d", {"output_size": 1}, [p + "relu"]))
        d.add_layer(
            Layer(p + "se.fc1", "Conv2d", {"out_channels": 4, "kernel_size": 1}, [p + "se.pool"])
        )
        d.add_layer(Layer(p + "se.relu", "ReLU", {}, [p + "se.fc1"]))
        d.add_layer(
            Layer(p + "se.fc2", "Conv2d", {"out_channels": 16, "kernel_size": 1}, [p + "se.relu"])
        )
        d.add_layer(Layer(p + "se.gate", "Sigmoid", {}, [p + "se.fc2"]))
        d.add_layer(Layer(p + "scale", merge, {}, [p + "relu", p + "se.gate"]))
        d.add_layer(Layer(p + "add", "Add", {}, [p + "scale", prev]))
        prev = p + "add"
    for lid, pos in auto_layout(d).items():
        d.set_position(lid, pos)
    return d


TORCHVISION = {  # name: (torchvision constructor, keyword arguments, input size)
    "GoogLeNet": ("googlenet", {"aux_logits": False, "init_weights": False}, 224),
    "Inception-v3": ("inception_v3", {"aux_logits": False, "init_weights": False}, 299),
    "MobileNetV2": ("mobilenet_v2", {}, 224),
    "SqueezeNet": ("squeezenet1_0", {}, 224),
}


def networks() -> dict[str, Design | str]:
    nets: dict[str, Design | str] = {
        "ResNet-18": load_design(templates_dir() / "resnet18.json"),
        "ResNet-50": load_design(templates_dir() / "resnet50.json"),
    }
    try:
        sys.modules.setdefault(
            "torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations")
        )
        import torchvision

        from designer.convert.from_torch import from_torch

        for name, (ctor, kwargs, size) in TORCHVISION.items():
            model = getattr(torchvision.models, ctor)(**kwargs).eval()
            nets[name] = from_torch(model, (3, size, size))
    except ImportError as exc:
        for name in TORCHVISION:
            nets[name] = f"skipped: {exc}"
    nets["U-Net"] = load_design(templates_dir() / "unet_small.json")
    nets["SE blocks"] = se_design()
    if (
        templates_dir() / "efficientnet_b0.json"
    ).exists():  # MBConv blocks with real SE gates (Mul)
        nets["EffNet-B0"] = load_design(templates_dir() / "efficientnet_b0.json")
    return nets


def side_by_side(paths: Paths, boxes: Boxes, window: int = 60) -> tuple[int, int]:
    """(forks drawn side by side, forks): a fork's branches are the nodes between it and its
    merge (the first node every branch reaches); they sit side by side when no edge among
    them or into the merge runs back left (across a line break of the wrapped layout).
    The fork itself may end the line before (a chain of Inception modules shares each
    concatenation as one module's merge and the next one's fork)."""
    ids = list(boxes)
    succ: dict[str, list[str]] = {k: [] for k in ids}
    pred: dict[str, list[str]] = {k: [] for k in ids}
    for src, dst in paths:
        if src in succ and dst in succ:
            succ[src].append(dst)
            pred[dst].append(src)
    rank = graph_ranks(ids, pred)

    def reach(start: str, step: dict[str, list[str]], limit: int) -> set[str]:
        seen = {start}
        todo = [start]
        while todo:
            node = todo.pop()
            for nxt in step[node]:
                if nxt not in seen and abs(rank[nxt] - rank[start]) <= limit:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    forks = good = 0
    for fork in ids:
        heads = list(dict.fromkeys(succ[fork]))
        if len(heads) < 2:
            continue
        common = set.intersection(*(reach(h, succ, window) for h in heads))
        if not common:
            continue
        merge = min(common, key=lambda k: (rank[k], ids.index(k)))
        module = reach(fork, succ, window) & reach(merge, pred, window)
        forks += 1
        if all(
            boxes[v][0] > boxes[u][0]
            for u in module - {fork}
            for v in succ[u]
            if v in module and rank[v] <= rank[merge]
        ):
            good += 1
    return good, forks


def aspect(boxes: Boxes) -> float:
    xs = [b[0] for b in boxes.values()]
    ys = [b[1] for b in boxes.values()]
    return (max(xs) - min(xs) + CARD_WIDTH) / (max(ys) - min(ys) + CARD_HEIGHT)


def measure(paths: Paths, boxes: Boxes) -> dict[str, Any]:
    ids = list(boxes)
    inputs: dict[str, list[str]] = {k: [] for k in ids}
    for src, dst in paths:
        if dst in inputs:
            inputs[dst].append(src)
    rank = graph_ranks(ids, inputs)
    skips = [
        path_length(pts) / CARD_WIDTH
        for (s, d), pts in paths.items()
        if s in rank and d in rank and rank[d] - rank[s] > 1
    ]
    crossings = edge_crossings(paths, boxes)
    good, forks = side_by_side(paths, boxes)
    return {
        "edges": len(paths),
        "cross": len({(s, d) for s, d, _ in crossings}),
        "edge_edge": edge_edge_crossings(paths),
        "skips": len(skips),
        "skip_mean": round(sum(skips) / len(skips), 2) if skips else 0.0,
        "skip_max": round(max(skips), 2) if skips else 0.0,
        "forks": forks,
        "side_by_side": good,
        "aspect": round(aspect(boxes), 2),
        "examples": [f"{s}→{d} over {c}" for s, d, c in crossings[:3]],
    }


def canvas_rows(name: str, design: Design, results: dict[str, Any]) -> None:
    from PySide6.QtWidgets import QApplication

    from designer.ui.canvas.scene import DesignScene
    from designer.ui.document import Document

    QApplication.instance() or QApplication([])
    doc = Document()
    doc.reset(design)
    scene = DesignScene(doc)
    opened = bool(scene.grouping.collapsed)
    if opened:
        report(name, "canvas, as opened", measure(*scene.edge_geometry()), results)
    scene.grouping.expand_all()
    report(name, "canvas, every layer", measure(*scene.edge_geometry()), results)


def figure_rows(name: str, design: Design, results: dict[str, Any]) -> None:
    analysis = analyze(design)
    style = FigureStyle()
    report(
        name,
        "figure, every layer",
        measure(*figure_geometry(build_figure(analysis, None, "graph", style))),
        results,
    )
    if design.groups:
        from designer.core.collapsed_figure import collapsed_level

        level = collapsed_level(analysis, "auto", "graph", style)
        if level is not None:
            fig = build_figure(analysis, level, "graph", style)
            report(name, f"figure, auto (level {level})", measure(*figure_geometry(fig)), results)


def report(name: str, view: str, m: dict[str, Any], results: dict[str, Any]) -> None:
    side = f"{m['side_by_side']}/{m['forks']}" if m["forks"] else "-"
    print(
        f"{name:<12} {view:<24} {m['edges']:>5} {m['cross']:>5} {m['edge_edge']:>5}"
        f" {m['skips']:>5} {m['skip_mean']:>6.1f} {m['skip_max']:>6.1f} {side:>7}"
        f" {m['aspect']:>6.2f}  {'; '.join(m['examples'])}"
    )
    results[f"{name}/{view}"] = m


def residual_chain(n: int) -> tuple[list[str], dict[str, list[str]]]:
    """``n`` nodes in basic blocks (conv, bn, relu, conv, bn, add with a shortcut), every 8th
    block with a projection branch, every 10th with a four-way Inception-like split."""
    ids = ["input"]
    inputs: dict[str, list[str]] = {"input": []}
    prev, b = "input", 0
    while len(ids) < n:
        b += 1
        p = f"b{b}."
        if b % 10 == 0:
            ends = []
            for k in range(4):
                last = prev
                for j in range(k + 1):
                    lid = f"{p}{k}.{j}"
                    ids.append(lid)
                    inputs[lid] = [last]
                    last = lid
                ends.append(last)
            ids.append(p + "cat")
            inputs[p + "cat"] = ends
            prev = p + "cat"
            continue
        chain = [p + s for s in ("conv1", "bn1", "relu", "conv2", "bn2")]
        last = prev
        for lid in chain:
            ids.append(lid)
            inputs[lid] = [last]
            last = lid
        short = prev
        if b % 8 == 0:
            ids += [p + "down.0", p + "down.1"]
            inputs[p + "down.0"] = [prev]
            inputs[p + "down.1"] = [p + "down.0"]
            short = p + "down.1"
        ids.append(p + "add")
        inputs[p + "add"] = [last, short]
        prev = p + "add"
    return ids, inputs


def scale_rows(results: dict[str, Any]) -> None:
    from designer.core.layout import graph_layout

    print()
    print(f"{'layers':>7} {'layout':>9} {'figure (no labels)':>19}")
    for n in (1000, 10000):
        ids, inputs = residual_chain(n)
        t = time.perf_counter()
        graph_layout(ids, inputs)
        layout_ms = (time.perf_counter() - t) * 1000
        d = Design("scale")
        for lid in ids:
            ltype = (
                "Input"
                if lid == "input"
                else (
                    "Add" if lid.endswith(".add") else "Concat" if lid.endswith(".cat") else "ReLU"
                )
            )
            params = {"shape": [8, 16, 16]} if ltype == "Input" else {}
            d.add_layer(Layer(lid, ltype, params, inputs[lid]))
        if n > 1000:  # the figure's own routing is quadratic here (issue 12 makes it near-linear)
            print(f"{len(ids):>7} {layout_ms:>7.0f} ms")
            results[f"scale_{len(ids)}"] = {"layout_ms": round(layout_ms, 1)}
            continue
        analysis = analyze(d)
        t = time.perf_counter()
        fig = build_figure(analysis, None, "graph", FigureStyle(show_labels=False))
        fig_ms = (time.perf_counter() - t) * 1000
        m = measure(*figure_geometry(fig))
        print(f"{len(ids):>7} {layout_ms:>7.0f} ms {fig_ms:>16.0f} ms   crossings {m['cross']}")
        results[f"scale_{len(ids)}"] = {
            "layout_ms": round(layout_ms, 1),
            "figure_ms": round(fig_ms, 1),
            "crossings": m["cross"],
        }


def reroute_rows(results: dict[str, Any]) -> None:
    """Canvas: every long edge routed again (a new layout) against the edges an edit that
    moves one card routes again (those whose corridor it left or entered)."""
    from PySide6.QtWidgets import QApplication

    from designer.ui.canvas.scene import DesignScene
    from designer.ui.document import Document

    QApplication.instance() or QApplication([])
    print()
    print(f"{'layers':>7} {'full reroute':>22} {'one card moved':>22}")
    for n in (2000, 10000):
        ids, inputs = residual_chain(n)
        d = Design("scale")
        for lid in ids:
            ltype = "Input" if lid == "input" else "Add" if lid.endswith(".add") else "ReLU"
            if lid.endswith(".cat"):
                ltype = "Concat"
            d.add_layer(
                Layer(lid, ltype, {"shape": [8, 16, 16]} if ltype == "Input" else {}, inputs[lid])
            )
        for lid, pos in auto_layout(d).items():
            d.set_position(lid, pos)
        doc = Document()
        doc.reset(d)
        scene = DesignScene(doc)
        scene.grouping.expand_all()
        t = time.perf_counter()
        scene.reroute_edges()
        full_ms, full = (time.perf_counter() - t) * 1000, scene.rerouted
        lid = ids[len(ids) // 2]
        x, y = d.position(lid) or (0.0, 0.0)
        doc.move_layers({lid: (x, y + 60.0)})
        t = time.perf_counter()
        scene.reroute_edges(
            near=[(x, y, CARD_WIDTH, CARD_HEIGHT), (x, y + 60.0, CARD_WIDTH, CARD_HEIGHT)]
        )
        one_ms, one = (time.perf_counter() - t) * 1000, scene.rerouted
        print(f"{len(ids):>7} {full:>6} edges {full_ms:>7.0f} ms {one:>6} edges {one_ms:>7.0f} ms")
        results[f"reroute_{len(ids)}"] = {
            "full_edges": full,
            "full_ms": round(full_ms, 1),
            "move_edges": one,
            "move_ms": round(one_ms, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", help="write the numbers to this file")
    parser.add_argument("--no-scale", action="store_true", help="skip the 10,000-layer timing")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    print(f"{'':<37} {'':>5} {'':>5} {'':>5} {'':>5} {'skip length':>13}")
    print(
        f"{'network':<12} {'view':<24} {'edges':>5} {'cross':>5} {'e×e':>5} {'skips':>5}"
        f" {'mean':>6} {'max':>6} {'side':>7} {'aspect':>6}"
    )
    for name, design in networks().items():
        if isinstance(design, str):
            print(f"{name:<12} {design}")
            continue
        canvas_rows(name, design, results)
        figure_rows(name, design, results)
    if not args.no_scale:
        scale_rows(results)
        reroute_rows(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

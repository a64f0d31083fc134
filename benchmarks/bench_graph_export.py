"""Graph-view export of very long designs: near-linear, and a too-large PNG refused early.

ResNet-like chains (conv, BatchNorm, residual Add, ReLU) of 1,000 to 20,000 layers:
the graph figure built and written as SVG (target: 10,000 layers ≤ 5 s), and a PNG
at scale 1 that is too large to render refused as soon as the cards are placed
(target: well under a second per 10,000 layers, before any edge is routed).

    python benchmarks/bench_graph_export.py [--json OUT.json] [--sizes 1000,2000,4000,10000,20000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from designer.core.analysis import analyze
from designer.core.design import Design, Layer


def resnet_chain(n: int) -> Design:
    """``n`` layers: input, then blocks of conv → BatchNorm → Add(shortcut) → ReLU."""
    d = Design(f"chain{n}")
    d.add_layer(Layer("input", "Input", {"shape": [16, 32, 32]}))
    prev = shortcut = "input"
    for i in range(n - 1):
        lid = f"l{i}"
        kind = i % 4
        if kind == 0:
            d.add_layer(
                Layer(lid, "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, [prev])
            )
        elif kind == 1:
            d.add_layer(Layer(lid, "BatchNorm2d", {}, [prev]))
        elif kind == 2:
            d.add_layer(Layer(lid, "Add", {}, [prev, shortcut]))
        else:
            d.add_layer(Layer(lid, "ReLU", {}, [prev]))
            shortcut = lid
        prev = lid
    return d


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", help="write the numbers here")
    parser.add_argument("--sizes", default="1000,2000,4000,10000,20000")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from designer.export.figure_exporter import ExportOptions
    from designer.export.png_exporter import PngExporter, ensure_gui_application
    from designer.export.svg_exporter import SvgExporter

    ensure_gui_application()
    graph = ExportOptions(view="graph")
    results: dict[str, dict[str, float]] = {}
    print(f"{'layers':>7}  {'graph → SVG':>12}  {'per layer':>10}  {'PNG refused after':>18}")
    for n in (int(s) for s in args.sizes.split(",")):
        analysis = analyze(resnet_chain(n))
        t = time.perf_counter()
        SvgExporter(analysis, graph).export()
        svg = time.perf_counter() - t
        t = time.perf_counter()
        try:
            PngExporter(analysis, graph).export()
            refused = "rendered"
        except ValueError:
            refused = "refused"
        png = time.perf_counter() - t
        results[f"graph_svg_{n}_layers"] = {"median_ms": svg * 1000}
        results[f"graph_png_{n}_layers_{refused}"] = {"median_ms": png * 1000}
        target = "   (target ≤ 5 s)" if n == 10_000 else ""
        print(f"{n:>7}  {svg:>10.2f} s  {svg / n * 1e6:>7.0f} µs  {png:>9.2f} s {refused}{target}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

"""Are real-size networks readable? The measured targets of issue 13, printed as a table.

1. Exported SVG, default options (``--collapse auto``), for ResNet-18, ResNet-50, GoogLeNet,
   MobileNetV2, SqueezeNet, U-Net and AlexNet in ``--view blocks`` and ``--view graph``: the
   number of overlapping text labels and the smallest label in pixels once the figure is
   scaled to fit 1920×1080. Labels are measured from the SVG itself (x, y, font-size,
   text-anchor; width 0.6 em per character, height 1 em above the baseline). Targets: 0
   overlaps, smallest ≥ 8 px. GoogLeNet, MobileNetV2 and SqueezeNet are imported from
   torchvision (skipped when torch/torchvision are not installed).
2. ResNet-50 opened in a 1500×940 window: the zoom it opens at and its smallest card text on
   screen (target ≥ 8 px).
3. ResNet-152: collapsing and expanding stage 3 (36 blocks), rebuild plus a synchronous
   repaint of the canvas (target ≤ 16 ms, one frame).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_readability.py [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import types
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from designer.core.analysis import analyze
from designer.core.design import Design
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.export.figure_exporter import ExportOptions
from designer.export.svg_exporter import SvgExporter

SVG = "{http://www.w3.org/2000/svg}"
SLIDE = (1920.0, 1080.0)


def svg_labels(data: bytes) -> tuple[float, float, list[tuple[float, float, float, float, float]]]:
    root = ET.fromstring(data)
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    boxes = []
    for t in root.iter(f"{SVG}text"):
        text = "".join(t.itertext())
        size = float(t.get("font-size", "11"))
        x, y = float(t.get("x", "0")), float(t.get("y", "0"))
        w = len(text) * size * 0.6
        anchor = t.get("text-anchor", "start")
        x0 = x - w / 2 if anchor == "middle" else x - w if anchor == "end" else x
        boxes.append((x0, y - size, x0 + w, y, size))
    return width, height, boxes


def overlaps(boxes: list[tuple[float, float, float, float, float]]) -> int:
    n = 0
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                n += 1
    return n


def networks() -> dict[str, Design | str]:
    nets: dict[str, Design | str] = {
        "ResNet-18": load_design(templates_dir() / "resnet18.json"),
        "ResNet-50": load_design(templates_dir() / "resnet50.json"),
        "U-Net": load_design(templates_dir() / "unet_small.json"),
        "AlexNet": load_design(templates_dir() / "alexnet_torchvision.json"),
    }
    try:
        sys.modules.setdefault(
            "torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations")
        )
        import torchvision

        from designer.convert.from_torch import from_torch

        for label, ctor in (
            ("GoogLeNet", "googlenet"),
            ("MobileNetV2", "mobilenet_v2"),
            ("SqueezeNet", "squeezenet1_0"),
        ):
            kwargs: dict[str, Any] = (
                {"aux_logits": False, "init_weights": False} if ctor == "googlenet" else {}
            )
            nets[label] = from_torch(
                getattr(torchvision.models, ctor)(**kwargs).eval(), (3, 224, 224)
            )
    except ImportError as exc:
        for label in ("GoogLeNet", "MobileNetV2", "SqueezeNet"):
            nets[label] = f"skipped: {exc}"
    return nets


def figures(results: dict[str, Any]) -> None:
    print(
        f"{'network':<12} {'view':<7} {'layers':>6} {'figure':>11} {'labels':>6} {'overlaps':>8} {'smallest @1920×1080':>20}"
    )
    for name, design in networks().items():
        if isinstance(design, str):
            print(f"{name:<12} {design}")
            continue
        analysis = analyze(design)
        for view in ("blocks", "graph"):
            t = time.perf_counter()
            data = SvgExporter(analysis, ExportOptions(view=view)).export()  # type: ignore[arg-type]
            ms = (time.perf_counter() - t) * 1000
            w, h, boxes = svg_labels(data)
            scale = min(SLIDE[0] / w, SLIDE[1] / h)
            smallest = min((b[4] for b in boxes), default=0.0) * scale
            n = overlaps(boxes)
            print(
                f"{name:<12} {view:<7} {len(design):>6} {w:>5.0f}×{h:<5.0f} {len(boxes):>6} {n:>8} {smallest:>17.1f} px"
                f"   ({ms:.0f} ms)"
            )
            results[f"svg_{name}_{view}"] = {
                "overlaps": n,
                "smallest_px": round(smallest, 2),
                "labels": len(boxes),
                "width": w,
                "height": h,
                "export_ms": round(ms, 1),
            }


def gui(results: dict[str, Any]) -> None:
    from PySide6.QtGui import QFontInfo
    from PySide6.QtWidgets import QApplication

    from designer.ui.canvas.grouping import group_fonts
    from designer.ui.canvas.items import _fonts
    from designer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow()
    window.resize(1500, 940)
    window.show()
    app.processEvents()
    window.load_design(load_design(templates_dir() / "resnet50.json"), None)
    app.processEvents()
    zoom = window.view.zoom
    smallest = min(QFontInfo(f).pixelSize() for f in [*_fonts(), *group_fonts()]) * zoom
    shown = len(window.scene.grouping.visible_items())
    print(
        f"\nResNet-50 in a 1500×940 window: {shown} cards, zoom {zoom:.2f}, smallest card text {smallest:.1f} px "
        f"(target ≥ 8 px)"
    )
    results["resnet50_window"] = {
        "zoom": round(zoom, 3),
        "smallest_px": round(smallest, 2),
        "cards": shown,
    }

    from tools.make_templates import _resnet

    design = _resnet("ResNet-152", "ResNet-152 for the benchmark", "bottleneck", (3, 8, 36, 3))
    window.load_design(design, None)
    app.processEvents()
    grouping = window.scene.grouping
    grouping.expand_to_level(0)
    app.processEvents()
    viewport = window.view.viewport()

    def step(action: str) -> tuple[float, float]:
        t, cpu = time.perf_counter(), time.process_time()
        if action == "expand":
            grouping.expand("layer3")
        else:
            grouping.collapse("layer3")
        viewport.repaint()  # paint synchronously, as the next frame would
        return (time.perf_counter() - t) * 1000, (time.process_time() - cpu) * 1000

    expand, collapse = [], []
    for _ in range(9):
        expand.append(step("expand"))
        collapse.append(step("collapse"))
    e, c = statistics.median(x[0] for x in expand), statistics.median(x[0] for x in collapse)
    ec, cc = statistics.median(x[1] for x in expand), statistics.median(x[1] for x in collapse)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"ResNet-152 ({len(design)} layers), stage 3 (36 blocks), rebuild + synchronous repaint, median of 9:\n"
        f"  expand {e:.1f} ms wall ({ec:.1f} ms CPU), collapse {c:.1f} ms wall ({cc:.1f} ms CPU); "
        f"target ≤ 16 ms; load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    results["resnet152_expand_stage"] = {"median_ms": round(e, 2), "cpu_ms": round(ec, 2)}
    results["resnet152_collapse_stage"] = {"median_ms": round(c, 2), "cpu_ms": round(cc, 2)}
    window.document.undo_stack.setClean()
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", help="write the numbers to this file")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    figures(results)
    gui(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

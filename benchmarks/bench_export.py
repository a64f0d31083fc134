"""Figure export and 3D scene rebuild speed.

ResNet-50 blocks to SVG and to PNG at 2× scale (targets 0.5 s and 1.5 s), and the
3D scene rebuilt after one edit on a 200-layer design (target 50 ms; the GL part
is measured under a real display, e.g. ``xvfb-run -a python benchmarks/bench_export.py``).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.core.volume_geometry import build_volume_scene


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def chain_200() -> Design:
    d = Design("chain200")
    d.add_layer(Layer("input", "Input", {"shape": [3, 128, 128]}))
    prev = "input"
    for n in range(199):
        kind = n % 3
        lid = f"l{n}"
        if kind == 0:
            d.add_layer(
                Layer(
                    lid,
                    "Conv2d",
                    {"out_channels": 32 + n % 7, "kernel_size": 3, "padding": 1},
                    [prev],
                )
            )
        elif kind == 1:
            d.add_layer(Layer(lid, "BatchNorm2d", {}, [prev]))
        else:
            d.add_layer(Layer(lid, "ReLU", {}, [prev]))
        prev = lid
    return d


def main() -> None:
    if "DISPLAY" not in os.environ:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from designer.export.figure_exporter import ExportOptions
    from designer.export.png_exporter import PngExporter, ensure_gui_application
    from designer.export.svg_exporter import SvgExporter

    app = QApplication.instance() or QApplication([])
    ensure_gui_application()
    resnet = analyze(load_design(templates_dir() / "resnet50.json"))
    svg = timed(lambda: SvgExporter(resnet).export())
    png = timed(lambda: PngExporter(resnet, ExportOptions(scale=2)).export(), 3)
    print(f"ResNet-50 blocks → SVG            {svg * 1000:8.1f} ms   (target < 500 ms)")
    print(f"ResNet-50 blocks → PNG at 2×      {png * 1000:8.1f} ms   (target < 1500 ms)")
    graph_svg = timed(lambda: SvgExporter(resnet, ExportOptions(view="graph")).export())
    print(f"ResNet-50 graph  → SVG            {graph_svg * 1000:8.1f} ms")

    design = chain_200()
    analysis = Analysis(design)
    flip = [3]

    def edit_and_scene() -> None:
        flip[0] = 5 if flip[0] == 3 else 3
        design.set_param("l150", "kernel_size", flip[0])
        build_volume_scene(analysis)

    print(f"200 layers: edit + scene geometry {timed(edit_and_scene, 20) * 1000:8.2f} ms")

    from designer.ui.volume_view import VolumeView, opengl_status

    ok, why = opengl_status()
    if not ok:
        print(f"3D view rebuild: not measured ({why}; run under xvfb-run)")
        return
    view = VolumeView()
    view.resize(1200, 700)
    view.set_analysis(analysis)
    view.show()
    app.processEvents()

    def edit_and_rebuild() -> None:  # the view rebuilds from Analysis.updated; then it repaints
        flip[0] = 5 if flip[0] == 3 else 3
        design.set_param("l150", "kernel_size", flip[0])
        app.processEvents()  # the view rebuilds once, on the next turn of the event loop
        view.gl_widget.repaint()

    print(
        f"200 layers: edit → 3D view rebuilt {timed(edit_and_rebuild, 20) * 1000:7.2f} ms   (target < 50 ms)"
    )
    view.close()


if __name__ == "__main__":
    main()

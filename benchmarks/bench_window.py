"""The Window view's costs: geometry, figure layout, one frame, one edit, the GIF export.

AlexNet conv1 at 224 (11×11 stride 4), compact (16 windows) and full (every one of the
224×224 cells, 2,916 windows). ``python benchmarks/bench_window.py [--json OUT.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from designer.core.analysis import Analysis
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.core.window_figure import WindowFigure
from designer.core.window_geometry import WindowFrames, layer_window


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from designer.export.window_exporter import WindowExporter, have_pillow
    from designer.ui.document import Document
    from designer.ui.window_view import WindowView

    app = QApplication.instance() or QApplication([])
    design = load_design(templates_dir() / "alexnet_paper.json")
    design.set_param("input", "shape", [3, 224, 224])
    analysis = Analysis(design)
    results: dict[str, dict[str, float]] = {}

    def row(name: str, ms: float, note: str = "") -> None:
        results[name] = {"median_ms": ms}
        print(f"{name:42s} {ms:9.2f} ms  {note}")

    row("window_geometry_conv1_224", timed(lambda: layer_window(analysis, "conv1"), 20))
    geometry = layer_window(analysis, "conv1")
    assert geometry is not None
    row(
        "window_figure_layout_compact",
        timed(lambda: WindowFigure(WindowFrames(geometry, True)), 10),
    )
    row(
        "window_figure_layout_full",
        timed(lambda: WindowFigure(WindowFrames(geometry, False)), 3),
        "224×224 cells",
    )
    compact = WindowFigure(WindowFrames(geometry, True))
    full = WindowFigure(WindowFrames(geometry, False))
    row("window_frame_items_compact_last", timed(lambda: compact.frame_items(15), 20))
    row(
        "window_frame_items_full_last",
        timed(lambda: full.frame_items(2915), 5),
        "2,915 outputs done",
    )

    document = Document(design)
    view = WindowView(document)
    view.resize(900, 800)
    view.show()
    document.select(["conv1"])
    app.processEvents()
    flip = [3]

    def edit() -> None:
        flip[0] = 4 if flip[0] == 3 else 3
        document.set_param("conv1", "stride", flip[0])
        view.canvas.repaint()

    row(
        "window_view_edit_and_repaint_compact",
        timed(edit, 10),
        "inspector edit → new picture on screen",
    )

    def step() -> None:
        view.set_frame((view.frame + 1) % view.frame_count)
        view.canvas.repaint()

    row("window_view_step_and_repaint_compact", timed(step, 20))
    if have_pillow():
        row(
            "window_gif_export_compact_16_frames",
            timed(lambda: WindowExporter(compact).export(fmt="gif"), 3),
        )
    view.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

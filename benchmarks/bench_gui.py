"""GUI speed: open ResNet-50 to a painted canvas; one kernel edit in a 500-layer design to a repainted canvas.

Runs offscreen (QT_QPA_PLATFORM=offscreen unless set). Prints a table; ``--json PATH`` also writes
the numbers. Targets (issue 4): open under 300 ms, edit under 16 ms (one frame).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from benchmarks import scale_designs
from benchmarks.own_settings import use_own_settings
from designer.core.design import Design
from designer.ui.app import create_app
from designer.ui.main_window import MainWindow
from designer.ui.template_dialog import templates_folder


def chain_design(n: int) -> Design:
    """``n`` layers: Input, then conv → BN → ReLU blocks of 64 channels."""
    return scale_designs.chain_design(n, channels=64)


def ms(seconds: float) -> float:
    return seconds * 1000.0


def bench_open(window: MainWindow, app: QApplication, repeats: int) -> list[float]:
    path = templates_folder() / "resnet50.json"
    times = []
    for _ in range(repeats):
        window.document.undo_stack.setClean()
        t0 = time.perf_counter()
        window.open_file(path, ask=False)
        app.processEvents()
        window.view.viewport().repaint()
        times.append(time.perf_counter() - t0)
    return times


def bench_edit(
    window: MainWindow, app: QApplication, n: int, where: float, zoom: float | None, repeats: int
) -> tuple[list[float], int]:
    design = chain_design(n)
    window.document.reset(design)
    doc, view = window.document, window.view
    convs = [layer.id for layer in design if layer.type == "Conv2d"]
    target = convs[int((len(convs) - 1) * where)]
    if zoom is None:
        view.fit_to_view()
    else:
        view.set_zoom(zoom)
        view.centerOn(window.scene.cards[target])
    app.processEvents()
    view.viewport().repaint()
    times = []
    refreshed = 0
    for r in range(repeats):
        kernel = 5 if r % 2 == 0 else 3
        padding = 2 if kernel == 5 else 1
        before = window.scene.refresh_count
        t0 = time.perf_counter()
        # One inspector-style edit: the kernel (its padding follows, so only this card's text changes)...
        doc.set_param(target, "kernel_size", kernel)
        view.viewport().repaint()
        times.append(time.perf_counter() - t0)
        refreshed = window.scene.refresh_count - before
        doc.set_param(target, "padding", padding)
        doc.close_edit()
    return times, refreshed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    use_own_settings("bench_gui_")  # (its window's size and layout are not the user's)
    app = create_app()
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    app.processEvents()

    rows: list[tuple[str, list[float], float, str]] = []
    rows.append(("open ResNet-50 template → painted canvas", bench_open(window, app, 7), 300.0, ""))
    for label, zoom, where in (
        ("500 layers, edit kernel mid-design, fit view", None, 0.5),
        ("500 layers, edit kernel mid-design, 100% zoom", 1.0, 0.5),
        ("500 layers, edit kernel near the start, 100%", 1.0, 0.0),
    ):
        times, refreshed = bench_edit(window, app, 500, where, zoom, args.repeats)
        rows.append((label, times, 16.0, f"{refreshed} cards refreshed"))
    window.document.undo_stack.setClean()

    results = []
    print(f"{'benchmark':48} {'median ms':>10} {'min ms':>8} {'target':>8}  note")
    for label, times, target, note in rows:
        med, low = ms(statistics.median(times)), ms(min(times))
        ok = "ok" if med < target else "SLOW"
        print(f"{label:48} {med:10.2f} {low:8.2f} {target:8.0f}  {ok} {note}")
        results.append(
            {
                "benchmark": label,
                "median_ms": round(med, 3),
                "min_ms": round(low, 3),
                "target_ms": target,
                "note": note,
            }
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A rubber band swept over a quarter of a 10,000-layer canvas, move by move (issue 15: nothing
blocks for more than 100 ms; the band follows the pointer at 30 frames per second).

    python benchmarks/bench_band.py [--kinds chain,resnet] [--layers 10000] [--rounds 3]
        [--tree PATH]

For each design at fit view in a 1500×940 main window, three rounds of three bands from the
canvas's top-left corner to the middle of the canvas, each event through the event loop:

* three jumps (a third of the way each, as ``bench_interactions.py`` moves it);
* twelve moves out, as a pointer sweeping, then six moves back (the band shrinking);
* letting go of the button (the document and its views told the selection).

Printed per kind of step: the slowest and the median, on the wall clock and in process time
(``time.process_time``: every thread of the app; on a shared machine it follows the app's own
work more closely than the wall clock). ``--tree`` runs another checkout's ``designer`` (an
A/B against an exported base: ``git archive <rev> designer resources benchmarks``). Asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def measure(bench: Any, kind: str, layers: int, rounds: int) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from benchmarks.scale_designs import chain_design, resnet_like

    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    make = {"chain": chain_design, "resnet": resnet_like}[kind]
    bench.open(make(layers), 1)
    bench.fit()
    window = bench.window
    vp = window.view.viewport()
    r = vp.rect()
    corner = QPoint(r.width() // 2, r.height() // 2)

    def at(k: int, moves: int) -> QPoint:
        return QPoint(2 + corner.x() * k // moves, 2 + corner.y() * k // moves)

    steps: dict[str, list[tuple[float, float]]] = {}

    def timed(label: str, fn: Callable[[], object]) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        bench.settle()
        wall, cpu = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        steps.setdefault(label, []).append((wall, cpu))

    def move(k: int, moves: int) -> Callable[[], object]:
        return lambda: QTest.mouseMove(vp, at(k, moves))

    selected = 0
    for _ in range(rounds):
        for moves in (3, 12):
            QTest.mousePress(vp, left, none, QPoint(2, 2))
            bench.settle()
            label = "three jumps" if moves == 3 else "twelve moves out"
            for k in range(1, moves + 1):
                timed(label, move(k, moves))
            if moves == 12:
                for k in range(11, 5, -1):
                    timed("six moves back", move(k, 12))
                for k in range(7, 13):
                    QTest.mouseMove(vp, at(k, 12))
                    bench.settle()
            timed("let go", lambda: QTest.mouseRelease(vp, left, none, corner))
            selected = len(window.document.selection)
            QTest.mouseClick(vp, left, none, QPoint(r.width() - 3, r.height() - 3))
            bench.settle()
    print(f"{kind} {len(window.document.design)}: {selected} layers selected by the band")
    for label, runs in steps.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"  {label:18s} wall max {max(walls):6.1f} median {statistics.median(walls):6.1f}"
            f" | process max {max(cpus):6.1f} median {statistics.median(cpus):6.1f}  (ms)",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kinds", default="chain,resnet")
    parser.add_argument("--layers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", help="the checkout whose designer package is measured")
    args = parser.parse_args()
    root = Path(args.tree or Path(__file__).resolve().parent.parent).resolve()
    sys.path.insert(0, str(root))

    import designer
    from benchmarks.bench_scale_gui import Bench

    print(f"designer from {Path(designer.__file__).parent}")
    bench = Bench()
    for kind in filter(None, args.kinds.split(",")):
        measure(bench, kind, args.layers, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

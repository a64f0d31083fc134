"""The layer table's share of an edit inside a collapsed block (issue 15, target 4), and one
repaint of its viewport timed directly.

    python benchmarks/bench_table_paint.py [--layers 100,10000] [--repeat 30] [--tree PATH]

For the grouped ResNet-like design (``benchmarks/scale_designs.grouped_resnet``) opened as the
app opens it in a 1500×940 main window (the table by block, as on the canvas), with the
Layer Table tab shown:

* one repaint of the table's viewport (``viewport().repaint()``) and of the totals footer,
  median of ``--repeat``, with the number of cells painted;
* the same edit as ``bench_scale_gui.py``'s "local edit inside a collapsed block" (kernel 3 → 5
  with padding 1 → 2 and back: it splits the stage's "×N" run in three rows and joins it
  again), each through the event loop (``processEvents()`` three times), median; and the
  table's own share of the GUI thread per edit: its models' handlers and the table's and
  footer's paint events, wherever the event loop ran them;
* the process's CPU time per edit (three runs of ten), with the statistics dock shown and
  hidden.

``--tree`` runs another checkout's ``designer`` (an A/B against an exported base:
``git archive <rev> designer resources benchmarks``). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Settings of its own: the window, closed with its statistics dock hidden, saves its layout,
# which must not become the user's (or another benchmark's) next layout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.own_settings import use_own_settings

use_own_settings("bench_table_")


class _Share:
    """Time spent inside the wrapped callables (outermost call only)."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.depth = 0
        self.cells = 0

    def wrap(self, original: Any) -> Any:
        def timed(*args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            self.depth += 1
            try:
                return original(*args, **kw)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.spent += time.perf_counter() - t0

        return timed


def measure(layers: int, repeat: int) -> None:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from benchmarks.scale_designs import grouped_resnet
    from designer.core.fileformat import save_design
    from designer.ui.app import create_app
    from designer.ui.main_window import MainWindow
    from designer.ui.panels import layer_table

    share = _Share()
    for klass, names in (
        (layer_table.LayerTableModel, ("_on_analysis_updated",)),
        (layer_table.TotalsModel, ("refresh",)),
        (layer_table.LayerTablePanel, ("_on_document_selection", "_after_rows_replaced")),
    ):
        for name in names:
            original = getattr(klass, name, None)
            if original is not None:
                setattr(klass, name, share.wrap(original))
    app = create_app()
    window = MainWindow()
    window.resize(1500, 940)
    window.show()
    design = grouped_resnet(layers)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "design.json"
        save_design(design, path)
        window.open_file(path, ask=False)

    def settle() -> None:
        for _ in range(3):
            app.processEvents()

    settle()
    table = window.layer_table
    window.docks["statistics"].setVisible(True)
    window.statistics_tabs.setCurrentWidget(table)
    settle()
    settle()
    view, footer = table.view, table.footer

    class Paints(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def eventFilter(self, _w: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    for widget in (view, footer):
        widget.paintEvent = share.wrap(widget.paintEvent)  # type: ignore[method-assign]
    doc = window.document
    model = table.model

    def repaint_ms(widget: Any) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            widget.viewport().repaint()
            times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times)

    rows_shown = sum(
        1
        for r in range(table.proxy.rowCount())
        if not view.visualRect(table.proxy.index(r, 0)).isEmpty()
        and view.visualRect(table.proxy.index(r, 0)).top() < view.viewport().height()
    )
    cols_shown = sum(
        1
        for c in range(table.proxy.columnCount())
        if view.columnViewportPosition(c) < view.viewport().width()
        and view.columnViewportPosition(c) + view.columnWidth(c) > 0
    )
    print(
        f"grouped {len(doc.design)} layers, {model.rowCount()} rows by block, "
        f"viewport {view.viewport().width()}×{view.viewport().height()}, "
        f"about {rows_shown}×{cols_shown} cells shown"
    )
    print(f"  table viewport repaint, median of {repeat}: {repaint_ms(view):.2f} ms")
    print(f"  totals footer repaint, median of {repeat}: {repaint_ms(footer):.2f} ms")

    stage2 = [g.id for g in doc.design.groups if g.parent == "layer2"]
    target = f"{stage2[len(stage2) // 2]}.conv2"
    base = dict(doc.design.layer(target).params)
    values = ({"kernel_size": 5, "padding": 2}, {"kernel_size": 3, "padding": 1})
    paints = Paints()
    view.viewport().installEventFilter(paints)
    walls, shares, counts = [], [], []
    edits = max(6, repeat // 2) // 2 * 2
    for r in range(edits):
        share.spent = 0.0
        before = paints.count
        t0 = time.perf_counter()
        doc.set_params(target, {**base, **values[r % 2]}, "bench edit")
        settle()
        walls.append((time.perf_counter() - t0) * 1e3)
        shares.append(share.spent * 1e3)
        counts.append(paints.count - before)
    print(
        f"  local edit in a collapsed block ({edits} edits), median: "
        f"{statistics.median(walls):.2f} ms through the event loop; the table's share "
        f"{statistics.median(shares):.2f} ms (min {min(shares):.2f}, max {max(shares):.2f}); "
        f"table viewport paints per edit: {statistics.median(counts):g}"
    )
    # The process's CPU time per edit (every thread; it swings less than the wall clock on a
    # shared machine): three runs of ten edits, the table shown, then the same with the
    # statistics dock hidden (the difference: what the table costs an edit in all).
    dock = window.docks["statistics"]
    for shown in (True, False):
        dock.setVisible(shown)
        settle()
        per_edit = []
        for _ in range(3):
            t0 = time.process_time()
            for r in range(10):
                doc.set_params(target, {**base, **values[r % 2]}, "bench edit")
                settle()
            per_edit.append((time.process_time() - t0) / 10 * 1e3)
        print(
            f"  CPU per edit, statistics dock {'shown' if shown else 'hidden'}: "
            f"median {statistics.median(per_edit):.2f} ms (min {min(per_edit):.2f})"
        )
    dock.setVisible(True)
    doc.undo_stack.setClean()  # (no "save changes?" question on closing)
    window.close()
    window.deleteLater()
    QApplication.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--layers", default="100,10000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--tree", help="another checkout's root (its designer/ is imported)")
    args = parser.parse_args()
    root = Path(args.tree).resolve() if args.tree else Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
    for n in (int(s) for s in args.layers.split(",") if s):
        measure(n, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

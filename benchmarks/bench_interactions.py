"""Everyday interactions on a 10,000-layer design, each through the event loop (issue 15: nothing
in the GUI blocks for more than 100 ms on a 10,000-layer design without a progress indicator).

    python benchmarks/bench_interactions.py [--json OUT.json] [--kinds chain,resnet,grouped]
        [--layers 10000]

``bench_scale_gui.py`` times the edits, opening, scrolling, zooming and the whole-design
operations (Select All, delete, undo, export, sort, ...). This script times what a user does
between those, with real mouse and key events where a user would use them, in a 1500×940 main
window showing the default docks (the table and the 3D view, the problems list), at fit view
unless said: a click on a card and dragging it at 100 % zoom, and the undo of that move; a
rubber band over a quarter of the canvas (each move, the release); typing in the layer table's filter box and
clearing it; switching the table's rows (every layer, blocks as on the canvas) and clicking a
row; showing the Charts tab and going back; clicking a problem; the Find bar (opening it,
typing, Enter); fitting the view; selecting a layer from the document (as the table, the
charts and the problems list do); a layer dropped below the design, and one dropped onto a
card near the start (the cards after it on its row move along), each with its undo.

For each: the slowest and the median of its runs (ms), whether the busy cursor showed
(``designer.ui.busy``), and a verdict: "blocks" when a run took more than 100 ms without the busy
cursor. The cycle collector's collections during the step are printed too (a collection of the
oldest generation on a 10,000-layer heap takes about 100 ms wherever it falls). Absolute
figures follow the machine's load; a shared machine's noise shows as single slow runs. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QLineEdit  # noqa: E402

from benchmarks.bench_scale_gui import Bench, BusyProbe  # noqa: E402
from benchmarks.scale_designs import chain_design, grouped_resnet, resnet_like  # noqa: E402

LIMIT_MS = 100.0
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def measure(bench: Bench, kind: str, n: int) -> dict[str, Any]:
    from designer.ui import collector

    make = {"chain": chain_design, "resnet": resnet_like, "grouped": grouped_resnet}[kind]
    bench.open(make(n), 1)
    bench.fit()
    w = bench.window
    doc, scene, view = w.document, w.scene, w.view
    vp = view.viewport()
    ids = list(doc.design.ids)
    n = len(ids)
    out: dict[str, Any] = {"layers": n}

    def step(key: str, label: str, fn: Callable[[], object], runs: int = 1) -> None:
        gc = collector.installed()
        before = list(gc.collections) if gc is not None else [0, 0, 0]
        times, busy = [], False
        for _ in range(runs):
            BusyProbe.seen = False
            times.append(bench.timed(fn))
            busy |= BusyProbe.seen
        after = list(gc.collections) if gc is not None else [0, 0, 0]
        worst = max(times)
        verdict = "blocks" if worst > LIMIT_MS and not busy else "ok"
        out[key] = {
            "benchmark": f"{kind} {n}: {label}",
            "median_ms": round(statistics.median(times), 2),
            "max_ms": round(worst, 2),
            "runs": runs,
            "busy_cursor": busy,
            "collections": [a - b for a, b in zip(after, before, strict=True)],
            "verdict": verdict,
        }

    def center(item: Any) -> QPoint:
        return view.mapFromScene(item.sceneBoundingRect().center())

    # A card up close: click it, drag it (each mouse move a step), let go, undo the move.
    middle = next(
        (lid for lid in ids[n // 2 :] if scene.cards[lid].isVisible()),
        next(lid for lid in ids if scene.cards[lid].isVisible()),
    )
    view.set_zoom(1.0)
    view.centerOn(scene.cards[middle])
    bench.settle()
    p = center(scene.cards[middle])
    step(
        "click_card",
        "click a card (100 %)",
        lambda: (QTest.mousePress(vp, LEFT, NONE, p), QTest.mouseRelease(vp, LEFT, NONE, p)),
        3,
    )
    QTest.mousePress(vp, LEFT, NONE, p)
    bench.settle()
    moves = iter([p + QPoint(10 * k, 5 * k) for k in range(1, 8)])
    step("drag_move", "drag a card: one mouse move", lambda: QTest.mouseMove(vp, next(moves)), 6)
    step(
        "drag_release",
        "drag a card: let go",
        lambda: QTest.mouseRelease(vp, LEFT, NONE, p + QPoint(70, 35)),
    )
    step("undo_move", "undo the move (Ctrl+Z)", w.undo_action.trigger)
    bench.fit()

    # A rubber band from the top-left corner over a quarter of the canvas: each event (the
    # press, each of three moves, the release) a step of its own, as the event loop runs them.
    r = vp.rect()
    corner = QPoint(r.width() // 2, r.height() // 2)
    QTest.mousePress(vp, LEFT, NONE, QPoint(2, 2))
    bench.settle()
    sweep = iter([QPoint(2 + corner.x() * k // 3, 2 + corner.y() * k // 3) for k in (1, 2, 3)])
    step("band_move", "rubber band: one mouse move", lambda: QTest.mouseMove(vp, next(sweep)), 3)
    step(
        "band_release",
        "rubber band: let go (a quarter of the canvas selected)",
        lambda: QTest.mouseRelease(vp, LEFT, NONE, corner),
    )
    out["band_release"]["selected"] = len(doc.selection)
    step(
        "click_empty",
        "click the empty canvas (deselect)",
        lambda: QTest.mouseClick(vp, LEFT, NONE, QPoint(r.width() - 3, r.height() - 3)),
    )

    # The layer table: the filter box, the rows, a click on a row.
    table = w.layer_table
    w.docks["statistics"].setVisible(True)
    w.statistics_tabs.setCurrentWidget(table)
    bench.settle()
    keys = iter("conv")
    step(
        "filter_key",
        "table filter: type a key",
        lambda: QTest.keyClick(table.filter_edit, next(keys)),
        4,
    )
    flush = getattr(table, "flush_filter", None)  # (a pause in the typing, or Enter)
    if flush is not None:
        step("filter_apply", "table filter: applied (the typing paused)", flush)
    step("filter_clear", "table filter: cleared", table.filter_edit.clear)
    if flush is not None:
        flush()
        bench.settle()
    combo = table.rows_combo
    for i in range(combo.count()):
        key = f"rows_{combo.itemData(i)}"
        step(key, f"table rows: {combo.itemText(i)}", lambda i=i: combo.setCurrentIndex(i))  # type: ignore[misc]
    model = table.view.model()

    def click_row() -> None:
        rect = table.view.visualRect(model.index(min(3, model.rowCount() - 1), 0))
        QTest.mouseClick(table.view.viewport(), LEFT, NONE, rect.center())

    step("click_row", "table: click a row", click_row)
    step(
        "show_charts",
        "show the Charts tab",
        lambda: w.statistics_tabs.setCurrentWidget(w.layer_charts),
    )
    step("back_to_table", "back to the table", lambda: w.statistics_tabs.setCurrentWidget(table))

    # The problems list: a click on the first problem (its explanation; its layer selected).
    panel = w.diagnostics_panel
    rows = panel.items()
    if rows:
        step("click_problem", "click a problem", lambda: panel.tree.setCurrentItem(rows[0]))
    bench.fit()

    # The Find bar.
    step("find_open", "Find (Ctrl+F): the bar opens", w.find_action.trigger)
    field = view.find_bar.findChild(QLineEdit)
    if field is not None:
        typed = iter("relu9")
        step("find_key", "Find: type a key", lambda: QTest.keyClick(field, next(typed)), 5)
        step("find_go", "Find: Enter (go to it)", lambda: QTest.keyClick(field, Qt.Key.Key_Return))
    step("fit", "fit to view", view.fit_to_view)
    step("select", "select a layer (as the table and the charts do)", lambda: doc.select([ids[10]]))

    # A layer dropped from the palette below the design (as the view's drop event hands it to
    # the scene), and Ctrl+Z.
    box = scene.itemsBoundingRect()
    spot = QPointF(box.center().x(), box.bottom() + 400)
    step("drop", "drop a layer from the palette", lambda: scene.handle_drop("Conv2d", spot))
    step("undo_drop", "undo the drop (Ctrl+Z)", w.undo_action.trigger)
    # A layer dropped onto a card near the start (appended after it: the cards after it on its
    # row move along to make room), and Ctrl+Z.
    shown = [lid for lid in ids[1:40] if scene.cards[lid].isVisible()]
    if shown:
        card = scene.cards[shown[len(shown) // 2]]
        view.centerOn(card)
        bench.settle()
        on = card.sceneBoundingRect().center()
        step(
            "drop_on_card",
            "drop a layer onto a card near the start",
            lambda: scene.handle_drop("ReLU", on),
        )
        step("undo_drop_on_card", "undo that drop (Ctrl+Z)", w.undo_action.trigger)
    doc.undo_stack.setClean()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--kinds", default="chain,resnet,grouped")
    parser.add_argument("--layers", type=int, default=10_000)
    args = parser.parse_args()
    bench = Bench()
    BusyProbe.install()
    results: dict[str, Any] = {}
    print(f"{'interaction':62s} {'max ms':>8s} {'median':>8s}  busy  verdict  collections")
    for kind in filter(None, args.kinds.split(",")):
        results[kind] = found = measure(bench, kind, args.layers)
        for value in found.values():
            if isinstance(value, dict):
                print(
                    f"{value['benchmark']:62s} {value['max_ms']:8.1f} {value['median_ms']:8.1f}"
                    f"  {'yes' if value['busy_cursor'] else 'no ':4s}  {value['verdict']:7s}"
                    f"  {value['collections']}",
                    flush=True,
                )
    blocked = [
        v["benchmark"]
        for found in results.values()
        for v in found.values()
        if isinstance(v, dict) and v["verdict"] == "blocks"
    ]
    results["blocked"] = blocked
    print(f"over {LIMIT_MS:.0f} ms without the busy cursor: {', '.join(blocked) or 'none'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

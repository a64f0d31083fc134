"""GUI speed at scale (issue 15, targets 4-6), always measured through the event loop.

    python benchmarks/bench_scale_gui.py [--json OUT.json] [--sizes 100,10000] [--repeat N]
        [--kinds chain,resnet] [--grouped-sizes 100,1000,10000] [--skip-500] [--always-repaint]

Every step ends when the event loop has run (``processEvents()``, three times) and the canvas
is painted: by the event loop, which paints what the step made dirty, as the app does; the
whole canvas is repainted only when the event loop did not paint it. (Up to the seventh pass
the canvas was always repainted as well, one whole paint more per step: ``--always-repaint``.)

For each design (a Conv → BN → ReLU chain of N layers, and a ResNet-like design of N layers
with a skip connection around every block) in a 1500×940 main window:

* open → painted: ``open_file`` of the saved design, ``processEvents()``, the canvas repainted;
* a local edit that changes no shape (kernel 3 → 5 with padding 1 → 2 in one undoable edit)
  → ``processEvents()`` → canvas repainted, so the table, charts and every other view follow;
  at fit-to-view (the whole design in view) and at 100% zoom;
* an edit that changes the shapes of the second half (padding 1 → 0 mid-design), fit to view;
* scrolling (100% zoom) and zooming (fit to view) frame times, as frames per second;
* resident memory after opening (VmRSS).

The grouped design (``--grouped-sizes``, default 100, 1,000 and 10,000 layers: the ResNet-like
design in four stages of blocks, grouped from its module paths as the importers group a model)
is opened as the app opens it, collapsed to the level that fits the window; then a local edit of a
layer hidden inside a collapsed block (≤ 16 ms, ≤ 3× the 100-layer figure), a rename of that
layer and its undo, and a stage's collapse and expand, each through the event loop; and the process's CPU time per edit (ten
edits in a row, three times), for that edit (it splits a "×N" run and joins it again) and for
the same edit in the stage's first block (no run changes).

Target 6 (``--views-sizes``, default 100 and 10,000 layers, both designs): the same local edit
of the selected layer, mid-design, with one secondary view shown at a time — (a) the Charts tab,
(b) the layer table, (c) the 3D view — and with none (the baseline). Each edit runs through the
event loop until that view's deferred refresh has run and the view is repainted; printed are the
whole edit and the view's own share of the GUI thread (its handlers and its repaint, timed
directly), against ≤ 16 ms, and the 10,000 ÷ 100 growth. The 3D view draws only with OpenGL
(run under ``xvfb-run``); without it its share is the geometry alone (said in the output).

500 layers (target 5): the edit near the start that changes 500 cards, and one mid-design,
with the whole design in view. Targets are printed next to each figure; the growth ratios
(10,000 against 100 layers) are printed where the issue states them. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtWidgets import QApplication, QWidget

from benchmarks.own_settings import use_own_settings
from benchmarks.scale_designs import chain_design, grouped_resnet, resnet_like
from designer.core import fileformat
from designer.core.analysis import Analysis
from designer.core.design import Design
from designer.core.fileformat import save_design
from designer.ui.app import create_app
from designer.ui.main_window import MainWindow


def _clocked(clock: Any, original: Any) -> Any:
    """``original`` adding its time to ``clock.spent`` (a clock class with ``spent`` and
    ``_depth``): the outermost call only, so nested timed calls count once."""

    def timed(*args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        clock._depth += 1
        try:
            return original(*args, **kw)
        finally:
            clock._depth -= 1
            if clock._depth == 0:
                clock.spent += time.perf_counter() - t0

    return timed


class CoreClock:
    """Time spent in the core (reading the file: ``fileformat.loads_design``; the analysis:
    ``Analysis._recompute_from`` and ``full_refresh``) during a measurement, so each figure
    splits into the core's share and the GUI's own. The views' handlers of the analysis's
    ``updated`` signal run inside ``_recompute_from`` (it emits at its end): their time is
    the GUI's and is taken out (before this, the split counted it as the core's)."""

    spent = 0.0
    _depth = 0
    _emitted = 0.0

    @classmethod
    def install(cls) -> None:
        for owner, name in (
            (Analysis, "_recompute_from"),
            (Analysis, "full_refresh"),
            (fileformat, "loads_design"),
        ):
            setattr(owner, name, _clocked(cls, getattr(owner, name)))
        init = Analysis.__init__

        def watched(self: Analysis, *args: Any, **kw: Any) -> None:
            init(self, *args, **kw)
            # First and last of every handler of ``updated``: the views' time between them.
            self.updated.connect(cls._views_start, priority=10**9)
            self.updated.connect(cls._views_end, priority=-(10**9))

        Analysis.__init__ = watched  # type: ignore[method-assign]

    @classmethod
    def _views_start(cls, *_args: object) -> None:
        cls._emitted = time.perf_counter()

    @classmethod
    def _views_end(cls, *_args: object) -> None:
        if cls._depth > 0:
            cls.spent -= time.perf_counter() - cls._emitted


class ViewClock:
    """Time the GUI thread spends in one secondary view during a measurement: its handlers of
    the document's and the analysis's signals, its deferred refresh and its repaint. Methods
    are looked up by name and skipped where a version of the code does not have them, so the
    same script measures a base commit."""

    spent = 0.0
    _depth = 0
    METHODS: ClassVar[dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]]] = {
        "charts": (
            (
                "designer.ui.panels.layer_charts",
                "LayerChartsPanel",
                ("refresh", "_on_analysis_updated", "_paint_selection", "_update_summary"),
            ),
        ),
        "table": (
            (
                "designer.ui.panels.layer_table",
                "LayerTableModel",
                ("_on_analysis_updated", "refresh"),
            ),
            ("designer.ui.panels.layer_table", "TotalsModel", ("refresh", "_on_analysis_updated")),
            (
                "designer.ui.panels.layer_table",
                "LayerTablePanel",
                ("_on_document_selection",),
            ),
        ),
        "3d": (
            (
                "designer.ui.volume_view",
                "VolumeView",
                ("_on_updated", "rebuild", "set_selected", "_update_mesh"),
            ),
        ),
    }
    _painters: ClassVar[set[int]] = set()

    @classmethod
    def install(cls) -> None:
        import importlib

        for methods in cls.METHODS.values():
            for module, klass, names in methods:
                owner = getattr(importlib.import_module(module), klass, None)
                for name in names:
                    original = getattr(owner, name, None) if owner is not None else None
                    if original is not None:
                        setattr(owner, name, _clocked(cls, original))

    @classmethod
    def watch_paint(cls, widget: Any, method: str) -> None:
        """Count the widget's painting (``paintEvent``, ``paintGL``) wherever it happens: in
        ``processEvents()`` (a posted update) or in an explicit repaint."""
        if id(widget) in cls._painters:
            return
        cls._painters.add(id(widget))
        original = getattr(widget, method)

        def timed(*args: Any) -> Any:
            t0 = time.perf_counter()
            cls._depth += 1
            try:
                return original(*args)
            finally:
                cls._depth -= 1
                if cls._depth == 0:
                    cls.spent += time.perf_counter() - t0

        setattr(widget, method, timed)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class PaintCounter(QObject):
    """Counts the paint events a widget receives from the event loop (also used by tests)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.paints = 0
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


class Bench:
    #: Repaint the whole canvas after every step even when the event loop has just painted it
    #: (``--always-repaint``: how the benchmark measured up to the seventh pass).
    always_repaint = False

    def __init__(self) -> None:
        # (Its windows hide docks and take its own size: a layout that is not the user's.)
        use_own_settings("bench_gui_")
        self.app: QApplication = create_app()
        self.window = MainWindow()
        self.window.resize(1500, 940)
        self.window.show()
        self.core_ms: list[float] = []  # the analysis's share of each timed step
        self._canvas_paints = PaintCounter(self.window.view.viewport())
        self.settle()

    def settle(self) -> None:
        """Everything the event loop does next (0 ms timers included), then the canvas painted:
        by the event loop, as the app paints it (what the step made dirty), or, if the event
        loop did not paint it, by a repaint of the whole canvas."""
        before = self._canvas_paints.paints
        for _ in range(3):
            self.app.processEvents()
        if self.always_repaint or self._canvas_paints.paints == before:
            self.window.view.viewport().repaint()

    def timed(self, fn: Callable[[], object]) -> float:
        core = CoreClock.spent
        t0 = time.perf_counter()
        fn()
        self.settle()
        self.core_ms.append((CoreClock.spent - core) * 1e3)
        return (time.perf_counter() - t0) * 1e3

    def open(self, design: Design, repeat: int) -> list[float]:
        times = []
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "design.json"
            save_design(design, path)
            for _ in range(repeat):
                self.window.document.undo_stack.setClean()
                times.append(self.timed(lambda: self.window.open_file(path, ask=False)))
        return times

    def edit(
        self, target: str, values: tuple[dict[str, Any], dict[str, Any]], repeat: int
    ) -> list[float]:
        doc = self.window.document
        times = []
        base = dict(doc.design.layer(target).params)
        for r in range(repeat):
            params = {**base, **values[r % 2]}
            times.append(self.timed(lambda p=params: doc.set_params(target, p, "bench edit")))  # type: ignore[misc]
        if repeat % 2:
            doc.set_params(target, {**base, **values[1]}, "bench edit")
            self.settle()
        return times

    def cpu_per_edit(
        self, target: str, values: tuple[dict[str, Any], dict[str, Any]], blocks: int = 3
    ) -> list[float]:
        """The process's CPU time (``time.process_time``: every thread) per edit, each through
        the event loop as ``edit`` makes it, over ``blocks`` runs of ten edits in a row: on a
        shared machine CPU time swings less than the wall clock."""
        doc = self.window.document
        base = dict(doc.design.layer(target).params)
        per_edit = []
        for _ in range(blocks):
            t0 = time.process_time()
            for r in range(10):
                doc.set_params(target, {**base, **values[r % 2]}, "bench edit")
                self.settle()
            per_edit.append((time.process_time() - t0) / 10 * 1e3)
        return per_edit

    def add_and_undo(self, repeat: int) -> tuple[list[float], list[float]]:
        """A Conv2d dropped on the empty canvas below the design (as from the palette), then
        Ctrl+Z: each timed through the event loop until painted."""
        scene = self.window.scene
        box = scene.itemsBoundingRect()
        spot = QPointF(box.center().x(), box.bottom() + 400)
        added: list[float] = []
        undone: list[float] = []
        for _ in range(repeat):
            added.append(self.timed(lambda: scene.handle_drop("Conv2d", spot)))
            undone.append(self.timed(self.window.document.undo_stack.undo))
        return added, undone

    def fit(self) -> None:
        self.window.view.fit_to_view()
        self.settle()

    def zoom_100(self, target: str) -> None:
        self.window.view.set_zoom(1.0)
        self.window.view.centerOn(self.window.scene.cards[target])
        self.settle()

    def scroll_frames(self, frames: int) -> list[float]:
        bar = self.window.view.horizontalScrollBar()
        times = []
        for k in range(frames):
            step = 120 if (k // 10) % 2 == 0 else -120
            times.append(self.timed(lambda s=step: bar.setValue(bar.value() + s)))  # type: ignore[misc]
        return times

    def zoom_frames(self, frames: int) -> list[float]:
        view = self.window.view
        times = []
        for k in range(frames):
            f = 1.15 if (k // 5) % 2 == 0 else 1 / 1.15
            times.append(self.timed(lambda f=f: view.set_zoom(view.zoom * f)))  # type: ignore[misc]
        return times


def med(times: list[float]) -> float:
    return round(statistics.median(times), 2)


def row(
    label: str,
    times: list[float],
    target: float | None,
    core: list[float] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    out = {
        "benchmark": label,
        "median_ms": med(times),
        "min_ms": round(min(times), 2),
        "runs": len(times),
        "target_ms": target,
        **extra,
    }
    if core is not None and len(core) >= len(times):
        core = core[-len(times) :]
        out["core_ms"] = med(core)  # the core (file, analysis) inside each step
        out["gui_ms"] = med([t - c for t, c in zip(times, core, strict=True)])  # everything else
    return out


def measure(bench: Bench, kind: str, n: int, repeat: int) -> dict[str, Any]:
    design = chain_design(n) if kind == "chain" else resnet_like(n)
    n = len(design)
    convs = [layer.id for layer in design if layer.type == "Conv2d"]
    mid = convs[len(convs) // 2]
    out: dict[str, Any] = {"layers": n}
    opens = bench.open(design, 1 if n > 2000 else repeat)
    out["open"] = row(
        f"{kind} {n}: open → painted", opens, 1500.0 if n >= 10000 else None, bench.core_ms
    )
    out["rss_mb"] = round(rss_mb(), 1)
    local = ({"kernel_size": 5, "padding": 2}, {"kernel_size": 3, "padding": 1})
    half = ({"padding": 0}, {"padding": 1})
    edits = max(2, repeat if n <= 2000 else repeat // 2)
    bench.fit()
    out["edit_local_fit"] = row(
        f"{kind} {n}: local edit, fit view", bench.edit(mid, local, edits), 50.0, bench.core_ms
    )
    out["edit_half_fit"] = row(
        f"{kind} {n}: edit changing half the shapes, fit view",
        bench.edit(mid, half, edits),
        None,
        bench.core_ms,
    )
    added, undone = bench.add_and_undo(max(2, edits))
    out["add_fit"] = row(
        f"{kind} {n}: add a layer (dropped below the design), fit view",
        added,
        100.0 if n >= 10000 else None,
    )
    out["undo_add_fit"] = row(
        f"{kind} {n}: undo adding it, fit view", undone, 100.0 if n >= 10000 else None
    )
    out["zoom_fit"] = row(
        f"{kind} {n}: zoom step at fit view (frame)",
        bench.zoom_frames(10),
        1000 / 30,
        bench.core_ms,
    )
    bench.zoom_100(mid)
    out["edit_local_100"] = row(
        f"{kind} {n}: local edit, 100% zoom", bench.edit(mid, local, edits), 50.0, bench.core_ms
    )
    out["scroll_100"] = row(
        f"{kind} {n}: scroll step at 100% (frame)",
        bench.scroll_frames(20),
        1000 / 30,
        bench.core_ms,
    )
    return out


def measure_grouped(bench: Bench, n: int, repeat: int) -> dict[str, Any]:
    """The grouped design opened as the app opens it (collapsed to the level that fits the
    window), a local edit of a layer hidden inside a collapsed block, a stage's expand and
    collapse: each through the event loop."""
    design = grouped_resnet(n)
    n = len(design)
    out: dict[str, Any] = {"layers": n}
    opens = bench.open(design, 1 if n > 2000 else repeat)
    out["open"] = row(
        f"grouped {n}: open → painted (collapsed)",
        opens,
        1500.0 if n >= 10000 else None,
        bench.core_ms,
    )
    grouping = bench.window.scene.grouping
    stage2 = [g.id for g in bench.window.document.design.groups if g.parent == "layer2"]
    target = f"{stage2[len(stage2) // 2]}.conv2"
    hidden = not bench.window.scene.cards[target].isVisible()
    out["view"] = {
        "collapsed_groups": len(grouping.collapsed),
        "group_cards": len(grouping.cards),
        "cards_shown": len(grouping.visible_items()),
        "edited_layer_hidden": hidden,
        "zoom": round(bench.window.view.zoom, 3),
    }
    local = ({"kernel_size": 5, "padding": 2}, {"kernel_size": 3, "padding": 1})
    # (Each edit takes tens of ms: at least six, so that one slow run on a shared machine
    # does not make the median.)
    edits = max(6, repeat)
    out["edit_local"] = row(
        f"grouped {n}: local edit inside a collapsed block",
        bench.edit(target, local, edits),
        16.0,
        bench.core_ms,
        edited_layer_hidden=hidden,
    )
    # CPU time per edit (ten in a row, three times): the edit above, which alternately splits
    # the stage's "×N" run in three and joins it, and the same edit in the stage's first block,
    # which changes no run.
    out["cpu_split"] = row(
        f"grouped {n}: CPU per edit that splits/joins a run",
        bench.cpu_per_edit(target, local),
        16.0,
    )
    out["cpu_no_run"] = row(
        f"grouped {n}: CPU per edit, no run changes",
        bench.cpu_per_edit(f"{stage2[0]}.conv2", local),
        16.0,
    )
    # A rename of that layer (hidden in its block) and its undo, through the document.
    doc = bench.window.document
    undo = getattr(doc, "undo", doc.undo_stack.undo)
    renamed, undone = [], []
    for _ in range(max(2, repeat // 2)):
        renamed.append(bench.timed(lambda: doc.rename(target, "renamed_for_bench")))
        undone.append(bench.timed(undo))
    busy = bool(getattr(doc, "rename_cost", lambda: 0)())
    out["rename"] = row(
        f"grouped {n}: rename a layer inside a collapsed block", renamed, 100.0, busy_cursor=busy
    )
    out["undo_rename"] = row(f"grouped {n}: undo that rename", undone, 100.0, busy_cursor=busy)
    # One stage: shut it and open it again (or the other way round if it opened shut).
    shut, opened = [], []
    for _ in range(max(2, repeat // 2)):
        if "layer2" in grouping.collapsed:
            opened.append(bench.timed(lambda: grouping.expand("layer2")))
            shut.append(bench.timed(lambda: grouping.collapse("layer2")))
        else:
            shut.append(bench.timed(lambda: grouping.collapse("layer2")))
            opened.append(bench.timed(lambda: grouping.expand("layer2")))
    out["collapse_stage"] = row(f"grouped {n}: collapse one stage", shut, None)
    out["expand_stage"] = row(f"grouped {n}: expand one stage", opened, None)
    return out


def show_views(bench: Bench, which: str) -> None:
    """Show one secondary view (``charts``, ``table``, ``3d``) and hide the others' docks, or
    none (``none``); its painting is timed (``ViewClock.watch_paint``) where the event loop
    does it: an edit's update requests are painted by ``processEvents()``, as on screen."""
    w = bench.window
    stats, volumes = w.docks["statistics"], w.docks["volumes"]
    stats.setVisible(which in ("charts", "table"))
    volumes.setVisible(which == "3d")
    if which in ("charts", "table"):
        w.statistics_tabs.setCurrentWidget(w.layer_charts if which == "charts" else w.layer_table)
    bench.settle()
    bench.settle()
    if which == "charts":
        ViewClock.watch_paint(w.layer_charts.graphics, "paintEvent")
    elif which == "table":
        ViewClock.watch_paint(w.layer_table.view, "paintEvent")
        ViewClock.watch_paint(w.layer_table.footer, "paintEvent")
    elif which == "3d" and w.volume_view.gl_widget is not None:
        ViewClock.watch_paint(w.volume_view.gl_widget, "paintGL")


def measure_views(bench: Bench, kind: str, n: int, repeat: int) -> dict[str, Any]:
    """Target 6: a local edit of the selected layer (kernel 3 → 5, padding 1 → 2, mid-design)
    with one secondary view shown at a time, each edit through the event loop until the view's
    deferred refresh ran and the view repainted; the view's own share timed directly."""
    design = chain_design(n) if kind == "chain" else resnet_like(n)
    n = len(design)
    convs = [layer.id for layer in design if layer.type == "Conv2d"]
    mid = convs[len(convs) // 2]
    bench.open(design, 1)
    bench.fit()
    w = bench.window
    w.document.select([mid])  # the inspector edits the selected layer
    bench.settle()
    local = ({"kernel_size": 5, "padding": 2}, {"kernel_size": 3, "padding": 1})
    edits = max(4, repeat)
    out: dict[str, Any] = {"layers": n, "opengl": w.volume_view.gl_widget is not None}
    pending = {
        "charts": lambda: w.layer_charts._deferred.pending,
        "3d": lambda: w.volume_view._deferred.pending,
    }
    for which in ("none", "charts", "table", "3d"):
        show_views(bench, which)
        doc = w.document
        base = dict(doc.design.layer(mid).params)
        totals, own = [], []
        for r in range(edits):
            params = {**base, **local[r % 2]}
            view0 = ViewClock.spent
            core0 = CoreClock.spent
            t0 = time.perf_counter()
            doc.set_params(mid, params, "bench edit")
            bench.settle()
            for _ in range(10):  # until the deferred refresh ran (and the view painted)
                if which not in pending or not pending[which]():
                    break
                bench.app.processEvents()
            bench.app.processEvents()  # the view's paint, if its refresh ran just now
            totals.append((time.perf_counter() - t0) * 1e3)
            bench.core_ms.append((CoreClock.spent - core0) * 1e3)
            own.append((ViewClock.spent - view0) * 1e3)
        doc.set_params(mid, {**base, **local[1]}, "bench edit")
        bench.settle()
        label = {"none": "no table, charts or 3D view", "3d": "3D view"}.get(which, which)
        out[which] = row(
            f"{kind} {n}: local edit, {label} shown",
            totals,
            None,
            bench.core_ms,
        )
        if which != "none":
            out[f"{which}_own"] = row(
                f"{kind} {n}: {label}'s own share of that edit"
                + ("" if which != "3d" or out["opengl"] else " (no OpenGL)"),
                own,
                16.0,
            )
    w.statistics_tabs.setCurrentWidget(w.layer_table)
    w.docks["statistics"].setVisible(True)
    w.docks["volumes"].setVisible(True)  # the default: the 3D view and the table
    bench.settle()
    return out


def measure_operations(
    bench: Bench, kind: str, n: int, repeat: int, only: set[str] | None = None
) -> dict[str, Any]:
    """Whole-design operations on the design at fit view, each through the event loop until
    painted (the issue: nothing blocks for more than 100 ms without a progress indicator; from
    500 layers these show the busy cursor): Select All, deleting 10 neighbouring layers and
    its undo, duplicating 50 and its undo, a rename and its undo, zooming to 100 % and back to
    fit (crossing the overview threshold), tidying up."""
    design = chain_design(n) if kind == "chain" else resnet_like(n)
    n = len(design)
    bench.open(design, 1)
    bench.fit()
    w = bench.window
    doc, scene = w.document, w.scene
    ids = doc.design.ids
    mid = n // 2
    # As the Undo and Redo actions do (through the document where it has them: an older tree
    # measured for comparison undoes through the stack).
    undo = getattr(doc, "undo", doc.undo_stack.undo)
    redo = getattr(doc, "redo", doc.undo_stack.redo)
    out: dict[str, Any] = {"layers": n}
    steps: list[tuple[str, str, Callable[[], object], Callable[[], object] | None]] = [
        ("select_all", "Select All", scene.select_all, lambda: doc.select([])),
        (
            "delete_10",
            "delete 10 neighbouring layers",
            lambda: doc.remove_layers(ids[mid : mid + 10]),
            None,
        ),
        ("undo_delete_10", "undo that", undo, None),
        (
            "duplicate_50",
            "duplicate 50 layers",
            lambda: (doc.select(ids[100:150]), scene.duplicate_selection()),
            None,
        ),
        ("undo_duplicate_50", "undo that", undo, None),
        ("rename", "rename a layer", lambda: doc.rename(ids[mid], "renamed_for_bench"), None),
        ("undo_rename", "undo that", undo, None),
        ("zoom_in", "zoom to 100 % (out of the overview)", lambda: w.view.set_zoom(1.0), None),
        ("zoom_fit", "fit to view (into the overview)", w.view.fit_to_view, None),
        ("tidy_up", "tidy up (auto layout)", lambda: w.tidy_up("LR"), None),
        ("undo_tidy_up", "undo that", undo, None),
    ]
    for key, label, run, after in steps:
        if only is not None and key not in only:
            continue
        times = []
        for r in range(max(1, repeat)):
            times.append(bench.timed(run))
            if after is not None:
                after()
                bench.settle()
            elif r + 1 < max(1, repeat) and key.startswith(
                ("delete", "duplicate", "rename", "tidy")
            ):
                undo()  # back to the design as it was, for the next run
                bench.settle()
            elif r + 1 < max(1, repeat) and key.startswith("undo_"):
                redo()
                bench.settle()
            elif key == "zoom_in" and r + 1 < max(1, repeat):
                w.view.fit_to_view()
                bench.settle()
            elif key == "zoom_fit" and r + 1 < max(1, repeat):
                w.view.set_zoom(1.0)
                bench.settle()
        # ≤ 100 ms, else the busy cursor shows (``designer/ui/busy.py``; not for the zoom, nor
        # for a rename of a design without groups where the tree says so: ``rename_cost``).
        busy = not key.startswith("zoom")
        if key in ("rename", "undo_rename"):
            cost = getattr(doc, "rename_cost", None)
            busy = bool(cost()) if cost is not None else key == "undo_rename"
        out[key] = row(f"{kind} {n}: {label}", times, 100.0, busy_cursor=busy)
    doc.undo_stack.setClean()
    return out


class BusyProbe:
    """Whether ``designer.ui.busy`` set the busy cursor during a step (the event loop does not
    run while a step blocks, so this wraps the module's ``QApplication`` instead)."""

    seen = False

    def __init__(self, app: Any) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def setOverrideCursor(self, cursor: Any) -> None:
        BusyProbe.seen = True
        self._app.setOverrideCursor(cursor)

    @classmethod
    def install(cls) -> None:
        try:
            from designer.ui import busy
        except ImportError:  # an older tree without it: nothing shows the cursor
            return
        if not isinstance(busy.QApplication, cls):
            busy.QApplication = cls(busy.QApplication)  # type: ignore[assignment, misc]


def _dialog_shown(bench: Bench, make: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        dialog = make()
        dialog.show()
        bench.settle()
        dialog.close()
        dialog.deleteLater()

    return run


def measure_more_operations(bench: Bench, kind: str, n: int) -> dict[str, Any]:
    """Whole-design operations found slow in the sixth pass, each once, through the event loop
    until painted, with whether the busy cursor showed: File ▸ Export's dialog (its preview
    drawn), the PyTorch code preview, Save, Copy of every layer, sorting the layer table by a
    column, deleting half the layers (selected) and its undo, opening another design with every
    card selected; on the grouped design, Expand All, Collapse All, grouping 100 layers (Ctrl+G)
    and its undo, deleting 10 neighbouring layers (blocks collapsed) and its undo."""
    from designer.core.resources import templates_dir

    BusyProbe.install()
    w = bench.window
    grouped = kind == "grouped"
    design = {"chain": chain_design, "resnet": resnet_like, "grouped": grouped_resnet}[kind](n)
    n = len(design)
    bench.open(design, 1)
    bench.fit()
    doc, scene = w.document, w.scene
    ids = list(doc.design.ids)
    out: dict[str, Any] = {"layers": n}
    tmp = Path(tempfile.mkdtemp())

    def action(name: str) -> Callable[[], None]:
        """The menu action's own slot, as a user triggers it (with the busy cursor where the
        window shows it); an older tree without the action runs the scene's method."""
        found = getattr(w, name, None)
        return found.trigger if found is not None else lambda: None

    def save(path: Path) -> None:
        saving = getattr(w, "_save_to", None)
        if saving is not None:
            saving(path)
        else:
            doc.save(path)

    def export_dialog() -> Any:
        from designer.ui.export_dialog import ExportDialog

        return ExportDialog(doc.design, doc.analysis, w, canvas_collapsed=scene.grouping.collapsed)

    def code_dialog() -> Any:
        import inspect

        from designer.ui.code_dialogs import CodePreviewDialog

        # As File ▸ Export ▸ PyTorch Code… makes it: with the window's live analysis, where
        # the dialog takes one (older trees made their own).
        if "analysis" in inspect.signature(CodePreviewDialog).parameters:
            return CodePreviewDialog(doc.design, w, None, analysis=doc.analysis)
        return CodePreviewDialog(doc.design, w, None)

    def sort_table() -> None:
        from designer.core.layer_table import COLUMNS

        column = [c.key for c in COLUMNS].index("macs")
        w.layer_table.view.sortByColumn(column, Qt.SortOrder.DescendingOrder)

    def show_table() -> None:
        w.docks["statistics"].setVisible(True)
        w.statistics_tabs.setCurrentWidget(w.layer_table)
        bench.settle()

    def reopen() -> None:
        bench.open(design, 1)
        bench.fit()

    steps: list[tuple[str, str, Callable[[], object], Callable[[], object] | None]]
    if grouped:
        steps = [
            ("expand_all", "Expand All Blocks", action("expand_all_action"), None),
            ("collapse_all", "Collapse All Blocks", action("collapse_all_action"), None),
            (
                "group_100",
                "group 100 layers (Ctrl+G)",
                lambda: (doc.select(ids[n // 2 : n // 2 + 100]), action("group_action")()),
                None,
            ),
            ("undo_group_100", "undo that", action("undo_action"), None),
            (
                "delete_10",
                "delete 10 neighbouring layers (blocks collapsed; document step)",
                lambda: doc.remove_layers(ids[n // 2 + 200 : n // 2 + 210]),
                None,
            ),
            ("undo_delete_10", "undo that", action("undo_action"), None),
        ]
    else:
        steps = [
            (
                "export_dialog",
                "File ▸ Export (dialog and preview)",
                _dialog_shown(bench, export_dialog),
                None,
            ),
            (
                "code_preview",
                "File ▸ Export ▸ PyTorch Code (preview)",
                _dialog_shown(bench, code_dialog),
                None,
            ),
            ("save", "Save", lambda: save(tmp / "design.json"), None),
            (
                "copy_all",
                "Copy every layer (after Select All)",
                action("copy_action"),
                None,
            ),
            ("sort_table", "sort the layer table by MACs (header)", sort_table, None),
            (
                "delete_half",
                "delete half the layers (selected)",
                action("delete_action"),
                None,
            ),
            ("undo_delete_half", "undo that", action("undo_action"), None),
            ("redo_delete_half", "redo that", action("redo_action"), None),
            ("undo_delete_half_again", "undo that again", action("undo_action"), None),
            (
                "open_selected",
                "open ResNet-50 with every card selected",
                lambda: w.open_file(templates_dir() / "resnet50.json", ask=False),
                reopen,
            ),
        ]
    for key, label, run, after in steps:
        if key == "copy_all":
            scene.select_all()
            bench.settle()
        elif key == "sort_table":
            show_table()
        elif key == "delete_half":
            doc.select(ids[: n // 2])
            bench.settle()
        elif key == "open_selected":
            scene.select_all()
            bench.settle()
        doc.undo_stack.setClean()
        BusyProbe.seen = False
        t = bench.timed(run)
        # No window action reaches layers hidden in collapsed blocks (their cards cannot be
        # selected): that step is the document's alone, timed without the window's verdict.
        target = None if key == "delete_10" else 100.0
        out[key] = row(f"{kind} {n}: {label}", [t], target, busy_cursor=BusyProbe.seen)
        if after is not None:
            after()
        if key == "sort_table":
            # A local edit with the table shown and sorted by MACs (the edited layer's MACs
            # change, so its row moves): kernel 3 -> 5 with padding 1 -> 2 and back.
            mid = next(lid for lid in ids[n // 2 :] if doc.design.layer(lid).type == "Conv2d")
            doc.select([mid])  # (as when editing it in the inspector: not every layer selected)
            bench.settle()
            times = bench.edit(
                mid, ({"kernel_size": 5, "padding": 2}, {"kernel_size": 3, "padding": 1}), 6
            )
            out["edit_sorted"] = row(
                f"{kind} {n}: local edit mid-design, table sorted by MACs", times, 50.0
            )
    doc.undo_stack.setClean()
    return out


def five_hundred(bench: Bench, repeat: int) -> dict[str, Any]:
    design = chain_design(500)
    convs = [layer.id for layer in design if layer.type == "Conv2d"]
    bench.open(design, 1)
    bench.fit()
    before = bench.window.scene.refresh_count
    start = bench.edit(convs[0], ({"padding": 0}, {"padding": 1}), repeat)
    start_core = list(bench.core_ms)
    cards = (bench.window.scene.refresh_count - before) / repeat
    middle = bench.edit(
        convs[len(convs) // 2],
        ({"kernel_size": 5, "padding": 2}, {"kernel_size": 3, "padding": 1}),
        repeat,
    )
    return {
        "edit_start_fit": row(
            "500: edit near the start (500 cards change), fit view",
            start,
            16.0,
            start_core,
            cards_refreshed=cards,
        ),
        "edit_mid_fit": row("500: local edit mid-design, fit view", middle, 16.0, bench.core_ms),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--sizes", default="100,10000", help="design sizes (comma-separated)")
    parser.add_argument("--kinds", default="chain,resnet", help="chain, resnet or both")
    parser.add_argument(
        "--grouped-sizes",
        default="100,1000,10000",
        help="sizes of the grouped ResNet-like design, opened collapsed ('' to skip it)",
    )
    parser.add_argument(
        "--views-sizes",
        default="100,10000",
        help="sizes for target 6: a local edit with the charts, table or 3D view shown ('' to skip)",
    )
    parser.add_argument(
        "--ops-sizes",
        default="10000",
        help="sizes for whole-design operations (select all, delete, duplicate, undo, ...; '' to skip)",
    )
    parser.add_argument(
        "--more-ops-sizes",
        default="10000",
        help="sizes for the sixth pass's operations (export, copy, sort, delete half, expand "
        "all, group, ...: each once, chain, ResNet-like and grouped; '' to skip)",
    )
    parser.add_argument(
        "--ops",
        default="",
        help="only these whole-design operations (comma-separated keys, e.g. rename,undo_rename)",
    )
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--skip-500", action="store_true", help="leave out the 500-layer edits")
    parser.add_argument(
        "--always-repaint",
        action="store_true",
        help="repaint the whole canvas after every step even when the event loop painted it "
        "(the method up to the seventh pass: one paint more per step)",
    )
    args = parser.parse_args()
    Bench.always_repaint = args.always_repaint
    CoreClock.install()
    ViewClock.install()
    bench = Bench()
    platform = QApplication.platformName()
    print(
        f"display platform: {platform}"
        + (
            " (nothing is shown: flushing a window costs nothing here; for a real window's "
            "figures run under X: QT_QPA_PLATFORM=xcb xvfb-run -a python benchmarks/"
            "bench_scale_gui.py)"
            if platform == "offscreen"
            else ""
        ),
        flush=True,
    )
    results: dict[str, Any] = {"platform": platform}
    if not args.skip_500:
        results["five_hundred"] = five_hundred(bench, args.repeat)
    for kind in filter(None, args.kinds.split(",")):
        for n in (int(s) for s in args.sizes.split(",") if s):
            results[f"{kind}_{n}"] = measure(bench, kind, n, args.repeat)
            bench.window.document.undo_stack.setClean()
    grouped_sizes = [int(s) for s in args.grouped_sizes.split(",") if s]
    for n in grouped_sizes:
        results[f"grouped_{n}"] = measure_grouped(bench, n, args.repeat)
        bench.window.document.undo_stack.setClean()
    views_sizes = [int(s) for s in args.views_sizes.split(",") if s]
    for kind in filter(None, args.kinds.split(",")):
        for n in views_sizes:
            results[f"views_{kind}_{n}"] = measure_views(bench, kind, n, args.repeat)
            bench.window.document.undo_stack.setClean()
        small = results.get(f"views_{kind}_{min(views_sizes)}") if views_sizes else None
        big = results.get(f"views_{kind}_{max(views_sizes)}") if views_sizes else None
        if small and big and small is not big:
            results[f"views_{kind}_growth"] = {
                f"{which}_own_{big['layers']}_over_{small['layers']}": round(
                    big[f"{which}_own"]["median_ms"]
                    / max(small[f"{which}_own"]["median_ms"], 1e-3),
                    1,
                )
                for which in ("charts", "table", "3d")
            } | {"target": "each view's share ≤ 16 ms per edit, not growing with the design"}
    for kind in filter(None, args.kinds.split(",")):
        for n in (int(s) for s in args.ops_sizes.split(",") if s):
            only = set(filter(None, args.ops.split(","))) or None
            results[f"ops_{kind}_{n}"] = measure_operations(
                bench, kind, n, min(args.repeat, 3), only
            )
            bench.window.document.undo_stack.setClean()
    for n in (int(s) for s in args.more_ops_sizes.split(",") if s):
        for kind in [*filter(None, args.kinds.split(",")), "grouped"]:
            results[f"more_ops_{kind}_{n}"] = measure_more_operations(bench, kind, n)
            bench.window.document.undo_stack.setClean()
    # Growth ratios the issue states: 10,000 against 100 layers.
    for kind in args.kinds.split(","):
        small, big = results.get(f"{kind}_100"), results.get(f"{kind}_10000")
        if small and big:
            results[f"{kind}_growth"] = {
                "local_edit_fit_10000_over_100": round(
                    big["edit_local_fit"]["median_ms"] / small["edit_local_fit"]["median_ms"], 1
                ),
                "local_edit_100_10000_over_100": round(
                    big["edit_local_100"]["median_ms"] / small["edit_local_100"]["median_ms"], 1
                ),
                "half_edit_10000_over_100": round(
                    big["edit_half_fit"]["median_ms"] / small["edit_half_fit"]["median_ms"], 1
                ),
                "targets": "local edit ≤ 3×, half edit ≤ 30×",
            }
    small = results.get(f"grouped_{min(grouped_sizes)}") if grouped_sizes else None
    for n in grouped_sizes[1:]:
        big = results[f"grouped_{n}"]
        if small:
            results[f"grouped_growth_{n}"] = {
                f"local_edit_{n}_over_{small['layers']}": round(
                    big["edit_local"]["median_ms"] / small["edit_local"]["median_ms"], 1
                ),
                "target": "local edit ≤ 16 ms collapsed, ≤ 3× the 100-layer figure",
            }
    print(
        f"{'benchmark':60} {'median ms':>10} {'min ms':>8} {'target':>8}  verdict"
        "  [core (load, analysis) / GUI share, ms]"
    )
    for key, group in results.items():
        if not isinstance(group, dict):
            continue
        for r in group.values():
            if isinstance(r, dict) and "median_ms" in r:
                t = r["target_ms"]
                verdict = "" if t is None else ("met" if r["median_ms"] <= t else "NOT met")
                if verdict == "NOT met" and r.get("busy_cursor"):
                    verdict = "busy cursor shown"
                fps = f" ({1000 / r['median_ms']:.0f} fps)" if "frame" in r["benchmark"] else ""
                share = f"  [{r['core_ms']:.1f} / {r['gui_ms']:.1f}]" if "gui_ms" in r else ""
                print(
                    f"{r['benchmark'][:60]:60} {r['median_ms']:10.2f} {r['min_ms']:8.2f} "
                    f"{'' if t is None else f'{t:.0f}':>8}  {verdict}{fps}{share}"
                )
        if "rss_mb" in group:
            print(
                f"{key}: resident memory after opening {group['rss_mb']:.0f} MB (target ≤ 400 MB at 10,000)"
            )
        if "view" in group:
            print(f"{key}: opened as {group['view']}")
        if key.startswith("views_") and "opengl" in group and not group["opengl"]:
            print(f"{key}: no OpenGL here: the 3D view's share is its geometry alone")
        if key.endswith("_growth") or key.startswith("grouped_growth"):
            print(f"{key}: {group}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    bench.window.document.undo_stack.setClean()
    bench.window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

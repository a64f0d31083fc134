"""Per-layer bar charts of parameters, multiply-accumulates and activation memory.

Three plots share one x axis (one bar per layer, in design order), so the classic
trade-off reads at a glance: as pooling shrinks the maps, the filters multiply, the
parameters climb and the activations fall while the work per layer stays level.
The numbers are the per-layer table's rows (``designer.core.layer_table``), so the
charts, the table and ``cnn-designer check`` always agree.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from operator import attrgetter
from pathlib import Path
from typing import Any, ClassVar, cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QCursor, QFont, QFontMetrics, QPainter, QPainterPath
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyleOptionGraphicsItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import wrapInstance

from designer.core.analysis import analyze
from designer.core.fileformat import FormatError, load_design
from designer.core.layer_table import (
    WEIGHTED_TYPES,
    LayerRow,
    layer_row,
    shape_text,
    totals_row,
)
from designer.core.report import human_bytes, human_count
from designer.ui import theme
from designer.ui.busy import busy, window_status
from designer.ui.deferred import DeferredRefresh
from designer.ui.document import Document
from designer.ui.group_views import cached_block_rows

#: (key, title, colour, formatter) of each chart, top to bottom.
METRICS: tuple[tuple[str, str, str, Callable[[int], str]], ...] = (
    ("params", "Parameters", "#3b6fb6", human_count),
    ("macs", "Multiply-accumulates", "#d9822b", human_count),
    ("memory_bytes", "Activation memory", "#3a9b5c", human_bytes),
)
SELECTED_COLOR = "#c62828"
LABEL_CHARS = 14  # layer ids longer than this are elided on the axis
BAR_WIDTH = 0.7


def bar_heights(values: Sequence[int], log: bool) -> list[float]:
    """Bar heights: the values, or ``log10`` of them (0 stays 0: nothing to draw)."""
    if not log:
        return [float(v) for v in values]
    return [math.log10(v) if v > 0 else 0.0 for v in values]


def bar_height(value: int, log: bool) -> float:
    """One bar's height, as ``bar_heights`` computes it."""
    if not log:
        return float(value)
    return math.log10(value) if value > 0 else 0.0


_read_values = attrgetter(
    *(key for key, *_ in METRICS)
)  # a layer's or row's (params, macs, memory)


class Bars(pg.BarGraphItem):  # type: ignore[misc]
    """A bar chart in one colour, drawn with one ``drawRects`` call, whose heights are updated
    in place (``set_heights``): an edit of one layer rewrites one rectangle, not 10,000.

    Its shape is its bounding rectangle: pyqtgraph's is a path of every bar, built in Python
    on the first mouse event after each change; the panel finds the bar under the mouse itself.
    """

    def __init__(self, **opts: Any) -> None:
        super().__init__(**opts)
        # Qt then says which part is being repainted (``paint`` draws only the bars there).
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.boundingRect())
        return path

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, *args: Any) -> None:
        """The bars in the part being repainted, with one ``drawRects`` call: after an edit of
        one bar that is a few of them, not all 10,000 (the bars stand in layer order, so those
        in a span of x are one slice of the array)."""
        memory = self._rectarray.ndarray()
        if not self._singleColor or not len(memory):
            super().paint(p, option, *args)
            return
        lo, hi = 0, len(memory)
        exposed = option.exposedRect
        xs = memory[:, 0]
        if not exposed.isEmpty() and (hi < 2 or bool(np.all(xs[1:] >= xs[:-1]))):
            widest = float(memory[:, 2].max())
            lo = int(np.searchsorted(xs, exposed.left() - widest, side="left"))
            hi = int(np.searchsorted(xs, exposed.right(), side="right"))
        if hi <= lo:
            return
        p.setPen(self._sharedPen)
        p.setBrush(self._sharedBrush)
        first = cast(QRectF, wrapInstance(memory.ctypes.data + lo * memory.strides[0], QRectF))
        p.drawRects(first, hi - lo)

    def set_heights(self, indices: Iterable[int], heights: np.ndarray) -> None:
        """Bars ``indices`` take their new heights from ``heights`` (the whole array, already
        updated); the other rectangles and the colours stay as they are."""
        memory = self._rectarray.ndarray()
        rows = np.fromiter(indices, dtype=np.intp)
        if len(memory) != len(heights) or not len(rows):
            self.setOpts(height=heights)
            return
        self.opts["height"] = heights
        old = memory[rows]
        memory[rows, 1] = np.minimum(heights[rows], 0.0)
        memory[rows, 3] = np.abs(heights[rows])
        # ((x min, x max), (y min, y max)), as pyqtgraph keeps it
        bounds: Any = self._dataBounds  # type: ignore[has-type]
        y_bounds = (float(min(0.0, heights.min())), float(max(0.0, heights.max())))
        self.picture = None
        self._shape = None
        if y_bounds == bounds[1]:
            # The same bounding rectangle: repaint only where the changed bars were and are.
            new = memory[rows]
            x0 = float(min(old[:, 0].min(), new[:, 0].min()))
            x1 = float(max((old[:, 0] + old[:, 2]).max(), (new[:, 0] + new[:, 2]).max()))
            y0 = float(min(old[:, 1].min(), new[:, 1].min()))
            y1 = float(max((old[:, 1] + old[:, 3]).max(), (new[:, 1] + new[:, 3]).max()))
            self.update(QRectF(x0, y0, x1 - x0, y1 - y0))
            return
        self._dataBounds = (bounds[0], y_bounds)
        self.prepareGeometryChange()
        self.update()
        self.informViewBoundsChanged()


class CountAxis(pg.AxisItem):  # type: ignore[misc]
    """A value axis that writes ``20M`` / ``1.1 MiB`` instead of ``2e7``, linear or log10."""

    def __init__(
        self, formatter: Callable[[int], str], binary: bool = False, **kwargs: Any
    ) -> None:
        super().__init__("left", **kwargs)
        self.formatter = formatter
        self.binary = binary  # bytes: ticks at round KiB/MiB/GiB values
        self.log = False
        self.enableAutoSIPrefix(False)

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        if not self.log:
            unit = 1.0
            if self.binary:
                while maxVal / (unit * 1024) >= 1:
                    unit *= 1024
            levels = super().tickValues(max(minVal, 0.0) / unit, maxVal / unit, size)
            return [(spacing * unit, [v * unit for v in values]) for spacing, values in levels]
        decade = math.log10(1024) if self.binary else 1.0  # bytes: 1 B, 1 KiB, 1 MiB, ...
        lo, hi = max(0, math.floor(minVal / decade)), math.ceil(maxVal / decade)
        step = max(1, math.ceil((hi - lo) / max(1, size / 28)))
        return [(step * decade, [v * decade for v in range(lo, hi + 1, step)])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if self.log:
            return [self.formatter(round(10**v)) for v in values]
        return [self.formatter(round(v)) if v >= 0 else "" for v in values]


class LayerAxis(pg.AxisItem):  # type: ignore[misc]
    """The x axis: one layer id per bar, written vertically, thinned so labels never overlap."""

    #: each label's width on screen, per font (every axis has the same), measured once
    _widths_by_font: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("bottom", **kwargs)
        self.labels: list[str] = []
        self.show_labels = True
        self._widest: int | None = None  # the widest label's width, while labels are shown
        self._drawn: list[tuple[float, str]] = []
        self._values: list[float] = []
        font = QFont()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        self.setStyle(tickFont=font, autoExpandTextSpace=False)
        self._metrics = QFontMetrics(font)
        self._widths = self._widths_by_font.setdefault(font.key(), {})
        self.setHeight(self._metrics.horizontalAdvance("m" * (LABEL_CHARS - 3)) + 16)

    def set_labels(self, labels: Sequence[str], show: bool = True) -> None:
        self.labels = list(labels)
        self.show_labels = show
        self._widest = self.labels_width(self.labels) if show else None
        if self._widest is not None:
            self.setHeight(self._widest + 16)
        else:
            self.setHeight(8)
        self.picture = None
        self.update()

    def set_label(self, index: int, label: str) -> None:
        """Label ``index`` only (a layer renamed): the axis is as high as ``set_labels`` of
        every label makes it, measuring them all only when the widest one got narrower."""
        old = self.labels[index]
        self.labels[index] = label
        if self._widest is not None:
            widest = self._widest
            width = self.labels_width([label])
            if width > widest or (width < widest and self.labels_width([old]) == widest):
                self._widest = self.labels_width(self.labels)
                self.setHeight(self._widest + 16)
        self.picture = None
        self.update()

    def labels_width(self, labels: Sequence[str]) -> int:
        """The widest label's width in pixels (elided), each label measured once."""
        widths = self._widths
        if len(widths) > 200_000:
            widths.clear()
        width = 0
        for s in labels:
            w = widths.get(s)
            if w is None:
                w = widths[s] = self._metrics.horizontalAdvance(self._elide(s))
            if w > width:
                width = w
        return width if labels else 20

    def _elide(self, text: str) -> str:
        return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        n = len(self.labels)
        lo, hi = max(0, math.ceil(minVal)), min(n - 1, math.floor(maxVal))
        if hi < lo or size <= 0:
            self._values = []
            return [(1.0, [])]
        per_label = self._metrics.height() + 2
        visible = maxVal - minVal
        step = max(1, math.ceil(per_label * visible / size))
        self._values = [float(v) for v in range(lo - lo % step, hi + 1, step) if v >= lo]
        return [(float(step), self._values)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return ["" for _ in values]  # drawn rotated in drawPicture

    def generateDrawSpecs(self, p: QPainter) -> Any:
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis_spec, tick_specs, _texts = specs
        bounds = self.mapRectFromParent(self.geometry())
        dif = self.range[1] - self.range[0]
        scale = bounds.width() / dif if dif else 1.0
        offset = self.range[0] * scale
        self._drawn = []
        if self.show_labels:
            for v in self._values:
                i = round(v)
                if 0 <= i < len(self.labels):
                    self._drawn.append((v * scale - offset, self._elide(self.labels[i])))
        return axis_spec, tick_specs, []

    def drawPicture(self, p: QPainter, axisSpec: Any, tickSpecs: Any, textSpecs: Any) -> None:
        super().drawPicture(p, axisSpec, tickSpecs, [])
        p.setFont(self.style["tickFont"])
        p.setPen(self.textPen())
        top = max(0, self.style["tickLength"]) + 3
        h = self._metrics.height()
        for x, text in self._drawn:
            p.save()
            p.translate(x, top)
            p.rotate(-90)
            p.drawText(
                QRectF(-500, -h / 2 - 1, 500, h + 2),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                text,
            )
            p.restore()


class LayerChartsPanel(QWidget):
    """Bars per layer; click a bar to select its layer, hover to read the values."""

    layer_activated = Signal(str)  # a bar was clicked: the canvas may centre on it

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.ids: list[str] = []  # the row id of each bar, left to right (a layer or a block)
        self._rows: list[LayerRow | None] = []  # each bar's block row (by block)
        self._values: list[tuple[int, ...]] = []  # each bar's unscaled values, as in METRICS
        self._heights: list[np.ndarray] = [np.zeros(0) for _ in METRICS]  # as drawn
        self._bar_of: dict[str, int] = {}  # layer id -> its bar (a block's layers: the block's)
        self._order: list[str] = []  # the design's ids the bars were built from
        self._incomplete = False  # some of them had no results then
        self._block_bars_shown = 0  # of the bars by block, those of blocks (the others: layers)
        self._changed: set[str] = set()  # layers whose analysis changed since the bars were set
        self._rebuild_owed = True  # the bars must be built afresh (structure, scope, scale)
        self._selected: list[int] = []  # the bars painted as selected
        self._selected_set: frozenset[int] = frozenset()
        self._labels_shown: list[str] | None = None  # the layer axes' labels
        #: counts for tests: full rebuilds; bars whose values were read again after an edit
        #: (the layers the analysis reported changed); bars redrawn with a new height
        self.rebuild_count = 0
        self.bars_checked = 0
        self.bars_recomputed = 0
        self.collapsed: frozenset[str] = (
            frozenset()
        )  # the canvas's collapsed blocks ("Blocks" scope)
        self.by_block = False  # the "Blocks" scope
        self._scope_chosen = False  # the user picked a scope: stop following the canvas
        self._setting_scope = False
        self.titles: list[str] = []  # the label under each bar
        self.members: list[tuple[str, ...]] = []  # the layers each bar stands for
        self.log = False
        self.weighted_only = True
        self._compare: tuple[str, LayerRow] | None = None

        self.scope_combo = QComboBox()
        self.scope_combo.addItem("Layers with weights (conv, linear)", True)
        self.scope_combo.addItem("All layers", False)
        self.scope_combo.addItem("Blocks, as collapsed on the canvas", "blocks")
        self.scope_combo.setToolTip("Which layers get a bar")
        self.scope_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.scope_combo.setMinimumContentsLength(12)
        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip(
            "Logarithmic value axis: small layers stay visible next to huge ones"
        )
        self.compare_button = QPushButton("Compare with…")
        self.compare_button.setToolTip("Put the totals of another design file next to this one")
        self.clear_compare_button = QPushButton("Clear comparison")
        self.clear_compare_button.setVisible(False)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.scope_combo)
        bar.addWidget(self.log_check)
        bar.addStretch(1)
        bar.addWidget(self.compare_button)
        bar.addWidget(self.clear_compare_button)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.PLOT_BG)
        self.graphics.setMinimumHeight(120)
        self.columns = False  # side by side (a low, wide dock) or stacked (a tall one)
        self.plots: list[pg.PlotItem] = []
        self.bars: list[Bars] = []
        #: each plot's bar width in layers: BAR_WIDTH, or a pixel's worth where that is less
        self.bar_widths = [BAR_WIDTH] * len(METRICS)
        self.selection_bars: list[Bars] = []  # the selected bars, drawn over the others
        self.value_axes: list[CountAxis] = []
        self.layer_axes: list[LayerAxis] = []
        for n, (_key, title, color, formatter) in enumerate(METRICS):
            value_axis = CountAxis(formatter, binary=_key == "memory_bytes")
            value_axis.setWidth(64)
            layer_axis = LayerAxis()
            plot = self.graphics.addPlot(
                row=n, col=0, axisItems={"left": value_axis, "bottom": layer_axis}
            )
            plot.setMinimumHeight(0)
            plot.setTitle(
                f'<span style="color:{color};font-weight:bold">{title}</span>', size="9pt"
            )
            plot.showGrid(y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.getViewBox().setMouseEnabled(x=True, y=False)
            if self.plots:
                plot.setXLink(self.plots[0])
            bars = Bars(x=[], height=[], width=BAR_WIDTH, brush=color, pen=pg.mkPen(None))
            chosen = Bars(
                x=[], height=[], width=BAR_WIDTH, brush=SELECTED_COLOR, pen=pg.mkPen(None)
            )
            chosen.setZValue(1)
            plot.addItem(bars)
            plot.addItem(chosen)
            plot.getViewBox().sigXRangeChanged.connect(lambda *_a, n=n: self._fit_bar_width(n))
            plot.getViewBox().sigResized.connect(lambda *_a, n=n: self._fit_bar_width(n))
            self.plots.append(plot)
            self.bars.append(bars)
            self.selection_bars.append(chosen)
            self.value_axes.append(value_axis)
            self.layer_axes.append(layer_axis)

        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.summary)

        self.scope_combo.currentIndexChanged.connect(lambda _n: self._scope_changed())
        self.log_check.toggled.connect(self.set_log)
        self.compare_button.clicked.connect(self._compare_dialog)
        self.clear_compare_button.clicked.connect(self.clear_comparison)
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        self.graphics.scene().sigMouseMoved.connect(self._on_hover)
        self.apply_theme()
        theme.notifier().changed.connect(self.apply_theme)
        self._deferred = DeferredRefresh(self, self._update)
        document.analysis_updated.connect(self._on_analysis_updated)
        document.design_reset.connect(self._request_rebuild)
        for signal in (document.layer_added, document.layer_removed):
            signal.connect(self._request_rebuild)
        document.layer_renamed.connect(self._on_renamed)
        document.selection_changed.connect(self._paint_selection)
        self.refresh()

    # ------------------------------------------------------------------ data

    @property
    def _block_bars(self) -> bool:
        """Bars by block: the "Blocks" scope with a block collapsed. With none, the blocks are
        the layers: the bars are the weighted layers' (an edit redraws its own bars, not every
        bar of 10,000 made again)."""
        return self.by_block and bool(self.collapsed)

    @property
    def rows(self) -> list[LayerRow]:
        """The rows behind the bars, left to right (a layer's computed when read)."""
        return [self.row(i) for i in range(len(self.ids))]

    def row(self, index: int) -> LayerRow:
        """The row behind bar ``index``: a block's, or a layer's as the analysis has it now
        (made when read, for the hover text: nothing to keep up to date per edit)."""
        r = self._rows[index] if self._block_bars else None
        return r if r is not None else layer_row(self.document.analysis.info[self.ids[index]])

    def _request_rebuild(self, *_args: object) -> None:
        self._rebuild_owed = True
        self._deferred.request()

    def _on_renamed(self, old: str, new: str) -> None:
        """A layer renamed: its bar and its label take the new id where they stand (no bar
        changes; the axes redraw their labels). By block, or when the bars are not the
        design's as it was, they are rebuilt as before."""
        at = self._bar_of.get(old)
        order = self._order
        if (
            self._rebuild_owed
            or self._block_bars
            or new in self._bar_of
            or (at is not None and self.ids[at] != old)
        ):
            self._request_rebuild()
            return
        try:
            place = order.index(old)  # (at C speed)
        except ValueError:
            self._request_rebuild()
            return
        order[place] = new
        if old in self._changed:
            self._changed.discard(old)
            self._changed.add(new)
        if at is None:
            return  # a layer without a bar (weighted layers only)
        del self._bar_of[old]
        self._bar_of[new] = at
        self.ids[at] = new  # (``titles`` is this list, by layer)
        self.members[at] = (new,)
        if self._labels_shown is not None and at < len(self._labels_shown):
            self._labels_shown[at] = new
        for axis in self.layer_axes:
            axis.set_label(at, new)

    def _on_analysis_updated(self, changed: object) -> None:
        """Note what changed; the bars follow on the next turn of the event loop (or when
        the charts are shown again), once for however many edits arrived."""
        if self._rebuild_owed:
            pass
        elif not isinstance(changed, set | frozenset | list | tuple) or self._block_bars:
            self._rebuild_owed = True  # blocks: their sums are cached; a few bars in all
        else:
            # No bar shows a receptive field: layers whose field alone changed (every layer
            # downstream of a kernel edit) leave the bars as they are.
            if isinstance(changed, set | frozenset):
                changed = self.document.analysis.beyond_fields(changed)
            self._changed.update(changed)
            if len(self._changed) > max(64, len(self._order)):
                self._rebuild_owed = True
                self._changed = set()
        self._deferred.request()

    def _update(self) -> None:
        """The deferred refresh: the bars an edit changed, in place, or all of them afresh
        when layers were added, removed, renamed, reordered or changed type."""
        if self._rebuild_owed or not self._update_changed():
            self.refresh()

    def _update_changed(self) -> bool:
        """Update the bars of the layers that changed since the bars were set; False when
        that is not possible (the bars themselves changed): then they are rebuilt."""
        changed, self._changed = self._changed, set()
        if not changed:
            return True
        design, analysis = self.document.design, self.document.analysis
        if self._incomplete or design.ids != self._order:
            return False  # reordered, or layers that had no results may get bars now
        info, bar_of, ids, values = analysis.info, self._bar_of, self.ids, self._values
        read = _read_values
        dirty: list[int] = []
        moved: list[int] = []
        # Only the layers with a bar (a layer whose type changed was added anew: a rebuild).
        for lid in bar_of.keys() & changed:
            n = bar_of[lid]
            layer = info.get(ids[n])
            if layer is None:
                return False  # a layer without results: rebuild as from scratch
            dirty.append(n)
            new = read(layer)
            if new != values[n]:
                values[n] = new
                moved.append(n)
        self.bars_checked += len(dirty)
        self.bars_recomputed += len(moved)
        for m, bars in enumerate(self.bars):
            heights = self._heights[m]
            redrawn = []
            for n in moved:
                height = bar_height(values[n][m], self.log)
                if height != heights[n]:
                    heights[n] = height
                    redrawn.append(n)
            if redrawn:
                bars.set_heights(redrawn, heights)
                self._fit_y(m)
        if self._selected and not self._selected_set.isdisjoint(moved):
            self._draw_selection()
        self._update_summary()
        return True

    def refresh(self, *_args: object) -> None:
        """Rebuild the bars from the current analysis (every bar anew: 100 ms when the tab is
        first shown on a 10,000-layer chain, under the busy cursor)."""
        with busy(len(self.document.design), "Drawing the charts…", window_status(self)):
            self._refresh()

    def _refresh(self) -> None:
        self.rebuild_count += 1
        self._rebuild_owed = False
        self._changed = set()
        old_ids = self.ids
        analysis = self.document.analysis
        self._order = self.document.design.ids
        if self._block_bars:
            blocks = [
                b
                for b in cached_block_rows(analysis, self.collapsed)
                if b.is_block or b.row.type in WEIGHTED_TYPES
            ]
            rows: list[LayerRow | None] = [b.row for b in blocks]
            self._block_bars_shown = sum(b.is_block for b in blocks)
            self.ids = [b.row.id for b in blocks]
            self.titles = [b.title for b in blocks]
            self.members = [b.layers for b in blocks]
            self._bar_of = {m: n for n, b in enumerate(blocks) for m in b.layers}
            values = [_read_values(b.row) for b in blocks]
        else:
            info = analysis.info
            ids = [lid for lid in self._order if lid in info]
            self._incomplete = len(ids) != len(self._order)  # layers the analysis has not reached
            if self.weighted_only or self.by_block:
                ids = [lid for lid in ids if info[lid].type in WEIGHTED_TYPES]
            rows = [None] * len(ids)
            self.ids = ids
            self.titles = ids
            self.members = [(lid,) for lid in ids]
            self._bar_of = {lid: n for n, lid in enumerate(ids)}
            values = [_read_values(info[lid]) for lid in ids]
        self._rows = rows
        self._values = values
        n = len(self.ids)
        labels = self.titles
        same_labels = labels == self._labels_shown
        x = np.arange(n, dtype=float)
        for i, bars in enumerate(self.bars):
            heights = np.array(bar_heights([v[i] for v in values], self.log), dtype=float)
            self._heights[i] = heights
            bars.setOpts(x=x, height=heights, width=self.bar_widths[i])
            show = self.columns or i == len(METRICS) - 1
            axis = self.layer_axes[i]
            if not same_labels or axis.show_labels != show:
                axis.set_labels(labels, show=show)
            if self.value_axes[i].log != self.log:
                self.value_axes[i].log = self.log
                self.value_axes[i].picture = None
            self.plots[i].getViewBox().setLimits(xMin=-1, xMax=max(n, 1))
            self._fit_y(i)
        self._labels_shown = list(labels)
        if labels != old_ids:
            self.plots[0].setXRange(-0.6, max(n, 1) - 0.4, padding=0)
        self._paint_selection(self.document.selection)
        self._update_summary()

    def _fit_bar_width(self, i: int) -> None:
        """Bars at least a pixel wide: with thousands of layers a bar is narrower than a pixel,
        and the fill would show only the bars that happen to cover a pixel's centre (the edited
        or selected one could vanish). Wide enough, every bar shows; neighbours overlap, so
        each column of pixels shows the tallest of its bars. Set again on zoom and resize."""
        vb = self.plots[i].getViewBox()
        lo, hi = vb.viewRange()[0]
        pixels = vb.width()
        width = max(BAR_WIDTH, 1.05 * (hi - lo) / pixels) if pixels > 0 and hi > lo else BAR_WIDTH
        if abs(width - self.bar_widths[i]) > 0.02 * self.bar_widths[i]:
            self.bar_widths[i] = width
            self.bars[i].setOpts(width=width)
            self.selection_bars[i].setOpts(width=width)

    def _fit_y(self, i: int) -> None:
        """An explicit value range (not lazy auto-range), so positions are right at once;
        unchanged when the tallest bar is."""
        heights = self._heights[i]
        top = float(heights.max()) if len(heights) else 0.0
        span = top * 1.05 if top > 0 else 1.0
        vb = self.plots[i].getViewBox()
        if vb.viewRange()[1] != [0.0, span]:
            vb.setYRange(0.0, span, padding=0)
            # Now, not while the next paint prepares: the items it moves would ask for a
            # second paint of the charts.
            vb.updateMatrix()

    def apply_theme(self, _scheme: str = "") -> None:
        """The plots' background and ink follow the light or dark scheme."""
        self.graphics.setBackground(theme.PLOT_BG)
        axes: list[pg.AxisItem] = [*self.value_axes, *self.layer_axes]
        for axis in axes:
            axis.setPen(pg.mkPen(theme.PLOT_INK))
            axis.setTextPen(pg.mkPen(theme.PLOT_INK))
            axis.picture = None
            axis.update()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Stack the three charts where the dock is tall enough to give each a readable plot;
        else put them side by side (each with its own layer axis). A low, wide dock (the default
        window's) would otherwise squeeze stacked plots to zero height."""
        title_h, plot_h = 24, 80
        axis_h = self.layer_axes[-1].height() if self.ids else 30
        stacked_needs = len(METRICS) * (title_h + plot_h) + axis_h
        columns = (
            self.graphics.height() < stacked_needs and self.graphics.width() >= len(METRICS) * 160
        )
        if columns == self.columns:
            return
        self.columns = columns
        layout = self.graphics.ci
        for plot in self.plots:
            layout.removeItem(plot)
        for n, plot in enumerate(self.plots):
            layout.addItem(plot, row=0 if columns else n, col=n if columns else 0)
        self.refresh()

    def plot_heights(self) -> list[float]:
        """Each plot's drawing area (its view box) in pixels, top to bottom or left to right."""
        return [plot.getViewBox().sceneBoundingRect().height() for plot in self.plots]

    def values(self, key: str) -> list[int]:
        """The unscaled values behind one chart's bars (``params``, ``macs`` or ``memory_bytes``)."""
        m = [k for k, *_ in METRICS].index(key)
        return [v[m] for v in self._values]

    def heights(self, plot_index: int) -> list[float]:
        """The drawn heights of one chart's bars."""
        return [float(h) for h in self._heights[plot_index]]

    def set_log(self, log: bool) -> None:
        if log != self.log:
            self.log = log
            if self.log_check.isChecked() != log:
                self.log_check.setChecked(log)
            self.refresh()

    def _scope_changed(self) -> None:
        if not self._setting_scope:
            self._scope_chosen = True
        data = self.scope_combo.currentData()
        if data == "blocks":
            self.set_by_block(True)
        else:
            self.by_block = False
            if self.weighted_only != bool(data):
                self.set_weighted_only(bool(data))
            else:
                self.refresh()

    def set_by_block(self, on: bool) -> None:
        """One bar per block (per stage at level 0) as collapsed on the canvas, or per layer."""
        if on != self.by_block:
            self.by_block = on
            n = self.scope_combo.findData("blocks" if on else self.weighted_only)
            if n != self.scope_combo.currentIndex():
                self._setting_scope = True
                try:
                    self.scope_combo.setCurrentIndex(n)
                finally:
                    self._setting_scope = False
            self.refresh()

    def set_collapsed(self, groups: AbstractSet[str]) -> None:
        """Follow the canvas: bars per block while it shows collapsed blocks (until the user
        picks a scope), per layer when everything is open."""
        self.collapsed = frozenset(groups)
        if not self._scope_chosen and self.by_block != bool(groups):
            self.set_by_block(bool(groups))
        elif self.by_block:
            self._request_rebuild()

    def set_weighted_only(self, weighted: bool) -> None:
        if weighted != self.weighted_only:
            self.weighted_only = weighted
            n = self.scope_combo.findData(weighted)
            if n != self.scope_combo.currentIndex():
                self.scope_combo.setCurrentIndex(n)
            self.refresh()

    def _paint_selection(self, ids: list[str]) -> None:
        """Paint the bars of the selected layers (a block's bar when one of its layers is
        selected) in the selection colour: drawn over the others, the rest untouched."""
        bar_of = self._bar_of
        selected = sorted({n for n in (bar_of.get(lid) for lid in ids) if n is not None})
        if selected != self._selected:
            self._selected = selected
            self._selected_set = frozenset(selected)
            self._draw_selection()
        elif selected:
            self._draw_selection()

    def _draw_selection(self) -> None:
        x = np.array(self._selected, dtype=float)
        for m, (heights, chosen) in enumerate(zip(self._heights, self.selection_bars, strict=True)):
            chosen.setOpts(
                x=x,
                height=heights[self._selected] if len(self._selected) else np.zeros(0),
                width=self.bar_widths[m],
            )

    def selected_bars(self) -> list[int]:
        """The bars painted in the selection colour."""
        return list(self._selected)

    # ------------------------------------------------------------ interaction

    def bar_at(self, scene_pos: QPointF) -> int | None:
        """Index of the bar under a scene position (any of the three plots), if any."""
        for plot, bars in zip(self.plots, self.bars, strict=True):
            vb = plot.getViewBox()
            if not vb.sceneBoundingRect().contains(scene_pos):
                continue
            point = vb.mapSceneToView(scene_pos)
            i = round(point.x())
            if not 0 <= i < len(self.ids) or abs(point.x() - i) > 0.4:
                return None
            heights = bars.opts.get("height")
            top = float(heights[i]) if heights is not None and len(heights) > i else 0.0
            view_top = vb.viewRange()[1][1]
            # Thin or zero bars are hard to hit: accept the whole column up to the bar's top or a tenth of the view.
            if point.y() <= max(top, view_top * 0.1):
                return int(i)
            return None
        return None

    def bar_center(self, plot_index: int, bar_index: int) -> QPointF:
        """Scene position of the middle of a bar (for tests and keyboard navigation)."""
        vb = self.plots[plot_index].getViewBox()
        heights = self.bars[plot_index].opts["height"]
        pos: QPointF = vb.mapViewToScene(QPointF(bar_index, float(heights[bar_index]) / 2))
        return pos

    def hover_text(self, index: int) -> str:
        r = self.row(index)
        name = self.titles[index] if index < len(self.titles) else r.id
        return (
            f"<b>{html.escape(name)}</b> ({r.type}) → {shape_text(r.output_shape, 'hwc', r.status)}<br>"
            f"parameters {r.params:,}<br>multiply-accumulates {r.macs:,}<br>"
            f"activations {human_bytes(r.memory_bytes)} ({r.neurons:,} values)"
        )

    def _on_click(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        i = self.bar_at(event.scenePos())
        if i is None:
            return
        lid = self.members[i][0] if i < len(self.members) and self.members[i] else self.ids[i]
        self.document.select([lid])
        self.layer_activated.emit(lid)
        event.accept()

    def _on_hover(self, scene_pos: QPointF) -> None:
        i = self.bar_at(scene_pos)
        if i is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.hover_text(i), self.graphics)

    # ------------------------------------------------------------- comparison

    def compare_with(self, path: str | Path) -> str | None:
        """Compare totals with another design file; returns an error message instead of raising."""
        try:
            other = load_design(path)
        except FormatError as exc:
            return f"Cannot compare with {Path(path).name}: {exc}"
        except OSError as exc:
            return f"Cannot read {path}: {exc.strerror or exc}"
        self._compare = (other.name or Path(path).stem, totals_row(analyze(other)))
        self.clear_compare_button.setVisible(True)
        self._update_summary()
        return None

    def clear_comparison(self) -> None:
        self._compare = None
        self.clear_compare_button.setVisible(False)
        self._update_summary()

    def _compare_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Compare with design", "", "CNN designs (*.json);;All files (*)"
        )
        if name:
            problem = self.compare_with(name)
            if problem:
                self.summary.setText(f'<span style="color:#c62828">{html.escape(problem)}</span>')

    def _update_summary(self) -> None:
        t = totals_row(self.document.analysis)
        if self._block_bars:
            blocks = self._block_bars_shown
            layers = len(self.ids) - blocks
            shown = f"{blocks} block{'s' if blocks != 1 else ''}" + (
                f" and {layers} layer{'s' if layers != 1 else ''} with weights" if layers else ""
            )
        else:
            kind = "layers with weights" if self.weighted_only or self.by_block else "layers"
            shown = f"{len(self.ids)} {kind}"
        head = (
            f"<b>{html.escape(self.document.design.name)}</b>: {t.params:,} parameters ({human_count(t.params)}), "
            f"{t.macs:,} MACs ({human_count(t.macs)}), activations {human_bytes(t.memory_bytes)} per sample"
            f" — {shown} shown."
        )
        if self._compare is None:
            self.summary.setText(head)
            return
        name, o = self._compare

        def ratio(a: int, b: int) -> str:
            return f"×{a / b:.2f}" if b else "–"

        rows = "".join(
            f"<tr><td>{label}</td><td align=right>{fmt(a)}</td><td align=right>{fmt(b)}</td>"
            f"<td align=right>{ratio(a, b)}</td></tr>"
            for label, a, b, fmt in (
                ("Parameters", t.params, o.params, lambda v: f"{v:,}"),
                ("MACs", t.macs, o.macs, lambda v: f"{v:,}"),
                ("Activations", t.memory_bytes, o.memory_bytes, human_bytes),
            )
        )
        self.summary.setText(
            "<table cellspacing=0 cellpadding=3><tr><th></th>"
            f"<th>{html.escape(self.document.design.name)}</th><th>{html.escape(name)}</th><th>this / other</th></tr>{rows}</table>"
        )

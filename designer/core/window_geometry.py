"""Where every window of a sliding-window layer reads, cell by cell.

Dumoulin & Visin's *convolution arithmetic* guide draws a layer as a kernel sliding
over a (padded) input. This module computes that picture as data, for one spatial
axis at a time (``AxisWindows``) and for the height × width grid (``WindowGeometry``),
from the ``AxisArith`` the shape rules already produced — the number of windows, the
padding, the rounding and the unread rows are the core's, never recomputed here.

Along one axis the drawing is a line of *cells*:

* Conv2d, MaxPool2d, AvgPool2d: the input with ``pad_lo`` padding cells before it and
  ``pad_hi`` after it. Window ``o`` starts at cell ``o·stride`` and has ``kernel`` taps
  ``dilation`` cells apart. With ``ceil_mode`` the last window may hang past the padded
  input: those cells are ``outside`` and PyTorch reads nothing there. A window that
  would *start* in the right padding is dropped (``dropped_start``), as PyTorch does.
* ConvTranspose2d: the equivalent direct convolution of the guide (its section 4):
  ``stride − 1`` zeros inserted between input cells, ``dilation·(kernel − 1) − padding``
  padding cells on each side (plus ``output_padding`` after), then windows with
  stride 1. Where ``padding`` exceeds ``dilation·(kernel − 1)`` the equivalent
  padding is negative: the windows start inside the stretched input and the cells
  before them are never read.

``reads(o)`` is the set of input indices window ``o`` reads; a property test checks
it against what torch computes (tests/core/test_window_geometry.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from designer.core.analysis import Analysis
from designer.core.arithmetic import AxisArith, WindowKind
from designer.core.registry import REGISTRY

CellKind = Literal["input", "pad", "zero", "outside"]

#: How many windows compact mode keeps at each end of an axis.
COMPACT_KEEP = 2
#: An axis longer than this many cells (or with more windows than ``COMPACT_WINDOWS``)
#: starts in compact mode.
COMPACT_CELLS = 40
COMPACT_WINDOWS = 16


@dataclass(frozen=True)
class AxisWindows:
    """The cells of one axis and where each window's taps fall on them."""

    arith: AxisArith
    cells: tuple[CellKind, ...]
    source: tuple[int | None, ...]  # the input index each cell holds (None: padding, zero, outside)
    first_start: int  # the cell where window 0 starts
    step: int  # cells between consecutive window starts
    dropped_start: int | None = None  # ceil mode: where the window PyTorch drops would start

    @property
    def axis(self) -> str:
        return self.arith.axis

    @property
    def kind(self) -> WindowKind:
        return self.arith.kind

    @property
    def count(self) -> int:
        """Number of windows = the output size along this axis (the core's ``out``)."""
        return max(self.arith.out, 0)

    @property
    def kernel(self) -> int:
        return self.arith.kernel

    @property
    def dilation(self) -> int:
        return self.arith.dilation

    @property
    def span(self) -> int:
        """Cells one window covers, gaps included: ``dilation·(kernel − 1) + 1``."""
        return self.arith.effective_kernel

    @property
    def size_in(self) -> int:
        return self.arith.size_in

    def __len__(self) -> int:
        return len(self.cells)

    def start(self, o: int) -> int:
        """The cell where window ``o`` starts."""
        if not 0 <= o < self.count:
            raise IndexError(f"window {o} of {self.count} ({self.axis})")
        return self.first_start + o * self.step

    def taps(self, o: int) -> tuple[int, ...]:
        """The cells window ``o`` places its taps on, first to last."""
        s = self.start(o)
        return tuple(s + t * self.dilation for t in range(self.kernel))

    def tap_sources(self, o: int) -> tuple[int | None, ...]:
        """For each tap of window ``o``: the input index it reads, or None (padding, zero, outside)."""
        return tuple(self.source[c] if self.cells[c] == "input" else None for c in self.taps(o))

    def reads(self, o: int) -> tuple[int, ...]:
        """The input indices window ``o`` reads, ascending."""
        return tuple(sorted({i for i in self.tap_sources(o) if i is not None}))

    @cached_property
    def read(self) -> frozenset[int]:
        """Every input index some window reads."""
        return frozenset(i for o in range(self.count) for i in self.reads(o))

    @cached_property
    def unread(self) -> tuple[int, ...]:
        """Input indices no window reads (between sparse windows, past the last one, cropped)."""
        return tuple(i for i in range(self.size_in) if i not in self.read)

    @property
    def trailing_unread(self) -> int:
        """Unread input rows/columns after the last one read (the 224 case: 1)."""
        n = 0
        for i in range(self.size_in - 1, -1, -1):
            if i in self.read:
                break
            n += 1
        return n

    def cell_of(self, index: int) -> int:
        """The cell that holds input index ``index``."""
        return self.source.index(index)


def axis_windows(a: AxisArith) -> AxisWindows:
    """The cells and windows of one axis, from the core's arithmetic for that axis."""
    if a.kind == "transpose":
        return _transpose_axis(a)
    out = max(a.out, 0)
    eff = a.effective_kernel
    end = a.padded
    if out:
        end = max(end, (out - 1) * a.stride + eff)
    dropped = out * a.stride if a.dropped_last_window else None
    if dropped is not None:
        end = max(end, dropped + eff)
    cells: list[CellKind] = []
    source: list[int | None] = []
    for pos in range(end):
        x = pos - a.pad_lo
        if 0 <= x < a.size_in:
            cells.append("input")
            source.append(x)
        else:
            cells.append("pad" if pos < a.padded else "outside")
            source.append(None)
    return AxisWindows(a, tuple(cells), tuple(source), 0, a.stride, dropped)


def transpose_padding(a: AxisArith) -> tuple[int, int]:
    """Padding (before, after) of the equivalent direct convolution of a transposed one:
    ``d·(k − 1) − p`` and ``d·(k − 1) − p + output_padding`` (negative: cropped)."""
    base = a.dilation * (a.kernel - 1) - a.pad_lo
    return base, base + a.output_padding


def _transpose_axis(a: AxisArith) -> AxisWindows:
    s = a.stride
    stretched = (a.size_in - 1) * s + 1
    p_lo, p_hi = transpose_padding(a)
    z0 = min(0, -p_lo)
    z1 = max(stretched, stretched + p_hi)
    cells: list[CellKind] = []
    source: list[int | None] = []
    for z in range(z0, z1):
        if 0 <= z < stretched:
            if z % s == 0:
                cells.append("input")
                source.append(z // s)
            else:
                cells.append("zero")
                source.append(None)
        else:
            cells.append("pad")
            source.append(None)
    return AxisWindows(a, tuple(cells), tuple(source), -p_lo - z0, 1)


@dataclass(frozen=True)
class WindowGeometry:
    """The height × width picture of one layer: rows are the height axis, columns the width."""

    layer_id: str
    layer_type: str
    rows: AxisWindows
    cols: AxisWindows

    @property
    def kind(self) -> WindowKind:
        return self.rows.kind

    @property
    def out_shape(self) -> tuple[int, int]:
        return (self.rows.count, self.cols.count)

    @property
    def in_shape(self) -> tuple[int, int]:
        return (self.rows.size_in, self.cols.size_in)

    @property
    def window_count(self) -> int:
        return self.rows.count * self.cols.count

    def reads(self, i: int, j: int) -> frozenset[tuple[int, int]]:
        """The input cells ``(row, column)`` output cell ``(i, j)`` reads."""
        return frozenset((r, c) for r in self.rows.reads(i) for c in self.cols.reads(j))

    @property
    def unread_cells(self) -> int:
        """Input cells (of one channel) that no window reads: a cell is read only when both its
        row and its column are."""
        h, w = self.in_shape
        return h * w - len(self.rows.read) * len(self.cols.read)


def layer_window(analysis: Analysis, layer_id: str) -> WindowGeometry | None:
    """The window geometry of a sliding-window layer, or None (see ``no_window_reason``)."""
    info = analysis.info.get(layer_id)
    if info is None or len(info.axes) != 2:
        return None
    rows, cols = info.axes
    if rows.kind not in ("conv", "pool", "transpose") or min(rows.out, cols.out) < 1:
        return None
    return WindowGeometry(layer_id, info.type, axis_windows(rows), axis_windows(cols))


def no_window_reason(analysis: Analysis, layer_id: str) -> str:
    """Why ``layer_window`` has no picture for this layer, in one sentence."""
    info = analysis.info.get(layer_id)
    if info is None:
        return f"{layer_id} is not in the design."
    if len(info.axes) != 2:
        if info.status in ("error", "unknown") and has_window(info.type):
            problem = next((d.message for d in info.diagnostics if d.severity == "error"), "")
            return f"{layer_id} has no output shape yet, so it has no windows to show. {problem}".strip()
        return (
            f"{layer_id} ({info.type}) does not slide a window over its input: the Window view "
            "shows convolutions, transposed convolutions and pooling layers."
        )
    rows, cols = info.axes
    bad = rows if rows.out < 1 else cols
    problem = next((d.message for d in info.diagnostics if d.severity == "error"), "")
    return f"{layer_id} has no window that fits: {problem or f'its output {bad.axis} would be {bad.out}.'}"


def has_window(type_id: str) -> bool:
    """Layer types that slide a kernel over their input: those with a ``kernel_size``."""
    ltype = REGISTRY.get(type_id)
    return ltype is not None and ltype.spec("kernel_size") is not None


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class AxisView:
    """What one axis shows: runs of cells (with an ellipsis between runs), runs of output
    cells, and the windows stepped through."""

    segments: tuple[tuple[int, int], ...]  # [start, end) cell ranges, in order
    out_segments: tuple[tuple[int, int], ...]  # [start, end) output ranges
    windows: tuple[int, ...]  # the output indices the stepper visits

    @property
    def compact(self) -> bool:
        return len(self.segments) > 1 or len(self.out_segments) > 1

    def shown_cells(self) -> int:
        return sum(b - a for a, b in self.segments)

    def shows_cell(self, cell: int) -> bool:
        return any(a <= cell < b for a, b in self.segments)

    def shows_output(self, o: int) -> bool:
        return any(a <= o < b for a, b in self.out_segments)


def _merge(ranges: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


def axis_view(ax: AxisWindows, compact: bool, keep: int = COMPACT_KEEP) -> AxisView:
    """Every cell and window, or (``compact``) the first and last ``keep`` windows with an
    ellipsis between them. The far edge stays: the last run always reaches the last cell,
    so the rows or columns no window reads are visible whatever the size."""
    n = ax.count
    if not compact or n <= 2 * keep + 1:
        return AxisView(((0, len(ax)),), ((0, n),) if n else (), tuple(range(n)))
    head_end = ax.start(keep - 1) + ax.span
    tail_start = ax.start(n - keep)
    if ax.read and max(ax.read) + 1 < ax.size_in:
        # the input no window reaches starts before the last windows (heavy padding): show it too
        tail_start = min(tail_start, ax.cell_of(max(ax.read) + 1))
    segments = _merge([(0, head_end), (tail_start, len(ax))])
    if segments == ((0, len(ax)),):
        return axis_view(ax, compact=False)
    out_segments = _merge([(0, keep), (n - keep, n)])
    windows = tuple(sorted({*range(keep), *range(n - keep, n)}))
    return AxisView(segments, out_segments, windows)


#: The full view draws every cell; beyond this many (about 350×350) only compact mode is offered.
MAX_FULL_CELLS = 120_000


def full_view_allowed(geometry: WindowGeometry) -> bool:
    return len(geometry.rows) * len(geometry.cols) <= MAX_FULL_CELLS


def wants_compact(geometry: WindowGeometry) -> bool:
    """Whether the picture is too large to read whole (e.g. 227×227 with an 11×11 kernel)."""
    return any(
        len(ax) > COMPACT_CELLS or ax.count > COMPACT_WINDOWS
        for ax in (geometry.rows, geometry.cols)
    )


@dataclass(frozen=True)
class WindowFrames:
    """The sequence of windows the stepper, Play and the animated export go through."""

    geometry: WindowGeometry
    compact: bool
    rows: AxisView = field(init=False)
    cols: AxisView = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", axis_view(self.geometry.rows, self.compact))
        object.__setattr__(self, "cols", axis_view(self.geometry.cols, self.compact))

    def __len__(self) -> int:
        return len(self.rows.windows) * len(self.cols.windows)

    def position(self, frame: int) -> tuple[int, int]:
        """The output cell ``(i, j)`` frame ``frame`` produces (row by row, as the guide animates)."""
        if not 0 <= frame < len(self):
            raise IndexError(f"frame {frame} of {len(self)}")
        i, j = divmod(frame, len(self.cols.windows))
        return self.rows.windows[i], self.cols.windows[j]

    @property
    def drawable(self) -> bool:
        """Whether the shown cells are few enough to draw (a window thousands of cells wide is not,
        even in compact mode)."""
        return self.rows.shown_cells() * self.cols.shown_cells() <= MAX_FULL_CELLS

    def too_large_text(self) -> str:
        g = self.geometry
        return (
            f"{g.layer_id}'s picture would need {self.rows.shown_cells()}×{self.cols.shown_cells()} cells even "
            f"in compact mode (its {g.rows.kernel}×{g.cols.kernel} window spans "
            f"{g.rows.span}×{g.cols.span} pixels): too many to draw."
        )

    def frame_of(self, i: int, j: int) -> int:
        return self.rows.windows.index(i) * len(self.cols.windows) + self.cols.windows.index(j)

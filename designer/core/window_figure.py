"""The sliding-window picture of one layer as a ``Figure``: grids, window, output, legend.

Drawn in the style of Dumoulin & Visin's convolution arithmetic guide: the input
grid with its padding cells shaded and dashed, the kernel's taps over it (with the
gaps a dilation leaves), and the output grid beside it with the cell the window
produces highlighted. Input cells that no window reads are red, and their count is
written under the grids. The Window view, the SVG/PNG export of one frame and the
GIF/APNG export of the sequence all draw this figure, so they always agree.

The picture is split in two groups: ``grid`` (the same for every frame) and
``window`` (what frame ``n`` adds). Every frame has the same size, so frames can be
stacked into an animation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from designer.core.explain import num, transpose_step, window_step
from designer.core.figure import (
    INK,
    MUTED_INK,
    Figure,
    FigureStyle,
    Group,
    Polyline,
    Primitive,
    Rect,
    Text,
    estimate_width,
    primitive_bounds,
)
from designer.core.window_geometry import (
    AxisView,
    AxisWindows,
    CellKind,
    WindowFrames,
    transpose_padding,
)

# Colours (final: renderers draw them as given). Input blue, padding grey and dashed,
# output teal, never-read red, as in the guide's figures plus the red this tool adds.
CELL_FILL: dict[CellKind, str] = {
    "input": "#C9DDF0",
    "pad": "#ECEFF1",
    "zero": "#FFFFFF",
    "outside": "#FFFFFF",
}
CELL_STROKE: dict[CellKind, str] = {
    "input": "#6C8EAD",
    "pad": "#9EA7AD",
    "zero": "#9EA7AD",
    "outside": "#C7CCD0",
}
TAP_FILL: dict[CellKind, str] = {
    "input": "#2F6FB0",
    "pad": "#7E97AD",
    "zero": "#9DB5CC",
    "outside": "#FFFFFF",
}
UNREAD_FILL = "#F4A7A7"
UNREAD_STROKE = "#C62828"
UNREAD_TEXT = "#B71C1C"
ALL_READ_TEXT = "#2E7D32"
WINDOW_STROKE = "#0B3D91"
DROPPED_STROKE = "#8D6E63"
OUT_FILL = "#DDF1EE"
OUT_DONE = "#8FD1C7"
OUT_CURRENT = "#00796B"
OUT_STROKE = "#4D8C84"


def cell_size_for(shown: int) -> float:
    """Figure pixels per cell: large for small grids, at least 12 so large ones stay legible."""
    return float(min(34, max(12, math.floor(480 / max(shown, 1)))))


@dataclass(frozen=True)
class _AxisPlacement:
    """Where each shown cell (and output cell) of one axis is drawn."""

    cells: dict[int, float]  # cell index -> offset of its near edge
    outputs: dict[int, float]  # output index -> offset
    gaps: tuple[float, ...]  # offsets of the ellipses between cell runs
    out_gaps: tuple[float, ...]
    length: float
    out_length: float


def _place(
    ranges: Sequence[tuple[int, int]], size: float
) -> tuple[dict[int, float], tuple[float, ...], float]:
    where: dict[int, float] = {}
    gaps: list[float] = []
    pos = 0.0
    for n, (a, b) in enumerate(ranges):
        if n:
            gaps.append(pos)
            pos += size * 1.4
        for c in range(a, b):
            where[c] = pos
            pos += size
    return where, tuple(gaps), pos


def _placement(view: AxisView, size: float) -> _AxisPlacement:
    cells, gaps, length = _place(view.segments, size)
    outputs, out_gaps, out_length = _place(view.out_segments, size)
    return _AxisPlacement(cells, outputs, gaps, out_gaps, length, out_length)


def _tick_step(size: float) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100):
        if step * size >= 26:
            return step
    return 200


def _pl(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _axis_word(ax: AxisWindows) -> str:
    return "row" if ax.axis == "height" else "column"


def _list(values: Sequence[int], limit: int = 4) -> str:
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (", …" if len(values) > limit else "")


def unread_text(frames: WindowFrames) -> str:
    """``the last row and the last column: 447 of 50,176 input cells are never read``."""
    g = frames.geometry
    parts = []
    for ax in (g.rows, g.cols):
        if not ax.unread:
            continue
        word = _axis_word(ax)
        if len(ax.unread) == ax.trailing_unread:
            parts.append(
                f"the last {word}"
                if ax.trailing_unread == 1
                else f"the last {ax.trailing_unread} {word}s"
            )
        else:
            parts.append(f"{_pl(len(ax.unread), word)} ({_list(ax.unread)})")
    if not parts:
        return ""
    h, w = g.in_shape
    return f"Never read: {' and '.join(parts)} — {g.unread_cells:,} of {h * w:,} input cells."


def _pair(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}×{b}"


def title_text(frames: WindowFrames) -> str:
    g = frames.geometry
    r, c = g.rows.arith, g.cols.arith
    bits = [f"{r.kernel}×{c.kernel} window", f"stride {_pair(r.stride, c.stride)}"]
    if (r.pad_lo, r.pad_hi) == (c.pad_lo, c.pad_hi) and r.pad_lo == r.pad_hi:
        bits.append(f"padding {r.pad_lo}" + (' ("same")' if r.same else ""))
    else:
        bits.append(
            f"padding top {r.pad_lo}, bottom {r.pad_hi}, left {c.pad_lo}, right {c.pad_hi}"
            + (' ("same")' if r.same or c.same else "")
        )
    if r.dilation > 1 or c.dilation > 1:
        bits.append(f"dilation {_pair(r.dilation, c.dilation)}")
    if g.kind == "transpose" and (r.output_padding or c.output_padding):
        bits.append(f"output_padding {_pair(r.output_padding, c.output_padding)}")
    if (
        (g.kind == "pool" and "ceil" in (r.rounding, c.rounding))
        or r.dropped_last_window
        or c.dropped_last_window
    ):
        bits.append("ceil mode")
    return f"{g.layer_id} · {g.layer_type} · {', '.join(bits)}"


def formula_lines(frames: WindowFrames) -> list[str]:
    """The output size of each axis, with the core's numbers (one line when both axes agree)."""
    g = frames.geometry
    same = {**g.rows.arith.__dict__, "axis": ""} == {**g.cols.arith.__dict__, "axis": ""}
    lines: list[str] = []
    for ax in (g.rows,) if same else (g.rows, g.cols):
        a = ax.arith
        name = "H_out = W_out" if same else ("H_out" if a.axis == "height" else "W_out")
        if a.kind == "transpose":
            st = transpose_step(a)
            lines.append(f"{name} = {st.chain[0]} = {st.chain[-1]}")
            continue
        st = window_step(a)
        text = f"{name} = {st.chain[0]} = {st.chain[-1]}"
        if st.rounded:
            text += f" → {st.rounded}"
        if st.note and "never read" not in st.note:
            text += f" ({st.note})"
        lines.append(text)
    if g.kind == "transpose":
        r = g.rows.arith
        p_lo, p_hi = transpose_padding(r)
        lines.append(
            f"As a direct convolution: {_pl(r.stride - 1, 'zero')} between input cells (stride {r.stride}), "
            f"padding d·(k − 1) − p = {r.dilation}·({r.kernel} − 1) − {r.pad_lo} = {p_lo}"
            + (f" (+ output_padding {r.output_padding} after: {p_hi})" if r.output_padding else "")
            + ", windows one cell apart."
            + (
                " Negative padding crops: cells before the first window are never read."
                if p_lo < 0
                else ""
            )
        )
    return lines


class WindowFigure:
    """The layout of one layer's picture; ``figure(n)`` draws frame ``n``."""

    def __init__(self, frames: WindowFrames, style: FigureStyle | None = None) -> None:
        self.frames = frames
        self.style = style or FigureStyle(font_size=12.0, margin=18.0)
        g = frames.geometry
        shown = max(frames.rows.shown_cells(), frames.cols.shown_cells())
        self.cell = cell_size_for(shown + (2 if frames.rows.compact or frames.cols.compact else 0))
        self.rows = _placement(frames.rows, self.cell)
        self.cols = _placement(frames.cols, self.cell)
        fs = self.style.font_size
        m = self.style.margin
        self.small = max(8.0, min(fs * 0.8, self.cell * 0.75))
        self.title = title_text(frames)
        self.formulas = formula_lines(frames)
        self.unread = unread_text(frames)
        label_w = estimate_width(str(max(g.in_shape)), self.small) + 6
        self.grid_x = m + label_w
        self.out_x = self.grid_x + self.cols.length + max(60.0, self.cell * 3)
        # Text wraps to the width of the grids (at least a readable column), so the picture
        # stays compact enough for a side panel.
        self.text_width = max(self.out_x + self.cols.out_length + 24 - m, 440.0)
        y = m + fs
        self._header: list[Primitive] = []
        for n, line in enumerate(wrap(self.title, fs * 1.1, self.text_width)):
            y += fs * 1.35 if n else 0.0
            self._header.append(Text(m, y, line, fs * 1.1, bold=True, role="title"))
        for line in (part for f in self.formulas for part in wrap(f, fs * 0.95, self.text_width)):
            y += fs * 1.4
            self._header.append(Text(m, y, line, fs * 0.95, color=MUTED_INK, role="formula"))
        self.grid_y = y + fs * 1.2 + self.small * 1.6
        self.out_y = self.grid_y + max(0.0, (self.rows.length - self.rows.out_length) / 2)
        bottom = self.grid_y + max(self.rows.length, self.rows.out_length)
        self.caption_y = bottom + fs * 1.5
        self.unread_lines = wrap(self.unread, fs, self.text_width - label_w) if self.unread else []
        self.unread_y = self.caption_y + fs * 1.6
        self.legend_y = self.unread_y + fs * 1.4 * max(1, len(self.unread_lines)) + fs * 0.3
        legend_rows = self._legend_rows()
        self.status_y = self.legend_y + fs * 1.4 * len(legend_rows) + fs * 1.0
        self._static = self._build_static()
        right = max(self.out_x + self.cols.out_length, *(_right(p) for p in self._static))
        if len(frames):
            widest = max(
                estimate_width(line, fs)
                for n in {0, len(frames) - 1}
                for line in self.status_lines(n)
            )
            right = max(right, self.grid_x + widest)
        self.width = math.ceil(right + m + fs)  # text widths are estimates: leave room
        self.height = math.ceil(self.status_y + fs * 1.5 + fs * 0.6 + m)

    # ------------------------------------------------------------ geometry

    def cell_rect(self, row: int, col: int) -> tuple[float, float, float, float]:
        """(x, y, w, h) of input-grid cell (row, col), both shown."""
        return (
            self.grid_x + self.cols.cells[col],
            self.grid_y + self.rows.cells[row],
            self.cell,
            self.cell,
        )

    def output_rect(self, i: int, j: int) -> tuple[float, float, float, float]:
        return (
            self.out_x + self.cols.outputs[j],
            self.out_y + self.rows.outputs[i],
            self.cell,
            self.cell,
        )

    def frame_at_output(self, x: float, y: float) -> int | None:
        """The frame producing the output cell drawn at figure point (x, y), if it is one of them."""
        for i, oy in self.rows.outputs.items():
            if not self.out_y + oy <= y < self.out_y + oy + self.cell:
                continue
            for j, ox in self.cols.outputs.items():
                inside = self.out_x + ox <= x < self.out_x + ox + self.cell
                if inside and i in self.frames.rows.windows and j in self.frames.cols.windows:
                    return self.frames.frame_of(i, j)
        return None

    # ------------------------------------------------------------- drawing

    def _build_static(self) -> list[Primitive]:
        g = self.frames.geometry
        items: list[Primitive] = list(self._header)
        c = self.cell
        unread_rows = set(g.rows.unread)
        unread_cols = set(g.cols.unread)
        for row, y in self.rows.cells.items():
            rk = g.rows.cells[row]
            for col, x in self.cols.cells.items():
                ck = g.cols.cells[col]
                kind = _combine(rk, ck)
                fill, stroke = CELL_FILL[kind], CELL_STROKE[kind]
                if kind == "input" and (
                    g.rows.source[row] in unread_rows or g.cols.source[col] in unread_cols
                ):
                    fill, stroke = UNREAD_FILL, UNREAD_STROKE
                items.append(
                    Rect(
                        self.grid_x + x,
                        self.grid_y + y,
                        c,
                        c,
                        fill,
                        stroke,
                        0.6,
                        dashed=kind != "input",
                        role=f"cell-{kind}",
                    )
                )
        items.extend(self._ellipses(self.grid_x, self.grid_y, self.rows, self.cols, outputs=False))
        items.extend(self._ticks())
        for y in self.rows.outputs.values():
            for x in self.cols.outputs.values():
                items.append(
                    Rect(
                        self.out_x + x,
                        self.out_y + y,
                        c,
                        c,
                        OUT_FILL,
                        OUT_STROKE,
                        0.6,
                        role="output",
                    )
                )
        items.extend(self._ellipses(self.out_x, self.out_y, self.rows, self.cols, outputs=True))
        s = self.small
        for j in self._output_ticks(self.cols):
            items.append(
                Text(
                    self.out_x + self.cols.outputs[j] + c / 2,
                    self.out_y - 5,
                    str(j),
                    s,
                    "middle",
                    color=MUTED_INK,
                    role="tick",
                )
            )
        for i in self._output_ticks(self.rows):
            items.append(
                Text(
                    self.out_x - 4,
                    self.out_y + self.rows.outputs[i] + c / 2 + s * 0.35,
                    str(i),
                    s,
                    "end",
                    color=MUTED_INK,
                    role="tick",
                )
            )
        items.extend(self._dropped())
        fs = self.style.font_size
        h, w = g.in_shape
        ho, wo = g.out_shape
        caption = f"Input: {h}×{w}"
        if g.kind == "transpose":
            sh, sw = ((ax.size_in - 1) * ax.arith.stride + 1 for ax in (g.rows, g.cols))
            caption += f", stretched to {sh}×{sw}, padded to {len(g.rows)}×{len(g.cols)}"
        items.append(Text(self.grid_x, self.caption_y, caption, fs, bold=True, role="caption"))
        out_caption_y = min(self.caption_y, self.out_y + self.rows.out_length + fs * 1.5)
        items.append(
            Text(self.out_x, out_caption_y, f"Output: {ho}×{wo}", fs, bold=True, role="caption")
        )
        if self.unread:
            for n, line in enumerate(self.unread_lines):
                items.append(
                    Text(
                        self.grid_x,
                        self.unread_y + n * fs * 1.4,
                        line,
                        fs,
                        bold=True,
                        color=UNREAD_TEXT,
                        role="unread",
                    )
                )
        else:
            items.append(
                Text(
                    self.grid_x,
                    self.unread_y,
                    "Every input cell is read by some window.",
                    fs,
                    color=ALL_READ_TEXT,
                    role="unread",
                )
            )
        items.extend(self._legend())
        return items

    def _ellipses(
        self, x0: float, y0: float, rows: _AxisPlacement, cols: _AxisPlacement, outputs: bool
    ) -> list[Primitive]:
        """ "…" in the gap between column runs (beside each run of rows) and "⋮" in the gap
        between row runs (below each run of columns)."""
        items: list[Primitive] = []
        c = self.cell
        size = max(10.0, c * 0.9)
        row_runs = _runs(rows.outputs if outputs else rows.cells, c)
        col_runs = _runs(cols.outputs if outputs else cols.cells, c)
        for gx in cols.out_gaps if outputs else cols.gaps:
            for a, b in row_runs:
                items.append(
                    Text(
                        x0 + gx + c * 0.7,
                        y0 + (a + b) / 2 + size * 0.3,
                        "…",
                        size,
                        "middle",
                        True,
                        MUTED_INK,
                        "ellipsis",
                    )
                )
        for gy in rows.out_gaps if outputs else rows.gaps:
            for a, b in col_runs:
                items.append(
                    Text(
                        x0 + (a + b) / 2,
                        y0 + gy + c * 0.7 + size * 0.35,
                        "⋮",
                        size,
                        "middle",
                        True,
                        MUTED_INK,
                        "ellipsis",
                    )
                )
        return items

    def _ticks(self) -> list[Primitive]:
        """Input indices along the top and the left: each run's first and last input cell, and
        every few cells in between where there is room."""
        g = self.frames.geometry
        items: list[Primitive] = []
        step = _tick_step(self.cell)
        s = self.small
        for ax, place, view, vertical in (
            (g.cols, self.cols, self.frames.cols, False),
            (g.rows, self.rows, self.frames.rows, True),
        ):
            for a, b in view.segments:
                inputs = [cell for cell in range(a, b) if ax.cells[cell] == "input"]
                if not inputs:
                    continue
                ends = [inputs[0], inputs[-1]] if len(inputs) > 1 else [inputs[0]]
                need = s * 1.2 if vertical else estimate_width(str(ax.source[inputs[-1]]), s) + 6
                chosen = list(ends)
                for cell in inputs[1:-1]:
                    if (ax.source[cell] or 0) % step:
                        continue
                    pos = place.cells[cell]
                    if all(abs(pos - place.cells[o]) >= need for o in chosen):
                        chosen.append(cell)
                for cell in chosen:
                    pos = place.cells[cell] + self.cell / 2
                    label = str(ax.source[cell])
                    if vertical:
                        items.append(
                            Text(
                                self.grid_x - 4,
                                self.grid_y + pos + s * 0.35,
                                label,
                                s,
                                "end",
                                color=MUTED_INK,
                                role="tick",
                            )
                        )
                    else:
                        items.append(
                            Text(
                                self.grid_x + pos,
                                self.grid_y - 5,
                                label,
                                s,
                                "middle",
                                color=MUTED_INK,
                                role="tick",
                            )
                        )
        return items

    def _output_ticks(self, place: _AxisPlacement) -> list[int]:
        """Output indices worth a label: each run's ends, and every few in between."""
        step = _tick_step(self.cell)
        keys = sorted(place.outputs)
        chosen: list[int] = []
        for n, o in enumerate(keys):
            run_end = n + 1 == len(keys) or keys[n + 1] != o + 1
            run_start = n == 0 or keys[n - 1] != o - 1
            if (
                run_start
                or run_end
                or (o % step == 0 and all(abs(o - q) * self.cell >= 22 for q in chosen[-1:]))
            ):
                chosen.append(o)
        return chosen

    def _dropped(self) -> list[Primitive]:
        """The window PyTorch drops in ceil mode (it would start in the padding), dashed."""
        g = self.frames.geometry
        items: list[Primitive] = []
        for ax, place, other, other_place, vertical in (
            (g.cols, self.cols, g.rows, self.rows, False),
            (g.rows, self.rows, g.cols, self.cols, True),
        ):
            if ax.dropped_start is None or ax.dropped_start not in place.cells:
                continue
            a = place.cells[ax.dropped_start]
            end_cell = ax.dropped_start + ax.span - 1
            b = place.cells.get(end_cell, place.length - self.cell) + self.cell
            o0 = min(other_place.cells.values())
            o1 = o0 + other.span * self.cell if other.count else o0
            if vertical:
                x0, x1, y0, y1 = (
                    self.grid_x + o0,
                    self.grid_x + o1,
                    self.grid_y + a,
                    self.grid_y + b,
                )
            else:
                x0, x1, y0, y1 = (
                    self.grid_x + a,
                    self.grid_x + b,
                    self.grid_y + o0,
                    self.grid_y + o1,
                )
            items.append(_box(x0, y0, x1, y1, DROPPED_STROKE, 1.6, dashed=True, role="dropped"))
        return items

    def _legend_entries(self) -> list[tuple[str, str, str, bool]]:
        g = self.frames.geometry
        kinds = set(g.rows.cells) | set(g.cols.cells)
        entries: list[tuple[str, str, str, bool]] = [
            ("input cell", CELL_FILL["input"], CELL_STROKE["input"], False)
        ]
        if "pad" in kinds:
            entries.append(("padding", CELL_FILL["pad"], CELL_STROKE["pad"], True))
        if "zero" in kinds:
            entries.append(("inserted zero", CELL_FILL["zero"], CELL_STROKE["zero"], True))
        if "outside" in kinds:
            entries.append(
                (
                    "past the padded edge (not read)",
                    CELL_FILL["outside"],
                    CELL_STROKE["outside"],
                    True,
                )
            )
        entries.append(("window taps", TAP_FILL["input"], WINDOW_STROKE, False))
        if g.rows.dropped_start is not None or g.cols.dropped_start is not None:
            entries.append(
                (
                    "window PyTorch drops (it would start in the padding)",
                    "#FFFFFF",
                    DROPPED_STROKE,
                    True,
                )
            )
        if g.unread_cells:
            entries.append((f"never read ({g.unread_cells:,})", UNREAD_FILL, UNREAD_STROKE, False))
        entries.append(("output cell it produces", OUT_CURRENT, OUT_STROKE, False))
        return entries

    def _legend_rows(self) -> list[list[tuple[float, tuple[str, str, str, bool]]]]:
        """Legend entries with their x offsets, in rows no wider than the text width."""
        fs = self.style.font_size * 0.9
        rows: list[list[tuple[float, tuple[str, str, str, bool]]]] = [[]]
        x = 0.0
        limit = self.text_width - (self.grid_x - self.style.margin)
        for entry in self._legend_entries():
            w = fs * 1.4 + estimate_width(entry[0], fs)
            if rows[-1] and x + w > limit:
                rows.append([])
                x = 0.0
            rows[-1].append((x, entry))
            x += w + fs * 1.5
        return rows

    def _legend(self) -> list[Primitive]:
        fs = self.style.font_size * 0.9
        items: list[Primitive] = []
        for n, row in enumerate(self._legend_rows()):
            y = self.legend_y + n * self.style.font_size * 1.4
            for dx, (label, fill, stroke, dashed) in row:
                x = self.grid_x + dx
                items.append(
                    Rect(x, y - fs * 0.85, fs, fs, fill, stroke, 0.8, dashed=dashed, role="swatch")
                )
                items.append(Text(x + fs * 1.4, y, label, fs, color=INK, role="legend"))
        return items

    def frame_items(self, frame: int) -> list[Primitive]:
        """What frame ``frame`` adds: the taps, the window's outline, the outputs so far."""
        g = self.frames.geometry
        i, j = self.frames.position(frame)
        c = self.cell
        items: list[Primitive] = []
        for n in range(frame):
            pi, pj = self.frames.position(n)
            x, y, _, _ = self.output_rect(pi, pj)
            items.append(Rect(x, y, c, c, OUT_DONE, OUT_STROKE, 0.6, role="output-done"))
        x, y, _, _ = self.output_rect(i, j)
        items.append(Rect(x, y, c, c, OUT_CURRENT, OUT_STROKE, 1.2, role="output-current"))
        row_taps, col_taps = g.rows.taps(i), g.cols.taps(j)
        for r in row_taps:
            for q in col_taps:
                kind = _combine(g.rows.cells[r], g.cols.cells[q])
                x, y, _, _ = self.cell_rect(r, q)
                inset = c * 0.12
                items.append(
                    Rect(
                        x + inset,
                        y + inset,
                        c - 2 * inset,
                        c - 2 * inset,
                        TAP_FILL[kind],
                        WINDOW_STROKE if kind != "outside" else UNREAD_STROKE,
                        0.5,
                        dashed=kind == "outside",
                        role="tap",
                    )
                )
        items.append(_box(*self.window_box(frame), WINDOW_STROKE, 2.4, role="window"))
        fs = self.style.font_size
        for n, line in enumerate(self.status_lines(frame)):
            items.append(
                Text(
                    self.grid_x,
                    self.status_y + n * fs * 1.4,
                    line,
                    fs,
                    bold=n == 0,
                    color=INK,
                    role="status",
                )
            )
        return items

    def window_box(self, frame: int) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the outline around frame ``frame``'s window."""
        g = self.frames.geometry
        i, j = self.frames.position(frame)
        row_taps, col_taps = g.rows.taps(i), g.cols.taps(j)
        x0, y0, _, _ = self.cell_rect(row_taps[0], col_taps[0])
        x1, y1, _, _ = self.cell_rect(row_taps[-1], col_taps[-1])
        return (x0, y0, x1 + self.cell, y1 + self.cell)

    def status_lines(self, frame: int) -> tuple[str, str]:
        """``Window 14 of 16 → output (53, 1)`` and what that window reads."""
        first, _, rest = self.status_text(frame).partition(": ")
        return first, rest[:1].upper() + rest[1:]

    def status_text(self, frame: int) -> str:
        g = self.frames.geometry
        i, j = self.frames.position(frame)
        rows, cols = g.rows.reads(i), g.cols.reads(j)

        def span(values: tuple[int, ...], word: str) -> str:
            if not values:
                return f"no {word}s (only padding)"
            if len(values) == 1:
                return f"{word} {values[0]}"
            contiguous = values[-1] - values[0] + 1 == len(values)
            return (
                f"{word}s {values[0]}–{values[-1]}" if contiguous else f"{word}s {_list(values, 6)}"
            )

        reads = len(rows) * len(cols)
        return (
            f"Window {frame + 1} of {len(self.frames)} → output ({i}, {j}): reads input {span(rows, 'row')}, "
            f"{span(cols, 'column')} — {num(reads)} of its {_pl(g.rows.kernel * g.cols.kernel, 'tap')} on input cells"
        )

    def static_group(self) -> Group:
        return Group(
            "grid",
            (self.frames.geometry.layer_id,),
            self.title,
            list(self._static),
            kind="window-grid",
        )

    def figure(self, frame: int | None = 0) -> Figure:
        """The whole picture at ``frame`` (None: the grids alone)."""
        groups = [self.static_group()]
        if frame is not None and len(self.frames):
            groups.append(
                Group(
                    "window",
                    (self.frames.geometry.layer_id,),
                    f"frame {frame + 1}",
                    self.frame_items(frame),
                    kind="window-frame",
                )
            )
        return Figure(self.width, self.height, groups, self.style, self.title)


def wrap(text: str, size: float, width: float) -> list[str]:
    """``text`` broken at spaces into lines whose estimated width fits ``width``."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if current and estimate_width(trial, size) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def _runs(offsets: dict[int, float], size: float) -> list[tuple[float, float]]:
    """Contiguous stretches (start, end) of drawn cells along one axis."""
    runs: list[tuple[float, float]] = []
    for pos in sorted(offsets.values()):
        if runs and abs(runs[-1][1] - pos) < 1e-6:
            runs[-1] = (runs[-1][0], pos + size)
        else:
            runs.append((pos, pos + size))
    return runs


def _combine(a: CellKind, b: CellKind) -> CellKind:
    """The kind of the grid cell on row kind ``a`` and column kind ``b``."""
    kinds: tuple[CellKind, ...] = ("outside", "pad", "zero")
    for kind in kinds:
        if kind in (a, b):
            return kind
    return "input"


def _box(
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    stroke: str,
    width: float,
    dashed: bool = False,
    role: str = "box",
) -> Polyline:
    return Polyline(
        ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), stroke, width, dashed=dashed, role=role
    )


def _right(p: Primitive) -> float:
    return float(primitive_bounds(p)[2])

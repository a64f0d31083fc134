"""The per-layer statistics table: one row per layer, a totals row, CSV and Markdown text.

The GUI's table, its charts and its clipboard all read these rows, so the numbers a
user copies are the numbers on screen and the numbers the analysis computed. Each
cell has three forms: ``text`` (what the screen shows, ``55×55×96``, ``34,944``),
``raw`` (what CSV holds: plain integers, no separators) and ``sort_key`` (numbers
sort by value, not as text).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from designer.core.analysis import Analysis, LayerInfo
from designer.core.report import human_bytes, plural
from designer.core.shape_rules import Shape, fmt_shape

ShapeOrder = Literal["hwc", "chw"]
SHAPE_ORDERS: tuple[ShapeOrder, ...] = ("hwc", "chw")
SortKey = float | str

#: Layer types that carry weights (what the charts show by default).
WEIGHTED_TYPES = frozenset({"Conv2d", "ConvTranspose2d", "Linear"})


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    numeric: bool
    tooltip: str


COLUMNS: tuple[Column, ...] = (
    Column("id", "Layer", False, "The layer's id"),
    Column("type", "Type", False, "The layer type"),
    Column("input_shape", "Input", False, "Shape of the input volume(s)"),
    Column("output_shape", "Output", False, "Shape of the output volume"),
    Column("neurons", "Neurons", True, "Elements in the output, per sample"),
    Column("params", "Params", True, "Learned parameters (weights and biases)"),
    Column("buffers", "Buffers", True, "Non-learned state (e.g. batch-norm running statistics)"),
    Column("macs", "MACs", True, "Multiply-accumulate operations, per sample"),
    Column(
        "memory_bytes", "Activations", True, "Memory of the output activations per sample (float32)"
    ),
    Column(
        "receptive_field",
        "Receptive field",
        False,
        "Input pixels one output position sees (height × width)",
    ),
    Column("status", "Status", False, "ok, warning, error, or unknown (downstream of an error)"),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
_STATUS_RANK = {"error": 0, "warning": 1, "unknown": 2, "ok": 3}


def shape_text(shape: Shape | None, order: ShapeOrder, status: str = "ok") -> str:
    """``55×55×96`` (H×W×C) or ``96×55×55`` (C×H×W); ``error`` / ``?`` when there is none."""
    if shape is None:
        return "error" if status == "error" else "?"
    return fmt_shape(shape, order)


@dataclass(frozen=True)
class LayerRow:
    """One row of the table: a layer, or the totals (``is_total``)."""

    id: str
    type: str
    input_shapes: tuple[Shape | None, ...]
    output_shape: Shape | None
    neurons: int
    params: int
    buffers: int
    macs: int
    memory_bytes: int
    receptive_field: tuple[int, int] | None
    status: str
    is_total: bool = False
    status_text: str = ""
    output_shapes: tuple[Shape, ...] = ()  # every output of a Split or Chunk
    #: ``texts`` per shape order, made when first asked for. The row is immutable (a changed
    #: layer is a new row; ``dataclasses.replace`` starts it empty), so it is never stale.
    _texts: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def texts(self, order: ShapeOrder = "hwc") -> tuple[str, ...]:
        """Every column's ``text``, in ``COLUMNS`` order (the table paints them: made once)."""
        got = self._texts.get(order)
        if got is None:
            got = self._texts[order] = tuple(self.text(key, order) for key in COLUMN_KEYS)
        return got

    def text(self, key: str, order: ShapeOrder = "hwc") -> str:
        """What the screen shows in column ``key``."""
        if key in ("neurons", "params", "buffers", "macs"):
            return f"{getattr(self, key):,}"
        if key == "memory_bytes":
            return human_bytes(self.memory_bytes)
        return self._plain(key, order)

    def raw(self, key: str, order: ShapeOrder = "hwc") -> str:
        """What CSV holds in column ``key``: integers without separators."""
        if key in ("neurons", "params", "buffers", "macs", "memory_bytes"):
            return str(getattr(self, key))
        return self._plain(key, order)

    def sort_key(self, key: str) -> SortKey:
        """Numbers for numeric columns and shapes (element count), text otherwise."""
        if key in ("neurons", "params", "buffers", "macs", "memory_bytes"):
            return float(getattr(self, key))
        if key == "output_shape":
            return float(math.prod(self.output_shape)) if self.output_shape is not None else -1.0
        if key == "input_shape":
            known = [math.prod(s) for s in self.input_shapes if s is not None]
            return float(sum(known)) if known else -1.0
        if key == "receptive_field":
            return (
                float(self.receptive_field[0] * self.receptive_field[1])
                if self.receptive_field
                else -1.0
            )
        if key == "status":
            return float(_STATUS_RANK.get(self.status, 4))
        return self._plain(key, "hwc").lower()

    def _plain(self, key: str, order: ShapeOrder) -> str:
        if key == "id":
            return self.id
        if key == "type":
            return self.type
        if key == "input_shape":
            if self.is_total:
                return ""
            return " + ".join(shape_text(s, order) for s in self.input_shapes) or "-"
        if key == "output_shape":
            if self.output_shapes:
                return " | ".join(shape_text(s, order) for s in self.output_shapes)
            return "" if self.is_total else shape_text(self.output_shape, order, self.status)
        if key == "receptive_field":
            rf = self.receptive_field
            if rf is None:
                return "" if self.is_total else "-"
            return f"{rf[0]}×{rf[1]}"
        if key == "status":
            return self.status_text or self.status
        raise KeyError(f"no column {key!r}; columns are {', '.join(COLUMN_KEYS)}")


def layer_row(info: LayerInfo) -> LayerRow:
    rf = info.receptive_field
    return LayerRow(
        id=info.id,
        type=info.type,
        input_shapes=tuple(info.input_shapes),
        output_shape=info.display_shape,
        neurons=info.neurons,
        params=info.params,
        buffers=info.buffers,
        macs=info.macs,
        memory_bytes=info.memory_bytes,
        receptive_field=rf.size_px if rf is not None else None,
        status=info.status,
        output_shapes=tuple(info.output_shapes),
    )


def info_sort_key(info: LayerInfo, key: str) -> SortKey:
    """``layer_row(info).sort_key(key)`` without making the row: sorting 10,000 layers by a
    column reads each one's key, most of them from rows not computed yet."""
    if key in ("neurons", "params", "buffers", "macs", "memory_bytes"):
        return float(getattr(info, key))
    if key == "output_shape":
        shape = info.display_shape
        return float(math.prod(shape)) if shape is not None else -1.0
    if key == "input_shape":
        known = [math.prod(s) for s in info.input_shapes if s is not None]
        return float(sum(known)) if known else -1.0
    if key == "receptive_field":
        rf = info.receptive_field
        return float(rf.size_px[0] * rf.size_px[1]) if rf is not None else -1.0
    if key == "status":
        return float(_STATUS_RANK.get(info.status, 4))
    if key == "id":
        return info.id.lower()
    if key == "type":
        return info.type.lower()
    raise KeyError(f"no column {key!r}; columns are {', '.join(COLUMN_KEYS)}")


def layer_rows(analysis: Analysis) -> list[LayerRow]:
    """Every layer in design order."""
    return [layer_row(analysis.info[lid]) for lid in analysis.design.ids if lid in analysis.info]


def totals_row(analysis: Analysis) -> LayerRow:
    """Sums over the design (neurons and memory exclude the Input, as ``Totals`` does)."""
    t = analysis.totals()
    parts = [
        f"{n} {word}{'s' if n != 1 else ''}"
        for n, word in ((t.errors, "error"), (t.warnings, "warning"))
        if n
    ]
    status = "error" if t.errors else "warning" if t.warnings else "ok"
    return LayerRow(
        id="Total",
        type=plural(len(analysis.design), "layer"),
        input_shapes=(),
        output_shape=None,
        neurons=t.neurons,
        params=t.params,
        buffers=t.buffers,
        macs=t.macs,
        memory_bytes=t.memory_bytes,
        receptive_field=None,
        status=status,
        is_total=True,
        status_text=", ".join(parts) if parts else "ok",
    )


def rows_csv(
    rows: Iterable[LayerRow], order: ShapeOrder = "hwc", keys: Sequence[str] = COLUMN_KEYS
) -> str:
    """CSV with a header line; numbers as plain integers (activations in bytes)."""
    titles = {c.key: c.title for c in COLUMNS}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([titles[k] + (" (bytes)" if k == "memory_bytes" else "") for k in keys])
    for row in rows:
        writer.writerow([row.raw(k, order) for k in keys])
    return buf.getvalue()


def rows_markdown(
    rows: Iterable[LayerRow], order: ShapeOrder = "hwc", keys: Sequence[str] = COLUMN_KEYS
) -> str:
    """A GitHub Markdown table as shown on screen (numbers right-aligned, totals in bold)."""
    by_key = {c.key: c for c in COLUMNS}
    lines = ["| " + " | ".join(by_key[k].title for k in keys) + " |"]
    lines.append("|" + "|".join("---:" if by_key[k].numeric else "---" for k in keys) + "|")
    for row in rows:
        cells = [row.text(k, order).replace("|", "\\|") for k in keys]
        if row.is_total:
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

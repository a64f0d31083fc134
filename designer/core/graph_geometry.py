"""The layer diagram as a flat figure: one card per layer, arrows between them.

Cards sit where the design's layout puts them (``auto_layout`` fills in layers
without a stored position). Each card shows the layer id, its type with the key
hyper-parameters (``Conv2d 96 · 11×11 /4``) and its output shape as papers write
it. Edges leave a card's output side and enter the next card's input side with an
arrow; an edge whose straight path would cross other cards (a skip connection)
is routed around them.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from designer.core.analysis import Analysis
from designer.core.card_text import key_params_text
from designer.core.design import Layer
from designer.core.figure import (
    ERROR_STROKE,
    INK,
    MUTED_INK,
    Figure,
    FigureStyle,
    Group,
    Point2,
    Polyline,
    Primitive,
    Rect,
    Text,
    category_of,
    color_of,
    estimate_width,
    finish_figure,
    shade,
)
from designer.core.layout import CARD_HEIGHT, CARD_WIDTH, Direction, auto_layout
from designer.core.params import as_pair
from designer.core.registry import CATEGORIES
from designer.core.routing import lane_route, line_break_height
from designer.core.shape_rules import fmt_shape

CardBox = tuple[float, float, float, float]  # x, y, width, height


def _pair_text(value: Any) -> str:
    h, w = as_pair(value)
    return f"{h}×{w}"


def _padding_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    h, w = as_pair(value)
    return str(h) if h == w else f"{h},{w}"


def _numbers_text(value: Any) -> str:
    """``2`` → ``2``; ``1.5`` → ``1.5``; ``[2, 3]`` → ``2,3`` (equal halves once); ``None`` → ``?``."""
    if isinstance(value, list | tuple):
        parts = [_numbers_text(v) for v in value]
        return parts[0] if len(set(parts)) == 1 else ",".join(parts)
    if value is None:
        return "?"
    return f"{value:g}" if isinstance(value, float) else str(value)


def layer_summary(layer: Layer) -> str:
    """The key hyper-parameters in a few characters: ``96 · 11×11 /4``, ``3×3 /2``, ``4096``."""
    p = layer.resolved()
    t = layer.type
    if t in ("Conv2d", "ConvTranspose2d"):
        text = f"{p['out_channels']} · {_pair_text(p['kernel_size'])}"
        stride = as_pair(p["stride"])
        if stride != (1, 1):
            text += f" /{stride[0] if stride[0] == stride[1] else f'{stride[0]},{stride[1]}'}"
        if p.get("padding") not in (0, None):
            text += f" p{_padding_text(p['padding'])}"
        if as_pair(p.get("dilation", 1)) != (1, 1):
            text += f" d{_padding_text(p['dilation'])}"
        if p.get("groups", 1) != 1:
            text += f" g{p['groups']}"
        return text
    if t in ("MaxPool2d", "AvgPool2d"):
        kernel = p["kernel_size"]
        stride = as_pair(p["stride"] if p.get("stride") is not None else kernel)
        text = f"{_pair_text(kernel)} /{stride[0] if stride[0] == stride[1] else f'{stride[0]},{stride[1]}'}"
        if p.get("padding") not in (0, None):
            text += f" p{_padding_text(p['padding'])}"
        return text
    if t in ("AdaptiveAvgPool2d", "AdaptiveMaxPool2d"):
        size = p["output_size"]
        if isinstance(size, list):
            return "→ " + "×".join("·" if v is None else str(v) for v in size)
        return f"→ {size}×{size}"
    if t == "Linear":
        return str(p["out_features"])
    if t in ("Dropout", "Dropout2d"):
        return f"p={p.get('p', 0.5)}"
    if t == "LocalResponseNorm":
        return f"size {p.get('size')}"
    if t == "Upsample":
        if p.get("size") is not None:
            return f"→ {_numbers_text(p['size'])}"
        if p.get("scale_factor") is not None:
            return f"×{_numbers_text(p['scale_factor'])}"
        if len(layer.inputs) == 2:
            return "→ size of input 2"
        return "×?"  # neither is set: the design has an upsample_arguments error
    if t == "ZeroPad2d":
        return f"pad {_numbers_text(p.get('padding'))}"
    if t in _CARD_TEXT_TYPES:
        return key_params_text(layer)
    return ""


#: Newer layer types whose figure summary is the canvas card's text (``g4``, ``16+48``, ``→ 2×5``).
_CARD_TEXT_TYPES = frozenset(
    {
        "GroupNorm",
        "ChannelShuffle",
        "LayerNorm",
        "PReLU",
        "ELU",
        "Softplus",
        "StochasticDepth",
        "Split",
        "Chunk",
        "Mean",
        "Reshape",
        "Permute",
        "Transpose",
        "Scale",
        "Unsupported",
    }
)


def card_positions(
    analysis: Analysis, direction: Direction = "LR"
) -> dict[str, tuple[float, float]]:
    """Stored card positions, and automatic ones for layers without a position."""
    design = analysis.design
    stored = design.layout
    missing = [lid for lid in design.ids if lid not in stored]
    if not stored:
        return auto_layout(design, direction)
    positions = {lid: pos for lid, pos in stored.items() if lid in design}
    if missing:
        positions.update(auto_layout(design, direction, only=missing))
    return positions


def _hits(a: Point2, b: Point2, box: CardBox, pad: float = 2.0) -> bool:
    """Does the axis-parallel segment a–b pass through ``box``?"""
    x, y, w, h = box
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    return x0 < x + w - pad and x1 > x + pad and y0 < y + h - pad and y1 > y + pad


class ObstacleIndex:
    """Cards bucketed in a grid (in flow coordinates), so that routing one edge looks only
    at the cards near its path: a whole figure routes in near-linear time, not quadratic.

    ``crosses`` answers what ``any(_hits(...))`` over every card would, and ``top`` what
    ``min(v)`` over the cards spanning a range would, exactly.
    """

    def __init__(self, boxes: dict[str, CardBox], direction: Direction) -> None:
        flip = direction == "TB"
        self.boxes = {
            k: ((y, x, h, w) if flip else (x, y, w, h)) for k, (x, y, w, h) in boxes.items()
        }
        self.cell = (
            max(64.0, *(max(b[2], b[3]) for b in self.boxes.values())) if self.boxes else 64.0
        )
        self.grid: dict[tuple[int, int], list[str]] = {}
        self.columns: dict[int, list[str]] = {}
        self.huge: list[
            str
        ] = []  # cards spanning very many cells (a hand-made layout): always looked at
        for key, (u, v, w, h) in self.boxes.items():
            cu0, cu1 = self._span(u, u + w)
            cv0, cv1 = self._span(v, v + h)
            if (cu1 - cu0 + 1) * (cv1 - cv0 + 1) > 16:
                self.huge.append(key)
                continue
            for cu in range(cu0, cu1 + 1):
                self.columns.setdefault(cu, []).append(key)
                for cv in range(cv0, cv1 + 1):
                    self.grid.setdefault((cu, cv), []).append(key)
        for keys in self.columns.values():
            keys.sort(key=lambda k: self.boxes[k][1])
        self.huge.sort(key=lambda k: self.boxes[k][1])

    def _span(self, lo: float, hi: float) -> tuple[int, int]:
        return int(lo // self.cell), int(hi // self.cell)

    def _near(self, u0: float, u1: float, v0: float, v1: float) -> set[str]:
        cu0, cu1 = self._span(u0, u1)
        cv0, cv1 = self._span(v0, v1)
        found: set[str] = set(self.huge)
        if (cu1 - cu0 + 1) * (cv1 - cv0 + 1) <= len(self.grid):
            for cu in range(cu0, cu1 + 1):
                for cv in range(cv0, cv1 + 1):
                    found.update(self.grid.get((cu, cv), ()))
        else:  # a path longer than the grid is wide: look at the occupied cells instead
            for (cu, cv), keys in self.grid.items():
                if cu0 <= cu <= cu1 and cv0 <= cv <= cv1:
                    found.update(keys)
        return found

    def crosses(self, path: list[Point2], skip: tuple[str, ...]) -> bool:
        for a, b in itertools.pairwise(path):
            u0, u1 = sorted((a[0], b[0]))
            v0, v1 = sorted((a[1], b[1]))
            for key in self._near(u0, u1, v0, v1):
                if key not in skip and _hits(a, b, self.boxes[key]):
                    return True
        return False

    def top(self, lo_u: float, hi_u: float) -> float | None:
        """The smallest ``v`` of the cards that overlap ``lo_u < u < hi_u``."""
        cu0, cu1 = self._span(lo_u, hi_u)
        if cu1 - cu0 + 1 <= len(self.columns):
            columns = [self.columns[cu] for cu in range(cu0, cu1 + 1) if cu in self.columns]
        else:
            columns = [keys for cu, keys in self.columns.items() if cu0 <= cu <= cu1]
        best: float | None = None
        for keys in [*columns, self.huge]:
            for key in keys:
                u, v, w, _ = self.boxes[key]
                if best is not None and v >= best:
                    break
                if u < hi_u and u + w > lo_u:
                    best = v
                    break
        return best


def route_edge(
    src: CardBox,
    dst: CardBox,
    obstacles: list[CardBox] | ObstacleIndex,
    direction: Direction,
    lane: int = 0,
    skip: tuple[str, ...] = (),
) -> tuple[Point2, ...]:
    """Orthogonal path from ``src``'s output side to ``dst``'s input side, around ``obstacles``.

    LR: out of the right edge, into the left edge; TB: out of the bottom, into the top.
    A path that would cross a card goes round above (LR) or right (TB) of everything
    it spans, ``lane`` steps further out so parallel detours stay apart. ``obstacles``
    is a list of cards, or an ``ObstacleIndex`` of every card with the keys of the two
    ends in ``skip``.
    """
    flip = direction == "TB"

    def f(box: CardBox) -> CardBox:  # into flow coordinates: u along the flow, v across it
        x, y, w, h = box
        return (y, x, h, w) if flip else box

    def back(p: Point2) -> Point2:
        return (p[1], p[0]) if flip else p

    index = (
        obstacles
        if isinstance(obstacles, ObstacleIndex)
        else ObstacleIndex(dict(enumerate_boxes(obstacles)), direction)
    )
    (su, sv, sw, sh), (du, dv, _dw, dh) = f(src), f(dst)
    start = (su + sw, sv + sh / 2)
    end = (du, dv + dh / 2)
    if end[0] > start[0] + 8:
        mid = end[0] - min(18.0, (end[0] - start[0]) / 2)
        path = (
            [start, (mid, start[1]), (mid, end[1]), end]
            if abs(start[1] - end[1]) > 0.5
            else [start, end]
        )
        if not index.crosses(path, skip):
            return tuple(back(p) for p in path)
    elif not flip and dv > sv + sh:
        # Into a later band of a wrapped layout: a line break through the gap between the
        # bands (the same route the canvas draws).
        a = (start[0] + 10.0, start[1])
        b = (end[0] - 10.0, end[1])
        passed = index._near(b[0], a[0], start[1], end[1])
        gap_y = line_break_height(
            start,
            end,
            [
                box
                for k in sorted(passed)
                if (box := index.boxes[k])[0] < a[0] and box[0] + box[2] > b[0]
            ],
        )
        gap = dv - 14.0 - 7.0 * lane if gap_y is None else gap_y
        path = [start, a, (a[0], gap), (b[0], gap), b, end]
        if not index.crosses(path, skip):
            return tuple(back(p) for p in path)
    elif not flip and dv + dh < sv:
        # Into an earlier row (the decoder of a U-Net, read upwards): back left through
        # the gap just above the source's row.
        a = (start[0] + 10.0, start[1])
        b = (end[0] - 10.0, end[1])
        passed = index._near(b[0], a[0], end[1], start[1])
        gap_y = line_break_height(
            (start[0], end[1]),
            (end[0], start[1]),
            [
                f(src),
                f(dst),
                *(
                    box
                    for k in sorted(passed)
                    if (box := index.boxes[k])[0] < a[0] and box[0] + box[2] > b[0]
                ),
            ],
        )
        if gap_y is not None:
            path = [start, a, (a[0], gap_y), (b[0], gap_y), b, end]
            if not index.crosses(path, skip):
                return tuple(back(p) for p in path)
    if end[0] > start[0] + 8:
        # A skip edge: the nearest lane no card blocks (under its block, or its own row).
        cu0, cu1 = index._span(start[0], end[0])
        keys = {k for cu in range(cu0, cu1 + 1) for k in index.columns.get(cu, ())} | set(
            index.huge
        )
        near = [index.boxes[k] for k in sorted(keys) if k not in skip]  # in flow coordinates
        lane_path = lane_route(
            start,
            end,
            near,
            clearance=14.0 + 7.0 * lane,
            stub=min(18.0, (end[0] - start[0]) / 2 - 1.0),
        )
        if lane_path is not None:
            return tuple(back(p) for p in lane_path)
    # Detour: leave, go round the side of everything between the two cards, come back.
    lo_u, hi_u = min(start[0], end[0]), max(start[0], end[0])
    side = (
        min(v for v in (index.top(lo_u, hi_u), f(src)[1], f(dst)[1]) if v is not None)
        - 14.0
        - 7.0 * lane
    )
    a = (start[0] + 10.0, start[1])
    b = (end[0] - 10.0, end[1])
    path = [start, a, (a[0], side), (b[0], side), b, end]
    return tuple(back(p) for p in path)


def enumerate_boxes(boxes: list[CardBox]) -> list[tuple[str, CardBox]]:
    return [(str(n), box) for n, box in enumerate(boxes)]


def cards_extent(
    positions: dict[str, tuple[float, float]], style: FigureStyle | None = None
) -> tuple[float, float]:
    """The smallest width and height the figure of cards at ``positions`` can have.

    Known before any edge is routed or text placed: the PNG exporter refuses an image
    that would be too large from this, without building the figure first.
    """
    margin = (style or FigureStyle()).margin
    if not positions:
        return 2 * margin, 2 * margin
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    return max(xs) - min(xs) + CARD_WIDTH + 2 * margin, max(ys) - min(ys) + CARD_HEIGHT + 2 * margin


def build_graph_figure(
    analysis: Analysis,
    style: FigureStyle | None = None,
    direction: Direction = "LR",
    title: str = "",
    positions: dict[str, tuple[float, float]] | None = None,
) -> Figure:
    """Cards and edges for every layer of the analysed design (at ``positions``, if given:
    what ``card_positions`` returns)."""
    st = style or FigureStyle()
    design = analysis.design
    if positions is None:
        positions = card_positions(analysis, direction)
    boxes: dict[str, CardBox] = {
        lid: (x, y, CARD_WIDTH, CARD_HEIGHT) for lid, (x, y) in positions.items()
    }
    index = ObstacleIndex(boxes, direction)
    groups: list[Group] = []
    detours = 0
    for layer in design:
        lid = layer.id
        if lid not in boxes:
            continue
        x, y, w, h = boxes[lid]
        info = analysis.info.get(lid)
        status = info.status if info else "unknown"
        shape = info.display_shape if info else None
        color = color_of(layer.type)
        items: list[Primitive] = []
        # Edges into this card come first so the card covers their ends neatly.
        for inp in layer.sources:
            if inp not in boxes:
                continue
            path = route_edge(boxes[inp], boxes[lid], index, direction, detours % 3, (lid, inp))
            if len(path) > 4:
                detours += 1
            items.append(Polyline(path, MUTED_INK, st.line_width * 1.3, True, 7.0, False, "edge"))
        summary = layer_summary(layer)
        dims = fmt_shape(shape, st.dims) if status != "error" or shape is not None else "error"
        items.extend(
            card_primitives(
                (x, y, w, h),
                color,
                status,
                (lid, f"{layer.type}  {summary}" if summary else layer.type, dims),
                st,
            )
        )
        groups.append(
            Group(lid, (lid,), f"{lid} ({layer.type}) {fmt_shape(shape, st.dims)}", items)
        )
    categories = [c for c in CATEGORIES if any(category_of(layer.type) == c for layer in design)]
    return finish_figure(groups, st, categories, title)


def card_primitives(
    box: CardBox,
    color: str,
    status: str,
    lines: tuple[str, str, str],
    style: FigureStyle,
) -> list[Primitive]:
    """A card of a graph figure: its body, its header band and its three lines of text
    (name, type line, output shape), as both the every-layer figure and the collapsed one
    draw it. The name is shortened in the middle (``inception4b…0.conv``), the type line at
    its end, so that each fits the card."""
    x, y, w, h = box
    size = style.font_size
    header = size * 2.0
    stroke = ERROR_STROKE if status == "error" else INK
    width = style.line_width * (2.5 if status == "error" else 1.2)
    dashed = status == "unknown"
    items: list[Primitive] = [
        Rect(x, y, w, h, shade(color, 1.82), stroke, width, 6.0, dashed, "card"),
        Rect(x, y, w, header, shade(color, 1.3), stroke, width, 6.0, dashed, "card-header"),
    ]
    if not style.show_labels:
        return items
    name, line, dims = lines
    pad = size * 0.8
    room = w - 2 * pad
    items.append(
        fit_text(Text(x + pad, y + header * 0.68, name, size, "start", True, INK, "name"), room)
    )
    items.append(
        fit_text(
            Text(
                x + pad,
                y + header + size * 1.5,
                line,
                size * 0.92,
                "start",
                False,
                MUTED_INK,
                "type",
            ),
            room,
            middle=False,
        )
    )
    items.append(
        Text(x + pad, y + header + size * 3.1, dims, size * 1.08, "start", True, stroke, "dims")
    )
    return items


def fit_text(text: Text, width: float, middle: bool = True) -> Text:
    """Shorten ``text`` with an ellipsis so that it fits ``width``: in the middle
    (``layer3…conv2``, ids stay told apart) or at the end."""
    if estimate_width(text.text, text.size) <= width:
        return text
    if not middle:
        return replace(text, text=text.text[: max(1, int(width / (text.size * 0.6)) - 1)] + "…")
    keep = max(2, int(width / (text.size * 0.6)) - 1)
    head = (keep + 1) // 2
    return replace(text, text=text.text[:head] + "…" + text.text[len(text.text) - (keep - head) :])

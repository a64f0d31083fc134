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
            return f"→ {_padding_text(p['size'])}"
        if p.get("scale_factor") is not None:
            return f"×{_padding_text(p['scale_factor'])}"
        return "→ size of input 2" if len(layer.inputs) == 2 else ""
    if t == "ZeroPad2d":
        return f"pad {_padding_text(p.get('padding'))}"
    if t in _CARD_TEXT_TYPES:
        return key_params_text(layer)
    return ""


#: Newer layer types whose figure summary is the canvas card's text (``g4``, ``16+48``, ``→ 2×5``).
_CARD_TEXT_TYPES = frozenset(
    {
        "GroupNorm", "ChannelShuffle", "LayerNorm", "PReLU", "ELU", "Softplus", "StochasticDepth", "Split",
        "Chunk", "Mean", "Reshape", "Permute", "Transpose", "Scale", "Unsupported",
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


def route_edge(
    src: CardBox, dst: CardBox, obstacles: list[CardBox], direction: Direction, lane: int = 0
) -> tuple[Point2, ...]:
    """Orthogonal path from ``src``'s output side to ``dst``'s input side, around ``obstacles``.

    LR: out of the right edge, into the left edge; TB: out of the bottom, into the top.
    A path that would cross a card goes round above (LR) or right (TB) of everything
    it spans, ``lane`` steps further out so parallel detours stay apart.
    """
    flip = direction == "TB"

    def f(box: CardBox) -> CardBox:  # into flow coordinates: u along the flow, v across it
        x, y, w, h = box
        return (y, x, h, w) if flip else box

    def back(p: Point2) -> Point2:
        return (p[1], p[0]) if flip else p

    (su, sv, sw, sh), (du, dv, _dw, dh) = f(src), f(dst)
    obs = [f(o) for o in obstacles]
    start = (su + sw, sv + sh / 2)
    end = (du, dv + dh / 2)
    if end[0] > start[0] + 8:
        mid = end[0] - min(18.0, (end[0] - start[0]) / 2)
        path = (
            [start, (mid, start[1]), (mid, end[1]), end]
            if abs(start[1] - end[1]) > 0.5
            else [start, end]
        )
        segs = list(itertools.pairwise(path))
        if not any(_hits(a, b, o) for a, b in segs for o in obs):
            return tuple(back(p) for p in path)
    elif not flip and dv > sv + sh:
        # Into a later band of a wrapped layout: a line break through the gap above
        # the target's band (the same route the canvas draws).
        gap = dv - 14.0 - 7.0 * lane
        a = (start[0] + 10.0, start[1])
        b = (end[0] - 10.0, end[1])
        path = [start, a, (a[0], gap), (b[0], gap), b, end]
        if not any(_hits(p, q, o) for p, q in itertools.pairwise(path) for o in obs):
            return tuple(back(p) for p in path)
    # Detour: leave, go round the side of everything between the two cards, come back.
    lo_u, hi_u = min(start[0], end[0]), max(start[0], end[0])
    spanned = [o for o in obs if o[0] < hi_u and o[0] + o[2] > lo_u] + [f(src), f(dst)]
    side = min(o[1] for o in spanned) - 14.0 - 7.0 * lane
    a = (start[0] + 10.0, start[1])
    b = (end[0] - 10.0, end[1])
    path = [start, a, (a[0], side), (b[0], side), b, end]
    return tuple(back(p) for p in path)


def build_graph_figure(
    analysis: Analysis,
    style: FigureStyle | None = None,
    direction: Direction = "LR",
    title: str = "",
) -> Figure:
    """Cards and edges for every layer of the analysed design."""
    st = style or FigureStyle()
    design = analysis.design
    positions = card_positions(analysis, direction)
    boxes: dict[str, CardBox] = {
        lid: (x, y, CARD_WIDTH, CARD_HEIGHT) for lid, (x, y) in positions.items()
    }
    size = st.font_size
    header = size * 2.0
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
        stroke = ERROR_STROKE if status == "error" else INK
        width = st.line_width * (2.5 if status == "error" else 1.2)
        items: list[Primitive] = []
        # Edges into this card come first so the card covers their ends neatly.
        for inp in layer.sources:
            if inp not in boxes:
                continue
            others = [b for k, b in boxes.items() if k not in (lid, inp)]
            path = route_edge(boxes[inp], boxes[lid], others, direction, detours % 3)
            if len(path) > 4:
                detours += 1
            items.append(Polyline(path, MUTED_INK, st.line_width * 1.3, True, 7.0, False, "edge"))
        items.append(
            Rect(x, y, w, h, shade(color, 1.82), stroke, width, 6.0, status == "unknown", "card")
        )
        items.append(
            Rect(
                x,
                y,
                w,
                header,
                shade(color, 1.3),
                stroke,
                width,
                6.0,
                status == "unknown",
                "card-header",
            )
        )
        if st.show_labels:
            pad = size * 0.8
            items.append(
                _fit(
                    Text(x + pad, y + header * 0.68, lid, size, "start", True, INK, "name"),
                    w - 2 * pad,
                )
            )
            summary = layer_summary(layer)
            type_line = f"{layer.type}  {summary}" if summary else layer.type
            items.append(
                _fit(
                    Text(
                        x + pad,
                        y + header + size * 1.5,
                        type_line,
                        size * 0.92,
                        "start",
                        False,
                        MUTED_INK,
                        "type",
                    ),
                    w - 2 * pad,
                )
            )
            dims = fmt_shape(shape, st.dims) if status != "error" or shape is not None else "error"
            items.append(
                Text(
                    x + pad,
                    y + header + size * 3.1,
                    dims,
                    size * 1.08,
                    "start",
                    True,
                    stroke,
                    "dims",
                )
            )
        groups.append(
            Group(lid, (lid,), f"{lid} ({layer.type}) {fmt_shape(shape, st.dims)}", items)
        )
    categories = [c for c in CATEGORIES if any(category_of(layer.type) == c for layer in design)]
    return finish_figure(groups, st, categories, title)


def _fit(text: Text, width: float) -> Text:
    """Shorten ``text`` with an ellipsis so that it fits ``width``."""
    if estimate_width(text.text, text.size) <= width:
        return text
    keep = max(1, int(width / (text.size * 0.6)) - 1)
    return Text(
        text.x,
        text.y,
        text.text[:keep] + "…",
        text.size,
        text.anchor,
        text.bold,
        text.color,
        text.role,
    )

"""A flat 2D figure: the drawing primitives every figure renderer draws, and nothing else.

The block view (``volume_geometry``) and the graph diagram (``graph_geometry``)
compute a ``Figure``; the SVG and PNG exporters walk it and draw each primitive as
given. Coordinates are in figure pixels at scale 1, origin top-left, y pointing
down; text is positioned by its baseline. The colours here are final (shading is
already applied), so renderers make no decisions of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from designer.core.registry import REGISTRY

Point2 = tuple[float, float]
Anchor = Literal["start", "middle", "end"]
DimsOrder = Literal["hwc", "chw"]

#: Fill colour per layer category. Chosen so that each category also has its own
#: grey level (luminance 237 … 72) and the figure still reads when printed in greyscale.
CATEGORY_COLORS: dict[str, str] = {
    "Input": "#EDEDED",
    "Activation": "#C7E9C0",
    "Convolution": "#FDAE61",
    "Normalization": "#DE77AE",
    "Pooling": "#4393C3",
    "Linear & reshape": "#7B5AA6",
    "Merge": "#B2182B",
    "Imported": "#FFFFFF",  # Unsupported ops: drawn blank with the error outline
}
UNKNOWN_COLOR = "#FFFFFF"  # a layer whose shape cannot be known (downstream of an error)
ERROR_STROKE = "#C00000"
INK = "#1A1A1A"  # outlines, arrows and text
MUTED_INK = "#555555"
CHAR_WIDTH = 0.6  # average glyph advance as a fraction of the font size (for layout only)


def category_of(type_id: str) -> str:
    ltype = REGISTRY.get(type_id)
    return ltype.category if ltype is not None else "Linear & reshape"


def color_of(type_id: str) -> str:
    return CATEGORY_COLORS.get(category_of(type_id), UNKNOWN_COLOR)


def luminance(color: str) -> float:
    """Grey level (0–255) of ``#RRGGBB`` under the ITU-R BT.601 weights used by printers."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def shade(color: str, factor: float) -> str:
    """``color`` darkened (factor < 1) or mixed towards white (factor > 1, up to 2)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    if factor <= 1.0:
        vals = [round(c * max(factor, 0.0)) for c in (r, g, b)]
    else:
        t = min(factor - 1.0, 1.0)
        vals = [round(c + (255 - c) * t) for c in (r, g, b)]
    return "#{:02X}{:02X}{:02X}".format(*(min(255, max(0, v)) for v in vals))


@dataclass(frozen=True)
class FigureStyle:
    """How a figure looks: fonts, what is labelled, the legend and the margins."""

    font_family: str = "DejaVu Sans"
    font_size: float = 11.0
    show_labels: bool = True
    dims: DimsOrder = "hwc"
    legend: bool = False
    margin: float = 16.0
    background: str = "#FFFFFF"
    line_width: float = 0.8


@dataclass(frozen=True)
class Polygon:
    points: tuple[Point2, ...]
    fill: str
    stroke: str = INK
    stroke_width: float = 0.8
    dashed: bool = False
    role: str = "face"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str = INK
    stroke_width: float = 1.0
    radius: float = 0.0
    dashed: bool = False
    role: str = "card"


@dataclass(frozen=True)
class Polyline:
    points: tuple[Point2, ...]
    stroke: str = INK
    stroke_width: float = 1.0
    arrow: bool = False  # an arrow head at the last point
    arrow_size: float = 6.0
    dashed: bool = False
    role: str = "edge"


@dataclass(frozen=True)
class Circle:
    center: Point2
    radius: float
    fill: str
    stroke: str = INK
    stroke_width: float = 1.0
    role: str = "merge"


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    anchor: Anchor = "start"
    bold: bool = False
    color: str = INK
    role: str = "label"

    @property
    def width(self) -> float:
        return estimate_width(self.text, self.size)


Primitive = Polygon | Rect | Polyline | Circle | Text


@dataclass
class Group:
    """What one layer contributes (``id`` = its layer id), or the legend (``id`` = "legend").

    ``layer_ids`` lists every layer the group stands for (a volume also stands for the
    activations and normalisations folded into it).
    """

    id: str
    layer_ids: tuple[str, ...] = ()
    title: str = ""
    items: list[Primitive] = field(default_factory=list)
    kind: str = "layer"


@dataclass
class Figure:
    width: float
    height: float
    groups: list[Group]
    style: FigureStyle
    title: str = ""

    def primitives(self) -> Iterator[Primitive]:
        for g in self.groups:
            yield from g.items

    def texts(self) -> list[str]:
        return [p.text for p in self.primitives() if isinstance(p, Text)]

    def group(self, group_id: str) -> Group:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)


def estimate_width(text: str, size: float) -> float:
    """Layout width of ``text`` (renderers measure exactly; this only reserves room)."""
    return len(text) * size * CHAR_WIDTH


def primitive_bounds(p: Primitive) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of one primitive (text by its estimated extent)."""
    if isinstance(p, Polygon | Polyline):
        xs = [q[0] for q in p.points]
        ys = [q[1] for q in p.points]
        pad = p.arrow_size if isinstance(p, Polyline) and p.arrow else 0.0
        return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)
    if isinstance(p, Rect):
        return (p.x, p.y, p.x + p.width, p.y + p.height)
    if isinstance(p, Circle):
        cx, cy = p.center
        return (cx - p.radius, cy - p.radius, cx + p.radius, cy + p.radius)
    w = p.width
    x0 = p.x - (w / 2 if p.anchor == "middle" else w if p.anchor == "end" else 0.0)
    return (x0, p.y - p.size * 0.8, x0 + w, p.y + p.size * 0.25)


def bounds(items: Iterable[Primitive]) -> tuple[float, float, float, float]:
    x0 = y0 = float("inf")
    x1 = y1 = float("-inf")
    for p in items:
        a, b, c, d = primitive_bounds(p)
        x0, y0, x1, y1 = min(x0, a), min(y0, b), max(x1, c), max(y1, d)
    if x0 == float("inf"):
        return (0.0, 0.0, 0.0, 0.0)
    return (x0, y0, x1, y1)


def translate(p: Primitive, dx: float, dy: float) -> Primitive:
    if isinstance(p, Polygon):
        return Polygon(
            tuple((x + dx, y + dy) for x, y in p.points),
            p.fill,
            p.stroke,
            p.stroke_width,
            p.dashed,
            p.role,
        )
    if isinstance(p, Polyline):
        return Polyline(
            tuple((x + dx, y + dy) for x, y in p.points),
            p.stroke,
            p.stroke_width,
            p.arrow,
            p.arrow_size,
            p.dashed,
            p.role,
        )
    if isinstance(p, Rect):
        return Rect(
            p.x + dx,
            p.y + dy,
            p.width,
            p.height,
            p.fill,
            p.stroke,
            p.stroke_width,
            p.radius,
            p.dashed,
            p.role,
        )
    if isinstance(p, Circle):
        return Circle(
            (p.center[0] + dx, p.center[1] + dy), p.radius, p.fill, p.stroke, p.stroke_width, p.role
        )
    return Text(p.x + dx, p.y + dy, p.text, p.size, p.anchor, p.bold, p.color, p.role)


def legend_group(categories: Iterable[str], style: FigureStyle, x: float, y: float) -> Group:
    """A row of colour swatches with the category names, top-left at (x, y)."""
    size = style.font_size
    items: list[Primitive] = []
    cx = x
    for cat in categories:
        color = CATEGORY_COLORS.get(cat, UNKNOWN_COLOR)
        items.append(Rect(cx, y, size, size, color, INK, style.line_width, role="swatch"))
        items.append(Text(cx + size * 1.4, y + size * 0.85, cat, size, role="legend"))
        cx += size * 1.4 + estimate_width(cat, size) + size * 1.6
    return Group("legend", (), "Legend", items, kind="legend")


def finish_figure(
    groups: list[Group], style: FigureStyle, categories: list[str], title: str = ""
) -> Figure:
    """Add the optional legend and the margins, and move everything to start at (margin, margin)."""
    x0, y0, x1, y1 = bounds(p for g in groups for p in g.items)
    if style.legend and categories:
        groups = [*groups, legend_group(categories, style, x0, y1 + style.font_size * 1.5)]
        x0, y0, x1, y1 = bounds(p for g in groups for p in g.items)
    dx, dy = style.margin - x0, style.margin - y0
    for g in groups:
        g.items = [translate(p, dx, dy) for p in g.items]
    return Figure(x1 - x0 + 2 * style.margin, y1 - y0 + 2 * style.margin, groups, style, title)


def arrow_head(points: tuple[Point2, ...], size: float) -> tuple[Point2, Point2, Point2]:
    """The triangle of an arrow head at the last point of a polyline, pointing along its last segment."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    dx, dy = x1 - x0, y1 - y0
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    bx, by = x1 - ux * size, y1 - uy * size
    half = size * 0.45
    return ((x1, y1), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half))

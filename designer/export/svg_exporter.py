"""SVG export: real vectors, text as ``<text>``, one ``<g id="layer-…">`` group per layer."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from designer.core.figure import (
    Circle,
    Figure,
    Polygon,
    Polyline,
    Primitive,
    Rect,
    Text,
    arrow_head,
)
from designer.export.figure_exporter import FigureExporter


def _n(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pts(points: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _dash(dashed: bool, width: float) -> str:
    return f' stroke-dasharray="{_n(width * 4)} {_n(width * 3)}"' if dashed else ""


def _font_family(family: str) -> str:
    fallback = ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"]
    names = [family, *(f for f in fallback if f.lower() != family.lower())]
    return ", ".join(f"'{n}'" if " " in n and n != "sans-serif" else n for n in names)


class SvgExporter(FigureExporter):
    """``SvgExporter(design_or_analysis_or_figure, options).export(path=None) -> bytes``."""

    suffix = ".svg"

    def render(self, figure: Figure) -> bytes:
        st = figure.style
        w, h = figure.width, figure.height
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(w)}" height="{_n(h)}" '
            f'viewBox="0 0 {_n(w)} {_n(h)}" font-family={quoteattr(_font_family(st.font_family))} '
            f'font-size="{_n(st.font_size)}">',
        ]
        if figure.title:
            out.append(f"<title>{escape(figure.title)}</title>")
        if not self.options.transparent:
            out.append(
                f'<rect id="background" x="0" y="0" width="{_n(w)}" height="{_n(h)}" fill="{st.background}"/>'
            )
        for g in figure.groups:
            gid = "legend" if g.kind == "legend" else f"layer-{g.id}"
            attrs = f"id={quoteattr(gid)}"
            if g.kind != "legend":
                attrs += f" data-layers={quoteattr(' '.join(g.layer_ids))}"
            out.append(f"<g {attrs}>")
            if g.title:
                out.append(f"<title>{escape(g.title)}</title>")
            out.extend(_element(p) for p in g.items)
            out.append("</g>")
        out.append("</svg>")
        return ("\n".join(out) + "\n").encode("utf-8")


def _element(p: Primitive) -> str:
    if isinstance(p, Polygon):
        return (
            f'<polygon class="{p.role}" points="{_pts(p.points)}" fill="{p.fill}" stroke="{p.stroke}" '
            f'stroke-width="{_n(p.stroke_width)}" stroke-linejoin="round"{_dash(p.dashed, p.stroke_width)}/>'
        )
    if isinstance(p, Rect):
        r = f' rx="{_n(p.radius)}"' if p.radius else ""
        return (
            f'<rect class="{p.role}" x="{_n(p.x)}" y="{_n(p.y)}" width="{_n(p.width)}" height="{_n(p.height)}"{r} '
            f'fill="{p.fill}" stroke="{p.stroke}" stroke-width="{_n(p.stroke_width)}"{_dash(p.dashed, p.stroke_width)}/>'
        )
    if isinstance(p, Polyline):
        line = (
            f'<polyline class="{p.role}" points="{_pts(p.points)}" fill="none" stroke="{p.stroke}" '
            f'stroke-width="{_n(p.stroke_width)}" stroke-linejoin="round" stroke-linecap="round"'
            f"{_dash(p.dashed, p.stroke_width)}/>"
        )
        if p.arrow and len(p.points) >= 2:
            line += f'<polygon class="arrow" points="{_pts(arrow_head(p.points, p.arrow_size))}" fill="{p.stroke}"/>'
        return line
    if isinstance(p, Circle):
        return (
            f'<circle class="{p.role}" cx="{_n(p.center[0])}" cy="{_n(p.center[1])}" r="{_n(p.radius)}" '
            f'fill="{p.fill}" stroke="{p.stroke}" stroke-width="{_n(p.stroke_width)}"/>'
        )
    assert isinstance(p, Text)
    weight = ' font-weight="bold"' if p.bold else ""
    anchor = f' text-anchor="{p.anchor}"' if p.anchor != "start" else ""
    return (
        f'<text class="{p.role}" x="{_n(p.x)}" y="{_n(p.y)}" font-size="{_n(p.size)}"{anchor}{weight} '
        f'fill="{p.color}">{escape(p.text)}</text>'
    )

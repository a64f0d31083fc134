"""PNG export: the figure painted with QPainter on a QImage, anti-aliased, at any scale.

Works without a window: where no Qt GUI application exists yet (the command line),
an offscreen one is created for the fonts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPainter,
    QPen,
    QPolygonF,
)

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

_app: QGuiApplication | None = None
MAX_PIXELS = 400_000_000  # refuse images that would need more than ~1.6 GB


def ensure_gui_application() -> None:
    """QPainter needs a QGuiApplication for fonts; make an offscreen one if there is none."""
    global _app
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = QGuiApplication([])


class PngExporter(FigureExporter):
    """``PngExporter(design_or_analysis_or_figure, options).export(path=None) -> bytes``."""

    suffix = ".png"

    def image_size(self, figure: Figure) -> tuple[int, int]:
        return self._pixels(figure.width, figure.height)

    def _pixels(self, width: float, height: float) -> tuple[int, int]:
        s = self.options.scale
        return (
            max(1, math.ceil(width * s - 1e-6)),
            max(1, math.ceil(height * s - 1e-6)),
        )

    def check_extent(self, width: float, height: float) -> None:
        """Refuse as soon as the cards are placed: the image would be at least this large."""
        self._check_pixels(*self._pixels(width, height), at_least=True)

    def _check_pixels(self, w: int, h: int, at_least: bool = False) -> None:
        if w * h > MAX_PIXELS:
            what = (
                f"the image would be at least {w}×{h} pixels,"
                if at_least
                else f"a {w}×{h} pixel image is"
            )
            raise ValueError(
                f"{what} too large to render; use a smaller --scale (now {self.options.scale:g})"
            )

    def render_image(self, figure: Figure) -> QImage:
        ensure_gui_application()
        scale = self.options.scale
        if not scale > 0:
            raise ValueError(f"the scale must be a positive number, got {scale!r}")
        w, h = self.image_size(figure)
        self._check_pixels(w, h)
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        dpi = self.options.dpi or 96.0 * scale
        dots_per_metre = round(dpi / 0.0254)
        image.setDotsPerMeterX(dots_per_metre)
        image.setDotsPerMeterY(dots_per_metre)
        image.fill(
            Qt.GlobalColor.transparent
            if self.options.transparent
            else QColor(figure.style.background)
        )
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            painter.scale(scale, scale)
            fonts: dict[tuple[float, bool], QFont] = {}
            for group in figure.groups:
                for p in group.items:
                    _draw(painter, p, figure, scale, fonts)
        finally:
            painter.end()
        return image

    def render(self, figure: Figure) -> bytes:
        image = self.render_image(figure)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
            raise OSError("Qt could not encode the PNG image")
        buffer.close()
        return bytes(data.data())


def paint_primitives(
    painter: QPainter,
    items: Iterable[Primitive],
    figure: Figure,
    scale: float,
    fonts: dict[tuple[float, bool], QFont] | None = None,
) -> None:
    """Draw ``items`` with a painter already scaled by ``scale`` (as ``render_image`` does);
    the Window view paints its frames this way."""
    fonts = {} if fonts is None else fonts
    for p in items:
        _draw(painter, p, figure, scale, fonts)


def _pen(color: str, width: float, dashed: bool = False) -> QPen:
    pen = QPen(QColor(color), width)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def _poly(points: tuple[tuple[float, float], ...]) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in points])


def _draw(
    painter: QPainter,
    p: Primitive,
    figure: Figure,
    scale: float,
    fonts: dict[tuple[float, bool], QFont],
) -> None:
    if isinstance(p, Polygon):
        painter.setPen(_pen(p.stroke, p.stroke_width, p.dashed))
        painter.setBrush(QBrush(QColor(p.fill)))
        painter.drawPolygon(_poly(p.points))
    elif isinstance(p, Rect):
        painter.setPen(_pen(p.stroke, p.stroke_width, p.dashed))
        painter.setBrush(QBrush(QColor(p.fill)))
        painter.drawRoundedRect(QRectF(p.x, p.y, p.width, p.height), p.radius, p.radius)
    elif isinstance(p, Polyline):
        painter.setPen(_pen(p.stroke, p.stroke_width, p.dashed))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolyline(_poly(p.points))
        if p.arrow and len(p.points) >= 2:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor(p.stroke)))
            painter.drawPolygon(_poly(arrow_head(p.points, p.arrow_size)))
    elif isinstance(p, Circle):
        painter.setPen(_pen(p.stroke, p.stroke_width))
        painter.setBrush(QBrush(QColor(p.fill)))
        painter.drawEllipse(QPointF(*p.center), p.radius, p.radius)
    elif isinstance(p, Text):
        key = (p.size, p.bold)
        font = fonts.get(key)
        if font is None:
            font = QFont(figure.style.font_family)
            font.setPixelSize(max(1, round(p.size * scale)))
            font.setBold(p.bold)
            fonts[key] = font
        painter.save()
        try:
            painter.scale(1 / scale, 1 / scale)
            painter.setFont(font)
            painter.setPen(QColor(p.color))
            x = p.x * scale
            if p.anchor != "start":
                advance = QFontMetricsF(font).horizontalAdvance(p.text)
                x -= advance / 2 if p.anchor == "middle" else advance
            painter.drawText(QPointF(x, p.y * scale), p.text)
        finally:
            painter.restore()

"""Colours, fonts, the application palette and the per-category layer icons.

One place decides how the app looks, so the canvas, the palette and the inspector
agree. Category colours are muted enough to keep black text readable and distinct
enough in greyscale to tell categories apart.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

from designer.core.figure import CATEGORY_COLORS as FIGURE_CATEGORY_COLORS
from designer.core.figure import luminance
from designer.core.registry import REGISTRY

# One palette for every view: the canvas, the palette, the 3D view, the exported figures and
# their legend all colour a category the same way. It is defined once, in the core
# (``designer.core.figure.CATEGORY_COLORS``), where the figure renderers need it without Qt.
# One exception: an unsupported imported op is an error to fix, so its card is red (the
# figures draw it blank with the error outline).
CATEGORY_COLORS: dict[str, str] = {**FIGURE_CATEGORY_COLORS, "Imported": "#d43a2f"}

ERROR = QColor("#d43a2f")
WARNING = QColor("#e0a000")
UNKNOWN = QColor("#9aa3ad")
SELECTION = QColor("#2f7de1")
CANVAS_BG = QColor("#f4f6f8")
CANVAS_GRID = QColor("#e3e7ec")
CARD_BG = QColor("#ffffff")
CARD_BORDER = QColor("#c5ccd4")
TEXT = QColor("#1f2933")
TEXT_MUTED = QColor("#66727f")
EDGE = QColor("#7d8894")


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, "#777777"))


def text_on(fill: QColor) -> QColor:
    """Ink that reads on ``fill``: near-black on the light category colours, white on the dark."""
    return QColor(TEXT) if luminance(fill.name()) > 150 else QColor("#ffffff")


def category_ink(category: str) -> QColor:
    """The category's colour dark enough to be text on a light background (palette headings)."""
    color = category_color(category)
    return color.darker(230) if luminance(color.name()) > 150 else color.darker(115)


def type_color(type_id: str) -> QColor:
    ltype = REGISTRY.get(type_id)
    return category_color(ltype.category if ltype else "")


def ui_font(point_size: float | None = None, bold: bool = False) -> QFont:
    font = QFont(QApplication.font()) if QApplication.instance() else QFont()
    if point_size is not None:
        font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def apply_app_style(app: QApplication) -> None:
    """Fusion with a light, calm palette: looks the same offscreen, on X11 and on Wayland."""
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#eef1f4"))
    pal.setColor(QPalette.ColorRole.WindowText, TEXT)
    pal.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor("#f5f7f9"))
    pal.setColor(QPalette.ColorRole.Text, TEXT)
    pal.setColor(QPalette.ColorRole.Button, QColor("#f6f7f9"))
    pal.setColor(QPalette.ColorRole.ButtonText, TEXT)
    pal.setColor(QPalette.ColorRole.Highlight, SELECTION)
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, QColor("#fffef5"))
    pal.setColor(QPalette.ColorRole.ToolTipText, TEXT)
    pal.setColor(QPalette.ColorRole.PlaceholderText, TEXT_MUTED)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, TEXT_MUTED)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, TEXT_MUTED)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, TEXT_MUTED)
    app.setPalette(pal)
    font = app.font()
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
        app.setFont(font)


@cache
def category_icon(category: str, size: int = 32) -> QIcon:
    """A small glyph per category, drawn with QPainter (crisp at any scale)."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = category_color(category)
    if luminance(color.name()) > 170:  # the light fills (Input, Activation) need more ink as glyphs
        color = color.darker(150)
    s = size / 32.0
    p.scale(s, s)
    p.setPen(QPen(color.darker(130), 1.6))
    p.setBrush(color.lighter(150))
    if category == "Input":
        # An image: a framed picture with a mountain.
        p.drawRoundedRect(QRectF(5, 7, 22, 18), 2, 2)
        path = QPainterPath(QPointF(7, 23))
        path.lineTo(14, 14)
        path.lineTo(19, 19)
        path.lineTo(22, 16)
        path.lineTo(25, 23)
        p.setBrush(color.darker(110))
        p.drawPath(path)
    elif category == "Convolution":
        # A kernel grid sliding over a volume.
        p.drawRect(QRectF(4, 10, 18, 18))
        p.setBrush(color)
        p.drawRect(QRectF(14, 4, 14, 14))
        p.setPen(QPen(QColor("white"), 1.2))
        for k in (1, 2):
            p.drawLine(QPointF(14 + k * 14 / 3, 4), QPointF(14 + k * 14 / 3, 18))
            p.drawLine(QPointF(14, 4 + k * 14 / 3), QPointF(28, 4 + k * 14 / 3))
    elif category == "Pooling":
        # A big square funnelled into a small one.
        p.drawRect(QRectF(3, 6, 16, 16))
        p.setBrush(color)
        p.drawRect(QRectF(22, 11, 8, 8))
        p.drawLine(QPointF(19, 6), QPointF(22, 11))
        p.drawLine(QPointF(19, 22), QPointF(22, 19))
    elif category == "Normalization":
        # A bell curve.
        p.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath(QPointF(3, 26))
        path.cubicTo(QPointF(11, 26), QPointF(12, 5), QPointF(16, 5))
        path.cubicTo(QPointF(20, 5), QPointF(21, 26), QPointF(29, 26))
        p.setPen(QPen(color.darker(120), 2.4))
        p.drawPath(path)
    elif category == "Activation":
        # The ReLU hinge.
        p.setPen(_round_pen(color.darker(110), 3.0))
        p.drawLine(QPointF(4, 22), QPointF(16, 22))
        p.drawLine(QPointF(16, 22), QPointF(28, 6))
    elif category == "Linear & reshape":
        # Fully connected: two columns of nodes, all joined.
        p.setPen(QPen(color.darker(110), 1.0))
        left = [QPointF(7, y) for y in (8, 16, 24)]
        right = [QPointF(25, y) for y in (11, 21)]
        for a in left:
            for b in right:
                p.drawLine(a, b)
        p.setPen(QPen(color.darker(130), 1.4))
        for c in (*left, *right):
            p.drawEllipse(c, 3, 3)
    elif category == "Merge":
        # Two arrows joining.
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(_round_pen(color.darker(110), 2.6))
        p.drawLine(QPointF(4, 7), QPointF(16, 16))
        p.drawLine(QPointF(4, 25), QPointF(16, 16))
        p.drawLine(QPointF(16, 16), QPointF(28, 16))
        p.setBrush(color.darker(110))
        p.drawEllipse(QPointF(16, 16), 3.5, 3.5)
    else:
        p.drawEllipse(QRectF(6, 6, 20, 20))
    p.end()
    return QIcon(pix)


def _round_pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


def type_icon(type_id: str) -> QIcon:
    ltype = REGISTRY.get(type_id)
    return category_icon(ltype.category if ltype else "")

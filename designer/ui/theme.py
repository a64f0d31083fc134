"""Colours, fonts, the application palette and the per-category layer icons.

One place decides how the app looks, so the canvas, the palette and the inspector
agree. Category colours are muted enough to keep black text readable and distinct
enough in greyscale to tell categories apart.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
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
SELECTION = QColor("#2f7de1")

#: The surfaces and inks of the two colour schemes. ``set_scheme`` copies one of them into the
#: module's names below (``theme.TEXT``, ``theme.CANVAS_BG``, ...), which views read when they paint.
SCHEMES: dict[str, dict[str, str]] = {
    "light": {
        "WINDOW": "#eef1f4",
        "BASE": "#ffffff",
        "ALT_BASE": "#f5f7f9",
        "BUTTON": "#f6f7f9",
        "TOOLTIP": "#fffef5",
        "TEXT": "#1f2933",
        "TEXT_MUTED": "#66727f",
        "LINK": "#1565c0",
        "CANVAS_BG": "#f4f6f8",
        "CANVAS_GRID": "#e3e7ec",
        "CARD_BG": "#ffffff",
        "CARD_UNKNOWN_BG": "#f7f8fa",
        "CARD_BORDER": "#c5ccd4",
        "EDGE": "#7d8894",
        "UNKNOWN": "#9aa3ad",
        "PLOT_BG": "#ffffff",
        "PLOT_INK": "#3c4650",
        "VOLUME_BG": "#ffffff",
        "VOLUME_INK": "#141414",
        "NOTE_BG": "#fff8e1",
        "NOTE_BORDER": "#ffe082",
        "NOTE_TEXT": "#5d4037",
        "BAD_BG": "#fde7ea",
        "HEAD_BG": "#eceff1",
    },
    "dark": {
        "WINDOW": "#25292f",
        "BASE": "#1c1f24",
        "ALT_BASE": "#262a30",
        "BUTTON": "#2e343c",
        "TOOLTIP": "#2e343c",
        "TEXT": "#e2e6ea",
        "TEXT_MUTED": "#9aa4ae",
        "LINK": "#6cb6ff",
        "CANVAS_BG": "#1e2227",
        "CANVAS_GRID": "#3a414a",
        "CARD_BG": "#2b3038",
        "CARD_UNKNOWN_BG": "#262a30",
        "CARD_BORDER": "#4a535e",
        "EDGE": "#8d98a4",
        "UNKNOWN": "#6c7580",
        "PLOT_BG": "#1c1f24",
        "PLOT_INK": "#c9d1d9",
        "VOLUME_BG": "#1c1f24",
        "VOLUME_INK": "#e6e6e6",
        "NOTE_BG": "#3a3320",
        "NOTE_BORDER": "#8a7330",
        "NOTE_TEXT": "#f0deb0",
        "BAD_BG": "#4a2328",
        "HEAD_BG": "#30363d",
    },
}
APPEARANCES = ("system", "light", "dark")  # the View ▸ Appearance choices

WINDOW = BASE = ALT_BASE = BUTTON = TOOLTIP = TEXT = TEXT_MUTED = LINK = QColor()
CANVAS_BG = CANVAS_GRID = CARD_BG = CARD_UNKNOWN_BG = CARD_BORDER = EDGE = UNKNOWN = QColor()
PLOT_BG = PLOT_INK = VOLUME_BG = VOLUME_INK = NOTE_BG = NOTE_BORDER = NOTE_TEXT = BAD_BG = (
    HEAD_BG
) = QColor()
SCHEME = "light"


def set_scheme(name: str) -> None:
    """Make ``name`` ("light" or "dark") the colours every view paints with."""
    global SCHEME
    SCHEME = name if name in SCHEMES else "light"
    for key, value in SCHEMES[SCHEME].items():
        globals()[key] = QColor(value)


set_scheme("light")


def is_dark() -> bool:
    return SCHEME == "dark"


class ThemeNotifier(QObject):
    """Tells views that keep colours of their own (the 3D view, the charts, rich text) to redo them."""

    changed = Signal(str)  # the scheme now in force


@cache
def notifier() -> ThemeNotifier:
    return ThemeNotifier()


def system_scheme() -> str:
    """The desktop's colour scheme, as Qt 6 reports it ("light" when it does not say)."""
    app = QGuiApplication.instance()
    if app is None:
        return "light"
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def scheme_for(appearance: str) -> str:
    """The scheme an appearance choice means now: "system" follows the desktop."""
    return appearance if appearance in ("light", "dark") else system_scheme()


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, "#777777"))


def text_on(fill: QColor) -> QColor:
    """Ink that reads on ``fill``: near-black on the light category colours, white on the dark."""
    return QColor(SCHEMES["light"]["TEXT"]) if luminance(fill.name()) > 150 else QColor("#ffffff")


def category_ink(category: str) -> QColor:
    """The category's colour dark enough to be text on a light background (palette headings)."""
    color = category_color(category)
    if is_dark():
        return color if luminance(color.name()) > 110 else color.lighter(150)
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


def apply_app_style(app: QApplication, appearance: str = "system") -> None:
    """Fusion with a calm palette, light or dark: looks the same offscreen, on X11 and on Wayland.

    With ``appearance`` "system" the app follows the desktop's colour scheme, also when the
    user switches it while the app runs; "light" and "dark" force one.
    """
    app.setStyle("Fusion")
    app.setProperty("cnn_designer_appearance", appearance)
    _apply_palette(app, scheme_for(appearance))
    if not app.property("cnn_designer_follows_system"):
        app.setProperty("cnn_designer_follows_system", True)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: _follow_system(app))
    font = app.font()
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
        app.setFont(font)


def set_appearance(app: QApplication, appearance: str) -> None:
    """View ▸ Appearance: "system", "light" or "dark", applied at once to every view."""
    app.setProperty("cnn_designer_appearance", appearance)
    _apply_palette(app, scheme_for(appearance))


def _follow_system(app: QApplication) -> None:
    if app.property("cnn_designer_appearance") in (None, "system"):
        _apply_palette(app, system_scheme())


def _apply_palette(app: QApplication, scheme: str) -> None:
    changed = scheme != SCHEME
    set_scheme(scheme)
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, WINDOW)
    pal.setColor(QPalette.ColorRole.WindowText, TEXT)
    pal.setColor(QPalette.ColorRole.Base, BASE)
    pal.setColor(QPalette.ColorRole.AlternateBase, ALT_BASE)
    pal.setColor(QPalette.ColorRole.Text, TEXT)
    pal.setColor(QPalette.ColorRole.Button, BUTTON)
    pal.setColor(QPalette.ColorRole.ButtonText, TEXT)
    pal.setColor(QPalette.ColorRole.Highlight, SELECTION)
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, TOOLTIP)
    pal.setColor(QPalette.ColorRole.ToolTipText, TEXT)
    pal.setColor(QPalette.ColorRole.PlaceholderText, TEXT_MUTED)
    pal.setColor(QPalette.ColorRole.Link, LINK)
    pal.setColor(QPalette.ColorRole.Mid, CARD_BORDER)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, TEXT_MUTED)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, TEXT_MUTED)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, TEXT_MUTED)
    app.setPalette(pal)
    if changed:
        notifier().changed.emit(scheme)


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

"""Render the app icon (resources/icons/cnn-designer.svg) to PNG, ICO and ICNS.

Run after editing the SVG:  python packaging/render_icons.py
PNGs of every size in ``designer.core.resources.ICON_SIZES`` are drawn with QtSvg
(no other tool needed). The Windows ``.ico`` and macOS ``.icns`` that the
PyInstaller spec uses are assembled from those PNGs with Pillow when it is
installed (``pip install pillow``); without it they are skipped with a message.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from designer.core.resources import ICON_NAME, ICON_SIZES  # noqa: E402

ICONS = ROOT / "resources" / "icons"


def render_pngs(svg: Path, out_dir: Path, sizes: tuple[int, ...] = ICON_SIZES) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"{ICON_NAME}-{size}.png"
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"could not write {path}")
        written.append(path)
    return written


def write_ico_icns(out_dir: Path) -> list[Path]:
    try:
        from PIL import Image
    except ImportError:
        print("Pillow is not installed: skipped the .ico and .icns files (pip install pillow)")
        return []
    big = Image.open(out_dir / f"{ICON_NAME}-512.png").convert("RGBA")
    ico = out_dir / f"{ICON_NAME}.ico"
    big.save(ico, sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    icns = out_dir / f"{ICON_NAME}.icns"
    big.save(icns)
    return [ico, icns]


def main() -> int:
    svg = ICONS / f"{ICON_NAME}.svg"
    paths = render_pngs(svg, ICONS) + write_ico_icns(ICONS)
    for p in paths:
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

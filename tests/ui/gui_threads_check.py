"""Run in a subprocess by test_gui_threads.py: the app made as ``cnn-designer`` makes it, a
large antialiased fill painted, then the names of the process's threads printed (Linux)."""

from __future__ import annotations

from pathlib import Path


def main() -> None:
    from PySide6.QtGui import QColor, QImage, QPainter

    from designer.ui.app import create_app

    create_app()
    image = QImage(1500, 940, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(0, 0, 1500, 940, QColor(10, 20, 30, 128))
    painter.drawEllipse(10, 10, 1400, 900)
    painter.end()
    names = sorted({(t / "comm").read_text().strip() for t in Path("/proc/self/task").iterdir()})
    print("\n".join(names))


if __name__ == "__main__":
    main()

"""Starting the application: ``run_app(args)`` for ``cnn-designer [FILE] [--screenshot OUT.png]``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from designer.core.fileformat import FormatError
from designer.ui import theme
from designer.ui.app_settings import APPLICATION, ORGANIZATION
from designer.ui.main_window import APPEARANCE_KEY, MainWindow


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named, styled and with its icon."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QApplication.setDesktopFileName("org.cnndesigner.CNNDesigner")  # packaging/linux/*.desktop
    # Every OpenGL view shares one set of GPU objects. Without this, floating the 3D dock (a new
    # top-level window, a new context) or a second main window draws with shader programs
    # pyqtgraph compiled for the first context: "GLError 1281 glUseProgram", labels only.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    # Qt's raster engine hands every fill taller than about 96 scan lines to a pool of GUI
    # threads and waits for them; for the canvas's cards, edges and the table's cells the
    # hand-offs cost more than the fills (an edit of the grouped 10,000-layer design: 15.3 →
    # 12.4 ms of CPU, docs/performance.md). Qt reads this once, at the pool's first use; any
    # value set beforehand (even "0") keeps the fills on the GUI thread too;
    # CNN_DESIGNER_GUI_THREADS=1 leaves Qt's pool as Qt has it (many free cores, A/B runs).
    if not os.environ.get("CNN_DESIGNER_GUI_THREADS"):
        os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    app = QApplication(argv if argv is not None else sys.argv[:1])
    theme.apply_app_style(app, appearance_setting())
    icon = _app_icon_path()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    return app


def appearance_setting() -> str:
    """View ▸ Appearance as last chosen: "system" (the default), "light" or "dark"."""
    from designer.ui.app_settings import app_settings

    value = app_settings().value(APPEARANCE_KEY, "system")
    return value if value in theme.APPEARANCES else "system"


def _app_icon_path() -> Path | None:
    try:
        from designer.core.resources import icon_path

        path = icon_path()
    except (ImportError, OSError):
        return None
    return path if path.exists() else None


def interesting_layer(window: MainWindow) -> str | None:
    """The layer a screenshot selects: the first with an error, else with a warning, else the
    first convolution, else the first."""
    doc = window.document
    ids = doc.design.ids
    for status in ("error", "warning"):
        for lid in ids:
            info = doc.analysis.info.get(lid)
            if info is not None and info.status == status:
                return lid
    for lid in ids:
        if doc.design.layer(lid).type == "Conv2d":
            return lid
    return ids[0] if ids else None


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size expects WIDTHxHEIGHT, e.g. 1600x1000 (got {text!r})") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise ValueError(f"--size: width and height must be between 200 and 8000 (got {text!r})")
    return w, h


def take_screenshot(window: MainWindow, out: str | Path, size: tuple[int, int]) -> Path:
    """Lay out, select an interesting layer, render the whole window to ``out`` (PNG)."""
    app = QApplication.instance()
    assert app is not None
    window.resize(*size)
    window.show()
    for _ in range(3):
        app.processEvents()
    focus = interesting_layer(window)
    if focus is not None:
        window.document.select([focus])
        if window.document.analysis.info[focus].status in ("error", "warning"):
            window.show_problems()
            first = next(d for d in window.document.analysis.diagnostics() if d.layer == focus)
            window.diagnostics_panel.select_diagnostic(first.code, first.layer)
    window.view.show_readable(focus)
    window.volume_view.fit()
    window.view.minimap.sync()  # (it follows the canvas on a short timer, maybe not run yet)
    for _ in range(3):
        app.processEvents()
    target = Path(out)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    pixmap = window.grab()  # (the 3D view's frame included: it is drawn as an image)
    if not pixmap.save(str(target), "PNG"):
        raise OSError(f"cannot write {target}")
    return target


def run_app(args: argparse.Namespace) -> int:
    if args.screenshot:
        try:
            size = parse_size(args.size)
        except ValueError as exc:
            print(f"cnn-designer: {exc}", file=sys.stderr)
            return 2
        # A screenshot needs no screen: on a Linux machine without a display, render offscreen.
        no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        if sys.platform.startswith("linux") and no_display and "QT_QPA_PLATFORM" not in os.environ:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = create_app()
    window = MainWindow()
    if args.screenshot:
        try:
            if args.file:
                window.document.open(args.file)
            target = take_screenshot(window, args.screenshot, size)
        except FormatError as exc:
            print(f"cnn-designer: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"cnn-designer: {exc}", file=sys.stderr)
            return 2
        finally:
            window.document.undo_stack.setClean()
            window.close()
            window.deleteLater()
        print(f"wrote {target}")
        return 0
    window.show()
    restored = window.offer_recovery()
    if args.file and not restored:
        window.open_file(args.file, ask=False)
    code = app.exec()
    return quit_now(code, window)


def quit_now(code: int, window: MainWindow) -> int:
    """End the process at once after the event loop (Ctrl+Q took 2–3 s, nearly all of it the
    interpreter tearing down Qt, OpenGL and a large design's objects). Everything worth keeping
    is already on disk: the window saved its layout on close; the settings are synced here."""
    window.settings.sync()
    sys.stdout.flush()
    sys.stderr.flush()
    if os.environ.get("CNN_DESIGNER_SLOW_EXIT"):  # to profile or debug the normal teardown
        return code
    os._exit(code)

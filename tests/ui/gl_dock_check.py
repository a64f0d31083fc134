"""Run in a subprocess by test_first_run.py: the 3D dock floated, re-docked, in a second window,
and while building from scratch, on a real (xcb) display.

Prints one JSON line: {"skip": reason} or the measurements the test checks. pyqtgraph reports
drawing errors as RuntimeWarnings on stderr; the test checks stderr too.
"""

from __future__ import annotations

import json
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "xcb"


def frame_stats(view, name: str) -> dict[str, float]:
    """Distinct colours, share of white pixels and of the selection's yellow, in the GL frame."""
    from PySide6.QtGui import QColor

    from designer.ui.volume_view import SELECTED_COLOR

    frame = view.picture.current_frame()  # (what the view shows: rendered offscreen)
    if len(sys.argv) > 1:  # keep the frames to look at them
        frame.save(os.path.join(sys.argv[1], f"{name}.png"))
    pixels = [
        frame.pixel(x, y) for x in range(0, frame.width(), 5) for y in range(0, frame.height(), 5)
    ]
    yellow = QColor(SELECTED_COLOR)
    near_yellow = sum(
        1
        for p in pixels
        if abs(QColor(p).hue() - yellow.hue()) < 12 and QColor(p).saturation() > 120
    )
    white = sum(1 for p in pixels if p == 0xFFFFFFFF)
    return {
        "colours": len(set(pixels)),
        "white": white / len(pixels),
        "yellow": near_yellow / len(pixels),
    }


def drag_turn(app, picture, gl, pixels: int) -> float:
    """Degrees the camera turns for a left-button drag of ``pixels`` to the right on the view
    (``picture``, which hands the mouse to the GL view ``gl``)."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    start = QPointF(picture.width() / 2 - pixels / 2, picture.height() / 2)
    before = gl.opts["azimuth"]

    def send(kind, pos, button, buttons):
        event = QMouseEvent(kind, pos, picture.mapToGlobal(pos), button, buttons, none)
        QApplication.sendEvent(picture, event)

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    send(QEvent.Type.MouseButtonPress, start, left, left)
    for step in range(1, 11):
        send(
            QEvent.Type.MouseMove,
            start + QPointF(pixels * step / 10, 0),
            Qt.MouseButton.NoButton,
            left,
        )
    send(QEvent.Type.MouseButtonRelease, start + QPointF(pixels, 0), left, Qt.MouseButton.NoButton)
    settle(app, 5)
    return abs(gl.opts["azimuth"] - before)


def settle(app, n: int = 30) -> None:
    for _ in range(n):
        app.processEvents()


def main() -> int:
    from designer.ui.app import create_app

    app = create_app()
    from designer.core.resources import templates_dir
    from designer.ui.main_window import MainWindow
    from designer.ui.volume_view import opengl_status

    ok, why = opengl_status()
    if not ok:
        print(json.dumps({"skip": why}))
        return 0
    out: dict[str, object] = {}
    window = MainWindow()
    window.resize(1500, 940)
    window.show()
    settle(app)
    volumes = window.volume_view
    out["empty_hint"] = volumes.empty_hint is not None and volumes.empty_hint.isVisible()
    out["empty_gl_hidden"] = not volumes.picture.isVisible()
    # Building from scratch: the first layer (selected, so yellow) is framed, not looked at from inside.
    doc = window.document
    doc.add_layer("Input", position=(0.0, 0.0))
    doc.select([doc.design.ids[0]])
    settle(app)
    out["first_layer"] = frame_stats(volumes, "first_layer")
    window.add_layer_from_palette("Conv2d")
    settle(app)
    out["second_layer"] = frame_stats(volumes, "second_layer")
    doc.undo_stack.setClean()

    window.open_file(templates_dir() / "alexnet_paper.json", ask=False)
    settle(app)
    out["docked"] = frame_stats(volumes, "docked")
    dock = window.docks["volumes"]
    dock.setFloating(True)
    settle(app)
    out["floating"] = frame_stats(volumes, "floating")
    out["floating_is_window"] = dock.isWindow()
    dock.setFloating(False)
    settle(app)
    out["redocked"] = frame_stats(volumes, "redocked")
    out["orbit_degrees"] = drag_turn(app, volumes.picture, volumes.gl_widget, 150)
    out["window_surface"] = window.windowHandle().surfaceType().name

    second = MainWindow()
    second.resize(1200, 800)
    second.show()
    second.open_file(templates_dir() / "lenet5.json", ask=False)
    settle(app)
    out["second_window"] = frame_stats(second.volume_view, "second_window")
    for w in (second, window):
        w.document.undo_stack.setClean()
        w.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run in a subprocess by test_selection_at_scale.py: clicking a problem of a design longer than
the 3D view shows at once, on a real (xcb) display.

Prints one JSON line: {"skip": reason} or the measurements the test checks.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ["QT_QPA_PLATFORM"] = "xcb"


def chain(n: int):  # type: ignore[no-untyped-def]
    """Input, then Conv → BN → ReLU blocks; ``l250`` (stride 3) has a problem of its own."""
    from designer.core.design import Design, Layer
    from designer.core.layout import auto_layout

    d = Design(f"chain of {n}")
    d.add_layer(Layer("input", "Input", {"shape": [8, 56, 56]}, []))
    prev = "input"
    for k in range(1, n):
        kind = ("Conv2d", "BatchNorm2d", "ReLU")[(k - 1) % 3]
        params = {"out_channels": 8, "kernel_size": 3, "padding": 1} if kind == "Conv2d" else {}
        if k == 250:
            params = {**params, "stride": 3}
        d.add_layer(Layer(f"l{k}", kind, params, [prev]))
        prev = f"l{k}"
    for lid, pos in auto_layout(d).items():
        d.set_position(lid, pos)
    return d


def main() -> int:
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest

    from designer.ui.app import create_app

    app = create_app()
    from designer.ui.main_window import MainWindow
    from designer.ui.volume_view import opengl_status

    ok, why = opengl_status()
    if not ok:
        print(json.dumps({"skip": why}))
        return 0

    def settle() -> None:
        for _ in range(8):
            app.processEvents()
            time.sleep(0.01)
        app.processEvents()

    window = MainWindow()
    window.resize(1500, 940)
    window.show()
    window.load_design(chain(300), None)
    window.show_problems()
    settle()
    volumes, panel, doc = window.volume_view, window.diagnostics_panel, window.document
    picture, canvas = volumes.picture, window.view.viewport()

    class Passes(QObject):
        """Which pass of the event loop (the window's update requests) painted what."""

        def __init__(self) -> None:
            super().__init__()
            self.passes = 0
            self.painted: dict[str, list[int]] = {"picture": [], "canvas": []}

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            kind = event.type()
            if kind == QEvent.Type.UpdateRequest and watched is window:
                self.passes += 1
            elif kind == QEvent.Type.Paint and watched is picture:
                self.painted["picture"].append(self.passes)
            elif kind == QEvent.Type.Paint and watched is canvas:
                self.painted["canvas"].append(self.passes)
            return False

    out: dict[str, object] = {"window_before": list(volumes.shown_window or ())[:1]}
    frames, rebuilds = picture.frames, volumes.rebuild_count
    passes = Passes()
    app.installEventFilter(passes)
    item = panel.item_for("non_integer_output", "l250")
    rect = panel.tree.visualItemRect(item)
    QTest.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    settle()
    app.removeEventFilter(passes)
    out["selection"] = list(doc.selection)
    out["in_window"] = "l250" in (volumes.shown_window or ())
    out["selected_block"] = any("l250" in b.layer_ids for b in volumes.scene.blocks)
    out["frames"] = picture.frames - frames
    out["rebuilds"] = volumes.rebuild_count - rebuilds
    out["painted"] = passes.painted
    out["explained"] = "l250" in panel.explanation_text()
    # Five selections in a row, before the event loop runs (each moves the window): drawn once.
    frames, rebuilds = picture.frames, volumes.rebuild_count
    for lid in ("l20", "l120", "l200", "l290", "l140"):
        doc.select([lid])
    settle()
    out["burst_frames"] = picture.frames - frames
    out["burst_rebuilds"] = volumes.rebuild_count - rebuilds
    out["burst_in_window"] = "l140" in (volumes.shown_window or ())
    out["window_surface"] = window.windowHandle().surfaceType().name
    print(json.dumps(out))
    doc.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

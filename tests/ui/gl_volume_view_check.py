"""Run in a subprocess by test_volume_view.py: the 3D view on a real (xcb) display.

Prints one JSON line: {"skip": reason} or the measurements the test checks.
"""

from __future__ import annotations

import json
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "xcb"


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from designer.core.analysis import Analysis
    from designer.core.fileformat import load_design
    from designer.core.resources import templates_dir
    from designer.ui.volume_view import VolumeView, opengl_status

    ok, why = opengl_status()
    if not ok:
        print(json.dumps({"skip": why}))
        return 0
    design = load_design(templates_dir() / "alexnet_paper.json")
    analysis = Analysis(design)
    view = VolumeView()
    view.resize(1000, 600)
    view.set_analysis(analysis)
    view.show()
    for _ in range(20):
        app.processEvents()
    frame = view.picture.current_frame()  # (what the view shows: rendered offscreen)
    window_surface = view.windowHandle().surfaceType().name
    if len(sys.argv) > 1:  # keep the frame to look at it
        frame.save(sys.argv[1])
    colours = {
        frame.pixel(x, y) for x in range(0, frame.width(), 7) for y in range(0, frame.height(), 7)
    }
    non_white = sum(
        1
        for x in range(0, frame.width(), 4)
        for y in range(0, frame.height(), 4)
        if frame.pixel(x, y) != 0xFFFFFFFF
    )
    # Picking: the projected centre of conv3's box selects conv3.
    block = view.scene.block("conv3")
    pos = view.screen_position(block.center)
    picked = view.block_at(pos)
    clicked: list[str] = []
    view.layer_clicked.connect(clicked.append)
    from PySide6.QtTest import QTest

    QTest.mouseClick(view.picture, Qt.MouseButton.LeftButton, pos=pos.toPoint())  # as a user clicks
    # Live update: an edit changes the scene and the labels.
    before = view.rebuild_count
    design.set_param("conv1", "stride", 2)
    app.processEvents()
    conv1 = view.scene.block("conv1").dims_label
    frames = view.picture.frames
    view.set_selected("relu3")
    view.set_camera(view.camera.__class__(-90.0, 90.0))
    app.processEvents()
    top = view.picture.current_frame()
    # The labels are drawn over the frame by the picture, not by the GL view; a new declutter
    # (the same camera) shows them again without rendering a new frame.
    import pyqtgraph.opengl as gl

    gl_texts = sum(1 for item in view.gl_widget.items if isinstance(item, gl.GLTextItem))
    shown = view.picture.shown_image()
    frames_before_declutter = view.picture.frames
    view.declutter_labels()
    app.processEvents()
    declutter_frames = view.picture.frames - frames_before_declutter
    label = next(
        (
            p
            for (pos, _), kept in zip(view._labels, view._label_shown, strict=True)
            if kept
            for p in [view.screen_position(pos)]
            if p is not None
        ),
        None,
    )
    label_differs = label is not None and any(
        shown.pixel(int(label.x()) + dx, int(label.y()) - dy)
        != top.pixel(int(label.x()) + dx, int(label.y()) - dy)
        for dx in range(0, 20)
        for dy in range(0, 8)
        if 0 <= int(label.x()) + dx < top.width() and 0 <= int(label.y()) - dy < top.height()
    )
    print(
        json.dumps(
            {
                "size": [frame.width(), frame.height()],
                "colours": len(colours),
                "non_white": non_white,
                "picked": picked.id if picked else None,
                "clicked": clicked,
                "rebuilt": view.rebuild_count - before,
                "conv1": conv1,
                "top_differs": top != frame,
                "new_frames": view.picture.frames - frames,
                "window_surface": window_surface,
                "texts": view.label_count,
                "shown": view.shown_labels,
                "visible_texts": len(view.shown_label_texts()),
                "gl_texts": gl_texts,
                "normals_computed": view._mesh.normals is not None,
                "declutter_frames": declutter_frames,
                "label_differs": label_differs,
            }
        )
    )
    view.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

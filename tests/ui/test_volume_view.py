"""The 3D block view: the offscreen fallback in-process, the real GL view under Xvfb in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from designer.core.analysis import Analysis
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.core.volume_geometry import build_volume_scene
from designer.ui.volume_view import SELECTED_COLOR, VolumeView, gl_scene_data

CHECK = Path(__file__).with_name("gl_volume_view_check.py")


def test_scene_arrays_match_the_geometry() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    scene = build_volume_scene(Analysis(design, live=False))
    data = gl_scene_data(scene)
    n_boxes = len(scene.blocks) + len(scene.kernels)
    assert data.faces.shape == (n_boxes * 12, 3) and data.vertexes.shape == (n_boxes * 24, 3)
    assert data.face_colors.shape == (n_boxes * 12, 4)
    assert len(data.lines) % 2 == 0 and len(data.lines) >= n_boxes * 24
    assert (
        (scene.block("conv1").center[0], 0.0, scene.block("conv1").lo[2] - 14.0),
        "55×55×96",
    ) in data.labels
    selected = gl_scene_data(scene, selected="relu1")  # a folded layer highlights its volume
    first = [b.id for b in scene.blocks].index("conv1") * 12
    rgb = tuple(
        round(v * 255) for v in selected.face_colors[first + 8][:3]
    )  # the top face is unshaded
    assert rgb != tuple(round(v * 255) for v in data.face_colors[first + 8][:3])
    assert SELECTED_COLOR.startswith("#")


def _per_box_reference(scene, selected=None):
    """The scene's arrays built one vertex at a time (how ``gl_scene_data`` built them before
    it used whole arrays): the vectorised one must give exactly these."""
    from designer.ui.volume_view import _BOX_FACES, _EDGES, KERNEL_COLOR, _face_rgba

    verts, faces, colors, segs = [], [], [], []

    def add_box(lo, hi, color):
        for normal, sel in _BOX_FACES:
            base = len(verts)
            for cx, cy, cz in sel:
                verts.append(
                    (hi[0] if cx else lo[0], hi[1] if cy else lo[1], hi[2] if cz else lo[2])
                )
            faces.extend([(base, base + 1, base + 2), (base, base + 2, base + 3)])
            colors.extend([_face_rgba(color, normal)] * 2)
        c = [
            (hi[0] if i & 1 else lo[0], hi[1] if i & 2 else lo[1], hi[2] if i & 4 else lo[2])
            for i in range(8)
        ]
        for a, b in _EDGES:
            segs.extend([c[a], c[b]])

    for b in scene.blocks:
        chosen = selected is not None and selected in b.layer_ids
        add_box(b.lo, b.hi, SELECTED_COLOR if chosen else b.color)
    for k in scene.kernels:
        add_box(k.lo, k.hi, KERNEL_COLOR)
        for a, apex in k.projection_lines():
            segs.extend([a, apex])
    for conn in scene.connections:
        for p, q in zip(conn.points, conn.points[1:], strict=False):
            segs.extend([p, q])
    return (
        np.asarray(verts, dtype=np.float32).reshape(-1, 3),
        np.asarray(faces, dtype=np.uint32).reshape(-1, 3),
        np.asarray(colors, dtype=np.float32).reshape(-1, 4),
        np.asarray(segs, dtype=np.float32).reshape(-1, 3),
    )


@pytest.mark.parametrize("name", ["alexnet_paper.json", "resnet18.json", "unet_small.json"])
def test_scene_arrays_equal_a_box_by_box_construction(name) -> None:
    design = load_design(templates_dir() / name)
    scene = build_volume_scene(Analysis(design, live=False))
    assert scene.kernels and scene.connections
    for selected in (None, design.ids[len(design.ids) // 2]):
        data = gl_scene_data(scene, selected)
        expected = _per_box_reference(scene, selected)
        for got, want in zip(
            (data.vertexes, data.faces, data.face_colors, data.lines), expected, strict=True
        ):
            assert got.dtype == want.dtype and np.array_equal(got, want)


def test_without_opengl_the_view_says_so_and_follows_edits(qtbot) -> None:
    design = load_design(templates_dir() / "lenet5.json")
    analysis = Analysis(design)
    view = VolumeView()
    qtbot.addWidget(view)
    assert not view.gl_available  # the test session runs on the offscreen platform
    assert "OpenGL" in view.message.text() and "offscreen" in view.message.text()
    view.set_analysis(analysis)
    view.show()
    view.set_selected(design.ids[1])
    first = view.scene.blocks[1].dims_label if view.scene else None
    conv = next(layer.id for layer in design if layer.type == "Conv2d")
    design.set_param(conv, "padding", 7)
    design.set_param(conv, "padding", 7)
    qtbot.waitUntil(lambda: view.rebuild_count >= 2)  # refreshed once, after the canvas
    assert view.rebuild_count == 2
    assert view.scene is not None
    assert view.scene.block(conv).dims_label != first or first is None
    view.close()  # stops following the analysis
    count = view.rebuild_count
    design.set_param(conv, "padding", 1)
    qtbot.wait(20)
    assert view.rebuild_count == count


@pytest.mark.gl
def test_gl_view_renders_picks_and_updates_under_xvfb() -> None:
    if not os.environ.get("DISPLAY"):
        pytest.skip(
            "no X display: run the suite under xvfb-run (make test does) to test the OpenGL view"
        )
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.run(
        [sys.executable, str(CHECK)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "skip" in result:
        pytest.skip(f"no OpenGL context on this display: {result['skip']}")
    assert result["non_white"] > 500 and result["colours"] > 20  # the frame is not empty
    assert result["picked"] == "conv3" and result["clicked"] == ["conv3"]
    assert result["rebuilt"] >= 1 and result["conv1"] == "109×109×96"
    assert result["top_differs"] and result["texts"] > 10
    assert result["new_frames"] >= 1  # (a frame rendered anew for the new camera and selection)
    # The GL view renders offscreen and the window stays a raster window: a QOpenGLWidget inside
    # it made Qt compose the whole window with OpenGL at every flush (7-15 ms each here).
    assert result["window_surface"] == "RasterSurface"
    # Labels that would overlap on screen are hidden; the rest stay (top view of AlexNet: some of each).
    assert 0 < result["shown"] == result["visible_texts"] <= result["texts"]
    # The labels are drawn by the picture over the frame (pyqtgraph's GLTextItem opened a
    # QPainter on the GL framebuffer per label: 2.5 ms of a 3.9 ms frame under Mesa), so
    # placing them again re-uses the frame.
    assert result["gl_texts"] == 0 and result["label_differs"]
    assert result["declutter_frames"] == 0
    # The faces carry their own shades: no normals are worked out per frame (numpy's cross
    # product over every face, for a shader that does not read them).
    assert not result["normals_computed"]

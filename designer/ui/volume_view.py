"""The interactive 3D block view (pyqtgraph.opengl) of the design's volumes.

It draws the ``VolumeScene`` computed in the core (the same geometry the exported
figure uses): shaded boxes, kernel boxes with their projection lines, connections,
and dimension labels. Rotate with the left mouse button, pan with the middle one
(or Ctrl + left), zoom with the wheel; the preset buttons set the camera; a click
on a box emits ``layer_clicked``. Where no OpenGL context can be created (the
offscreen platform, no driver), the widget says so and nothing else is affected.

The GL view is never put in the window: it renders offscreen, into its own framebuffer, and
``VolumePicture`` (an ordinary widget) shows each frame and hands it the mouse, the wheel
and the keys. A ``QOpenGLWidget`` inside the window makes Qt compose the whole window with
OpenGL at every flush, whatever changed: under Mesa's software renderer (a virtual machine,
a remote desktop) 7-15 ms a flush, so a repaint of the status bar cost 7.8 ms instead of 0.4
and an edit of the grouped 10,000-layer design 60 ms instead of 17.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QOffscreenSurface,
    QOpenGLContext,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QVector4D,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.core.analysis import Analysis
from designer.core.figure import shade
from designer.core.volume_geometry import (
    CAMERA_PRESETS,
    KERNEL_COLOR,
    Block,
    BlockOptions,
    Camera,
    VolumeScene,
    face_shade,
)
from designer.ui import theme
from designer.ui.deferred import DeferredRefresh
from designer.ui.group_views import cached_volume_scene

SELECTED_COLOR = "#E8C100"
EMPTY_HINT = (
    "Your network's volumes appear here in 3D as you add layers: each layer's output as a block, "
    "width × height × channels, like the AlexNet figure. Drag with the mouse to turn them."
)
#: A design longer than this (its blocks expanded) shows as volumes this many layers at a time,
#: around the selected layer: 10,000 volumes are no picture, and building them took the GUI
#: thread a quarter of a second per edit. Collapsed blocks count as one volume each.
MAX_VOLUME_LAYERS = 150
LABEL_MARGIN = (26.0, 18.0)  # room below (sizes) and above (names) the volumes for their labels
MAX_LABELLED_BLOCKS = 24
ORBIT_DEGREES_PER_PIXEL = 0.35  # a 150-pixel drag turns the volumes about 50°  # above this many volumes, only stage changes and the selection get labels
_BOX_FACES = (  # (outward normal, corner selectors) in the same convention as the core
    ((-1.0, 0.0, 0.0), ((0, 0, 0), (0, 1, 0), (0, 1, 1), (0, 0, 1))),
    ((1.0, 0.0, 0.0), ((1, 0, 0), (1, 0, 1), (1, 1, 1), (1, 1, 0))),
    ((0.0, -1.0, 0.0), ((0, 0, 0), (0, 0, 1), (1, 0, 1), (1, 0, 0))),
    ((0.0, 1.0, 0.0), ((0, 1, 0), (1, 1, 0), (1, 1, 1), (0, 1, 1))),
    ((0.0, 0.0, -1.0), ((0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0))),
    ((0.0, 0.0, 1.0), ((0, 0, 1), (0, 1, 1), (1, 1, 1), (1, 0, 1))),
)
_EDGES = (
    (0, 1),
    (1, 3),
    (3, 2),
    (2, 0),
    (4, 5),
    (5, 7),
    (7, 6),
    (6, 4),
    (0, 4),
    (1, 5),
    (2, 6),
    (3, 7),
)


def _rgba(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    return (int(color[1:3], 16) / 255, int(color[3:5], 16) / 255, int(color[5:7], 16) / 255, alpha)


@functools.cache
def _face_rgba(color: str, normal: tuple[float, float, float]) -> tuple[float, float, float, float]:
    return _rgba(shade(color, face_shade(normal)))


@dataclass
class GLSceneData:
    """The scene as arrays for pyqtgraph.opengl: one mesh, one set of line segments, labels."""

    vertexes: np.ndarray  # (n, 3) float32
    faces: np.ndarray  # (m, 3) uint32
    face_colors: np.ndarray  # (m, 4) float32
    lines: np.ndarray  # (2k, 3) float32: segment end points in pairs
    labels: list[tuple[tuple[float, float, float], str]]


def _corners(
    lo: tuple[float, float, float], hi: tuple[float, float, float]
) -> list[tuple[float, float, float]]:
    return [
        (hi[0] if i & 1 else lo[0], hi[1] if i & 2 else lo[1], hi[2] if i & 4 else lo[2])
        for i in range(8)
    ]


#: Each box's 24 vertices (4 per face, faces in ``_BOX_FACES`` order): True where a vertex
#: takes the box's high coordinate on an axis, else its low one.
_FACE_CORNERS = np.array([c for _n, corners in _BOX_FACES for c in corners], dtype=bool)
#: Each box's 12 triangles, as vertex numbers within the box's 24.
_FACE_TRIANGLES = np.array(
    [t for f in range(6) for t in ((4 * f, 4 * f + 1, 4 * f + 2), (4 * f, 4 * f + 2, 4 * f + 3))],
    dtype=np.uint32,
)
#: The 8 corners as in ``_corners`` (bit 0: x, bit 1: y, bit 2: z), and each outline's ends.
_CORNER_BITS = np.array([[bool(i & 1), bool(i & 2), bool(i & 4)] for i in range(8)], dtype=bool)
_EDGE_ENDS = np.array([end for edge in _EDGES for end in edge], dtype=np.intp)


@functools.cache
def _box_face_colors(color: str) -> np.ndarray:
    """A box's 12 triangle colours: each face's shade of ``color``, twice."""
    return np.repeat(
        np.array([_face_rgba(color, normal) for normal, _c in _BOX_FACES], dtype=np.float32),
        2,
        axis=0,
    )


def _boxes(
    los: list[Any], his: list[Any], colors: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vertices (24 a box), triangles (12), triangle colours and outline segments (12 pairs)
    of boxes, in the boxes' order, as arrays (no Python loop per vertex)."""
    n = len(los)
    lo = np.asarray(los, dtype=np.float32).reshape(n, 1, 3)
    hi = np.asarray(his, dtype=np.float32).reshape(n, 1, 3)
    verts = np.where(_FACE_CORNERS, hi, lo).reshape(-1, 3)
    faces = (_FACE_TRIANGLES + (np.arange(n, dtype=np.uint32) * 24)[:, None, None]).reshape(-1, 3)
    face_colors = (
        np.concatenate([_box_face_colors(c) for c in colors])
        if n
        else np.zeros((0, 4), dtype=np.float32)
    )
    corners = np.where(_CORNER_BITS, hi, lo)  # (n, 8, 3)
    segs = corners[:, _EDGE_ENDS, :]  # (n, 24, 3)
    return verts, faces, face_colors, segs


def gl_scene_data(scene: VolumeScene, selected: str | None = None) -> GLSceneData:
    """Triangles with per-face colours, outline and connection segments, and label anchors."""
    labels: list[tuple[tuple[float, float, float], str]] = []
    # A deep network labels only where the volume changes (a new stage) and the selection,
    # so ResNet-50's 100-odd volumes do not bury each other in text.
    every = len(scene.blocks) <= MAX_LABELLED_BLOCKS
    previous: tuple[float, float] | None = None
    los, his, colors = [], [], []
    for b in scene.blocks:
        is_selected = selected is not None and selected in b.layer_ids
        los.append(b.lo)
        his.append(b.hi)
        colors.append(SELECTED_COLOR if is_selected else b.color)
        face = (round(b.size[1], 3), round(b.size[2], 3))  # the drawn height and width
        stage_change = b.kind != "merge" and face != previous
        if every or is_selected or stage_change:
            labels.append(((b.center[0], b.center[1], b.lo[2] - 14.0), b.dims_label))
            labels.append(((b.center[0], b.center[1], b.hi[2] + 6.0), b.name_label))
        if b.kind != "merge":
            previous = face
    kernels = scene.kernels
    los.extend(k.lo for k in kernels)
    his.extend(k.hi for k in kernels)
    colors.extend(KERNEL_COLOR for _k in kernels)
    verts, faces, face_colors, box_segs = _boxes(los, his, colors)
    # Segments in the order the boxes are drawn: the volumes' outlines, then each kernel's
    # outline followed by its projection lines, then the connections.
    nb = len(scene.blocks)
    parts: list[np.ndarray] = [box_segs[:nb].reshape(-1, 3)]
    for n, k in enumerate(kernels):
        parts.append(box_segs[nb + n])
        projection = [p for a, apex in k.projection_lines() for p in (a, apex)]
        if projection:
            parts.append(np.asarray(projection, dtype=np.float32).reshape(-1, 3))
    connections = [
        p
        for conn in scene.connections
        for a, b in zip(conn.points, conn.points[1:], strict=False)
        for p in (a, b)
    ]
    if connections:
        parts.append(np.asarray(connections, dtype=np.float32).reshape(-1, 3))
    return GLSceneData(
        verts.astype(np.float32, copy=False),
        faces.astype(np.uint32, copy=False),
        face_colors.astype(np.float32, copy=False),
        np.concatenate(parts).astype(np.float32, copy=False),
        labels,
    )


def opengl_status() -> tuple[bool, str]:
    """Whether an OpenGL context can be made here, and if not, why (in plain words)."""
    app = QGuiApplication.instance()
    if app is None:
        return False, "no Qt application is running"
    platform = QGuiApplication.platformName()
    if platform in ("offscreen", "minimal", "vnc"):
        return False, f"the '{platform}' display platform has no OpenGL"
    try:
        import OpenGL.GL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
    except Exception as exc:  # an import of a native library can fail in many ways
        return False, f"the OpenGL libraries could not be loaded ({exc})"
    surface = QOffscreenSurface()
    surface.create()
    context = QOpenGLContext()
    try:
        if not context.create():
            return False, "no OpenGL context could be created (no driver?)"
        if not context.makeCurrent(surface):
            return False, "an OpenGL context exists but cannot be used"
        context.doneCurrent()
    finally:
        surface.destroy()
    return True, ""


def fit_distance(
    lo: tuple[float, float, float],
    hi: tuple[float, float, float],
    fov: float,
    aspect: float,
    elevation: float,
    azimuth: float,
) -> float:
    """Camera distance from the box centre at which the box ``lo``–``hi`` and its labels fit.

    Each corner (the box grown by the label room below and above, ``LABEL_MARGIN``) at
    view-space offsets (x right, y up, z towards the eye) from the centre is on screen when
    |x| / (d − z) ≤ tan(fov_h / 2) and |y| / (d − z) ≤ tan(fov_v / 2). pyqtgraph's ``fov`` is
    horizontal: tan(fov_v / 2) = tan(fov_h / 2) / aspect. The largest such d, plus 6 %, frames it.
    """
    el, az = math.radians(elevation), math.radians(azimuth)
    eye = (math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el))
    right = (-math.sin(az), math.cos(az), 0.0)
    up = (
        eye[1] * right[2] - eye[2] * right[1],
        eye[2] * right[0] - eye[0] * right[2],
        eye[0] * right[1] - eye[1] * right[0],
    )
    tan_h = math.tan(math.radians(fov) / 2)
    tan_v = tan_h / max(aspect, 1e-3)
    grown_lo = (lo[0], lo[1], lo[2] - LABEL_MARGIN[0])
    grown_hi = (hi[0], hi[1], hi[2] + LABEL_MARGIN[1])
    centre = tuple((a + b) / 2 for a, b in zip(lo, hi, strict=True))
    need = 1.0
    for corner in _corners(grown_lo, grown_hi):
        rel = tuple(c - m for c, m in zip(corner, centre, strict=True))
        x = abs(sum(r * v for r, v in zip(rel, right, strict=True)))
        y = abs(sum(r * v for r, v in zip(rel, up, strict=True)))
        z = sum(r * v for r, v in zip(rel, eye, strict=True))
        need = max(need, z + x / tan_h, z + y / tan_v)
    return 1.06 * need


class VolumeView(QWidget):
    """``VolumeView(parent=None)``; ``set_analysis(analysis)``, ``set_selected(layer_id | None)``."""

    layer_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, options: BlockOptions | None = None) -> None:
        super().__init__(parent)
        self.options = options or BlockOptions(kernels=True)
        self.analysis: Analysis | None = None
        self.scene: VolumeScene | None = None
        self.selected: str | None = None
        self.collapsed: frozenset[str] = frozenset()  # groups drawn as one volume, as on the canvas
        self._refit = False
        self.camera = CAMERA_PRESETS["paper"]
        self.rebuild_count = 0
        self._window_total = 0
        #: the layers drawn when the design is too long to draw whole (see MAX_VOLUME_LAYERS)
        self.shown_window: tuple[str, ...] | None = None
        self._window_ids: frozenset[str] = frozenset()
        self._order_source: list[str] | None = None  # the analysis's order last read
        self._order: list[str] = []  # its layers still in the design
        self._position: dict[str, int] = {}  # their places in it, when a window is shown
        self._deferred = DeferredRefresh(self, self.rebuild)
        #: the selection's colour on the volumes shown (a new selection inside the window)
        self._recolour = DeferredRefresh(self, self._update_mesh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.window_hint = QLabel()
        self.window_hint.setObjectName("volumes_window_hint")
        self.window_hint.setWordWrap(True)
        self.window_hint.setMargin(4)
        self.window_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.window_hint.hide()
        layout.addWidget(self.window_hint)
        ok, why = opengl_status()
        self.gl_available = ok
        self.gl_widget: Any = None
        self.picture: VolumePicture | None = None  # what shows the GL view's frames
        self.empty_hint: QLabel | None = None
        self._mesh: Any = None
        self._lines: Any = None
        self._labels: list[tuple[tuple[float, float, float], str]] = []
        self._label_shown: list[bool] = []  # which labels declutter_labels keeps
        self.label_count = 0
        self.shown_labels = 0  # labels left after dropping those that would overlap on screen
        self._font = QFont()
        self._font.setPointSize(9)
        if not ok:
            self.message = QLabel(
                f"The 3D view needs OpenGL, which is not available here: {why}.\n"
                "Everything else works; File ▸ Export still writes the block figure."
            )
            self.message.setWordWrap(True)
            self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(self.message)
            return
        self.message = None  # type: ignore[assignment]
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 0)
        self.preset_buttons: dict[str, QToolButton] = {}
        for name in ("front", "isometric", "top", "paper"):
            button = QToolButton()
            button.setText(name.capitalize())
            button.setToolTip(f"Look at the volumes from the {name} preset")
            button.clicked.connect(lambda _=False, n=name: self.set_camera(CAMERA_PRESETS[n]))
            bar.addWidget(button)
            self.preset_buttons[name] = button
        fit_button = QToolButton()
        fit_button.setText("Fit")
        fit_button.setToolTip("Frame all the volumes")
        fit_button.clicked.connect(self.fit)
        bar.addWidget(fit_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.gl_widget = _PickingGLView(self)  # (not in the window: see the module's notes)
        self.picture = VolumePicture(self.gl_widget, self, paint_over=self.paint_labels)
        self.destroyed.connect(self.gl_widget.deleteLater)
        layout.addWidget(self.picture, 1)
        theme.notifier().changed.connect(self.apply_theme)
        self.empty_hint = QLabel(EMPTY_HINT)
        self.empty_hint.setObjectName("volumes_empty_hint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setMargin(16)
        self.empty_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.empty_hint, 1)
        self._fitted_blocks: tuple[str, ...] = ()

    # ------------------------------------------------------------- public API

    def set_analysis(self, analysis: Analysis | None) -> None:
        if self.analysis is not None:
            self.analysis.updated.disconnect(self._on_updated)
        self.analysis = analysis
        if analysis is not None:
            analysis.updated.connect(self._on_updated)
        self.rebuild(fit=True)

    def set_collapsed(self, groups: AbstractSet[str]) -> None:
        """Draw these groups as one volume each (the canvas's collapsed blocks)."""
        if set(groups) != self.collapsed:
            self.collapsed = frozenset(groups)
            self._refit = True
            self._deferred.request()  # after the canvas has repainted

    def set_selected(self, layer_id: str | None) -> None:
        """Show ``layer_id`` selected. The volumes are drawn anew before the window is next
        painted (``DeferredRefresh.request_soon``): in the same pass of the event loop as the
        canvas and the panels that follow the selection, and once however many times the
        selection changed in it; not while the view is hidden (when it is shown again)."""
        if layer_id == self.selected:
            return
        self.selected = layer_id
        if (
            self.shown_window is not None
            and layer_id is not None
            and layer_id not in self._window_ids
        ):
            if self.analysis is not None and self.isVisible():
                # The window moves now (its hint's new text laid out with the other panels'
                # changes); its volumes are made when the picture is next painted.
                self._windowed(self.analysis)
            self._deferred.request_soon()  # the volumes around the newly selected layer
        else:
            self._recolour.request_soon()
        if self.picture is not None and self.isVisible():
            # Painted in the pass that paints the canvas, whatever comes first in it: the
            # posted refresh, or the window's update request (under X a timer of the platform
            # may deliver it first, after a long handler). ``VolumePicture.paintEvent`` then
            # brings the volumes up to date itself.
            self.picture.update()

    def flush_selection(self) -> None:
        """Draw the volumes as the selection asks, now, if that is owed (the picture does it
        before it renders a frame)."""
        self._deferred.flush_soon()
        self._recolour.flush_soon()

    def renamed(self, old: str, new: str) -> None:
        """A layer renamed (the analysis has followed it): the window round the selection and
        the positions it is placed by are re-keyed, not made again from the 10,000 ids of the
        analysis's new order; the volumes are drawn again if the layer is among them."""
        if self.selected == old:
            self.selected = new
        if self.shown_window is not None and old in self._window_ids:
            self.shown_window = tuple(new if i == old else i for i in self.shown_window)
            self._window_ids = frozenset(self.shown_window)
            self._deferred.request()
        analysis, position = self.analysis, self._position
        if analysis is None or self._order_source is None or old not in position:
            return
        order = analysis.order_if_kept
        if order is None:
            return  # worked out again when read: the window is placed afresh then
        at = position[old]
        patched = list(self._order)
        patched[at] = new
        if patched == order:  # (at C speed: the same ids but one, in the same order)
            self._order, self._order_source = patched, order
            position[new] = position.pop(old)

    def set_camera(self, camera: Camera) -> None:
        self.camera = camera
        if self.gl_widget is not None:
            self.gl_widget.setCameraPosition(elevation=camera.elevation, azimuth=camera.azimuth)
            self.declutter_labels()

    def closeEvent(self, event: Any) -> None:
        if self.analysis is not None:
            self.analysis.updated.disconnect(self._on_updated)
            self.analysis = None
        super().closeEvent(event)

    # ------------------------------------------------------------- building

    def _on_updated(self, changed: object) -> None:
        # No volume shows a receptive field: layers whose field alone changed leave the
        # picture as it is (an edit upstream of thousands of layers that keeps every shape).
        if isinstance(changed, (set, frozenset)) and changed and self.analysis is not None:
            changed = self.analysis.beyond_fields(changed)
            if not changed:
                return
        # A long design shows a window of it: an edit that changes none of its layers (and
        # adds or removes none) leaves the picture as it is.
        if (
            self.shown_window is not None
            and isinstance(changed, (set, frozenset))
            and self.analysis is not None
            # (every layer is in the order: its length without working the order out again,
            # which a structural edit of a long design leaves to be done when it is read)
            and len(self.analysis.design) == self._window_total
            and not (changed & self._window_ids)
        ):
            return
        self._deferred.request()

    def _windowed(self, analysis: Analysis) -> Any:
        """The analysis, or a window of ``MAX_VOLUME_LAYERS`` layers of it round the selection
        (the same window while the selection stays inside it) when the design is longer."""
        if analysis.order is not self._order_source:
            # The analysis replaces its order when the structure changes: until then the
            # window is placed without a pass over 10,000 ids per edit.
            self._order_source = analysis.order
            layers = analysis.design.layer_map
            self._order = [lid for lid in analysis.order if lid in layers]
            self._position = {}
        order = self._order
        self._window_total = len(analysis.order)
        if self.collapsed or len(order) <= MAX_VOLUME_LAYERS:
            self.shown_window, self._window_ids = None, frozenset()
            self.window_hint.hide()
            return analysis
        if not self._position:
            self._position = {lid: n for n, lid in enumerate(order)}
        position = self._position
        if self.selected in position:
            focus = position[self.selected]
            start = focus - MAX_VOLUME_LAYERS // 2
            if (
                self.shown_window
                and self.selected in self._window_ids
                and self.shown_window[0] in position
            ):
                start = position[
                    self.shown_window[0]
                ]  # keep the window while the selection is in it
        else:
            start = position.get(self.shown_window[0], 0) if self.shown_window else 0
        start = max(0, min(start, len(order) - MAX_VOLUME_LAYERS))
        self.shown_window = tuple(order[start : start + MAX_VOLUME_LAYERS])
        self._window_ids = frozenset(self.shown_window)
        self.window_hint.setText(
            f"Layers {start + 1:,}–{start + len(self.shown_window):,} of {len(order):,} "
            "(select a layer to see the volumes round it; collapse blocks on the canvas to "
            "see the whole design)"
        )
        self.window_hint.show()
        return _WindowOf(analysis, list(self.shown_window))

    def rebuild(self, fit: bool = False) -> None:
        """Recompute the geometry from the analysis and replace what is drawn."""
        self.rebuild_count += 1
        self._recolour.cancel()  # (the selection's colour is drawn here too)
        fit = fit or self._refit
        self._refit = False
        self.scene = (
            cached_volume_scene(self._windowed(self.analysis), self.collapsed, self.options)
            if self.analysis is not None
            else None
        )
        if self.gl_widget is None:
            return
        import pyqtgraph.opengl as gl

        view = self.gl_widget
        empty = self.scene is None or not self.scene.blocks
        if self.picture is not None:
            self.picture.setVisible(not empty)
        if self.empty_hint is not None:
            self.empty_hint.setVisible(empty)
        layout = self.layout()
        if layout is not None:
            layout.activate()  # the GL view's size (its aspect) is right before a fit below
        if self.scene is None or not self.scene.blocks:
            for item in (self._mesh, self._lines):
                if item is not None:
                    item.setVisible(False)
            self._labels, self._label_shown = [], []
            self.label_count = self.shown_labels = 0
            self._fitted_blocks = ()
            return
        data = gl_scene_data(self.scene, self.selected)
        if self._mesh is None:
            self._mesh = gl.GLMeshItem(
                smooth=False,
                drawEdges=False,
                glOptions="opaque",
                computeNormals=False,  # (the faces carry their shades: see _face_rgba)
            )
            self._lines = gl.GLLinePlotItem(
                mode="lines", color=_ink_rgba(), width=1.0, antialias=True
            )
            view.addItem(self._mesh)
            view.addItem(self._lines)
        self._mesh.setMeshData(
            vertexes=data.vertexes, faces=data.faces, faceColors=data.face_colors
        )
        self._mesh.setVisible(True)
        self._lines.setData(pos=data.lines)
        self._lines.setVisible(True)
        # The labels are drawn by the picture, over each frame (see ``paint_labels``).
        self.label_count = len(data.labels)
        self._labels = list(data.labels)
        self._label_shown = [True] * len(self._labels)
        # A volume added or removed re-frames the camera (the user building from scratch would
        # otherwise look from inside the first block); editing a value keeps the user's camera.
        blocks = tuple(b.id for b in self.scene.blocks)
        if fit or blocks != self._fitted_blocks:
            self.fit()
        else:
            self.declutter_labels()

    def apply_theme(self, _scheme: str = "") -> None:
        """Background, outlines and labels in the colours of the scheme now in force."""
        if self.gl_widget is None:
            return
        self.gl_widget.setBackgroundColor(theme.VOLUME_BG)
        if self._lines is not None:
            self._lines.setData(color=_ink_rgba())
        self.gl_widget.update()

    def _update_mesh(self) -> None:
        if self._mesh is None or self.scene is None:
            return
        data = gl_scene_data(self.scene, self.selected)
        self._mesh.setMeshData(
            vertexes=data.vertexes, faces=data.faces, faceColors=data.face_colors
        )

    def fit(self) -> None:
        """Centre the camera on the volumes and back off until they all fit, labels included,
        from whatever angle the camera looks."""
        if self.gl_widget is None or self.scene is None or not self.scene.blocks:
            return
        from pyqtgraph import Vector

        self._fitted_blocks = tuple(b.id for b in self.scene.blocks)
        self._sync_size()
        lo, hi = self.scene.bounds()
        centre = Vector((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2)
        aspect = max(self.gl_widget.width(), 1) / max(self.gl_widget.height(), 1)
        distance = fit_distance(
            lo, hi, self.gl_widget.opts["fov"], aspect, self.camera.elevation, self.camera.azimuth
        )
        self.gl_widget.setCameraPosition(
            pos=centre,
            distance=distance,
            elevation=self.camera.elevation,
            azimuth=self.camera.azimuth,
        )
        self.declutter_labels()

    def declutter_labels(self) -> int:
        """Hide every label that would overlap one already shown on screen, sizes before names,
        in flow order; return how many are shown. Runs after each rebuild, fit and preset."""
        if self.gl_widget is None:
            return 0
        self._sync_size()
        fm = QFontMetricsF(self._font)
        kept: list[tuple[float, float, float, float]] = []
        order = sorted(range(len(self._labels)), key=lambda n: (n % 2, n))  # dims labels first
        project = self._projector()
        shown = 0
        for n in order:
            pos, text = self._labels[n]
            p = project(pos)
            box = None
            if p is not None:
                w = fm.horizontalAdvance(text) * 1.15  # (a little room between two labels)
                box = (p.x() - 3, p.y() - fm.ascent() - 2, p.x() + w + 3, p.y() + fm.descent() + 2)
            free = box is not None and all(
                box[2] <= a or box[0] >= c or box[3] <= b or box[1] >= d for a, b, c, d in kept
            )
            self._label_shown[n] = free
            if free and box is not None:
                kept.append(box)
                shown += 1
        self.shown_labels = shown
        if self.picture is not None:
            self.picture.labels_changed()  # (the same frame: only the labels over it change)
        return shown

    def shown_label_texts(self) -> list[str]:
        """The labels declutter_labels keeps, in flow order."""
        return [
            text for (_, text), shown in zip(self._labels, self._label_shown, strict=True) if shown
        ]

    def paint_labels(self, painter: QPainter) -> None:
        """Draw the labels kept by ``declutter_labels`` where their points appear in the frame
        shown, each with its baseline's left end on its point, in the scheme's ink.

        Drawn by the picture over the GL frame rather than by the GL view (pyqtgraph's
        ``GLTextItem`` opens a ``QPainter`` on the GL framebuffer for each label: under Mesa's
        software renderer 16 labels took 2.5 ms of a 3.9 ms frame)."""
        project = self._projector()
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setFont(self._font)
        painter.setPen(theme.VOLUME_INK)
        for (pos, text), shown in zip(self._labels, self._label_shown, strict=True):
            p = project(pos) if shown else None
            if p is not None:
                painter.drawText(p, text)

    # ------------------------------------------------------------- picking

    def _sync_size(self) -> None:
        if self.picture is not None:
            self.picture.sync_size()

    def screen_position(self, point: tuple[float, float, float]) -> QPointF | None:
        """Where a world point appears in the GL widget (logical pixels), or None behind the eye."""
        return self._projector()(point)

    def _projector(self) -> Callable[[tuple[float, float, float]], QPointF | None]:
        """``screen_position`` for the camera as it is now (its matrix worked out once)."""
        view = self.gl_widget
        if view is None:
            return lambda _point: None
        w, h = max(view.width(), 1), max(view.height(), 1)
        matrix = view.projectionMatrix((0, 0, w, h), (0, 0, w, h)) * view.viewMatrix()

        def project(point: tuple[float, float, float]) -> QPointF | None:
            clip = matrix.map(QVector4D(point[0], point[1], point[2], 1.0))
            if clip.w() <= 1e-9:
                return None
            return QPointF((clip.x() / clip.w() + 1) / 2 * w, (1 - clip.y() / clip.w()) / 2 * h)

        return project

    def block_at(self, pos: QPointF) -> Block | None:
        """The nearest block whose projected outline contains ``pos``."""
        if self.scene is None or self.gl_widget is None:
            return None
        self._sync_size()
        view = self.gl_widget
        eye = view.cameraPosition()
        project = self._projector()
        best: tuple[float, Block] | None = None
        for b in self.scene.blocks:
            pts = [project(c) for c in _corners(b.lo, b.hi)]
            if any(p is None for p in pts):
                continue
            xs = [p.x() for p in pts if p is not None]
            ys = [p.y() for p in pts if p is not None]
            if not (min(xs) <= pos.x() <= max(xs) and min(ys) <= pos.y() <= max(ys)):
                continue
            dist = math.dist((eye.x(), eye.y(), eye.z()), b.center)
            if best is None or dist < best[0]:
                best = (dist, b)
        return best[1] if best else None

    def _clicked(self, pos: QPointF) -> None:
        block = self.block_at(pos)
        if block is not None:  # a collapsed block's volume selects its first layer (which opens it)
            design = self.analysis.design if self.analysis is not None else None
            inside = design is not None and block.id in design
            self.layer_clicked.emit(
                block.id if inside or not block.layer_ids else block.layer_ids[0]
            )


class VolumePicture(QWidget):
    """What the 3D view shows: the GL view's frames, each rendered offscreen when this widget is
    painted after the view changed, and drawn as an image; the mouse, the wheel and the keys go
    to the GL view (its orbit, pan, zoom and click). An ordinary widget, so the window is
    flushed as any other: see the module's notes."""

    def __init__(
        self,
        gl_view: Any,
        parent: QWidget | None = None,
        paint_over: Callable[[QPainter], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.gl_view = gl_view
        self.paint_over = paint_over  # what is drawn over each frame (the labels)
        self.frame: QImage | None = None
        self.frames = 0  # frames rendered (tests)
        self._shown: QImage | None = None  # the frame with what is drawn over it
        self._stale = True
        self._painting = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(320, 240)

    def frame_changed(self) -> None:
        """The GL view changed: a new frame is rendered when this is next painted (if shown)."""
        self._stale = True
        if not self._painting:
            self.update()

    def labels_changed(self) -> None:
        """What is drawn over the frame changed (not the frame): shown again when painted."""
        self._shown = None
        if not self._painting:
            self.update()

    def sync_size(self) -> None:
        """The GL view renders at this widget's size (its aspect is the camera's)."""
        if self.gl_view.size() != self.size() and not self.size().isEmpty():
            self.gl_view.resize(self.size())
            self._stale = True

    def current_frame(self) -> QImage:
        """The frame as it is shown, rendered now if the view changed since the last one."""
        self.sync_size()
        owner = self.parent()
        if isinstance(owner, VolumeView):
            self._painting = True  # (the GL view's updates as the volumes change: this frame)
            try:
                owner.flush_selection()
            finally:
                self._painting = False
        if self._stale or self.frame is None:
            self._stale = False  # (before rendering: pyqtgraph may ask for an update while it does)
            self.frame = self.gl_view.grabFramebuffer()
            self.frames += 1
            self._shown = None
        return self.frame

    def shown_image(self) -> QImage:
        """The frame with the labels over it, as this widget draws it (made once per frame and
        per change of the labels: a repaint for any other reason only copies it)."""
        frame = self.current_frame()
        if self._shown is None:
            shown = frame.copy()
            if self.paint_over is not None and not shown.isNull():
                painter = QPainter(shown)
                self.paint_over(painter)
                painter.end()
            self._shown = shown
        return self._shown

    def paintEvent(self, event: QPaintEvent) -> None:
        image = self.shown_image()
        painter = QPainter(self)
        if image.isNull():
            painter.fillRect(self.rect(), theme.VOLUME_BG)
        else:
            painter.drawImage(QRectF(self.rect()), image)
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.sync_size()
        super().resizeEvent(event)
        self.gl_view.resizeEvent(event)  # (its own: the labels that now overlap hide)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.gl_view.mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.gl_view.mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.gl_view.mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.gl_view.wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.gl_view.keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        self.gl_view.keyReleaseEvent(event)


class _WindowOf:
    """What ``build_volume_scene`` reads of an analysis, for a window of its layers."""

    def __init__(self, analysis: Analysis, order: list[str]) -> None:
        self.design = analysis.design
        self.info = analysis.info
        self.order = order


def _ink_rgba() -> tuple[float, float, float, float]:
    """The outline colour: the scheme's ink, a little softer than the labels."""
    ink = theme.VOLUME_INK
    soft = 0.8 if not theme.is_dark() else 0.75
    return (ink.redF() * soft, ink.greenF() * soft, ink.blueF() * soft, 1.0)


@functools.cache
def _picking_view_class() -> type:
    import pyqtgraph.opengl as gl

    class PickingGLView(gl.GLViewWidget):  # type: ignore[misc]
        """GLViewWidget that reports a click (press and release without dragging)."""

        def __init__(self, owner: VolumeView) -> None:
            super().__init__(None)  # never shown: ``VolumePicture`` shows its frames
            self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            self._owner = owner
            self._press: QPointF | None = None
            self.setBackgroundColor(theme.VOLUME_BG)
            self.opts["fov"] = 35

        def update(self, *args: Any) -> None:
            # (pyqtgraph asks the view to paint again after any change: the picture does)
            super().update(*args)
            owner = getattr(self, "_owner", None)  # (asked for while it is being made)
            if owner is not None and owner.picture is not None:
                owner.picture.frame_changed()

        def orbit(self, azim: float, elev: float) -> None:
            # pyqtgraph turns 1° per pixel dragged: half a turn for a 150-pixel drag.
            super().orbit(azim * ORBIT_DEGREES_PER_PIXEL, elev * ORBIT_DEGREES_PER_PIXEL)

        def mousePressEvent(self, ev: Any) -> None:
            self._press = ev.position()
            super().mousePressEvent(ev)

        def mouseReleaseEvent(self, ev: Any) -> None:
            pos = ev.position()
            if (
                self._press is not None
                and ev.button() == Qt.MouseButton.LeftButton
                and (pos - self._press).manhattanLength() < 4
            ):
                self._owner._clicked(pos)
            self._press = None
            super().mouseReleaseEvent(ev)
            self._owner.declutter_labels()  # the camera may have moved: labels that now overlap hide

        def wheelEvent(self, ev: Any) -> None:
            super().wheelEvent(ev)
            self._owner.declutter_labels()

        def resizeEvent(self, ev: Any) -> None:
            super().resizeEvent(ev)
            self._owner.declutter_labels()

    return PickingGLView


def _PickingGLView(owner: VolumeView) -> Any:
    return _picking_view_class()(owner)

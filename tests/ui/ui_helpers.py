"""Driving the canvas like a user: real drag-and-drop events and mouse gestures."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.core.design import Design
from designer.ui.canvas import LAYER_MIME, CanvasView
from designer.ui.canvas.scene import DesignScene
from designer.ui.document import Document
from designer.ui.main_window import MainWindow


def drop_layer(view: CanvasView, type_id: str, scene_pos: QPointF) -> bool:
    """Drag a palette entry over the view and drop it at ``scene_pos`` (real Qt drag events)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_id.encode("utf-8"))
    return drop_mime(view, mime, scene_pos)


def drop_mime(view: CanvasView, mime: QMimeData, scene_pos: QPointF) -> bool:
    point: QPoint = view.mapFromScene(scene_pos)
    target = view.viewport()
    actions = Qt.DropAction.CopyAction
    left = Qt.MouseButton.LeftButton
    none = Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, actions, mime, left, none)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    move = QDragMoveEvent(point, actions, mime, left, none)
    QApplication.sendEvent(target, move)
    drop = QDropEvent(QPointF(point), actions, mime, left, none)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def drag_mouse(
    qtbot: object, view: CanvasView, start: QPointF, end: QPointF, steps: int = 6
) -> None:
    """Press at ``start``, move in a few steps, release at ``end`` (scene coordinates)."""
    vp = view.viewport()
    a = view.mapFromScene(start)
    b = view.mapFromScene(end)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)  # type: ignore[attr-defined]
    for n in range(1, steps + 1):
        p = QPoint(a.x() + (b.x() - a.x()) * n // steps, a.y() + (b.y() - a.y()) * n // steps)
        qtbot.mouseMove(vp, pos=p)  # type: ignore[attr-defined]
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)  # type: ignore[attr-defined]


def click_scene(qtbot, window: MainWindow, pos: QPointF, double: bool = False) -> None:
    """Centre the canvas on ``pos`` (scene coordinates) and click (or double-click) there."""
    view = window.view
    view.centerOn(pos)
    point = view.mapFromScene(pos)
    if double:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    else:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def shown_main_window(qtbot, monkeypatch) -> MainWindow:
    """A main window at 1500×940, shown; a question about unsaved changes answers Discard."""
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1500, 940)
    w.show()
    qtbot.waitExposed(w)
    return w


def shown_canvas(qtbot, design: Design) -> tuple[Document, DesignScene, CanvasView]:
    """``design`` in a document, its scene and a 900×600 canvas view of it, shown."""
    doc = Document(design)
    scene = DesignScene(doc)
    view = CanvasView(scene)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return doc, scene, view

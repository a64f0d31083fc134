"""The canvas view: zoom, pan, drops, keyboard navigation and in-place renaming.

The view only reports what happened (a layer type dropped at a scene position, files
dropped); the scene and the document decide what it means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, partial

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPixmap,
    QRegion,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsView,
    QLineEdit,
    QMenu,
    QRubberBand,
    QStyle,
    QStyleHintReturnMask,
    QStyleOptionRubberBand,
    QWidget,
)

from designer.core.design import DesignError
from designer.core.shape_rules import fmt_shape
from designer.ui import theme
from designer.ui.canvas.find_bar import FindBar
from designer.ui.canvas.grouping import GroupCard
from designer.ui.canvas.items import HEADER_HEIGHT, EdgeItem, LayerCard, Port
from designer.ui.canvas.minimap import Minimap
from designer.ui.canvas.scene import DesignScene
from designer.ui.document import Document

LAYER_MIME = "application/x-cnn-designer-layer"
MIN_ZOOM = 0.05
GRID_STEP = 24
MAX_ZOOM = 4.0
#: The smallest zoom at which every card text is at least 8 px on screen (8 pt = 10.7 px at 96 dpi).
READABLE_ZOOM = 0.75


class RenameEditor(QLineEdit):
    """A line edit over a card's header; Enter renames, Escape or leaving cancels."""

    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.cancelled.emit()


def items_rect(items: list[QGraphicsItem]) -> QRectF:
    """The union of the items' ``sceneBoundingRect()``: a layer card's from its position (its
    bounding rectangle is fixed, and its position its scene position), 10,000 Qt calls fewer
    each time a long design is fitted to the view."""
    rect = QRectF()
    xs: list[float] = []
    ys: list[float] = []
    for item in items:
        if isinstance(item, LayerCard):
            xs.append(item.x())
            ys.append(item.y())
        else:
            rect = rect.united(item.sceneBoundingRect())
    if xs:
        box = LayerCard.BOUNDS  # (left, top, width, height) in its own coordinates
        left, top = min(xs) + box[0], min(ys) + box[1]
        right, bottom = max(xs) + box[0] + box[2], max(ys) + box[1] + box[3]
        rect = rect.united(QRectF(left, top, right - left, bottom - top))
    return rect


@dataclass
class Band:
    """A rubber band being swept (``CanvasView`` runs it instead of Qt's: ``canvas/band.py``)."""

    press: QPoint  # where the button went down (viewport coordinates)
    origin: QPointF  # the same point in the scene
    add: bool  # Ctrl held: the band adds to the selection
    rect: QRect | None = None  # on screen; None until the pointer moved past the drag distance


class CanvasView(QGraphicsView):
    layer_dropped = Signal(str, QPointF)  # layer type id, scene position
    files_dropped = Signal(list)  # local file paths
    zoom_changed = Signal(float)
    explain_requested = Signal(str)  # "Why this shape?" on a card: a layer id

    def __init__(self, scene: DesignScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.design_scene = scene
        self.setObjectName("canvas")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(
            QGraphicsView.CacheModeFlag.CacheBackground
        )  # the grid is not redrawn per repaint
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        # Panning is by middle-drag or space-drag; scroll bars only take room.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._pan_from: QPoint | None = None
        self._space = False
        self._rename: RenameEditor | None = None
        self._rename_id: str | None = None
        #: the layer last selected, and whether its card was shown whole before it was revealed
        self._revealed: tuple[str, bool] | None = None
        self._band: Band | None = None
        self.find_bar = FindBar(self)
        self.minimap = Minimap(self)
        self.layer_dropped.connect(scene.handle_drop)
        # What the overview draws changed (a card's colour, a block moved, the selection): the
        # canvas is painted again zoomed out (its cards and edges draw nothing themselves there,
        # and their updates repaint nothing); up close, when layer cards or their edges moved,
        # appeared or were shown (one never drawn there, moved into view, draws nothing
        # itself until the canvas is painted there: ``Overview.detail_version``). Block cards
        # and their edges always draw themselves and repaint where they moved: a split "×N"
        # run repainted the whole canvas for them (2 ms an edit on a collapsed design).
        self._detail_seen = -1
        scene.overview.watch(self, self._overview_changed, self._overview_areas)
        scene.document.selection_changed.connect(self._reveal_current)

    # ------------------------------------------------------------ painting

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        painter.fillRect(rect, theme.CANVAS_BG)
        if self.zoom >= 0.45:
            painter.fillRect(rect, _grid_brush(theme.CANVAS_GRID.name()))

    def paintEvent(self, event: QPaintEvent) -> None:
        # Zoomed out, the cards and edges are drawn in a few batched calls (canvas/overview.py).
        scene = self.design_scene
        scene.overview.set_active(scene.overview.wanted(self.zoom))
        if not scene.overview.active:  # up close: the cards drawn paint themselves, with ports
            scene.prepare_up_close(self.mapToScene(event.rect()).boundingRect())
        super().paintEvent(event)
        band = self._band
        if band is not None and band.rect is not None and not band.rect.isEmpty():
            self._paint_band(band.rect)

    def _paint_band(self, rect: QRect) -> None:
        """The rubber band, drawn by the style as Qt's view draws its own, over everything."""
        viewport = self.viewport()
        painter = QPainter(viewport)
        option = QStyleOptionRubberBand()
        option.initFrom(viewport)
        option.rect = rect
        option.shape = QRubberBand.Shape.Rectangle
        mask = QStyleHintReturnMask()
        style = viewport.style()
        if style.styleHint(QStyle.StyleHint.SH_RubberBand_Mask, option, viewport, mask):
            painter.setClipRegion(mask.region, Qt.ClipOperation.IntersectClip)
        style.drawControl(QStyle.ControlElement.CE_RubberBand, option, painter, viewport)
        painter.end()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        self.design_scene.overview.paint(painter)

    def _overview_changed(self) -> None:
        overview = self.design_scene.overview
        version = overview.detail_version
        if overview.active or version != self._detail_seen:
            self._detail_seen = version
            self.viewport().update()

    def _overview_areas(self, areas: list[QRectF]) -> None:
        """Only the selection changed, in these places (a rubber band's move): zoomed out, the
        overview draws it, and only there is the canvas painted again (up close the items
        repaint themselves)."""
        if not self.design_scene.overview.active:
            return
        viewport = self.viewport()
        for area in areas:
            viewport.update(self.mapFromScene(area).boundingRect().adjusted(-4, -4, 4, 4))

    # ---------------------------------------------------------------- zoom

    @property
    def zoom(self) -> float:
        return float(self.transform().m11())

    def set_zoom(self, factor: float) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        scale = factor / self.zoom
        if abs(scale - 1.0) > 1e-6:
            self.scale(scale, scale)
            self.zoom_changed.emit(self.zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / 1.25)

    def reset_zoom(self) -> None:
        self.set_zoom(1.0)

    def fit_to_view(self) -> None:
        cards = self.design_scene.grouping.visible_items()
        if not cards:
            self.set_zoom(1.0)
            self.centerOn(0, 0)
            return
        rect = items_rect(cards)
        rect.adjust(-30, -30, 30, 30)
        # The view scrolls over the scene's rectangle, which the scene keeps a margin
        # (SCENE_MARGIN) past every card shown; this makes sure it holds what is framed.
        self.design_scene.cover(rect.left(), rect.top(), rect.right(), rect.bottom())
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > 1.1:
            self.set_zoom(1.1)
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom)

    def show_readable(self, focus: str | None = None, min_zoom: float = READABLE_ZOOM) -> None:
        """Fit the design; if that makes cards too small to read, zoom to ``min_zoom`` instead
        and show the start of the flow (keeping ``focus`` in view). A design just opened
        with groups first collapses to the level whose cards fit the window at ``min_zoom``."""
        grouping = self.design_scene.grouping
        if grouping.fresh:
            size = self.viewport().size()
            grouping.fit_level(size.width(), size.height(), min_zoom)
        self.fit_to_view()
        cards = self.design_scene.cards
        shown = self.design_scene.grouping.visible_items()
        if not shown or self.zoom >= min_zoom:
            return
        self.set_zoom(min_zoom)
        rect = items_rect(shown)
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        focus_card = cards.get(focus) if focus else None
        if focus_card is not None and not focus_card.isVisible():
            focus_card = None
        if self.design_scene.direction == "TB":
            x = focus_card.sceneBoundingRect().center().x() if focus_card else rect.center().x()
            y = rect.top() + visible.height() / 2 - 20
        else:
            x = rect.left() + visible.width() / 2 - 20
            top = (
                rect.top() + visible.height() / 2 - 20
            )  # wrapped rows: the first one, where the flow starts
            y = (
                focus_card.sceneBoundingRect().center().y()
                if focus_card
                else min(rect.center().y(), top)
            )
        self.centerOn(x, y)
        if focus_card is not None:
            self.ensureVisible(focus_card, 40, 40)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.minimap.schedule()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if delta == 0:
            super().wheelEvent(event)
            return
        self.set_zoom(self.zoom * math.pow(1.0015, delta))
        event.accept()

    # ----------------------------------------------------------------- pan

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
            self._space and event.button() == Qt.MouseButton.LeftButton
        ):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        scene = self.design_scene
        scene.press_taken = None
        super().mousePressEvent(event)
        if (
            self._band is None
            and scene.press_taken is False
            and self.dragMode() == QGraphicsView.DragMode.RubberBandDrag
            and self.isInteractive()
        ):
            # Qt's view has begun its rubber band (and cleared the selection unless Ctrl is
            # held); the band is swept here, not by Qt (``canvas/band.py``).
            press = event.position().toPoint()
            ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self._band = Band(press, self.mapToScene(press), ctrl)
            scene.band_started()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        if self._band is not None:
            self._sweep(self._band, event)
            return
        super().mouseMoveEvent(event)

    # --------------------------------------------------------- rubber band

    @property
    def banding(self) -> bool:
        """A rubber band is being swept (shown: the pointer moved past the drag distance)."""
        return self._band is not None and self._band.rect is not None

    def rubberBandRect(self) -> QRect:
        band = self._band
        return QRect(band.rect) if band is not None and band.rect is not None else QRect()

    def _sweep(self, band: Band, event: QMouseEvent) -> None:
        """A move of the mouse with the band: as Qt's view moves its own (the same rectangle,
        the same items selected), with the selection worked out from what the move changed
        (``DesignScene.band_select``) and only the changed part of the band repainted."""
        pos = event.position().toPoint()
        if (band.press - pos).manhattanLength() < QApplication.startDragDistance():
            return
        if not event.buttons():  # let go where no release was seen: the band ends
            super().mouseMoveEvent(event)  # (Qt's view ends its own)
            self._end_band()
            return
        old = band.rect
        anchor = self.mapFromScene(band.origin)
        rect = QRect(
            min(anchor.x(), pos.x()),
            min(anchor.y(), pos.y()),
            abs(anchor.x() - pos.x()) + 1,
            abs(anchor.y() - pos.y()) + 1,
        )
        band.rect = rect
        if rect != old:
            self.rubberBandChanged.emit(rect, band.origin, self.mapToScene(pos))
        self._update_band(old, rect)
        area = QPainterPath()
        area.addPolygon(self.mapToScene(rect))
        area.closeSubpath()
        self.design_scene.band_select(area, band.add)

    def _update_band(self, old: QRect | None, new: QRect | None) -> None:
        """Repaint what a move changed of the band: Fusion fills it flat and draws its border
        within 3 pixels of its edge, so the part it gained or lost and the two borders; for
        another style, both bands whole, as Qt does."""
        viewport = self.viewport()
        if self.style().name().lower() != "fusion":
            for rect in (old, new):
                if rect is not None:
                    viewport.update(rect.adjusted(-1, -1, 1, 1))
            return
        region = QRegion(old) if old is not None else QRegion()
        region = region.xored(QRegion(new) if new is not None else QRegion())
        for rect in (old, new):
            if rect is not None:
                ring = QRegion(rect.adjusted(-1, -1, 1, 1))
                inner = rect.adjusted(4, 4, -4, -4)
                region = region.united(ring.subtracted(QRegion(inner)) if inner.isValid() else ring)
        viewport.update(region)

    def _end_band(self) -> None:
        band, self._band = self._band, None
        if band is not None and band.rect is not None:
            self._update_band(band.rect, None)
            self.rubberBandChanged.emit(QRect(), QPointF(), QPointF())
        self.design_scene.band_finished()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(
                Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.ArrowCursor
            )
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self._band is not None and not event.buttons():
            self._end_band()
        self.design_scene.flush_selection()  # (what a rubber band selected)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if isinstance(item, LayerCard):
            local = item.mapFromScene(self.mapToScene(event.position().toPoint()))
            if local.y() <= HEADER_HEIGHT:
                self.start_rename(item.layer_id)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    # ------------------------------------------------------------ keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.navigate(key)
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            if not self.design_scene.cancel_gesture():
                self.design_scene.document.select([])
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def navigate(self, key: int) -> str | None:
        """Arrow keys follow edges: along the flow to a consumer, against it to an input,
        across it to the nearest card on that side."""
        scene = self.design_scene
        doc = scene.document
        current = doc.current
        if current is None or current not in scene.cards:
            first = next(iter(doc.design.ids), None)
            if first is not None:
                doc.select([first])
            return first
        lr = scene.direction == "LR"
        forward = Qt.Key.Key_Right if lr else Qt.Key.Key_Down
        backward = Qt.Key.Key_Left if lr else Qt.Key.Key_Up
        card = scene.cards[current]
        here = card.sceneBoundingRect().center()
        candidates: list[str]
        if key == forward:
            candidates = doc.design.consumers(current)
        elif key == backward:
            candidates = [i for i in doc.design.layer(current).sources if i in scene.cards]
        else:
            sign = -1 if key in (Qt.Key.Key_Up, Qt.Key.Key_Left) else 1
            candidates = []
            for lid, other in scene.cards.items():
                c = other.sceneBoundingRect().center()
                across = (c.y() - here.y()) if lr else (c.x() - here.x())
                if lid != current and across * sign > 1:
                    candidates.append(lid)

        def distance(lid: str) -> float:
            c = scene.cards[lid].sceneBoundingRect().center()
            dx, dy = c.x() - here.x(), c.y() - here.y()
            along, across = (dx, dy) if lr else (dy, dx)
            return (
                abs(across) + 3 * abs(along)
                if key not in (forward, backward)
                else abs(across) + abs(along)
            )

        if not candidates:
            return None
        target = min(candidates, key=distance)
        doc.select([target])
        return target

    def _reveal_current(self, ids: list[str]) -> None:
        if not ids:
            return
        card = self.design_scene.cards.get(ids[-1])
        if card is not None:
            shown = self._shown_whole(card)
            self._revealed = (ids[-1], shown)  # (``center_on_layer`` asks how it was)
            if not shown:
                self.ensureVisible(card, 60, 60)

    def _shown_whole(self, card: QGraphicsItem) -> bool:
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        return card.isVisible() and visible.contains(card.sceneBoundingRect())

    def go_to(self, kind: str, target: str) -> None:
        """Show a layer (expanding the blocks around it) or a group (as one card), select it,
        centre it and zoom in to a readable size if the view is zoomed out further."""
        scene = self.design_scene
        grouping = scene.grouping
        item: QGraphicsItem | None
        if kind == "group":
            grouping.reveal_group(target)
            item = grouping.card_for_group(target)
            scene.document.select([])
            if item is not None:
                scene.clearSelection()
                item.setSelected(True)
        else:
            grouping.reveal(target)
            scene.document.select([target])
            item = scene.cards.get(target)
        if item is None:
            return
        if self.zoom < READABLE_ZOOM:
            self.set_zoom(READABLE_ZOOM)
        self.centerOn(item)

    def center_on_layer(self, layer_id: str) -> None:
        """Bring ``layer_id``'s card to the middle of the view, unless it is shown whole already
        (selected, it is outlined there): the canvas then stays as the user left it and is not
        painted anew. A scroll repaints the whole view: at fit view of a 10,000-layer design
        every card and edge in it, and under X a flush of all of it; and at fit view, where the
        design is shown whole, it only moved the design off centre."""
        card = self.design_scene.cards.get(layer_id)
        if card is None:
            return
        # Selected just before (a problem, a bar of the charts): whether it was shown whole
        # before its selection brought it into view.
        revealed = self._revealed
        before = revealed[1] if revealed is not None and revealed[0] == layer_id else True
        if not (before and self._shown_whole(card)):
            self.centerOn(card)

    # ------------------------------------------------------------- renaming

    def start_rename(self, layer_id: str | None) -> RenameEditor | None:
        if layer_id is None or layer_id not in self.design_scene.cards:
            return None
        self.finish_rename(commit=False)
        card = self.design_scene.cards[layer_id]
        self.ensureVisible(card, 40, 40)
        rect = self.mapFromScene(card.mapToScene(card.header_rect())).boundingRect()
        editor = RenameEditor(self.viewport())
        editor.setObjectName("rename_editor")
        editor.setText(layer_id)
        editor.selectAll()
        # At a small zoom the header is a few pixels high: the editor keeps a readable size,
        # centred on it, instead of clipping the id.
        height = max(rect.height() - 4, editor.sizeHint().height())
        width = max(rect.width() - 4, editor.fontMetrics().horizontalAdvance(layer_id) + 40, 160)
        centre = rect.center()
        editor.setGeometry(centre.x() - width // 2, centre.y() - height // 2, width, height)
        editor.setStyleSheet(
            "QLineEdit { border: 2px solid #2f7de1; border-radius: 4px; padding: 0 4px; }"
        )
        editor.returnPressed.connect(lambda: self.finish_rename(commit=True))
        editor.cancelled.connect(lambda: self.finish_rename(commit=False))
        self._rename, self._rename_id = editor, layer_id
        editor.show()
        editor.setFocus()
        return editor

    def finish_rename(self, commit: bool) -> bool:
        editor, old = self._rename, self._rename_id
        if editor is None or old is None:
            return False
        if commit:
            new = editor.text().strip()
            try:
                self.design_scene.document.rename(old, new)
            except DesignError as exc:
                editor.setToolTip(str(exc))
                editor.setStyleSheet(
                    "QLineEdit { border: 2px solid #d43a2f; border-radius: 4px; padding: 0 4px; }"
                )
                self.design_scene.message.emit(f"Cannot rename {old}: {exc}")
                return False
        self._rename, self._rename_id = None, None
        editor.blockSignals(True)
        editor.hide()
        editor.deleteLater()
        self.setFocus()
        return True

    # ----------------------------------------------------------- drag & drop

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME) or _json_files(mime.urls()):
            event.acceptProposedAction()
            return
        event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME):
            self.design_scene.show_drop_hint(self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
        elif _json_files(mime.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.design_scene.show_drop_hint(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME):
            type_id = bytes(mime.data(LAYER_MIME).data()).decode("utf-8", errors="replace")
            event.acceptProposedAction()
            self.layer_dropped.emit(type_id, self.mapToScene(event.position().toPoint()))
            self.setFocus()
            return
        files = _json_files(mime.urls())
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
            return
        event.ignore()

    # --------------------------------------------------------- context menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        item = self.itemAt(event.pos())
        scene = self.design_scene
        doc = scene.document
        menu = QMenu(self)
        if isinstance(item, Port):
            item = item.card
        if isinstance(item, EdgeItem):
            source, target = item.key
            menu.addAction(
                f"Disconnect {source} → {target}", lambda: doc.disconnect_layers(source, target)
            )
        elif isinstance(item, LayerCard):
            if item.layer_id not in doc.selection or not item.isSelected():
                doc.select([item.layer_id])
                if not item.isSelected():  # the document already had it selected: the scene follows
                    scene.clearSelection()
                    item.setSelected(True)
            lid = item.layer_id
            menu.addAction(_why_text(doc, lid), lambda: self.explain_requested.emit(lid))
            menu.addSeparator()
            menu.addAction("Rename…", lambda: self.start_rename(lid))
            menu.addAction("Cut", lambda: scene.cut_selection(QGuiApplication.clipboard()))
            menu.addAction("Copy", lambda: scene.copy_selection(QGuiApplication.clipboard()))
            menu.addAction("Duplicate", scene.duplicate_selection)
            menu.addAction("Delete", scene.delete_selection)
            menu.addSeparator()
            menu.addAction("Group Selected Layers", lambda: scene.group_selection())
            for gid in reversed(scene.grouping.index.chain(lid)):
                menu.addAction(f"Collapse {gid}", partial(scene.grouping.collapse, gid))
        elif isinstance(item, GroupCard):
            groups = item.group_ids
            menu.addAction("Expand", lambda: scene.grouping.expand(groups))
            if len(groups) == 1:
                menu.addAction(f"Ungroup {groups[0]}", lambda: scene.ungroup(groups[0]))
        else:
            menu.addAction("Tidy up (left to right)", lambda: self._tidy("LR"))
            menu.addAction("Tidy up (top to bottom)", lambda: self._tidy("TB"))
            menu.addAction("Fit to view", self.fit_to_view)
        menu.exec(event.globalPos())

    def _tidy(self, direction: str) -> None:
        self.design_scene.set_direction(direction)
        self.design_scene.document.tidy_up(direction)


def _why_text(document: Document, layer_id: str) -> str:
    """``Why is conv1 55×55×96?`` for the card's menu (plain words when there is no shape)."""
    info = document.analysis.info.get(layer_id)
    if info is None or info.output_shape is None:
        return f"Why has {layer_id} no shape?"
    return f"Why is {layer_id} {fmt_shape(info.output_shape)}?"


@cache
def _grid_brush(color: str) -> QBrush:
    """A dot every GRID_STEP scene units, as a texture (one fill instead of thousands of points)."""
    tile = QPixmap(GRID_STEP, GRID_STEP)
    tile.fill(Qt.GlobalColor.transparent)
    p = QPainter(tile)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color).darker(104))
    p.drawEllipse(QPointF(GRID_STEP / 2, GRID_STEP / 2), 1.1, 1.1)
    p.end()
    return QBrush(tile)


def _json_files(urls: list[QUrl]) -> list[str]:
    out = []
    for url in urls:
        if url.isLocalFile():
            path = url.toLocalFile()
            if path.lower().endswith(".json"):
                out.append(path)
    return out

"""The Window view: the selected layer's kernel sliding over its input, window by window.

Shows the core's ``WindowFigure`` (designer/core/window_figure.py) for the selected
Conv2d, ConvTranspose2d or pooling layer: the padded input grid, the window's taps,
the output cell it produces and the input cells no window reads. A slider, the
arrow keys and Play step through the windows; a click on an output cell jumps to the
window that produces it. The view follows the selection and every edit (it redraws
from the analysis, never computing sizes itself); when the geometry of the shown
layer changes (an inspector edit, a fix) the old picture fades into the new one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QEasingCurve,
    QEvent,
    QObject,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSlider,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.core.arithmetic import AxisArith
from designer.core.window_figure import WINDOW_STROKE, WindowFigure
from designer.core.window_geometry import (
    WindowFrames,
    full_view_allowed,
    layer_window,
    no_window_reason,
    wants_compact,
)
from designer.export.png_exporter import paint_primitives
from designer.export.window_exporter import WindowExporter, WindowExportError, have_pillow
from designer.ui.document import Document

MIN_ZOOM = 0.1
MAX_ZOOM = 8.0
ZOOM_STEP = 1.25
MORPH_MS = 450  # the fade from the old geometry to the new one
COMPACT_TIP = (
    "Draw the first and last windows with an ellipsis between them; the far edge, where "
    "rows or columns may go unread, always stays in the picture"
)


class WindowCanvas(QWidget):
    """Paints one frame of a ``WindowFigure`` at a zoom; the grid is cached as a pixmap."""

    output_clicked = Signal(int)  # the frame that produces the clicked output cell

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure: WindowFigure | None = None
        self.frame = 0
        self.zoom = 1.0
        self._grid_cache: QPixmap | None = None
        self._fade_from: QPixmap | None = None
        self._fade = 1.0  # 1: only the new picture
        self._box_from: QRectF | None = (
            None  # the old window's outline (widget pixels) while fading
        )
        self.setFocusPolicy(
            Qt.FocusPolicy.ClickFocus
        )  # a click gives the view (its proxy) the keys
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def set_figure(self, figure: WindowFigure | None, frame: int = 0) -> None:
        self.figure = figure
        self.frame = frame
        self._grid_cache = None
        self._resize()
        self.update()

    def set_frame(self, frame: int) -> None:
        if frame != self.frame:
            self.frame = frame
            self.update()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        if abs(zoom - self.zoom) > 1e-9:
            self.zoom = zoom
            self._grid_cache = None
            self._resize()
            self.update()

    def set_fade(self, old: QPixmap | None, amount: float, box_from: QRectF | None = None) -> None:
        """Fade ``old`` (a snapshot) out over the new picture; ``box_from``, the old window's
        outline, glides to the new window meanwhile."""
        self._fade_from = old
        self._fade = amount
        self._box_from = box_from if old is not None else None
        self.update()

    def window_rect(self) -> QRectF | None:
        """The current window's outline in widget pixels."""
        if self.figure is None or not len(self.figure.frames):
            return None
        x0, y0, x1, y1 = self.figure.window_box(self.frame)
        z = self.zoom
        return QRectF(x0 * z, y0 * z, (x1 - x0) * z, (y1 - y0) * z)

    def set_fade_amount(self, amount: float) -> None:
        self._fade = amount
        self.update()

    @property
    def fading(self) -> bool:
        return self._fade_from is not None and self._fade < 1.0

    @property
    def gliding_from(self) -> QRectF | None:
        """Where the window's outline glides from while the old picture fades (else None)."""
        return self._box_from if self.fading else None

    def snapshot(self) -> QPixmap:
        return self.grab()

    def figure_size(self) -> QSize:
        if self.figure is None:
            return QSize(0, 0)
        return QSize(int(self.figure.width), int(self.figure.height))

    def _resize(self) -> None:
        size = self.figure_size()
        self.setFixedSize(
            max(1, round(size.width() * self.zoom)), max(1, round(size.height() * self.zoom))
        )

    def _grid(self) -> QPixmap:
        assert self.figure is not None
        if self._grid_cache is None:
            ratio = self.devicePixelRatioF()
            pixmap = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(QColor(self.figure.style.background))
            painter = QPainter(pixmap)
            try:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
                painter.scale(self.zoom, self.zoom)
                fig = self.figure.figure(None)
                paint_primitives(painter, fig.groups[0].items, fig, self.zoom)
            finally:
                painter.end()
            self._grid_cache = pixmap
        return self._grid_cache

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(event.rect(), QColor("#FFFFFF"))
            if self.figure is None:
                return
            painter.drawPixmap(0, 0, self._grid())
            if len(self.figure.frames):
                painter.save()
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
                painter.scale(self.zoom, self.zoom)
                fig = self.figure.figure(None)
                paint_primitives(painter, self.figure.frame_items(self.frame), fig, self.zoom)
                painter.restore()
            if self._fade_from is not None and self._fade < 1.0:
                painter.setOpacity(1.0 - self._fade)
                painter.drawPixmap(0, 0, self._fade_from)
                target = self.window_rect()
                if self._box_from is not None and target is not None:
                    t = self._fade
                    a = self._box_from
                    glide = QRectF(
                        a.x() + (target.x() - a.x()) * t,
                        a.y() + (target.y() - a.y()) * t,
                        a.width() + (target.width() - a.width()) * t,
                        a.height() + (target.height() - a.height()) * t,
                    )
                    painter.setOpacity(1.0)
                    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                    painter.setPen(QPen(QColor(WINDOW_STROKE), max(1.5, 2.4 * self.zoom)))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRect(glide)
        finally:
            painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.figure is not None and event.button() == Qt.MouseButton.LeftButton:
            point = QPointF(event.position()) / self.zoom
            frame = self.figure.frame_at_output(point.x(), point.y())
            if frame is not None:
                self.output_clicked.emit(frame)
                event.accept()
                return
        super().mousePressEvent(event)


class WindowView(QWidget):
    """The "Window" tab: the selected layer's sliding window, with stepper, Play, zoom and export."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("window_view")
        self.document = document
        self.layer_id: str | None = None
        self._owed = False  # the selection or an edit to follow once shown again (catch_up)
        self.frames: WindowFrames | None = None
        self.window_figure: WindowFigure | None = None
        self._key: tuple[str, tuple[AxisArith, ...], bool] | None = None
        self._compact_choice: dict[str, bool] = {}  # per layer, once the user toggled it
        self._fit = True

        self.heading = QLabel()
        self.heading.setObjectName("window_heading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.message = QLabel()
        self.message.setObjectName("window_message")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message.setStyleSheet("QLabel#window_message { color: #546e7a; padding: 12px; }")

        def tool(
            text: str, tip: str, name: str, icon: QStyle.StandardPixmap | None = None
        ) -> QToolButton:
            button = QToolButton()
            button.setText(text)
            if icon is not None:
                button.setIcon(self.style().standardIcon(icon))
            button.setToolTip(tip)
            button.setObjectName(name)
            button.setAutoRaise(True)
            return button

        # Standard icons: media glyphs such as ⏮ are missing from many fonts.
        icons = QStyle.StandardPixmap
        self.first_button = tool(
            "First", "First window (Home)", "window_first", icons.SP_MediaSkipBackward
        )
        self.prev_button = tool(
            "Previous", "Previous window (Left)", "window_prev", icons.SP_MediaSeekBackward
        )
        self.play_button = tool(
            "Play", "Step through every window (Space)", "window_play", icons.SP_MediaPlay
        )
        self.play_button.setCheckable(True)
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.next_button = tool(
            "Next", "Next window (Right)", "window_next", icons.SP_MediaSeekForward
        )
        self.last_button = tool(
            "Last", "Last window (End)", "window_last", icons.SP_MediaSkipForward
        )
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("window_slider")
        self.slider.setMinimum(0)
        self.slider.setPageStep(1)
        self.position_label = QLabel()
        self.position_label.setObjectName("window_position")
        self.speed = QSpinBox()
        self.speed.setObjectName("window_speed")
        self.speed.setRange(1, 30)
        self.speed.setValue(4)
        self.speed.setSuffix(" /s")
        self.speed.setToolTip("Windows per second while playing")
        self.compact_box = QCheckBox("Compact")
        self.compact_box.setObjectName("window_compact")
        self.compact_box.setToolTip(COMPACT_TIP)
        self.zoom_out_button = tool("−", "Zoom out (Ctrl+wheel, −)", "window_zoom_out")
        self.zoom_in_button = tool("+", "Zoom in (Ctrl+wheel, +)", "window_zoom_in")
        self.fit_button = tool("Fit", "Fit the picture to the panel (0)", "window_fit")
        self.export_button = tool(
            "Export ▾", "Save this frame (SVG/PNG) or every window (GIF/APNG)", "window_export"
        )
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_actions = {
            "png": menu.addAction("This frame as PNG…", lambda: self.export_dialog("png")),
            "svg": menu.addAction("This frame as SVG…", lambda: self.export_dialog("svg")),
            "gif": menu.addAction(
                "Every window as animated GIF…", lambda: self.export_dialog("gif")
            ),
            "apng": menu.addAction(
                "Every window as animated PNG (APNG)…", lambda: self.export_dialog("apng")
            ),
        }
        if not have_pillow():
            for key in ("gif", "apng"):
                self.export_actions[key].setEnabled(False)
                self.export_actions[key].setToolTip(
                    "Needs Pillow: pip install 'cnn-designer[animation]'"
                )
        self.export_button.setMenu(menu)

        steps = QHBoxLayout()
        steps.setContentsMargins(0, 0, 0, 0)
        steps.setSpacing(2)
        for w in (
            self.first_button,
            self.prev_button,
            self.play_button,
            self.next_button,
            self.last_button,
        ):
            steps.addWidget(w)
        steps.addWidget(self.slider, 1)
        steps.addWidget(self.position_label)
        options = QHBoxLayout()
        options.setContentsMargins(0, 0, 0, 0)
        options.setSpacing(4)
        options.addWidget(QLabel("Speed"))
        options.addWidget(self.speed)
        options.addWidget(self.compact_box)
        options.addStretch(1)
        for w in (self.zoom_out_button, self.fit_button, self.zoom_in_button, self.export_button):
            options.addWidget(w)

        self.canvas = WindowCanvas()
        self.canvas.output_clicked.connect(self.set_frame)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("window_scroll")
        self.scroll_area.setWidget(self.canvas)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll_area.setWidgetResizable(False)
        self.scroll_area.setStyleSheet("QScrollArea#window_scroll { background: #ffffff; }")
        self.scroll_area.viewport().installEventFilter(self)
        # The arrow keys step the window; they must not scroll the picture instead.
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.canvas.setFocusProxy(self)
        self.controls = QWidget()
        controls_layout = QVBoxLayout(self.controls)
        controls_layout.setContentsMargins(0, 0, 0, 0)
        controls_layout.setSpacing(2)
        controls_layout.addLayout(steps)
        controls_layout.addLayout(options)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.heading)
        layout.addWidget(self.controls)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.message, 1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.play_timer = QTimer(self)
        self.play_timer.timeout.connect(self._advance)
        self.morph = QVariantAnimation(self)
        self.morph.setDuration(MORPH_MS)
        self.morph.setStartValue(0.0)
        self.morph.setEndValue(1.0)
        self.morph.setEasingCurve(QEasingCurve.Type.InOutQuad)
        self.morph.valueChanged.connect(lambda v: self.canvas.set_fade_amount(float(v)))
        self.morph.finished.connect(lambda: self.canvas.set_fade(None, 1.0))

        self.first_button.clicked.connect(lambda: self.set_frame(0))
        self.prev_button.clicked.connect(lambda: self.set_frame(self.frame - 1))
        self.next_button.clicked.connect(lambda: self.set_frame(self.frame + 1))
        self.last_button.clicked.connect(lambda: self.set_frame(self.frame_count - 1))
        self.play_button.toggled.connect(self._on_play_toggled)
        self.slider.valueChanged.connect(self.set_frame)
        self.speed.valueChanged.connect(self._on_speed)
        self.compact_box.toggled.connect(self._on_compact_toggled)
        self.zoom_in_button.clicked.connect(lambda: self.set_zoom(self.canvas.zoom * ZOOM_STEP))
        self.zoom_out_button.clicked.connect(lambda: self.set_zoom(self.canvas.zoom / ZOOM_STEP))
        self.fit_button.clicked.connect(self.fit)

        document.selection_changed.connect(self._on_selection)
        document.analysis_updated.connect(self._on_analysis)
        document.design_reset.connect(self._on_reset)
        document.layer_renamed.connect(self._on_renamed)
        self.show_layer(document.current)

    # -------------------------------------------------------------- state

    @property
    def frame(self) -> int:
        return self.canvas.frame

    @property
    def frame_count(self) -> int:
        return len(self.frames) if self.frames is not None else 0

    @property
    def playing(self) -> bool:
        return self.play_timer.isActive()

    def current_position(self) -> tuple[int, int] | None:
        """The output cell (row, column) the shown window produces."""
        if self.frames is None or not self.frame_count:
            return None
        return self.frames.position(self.frame)

    def _hidden(self) -> bool:
        """Behind the Explanation tab (a page not shown), in a window on screen."""
        window = self.window()
        return window is not self and window.isVisible() and not self.isVisible()

    def _on_selection(self, _ids: list[str]) -> None:
        if self._hidden():
            # The window is worked out when the tab is shown, not for every layer selected
            # elsewhere (1-4 ms a click; 25 ms of a rubber band's release on the 10,000-layer
            # chain under load).
            self._owed = True
            return
        self.show_layer(self.document.current)

    def _on_analysis(self, _ids: object) -> None:
        if self._hidden():
            self._owed = True
            return
        self.refresh()

    def catch_up(self) -> None:
        """Shown again: follow the selection and the edits made meanwhile."""
        if self._owed:
            self._owed = False
            self.show_layer(self.document.current)

    def showEvent(self, event: QShowEvent) -> None:
        self.catch_up()
        super().showEvent(event)

    def _on_reset(self) -> None:
        self._compact_choice.clear()
        self._key = None
        self._owed = False
        self.show_layer(self.document.current)

    def _on_renamed(self, old: str, new: str) -> None:
        if old in self._compact_choice:
            self._compact_choice[new] = self._compact_choice.pop(old)
        if self.layer_id == old:
            self.layer_id = new

    def show_layer(self, layer_id: str | None) -> None:
        """Show ``layer_id``'s window (or why there is none) from its first window."""
        if layer_id != self.layer_id:
            self.stop()
            self.layer_id = layer_id
            self._key = None
            self._fit = True
        self.refresh()

    def refresh(self) -> None:
        """Follow the analysis: redraw when the shown layer's arithmetic changed."""
        analysis = self.document.analysis
        lid = self.layer_id
        if lid is not None and lid not in self.document.design:
            lid = self.layer_id = None
        geometry = layer_window(analysis, lid) if lid is not None else None
        too_large = ""
        if geometry is not None:
            frames = WindowFrames(geometry, True)
            if not frames.drawable:
                too_large = frames.too_large_text()
                geometry = None
        if geometry is None:
            self.stop()
            self.frames = None
            self.window_figure = None
            self._key = None
            self.canvas.set_figure(None)
            self.heading.setText("" if lid is None else f"{lid}: no sliding window")
            self.message.setText(
                "Select a Conv2d, ConvTranspose2d, MaxPool2d or AvgPool2d layer to see its window slide "
                "over the input, position by position."
                if lid is None
                else too_large or no_window_reason(analysis, lid)
            )
            self._show_picture(False)
            return
        allowed = full_view_allowed(geometry)
        compact = (
            self._compact_choice.get(geometry.layer_id, wants_compact(geometry)) or not allowed
        )
        key = (geometry.layer_id, (geometry.rows.arith, geometry.cols.arith), compact)
        if key == self._key:
            return
        morph = self._key is not None and self._key[0] == key[0] and self.isVisible()
        old = self.canvas.snapshot() if morph else None
        old_box = self.canvas.window_rect() if morph else None
        old_position = self.current_position()
        old_frame, old_count = self.frame, self.frame_count
        self._key = key
        self.frames = WindowFrames(geometry, compact)
        self.window_figure = WindowFigure(self.frames)
        frame = 0
        if morph and old_count == len(self.frames):
            frame = old_frame  # the same step of the sequence (e.g. still the last window)
        elif old_position is not None and morph:
            i, j = old_position
            rows, cols = self.frames.rows.windows, self.frames.cols.windows
            if i in rows and j in cols:
                frame = self.frames.frame_of(i, j)
        self.canvas.set_figure(self.window_figure, frame)
        self.heading.setText(self.window_figure.title)
        self.compact_box.blockSignals(True)
        self.compact_box.setChecked(compact)
        self.compact_box.setEnabled(
            allowed
            and (self.frames.rows.compact or self.frames.cols.compact or wants_compact(geometry))
        )
        self.compact_box.setToolTip(
            COMPACT_TIP
            if allowed
            else f"{len(geometry.rows)}×{len(geometry.cols)} cells are too many to draw every one: compact only"
        )
        self.compact_box.blockSignals(False)
        self.slider.blockSignals(True)
        self.slider.setMaximum(max(0, self.frame_count - 1))
        self.slider.setValue(frame)
        self.slider.blockSignals(False)
        self._show_picture(True)
        if self._fit:
            QTimer.singleShot(0, self, self.fit)  # not after the view is gone
        self._update_position()
        if old is not None:
            self.morph.stop()
            self.canvas.set_fade(old, 0.0, old_box)
            self.morph.start()

    def _show_picture(self, shown: bool) -> None:
        self.controls.setVisible(shown)
        self.scroll_area.setVisible(shown)
        self.message.setVisible(not shown)

    def _update_position(self) -> None:
        if self.frames is None or not self.frame_count:
            self.position_label.setText("")
            return
        i, j = self.frames.position(self.frame)
        self.position_label.setText(f"{self.frame + 1}/{self.frame_count} → ({i}, {j})")

    # ------------------------------------------------------------ stepping

    def set_frame(self, frame: int) -> None:
        if not self.frame_count:
            return
        frame = max(0, min(self.frame_count - 1, frame))
        self.canvas.set_frame(frame)
        if self.slider.value() != frame:
            self.slider.blockSignals(True)
            self.slider.setValue(frame)
            self.slider.blockSignals(False)
        self._update_position()

    def play(self) -> None:
        self.play_button.setChecked(True)

    def stop(self) -> None:
        self.play_button.setChecked(False)

    def _on_play_toggled(self, on: bool) -> None:
        if on and self.frame_count:
            if self.frame >= self.frame_count - 1:
                self.set_frame(0)
            self.play_timer.start(round(1000 / self.speed.value()))
            self.play_button.setText("Pause")
            self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        else:
            self.play_timer.stop()
            self.play_button.setText("Play")
            self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
            if on:
                self.play_button.setChecked(False)

    def _on_speed(self, value: int) -> None:
        if self.play_timer.isActive():
            self.play_timer.setInterval(round(1000 / value))

    def _advance(self) -> None:
        if self.frame >= self.frame_count - 1:
            self.stop()
            return
        self.set_frame(self.frame + 1)

    def _on_compact_toggled(self, on: bool) -> None:
        if self.layer_id is not None:
            self._compact_choice[self.layer_id] = on
            self._key = None
            self._fit = True
            self.refresh()

    # --------------------------------------------------------------- zoom

    def set_zoom(self, zoom: float) -> None:
        self._fit = False
        self.canvas.set_zoom(zoom)

    def fit(self) -> None:
        """Zoom so the whole picture fits the panel (never above 100 %)."""
        size = self.canvas.figure_size()
        if size.isEmpty():
            return
        viewport = self.scroll_area.viewport().size()
        zoom = min(
            1.0, (viewport.width() - 2) / size.width(), (viewport.height() - 2) / size.height()
        )
        self.canvas.set_zoom(max(MIN_ZOOM, zoom))
        self._fit = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit and self.frames is not None:
            QTimer.singleShot(0, self, self.fit)  # not after the view is gone

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.scroll_area.viewport()
            and isinstance(event, QWheelEvent)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            factor = ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP
            self.set_zoom(self.canvas.zoom * factor)
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Right:
            self.set_frame(self.frame + 1)
        elif key == Qt.Key.Key_Left:
            self.set_frame(self.frame - 1)
        elif key == Qt.Key.Key_Home:
            self.set_frame(0)
        elif key == Qt.Key.Key_End:
            self.set_frame(self.frame_count - 1)
        elif key == Qt.Key.Key_Space:
            self.play_button.toggle()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_zoom(self.canvas.zoom * ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.set_zoom(self.canvas.zoom / ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ------------------------------------------------------------- export

    def export_to(self, path: str | Path, fmt: str | None = None) -> None:
        """Write the current frame (svg, png at twice the size, for slides) or every window
        (gif, apng, at the speed set for Play) to ``path``."""
        if self.window_figure is None:
            raise WindowExportError("no layer with a window is selected")
        kind = fmt or Path(path).suffix.lower().lstrip(".")
        exporter = WindowExporter(
            self.window_figure, 2.0 if kind == "png" else 1.0, float(self.speed.value())
        )
        exporter.export(path, frame=self.frame, fmt=kind)

    def export_dialog(self, fmt: str) -> None:
        if self.window_figure is None or self.layer_id is None:
            return
        self.stop()
        filters = {
            "png": "PNG image (*.png)",
            "svg": "SVG vector image (*.svg)",
            "gif": "Animated GIF (*.gif)",
            "apng": "Animated PNG (*.apng *.png)",
        }
        suffix = {"png": ".png", "svg": ".svg", "gif": ".gif", "apng": ".apng"}[fmt]
        start = (
            str(self.document.path.parent / f"{self.layer_id}{suffix}")
            if self.document.path
            else f"{self.layer_id}{suffix}"
        )
        chosen, _ = QFileDialog.getSaveFileName(self, "Export the window", start, filters[fmt])
        if not chosen:
            return
        if Path(chosen).suffix.lower() not in (suffix, ".png"):
            chosen += suffix
        try:
            self.export_to(chosen, fmt)
        except (WindowExportError, OSError) as exc:
            QMessageBox.warning(self, "Export the window", f"Cannot write {chosen}: {exc}")
            return
        top = self.window()
        show = getattr(top, "show_message", None)
        if callable(show):
            show(f"Wrote {chosen}")

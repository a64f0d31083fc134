"""File ▸ Export: choose the view, format and style, see a live preview, save the figure."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFontComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from designer.core.analysis import Analysis
from designer.core.collapsed_figure import Collapse
from designer.core.design import Design
from designer.core.figure import Figure, FigureStyle
from designer.core.groups import GroupIndex
from designer.core.volume_geometry import CAMERA_PRESETS, SCALINGS, BlockOptions
from designer.export.figure_exporter import DEFAULT_PNG_SCALE, ExportOptions, make_figure
from designer.export.png_exporter import PngExporter
from designer.export.svg_exporter import SvgExporter
from designer.ui.busy import busy, window_status

FORMATS = {"SVG (vector)": ".svg", "PNG (image)": ".png"}

#: The preview's image is at most this many pixels wide or tall.
PREVIEW_MAX_SIDE = 6000


class ExportDialog(QDialog):
    """``ExportDialog(design, analysis, parent)``: ``exec()`` it; ``saved_path`` is set after a save.

    ``canvas_collapsed``: the groups the canvas shows collapsed; given, the Blocks choice offers
    "As the canvas shows it" first and starts there (File ▸ Export from the app).
    """

    def __init__(
        self,
        design: Design,
        analysis: Analysis,
        parent: QWidget | None = None,
        canvas_collapsed: set[str] | frozenset[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.canvas_collapsed = (
            frozenset(canvas_collapsed) if canvas_collapsed is not None else None
        )
        self.setWindowTitle("Export figure")
        self.design = design
        self.analysis = analysis
        self.saved_path: Path | None = None
        self._figure: tuple[ExportOptions, Figure] | None = None
        self._shown: tuple[Figure, float, bool] | None = None  # what the preview shows
        form = QFormLayout()
        self.view_box = QComboBox()
        self.view_box.addItem("3D blocks", "blocks")
        self.view_box.addItem("Layer graph", "graph")
        self.format_box = QComboBox()
        for label, suffix in FORMATS.items():
            self.format_box.addItem(label, suffix)
        self.camera_box = QComboBox()
        for name in CAMERA_PRESETS:
            self.camera_box.addItem(name.capitalize(), name)
        self.camera_box.setCurrentIndex(list(CAMERA_PRESETS).index("paper"))
        self.scaling_box = QComboBox()
        for name in SCALINGS:
            self.scaling_box.addItem(name, name)
        self.scaling_box.setCurrentIndex(list(SCALINGS).index("sqrt"))
        self.scale_box = QDoubleSpinBox()
        self.scale_box.setRange(0.25, 8.0)
        self.scale_box.setSingleStep(0.5)
        self.scale_box.setValue(DEFAULT_PNG_SCALE)  # the same default as `cnn-designer export`
        self.scale_box.setSuffix("×")
        self.transparent_box = QCheckBox("Transparent background")
        self.labels_box = QCheckBox("Labels")
        self.labels_box.setChecked(True)
        self.legend_box = QCheckBox("Legend")
        self.fold_box = QCheckBox("Fold ReLU, BatchNorm, … into their volume")
        self.fold_box.setChecked(True)
        self.dims_box = QComboBox()
        self.dims_box.addItem("H×W×C (55×55×96)", "hwc")
        self.dims_box.addItem("C×H×W (96×55×55)", "chw")
        self.font_box = QFontComboBox()
        self.font_box.setCurrentText("DejaVu Sans")
        self.font_size_box = QSpinBox()
        self.font_size_box.setRange(6, 48)
        self.font_size_box.setValue(11)
        self.collapse_box = QComboBox()
        self.collapse_box.setObjectName("collapse_box")
        if self.canvas_collapsed is not None:
            self.collapse_box.addItem("As the canvas shows it", "canvas")
        self.collapse_box.addItem("Automatic (readable on a slide)", "auto")
        self.collapse_box.addItem("Every layer", "none")
        depth = GroupIndex(design).max_depth
        for level in range(depth + 1):
            self.collapse_box.addItem(
                "Top-level blocks" if level == 0 else f"Blocks to level {level}", level
            )
        self.collapse_box.setEnabled(depth >= 0)
        self.collapse_box.setToolTip(
            "Which blocks are drawn as one volume or card (×N for identical repeats)"
        )
        form.addRow("View", self.view_box)
        form.addRow("Blocks", self.collapse_box)
        form.addRow("Format", self.format_box)
        form.addRow("Camera", self.camera_box)
        form.addRow("Box sizes", self.scaling_box)
        form.addRow("PNG scale", self.scale_box)
        form.addRow("Dimensions", self.dims_box)
        form.addRow("Font", self.font_box)
        form.addRow("Font size", self.font_size_box)
        for box in (self.labels_box, self.legend_box, self.transparent_box, self.fold_box):
            form.addRow("", box)

        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(480, 320)
        scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        self.preview_area = scroll
        self.info = QLabel()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(scroll, 1)
        right.addWidget(self.info)
        top = QHBoxLayout()
        top.addLayout(left)
        top.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(top, 1)
        outer.addWidget(buttons)

        for combo in (
            self.view_box,
            self.format_box,
            self.camera_box,
            self.scaling_box,
            self.dims_box,
            self.collapse_box,
        ):
            combo.currentIndexChanged.connect(self.update_preview)
        for check in (self.labels_box, self.legend_box, self.transparent_box, self.fold_box):
            check.toggled.connect(self.update_preview)
        self.scale_box.valueChanged.connect(self.update_preview)
        self.font_box.currentFontChanged.connect(self.update_preview)
        self.font_size_box.valueChanged.connect(self.update_preview)
        self.resize(1000, 560)
        self._refit = QTimer(self)  # one re-render after the dialog is shown or resized
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self.update_preview)
        self.update_preview()

    def options(self) -> ExportOptions:
        style = FigureStyle(
            font_family=self.font_box.currentFont().family(),
            font_size=float(self.font_size_box.value()),
            show_labels=self.labels_box.isChecked(),
            dims=self.dims_box.currentData(),
            legend=self.legend_box.isChecked(),
        )
        blocks = replace(
            BlockOptions(),
            scaling=self.scaling_box.currentData(),
            fold=self.fold_box.isChecked(),
            dims=style.dims,
        )
        return ExportOptions(
            view=self.view_box.currentData(),
            style=style,
            blocks=blocks,
            camera=CAMERA_PRESETS[self.camera_box.currentData()],
            scale=self.scale_box.value(),
            transparent=self.transparent_box.isChecked(),
            collapse=self._collapse(),
        )

    def _collapse(self) -> Collapse:
        data = self.collapse_box.currentData()
        if data == "canvas":
            return self.canvas_collapsed if self.canvas_collapsed is not None else "auto"
        return data  # type: ignore[no-any-return]

    def update_preview(self) -> None:
        """Render the figure with the PNG exporter, sized to the preview."""
        options = self.options()
        is_blocks = options.view == "blocks"
        self.camera_box.setEnabled(is_blocks)
        self.scaling_box.setEnabled(is_blocks)
        self.fold_box.setEnabled(is_blocks)
        self.scale_box.setEnabled(self.format_box.currentData() == ".png")
        exporter = PngExporter(self.analysis, options)
        figure = self.figure(options)  # the preview is scaled to fit, whatever the PNG size
        # Fit the space the preview has now (not the label's size before the dialog was laid
        # out, which cropped the figure at both ends until an option changed).
        room = self.preview_area.viewport().size()
        fit = min(
            1.0,
            (room.width() - 8) / max(figure.width, 1),
            (room.height() - 8) / max(figure.height, 1),
        )
        # At least a tenth of full size (scrolled), but no wider or taller than
        # PREVIEW_MAX_SIDE pixels: a figure of thousands of layers is tens of thousands of
        # units long, and its image at a tenth was 40,000 pixels wide (a second to fill).
        longest = max(figure.width, figure.height, 1)
        scale = min(max(fit, 0.1), PREVIEW_MAX_SIDE / longest)
        w, h = exporter.image_size(figure)
        if self.format_box.currentData() == ".png":
            self.info.setText(f"{w} × {h} pixels")
        else:
            self.info.setText(f"{figure.width:.0f} × {figure.height:.0f} (vector)")
        shown = (figure, scale, options.transparent)
        last = self._shown
        if last is not None and last[0] is figure and last[1:] == shown[1:]:
            return  # the same picture at the same size (the dialog shown, or resized a little)
        preview = PngExporter(figure, replace(options, scale=scale))
        image = preview.render_image(figure)
        self.preview.setPixmap(QPixmap.fromImage(image))
        self._shown = shown
        self.last_preview: QImage = image

    def figure(self, options: ExportOptions | None = None) -> Figure:
        """The figure for ``options`` (the dialog's own by default). The last one made is kept:
        the PNG scale, the background and the format do not change it, and a resize or a save
        draws it again without placing every box and label again (seconds on a design of
        thousands of layers, shown with the busy cursor)."""
        options = options or self.options()
        key = replace(options, scale=1.0, transparent=False, dpi=None)
        if self._figure is None or self._figure[0] != key:
            with busy(len(self.design), "Drawing the figure…", window_status(self)):
                self._figure = (key, make_figure(self.analysis, options))
        return self._figure[1]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refit.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit.start()

    def export_bytes(self) -> bytes:
        options = self.options()
        figure = self.figure(options)
        if self.format_box.currentData() == ".svg":
            return SvgExporter(figure, options).export()
        return PngExporter(figure, options).export()

    def save(self) -> None:
        suffix = self.format_box.currentData()
        name = (self.design.name or "figure").replace("/", "-") + suffix
        path, _ = QFileDialog.getSaveFileName(
            self, "Export figure", name, "SVG (*.svg)" if suffix == ".svg" else "PNG (*.png)"
        )
        if not path:
            return
        self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        suffix = self.format_box.currentData()
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        try:
            options = self.options()
            figure = self.figure(options)
            with busy(len(self.design), "Writing the figure…", window_status(self)):
                if suffix == ".svg":
                    SvgExporter(figure, options).export(path)
                else:
                    PngExporter(figure, options).export(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(
                self, "Export figure", f"The figure could not be written to {path}:\n{exc}"
            )
            return False
        self.saved_path = path
        self.accept()
        return True

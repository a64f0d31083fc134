"""The layer palette: every registered layer type, grouped by category, with a filter.

Dragging an entry carries its type id in one MIME type (``LAYER_MIME``); the canvas
decides what the drop means. Double-click (or Enter) asks for the layer to be added
after the current one.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from designer.core.registry import CATEGORIES, REGISTRY, types_in
from designer.ui import theme
from designer.ui.canvas.view import LAYER_MIME

TYPE_ROLE = Qt.ItemDataRole.UserRole + 1

# Other names people search for. The type id, its fresh-id prefix ("conv", "bn", "fc", ...) and
# its category are always searched; these add the words papers and other frameworks use.
ALIASES: dict[str, tuple[str, ...]] = {
    "Input": ("image", "data"),
    "Conv2d": ("convolution",),
    "ConvTranspose2d": ("transposed convolution", "deconvolution", "upconv"),
    "MaxPool2d": ("max pooling", "subsampling"),
    "AvgPool2d": ("average pooling", "mean pooling", "subsampling"),
    "AdaptiveAvgPool2d": ("global average pooling",),
    "AdaptiveMaxPool2d": ("global max pooling",),
    "BatchNorm2d": ("batch normalization", "batchnorm"),
    "LocalResponseNorm": ("local response normalization",),
    "SiLU": ("swish",),
    "Softmax": ("probabilities",),
    "Linear": ("fully connected", "dense", "fc"),
    "Flatten": ("reshape", "view"),
    "ZeroPad2d": ("padding",),
    "Upsample": ("upsampling", "interpolate", "resize"),
    "Add": ("sum", "residual", "skip", "shortcut"),
    "Concat": ("concatenate", "cat", "stack"),
}


class PaletteTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        mime = QMimeData()
        for item in items:
            type_id = item.data(0, TYPE_ROLE)
            if type_id:
                mime.setData(LAYER_MIME, str(type_id).encode("utf-8"))
                mime.setText(str(type_id))
                break
        return mime


class LayerPalette(QWidget):
    layer_requested = Signal(str)  # a type id (double-click / Enter)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layer_palette")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter layers…")
        self.filter.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(22, 22))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        self.tree.setUniformRowHeights(True)
        self.tree.setStyleSheet(
            "QTreeWidget { border: none; } QTreeWidget::item { padding: 2px 0; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        for category in CATEGORIES:
            offered = [t for t in types_in(category) if t.in_palette]
            if not offered:
                continue  # "Imported": only importers create those layers
            group = QTreeWidgetItem([category])
            font = theme.ui_font(bold=True)
            group.setFont(0, font)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setForeground(0, theme.category_ink(category))
            self.tree.addTopLevelItem(group)
            for ltype in offered:
                item = QTreeWidgetItem([ltype.id])
                item.setIcon(0, theme.category_icon(category))
                item.setData(0, TYPE_ROLE, ltype.id)
                item.setToolTip(
                    0,
                    f"<b>{ltype.id}</b><br>{ltype.summary}<br><i>Drag onto the canvas, "
                    "an edge or a card; double-click to add after the selected layer.</i>",
                )
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsDragEnabled
                )
                group.addChild(item)
                self.items[ltype.id] = item
            group.setExpanded(True)
        self.filter.textChanged.connect(self.apply_filter)
        theme.notifier().changed.connect(self._recolour)
        self.tree.itemActivated.connect(self._activated)

    def apply_filter(self, text: str) -> None:
        """Show the types whose name or alias contains ``text``; failing that, whose category does.

        The tooltip's prose is not searched: "add" finds Add, not every type whose tooltip says
        "add after the selected layer".
        """
        shown = set(matching_types(text))
        for n in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(n)
            if group is None:
                continue
            visible = 0
            for k in range(group.childCount()):
                item = group.child(k)
                if item is None:
                    continue
                hide = str(item.data(0, TYPE_ROLE)) not in shown
                item.setHidden(hide)
                visible += not hide
            group.setHidden(visible == 0)

    def _recolour(self, _scheme: str = "") -> None:
        for n, category in enumerate(CATEGORIES):
            group = self.tree.topLevelItem(n)
            if group is not None:
                group.setForeground(0, theme.category_ink(category))

    def visible_types(self) -> list[str]:
        out = []
        for tid, item in self.items.items():
            group = item.parent()
            if not item.isHidden() and (group is None or not group.isHidden()):
                out.append(tid)
        return out

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.layer_requested.emit(str(type_id))


def matching_types(text: str) -> list[str]:
    """Type ids the palette filter shows for ``text`` (every type for an empty filter)."""
    needle = " ".join(text.lower().split())
    if not needle:
        return list(REGISTRY)
    by_name = [
        t.id
        for t in REGISTRY.values()
        if any(needle in word for word in (t.id.lower(), t.prefix, *ALIASES.get(t.id, ())))
    ]
    if by_name:
        return by_name
    return [t.id for t in REGISTRY.values() if needle in t.category.lower()]

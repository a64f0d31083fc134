"""The toolbar switch between framework semantics (PyTorch / Keras / Caffe / strict).

Choosing an entry is one undoable edit (``Document.set_semantics``); the combo
follows the design, so undo, redo and opening a file move it back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from designer.core.arithmetic import SEMANTICS
from designer.core.design import DesignError
from designer.ui.busy import busy
from designer.ui.document import Document

SEMANTICS_LABELS: dict[str, str] = {
    "pytorch": "PyTorch",
    "keras": "Keras / TensorFlow",
    "caffe": "Caffe",
    "strict": "Strict arithmetic",
}

SEMANTICS_TIPS: dict[str, str] = {
    "pytorch": "Sizes round down (⌊…⌋); pooling rounds up only where ceil_mode is set. "
    'padding="same" needs stride 1.',
    "keras": 'TensorFlow/Keras: "valid" rounds down, "same" gives ⌈in/stride⌉ with the odd '
    "padding pixel at the bottom/right.",
    "caffe": "Convolution rounds down, pooling always rounds up (the original AlexNet/GoogLeNet models).",
    "strict": "Any size that does not divide exactly is an error: the formula must give a whole number.",
}


class SemanticsSelector(QWidget):
    """``Semantics: [PyTorch ▾]`` for the main toolbar."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.combo = QComboBox()
        self.combo.setObjectName("semantics_combo")
        for n, sem in enumerate(SEMANTICS):
            self.combo.addItem(SEMANTICS_LABELS[sem], sem)
            self.combo.setItemData(n, SEMANTICS_TIPS[sem], Qt.ItemDataRole.ToolTipRole)
        self.combo.setToolTip(
            "How sizes that do not divide exactly are rounded: the rules of the framework you target"
        )
        label = QLabel("&Semantics:")
        label.setBuddy(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        self._sync()
        self.combo.activated.connect(self._on_activated)
        document.meta_changed.connect(self._on_meta)
        document.design_reset.connect(self._sync)

    @property
    def semantics(self) -> str:
        return str(self.combo.currentData())

    def choose(self, semantics: str) -> None:
        """Pick ``semantics`` as a user would (an undoable edit)."""
        n = self.combo.findData(semantics)
        if n < 0:
            raise DesignError(
                f"unknown semantics {semantics!r}; expected one of {', '.join(SEMANTICS)}"
            )
        self.combo.setCurrentIndex(n)
        self._on_activated(n)

    def _on_activated(self, index: int) -> None:
        value = self.combo.itemData(index)
        if value != self.document.design.semantics:
            with busy(len(self.document.design)):  # every layer analysed again
                self.document.set_semantics(value)

    def _on_meta(self, what: str) -> None:
        if what == "semantics":
            self._sync()

    def _sync(self) -> None:
        n = self.combo.findData(self.document.design.semantics)
        if n < 0:  # a file written by a newer version: show it as PyTorch, which the analysis uses
            n = self.combo.findData("pytorch")
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(n)
        self.combo.blockSignals(False)

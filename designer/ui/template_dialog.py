"""File ▸ New: a blank design or one of the bundled classics, with a live preview."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from designer.core.analysis import analyze
from designer.core.design import Design
from designer.core.fileformat import FormatError, load_design
from designer.core.report import human_bytes, human_count, plural
from designer.ui.canvas import CanvasView, DesignScene
from designer.ui.document import Document


def templates_folder() -> Path:
    """The bundled templates (``resources/templates``)."""
    try:
        from designer.core.resources import templates_dir
    except ImportError:  # an older tree without the resources module
        return Path(__file__).resolve().parents[2] / "resources" / "templates"
    return templates_dir()


@dataclass
class TemplateEntry:
    path: Path | None  # None: the blank design
    name: str
    design: Design | None = None
    error: str = ""


def list_templates(folder: Path | None = None) -> list[TemplateEntry]:
    """Every template, sorted by name; a file that does not load is listed with its error."""
    folder = folder or templates_folder()
    entries: list[TemplateEntry] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            design = load_design(path)
        except FormatError as exc:
            entries.append(TemplateEntry(path, path.stem, None, str(exc)))
            continue
        entries.append(TemplateEntry(path, design.name or path.stem, design))
    entries.sort(key=lambda e: e.name.lower())
    return entries


class TemplateDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New design")
        self.setObjectName("template_dialog")
        self.resize(980, 620)
        self.entries = [TemplateEntry(None, "Blank design", None), *list_templates(folder)]
        self.list = QListWidget()
        self.list.setMinimumWidth(230)
        for entry in self.entries:
            item = QListWidgetItem(entry.name)
            if entry.error:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setToolTip(entry.error)
            self.list.addItem(item)
        self.preview_doc = Document(parent=self)
        self.preview_scene = DesignScene(self.preview_doc, self)
        self.preview = CanvasView(self.preview_scene)
        self.preview.setInteractive(False)
        self.preview.setAcceptDrops(False)
        self.preview.setMinimumHeight(220)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.totals = QLabel()
        self.totals.setObjectName("template_totals")
        self.description = QTextBrowser()
        self.description.setOpenExternalLinks(True)
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(8, 0, 0, 0)
        col.addWidget(self.title)
        col.addWidget(self.totals)
        col.addWidget(self.description, 1)
        col.addWidget(self.preview, 2)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)
        self.list.currentRowChanged.connect(self._show)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.list.setCurrentRow(0)

    def current_entry(self) -> TemplateEntry:
        row = max(self.list.currentRow(), 0)
        return self.entries[row]

    def chosen_design(self) -> Design:
        """A fresh copy of the chosen template (or a blank design)."""
        entry = self.current_entry()
        if entry.design is None:
            return Design()
        return entry.design.copy()

    def _show(self, row: int) -> None:
        if row < 0:
            return
        entry = self.entries[row]
        self.title.setText(entry.name)
        if entry.design is None:
            self.totals.setText("An empty canvas: drag an Input from the palette to begin.")
            self.description.setPlainText("")
            self.preview_doc.reset(Design())
            return
        analysis = analyze(entry.design)
        t = analysis.totals()
        problems = f" · {t.errors} errors" if t.errors else ""
        self.totals.setText(
            f"{plural(len(entry.design), 'layer')} · {t.params:,} parameters · {human_count(t.macs)} MACs · "
            f"{human_bytes(t.memory_bytes)} activations{problems}"
        )
        self.description.setPlainText(entry.design.description)
        self.preview_doc.reset(entry.design.copy())
        self.preview.fit_to_view()

    def showEvent(self, event: object) -> None:  # fit once the view has its real size
        super().showEvent(event)  # type: ignore[arg-type]
        self.preview.fit_to_view()

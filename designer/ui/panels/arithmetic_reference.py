"""Help → Arithmetic reference: ``docs/arithmetic.md`` rendered in a window.

The Markdown is the same file the documentation publishes, so the app and the docs
never disagree. It is looked for among the bundled resources first (an installed
app), then in the source tree.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from designer.core.resources import ResourceError, resource_path

REFERENCE_NAME = "arithmetic.md"


def arithmetic_reference_path() -> Path | None:
    """Where ``arithmetic.md`` is, or ``None`` if this installation lacks it."""
    candidates: list[Path] = []
    with contextlib.suppress(ResourceError):
        candidates.append(resource_path("docs", REFERENCE_NAME))
    candidates.append(Path(__file__).resolve().parents[3] / "docs" / REFERENCE_NAME)
    return next((p for p in candidates if p.is_file()), None)


def arithmetic_reference_text() -> str:
    """The reference as Markdown; a short explanation when the file cannot be read."""
    path = arithmetic_reference_path()
    if path is None:
        return (
            "# Convolution arithmetic reference\n\n"
            f"The reference file `{REFERENCE_NAME}` is missing from this installation. "
            "It is published with the source code in `docs/arithmetic.md`."
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"# Convolution arithmetic reference\n\nCould not read `{path}`: {exc}"


class ArithmeticReferenceDialog(QDialog):
    """A non-modal window with the reference and a find box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("arithmetic_reference")
        self.setWindowTitle("Convolution arithmetic reference")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.document().setDocumentMargin(14)
        self.browser.setMarkdown(arithmetic_reference_text())
        self.find_edit = QLineEdit(placeholderText="Find (Enter for the next match)")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.returnPressed.connect(self.find_next)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.find_edit)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(820, 760)

    def find_next(self) -> bool:
        text = self.find_edit.text()
        if not text:
            return False
        if self.browser.find(text):
            return True
        cursor = self.browser.textCursor()  # wrap around to the start
        cursor.movePosition(cursor.MoveOperation.Start)
        self.browser.setTextCursor(cursor)
        return self.browser.find(text)


def show_arithmetic_reference(parent: QWidget | None = None) -> ArithmeticReferenceDialog:
    """Open (or raise) the reference window for ``parent``; returns the dialog."""
    existing = (
        parent.findChild(ArithmeticReferenceDialog, "arithmetic_reference") if parent else None
    )
    dialog = (
        existing
        if isinstance(existing, ArithmeticReferenceDialog)
        else ArithmeticReferenceDialog(parent)
    )
    if dialog.isVisible():  # already open: bring it to the front
        dialog.raise_()
        dialog.activateWindow()
    else:
        dialog.show()
    return dialog

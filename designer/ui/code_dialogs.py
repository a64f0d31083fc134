"""From design to code and back in the app: File ▸ Export ▸ PyTorch Code… / Keras Code… / ONNX Graph…
and File ▸ Import Model….

``CodePreviewDialog`` shows the module ``designer.export.pytorch_code`` (or, with the
framework switch on Keras, ``designer.export.keras_code``) generates (read-only,
highlighted, the shape comments standing out), with Copy and Save As…; a design the
generator refuses shows the generator's message instead, which names the layers.
``export_onnx_file`` asks for a file name and writes the design's ONNX graph.

``ImportModelDialog`` picks a ``.py``, ``.onnx``, ``.keras`` or ``.h5`` file. For Python it
lists the file's classes and functions by reading it with ``ast`` (nothing runs), takes
constructor arguments as JSON and the input shape(s), and says plainly that importing
runs the file's code (a file that imports keras is a Keras source: its function must
return a Keras model, whose input shape is known). A saved Keras model is read from its
configuration; nothing runs. The import itself happens on Import; any failure is shown in the dialog,
which stays open, and the window's design is untouched until an import succeeded.

``show_code_preview(window)`` and ``import_model(window)`` are what the main window's
actions call.
"""

from __future__ import annotations

import ctypes
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QGuiApplication,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from designer.convert.design_builder import ConversionError, ImportResult
from designer.convert.python_source import Candidate, list_candidates, parse_call_args
from designer.core.analysis import Analysis, analyze
from designer.core.design import Design
from designer.core.fileformat import write_atomic
from designer.core.report import human_count, plural
from designer.export import keras_code
from designer.export.pytorch_code import CodeGenerationError, generate, names_for
from designer.ui import theme
from designer.ui.busy import busy, window_status
from designer.ui.code_view import CodeView

if TYPE_CHECKING:
    from designer.ui.main_window import MainWindow

PY_FILTER = "Python files (*.py);;All files (*)"
MODEL_FILTER = (
    "Models (*.py *.onnx *.keras *.h5);;PyTorch or Keras model code (*.py);;ONNX models (*.onnx);;"
    "Saved Keras models (*.keras *.h5);;All files (*)"
)
ONNX_FILTER = "ONNX models (*.onnx);;All files (*)"
#: The code preview's framework switch: key → (label, generator).
FRAMEWORKS = {"pytorch": "PyTorch", "keras": "Keras"}

_ERROR_FRAME = (
    f"QFrame#problem {{ background: #fdf0ef; border: 1px solid {theme.ERROR.name()}; border-radius: 4px; }}"
    f"QFrame#problem QLabel {{ color: #8f1d15; background: transparent; border: none; }}"
)
_NOTE_FRAME = (
    "QFrame#run_note { background: #fff8e1; border: 1px solid #e0b441; border-radius: 4px; }"
    "QFrame#run_note QLabel { color: #5c4400; background: transparent; border: none; }"
)
_INVALID_EDIT = (
    f"QLineEdit {{ border: 1px solid {theme.ERROR.name()}; border-radius: 3px; padding: 1px 3px; }}"
)


def monospace_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(max(font.pointSizeF(), 9.5))
    return font


def _file_stem(name: str) -> str:
    stem = re.sub(r"[^0-9A-Za-z_]+", "_", name.strip()).strip("_").lower()
    return stem or "model"


def _with_hint(field: QWidget, hint: QLabel) -> QWidget:
    """``field`` with a small explanatory line right under it (one form row)."""
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    col.setSpacing(3)
    col.addWidget(field)
    col.addWidget(hint)
    return box


def _message_frame(name: str, style: str, icon: QStyle.StandardPixmap, label: QLabel) -> QFrame:
    """A coloured box with a standard icon on the left and ``label`` beside it."""
    frame = QFrame()
    frame.setObjectName(name)
    frame.setStyleSheet(style)
    row = QHBoxLayout(frame)
    row.setContentsMargins(10, 8, 10, 8)
    row.setSpacing(10)
    glyph = QLabel()
    size = 20
    glyph.setPixmap(frame.style().standardIcon(icon).pixmap(size, size))
    glyph.setAlignment(Qt.AlignmentFlag.AlignTop)
    row.addWidget(glyph)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    row.addWidget(label, 1)
    return frame


# --------------------------------------------------------------------------- highlighting


# ---------------------------------------------------------------------------- code preview


class CodePreviewDialog(QDialog):
    """File ▸ Export ▸ PyTorch Code…: the generated module, or why there is none."""

    def __init__(
        self,
        design: Design,
        parent: QWidget | None = None,
        start_dir: str | Path | None = None,
        framework: str = "pytorch",
        analysis: Analysis | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("code_preview_dialog")
        # The window's live analysis of ``design`` when given (a full analysis of a 10,000-layer
        # design costs 50–100 ms); otherwise one made here, once.
        self.analysis = analyze(design) if analysis is None else analysis
        self.resize(980, 720)
        self.design = design
        self.start_dir = Path(start_dir) if start_dir else None
        self.saved_path: Path | None = None
        self.framework = framework if framework in FRAMEWORKS else "pytorch"
        self.code = ""
        self.error = ""
        self._generated: dict[str, tuple[str, str]] = {}  # framework -> (code, error)

        self.framework_combo = QComboBox()
        self.framework_combo.setObjectName("framework")
        self.framework_combo.setToolTip("The framework the code is written for")
        for key, label in FRAMEWORKS.items():
            self.framework_combo.addItem(label, key)
        self.framework_combo.setCurrentIndex(list(FRAMEWORKS).index(self.framework))
        framework_label = QLabel("&Framework:")
        framework_label.setBuddy(self.framework_combo)

        self.title = QLabel()
        self.title.setObjectName("code_title")
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("code_subtitle")
        self.subtitle.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        self.subtitle.setWordWrap(True)

        self.editor = CodeView()
        self.editor.setObjectName("code_editor")
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setFont(monospace_font())
        self.editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.editor.setStyleSheet(
            "QPlainTextEdit { background: #fbfcfd; border: 1px solid #d5dbe1; }"
        )
        self.highlighter = self.editor.highlighter

        self.error_label = QLabel()
        self.error_label.setObjectName("code_error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_frame = _message_frame(
            "problem", _ERROR_FRAME, QStyle.StandardPixmap.SP_MessageBoxCritical, self.error_label
        )

        self.status = QLabel()
        self.status.setObjectName("code_status")
        self.status.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setObjectName("copy")
        self.copy_button.setToolTip("Copy the whole module to the clipboard")
        self.save_button = QPushButton("&Save As…")
        self.save_button.setObjectName("save_as")
        self.save_button.setToolTip("Write the module to a .py file")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_code)
        self.save_button.clicked.connect(self.save_as)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(framework_label)
        top.addWidget(self.framework_combo)
        layout.addLayout(top)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.error_frame)
        layout.addWidget(self.editor, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.framework_combo.currentIndexChanged.connect(self._framework_changed)
        self.set_framework(self.framework)
        if self.error:  # a message, not a code view: no need for a big window
            self.resize(760, self.sizeHint().height())

    @property
    def framework_label(self) -> str:
        return FRAMEWORKS[self.framework]

    def set_framework(self, framework: str) -> None:
        """Show the code for ``framework`` ("pytorch" or "keras"), generating it the first time."""
        self.framework = framework
        # Thousands of layers: writing the code and colouring its lines take a second or more.
        with busy(
            len(self.design), f"Writing the {FRAMEWORKS[framework]} code…", window_status(self)
        ):
            self._set_framework(framework)

    def _set_framework(self, framework: str) -> None:
        if framework not in self._generated:
            try:
                code = (
                    keras_code.generate(self.design, analysis=self.analysis)
                    if framework == "keras"
                    else generate(self.design, analysis=self.analysis)
                )
                self._generated[framework] = (code, "")
            except CodeGenerationError as exc:
                self._generated[framework] = ("", str(exc))
        self.code, self.error = self._generated[framework]
        index = list(FRAMEWORKS).index(framework)
        if self.framework_combo.currentIndex() != index:
            with QSignalBlocker(self.framework_combo):
                self.framework_combo.setCurrentIndex(index)
        self.setWindowTitle(f"{self.framework_label} code — {self.design.name}")
        self.status.setText("")
        self._show()

    def _framework_changed(self, index: int) -> None:
        key = self.framework_combo.itemData(index)
        if isinstance(key, str) and key != self.framework:
            self.set_framework(key)

    def _show(self) -> None:
        self.copy_button.setEnabled(not self.error)
        self.save_button.setEnabled(not self.error)
        if self.error:
            if self.analysis.has_errors():
                self.title.setText(f"No {self.framework_label} code for “{self.design.name}” yet")
                self.subtitle.setText(
                    "The code must build exactly the network the design shows, so it is made only "
                    "once the design is consistent:"
                )
            else:  # the design is fine; the framework cannot express part of it
                self.title.setText(f"No {self.framework_label} code for “{self.design.name}”")
                self.subtitle.setText(
                    f"The code must build exactly the network the design shows, and "
                    f"{self.framework_label} cannot express part of it:"
                )
            self.error_label.setText(self.error)
            self.error_frame.show()
            self.editor.hide()
            self.editor.setPlainText("")
            return
        self.error_frame.hide()
        self.editor.show()
        self.editor.setPlainText(self.code)
        t = self.analysis.totals()
        lines = self.code.count("\n")
        if self.framework == "keras":
            self.title.setText("build_model() → keras.Model")
            self.subtitle.setText(
                f"{t.params:,} parameters · {human_count(t.macs)} MACs · {lines} lines · needs only Keras 3 · "
                "channels last: the comment after each layer is its output shape as H×W×C"
            )
            return
        class_name = names_for(self.design).class_name
        self.title.setText(f"class {class_name}(nn.Module)")
        self.subtitle.setText(
            f"{t.params:,} parameters · {human_count(t.macs)} MACs · {lines} lines · needs only torch · "
            "the comment after each layer is its output shape"
        )

    def default_file_name(self) -> str:
        suffix = "_keras" if self.framework == "keras" else ""
        return f"{_file_stem(self.design.name)}{suffix}.py"

    def copy_code(self) -> None:
        if not self.code:
            return
        QGuiApplication.clipboard().setText(self.code)
        self.status.setText(f"Copied {self.code.count(chr(10))} lines to the clipboard.")

    def save_as(self) -> Path | None:
        if not self.code:
            return None
        folder = self.saved_path.parent if self.saved_path else self.start_dir
        start = str(folder / self.default_file_name()) if folder else self.default_file_name()
        chosen, _ = QFileDialog.getSaveFileName(
            self, f"Save {self.framework_label} code", start, PY_FILTER
        )
        if not chosen:
            return None
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".py")
        try:
            write_atomic(path, self.code.encode("utf-8"))
        except OSError as exc:
            QMessageBox.critical(self, "Cannot save the code", f"{path}: {exc.strerror or exc}")
            return None
        self.saved_path = path
        self.status.setText(f"Saved {path}")
        return path


# ---------------------------------------------------------------------------- model import


def parse_input_shapes(text: str) -> list[tuple[int, ...]]:
    """``"3, 224, 224"`` (or ``3x224x224``, ``3×224×224``); several inputs separated by ``;``.

    Raises ``ValueError`` with a message for the dialog. Empty text gives ``[]``.
    """
    shapes: list[tuple[int, ...]] = []
    for n, part in enumerate(text.split(";")):
        if not part.strip():
            if text.strip():
                raise ValueError("an input shape is empty (inputs are separated by ;)")
            continue
        items = [s.strip() for s in re.split(r"[,x×\s]+", part.strip()) if s.strip()]
        try:
            shape = tuple(int(s) for s in items)
        except ValueError:
            shape = ()
        if len(shape) not in (1, 3) or any(v < 1 for v in shape):
            which = f"input {n + 1} " if ";" in text else ""
            raise ValueError(
                f"input shape {which}{part.strip()!r}: expected channels, height, width (e.g. 3, 224, 224) "
                "or a length for a vector, without the batch axis"
            )
        shapes.append(shape)
    return shapes


class ImportModelDialog(QDialog):
    """File ▸ Import Model…: a PyTorch (or Keras) class or function from a ``.py`` file, an ONNX model or a
    saved Keras model."""

    def __init__(
        self,
        parent: QWidget | None = None,
        path: str | Path | None = None,
        start_dir: str | Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("import_model_dialog")
        self.setWindowTitle("Import Model")
        self.setMinimumWidth(640)
        self.start_dir = str(start_dir) if start_dir else ""
        self.result_import: ImportResult | None = None
        self.candidates: list[Candidate] = []
        self._file_problem = ""
        self._declared_inputs: list[tuple[str, list[int | None]]] = []
        self._prefilled_shape = ""
        self._importing: ImportJob | None = None  # the import running, if any (tests watch it)
        self._keras_source = False  # a .py file that imports keras

        intro = QLabel(
            "Make a design from an existing model: a PyTorch <b>nn.Module</b> class (or a function "
            "returning one, or returning a Keras model) in a <b>.py</b> file, a saved Keras model "
            "(<b>.keras</b>, <b>.h5</b>) or an <b>.onnx</b> file. Unsupported operations become "
            "Unsupported layers (errors until replaced), never silent gaps."
        )
        intro.setWordWrap(True)

        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("path")
        self.path_edit.setPlaceholderText("model.py, model.keras, model.h5 or model.onnx")
        self.path_edit.setClearButtonEnabled(True)
        browse = QPushButton("&Browse…")
        browse.setObjectName("browse")
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.setContentsMargins(0, 0, 0, 0)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        file_box = QWidget()
        file_box.setLayout(file_row)

        self.model_combo = QComboBox()
        self.model_combo.setObjectName("model")
        self.model_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_combo.setMinimumContentsLength(30)
        self.model_hint = QLabel()
        self.model_hint.setObjectName("model_hint")
        self.args_edit = QLineEdit()
        self.args_edit.setObjectName("args")
        self.args_edit.setPlaceholderText('JSON, e.g. {"num_classes": 10} or [10]; empty for none')
        self.shape_edit = QLineEdit()
        self.shape_edit.setObjectName("input_shape")
        self.shape_edit.setPlaceholderText("3, 224, 224")
        self.shape_hint = QLabel()
        self.shape_hint.setObjectName("shape_hint")
        for hint in (self.model_hint, self.shape_hint):
            hint.setWordWrap(True)
            hint.setStyleSheet(f"color: {theme.TEXT_MUTED.name()}; font-size: 8.5pt;")
        self.model_row = _with_hint(self.model_combo, self.model_hint)
        self.shape_row = _with_hint(self.shape_edit, self.shape_hint)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(10)
        form.addRow("&File:", file_box)
        form.addRow("&Model:", self.model_row)
        form.addRow("&Arguments:", self.args_edit)
        form.addRow("Input &shape:", self.shape_row)
        self.form = form
        for row, field in ((self.model_row, self.model_combo), (self.shape_row, self.shape_edit)):
            label = form.labelForField(row)  # the mnemonic focuses the field, not its box
            if isinstance(label, QLabel):
                label.setBuddy(field)

        self.run_note_label = QLabel()
        self.run_note_label.setObjectName("run_note_text")
        self.run_note = _message_frame(
            "run_note", _NOTE_FRAME, QStyle.StandardPixmap.SP_MessageBoxWarning, self.run_note_label
        )
        self.problem_label = QLabel()
        self.problem_label.setObjectName("problem_text")
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem = _message_frame(
            "problem", _ERROR_FRAME, QStyle.StandardPixmap.SP_MessageBoxCritical, self.problem_label
        )

        self.todo = QLabel()
        self.todo.setObjectName("todo")
        self.todo.setWordWrap(True)
        self.todo.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("&Import")
        self.buttons.accepted.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.run_note)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.todo, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

        self.path_edit.textChanged.connect(self._path_changed)
        self.model_combo.currentIndexChanged.connect(self._model_changed)
        self.args_edit.textChanged.connect(self._validate)
        self.shape_edit.textChanged.connect(self._validate)
        # A path typed by hand is read once the typing pauses, not at every key.
        self._path_timer = QTimer(self)
        self._path_timer.setSingleShot(True)
        self._path_timer.setInterval(300)
        self._path_timer.timeout.connect(self.read_file)
        if path is not None:
            self.set_path(path)
        else:
            self.read_file()

    # ------------------------------------------------------------------ state

    @property
    def path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    @property
    def kind(self) -> str:
        """``"python"``, ``"onnx"``, ``"keras"`` (a saved model) or ``""`` (no file, or another suffix)."""
        p = self.path
        if p is None:
            return ""
        return {
            ".py": "python",
            ".onnx": "onnx",
            ".keras": "keras",
            ".h5": "keras",
            ".hdf5": "keras",
        }.get(p.suffix.lower(), "")

    def set_path(self, path: str | Path) -> None:
        with QSignalBlocker(self.path_edit):
            self.path_edit.setText(str(path))
        self.read_file()

    def browse(self) -> None:
        start = str(self.path.parent) if self.path else self.start_dir
        chosen, _ = QFileDialog.getOpenFileName(self, "Import a model", start, MODEL_FILTER)
        if chosen:
            self.set_path(chosen)

    def selected_candidate(self) -> Candidate | None:
        data = self.model_combo.currentData()
        return data if isinstance(data, Candidate) else None

    # ---------------------------------------------------------------- reading

    def _path_changed(self) -> None:
        self._path_timer.start()

    def read_file(self) -> None:
        """Read the chosen file without running it: candidates of a .py, declared inputs of an .onnx."""
        self._path_timer.stop()
        self.candidates = []
        self._declared_inputs = []
        self._file_problem = ""
        self._keras_source = False
        path, kind = self.path, self.kind
        if path is None:
            pass
        elif not path.is_file():
            self._file_problem = f"{path}: no such file"
        elif not kind:
            self._file_problem = (
                f"{path.name}: choose a .py file (PyTorch or Keras), an .onnx file or a saved "
                "Keras model (.keras, .h5)"
            )
        elif kind == "python":
            try:
                self.candidates = list_candidates(path)
                from designer.convert.from_keras import uses_keras

                self._keras_source = uses_keras(path)
            except ConversionError as exc:
                self._file_problem = str(exc)
            else:
                if not self.candidates:
                    self._file_problem = (
                        f"{path.name} defines no public class or function to import"
                    )
        elif kind == "onnx":
            self._read_onnx_inputs()
        elif kind == "keras":
            from designer.convert.from_keras import declared_input_shapes

            try:
                self._declared_inputs = declared_input_shapes(path)
            except ConversionError as exc:
                self._file_problem = str(exc)
            else:
                self._prefill_shapes()
        self._fill_candidates()
        self._update_fields()
        self._validate()

    def _read_onnx_inputs(self) -> None:
        from designer.convert.from_onnx import declared_input_shapes

        assert self.path is not None
        try:
            self._declared_inputs = declared_input_shapes(self.path)
        except ConversionError as exc:
            self._file_problem = str(exc)
            return
        self._prefill_shapes()

    def _prefill_shapes(self) -> None:
        """Put the shapes the file declares into the shape field (unless the user typed others)."""
        declared = self._declared_inputs
        if declared and all(
            len(s) in (1, 3) and all(v is not None for v in s) for _, s in declared
        ):
            text = "; ".join(", ".join(str(v) for v in s) for _, s in declared)
            current = self.shape_edit.text().strip()
            if not current or current == self._prefilled_shape:
                with QSignalBlocker(self.shape_edit):
                    self.shape_edit.setText(text)
                self._prefilled_shape = text

    def _fill_candidates(self) -> None:
        combo = self.model_combo
        with QSignalBlocker(combo):
            combo.clear()
            models = [c for c in self.candidates if c.looks_like_model]
            others = [c for c in self.candidates if not c.looks_like_model]
            for group in (models, others):
                if group and combo.count():
                    combo.insertSeparator(combo.count())
                for c in group:
                    combo.addItem(f"{c.label}", c)
                    tip = f"{c.kind} {c.name}, line {c.line}" + (
                        f": {c.summary}" if c.summary else ""
                    )
                    combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            if self.candidates:
                combo.setCurrentIndex(0)
        self._model_changed()

    def _model_changed(self, _index: int = -1) -> None:
        c = self.selected_candidate()
        if c is None:
            self.model_hint.setText("")
            self.model_hint.setVisible(False)
        elif self._keras_source:
            doc = f": {c.summary.rstrip('.')}" if c.summary else ""
            what = (
                "A function that should return a Keras model" if c.kind == "function" else "A class"
            )
            self.model_hint.setText(f"{what} (line {c.line}){doc}. Arguments: {c.signature}")
            self.model_hint.setVisible(True)
        else:
            what = (
                "An nn.Module class"
                if c.kind == "class" and c.looks_like_model
                else (
                    "A class" if c.kind == "class" else "A function that should return an nn.Module"
                )
            )
            doc = f": {c.summary.rstrip('.')}" if c.summary else ""
            self.model_hint.setText(f"{what} (line {c.line}){doc}. Arguments: {c.signature}")
            self.model_hint.setVisible(True)
        self._validate()

    def _update_fields(self) -> None:
        kind = self.kind
        python = kind == "python"
        for widget in (self.model_row, self.args_edit):
            widget.setEnabled(python)
            self.form.setRowVisible(widget, python)
        if kind == "keras" or (python and self._keras_source):
            declared = ", ".join(
                f"{name} [{', '.join('?' if v is None else str(v) for v in shape)}]"
                for name, shape in self._declared_inputs
            )
            self.shape_hint.setText(
                "Optional for Keras models: leave it as the model declares it"
                + (f" ({declared}: channels, height, width)" if declared else "")
                + ", or give other sizes as channels, height, width (the design's order, not Keras' H×W×C)"
            )
        elif kind == "onnx":
            declared = ", ".join(
                f"{name} [{', '.join('?' if v is None else str(v) for v in shape)}]"
                for name, shape in self._declared_inputs
            )
            self.shape_hint.setText(
                "Optional for ONNX: leave it as the file declares it"
                + (f" ({declared}, batch axis left out)" if declared else "")
                + ", or give other sizes. Several inputs: separate them with ;"
            )
        else:
            self.shape_hint.setText(
                "Channels, height, width without the batch axis (or a length for a vector). "
                "A forward() with several tensors: separate their shapes with ;"
            )
        name = self.path.name if self.path is not None else "the file"
        self.run_note_label.setText(
            f"Importing runs the Python code in {name}: its top-level statements and the chosen class or "
            'function (but not its  if __name__ == "__main__":  block). Only import files you trust.'
        )
        self.run_note.setVisible(python)

    # -------------------------------------------------------------- validation

    def problems(self) -> list[tuple[str, str, bool]]:
        """Why Import cannot run yet, as (field, message, missing) triples; empty when it can.

        Fields: ``file``, ``model``, ``args``, ``shape``. ``missing`` is True for a value not
        given yet (said quietly beside the buttons), False for a wrong one (in red).
        """
        if self.path is None:
            return [("file", "choose a .py, .keras, .h5 or .onnx file", True)]
        if self._file_problem:
            return [("file", self._file_problem, False)]
        out: list[tuple[str, str, bool]] = []
        kind = self.kind
        if kind == "python":
            if self.selected_candidate() is None:
                out.append(("model", "choose the class or function that builds the model", True))
            try:
                parse_call_args(self.args_edit.text(), "the Arguments field")
            except ConversionError as exc:
                out.append(("args", str(exc), False))
        try:
            shapes = parse_input_shapes(self.shape_edit.text())
        except ValueError as exc:
            out.append(("shape", str(exc), False))
        else:
            declared = self._declared_inputs
            if kind == "python" and not shapes and not self._keras_source:
                out.append(("shape", "give the input shape, e.g. 3, 224, 224", True))
            elif (
                kind in ("onnx", "keras")
                and not shapes
                and any(None in s or len(s) not in (1, 3) for _, s in declared)
            ):
                out.append(
                    (
                        "shape",
                        "the file does not declare a fixed input size: give the input shape, "
                        "e.g. 3, 224, 224",
                        True,
                    )
                )
            elif kind in ("onnx", "keras") and shapes and len(shapes) != len(declared):
                n = len(declared)
                out.append(
                    (
                        "shape",
                        f"the model has {n} input{'s' if n != 1 else ''} but {len(shapes)} "
                        f"shape{'s were' if len(shapes) != 1 else ' was'} given",
                        False,
                    )
                )
        return out

    def _validate(self) -> bool:
        problems = self.problems()
        wrong = [(f, m) for f, m, missing in problems if not missing]
        todo = [m for _, m, missing in problems if missing]
        self._show_problem("\n".join(m for _, m in wrong))
        self.todo.setText(f"To import: {'; '.join(todo)}." if todo else "")
        fields = {f for f, _ in wrong}
        self.args_edit.setStyleSheet(_INVALID_EDIT if "args" in fields else "")
        self.shape_edit.setStyleSheet(_INVALID_EDIT if "shape" in fields else "")
        self.import_button.setEnabled(not problems)
        return not problems

    def _show_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem.setVisible(bool(text))

    # ------------------------------------------------------------------ import

    def run_import(self) -> bool:
        """Run the import off the GUI thread (progress, Cancel); on success keep the result and
        accept, else show why. The window stays responsive while the model's code runs."""
        if self._path_timer.isActive():
            self.read_file()
        if not self._validate():
            return False
        job = ImportJob(self._import)
        self._importing = job
        self.setEnabled(False)  # nothing the import reads changes while it runs
        try:
            outcome = job.run(self, f"Importing {self.path.name if self.path else 'the model'}")
        finally:
            self._importing = None
            self.setEnabled(True)
        if outcome == "cancelled":
            self._show_problem("Import cancelled.")
            return False
        if job.error is not None:
            exc = job.error
            if isinstance(exc, ConversionError):
                self._show_problem(f"Import failed: {exc}")
            else:  # the user's own code can raise anything while traced
                self._show_problem(f"Import failed: {type(exc).__name__}: {exc}")
            return False
        assert job.result is not None
        self.result_import = job.result
        self.accept()
        return True

    def _import(self) -> ImportResult:
        path = self.path
        assert path is not None
        shapes = parse_input_shapes(self.shape_edit.text())
        if self.kind == "onnx":
            from designer.convert.from_onnx import import_onnx

            return import_onnx(path, input_shapes=shapes or None)
        if self.kind == "keras":
            from designer.convert.from_keras import import_keras

            return import_keras(path, input_shapes=shapes or None)
        candidate = self.selected_candidate()
        assert candidate is not None
        if self._keras_source:
            from designer.convert.from_keras import import_keras_build_fn

            return import_keras_build_fn(
                path,
                candidate.name,
                self.args_edit.text(),
                input_shapes=shapes or None,
                args_label="the Arguments field",
            )
        from designer.convert.python_source import import_python_model

        # torch is checked (with what to install) before the file runs

        return import_python_model(
            path, candidate.name, shapes, self.args_edit.text(), args_label="the Arguments field"
        )


# ----------------------------------------------------------------------- importing off the GUI thread


class ImportCancelled(BaseException):
    """Raised inside the import thread when the user cancels (a BaseException: the model's own
    ``except Exception`` handlers do not swallow it)."""


class ImportJob:
    """One import on a worker thread, waited for with a progress dialog and a Cancel button.

    Cancel returns at once: the window is free again and the result is discarded. The thread is
    asked to stop by raising ``ImportCancelled`` in it, which takes effect at its next Python
    statement (a long call inside torch's C code finishes first, in the background).
    """

    #: The progress dialog appears when an import takes longer than this (milliseconds).
    SHOW_AFTER_MS = 300

    def __init__(self, work: Callable[[], ImportResult]) -> None:
        self._work = work
        self.result: ImportResult | None = None
        self.error: BaseException | None = None
        self.progress: QProgressDialog | None = None
        self._thread = threading.Thread(target=self._run, name="cnn-designer import", daemon=True)

    def _run(self) -> None:
        try:
            self.result = self._work()
        except ImportCancelled:
            pass
        except BaseException as exc:  # reported in the dialog, never lost
            self.error = exc

    def run(self, parent: QWidget, title: str) -> str:
        """Start, wait with the event loop running; "done" or "cancelled"."""
        progress = QProgressDialog(
            f"{title}: running the model's code and tracing it…", "Cancel", 0, 0, parent
        )
        progress.setObjectName("import_progress")
        progress.setWindowTitle("Import Model")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(2**30)  # shown by poll() below, after SHOW_AFTER_MS
        progress.setAutoReset(False)
        progress.setAutoClose(False)
        self.progress = progress
        loop = QEventLoop()
        outcome = {"value": "done"}
        started = time.monotonic()

        def poll() -> None:
            elapsed = time.monotonic() - started
            if not self._thread.is_alive():
                loop.quit()
            elif elapsed * 1000 >= self.SHOW_AFTER_MS:
                progress.setLabelText(
                    f"{title}: running the model's code and tracing it… {elapsed:.0f} s"
                )
                if not progress.isVisible():
                    progress.show()

        def cancel() -> None:
            outcome["value"] = "cancelled"
            self.cancel()
            loop.quit()

        timer = QTimer()
        timer.setInterval(50)
        timer.timeout.connect(poll)
        progress.canceled.connect(cancel)
        self._thread.start()
        timer.start()
        if self._thread.is_alive():
            loop.exec()
        timer.stop()
        progress.canceled.disconnect(cancel)
        progress.close()
        progress.deleteLater()
        self.progress = None
        if outcome["value"] == "done":
            self._thread.join()
            if time.monotonic() - started > self.SHOW_AFTER_MS / 1000:
                QApplication.alert(parent)  # a long import: the user may have switched away
        return outcome["value"]

    def cancel(self) -> None:
        """Ask the worker thread to stop (at its next Python statement)."""
        ident = self._thread.ident
        if ident is not None and self._thread.is_alive():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(ident), ctypes.py_object(ImportCancelled)
            )


# ----------------------------------------------------------------------- window entry points


def show_code_preview(window: MainWindow, framework: str = "pytorch") -> None:
    """File ▸ Export ▸ PyTorch Code… (or Keras Code…: the same dialog, switched to Keras)."""
    doc = window.document
    dialog = CodePreviewDialog(
        doc.design,
        window,
        doc.path.parent if doc.path else None,
        framework=framework,
        analysis=doc.analysis,
    )
    try:
        dialog.exec()
        if dialog.saved_path is not None:
            window.show_message(f"Saved {dialog.framework_label} code to {dialog.saved_path}")
    finally:
        dialog.deleteLater()


def export_onnx_file(window: MainWindow) -> Path | None:
    """File ▸ Export ▸ ONNX Graph…: ask for a file, write the design's ONNX graph (zero weights)."""
    from designer.export.onnx_model import OnnxExporter

    doc = window.document
    folder = doc.path.parent if doc.path else None
    name = f"{_file_stem(doc.design.name)}.onnx"
    start = str(folder / name) if folder else name
    chosen, _ = QFileDialog.getSaveFileName(window, "Export ONNX graph", start, ONNX_FILTER)
    if not chosen:
        return None
    path = Path(chosen)
    if not path.suffix:
        path = path.with_suffix(".onnx")
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        data = OnnxExporter(doc.design).export(path)
    except CodeGenerationError as exc:
        QApplication.restoreOverrideCursor()
        QMessageBox.warning(window, "No ONNX graph", str(exc))
        return None
    except OSError as exc:
        QApplication.restoreOverrideCursor()
        QMessageBox.critical(window, "Cannot write the ONNX file", f"{path}: {exc.strerror or exc}")
        return None
    QApplication.restoreOverrideCursor()
    window.show_message(
        f"Wrote {path} ({human_count(len(data))}B; zero weights: open it in Netron)"
    )
    return path


def import_model(window: MainWindow, path: str | Path | None = None) -> bool:
    """File ▸ Import Model…: ask about unsaved changes, run the dialog, open the result."""
    if not window.maybe_save():
        return False
    doc = window.document
    dialog = ImportModelDialog(window, path, doc.path.parent if doc.path else None)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_import is None:
            return False
        result = dialog.result_import
    finally:
        dialog.deleteLater()
    window.load_design(result.design, None)
    report_import(window, result)
    return True


def import_summary(result: ImportResult) -> str:
    design = result.design
    t = analyze(design).totals()
    errors = sum(1 for n in result.notes if n.severity == "error")
    warnings = sum(1 for n in result.notes if n.severity == "warning")
    notes = ""
    if errors or warnings:
        notes = f"; {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    return (
        f"Imported {design.name}: {plural(len(design), 'layer')}, {t.params:,} parameters "
        f"({human_count(t.params)}), {human_count(t.macs)} MACs{notes}"
    )


def report_import(window: MainWindow, result: ImportResult, limit: int = 8) -> None:
    """The summary in the status bar; the notes (what was not carried over exactly) in a message box."""
    summary = import_summary(result)
    window.show_message(summary)
    shown = [n for n in result.notes if n.severity != "info"]
    if not shown:
        return
    lines = [f"• {n}" for n in shown[:limit]]
    if len(shown) > limit:
        lines.append(f"… and {len(shown) - limit} more.")
    has_errors = any(n.severity == "error" for n in shown)
    after = (
        "Unsupported layers are marked in red on the canvas: replace them with equivalent layers. "
        if has_errors
        else ""
    )
    counts = result.unsupported_counts()
    ops = (
        ("Unsupported operations: " + ", ".join(f"{op} ×{n}" for op, n in counts.items()) + "\n\n")
        if counts
        else ""
    )
    text = (
        f"{summary}.\n\n{ops}What could not be carried over exactly:\n"
        + "\n".join(lines)
        + f"\n\n{after}The notes are kept in the design's description."
    )
    box = QMessageBox.warning if has_errors else QMessageBox.information
    box(window, "Import notes", text)

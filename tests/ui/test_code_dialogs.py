"""File ▸ Export ▸ PyTorch Code… and File ▸ Import Model…: the dialogs and their wiring in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextCharFormat
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from designer.core.fileformat import load_design
from designer.export.pytorch_code import PyTorchCodeExporter
from designer.ui.code_dialogs import (
    CodePreviewDialog,
    ImportModelDialog,
    parse_input_shapes,
)
from designer.ui.code_view import CodeView, PythonHighlighter
from designer.ui.main_window import MainWindow
from designer.ui.template_dialog import templates_folder
from tests.torch_oracle import requires_torch

DATA = Path(__file__).resolve().parents[1] / "data"
RESNET18 = templates_folder() / "resnet18.json"
ALEXNET = templates_folder() / "alexnet_paper.json"
BROKEN = DATA / "designs" / "resnet_block_broken.json"

MODEL_SOURCE = '''
"""Models for the import dialog tests. Importing this file leaves a marker beside it."""
from pathlib import Path

Path(__file__).with_name("imported.marker").write_text("this file ran", encoding="utf-8")

import torch
from torch import nn


class TinyNet(nn.Module):
    """A convolution, a pool and a classifier."""

    def __init__(self, num_classes=10, width=8):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(width * 16 * 16, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.relu(self.conv(x))), 1))


class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        raise RuntimeError("no weights here")


class Helper:
    pass


def make_tiny(num_classes=3):
    return TinyNet(num_classes)
'''


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny_models.py"
    path.write_text(MODEL_SOURCE, encoding="utf-8")
    return path


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    w = MainWindow()
    qtbot.addWidget(w)
    w.load_design(load_design(ALEXNET), ALEXNET)
    return w


@pytest.fixture
def messages(monkeypatch) -> list[str]:
    """Every QMessageBox.critical / warning / information shown, as 'title: text'."""
    shown: list[str] = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(
            QMessageBox,
            name,
            staticmethod(
                lambda parent, title, text, *a, _n=name, **k: shown.append(f"{_n} {title}: {text}")
            ),
        )
    return shown


def _highlighted(view: CodeView, line_text: str) -> list[tuple[str, str]]:
    """(text, colour name) of every highlighted range on the first line containing
    ``line_text``, once that line is scrolled into view and painted (lines are coloured as they
    come into view)."""
    block = view.document().begin()
    while block.isValid() and line_text not in block.text():
        block = block.next()
    assert block.isValid(), line_text
    cursor = view.textCursor()
    cursor.setPosition(block.position())
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    view.viewport().grab()  # painted as on screen
    text = block.text()
    return [
        (text[r.start : r.start + r.length], r.format.foreground().color().name())
        for r in block.layout().formats()
    ]


def _colours(highlighter: PythonHighlighter) -> dict[str, str]:
    return {k: f.foreground().color().name() for k, f in highlighter.formats.items()}


# ------------------------------------------------------------------------------- code preview


def test_preview_shows_highlighted_code_for_a_template(qtbot) -> None:
    design = load_design(RESNET18)
    dialog = CodePreviewDialog(design)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    code = dialog.editor.toPlainText()
    assert "class ResNet18(nn.Module):" in code
    assert "# 56×56×64" in code
    assert code == PyTorchCodeExporter(design).export().decode("utf-8")
    assert dialog.editor.isReadOnly()
    assert dialog.error_frame.isHidden() and not dialog.editor.isHidden()
    assert dialog.copy_button.isEnabled() and dialog.save_button.isEnabled()
    assert dialog.title.text() == "class ResNet18(nn.Module)"
    assert "11,689,512 parameters" in dialog.subtitle.text()

    colour = _colours(dialog.highlighter)
    doc = dialog.editor
    line = _highlighted(doc, "x = self.layer1_0_conv1(maxpool)")
    assert ("# 56×56×64  (64×56×56)", colour["shape"]) in line
    assert ("self", colour["self"]) in line
    assert _highlighted(doc, "class ResNet18(nn.Module):") == [
        ("class", colour["keyword"]),
        ("ResNet18", colour["defined"]),
    ]
    assert _highlighted(doc, "bias=False)  # 36,864 params")[-1] == (
        "# 36,864 params",
        colour["shape"],
    )
    warning = _highlighted(doc, "# warning: conv1:")
    assert len(warning) == 1 and warning[0][1] == colour["note"]


def test_highlighter_strings_span_lines_and_hide_keywords(qtbot) -> None:
    editor = CodeView()
    qtbot.addWidget(editor)
    highlighter = editor.highlighter
    editor.setPlainText(
        'x = """doc\nif not # here\n"""  # 3 params\ny = "a # b" + 0x1F  # a note\n'
    )
    editor.show()
    qtbot.waitExposed(editor)
    doc = editor
    colour = _colours(highlighter)
    assert _highlighted(doc, "if not") == [
        ("if not # here", colour["string"])
    ]  # in the docstring: no keywords
    assert _highlighted(doc, '"""  #') == [
        ('"""', colour["string"]),
        ("# 3 params", colour["shape"]),
    ]
    line = _highlighted(doc, "y = ")
    assert ('"a # b"', colour["string"]) in line and ("0x1F", colour["number"]) in line
    assert ("# a note", colour["comment"]) in line


# Lines with docstrings of both kinds, three quotes inside comments and strings (which open
# nothing), an unterminated string, a decorator, text outside the BMP: the states lines start in.
_TRICKY = [
    'class A:  # """ not a docstring',
    '    """A docstring',
    "    if not while # inside: no keywords, no comment",
    '    ends here"""  # 3 params',
    """    x = '\"\"\"' + "'''"  # quotes in strings open nothing""",
    "    @property",
    "    def f(self): return 0x1F  # note: \U0001d518\U0001d52b",
    "    y = '''one",
    "    two ''' + 'open",
    "    z = 1  # 56×56×64",
]


def _sequential_spans(highlighter: PythonHighlighter, lines: list[str]) -> list[list]:
    """Each line's spans, coloured in order from the first line (what Qt's QSyntaxHighlighter
    does on every change of the text)."""
    out, state = [], 0
    for line in lines:
        spans, state = highlighter.spans(line, state)
        out.append(spans)
    return out


def _formats_match(highlighter: PythonHighlighter, block, want: list) -> None:
    text = block.text()
    units = [len(text[:i].encode("utf-16-le")) // 2 for i in range(len(text) + 1)]
    got = [(r.start, r.length, QTextCharFormat(r.format)) for r in block.layout().formats()]
    assert got == [
        (units[a], units[b] - units[a], highlighter.formats[style]) for a, b, style in want
    ], text


def test_lines_are_coloured_as_they_come_into_view(qtbot) -> None:
    """20,000 lines: setting the text colours none; the lines in view are coloured before they
    are painted; a jump to the end (Ctrl+End) colours only the last lines, exactly as colouring
    every line in order would (docstring states included)."""
    body = [f"        x{n} = self.conv{n}(x{n - 1})  # 56×56×64  (64×56×56)" for n in range(2000)]
    lines = (_TRICKY + body) * 10
    view = CodeView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.setPlainText("\n".join(lines))
    highlighter = view.highlighter
    assert highlighter.blocks_formatted == 0
    view.show()
    qtbot.waitExposed(view)
    view.viewport().grab()
    shown = highlighter.blocks_formatted
    assert 10 <= shown <= 60  # the lines in view, not 20,100
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    view.viewport().grab()
    assert view.firstVisibleBlock().blockNumber() > len(lines) - 60
    assert shown < highlighter.blocks_formatted <= 2 * shown + 10
    expected = _sequential_spans(highlighter, lines)
    block = view.firstVisibleBlock()
    checked = 0
    while block.isValid():
        _formats_match(highlighter, block, expected[block.blockNumber()])
        checked += 1
        block = block.next()
    assert checked >= 10


def test_lines_coloured_in_any_order_match_colouring_in_order(qtbot) -> None:
    """Whatever order lines come into view in, each is coloured as in a pass from the top."""
    import random

    lines = _TRICKY * 6
    view = CodeView()
    qtbot.addWidget(view)
    view.setPlainText("\n".join(lines))
    highlighter = view.highlighter
    expected = _sequential_spans(highlighter, lines)
    assert any(spans and spans[0][2] == "string" for spans in expected[1:4])  # a docstring
    numbers = list(range(len(lines)))
    random.Random(15).shuffle(numbers)
    doc = view.document()
    for n in numbers:
        block = doc.findBlockByNumber(n)
        assert highlighter.format_blocks(block, n) == 1
        assert highlighter.format_blocks(block, n) == 0  # coloured once
    for n, want in enumerate(expected):
        _formats_match(highlighter, doc.findBlockByNumber(n), want)
    # New text: every line is coloured again when next shown.
    view.setPlainText("\n".join(lines[:3]))
    assert highlighter.format_blocks(doc.begin(), 2) == 3


def test_the_window_preview_reads_the_live_analysis(window: MainWindow, monkeypatch) -> None:
    """File ▸ Export ▸ PyTorch Code… and the switch to Keras write the code from the window's
    own analysis: no analysis of the whole design is made again (two per preview before)."""
    import designer.export.keras_code as keras_module
    import designer.export.pytorch_code as torch_module
    import designer.ui.code_dialogs as dialogs_module
    from designer.core.analysis import analyze

    made: list[object] = []

    def counting(design):
        made.append(design)
        return analyze(design)

    for module in (torch_module, keras_module, dialogs_module):
        monkeypatch.setattr(module, "analyze", counting)
    shown: list[CodePreviewDialog] = []

    def fake_exec(self: CodePreviewDialog) -> int:
        shown.append(self)
        self.set_framework("keras")  # AlexNet's LRN has no Keras layer: the message
        assert "Keras cannot express part of it" in self.subtitle.text()
        self.set_framework("pytorch")
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(CodePreviewDialog, "exec", fake_exec)
    window.export_code_action.trigger()
    dialog = shown[0]
    assert "class AlexNet" in dialog._generated["pytorch"][0]
    assert "lrn1" in dialog._generated["keras"][1]
    assert dialog.analysis is window.document.analysis
    assert made == []
    totals = window.document.analysis.totals()
    assert f"{totals.params:,} parameters" in dialog.subtitle.text()


def test_copy_puts_the_module_on_the_clipboard(qtbot) -> None:
    dialog = CodePreviewDialog(load_design(RESNET18))
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.code
    assert "Copied" in dialog.status.text()


def test_save_as_writes_the_file(qtbot, tmp_path: Path, monkeypatch) -> None:
    design = load_design(RESNET18)
    dialog = CodePreviewDialog(design, start_dir=tmp_path)
    qtbot.addWidget(dialog)
    asked: list[str] = []

    def choose(parent, caption, start, filters, *a, **k):
        asked.append(start)
        return str(tmp_path / "my_resnet"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    dialog.save_button.click()
    out = tmp_path / "my_resnet.py"  # the suffix is added
    assert out.read_bytes() == PyTorchCodeExporter(design).export()
    assert asked == [str(tmp_path / "resnet_18.py")]
    assert dialog.saved_path == out and str(out) in dialog.status.text()
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write: no temporary file left


def test_save_as_failure_is_a_message(
    qtbot, tmp_path: Path, monkeypatch, messages: list[str]
) -> None:
    dialog = CodePreviewDialog(load_design(RESNET18))
    qtbot.addWidget(dialog)
    target = tmp_path / "missing_folder" / "model.py"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    assert dialog.save_as() is None
    assert len(messages) == 1 and messages[0].startswith("critical Cannot save the code:")
    assert str(target) in messages[0]
    assert dialog.saved_path is None


def test_save_as_cancelled_writes_nothing(qtbot, tmp_path: Path, monkeypatch) -> None:
    dialog = CodePreviewDialog(load_design(RESNET18), start_dir=tmp_path)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    assert dialog.save_as() is None
    assert list(tmp_path.iterdir()) == []


def test_a_design_with_errors_shows_the_message_and_no_code(qtbot) -> None:
    design = load_design(BROKEN)
    dialog = CodePreviewDialog(design)
    qtbot.addWidget(dialog)
    assert dialog.code == "" and dialog.editor.toPlainText() == ""
    assert dialog.editor.isHidden() and not dialog.error_frame.isHidden()
    text = dialog.error_label.text()
    assert text.startswith("cannot generate PyTorch code for")
    assert "layer 'add'" in text and "Traceback" not in text
    assert not dialog.copy_button.isEnabled() and not dialog.save_button.isEnabled()
    assert dialog.save_as() is None
    dialog.copy_code()  # nothing to copy: no effect, no crash
    assert dialog.status.text() == ""


def test_window_export_menu_opens_the_preview(window: MainWindow, monkeypatch) -> None:
    titles = [a.text() for a in window.export_menu.actions()]
    assert titles == ["&Figure (PNG/SVG)…", "&PyTorch Code…", "&Keras Code…", "&ONNX Graph…"]
    file_menu = window.menuBar().actions()[0].menu()
    assert window.import_model_action in file_menu.actions()
    shown: list[CodePreviewDialog] = []

    def fake_exec(self: CodePreviewDialog) -> int:
        shown.append(self)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(CodePreviewDialog, "exec", fake_exec)
    window.export_code_action.trigger()
    assert len(shown) == 1
    assert "class AlexNet" in shown[0].code
    assert shown[0].start_dir == ALEXNET.parent


# -------------------------------------------------------------------------------- import


def test_parse_input_shapes() -> None:
    assert parse_input_shapes("3, 224, 224") == [(3, 224, 224)]
    assert parse_input_shapes(" 3x32×32 ; 10 ") == [(3, 32, 32), (10,)]
    assert parse_input_shapes("  ") == []
    for bad, message in [
        ("3, 224", "expected channels, height, width"),
        ("3, 0, 4", "expected"),
        ("a, b, c", "'a, b, c'"),
        ("3,8,8;", "empty"),
        ("3,8,8; 2,2", "input 2 '2,2'"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_input_shapes(bad)


def test_lists_candidates_without_running_the_file(qtbot, model_file: Path) -> None:
    dialog = ImportModelDialog(path=model_file)
    qtbot.addWidget(dialog)
    combo = dialog.model_combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    # models first (classes deriving from nn.Module, factory functions), then the rest
    assert labels == [
        "TinyNet(num_classes=10, width=8)",
        "Broken()",
        "make_tiny(num_classes=3)",
        "",
        "Helper()",
    ]
    assert not (model_file.parent / "imported.marker").exists()
    assert dialog.selected_candidate().name == "TinyNet"
    assert dialog.model_hint.text() == (
        "An nn.Module class (line 11): A convolution, a pool and a classifier. "
        "Arguments: (num_classes=10, width=8)"
    )
    assert not dialog.run_note.isHidden()
    assert "Importing runs the Python code in tiny_models.py" in dialog.run_note_label.text()
    assert "Only import files you trust" in dialog.run_note_label.text()
    # no input shape yet: Import is disabled and the dialog says why
    assert not dialog.import_button.isEnabled()
    assert dialog.todo.text() == "To import: give the input shape, e.g. 3, 224, 224."
    assert (
        dialog.problem.isHidden() and dialog.shape_edit.styleSheet() == ""
    )  # missing is not wrong


def test_arguments_and_shape_are_validated_as_you_type(qtbot, model_file: Path) -> None:
    dialog = ImportModelDialog(path=model_file)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.shape_edit, "3, 32, 32")
    assert dialog.import_button.isEnabled() and dialog.problem.isHidden()
    qtbot.keyClicks(dialog.args_edit, '{"num_classes": ')
    assert not dialog.import_button.isEnabled()
    assert "the Arguments field is not valid JSON" in dialog.problem_label.text()
    assert "border" in dialog.args_edit.styleSheet()
    qtbot.keyClicks(dialog.args_edit, "5}")
    assert dialog.import_button.isEnabled() and dialog.args_edit.styleSheet() == ""
    dialog.args_edit.setText('"five"')
    assert "must be a JSON list" in dialog.problem_label.text()
    dialog.args_edit.setText("[5]")
    dialog.shape_edit.setText("3, 32")
    assert not dialog.import_button.isEnabled() and "border" in dialog.shape_edit.styleSheet()
    assert "expected channels, height, width" in dialog.problem_label.text()
    assert not (model_file.parent / "imported.marker").exists()


def test_files_that_cannot_be_read(qtbot, tmp_path: Path) -> None:
    dialog = ImportModelDialog()
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled() and dialog.problem.isHidden()  # nothing chosen yet
    assert dialog.todo.text() == "To import: choose a .py, .keras, .h5 or .onnx file."
    dialog.set_path(tmp_path / "absent.py")
    assert "absent.py: no such file" in dialog.problem_label.text()
    other = tmp_path / "weights.bin"
    other.write_bytes(b"\x89HDF")
    dialog.set_path(other)
    assert (
        "choose a .py file (PyTorch or Keras), an .onnx file or a saved Keras model"
        in dialog.problem_label.text()
    )
    junk = tmp_path / "weights.h5"
    junk.write_bytes(b"\x89HDF")
    dialog.set_path(junk)
    assert "weights.h5" in dialog.problem_label.text() and not dialog.import_button.isEnabled()
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n_hidden = 2\n", encoding="utf-8")
    dialog.set_path(empty)
    assert "defines no public class or function" in dialog.problem_label.text()
    assert dialog.model_combo.count() == 0 and not dialog.import_button.isEnabled()


def test_a_typed_path_is_read_after_a_pause(qtbot, model_file: Path) -> None:
    dialog = ImportModelDialog()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.path_edit, str(model_file))
    qtbot.waitUntil(lambda: dialog.model_combo.count() == 5, timeout=3000)


def _configure_and_import(
    shape: str, name: str = "TinyNet", args: str = "", path: Path | None = None
):
    """A stand-in for ImportModelDialog.exec: fill the fields as a user would and press Import."""
    outcome: dict[str, object] = {}

    def fake_exec(self: ImportModelDialog) -> int:
        if path is not None:
            self.set_path(path)
        combo = self.model_combo
        for i in range(combo.count()):
            if combo.itemText(i).startswith(f"{name}("):
                combo.setCurrentIndex(i)
        self.args_edit.setText(args)
        self.shape_edit.setText(shape)
        outcome["enabled"] = self.import_button.isEnabled()
        outcome["ran_before_import"] = (
            self.path is not None and (self.path.parent / "imported.marker").exists()
        )
        if outcome["enabled"]:
            self.import_button.click()
        outcome["problem"] = self.problem_label.text()
        return self.result()

    return fake_exec, outcome


@requires_torch
def test_importing_a_model_opens_it_in_the_window(
    window: MainWindow, model_file: Path, monkeypatch, messages: list[str]
) -> None:
    fake_exec, outcome = _configure_and_import(
        "3, 32, 32", args='{"num_classes": 5}', path=model_file
    )
    monkeypatch.setattr(ImportModelDialog, "exec", fake_exec)
    window.import_model_action.trigger()
    assert outcome["enabled"] and outcome["problem"] == "", outcome
    assert outcome["ran_before_import"] is False  # choosing the file and the class ran nothing
    design = window.document.design
    assert [(ly.id, ly.type) for ly in design] == [
        ("x", "Input"),
        ("conv", "Conv2d"),
        ("relu", "ReLU"),
        ("pool", "MaxPool2d"),
        ("flatten", "Flatten"),
        ("fc", "Linear"),
    ]
    assert design.layer("fc").params == {"out_features": 5}
    assert design.name == "TinyNet" and "tiny_models.py:TinyNet" in design.description
    assert set(design.layout) == set(design.ids)  # laid out
    assert window.document.path is None and not window.document.is_modified
    assert window.document.analysis.info["fc"].output_shape == (5,)
    assert (model_file.parent / "imported.marker").exists()  # the file ran, on Import
    assert "Imported TinyNet: 6 layers, 10,469 parameters" in window.statusBar().currentMessage()
    assert messages == []  # a clean import needs no message box
    assert "unsaved" in window.windowTitle()


@requires_torch
def test_unsupported_operations_are_reported(
    window: MainWindow, tmp_path: Path, monkeypatch, messages: list[str]
) -> None:
    source = tmp_path / "odd.py"
    source.write_text(
        "import torch\nfrom torch import nn\n\n"
        "class Odd(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 4, 3)\n"
        "        self.norm = nn.LayerNorm([4, 6, 6])\n\n"
        "    def forward(self, x):\n"
        "        return torch.roll(self.norm(self.conv(x)), 1, 2)\n",
        encoding="utf-8",
    )
    fake_exec, _ = _configure_and_import("3, 8, 8", name="Odd", path=source)
    monkeypatch.setattr(ImportModelDialog, "exec", fake_exec)
    assert window.import_model()
    assert window.document.design.layer("unsupported_roll").type == "Unsupported"
    assert len(messages) == 1 and messages[0].startswith("warning Import notes:")
    assert "unsupported_roll stands for the operation roll()" in messages[0]
    assert "Unsupported operations: torch.roll ×1" in messages[0]
    assert "1 error" in window.statusBar().currentMessage()
    errors = [d for d in window.document.analysis.diagnostics() if d.severity == "error"]
    assert [d.layer for d in errors] == ["unsupported_roll"]


@requires_torch
def test_a_class_raising_in_init_is_a_message_and_the_design_is_untouched(
    window: MainWindow, model_file: Path, monkeypatch
) -> None:
    before = window.document.text()
    fake_exec, outcome = _configure_and_import("3, 32, 32", name="Broken", path=model_file)
    monkeypatch.setattr(ImportModelDialog, "exec", fake_exec)
    assert not window.import_model()
    assert outcome["enabled"]
    assert (
        outcome["problem"] == "Import failed: building Broken failed: RuntimeError: no weights here"
    )
    assert window.document.text() == before and window.document.path == ALEXNET


@requires_torch
def test_a_failed_import_keeps_the_dialog_open_for_another_try(qtbot, model_file: Path) -> None:
    dialog = ImportModelDialog(path=model_file)
    qtbot.addWidget(dialog)
    dialog.shape_edit.setText("3, 32, 32")
    dialog.args_edit.setText('{"depth": 3}')  # TinyNet has no such argument
    assert not dialog.run_import()
    assert "building TinyNet failed: TypeError" in dialog.problem_label.text()
    assert dialog.result_import is None and dialog.result() == QDialog.DialogCode.Rejected
    dialog.args_edit.setText("[7]")
    assert dialog.run_import()
    assert dialog.result_import is not None
    assert dialog.result_import.design.layer("fc").params == {"out_features": 7}


@requires_torch
def test_a_wrong_input_shape_is_a_clear_failure(qtbot, model_file: Path) -> None:
    dialog = ImportModelDialog(path=model_file)
    qtbot.addWidget(dialog)
    dialog.shape_edit.setText("1, 32, 32")  # the first convolution wants 3 channels
    assert not dialog.run_import()
    text = dialog.problem_label.text()
    assert text.startswith("Import failed:") and "Traceback" not in text


def test_a_syntax_error_is_a_message_and_the_design_is_untouched(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    source = tmp_path / "broken.py"
    source.write_text("import torch\n\nclass Net(torch.nn.Module)\n    pass\n", encoding="utf-8")
    before = window.document.text()
    fake_exec, outcome = _configure_and_import("3, 32, 32", name="Net", path=source)
    monkeypatch.setattr(ImportModelDialog, "exec", fake_exec)
    assert not window.import_model()
    assert not outcome["enabled"]
    assert outcome["problem"].startswith("broken.py, line 3: syntax error")
    assert window.document.text() == before and window.document.path == ALEXNET


def test_missing_torch_says_what_to_install(qtbot, model_file: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    dialog = ImportModelDialog(path=model_file)
    qtbot.addWidget(dialog)
    dialog.shape_edit.setText("3, 32, 32")
    assert not dialog.run_import()
    text = dialog.problem_label.text()
    assert "needs the torch package, which is not installed" in text and "pip install torch" in text
    assert not (model_file.parent / "imported.marker").exists()  # checked before the file runs


def test_cancelling_the_unsaved_changes_question_opens_no_dialog(
    window: MainWindow, monkeypatch
) -> None:
    window.document.set_param("conv1", "stride", 2)
    assert window.document.is_modified
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel)
    )
    opened: list[object] = []
    monkeypatch.setattr(ImportModelDialog, "exec", lambda self: opened.append(self) or 0)
    assert not window.import_model()
    assert opened == [] and window.document.is_modified


# ---------------------------------------------------------------------------------- ONNX


def _onnx_file(tmp_path: Path, batch_dim: object = 1) -> Path:
    onnx = pytest.importorskip(
        "onnx", reason="the ONNX import needs the optional onnx package (.ci/run installs it)"
    )
    import numpy as np
    from onnx import helper, numpy_helper

    f = onnx.TensorProto.FLOAT
    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.standard_normal((6, 3, 5, 5)).astype(np.float32), "w"),
        numpy_helper.from_array(np.zeros(6, np.float32), "b"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="/conv1/Conv", kernel_shape=[5, 5]),
        helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
        helper.make_node(
            "MaxPool", ["r"], ["y"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2]
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "small",
        [helper.make_tensor_value_info("x", f, [batch_dim, 3, 32, 32])],
        [helper.make_tensor_value_info("y", f, [batch_dim, 6, 14, 14])],
        init,
    )
    path = tmp_path / "small.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_onnx_import_prefills_the_shape_and_opens_the_design(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    path = _onnx_file(tmp_path)
    dialog = ImportModelDialog(path=path)
    qtbot.addWidget(dialog)
    assert dialog.shape_edit.text() == "3, 32, 32"
    assert dialog.run_note.isHidden() and not dialog.form.isRowVisible(dialog.model_row)
    assert "x [3, 32, 32]" in dialog.shape_hint.text()
    assert dialog.import_button.isEnabled()

    def fake_exec(self: ImportModelDialog) -> int:
        self.set_path(path)
        self.import_button.click()
        return self.result()

    monkeypatch.setattr(ImportModelDialog, "exec", fake_exec)
    assert window.import_model()
    design = window.document.design
    assert [ly.type for ly in design] == ["Input", "Conv2d", "ReLU", "MaxPool2d"]
    assert window.document.analysis.info[design.ids[-1]].output_shape == (6, 14, 14)
    assert "Imported" in window.statusBar().currentMessage()


def test_onnx_with_a_symbolic_size_needs_a_shape(qtbot, tmp_path: Path) -> None:
    path = _onnx_file(tmp_path, batch_dim="N")
    dialog = ImportModelDialog(path=path)
    qtbot.addWidget(dialog)
    assert dialog.shape_edit.text() == "3, 32, 32"  # only the batch axis is symbolic
    dialog.shape_edit.setText("3, 32, 32; 3, 8, 8")
    assert "the model has 1 input but 2 shapes were given" in dialog.problem_label.text()
    dialog.shape_edit.setText("3, 64, 64")  # other sizes than the file's
    assert dialog.run_import()
    result = dialog.result_import
    assert result is not None and result.design.layer(result.design.ids[0]).params == {
        "shape": [3, 64, 64]
    }


def test_onnx_that_is_not_onnx_is_a_message(qtbot, tmp_path: Path) -> None:
    pytest.importorskip(
        "onnx", reason="the ONNX import needs the optional onnx package (.ci/run installs it)"
    )
    path = tmp_path / "fake.onnx"
    path.write_bytes(b"definitely not a protobuf \xff\xfe")
    dialog = ImportModelDialog(path=path)
    qtbot.addWidget(dialog)
    assert "fake.onnx cannot be read as an ONNX model" in dialog.problem_label.text()
    assert not dialog.import_button.isEnabled()

"""GUI regressions of issue 12: stale fixes in a slot, fixes off the GUI thread, plain-text
names in message boxes, rename refusals, and no crash at exit after Copy / Cut."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNamespace  # Qt::mightBeRichText lives in QtGui
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QMessageBox

from designer.core.design import Design, Layer
from designer.ui.main_window import MainWindow
from designer.ui.panels import fix_finder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def answers(monkeypatch):
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kw):
        asked.append(text)
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


@pytest.fixture
def window(qtbot, answers):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1300, 820)
    w.show()
    return w


def _add_fed_by(layer_input: str) -> Design:
    d = Design("x")
    d.add_layer(Layer("input", "Input", {"shape": [3, 8, 8]}), position=(0, 0))
    d.add_layer(
        Layer("relu", "ReLU", {}, [] if layer_input == "none" else ["input"]), position=(236, 0)
    )
    d.add_layer(Layer("add", "Add", {}, ["relu"]), position=(472, 0))
    d.add_layer(Layer("out", "ReLU", {}, ["add"]), position=(708, 0))
    return d


def test_deleting_the_input_of_a_selected_add_raises_nothing_in_a_slot(window, qtbot):
    """Was: IndexError in fixes.py (``layer.inputs[0]``) inside the panel's selection slot,
    because the analysis still described the Add with its deleted input."""
    window.document.reset(_add_fed_by("none"))
    window.document.select(["relu", "add"])
    window.diagnostics_panel.flush()
    window.view.setFocus()
    qtbot.keyClick(
        window.view, Qt.Key.Key_Delete
    )  # deletes both; then undo, and delete only the input
    window.document.undo_stack.undo()
    window.document.select(["add", "relu"])
    window.document.remove_layers(["relu"])
    qtbot.wait(150)  # the panel's deferred refresh runs too
    window.diagnostics_panel.flush()
    assert window.document.design.layer("add").inputs == []
    assert window.diagnostics_panel.item_for("wrong_input_count", "add") is not None


def test_fixes_are_found_off_the_gui_thread(window, qtbot, monkeypatch):
    """A slow fix search (a large design) leaves the window responsive: the problem is shown
    at once with "Looking for fixes…", and the buttons arrive when the worker is done."""
    real = fix_finder.suggest_fixes
    threads: list[str] = []

    def slow(design, analysis, diag):
        threads.append(threading.current_thread().name)
        time.sleep(0.4)
        return real(design, analysis, diag)

    monkeypatch.setattr(fix_finder, "suggest_fixes", slow)
    window.document.open(ROOT / "tests" / "data" / "designs" / "alexnet_paper_224.json")
    panel = window.diagnostics_panel
    assert panel.select_diagnostic("non_integer_output", "conv1")
    assert panel.fix_buttons == []
    assert panel.fix_frame.findChild(object, "fixes_pending") is not None
    assert "Error in conv1" in panel.explanation_text() or "conv1" in panel.explanation_text()
    qtbot.waitUntil(lambda: bool(panel.fix_buttons), timeout=10_000)
    assert any("227×227" in b.text() for b in panel.fix_buttons)
    assert threads and all(t.startswith("fix-finder") for t in threads)


def test_a_design_name_with_markup_is_shown_as_plain_text(window, answers):
    name = '<img src=x onerror="alert(1)"><b>bold</b>'
    window.document.set_name(name)
    assert window.maybe_save()
    text = answers[-1]
    doc = QTextDocument()
    if QtGuiNamespace.mightBeRichText(text):  # what QMessageBox does with it
        doc.setHtml(text)
    else:
        doc.setPlainText(text)
    assert name in doc.toPlainText()


def test_renaming_to_a_missing_input_is_refused_in_the_inspector(window, qtbot):
    d = _add_fed_by("input")
    d.set_inputs("out", ["conv9"])  # a missing input
    window.document.reset(d)
    window.document.select(["relu"])
    depth = window.document.undo_stack.count()
    edit = window.inspector.findChild(object, "layer_id_edit")
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "conv9")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.document.undo_stack.count() == depth
    assert "relu" in window.document.design and "conv9" not in window.document.design
    assert window.document.design.layer("out").inputs == ["conv9"]


SCRIPT = r"""
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from designer.core.fileformat import load_design
from designer.ui.main_window import MainWindow
w = MainWindow()
w.document.reset(load_design(sys.argv[1]))
w.document.select(w.document.design.ids[:3])
w.{action}.trigger()
print("done", flush=True)
"""


@pytest.mark.parametrize("action", ["copy_action", "cut_action"])
def test_no_crash_at_exit_after_copy_or_cut(action: str) -> None:
    """Was: a segmentation fault when the process ended (offscreen platform)."""
    template = ROOT / "resources" / "templates" / "lenet5.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("{action}", action), str(template)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "done" in result.stdout, result.stderr[-2000:]
    assert result.returncode == 0, f"exit status {result.returncode}: {result.stderr[-2000:]}"

"""The app with hostile files and a real crash: the open design is never lost.

- A child process runs the real main window, edits a design, autosaves, and is
  killed with SIGKILL; a new window finds the recovery file and restores the exact
  unsaved design (autosave recovery end to end, across processes).
- Opening hostile files shows the loader's message, returns quickly and leaves the
  open (modified) design untouched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from designer.core.resources import templates_dir
from designer.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
ALEXNET = templates_dir() / "alexnet_paper.json"

CHILD = r"""
import sys, time
from PySide6.QtWidgets import QApplication
from designer.ui.main_window import MainWindow
app = QApplication.instance() or QApplication([])
window = MainWindow()
window.open_file(sys.argv[1], ask=False)
window.document.set_param("conv1", "stride", 2)
window.document.set_param("conv1", "out_channels", 100)
path = window.autosave()
open(sys.argv[2], "w", encoding="utf-8").write(window.document.text())
print("autosaved", path, flush=True)
while True:
    app.processEvents()
    time.sleep(0.01)
"""


@pytest.fixture
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CNN_DESIGNER_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("CNN_DESIGNER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"question": [], "critical": []}

    def question(parent, title, text, *args, **kwargs):
        seen["question"].append(text)
        return QMessageBox.StandardButton.Yes

    def critical(parent, title, text, *args, **kwargs):
        seen["critical"].append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(critical))
    return seen


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_autosave_survives_a_killed_process(qtbot, user_dirs: Path, messages) -> None:
    expected_file = user_dirs / "child_text.json"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ALEXNET), str(expected_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert child.stdout is not None
    line = child.stdout.readline().decode()
    assert line.startswith("autosaved"), line
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.offer_recovery()
    assert "did not close properly" in messages["question"][0]
    assert window.document.text() == expected_file.read_text(encoding="utf-8")
    assert window.document.is_modified and window.document.path == ALEXNET
    window.document.undo_stack.setClean()


def _hostile_files(folder: Path) -> dict[str, Path]:
    files = {
        "binary junk": bytes(range(256)) * 10,
        "UTF-16": json.dumps({"format": "cnn-designer", "version": 1, "layers": []}).encode(
            "utf-16"
        ),
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "10,000-digit number": b'{"format": "cnn-designer", "version": ' + b"9" * 10_000 + b"}",
        "too many layers": json.dumps(
            {"format": "cnn-designer", "version": 1, "layers": [{"type": "ReLU"}] * 20_001}
        ).encode(),
        "huge value": json.dumps(
            {
                "format": "cnn-designer",
                "version": 1,
                "layers": [{"type": "Input", "shape": [3, 10**12, 1]}],
            }
        ).encode(),
        "newer version": b'{"format": "cnn-designer", "version": 99, "layers": []}',
    }
    paths = {}
    for name, data in files.items():
        path = folder / (name.replace(" ", "_").replace(",", "") + ".json")
        path.write_bytes(data)
        paths[name] = path
    sparse = folder / "100MB.json"
    with sparse.open("wb") as fh:
        fh.truncate(100 * 2**20)
    paths["100 MB"] = sparse
    return paths


def test_hostile_files_never_replace_the_open_design(qtbot, user_dirs: Path, messages) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(ALEXNET, ask=False)
    window.document.set_param("conv1", "stride", 2)
    before = window.document.text()
    for name, path in _hostile_files(user_dirs).items():
        start = time.perf_counter()
        assert not window.open_file(path, ask=False), name
        elapsed = time.perf_counter() - start
        assert elapsed < 3.0, f"{name}: {elapsed:.1f} s"
        assert str(path) in messages["critical"][-1] or path.name in messages["critical"][-1], name
        assert window.document.text() == before and window.document.is_modified, name
    assert len(messages["critical"]) == 8
    window.document.undo_stack.setClean()

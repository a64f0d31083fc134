"""Import Model runs the model's code off the GUI thread, with progress and Cancel (issue 15)."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from designer.ui.code_dialogs import ImportJob, ImportModelDialog
from tests.torch_oracle import requires_torch

SLOW_MODEL = """
import time

import torch
from torch import nn

for _ in range({steps}):  # a slow top-level statement, as a big model file's set-up can be
    time.sleep(0.05)


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return self.conv(x)
"""


def slow_model(tmp_path: Path, steps: int) -> Path:
    path = tmp_path / "slow_model.py"
    path.write_text(SLOW_MODEL.format(steps=steps), encoding="utf-8")
    return path


def progress_dialog() -> QProgressDialog | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QProgressDialog) and w.isVisible():
            return w
    return None


@requires_torch
def test_the_window_keeps_working_while_a_model_imports(qtbot, tmp_path: Path) -> None:
    dialog = ImportModelDialog(path=slow_model(tmp_path, 20))  # about 1 s of set-up
    qtbot.addWidget(dialog)
    dialog.shape_edit.setText("3, 16, 16")
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    seen: dict[str, object] = {}
    QTimer.singleShot(
        600, lambda: seen.update(progress=progress_dialog(), enabled=dialog.isEnabled())
    )
    t0 = time.monotonic()
    assert dialog.run_import()
    timer.stop()
    took = time.monotonic() - t0
    assert took >= 0.9
    assert dialog.result_import is not None and "conv" in dialog.result_import.design
    # The event loop ran during the import: the 20 ms timer kept firing. (A C extension that
    # holds the GIL, such as torch's first import, can still pause it: see docs/performance.md.)
    assert len(ticks) >= 10
    assert max(b - a for a, b in itertools.pairwise(ticks)) < took / 2
    assert isinstance(seen["progress"], QProgressDialog)  # shown after SHOW_AFTER_MS
    assert seen["enabled"] is False  # the fields the import reads stay as they were
    assert dialog.isEnabled() and progress_dialog() is None


@requires_torch
def test_cancel_returns_at_once_and_keeps_nothing(qtbot, tmp_path: Path) -> None:
    dialog = ImportModelDialog(path=slow_model(tmp_path, 200))  # about 10 s if left to run
    qtbot.addWidget(dialog)
    dialog.shape_edit.setText("3, 16, 16")
    job_holder: dict[str, ImportJob | None] = {}

    def click_cancel() -> None:
        progress = progress_dialog()
        assert progress is not None
        job_holder["job"] = dialog._importing
        button = progress.findChild(QPushButton)
        assert button is not None and button.text() == "Cancel"
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(700, click_cancel)
    t0 = time.monotonic()
    assert not dialog.run_import()
    assert time.monotonic() - t0 < 5
    assert dialog.result_import is None
    assert dialog.problem_label.text() == "Import cancelled."
    assert dialog.isEnabled()
    # The worker stops at its next Python statement (the sleeping loop): no thread left behind.
    job = job_holder["job"]
    assert job is not None
    job._thread.join(timeout=5)
    assert not job._thread.is_alive()
    assert job.result is None


def test_a_job_reports_the_error_of_its_work(qtbot) -> None:
    from designer.ui.code_dialogs import ImportJob as Job

    def fails() -> object:
        raise ValueError("bad model")

    job = Job(fails)  # type: ignore[arg-type]
    assert job.run(QPushButton(), "Importing x") == "done"
    assert isinstance(job.error, ValueError) and job.result is None
    assert threading.active_count() >= 1

"""GUI test support: isolated settings and data folders, and a guard against leaked windows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_user_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Settings and recovery files go to a temporary folder, never the user's own."""
    root = tmp_path_factory.mktemp("user")
    saved = {k: os.environ.get(k) for k in ("CNN_DESIGNER_SETTINGS", "CNN_DESIGNER_DATA_DIR")}
    os.environ["CNN_DESIGNER_SETTINGS"] = str(root / "settings.ini")
    os.environ["CNN_DESIGNER_DATA_DIR"] = str(root / "data")
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _no_leaked_windows(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a visible top-level window behind (qtbot.addWidget closes them)."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    before = {id(w) for w in QApplication.topLevelWidgets()} if app else set()
    yield
    if app is None:
        return
    app.processEvents()
    transient = (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
    leaked = [
        w
        for w in QApplication.topLevelWidgets()
        if id(w) not in before and w.isVisible() and w.windowType() not in transient
    ]
    for w in leaked:
        w.close()
    # pytest-qt closed the test's windows and asked for their deletion: delete them now, on
    # this thread and between tests, not in whichever later test first runs an event loop
    # (where a dozen windows, their scenes and their worker threads went at once).
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if leaked:
        names = ", ".join(
            f"{type(w).__name__}({w.objectName() or w.windowTitle()!r})" for w in leaked
        )
        pytest.fail(f"the test left top-level windows open: {names} (use qtbot.addWidget)")

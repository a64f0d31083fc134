"""Shared test configuration: golden files, the torch oracle, Qt platform."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """A crash (segmentation fault) prints the stack of the thread that crashed only: with every
    thread's (pytest's default), the GUI thread's stack fell in the part of a long CI log that
    is cut out. ``faulthandler_timeout`` still dumps every thread of a hung test. (Output
    capture is suspended while plugins are configured: descriptor 2 is the real stderr.)"""
    import faulthandler

    faulthandler.enable(file=os.dup(2), all_threads=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files from the current output"
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """``golden("name.txt", text)``: compare with tests/data/golden/name.txt (``--update-golden`` rewrites)."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = DATA / "golden" / name
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if not update:
                pytest.fail(f"golden file {path} did not exist; it was written, check it in")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"output differs from {path} (rerun with --update-golden if intended)"
        )

    return check


@pytest.fixture(autouse=True)
def _no_unexpected_modal_dialogs(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message box no test asked for would block the run forever: make it fail the test.

    Tests that expect a prompt patch the QMessageBox function themselves (that patch wins).
    pytest-qt closes the test's windows before fixtures are torn down, so a window left
    with unsaved changes fails here instead of hanging on "Save changes?".
    """
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        return
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args: object, **kwargs: object) -> None:
        texts = [a for a in args if isinstance(a, str)]
        raise AssertionError(f"unexpected modal message box: {texts}")

    for name in ("question", "warning", "critical", "information", "about"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))


@pytest.fixture(autouse=True)
def _cycles_collected_between_tests() -> object:
    """Once a main window turned automatic collection over to the GUI thread's timer
    (designer/ui/collector.py), a test that runs no event loop would collect nothing:
    the collector's check runs after every test, as its timer would."""
    yield
    import sys

    module = sys.modules.get("designer.ui.collector")
    collector = module.installed() if module is not None else None
    if collector is not None:
        import shiboken6

        if shiboken6.isValid(collector):
            collector.check()

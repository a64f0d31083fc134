"""Worker threads and Qt: a worker never calls into Qt, and cycles are collected on the GUI
thread only (a collection in a worker thread runs the C++ destructors of the Qt objects it
frees there, and Qt can crash long after)."""

from __future__ import annotations

import gc
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, SignalInstance
from PySide6.QtWidgets import QGraphicsRectItem

from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.core.fixes import Fix
from designer.ui import collector
from designer.ui.panels import fix_finder
from tests.ui.ui_helpers import shown_main_window

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def broken_design() -> Design:
    d = Design("broken")
    d.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}))
    d.add_layer(Layer("conv", "Conv2d", {"out_channels": 8, "kernel_size": 64}, ["input"]))
    return d


class _Probe(QGraphicsRectItem):
    """A Qt object that notes the thread that freed it."""

    freed_in: ClassVar[list[str]] = []

    def __init__(self) -> None:
        super().__init__()
        self.cycle = self

    def __del__(self) -> None:
        _Probe.freed_in.append(threading.current_thread().name)


def test_a_main_window_hands_collection_to_the_gui_thread(window):
    assert not gc.isenabled()
    installed = collector.installed()
    assert installed is not None and shiboken6.isValid(installed)
    assert collector.install() is installed  # once per application


def test_a_cycle_of_qt_objects_is_freed_on_the_gui_thread_though_a_worker_allocates(window, qtbot):
    _Probe.freed_in.clear()
    _Probe()  # unreachable at once, but in a cycle: only the collector frees it

    kept: list[object] = []

    def allocate() -> None:  # many times the youngest generation's threshold, kept alive
        for _ in range(100_000):
            kept.append([[]])

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert _Probe.freed_in == []  # the worker's allocations collected nothing
    qtbot.waitUntil(lambda: _Probe.freed_in != [], timeout=5_000)  # the collector's timer
    assert _Probe.freed_in == ["MainThread"]
    kept.clear()


def test_the_collector_follows_pythons_thresholds(window):
    installed = collector.installed()
    assert installed is not None
    for _ in range(4):  # (a collection may leave the next generation due: one each)
        if installed.check() is None:
            break
    before = list(installed.collections)
    assert installed.check() is None  # nothing allocated since: nothing to do
    junk = [[] for _ in range(gc.get_threshold()[0] * 3)]
    assert installed.check() in (0, 1, 2)
    assert sum(installed.collections) == sum(before) + 1
    del junk


def test_a_long_design_opened_is_collected_at_once_under_the_busy_cursor(
    window, tmp_path, monkeypatch
):
    """Regression: the objects of a 10,000-layer design just opened were gone over later by a
    collection of the middle generation, then of the oldest (90–110 ms each), in the middle of
    the user's first edits. They are settled into the oldest generation as the design opens,
    under its busy cursor, and counted as its size (no full collection due because of them)."""
    from benchmarks.scale_designs import chain_design
    from designer.core.fileformat import save_design
    from designer.ui import busy

    installed = collector.installed()
    assert installed is not None
    path = tmp_path / "long.json"
    save_design(chain_design(40), path)
    monkeypatch.setattr(busy, "LONG_DESIGN", 30)
    before = installed.collections[1]
    assert window.open_file(path, ask=False)
    assert installed.collections[1] == before + 1
    assert installed._long_lived_pending == 0
    assert abs(installed._long_lived_total - len(gc.get_objects(generation=2))) < 1_000
    assert gc.get_count()[1] == 0  # (the young generations emptied into the oldest)
    # A short design is not settled as it opens.
    save_design(chain_design(12), path)
    assert window.open_file(path, ask=False)
    assert installed.collections[1] == before + 1


def test_quitting_turns_automatic_collection_back_on(window, qtbot):
    installed = collector.installed()
    assert installed is not None
    try:
        QCoreApplication.instance().aboutToQuit.emit()
        assert gc.isenabled()
    finally:
        gc.disable()
        installed._timer.start()


def test_the_fix_finders_worker_thread_never_calls_into_qt(window, qtbot, monkeypatch):
    """A search ending while its window is destroyed must not emit on a half-deleted object:
    every Qt call the worker thread makes is recorded, and there must be none."""
    calls: list[str] = []

    def profile(frame, event, arg):
        if event == "c_call" and threading.current_thread().name.startswith("fix-finder"):
            owner = getattr(arg, "__self__", None)
            if isinstance(owner, (QObject, SignalInstance)):
                calls.append(f"{type(owner).__name__}.{arg.__name__}")

    design = broken_design()
    diagnostics = analyze(design).diagnostics()
    monkeypatch.setattr(fix_finder, "WAIT_MS", 0)
    threading.setprofile(profile)  # threads started from now on: the finder's worker
    try:
        finder = fix_finder.FixFinder()
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    found: list[list[Fix]] = []
    finder.found.connect(lambda _key, fixes: found.append(fixes))
    finder.find("k", design, diagnostics)
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    assert found[0]  # the fixes came, through the GUI thread
    finder.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert calls == []


def test_fixes_found_after_the_wait_still_arrive_and_a_deleted_finder_is_left_alone(
    window, qtbot, monkeypatch
):
    release = threading.Event()
    real = fix_finder.find_fixes

    def held(design, diagnostics, limit=None, analysis=None):
        release.wait(10)
        return real(design, diagnostics, limit, analysis)

    monkeypatch.setattr(fix_finder, "find_fixes", held)
    design = broken_design()
    diagnostics = analyze(design).diagnostics()

    finder = fix_finder.FixFinder()
    found: list[object] = []
    finder.found.connect(lambda key, fixes: found.append((key, fixes)))
    assert finder.find("late", design, diagnostics) is None  # not ready within WAIT_MS
    release.set()
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    assert found[0][0] == "late" and found[0][1]

    release.clear()
    doomed = fix_finder.FixFinder()
    assert doomed.find("gone", design, diagnostics) is None
    future = doomed._pending["gone"]
    doomed.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(doomed)
    release.set()
    future.result(timeout=10)
    time.sleep(0.05)
    qtbot.wait(3 * fix_finder.POLL_MS)  # nothing is left to announce it, nothing crashes
    finder.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert sys.getswitchinterval() > fix_finder.SWITCH_SECONDS


def test_a_large_designs_fixes_are_searched_once_the_window_is_idle(qtbot, monkeypatch):
    """From LARGE_DESIGN layers the finder does not wait, nor search in the middle of the edit
    that showed the problem: one search starts after DEFER_MS of quiet, for the problem shown
    last, and its fixes arrive through ``found``."""
    monkeypatch.setattr(fix_finder, "LARGE_DESIGN", 2)
    design = broken_design()
    diagnostics = analyze(design).diagnostics()
    finder = fix_finder.FixFinder()
    searched: list[object] = []
    real = finder._work
    monkeypatch.setattr(finder, "_work", lambda key, *a: (searched.append(key), real(key, *a))[1])
    found: list[object] = []
    finder.found.connect(lambda key, fixes: found.append((key, fixes)))
    assert finder.find("first", design, diagnostics) is None
    assert finder.find("second", design, diagnostics) is None  # a burst: the last one counts
    assert not finder._pending  # nothing started during the edit
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    assert searched == ["second"] and found[0][0] == "second" and found[0][1]
    assert finder.find("second", design, diagnostics) == found[0][1]  # cached
    # Asked to wait (a flush), it searches at once whatever the size.
    assert finder.find("third", design, diagnostics, wait=True)
    finder.forget()  # the design changed before a deferred search started: it never starts
    assert finder.find("fourth", design, diagnostics) is None
    finder.forget()
    qtbot.wait(2 * fix_finder.DEFER_MS)
    assert "fourth" not in searched
    finder.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.mark.parametrize(
    "name", ["alexnet_paper_224.json", "resnet_block_broken.json", "linear_on_volume.json"]
)
def test_the_snapshot_finds_the_fixes_a_fresh_analysis_finds_whatever_the_edits_after_it(name):
    """The worker searches on a light copy whose analysis took the live one's results over:
    the same fixes as analysing a copy afresh, and edits to the live design after the snapshot
    leave it as it was."""
    from designer.core.analysis import Analysis
    from designer.core.fileformat import load_design

    design = load_design(ROOT / "tests" / "data" / "designs" / name)
    live = Analysis(design)
    diagnostics = [d for d in live.diagnostics() if d.severity in ("error", "warning")]
    assert diagnostics
    expected = fix_finder.find_fixes(design.trial_copy(), diagnostics)
    assert expected
    snapshot = fix_finder.FixFinder._snapshot(design, live)
    assert snapshot[1] is not None
    first = design.ids[1]
    design.remove_layer(first)  # the live design moves on
    assert first in snapshot[0]
    assert fix_finder.FixFinder._search(snapshot, diagnostics, None) == expected

"""The framework comparison (``compare_semantics``) of a long design, off the GUI thread.

The comparison re-analyses every windowed layer under three other rounding rules: milliseconds
on a template, seconds on a 10,000-layer design, where it ran on the GUI thread a quarter of a
second after every edit. ``SemanticsWorker.start`` takes a snapshot on the GUI thread (a light
copy of the design and an analysis that takes the current results over: no layer is evaluated)
and compares it on a worker thread; ``done`` brings the rows back tagged with the revision they
describe, and the caller shows them only if that revision is still current. ``wait`` returns
them at once (``flush``). While the worker runs Python it hands the GUI thread the interpreter
every millisecond, as the fix finder does.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import sys

from PySide6.QtCore import QObject, Signal

from designer.core.analysis import Analysis
from designer.core.design import Design
from designer.core.semantics_compare import SemanticsRow, compare_semantics
from designer.ui.panels.fix_finder import SWITCH_SECONDS

#: Designs up to this many layers are compared on the GUI thread, at once (a few milliseconds).
INLINE_LAYERS = 400

Result = list[SemanticsRow]


def compare_now(design: Design, analysis: Analysis) -> Result:
    """``compare_semantics``; a design the analysis cannot copy cleanly compares as no rows."""
    try:
        return compare_semantics(design, analysis) if len(design) else []
    except ValueError:
        return []


class SemanticsWorker(QObject):
    done = Signal(int, object)  # revision, list[SemanticsRow]
    _finished = Signal(int, object)  # revision, Future (queued to the GUI thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="semantics-compare"
        )
        self._future: concurrent.futures.Future[Result | None] | None = None
        self._revision = -1
        self._finished.connect(self._on_finished)
        self.destroyed.connect(lambda *_: self._pool.shutdown(wait=False, cancel_futures=True))

    @property
    def busy(self) -> bool:
        return self._future is not None

    def start(self, revision: int, design: Design, analysis: Analysis) -> None:
        """Compare ``design`` as it is now (its ``analysis``), in the background."""
        if self._future is not None:
            self._future.cancel()  # not started yet: dropped; running: its result is ignored
        trial = design.trial_copy()
        base = Analysis(
            trial, bytes_per_element=analysis.bytes_per_element, live=False, start_from=analysis
        )
        self._revision = revision
        future = self._pool.submit(self._work, revision, trial, base)
        self._future = future
        future.add_done_callback(lambda f: self._announce(revision, f))

    def wait(self) -> tuple[int, Result] | None:
        """The comparison under way, finished now (``None`` if none is)."""
        future, self._future = self._future, None
        if future is None:
            return None
        rows = future.result()
        return (self._revision, rows or [])

    def _work(self, revision: int, design: Design, analysis: Analysis) -> Result | None:
        if revision != self._revision:
            return None  # overtaken by a newer edit before it started
        previous = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_SECONDS)
        try:
            return compare_now(design, analysis)
        finally:
            sys.setswitchinterval(previous)

    def _announce(self, revision: int, future: concurrent.futures.Future[Result | None]) -> None:
        with contextlib.suppress(RuntimeError):  # the panel is gone (the window closed)
            self._finished.emit(revision, future)

    def _on_finished(self, revision: int, future: concurrent.futures.Future[Result | None]) -> None:
        if future is not self._future:
            return  # taken by wait(), or overtaken
        self._future = None
        if future.cancelled():
            return
        rows = future.result()  # a bug in the comparison surfaces here, in the GUI thread
        if rows is not None:
            self.done.emit(revision, rows)

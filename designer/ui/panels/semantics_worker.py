"""The framework comparison (``compare_semantics``) of a long design, in another process.

The comparison re-analyses every windowed layer under three other rounding rules: milliseconds
on a template, seconds on a 10,000-layer design, where it ran on the GUI thread a quarter of a
second after every edit. A worker thread would not do: while it ran Python, the GUI thread
waited for the interpreter lock at every call back into Python and zooming the canvas dropped to
a few frames per second. ``SemanticsWorker.start`` takes the design as plain values on the GUI
thread (``compare_process.payload_of``) and compares it in a separate process (spawned once,
importing the core only); ``done`` brings the rows back tagged with the revision they describe,
and the caller shows them only if that revision is still current. ``wait`` blocks for them
(``flush``).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing

from PySide6.QtCore import QObject, Signal

from designer.core.analysis import Analysis
from designer.core.design import Design
from designer.core.semantics_compare import SemanticsRow, compare_semantics
from designer.ui.panels.compare_process import compare_payload, payload_of

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
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None  # started when needed
        self._future: concurrent.futures.Future[Result] | None = None
        self._revision = -1
        self._finished.connect(self._on_finished)
        self.destroyed.connect(lambda *_: self.shutdown())

    @property
    def busy(self) -> bool:
        return self._future is not None

    def shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def start(self, revision: int, design: Design, analysis: Analysis) -> None:
        """Compare ``design`` as it is now, in the background."""
        if self._future is not None:
            self._future.cancel()  # still queued: dropped; running: its result is ignored
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        self._revision = revision
        future = self._pool.submit(compare_payload, payload_of(design, analysis.bytes_per_element))
        self._future = future
        future.add_done_callback(lambda f: self._announce(revision, f))

    def wait(self) -> tuple[int, Result] | None:
        """The comparison under way, finished now (``None`` if none is)."""
        future, self._future = self._future, None
        if future is None or future.cancelled():
            return None
        return (self._revision, future.result())

    def _announce(self, revision: int, future: concurrent.futures.Future[Result]) -> None:
        with contextlib.suppress(RuntimeError):  # the panel is gone (the window closed)
            self._finished.emit(revision, future)

    def _on_finished(self, revision: int, future: concurrent.futures.Future[Result]) -> None:
        if future is not self._future:
            return  # taken by wait(), or overtaken by a newer comparison
        self._future = None
        if not future.cancelled():
            self.done.emit(revision, future.result())  # an error surfaces here, in the GUI thread

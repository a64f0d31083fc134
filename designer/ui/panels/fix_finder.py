"""Fix suggestions found off the GUI thread, so that showing a problem never freezes the window.

``suggest_fixes`` verifies every candidate on an analysed copy of the design (each trial
analyses what its change touches), which takes milliseconds on a small design and longer on
a large one. ``FixFinder.find`` hands a snapshot (a light copy of the design with an analysis
that took the live one's results over, and the diagnostics, taken in one go on the GUI
thread) to a worker thread and waits for
it at most ``WAIT_MS``; what is not ready by then arrives later through ``found``,
tagged with the key it was asked for, and the caller shows it if that key is still
current. Results are cached per key, so showing the same problem again is instant.
While the worker runs Python code it hands the GUI thread the interpreter every
millisecond (``sys.setswitchinterval``), so the window stays responsive.

The worker thread never touches a Qt object: a search that ends while its window is being
destroyed on the GUI thread must not emit a signal on a half-deleted object (a crash, not an
exception). The GUI thread looks at the searches under way on a timer (``POLL_MS``) that
runs only while there are some, and the timer dies with the finder.
"""

from __future__ import annotations

import concurrent.futures
import sys
from collections.abc import Hashable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from designer.core.analysis import Analysis, Diagnostic, analyze
from designer.core.design import Design
from designer.core.fixes import Fix, suggest_fixes

#: The interpreter's switch interval while fixes are searched (Python's default is 5 ms).
SWITCH_SECONDS = 0.001

#: A copy of the design to search on, with its analysis if the live one could be taken over.
_Snapshot = tuple[Design, Analysis | None]

#: How long the GUI thread waits for fixes (once per problem) before showing it without them (ms).
WAIT_MS = 20

#: How often the GUI thread looks for searches that ended, while some are under way (ms).
POLL_MS = 15

#: From this many layers a search takes longer than ``WAIT_MS``, and while it runs it shares
#: the interpreter with the GUI thread: it starts once the window has been idle for
#: ``DEFER_MS``, not in the middle of the edit that showed the problem (one search after a
#: burst of edits, not one per edit).
LARGE_DESIGN = 4000
DEFER_MS = 150


def find_fixes(
    design: Design,
    diagnostics: Sequence[Diagnostic],
    limit: int | None = None,
    analysis: Analysis | None = None,
) -> list[Fix]:
    """The fixes of ``diagnostics`` (of ``design`` as it is now, analysed by ``analysis`` or
    afresh), verified on copies; best first."""
    if analysis is None:
        analysis = analyze(design)
    fixes: list[Fix] = []
    for d in diagnostics:
        fixes.extend(suggest_fixes(design, analysis, d))
        if limit is not None and len(fixes) >= limit:
            break
    return fixes[:limit] if limit is not None else fixes


class FixFinder(QObject):
    """One worker thread; ``find`` returns the fixes, or ``None`` and emits ``found`` later."""

    found = Signal(object, object)  # key, list[Fix]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="fix-finder"
        )
        self._cache: dict[Hashable, list[Fix]] = {}
        self._pending: dict[Hashable, concurrent.futures.Future[list[Fix] | None]] = {}
        self._wanted: Hashable = None
        self._waited: set[Hashable] = set()
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._collect)
        self._later = QTimer(self)  # a large design's search, once the window is idle
        self._later.setSingleShot(True)
        self._later.setInterval(DEFER_MS)
        self._later.timeout.connect(self._start_deferred)
        self._deferred: (
            tuple[Hashable, Design, Analysis | None, list[Diagnostic], int | None] | None
        ) = None
        self._pool.submit(lambda: None)  # start the thread now, not when the first problem is shown
        pool = self._pool  # not self: the lambda must not keep the finder alive
        self.destroyed.connect(lambda *_: pool.shutdown(wait=False, cancel_futures=True))

    def forget(self) -> None:
        """The design changed: nothing cached or under way describes it any more."""
        self._cache.clear()
        self._pending.clear()
        self._waited.clear()
        self._wanted = None
        self._deferred = None

    def cached(self, key: Hashable) -> list[Fix] | None:
        return self._cache.get(key)

    def find(
        self,
        key: Hashable,
        design: Design,
        diagnostics: Sequence[Diagnostic],
        *,
        analysis: Analysis | None = None,
        limit: int | None = None,
        wait: bool = False,
    ) -> list[Fix] | None:
        """The fixes for ``key`` if ready within ``WAIT_MS`` (or at all, with ``wait``); else ``None``.

        A design of ``LARGE_DESIGN`` layers or more is not waited for (unless ``wait``): its
        search starts once the window is idle and the fixes arrive through ``found``."""
        if key in self._cache:
            return self._cache[key]
        self._wanted = key
        future = self._pending.get(key)
        if future is None and not wait and len(design) >= LARGE_DESIGN:
            self._deferred = (key, design, analysis, list(diagnostics), limit)
            self._later.start()  # (again: a burst of edits starts one search, after the last)
            return None
        if future is None:
            future = self._submit(key, design, analysis, list(diagnostics), limit)
        # Wait a little the first time a problem is shown (small designs: the fixes come with
        # it); a repeated render of the same problem does not wait again.
        timeout = None if wait else (0.0 if key in self._waited else WAIT_MS / 1000)
        self._waited.add(key)
        try:
            fixes = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            return None
        if fixes is None:  # skipped (another problem was asked for before it started): ask again
            self._pending.pop(key, None)
            return self.find(key, design, diagnostics, analysis=analysis, limit=limit, wait=wait)
        self._cache[key] = fixes
        self._pending.pop(key, None)
        return fixes

    def _start_deferred(self) -> None:
        deferred, self._deferred = self._deferred, None
        if deferred is None:
            return
        key, design, analysis, diagnostics, limit = deferred
        if key != self._wanted or key in self._pending or key in self._cache:
            return  # the user moved on, or the design changed (``forget``)
        self._submit(key, design, analysis, diagnostics, limit)

    def _submit(
        self,
        key: Hashable,
        design: Design,
        analysis: Analysis | None,
        diagnostics: list[Diagnostic],
        limit: int | None,
    ) -> concurrent.futures.Future[list[Fix] | None]:
        """Start the search for ``key`` on the worker, from a snapshot taken now."""
        snapshot = self._snapshot(design, analysis)
        future = self._pool.submit(self._work, key, snapshot, diagnostics, limit)
        self._pending[key] = future
        self._poll.start()
        return future

    def _work(
        self, key: Hashable, snapshot: _Snapshot, diagnostics: list[Diagnostic], limit: int | None
    ) -> list[Fix] | None:
        if key != self._wanted:
            return None  # the user moved on before this started
        # While this thread runs Python, the GUI thread waits for the interpreter lock at each
        # call into Qt; hand it over every millisecond rather than every five.
        previous = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_SECONDS)
        try:
            return self._search(snapshot, diagnostics, limit)
        finally:
            sys.setswitchinterval(previous)

    @staticmethod
    def _snapshot(design: Design, analysis: Analysis | None) -> _Snapshot:
        """On the GUI thread: a light copy of the design (``Design.trial_copy``: new layer
        objects sharing parameters and inputs, which edits replace, never change) and an
        analysis of it that takes the live one's results over (immutable layer results and
        structure, copied dictionaries), so the worker neither copies 10,000 layers one by one
        nor analyses them again. Without the live analysis the worker analyses the copy."""
        copy = design.trial_copy()
        if analysis is None or analysis.design is not design:
            return copy, None
        taken = Analysis(
            copy, bytes_per_element=analysis.bytes_per_element, live=False, start_from=analysis
        )
        return copy, taken

    @staticmethod
    def _search(snapshot: _Snapshot, diagnostics: list[Diagnostic], limit: int | None) -> list[Fix]:
        design, analysis = snapshot
        return find_fixes(design, diagnostics, limit, analysis)

    def _collect(self) -> None:
        """On the GUI thread: announce the searches that ended; stop looking when none is left."""
        ended = [(key, future) for key, future in self._pending.items() if future.done()]
        for key, future in ended:
            if self._pending.get(key) is not future:
                continue  # a slot of ``found`` below forgot it (the design changed)
            del self._pending[key]
            fixes = future.result()  # a bug in a fix generator surfaces here, in the GUI thread
            if fixes is not None:
                self._cache[key] = fixes
                self.found.emit(key, fixes)
        if not self._pending:
            self._poll.stop()

"""Python's cycle collector, run on the GUI thread only.

Python collects reference cycles in whichever thread happens to allocate when a generation's
count passes its threshold. The fix finder's worker allocates a great deal, so without this
it regularly ran collections that freed Qt objects caught in cycles (a removed card and its
edges, a closed window's widgets), calling their C++ destructors on the wrong thread: Qt is
not built for that, and the process can crash long after the object was dropped (PyQt and
PySide applications with worker threads know this crash; pyqtgraph ships the same remedy
as ``GarbageCollector``).

``install`` turns automatic collection off and collects from a timer on the GUI thread
instead, with Python's own rules: a generation is collected when its count passes the
threshold, the oldest one only when the objects that reached it since its last collection
are at least a quarter of those it held then (CPython's guard against quadratic full
collections in large heaps). A side effect is welcome at 10,000 layers: a collection no
longer interrupts opening a design or an edit halfway, it runs once the event loop is idle.
When the application quits, automatic collection is turned back on.
"""

from __future__ import annotations

import gc
import time

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

from designer.ui import busy

#: How often the GUI thread checks the collector's counts (ms): a check is three integers.
INTERVAL_MS = 100


class GuiThreadCollector(QObject):
    """Runs the cycle collector on the GUI thread's timer (automatic collection off)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.collections = [0, 0, 0]  # per generation, by this collector
        self.last_ms = 0.0  # how long the last collection took (the benchmarks report it)
        self._long_lived_total = len(gc.get_objects(generation=2))
        self._long_lived_pending = 0
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> int | None:
        """Collect the oldest generation whose count passed its threshold (as CPython would);
        the generation collected, or None."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] <= self.thresholds[generation]:
                continue
            if generation == 2 and self._long_lived_pending < self._long_lived_total // 4:
                continue
            if generation == 1:
                # What survives a collection of the two young generations moves to the oldest
                # (an upper bound: some of it is garbage).
                self._long_lived_pending += len(gc.get_objects(generation=0)) + len(
                    gc.get_objects(generation=1)
                )
            started = time.perf_counter()
            gc.collect(generation)
            self.last_ms = (time.perf_counter() - started) * 1e3
            self.collections[generation] += 1
            if generation == 2:
                self._long_lived_total = len(gc.get_objects(generation=2))
                self._long_lived_pending = 0
            return generation
        return None

    def settle_loaded(self) -> None:
        """After a long design is opened, under its busy cursor: its objects (300,000 at 10,000
        layers) collected with the young generations now and counted as the oldest
        generation's new size. Otherwise a collection of the middle generation went over them
        some edits later, and one of the oldest soon after (the objects come to more than a
        quarter of what it held): 90–110 ms each, in the middle of the user's first edits. A
        full collection waits, as Python's rule says, until a quarter more objects live on."""
        started = time.perf_counter()
        gc.collect(1)
        self.last_ms = (time.perf_counter() - started) * 1e3
        self.collections[1] += 1
        self._long_lived_total = len(gc.get_objects(generation=2))
        self._long_lived_pending = 0

    def stop(self) -> None:
        """Automatic collection on again (the application is quitting)."""
        self._timer.stop()
        gc.enable()


_installed: GuiThreadCollector | None = None


def install() -> GuiThreadCollector | None:
    """Collect on the GUI thread from now on (once per application; called by every main
    window). None without an application, or when not called on its thread."""
    global _installed
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return None
    if _installed is not None and shiboken6.isValid(_installed):
        return _installed
    collector = GuiThreadCollector(app)
    app.aboutToQuit.connect(collector.stop)
    _installed = collector
    return collector


def installed() -> GuiThreadCollector | None:
    """The collector of the running application, if one was installed."""
    return _installed


def collect_after_opening(layers: int) -> None:
    """After a design of ``layers`` layers was opened: a long one's objects settled now
    (``GuiThreadCollector.settle_loaded``)."""
    collector = installed()
    if layers >= busy.LONG_DESIGN and collector is not None and shiboken6.isValid(collector):
        collector.settle_loaded()

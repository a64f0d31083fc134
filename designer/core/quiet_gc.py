"""Python's automatic cycle collection held off while the core builds many long-lived objects.

A full analysis or a load creates tens of thousands of objects (each layer's results, its
lists, the parsed document) that live on after it; each time the youngest generation's count
passes its threshold during that, Python's collector walks them, finds nothing to free among
them and moves them on (and now and then walks every object the process holds). Held off, the
collector runs once after, as it would for any other allocation: what is garbage is still
freed. The graphical app already collects from its event loop between edits
(``designer/ui/collector.py``, automatic collection off): there this does nothing.

Only the main thread holds collection off, so that two threads never restore each other's
state (the app's worker threads find automatic collection off anyway).
"""

from __future__ import annotations

import gc
import threading
from types import TracebackType

_MAIN = threading.main_thread()


class collection_deferred:
    """``with collection_deferred():`` automatic collection off inside, when it was on and this
    is the main thread; back on after, whatever happens inside."""

    __slots__ = ("_was_on",)

    def __enter__(self) -> None:
        self._was_on = gc.isenabled() and threading.current_thread() is _MAIN
        if self._was_on:
            gc.disable()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._was_on:
            gc.enable()

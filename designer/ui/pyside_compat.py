"""Work around a PySide6 build that drops a reference to ``None`` (and ``True``/``False``) per call.

PySide6 6.12.0's abi3 wheels return ``Py_None`` from void methods without taking a
reference (harmless from Python 3.12 on, where ``None`` is immortal). On Python 3.11
every ``setPen``/``update``/``setText`` call then lowers ``None``'s reference count
by one, and after a few thousand calls the interpreter aborts with "none_dealloc:
deallocating None". When (and only when) that leak is detected, ``None`` is given a
reference count so large that no session can exhaust it.
"""

from __future__ import annotations

import ctypes
import sys

_PROTECTED = False
_HEADROOM = 2**60


def none_reference_leaks() -> bool:
    """True if a void PySide6 call lowers ``None``'s reference count."""
    from PySide6.QtCore import QRectF

    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(16):
        rect.setWidth(1.0)
    return sys.getrefcount(None) <= before - 8


def protect_none() -> bool:
    """Apply the workaround if this interpreter needs it; True if it was applied (once)."""
    global _PROTECTED
    if _PROTECTED:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False  # None is immortal there
    if not none_reference_leaks():
        return False
    # ob_refcnt is the first field of every CPython object. Methods returning bool
    # hand out Py_True/Py_False the same way.
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    _PROTECTED = True
    return True

"""A hang guard for tests: ``with time_limit(60, "what"):`` fails the test if the block runs longer.

It does not measure speed (benchmarks/ does): the limits are generous, far above the
expected time, and only catch work that grows without bound. POSIX only (SIGALRM);
elsewhere the block simply runs.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HAS_ALARM = hasattr(signal, "SIGALRM")


@contextmanager
def time_limit(seconds: int, what: str) -> Iterator[None]:
    if not HAS_ALARM:
        yield
        return

    def expired(*_: Any) -> None:
        raise TimeoutError(f"{what} did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

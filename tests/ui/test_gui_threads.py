"""The app keeps the raster engine's fills on the GUI thread (docs/performance.md, seventh pass)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="thread names are read from /proc (Linux)"
)


def _threads(**extra: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_NO_GUI_THREADPOOL",)}
    env.pop("CNN_DESIGNER_GUI_THREADS", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("gui_threads_check.py"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split("\n")


def test_fills_stay_on_the_gui_thread() -> None:
    # Was: a fill of more than about 96 scan lines was split over Qt's GUI thread pool, whose
    # hand-offs cost more than they saved on two shared cores (~20 % of an edit's CPU).
    assert "Thread (pooled)" not in _threads()


def test_the_pool_can_be_kept() -> None:
    # CNN_DESIGNER_GUI_THREADS=1 leaves Qt's pool on: the check above sees the pool's threads.
    assert "Thread (pooled)" in _threads(CNN_DESIGNER_GUI_THREADS="1")

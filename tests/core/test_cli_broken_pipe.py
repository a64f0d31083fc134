"""Issue 14: ``cnn-designer check FILE | head -3`` ends quietly, not with a BrokenPipeError traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import EXIT_BROKEN_PIPE
from designer.core.design import Design, Layer
from designer.core.fileformat import save_design

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    # A report far longer than a pipe's buffer (64 KiB), so the writer meets the closed pipe.
    design = Design("Long chain")
    design.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}, []))
    for n in range(1, 1500):
        design.add_layer(Layer(f"relu{n}", "ReLU", {}, [f"relu{n - 1}" if n > 1 else "input"]))
    path = tmp_path / "long.json"
    save_design(design, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "designer.cli", "check", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the report is written (`| head -0`)
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert code in (0, EXIT_BROKEN_PIPE)

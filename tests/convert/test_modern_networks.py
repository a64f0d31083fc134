"""The 26 torchvision networks of issue 11, imported exactly through torch.fx and ONNX.

Each network is checked three ways (fx; ONNX as ``torch.onnx.export`` writes it by default;
ONNX with ``do_constant_folding=False``) by ``tools/modern_networks.py``, which also writes
``docs/modern-networks.md``; see its docstring for what *exact* means. torchvision is a
test-only oracle (``.ci/run`` installs it with ``--no-deps``); the tests skip without it.
The fx import runs on a model built on the meta device; the two ONNX files of a network
come from one CPU model, exported once per mode and shared by its tests.
"""

from __future__ import annotations

import functools
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.torch_oracle import requires_torch

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))
nets = importlib.import_module("modern_networks")

pytest.importorskip("onnx", reason="the optional onnx package is not installed (pip install onnx)")


def _have_torchvision() -> bool:
    try:
        nets.load_torchvision()
    except Exception:  # absent, or a build that does not import here
        return False
    return True


pytestmark = [
    requires_torch,
    pytest.mark.torch,
    pytest.mark.slow,
    pytest.mark.skipif(
        not _have_torchvision(),
        reason="torchvision is not installed (test-only oracle: pip install --no-deps torchvision==0.28.0 numpy pillow)",
    ),
]

# A Conv that has its own bias *and* a BatchNorm after it: torch.onnx.export's default folds
# both into one biased Conv, and the file cannot say that there were two biases.
NOT_RECOVERABLE = nets.KNOWN_LIMITS


@functools.lru_cache(maxsize=1)  # tests run network by network: one network's files in memory
def _prepared(name: str) -> tuple[Any, dict[str, bytes]]:
    ref = nets.reference(name)
    model = nets.build(name)
    exports = {mode: nets.export_onnx(model, name, fold) for mode, fold in nets.ONNX_MODES.items()}
    return ref, exports


CASES = [
    pytest.param(
        name,
        mode,
        id=f"{name}-{mode}",
        marks=[pytest.mark.xfail(reason=NOT_RECOVERABLE[(name, mode)], strict=True)]
        if (name, mode) in NOT_RECOVERABLE
        else [],
    )
    for name in nets.NAMES
    for mode in ("fx", *nets.ONNX_MODES)
]


@pytest.mark.parametrize(("name", "mode"), CASES)
def test_network_is_exact(name: str, mode: str) -> None:
    ref, exports = _prepared(name)
    if mode == "fx":
        outcome = nets.check(name, mode, lambda: nets.import_fx(name), ref)
    else:
        outcome = nets.check(name, mode, lambda: nets.import_onnx_bytes(name, exports[mode]), ref)
    assert outcome.problems == [], f"{name} ({mode}): " + "; ".join(outcome.problems)
    assert (outcome.params, outcome.macs) == (ref.params, ref.macs)

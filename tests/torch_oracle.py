"""PyTorch as the reference for shape semantics. Tests import ``torch`` through here."""

from __future__ import annotations

import pytest

try:
    import torch

    HAVE_TORCH = True
except ImportError:  # pragma: no cover - depends on the machine
    torch = None
    HAVE_TORCH = False

requires_torch = pytest.mark.skipif(
    not HAVE_TORCH,
    reason="PyTorch is not installed (the oracle tests need `pip install torch==2.13.0`; .ci/run installs it)",
)

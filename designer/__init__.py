"""CNN Designer: design convolutional neural networks and understand their arithmetic."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# Converters load lazily: importing designer must not import torch or onnx.
_LAZY = {
    "from_torch": "designer.convert.from_torch",
    "from_onnx": "designer.convert.from_onnx",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'designer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])

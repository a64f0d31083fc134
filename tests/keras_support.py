"""Keras 3 on the PyTorch backend for the tests (test-side only, never an app dependency).

``keras`` is the module, or ``None`` with ``requires_keras`` skipping and saying why.
``KERAS_BACKEND`` is set to torch before keras is first imported, as Keras reads it once.
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

keras: ModuleType | None
_reason = ""
if importlib.util.find_spec("torch") is None:
    keras, _reason = None, "Keras tests run on the PyTorch backend, and torch is not installed"
elif importlib.util.find_spec("keras") is None:
    keras, _reason = None, "keras is not installed (pip install keras h5py; test-side only)"
else:
    try:
        import keras as _keras

        keras = _keras
    except Exception as exc:  # a broken or too old install: skip rather than fail collection
        keras, _reason = None, f"keras cannot be imported: {type(exc).__name__}: {exc}"

requires_keras = pytest.mark.skipif(keras is None, reason=_reason or "keras is available")
requires_h5py = pytest.mark.skipif(
    importlib.util.find_spec("h5py") is None,
    reason="h5py is not installed (pip install h5py; test-side only)",
)


def build(source: str, label: str = "generated") -> object:
    """Run generated Keras code and return ``build_model()``."""
    namespace: dict[str, object] = {"__name__": "generated_keras_model"}
    exec(compile(source, label, "exec"), namespace)
    return namespace["build_model"]()  # type: ignore[operator]

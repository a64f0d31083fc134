"""The Qt-free heart of CNN Designer: layers, graph, shape inference, statistics, files.

Nothing in this package imports Qt; ``tests/core/test_import_contract.py`` and the
import-linter contract in ``pyproject.toml`` keep it that way.
"""

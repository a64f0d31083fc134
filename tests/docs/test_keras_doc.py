"""docs/keras.md's per-template table (tools/keras_onnx_table.py writes it) says what the exporters
and the Keras and ONNX tests establish, template by template."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from designer.core.analysis import analyze
from designer.core.fileformat import load_design
from designer.export.keras_code import generate
from designer.export.pytorch_code import CodeGenerationError

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))
table = importlib.import_module("keras_onnx_table")


def _rows() -> dict[str, list[str]]:
    text = table.DOC.read_text(encoding="utf-8")
    inside = text.split(table.BEGIN, 1)[1].split(table.END, 1)[0]
    rows = {}
    for line in inside.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0]] = cells
    return rows


def test_the_table_has_every_template_with_its_parameters_and_keras_refusals() -> None:
    rows = _rows()
    stems = [p.stem for p in sorted(table.TEMPLATES.glob("*.json"))]
    assert list(rows) == stems
    for stem, cells in rows.items():
        design = load_design(table.TEMPLATES / f"{stem}.json")
        assert cells[1] == f"{analyze(design).totals().params:,}", stem
        try:
            generate(design)
            refused = None
        except CodeGenerationError as exc:
            refused = str(exc)
        if refused is None:
            assert cells[2:4] == ["yes", "yes"], stem
        else:
            assert cells[2].startswith("refused: ") and cells[3:5] == ["—", "—"], stem
            assert cells[2].removeprefix("refused: ") in refused, stem


def test_the_round_trip_columns_are_what_the_keras_and_onnx_tests_check() -> None:
    keras_tests = importlib.import_module("tests.export.test_keras_code")
    import_tests = importlib.import_module("tests.convert.test_from_keras")
    rows = _rows()
    built = {p.stem for p in keras_tests.EXPORTABLE}
    identical = {p.stem for p in import_tests.EXPORTABLE}
    for stem, cells in rows.items():
        if cells[3] == "yes":
            assert stem in built, stem
        if cells[4] == "identical":
            assert stem in identical, stem
        elif cells[4] != "—":
            assert stem == "convnext_tiny" and cells[4] == table.CONVNEXT_NOTE
            assert hasattr(
                import_tests, "test_convnext_comes_back_from_keras_equivalent_with_the_same_numbers"
            )
    assert identical | {"convnext_tiny"} == {s for s, c in rows.items() if c[3] == "yes"}


def test_the_onnx_columns_say_what_the_onnx_tests_check() -> None:
    onnx_tests = pytest.importorskip(
        "tests.export.test_onnx_model", reason="the optional onnx package is not installed"
    )
    assert {p.stem for p in onnx_tests.TEMPLATES} == set(_rows())
    for stem, cells in _rows().items():
        assert cells[5] == "valid, shapes equal", stem
        design = load_design(table.TEMPLATES / f"{stem}.json")
        analysis = analyze(design)
        adaptive = any(
            ly.type == "AdaptiveAvgPool2d"
            and (analysis.info[ly.id].output_shape or (0, 1, 1))[1:] != (1, 1)
            for ly in design
        )
        default_stride = any(
            ly.type in ("MaxPool2d", "AvgPool2d")
            and ly.params.get("stride") is not None
            and ly.params.get("stride") == ly.params.get("kernel_size")
            for ly in design
        )
        want = "identical²" if adaptive else "identical¹" if default_stride else "identical"
        assert cells[6] == want, stem

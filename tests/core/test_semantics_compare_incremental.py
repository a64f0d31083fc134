"""The semantics comparison re-evaluates only windowed layers (issue 15), with the same rows as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.core.analysis import analyze
from designer.core.arithmetic import SEMANTICS
from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.core.semantics_compare import SemanticsRow, compare_semantics
from designer.core.shape_rules import fmt_shape

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "resources" / "templates").glob("*.json")) + sorted(
    (ROOT / "tests" / "data" / "designs").glob("*.json")
)


def by_full_analyses(design: Design) -> list[SemanticsRow]:
    """The comparison as it was first written: four full analyses of deep copies."""
    results = {}
    for sem in SEMANTICS:
        trial = design.copy()
        trial.set_semantics(sem)
        results[sem] = analyze(trial)
    rows = []
    for lid in design.ids:
        outputs: dict[str, str] = {}
        reasons: dict[str, str] = {}
        for sem, an in results.items():
            info = an.info[lid]
            outputs[sem] = (
                "error"
                if info.status == "error"
                else fmt_shape(info.output_shape)
                if info.output_shape is not None
                else "?"
            )
            codes = [d.code for d in info.diagnostics if d.severity != "info"]
            if codes:
                reasons[sem] = codes[0]
        if len(set(outputs.values())) > 1:
            rows.append(SemanticsRow(lid, design.layer(lid).type, outputs, reasons))
    return rows


@pytest.mark.parametrize("semantics", SEMANTICS)
@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_same_rows_as_four_full_analyses(path: Path, semantics: str) -> None:
    design = load_design(path)
    design.set_semantics(semantics)
    expected = by_full_analyses(design)
    assert compare_semantics(design) == expected
    assert compare_semantics(design, analyze(design)) == expected


def test_only_windowed_layers_and_their_consequences_are_evaluated_again() -> None:
    design = Design("chain")
    design.add_layer(Layer("input", "Input", {"shape": [3, 64, 64]}))
    prev = "input"
    for n in range(300):
        design.add_layer(Layer(f"relu{n}", "ReLU", {}, [prev]))
        prev = f"relu{n}"
    design.add_layer(Layer("pool", "MaxPool2d", {"kernel_size": 2}, [prev]))
    analysis = analyze(design)
    before = analysis.recompute_count
    assert compare_semantics(design, analysis) == []
    assert analysis.recompute_count == before  # the caller's analysis is read, not recomputed

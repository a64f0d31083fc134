"""Issue 14: a merge mismatch with no verified fix says why there is none."""

from __future__ import annotations

from designer.core.analysis import Analysis
from designer.core.design import Design, Layer
from designer.core.diagnosis import explain_diagnostic
from designer.core.explain import render_text
from designer.core.fixes import suggest_fixes


def test_an_add_whose_branches_differ_by_no_whole_factor_explains_the_missing_fix() -> None:
    design = Design("m")
    design.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}, []))
    design.add_layer(Layer("a", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["input"]))
    design.add_layer(Layer("b", "Conv2d", {"out_channels": 8, "kernel_size": 5}, ["input"]))
    design.add_layer(Layer("add", "Add", {}, ["a", "b"]))
    analysis = Analysis(design, live=False)
    (diag,) = [d for d in analysis.diagnostics() if d.code == "add_shape_mismatch"]
    assert suggest_fixes(design, analysis, diag) == []
    text = render_text(explain_diagnostic(analysis, diag, []))
    assert "No one-click fix" in text and "30×30 → 28×28 is not one" in text

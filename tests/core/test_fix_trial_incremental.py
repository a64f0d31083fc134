"""Fix verification re-analyses incrementally (issue 15) and still sees what a full analysis sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, Layer
from designer.core.fileformat import dumps_design, load_design
from designer.core.fixes import _trial, suggest_fixes

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "resources" / "templates").glob("*.json")) + sorted(
    (ROOT / "tests" / "data" / "designs").glob("*.json")
)


def summary(an: Analysis) -> tuple[list[tuple[str, str, str | None, str]], dict[str, object]]:
    diags = [(d.severity, d.code, d.layer, d.message) for d in an.diagnostics()]
    shapes = {
        lid: (info.output_shape, info.params, info.macs, info.receptive_field, info.status)
        for lid, info in an.info.items()
    }
    return diags, shapes


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_incremental_trial_matches_a_full_analysis_of_the_fixed_copy(path: Path) -> None:
    design = load_design(path)
    before = dumps_design(design)
    analysis = analyze(design)
    checked = 0
    for diag in analysis.diagnostics():
        for fix in suggest_fixes(design, analysis, diag):
            after = _trial(design, analysis, diag, fix)
            assert after is not None
            copy = design.copy()
            for op in fix.operations:
                op.apply(copy)
            full = analyze(copy)
            assert summary(after) == summary(full), fix.label
            assert after.totals() == full.totals(), fix.label
            checked += 1
    assert dumps_design(design) == before  # trials never touch the design itself
    if path.stem in ("resnet50", "alexnet_paper_224", "resnet_block_broken"):
        assert checked > 0


def test_a_local_fix_recomputes_only_what_it_touches() -> None:
    design = Design("chain")
    design.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}))
    prev = "input"
    for n in range(200):
        design.add_layer(Layer(f"relu{n}", "ReLU", {}, [prev]))
        prev = f"relu{n}"
    design.add_layer(Layer("pool", "MaxPool2d", {"kernel_size": 3, "stride": 2}, [prev]))
    design.add_layer(Layer("flat", "Flatten", {}, ["pool"]))
    analysis = analyze(design)
    diag = next(d for d in analysis.diagnostics() if d.code == "non_integer_output")
    fixes = [f for f in suggest_fixes(design, analysis, diag) if f.operations[0].layer == "pool"]  # type: ignore[union-attr]
    assert fixes
    after = _trial(design, analysis, diag, fixes[0])
    assert after is not None
    assert after.recompute_count <= 3  # pool and what follows it, not the 200 layers before


def test_trial_copy_edits_leave_the_original_alone() -> None:
    design = load_design(ROOT / "resources" / "templates" / "alexnet_paper.json")
    before = dumps_design(design)
    trial = design.trial_copy()
    conv = next(layer.id for layer in design if layer.type == "Conv2d")
    trial.set_param(conv, "padding", 7)
    trial.set_inputs(conv, [])
    trial.rename_layer(conv, "renamed")
    trial.remove_layer(trial.ids[-1])
    assert dumps_design(design) == before


def test_trial_copy_edits_leave_the_groups_alone() -> None:
    design = load_design(ROOT / "resources" / "templates" / "resnet50.json")
    before = dumps_design(design)
    trial = design.trial_copy()
    for lid in trial.ids[5:40]:
        trial.remove_layer(lid)
    assert dumps_design(design) == before
    assert dumps_design(trial) != before

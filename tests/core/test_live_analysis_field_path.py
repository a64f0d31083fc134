"""Edits that only grow receptive fields downstream keep the rules' results (issue 15), and the
live analysis still equals a fresh one after every edit."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, DesignError, Layer
from designer.core.fileformat import load_design

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "resources" / "templates").glob("*.json")) + sorted(
    (ROOT / "tests" / "data" / "designs").glob("*.json")
)


def state(an: Analysis) -> dict[str, object]:
    return {
        lid: (
            i.output_shape,
            i.params,
            i.macs,
            i.receptive_field,
            i.input_size,
            i.status,
            [(d.severity, d.code, d.message) for d in i.diagnostics],
            i.axes,
            i.input_shapes,
        )
        for lid, i in an.info.items()
    }


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_live_equals_fresh_after_random_window_edits(path: Path) -> None:
    rng = random.Random(path.stem)
    design = load_design(path)
    live = Analysis(design)
    windowed = [layer.id for layer in design if "kernel_size" in layer.resolved()]
    for _ in range(25):
        if not windowed:
            break
        lid = rng.choice(windowed)
        layer = design.layer(lid)
        name, value = rng.choice(
            [
                ("kernel_size", rng.choice([1, 2, 3, 5, 7])),
                ("padding", rng.choice([0, 1, 2, 3])),
                ("stride", rng.choice([1, 2])),
                ("dilation", rng.choice([1, 2])),
            ]
        )
        if layer.type != "Conv2d" and name == "dilation":
            continue
        try:
            design.set_param(lid, name, value)
        except DesignError:
            continue
        assert state(live) == state(analyze(design)), (lid, name, value)
        assert live.totals() == analyze(design).totals()
    live.close()


def test_a_same_shape_edit_runs_no_rule_downstream() -> None:
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [4, 32, 32]}))
    prev = "input"
    for k in range(100):
        d.add_layer(
            Layer(f"conv{k}", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, [prev])
        )
        prev = f"conv{k}"
    live = Analysis(d)
    calls = []
    original = live._evaluate
    live._evaluate = lambda layer: (calls.append(layer.id), original(layer))[1]  # type: ignore[method-assign]
    d.set_params("conv10", {"out_channels": 4, "kernel_size": 5, "padding": 2})
    assert calls == ["conv10"]  # the 89 layers after it only update their receptive fields
    assert state(live) == state(analyze(d))

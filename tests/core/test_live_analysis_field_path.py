"""Edits that only grow receptive fields downstream keep the rules' results (issue 15), and the
live analysis still equals a fresh one after every edit."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, DesignError, Layer
from designer.core.fileformat import load_design
from tests.core.test_lazy_fields import chain

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


def _chain(n: int) -> Design:
    """No layer of it sees the whole 256×256 input: every field is updated at once."""
    return chain(n, size=256)


def test_layers_whose_field_alone_changed_are_listed_and_keep_everything_else() -> None:
    d = _chain(90)
    live = Analysis(d)
    before = dict(live.info)
    seen: list[set[str]] = []
    live.updated.connect(seen.append)
    d.set_params("l30", {"out_channels": 4, "kernel_size": 5, "padding": 2})
    changed = seen[-1]
    fields = live.field_only
    assert "l30" in changed and "l30" not in fields  # its MACs changed: a full change
    assert fields <= changed and len(fields) >= 50  # the layers after it: their field alone
    for lid in fields:
        old, new = before[lid], live.info[lid]
        assert new.receptive_field != old.receptive_field
        assert new.diagnostics is old.diagnostics  # not even copied: views can pass over them
        assert (new.output_shape, new.params, new.macs, new.status, new.axes) == (
            old.output_shape,
            old.params,
            old.macs,
            old.status,
            old.axes,
        )
    assert live.beyond_fields(changed) == changed - fields
    assert state(live) == state(analyze(d))
    # An edit that moves no field lists none; nor does a full analysis.
    d.set_params("l30", {"out_channels": 5, "kernel_size": 5, "padding": 2})
    assert live.field_only == frozenset()
    d.set_params("l30", {"out_channels": 4, "kernel_size": 3, "padding": 1})
    assert len(live.field_only) >= 50
    live.full_refresh()
    assert live.field_only == frozenset() and seen[-1] == set(d.ids)
    live.close()


def test_a_layer_whose_field_comes_out_the_same_is_not_reported() -> None:
    # Two branches into an Add: the longer one decides the field after it, so growing the
    # shorter one's kernel (still smaller) changes the fields on that branch alone.
    d = Design("two paths")
    d.add_layer(Layer("input", "Input", {"shape": [4, 32, 32]}))
    d.add_layer(
        Layer("a1", "Conv2d", {"out_channels": 4, "kernel_size": 7, "padding": 3}, ["input"])
    )
    d.add_layer(Layer("a2", "Conv2d", {"out_channels": 4, "kernel_size": 7, "padding": 3}, ["a1"]))
    d.add_layer(Layer("b1", "Conv2d", {"out_channels": 4, "kernel_size": 1}, ["input"]))
    d.add_layer(Layer("add", "Add", {}, ["a2", "b1"]))
    d.add_layer(Layer("relu", "ReLU", {}, ["add"]))
    live = Analysis(d)
    seen: list[set[str]] = []
    live.updated.connect(seen.append)
    d.set_params("b1", {"out_channels": 4, "kernel_size": 3, "padding": 1})
    assert seen[-1] == {"b1"}  # add's field is a2's (13×13), still the larger: nothing follows
    assert state(live) == state(analyze(d))
    live.close()

"""``Design.remove_layers`` / ``restore_layers`` followed by a live analysis, where the analysis
takes no fast path: a design with a cycle and inputs from missing ids. After each step the
analysis equals a fresh one and the design's text is as before."""

from __future__ import annotations

import random

from benchmarks.scale_designs import resnet_like
from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, Layer
from designer.core.fileformat import dumps_design
from designer.core.report import check_json


def _same_as_fresh(live: Analysis, design: Design) -> None:
    fresh = analyze(design)
    assert sorted(live.info) == sorted(fresh.info)
    for lid in design.ids:
        assert live.info[lid] == fresh.info[lid], lid
    assert live.diagnostics() == fresh.diagnostics()
    assert live.totals() == fresh.totals()
    assert check_json(live) == check_json(fresh)


def _awkward() -> Design:
    design = resnet_like(60)
    ids = design.ids
    design.add_layer(Layer("loop_a", "ReLU", {}, ["loop_b"]))
    design.add_layer(Layer("loop_b", "ReLU", {}, ["loop_a"]))  # a cycle
    design.add_layer(Layer("orphan", "ReLU", {}, ["ghost"]))  # an input from no layer
    design.add_layer(Layer("late", "Add", {}, [ids[10], "loop_a"]), index=12)
    return design


def test_bulk_removal_and_restore_without_fast_paths() -> None:
    rng = random.Random(7)
    for _ in range(12):
        design = _awkward()
        text = dumps_design(design)
        live = Analysis(design)
        chosen = rng.sample(design.ids, rng.randrange(2, 25))
        removal = design.remove_layers(chosen)
        _same_as_fresh(live, design)
        design.restore_layers(removal)
        assert dumps_design(design) == text
        _same_as_fresh(live, design)


def test_a_bulk_change_names_the_layers_that_lost_or_gained_a_consumer() -> None:
    """``BulkChange.fed``: the layers, still in the design, whose consumers changed: what the
    removed layers read, what the rewired ones read before and after (and on restore, what
    the layers put back read). A follower cannot read a removed layer's inputs any more."""
    design = Design("fed")
    design.add_layer(Layer("x", "Input", {"shape": [3, 8, 8]}, []))
    design.add_layer(Layer("a", "ReLU", {}, ["x"]))
    design.add_layer(Layer("b", "ReLU", {}, ["a"]))
    design.add_layer(Layer("c", "Add", {}, ["b", "x"]))
    design.add_layer(Layer("d", "ReLU", {}, ["c"]))
    changes: list[object] = []
    design.bulk_changed.connect(changes.append)
    removal = design.remove_layers(["b", "c"], rewire={"d": ["a"]})
    (gone,) = changes
    assert gone.removed == ("b", "c") and gone.rewired == ("d",)
    # b read a, c read x (b is gone), d read c before and a after.
    assert set(gone.fed) == {"a", "x"}
    design.restore_layers(removal)
    back = changes[1]
    assert back.added == ("b", "c") and back.rewired == ("d",)
    assert set(back.fed) == {"a", "x", "b", "c"}  # b, c read a, b, x; d read a, reads c again

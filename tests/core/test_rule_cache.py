"""The analysis's rule-result cache (issue 15, target 2) changes no result.

Rules are pure functions of (layer type, parameters, input shapes, semantics); the analysis
keeps their results and serves a repeated layer from them. These tests compare analyses with
the cache against analyses in which every rule runs afresh: on every template under every
semantics, and after random edit sequences (the live-analysis property test's edits, with
parameter values that break layers). The cache key must tell apart values that compare equal
but that a rule could treat or print differently (1, 1.0 and True; 0.0 and -0.0; a list).
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from designer.core import analysis as analysis_module
from designer.core.analysis import Analysis, analyze
from designer.core.design import Layer, Removal
from designer.core.fileformat import load_design
from designer.core.registry import REGISTRY
from designer.core.shape_rules import RuleResult
from tests.core.test_live_analysis_property import _edit, _snapshot, _start

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "resources" / "templates").glob("*.json"))


class _NoCache(dict):  # type: ignore[type-arg]
    """A cache that never has anything: every rule runs."""

    def get(self, key: Any, default: Any = None) -> Any:
        hash(key)  # an unhashable key raises as with a real dict
        return None


def _uncached(design: Any) -> Analysis:
    saved = analysis_module._RULE_CACHE
    analysis_module._RULE_CACHE = _NoCache()
    try:
        return analyze(design)
    finally:
        analysis_module._RULE_CACHE = saved


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_templates_analyse_the_same_with_and_without_the_cache(path: Path) -> None:
    design = load_design(path)
    for semantics in ("pytorch", "keras", "caffe", "strict"):
        design.set_semantics(semantics)
        analyze(design)  # fills the cache
        cached = analyze(design)  # served from it
        fresh = _uncached(design)
        assert cached.info == fresh.info, f"{path.stem} under {semantics}"
        assert _snapshot(cached) == _snapshot(fresh)


def test_live_analysis_with_the_cache_equals_uncached_analysis_after_random_edits() -> None:
    seed = int(os.environ.get("CNN_DESIGNER_PROPERTY_SEED", random.randrange(2**32)))
    master = random.Random(seed)
    sequences, steps = 300, 15
    for n in range(sequences):
        rng = random.Random(master.randrange(2**32))
        design = _start(rng)
        live = Analysis(design)
        removed: list[Removal] = []
        history: list[str] = []
        for _ in range(steps):
            history.append(_edit(design, rng, removed))
            assert live.info == _uncached(design).info, (
                f"sequence {n} (CNN_DESIGNER_PROPERTY_SEED={seed}) differs after {history}"
            )
        live.close()
    print(f"\nrule cache property: {sequences} sequences of {steps} edits (seed {seed})")


@pytest.mark.parametrize(
    "values",
    [
        (0, 0.0, -0.0, False, [0], {"a": 0}, None, "0"),
        (1, 1.0, True, [1], [1.0], [True], (1,)),
        ([2, 3], [2.0, 3], [[2], 3], (2, 3)),
    ],
)
def test_the_key_tells_apart_values_that_compare_equal(
    monkeypatch: pytest.MonkeyPatch, values: tuple[Any, ...]
) -> None:
    monkeypatch.setattr(analysis_module, "_RULE_CACHE", {})
    calls: list[Any] = []

    def spy(p: Any, inputs: Any, sem: Any) -> RuleResult:
        calls.append(p["p"])
        return RuleResult(tuple(inputs[0]), derived={"p": repr(p["p"])})

    ltype = replace(REGISTRY["Dropout"], rule=spy)
    monkeypatch.setitem(REGISTRY, "Dropout", ltype)
    shapes = [(3, 4, 4)]
    for value in values:
        for _ in range(2):  # the second time from the cache
            result = analysis_module._rule_result(
                Layer("d", "Dropout", {"p": value}), ltype, shapes, "pytorch"
            )
            assert result.derived["p"] == repr(value)
    assert len(calls) == len(values), "each value ran its rule once"
    # The semantics and the input shapes are part of the key too.
    analysis_module._rule_result(Layer("d", "Dropout", {"p": 0.5}), ltype, shapes, "keras")
    analysis_module._rule_result(Layer("d", "Dropout", {"p": 0.5}), ltype, [(3, 4, 5)], "keras")
    assert len(calls) == len(values) + 2


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis_module, "RULE_CACHE_LIMIT", 10)
    monkeypatch.setattr(analysis_module, "_RULE_CACHE", {})
    ltype = REGISTRY["ReLU"]
    for n in range(1, 50):
        analysis_module._rule_result(Layer("r", "ReLU", {}), ltype, [(n,)], "pytorch")
        assert len(analysis_module._RULE_CACHE) <= 10


def test_layer_info_fields_are_in_the_order_the_fast_paths_pass_them() -> None:
    """``Analysis._evaluate_known`` and ``_with_new_field`` build ``LayerInfo`` positionally
    (faster than by keyword): a field added or moved must be added there too."""
    from dataclasses import fields

    from designer.core.analysis import LayerInfo

    assert [f.name for f in fields(LayerInfo)] == [
        "id",
        "type",
        "input_shapes",
        "output_shape",
        "params",
        "trainable_params",
        "buffers",
        "macs",
        "receptive_field",
        "status",
        "diagnostics",
        "axes",
        "derived",
        "bytes_per_element",
        "output_shapes",
        "input_size",
        "channel_axis",
    ]


def test_window_axis_builds_the_same_axis_arith_as_the_dataclass() -> None:
    """``window_axis`` builds its frozen ``AxisArith`` without the dataclass ``__init__``: the
    object must be the one ``__init__`` gives (equal, same hash, repr and attribute dict)."""
    from dataclasses import fields

    from designer.core.arithmetic import AxisArith, window_axis

    rng = random.Random(15)
    for _ in range(2000):
        a = window_axis(
            rng.choice(("height", "width")),
            rng.choice(("conv", "pool")),
            rng.randint(1, 300),
            rng.randint(1, 12),
            rng.randint(1, 5),
            rng.randint(0, 4),
            rng.randint(0, 4),
            rng.randint(1, 3),
            rng.choice(("floor", "ceil")),
            same=rng.random() < 0.3,
            clip_unpadded=rng.random() < 0.5,
        )
        b = AxisArith(**{f.name: getattr(a, f.name) for f in fields(AxisArith)})
        assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
        assert list(a.__dict__.items()) == list(b.__dict__.items())


def test_a_value_that_cannot_be_a_key_runs_the_rule_uncached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A parameter value no design file holds (a set) must not crash the analysis."""
    monkeypatch.setattr(analysis_module, "_RULE_CACHE", {})
    calls: list[Any] = []

    def spy(p: Any, inputs: Any, sem: Any) -> RuleResult:
        calls.append(p["p"])
        return RuleResult(tuple(inputs[0]))

    ltype = replace(REGISTRY["Dropout"], rule=spy)
    monkeypatch.setitem(REGISTRY, "Dropout", ltype)
    layer = Layer("d", "Dropout", {"p": {0.5}})
    for _ in range(2):
        result = analysis_module._rule_result(layer, ltype, [(3, 4, 4)], "pytorch")
        assert result.shape == (3, 4, 4)
    assert len(calls) == 2 and analysis_module._RULE_CACHE == {}

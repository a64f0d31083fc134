"""Fix suggestions cost the same whatever the values (issue 12, item 1).

Every numeric parameter of every layer type at its documented maximum (2³¹ − 1 where
the registry sets none), alone and all at once, on small, odd and maximal inputs:
analysis, the check table and JSON, every layer's explanation, and every
diagnostic's fixes and explanation finish. Each case runs under an alarm: a case
that does not finish within ``CASE_TIMEOUT`` seconds fails the test (it used to
take minutes: the generators looped once per unit of a stride, kernel or channel
count). The closed-form searches are checked against brute force on small values.
"""

from __future__ import annotations

import itertools
import random
import signal
from typing import Any

import pytest

from designer.core.analysis import analyze
from designer.core.design import Design, DesignError, Layer
from designer.core.diagnosis import explain_diagnostic
from designer.core.explain import explain_layer, render_text
from designer.core.fixes import _congruent_near, _divisors, suggest_fixes
from designer.core.params import MAX_INT_VALUE, ParamKind, ParamSpec
from designer.core.registry import REGISTRY
from designer.core.report import check_json, check_table
from tests.time_limit import time_limit

#: Generous: each case takes milliseconds; before the fix some took minutes.
CASE_TIMEOUT = 20

M = MAX_INT_VALUE
NUMERIC = {
    ParamKind.INT,
    ParamKind.PAIR,
    ParamKind.OPT_PAIR,
    ParamKind.PADDING,
    ParamKind.PAD4,
    ParamKind.SIZE,
    ParamKind.OPT_SIZE,
    ParamKind.OPT_SCALE,
    ParamKind.FLOAT,
}
INPUT_SHAPES = ([3, 224, 224], [3, 227, 227], [M, 5, 5], [3, M, M], [1, M, 1], [M])


def _extremes(spec: ParamSpec) -> list[Any]:
    """The documented maximum (and the minimum for signed ones), alone and in a pair."""
    hi = spec.maximum if spec.maximum is not None else M
    if spec.kind is ParamKind.FLOAT:
        return [hi, spec.minimum if spec.minimum is not None else -M]
    if spec.kind in (ParamKind.SIZE, ParamKind.OPT_SIZE, ParamKind.OPT_SCALE):
        return [M, [M, 1]]
    if spec.kind is ParamKind.PAD4:
        return [M, -M, [M, 0, 0, -M]]
    if spec.kind is ParamKind.INT and spec.minimum is None:
        return [int(hi), -M]
    return [int(hi), [int(hi), 1]]


def _cases() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = []
    for type_id, ltype in REGISTRY.items():
        if type_id == "Input":
            continue
        numeric = [s for s in ltype.params if s.kind in NUMERIC]
        for spec in numeric:
            cases.extend((type_id, {spec.name: v}) for v in _extremes(spec))
        if numeric:
            cases.append((type_id, {s.name: _extremes(s)[0] for s in numeric}))
    return cases


def _exercise(design: Design) -> int:
    analysis = analyze(design)
    check_table(analysis)
    check_json(analysis)
    for lid in design.ids:
        render_text(explain_layer(analysis, lid))
    fixes = 0
    for diag in analysis.diagnostics():
        found = suggest_fixes(design, analysis, diag)
        render_text(explain_diagnostic(analysis, diag, found))
        fixes += len(found)
    return fixes


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the time limit uses SIGALRM (POSIX)")
def test_every_parameter_at_its_maximum_is_checked_and_fixed_quickly() -> None:
    ran = 0
    for (type_id, params), shape in itertools.product(_cases(), INPUT_SHAPES):
        design = Design("maximum")
        design.add_layer(Layer("input", "Input", {"shape": shape}))
        inputs = ["input"] * max(1, REGISTRY[type_id].min_inputs)
        try:
            design.add_layer(
                Layer("x", type_id, {**REGISTRY[type_id].initial_params(), **params}, inputs)
            )
        except DesignError:
            continue  # e.g. a float where the kind wants a whole number
        design.add_layer(Layer("relu", "ReLU", {}, ["x"]))
        with time_limit(CASE_TIMEOUT, f"{type_id} {params} on {shape}"):
            _exercise(design)
        ran += 1
    print(f"\nbounded fixes: {ran} designs with parameters at their maximum")
    assert ran > 400


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the time limit uses SIGALRM (POSIX)")
@pytest.mark.parametrize(
    "params",
    [
        {
            "out_channels": 96,
            "kernel_size": 11,
            "stride": M,
        },  # the issue's example (minutes before)
        {"out_channels": 96, "kernel_size": 10**6, "padding": 10**6 // 2 - 100, "stride": 3},
        {"out_channels": M, "kernel_size": 3, "groups": M - 1},
        {"out_channels": 64, "kernel_size": 2, "stride": 10**7, "padding": 5},
    ],
)
def test_the_issue_cases_get_their_fixes_quickly(params: dict[str, Any]) -> None:
    design = Design("x")
    design.add_layer(Layer("input", "Input", {"shape": [3, 227, 227]}))
    design.add_layer(Layer("conv1", "Conv2d", params, ["input"]))
    design.add_layer(Layer("conv2", "Conv2d", {"out_channels": 8, "kernel_size": 1}, ["conv1"]))
    with time_limit(CASE_TIMEOUT, str(params)):
        assert _exercise(design) >= 1


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the time limit uses SIGALRM (POSIX)")
def test_add_with_a_huge_spatial_size_is_fixed_quickly() -> None:
    design = Design("x")
    design.add_layer(Layer("input", "Input", {"shape": [1, M, 4]}))
    design.add_layer(
        Layer("down", "Conv2d", {"out_channels": 1, "kernel_size": 1, "stride": 2}, ["input"])
    )
    design.add_layer(Layer("add", "Add", {}, ["down", "input"]))
    analysis = analyze(design)
    diag = next(d for d in analysis.diagnostics() if d.code == "add_shape_mismatch")
    with time_limit(CASE_TIMEOUT, "Add of a 2147483647-row input"):
        labels = [f.label for f in suggest_fixes(design, analysis, diag)]
    assert any("stride 2" in label for label in labels), labels


def test_congruences_match_brute_force() -> None:
    rng = random.Random(12)
    for _ in range(3000):
        a, m = rng.randint(1, 12), rng.randint(1, 30)
        b, start = rng.randint(-40, 40), rng.randint(-5, 60)
        lo, hi = rng.randint(-5, 20), rng.randint(0, 80)
        got = set(_congruent_near(start, a, b, m, lo, hi))
        every = [x for x in range(lo, hi + 1) if (a * x - b) % m == 0]
        assert got <= set(every)
        if every:
            below = [x for x in every if x <= start]
            above = [x for x in every if x > start]
            # The nearest solution on each side (and the ends of the range) are always among them.
            for want in below[-1:] + above[:1] + every[:1] + every[-1:]:
                assert want in got, (start, a, b, m, lo, hi, sorted(got))
        else:
            assert not got


@pytest.mark.parametrize(
    "n", [*range(1, 200), 2**31 - 1, 2**31 - 2, 2 * 3 * 5 * 7 * 11 * 13 * 17 * 19, 10**9]
)
def test_divisors_by_trial_division(n: int) -> None:
    divisors = _divisors(n)
    assert divisors == sorted(set(divisors))
    assert all(n % d == 0 for d in divisors)
    if n < 200:
        assert divisors == [d for d in range(1, n + 1) if n % d == 0]
    assert all(n // d in divisors for d in divisors)  # complete: each divisor's partner is there

"""The fast paths of issue 15, target 2's eleventh pass give what the general paths give.

Along an edit's chain (``Analysis._chain``) and in a full analysis (``full_refresh``), a
window layer's notes are ruled out from what its rule result keeps for its input shape
(``analysis._window_facts``: the bottleneck's share, an output plane of more than one value)
and from its field's size compared with limits made once per input size
(``_coverage_limits``: floats where a float holds them exactly); a usual layer's info is made
with every field set in place (no call of the dataclass's ``__init__``); the totals compare
each count before taking its difference and take the memory's change once, from the neurons'.
Each is compared here with the general code it stands for, and each test was seen to fail with
its shortcut deliberately broken.
"""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core.analysis import (
    _SUMS,
    BOTTLENECK_KEEP,
    Analysis,
    LayerInfo,
    ReceptiveField,
    _coverage_limits,
    _stepped,
    _window_facts,
    analyze,
    clear_rule_cache,
)
from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.core.shape_rules import RFStep, RuleResult
from tests.core.test_eighth_pass_fast_paths import DESIGNS, SEMANTICS, _random_chain
from tests.core.test_live_analysis_property import _snapshot

# ------------------------------------------------------------ a window's first tests

_DIMS = st.one_of(st.sampled_from([0, 1, 2, 3, 7, 64, 2**31, 2**53 + 1]), st.integers(0, 10**6))
_SHAPES = st.lists(_DIMS, min_size=1, max_size=4).map(tuple)


def _bottleneck(out: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """``_evaluate_one``'s bottleneck test, as it reads."""
    n_in = math.prod(shape)
    return bool(
        len(out) == 3
        and n_in
        and math.prod(out) < BOTTLENECK_KEEP * n_in
        and not (len(shape) == 3 and shape[1] * shape[2] == 1)
    )


@settings(max_examples=400, deadline=None)
@given(out=_SHAPES, shape=_SHAPES, other=_SHAPES)
def test_a_windows_facts_are_its_tests_for_that_input_shape(
    out: tuple[int, ...], shape: tuple[int, ...], other: tuple[int, ...]
) -> None:
    """The bottleneck's share and the plane's size, as ``_evaluate_one`` tests them; kept on
    the result with the shape they were made for (a result met with another shape is read
    again, never from the facts of the first)."""
    result = RuleResult(out)
    facts = _window_facts(result, shape)
    assert facts == (shape, _bottleneck(out, shape), len(out) == 3 and out[1] * out[2] > 1)
    assert result._window is facts
    again = _window_facts(result, other)
    assert again[1] == _bottleneck(out, other)
    assert result._window is again
    assert _window_facts(RuleResult(None), shape) == (shape, False, False)


def test_a_windows_facts_at_the_bottlenecks_edge() -> None:
    """Every output and input volume of sides 0 to 3 (among them a share of exactly a tenth,
    which is no bottleneck, and inputs of one value per channel): the facts are the tests."""
    sides = range(4)
    shapes = [(c, h, w) for c in sides for h in sides for w in sides]
    shapes += [(1, 2, 5), (10, 1, 1), (2, 5, 1)]
    for out in [*shapes, (1,), (4, 4)]:
        for shape in shapes:
            facts = _window_facts(RuleResult(out), shape)
            assert facts[1] == _bottleneck(out, shape), (out, shape)
            assert facts[2] == (len(out) == 3 and out[1] * out[2] > 1), (out, shape)


@pytest.mark.parametrize("full", [False, True])
def test_facts_kept_for_another_shape_are_not_read(full: bool) -> None:
    """A window's result whose kept facts were made for another input shape (they say no
    note can come) has them made again for the shape it meets, in a full analysis and along an
    edit's chain: the analysis is a fresh one's, with its coverage note."""
    design = _chain(30)
    live = Analysis(design)
    design.set_param("c1", "padding", 0)
    design.set_param("c1", "padding", 1)
    for memo in live._rule_memo.values():
        for result in memo[4].values():
            if result.shape is not None and len(result.shape) == 3:
                result.__dict__["_window"] = ((9, 9, 9), False, False)
    if full:
        live.full_refresh()
    else:
        design.set_param("c1", "padding", 0)
    clear_rule_cache()  # (results made afresh: no facts kept)
    fresh = analyze(design)
    assert any(d.code == "receptive_field_covers_input" for d in fresh.diagnostics())
    assert _snapshot(live) == _snapshot(fresh)
    fresh.close()
    live.close()


_SIZES = st.one_of(
    st.sampled_from([0, 1, 2, 63, 64, 65, 2**53 - 1, 2**53, 2**53 + 1, 2**60, 10**30, -5]),
    st.integers(-(2**64), 2**64),
)
_FIELD_SIZES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([62.0, 63.0, 63.5, 64.0, 65.0, 66.0, 2.0**53, 2.0**53 + 2, 9.3e15, 1e300]),
    st.integers(-(2**64), 2**64),
)


@settings(max_examples=600, deadline=None)
@given(sh=_SIZES, sw=_SIZES, a=_FIELD_SIZES, b=_FIELD_SIZES)
def test_the_coverage_limits_compare_as_the_integers_do(sh: int, sw: int, a: Any, b: Any) -> None:
    """A field's size compared with the limits gives what it gives compared with the input
    size less or plus one, at every size a float holds exactly or not, for float and integer
    sizes, infinities and NaN."""
    lo_h, lo_w, hi_h, hi_w = _coverage_limits((sh, sw))
    for size in (a, b):
        assert (size > lo_h) == (size > sh - 1)
        assert (size > lo_w) == (size > sw - 1)
        assert (size >= hi_h) == (size >= sh + 1)
        assert (size >= hi_w) == (size >= sw + 1)


# ------------------------------------------------------------------ infos in place


def _every_field_set(info: LayerInfo) -> LayerInfo:
    """``info`` made again through the dataclass's ``__init__`` (a field left unset raises)."""
    return LayerInfo(**{f.name: getattr(info, f.name) for f in dataclasses.fields(LayerInfo)})


def _sums_of(an: Analysis) -> list[int]:
    """The running sums worked out again over every stored info (``_account`` of each)."""
    probe = Analysis.__new__(Analysis)
    probe._sums = [0] * _SUMS
    probe._flagged = set()
    for lid in an.design.ids:
        probe._account(an.info[lid], 1)
    return probe._sums


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_infos_made_in_place_have_every_field(path: Any) -> None:
    """Every info a full analysis makes (the usual layers' in place), under every semantics,
    has every field set and equals the one the dataclass's ``__init__`` makes of its values."""
    design = load_design(path)
    for semantics in SEMANTICS:
        design.set_semantics(semantics)
        an = analyze(design)
        for lid in design.ids:
            info = an.info[lid]
            assert _every_field_set(info) == info
            assert repr(_every_field_set(info)) == repr(info)
        assert an._sums == _sums_of(an), (path.stem, semantics)


def _chain(n: int = 40, *, size: int = 12) -> Design:
    design = Design("chain")
    design.add_layer(Layer("input", "Input", {"shape": [3, size, size]}))
    prev = "input"
    for k in range(1, n):
        if k % 3 == 1:
            layer = Layer(f"c{k}", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1})
        elif k % 3 == 2:
            layer = Layer(f"b{k}", "BatchNorm2d", {})
        else:
            layer = Layer(f"r{k}", "ReLU", {})
        layer.inputs = [prev]
        design.add_layer(layer)
        prev = layer.id
    return design


@pytest.mark.parametrize(
    "edit",
    [
        ("c1", "padding", 0),  # every shape after it changes, no count
        ("c1", "out_channels", 5),  # the BatchNorm's parameters and buffers change too
        ("c1", "kernel_size", 5),
        ("c4", "stride", 2),
    ],
)
def test_the_chains_totals_are_the_sum_over_its_infos(edit: tuple[str, str, Any]) -> None:
    """After an edit along a chain (and its undo), the running sums are those worked out
    again over every info, and the live analysis is a fresh one; the infos made in place
    have every field set."""
    design = _chain()
    live = Analysis(design)
    lid, name, value = edit
    old = design.layer(lid).params.get(name)
    for v in (value, old, value):
        design.set_param(lid, name, v)
        assert live._sums == _sums_of(live)
        fresh = analyze(design)
        assert _snapshot(live) == _snapshot(fresh)
        for layer_id in design.ids:
            assert _every_field_set(live.info[layer_id]) == fresh.info[layer_id]
        fresh.close()
    live.close()


def test_a_taken_over_analysis_at_other_bytes_counts_the_memory_of_each_info() -> None:
    """An analysis that took another's results over at other bytes per element keeps their
    infos (counted at their own bytes) until an edit makes them again: an edit along the chain
    then changes the memory by what each info it replaces counted, at its own bytes."""
    design = _chain(30)
    base = Analysis(design, live=False, bytes_per_element=4)
    copy = design.trial_copy()
    live = Analysis(copy, bytes_per_element=2, start_from=base)
    assert live._sums == _sums_of(live)
    copy.set_param("c4", "padding", 0)
    assert {live.info[i].bytes_per_element for i in copy.ids} == {2, 4}
    assert live._sums == _sums_of(live)
    copy.set_param("c1", "padding", 0)
    assert live._sums == _sums_of(live)
    live.close()


@pytest.mark.parametrize("seed", range(4))
def test_random_chain_edits_keep_the_sums_of_their_infos(seed: int) -> None:
    """Random chains (windows that break, blow up or cover the input; heads, forks, channels
    last) and random edits: the running sums after each are those worked out again."""
    rng = random.Random(1100 + seed)
    design = _random_chain(rng, 60)
    live = Analysis(design)
    editable = [la for la in design if la.type == "Conv2d"]
    for _ in range(25):
        layer = rng.choice(editable[:8])
        change = rng.choice(
            [{"padding": 0}, {"padding": 1}, {"out_channels": 6}, {"kernel_size": 5}]
        )
        design.set_params(layer.id, {**layer.params, **change})
        assert live._sums == _sums_of(live)
        fresh = analyze(design)
        assert _snapshot(live) == _snapshot(fresh)
        fresh.close()
    live.close()


# ------------------------------------------------------------------ a field's step


def _stepped_by_formula(
    size: tuple[float, float], jump: tuple[float, float], step: RFStep
) -> ReceptiveField | None:
    """``RFStep``'s formulas, axis by axis, as its docstring gives them."""
    if step.kind == "window":
        size = tuple(r + (k - 1) * j for r, k, j in zip(size, step.kernel, jump, strict=True))  # type: ignore[assignment]
        jump = tuple(j * s for j, s in zip(jump, step.stride, strict=True))  # type: ignore[assignment]
    elif step.kind == "transpose":
        size = tuple(  # type: ignore[assignment]
            r + (math.ceil(k / s) - 1) * j
            for r, k, s, j in zip(size, step.kernel, step.stride, jump, strict=True)
        )
        jump = tuple(j / s for j, s in zip(jump, step.stride, strict=True))  # type: ignore[assignment]
    if not all(math.isfinite(v) for v in (*size, *jump)):
        return None
    return ReceptiveField(size, jump)


_REALS = st.one_of(
    st.floats(min_value=1e-3, max_value=1e6),
    st.sampled_from([1.0, 2.0, 0.5, 3.0, 1e300, 1.7e308, 7, 1]),
)


@settings(max_examples=500, deadline=None)
@given(
    kind=st.sampled_from(["window", "transpose", "identity"]),
    kernel=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    stride=st.tuples(_REALS, _REALS),
    size=st.tuples(_REALS, _REALS),
    jump=st.tuples(_REALS, _REALS),
)
def test_a_step_gives_its_formulas(
    kind: str,
    kernel: tuple[int, int],
    stride: tuple[float, float],
    size: tuple[float, float],
    jump: tuple[float, float],
) -> None:
    """``_stepped`` (the window's and the transpose's arithmetic on local numbers) against
    ``RFStep``'s formulas: the same numbers (reprs: classes and every bit), None where one
    is not finite; each axis with its own kernel, stride, size and jump."""
    step = RFStep(kind, kernel, stride)  # type: ignore[arg-type]
    got, want = _stepped(size, jump, step), _stepped_by_formula(size, jump, step)
    assert repr(got) == repr(want)
    if got is not None and want is not None:
        assert [v.__class__ for v in (*got.size, *got.jump)] == [
            v.__class__ for v in (*want.size, *want.jump)
        ]

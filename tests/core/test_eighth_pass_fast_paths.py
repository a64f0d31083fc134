"""The fast paths of issue 15, target 2's eighth pass give what the general paths give.

An edit that changes the shapes along a chain (the 1,000-layer chain's edit near its start)
is evaluated by ``Analysis._chain``: each layer with one input by ``_evaluate_one`` (the
one-input case of ``_evaluate_known``), or inline where its rule result is in the layer's
memo (``_rule_memo``) and no note can come; the field after a step is kept on the field before
it (``_after``; window steps are one object per kernel and stride); the totals' deltas are
summed along the chain. Each is compared here with the general code it stands for, over every
template and example and over random chains and random edits (live analysis against a fresh
one: every layer's info, its repr, the diagnostics, the totals, the order, and the ids
``updated`` carried). Each test was seen to fail with its shortcut deliberately broken.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core import analysis as analysis_module
from designer.core import shape_rules as rules_module
from designer.core.analysis import (
    _CHAIN_PLAIN,
    Analysis,
    LayerInfo,
    ReceptiveField,
    _after,
    _stepped,
    analyze,
    clear_rule_cache,
)
from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.core.registry import REGISTRY
from designer.core.shape_rules import RFStep, RuleResult, _window_step
from tests.core.test_live_analysis_property import _snapshot

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "resources" / "templates").glob("*.json")) + sorted(
    (ROOT / "resources" / "examples").glob("*.json")
)
SEMANTICS = ("pytorch", "keras", "caffe", "strict")


def _one_input_layers(an: Analysis) -> list[tuple[Layer, LayerInfo]]:
    """The layers ``_evaluate`` hands to ``_evaluate_one``: one plain input whose one output
    is known, as many inputs as the type takes, not on a cycle."""
    out = []
    for layer in an.design:
        ltype = REGISTRY[layer.type]
        if len(layer.inputs) != 1 or layer.inputs[0] not in an.design.layer_map:
            continue
        if ltype.min_inputs > 1 or (ltype.max_inputs is not None and ltype.max_inputs < 1):
            continue
        u = an.info.get(layer.inputs[0])
        if u is None or u.output_shape is None or u.output_shapes or layer.id in an._cyclic:
            continue
        out.append((layer, u))
    return out


def _same(a: LayerInfo, b: LayerInfo) -> bool:
    return a == b and repr(a) == repr(b) and a.diagnostics == b.diagnostics


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_evaluate_one_is_evaluate_known(path: Path) -> None:
    """For every layer with one input, under every semantics, ``_evaluate_one`` (from the
    rule cache, then from the layer's memo) builds the info ``_evaluate_known`` builds."""
    design = load_design(path)
    for semantics in SEMANTICS:
        design.set_semantics(semantics)
        an = analyze(design)
        for layer, u in _one_input_layers(an):
            ltype = REGISTRY[layer.type]
            general = an._evaluate_known(layer, ltype, [u], [u.output_shape])  # type: ignore[list-item]
            for _ in range(2):  # the second time from the memo
                fast = an._evaluate_one(layer, ltype, u, u.output_shape)  # type: ignore[arg-type]
                assert _same(fast, general), (path.stem, semantics, layer.id)
            assert an.info[layer.id] == general, (path.stem, semantics, layer.id)


# Layers a chain is made of, with parameter values that keep, shrink, break or blow up the
# volume (a kernel larger than the input, a huge channel count: ``large_activation``), and
# types the chain leaves to ``_evaluate_one`` (Linear after a Flatten, Permute, Flatten).
_KINDS: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "Conv2d",
        [
            {"out_channels": 4, "kernel_size": 3, "padding": 1},
            {"out_channels": 4, "kernel_size": 3},
            {"out_channels": 8, "kernel_size": 5, "padding": 2, "stride": 2},
            {"out_channels": 4, "kernel_size": 1},
            {"out_channels": 4, "kernel_size": 40},
            {"out_channels": 4, "kernel_size": 3, "dilation": 2, "padding": 2},
        ],
    ),
    ("ReLU", [{}]),
    ("GELU", [{}]),
    ("BatchNorm2d", [{}]),
    ("Dropout", [{"p": 0.5}]),
    ("MaxPool2d", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}]),
    ("AvgPool2d", [{"kernel_size": 2, "ceil_mode": True}, {"kernel_size": 3, "stride": 1}]),
    ("ZeroPad2d", [{"padding": 1}]),
    ("Upsample", [{"scale_factor": 2}]),
    ("AdaptiveAvgPool2d", [{"output_size": 1}, {"output_size": 4}]),
    ("ConvTranspose2d", [{"out_channels": 4, "kernel_size": 2, "stride": 2}]),
    ("Permute", [{"dims": [0, 2, 3, 1]}]),
]
_EDITS: dict[str, list[dict[str, Any]]] = {
    "Conv2d": [
        {"padding": 0},
        {"padding": 1},
        {"padding": 2},
        {"kernel_size": 5},
        {"kernel_size": 1},
        {"stride": 2},
        {"stride": 1},
        {"out_channels": 6},
        {"out_channels": 4},
        {"out_channels": 600_000},
        {"kernel_size": 99},
    ],
    "MaxPool2d": [{"padding": 0}, {"kernel_size": 2, "padding": 0}, {"ceil_mode": True}],
    "AvgPool2d": [{"padding": 1, "kernel_size": 3}, {"kernel_size": 2}],
    "ZeroPad2d": [{"padding": 0}, {"padding": 3}],
    "Upsample": [{"scale_factor": 1}, {"scale_factor": 3}],
    "Input": [{"shape": [4, 32, 32]}, {"shape": [4, 33, 31]}, {"shape": [4, 8, 8]}],
}


def _random_chain(rng: random.Random, n: int) -> Design:
    """Input, then ``n`` one-input layers (with now and then a fork merged again by an Add, or
    a Flatten → Linear head part way), so most consumers are single and the chain runs long."""
    design = Design("chain")
    size = rng.choice([16, 32, 40])
    design.add_layer(Layer("input", "Input", {"shape": [4, size, size]}))
    prev = "input"
    for k in range(1, n + 1):
        r = rng.random()
        if r < 0.08:
            design.add_layer(
                Layer(
                    f"a{k}", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, [prev]
                )
            )
            design.add_layer(Layer(f"m{k}", "Add", {}, [prev, f"a{k}"]))
            prev = f"m{k}"
            continue
        if r < 0.1:
            design.add_layer(Layer(f"f{k}", "Flatten", {}, [prev]))
            design.add_layer(Layer(f"l{k}", "Linear", {"out_features": 10}, [f"f{k}"]))
            prev = f"l{k}"
            continue
        if r < 0.14:  # channels last: a channels-first layer after it moves them
            design.add_layer(Layer(f"p{k}", "Permute", {"dims": [0, 2, 3, 1]}, [prev]))
            prev = f"p{k}"
            continue
        type_id, choices = rng.choice(_KINDS[:10] if r < 0.97 else _KINDS)
        design.add_layer(Layer(f"x{k}", type_id, dict(rng.choice(choices)), [prev]))
        prev = f"x{k}"
    return design


def _check_edit(
    live: Analysis, design: Design, before: dict[str, LayerInfo], told: list[set[str]], n: int
) -> None:
    fresh = analyze(design)
    assert _snapshot(live) == _snapshot(fresh)
    now = dict(live.info.items())
    assert [repr(now[i]) for i in design.ids] == [repr(fresh.info[i]) for i in design.ids]
    moved = {i for i in now if before.get(i) != now[i]}
    listed = told[-1] if len(told) > n else set()
    # A layer left out of ``updated`` moved its field alone (past full coverage: unlisted).
    unlisted = moved - listed
    assert not unlisted or live.unlisted_fields, sorted(unlisted)
    for i in unlisted:
        a, b = before[i], now[i]
        assert replace(a, receptive_field=None, input_size=None) == replace(
            b, receptive_field=None, input_size=None
        ), i
    fresh.close()


@pytest.mark.parametrize("seed", range(6))
def test_chain_edits_give_what_a_fresh_analysis_gives(seed: int) -> None:
    """Random edits of random chains (mostly near the start, so the shapes change along the
    chain; values that break layers, undo by setting the old values back, a new input size,
    semantics): after each, the live analysis is a fresh one, and ``updated`` listed every
    layer whose info changed. The chain's inline evaluation must have served most layers."""
    rng = random.Random(1500 + seed)
    design = _random_chain(rng, 70)
    live = Analysis(design)
    served = {"chain": 0, "one": 0}
    chain, one = live._chain, live._evaluate_one

    def counting_chain(*args: Any) -> Any:
        served["chain"] += 1
        return chain(*args)

    def counting_one(*args: Any) -> Any:
        served["one"] += 1
        return one(*args)

    live._chain = counting_chain  # type: ignore[method-assign]
    live._evaluate_one = counting_one  # type: ignore[method-assign]
    told: list[set[str]] = []
    live.updated.connect(told.append)
    history: list[Any] = []
    evaluated = 0
    for _ in range(45):
        editable = [la for la in design if la.type in _EDITS]
        weights = [1.0 / (1 + n) for n in range(len(editable))]  # near the start, mostly
        layer = rng.choices(editable, weights)[0]
        old = dict(layer.params)
        what = rng.random()
        before = dict(live.info.items())
        n = len(told)
        count, ones = live.recompute_count, served["one"]
        if what < 0.06:
            semantics = rng.choice(SEMANTICS)
            design.set_semantics(semantics)  # a full pass: not counted
            history.append(("semantics", semantics))
            served["one"] = ones
        else:
            change = rng.choice(_EDITS[layer.type])
            design.set_params(layer.id, {**old, **change})
            history.append((layer.id, change))
            evaluated += live.recompute_count - count
        _check_edit(live, design, before, told, n)
        if rng.random() < 0.4 and what >= 0.06:  # and its undo
            before = dict(live.info.items())
            n = len(told)
            count = live.recompute_count
            design.set_params(layer.id, old)
            evaluated += live.recompute_count - count
            history.append((layer.id, "undo"))
            _check_edit(live, design, before, told, n)
    live.close()
    assert served["chain"] > 0, history
    # Most layers evaluated along the chains came inline, not through _evaluate_one.
    assert served["one"] < evaluated / 2, (served, evaluated)


def test_the_benchmark_chain_edit_is_served_inline_and_gives_a_fresh_analysis() -> None:
    """The 1,000-layer chain's edit near the start (``bench_core``'s ``padding`` 1 ↔ 0 on
    conv3): every layer after it changes shape; once its memo holds both shapes, each is
    evaluated inline (its rule result from its memo, its field the one it had), and the
    result is a fresh analysis."""
    from benchmarks.bench_core import chain_design

    design = chain_design(300)
    live = Analysis(design)
    calls = []
    one = live._evaluate_one
    live._evaluate_one = lambda *a: calls.append(a[0].id) or one(*a)  # type: ignore[method-assign]
    for n, value in enumerate((0, 1, 0)):
        fields = {lid: dict.get(live.info, lid).receptive_field for lid in design.ids}  # type: ignore[union-attr]
        calls.clear()
        count = live.recompute_count
        design.set_param("conv3", "padding", value)
        assert live.recompute_count - count == 297
        assert _snapshot(live) == _snapshot(analyze(design))
        # The padding moves no field; from the second edit on (the first keeps the fields
        # it computes on the fields before them), each layer keeps its field object.
        assert all(live.info[lid].receptive_field == fields[lid] for lid in design.ids)
        if n:
            assert all(live.info[lid].receptive_field is fields[lid] for lid in design.ids)
    # The third edit: every layer inline but conv3 (the edited layer: the pass's own step) and
    # the window whose field first covers the whole input (its note: _evaluate_one).
    noted = [i.id for i in live.info.values() if i.diagnostics]
    assert calls == ["conv3", *noted] and len(noted) == 1, (calls, noted)


def test_after_is_stepped_whatever_came_before() -> None:
    """``_after`` gives ``_stepped`` whatever step came before on the same field (equal steps
    that are other objects, other kinds, another field), and keeps the one it gave."""
    rng = random.Random(15)
    fields = [
        ReceptiveField((rng.choice([1.0, 3.0, 7.5, 1e308]), 5.0), (1.0, 2.0)) for _ in range(5)
    ]
    steps = [
        RFStep("window", (3, 3), (1.0, 1.0)),
        RFStep("window", (3, 3), (1.0, 1.0)),  # equal to the first, another object
        RFStep("window", (3, 3), (2.0, 2.0)),
        RFStep("window", (5, 1), (1.0, 1e308)),
        RFStep("transpose", (2, 2), (2.0, 2.0)),
        RFStep("identity"),
    ]
    for _ in range(2000):
        rf, step = rng.choice(fields), rng.choice(steps)
        got = _after(rf, step)
        assert got == _stepped(rf.size, rf.jump, step)
        assert _after(rf, step) is got


@settings(max_examples=200, deadline=None)
@given(
    kernel=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    stride=st.tuples(st.integers(1, 4).map(float), st.integers(1, 4).map(float)),
)
def test_window_steps_are_one_object_per_kernel_and_stride(
    kernel: tuple[int, int], stride: tuple[float, float]
) -> None:
    step = _window_step(kernel, stride)
    assert step is _window_step(kernel, stride)
    general = RFStep("window", kernel, stride)
    assert step == general and hash(step) == hash(general) and repr(step) == repr(general)


def test_the_memo_serves_no_result_after_the_cache_is_emptied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``clear_rule_cache`` empties the layers' memos too (``bench_core``'s "cache emptied"
    figures run every rule again), and a layer whose parameters are a new dict, or whose design
    changed semantics, is not served from its memo."""
    calls: list[Any] = []
    relu = REGISTRY["ReLU"]

    def spy(p: Any, inputs: Any, sem: Any) -> RuleResult:
        calls.append(sem)
        return relu.rule(p, inputs, sem)

    monkeypatch.setitem(REGISTRY, "ReLU", replace(relu, rule=spy))
    monkeypatch.setattr(analysis_module, "_RULE_CACHE", {})
    from benchmarks.bench_core import chain_design

    design = chain_design(41)
    live = Analysis(design)
    for value in (0, 1, 0, 1):
        design.set_param("conv3", "padding", value)
    calls.clear()
    design.set_param("conv3", "padding", 0)
    assert calls == []  # from the memos
    clear_rule_cache()
    design.set_param("conv3", "padding", 1)
    # No memo serves: the first ReLU after conv3 runs its rule, the rule cache serves the rest
    # (had the memos served, no rule would have run).
    assert len(calls) == 1
    assert len(rules_module._WINDOW_STEPS) == 1  # emptied too: conv3's step made again
    design.set_param("conv3", "padding", 0)
    calls.clear()
    design.set_param("conv3", "padding", 1)
    assert calls == []  # from the memos again
    for lid in design.ids:
        if lid.startswith("relu"):
            design.layer(lid).params = {}  # another dict: the memo does not hold for it
    monkeypatch.setattr(analysis_module, "_RULE_CACHE", {})
    design.set_param("conv3", "padding", 0)
    assert len(calls) == 1
    assert _snapshot(live) == _snapshot(analyze(design))
    design.set_semantics("keras")
    design.set_param("conv3", "padding", 1)
    after = [i for i in design.ids if i.startswith("relu") and int(i[4:]) > 3]
    assert {live._rule_memo[i][2] for i in after} == {"keras"}
    assert _snapshot(live) == _snapshot(analyze(design))


def test_a_trial_analysis_sharing_the_memos_gives_a_fresh_analysis() -> None:
    """A fix's trial analysis (``start_from``) shares the memos with the live one: its edits
    and the live one's after it are both a fresh analysis of their designs."""
    from benchmarks.bench_core import chain_design

    design = chain_design(61)
    live = Analysis(design)
    design.set_param("conv3", "padding", 0)
    design.set_param("conv3", "padding", 1)
    trial_design = design.trial_copy()
    trial = Analysis(trial_design, start_from=live)
    assert trial._rule_memo is live._rule_memo
    trial_design.set_param("conv3", "padding", 0)
    trial_design.set_param("conv5", "kernel_size", 5)
    assert _snapshot(trial) == _snapshot(analyze(trial_design))
    # A trial counting 2 bytes per value, taken over from one counting 4: the totals add what
    # each stored layer holds (the chain's deltas use each info's own bytes per element).
    half = Analysis(design.trial_copy(), bytes_per_element=2, start_from=live)
    half.design.set_param("conv3", "padding", 0)
    held = [i for i in half.info.values() if i.type != "Input"]
    assert {i.bytes_per_element for i in held} == {2, 4}
    assert half.totals().memory_bytes == sum(i.memory_bytes for i in held)
    half.close()
    design.set_param("conv3", "padding", 0)
    design.set_param("conv7", "padding", 2)
    assert _snapshot(live) == _snapshot(analyze(design))
    trial.close()
    live.close()


def test_every_inline_type_takes_one_input_and_no_other_is_inline() -> None:
    """``_CHAIN_PLAIN``: the types the chain evaluates inline take one input and are not those
    whose channel axis or findings need ``_evaluate_one``'s general steps."""
    for type_id, kind in _CHAIN_PLAIN.items():
        lt = REGISTRY[type_id]
        assert lt.min_inputs <= 1 and (lt.max_inputs is None or lt.max_inputs >= 1), type_id
        assert type_id not in ("Linear", "Input", "Permute", "Transpose", "Reshape", "Flatten")
        assert (kind == 2) == (type_id in analysis_module.WINDOW_TYPES), type_id
        assert (kind >= 1) == (type_id in analysis_module._CHANNELS_FIRST_TYPES), type_id
    assert {"Conv2d", "ReLU", "BatchNorm2d", "MaxPool2d"} <= set(_CHAIN_PLAIN)


def test_a_window_after_channels_last_data_is_channels_first_inline() -> None:
    """A convolution, a pooling and a padding after a permute to channels last (ConvNeXt's
    layout) give channels-first volumes; evaluated inline (their memos hold both shapes after
    the first edits) they must not take the channel axis of their input."""
    design = Design("permuted")
    design.add_layer(Layer("input", "Input", {"shape": [4, 16, 16]}))
    chain = [
        ("conv1", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("perm", "Permute", {"dims": [0, 2, 3, 1]}),
        ("relu", "ReLU", {}),
        ("conv2", "Conv2d", {"out_channels": 4, "kernel_size": 1}),
        ("perm2", "Permute", {"dims": [0, 2, 3, 1]}),
        ("pool", "MaxPool2d", {"kernel_size": 1}),
        ("perm3", "Permute", {"dims": [0, 2, 3, 1]}),
        ("pad", "ZeroPad2d", {"padding": 1}),
        ("gelu", "GELU", {}),
    ]
    prev = "input"
    for lid, type_id, params in chain:
        design.add_layer(Layer(lid, type_id, params, [prev]))
        prev = lid
    live = Analysis(design)
    for value in (0, 1, 0, 1, 0):
        design.set_param("conv1", "padding", value)
        fresh = analyze(design)
        assert [repr(live.info[i]) for i in design.ids] == [repr(fresh.info[i]) for i in design.ids]
    assert [live.info[i].channel_axis for i in ("perm", "conv2", "pool", "pad", "gelu")] == [
        2,
        0,
        0,
        0,
        0,
    ]


def test_the_first_edit_after_a_full_analysis_is_served_inline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full analysis leaves each layer's memo, and the rule results by input shape are
    shared by layers alike: on the first edit near the start of a chain, the first
    convolution and the first ReLU with the new shape leave their results to every later one
    (evaluated inline), and the result is a fresh analysis."""
    from benchmarks.bench_core import chain_design

    monkeypatch.setattr(analysis_module, "_RULE_CACHE", {})
    design = chain_design(300)
    live = Analysis(design)
    calls: list[str] = []
    one = live._evaluate_one
    live._evaluate_one = lambda *a: calls.append(a[0].id) or one(*a)  # type: ignore[method-assign]
    design.set_param("conv3", "padding", 0)
    assert _snapshot(live) == _snapshot(analyze(design))
    noted = [i.id for i in live.info.values() if i.diagnostics]
    assert calls == ["conv3", "relu4", "conv5", *noted], calls


def test_a_field_is_copied_and_pickled_without_the_fields_after_it() -> None:
    """``_after`` links a field to the next one along a chain: a copy or a pickle of a field
    holds its value only (a chain of 5,000 fields would otherwise go 5,000 levels deep)."""
    import copy
    import pickle

    first = ReceptiveField((1.0, 1.0), (1.0, 1.0))
    rf = first
    step = RFStep("window", (3, 3), (1.0, 1.0))
    for _ in range(5000):
        nxt = _after(rf, step)
        assert nxt is not None
        rf = nxt
    for twin in (copy.deepcopy(first), copy.copy(first), pickle.loads(pickle.dumps(first))):
        assert twin == first and repr(twin) == repr(first) and hash(twin) == hash(first)
        assert "_after" not in twin.__dict__ and twin._after is None


@pytest.mark.parametrize("path", DESIGNS[:10], ids=lambda p: p.stem)
def test_what_the_chain_builds_from_is_the_rule_result(path: Path) -> None:
    """``_plain``: a result's shape, neurons, counts, axes, derived values and step where the
    chain may build from it (no finding, one output, below the large-activation size), else
    nothing; kept on the result without changing its value (equality, repr)."""
    design = load_design(path)
    an = analyze(design)
    for layer, u in _one_input_layers(an):
        memo = an._rule_memo[layer.id]
        result = memo[4][u.output_shape]  # type: ignore[index]
        twin = replace(result)
        plain = analysis_module._plain(result)
        assert result._plain is plain and twin._plain is None
        assert result == twin and repr(result) == repr(twin)
        out = result.shape
        if (
            out is None
            or result.findings
            or result.outputs
            or math.prod(out) > analysis_module.LARGE_ACTIVATION
        ):
            assert plain == ()
        else:
            assert plain == (
                out,
                math.prod(out),
                result.params,
                result.trainable_params,
                result.buffers,
                result.macs,
                result.axes,
                result.derived,
                result.rf,
            )

"""The per-layer fast paths of issue 15, target 2's fourth pass give what the general paths give.

Each shortcut on an edit's and an analysis's hot path (the one-input receptive field inline,
a field built without the frozen dataclass's ``__setattr__``, the coverage test without its
ceilings, one accounting step for a changed layer) and on load (a usual layer object, a
usual group object) is compared with the general code it stands for, over drawn values and
over every template and example, so that a later edit of one cannot silently part from the
other.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core import fileformat
from designer.core.analysis import (
    _SUMS,
    Analysis,
    LayerInfo,
    ReceptiveField,
    _fed_by_input,
    _field,
    _sees_all,
    _stepped,
    analyze,
)
from designer.core.design import Design, Layer
from designer.core.fileformat import InvalidFormatError, load_design, loads_design
from designer.core.registry import REGISTRY
from designer.core.shape_rules import RFStep

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "resources" / "templates").glob("*.json")) + sorted(
    (ROOT / "resources" / "examples").glob("*.json")
)

sizes = st.one_of(
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
    st.integers(min_value=0, max_value=10**6).map(float),
    st.integers(min_value=0, max_value=10**6).map(lambda n: n - 1e-9),
    st.integers(min_value=0, max_value=10**6).map(lambda n: n + 1e-9),
    st.integers(min_value=0, max_value=10**6).map(lambda n: math.nextafter(n, math.inf)),
    st.integers(min_value=1, max_value=10**6).map(lambda n: math.nextafter(n, 0.0)),
)


_OFFSETS = [-2.0, -1.5, -1.0, -1.0 + 1e-9, -1.0 - 1e-9, -0.5, -1e-9, -1e-10, 0.0, 1e-10, 1e-9]
_OFFSETS += [0.5, 1.0 - 1e-9, 1.0, 1.0 + 1e-9, 1.5, 2.0]


def _near(n: int, offset: float, nudge: int) -> float:
    """``n + offset``, moved ``nudge`` floats up or down (the edges of the ceiling's test)."""
    value = n + offset
    for _ in range(abs(nudge)):
        value = math.nextafter(value, math.inf if nudge > 0 else -math.inf)
    return value


@settings(max_examples=800, deadline=None)
@given(
    height=st.integers(1, 10**6),
    width=st.integers(1, 10**6),
    dh=st.sampled_from(_OFFSETS),
    dw=st.sampled_from(_OFFSETS),
    nh=st.integers(-2, 2),
    nw=st.integers(-2, 2),
    far=st.one_of(st.none(), st.tuples(sizes, sizes)),
)
def test_sees_all_is_the_size_px_comparison(
    height: int,
    width: int,
    dh: float,
    dw: float,
    nh: int,
    nw: int,
    far: tuple[float, float] | None,
) -> None:
    """Fields right at the input's size (n − 1, n, n + 1, a float either side of each, and
    1e-9 off: where ⌈s − 1e-9⌉ turns) and anywhere else."""
    h, w = far if far is not None else (_near(height, dh, nh), _near(width, dw, nw))
    rf = ReceptiveField((h, w), (1.0, 1.0))
    rh, rw = rf.size_px
    assert _sees_all(rf, height, width) == (rh >= height and rw >= width), (h, w)


@settings(max_examples=300, deadline=None)
@given(
    size=st.tuples(sizes, sizes),
    jump=st.tuples(sizes, sizes),
)
def test_a_field_built_fast_is_the_dataclass(
    size: tuple[float, float], jump: tuple[float, float]
) -> None:
    fast, slow = _field(size, jump), ReceptiveField(size, jump)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert type(fast) is ReceptiveField and fast.size_px == slow.size_px


def _stepped_general(
    size: tuple[float, float], jump: tuple[float, float], step: RFStep
) -> ReceptiveField | None:
    """``_stepped`` as it was: a generic finiteness test and the dataclass's constructor."""
    if step.kind == "window":
        size = (size[0] + (step.kernel[0] - 1) * jump[0], size[1] + (step.kernel[1] - 1) * jump[1])
        jump = (jump[0] * step.stride[0], jump[1] * step.stride[1])
    elif step.kind == "transpose":
        size = (
            size[0] + (math.ceil(step.kernel[0] / step.stride[0]) - 1) * jump[0],
            size[1] + (math.ceil(step.kernel[1] / step.stride[1]) - 1) * jump[1],
        )
        jump = (jump[0] / step.stride[0], jump[1] / step.stride[1])
    if not all(math.isfinite(v) for v in (*size, *jump)):
        return None
    return ReceptiveField(size, jump)


_BIG = st.one_of(st.floats(1e-3, 1e308), st.floats(1e300, 1.7e308), st.sampled_from([1.0, 2.0]))


@settings(max_examples=600, deadline=None)
@given(
    kind=st.sampled_from(["window", "transpose", "identity"]),
    kernel=st.tuples(st.sampled_from([1, 1, 2, 3, 11]), st.sampled_from([1, 1, 2, 3, 11])),
    stride=st.tuples(
        st.sampled_from([1.0, 2.0, 3.0, 1.5, 1e200]), st.sampled_from([1.0, 2.0, 1e-200])
    ),
    size=st.tuples(_BIG, _BIG),
    jump=st.tuples(_BIG, _BIG),
)
def test_stepped_gives_the_general_field(
    kind: str,
    kernel: tuple[int, int],
    stride: tuple[float, float],
    size: tuple[float, float],
    jump: tuple[float, float],
) -> None:
    step = RFStep(kind, kernel, stride)  # type: ignore[arg-type]
    assert _stepped(size, jump, step) == _stepped_general(size, jump, step)


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_the_inline_one_input_field_is_what_receptive_field_gives(path: Path) -> None:
    """Every layer's field and input size, as the analysis stored them, against
    ``_receptive_field`` (the general formulas) run on the same step and inputs."""
    design = load_design(path)
    for semantics in ("pytorch", "keras", "caffe", "strict"):
        design.semantics = semantics
        an = analyze(design)
        for layer in design:
            info = an.info[layer.id]
            if info.output_shape is None or info.status == "unknown":
                continue
            upstream: list[LayerInfo | None] = [an.info.get(i) for i in layer.sources]
            seen = upstream[:1] if layer.type == "Upsample" else upstream
            step = an._rf_steps[layer.id]
            assert an._receptive_field(layer.type, step, info.output_shape, seen) == (
                info.input_size,
                info.receptive_field,
            ), (path.stem, semantics, layer.id)


def _sums_by_two_steps(infos: list[tuple[LayerInfo, LayerInfo]]) -> list[int]:
    an = Analysis.__new__(Analysis)
    an._sums = [0] * _SUMS
    an._flagged = set()
    for old, new in infos:
        an._account(old, -1)
        an._account(new, 1)
    return an._sums


@pytest.mark.parametrize("path", DESIGNS[:8], ids=lambda p: p.stem)
def test_one_accounting_step_for_a_change_is_two(path: Path) -> None:
    """``_account_change(old, new)`` adds what ``_account(old, -1)`` and ``_account(new, 1)``
    add, for pairs of layer results drawn from analyses under different semantics and
    input sizes (errors, warnings, several outputs, an Input among them)."""
    design = load_design(path)
    variants = []
    for semantics in ("pytorch", "strict"):
        design.semantics = semantics
        variants.append(analyze(design))
    rng = random.Random(path.stem)
    infos = [i for an in variants for i in an.info.values()]
    pairs = [(rng.choice(infos), rng.choice(infos)) for _ in range(300)]
    an = Analysis.__new__(Analysis)
    an._sums = [0] * _SUMS
    an._flagged = set()
    for old, new in pairs:
        an._account_change(old, new)
    assert an._sums == _sums_by_two_steps(pairs)


# ------------------------------------------------------------------------ loading

_IDS: list[Any] = ["layer1"] * 6 + ["x", "", "1bad", "a" * 65, 5, None, True]
_INPUTS: list[Any] = [
    ["x"],
    [],
    ["layer1"],
    ["layer1"],
    ["layer1:0"],
    ["x", "layer1:1"],
    ["x:1"],
    ["x", "x"],
    ["x", "layer1"],
    [5],
    ["x", 5],
    "x",
    None,
    ["x"] * 1001,
]
_PARAM_VALUES: list[Any] = [1, 3, 0, -1, 2.5, True, None, "same", "x", [1, 2], [3, 8, 8], []]


def _outcome(doc: dict[str, Any]) -> tuple[str, Any]:
    try:
        design = loads_design(json.dumps(doc))
    except InvalidFormatError as exc:
        return "error", str(exc)
    return "ok", (
        [(la.id, la.type, la.params, list(la.params), la.inputs) for la in design],
        design.load_notes,
        [(g.id, g.label, g.parent, g.layers) for g in design.groups],
    )


def _without(name: str, doc: dict[str, Any]) -> tuple[str, Any]:
    """``_outcome`` with the fast path ``name`` of the loader turned off (always None)."""
    saved = getattr(fileformat, name)
    setattr(fileformat, name, lambda *args: None)
    try:
        return _outcome(doc)
    finally:
        setattr(fileformat, name, saved)


def _base() -> dict[str, Any]:
    return {
        "format": "cnn-designer",
        "version": 1,
        "name": "drawn",
        "layers": [{"id": "x", "type": "Input", "shape": [3, 8, 8]}],
    }


@settings(max_examples=500, deadline=None)
@given(data=st.data(), type_id=st.sampled_from([*sorted(REGISTRY), "Bogus", 3]))
def test_the_usual_layer_shortcut_reads_what_parse_layer_reads(
    data: st.DataObject, type_id: Any
) -> None:
    """Any layer object (ids missing, taken or invalid; inputs absent, naming the layer itself
    or of the wrong kind; any parameters) gives the same layers, notes or message with the
    ``_usual_layer`` shortcut as through ``_parse_layer`` alone."""
    raw: dict[str, Any] = {"type": type_id}
    if data.draw(st.integers(0, 4)):
        raw = {"id": data.draw(st.sampled_from(_IDS)), **raw}
    if data.draw(st.booleans()):
        raw["inputs"] = data.draw(st.sampled_from(_INPUTS))
    ltype = REGISTRY.get(type_id) if isinstance(type_id, str) else None
    names = [s.name for s in ltype.params] if ltype else []
    for key in data.draw(st.lists(st.sampled_from([*names, "bogus"]), unique=True, max_size=4)):
        raw[key] = data.draw(st.sampled_from(_PARAM_VALUES))
    doc = _base()
    doc["layers"].append(raw)
    if data.draw(st.booleans()):  # a second one, after it (its implicit input, a taken id)
        doc["layers"].append(dict(raw))
    assert _outcome(doc) == _without("_usual_layer", doc), doc


_GROUP_IDS: list[Any] = ["g1", "g2", "x", "", 5]
_MEMBERS: list[Any] = ["x", "c", "nope", 5]


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_the_usual_group_shortcut_reads_what_the_general_loop_reads(data: st.DataObject) -> None:
    """Any list of group objects (unknown fields, ids taken or a layer's, bad labels, parents
    missing or cyclic, members missing, listed twice or in two groups) gives the same groups
    or message with the ``_usual_group`` shortcut as through the general loop alone."""
    doc = _base()
    doc["layers"].append({"id": "c", "type": "ReLU"})
    groups = []
    for _ in range(data.draw(st.integers(1, 4))):
        entry: dict[str, Any] = {}
        if data.draw(st.integers(0, 9)):
            entry["id"] = data.draw(st.sampled_from(_GROUP_IDS))
        if data.draw(st.booleans()):
            entry["label"] = data.draw(st.sampled_from(["", "Stage", 5, "a" * 501]))
        if data.draw(st.booleans()):
            entry["parent"] = data.draw(st.sampled_from([None, "g1", "g2", "nope", 5]))
        if data.draw(st.integers(0, 4)):
            entry["layers"] = data.draw(st.lists(st.sampled_from(_MEMBERS), max_size=3))
        if not data.draw(st.integers(0, 9)):
            entry["colour"] = "red"
        groups.append(entry if data.draw(st.integers(0, 19)) else "not a group")
    doc["groups"] = groups
    assert _outcome(doc) == _without("_usual_group", doc), doc


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from('0123456789-.e x"[]{}:,é٣\ud800'), max_size=400),
    run=st.integers(0, 130),
)
def test_a_long_number_is_suspected_exactly_where_a_long_digit_run_is(text: str, run: int) -> None:
    """``_may_hold_long_number`` says yes exactly where the text holds more than
    ``MAX_NUMBER_DIGITS`` ASCII digits in a row (other digits, e.g. Arabic-Indic, are not
    JSON's), whatever else the text holds (lone surrogates included)."""
    import re

    text = text[: len(text) // 2] + "7" * run + text[len(text) // 2 :]
    longest = max((len(m) for m in re.findall(r"[0-9]+", text)), default=0)
    assert fileformat._may_hold_long_number(text) == (longest > fileformat.MAX_NUMBER_DIGITS)


@pytest.mark.parametrize("digits", [99, 100, 101, 102, 5000])
@pytest.mark.parametrize("where", ["value", "text", "layout", "extra", "negative"])
def test_numbers_read_without_the_int_hook_are_what_the_hook_gives(digits: int, where: str) -> None:
    """A document read with ``_parse_int`` on every number (as before) and as now (the
    parser's own conversion where no run of digits is too long) gives the same design or the
    same message."""
    number = "9" * digits
    doc = json.dumps(_base())[:-1]
    if where == "value":
        doc += f', "extra_n": {number}}}'
    elif where == "negative":
        doc += f', "extra_n": -{number}}}'
    elif where == "text":
        doc += f', "name2": "{number}"}}'
    elif where == "layout":
        doc += f', "layout": {{"x": [{number}, 1]}}}}'
    else:
        doc += f', "extra_n": [[{number}]]}}'

    def outcome() -> tuple[str, Any]:
        try:
            design = loads_design(doc)
        except InvalidFormatError as exc:
            return "error", str(exc)
        return "ok", (fileformat.dumps_design(design), design.extra)

    now = outcome()
    saved = fileformat._may_hold_long_number
    fileformat._may_hold_long_number = lambda text, data=None: True  # type: ignore[assignment]
    try:
        before = outcome()
    finally:
        fileformat._may_hold_long_number = saved
    assert now == before


def _random_design(rng: random.Random, n: int, cycles: bool) -> Design:
    """Layers wired at random: several Inputs (some with inputs of their own), layers with no
    input, merges, references to missing layers and, with ``cycles``, connections backwards."""
    design = Design("random")
    ids: list[str] = []
    for k in range(n):
        lid = f"l{k}"
        kind = rng.choice(["Input", "ReLU", "ReLU", "Add", "Add"])
        pool = ids if not cycles else [*ids, *(f"l{j}" for j in range(k + 1, n))]
        count = rng.choice([0, 1, 1, 2, 3])
        inputs = rng.sample(pool, min(count, len(pool))) if pool else []
        if rng.random() < 0.05:
            inputs.append("missing")
        params = {"shape": [3, 8, 8]} if kind == "Input" else {}
        design.add_layer(Layer(lid, kind, params, []))
        design.layer(lid).inputs = inputs  # any wiring, checked or not: what the structure sees
        ids.append(lid)
    return design


@pytest.mark.parametrize("cycles", [False, True])
def test_the_layers_fed_found_during_the_ordering_are_those_a_walk_finds(cycles: bool) -> None:
    """``Analysis._fed`` (found during Kahn's ordering when there is no cycle) equals the
    walk through every connection from every Input (``_fed_by_input``), on random wirings
    and on every template and example."""
    rng = random.Random(15 + cycles)
    designs = [_random_design(rng, rng.randint(1, 40), cycles) for _ in range(300)]
    designs += [load_design(p) for p in DESIGNS]
    for design in designs:
        an = analyze(design)
        entries = [la.id for la in design if la.type == "Input"]
        assert an._fed == _fed_by_input(entries, an._consumers), [
            (la.id, la.type, la.inputs) for la in design
        ]


def _chain_with_forks(rng: random.Random, n: int) -> Design:
    """Long single-consumer runs (the pass takes them without its heap) broken by forks whose
    branches merge again (Add, Concat), so the heap is needed there."""
    design = Design("forks")
    size = rng.choice([12, 24, 40])
    design.add_layer(Layer("input", "Input", {"shape": [4, size, size]}))
    prev = "input"
    k = 0
    while k < n:
        k += 1
        if rng.random() < 0.15:
            a, b = f"a{k}", f"b{k}"
            design.add_layer(
                Layer(a, "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, [prev])
            )
            design.add_layer(Layer(b, "ReLU", {}, [prev]))
            merge = rng.choice(["Add", "Concat"])
            design.add_layer(Layer(f"m{k}", merge, {}, [a, b]))
            prev = f"m{k}"
            if merge == "Concat":
                design.add_layer(
                    Layer(f"r{k}", "Conv2d", {"out_channels": 4, "kernel_size": 1}, [prev])
                )
                prev = f"r{k}"
            continue
        kind = rng.choice(["Conv2d", "ReLU", "BatchNorm2d", "MaxPool2d"])
        params: dict[str, Any] = {}
        if kind == "Conv2d":
            params = {"out_channels": 4, "kernel_size": 3, "padding": 1}
        elif kind == "MaxPool2d":
            params = {"kernel_size": 3, "stride": 1, "padding": 1}
        design.add_layer(Layer(f"l{k}", kind, params, [prev]))
        prev = f"l{k}"
    return design


@pytest.mark.parametrize("seed", range(4))
def test_an_edits_pass_along_chains_and_forks_lists_and_gives_what_a_fresh_analysis_does(
    seed: int,
) -> None:
    """After each random edit, every layer's result equals a fresh analysis's, and every layer
    whose result changed is among the ids ``updated`` carried (the pass takes a chain's next
    layer without its heap: none may be skipped)."""
    rng = random.Random(seed)
    design = _chain_with_forks(rng, 120)
    live = Analysis(design)
    told: list[set[str]] = []
    live.updated.connect(told.append)
    windows = [la.id for la in design if la.type in ("Conv2d", "MaxPool2d")]
    for _ in range(40):
        before = dict(live.info.items())
        emitted = len(told)
        lid = rng.choice(windows)
        layer = design.layer(lid)
        change = rng.choice(
            [{"padding": rng.choice([0, 1, 2])}, {"kernel_size": rng.choice([1, 3, 5])}]
        )
        if layer.type == "Conv2d":
            change = rng.choice([change, {"out_channels": rng.choice([4, 8])}])
        try:
            design.set_params(lid, {**layer.params, **change})
        except Exception:
            continue
        fresh = analyze(design)
        now = dict(live.info.items())
        assert now == dict(fresh.info.items())
        moved = {i for i in now if before.get(i) != now[i]}
        listed = told[-1] if len(told) > emitted else set()
        assert moved <= listed or live.unlisted_fields, sorted(moved - listed)
    live.close()


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_one_input_taken_without_the_loop_is_what_the_loop_gives(path: Path) -> None:
    """``_evaluate``'s shortcut for one input gives, for every layer with one plain input, what
    its loop over the inputs hands to ``_evaluate_known`` (that layer's info and shape)."""
    design = load_design(path)
    for semantics in ("pytorch", "strict"):
        design.semantics = semantics
        an = analyze(design)
        for layer in design:
            if len(layer.inputs) != 1 or ":" in layer.inputs[0]:
                continue
            u = an.info.get(layer.inputs[0])
            if u is None or u.output_shape is None or u.output_shapes:
                continue
            general = an._evaluate_known(layer, REGISTRY[layer.type], [u], [u.output_shape])
            assert an._evaluate(layer) == general, (path.stem, layer.id)

"""The fast paths of issue 15, target 2's tenth pass give what the general paths give.

A join's field is kept by value (``analysis._FIELDS``: worked out again, it is the object it
was) and a field keeps the fields after its last two steps (``_after``: one that feeds a fork's
branches finds each without the arithmetic); the structure pass counts in-degrees only for
layers with several inputs; the loader reads a parameter that is a
plain whole number or ``true``/``false`` without ``ParamSpec.normalize`` where it would give it
back as it is (``LayerType._load_table``), knows the groups' nesting in its one pass when each
parent comes before its children, and looks for a lone surrogate's escape only after a
backslash; a live analysis gives psygnal each slot's argument count (``analysis._FOLLOWED``).
Each is compared here with the general code it stands for, and each test was seen to fail
with its shortcut deliberately broken.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core import analysis as analysis_module
from designer.core import fileformat
from designer.core.analysis import (
    _FIELDS,
    _FOLLOWED,
    Analysis,
    ReceptiveField,
    _after,
    _field,
    _field_of,
    _stepped,
    analyze,
    clear_rule_cache,
)
from designer.core.design import Design, Layer, canonical_params
from designer.core.fileformat import InvalidFormatError, loads_design
from designer.core.groups import MAX_NESTING
from designer.core.params import MAX_INT_VALUE, ParamError
from designer.core.registry import REGISTRY
from designer.core.shape_rules import RFStep
from tests.core.test_eighth_pass_fast_paths import DESIGNS, ROOT, SEMANTICS

# ------------------------------------------------------------------------ fields

_FLOATS = st.one_of(
    st.sampled_from([1.0, 2.0, 3.0, 0.5, 1e-9, 7.0, 1e300]),
    st.floats(min_value=1e-6, max_value=1e6, allow_nan=False),
)
_NUMBERS = st.one_of(_FLOATS, st.sampled_from([1, 3, 0, 0.0, -0.0, -1.0]))


@settings(max_examples=400, deadline=None)
@given(h=_NUMBERS, w=_NUMBERS, jh=_NUMBERS, jw=_NUMBERS)
def test_a_field_by_value_is_the_field_of_those_very_numbers(
    h: float, w: float, jh: float, jw: float
) -> None:
    """``_field_of`` gives a field equal to ``_field``'s, with the same repr (so the same
    classes and signs: 3 and 3.0, 0.0 and -0.0 are equal but print apart); a second call with
    equal positive floats gives the same object, anything else a field of its own numbers."""
    made = _field_of((h, w), (jh, jw))
    plain = _field((h, w), (jh, jw))
    assert made == plain and repr(made) == repr(plain)
    again = _field_of((h, w), (jh, jw))
    assert repr(again) == repr(plain)
    all_positive_floats = all(v.__class__ is float and v > 0.0 for v in (h, w, jh, jw))
    assert (again is made) == all_positive_floats


def test_a_field_of_whole_numbers_is_never_served_a_field_of_floats() -> None:
    """Equal numbers of other classes are not the kept field's: (3, 3) after (3.0, 3.0)."""
    kept = _field_of((3.0, 3.0), (1.0, 1.0))
    ints = _field_of((3, 3), (1, 1))
    assert ints is not kept and repr(ints) == "ReceptiveField(size=(3, 3), jump=(1, 1))"
    zero = _field_of((-0.0, 1.0), (1.0, 1.0))
    assert repr(zero.size) == "(-0.0, 1.0)"


_STEPS = st.builds(
    RFStep,
    kind=st.sampled_from(["window", "transpose", "identity"]),
    kernel=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    stride=st.tuples(st.sampled_from([1.0, 2.0, 3.0]), st.sampled_from([1.0, 2.0, 0.5])),
)


@settings(max_examples=300, deadline=None)
@given(
    fields=st.lists(st.tuples(_FLOATS, _FLOATS, _FLOATS, _FLOATS), min_size=1, max_size=4),
    steps=st.lists(_STEPS, min_size=1, max_size=4),
    order=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=30),
)
def test_the_field_after_a_step_is_what_the_arithmetic_gives(
    fields: list[tuple[float, float, float, float]],
    steps: list[RFStep],
    order: list[tuple[int, int]],
) -> None:
    """``_after`` of fields and steps in any order (each field followed by several steps, so
    that the two kept on it change) gives what ``_stepped`` computes, every time."""
    objects = [ReceptiveField((a, b), (c, d)) for a, b, c, d in fields]
    for f, s in order:
        urf = objects[f % len(objects)]
        step = steps[s % len(steps)]
        got = _after(urf, step)
        expected = _stepped(urf.size, urf.jump, step)
        assert repr(got) == repr(expected)


_JOINS = ROOT / "resources" / "templates" / "efficientnet_b0.json"  # (sums of new fields)


def test_a_joins_field_is_the_object_it_was_in_the_next_analysis() -> None:
    """The fields of an analysis of a design alike are the objects of the one before (joins
    kept by value, the rest one step at a time after them), until the rule cache is
    emptied: the cache-emptied figures stand for a new process, with no field kept."""
    first = analyze(loads_design(_JOINS.read_bytes()))
    second = analyze(loads_design(_JOINS.read_bytes()))
    assert _FIELDS
    for lid, info in first.info.items():
        assert second.info[lid].receptive_field is info.receptive_field, lid
    clear_rule_cache()
    assert not _FIELDS
    third = analyze(loads_design(_JOINS.read_bytes()))
    assert any(
        third.info[lid].receptive_field is not info.receptive_field
        for lid, info in first.info.items()
        if info.receptive_field is not None
    )


def _fields(analysis: Analysis) -> list[tuple[str, str, str, str]]:
    return [
        (
            lid,
            repr(analysis.info[lid].receptive_field),
            repr(analysis.info[lid].input_size),
            repr([(d.code, d.message, d.data) for d in analysis.info[lid].diagnostics]),
        )
        for lid in analysis.design.ids
    ]


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_every_design_has_the_fields_it_has_with_nothing_kept(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every template and example, under every semantics: the fields (and the notes that
    quote them) after the rule cache is emptied (every window step a new object, so every
    field worked out again), with fields kept from earlier analyses (the second and third
    analysis), and with no join's field kept by value are the same."""
    text = path.read_bytes()
    for semantics in SEMANTICS:
        design = loads_design(text)
        design.semantics = semantics
        clear_rule_cache()
        first = _fields(analyze(design))
        second = _fields(analyze(design))
        third = _fields(analyze(loads_design(text) if semantics == "pytorch" else design))
        with monkeypatch.context() as m:
            m.setattr(analysis_module, "_field_of", _field)
            clear_rule_cache()
            plain = _fields(analyze(design))
            again = _fields(analyze(design))
        assert first == second == third == plain == again, (path.stem, semantics)


# ------------------------------------------------------------------------ loading


def _general_params(type_id: str, raw: dict[str, Any]) -> tuple[str, Any]:
    """What ``_parse_layer``'s loop makes of ``raw``'s parameters: each value through
    ``ParamSpec.normalize``, then ``canonical_params``; or that a value is refused, a
    required one missing or a name unknown."""
    ltype = REGISTRY[type_id]
    params = {}
    for key, value in raw.items():
        if key in ("id", "type", "inputs"):
            continue
        spec = ltype.spec(key)
        if spec is None:
            return "refused", None
        try:
            params[key] = spec.normalize(value)
        except ParamError:
            return "refused", None
    if any(s.required and s.name not in params for s in ltype.params):
        return "refused", None
    out = canonical_params(type_id, params)
    return "ok", [(k, repr(v)) for k, v in out.items()]


def _edge_values(type_id: str) -> list[Any]:
    values: list[Any] = [0, 1, 2, 3, -1, True, False, None, 1.0, 0.5, "same", [1, 2], [2, 2]]
    values += [MAX_INT_VALUE, MAX_INT_VALUE + 1, -MAX_INT_VALUE, -MAX_INT_VALUE - 1, 2**40]
    for spec in REGISTRY[type_id].params:
        for end in (spec.minimum, spec.maximum):
            if end is not None and float(end).is_integer():
                values += [int(end) - 1, int(end), int(end) + 1]
    return values


@settings(max_examples=600, deadline=None)
@given(data=st.data(), type_id=st.sampled_from(sorted(REGISTRY)))
def test_the_load_table_reads_each_value_as_normalize_does(
    data: st.DataObject, type_id: str
) -> None:
    """``_usual_params`` (whole numbers in range and ``true``/``false`` read as themselves
    where ``normalize`` gives them back, through ``LayerType._load_table``) gives exactly the
    general loop's parameters, classes included (by repr), or None where that loop refuses
    something: for values at every range's ends and at ``MAX_INT_VALUE``'s."""
    ltype = REGISTRY[type_id]
    names = [s.name for s in ltype.params]
    values = _edge_values(type_id)
    raw: dict[str, Any] = {"id": "a", "type": type_id}
    for name in data.draw(st.lists(st.sampled_from(names or ["x"]), unique=True)):
        if name in names:
            raw[name] = data.draw(st.sampled_from(values))
    got = fileformat._usual_params(ltype, raw)
    kind, expected = _general_params(type_id, raw)
    if kind == "refused":
        assert got is None, raw
    else:
        assert got is not None and [(k, repr(v)) for k, v in got.items()] == expected, raw


def test_the_load_table_follows_each_spec() -> None:
    """Each type's table has its parameters in order, with their own name, requirement,
    default and range (a table out of step with its specs would read values wrongly)."""
    for ltype in REGISTRY.values():
        assert [row[3] for row in ltype._load_table] == list(ltype.params)
        for name, required, default, spec, _int_ok, _bool_ok, lo, hi in ltype._load_table:
            assert (name, required, default, lo, hi) == (
                spec.name,
                spec.required,
                spec.default,
                spec.minimum,
                spec.maximum,
            )


def _doc(groups: list[Any]) -> dict[str, Any]:
    return {
        "format": "cnn-designer",
        "version": 1,
        "layers": [
            {"id": "x", "type": "Input", "shape": [3, 8, 8]},
            {"id": "c", "type": "ReLU"},
            {"id": "d", "type": "ReLU"},
        ],
        "groups": groups,
    }


def _outcome(doc: dict[str, Any]) -> tuple[str, Any]:
    try:
        design = loads_design(json.dumps(doc))
    except InvalidFormatError as exc:
        return "error", str(exc)
    return "ok", [(g.id, g.label, g.parent, g.layers) for g in design.groups]


def _general(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """``_outcome`` with every group read by the general loop (no nesting known in the pass)."""
    with monkeypatch.context() as m:
        m.setattr(fileformat, "_usual_group", lambda *args: None)
        return _outcome(doc)


@pytest.mark.parametrize("depth", [MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1])
@pytest.mark.parametrize("reverse", [False, True])
def test_groups_nested_to_the_limit_read_as_the_general_loop_reads_them(
    depth: int, reverse: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chain of groups each inside the one before, as deep as groups nest and one deeper,
    parents first (the pass's own nesting) or last (the general test): the same groups, or
    the same message."""
    chain = [{"id": "g0", "layers": ["c"]}]
    chain += [{"id": f"g{n}", "parent": f"g{n - 1}"} for n in range(1, depth + 1)]
    if reverse:
        chain.reverse()
    doc = _doc(chain)
    fast = _outcome(doc)
    assert fast == _general(doc, monkeypatch)
    assert (fast[0] == "ok") == (depth <= MAX_NESTING)


@pytest.mark.parametrize(
    "groups",
    [
        [{"id": "g1", "parent": "g1"}],  # its own parent
        [{"id": "g1", "parent": "g2"}, {"id": "g2", "parent": "g1"}],  # a cycle
        [{"id": "g1"}, {"id": "g2", "parent": "g3"}],  # a parent that is no group
        [{"id": "g1"}, {"id": "c", "parent": "g1"}],  # a group named like a layer
        [{"id": "c"}],
        [{"id": "g1", "layers": ["c"]}, {"id": "g2", "parent": "g1", "layers": ["d", "x"]}],
        [{"id": "g2", "parent": "g1"}, {"id": "g1"}],  # a child first
        [{"id": "g1"}, "not a group", {"id": "g2", "parent": "g1"}],
    ],
)
def test_groups_read_in_one_pass_are_those_of_the_general_loop(
    groups: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _doc(groups)
    assert _outcome(doc) == _general(doc, monkeypatch)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_drawn_groups_read_in_one_pass_are_those_of_the_general_loop(data: st.DataObject) -> None:
    """Groups drawn with parents before or after them, missing, themselves or forming
    cycles, and ids of layers: the same groups or the same message."""
    ids = ["g0", "g1", "g2", "g3", "c"]
    groups = []
    for gid in data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=5)):
        entry: dict[str, Any] = {"id": gid}
        if data.draw(st.booleans()):
            entry["parent"] = data.draw(st.sampled_from([*ids, "nope"]))
        if data.draw(st.booleans()):
            entry["layers"] = data.draw(
                st.one_of(
                    st.lists(st.sampled_from(["c", "d", "x", "nope"]), max_size=2),
                    st.sampled_from([None, "c", {}, 0, [], [None]]),
                )
            )
        groups.append(entry)
    doc = _doc(groups)
    general = fileformat._usual_group
    fileformat._usual_group = lambda *args: None  # type: ignore[assignment]
    try:
        expected = _outcome(doc)
    finally:
        fileformat._usual_group = general
    assert _outcome(doc) == expected, groups


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from('\\ud8Dx9a"é'), max_size=40))
def test_a_surrogate_escape_is_suspected_exactly_where_the_pattern_is(text: str) -> None:
    """The backslash looked for first changes nothing: the escape's pattern decides."""
    found = fileformat._SURROGATE_ESCAPE.search(text) is not None
    assert fileformat._may_hold_surrogate(text, checked=True) == found


# ------------------------------------------------------------------------ live analysis


def test_each_slot_is_connected_with_the_arguments_it_takes() -> None:
    """The count ``_FOLLOWED`` gives psygnal for each slot is the number of positional
    arguments the slot takes, and no more than its signal sends (what psygnal works out
    from the signature when not given it)."""
    design = Design()
    analysis = Analysis(design, live=False)
    for signal, slot, n in _FOLLOWED:
        parameters = inspect.signature(getattr(analysis, slot)).parameters.values()
        assert n == sum(p.default is inspect.Parameter.empty for p in parameters), slot
        assert n <= len(getattr(design, signal).signature.parameters), signal


def test_a_live_analysis_follows_every_signal_and_stops_when_closed() -> None:
    """Every followed signal reaches the analysis (an edit of each kind shows in its
    results) and none after ``close``."""
    design = Design()
    design.add_layer(Layer("x", "Input", {"shape": [3, 8, 8]}))
    analysis = Analysis(design)
    design.add_layer(Layer("c", "Conv2d", {"out_channels": 4, "kernel_size": 3}, ["x"]))
    assert analysis.info["c"].output_shape == (4, 6, 6)
    design.set_param("c", "padding", 1)
    assert analysis.info["c"].output_shape == (4, 8, 8)
    design.rename_layer("c", "conv")
    assert "conv" in analysis.info and "c" not in analysis.info
    design.set_inputs("conv", [])
    assert analysis.info["conv"].output_shape is None
    design.remove_layer("conv")
    assert "conv" not in analysis.info
    analysis.close()
    design.add_layer(Layer("r", "ReLU", {}, ["x"]))
    assert "r" not in analysis.info
    for signal, _slot, _n in _FOLLOWED:
        assert len(getattr(design, signal)) == 0, signal


def test_fields_stay_finite_and_positive() -> None:
    """(The fields kept are of positive floats: every field the analysis makes.)"""
    analyze(loads_design(_JOINS.read_bytes()))
    assert _FIELDS
    for (size, jump), rf in list(_FIELDS.items()):
        assert rf.size == size and rf.jump == jump
        assert all(v.__class__ is float and v > 0 and math.isfinite(v) for v in (*size, *jump))


# ------------------------------------------------------------------------ structure


def _kahn_before(design: Design) -> tuple[Any, ...]:
    """``_kahn`` as it was before this pass (an in-degree counted for every layer): the
    reference the present one is compared with."""
    ids = design.ids
    present = design.layer_map
    consumers: dict[str, list[str]] = {i: [] for i in ids}
    indegree: dict[str, int] = {}
    inputs_seen: dict[str, list[str]] = {}
    entries: list[str] = []
    missing_any = False
    for lid, layer in present.items():
        inputs_seen[lid] = layer.inputs
        sources = layer.sources
        known = [i for i in sources if i in present]
        if len(known) != len(sources):
            missing_any = True
        indegree[lid] = len(known)
        for i in known:
            consumers[i].append(lid)
        if layer.type == "Input":
            entries.append(lid)
    ready = [i for i in ids if indegree[i] == 0]
    roots = len(ready)
    order: list[str] = []
    fed = set(entries)
    while ready:
        nxt: list[str] = []
        for lid in ready:
            order.append(lid)
            if lid in fed:
                fed.update(consumers[lid])
            for c in consumers[lid]:
                indegree[c] -= 1
                if indegree[c] == 0:
                    nxt.append(c)
        ready = nxt
    cyclic = [i for i in ids if indegree[i] > 0]
    order.extend(cyclic)
    return order, consumers, cyclic, entries, fed, inputs_seen, missing_any, roots


@settings(max_examples=400, deadline=None)
@given(data=st.data(), n=st.integers(1, 12))
def test_the_structure_pass_is_the_one_with_every_in_degree_counted(
    data: st.DataObject, n: int
) -> None:
    """Random graphs (forks, joins, a source listed twice, outputs by index, missing ids,
    layers feeding themselves, cycles, several Inputs): the same order, consumers, cycle
    members, entries, fed layers, inputs, missing flag and roots."""
    design = Design()
    names = [f"l{k}" for k in range(n)]
    for k, lid in enumerate(names):
        refs = data.draw(
            st.lists(
                st.one_of(
                    st.sampled_from(names),
                    st.sampled_from(names).map(lambda r, i=k % 2: f"{r}:{i}"),
                    st.just("missing"),
                ),
                max_size=3,
            )
        )
        kind = "Input" if data.draw(st.integers(0, 4)) == 0 else "Add"
        design.add_layer(Layer(lid, kind, {"shape": [3, 8, 8]} if kind == "Input" else {}, refs))
    assert analysis_module._kahn(design) == _kahn_before(design)


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_every_design_has_the_structure_it_had(path: Path) -> None:
    design = loads_design(path.read_bytes())
    assert analysis_module._kahn(design) == _kahn_before(design)

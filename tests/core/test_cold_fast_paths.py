"""The cold per-layer fast paths of issue 15, target 2 give what the general paths give.

Each shortcut taken on the usual case (a number for padding, a plain float for a float
parameter, a stored-parameter dict of known names, a layer type whose channel axis follows
its first input, a document that builds) is compared here with the general code it stands
for, over drawn parameters, so that a later edit of one cannot silently part from the other.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core.analysis import (
    _AXIS_MAPPING_TYPES,
    _CHANNELS_FIRST_TYPES,
    LayerInfo,
    _channel_axis,
    analyze,
)
from designer.core.arithmetic import SEMANTICS, AxisArith, same_padding, window_axis
from designer.core.fileformat import (
    InvalidFormatError,
    _check_nesting_and_text,
    load_design,
    loads_design,
)
from designer.core.params import MAX_INT_VALUE, ParamError, ParamKind
from designer.core.registry import REGISTRY
from designer.core.shape_rules import RFStep, RuleResult, _conv_axes, _window_step

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "resources" / "templates").glob("*.json")) + sorted(
    (ROOT / "resources" / "examples").glob("*.json")
)


def _conv_axes_general(
    p: dict[str, Any], shape: tuple[int, ...], sem: str, kind: str, rounding: str
) -> list[AxisArith]:
    """``_conv_axes`` as it was before its fast path for numeric padding: one loop per axis."""

    def as_pair(v: Any) -> tuple[int, int]:
        return (int(v), int(v)) if not isinstance(v, list | tuple) else (int(v[0]), int(v[1]))

    k = as_pair(p["kernel_size"])
    stride_value = p.get("stride")
    s = as_pair(k if stride_value is None else stride_value)
    d = as_pair(p.get("dilation", 1))
    padding = p.get("padding", 0)
    pads = None if padding in ("same", "valid") else as_pair(padding)
    axes = []
    for i, name in enumerate(("height", "width")):
        size = shape[1 + i]
        if padding == "same":
            lo, hi = same_padding(size, k[i], s[i], d[i], sem)  # type: ignore[arg-type]
            same = True
        elif padding == "valid":
            lo = hi = 0
            same = False
        else:
            assert pads is not None
            lo = hi = pads[i]
            same = False
        ax = window_axis(
            name,
            kind,  # type: ignore[arg-type]
            size,
            k[i],
            s[i],
            lo,
            hi,
            d[i],
            rounding,  # type: ignore[arg-type]
            same=same,
            clip_unpadded=sem != "caffe",
        )
        if padding == "same" and sem == "keras":
            ax = AxisArith(**{**ax.__dict__, "rounding": "exact"})
        axes.append(ax)
    return axes


_one_or_pair = st.one_of(st.integers(1, 7), st.lists(st.integers(1, 7), min_size=2, max_size=2))
_padding = st.one_of(
    st.integers(0, 4),
    st.lists(st.integers(0, 4), min_size=2, max_size=2),
    st.sampled_from(["same", "valid"]),
)


@settings(max_examples=300, deadline=None)
@given(
    kernel=_one_or_pair,
    stride=st.one_of(st.none(), _one_or_pair),
    dilation=_one_or_pair,
    padding=_padding,
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    sem=st.sampled_from(SEMANTICS),
    kind=st.sampled_from(["conv", "pool"]),
    rounding=st.sampled_from(["floor", "ceil"]),
)
def test_conv_axes_fast_path_gives_the_general_loops_axes(
    kernel: Any,
    stride: Any,
    dilation: Any,
    padding: Any,
    h: int,
    w: int,
    sem: str,
    kind: str,
    rounding: str,
) -> None:
    p = {"kernel_size": kernel, "stride": stride, "dilation": dilation, "padding": padding}
    got, findings = _conv_axes(p, (3, h, w), sem, kind, rounding)  # type: ignore[arg-type]
    want = _conv_axes_general(p, (3, h, w), sem, kind, rounding)
    assert findings == []
    assert got == want
    assert [repr(a) for a in got] == [repr(a) for a in want]
    for a in got:  # a whole quotient is still a Fraction, the same as Fraction(n)
        assert isinstance(a.exact, Fraction)
        assert (a.exact, hash(a.exact), repr(a.exact)) == (
            Fraction(a.exact.numerator, a.exact.denominator),
            hash(Fraction(a.exact.numerator, a.exact.denominator)),
            repr(Fraction(a.exact.numerator, a.exact.denominator)),
        )
        assert a.exact + 1 == Fraction(a.exact.numerator + a.exact.denominator, a.exact.denominator)


def test_the_window_step_is_the_rf_step_the_dataclass_builds() -> None:
    for kernel, stride in (((3, 3), (1.0, 1.0)), ((7, 5), (2.0, 3.0)), ((1, 1), (2.0, 2.0))):
        fast = _window_step(kernel, stride)
        slow = RFStep("window", kernel, stride)
        assert (fast, hash(fast), repr(fast)) == (slow, hash(slow), repr(slow))
        with pytest.raises(AttributeError):  # still frozen
            fast.kind = "identity"  # type: ignore[misc]


@pytest.mark.parametrize("type_id", sorted(REGISTRY))
def test_resolve_fast_path_gives_every_value_in_registry_order(type_id: str) -> None:
    ltype = REGISTRY[type_id]

    def general(values: dict[str, Any]) -> dict[str, Any]:
        return {s.name: values.get(s.name, s.default) for s in ltype.params}

    specs = list(ltype.params)
    cases: list[dict[str, Any]] = [{}]
    for n, spec in enumerate(specs):
        cases.append({spec.name: ("stored", n)})
        cases.append({s.name: ("stored", s.name) for s in reversed(specs[: n + 1])})
    cases.append({"not_a_parameter": 1, **({specs[0].name: None} if specs else {})})
    for values in cases:
        got = ltype.resolve(values)
        assert got == general(values) and list(got) == list(general(values)), values


_float_specs = [
    (type_id, spec)
    for type_id in sorted(REGISTRY)
    for spec in REGISTRY[type_id].params
    if spec.kind is ParamKind.FLOAT
]


class _Float(float):
    """A float that is not exactly ``float``: ``normalize`` takes its general path."""


def _outcome(fn: Any, value: Any) -> tuple[str, Any, str]:
    try:
        result = fn(value)
        return "ok", result, type(result).__name__
    except ParamError as exc:
        return "error", str(exc), ""


@settings(max_examples=400, deadline=None)
@given(
    index=st.integers(0, max(0, len(_float_specs) - 1)),
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-10, 10),
        st.sampled_from([0.0, -0.0, 1.0, 0.5, 1e-3, 2.0**31 - 1, 2.0**31, -(2.0**31), 1e300]),
    ),
)
def test_float_fast_path_gives_and_refuses_what_the_general_path_does(
    index: int, value: float
) -> None:
    _type_id, spec = _float_specs[index]
    fast = _outcome(spec.normalize, value)
    general = _outcome(spec.normalize, _Float(value))
    if fast[0] == "ok" and general[0] == "ok" and math.isnan(fast[1]):  # pragma: no cover
        pytest.fail("NaN accepted")
    assert fast == general, (spec.name, value)
    if fast[0] == "ok":
        assert abs(fast[1]) <= MAX_INT_VALUE


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_the_inline_channel_axis_is_what_channel_axis_gives(path: Path) -> None:
    design = load_design(path)
    for semantics in SEMANTICS:
        design.set_semantics(semantics)
        analysis = analyze(design)
        for lid, info in analysis.info.items():
            if info.output_shape is None or info.status == "unknown":
                continue
            layer = design.layer(lid)
            upstream = [analysis.info.get(i) for i in layer.inputs]
            result = RuleResult(info.output_shape, derived=info.derived)
            assert info.channel_axis == _channel_axis(layer.type, result, upstream), (
                path.stem,
                semantics,
                lid,
            )


def test_every_type_is_channels_first_axis_mapping_or_follows_its_first_input() -> None:
    # The inline code sends Permute, Transpose, Reshape, Flatten and Mean to _channel_axis;
    # every other type must be one whose channel axis _channel_axis takes from its first input.
    for type_id in REGISTRY:
        if type_id in _CHANNELS_FIRST_TYPES or type_id == "Input" or type_id in _AXIS_MAPPING_TYPES:
            continue
        first_shape = (8, 4, 4)
        first = LayerInfo("a", "ReLU", output_shape=first_shape, channel_axis=0)
        result = RuleResult(first_shape)
        assert _channel_axis(type_id, result, [first]) == 0, type_id
        assert _channel_axis(type_id, RuleResult((8,)), [first]) is None, type_id


def _document(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "cnn-designer",
        "version": 1,
        "name": "deep",
        "layers": [{"id": "x", "type": "Input", "shape": [3, 8, 8]}],
    }
    doc.update(extra)
    return doc


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def _nesting_message(doc: Any) -> str:
    with pytest.raises(InvalidFormatError) as info:
        _check_nesting_and_text(doc)
    return str(info.value)


@pytest.mark.parametrize(
    "doc",
    [
        _document(extra_field=_deep(80)),  # an unknown top-level field: kept, so walked
        _document(extra_field={"a": {"b": _deep(70)}}),
        {**_document(), "format": "other", "x": _deep(70)},  # refused for its format too
        {**_document(), "layers": [{"id": "x", "type": "Input", "shape": _deep(70)}]},
        {**_document(), "layers": [_deep(70)]},
        {**_document(), "layout": {"x": _deep(70)}},
        {**_document(), "groups": [{"id": "g", "layers": _deep(70)}]},
        {**_document(), "version": 99, "x": _deep(70)},
    ],
)
def test_the_nesting_check_after_building_still_comes_first(doc: Any) -> None:
    """The depth walk runs after the build (over ``extra`` only, or over everything when
    the build refused the document); the message is the one the walk gives up front."""
    with pytest.raises(InvalidFormatError) as info:
        loads_design(json.dumps(doc))
    assert str(info.value) == _nesting_message(doc)


def test_a_document_that_builds_with_shallow_extras_is_read() -> None:
    design = loads_design(json.dumps(_document(extra_field=_deep(10))))
    assert design.extra == {"extra_field": _deep(10)}


def test_window_axis_whole_quotients_are_plain_fractions() -> None:
    a = window_axis("height", "conv", 56, 3, 1, 1, 1, 1, "floor")
    assert type(a.exact) is Fraction and a.exact == 56 and a.rounding == "exact"
    assert repr(a) == repr(
        AxisArith("height", "conv", 56, 3, 1, 1, 1, 1, 0, Fraction(56), 56, "exact")
    )


_VALUES: list[Any] = [
    0,
    1,
    2,
    3,
    7,
    -1,
    2**40,
    None,
    True,
    False,
    0.0,
    0.5,
    1.0,
    -0.0,
    "same",
    "valid",
]
_VALUES += ["x", [1, 2], [2, 2], [3, 8, 8], [1.0, 2], [None, 3], [], {"a": 1}]


def _load_outcome(raw: dict[str, Any]) -> tuple[str, Any]:
    doc = _document()
    doc["layers"] = [*doc["layers"], raw]
    try:
        design = loads_design(json.dumps(doc))
    except InvalidFormatError as exc:
        return "error", str(exc)
    layer = design.layer(design.ids[-1])
    return "ok", (layer.id, layer.type, layer.params, list(layer.params), layer.inputs)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), type_id=st.sampled_from(sorted(REGISTRY)))
def test_the_usual_params_shortcut_reads_what_the_general_loop_reads(
    data: st.DataObject, type_id: str
) -> None:
    """A layer object's parameters are read by ``_usual_params`` when every value is valid
    and nothing is missing or unknown; otherwise by the loop that names the problem. Both
    must give the same layer (or the same message) for any layer object."""
    import designer.core.fileformat as fileformat

    names = [s.name for s in REGISTRY[type_id].params]
    keys = data.draw(
        st.lists(st.sampled_from([*names, "bogus_key"]), unique=True, max_size=len(names) + 1)
    )
    raw: dict[str, Any] = {"id": "layer1", "type": type_id}
    if data.draw(st.booleans()):
        raw["inputs"] = ["x"]
    for key in keys:
        raw[key] = data.draw(st.sampled_from(_VALUES))
    fast = _load_outcome(raw)
    saved = fileformat._usual_params
    fileformat._usual_params = lambda ltype, raw: None  # type: ignore[assignment]
    try:
        general = _load_outcome(raw)
    finally:
        fileformat._usual_params = saved
    assert fast == general, raw


class _NeverHolds(dict):  # type: ignore[type-arg]
    """A cache that keeps nothing: every rule and every window's arithmetic runs afresh."""

    def get(self, key: Any, default: Any = None) -> Any:
        hash(key)
        return None


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_the_window_geometry_memo_changes_no_result(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import designer.core.analysis as analysis_module
    import designer.core.shape_rules as rules_module

    design = load_design(path)
    for semantics in SEMANTICS:
        design.set_semantics(semantics)
        analyze(design)
        served = analyze(design)  # window arithmetic (and rule results) from the memos
        with monkeypatch.context() as m:
            m.setattr(analysis_module, "_RULE_CACHE", _NeverHolds())
            m.setattr(rules_module, "_GEOMETRY", _NeverHolds())
            fresh = analyze(design)
        assert served.info == fresh.info, (path.stem, semantics)
        assert [repr(served.info[i]) for i in design.ids] == [
            repr(fresh.info[i]) for i in design.ids
        ]
        assert [(d.code, d.message, d.data) for d in served.diagnostics()] == [
            (d.code, d.message, d.data) for d in fresh.diagnostics()
        ]


_WINDOW_TYPES = ["Conv2d", "MaxPool2d", "AvgPool2d"]
_WINDOW_KEYS = ["kernel_size", "dilation", "padding", "stride", "ceil_mode"]


def _window_layer(data: st.DataObject, type_id: str) -> tuple[dict[str, Any], tuple[int, ...]]:
    """Parameters (resolved) and an input shape for a convolution or pooling layer."""
    values: dict[str, Any] = {
        "kernel_size": data.draw(_one_or_pair),
        "dilation": data.draw(_one_or_pair),
        "padding": data.draw(_padding),
        "stride": data.draw(st.one_of(st.none(), _one_or_pair)),
        "ceil_mode": data.draw(st.booleans()),
    }
    if type_id == "Conv2d":
        values.update(out_channels=4, stride=values["stride"] or 1)
        values.pop("ceil_mode")
    elif isinstance(values["padding"], str):
        values["padding"] = 0  # pooling takes numbers only ("same"/"valid" are refused on loading)
    shape = (
        data.draw(st.integers(1, 6)),
        data.draw(st.integers(1, 24)),
        data.draw(st.integers(1, 24)),
    )
    return REGISTRY[type_id].resolve(values), shape


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    first_type=st.sampled_from(["Conv2d", "MaxPool2d", "AvgPool2d"]),
    first_sem=st.sampled_from(SEMANTICS),
)
def test_a_window_rule_after_another_gives_what_it_gives_alone(
    data: st.DataObject, first_type: str, first_sem: str
) -> None:
    """A window layer's rule after another's (whose window arithmetic the memo then holds;
    often the same window over another channel count) gives what it gives alone."""
    import designer.core.shape_rules as rules_module

    p0, shape0 = _window_layer(data, first_type)
    # The second layer: the first one with one thing changed (a memo key that left that
    # thing out would serve the first one's arithmetic), or a layer of its own.
    change = data.draw(
        st.sampled_from(["channels", "height", "width", "semantics", "type", "own", *_WINDOW_KEYS])
    )
    p, shape = dict(p0), list(shape0)
    type_id, sem = first_type, first_sem
    if change == "channels":
        shape[0] += 3
    elif change in ("height", "width"):
        shape[1 if change == "height" else 2] += data.draw(st.integers(1, 5))
    elif change == "semantics":
        sem = data.draw(st.sampled_from([s for s in SEMANTICS if s != first_sem]))
    elif change == "type":
        type_id = data.draw(st.sampled_from([t for t in _WINDOW_TYPES if t != first_type]))
        other, _ = _window_layer(data, type_id)
        p = {**other, **{k: p0[k] for k in ("kernel_size", "dilation") if k in p0 and k in other}}
    elif change == "own":
        type_id = data.draw(st.sampled_from(_WINDOW_TYPES))
        p, new_shape = _window_layer(data, type_id)
        shape = list(new_shape)
    elif change == "ceil_mode" and change in p:
        p[change] = not p[change]  # rounds otherwise under PyTorch's rules only:
        first_sem = sem = "pytorch"
    elif change in p:
        other, _ = _window_layer(data, first_type)
        p[change] = other[change]
    shape = tuple(shape)
    rules_module._GEOMETRY.clear()
    REGISTRY[first_type].rule(p0, [shape0], first_sem)  # type: ignore[arg-type]
    after = REGISTRY[type_id].rule(p, [shape], sem)  # type: ignore[arg-type]
    rules_module._GEOMETRY.clear()
    alone = REGISTRY[type_id].rule(p, [shape], sem)  # type: ignore[arg-type]
    assert after == alone
    assert repr(after) == repr(alone)


@pytest.mark.parametrize(
    ("literal", "ok"),
    [("9" * 100, True), ("-" + "9" * 100, True), ("9" * 101, False), ("-" + "9" * 101, False)],
)
def test_whole_numbers_up_to_the_digit_limit_are_read_and_longer_ones_refused(
    literal: str, ok: bool
) -> None:
    text = json.dumps(_document()).replace('"name": "deep"', f'"name": "deep", "n": {literal}')
    if ok:
        assert loads_design(text).extra["n"] == int(literal)
    else:
        with pytest.raises(InvalidFormatError, match="whole number with 101 digits is too long"):
            loads_design(text)

"""Loading validates and normalises each value once (issue 15, target 2): what that relies on.

The loader normalises every parameter with ``ParamSpec.normalize`` and then only drops the
defaults and orders them (``canonical_params``) instead of normalising again in
``normalize_params`` and ``Design.add_layer``: that is the same only because normalising is
idempotent, and ``canonical_params`` must agree with ``normalize_params``. ``normalize`` has a
fast path for plain whole numbers, which must return and refuse exactly what the general path
does. The file checks (nesting depth, lone surrogates) run in full only when a cheap test
finds a reason; their messages stay the ones the full check gives.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from designer.core.design import DesignError, canonical_params, normalize_params
from designer.core.fileformat import InvalidFormatError, loads_design
from designer.core.params import MAX_INT_VALUE, ParamError, ParamKind
from designer.core.registry import REGISTRY

NUMBERS = [0, 1, 2, 3, 7, -1, -5, 255, MAX_INT_VALUE, MAX_INT_VALUE + 1, -MAX_INT_VALUE - 1, 2**70]
OTHERS: list[Any] = [
    None,
    True,
    False,
    0.0,
    1.0,
    2.5,
    -0.0,
    "same",
    "valid",
    "x",
    [1, 2],
    [2, 2],
    [1, 2, 3],
    [1, 1, 1, 1],
    [0, 1, 2, 3],
    [None, 3],
    [1.0, 2],
    [3, 32, 32],
    [],
    {"a": 1},
]


def _outcome(fn: Any, value: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(value)
    except (ParamError, DesignError) as exc:
        return "error", str(exc)


@pytest.mark.parametrize("type_id", sorted(REGISTRY))
def test_normalize_is_idempotent_and_the_int_fast_path_agrees(type_id: str) -> None:
    for spec in REGISTRY[type_id].params:
        # A plain int may take the fast path; the same number as an int subclass (_Int)
        # always takes the general one: both must give the same value or the same refusal.
        for value in [*NUMBERS, *OTHERS, spec.default]:
            kind, result = _outcome(spec.normalize, value)
            if kind == "ok":
                assert _outcome(spec.normalize, result) == ("ok", result), (spec.name, value)
            if value.__class__ is int:
                general = _outcome(spec.normalize, _Int(value))
                assert (kind, result) == (general[0], general[1]), (type_id, spec.name, value)


class _Int(int):
    """A whole number that is not exactly ``int``: ``normalize`` takes its general path."""


@pytest.mark.parametrize("type_id", sorted(REGISTRY))
def test_canonical_params_agrees_with_normalize_params(type_id: str) -> None:
    rng = random.Random(type_id)
    specs = REGISTRY[type_id].params
    for _ in range(200):
        values: dict[str, Any] = {}
        for spec in rng.sample(list(specs), rng.randint(0, len(specs))):
            values[spec.name] = rng.choice([*NUMBERS[:7], *OTHERS[:12], spec.default])
        try:
            expected = normalize_params(type_id, values)
        except DesignError:
            continue
        normalized = {k: REGISTRY[type_id].spec(k).normalize(v) for k, v in values.items()}  # type: ignore[union-attr]
        assert canonical_params(type_id, normalized) == expected
        assert list(canonical_params(type_id, normalized)) == list(expected)


def test_the_bool_fast_path_keeps_bools_and_refuses_look_alikes() -> None:
    bias = REGISTRY["Conv2d"].spec("bias")
    assert bias is not None and bias.kind is ParamKind.BOOL
    for value in (True, False):
        assert bias.normalize(value) is value
    for value in (1, 0, 1.0, "true", None, [True]):
        with pytest.raises(ParamError):
            bias.normalize(value)


def test_the_int_fast_path_refuses_what_the_general_path_refuses() -> None:
    spec = replace(REGISTRY["Conv2d"].spec("kernel_size"), minimum=1)  # type: ignore[arg-type]
    for value in (0, -3, MAX_INT_VALUE + 1, -MAX_INT_VALUE - 1):
        with pytest.raises(ParamError):
            spec.normalize(value)
    assert spec.kind is ParamKind.PAIR and spec.normalize(3) == 3


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"name": "a\\ud800", "layers": []}', "$.name"),
        ('{"name": "ok", "layers": [], "x": {"y\\udfff": 1}}', "$.x"),
        ('{"layers": [], "x": ' + "[" * 70 + "]" * 70 + "}", "$.x[0]"),
    ],
)
def test_file_checks_still_name_the_place(text: str, where: str) -> None:
    with pytest.raises(InvalidFormatError) as info:
        loads_design(text)
    assert str(info.value).startswith(where)


def test_an_escaped_backslash_before_u_d8_is_no_surrogate() -> None:
    design = loads_design(
        '{"format": "cnn-designer", "version": 1, "name": "a\\\\ud800", "layers": []}'
    )
    assert design.name == "a\\ud800"

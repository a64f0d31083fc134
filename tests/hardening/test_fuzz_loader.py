"""Fuzz the loader: mutated and random documents never raise anything but ``FormatError``.

Every case goes through ``fuzz_support.exercise``: load; if it loads, analyse,
print the check table and JSON, save to text and reload. Figures (CI run):
about 2,400 hypothesis cases plus 3,000 seeded byte-level mutations.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.core.registry import REGISTRY
from tests.hardening.fuzz_support import exercise, small_seed_texts

SEEDS = small_seed_texts()
SEED_DOCS = [json.loads(t) for t in SEEDS]
FUZZ = settings(
    max_examples=600,
    deadline=2000,  # ms per case: a hang or a quadratic path fails here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["same", "valid", "Conv2d", "input", "", "nearest", "-1", "1e999"])
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(SEED_DOCS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "delete", "insert", "swap_type", "duplicate"]))
        if not path:
            if op == "replace":
                doc = draw(json_value)
            continue
        parent = _get(doc, path[:-1])
        key = path[-1]
        if op == "replace":
            parent[key] = draw(json_value)
        elif op == "delete":
            del parent[key]
        elif op == "insert":
            if isinstance(parent, dict):
                parent[draw(st.text(max_size=12))] = draw(json_value)
            else:
                parent.insert(key, draw(json_value))
        elif op == "swap_type":
            value = parent[key]
            parent[key] = (
                str(value)
                if not isinstance(value, str)
                else draw(st.sampled_from([[value], {"v": value}, len(value), None]))
            )
        elif isinstance(parent, list):  # duplicate: repeats a layer (duplicate ids) or a value
            parent.insert(key, copy.deepcopy(parent[key]))
    return doc


@FUZZ
@given(mutated_documents())
def test_mutated_documents(doc: Any) -> None:
    exercise(json.dumps(doc, ensure_ascii=_escape_non_ascii(doc)))


def _escape_non_ascii(doc: Any) -> bool:
    return len(json.dumps(doc)) % 2 == 0  # alternate raw UTF-8 and \u escapes


@st.composite
def random_layers(draw: st.DrawFn) -> dict[str, Any]:
    type_id = draw(st.sampled_from(list(REGISTRY)))
    layer: dict[str, Any] = {"type": type_id}
    if draw(st.booleans()):
        layer["id"] = draw(st.sampled_from(["a", "b", "c", "input", "x.1", "bad id", ""]))
    ltype = REGISTRY[type_id]
    for spec in ltype.params:
        if spec.required or draw(st.booleans()):
            layer[spec.name] = draw(
                st.one_of(
                    st.just(spec.default),
                    st.integers(-3, 300),
                    st.lists(st.integers(-1, 64), min_size=1, max_size=4),
                    st.sampled_from([None, "same", "valid", 0.5, 2**31, True, 10**9]),
                    json_value,
                )
            )
    if draw(st.integers(0, 3)) == 0:
        layer["inputs"] = draw(
            st.lists(st.sampled_from(["a", "b", "c", "input", "nope"]), max_size=3)
        )
    return layer


@FUZZ
@given(
    st.lists(random_layers(), max_size=12),
    st.sampled_from(["pytorch", "keras", "caffe", "strict"]),
    st.dictionaries(
        st.sampled_from(["input", "a", "b", "zz"]), st.lists(st.floats(-1e10, 1e10), max_size=3)
    ),
)
def test_random_designs(
    layers: list[dict[str, Any]], semantics: str, layout: dict[str, Any]
) -> None:
    doc = {
        "format": "cnn-designer",
        "version": 1,
        "semantics": semantics,
        "layers": layers,
        "layout": layout,
    }
    exercise(json.dumps(doc))


@FUZZ
@given(json_value)
def test_random_json(value: Any) -> None:
    exercise(json.dumps(value))
    exercise(json.dumps({"format": "cnn-designer", "version": 1, "layers": value}))


@settings(max_examples=600, deadline=2000, derandomize=True)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    exercise(data)


def test_seeded_byte_mutations() -> None:
    """Truncations, inserted junk, flipped and deleted bytes of every small seed: 3,000 cases."""
    rng = random.Random(20261122)
    junk = [
        b"\x00",
        b"\xff",
        b"\xef\xbb\xbf",
        b"{",
        b"]",
        b'"',
        b",",
        b"\\u",
        b"\\ud800",
        b"NaN",
        b"-",
        b"1e999",
        b"9" * 120,
    ]
    outcomes = {"refused": 0, "loaded": 0}
    blobs = [s.encode("utf-8") for s in SEEDS]
    for _ in range(3000):
        data = bytearray(rng.choice(blobs))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(data) + 1)
            op = rng.randrange(4)
            if op == 0:
                del data[pos:]
            elif op == 1:
                data[pos:pos] = rng.choice(junk)
            elif op == 2 and pos < len(data):
                data[pos] = rng.randrange(256)
            else:
                del data[pos : pos + rng.randint(1, 20)]
        outcomes[exercise(bytes(data))] += 1
    assert outcomes["refused"] > 0 and outcomes["loaded"] > 0, outcomes

"""The published JSON Schema and the v1 format fixtures kept forever."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from designer.core.fileformat import (
    dumps_design,
    json_schema,
    load_design,
    loads_design,
    schema_text,
)
from designer.core.registry import REGISTRY
from designer.core.resources import examples_dir, schema_path, templates_dir

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "format" / "v1"


def _documents() -> list[Path]:
    files = [
        *templates_dir().glob("*.json"),
        *examples_dir().glob("*.json"),
        *FIXTURES.glob("*.json"),
    ]
    return sorted(files)


def test_published_schema_is_the_generated_one() -> None:
    committed = schema_path().read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "resources/schema/cnn-designer-v1.schema.json is stale: regenerate with "
        "python -m designer.core.fileformat --schema resources/schema/cnn-designer-v1.schema.json"
    )
    jsonschema.Draft202012Validator.check_schema(json_schema())


@pytest.mark.parametrize("path", _documents(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_document_validates_against_the_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(
        json.loads(schema_path().read_text(encoding="utf-8"))
    )
    errors = [
        f"{e.json_path}: {e.message[:200]}"
        for e in validator.iter_errors(json.loads(path.read_bytes()))
    ]
    assert not errors, errors[:5]


def test_the_fixtures_cover_what_they_promise() -> None:
    names = {p.stem for p in FIXTURES.glob("*.json")}
    assert {
        "minimal",
        "branches",
        "every_layer_type",
        "keras_unicode_extra",
        "modern_layers",
    } <= names
    # every_layer_type.json is the file as it was before issue 11 (it must still read the same);
    # modern_layers.json adds the newer types and indexed outputs ("split:1").
    types = set()
    for name in ("every_layer_type", "modern_layers"):
        doc = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        types |= {layer["type"] for layer in doc["layers"]}
    assert types == set(REGISTRY)
    modern = json.loads((FIXTURES / "modern_layers.json").read_text(encoding="utf-8"))
    assert any(":" in i for layer in modern["layers"] for i in layer.get("inputs", []))


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_fixture_loads_and_round_trips_byte_for_byte(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    design = load_design(path)
    first = dumps_design(design)
    assert dumps_design(loads_design(first)) == first
    assert first == text, "the canonical text of a v1 file changed: that breaks format v1"


def test_unknown_top_level_fields_survive() -> None:
    design = load_design(FIXTURES / "keras_unicode_extra.json")
    assert design.extra == {"x-generator": {"tool": "hand-written", "tags": ["a", "b"], "n": 3}}


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"format": "cnn-designer", "version": 1}
    bad = [
        {**base, "layers": [{"type": "Conv2d", "kernel_size": 3}]},  # out_channels missing
        {**base, "layers": [{"type": "Conv2d", "out_channels": 2**31, "kernel_size": 3}]},
        {**base, "layers": [{"type": "MaxPool2d", "kernel_size": -1}]},
        {**base, "layers": [{"type": "Nope"}]},
        {**base, "layers": [{"type": "ReLU", "inplace": True}]},
        {"format": "cnn-designer", "version": 2, "layers": []},
    ]
    for doc in bad:
        assert list(validator.iter_errors(doc)), doc


def test_the_format_document_lists_every_layer_type_and_limit() -> None:
    from designer.core.fileformat import MAX_DEPTH, MAX_LAYERS, MAX_NUMBER_DIGITS
    from designer.core.params import MAX_INT_VALUE

    text = (Path(__file__).resolve().parents[2] / "docs" / "file-format.md").read_text(
        encoding="utf-8"
    )
    missing = [t for t in REGISTRY if f"| `{t}` |" not in text]
    assert not missing, f"docs/file-format.md does not describe {missing}"
    for number in (
        f"{MAX_LAYERS:,}",
        f"{MAX_INT_VALUE:,}",
        f"{MAX_DEPTH} levels",
        f"{MAX_NUMBER_DIGITS} digits",
    ):
        assert number in text, number

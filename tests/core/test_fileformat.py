"""File format v1: precise errors with JSON paths, byte-stable round trips, atomic saves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from designer.core.design import Design, Layer
from designer.core.fileformat import (
    InvalidFormatError,
    UnsupportedFormatVersionError,
    dumps_design,
    load_design,
    loads_design,
    save_design,
)

GOOD: dict[str, Any] = {
    "format": "cnn-designer",
    "version": 1,
    "name": "AlexNet (2012 paper)",
    "semantics": "pytorch",
    "layers": [
        {"id": "input", "type": "Input", "shape": [3, 227, 227]},
        {"id": "conv1", "type": "Conv2d", "out_channels": 96, "kernel_size": 11, "stride": 4},
        {"id": "relu1", "type": "ReLU"},
        {"id": "skip", "type": "Identity", "inputs": ["relu1"]},
        {"id": "add1", "type": "Add", "inputs": ["relu1", "skip"]},
    ],
    "layout": {"conv1": [120, 40]},
}


def with_(**changes: Any) -> str:
    doc = json.loads(json.dumps(GOOD))
    doc.update(changes)
    return json.dumps(doc)


def layer_change(index: int, **changes: Any) -> str:
    doc = json.loads(json.dumps(GOOD))
    doc["layers"][index].update(changes)
    return json.dumps(doc)


def test_issue_example_loads() -> None:
    d = loads_design(json.dumps(GOOD))
    assert d.ids == ["input", "conv1", "relu1", "skip", "add1"]
    assert d.layer("conv1").inputs == ["input"]  # implicit: the previous layer
    assert d.layer("input").inputs == []
    assert d.position("conv1") == (120.0, 40.0)


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        ("not json", "$", "not valid JSON"),
        ("[1, 2]", "$", "expected an object"),
        ('{"version": 1, "layers": []}', "$.format", "not a CNN Designer file"),
        (with_(version="1"), "$.version", "whole number"),
        (with_(semantics="tensorflow"), "$.semantics", "expected one of"),
        (with_(layers={}), "$.layers", "expected a list"),
        (layer_change(1, type="Conv3d"), "$.layers[1].type", "unknown layer type 'Conv3d'"),
        (layer_change(1, type="conv2d"), "$.layers[1].type", "did you mean 'Conv2d'"),
        (layer_change(1, kernel_size=-3), "$.layers[1].kernel_size", "≥ 1"),
        (layer_change(1, kernel_size="big"), "$.layers[1].kernel_size", "whole number"),
        (layer_change(1, kernel_size=[3, 3, 3]), "$.layers[1].kernel_size", "pair"),
        (layer_change(1, stride=True), "$.layers[1].stride", "whole number"),
        (layer_change(1, padding="full"), "$.layers[1].padding", '"same"'),
        (layer_change(1, kernal_size=3), "$.layers[1].kernal_size", "did you mean 'kernel_size'"),
        (layer_change(0, shape=[3, 0, 227]), "$.layers[0].shape", "whole numbers ≥ 1"),
        (layer_change(2, inputs="conv1"), "$.layers[2].inputs", "list of layer ids"),
        (layer_change(2, id="bad id!"), "$.layers[2].id", "letters"),
        (with_(layout={"conv1": [1]}), "$.layout.conv1", "[x, y]"),
        (
            '{"format": "cnn-designer", "version": 1, "layers": [{"id": "c", "type": "Conv2d", "kernel_size": 3}]}',
            "$.layers[0].out_channels",
            "needs 'out_channels'",
        ),
        ('{"format": "cnn-designer", "version": 1, "layers": [], "x": NaN}', "$", "NaN"),
        ("[" * 100_000 + "]" * 100_000, "$", "nested too deeply"),
    ],
)
def test_bad_files_name_the_json_path(text: str, path: str, words: str) -> None:
    with pytest.raises(InvalidFormatError) as err:
        loads_design(text)
    assert err.value.path == path
    assert words in str(err.value)


def test_newer_version_is_refused_clearly() -> None:
    with pytest.raises(UnsupportedFormatVersionError, match="newer CNN Designer"):
        loads_design(with_(version=2))


def test_not_utf8() -> None:
    with pytest.raises(InvalidFormatError, match="UTF-8"):
        loads_design(b'{"name": "\xff"}')


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidFormatError) as err:
        load_design(tmp_path / "nope.json")
    assert "nope.json" in str(err.value)


def test_round_trip_is_byte_stable(tmp_path: Path) -> None:
    d = loads_design(json.dumps(GOOD))
    text = dumps_design(d)
    assert dumps_design(loads_design(text)) == text
    save_design(d, tmp_path / "a.json")
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == text
    assert json.loads(text)["layers"][1] == GOOD["layers"][1]


def test_saved_file_leaves_defaults_and_implicit_inputs_out() -> None:
    d = Design("t")
    d.add_layer(Layer("x", "Input", {"shape": [3, 32, 32]}))
    d.add_layer(
        Layer(
            "c",
            "Conv2d",
            {"out_channels": 8, "kernel_size": 3, "stride": 1, "padding": [1, 1]},
            ["x"],
        )
    )
    d.add_layer(Layer("free", "ReLU", {}, []))
    layers = json.loads(dumps_design(d))["layers"]
    assert layers[1] == {
        "id": "c",
        "type": "Conv2d",
        "out_channels": 8,
        "kernel_size": 3,
        "padding": 1,
    }
    assert layers[2] == {"id": "free", "type": "ReLU", "inputs": []}


def test_unknown_top_level_fields_are_kept() -> None:
    d = loads_design(with_(x_other_tool={"colour": "red"}))
    assert json.loads(dumps_design(d))["x_other_tool"] == {"colour": "red"}


def test_atomic_save_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "d.json"
    d = loads_design(json.dumps(GOOD))
    save_design(d, target)
    old = target.read_bytes()
    d.set_name("changed")

    def boom(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.fsync", boom)
    with pytest.raises(OSError):
        save_design(d, target)
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]  # no temp file left behind


def test_saving_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    d = loads_design(json.dumps(GOOD))
    with pytest.raises(FileNotFoundError) as err:
        save_design(d, tmp_path / "nope" / "d.json")
    assert str(tmp_path / "nope") in str(err.value) and ".tmp" not in str(err.value)
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(IsADirectoryError) as err2:
        save_design(d, tmp_path / "dir.json")
    assert "dir.json" in str(err2.value)

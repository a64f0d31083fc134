"""`cnn-designer check`: exit codes and the public --json contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import main

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, layers: list[dict], name: str = "d.json") -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps({"format": "cnn-designer", "version": 1, "name": "t", "layers": layers})
    )
    return path


GOOD = [
    {"id": "input", "type": "Input", "shape": [3, 227, 227]},
    {"id": "conv1", "type": "Conv2d", "out_channels": 96, "kernel_size": 11, "stride": 4},
]


def test_exit_0_without_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(write(tmp_path, GOOD))]) == 0
    out = capsys.readouterr().out
    assert "55×55×96" in out and "34,944" in out and "105,415,200" in out


def test_exit_1_with_errors(tmp_path: Path) -> None:
    bad = [*GOOD, {"id": "fc", "type": "Linear", "inputs": ["missing"], "out_features": 10}]
    assert main(["check", str(write(tmp_path, bad))]) == 1


def test_exit_2_when_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.json"
    path.write_text("{nope")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "x.json" in err and "not valid JSON" in err and "Traceback" not in err


def test_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--json", str(write(tmp_path, GOOD))])
    doc = json.loads(capsys.readouterr().out)
    assert {"name", "semantics", "layers", "totals", "diagnostics"} <= doc.keys()
    conv = doc["layers"][1]
    assert {
        "id",
        "type",
        "output_shape",
        "neurons",
        "params",
        "buffers",
        "macs",
        "receptive_field",
    } <= conv.keys()
    assert conv["output_shape"] == [96, 55, 55]
    assert conv["neurons"] == 290_400
    assert conv["receptive_field"] == [11, 11]
    assert {"params", "trainable_params", "buffers", "macs", "neurons"} <= doc["totals"].keys()
    assert doc["diagnostics"] == []


def test_json_diagnostics_and_semantics_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layers = [{"id": "input", "type": "Input", "shape": [3, 224, 224]}, *GOOD[1:]]
    assert main(["check", "--json", "--semantics", "strict", str(write(tmp_path, layers))]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["semantics"] == "strict"
    diag = doc["diagnostics"][0]
    assert {"severity", "code", "layer", "message"} <= diag.keys()
    assert (diag["severity"], diag["code"], diag["layer"]) == (
        "error",
        "non_integer_output",
        "conv1",
    )
    assert doc["layers"][1]["output_shape"] is None


def test_console_entry_point_runs(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "designer", "check", str(write(tmp_path, GOOD))],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "55×55×96" in out.stdout

"""Every command of the CLI on every fixture finishes (issue 12): a hang guard, not a benchmark.

Each run is ``designer.cli.main`` in-process under a generous time limit (a run that
does not end within ``RUN_TIMEOUT`` seconds fails the test; none takes more than a
few seconds). Fixtures: the templates and examples we ship, the design and format
fixtures of the tests, and designs with parameters at 2³¹ − 1 (a Conv2d with
``stride: 2147483647`` made ``check`` and ``fix`` run for minutes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.core.fileformat import FormatError, load_design
from designer.core.resources import examples_dir, templates_dir
from tests.time_limit import time_limit

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 120
M = 2**31 - 1

MAXIMAL = {
    "conv_stride_max": [
        {"id": "conv1", "type": "Conv2d", "out_channels": 96, "kernel_size": 11, "stride": M}
    ],
    "conv_kernel_huge": [
        {
            "id": "conv1",
            "type": "Conv2d",
            "out_channels": 8,
            "kernel_size": 10**6,
            "padding": 499_900,
            "stride": 3,
        }
    ],
    "groups_max": [
        {"id": "conv1", "type": "Conv2d", "out_channels": M, "kernel_size": 1, "groups": M - 1}
    ],
    "pool_stride_max": [{"id": "pool1", "type": "MaxPool2d", "kernel_size": 3, "stride": M}],
    "upsample_neither": [
        {"id": "up", "type": "Upsample"},
        {"id": "up2", "type": "Upsample", "scale_factor": 1.5, "inputs": ["input"]},
    ],
}


def _fixtures(tmp: Path) -> list[Path]:
    files = sorted(
        [
            *templates_dir().glob("*.json"),
            *examples_dir().glob("*.json"),
            *(ROOT / "tests" / "data" / "designs").glob("*.json"),
            *(ROOT / "tests" / "data" / "format").rglob("*.json"),
            *(ROOT / "tests" / "data" / "torch_code").glob("*.json"),
        ]
    )
    for name, layers in MAXIMAL.items():
        doc = {
            "format": "cnn-designer",
            "version": 1,
            "name": name,
            "layers": [
                {"id": "input", "type": "Input", "shape": [3, 227, 227]},
                *layers,
                {"id": "relu", "type": "ReLU"},
            ],
        }
        path = tmp / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        files.append(path)
    return files


def _commands(path: Path, out: Path) -> list[list[str]]:
    f = str(path)
    commands = [
        ["check", f],
        ["check", f, "--json"],
        ["check", f, "--brief"],
        ["check", f, "--compare-semantics"],
        ["fix", f],
        ["export", f, "-o", str(out / "blocks.svg")],
        ["export", f, "--view", "graph", "-o", str(out / "graph.svg")],
        ["export", f, "--view", "graph", "--scale", "0.5", "-o", str(out / "graph.png")],
        ["export", f, "--scale", "0.5", "-o", str(out / "blocks.png")],
        ["export", f, "-o", str(out / "model.py")],
    ]
    try:
        design = load_design(path)
    except FormatError:
        return commands
    if len(design):
        commands.append(["check", f, "--explain", design.ids[-1]])
    from designer.core.analysis import analyze

    diags = analyze(design).diagnostics()
    if diags:
        d = diags[0]
        fix = ["fix", f, "--apply", d.code, "-o", str(out / "fixed.json")]
        commands.append(fix + (["--layer", d.layer] if d.layer else []))
    return commands


def test_every_command_on_every_fixture_finishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp
) -> None:
    runs = 0
    for path in _fixtures(tmp_path):
        for argv in _commands(path, tmp_path):
            with time_limit(RUN_TIMEOUT, "cnn-designer " + " ".join(argv)):
                code = main(argv)
            captured = capsys.readouterr()
            assert code in (0, 1, 2), (argv, code)
            assert "Traceback" not in captured.err, (argv, captured.err)
            runs += 1
    with capsys.disabled():
        print(f"\nCLI hang guard: {runs} runs of check, fix and export finished")
    assert runs >= 300

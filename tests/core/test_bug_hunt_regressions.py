"""Regression tests for defects found by hunting through the command line, the core and the docs."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest

from designer.cli import main
from designer.core.analysis import analyze
from designer.core.design import Design
from designer.core.fileformat import loads_design
from designer.core.resources import resource_path


def design_of(layers: list[dict[str, Any]]) -> Design:
    return loads_design(json.dumps({"format": "cnn-designer", "version": 1, "layers": layers}))


@pytest.mark.parametrize(
    "inputs",
    [
        {"a": ["b"], "b": ["a"]},
        {"a": ["c"], "b": ["a"], "c": ["b"]},
        {"a": ["d"], "b": ["a"], "c": ["b"], "d": ["c"]},
    ],
)
def test_cycle_is_reported_in_the_order_data_flows(inputs: dict[str, list[str]]) -> None:
    """The cycle text once read "a → b → b": a member repeated, the way back missing."""
    layers: list[dict[str, Any]] = [{"id": "input", "type": "Input", "shape": [3, 8, 8]}]
    layers += [{"id": lid, "type": "ReLU", "inputs": ins} for lid, ins in inputs.items()]
    diags = [d for d in analyze(design_of(layers)).diagnostics() if d.code == "cycle"]
    assert sorted(d.layer for d in diags if d.layer) == sorted(inputs)
    for diag in diags:
        cycle = diag.data["cycle"]
        assert cycle[0] == cycle[-1]
        assert sorted(cycle[:-1]) == sorted(inputs)
        for src, dst in pairwise(cycle):
            assert src in inputs[dst], f"{src} does not feed {dst} in {cycle}"
        assert " → ".join(cycle) in diag.message


@pytest.mark.parametrize(
    "options",
    [
        ["--json", "--explain", "conv1"],
        ["--json", "--compare-semantics"],
        ["--explain", "conv1", "--compare-semantics"],
    ],
)
def test_check_refuses_output_modes_that_cannot_be_combined(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --json --explain conv1` once printed plain text (exit 0) to a script expecting JSON."""
    src = str(resource_path("templates", "alexnet_paper.json"))
    assert main(["check", src, *options]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "cannot be combined" in captured.err

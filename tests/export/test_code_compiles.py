"""Exported PyTorch code compiles whatever the design's name and layer ids (issue 12, item 3).

A design named ``\\N`` (or ``\\x``, ``\\u12``, a NUL ...) exported with exit 0 but the
``.py`` failed with ``SyntaxError: (unicode error)``. Names are now escaped, and every
export below goes through ``compile()``; the docstring must read the name back.
"""

from __future__ import annotations

import ast
import json
import random

import pytest

from designer.core.design import ID_PATTERN, Design, Layer
from designer.core.fileformat import FormatError, loads_design
from designer.export.pytorch_code import CodeGenerationError, generate
from tools.fuzz_pipeline import NASTY_NAMES, random_design_doc

SEQUENCES = 300


def _chain(name: str, ids: list[str]) -> Design:
    d = Design(name)
    d.add_layer(Layer(ids[0], "Input", {"shape": [3, 16, 16]}))
    types = [
        ("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("ReLU", {}),
        ("MaxPool2d", {"kernel_size": 2}),
        ("BatchNorm2d", {}),
        ("Flatten", {}),
        ("Linear", {"out_features": 10}),
    ]
    for lid, (type_id, params) in zip(ids[1:], types, strict=False):
        d.add_layer(Layer(lid, type_id, params, [d.ids[-1]]))
    return d


def _compiles(source: str, name: str) -> None:
    tree = ast.parse(source)  # raises SyntaxError
    compile(source, "generated.py", "exec")
    doc = ast.get_docstring(tree, clean=False)
    assert doc is not None and doc.startswith(f"{name}: PyTorch model"), (
        name,
        doc[:80] if doc else doc,
    )


@pytest.mark.parametrize("name", NASTY_NAMES, ids=[repr(n)[:20] for n in NASTY_NAMES])
def test_nasty_design_names_compile(name: str) -> None:
    _compiles(generate(_chain(name, ["input", "conv", "relu", "pool", "bn", "flat", "fc"])), name)


def test_names_through_the_file_format_compile() -> None:
    """The same names read from a file (the loader refuses lone surrogates; the rest load)."""
    loaded = 0
    for name in NASTY_NAMES:
        text = json.dumps(
            {
                "format": "cnn-designer",
                "version": 1,
                "name": name,
                "layers": [
                    {"id": "input", "type": "Input", "shape": [8]},
                    {"id": "fc", "type": "Linear", "out_features": 2},
                ],
            }
        )
        try:
            design = loads_design(text)
        except FormatError:
            assert "\ud800" in name
            continue
        _compiles(generate(design), design.name)
        loaded += 1
    assert loaded == len(NASTY_NAMES) - 1


def _random_id(rng: random.Random) -> str:
    alphabet = "abcXYZ_019.-"
    special = [
        "class",
        "def",
        "self",
        "x",
        "forward",
        "None",
        "True",
        "torch",
        "nn",
        "_modules",
        "print",
        "match",
        "type",
    ]
    lid = (
        rng.choice(special)
        if rng.random() < 0.3
        else rng.choice("abc_XY") + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    )
    assert ID_PATTERN.match(lid)
    return lid


def test_random_names_and_ids_compile() -> None:
    rng = random.Random(12)
    compiled = 0
    for _ in range(SEQUENCES):
        name = "".join(
            chr(
                rng.choice([rng.randint(0, 0x7F), rng.randint(0, 0xFFFF), rng.randint(0, 0x10FFFF)])
            )
            for _ in range(rng.randint(0, 20))
        )
        ids = list(dict.fromkeys(_random_id(rng) for _ in range(7)))
        if len(ids) < 2:
            continue
        _compiles(generate(_chain(name, ids)), name)
        compiled += 1
    print(f"\ncode export: {compiled} random names and ids compiled")
    assert compiled > SEQUENCES * 0.9


def test_generated_designs_export_code_that_compiles() -> None:
    """The fuzz generator's designs: every one the exporter accepts compiles."""
    rng = random.Random(2026)
    counts = {"compiled": 0, "refused": 0, "not loaded": 0}
    for _ in range(SEQUENCES):
        text = json.dumps(random_design_doc(rng))
        try:
            design = loads_design(text)
        except ValueError:
            counts["not loaded"] += 1
            continue
        try:
            source = generate(design)
        except CodeGenerationError:
            counts["refused"] += 1
            continue
        _compiles(source, design.name)
        counts["compiled"] += 1
    print(f"\ncode export of generated designs: {counts}")
    assert counts["compiled"] >= 10

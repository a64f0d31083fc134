"""docs/modern-networks.md is the table tools/modern_networks.py writes, for every network it checks."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))
nets = importlib.import_module("modern_networks")


def test_table_lists_every_network_and_only_the_known_limits_are_not_exact() -> None:
    text = nets.DOC.read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 10 and cells[0] in nets.NAMES:
            rows[cells[0]] = cells
    assert list(rows) == nets.NAMES
    for name, cells in rows.items():
        assert cells[1] == "×".join(str(v) for v in nets.input_shape(name))
        for mode, cell in zip(("fx", *nets.ONNX_MODES), cells[2:5], strict=True):
            assert cell == ("**not exact**" if (name, mode) in nets.KNOWN_LIMITS else "exact"), (
                name,
                mode,
            )
        assert re.fullmatch(r"[\d,]+", cells[5]) and re.fullmatch(r"[\d,]+", cells[6])
    # Numbers the issue and the templates quote, as torch counts them.
    assert rows["efficientnet_b0"][5:7] == ["5,288,548", "385,814,752"]
    assert rows["mobilenet_v3_small"][5:7] == ["2,542,856", "56,510,400"]
    assert rows["convnext_tiny"][5:7] == ["28,589,128", "4,455,531,264"]
    for (name, mode), why in nets.KNOWN_LIMITS.items():
        assert f"- {name}, {mode}: " in text and why in text

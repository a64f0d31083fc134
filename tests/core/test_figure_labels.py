"""Issue 14: each volume's size label sits just under its own box in the block figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.core.analysis import Analysis
from designer.core.figure import Text
from designer.core.fileformat import load_design
from designer.core.volume_geometry import build_volume_scene, project_scene

DESIGNS = Path(__file__).resolve().parents[1] / "data" / "designs"


@pytest.mark.parametrize("name", ["alexnet_paper_224.json", "alexnet_paper_227.json"])
def test_size_labels_sit_under_their_own_box(name: str) -> None:
    # Was: conv1's "54×54×96" sat far below its box, under the input's label: labels kept off
    # every box's bounding rectangle, and the tall input slab's rectangle covers conv1's spot.
    scene = build_volume_scene(Analysis(load_design(DESIGNS / name), live=False))
    figure = project_scene(scene)
    line = figure.style.font_size * 1.25
    for group in figure.groups:
        xs = [p[0] for item in group.items if hasattr(item, "points") for p in item.points]
        ys = [p[1] for item in group.items if hasattr(item, "points") for p in item.points]
        dims = [t for t in group.items if isinstance(t, Text) and t.role == "dims"]
        if not xs or not dims:
            continue
        label = dims[0]
        assert label.y - max(ys) <= 2 * line, (group.id, label.text, label.y, max(ys))
        assert min(xs) - line <= label.x <= max(xs) + line, (group.id, label.text)

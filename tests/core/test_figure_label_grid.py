"""Issue 15: a figure of thousands of blocks. Each label's spot was tested against every label
placed and every box's outline (opening File ▸ Export on a 10,000-layer design took minutes),
and each connection along a lane against every block. Both now look up what is near: the
figure must be exactly the one the full tests gave."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.scale_designs import chain_design, resnet_like
from designer.core import volume_geometry as vg
from designer.core.analysis import Analysis
from designer.core.collapsed_figure import build_figure
from designer.core.figure import FigureStyle

coord = st.floats(-3000, 3000, allow_nan=False, allow_infinity=False)
size = st.floats(0, 900, allow_nan=False, allow_infinity=False)
rects = st.tuples(coord, coord, size, size).map(lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(rects, max_size=40),
    st.lists(rects, min_size=1, max_size=10),
    st.sampled_from([7.0, 50.0, 400.0]),
)
def test_the_grid_gives_every_item_whose_rectangle_overlaps(items, queries, cell) -> None:  # type: ignore[no-untyped-def]
    grid: vg._RectGrid[int] = vg._RectGrid(cell)
    for k, r in enumerate(items):
        grid.add(r, k)
    for q in queries:
        near = set(grid.near(q))
        assert {k for k, r in enumerate(items) if overlaps(r, q)} <= near


def test_the_grid_keeps_huge_and_non_finite_rectangles_where_every_query_sees_them() -> None:
    grid: vg._RectGrid[str] = vg._RectGrid(10.0)
    grid.add((0, 0, 1e9, 1e9), "huge")
    grid.add((math.nan, 0, 1, 1), "nan")
    grid.add((5, 5, 6, 6), "small")
    assert set(grid.near((5.5, 5.5, 5.6, 5.6))) == {"huge", "nan", "small"}
    assert set(grid.near((-math.inf, 0, 0, 0))) >= {"huge", "nan", "small"}
    assert len(grid.large) == 2


class _Everything(vg._RectGrid[object]):
    """The former behaviour: every query reads every item."""

    def near(self, rect):  # type: ignore[no-untyped-def, override]
        yield from self.large
        for items in self.cells.values():
            yield from items

    def add(self, rect, item):  # type: ignore[no-untyped-def, override]
        self.large.append(item)


def test_figures_are_the_same_as_with_every_label_and_box_tested(monkeypatch) -> None:
    style = FigureStyle()
    for design in (resnet_like(160), chain_design(120)):
        analysis = Analysis(design)
        for view in ("blocks", "graph"):
            fast = build_figure(analysis, None, view, style)
            with monkeypatch.context() as m:
                m.setattr(vg, "_RectGrid", _Everything)
                slow = build_figure(analysis, None, view, style)
            assert fast == slow


def test_a_label_is_tested_against_the_outlines_near_it_not_every_one(monkeypatch) -> None:
    """The count of outline tests grows with the blocks, not with their square (before: about
    1,200 per block on this 600-layer design, 1.3 million in all)."""
    calls = 0
    real = vg._rect_meets_outline

    def counted(rect, hull):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real(rect, hull)

    monkeypatch.setattr(vg, "_rect_meets_outline", counted)
    analysis = Analysis(resnet_like(600))
    build_figure(analysis, None, "blocks", FigureStyle())
    assert calls < 40 * len(analysis.design)


def test_the_blocks_between_two_columns_of_a_lane_are_those_a_pass_over_every_block_finds() -> None:
    analysis = Analysis(resnet_like(200))
    scene = vg.build_volume_scene(analysis)
    blocks = scene.blocks
    lanes = vg._LaneIndex(blocks)
    for a in blocks[::7]:
        for b in blocks[::5]:
            if a.lane != b.lane:
                continue
            expected = {x.id for x in blocks if x.lane == a.lane and a.column < x.column < b.column}
            assert {x.id for x in lanes.between(a.lane, a.column, b.column)} == expected


def _meets_as_before(rect, hull):  # type: ignore[no-untyped-def]
    """The former test: every corner and every hull point projected on each edge's normal."""
    x0, y0, x1, y1 = rect
    if max(p[0] for p in hull) <= x0 or min(p[0] for p in hull) >= x1:
        return False
    if max(p[1] for p in hull) <= y0 or min(p[1] for p in hull) >= y1:
        return False
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    for (ax, ay), (bx, by) in zip(hull, hull[1:] + hull[:1], strict=True):
        nx, ny = by - ay, ax - bx
        poly = [nx * px + ny * py for px, py in hull]
        box = [nx * cx + ny * cy for cx, cy in corners]
        if max(box) <= min(poly) or min(box) >= max(poly):
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(coord, coord), min_size=3, max_size=8), rects)
def test_an_outline_prepared_once_meets_a_rectangle_exactly_as_before(points, rect) -> None:  # type: ignore[no-untyped-def]
    hull = vg._convex_hull(points)
    if len(hull) < 3:
        return
    assert vg._rect_meets_outline(rect, vg._outline(hull)) == _meets_as_before(rect, hull)

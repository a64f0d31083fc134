"""Edges that never cut across cards: a lane for a long edge, and a count of the edges that do.

A skip connection (ResNet's shortcut, SE's scale input, an Inception branch that ends early)
joins two cards with others between them. Drawn straight it runs through those cards; drawn
round "everything it spans" it climbs over whole bands. ``lane_route`` finds the nearest
horizontal lane (flow direction left to right; callers flip for top to bottom) that no card
blocks: the source's own row if it is free, otherwise the gap just below or above the cards in
the way, so a shortcut dips under its block and comes back up into the merge.

``edge_crossings`` measures any drawing: how many edges pass through a card that is not one of
their two ends (the canvas and the graph figure are both held to 0).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence

from designer.core.figure import Figure, Polyline, Rect

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x, y, width, height

PAD = 2.0  # an edge may touch a card's outline, not enter it


def segment_hits_box(a: Point, b: Point, box: Box, pad: float = PAD) -> bool:
    """Does the straight segment a–b enter ``box`` (shrunk by ``pad`` on every side)?"""
    x0, y0 = box[0] + pad, box[1] + pad
    x1, y1 = box[0] + box[2] - pad, box[1] + box[3] - pad
    if x1 <= x0 or y1 <= y0:
        return False
    # Liang–Barsky clipping of the segment against the open rectangle.
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            if t > t1:
                return False
            t0 = max(t0, t)
        else:
            if t < t0:
                return False
            t1 = min(t1, t)
    return t1 - t0 > 1e-9


def path_hits(points: Sequence[Point], boxes: Iterable[Box], pad: float = PAD) -> bool:
    boxes = list(boxes)
    return any(segment_hits_box(p, q, b, pad) for p, q in itertools.pairwise(points) for b in boxes)


def path_length(points: Sequence[Point]) -> float:
    return sum(math.hypot(q[0] - p[0], q[1] - p[1]) for p, q in itertools.pairwise(points))


def lane_route(
    start: Point, end: Point, boxes: Iterable[Box], clearance: float = 18.0, stub: float = 18.0
) -> list[Point] | None:
    """An orthogonal path from an output anchor ``start`` to an input anchor ``end`` (left to
    right, ``end`` at least ``2·stub`` further right) that enters none of ``boxes``.

    The path leaves ``start`` by ``stub``, moves to a horizontal lane, runs along it and comes
    back to ``end``'s height ``stub`` before it. The lane is the free height nearest to the two
    anchors, kept ``clearance`` away from the cards it passes when the gap allows (in the middle
    of a narrower gap). ``None`` when no lane is free (the caller keeps its own route).
    """
    boxes = list(boxes)
    (x0, y0), (x1, y1) = start, end
    if x1 - x0 < 2 * stub:
        return None
    xa, xb = x0 + stub, x1 - stub
    near = [b for b in boxes if b[0] < xb - PAD and b[0] + b[2] > xa + PAD]
    # Heights a horizontal run from xa to xb cannot take: each card it passes, merged.
    blocked: list[tuple[float, float]] = []
    for _, by, _, bh in sorted(near, key=lambda b: b[1]):
        lo, hi = by + PAD, by + bh - PAD
        if blocked and lo <= blocked[-1][1]:
            blocked[-1] = (blocked[-1][0], max(blocked[-1][1], hi))
        else:
            blocked.append((lo, hi))
    lows = [lo for lo, _ in blocked]
    want_lo, want_hi = min(y0, y1), max(y0, y1)
    candidates: list[float] = []
    for y in (y0, y1):
        i = bisect.bisect_right(lows, y) - 1
        if i < 0 or y >= blocked[i][1]:
            candidates.append(y)
    # The free gaps between the blocked heights (and above and below all of them).
    edges = [-math.inf, *(v for iv in blocked for v in iv), math.inf]
    for lo, hi in zip(edges[0::2], edges[1::2], strict=True):
        if hi - lo <= 0:
            continue
        inner_lo = lo + clearance if math.isfinite(lo) else -math.inf
        inner_hi = hi - clearance if math.isfinite(hi) else math.inf
        if inner_lo > inner_hi:  # a narrow gap: its middle
            inner_lo = inner_hi = (lo + hi) / 2
        candidates.append(min(max((want_lo + want_hi) / 2, inner_lo), inner_hi))
    candidates = [c for c in dict.fromkeys(candidates) if math.isfinite(c)]
    candidates.sort(key=lambda y: (abs(y - y0) + abs(y - y1), -y))  # nearest; below before above
    verticals = [b for b in boxes if b[0] < xb + PAD and b[0] + b[2] > xa - PAD]
    for y in candidates:
        points = [start, (xa, y0), (xa, y), (xb, y), (xb, y1), end]
        path = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        if not path_hits([(xa, y0), (xa, y)], verticals) and not path_hits(
            [(xb, y), (xb, y1)], verticals
        ):
            return path
    return None


def line_break_height(
    start: Point, end: Point, boxes: Iterable[Box], clearance: float = 14.0
) -> float | None:
    """The height at which an edge into a later band of a wrapped layout (``end`` below and
    left of ``start``) runs back left: in the widest free gap between the two anchors,
    ``clearance`` above its lower side. That gap is the one between the bands, so every edge
    from a fork at the end of a band into the branches starting the next band takes the
    same lane and they run as one trunk, not one line between each pair of rows.
    ``boxes``: the cards in the columns the run passes, its own two ends included.
    ``None`` when no gap is free.
    """
    y0, y1 = start[1], end[1]
    blocked: list[tuple[float, float]] = []
    for _, by, _, bh in sorted(boxes, key=lambda b: b[1]):
        lo, hi = by + PAD, by + bh - PAD
        if hi <= y0 or lo >= y1:
            continue
        if blocked and lo <= blocked[-1][1]:
            blocked[-1] = (blocked[-1][0], max(blocked[-1][1], hi))
        else:
            blocked.append((lo, hi))
    edges = [y0, *(v for iv in blocked for v in iv), y1]
    best: tuple[float, float] | None = None
    for lo, hi in zip(edges[0::2], edges[1::2], strict=True):
        if hi - lo <= 2 * PAD:
            continue
        if best is None or hi - lo >= best[1] - best[0] - 1e-6:  # widest; the lower of equals
            best = (lo, hi)
    if best is None:
        return None
    lo, hi = best
    return max(hi - clearance, (lo + hi) / 2)


class BoxGrid:
    """Cards bucketed in a grid of ``cell``-sized squares: the cards near a segment, fast."""

    def __init__(self, boxes: dict[str, Box], cell: float = 256.0) -> None:
        self.boxes = boxes
        self.cell = cell
        self.grid: dict[tuple[int, int], list[str]] = {}
        for key, (x, y, w, h) in boxes.items():
            for cx in range(int(x // cell), int((x + w) // cell) + 1):
                for cy in range(int(y // cell), int((y + h) // cell) + 1):
                    self.grid.setdefault((cx, cy), []).append(key)

    def near_rect(self, x0: float, y0: float, x1: float, y1: float) -> set[str]:
        """The cards in the cells the rectangle (x0, y0)–(x1, y1) covers (a few more, never fewer)."""
        cell = self.cell
        cx0, cx1, cy0, cy1 = int(x0 // cell), int(x1 // cell), int(y0 // cell), int(y1 // cell)
        found: set[str] = set()
        if (cx1 - cx0 + 1) * (cy1 - cy0 + 1) > len(self.grid):
            for (cx, cy), keys in self.grid.items():
                if cx0 <= cx <= cx1 and cy0 <= cy <= cy1:
                    found.update(keys)
            return found
        for cx in range(cx0, cx1 + 1):
            for cy in range(cy0, cy1 + 1):
                found.update(self.grid.get((cx, cy), ()))
        return found

    def near_segment(self, a: Point, b: Point) -> set[str]:
        cell = self.cell
        x0, x1 = sorted((a[0], b[0]))
        y0, y1 = sorted((a[1], b[1]))
        cx0, cx1, cy0, cy1 = int(x0 // cell), int(x1 // cell), int(y0 // cell), int(y1 // cell)
        found: set[str] = set()
        if (cx1 - cx0 + 1) * (cy1 - cy0 + 1) > len(self.grid):
            for (cx, cy), keys in self.grid.items():
                if cx0 <= cx <= cx1 and cy0 <= cy <= cy1:
                    found.update(keys)
            return found
        if cx0 == cx1 or cy0 == cy1:  # axis-parallel (most segments): the cells it runs through
            for cx in range(cx0, cx1 + 1):
                for cy in range(cy0, cy1 + 1):
                    found.update(self.grid.get((cx, cy), ()))
            return found
        steps = max(cx1 - cx0, cy1 - cy0) * 2 + 2  # a diagonal: the cells along it (and beside)
        for k in range(steps + 1):
            t = k / steps
            cx = int((a[0] + (b[0] - a[0]) * t) // cell)
            cy = int((a[1] + (b[1] - a[1]) * t) // cell)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    found.update(self.grid.get((cx + dx, cy + dy), ()))
        return found


def edge_crossings(
    paths: dict[tuple[str, str], Sequence[Point]], boxes: dict[str, Box]
) -> list[tuple[str, str, str]]:
    """(source, target, card) for every drawn edge that enters a card other than its two ends."""
    grid = BoxGrid(boxes)
    found: list[tuple[str, str, str]] = []
    for (src, dst), points in paths.items():
        hit: set[str] = set()
        for a, b in itertools.pairwise(points):
            for key in grid.near_segment(a, b):
                if key not in (src, dst) and key not in hit and segment_hits_box(a, b, boxes[key]):
                    hit.add(key)
        found.extend((src, dst, key) for key in sorted(hit))
    return found


def edge_edge_crossings(paths: dict[tuple[str, str], Sequence[Point]], tol: float = 0.5) -> int:
    """How many times two drawn edges cross: a horizontal run of one passing strictly through
    a vertical run of another (orthogonal paths; edges that only touch or share an end,
    like the branches of one fork, do not count).

    Horizontal runs are sorted by height, so each vertical run is compared only with the
    runs at heights it spans.
    """
    horizontal: list[tuple[float, float, float, int]] = []  # y, x0, x1, edge
    vertical: list[tuple[float, float, float, int]] = []  # x, y0, y1, edge
    for n, points in enumerate(paths.values()):
        for a, b in itertools.pairwise(points):
            if abs(a[1] - b[1]) <= tol and abs(a[0] - b[0]) > tol:
                horizontal.append((a[1], min(a[0], b[0]), max(a[0], b[0]), n))
            elif abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) > tol:
                vertical.append((a[0], min(a[1], b[1]), max(a[1], b[1]), n))
    horizontal.sort()
    heights = [h[0] for h in horizontal]
    count = 0
    for x, y0, y1, n in vertical:
        lo = bisect.bisect_right(heights, y0 + tol)
        hi = bisect.bisect_left(heights, y1 - tol)
        for _y, x0, x1, m in horizontal[lo:hi]:
            if m != n and x0 + tol < x < x1 - tol:
                count += 1
    return count


def figure_geometry(figure: Figure) -> tuple[dict[tuple[str, str], list[Point]], dict[str, Box]]:
    """The edges (source: the card where the path starts) and the cards of a graph figure."""
    boxes: dict[str, Box] = {}
    for g in figure.groups:
        for p in g.items:
            if isinstance(p, Rect) and p.role == "card":
                boxes[g.id] = (p.x, p.y, p.width, p.height)
    starts = {(round(x + w, 3), round(y + h / 2, 3)): k for k, (x, y, w, h) in boxes.items()}
    starts.update({(round(x + w / 2, 3), round(y + h, 3)): k for k, (x, y, w, h) in boxes.items()})
    paths: dict[tuple[str, str], list[Point]] = {}
    for g in figure.groups:
        for p in g.items:
            if isinstance(p, Polyline) and p.role == "edge":
                src = starts.get((round(p.points[0][0], 3), round(p.points[0][1], 3)), "?")
                paths[(src, g.id)] = list(p.points)
    return paths, boxes

"""Automatic layered layout of a design (positions for the canvas and the graph figure).

Layers are placed in columns by their longest distance from an input (so a merge
always sits right of all its branches); within a column each layer wants the row
of its first input, which keeps the main path on one straight line and puts side
branches (shortcuts, skip connections) on rows of their own below it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from designer.core.design import Design

Direction = Literal["LR", "TB"]

CARD_WIDTH = 180.0
CARD_HEIGHT = 92.0
COLUMN_GAP = 56.0
ROW_GAP = 36.0
BAND_GAP_ROWS = 0.5  # extra space between wrapped bands, in rows


def layer_ranks(design: Design) -> dict[str, int]:
    """Longest-path column of every layer; layers on cycles go right of everything else."""
    return graph_ranks(design.ids, {layer.id: layer.sources for layer in design})


def graph_ranks(ids: list[str], inputs: dict[str, list[str]]) -> dict[str, int]:
    """``layer_ranks`` of any graph given as node ids (in order) and their inputs."""
    present = set(ids)
    preds = {lid: [i for i in dict.fromkeys(inputs.get(lid, [])) if i in present] for lid in ids}
    succs: dict[str, list[str]] = {i: [] for i in ids}
    indeg = {i: len(p) for i, p in preds.items()}
    for lid, ps in preds.items():
        for p in ps:
            succs[p].append(lid)
    rank: dict[str, int] = {}
    ready = [i for i in ids if indeg[i] == 0]
    while ready:
        nxt = []
        for lid in ready:
            rank[lid] = max((rank[p] + 1 for p in preds[lid]), default=0)
            for s in succs[lid]:
                indeg[s] -= 1
                if indeg[s] == 0:
                    nxt.append(s)
        ready = nxt
    last = max(rank.values(), default=-1) + 1
    for lid in ids:  # on a cycle
        rank.setdefault(lid, last)
    return rank


def wrap_width(columns: int) -> int | None:
    """Columns per band for a left-to-right layout of ``columns`` columns (``None``: no wrap).

    Long chains wrap like lines of text, so a whole network fits a window (about 3:2)
    at a readable zoom: ``√(1.2·columns)`` columns per band, at least 6
    (AlexNet: 25 columns → 5 bands of 6; ResNet-50: 168 → 12 bands of 14).
    """
    if columns <= 8:
        return None
    return max(6, round(math.sqrt(columns * 1.2)))


def auto_layout(
    design: Design,
    direction: Direction = "LR",
    only: Iterable[str] | None = None,
    wrap: int | Literal["auto"] | None = "auto",
) -> dict[str, tuple[float, float]]:
    """Top-left position of every layer's card (or only of the layers in ``only``).

    Left to right, long designs wrap into bands of ``wrap`` columns (see ``wrap_width``).
    With ``only``, the other layers keep their stored positions and the new ones are
    placed by the same rules, below anything that would overlap.
    """
    positions = graph_layout(
        design.ids, {layer.id: layer.sources for layer in design}, direction, wrap
    )
    if only is None:
        return positions
    step_x = CARD_WIDTH + COLUMN_GAP
    step_y = CARD_HEIGHT + ROW_GAP
    if direction == "TB":
        step_x, step_y = CARD_WIDTH + COLUMN_GAP, CARD_HEIGHT + ROW_GAP + 8
    wanted_ids = set(only)
    placed = _Occupied(pos for lid, pos in design.layout.items() if lid not in wanted_ids)
    result: dict[str, tuple[float, float]] = {}
    for lid in design.ids:
        if lid not in wanted_ids:
            continue
        x, y = positions[lid]
        while placed.overlaps((x, y)):
            y += step_y if direction == "LR" else 0
            x += step_x if direction == "TB" else 0
        result[lid] = (x, y)
        placed.add((x, y))
    return result


def graph_layout(
    ids: list[str],
    inputs: dict[str, list[str]],
    direction: Direction = "LR",
    wrap: int | Literal["auto"] | None = "auto",
) -> dict[str, tuple[float, float]]:
    """``auto_layout`` of any graph (node ids in order, their inputs): the canvas lays out
    a design with collapsed groups this way, one card per visible node."""
    ranks = graph_ranks(ids, inputs)
    present = set(ids)
    columns: dict[int, list[str]] = {}
    for lid in ids:
        columns.setdefault(ranks[lid], []).append(lid)
    row: dict[str, float] = {}
    for col in sorted(columns):
        wanted: list[tuple[float, int, str]] = []
        for n, lid in enumerate(columns[col]):
            first = next((i for i in inputs.get(lid, []) if i in present and i in row), None)
            wanted.append((row[first] if first is not None else 0.0, n, lid))
        # Layers that share a wish keep design order; each takes the first free row at or below it.
        # Wishes are whole rows taken in increasing order, so that row is the wish or the row
        # after the last one taken (linear, however many layers share a column).
        wanted.sort()
        last = -math.inf
        for want, _, lid in wanted:
            r = want if want >= last + 1.0 else last + 1.0
            last = r
            row[lid] = r
    step_x = CARD_WIDTH + COLUMN_GAP
    step_y = CARD_HEIGHT + ROW_GAP
    if direction == "TB":
        step_x, step_y = CARD_WIDTH + COLUMN_GAP, CARD_HEIGHT + ROW_GAP + 8
    n_columns = max(ranks.values(), default=-1) + 1
    per_band = wrap_width(n_columns) if wrap == "auto" else wrap
    if direction != "LR" or not per_band or per_band >= n_columns:
        per_band = max(n_columns, 1)
    band_rows: dict[int, float] = {}
    for lid in ids:
        band = ranks[lid] // per_band
        band_rows[band] = max(band_rows.get(band, 0.0), row[lid] + 1.0)
    band_top: dict[int, float] = {}
    top = 0.0
    for band in sorted(band_rows):
        band_top[band] = top
        top += band_rows[band] + BAND_GAP_ROWS
    positions: dict[str, tuple[float, float]] = {}
    for lid in ids:
        if direction == "LR":
            band = ranks[lid] // per_band
            positions[lid] = (
                (ranks[lid] % per_band) * step_x,
                (band_top[band] + row[lid]) * step_y,
            )
        else:
            positions[lid] = (row[lid] * step_x, ranks[lid] * step_y)
    return positions


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < CARD_WIDTH and abs(a[1] - b[1]) < CARD_HEIGHT


class _Occupied:
    """Card positions in a grid of card-sized cells: does a card at ``p`` overlap one of them?

    A card can only overlap cards in its own cell or the eight around it, so each test
    looks at a few cards, not all of them.
    """

    def __init__(self, positions: Iterable[tuple[float, float]] = ()) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for p in positions:
            self.add(p)

    def _cell(self, p: tuple[float, float]) -> tuple[int, int]:
        return math.floor(p[0] / CARD_WIDTH), math.floor(p[1] / CARD_HEIGHT)

    def add(self, p: tuple[float, float]) -> None:
        self.cells.setdefault(self._cell(p), []).append(p)

    def overlaps(self, p: tuple[float, float]) -> bool:
        cx, cy = self._cell(p)
        return any(
            _overlap(p, q)
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for q in self.cells.get((cx + dx, cy + dy), ())
        )

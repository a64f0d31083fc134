"""Automatic layered layout of a design (positions for the canvas and the graph figure).

A layered (Sugiyama-style) layout. Layers are placed in columns by their longest
distance from an input (so a merge always sits right of all its branches); within a
column each layer wants the row of its main input, which keeps the main path on one
straight line and stacks the branches of a fork side by side below it; a long edge
keeps its row free through the columns it passes, so skip connections and short
branches run straight into their merge; squeeze-and-excitation gates sit on a row of
their own below the block they scale. Long chains wrap into bands like lines of text,
broken where the fewest edges cross (between blocks, not through them).
"""

from __future__ import annotations

import itertools
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
        design.ids,
        {layer.id: layer.sources for layer in design},
        direction,
        wrap,
        side_branches(design),
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
    side: Iterable[str] = (),
) -> dict[str, tuple[float, float]]:
    """``auto_layout`` of any graph (node ids in order, their inputs): the canvas lays out
    a design with collapsed groups this way, one card per visible node.

    A layered layout: columns by longest path (``graph_ranks``), rows by ``layer_rows``
    (the main path straight, the branches of a fork side by side below it, a long edge
    keeping its row free), and long chains wrapped into bands at the places where the
    fewest edges cross (``band_breaks``: between blocks, never through an Inception
    module or across a shortcut when a break nearby avoids it). ``side``: nodes of side
    branches (the squeeze-and-excitation gates ``side_branches`` finds), drawn below
    the path they gate rather than on it.
    """
    ranks = graph_ranks(ids, inputs)
    side = set(side)
    row = layer_rows(ids, inputs, ranks, side)
    step_x = CARD_WIDTH + COLUMN_GAP
    step_y = CARD_HEIGHT + ROW_GAP
    if direction == "TB":
        step_x, step_y = CARD_WIDTH + COLUMN_GAP, CARD_HEIGHT + ROW_GAP + 8
    n_columns = max(ranks.values(), default=-1) + 1
    per_band = wrap_width(n_columns) if wrap == "auto" else wrap
    if direction == "LR" and per_band:
        skips = encoder_decoder(ids, inputs, ranks, side)
        u = _u_best(ids, ranks, skips, per_band, wrap == "auto", step_x, step_y) if skips else None
        if u is not None:
            return {lid: u[lid] for lid in ids}
    if direction != "LR" or not per_band or per_band >= n_columns:
        starts = [0]
    elif wrap == "auto" and n_columns <= AUTO_WRAP_SEARCH:
        starts = _auto_bands(ids, inputs, ranks, row, per_band)
    else:
        starts = band_breaks(ids, inputs, ranks, per_band)
    band_of_rank = _band_of_rank(starts, n_columns)
    band_rows: dict[int, float] = {}
    for lid in ids:
        band = band_of_rank[ranks[lid]] if band_of_rank else 0
        band_rows[band] = max(band_rows.get(band, 0.0), row[lid] + 1.0)
    band_top: dict[int, float] = {}
    top = 0.0
    for band in sorted(band_rows):
        band_top[band] = top
        top += band_rows[band] + BAND_GAP_ROWS
    positions: dict[str, tuple[float, float]] = {}
    for lid in ids:
        if direction == "LR":
            band = band_of_rank[ranks[lid]] if band_of_rank else 0
            positions[lid] = (
                (ranks[lid] - starts[band]) * step_x,
                (band_top[band] + row[lid]) * step_y,
            )
        else:
            positions[lid] = (row[lid] * step_x, ranks[lid] * step_y)
    return positions


#: Up to this many columns, ``wrap="auto"`` tries several band widths for the best aspect.
AUTO_WRAP_SEARCH = 2000
#: The aspect (width / height) an automatic layout aims at: a window or a slide, about 3:2.
AUTO_ASPECT = 1.5


def _band_of_rank(starts: list[int], n_columns: int) -> list[int]:
    band_of_rank: list[int] = []
    for b, first in enumerate(starts):
        last = starts[b + 1] if b + 1 < len(starts) else n_columns
        band_of_rank.extend([b] * (last - first))
    return band_of_rank


def _auto_bands(
    ids: list[str],
    inputs: dict[str, list[str]],
    ranks: dict[str, int],
    row: dict[str, float],
    aim: int,
) -> list[int]:
    """Band starts for ``wrap="auto"``: of the band widths from ``aim`` (``wrap_width``, right
    for a chain) to three times it, the one whose drawing comes closest to ``AUTO_ASPECT``
    while cutting the fewest blocks. Networks whose blocks are several rows tall
    (Inception modules) get wider bands; blocks wider than ``aim`` stay whole."""
    n_columns = max(ranks.values(), default=-1) + 1
    rows_of_rank = [0.0] * n_columns
    for lid in ids:
        rows_of_rank[ranks[lid]] = max(rows_of_rank[ranks[lid]], row[lid] + 1.0)
    step_x = CARD_WIDTH + COLUMN_GAP
    step_y = CARD_HEIGHT + ROW_GAP
    best: tuple[float, list[int]] | None = None
    tried: set[tuple[int, ...]] = set()
    for factor in (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0):
        per_band = round(aim * factor)
        if per_band >= n_columns:
            starts, cost = [0], 0.0
        else:
            starts, cost = _band_breaks(ids, inputs, ranks, per_band)
        if tuple(starts) in tried:
            continue
        tried.add(tuple(starts))
        ends = [*starts[1:], n_columns]
        width = max(e - s for s, e in zip(starts, ends, strict=True)) * step_x - COLUMN_GAP
        height = (
            sum(max(rows_of_rank[s:e]) + BAND_GAP_ROWS for s, e in zip(starts, ends, strict=True))
            - BAND_GAP_ROWS
        ) * step_y - ROW_GAP
        # The average cost of a break counts too: a cut shortcut (4.5) weighs as much as a
        # figure e^0.675 ≈ 2 times too wide, so blocks stay whole unless that is far worse.
        breaks = max(len(starts) - 1, 1)
        miss = abs(math.log(width / height / AUTO_ASPECT)) + 0.15 * cost / breaks
        if best is None or miss < best[0] - 1e-9:
            best = (miss, starts)
        if per_band >= n_columns:
            break
    assert best is not None
    return best[1]


def layer_rows(
    ids: list[str], inputs: dict[str, list[str]], ranks: dict[str, int], side: set[str]
) -> dict[str, float]:
    """The row of every node within its column (0: the main path).

    Column by column, each node wants the row of its main input (its first input whose
    path it continues: not a U-Net skip connection that also feeds the next column, not a
    side branch), so the main path runs straight and a fork's branches stack
    below it side by side, in design order; a node on a side branch wants the row below
    its input. Nodes sharing a wish keep design order and each takes the first free row
    at or below it. A long edge into a node that will want its source's row keeps that
    row free in the columns it passes (the dummy nodes of a layered layout), so an
    Inception branch that ends early runs straight into its concatenation and the main
    path of a squeeze-and-excitation block runs straight past the gate below it.
    """
    present = set(ids)
    columns: dict[int, list[str]] = {}
    for lid in ids:
        columns.setdefault(ranks[lid], []).append(lid)
    # The path a node continues: of its consumers (not on a side branch), the nearest column.
    continues: dict[str, str] = {}
    for lid in ids:
        if lid in side:
            continue
        for source in inputs.get(lid, []):
            if source in present and source != lid:
                old = continues.get(source)
                if old is None or ranks[lid] < ranks[old]:
                    continues[source] = lid
    main_input: dict[str, str | None] = {}
    for lid in ids:
        srcs = [i for i in inputs.get(lid, []) if i in present and i != lid]
        plain = [i for i in srcs if i not in side]
        main_input[lid] = next(
            (i for i in plain if continues.get(i) == lid),
            plain[0] if plain else (srcs[0] if srcs else None),
        )
    long_from: dict[str, list[int]] = {}  # source -> the ranks of the targets it keeps a row to
    for lid in ids:
        src = main_input[lid]
        if src is not None and ranks[lid] - ranks[src] > 1 and lid not in side:
            long_from.setdefault(src, []).append(ranks[lid])
    reserved: dict[int, set[float]] = {}
    row: dict[str, float] = {}
    for col in sorted(columns):
        wanted: list[tuple[float, int, str]] = []
        for n, lid in enumerate(columns[col]):
            src = main_input[lid]
            want = row[src] if src is not None and src in row else 0.0
            if lid in side and src is not None and src not in side:
                want += 1.0
            wanted.append((want, n, lid))
        wanted.sort()
        taken = reserved.pop(col, set())
        last = -math.inf
        for want, _, lid in wanted:
            r = want if want >= last + 1.0 else last + 1.0
            while r in taken:
                r += 1.0
            last = r
            row[lid] = r
        for lid in columns[col]:
            for target_rank in long_from.get(lid, ()):
                for c in range(col + 1, target_rank):
                    reserved.setdefault(c, set()).add(row[lid])
    return row


def band_breaks(
    ids: list[str], inputs: dict[str, list[str]], ranks: dict[str, int], per_band: int
) -> list[int]:
    """The first column of every band (see ``_band_breaks``)."""
    return _band_breaks(ids, inputs, ranks, per_band)[0]


def _band_breaks(
    ids: list[str], inputs: dict[str, list[str]], ranks: dict[str, int], per_band: int
) -> tuple[list[int], float]:
    """The first column of every band when ``per_band`` columns a band is the aim.

    A break between two columns costs the edges that cross it: one edge (the line break
    of a chain, after a ResNet block's last layer) is free; a fork at the end of a band
    costs a little for each branch; parallel branches cut in two cost more; a long edge
    (a shortcut, an Inception branch that ends early) cut in two costs most. Bands are half to all of ``per_band`` wide; among those,
    dynamic programming picks the breaks that cost least, then the widths nearest the
    aim. Also returns the cost of the breaks chosen.
    """
    n = max(ranks.values(), default=-1) + 1
    present = set(ids)
    # Before column c: edges from a column < c to a column >= c, their distinct sources, and
    # the long ones among them (spanning more than one column).
    spans = [0] * (n + 2)
    source_spans = [0] * (n + 2)
    long_spans = [0] * (n + 2)
    reach: dict[str, int] = {}
    for lid in ids:
        for src in dict.fromkeys(inputs.get(lid, [])):
            if src not in present:
                continue
            a, b = ranks[src], ranks[lid]
            if b <= a:
                continue
            spans[a + 1] += 1
            spans[b + 1] -= 1
            reach[src] = max(reach.get(src, b), b)
            if b - a > 1:
                long_spans[a + 1] += 1
                long_spans[b + 1] -= 1
    for src, b in reach.items():
        source_spans[ranks[src] + 1] += 1
        source_spans[b + 1] -= 1
    crossing = list(itertools.accumulate(spans))
    sources = list(itertools.accumulate(source_spans))
    long_cross = list(itertools.accumulate(long_spans))
    hi = max(per_band, 1)  # never wider than asked: the canvas fits bands to its window
    lo = min(hi, max(2, math.floor(per_band * 0.5)))
    inf = (math.inf, math.inf)
    best: list[tuple[float, float]] = [inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = (0.0, 0.0)
    for j in range(1, n + 1):
        cost = 0.0
        if j < n:
            cost = (
                2.0 * max(sources[j] - 1, 0)
                + 0.5 * (crossing[j] - sources[j])
                + 4.0 * long_cross[j]
            )
        last = j == n  # the last band may be narrower than ``lo``, and end early for free
        best_cost, best_dev, best_i = math.inf, math.inf, 0
        for i in range(max(0, j - hi), j if last else max(0, j - lo + 1)):
            c, dv = best[i]
            if c > best_cost:
                continue
            width = j - i
            dev = 0.0 if last and lo <= width <= per_band else ((width - per_band) / per_band) ** 2
            if c < best_cost or dv + dev < best_dev:
                best_cost, best_dev, best_i = c, dv + dev, i
        if best_cost < math.inf:
            best[j] = (best_cost + cost, best_dev)
            back[j] = best_i
    if best[n][0] == math.inf:  # cannot happen with lo <= hi, but never lose a layout over it
        return list(range(0, n, per_band)), math.inf
    starts: list[int] = []
    j = n
    while j > 0:
        j = back[j]
        starts.append(j)
    return sorted(starts), best[n][0]


def side_branches(design: Design) -> set[str]:
    """The layers of squeeze-and-excitation gates: a chain from a fork to a sigmoid that
    scales (``Mul``) the fork's output. ``graph_layout`` draws them below the block they
    gate, so the block's own path stays on its row."""
    consumers: dict[str, int] = {}
    for layer in design:
        for src in dict.fromkeys(layer.sources):
            consumers[src] = consumers.get(src, 0) + 1
    side: set[str] = set()
    for layer in design:
        if layer.type != "Mul" or len(layer.sources) < 2:
            continue
        for src in layer.sources:
            if src not in design or design.layer(src).type not in GATES:
                continue
            chain: list[str] = []
            node = src
            while node in design and node not in side:
                here = design.layer(node)
                if consumers.get(node, 0) != 1 or len(here.sources) != 1:
                    break
                chain.append(node)
                node = here.sources[0]
                if len(chain) > 16:  # not a gate: a whole path
                    chain = []
                    break
            others = [s for s in layer.sources if s != src]
            if chain and node in others:  # the chain starts at the tensor it scales
                side.update(chain)
    return side


#: Activations whose output gates (multiplies) a tensor: the end of an SE branch.
GATES = frozenset({"Sigmoid", "Hardsigmoid"})


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


# ------------------------------------------------------------------ encoder–decoder (U)


def encoder_decoder(
    ids: list[str], inputs: dict[str, list[str]], ranks: dict[str, int], side: Iterable[str] = ()
) -> list[tuple[str, str]] | None:
    """The skip connections of an encoder–decoder (U-Net), outermost first, or ``None``.

    Structural: the graph is one path (every column holds one node) plus at least two
    long edges ("skips"), each into a merge whose other input is the node just before
    it, and the skips are strictly nested: encoder level k's skip leaves after level
    k-1's and arrives before it (``s1 < s2 < … < sL < mL < … < m1`` along the path).
    Residual chains (shortcuts one after another), Inception modules (several branches
    from one fork) and squeeze-and-excitation gates (``side``) are not.
    """
    n_columns = max(ranks.values(), default=-1) + 1
    if n_columns != len(ids) or len(ids) < 5 or set(side) & set(ids):
        return None
    present = set(ids)
    skips: list[tuple[str, str]] = []
    for lid in ids:
        srcs = [s for s in dict.fromkeys(inputs.get(lid, [])) if s in present and s != lid]
        longs = [s for s in srcs if ranks[lid] - ranks[s] > 1]
        if not longs:
            continue
        if len(srcs) != 2 or len(longs) != 1:
            return None
        skips.append((longs[0], lid))
    if len(skips) < 2:
        return None
    skips.sort(key=lambda e: ranks[e[0]])
    for (s1, m1), (s2, m2) in itertools.pairwise(skips):
        if not ranks[s1] < ranks[s2] < ranks[m2] < ranks[m1]:
            return None
    return skips


def u_layout(
    ids: list[str], inputs: dict[str, list[str]], columns: int, side: Iterable[str] = ()
) -> dict[str, tuple[float, float]] | None:
    """The U of an encoder–decoder (see ``encoder_decoder``) at most ``columns`` wide, left to
    right, or ``None`` when the graph is not one or a half would be narrower than two cards:
    what ``graph_layout`` draws for it. The graph figure, which picks its band width for
    the best fit on a slide, picks among these when there are any."""
    ranks = graph_ranks(ids, inputs)
    skips = encoder_decoder(ids, inputs, ranks, side)
    if not skips:
        return None
    pos = _u_layout(ids, ranks, skips, columns, CARD_WIDTH + COLUMN_GAP, CARD_HEIGHT + ROW_GAP)
    return None if pos is None else {lid: pos[lid] for lid in ids}


def _u_best(
    ids: list[str],
    ranks: dict[str, int],
    skips: list[tuple[str, str]],
    per_band: int,
    auto: bool,
    step_x: float,
    step_y: float,
) -> dict[str, tuple[float, float]] | None:
    """``_u_layout`` ``per_band`` columns wide, or with ``auto`` the width from ``per_band``
    to three times it (as ``_auto_bands`` allows) whose aspect is nearest ``AUTO_ASPECT``."""
    if not auto:
        return _u_layout(ids, ranks, skips, per_band, step_x, step_y)
    best: tuple[float, dict[str, tuple[float, float]]] | None = None
    for columns in range(per_band, 3 * per_band + 1):
        pos = _u_layout(ids, ranks, skips, columns, step_x, step_y)
        if pos is None:
            continue
        w = max(x for x, _ in pos.values()) + CARD_WIDTH
        h = max(y for _, y in pos.values()) + CARD_HEIGHT
        miss = abs(math.log(w / h / AUTO_ASPECT))
        if best is None or miss < best[0] - 1e-9:
            best = (miss, pos)
    return best[1] if best else None


def _u_layout(
    ids: list[str],
    ranks: dict[str, int],
    skips: list[tuple[str, str]],
    max_columns: int,
    step_x: float,
    step_y: float,
) -> dict[str, tuple[float, float]] | None:
    """Positions of an encoder–decoder drawn as a U at most ``max_columns`` wide, or
    ``None`` when a half would be narrower than two cards.

    When every layer can have a column of its own, the paper's V: level k's encoder and
    decoder on row k, the bottleneck on the row below the deepest level, so the encoder
    steps down, the decoder steps up and each skip runs straight across its row.
    Otherwise the U is folded: level k is a band of rows: its encoder on the left half, read downwards and
    right-aligned so that it ends against the middle; its decoder on the right half,
    left-aligned just right of the middle and read upwards, starting on the encoder's
    last row. So every skip edge is one straight gap long, the encoder descends, the
    decoder ascends and each up-sampling edge climbs one band gap; the bottleneck is
    in the band below the deepest level. A level longer than its half wraps
    inside the level (rows of the half's width).
    """
    by_rank = sorted(ids, key=lambda lid: ranks[lid])
    s = [ranks[a] for a, _ in skips]
    m = [ranks[b] for _, b in skips]
    levels = len(skips)
    enc = [by_rank[(s[k - 1] + 1 if k else 0) : s[k] + 1] for k in range(levels)]
    dec = [by_rank[m[k] : (m[k - 1] if k else len(by_rank))] for k in range(levels)]
    bottom = by_rank[s[-1] + 1 : m[-1]]
    if len(by_rank) <= max_columns:  # room for the paper's V: a column per layer, a row per level
        level_rows = [
            *((row, k) for k, row in enumerate(enc)),
            *((row, k) for k, row in enumerate(dec)),
        ]
        level_rows.append((bottom, levels))
        return {lid: (ranks[lid] * step_x, k * step_y) for row, k in level_rows for lid in row}
    left = min(max(len(row) for row in enc), max_columns // 2)
    right = min(max(len(row) for row in dec), max_columns - left)
    if left < 2 or right < 2:  # a half one card wide is a column, no U: the chain reads better
        return None
    width = left + right
    row_step = (1.0 + BAND_GAP_ROWS) * step_y  # room between rows for the edges that go back
    positions: dict[str, tuple[float, float]] = {}
    top = 0
    for k in range(levels):
        e_rows = -(-len(enc[k]) // left)
        d_rows = -(-len(dec[k]) // right)
        skip_row = top + max(e_rows, d_rows) - 1
        first = len(enc[k]) - (e_rows - 1) * left  # the encoder's first row may be short
        for j, lid in enumerate(enc[k]):
            r, c = (0, left - first + j) if j < first else divmod(j - first, left)
            if j >= first:
                r += 1
            positions[lid] = (c * step_x, (skip_row - e_rows + 1 + r) * row_step)
        for j, lid in enumerate(dec[k]):
            r, c = divmod(j, right)
            positions[lid] = ((left + c) * step_x, (skip_row - r) * row_step)
        top = skip_row + 1
    per_row = min(width, max(len(bottom), 1))
    # Under the encoder's end when it fits there, so that it feeds the decoder forwards.
    start = max(0, left - per_row)
    for j, lid in enumerate(bottom):
        r, c = divmod(j, per_row)
        positions[lid] = ((start + c) * step_x, (top + r) * row_step)
    return positions

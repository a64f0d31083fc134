"""Figures of a design with collapsed groups, sized for a slide, with labels that never overlap.

A collapsed group is drawn as one volume (blocks view) or one card (graph view) labelled
with the block's name, its output size and ``×N`` for identical repeated blocks. Which
groups are collapsed is a *level* (``collapsed_for_level``); ``auto`` picks the deepest
level whose figure, scaled to fit a 1920×1080 slide, keeps every label at least 8 px.

``place_labels`` is the last pass of every exported figure: it keeps the labels in order
of importance (sizes first, then names, then kernel notes) and drops any label whose box
would overlap one already kept, so no two labels of a figure ever overlap.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import TYPE_CHECKING, Any, Literal, cast

from designer.core.analysis import Analysis, LayerInfo
from designer.core.design import Layer
from designer.core.figure import (
    MUTED_INK,
    Figure,
    FigureStyle,
    Group,
    Polyline,
    Primitive,
    Rect,
    Text,
    category_of,
    color_of,
    finish_figure,
    primitive_bounds,
    shade,
)
from designer.core.groups import (
    GroupIndex,
    GroupSummary,
    Node,
    VisibleGraph,
    collapsed_for_level,
    consumers_of,
    repeat_runs,
    summarize,
    visible_graph,
)
from designer.core.layer_table import LayerRow, layer_row
from designer.core.layout import (
    CARD_HEIGHT,
    CARD_WIDTH,
    Direction,
    graph_layout,
    side_branches,
    u_layout,
)
from designer.core.registry import CATEGORIES
from designer.core.shape_rules import fmt_shape

if TYPE_CHECKING:
    from designer.core.volume_geometry import BlockOptions, Camera, VolumeScene

SLIDE = (1920.0, 1080.0)
MIN_LABEL_PX = 8.0
#: A level, "none", "auto", or exactly these groups collapsed (what the canvas shows).
Collapse = int | Literal["auto", "none"] | frozenset[str]
#: What ``build_figure`` draws: a level, ``None`` (every layer) or a set of collapsed groups.
Level = int | frozenset[str] | None
#: Labels kept first when two would overlap (lower first).
LABEL_PRIORITY = {"dims": 0, "name": 1, "type": 2, "kernel-label": 3, "legend": 0}


# ----------------------------------------------------------- label placement


def _label_box(t: Text) -> tuple[float, float, float, float]:
    x0, _, x1, _ = primitive_bounds(t)
    return (
        x0,
        t.y - t.size,
        x1,
        t.y,
    )  # the em box above the baseline, as a slide checker measures it


def place_labels(figure: Figure) -> Figure:
    """Drop every label that would overlap a label of higher priority (never two overlapping)."""
    texts: list[tuple[int, int, int, Text]] = []
    for gi, group in enumerate(figure.groups):
        for pi, p in enumerate(group.items):
            if isinstance(p, Text):
                texts.append((LABEL_PRIORITY.get(p.role, 2), gi, pi, p))
    # Kept boxes in a grid of cells, so each label is tested against its neighbours only
    # (a 10,000-layer figure has 30,000 labels: testing each against all was quadratic).
    cell = 256.0
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    drop: set[tuple[int, int]] = set()

    def cells(box: tuple[float, float, float, float]) -> list[tuple[int, int]]:
        cx0, cx1 = math.floor(box[0] / cell), math.floor(box[2] / cell)
        cy0, cy1 = math.floor(box[1] / cell), math.floor(box[3] / cell)
        if (cx1 - cx0 + 1) * (
            cy1 - cy0 + 1
        ) > 64:  # a huge label: one shared cell, always looked at
            return [(-(2**62), 0)]
        return [(cx, cy) for cx in range(cx0, cx1 + 1) for cy in range(cy0, cy1 + 1)]

    huge = grid.setdefault((-(2**62), 0), [])
    for _, gi, pi, t in sorted(texts, key=lambda e: (e[0], e[1], e[2])):
        a = _label_box(t)
        where = cells(a)
        if where[0][0] == -(2**62):  # a huge label is compared with every kept one
            near = [b for boxes in grid.values() for b in boxes]
        else:
            near = [b for c in where for b in grid.get(c, ())] + huge
        if any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for b in near):
            drop.add((gi, pi))
            continue
        for c in cells(a):
            grid.setdefault(c, []).append(a)
    if drop:
        for gi, group in enumerate(figure.groups):
            group.items = [p for pi, p in enumerate(group.items) if (gi, pi) not in drop]
    return figure


def label_overlaps(figure: Figure) -> int:
    """Pairs of overlapping labels (what ``place_labels`` makes 0)."""
    boxes = [_label_box(p) for p in figure.primitives() if isinstance(p, Text)]
    n = 0
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                n += 1
    return n


def smallest_label_on_slide(figure: Figure, slide: tuple[float, float] = SLIDE) -> float:
    """The smallest label's size in pixels when the figure is scaled to fit ``slide``."""
    sizes = [p.size for p in figure.primitives() if isinstance(p, Text)]
    if not sizes:
        return math.inf
    scale = min(slide[0] / figure.width, slide[1] / figure.height)
    return min(sizes) * scale


# ------------------------------------------------------------- collapsed graph


class _NodeGraph:
    """What the figure builders read from a design, for the nodes of a collapsed view."""

    def __init__(self, name: str, layers: list[Layer]) -> None:
        self.name = name
        self._layers = {layer.id: layer for layer in layers}
        self.layout: dict[str, tuple[float, float]] = {}

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self._layers

    def __iter__(self) -> Any:
        return iter(self._layers.values())

    @property
    def ids(self) -> list[str]:
        return list(self._layers)

    def layer(self, layer_id: str) -> Layer:
        return self._layers[layer_id]


@dataclass
class CollapsedView:
    """An analysis-like view (``design``, ``info``, ``order``) of the visible nodes."""

    design: _NodeGraph
    info: dict[str, LayerInfo]
    order: list[str]
    nodes: dict[str, Node]
    main_type: dict[str, str]  # group node -> the type that does most of its work
    labels: dict[str, str]  # group node -> its label on the figure
    node_of: Mapping[str, str] = field(default_factory=dict)  # layer id -> its visible node


class _BlockOf(Mapping[str, str]):
    """Layer id (or visible node id) -> the volume drawing it in a collapsed 3D scene: the
    node's volume, looked up when asked (a dictionary of every layer made per rebuild was a
    pass over 10,000 layers per edit of a grouped design)."""

    __slots__ = ("_block_of_node", "_node_of")

    def __init__(self, node_of: Mapping[str, str], block_of_node: Mapping[str, str]) -> None:
        self._node_of = node_of  # every layer -> its node
        self._block_of_node = block_of_node  # every node -> its volume

    def __getitem__(self, key: str) -> str:
        node = self._node_of.get(key)
        return self._block_of_node[key if node is None else node]

    def __iter__(self) -> Iterator[str]:
        yield from self._node_of
        for node in self._block_of_node:
            if node not in self._node_of:  # a group's node (a layer's has the layer's id)
                yield node

    def __len__(self) -> int:
        return len(self._node_of) + sum(1 for n in self._block_of_node if n not in self._node_of)

    def __contains__(self, key: object) -> bool:
        return key in self._node_of or key in self._block_of_node


#: A group node's totals, as ``summarize`` gives them (a caller may pass a cached lookup).
SummaryOf = Callable[[Node], GroupSummary]
InfoOf = Callable[[str], LayerInfo | None]


def _graph_and_summary(
    analysis: Analysis,
    collapsed: AbstractSet[str],
    graph: VisibleGraph | None,
    summary: SummaryOf | None,
) -> tuple[VisibleGraph, SummaryOf]:
    """The caller's cached visible graph and node totals, or ones computed here."""
    design = analysis.design
    if graph is None:
        index = GroupIndex(design)
        graph = visible_graph(design, index, collapsed, runs=repeat_runs(design, index))
    if summary is None:
        consumers = consumers_of(design)

        def summary(node: Node) -> GroupSummary:
            return summarize(design, analysis, node.layers, consumers)

    return graph, summary


def main_type(analysis: Analysis, node: Node) -> str:
    """The layer type a block is drawn as: the one with the most MACs (plus one per layer)."""
    # Read as stored, which brings no receptive field up to date (``Analysis.stored``; a
    # window of an analysis has only ``info``).
    read = analysis.stored if isinstance(analysis, Analysis) else analysis.info.get
    design = analysis.design
    weight: Counter[str] = Counter()
    for lid in node.layers:
        li = read(lid)
        weight[design.layer(lid).type] += (li.macs if li else 0) + 1
    return weight.most_common(1)[0][0] if weight else "Identity"


def collapsed_view(
    analysis: Analysis,
    collapsed: AbstractSet[str],
    *,
    graph: VisibleGraph | None = None,
    summary: SummaryOf | None = None,
    info_of: InfoOf | None = None,
    main_of: Callable[[Node], str] | None = None,
) -> CollapsedView:
    """``graph`` (the ``visible_graph`` of ``collapsed``), ``summary`` (a node's totals) and
    ``info_of`` (a layer's information, as ``analysis.info.get`` gives it) and ``main_of`` (a
    block's main layer type, ``main_type``) may come from a caller's cache (the GUI's, which keeps them between edits and finds fields left out of
    date without bringing thousands up to date); by default they are computed here."""
    design = analysis.design
    graph, summary = _graph_and_summary(analysis, collapsed, graph, summary)

    get = analysis.info.get if info_of is None else info_of
    layers: list[Layer] = []
    info: dict[str, LayerInfo] = {}
    main: dict[str, str] = {}
    labels: dict[str, str] = {}
    for node in graph.nodes:
        inputs = graph.inputs[node.id]
        if node.kind == "layer":
            layer = design.layer(node.id)
            layers.append(Layer(layer.id, layer.type, dict(layer.params), list(inputs)))
            found = get(node.id)
            if found is not None:
                info[node.id] = found
            continue
        s = summary(node)
        main[node.id] = main_type(analysis, node) if main_of is None else main_of(node)
        labels[node.id] = node.title + (f" ×{node.repeat}" if node.repeat > 1 else "")
        layers.append(Layer(node.id, "Group", {}, list(inputs)))
        info[node.id] = LayerInfo(
            node.id,
            "Group",
            [],
            s.output_shape,
            s.params,
            s.trainable_params,
            s.buffers,
            s.macs,
            s.receptive_field,
            cast(Any, s.status),
        )
    order = [n.id for n in graph.nodes]
    return CollapsedView(
        _NodeGraph(design.name, layers),
        info,
        order,
        {n.id: n for n in graph.nodes},
        main,
        labels,
        graph.node_of,
    )


def collapsed_level(
    analysis: Analysis, collapse: Collapse, view: str, style: FigureStyle, **kw: Any
) -> Level:
    """The level to draw (``None``: every layer) for ``collapse`` = a level, ``"none"`` or ``"auto"``;
    a set of groups is drawn as it is (the groups of the design among them; none: every layer)."""
    index = GroupIndex(analysis.design)
    if isinstance(collapse, frozenset):
        shut = frozenset(g for g in collapse if g in index.members)
        return shut or None
    if collapse == "none" or not index.members:
        return None
    if isinstance(collapse, int):
        return max(0, collapse)
    levels: list[int | None] = [None, *range(index.max_depth, -1, -1)]
    for level in levels:
        fig = build_figure(analysis, level, view, style, **kw)
        if smallest_label_on_slide(fig) >= MIN_LABEL_PX:
            return level
    return 0


def build_figure(
    analysis: Analysis,
    level: Level,
    view: str,
    style: FigureStyle,
    *,
    blocks: BlockOptions | None = None,
    camera: Camera | None = None,
    direction: Direction = "LR",
    title: str = "",
) -> Figure:
    """The figure at ``level`` (``None``: every layer; a set: those groups collapsed), labels
    placed without overlaps."""
    from designer.core.graph_geometry import build_graph_figure
    from designer.core.volume_geometry import BlockOptions, build_volume_scene, project_scene

    if level is None:  # every layer, where the user placed it
        if view == "graph":
            return place_labels(build_graph_figure(analysis, style, direction, title))
        return place_labels(
            project_scene(build_volume_scene(analysis, blocks), camera, style, title)
        )
    index = GroupIndex(analysis.design)
    collapsed = set(level) if isinstance(level, frozenset) else collapsed_for_level(index, level)
    cv = collapsed_view(analysis, collapsed)
    if view == "graph":
        fig = _graph_figure(analysis, cv, style, direction, title)
    else:
        scene = _volume_scene(cv, blocks or BlockOptions())
        fig = project_scene(scene, camera, style, title)
        for g in fig.groups:
            if g.id in cv.labels:
                g.kind = "block"
                g.title = f"{cv.labels[g.id]} {fmt_shape(cv.info[g.id].output_shape, style.dims)}"
    return place_labels(fig)


def collapsed_volume_scene(
    analysis: Analysis,
    collapsed: AbstractSet[str],
    options: BlockOptions | None = None,
    *,
    graph: VisibleGraph | None = None,
    summary: SummaryOf | None = None,
    info_of: InfoOf | None = None,
    main_of: Callable[[Node], str] | None = None,
) -> VolumeScene:
    """The 3D scene with each collapsed group as one volume (the 3D view draws what the canvas
    shows); ``graph`` and ``summary`` as for ``collapsed_view``."""
    from designer.core.volume_geometry import BlockOptions, build_volume_scene

    if not collapsed:
        return build_volume_scene(analysis, options)
    view = collapsed_view(
        analysis, collapsed, graph=graph, summary=summary, info_of=info_of, main_of=main_of
    )
    return _volume_scene(view, options or BlockOptions())


def _volume_scene(cv: CollapsedView, options: BlockOptions) -> VolumeScene:
    from designer.core.volume_geometry import build_volume_scene

    scene = build_volume_scene(cast("Analysis", cv), options)
    blocks = []
    for b in scene.blocks:
        # A volume stands for every layer of the nodes folded into it.
        nodes = [cv.nodes[n].layers for n in b.layer_ids]
        layer_ids = nodes[0] if len(nodes) == 1 else tuple(chain.from_iterable(nodes))
        if b.id in cv.main_type:
            b = replace(
                b,
                color=color_of(cv.main_type[b.id]),
                name_label=cv.labels[b.id],
                type=cv.main_type[b.id],
            )
        blocks.append(replace(b, layer_ids=layer_ids))
    scene.blocks = blocks
    scene.block_of = _BlockOf(cv.node_of, scene.block_of)  # (node -> volume, from the build)
    return scene


def _graph_figure(
    analysis: Analysis, cv: CollapsedView, style: FigureStyle, direction: Direction, title: str
) -> Figure:
    """Cards for the visible nodes, laid out in rows that fit a 16:9 slide."""
    from designer.core.graph_geometry import card_primitives, layer_summary, route_edge

    ids = cv.order
    inputs = {lid: cv.design.layer(lid).sources for lid in ids}
    # Card labels at 0.92 of the font size; 9 px leaves room for the margins and the legend.
    readable = 9.0 / (style.font_size * 0.92)
    positions = _slide_layout(ids, inputs, direction, side_branches(analysis.design), readable)
    boxes = {lid: (x, y, CARD_WIDTH, CARD_HEIGHT) for lid, (x, y) in positions.items()}
    st = style
    groups: list[Group] = []
    lane = 0
    types: list[str] = []
    for lid in ids:
        x, y, w, h = boxes[lid]
        node = cv.nodes[lid]
        li = cv.info.get(lid)
        status = li.status if li else "unknown"
        shape = li.output_shape if li else None
        type_id = cv.main_type.get(lid, cv.design.layer(lid).type)
        types.append(type_id)
        color = color_of(type_id)
        items: list[Primitive] = []
        for src in dict.fromkeys(inputs[lid]):
            if src not in boxes:
                continue
            others = [b for k, b in boxes.items() if k not in (lid, src)]
            path = route_edge(boxes[src], boxes[lid], others, direction, lane % 3)
            if len(path) > 4:
                lane += 1
            items.append(Polyline(path, MUTED_INK, st.line_width * 1.3, True, 7.0, False, "edge"))
        is_group = node.kind == "group"
        if is_group:  # a stack of sheets behind the card says "block"
            for k in (2, 1) if node.repeat > 1 else (1,):
                items.append(
                    Rect(
                        x + 4 * k,
                        y - 4 * k,
                        w,
                        h,
                        shade(color, 1.9),
                        MUTED_INK,
                        st.line_width,
                        6.0,
                        False,
                        "card-sheet",
                    )
                )
        if is_group and li is not None:
            line = f"{len(node.layers)} layers · {_short(li.params)} params"
        else:
            summary = layer_summary(analysis.design.layer(lid))
            line = f"{type_id}  {summary}" if summary else type_id
        dims = (
            fmt_shape(shape, st.dims)
            if shape is not None
            else ("error" if status == "error" else "?")
        )
        items.extend(
            card_primitives((x, y, w, h), color, status, (cv.labels.get(lid, lid), line, dims), st)
        )
        groups.append(
            Group(
                lid,
                node.layers,
                f"{lid} {fmt_shape(shape, st.dims) if shape else ''}",
                items,
                "block" if is_group else "layer",
            )
        )
    categories = [c for c in CATEGORIES if any(category_of(t) == c for t in types)]
    return finish_figure(groups, st, categories, title)


def _slide_layout(
    ids: list[str],
    inputs: dict[str, list[str]],
    direction: Direction,
    side: set[str],
    readable: float = math.inf,
) -> dict[str, tuple[float, float]]:
    """The layered layout wrapped into as many rows as bring it closest to 16:9. An
    encoder–decoder is drawn as a U: the widest (least folded) one whose cards are drawn
    at least ``readable`` times their size on a slide, else the one drawn largest."""
    if direction == "TB":
        return graph_layout(ids, inputs, "TB", None, side)
    best: tuple[float, dict[str, tuple[float, float]]] | None = None
    columns = len(ids)
    # An encoder–decoder is drawn as a U at every width it fits (``u_layout``), the other
    # widths are not tried: the U is how it reads, a wrapped chain is only its fallback.
    u: dict[int, dict[str, tuple[float, float]]] = {}
    if u_layout(ids, inputs, columns, side) is not None:
        u = {n: p for n in range(columns, 2, -1) if (p := u_layout(ids, inputs, n, side))}
    for per_band in range(max(columns, 1), 2, -1):
        if u and per_band not in u:
            continue
        pos = u[per_band] if u else graph_layout(ids, inputs, "LR", per_band, side)
        w = max(x for x, _ in pos.values()) + CARD_WIDTH
        h = max(y for _, y in pos.values()) + CARD_HEIGHT
        scale = min(SLIDE[0] / w, SLIDE[1] / h)  # how large the figure can be drawn on a slide
        if u and scale >= readable:  # the widest U that is still legible: the least folded
            return pos
        if best is None or scale > best[0] + 1e-9:
            best = (scale, pos)
        if h > w * SLIDE[1] / SLIDE[0] * 1.5:
            break
    assert best is not None
    return best[1]


def _short(n: int) -> str:
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= div:
            return f"{n / div:.1f}{unit}"
    return str(n)


# ------------------------------------------------------------- rows per block


@dataclass(frozen=True)
class BlockRow:
    """A row of a collapsed view: one layer, or one collapsed block with its totals."""

    row: LayerRow  # ``row.id`` is the node id (a layer id, or the block's first group id)
    title: str  # what a chart writes under the bar
    layers: tuple[str, ...]  # the layers it stands for
    is_block: bool


def block_rows(
    analysis: Analysis,
    collapsed: AbstractSet[str],
    *,
    graph: VisibleGraph | None = None,
    summary: SummaryOf | None = None,
    info_of: InfoOf | None = None,
) -> list[BlockRow]:
    """Rows for the visible nodes of a collapsed view (charts and tables "by block");
    ``graph``, ``summary`` and ``info_of`` as for ``collapsed_view``."""
    graph, summary = _graph_and_summary(analysis, collapsed, graph, summary)

    get = analysis.info.get if info_of is None else info_of
    rows: list[BlockRow] = []
    for node in graph.nodes:
        if node.kind == "layer":
            info = get(node.id)
            if info is not None:
                rows.append(BlockRow(layer_row(info), node.id, node.layers, False))
            continue
        s = summary(node)
        rf = s.receptive_field
        title = node.title + (f" ×{node.repeat}" if node.repeat > 1 else "")
        row = LayerRow(
            id=node.id,
            type=f"Block ({s.layers} layers)",
            input_shapes=(s.input_shape,),
            output_shape=s.output_shape,
            neurons=s.neurons,
            params=s.params,
            buffers=s.buffers,
            macs=s.macs,
            memory_bytes=s.memory_bytes,
            receptive_field=rf.size_px if rf is not None else None,
            status=s.status,
        )
        rows.append(BlockRow(row, title, node.layers, True))
    return rows

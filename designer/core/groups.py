"""Groups: named, nested blocks of layers (a stem, four stages, their bottleneck blocks, a head).

A design may group its layers the way papers draw a network and frameworks define it
(``layer3.4.conv2`` lives in block ``layer3.4`` of stage ``layer3``). A ``Group`` names
its direct member layers and, optionally, its parent group; a layer belongs to at most
one innermost group. Nothing in the arithmetic depends on groups: they only decide how
views summarise a network.

This module computes what views need from groups, without Qt:

- ``GroupIndex``: the tree (children in network order, depth, every member of a group);
- ``summarize``: a group's totals (params, MACs, input → output shape, receptive field);
- ``repeat_runs``: consecutive sibling blocks with identical structure ("×N");
- ``visible_graph``: the network with some groups collapsed into single nodes (and
  collapsed repeats merged into one "×N" node), its edges, and the layer → node map;
- ``collapsed_for_level`` / ``auto_level``: "Expand to level k" and the level that fits;
- ``groups_from_paths``: groups derived from dotted module paths (importers, templates).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from designer.core.refs import source_of, split_ref
from designer.core.shape_rules import fmt_shape

if TYPE_CHECKING:
    from designer.core.analysis import Analysis, ReceptiveField
    from designer.core.design import Design, Layer

MAX_LABEL_LENGTH = 500
MAX_NESTING = 64  # levels of groups inside groups (a hostile file cannot make views quadratic)
#: A design opens collapsed to the deepest level that shows at most this many nodes.
AUTO_COLLAPSE_NODES = 40


@dataclass
class Group:
    """A named block: its direct member layers (in any order) and its parent group, if any."""

    id: str
    label: str = ""
    parent: str | None = None
    layers: list[str] = field(default_factory=list)

    def copy(self) -> Group:
        return Group(self.id, self.label, self.parent, list(self.layers))

    @property
    def title(self) -> str:
        """What a view calls the group: its label, else its id."""
        return self.label or self.id


def groups_problem(groups: Sequence[Group], layer_ids: Iterable[str], check_id: Any) -> str | None:
    """Why ``groups`` is not a valid set of groups for a design with ``layer_ids``, or ``None``.

    ``check_id`` is the design's id check (a group id follows the rules of a layer id).
    """
    present = set(layer_ids)
    seen: dict[str, Group] = {}
    owner: dict[str, str] = {}
    for group in groups:
        problem = check_id(group.id)
        if problem:
            return f"group {group.id!r}: {problem}"
        if group.id in seen:
            return f"two groups are named {group.id!r}"
        if group.id in present:
            return f"group {group.id!r} has the id of a layer; a group needs an id of its own"
        if not isinstance(group.label, str) or len(group.label) > MAX_LABEL_LENGTH:
            return f"group {group.id!r}: a label is a text of at most {MAX_LABEL_LENGTH} characters"
        seen[group.id] = group
        for lid in group.layers:
            if lid not in present:
                return f"group {group.id!r}: there is no layer {lid!r}"
            if lid in owner:
                return f"layer {lid!r} is in two groups ({owner[lid]!r} and {group.id!r}); a layer has one innermost group"
            owner[lid] = group.id
    for group in groups:
        if group.parent is not None and group.parent not in seen:
            return f"group {group.id!r}: its parent {group.parent!r} is not a group"
    return nesting_problem(groups, seen)


def nesting_problem(groups: Sequence[Group], seen: dict[str, Group]) -> str | None:
    """``groups_problem``'s last test: a cycle of parents, or groups nested too deeply.
    ``seen``: the groups by id (every parent among them)."""
    depth: dict[str, int] = {}
    for group in groups:  # linear: each group's depth is found once
        path: list[str] = []
        cur: str | None = group.id
        while cur is not None and cur not in depth:
            if cur in path:
                return f"group {cur!r} is its own ancestor (the parents form a cycle)"
            path.append(cur)
            if len(path) > MAX_NESTING + 1:
                return _deep_or_cycle(group.id, seen)
            cur = seen[cur].parent
        base = -1 if cur is None else depth[cur]
        for n, gid in enumerate(reversed(path)):
            depth[gid] = base + 1 + n
            if depth[gid] > MAX_NESTING:
                return f"groups nest at most {MAX_NESTING} levels deep ({gid!r} is deeper)"
    return None


def _deep_or_cycle(start: str, seen: dict[str, Group]) -> str:
    """The message for a chain of parents longer than allowed: a cycle, or just too deep."""
    visited: set[str] = set()
    cur: str | None = start
    while cur is not None:
        if cur in visited:
            return f"group {cur!r} is its own ancestor (the parents form a cycle)"
        visited.add(cur)
        cur = seen[cur].parent
    return f"groups nest at most {MAX_NESTING} levels deep ({start!r} is deeper)"


class GroupIndex:
    """The group tree of a design as it is now (build a new one after an edit)."""

    def __init__(self, design: Design) -> None:
        self.design = design
        self._ancestors: dict[str, list[str]] = {}
        order = {lid: n for n, lid in enumerate(design.ids)}
        self.groups: dict[str, Group] = {g.id: g for g in design.groups}
        self.owner: dict[str, str] = {}
        for group in self.groups.values():
            for lid in group.layers:
                if lid in order:
                    self.owner[lid] = group.id
        self.children: dict[str | None, list[str]] = {}
        for gid, group in self.groups.items():
            self.children.setdefault(group.parent, []).append(gid)
        self.members: dict[str, list[str]] = {}
        for lid in design.ids:  # design order
            cur: str | None = self.owner.get(lid)
            while cur is not None:
                self.members.setdefault(cur, []).append(lid)
                cur = self.groups[cur].parent
        first = {gid: order[m[0]] for gid, m in self.members.items() if m}
        for kids in self.children.values():
            kids.sort(key=lambda g: first.get(g, len(order)))
        self.depth: dict[str, int] = {}
        for gid in self.groups:
            d, cur = 0, self.groups[gid].parent
            while cur is not None:
                d += 1
                cur = self.groups[cur].parent
            self.depth[gid] = d

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def max_depth(self) -> int:
        """Depth of the deepest non-empty group (0: only top-level groups; -1: no groups)."""
        return max((self.depth[g] for g in self.members), default=-1)

    def chain(self, layer_id: str) -> list[str]:
        """The groups that contain ``layer_id``, outermost first."""
        owner = self.owner.get(layer_id)
        if owner is None:
            return []
        return [*self.ancestors(owner), owner]

    def ancestors(self, group_id: str) -> list[str]:
        """``group_id``'s enclosing groups, outermost first (not ``group_id`` itself)."""
        cached = self._ancestors.get(group_id)
        if cached is None:
            out: list[str] = []
            gid = self.groups[group_id].parent
            while gid is not None:
                out.append(gid)
                gid = self.groups[gid].parent
            cached = self._ancestors[group_id] = out[::-1]
        return list(cached)

    def descendants(self, group_id: str) -> list[str]:
        out: list[str] = []
        stack = list(self.children.get(group_id, []))
        while stack:
            gid = stack.pop()
            out.append(gid)
            stack.extend(self.children.get(gid, []))
        return out

    def title(self, group_id: str) -> str:
        return self.groups[group_id].title


# ----------------------------------------------------------------- totals


@dataclass(frozen=True)
class GroupSummary:
    """The totals of a set of layers (a group, or N repeated groups)."""

    layers: int
    params: int
    trainable_params: int
    buffers: int
    macs: int
    input_shape: tuple[int, ...] | None
    output_shape: tuple[int, ...] | None
    output_layer: str | None
    receptive_field: ReceptiveField | None
    errors: int
    warnings: int
    unknown: int
    neurons: int = 0  # the sum over its layers (what a table or chart "by block" shows)
    memory_bytes: int = 0

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.unknown:
            return "unknown"
        return "warning" if self.warnings else "ok"

    @property
    def shapes_text(self) -> str:
        """``56×56×64 → 56×56×256`` (``?`` where a shape is not known)."""
        src = fmt_shape(self.input_shape) if self.input_shape is not None else "?"
        dst = fmt_shape(self.output_shape) if self.output_shape is not None else "?"
        return f"{src} → {dst}"


def consumers_of(design: Design) -> dict[str, list[str]]:
    """Layer id → the layers that read it (pass to ``summarize`` when summing many groups)."""
    consumers: dict[str, list[str]] = {}
    for layer in design:
        for src in layer.sources:  # a Split's pieces ("split:1") are reads of the Split
            consumers.setdefault(src, []).append(layer.id)
    return consumers


def summarize(
    design: Design,
    analysis: Analysis,
    layer_ids: Iterable[str],
    consumers: dict[str, list[str]] | None = None,
    *,
    field_of: Callable[[str], ReceptiveField | None] | None = None,
) -> GroupSummary:
    """Totals of ``layer_ids``; its output is the last member whose output leaves the set.

    ``field_of``: the receptive field of a layer (what ``analysis.info`` gives), from a caller
    that finds fields left out of date more cheaply (``designer.core.group_fields``); the
    layers are then read as stored (``Analysis.stored``: everything but such a field current),
    so that summing a block brings no field up to date."""
    read = analysis.info.get if field_of is None else analysis.stored
    members = [lid for lid in layer_ids if lid in design]
    inside = set(members)
    params = trainable = buffers = macs = errors = warnings = unknown = 0
    neurons = memory = 0
    input_shape: tuple[int, ...] | None = None
    output_layer: str | None = None
    found_input = False
    if consumers is None:
        consumers = consumers_of(design)
    for lid in members:
        info = read(lid)
        layer = design.layer(lid)
        if info is None:
            unknown += 1
        else:
            params += info.params
            trainable += info.trainable_params
            buffers += info.buffers
            macs += info.macs
            neurons += info.neurons
            memory += info.memory_bytes
            errors += sum(d.severity == "error" for d in info.diagnostics)
            warnings += sum(d.severity == "warning" for d in info.diagnostics)
            if info.output_shape is None:
                unknown += 1
        if not found_input:
            outside = [src for src in layer.inputs if source_of(src) not in inside]
            if outside or not layer.inputs:
                found_input = True
                src_id, piece = split_ref(outside[0]) if outside else (None, None)
                src_info = read(src_id) if src_id is not None else None
                if src_info is not None:
                    input_shape = src_info.output(piece)
                elif info is not None and not layer.inputs:  # an Input layer inside the group
                    input_shape = info.output_shape
        users = consumers.get(lid, [])
        if not users or any(u not in inside for u in users):
            output_layer = lid
    out_info = read(output_layer) if output_layer is not None else None
    field = None
    if out_info is not None:
        assert output_layer is not None
        field = out_info.receptive_field if field_of is None else field_of(output_layer)
    return GroupSummary(
        layers=len(members),
        params=params,
        trainable_params=trainable,
        buffers=buffers,
        macs=macs,
        input_shape=input_shape,
        output_shape=out_info.output_shape if out_info is not None else None,
        output_layer=output_layer,
        receptive_field=field,
        errors=errors,
        warnings=warnings,
        unknown=unknown,
        neurons=neurons,
        memory_bytes=memory,
    )


# ---------------------------------------------------------------- repeats


@dataclass(frozen=True)
class Run:
    """Consecutive sibling groups with identical structure: shown as one block ``×len(groups)``."""

    groups: tuple[str, ...]

    @property
    def head(self) -> str:
        return self.groups[0]

    @property
    def count(self) -> int:
        return len(self.groups)


def layer_key(layer: Layer) -> tuple[str, str]:
    """A layer's own part of a ``structure_key`` entry: its type and hyper-parameters."""
    return (layer.type, repr(sorted(layer.params.items())))


def with_new_params(key: tuple[Any, ...], position: int, layer: Layer) -> tuple[Any, ...]:
    """``key`` (a group's ``structure_key``) after a hyper-parameter edit of ``layer``, its
    member at ``position``: the same as keying the group again (an edit of hyper-parameters
    changes that entry's own part only; connections and nesting stay)."""
    entry = key[position]
    return (*key[:position], (*layer_key(layer), *entry[2:]), *key[position + 1 :])


def structure_key(
    design: Design,
    index: GroupIndex,
    group_id: str,
    layer_keys: dict[str, tuple[str, str]] | None = None,
) -> tuple[Any, ...]:
    """What two groups share when they are the same block: layer types, hyper-parameters,
    connections inside the group (by position), where outside inputs enter, and nesting.

    ``layer_keys``: a memo of each layer's (type, hyper-parameters) part, for a caller that
    keys nested groups (a stage and its blocks) of one unchanged design in a row."""
    members = index.members.get(group_id, [])
    pos = {lid: n for n, lid in enumerate(members)}
    external: dict[str, int] = {}
    sub = {gid: n for n, gid in enumerate(index.children.get(group_id, []))}
    depth = len(index.ancestors(group_id)) + 1
    key: list[Any] = []
    for lid in members:
        layer = design.layer(lid)
        own = layer_keys.get(lid) if layer_keys is not None else None
        if own is None:
            own = layer_key(layer)
            if layer_keys is not None:
                layer_keys[lid] = own
        ins: list[Any] = []
        for ref in layer.inputs:
            src, piece = split_ref(ref)
            if src in pos:
                ins.append(pos[src] if piece is None else (pos[src], piece))
            else:
                ins.append(("ext", external.setdefault(ref, len(external))))
        chain = index.chain(lid)
        inner = chain[depth] if len(chain) > depth else None
        key.append(
            (
                own[0],
                own[1],
                tuple(ins),
                sub.get(inner, -1) if inner else -1,
            )
        )
    return tuple(key)


def repeat_runs(design: Design, index: GroupIndex) -> list[Run]:
    """Every run of at least two consecutive identical sibling groups, in network order."""
    order = {lid: n for n, lid in enumerate(design.ids)}
    direct: dict[str | None, list[str]] = {}
    for lid in design.ids:
        direct.setdefault(index.owner.get(lid), []).append(lid)
    runs: list[Run] = []
    layer_keys: dict[str, tuple[str, str]] = {}
    for parent, kids in index.children.items():
        # The parent's items in network order: a layer between two blocks breaks a run.
        items: list[tuple[int, str, bool]] = [
            (order[m[0]], g, True) for g in kids if (m := index.members.get(g))
        ]
        items += [(order[lid], lid, False) for lid in direct.get(parent, [])]
        items.sort()
        keys = [
            structure_key(design, index, name, layer_keys) if is_group else None
            for _, name, is_group in items
        ]
        start = 0
        for n in range(1, len(items) + 1):
            if n == len(items) or keys[n] is None or keys[n] != keys[start]:
                if n - start >= 2 and keys[start] is not None:
                    runs.append(Run(tuple(name for _, name, _ in items[start:n])))
                start = n
    runs.sort(key=lambda r: order[index.members[r.head][0]])
    return runs


# ----------------------------------------------------------- visible graph


@dataclass(frozen=True)
class Node:
    """One card or volume of a collapsed view: a layer, a collapsed group, or a run of them."""

    id: str  # the layer id, or the (first) group's id
    kind: Literal["layer", "group"]
    layers: tuple[str, ...]  # member layers, design order
    groups: tuple[str, ...] = ()  # the collapsed group(s) it stands for
    title: str = ""

    @property
    def repeat(self) -> int:
        return max(len(self.groups), 1)


@dataclass
class VisibleGraph:
    nodes: list[Node]
    node_of: Mapping[str, str]  # layer id -> node id
    edges: list[tuple[str, str]]  # (source node, target node), each once
    inputs: dict[str, list[str]]  # node id -> source node ids, in order

    def node(self, node_id: str) -> Node:
        return self._by_id[node_id]

    def __post_init__(self) -> None:
        self._by_id = {n.id: n for n in self.nodes}


def run_title(index: GroupIndex, groups: Sequence[str]) -> str:
    """``layer3.1 … layer3.5`` for a run (the first and last groups' titles)."""
    if len(groups) == 1:
        return index.title(groups[0])
    first, last = index.title(groups[0]), index.title(groups[-1])
    head, _, tail = last.rpartition(".")
    if head and first.startswith(head + "."):
        return f"{first}–{tail}"  # layer3.1–5
    return f"{first} … {last}"


def visible_graph(
    design: Design,
    index: GroupIndex,
    collapsed: Iterable[str],
    *,
    merge_repeats: bool = True,
    runs: Sequence[Run] | None = None,
) -> VisibleGraph:
    """The network as a collapsed view shows it: each layer inside a collapsed group is
    replaced by the outermost collapsed group around it; with ``merge_repeats``, a run of
    collapsed identical sibling blocks becomes one node (``×N``)."""
    units = collapsed_units(design, index, collapsed)
    if not merge_repeats:
        runs = ()
    elif runs is None:
        runs = repeat_runs(design, index)
    return merged_graph(units, runs)


@dataclass
class CollapsedUnits:
    """A collapsed set before repeats are merged (``collapsed_units``): it depends on the
    design's structure and groups only, so a caller may keep it while hyper-parameters change
    (and with them the repeats), and ``merged_graph`` then merges whichever runs there are."""

    design: Design
    index: GroupIndex
    shut: frozenset[str]  # the collapsed groups that have members
    units: list[tuple[str, bool]]  # (layer id, or outermost collapsed group; is a group), in order
    unit_of: dict[str, str]  # layer id -> its unit, design order
    cross: list[
        tuple[str, str]
    ]  # (source unit, target unit) of each connection between units, once
    _order: dict[str, int] | None = None
    _nodes: dict[tuple[str, ...], Node] = field(default_factory=dict)  # groups -> their node

    def relevant(self, runs: Sequence[Run]) -> tuple[Run, ...]:
        """The runs that merge nodes here: every run whose groups are all collapsed, and of a
        run with some groups open, each stretch of two or more collapsed groups between them
        (opening one block of a ×356 run shows ×k, the block, ×m: not 355 cards)."""
        shut = self.shut
        out: list[Run] = []
        for run in runs:
            if shut.issuperset(run.groups):
                out.append(run)
                continue
            stretch: list[str] = []
            for g in (*run.groups, None):  # (None ends the last stretch)
                if g is not None and g in shut:
                    stretch.append(g)
                    continue
                if len(stretch) > 1:
                    out.append(Run(tuple(stretch)))
                stretch = []
        return tuple(out)

    def group_node(self, groups: tuple[str, ...]) -> Node:
        found = self._nodes.get(groups)
        if found is None:
            if self._order is None:
                self._order = {m: n for n, m in enumerate(self.design.ids)}
            members = self.index.members
            found = self._nodes[groups] = Node(
                groups[0],
                "group",
                tuple(sorted((m for g in groups for m in members[g]), key=self._order.__getitem__)),
                groups,
                run_title(self.index, groups),
            )
        return found


def collapsed_units(design: Design, index: GroupIndex, collapsed: Iterable[str]) -> CollapsedUnits:
    """What ``visible_graph`` shows of ``collapsed`` before merging repeats."""
    shut = frozenset(g for g in collapsed if g in index.groups and index.members.get(g))
    outermost: dict[str, str] = {}  # layer -> the outermost collapsed group around it
    for gid in sorted(shut, key=index.depth.__getitem__):
        for m in index.members[gid]:
            outermost.setdefault(m, gid)
    unit_of: dict[str, str] = {}
    units: dict[str, bool] = {}
    for lid in design.ids:
        top = outermost.get(lid)
        unit = lid if top is None else top  # a group never has a layer's id
        unit_of[lid] = unit
        if unit not in units:
            units[unit] = top is not None
    cross: dict[tuple[str, str], None] = {}
    for layer in design:
        dst = unit_of[layer.id]
        for src_layer in layer.sources:
            src = unit_of.get(src_layer)
            if src is not None and src != dst:
                cross[(src, dst)] = None
    return CollapsedUnits(design, index, shut, list(units.items()), unit_of, list(cross))


class _NodeOf(Mapping[str, str]):
    """Layer id -> its node in a merged graph, looked up through the layer's unit when asked
    (a dictionary of every layer made per merge cost a pass over 10,000 layers per edit that
    splits or joins a run; the graph's users ask for a few)."""

    __slots__ = ("_head_of", "_unit_of")

    def __init__(self, unit_of: dict[str, str], head_of: dict[str, str]) -> None:
        self._unit_of = unit_of
        self._head_of = head_of

    def __getitem__(self, layer_id: str) -> str:
        return self._head_of[self._unit_of[layer_id]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._unit_of)

    def __len__(self) -> int:
        return len(self._unit_of)

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self._unit_of


def merged_graph(units: CollapsedUnits, runs: Sequence[Run]) -> VisibleGraph:
    """The visible graph of ``units`` with each run of collapsed sibling blocks one node."""
    run_of: dict[str, tuple[str, ...]] = {}
    for run in units.relevant(runs):
        for g in run.groups:
            run_of[g] = run.groups
    nodes: dict[str, Node] = {}
    head_of: dict[str, str] = {}
    for unit, is_group in units.units:
        if not is_group:
            nodes[unit] = units._nodes.get((unit,)) or units._nodes.setdefault(
                (unit,), Node(unit, "layer", (unit,), (), unit)
            )
            head_of[unit] = unit
            continue
        groups = run_of.get(unit, (unit,))
        nid = groups[0]
        head_of[unit] = nid
        if nid not in nodes:
            nodes[nid] = units.group_node(groups)
    node_of = _NodeOf(units.unit_of, head_of)
    edges: dict[tuple[str, str], None] = {}
    inputs: dict[str, list[str]] = {nid: [] for nid in nodes}
    for su, du in units.cross:
        src, dst = head_of[su], head_of[du]
        if src != dst and (src, dst) not in edges:
            edges[(src, dst)] = None
            inputs[dst].append(src)
    return VisibleGraph(list(nodes.values()), node_of, list(edges), inputs)


def collapsed_for_level(index: GroupIndex, level: int) -> set[str]:
    """Groups to collapse so that groups of depth < ``level`` are open (0: everything shut)."""
    return {gid for gid, d in index.depth.items() if d >= level}


def auto_level(
    design: Design,
    index: GroupIndex,
    budget: int = AUTO_COLLAPSE_NODES,
    *,
    runs: Sequence[Run] | None = None,
) -> int | None:
    """The deepest level whose view has at most ``budget`` nodes (``None``: show every layer).

    A design of at most ``budget`` layers, or without groups, is shown whole. When even
    level 0 is larger than ``budget``, level 0 it is. ``runs``: ``repeat_runs(design, index)``
    if the caller has them.
    """
    if len(design) <= budget or not index.members:
        return None
    if runs is None:
        runs = repeat_runs(design, index)
    for level in range(index.max_depth, -1, -1):
        if (
            len(visible_graph(design, index, collapsed_for_level(index, level), runs=runs).nodes)
            <= budget
        ):
            return level
    return 0


# ------------------------------------------------------------------- find


def find_targets(design: Design, index: GroupIndex, text: str) -> list[tuple[str, str]]:
    """Layers and groups matching ``text`` as ``("layer" | "group", id)``, best first:
    an exact id, then ids starting with it, then ids or group labels containing it, then
    layers of that type (``Conv2d``). Case does not matter; network order within a rank."""
    needle = text.strip().lower()
    if not needle:
        return []
    ranked: list[tuple[int, int, str, str]] = []
    order = {lid: n for n, lid in enumerate(design.ids)}
    for layer in design:
        lid = layer.id.lower()
        rank = (
            0
            if lid == needle
            else 1
            if lid.startswith(needle)
            else 2
            if needle in lid
            else 3
            if layer.type.lower() == needle
            else 4
            if needle in layer.type.lower()
            else None
        )
        if rank is not None:
            ranked.append((rank, order[layer.id], "layer", layer.id))
    for gid, group in index.groups.items():
        members = index.members.get(gid)
        if not members:
            continue
        low, label = gid.lower(), group.label.lower()
        rank = (
            0
            if needle in (low, label)
            else 1
            if low.startswith(needle) or label.startswith(needle)
            else 2
            if needle in low or needle in label
            else None
        )
        if rank is not None:
            ranked.append((rank, order[members[0]], "group", gid))
    ranked.sort(key=lambda r: (r[0], r[1], r[2] == "layer"))
    return [(kind, name) for _, _, kind, name in ranked]


# ------------------------------------------------------- groups from paths


def groups_from_paths(layer_ids: Sequence[str], separator: str = ".") -> list[Group]:
    """Groups from dotted module paths: ``layer3.4.conv2`` is in block ``layer3.4`` of
    stage ``layer3``. A prefix becomes a group when it holds at least two layers; a
    group with the same members as its only child group is skipped (no empty nesting).
    """
    counts: dict[str, int] = {}
    for lid in layer_ids:
        parts = lid.split(separator)
        for n in range(1, len(parts)):
            prefix = separator.join(parts[:n])
            counts[prefix] = counts.get(prefix, 0) + 1
    ids = set(layer_ids)
    candidates = [p for p, c in counts.items() if c >= 2 and p not in ids]

    def parent_of(prefix: str) -> str | None:
        parts = prefix.split(separator)
        for n in range(len(parts) - 1, 0, -1):
            above = separator.join(parts[:n])
            if above in kept:
                return above
        return None

    # Outermost first, so that every parent is decided before its children.
    candidates.sort(key=lambda p: (p.count(separator), p))
    kept: set[str] = set()
    for prefix in candidates:
        above = None
        parts = prefix.split(separator)
        for n in range(len(parts) - 1, 0, -1):
            if separator.join(parts[:n]) in kept:
                above = separator.join(parts[:n])
                break
        if above is not None and counts[above] == counts[prefix]:
            continue  # the same layers as the group around it
        kept.add(prefix)
    groups: dict[str, Group] = {}
    order = {lid: n for n, lid in enumerate(layer_ids)}
    for prefix in sorted(kept, key=lambda p: (p.count(separator), p)):
        groups[prefix] = Group(prefix, "", parent_of(prefix), [])
    for lid in layer_ids:
        parts = lid.split(separator)
        for n in range(len(parts) - 1, 0, -1):
            prefix = separator.join(parts[:n])
            if prefix in groups:
                groups[prefix].layers.append(lid)
                break
    first = {
        g.id: min((order[m] for m in _all_members(g.id, groups)), default=math.inf)
        for g in groups.values()
    }
    return sorted(groups.values(), key=lambda g: (first[g.id], g.id.count(separator)))


def add_path_groups(design: Design) -> None:
    """Give a design without groups the groups its dotted layer ids imply (importers call this).

    A layer without a module path (an operation written in ``forward`` that the importer
    could not place) joins the deepest group that holds all of its inputs and consumers.
    """
    if design.groups:
        return
    groups = groups_from_paths(design.ids)
    by_id = {g.id: g for g in groups}
    owner = {m: g.id for g in groups for m in g.layers}

    def chain(lid: str) -> list[str]:
        out: list[str] = []
        gid = owner.get(lid)
        while gid is not None:
            out.append(gid)
            gid = by_id[gid].parent
        return out[::-1]

    consumers: dict[str, list[str]] = {}
    for layer in design:
        for src in layer.sources:
            consumers.setdefault(src, []).append(layer.id)
    changed = True
    while changed:
        changed = False
        for layer in design:
            if layer.id in owner or not layer.inputs or not consumers.get(layer.id):
                continue  # grouped already, an Input or an output: not between grouped layers
            neighbours = [i for i in layer.sources if i in design] + consumers[layer.id]
            chains = [chain(n) for n in neighbours]
            common = 0
            while all(len(c) > common and c[common] == chains[0][common] for c in chains):
                common += 1
            if common:
                gid = chains[0][common - 1]
                by_id[gid].layers.append(layer.id)
                owner[layer.id] = gid
                changed = True
    design.set_groups(groups)


def _all_members(gid: str, groups: dict[str, Group]) -> list[str]:
    out = list(groups[gid].layers)
    for g in groups.values():
        if g.parent == gid:
            out.extend(_all_members(g.id, groups))
    return out

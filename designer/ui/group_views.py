"""What the collapsed views share, kept between edits: one ``GroupViewCache`` per open design.

The canvas's block cards, the table and charts "by block" and the 3D view's collapsed volumes
all need the design's group tree, its repeats (``×N``), the visible graph of the collapsed set
and each block's totals. Computed afresh by each view on every edit, that is several passes
over all 10,000 layers of a long design for an edit of one. Here:

- the ``GroupIndex`` and the layers' consumers last until the structure changes;
- each group's ``structure_key`` lasts until a layer inside it changes (its hyper-parameters
  or structure), so the repeats of a long design are found again from cached keys;
- what a collapsed set shows before repeats are merged (``collapsed_units``) lasts until the
  structure changes, and its visible graph until the runs that merge its nodes change: an edit
  that splits a "×N" run re-merges the kept units (no pass over every layer's groups), and one
  that changes other runs (a stage no longer like its neighbours, while it is open) keeps the
  graph, so the views that compare it see nothing new;
- a block's totals (``summarize``) last until the analysis reports a change in one of its
  layers or in a layer feeding it from outside: an edit inside one block recomputes that
  block and the blocks whose layers actually changed, not every block.

The cache follows the design's own signals with a high priority and the analysis's
``updated`` before any view (the ``Document`` connects it first), so no view ever reads a
stale entry. Views find it with ``cache_for(analysis)``; an analysis no document owns (a
standalone view in a test, an export) has none, and the views compute as before.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from psygnal import SignalInstance

from designer.core.collapsed_figure import (
    BlockRow,
    block_rows,
    collapsed_volume_scene,
    main_type,
)
from designer.core.group_fields import BlockFields, Chain, chain_of, chain_places
from designer.core.groups import (
    CollapsedUnits,
    GroupIndex,
    GroupSummary,
    Node,
    Run,
    VisibleGraph,
    collapsed_units,
    consumers_of,
    merged_graph,
    structure_key,
    summarize,
    with_new_params,
)
from designer.core.refs import source_of

if TYPE_CHECKING:
    from designer.core.analysis import Analysis, LayerInfo, ReceptiveField
    from designer.core.design import BulkChange, Design
    from designer.core.volume_geometry import BlockOptions, VolumeScene

#: Blocks numbered before the numbering starts again (each collapsed set has its own blocks).
MAX_BLOCKS = 20_000
#: Keys of groups of at most this many layers are kept as one object per value (``_canonical``).
CANONICAL_KEY = 64
#: Before every other handler of the design's signals (the analysis's included).
PRIORITY = 100
#: The blocks' kept totals (``GroupViewCache._kept_totals``): summaries, main types, weights,
#: fields pending, tokens by layers, and tokens by the layers each block reads.
_Totals = tuple[
    dict[int, GroupSummary],
    dict[int, str],
    dict[int, Counter[str]],
    set[int],
    dict[tuple[str, ...], int],
    dict[str, list[int]],
]

_caches: weakref.WeakKeyDictionary[Analysis, GroupViewCache] = weakref.WeakKeyDictionary()


def cache_for(analysis: Analysis | None) -> GroupViewCache | None:
    """The cache kept for ``analysis`` (by the document that owns it), if any."""
    if analysis is None:
        return None
    return _caches.get(analysis)


class GroupViewCache:
    def __init__(self, design: Design) -> None:
        self.design = design
        self.analysis: Analysis | None = None
        self._index: GroupIndex | None = None
        self._consumers: dict[str, list[str]] | None = None
        self._keys: dict[str, tuple[Any, ...]] = {}
        # One object per small key's value (``_canonical``): the blocks of a run of 356 then
        # compare by identity, not entry by entry, when runs are found again after an edit.
        self._canon: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._runs: list[Run] | None = None
        # Per parent group, its blocks and direct layers in network order (structure only).
        self._run_items: list[list[tuple[str, bool]]] | None = None
        self._run_first: dict[str, int] = {}  # group -> where its first layer is in the design
        # Each parent's runs (as ``_run_items``), kept until a group among its items changes
        # (``_stale_parents``: the parents whose runs are to be found again); the parent of
        # each group, by its place in ``_run_items``.
        self._parent_runs: list[list[Run]] | None = None
        self._parent_of: dict[str, int] = {}
        self._stale_parents: set[int] = set()
        self._units: dict[frozenset[str], CollapsedUnits] = {}  # until the structure changes
        # A view's frozenset (by id, held so the id stays its) -> the key it matched (``_key``).
        self._keys_seen: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        # Per collapsed set, its graph and the runs that merged its nodes (kept while they last).
        self._graphs: dict[frozenset[str], tuple[tuple[Run, ...], VisibleGraph]] = {}
        self.graphs_built = 0  # tests and benchmarks: visible graphs merged afresh
        self._relevant: dict[frozenset[str], tuple[list[Run], tuple[Run, ...]]] = {}
        # A block (its layers) gets a number for as long as the structure lasts, and the layers
        # it reads (its own and those feeding it) point to that number: an analysis update
        # drops the totals of the blocks that read a changed layer, without hashing a block's
        # key (a tuple of all its layers) once per layer.
        self._token_of: dict[tuple[str, ...], int] = {}
        self._readers: dict[str, list[int]] = {}
        self._summary_of: dict[int, GroupSummary] = {}  # until a layer it reads changes
        # Kept totals whose output's field may have moved (fields left out of date past full
        # coverage): brought up to date when read, from ``BlockFields`` (a run of identical
        # blocks moves the field by the same amount per block: not 6,000 layers brought up to
        # date for the field at the end of a long design).
        self._field_pending: set[int] = set()
        self._main_of: dict[int, str] = {}  # a block's main layer type, kept with its totals
        # A block's MACs (plus one per layer) per layer type, kept with its totals: a run's
        # main type is found from its blocks' (``main_type``).
        self._weights_of: dict[int, Counter[str]] = {}
        self._fields: BlockFields | None = None  # for the analysis as it is now
        self._chains: dict[tuple[str, ...], Chain | None] = {}  # each run's chain (structure)
        # Per run: its chain when the chain's layers are the node's (structure: ``_composed``).
        self._composable: dict[tuple[str, ...], Chain | None] = {}
        self._places: dict[str, tuple[Chain, int]] | None = None  # for the runs as they are
        # Per parent (its place in ``_run_items``), its blocks' sums over any stretch of them
        # (``_Stretches``), kept while their totals are: each block's slot by its token, and
        # the slots whose totals were dropped since (brought up to date when next summed).
        self._stretches: dict[int, _Stretches] = {}
        self._slot_of: dict[int, tuple[int, int]] = {}  # block token -> (parent, item)
        self._stale_slots: dict[int, set[int]] = {}
        self._place_in_parent: dict[str, int] = {}  # group -> its item in its parent's items
        self._dropped = 0  # times every kept total was dropped (tokens may be renumbered then)
        # A node (by id, held so the id stays its) -> its layers' token: a run's node has 2,500
        # layers, hashed anew at every lookup of its totals or main type.
        self._node_tokens: dict[int, tuple[Node, int]] = {}
        self.summaries_computed = 0  # tests and benchmarks: blocks summed afresh
        #: The layer last added and what it reads, while nothing else changed the structure:
        #: its removal (the undo of adding it) drops the totals of the blocks it read from.
        self._last_added: tuple[str, tuple[str, ...]] | None = None
        self._links: list[tuple[SignalInstance, Callable[..., None]]] = [
            (design.layer_added, self._on_layer),
            (design.layer_removed, self._on_layer),
            (design.inputs_changed, self._on_inputs),
            (design.layer_renamed, self._on_renamed),
            (design.layer_moved, self._on_structure),
            (design.groups_changed, self._on_structure),
            (design.bulk_changed, self._on_bulk),
            (design.params_changed, self._on_params),
        ]
        for signal, slot in self._links:
            signal.connect(slot, priority=PRIORITY)

    def attach(self, analysis: Analysis) -> None:
        """Follow ``analysis`` (call before any view connects to its ``updated``)."""
        self.analysis = analysis
        analysis.updated.connect(self._on_analysis, priority=PRIORITY)
        _caches[analysis] = self

    def close(self) -> None:
        for signal, slot in self._links:
            signal.disconnect(slot)
        self._links = []  # (its own bound methods: a cycle that kept the caches until collected)
        if self.analysis is not None:
            self.analysis.updated.disconnect(self._on_analysis)
            _caches.pop(self.analysis, None)
            self.analysis = None

    # ------------------------------------------------------------ invalidation

    def _on_structure(self, *_args: object) -> None:
        self._last_added = None
        self._index = None
        self._consumers = None
        self._keys = {}
        self._canon = {}
        self._runs = None
        self._run_items = None
        self._parent_runs = None
        self._units = {}
        self._graphs = {}
        self._relevant = {}
        self._chains = {}
        self._composable = {}
        self._places = None
        self._fields = None
        self._drop_summaries()

    def _on_inputs(self, layer_id: str) -> None:
        """A layer's inputs changed: the group tree, the design order and each parent's items
        stay, and so do the structure keys of the groups not around the layer (a key sees the
        connections inside its group and where outside inputs enter); the parents of the
        groups around it find their runs again. The rest is worked out again, as after any
        change of structure."""
        index, keys, canon = self._index, self._keys, self._canon
        items, first, parent_of = self._run_items, self._run_first, self._parent_of
        parent_runs, stale = self._parent_runs, self._stale_parents
        consumers, kept = self._consumers, self._kept_totals()
        self._on_structure()
        if consumers is not None:
            # The blocks holding the layer, or a layer that lost or gained it as a consumer,
            # have new totals (a block's output is its last layer read from outside); the
            # others keep theirs. (Its former inputs, from the consumers kept: the design
            # has only the new ones now.)
            before = _read_by(consumers, layer_id)
            after = self.design.layer(layer_id).sources
            self._consumers = _patched(consumers, layer_id, before, after)
            self._restore_totals(kept, (layer_id, *before, *after))
        if index is None:
            return
        self._index = index
        around = index.chain(layer_id)
        self._keys = {g: k for g, k in keys.items() if g not in around}
        self._canon = canon  # (one object per value: the kept keys are in it)
        if items is not None:
            self._run_items, self._run_first, self._parent_of = items, first, parent_of
            if parent_runs is not None:
                self._parent_runs = parent_runs
                self._stale_parents = stale | {parent_of[g] for g in around if g in parent_of}

    def _on_layer(self, layer_id: str) -> None:
        """One layer added or removed (a layer dropped on the canvas, its undo): a change of
        structure, except that only the groups around the layer have a new structure key, and
        only the blocks holding it or reading what it reads have new totals (their members, or
        a member's consumers outside, changed); every other block's key and totals are kept.
        (Worked out again, a layer dropped beside the grouped 10,000-layer design keyed 1,400
        groups and summed 1,400 blocks: 170 ms.) A layer leaving its group, or consumers
        rewired, come with their own signals (``groups_changed``, ``inputs_changed``)."""
        consumers, last = self._consumers, self._last_added
        design = self.design
        if layer_id in design:  # added: it reads these
            sources: list[str] | None = design.layer(layer_id).sources
        elif last is not None and last[0] == layer_id:  # removed (the undo of adding it)
            sources = list(last[1])
        elif consumers is not None:  # removed: it read these (gone from the design now)
            sources = _read_by(consumers, layer_id)
        else:
            sources = None  # (not known: every block's totals worked out again)
        self._restructured((layer_id,), None if sources is None else (layer_id, *sources))
        if sources is None:
            return
        if layer_id in design:
            self._last_added = (layer_id, tuple(sources))
            if consumers is not None:
                self._consumers = _patched(consumers, layer_id, (), sources)
        elif consumers is not None:
            consumers.pop(layer_id, None)  # (its consumers follow: ``inputs_changed``)
            self._consumers = _patched(consumers, layer_id, sources, ())

    def _on_bulk(self, change: BulkChange) -> None:
        """Many layers removed or put back at once (``Design.remove_layers``,
        ``restore_layers``): a change of structure, except that only the groups holding a layer
        removed, added or reconnected (and the groups around them) have a new structure key,
        and only the blocks holding or reading those layers, or holding a layer that lost or
        gained a consumer (``change.fed``), have new totals; the others' are kept. (Worked out
        again, deleting 10 layers of the grouped 10,000-layer design keyed 1,400 groups and
        summed 1,400 blocks.)"""
        moved = (*change.removed, *change.added, *change.rewired)
        self._restructured(moved, (*moved, *change.fed))

    def _restructured(self, moved: tuple[str, ...], read: tuple[str, ...] | None) -> None:
        """A change of structure that touched the layers ``moved`` (added, removed, rewired):
        the structure keys of the groups around them (before or after) are made again, the
        others kept; the totals of the blocks holding or reading a layer of ``read`` are
        dropped, the others kept (``None``: every block's totals dropped)."""
        before, keys = self._index, self._keys
        kept = self._kept_totals()
        self._on_structure()
        if before is None:
            return
        after = self.index()  # (the runs need it next)
        touched: set[str] = set()
        for lid in moved:
            touched.update(before.chain(lid))
            touched.update(after.chain(lid))
        groups = after.groups
        self._keys = {g: k for g, k in keys.items() if g not in touched and g in groups}
        for key in self._keys.values():  # still one object per value (``_canonical``)
            if len(key) <= CANONICAL_KEY:
                self._canon.setdefault(key, key)
        if read is not None:
            self._restore_totals(kept, read)

    def _kept_totals(self) -> _Totals:
        """The blocks' totals and what they are kept by (``_restore_totals`` puts them back)."""
        return (
            self._summary_of,
            self._main_of,
            self._weights_of,
            self._field_pending,
            self._token_of,
            self._readers,
        )

    def _restore_totals(self, kept: _Totals, read: Iterable[str]) -> None:
        """Put back the totals ``_kept_totals`` gave, but those of the blocks holding or reading
        a layer of ``read`` (dropped: found again when next asked for)."""
        summary_of, main_of, weights_of, pending, token_of, readers = kept
        if not token_of:
            return
        for lid in read:
            for token in readers.get(lid, ()):
                summary_of.pop(token, None)
                main_of.pop(token, None)
                weights_of.pop(token, None)
                pending.discard(token)
        self._summary_of, self._main_of, self._weights_of = summary_of, main_of, weights_of
        self._field_pending, self._token_of, self._readers = pending, token_of, readers

    def _on_renamed(self, old: str, new: str) -> None:
        """A layer's id changed, and nothing else: the same structure, order, groups and
        values. What names the layer is re-keyed (the index, the consumers, each parent's
        items, the collapsed sets' units and nodes, the runs' chains, the blocks' tokens and
        their readers, a block's output layer); what is id-free is kept (the structure keys,
        the runs, the blocks' totals). The analysis's update that follows drops the totals of
        the blocks reading the layer, as after any edit of it. Worked out again, a rename
        inside a collapsed block of the grouped 10,000-layer design cost 180-200 ms here."""

        def swap(lid: str) -> str:
            return new if lid == old else lid

        self._last_added = None
        index = self._index
        if index is not None:
            index = self._index = renamed_index(index, old, new)
        consumers = self._consumers
        if consumers is not None:
            consumers = self._consumers = dict(consumers)
            users = consumers.pop(old, None)
            if users is not None:
                consumers[new] = users
            for src in self.design.layer(new).sources:
                listed = consumers.get(src)
                if listed is not None and old in listed:
                    consumers[src] = [swap(c) for c in listed]
        for items in self._run_items or ():
            for k, (name, is_group) in enumerate(items):
                if name == old and not is_group:
                    items[k] = (new, False)
        if index is not None:
            self._units = {
                key: _renamed_units(units, old, new, index) for key, units in self._units.items()
            }
        else:
            self._units = {}
        self._graphs = {}  # merged again from the re-keyed units when next asked for
        chains: dict[int, Chain] = {}  # (the same chain object under both of its keys)

        def chain(found: Chain | None) -> Chain | None:
            if found is None or (found.source != old and old not in found.layers):
                return found
            done = chains.get(id(found))
            if done is None:
                done = chains[id(found)] = Chain(
                    tuple(tuple(swap(m) for m in block) for block in found.blocks),
                    swap(found.source),
                    found.out,
                )
            return done

        self._chains = {key: chain(found) for key, found in self._chains.items()}
        self._composable = {key: chain(found) for key, found in self._composable.items()}
        self._places = None
        self._fields = None
        readers = self._readers
        tokens = readers.pop(old, None)
        if tokens is not None:
            readers[new] = tokens
            token_of = self._token_of
            for key in [key for key in token_of if old in key]:
                token_of[tuple(swap(m) for m in key)] = token_of.pop(key)
            # (Their totals, which may name the layer as a block's output, go with the
            # analysis's update that names it.)

    def _on_params(self, layer_id: str) -> None:
        # Repeats compare hyper-parameters: the groups around the layer have a new key, which
        # differs from the kept one in that layer's entry only (a stage's key is thousands of
        # entries long: patched, not computed again).
        index = self._index
        if index is not None:
            keys = self._keys
            layer = self.design.layer(layer_id)
            for gid in index.chain(layer_id):
                kept = keys.get(gid)
                if kept is not None:
                    keys[gid] = self._canonical(
                        with_new_params(kept, index.members[gid].index(layer_id), layer)
                    )
                parent = self._parent_of.get(gid)
                if parent is not None:
                    self._stale_parents.add(parent)  # its runs may have split or joined
        else:
            self._parent_runs = None
        self._runs = None  # the graphs stay while the runs that merge their nodes do
        self._places = None
        self._fields = None

    def _on_analysis(self, changed: object) -> None:
        self._fields = None
        if not isinstance(changed, set | frozenset):
            self._drop_summaries(structure=False)
            return
        readers, summaries = self._readers, self._summary_of
        if not summaries:
            return
        analysis = self.analysis
        if analysis is not None and analysis.unlisted_fields:
            # Fields moved in layers the update does not list: each block shows its output's,
            # found when the block is next read (``summary``).
            self._field_pending.update(summaries)
        fields = analysis.field_only if analysis is not None else frozenset()
        for lid in changed:
            tokens = readers.get(lid)
            if not tokens:
                continue
            if lid in fields:
                # Only its receptive field changed: a block's totals stay, and the block whose
                # output it is shows the new field.
                info = analysis.info.get(lid) if analysis is not None else None
                for token in tokens:
                    found = summaries.get(token)
                    if found is not None and found.output_layer == lid and info is not None:
                        summaries[token] = replace(found, receptive_field=info.receptive_field)
                continue
            slot_of = self._slot_of
            for token in tokens:
                summaries.pop(token, None)
                self._main_of.pop(token, None)
                self._weights_of.pop(token, None)
                slot = slot_of.get(token)
                if slot is not None:
                    self._stale_slots.setdefault(slot[0], set()).add(slot[1])

    def _drop_summaries(self, structure: bool = True) -> None:
        self._summary_of = {}
        self._field_pending = set()
        self._main_of = {}
        self._weights_of = {}
        self._stretches = {}
        self._slot_of = {}
        self._stale_slots = {}
        self._dropped += 1
        if structure:
            self._token_of = {}
            self._readers = {}
            self._node_tokens = {}

    # ------------------------------------------------------------------ lookups

    def index(self) -> GroupIndex:
        if self._index is None:
            self._index = GroupIndex(self.design)
        return self._index

    def consumers(self) -> dict[str, list[str]]:
        if self._consumers is None:
            self._consumers = consumers_of(self.design)
        return self._consumers

    def runs(self) -> list[Run]:
        """``repeat_runs(design, index)``, from the structure keys kept between edits."""
        if self._runs is None:
            self._runs = self._repeat_runs()
        return self._runs

    def graph(self, collapsed: AbstractSet[str]) -> VisibleGraph:
        """``visible_graph(design, index, collapsed, runs=runs())``: the same object for as
        long as the runs merging its nodes stay the same."""
        key = self._key(collapsed)
        units = self._units.get(key)
        if units is None:
            if len(self._units) > 8:
                self._units = {}
                self._graphs = {}
                self._relevant = {}
            units = self._units[key] = collapsed_units(self.design, self.index(), key)
        runs = self.runs()
        memo = self._relevant.get(key)
        if memo is not None and memo[0] is runs:  # (runs() is the same list until an edit)
            relevant = memo[1]
        else:
            relevant = units.relevant(runs)
            self._relevant[key] = (runs, relevant)
        kept = self._graphs.get(key)
        if kept is not None and kept[0] == relevant:
            return kept[1]
        graph = merged_graph(units, relevant)
        self.graphs_built += 1
        self._graphs[key] = (relevant, graph)
        return graph

    def _key(self, collapsed: AbstractSet[str]) -> frozenset[str]:
        """The one frozenset this cache keys ``collapsed``'s entries by. The canvas, the table
        and the 3D view each hold the collapsed set as a frozenset of their own (1,400 groups
        on the grouped 10,000-layer design): each is matched to the key once, by value, and
        after that by identity, so asking again costs a lookup, not a set made, hashed and
        compared group by group (0.05-0.1 ms a call, five calls an edit)."""
        seen = self._keys_seen.get(id(collapsed))
        if seen is not None and seen[0] is collapsed:
            return seen[1]
        key = collapsed if isinstance(collapsed, frozenset) else frozenset(collapsed)
        for known in self._units:  # (a few collapsed sets at most)
            if known == key:
                key = known
                break
        if isinstance(collapsed, frozenset):  # (immutable: its id names the same value)
            if len(self._keys_seen) > 16:
                self._keys_seen = {}
            self._keys_seen[id(collapsed)] = (collapsed, key)
        return key

    def summary(self, node: Node) -> GroupSummary:
        """``summarize`` of the node's layers against the analysis this cache follows."""
        key = node.layers
        token = self._node_token(node)
        found = self._summary_of.get(token)
        if found is not None:
            if token in self._field_pending:
                self._field_pending.discard(token)
                field = self.field(found.output_layer) if found.output_layer else None
                if field != found.receptive_field:
                    found = self._summary_of[token] = replace(found, receptive_field=field)
            return found
        analysis = self.analysis
        assert analysis is not None, "attach() the analysis first"
        found = self._composed(node)
        if found is None:
            found = summarize(self.design, analysis, key, self.consumers(), field_of=self.field)
            self.summaries_computed += 1
        self._summary_of[self._node_token(node)] = found  # (the same unless blocks were dropped)
        return found

    def main_type(self, node: Node) -> str:
        """``main_type`` of a block (the layer type it is drawn as), kept while its totals are."""
        token = self._node_token(node)
        found = self._main_of.get(token)
        if found is None:
            assert self.analysis is not None
            chain = self._composable.get(node.groups) if len(node.groups) > 1 else None
            if chain is None:
                found = main_type(self.analysis, node)
            else:
                # ``main_type`` of the run's layers, from its blocks' kept weights: a split
                # run's two parts cost a sum of a few types per block, not a pass over 1,200
                # layers each. (Block after block is the run's layer order, so the types are
                # met in the same order and a tie goes the same way.)
                stretch = self._stretch(node.groups)
                if stretch is None:
                    weight: Counter[str] = Counter()
                    for block in chain.blocks:
                        weight.update(self._block_weights(block))
                    found = weight.most_common(1)[0][0] if weight else "Identity"
                else:
                    # The run's sums, in the order its types first come: the first block's
                    # (every block of a run has the same layer types in the same order), so a
                    # tie goes to the type met first, as ``most_common`` gives it.
                    weights = stretch[1]
                    order = [t for t in self._block_weights(chain.blocks[0]) if t in weights]
                    found = max(order, key=weights.__getitem__) if order else "Identity"
            self._main_of[token] = found
        return found

    def _block_weights(self, block: tuple[str, ...]) -> Counter[str]:
        """What ``collapsed_figure.main_type`` weighs in one block: per layer type, its layers'
        MACs plus one per layer (read as stored), kept until a layer it reads changes."""
        token = self._token(block)
        found = self._weights_of.get(token)
        if found is None:
            assert self.analysis is not None
            read, design = self.analysis.stored, self.design
            found = Counter()
            for lid in block:
                li = read(lid)
                found[design.layer(lid).type] += (li.macs if li else 0) + 1
            self._weights_of[token] = found
        return found

    def _node_token(self, node: Node) -> int:
        """``_token(node.layers)``, kept per node object (the views ask for the same nodes)."""
        seen = self._node_tokens.get(id(node))
        if seen is not None and seen[0] is node:
            return seen[1]
        token = self._token(node.layers)
        if len(self._node_tokens) > MAX_BLOCKS:
            self._node_tokens = {}
        self._node_tokens[id(node)] = (node, token)
        return token

    def _token(self, key: tuple[str, ...]) -> int:
        token = self._token_of.get(key)
        if token is None:
            if len(self._token_of) > MAX_BLOCKS:  # many collapsed sets seen: start again
                self._drop_summaries()
            design = self.design
            token = self._token_of[key] = len(self._token_of)
            readers = self._readers
            for lid in key:
                readers.setdefault(lid, []).append(token)
                if lid in design:
                    for ref in design.layer(lid).inputs:  # the block's input comes from outside
                        src = source_of(ref)
                        if src not in readers or readers[src][-1] != token:
                            readers.setdefault(src, []).append(token)
        return token

    def _composed(self, node: Node) -> GroupSummary | None:
        """A run's totals from its blocks' (kept between edits, each until a layer it reads
        changes): the sums, the first block's input and the last block's output. The same as
        ``summarize`` of the run's layers where its blocks are chained (``chain_of``: no block
        reads a later one or is read by an earlier one) and each block's layers follow the one
        before's in the design; otherwise None. After an edit splits a run of 356 blocks, its
        two parts cost a sum of kept totals each, not a pass over 1,200 layers."""
        groups = node.groups
        analysis = self.analysis
        if len(groups) < 2 or analysis is None:
            return None
        if groups in self._composable:
            chain = self._composable[groups]
        else:
            if groups not in self._chains:
                self._chains[groups] = chain_of(self.design, self.index(), Run(groups))
            chain = self._chains[groups]
            if chain is not None and chain.layers != node.layers:
                chain = None
            self._composable[groups] = chain  # (the layers are built once per run, not per edit)
        if chain is None:
            return None
        first, last = self._block_totals(chain.blocks[0]), self._block_totals(chain.blocks[-1])
        out = last.output_layer
        if out is None:
            return None
        stretch = self._stretch(groups)
        if stretch is not None:
            sums = stretch[0]
        else:
            sums = _sums(self._block_totals(block) for block in chain.blocks)
        layers, params, trainable, buffers, macs, errors, warnings, unknown, neurons, memory = sums
        return GroupSummary(
            layers=layers,
            params=params,
            trainable_params=trainable,
            buffers=buffers,
            macs=macs,
            input_shape=first.input_shape,
            output_shape=last.output_shape,
            output_layer=out,
            receptive_field=self.field(out) if analysis.stored(out) is not None else None,
            errors=errors,
            warnings=warnings,
            unknown=unknown,
            neurons=neurons,
            memory_bytes=memory,
        )

    def _block_totals(self, block: tuple[str, ...]) -> GroupSummary:
        """One block's totals, its field left to be found when the block is read as a node."""
        token = self._token(block)
        found = self._summary_of.get(token)
        if found is None:
            assert self.analysis is not None
            found = summarize(
                self.design, self.analysis, block, self.consumers(), field_of=_no_field
            )
            self.summaries_computed += 1
            self._summary_of[token] = found
            self._field_pending.add(token)
        return found

    def _stretch(self, groups: tuple[str, ...]) -> tuple[tuple[int, ...], dict[str, int]] | None:
        """The sums of consecutive sibling blocks' totals (``_sums``) and their main-type weights,
        from their parent's ``_Stretches`` (None: not a stretch of one parent's items)."""
        items = self._run_items
        k = self._parent_of.get(groups[0])
        if items is None or k is None:
            return None
        first = self._place_in_parent[groups[0]]
        end = first + len(groups)
        parent_items = items[k]
        if end > len(parent_items) or parent_items[end - 1][0] != groups[-1]:
            return None
        stretches = self._stretches.get(k)
        members = self.index().members
        dropped = self._dropped
        if stretches is None:
            values: list[tuple[tuple[int, ...], Counter[str]] | None] = []
            for n, (name, is_group) in enumerate(parent_items):
                block = tuple(members.get(name, ())) if is_group else ()
                if not block:
                    values.append(None)
                    continue
                values.append(self._block_values(block))
                self._slot_of[self._token(block)] = (k, n)
            stretches = self._stretches[k] = _Stretches(values)
            self._stale_slots.pop(k, None)
        stale = self._stale_slots.pop(k, None)
        for n in sorted(stale or ()):
            stretches.set(n, self._block_values(tuple(members.get(parent_items[n][0], ()))))
        if self._dropped != dropped:
            # Numbering the blocks anew dropped every kept total meanwhile: what this built from
            # them is dropped too.
            self._stretches, self._slot_of, self._stale_slots = {}, {}, {}
            return None
        return stretches.sums(first, end)

    def _block_values(self, block: tuple[str, ...]) -> tuple[tuple[int, ...], Counter[str]]:
        return _sums((self._block_totals(block),)), self._block_weights(block)

    def field(self, layer_id: str) -> ReceptiveField | None:
        """``analysis.info[layer_id].receptive_field``, without bringing the fields before it up
        to date where ``BlockFields`` finds it from a run's first block."""
        analysis = self.analysis
        assert analysis is not None, "attach() the analysis first"
        if analysis.field_is_current(layer_id):
            info = analysis.stored(layer_id)
            return info.receptive_field if info is not None else None
        return self._block_fields().field(layer_id)

    def layer_info(self, layer_id: str) -> LayerInfo | None:
        """``analysis.info.get(layer_id)``, its field found as ``field`` finds it."""
        analysis = self.analysis
        assert analysis is not None, "attach() the analysis first"
        info = analysis.stored(layer_id)
        if info is None or analysis.field_is_current(layer_id):
            return info
        found = self._block_fields().source(layer_id)
        if found is None:
            return info
        if found.receptive_field == info.receptive_field and found.input_size == info.input_size:
            return info
        return replace(info, receptive_field=found.receptive_field, input_size=found.input_size)

    def _block_fields(self) -> BlockFields:
        if self._fields is None:
            assert self.analysis is not None
            if self._places is None:
                self._places = chain_places(self.design, self.index(), self.runs(), self._chains)
            self._fields = BlockFields(self.analysis, self.index(), self._places)
        return self._fields

    def _repeat_runs(self) -> list[Run]:
        # The same runs as ``designer.core.groups.repeat_runs``, with each group's key and each
        # parent's items in order kept between edits.
        design = self.design
        index = self.index()
        if self._run_items is None:
            order = {lid: n for n, lid in enumerate(design.ids)}
            direct: dict[str | None, list[str]] = {}
            for lid in design.ids:
                direct.setdefault(index.owner.get(lid), []).append(lid)
            self._run_items = []
            for parent, kids in index.children.items():
                # The parent's items in network order: a layer between two blocks breaks a run.
                items: list[tuple[int, str, bool]] = [
                    (order[m[0]], g, True) for g in kids if (m := index.members.get(g))
                ]
                items += [(order[lid], lid, False) for lid in direct.get(parent, [])]
                items.sort()
                self._run_items.append([(name, is_group) for _, name, is_group in items])
            self._run_first = {gid: order[m[0]] for gid, m in index.members.items() if m}
            self._parent_of = {
                name: k
                for k, parent_items in enumerate(self._run_items)
                for name, is_group in parent_items
                if is_group
            }
            self._place_in_parent = {
                name: n
                for parent_items in self._run_items
                for n, (name, is_group) in enumerate(parent_items)
                if is_group
            }
            self._parent_runs = None
        layer_keys: dict[str, tuple[str, str]] = {}  # this call's: the design does not change
        if self._parent_runs is None:
            self._parent_runs = [self._runs_in(items, layer_keys) for items in self._run_items]
        else:
            # After a parameter edit, only the parents of the groups around the edited layer
            # (a block's stage, the stage's parent): not the 1,400 other parents' keys compared.
            for k in self._stale_parents:
                self._parent_runs[k] = self._runs_in(self._run_items[k], layer_keys)
        self._stale_parents = set()
        runs = [run for parent_runs in self._parent_runs for run in parent_runs]
        runs.sort(key=lambda r: self._run_first[r.head])
        return runs

    def _canonical(self, key: tuple[Any, ...]) -> tuple[Any, ...]:
        """``key``, or the equal key met before (keys of up to ``CANONICAL_KEY`` layers: a
        stage's key of thousands is compared rarely and would cost more to hash)."""
        if len(key) > CANONICAL_KEY:
            return key
        if len(self._canon) > MAX_BLOCKS:
            self._canon = {}
        return self._canon.setdefault(key, key)

    def _runs_in(
        self, parent_items: list[tuple[str, bool]], layer_keys: dict[str, tuple[str, str]]
    ) -> list[Run]:
        """The runs of identical groups among one parent's items (in network order)."""
        design, index, keys = self.design, self.index(), self._keys
        item_keys: list[tuple[Any, ...] | None] = []
        for name, is_group in parent_items:
            if not is_group:
                item_keys.append(None)
                continue
            k = keys.get(name)
            if k is None:
                k = keys[name] = self._canonical(structure_key(design, index, name, layer_keys))
            item_keys.append(k)
        runs: list[Run] = []
        start = 0
        for n in range(1, len(parent_items) + 1):
            if n == len(parent_items) or item_keys[n] is None or item_keys[n] != item_keys[start]:
                if n - start >= 2 and item_keys[start] is not None:
                    runs.append(Run(tuple(name for name, _ in parent_items[start:n])))
                start = n
        return runs


def _no_field(_layer_id: str) -> None:
    return None


def renamed_index(index: GroupIndex, old: str, new: str) -> GroupIndex:
    """``index`` with layer ``old`` called ``new`` (a new object: the group tree as it is now,
    as ``GroupIndex(design)`` would build it after the rename)."""
    out = object.__new__(GroupIndex)
    out.__dict__.update(index.__dict__)
    out._ancestors = dict(index._ancestors)
    owner = index.owner.get(old)
    if owner is None:
        return out
    out.owner = dict(index.owner)
    out.owner[new] = out.owner.pop(old)
    out.members = dict(index.members)
    for gid in index.chain(old):
        out.members[gid] = [new if m == old else m for m in index.members[gid]]
    out.groups = dict(index.groups)
    group = index.groups[owner].copy()
    group.layers = [new if m == old else m for m in group.layers]
    out.groups[owner] = group
    return out


def _renamed_units(units: CollapsedUnits, old: str, new: str, index: GroupIndex) -> CollapsedUnits:
    """``units`` with layer ``old`` called ``new`` (``collapsed_units`` after the rename)."""

    def swap(lid: str) -> str:
        return new if lid == old else lid

    nodes: dict[tuple[str, ...], Node] = {}
    for key, node in units._nodes.items():
        if old in node.layers:
            layer = node.kind == "layer"
            node = Node(
                swap(node.id),
                node.kind,
                tuple(swap(m) for m in node.layers),
                node.groups,
                swap(node.title) if layer else node.title,
            )
            key = (new,) if layer else key
        nodes[key] = node
    return CollapsedUnits(
        units.design,
        index,
        units.shut,
        [(swap(u), is_group) for u, is_group in units.units],
        {swap(lid): swap(unit) for lid, unit in units.unit_of.items()},
        [(swap(a), swap(b)) for a, b in units.cross],
        None,
        nodes,
    )


def _sums(parts: Iterable[GroupSummary]) -> tuple[int, ...]:
    """What a run's totals add up from its blocks': layers, params, trainable params, buffers,
    MACs, errors, warnings, unknown, neurons and memory, in this order."""
    layers = params = trainable = buffers = macs = 0
    errors = warnings = unknown = neurons = memory = 0
    for p in parts:
        layers += p.layers
        params += p.params
        trainable += p.trainable_params
        buffers += p.buffers
        macs += p.macs
        errors += p.errors
        warnings += p.warnings
        unknown += p.unknown
        neurons += p.neurons
        memory += p.memory_bytes
    return (layers, params, trainable, buffers, macs, errors, warnings, unknown, neurons, memory)


class _Stretches:
    """A parent's blocks' sums (``_sums``) and main-type weights over any stretch of its items, in
    a Fenwick tree: a block's new totals are put in, and a stretch summed, in O(log n) steps. An
    edit that splits or joins a run of 356 blocks then sums its parts without a pass over its
    blocks (half a millisecond an edit on the grouped 10,000-layer design). Items that are not
    blocks (a layer between them) count nothing."""

    __slots__ = ("_sums", "_values", "_weights")

    def __init__(self, values: list[tuple[tuple[int, ...], Counter[str]] | None]) -> None:
        size = len(values)
        self._values = values
        sums = [[0] * 10 for _ in range(size + 1)]
        weights: list[Counter[str]] = [Counter() for _ in range(size + 1)]
        for i in range(1, size + 1):  # (built in one pass: each node adds itself to its parent)
            value = values[i - 1]
            if value is not None:
                own, weight = value
                sums[i] = [a + b for a, b in zip(sums[i], own, strict=True)]
                weights[i].update(weight)
            parent = i + (i & -i)
            if parent <= size:
                sums[parent] = [a + b for a, b in zip(sums[parent], sums[i], strict=True)]
                weights[parent].update(weights[i])
        self._sums = sums
        self._weights = weights

    def set(self, n: int, value: tuple[tuple[int, ...], Counter[str]]) -> None:
        """Item ``n``'s block now has these totals and weights."""
        old = self._values[n]
        old_sums, old_weights = old if old is not None else ((0,) * 10, Counter())
        delta = [a - b for a, b in zip(value[0], old_sums, strict=True)]
        change = dict(value[1])
        for kind, w in old_weights.items():
            change[kind] = change.get(kind, 0) - w
        self._values[n] = value
        i = n + 1
        while i < len(self._sums):
            self._sums[i] = [a + b for a, b in zip(self._sums[i], delta, strict=True)]
            weights = self._weights[i]
            for kind, w in change.items():
                weights[kind] = weights.get(kind, 0) + w
            i += i & -i

    def _prefix(self, end: int) -> tuple[list[int], dict[str, int]]:
        total = [0] * 10
        weights: dict[str, int] = {}
        i = end
        while i > 0:
            total = [a + b for a, b in zip(total, self._sums[i], strict=True)]
            for kind, w in self._weights[i].items():
                weights[kind] = weights.get(kind, 0) + w
            i -= i & -i
        return total, weights

    def sums(self, first: int, end: int) -> tuple[tuple[int, ...], dict[str, int]]:
        """The sums and weights of items ``first`` to ``end - 1``."""
        upper, upper_weights = self._prefix(end)
        lower, lower_weights = self._prefix(first)
        weights = {
            kind: w - lower_weights.get(kind, 0)
            for kind, w in upper_weights.items()
            if w - lower_weights.get(kind, 0)
        }
        return tuple(a - b for a, b in zip(upper, lower, strict=True)), weights


def _read_by(consumers: dict[str, list[str]], layer_id: str) -> list[str]:
    """The layers ``consumers`` lists ``layer_id`` as reading (what it read: the design, after
    an edit, has only what it reads now, or nothing once it is removed)."""
    return [src for src, users in consumers.items() if layer_id in users]


def _patched(
    consumers: dict[str, list[str]],
    layer_id: str,
    before: Iterable[str],
    after: Iterable[str],
) -> dict[str, list[str]]:
    """``consumers`` (``consumers_of``: layer → the layers reading it) once ``layer_id`` reads
    ``after`` instead of ``before``; changed lists are new lists, in no particular order (what
    reads them, ``summarize``, asks only whether a reader is outside a block)."""
    old, new = set(before), set(after)
    for src in old - new:
        users = [u for u in consumers.get(src, ()) if u != layer_id]
        if users:
            consumers[src] = users
        else:
            consumers.pop(src, None)
    for src in new - old:
        consumers[src] = [*consumers.get(src, ()), layer_id]
    return consumers


def cached_block_rows(analysis: Analysis, collapsed: AbstractSet[str]) -> list[BlockRow]:
    """``block_rows`` with the graph and the blocks' totals from the analysis's cache."""
    cache = cache_for(analysis)
    if cache is None or not collapsed:
        return block_rows(analysis, collapsed)
    return block_rows(
        analysis,
        collapsed,
        graph=cache.graph(collapsed),
        summary=cache.summary,
        info_of=cache.layer_info,
    )


def cached_volume_scene(
    analysis: Analysis, collapsed: AbstractSet[str], options: BlockOptions | None = None
) -> VolumeScene:
    """``collapsed_volume_scene`` with the graph and the blocks' totals from the cache
    (``analysis`` may be a window of the document's, which has none: computed as before)."""
    cache = cache_for(analysis)
    if cache is None or not collapsed:
        return collapsed_volume_scene(analysis, collapsed, options)
    return collapsed_volume_scene(
        analysis,
        collapsed,
        options,
        graph=cache.graph(collapsed),
        summary=cache.summary,
        info_of=cache.layer_info,
        main_of=cache.main_type,
    )

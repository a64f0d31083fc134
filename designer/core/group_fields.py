"""Receptive fields at the outputs of collapsed blocks, found without bringing thousands of
fields up to date (issue 15: an edit inside a collapsed block of a long design).

An edit that keeps every shape leaves the fields past full coverage out of date in the
analysis, to be brought up to date when read (``Analysis.info``). A collapsed view shows the
field at each block's output, and at the end of a 10,000-layer design reading it brings every
field before it up to date: about 6,000 layers after an edit mid-design. ``BlockFields`` finds
the same values with less work:

- a layer's field from its inputs' (``Analysis.field_from``: what bringing it up to date
  computes), kept here and not stored in the analysis;
- in a run of identical blocks chained one after the other (``chain_of``: each block's outside
  inputs are the previous block's output, the first block's one layer before the run), whose
  first block's input has the shape of its output (so every block has the same shapes) and
  keeps the field's jump, each block is the one before it moved by the same amount D: a layer's
  field grows by ``(kernel − 1)·jump`` through a window and takes the largest of its inputs' at
  a merge, so moving every input by D moves it by D. Block k (0 the first) has the first
  block's fields plus k·D. The first two blocks are computed layer by layer and must bear that out, every
  size and jump must be an integer and every size below 2**52: float sums of such integers are
  exact, so the analysis, adding them up block by block, finds the same values to the last bit.
  Otherwise the run's blocks are computed layer by layer.

Where a field cannot be found this way (an input that is one output of a Split, a layer with no
field step, an input analysed with another shape) it is read from the analysis, as before:
``field(lid)`` is always ``analysis.info[lid].receptive_field``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from designer.core.analysis import ReceptiveField
from designer.core.refs import source_of

if TYPE_CHECKING:
    from designer.core.analysis import Analysis, FieldSource
    from designer.core.design import Design
    from designer.core.groups import GroupIndex, Run
    from designer.core.shape_rules import Shape

#: Sizes below this are integers that floats add exactly.
EXACT = 2.0**52


@dataclass(frozen=True, slots=True)
class _Field:
    output_shape: Shape | None
    receptive_field: ReceptiveField | None
    input_size: tuple[int, int] | None


@dataclass(frozen=True)
class Chain:
    """A run whose blocks are chained one after the other (structure only)."""

    blocks: tuple[tuple[str, ...], ...]  # each block's layers in design order (same positions)
    source: str  # the layer before the run that the first block reads
    out: int  # the position of the layer the next block reads

    @property
    def layers(self) -> tuple[str, ...]:
        """Every block's layers, block after block."""
        return tuple(m for block in self.blocks for m in block)


def chain_of(design: Design, index: GroupIndex, run: Run) -> Chain | None:
    """``run`` as a chain of blocks, or None when its blocks read anything else from outside
    themselves than the block before (the first: one layer before the run)."""
    blocks = tuple(tuple(index.members.get(g, ())) for g in run.groups)
    length = len(blocks[0])
    if len(blocks) < 2 or not length or any(len(b) != length for b in blocks):
        return None
    source = ""
    out = -1
    for k, block in enumerate(blocks):
        inside = set(block)
        for lid in block:
            for ref in design.layer(lid).inputs:
                if source_of(ref) in inside:
                    continue
                if ref not in design.layer_map:  # one output of a Split, or no such layer
                    return None
                if k == 0:
                    if source and ref != source:
                        return None
                    source = ref
                elif out < 0:
                    if ref not in blocks[0]:
                        return None
                    out = blocks[0].index(ref)
                elif ref != blocks[k - 1][out]:
                    return None
        if k and out < 0:  # a block that reads nothing from the block before it
            return None
    if not source:
        return None
    return Chain(blocks, source, out)


class _GiveUp(Exception):
    """A field this module cannot find: read it from the analysis."""


class BlockFields:
    """Fields of layers left out of date, for one state of the analysis (make a new one after
    every update). ``index``: the design's groups; ``places``: each block of a chained run (of three blocks or more) → its chain
    and its number in the run (0 the first)."""

    def __init__(
        self, analysis: Analysis, index: GroupIndex, places: dict[str, tuple[Chain, int]]
    ) -> None:
        self.analysis = analysis
        self.index = index
        self.places = places
        self._store: dict[str, FieldSource] = {}
        self._shifts: dict[int, tuple[float, float] | None] = {}  # id(chain) -> D, or None
        self.evaluated = 0  # layers computed one by one (tests)
        self.shifted = 0  # layers found from their run's first block (tests)

    def field(self, layer_id: str) -> ReceptiveField | None:
        """``analysis.info[layer_id].receptive_field``."""
        info = self.source(layer_id)
        return info.receptive_field if info is not None else None

    def source(self, layer_id: str) -> FieldSource | None:
        """The output shape, receptive field and input size ``analysis.info[layer_id]`` has."""
        analysis = self.analysis
        if analysis.field_is_current(layer_id):
            return analysis.stored(layer_id)
        try:
            return self._find(layer_id)
        except _GiveUp:
            return analysis.info.get(layer_id)

    def _read(self, layer_id: str) -> FieldSource | None:
        found = self._store.get(layer_id)
        if found is None and self.analysis.field_is_current(layer_id):
            return self.analysis.stored(layer_id)
        return found

    def _known(self, layer_id: str) -> bool:
        return layer_id in self._store or self.analysis.field_is_current(layer_id)

    def _place(self, layer_id: str) -> tuple[Chain, int] | None:
        places = self.places
        if not places:
            return None
        for gid in self.index.chain(layer_id):
            found = places.get(gid)
            if found is not None:
                return found
        return None

    def _find(self, target: str) -> FieldSource | None:
        analysis = self.analysis
        design = analysis.design
        store = self._store
        known = self._known
        stack = [target]
        limit = 4 * len(design) + 100  # a cycle (never stale, but never loop) gives up
        while stack:
            if len(stack) > limit:
                raise _GiveUp
            lid = stack[-1]
            if known(lid):
                stack.pop()
                continue
            place = self._place(lid)
            if place is not None and place[1] >= 2:
                chain, k = place
                key = id(chain)
                if key not in self._shifts:
                    need = [
                        x
                        for x in (chain.source, *chain.blocks[0], *chain.blocks[1])
                        if not known(x)
                    ]
                    if need:
                        stack.extend(need)
                        continue
                    self._shifts[key] = self._shift(chain)
                shift = self._shifts[key]
                if shift is not None:
                    j = chain.blocks[k].index(lid)
                    base = self._read(chain.blocks[0][j])
                    own = analysis.stored(lid)
                    assert base is not None and base.receptive_field is not None
                    size, jump = base.receptive_field.size, base.receptive_field.jump
                    store[lid] = _Field(
                        own.output_shape if own is not None else None,
                        ReceptiveField((size[0] + k * shift[0], size[1] + k * shift[1]), jump),
                        base.input_size,
                    )
                    self.shifted += 1
                    stack.pop()
                    continue
            layer = design.layer(lid)
            upstream: list[FieldSource | None] = []
            missing = []
            for ref in layer.inputs:
                found = self._read(ref)
                if found is None and not known(ref):
                    missing.append(ref)
                upstream.append(found)
            if missing:
                if any(ref not in design.layer_map for ref in missing):
                    raise _GiveUp  # one output of a Split: the analysis finds it
                stack.extend(missing)
                continue
            got = analysis.field_from(lid, upstream)
            own = analysis.stored(lid)
            if got is None or own is None:
                raise _GiveUp
            store[lid] = _Field(own.output_shape, got[1], got[0])
            self.evaluated += 1
            stack.pop()
        return self._read(target)

    def _shift(self, chain: Chain) -> tuple[float, float] | None:
        """D (per axis) when the run's blocks are its first block moved by D each, else None."""
        src = self._read(chain.source)
        first = [self._read(x) for x in chain.blocks[0]]
        second = [self._read(x) for x in chain.blocks[1]]
        if src is None or src.receptive_field is None:
            return None
        out = first[chain.out]
        if out is None or out.receptive_field is None or src.output_shape != out.output_shape:
            return None  # the first block changes the shape: the blocks may differ
        if out.receptive_field.jump != src.receptive_field.jump:
            return None
        d = (
            out.receptive_field.size[0] - src.receptive_field.size[0],
            out.receptive_field.size[1] - src.receptive_field.size[1],
        )
        if not _whole(*d, *src.receptive_field.size, *src.receptive_field.jump) or min(d) < 0:
            return None
        last = len(chain.blocks) - 1
        for a, b in zip(first, second, strict=True):
            if a is None or b is None or a.receptive_field is None or b.receptive_field is None:
                return None
            ra, rb = a.receptive_field, b.receptive_field
            if ra.jump != rb.jump or a.input_size != b.input_size:
                return None
            if (rb.size[0] - ra.size[0], rb.size[1] - ra.size[1]) != d:
                return None
            if not _whole(*ra.size, *ra.jump):
                return None
            if max(ra.size[0] + last * d[0], ra.size[1] + last * d[1]) >= EXACT:
                return None
        return d


def _whole(*values: float) -> bool:
    return all(float(v).is_integer() and abs(v) < EXACT for v in values)


def chain_places(
    design: Design,
    index: GroupIndex,
    runs: Sequence[Run],
    chains: dict[tuple[str, ...], Chain | None],
) -> dict[str, tuple[Chain, int]]:
    """Each block of a chained run of three blocks or more → (its chain, its number); ``chains``
    keeps each run's ``chain_of`` between calls (structure only)."""
    chained: list[tuple[Run, Chain]] = []
    for run in runs:
        if run.count < 3:
            continue
        if run.groups not in chains:
            chains[run.groups] = chain_of(design, index, run)
        chain = chains[run.groups]
        if chain is not None:
            chained.append((run, chain))
    # A run of stages whose blocks repeat inside: the blocks' runs find a stage's fields (the
    # stages' run would need every layer of its first two stages first).
    outer: set[str] = set()
    for run, _ in chained:
        outer.update(index.ancestors(run.head))
    places: dict[str, tuple[Chain, int]] = {}
    for run, chain in chained:
        if not outer.intersection(run.groups):
            for k, gid in enumerate(run.groups):
                places[gid] = (chain, k)
    return places

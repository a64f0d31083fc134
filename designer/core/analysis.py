"""Shape inference and statistics over a whole design, kept up to date incrementally.

``Analysis`` subscribes to a ``Design``. On every edit it recomputes only what lies
downstream of the change, and stops early where a recomputed layer's output did not
change. It never raises on a bad design: problems become ``Diagnostic`` objects and
layers downstream of an error are marked ``unknown`` rather than guessed.
"""

from __future__ import annotations

import heapq
import math
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, cast

from psygnal import Signal, SignalInstance

from designer.core.arithmetic import AxisArith, Semantics
from designer.core.design import BulkChange, Design, Layer, split_ref
from designer.core.quiet_gc import collection_deferred
from designer.core.refs import sources_of
from designer.core.registry import REGISTRY, LayerType
from designer.core.shape_rules import (
    _GEOMETRY,
    _WINDOW_STEPS,
    Finding,
    RFStep,
    RuleResult,
    Severity,
    Shape,
    fmt_shape,
)

Status = Literal["ok", "warning", "error", "unknown"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

#: Activations above this many elements (per sample) earn a warning.
LARGE_ACTIVATION = 50_000_000
#: PyTorch counts tensor elements in a signed 64-bit integer; larger outputs are an error.
MAX_TENSOR_ELEMENTS = 2**63 - 1

#: A sliding-window layer whose output keeps less than this share of its input's values
#: earns an ``information_bottleneck`` warning.
BOTTLENECK_KEEP = 0.1

#: Layer types whose windows grow the receptive field (the RF and bottleneck checks look at these).
WINDOW_TYPES = frozenset({"Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d"})


@dataclass
class Diagnostic:
    """One problem with a design: stable ``code``, the layer it concerns, plain words.

    ``data`` holds the numbers behind the message, for explanations and fixes.
    """

    severity: Severity
    code: str
    layer: str | None
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "layer": self.layer,
            "message": self.message,
        }


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field size and jump (effective stride) per axis, in input pixels."""

    size: tuple[float, float]
    jump: tuple[float, float]
    #: The field one step further, and that step (``_after``): kept on the field it comes
    #: from, so a layer whose input field and step are the objects they were gets its own
    #: field back without the arithmetic. Not a dataclass field: no part of the value.
    _after: ClassVar[tuple[RFStep, ReceptiveField | None] | None] = None
    #: The step kept before it, and its field (``_after``'s second place).
    _after_other: ClassVar[tuple[RFStep, ReceptiveField | None] | None] = None

    def __getstate__(self) -> dict[str, Any]:
        """Copied and pickled as its value: without ``_after`` (which would take every field
        after it along, one level deeper each)."""
        return {"size": self.size, "jump": self.jump}

    @property
    def size_px(self) -> tuple[int, int]:
        return (math.ceil(self.size[0] - 1e-9), math.ceil(self.size[1] - 1e-9))


class FieldSource(Protocol):
    """What a layer's receptive field is computed from, per input (a ``LayerInfo`` is one)."""

    @property
    def output_shape(self) -> Shape | None: ...

    @property
    def receptive_field(self) -> ReceptiveField | None: ...

    @property
    def input_size(self) -> tuple[int, int] | None: ...


@dataclass(slots=True)
class LayerInfo:
    """Everything the analysis knows about one layer."""

    id: str
    type: str
    input_shapes: list[Shape | None] = field(default_factory=list)
    output_shape: Shape | None = None
    params: int = 0
    trainable_params: int = 0
    buffers: int = 0
    macs: int = 0
    receptive_field: ReceptiveField | None = None
    status: Status = "unknown"
    diagnostics: list[Diagnostic] = field(default_factory=list)
    axes: tuple[AxisArith, ...] = ()
    derived: dict[str, Any] = field(default_factory=dict)
    bytes_per_element: int = 4
    #: Every output of a layer with several (Split, Chunk); ``output_shape`` is the first.
    output_shapes: tuple[Shape, ...] = ()

    @property
    def neurons(self) -> int:
        """Elements in the output(s) (per sample); 0 when the shape is unknown."""
        if self.output_shapes:
            return sum(math.prod(s) for s in self.output_shapes)
        return math.prod(self.output_shape) if self.output_shape is not None else 0

    @property
    def display_shape(self) -> Shape | None:
        """The output as views show volumes: channels-last data (after ConvNeXt's permute to
        N×H×W×C) is shown as the C×H×W volume it holds, so it reads ``56×56×96`` like the
        volumes around it; every other shape is ``output_shape`` itself."""
        s = self.output_shape
        if s is not None and len(s) == 3 and self.channel_axis == 2:
            return (s[2], s[0], s[1])
        return s

    def output(self, index: int | None) -> Shape | None:
        """The shape of output ``index`` (``None``: the only one), or ``None`` if unknown or absent."""
        if not self.output_shapes:
            return self.output_shape if index in (None, 0) else None
        if index is None or not 0 <= index < len(self.output_shapes):
            return None
        return self.output_shapes[index]

    @property
    def memory_bytes(self) -> int:
        return self.neurons * self.bytes_per_element

    def same_output(self, other: LayerInfo) -> bool:
        return (
            self.output_shape == other.output_shape
            and self.output_shapes == other.output_shapes
            and self.receptive_field == other.receptive_field
            and (self.status == "unknown") == (other.status == "unknown")
            and self.input_size == other.input_size
            and self.channel_axis == other.channel_axis
        )

    input_size: tuple[int, int] | None = None  # spatial size of the network input this layer sees
    #: Where the channels of the network's volumes are in this output (0 for C×H×W; 2 after
    #: ConvNeXt's permute to channels-last), or None once they are mixed into other axes.
    channel_axis: int | None = None


@dataclass(frozen=True)
class Totals:
    params: int
    trainable_params: int
    buffers: int
    macs: int
    neurons: int
    memory_bytes: int
    errors: int
    warnings: int
    infos: int


class _Infos(dict[str, LayerInfo]):
    """``Analysis.info``: layer id → its ``LayerInfo``, every one up to date (a plain dict)."""

    __slots__ = ("analysis",)
    analysis: Analysis


class _StaleInfos(_Infos):
    """``Analysis.info`` while some layers' receptive fields are out of date (see
    ``Analysis._mark_stale``): reading such a layer brings it, and the layers it depends on, up
    to date first, so a reader never sees an old field. The analysis itself writes and reads
    through ``dict``'s own methods where it knows a layer is current."""

    __slots__ = ()

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.analysis._stale:
            self.analysis._resolve(key)
        return dict.get(self, key, default)

    def __getitem__(self, key: str) -> LayerInfo:
        if key in self.analysis._stale:
            self.analysis._resolve(key)
        return dict.__getitem__(self, key)

    def values(self) -> Any:
        self.analysis._resolve_all()
        return dict.values(self)

    def items(self) -> Any:
        self.analysis._resolve_all()
        return dict.items(self)

    def copy(self) -> dict[str, LayerInfo]:
        self.analysis._resolve_all()
        return dict(dict.items(self))

    def __iter__(self) -> Iterator[str]:
        # (Defined, so that ``dict(info)``, ``{**info}`` and ``d.update(info)`` copy through
        # ``__getitem__``: for a dict subclass that keeps dict's own iterator, CPython copies
        # the entries as stored, old fields and all.)
        return dict.__iter__(self)

    def __eq__(self, other: object) -> bool:
        # (dict's own comparison reads the entries as stored: an analysis compared with a
        # fresh one differed in a field still out of date, which reading it would have renewed)
        self.analysis._resolve_all()
        if isinstance(other, _StaleInfos):
            other.analysis._resolve_all()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result


#: The design's signals a live analysis follows: (signal, the analysis's slot, how many of the
#: signal's arguments the slot takes). The count is given to psygnal, which would otherwise
#: work it out from the slot's signature (``inspect.signature``, about 15 µs a connection) in
#: every live analysis made (a design opened, a fix tried on a copy);
#: ``tests/core/test_tenth_pass_fast_paths.py`` checks each against the slot.
_FOLLOWED: tuple[tuple[str, str, int], ...] = (
    ("layer_added", "_on_structure", 1),
    ("layer_removed", "_on_removed", 1),
    ("inputs_changed", "_on_structure", 1),
    ("params_changed", "_on_params", 1),
    ("layer_renamed", "_on_renamed", 2),
    ("meta_changed", "_on_meta", 1),
    ("layer_moved", "_on_moved", 1),
    ("bulk_changed", "_on_bulk", 1),
)


class Analysis:
    """Live shape inference for one design.

    ``updated`` is emitted after every recomputation with the set of layer ids whose
    information changed (views repaint only those).
    """

    updated = Signal(object)  # set[str]

    def __init__(
        self,
        design: Design,
        *,
        bytes_per_element: int = 4,
        live: bool = True,
        start_from: Analysis | None = None,
    ) -> None:
        """``start_from``: an analysis of a design that ``design`` is an unedited copy of
        (``Design.trial_copy``); its results are taken over instead of recomputed, so a
        live analysis of the copy then costs only what the copy's edits touch."""
        self.design = design
        self.bytes_per_element = bytes_per_element
        self.info: dict[str, LayerInfo] = self._new_infos()
        #: Layers whose receptive field (and input size) is out of date: an edit that keeps every
        #: shape moved it, past the point where every path already sees the whole input, so no
        #: note can change there (``_cutoff``). Brought up to date when read (``_StaleInfos``).
        #: Every layer fed by a stale layer is stale too.
        self._stale: set[str] = set()
        self._noted: set[str] = set()  # stale layers whose notes changed when brought up to date
        #: Whether the last ``updated`` also moved fields of layers it does not list (stale ones).
        self.unlisted_fields = False
        self._one_input = False  # exactly one Input layer: every input size is the same
        #: The topological order (``order``); None after a structural edit that changed it
        #: without a pass over every layer: worked out again when read.
        self._order: list[str] | None = []
        self.structural: list[Diagnostic] = []
        #: Each layer's consumers (in design order after a full pass; a structural edit's
        #: fast path adds a consumer at the end). The lists are never changed in place: an
        #: analysis that took this one's results over may share them.
        self._consumers: dict[str, list[str]] = {}
        #: A topological key: every layer's rank is above those of the layers feeding it (the
        #: position in ``order`` after a full pass; a fast path gives a new or moved layer a
        #: rank of its own, a number between its neighbours' or above every other).
        self._rank: dict[str, float] = {}
        self._next_rank = 0  # above every rank given so far
        self._cyclic: set[str] = set()
        self._fed: set[str] = set()
        #: Each layer's ``inputs`` list as the structure above last took it into account (the
        #: design replaces a layer's list on every change, never changes it in place).
        self._inputs_seen: dict[str, list[str]] = {}
        #: Whether some layer takes its input from an id no layer has (then every structural
        #: edit takes the full pass: adding a layer of that id connects it).
        self._missing_any = False
        self._roots = 0  # layers with no input from a present layer (the order's first ones)
        #: Whether the structure's dicts and sets are shared with another analysis
        #: (``_take_over``): copied before a fast path changes them.
        self._shared = False
        self.structure_passes = 0  # full structure passes since creation (tests, benchmarks)
        self.renames = 0  # renames followed without a full pass (tests, benchmarks)
        self._totals: Totals | None = None
        # Running sums over self.info (see _account), so totals() after an edit costs
        # only what the edit recomputed, not a pass over every layer.
        self._sums: list[int] = [0] * _SUMS
        #: The layers whose stored diagnostics are not empty (kept by _account, as the sums),
        #: so ``diagnostics()`` of a long design with few problems passes over those only.
        self._flagged: set[str] = set()
        #: Each layer's place in the design order (a number; only their order counts), made
        #: when ``diagnostics()`` first needs it; None when a layer was added elsewhere than at
        #: the end or moved (made again when next needed). Followed by a live analysis only.
        self._positions: dict[str, int] | None = None
        self._next_position = 0  # above every position given
        self._live = live
        self.recompute_count = 0  # layers evaluated since creation (for tests and benchmarks)
        self._rf_steps: dict[str, RFStep] = {}  # each layer's rule's receptive-field step
        #: Each layer's parameters dict (the object), type and semantics, with the rule
        #: results by input shape of layers like it (``_RULE_CACHE``'s entry for them, and
        #: its key), as of ``_rule_generation`` (``_evaluate_one``). Shared with an analysis
        #: that takes this one's results over: an entry holds for any layer with that dict,
        #: type and semantics.
        self._rule_memo: dict[
            str,
            tuple[dict[str, Any], str, str, int, dict[Shape, RuleResult], tuple[Any, ...] | None],
        ] = {}
        #: The same entries by their parameters dict's ``id`` (the entry holds the dict, so
        #: the id is not reused while it is kept): layers that share one dict (the file
        #: loader gives layers alike one) share one entry, made once (``_evaluate_one``).
        self._memo_by_params: dict[
            int,
            tuple[dict[str, Any], str, str, int, dict[Shape, RuleResult], tuple[Any, ...] | None],
        ] = {}
        self._passing = False  # a ``_recompute_from`` pass is running (``_bring_up_to_date``)
        #: Of the ids the last ``updated`` carried, those whose change was their receptive field
        #: (and the input size it refers to) alone: same shapes, numbers, status and diagnostics.
        #: A view that shows no receptive field can pass over them.
        self.field_only: frozenset[str] = frozenset()
        if start_from is None:
            self.full_refresh()
        else:
            self._take_over(start_from)
        if live:
            for signal, slot, n in _FOLLOWED:
                getattr(design, signal).connect(getattr(self, slot), max_args=n)

    def _take_over(self, other: Analysis) -> None:
        """Start from ``other``'s results. ``info`` and the running sums are copied; the
        structure (order, consumers, ranks, ...) is shared, since every rebuild replaces it
        and nothing changes it in place."""
        for key, value in other.__dict__.items():
            if key not in _OWN_STATE and not isinstance(value, SignalInstance):
                setattr(self, key, value)
        # Neither changes the structure's dicts and sets in place from now on (_own_structure).
        self._shared = other._shared = True
        other._resolve_all()
        self.info = self._new_infos()
        self.info.update(dict.copy(other.info))  # (its entries as stored: current, resolved above)
        self._stale = set()
        self._noted = set()
        self._sums = list(other._sums)
        self._flagged = set(other._flagged)
        self._rf_steps = dict(other._rf_steps)

    def reevaluate(self, layer_ids: Iterable[str]) -> None:
        """Evaluate these layers again, and what follows them as far as their results change."""
        self._recompute_from(layer_ids)

    def close(self) -> None:
        """Stop following the design."""
        self._live = False
        for signal, slot, _n in _FOLLOWED:
            getattr(self.design, signal).disconnect(getattr(self, slot))

    # ------------------------------------------------------------------ events

    def _on_params(self, layer_id: str) -> None:
        self._recompute_from([layer_id])

    def _on_structure(self, layer_id: str) -> None:
        positions = self._positions
        if positions is not None and layer_id not in positions:  # a new layer
            layers = self.design.layer_map
            if layer_id in layers and next(reversed(layers)) == layer_id:
                positions[layer_id] = self._next_position
                self._next_position += 1
            else:
                self._positions = None
        changed = self._structure_step(layer_id)
        if changed is None:
            changed = self._rebuild_with_consumer_changes()
        self._recompute_from([layer_id, *changed])

    def _on_removed(self, layer_id: str) -> None:
        # The design already dropped the layer from its consumers' inputs (their own
        # ``inputs_changed`` follows): re-evaluate them now, so that nothing listening to
        # ``updated`` sees them with the removed input.
        former = self._consumers.get(layer_id, [])
        changed = self._removal_step(layer_id)
        if self._positions is not None:
            self._positions.pop(layer_id, None)
        self._drop_info(layer_id)
        if changed is None:
            changed = self._rebuild_with_consumer_changes()
        self._recompute_from([*former, *changed])
        self.field_only = frozenset()
        self.unlisted_fields = False
        self.updated.emit({layer_id})

    def _rebuild_with_consumer_changes(self) -> list[str]:
        """Rebuild the structure; return the layers whose consumers changed (whether a layer
        is a final output changes its diagnostics, e.g. a segmentation head's bottleneck)."""
        before = self._consumers
        fed_before = self._fed
        self._rebuild_structure()
        changed = [lid for lid, users in self._consumers.items() if before.get(lid) != users]
        # Whether a layer is reachable from an Input (its ``unreachable`` warning) can change far
        # downstream of the edit, behind a layer in error that has no output to propagate.
        changed.extend(fed_before ^ self._fed)
        return changed

    def _on_bulk(self, change: BulkChange) -> None:
        """Many layers removed or put back at once (``Design.remove_layers``,
        ``restore_layers``): one pass over the structure, then the layers added, reconnected
        or whose consumers changed evaluated again, with what follows them as far as their
        results change (as after a structural edit without a fast path), instead of a
        structural step per layer (5,000 of them took about a second). ``updated`` tells
        those, then the layers removed."""
        positions = self._positions
        for lid in change.removed:
            if positions is not None:
                positions.pop(lid, None)
            self._drop_info(lid)
        if change.added:
            self._positions = None  # (put back in the middle of the design order)
        changed = self._rebuild_with_consumer_changes()
        self._recompute_from([*change.added, *change.rewired, *changed])
        if change.removed:
            self.field_only = frozenset()
            self.unlisted_fields = False
            self.updated.emit(set(change.removed))

    # ------------------------------------------------- structure, without a full pass

    def _fast_structure(self) -> bool:
        """Whether a structural edit may update the structure where it happened, rather than
        in a pass over every layer: no cycle (its diagnostics name the cycle's layers in
        design order) and no input from a missing id (a new layer of that id connects it)."""
        return not self._cyclic and not self._missing_any

    def _own_structure(self) -> None:
        """Copy the structure's dicts and sets if another analysis shares them (its lists
        stay shared: nothing changes them in place)."""
        if self._shared:
            self._consumers = dict(self._consumers)
            self._rank = dict(self._rank)
            self._fed = set(self._fed)
            self._inputs_seen = dict(self._inputs_seen)
            self._shared = False

    def _structure_step(self, lid: str) -> list[str] | None:
        """The structure after ``lid`` was added or its inputs changed, updated around it: the
        layers whose consumers changed or that an Input now reaches or no longer reaches (to
        evaluate again, with ``lid``). None where the full pass is needed (see
        ``_fast_structure``; an Input; an input from a missing id; an edge against the order
        that neither of its ends can be moved past): then nothing was changed."""
        layers = self.design.layer_map
        layer = layers.get(lid)
        if layer is None or layer.type == "Input" or not self._fast_structure():
            return None
        inputs = layer.inputs
        new = inputs if len(inputs) == 1 and ":" not in inputs[0] else layer.sources
        for s in new:
            if s not in layers:
                return None
        rank = self._rank
        if lid not in rank:  # added: nothing takes its input yet (no input from a missing id)
            if lid not in self._inputs_seen:
                return self._added(lid, layer, new)
            return None
        seen = self._inputs_seen.get(lid)
        if seen is None:
            return None
        if seen is inputs:
            return []
        old = seen if len(seen) == 1 and ":" not in seen[0] else sources_of(seen)
        if old == new:
            self._own_structure()
            self._inputs_seen[lid] = inputs
            return []
        added = [s for s in new if s not in old]
        removed = [s for s in old if s not in new]
        moved = self._placed(lid, new, added)
        if moved is None:
            return None
        self._own_structure()
        rank = self._rank
        for x, r in moved:
            rank[x] = r
        consumers = self._consumers
        for s in added:
            consumers[s] = [*consumers[s], lid]
        for s in removed:
            consumers[s] = [c for c in consumers[s] if c != lid]
        self._inputs_seen[lid] = inputs
        if not old:
            self._roots -= 1
        if not new:
            self._roots += 1
        self._order = None
        fed = self._fed
        if lid in fed:
            if not any(s in fed for s in new):
                return [*added, *removed, *self._unfeed(lid)]
        elif any(s in fed for s in added):
            return [*added, *removed, *self._feed(lid)]
        return [*added, *removed]

    def _added(self, lid: str, layer: Layer, sources: list[str]) -> list[str]:
        """``_structure_step`` for a new layer taking its input from ``sources`` (present)."""
        self._own_structure()
        self._rank[lid] = self._next_rank  # above every other: nothing takes its input yet
        self._next_rank += 1
        consumers = self._consumers
        consumers[lid] = []
        for s in sources:
            consumers[s] = [*consumers[s], lid]
        self._inputs_seen[lid] = layer.inputs
        order = self._order
        if sources:
            self._order = None
        else:
            # A layer with no input, last in the design order: in the order (Kahn's, level by
            # level) it follows every other such layer (the first level) and precedes the rest.
            if order is not None:
                if next(reversed(self.design.layer_map)) == lid:
                    at = self._roots
                    self._order = [*order[:at], lid, *order[at:]]
                else:
                    self._order = None
            self._roots += 1
        fed = self._fed
        if any(s in fed for s in sources):
            fed.add(lid)
        return list(sources)

    def _placed(
        self, lid: str, sources: list[str], added: list[str]
    ) -> list[tuple[str, float]] | None:
        """New ranks that keep every edge going up the ranks once ``lid`` takes its input from
        ``sources`` (``added`` of them new): none when the new edges already do; else ``lid``
        moved up, or the one new source below it moved down, between the ranks of its own
        inputs and consumers. None when neither fits (or the numbers between are used up)."""
        rank = self._rank
        mine = rank[lid]
        late = [s for s in added if rank[s] >= mine]
        if not late:
            return []
        consumers = self._consumers
        lo = max(rank[s] for s in sources)
        users = consumers[lid]
        hi = min(rank[c] for c in users) if users else None
        r = self._between(lo, hi)
        if r is not None:
            return [(lid, r)]
        if len(late) == 1:
            x = late[0]
            seen = self._inputs_seen.get(x)
            if seen is None:
                return None
            below = seen if len(seen) == 1 and ":" not in seen[0] else sources_of(seen)
            below_rank = [rank[s] for s in below if s in rank]
            r = self._between(
                max(below_rank) if below_rank else None,
                min([mine, *(rank[c] for c in consumers[x])]),
            )
            if r is not None:
                return [(x, r)]
        return None

    def _between(self, lo: float | None, hi: float | None) -> float | None:
        """A rank above ``lo`` and below ``hi`` (None: no bound), or None if there is none."""
        if hi is None:
            r = float(self._next_rank)
            self._next_rank += 1
            return r
        if lo is None:
            return hi - 1
        if lo >= hi:
            return None
        mid = (lo + hi) / 2
        return mid if lo < mid < hi else None

    def _feed(self, lid: str) -> list[str]:
        """``lid`` and every layer it feeds that no Input reached are now reached: which."""
        fed, consumers = self._fed, self._consumers
        fed.add(lid)
        newly = [lid]
        stack = [lid]
        while stack:
            for c in consumers.get(stack.pop(), ()):
                if c not in fed:
                    fed.add(c)
                    newly.append(c)
                    stack.append(c)
        return newly

    def _unfeed(self, lid: str) -> list[str]:
        """``lid`` (reached from no Input now) and every layer after it that no other reached
        layer feeds: no longer reached, which. Without cycles, a layer is reached exactly when
        it is an Input or one of its inputs is reached: a layer whose inputs lose that is
        looked at again after each one does."""
        fed, consumers, layers = self._fed, self._consumers, self.design.layer_map
        fed.discard(lid)
        gone = [lid]
        stack = [lid]
        while stack:
            for c in consumers.get(stack.pop(), ()):
                if c in fed:
                    layer = layers[c]
                    if layer.type != "Input" and not any(s in fed for s in layer.sources):
                        fed.discard(c)
                        gone.append(c)
                        stack.append(c)
        return gone

    def _removal_step(self, lid: str) -> list[str] | None:
        """``_structure_step`` for a layer just removed that nothing took its input from (the
        undo of adding one): its inputs lose a consumer; the order loses it. None where the
        full pass is needed (it had consumers, it was an Input)."""
        old = dict.get(self.info, lid)
        seen = self._inputs_seen.get(lid)
        if (
            old is None
            or old.type == "Input"
            or seen is None
            or self._consumers.get(lid)
            or lid not in self._rank
            or not self._fast_structure()
        ):
            return None
        self._own_structure()
        sources = seen if len(seen) == 1 and ":" not in seen[0] else sources_of(seen)
        consumers = self._consumers
        for s in sources:
            users = consumers.get(s)
            if users is not None:
                consumers[s] = [c for c in users if c != lid]
        del consumers[lid]
        del self._rank[lid]
        del self._inputs_seen[lid]
        self._fed.discard(lid)
        if not sources:
            self._roots -= 1
        order = self._order
        if order is not None:
            # Nothing took its input: the others' order (Kahn's) is the same without it.
            self._order = _without(order, lid)
        return [s for s in sources if s in consumers]

    def _on_moved(self, layer_id: str) -> None:
        self._positions = None
        # The design order decides the topological order among equals and which cycle
        # each cycle diagnostic names; layer results do not depend on it.
        self._recompute_from(self._rebuild_with_consumer_changes())

    def _on_renamed(self, old: str, new: str) -> None:
        """A layer's id changed (and, in the design, every reference to it; the design order
        stays). Its entries are re-keyed, and only the layers whose results can show the id
        are evaluated again: the layer itself (its messages name it) and the layers taking
        its output (a message about which output they take names it). Nothing else names a
        layer: rules see shapes, not ids. The full pass where the structure has a cycle (its
        diagnostics name the cycle's layers) or where the layer was never analysed."""
        if self._cyclic or old not in self._rank or dict.get(self.info, old) is None:
            self.full_refresh()
            return
        self.renames += 1
        layers = self.design.layer_map
        self._own_structure()
        consumers = self._consumers
        users = consumers.pop(old)
        consumers[new] = users
        seen = self._inputs_seen.pop(old)
        self._inputs_seen[new] = seen
        for s in seen if len(seen) == 1 and ":" not in seen[0] else sources_of(seen):
            listed = consumers.get(s)
            if listed is not None and old in listed:
                consumers[s] = [new if c == old else c for c in listed]
        for c in users:  # their ``inputs`` lists are new ones, naming ``new``
            self._inputs_seen[c] = layers[c].inputs
        self._rank[new] = self._rank.pop(old)
        fed = self._fed
        if old in fed:
            fed.discard(old)
            fed.add(new)
        order = self._order
        if order is not None:  # a new list (the 3D view notices a new order by its identity)
            order = list(order)
            order[order.index(old)] = new
            self._order = order
        positions = self._positions
        if positions is not None:
            positions[new] = positions.pop(old)
        for keyed in (self._stale, self._noted, self._flagged):
            if old in keyed:
                keyed.discard(old)
                keyed.add(new)
        step = self._rf_steps.pop(old, None)
        if step is not None:
            self._rf_steps[new] = step
        infos = self.info
        dict.__setitem__(infos, new, dict.pop(infos, old))
        # Their results stay but for what names the id, so nothing after them changes. Each
        # is evaluated from its inputs as stored: reading them would bring out-of-date fields
        # up to date (a layer near the end of a long chain after an edit near its start: all
        # the fields before it). A stale layer stays stale: its field is worked out from its
        # inputs' fields, stale like its own, and its notes are current (see ``_cutoff``).
        changed = {new, *users}
        cls = infos.__class__
        infos.__class__ = _Infos
        try:
            for lid in changed:
                previous = dict.get(infos, lid)
                info = self._evaluate(layers[lid])
                dict.__setitem__(infos, lid, info)
                if previous is None:  # (every layer was analysed: not expected)
                    self._account(info, 1)
                else:
                    self._account_change(previous, info)
        finally:
            infos.__class__ = cls
        self._totals = None
        self.field_only = frozenset()
        self.unlisted_fields = False
        self.updated.emit(changed)

    def _on_meta(self, what: str) -> None:
        if what == "semantics":
            self.full_refresh()
        elif what == "load_notes":
            self._totals = None
            self.field_only = frozenset()
            self.unlisted_fields = False
            self.updated.emit(set())

    # ----------------------------------------------------------------- queries

    @property
    def semantics(self) -> Semantics:
        sem = self.design.semantics
        return sem if sem in ("pytorch", "keras", "caffe", "strict") else "pytorch"  # type: ignore[return-value]

    def diagnostics(self) -> list[Diagnostic]:
        """Every diagnostic: file notes, structure, then layers in design order; errors first."""
        out = [
            Diagnostic("error" if c != "unreachable" else "warning", c, lid, m)
            for c, lid, m in self.design.load_notes
        ]
        out.extend(self.structural)
        infos = self.info
        layers = self.design.layer_map
        flagged = self._flagged
        if self._live and len(flagged) * 8 < len(layers):
            # Few layers have diagnostics: those, in design order, without a pass over the rest.
            positions = self._positions
            if positions is None:
                positions = self._positions = dict(zip(layers, range(len(layers)), strict=True))
                self._next_position = len(layers)
            ids: Iterable[str] = sorted(flagged, key=positions.__getitem__)
        else:
            ids = layers
        for lid in ids:
            # A stale layer's diagnostics are current (only its field is not; see _cutoff).
            info = dict.get(infos, lid)
            if info:
                out.extend(info.diagnostics)
        out.sort(key=lambda d: SEVERITY_ORDER[d.severity])
        return out

    def totals(self) -> Totals:
        if self._totals is None:
            params, trainable, buffers, macs, neurons, mem, errors, warnings, infos = self._sums
            for code, _lid, _message in self.design.load_notes:
                if code == "unreachable":
                    warnings += 1
                else:
                    errors += 1
            for d in self.structural:
                errors += d.severity == "error"
                warnings += d.severity == "warning"
                infos += d.severity == "info"
            self._totals = Totals(
                params, trainable, buffers, macs, neurons, mem, errors, warnings, infos
            )
        return self._totals

    def _set_info(self, lid: str, info: LayerInfo) -> LayerInfo | None:
        self._stale.discard(lid)
        infos = self.info
        old = infos.get(lid)
        infos[lid] = info
        if old is None:
            self._account(info, 1)
        else:
            self._account_change(old, info)
        return old

    def _drop_info(self, lid: str) -> None:
        self._stale.discard(lid)
        self._rule_memo.pop(lid, None)
        old = self.info.pop(lid, None)
        if old is not None:
            self._account(old, -1)

    def _account(self, info: LayerInfo, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) what ``info`` contributes to the totals."""
        sums = self._sums
        sums[0] += sign * info.params
        sums[1] += sign * info.trainable_params
        sums[2] += sign * info.buffers
        sums[3] += sign * info.macs
        if info.type != "Input":  # the Input's own values are not activations
            out = info.output_shape
            # info.neurons, without the call
            neurons = math.prod(out) if out is not None and not info.output_shapes else info.neurons
            if neurons:
                sums[4] += sign * neurons
                sums[5] += sign * neurons * info.bytes_per_element
        diagnostics = info.diagnostics
        if diagnostics:
            for d in diagnostics:
                sums[6 + SEVERITY_ORDER[d.severity]] += sign
            if sign > 0:
                self._flagged.add(info.id)
            else:
                self._flagged.discard(info.id)

    def _account_change(self, old: LayerInfo, new: LayerInfo) -> None:
        """``_account(old, -1)`` then ``_account(new, 1)``, in one step (an edit's usual case)."""
        sums = self._sums
        sums[0] += new.params - old.params
        sums[1] += new.trainable_params - old.trainable_params
        sums[2] += new.buffers - old.buffers
        sums[3] += new.macs - old.macs
        # what each adds to the neurons (as in _account), inline
        if old.type == "Input":
            n_old = 0
        elif (out := old.output_shape) is not None and not old.output_shapes:
            n_old = math.prod(out)
        else:
            n_old = old.neurons
        if new.type == "Input":
            n_new = 0
        elif (out := new.output_shape) is not None and not new.output_shapes:
            n_new = math.prod(out)
        else:
            n_new = new.neurons
        if n_old or n_new:
            sums[4] += n_new - n_old
            sums[5] += n_new * new.bytes_per_element - n_old * old.bytes_per_element
        diagnostics = old.diagnostics
        if diagnostics:
            for d in diagnostics:
                sums[6 + SEVERITY_ORDER[d.severity]] -= 1
            if not new.diagnostics:
                self._flagged.discard(old.id)
        diagnostics = new.diagnostics
        if diagnostics:
            for d in diagnostics:
                sums[6 + SEVERITY_ORDER[d.severity]] += 1
            self._flagged.add(new.id)

    def beyond_fields(self, changed: set[str] | frozenset[str]) -> set[str] | frozenset[str]:
        """``changed`` (what ``updated`` carried) less the layers whose receptive field alone
        changed (``field_only``): what a view that shows no receptive field has to look at."""
        fields = self.field_only
        return changed - fields if fields else changed

    def has_errors(self) -> bool:
        return self.totals().errors > 0

    def field_is_current(self, layer_id: str) -> bool:
        """Whether ``layer_id``'s receptive field is up to date (reading it brings nothing else
        up to date; see ``info``)."""
        return layer_id not in self._stale

    def stored(self, layer_id: str) -> LayerInfo | None:
        """``layer_id``'s information as stored: all of it current except, where
        ``field_is_current`` says so, its receptive field and input size (left out of date past
        full coverage; no note can change there). Reading it brings nothing up to date."""
        return dict.get(self.info, layer_id)

    def field_from(
        self, layer_id: str, upstream: Sequence[FieldSource | None]
    ) -> tuple[tuple[int, int] | None, ReceptiveField | None] | None:
        """The input size and receptive field ``layer_id`` has when its inputs (one entry per
        input reference) have these fields: what bringing it up to date computes, without
        storing it. None where that cannot be decided this way (the layer has no field step, or
        an input's shape is not the one it was analysed with: then read ``info``)."""
        layer = self.design.layer_map.get(layer_id)
        old = dict.get(self.info, layer_id)
        step = self._rf_steps.get(layer_id)
        if (
            layer is None
            or old is None
            or step is None
            or old.output_shape is None
            or old.status == "unknown"
            or layer_id in self._cyclic
        ):
            return None
        shapes = old.input_shapes
        if len(upstream) != len(layer.inputs) or len(upstream) != len(shapes):
            return None
        for u, s in zip(upstream, shapes, strict=True):
            if u is None or u.output_shape != s:
                return None
        type_id = old.type
        if len(upstream) == 1:
            u = upstream[0]
            assert u is not None
            if u.receptive_field is None or step.kind == "identity":
                return u.input_size, u.receptive_field
        seen = upstream[:1] if type_id == "Upsample" else upstream
        return self._receptive_field(type_id, step, old.output_shape, cast(Any, seen))

    def downstream(self, layer_id: str) -> list[str]:
        """``layer_id`` and every layer fed by it, in topological order."""
        return sorted(
            self.downstream_set(layer_id), key=lambda i: self._rank.get(i, len(self._rank))
        )

    def downstream_set(self, layer_id: str) -> set[str]:
        """``layer_id`` and every layer fed by it, in no order (not sorted: a membership test
        on 10,000 layers downstream)."""
        seen = {layer_id}
        stack = [layer_id]
        while stack:
            for c in self._consumers.get(stack.pop(), ()):
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return seen

    # ------------------------------------------------------------- computation

    def full_refresh(self) -> None:
        self.info = self._new_infos()
        self._stale = set()
        self._rf_steps = {}
        self._sums = sums = [0] * _SUMS
        self._flagged = set()
        self._positions = None
        with collection_deferred():  # every object made here lives on (see quiet_gc)
            self._rebuild_structure()
            infos, layers, evaluate, account = (
                self.info,
                self.design.layer_map,
                self._evaluate,
                self._account,
            )
            evaluate_one, get, cyclic, registry = (
                self._evaluate_one,
                infos.get,
                self._cyclic,
                REGISTRY,
            )
            memos, by_params, steps = self._rule_memo, self._memo_by_params, self._rf_steps
            sem, generation, bpe = self.design.semantics, _rule_generation, self.bytes_per_element
            semantics = self.semantics
            shared = self.design.params_shared  # (else no layer finds another's memo by its dict)
            plain_kinds = _CHAIN_PLAIN
            new_info, info_class = _new_object, LayerInfo
            count = 0
            # What the layers built inline add to the totals (_account), added at the end.
            d_params = d_trainable = d_buffers = d_macs = d_neurons = 0
            # The coverage test's limits (_coverage_limits), for the input size they were made for.
            limits_of: tuple[int, int] | None = None
            lo_h = lo_w = hi_h = hi_w = 0.0
            try:
                for lid in self.order:  # _set_info, on an empty info
                    layer = layers[lid]
                    inputs = layer.inputs
                    # _evaluate's one-input case without its call (every layer present has
                    # its info here once evaluated, in this order)
                    if (
                        len(inputs) == 1
                        and (u := get(inputs[0])) is not None
                        and (shape := u.output_shape) is not None
                        and not u.output_shapes
                        and lid not in cyclic
                    ):
                        type_id = layer.type
                        kind = plain_kinds.get(type_id)  # (each takes one input)
                        if kind is None:
                            ltype = registry[type_id]
                            hi = ltype.max_inputs
                            if ltype.min_inputs <= 1 and (hi is None or hi >= 1):
                                count += 1
                                info = evaluate_one(layer, ltype, u, shape)
                            else:
                                info = evaluate(layer)
                            infos[lid] = info
                            account(info, 1)
                            continue
                        count += 1
                        # A layer whose rule result is known through its memo, or through the
                        # memo of a layer with the same parameters dict (the loader gives
                        # layers alike one), with no finding, one output and no note to come:
                        # ``_evaluate_one``'s info built inline, as ``_chain`` builds it.
                        # (The memo is made here when missing, as _evaluate_one makes it, so
                        # that _evaluate_one, when it is called below, finds it.)
                        params = layer.params
                        memo = memos.get(lid)
                        if (
                            memo is None
                            or memo[0] is not params
                            or memo[1] is not type_id
                            or memo[2] is not sem
                            or memo[3] != generation
                        ):
                            memo = by_params.get(id(params)) if shared else None
                            if (
                                memo is None
                                or memo[0] is not params
                                or memo[1] is not type_id
                                or memo[2] is not sem
                                or memo[3] != generation
                            ):
                                key, by_shape = _shape_results(layer, semantics)
                                memo = (params, type_id, sem, generation, by_shape, key)
                                if shared:
                                    if len(by_params) >= _MEMO_BY_PARAMS:
                                        by_params.clear()
                                    by_params[id(params)] = memo
                            memos[lid] = memo
                        by_shape = memo[4]
                        result = by_shape.get(shape)
                        if result is None:  # (_evaluate_one's steps for it)
                            result = _computed(layer, registry[type_id], [shape], semantics)
                            if len(by_shape) >= _MEMO_SHAPES:
                                by_shape.clear()
                            by_shape[shape] = result
                        plain = result._plain
                        if plain is None:
                            plain = _plain(result)
                        if plain:
                            (
                                out,
                                neurons,
                                n_params,
                                trainable,
                                buffers,
                                macs,
                                axes,
                                derived,
                                step,
                            ) = plain
                            input_size = u.input_size
                            rf = u.receptive_field
                            if rf is not None and step.kind != "identity":
                                m = rf._after
                                rf = m[1] if m is not None and m[0] is step else _after(rf, step)
                            if kind == 0:
                                axis = u.channel_axis if len(out) == len(shape) else None
                            else:
                                axis = 0 if len(out) == 3 else None
                            noted = False
                            if kind == 2:  # a window: _evaluate_one's tests (as in _chain)
                                facts = result._window
                                if facts is None or (facts[0] is not shape and facts[0] != shape):
                                    facts = _window_facts(result, shape)
                                if facts[1]:
                                    noted = True
                                elif facts[2] and rf is not None and input_size is not None:
                                    if input_size is not limits_of:
                                        limits_of = input_size
                                        lo_h, lo_w, hi_h, hi_w = _coverage_limits(input_size)
                                    size = rf.size
                                    if size[0] > lo_h and size[1] > lo_w:
                                        urf = u.receptive_field
                                        noted = urf is None or not (
                                            urf.size[0] >= hi_h and urf.size[1] >= hi_w
                                        )
                            if not noted:
                                steps[lid] = step
                                # LayerInfo(lid, type_id, [shape], out, ...), as in _chain
                                info = new_info(info_class)
                                info.id = lid
                                info.type = type_id
                                info.input_shapes = [shape]
                                info.output_shape = out
                                info.params = n_params
                                info.trainable_params = trainable
                                info.buffers = buffers
                                info.macs = macs
                                info.receptive_field = rf
                                info.status = "ok"
                                info.diagnostics = []
                                info.axes = axes
                                info.derived = derived
                                info.bytes_per_element = bpe
                                info.output_shapes = ()
                                info.input_size = input_size
                                info.channel_axis = axis
                                infos[lid] = info
                                # _account, inline: no diagnostics, one output, not an Input
                                d_params += n_params
                                d_trainable += trainable
                                d_buffers += buffers
                                d_macs += macs
                                d_neurons += neurons
                                continue
                        info = evaluate_one(layer, registry[type_id], u, shape)
                    else:
                        info = evaluate(layer)
                    infos[lid] = info
                    account(info, 1)
            finally:
                self.recompute_count += count
                sums[0] += d_params
                sums[1] += d_trainable
                sums[2] += d_buffers
                sums[3] += d_macs
                sums[4] += d_neurons
                sums[5] += d_neurons * bpe
        self._totals = None
        self.field_only = frozenset()
        self.unlisted_fields = False
        self.updated.emit(set(self.design.ids))

    @property
    def order(self) -> list[str]:
        """Every layer in topological order (Kahn's, level by level, ties in design order;
        the layers on or after a cycle last, in design order). A new list whenever it changes."""
        order = self._order
        if order is None:
            order = self._order = _kahn(self.design)[0]
        return order

    @property
    def order_if_kept(self) -> list[str] | None:
        """``order`` if it is kept, without working it out: None when a structural edit left
        it to be worked out again when read."""
        return self._order

    def _rebuild_structure(self) -> None:
        """Topological order (Kahn), consumers, cycles and structural diagnostics."""
        design = self.design
        order, consumers, cyclic, entries, fed, inputs_seen, missing_any, roots = _kahn(design)
        diags: list[Diagnostic] = []
        if cyclic:
            on_cycle = _cycle_members(design, set(cyclic))
            for lid in cyclic:
                if lid in on_cycle:
                    diags.append(
                        Diagnostic(
                            "error",
                            "cycle",
                            lid,
                            f"{lid} is part of a cycle ({_cycle_text(on_cycle[lid])}): a layer cannot depend on its own output.",
                            {"cycle": on_cycle[lid]},
                        )
                    )
        if not entries:
            diags.append(
                Diagnostic(
                    "error",
                    "no_input",
                    None,
                    "The design has no Input layer, so no shape can be computed. Add an Input and give it the shape of your data, e.g. [3, 224, 224].",
                )
            )
        self._order = order
        self._rank = dict(zip(order, range(len(order)), strict=True))
        self._next_rank = len(order)
        self._consumers = consumers
        self._cyclic = set(cyclic)
        # Layers on or after a cycle are not in the order above: a walk through every connection.
        self._fed = _fed_by_input(entries, consumers) if cyclic else fed
        self._one_input = len(entries) == 1
        self._inputs_seen = inputs_seen
        self._missing_any = missing_any
        self._roots = roots
        self._shared = False
        self.structure_passes += 1
        self.structural = diags
        self._totals = None

    def _recompute_from(self, start: Iterable[str]) -> None:
        """Re-evaluate ``start`` and its downstream layers, stopping where nothing changed."""
        self._passing = True
        pending = {s for s in start if s in self.design}
        changed: set[str] = set()
        field_only: set[str] = set()
        # Layers not evaluated yet (new ones); a pass over every layer only when there are
        # some besides those already pending.
        layers = self.design.layer_map
        unknown = len(layers) - len(self.info)
        if unknown and unknown != sum(1 for i in pending if i not in self.info):
            pending.update(lid for lid in layers if lid not in self.info)
        # Layers that need their rule run again; the others are pending only because an input's
        # receptive field changed (same shapes): for them the rule's results are kept.
        full = set(pending)
        # A heap in rank order (not min() over the set): many starting layers stay linear.
        rank = self._rank
        consumers = self._consumers
        info_of = self.info
        stale = self._stale
        evaluate = self._evaluate
        stale_before = len(stale)
        marked = False  # layers made stale by this pass (their fields moved, not listed)
        heap = [(rank.get(i, 0), i) for i in pending]
        heapq.heapify(heap)
        nxt: str | None = None  # the next layer, when it is the only one pending (see below)
        #: A layer ``_chain`` evaluated and stored, with its old info, whose consequences the
        #: pass works out below as for a layer it evaluated itself.
        handed: tuple[str, LayerInfo | None, LayerInfo] | None = None
        while heap or nxt is not None or handed is not None:
            if handed is not None:
                lid, old, new = handed
                handed = None
            else:
                if nxt is not None:
                    lid = nxt
                    nxt = None
                else:
                    lid = heapq.heappop(heap)[1]
                    if lid not in pending:
                        continue
                pending.discard(lid)
                layer = layers[lid]
                previous = info_of.get(lid)  # brings a stale layer up to date first
                if lid not in full and previous is not None:
                    moved = self._with_new_field(layer, previous)
                    if moved is previous:
                        continue  # its field came out the same: nothing changed, nothing follows
                    if moved is not None:
                        new = moved
                        # Only the receptive field (and the input size it sees) moved: the rule's
                        # results, the totals and, unless a field note came or went, the
                        # diagnostics stay; the consumers only need their fields again.
                        if new.diagnostics is previous.diagnostics:
                            self._stale.discard(lid)
                            info_of[lid] = new
                            field_only.add(lid)
                        else:
                            self._set_info(lid, new)
                        changed.add(lid)
                        if self._cutoff(previous, new):
                            marked |= self._mark_stale(
                                [c for c in consumers.get(lid, ()) if c not in pending]
                            )
                            continue
                        for c in consumers.get(lid, ()):
                            if c not in pending and c not in changed:
                                pending.add(c)
                                heapq.heappush(heap, (rank.get(c, 0), c))
                        continue
                new = evaluate(layer)
                # _set_info, with the entry read above (nothing in between changes it)
                stale.discard(lid)
                info_of[lid] = new
                if previous is None:
                    self._account(new, 1)
                else:
                    self._account_change(previous, new)
                old = previous
            changed.add(lid)
            # An unknown layer's consumers may still change: whether they are reachable
            # from an Input (the ``unreachable`` warning) does not show in the output.
            # Each layer is evaluated at most once per pass: in a DAG the rank order already
            # ensures it, and inside a cycle (whose layers are unknown whatever their inputs
            # say) re-queuing consumers would go round the cycle forever.
            if (
                old is None
                or new.output_shape != old.output_shape  # same_output's first test, inline
                or not new.same_output(old)
                or new.status == "unknown"
                or old.status == "unknown"
            ):
                field_changed = (
                    old is not None
                    and new.output_shape == old.output_shape  # its first test but one, inline
                    and _only_field_changed(new, old)
                )
                if field_changed and old is not None and self._cutoff(old, new):
                    marked |= self._mark_stale(
                        [c for c in consumers.get(lid, ()) if c not in pending]
                    )
                    continue
                users = consumers.get(lid, ())
                if len(users) == 1 and not pending:
                    # A chain: nothing else is pending, so the one consumer comes next in rank
                    # order without going through the heap.
                    c = users[0]
                    if c not in changed:
                        if field_changed:
                            pending.add(c)
                            nxt = c
                        else:
                            # Its rule runs again: along the chain, without the pass's sets.
                            after = self._chain(lid, new, c, changed)
                            if isinstance(after, str):
                                full.add(after)
                                pending.add(after)
                                nxt = after
                            else:
                                handed = after
                    continue
                for c in users:
                    if c not in changed:
                        if not field_changed:
                            full.add(c)
                        if c not in pending:
                            pending.add(c)
                            heapq.heappush(heap, (rank.get(c, 0), c))
        self._totals = None
        if self._noted:
            changed |= self._noted
            self._noted = set()
        self.field_only = frozenset(field_only)
        self.unlisted_fields = marked or len(self._stale) != stale_before
        self._passing = False
        self.updated.emit(changed)

    def _chain(
        self, lid: str, u: LayerInfo, c: str, changed: set[str]
    ) -> str | tuple[str, LayerInfo | None, LayerInfo]:
        """``_recompute_from``'s steps for ``c``, the one consumer of ``lid`` (just evaluated
        in full, stored as ``u``; its output changed, nothing else pending), and on along the
        chain while each layer's output shape changes and it has one consumer: each layer
        evaluated in full (``_evaluate``'s one-input case), stored and counted as the pass
        would, without its sets and heap. Returns the id of a layer the chain does not take
        (the pass evaluates it in full next), or the last layer evaluated, with its old and
        new info, for the pass to work out what follows.

        A layer whose rule result its memo holds (``_rule_memo``), with no finding, one
        output and none of the types ``_CHAIN_PLAIN`` leaves out, is evaluated here, inline:
        ``_evaluate_one``'s steps for that case, where no note can come (otherwise
        ``_evaluate_one`` itself; ``tests/core/test_eighth_pass_fast_paths.py``)."""
        layers = self.design.layer_map
        info_of = self.info
        get = info_of.get  # brings a stale layer up to date first, as the pass's read
        stale = self._stale
        consumers = self._consumers
        cyclic = self._cyclic
        account_change = self._account_change
        evaluate_one = self._evaluate_one
        registry = REGISTRY
        memos = self._rule_memo
        steps = self._rf_steps
        sem = self.design.semantics
        generation = _rule_generation
        bpe = self.bytes_per_element
        plain_kinds = _CHAIN_PLAIN
        prod = math.prod
        count = 0
        # What the layers evaluated here add to the totals (_account_change), added at the end.
        d_params = d_trainable = d_buffers = d_macs = d_neurons = d_memory = 0
        # The coverage test's limits (_coverage_limits), for the input size they were made for.
        limits_of: tuple[int, int] | None = None
        new_info, info_class = _new_object, LayerInfo
        lo_h = lo_w = hi_h = hi_w = 0.0
        try:
            while True:
                layer = layers[c]
                inputs = layer.inputs
                shape = u.output_shape
                if len(inputs) != 1 or inputs[0] != lid or shape is None or u.output_shapes:
                    return c
                type_id = layer.type
                kind = plain_kinds.get(type_id)  # (each takes one input)
                if kind is None:
                    ltype = registry[type_id]
                    hi = ltype.max_inputs
                    if ltype.min_inputs > 1 or (hi is not None and hi < 1):
                        return c
                if cyclic and c in cyclic:
                    return c
                previous = get(c)
                count += 1
                new = None
                memo = memos.get(c)
                if (
                    kind is not None
                    and memo is not None
                    and memo[0] is layer.params
                    and memo[1] is type_id
                    and memo[2] is sem
                ):
                    by_shape = memo[4] if memo[3] == generation else self._memo_again(c, memo)
                    result = by_shape.get(shape)
                    plain = None
                    if result is not None:
                        plain = result._plain
                        if plain is None:
                            plain = _plain(result)
                    if plain and result is not None:  # (plain: a result)
                        out, neurons, params, trainable, buffers, macs, axes, derived, step = plain
                        # _evaluate_one for this case, inline
                        input_size = u.input_size
                        rf = u.receptive_field
                        if rf is not None and step.kind != "identity":
                            m = rf._after
                            rf = m[1] if m is not None and m[0] is step else _after(rf, step)
                        if kind == 0:
                            axis = u.channel_axis if len(out) == len(shape) else None
                        else:
                            axis = 0 if len(out) == 3 else None
                        noted = False
                        if kind == 2:  # a window: _evaluate_one's tests, from what they keep
                            facts = result._window
                            if facts is None or (facts[0] is not shape and facts[0] != shape):
                                facts = _window_facts(result, shape)
                            if facts[1]:
                                noted = True
                            elif facts[2] and rf is not None and input_size is not None:
                                if input_size is not limits_of:
                                    limits_of = input_size
                                    lo_h, lo_w, hi_h, hi_w = _coverage_limits(input_size)
                                size = rf.size
                                if size[0] > lo_h and size[1] > lo_w:
                                    urf = u.receptive_field
                                    noted = urf is None or not (
                                        urf.size[0] >= hi_h and urf.size[1] >= hi_w
                                    )
                        if not noted:
                            steps[c] = step
                            # LayerInfo(c, type_id, [shape], out, params, ...), every field
                            # set here (_new_info): no call of the dataclass's __init__
                            new = new_info(info_class)
                            new.id = c
                            new.type = type_id
                            new.input_shapes = [shape]
                            new.output_shape = out
                            new.params = params
                            new.trainable_params = trainable
                            new.buffers = buffers
                            new.macs = macs
                            new.receptive_field = rf
                            new.status = "ok"
                            new.diagnostics = []
                            new.axes = axes
                            new.derived = derived
                            new.bytes_per_element = bpe
                            new.output_shapes = ()
                            new.input_size = input_size
                            new.channel_axis = axis
                if stale:
                    stale.discard(c)
                if new is None:
                    new = evaluate_one(layer, registry[type_id], u, shape)
                    info_of[c] = new
                    if previous is None:
                        self._account(new, 1)
                        return c, None, new
                    account_change(previous, new)
                    out = new.output_shape
                    old_out = previous.output_shape
                else:
                    info_of[c] = new
                    if previous is None:
                        self._account(new, 1)
                        return c, None, new
                    old_out = previous.output_shape
                    if (
                        previous.diagnostics
                        or previous.output_shapes
                        or previous.type == "Input"  # (the chain has none: none takes an input)
                    ):
                        account_change(previous, new)
                    else:
                        # _account_change, inline: ``new`` has no diagnostics, one output.
                        # A count is compared before its difference is taken (most stay as
                        # they were when only the shapes moved: no new integer made), and the
                        # memory is the neurons' change times the bytes per element, taken
                        # once at the end (plus what a layer counted at other bytes adds).
                        was = previous.params
                        if params != was:
                            d_params += params - was
                        was = previous.trainable_params
                        if trainable != was:
                            d_trainable += trainable - was
                        was = previous.buffers
                        if buffers != was:
                            d_buffers += buffers - was
                        d_macs += macs - previous.macs
                        if old_out is None:
                            d_neurons += neurons
                        else:
                            n_old = prod(old_out)
                            d_neurons += neurons - n_old
                            was = previous.bytes_per_element
                            if was != bpe:
                                d_memory += n_old * (bpe - was)
                changed.add(c)
                if out == old_out:
                    return c, previous, new
                users = consumers.get(c, ())
                if len(users) != 1 or users[0] in changed:
                    return c, previous, new
                lid, u, c = c, new, users[0]
        finally:
            self.recompute_count += count
            sums = self._sums
            sums[0] += d_params
            sums[1] += d_trainable
            sums[2] += d_buffers
            sums[3] += d_macs
            sums[4] += d_neurons
            sums[5] += d_neurons * bpe + d_memory

    # ------------------------------------------------------ fields out of date

    def _new_infos(self) -> _Infos:
        infos = _Infos()
        # Held weakly: the analysis holds its infos, and a cycle between them kept a closed
        # analysis of 10,000 layers (and every LayerInfo) until a full cycle collection.
        infos.analysis = weakref.proxy(self)
        return infos

    def _cutoff(self, old: LayerInfo, new: LayerInfo) -> bool:
        """Whether the layers after one whose field alone moved (``old`` → ``new``) can be left
        out of date, to be updated when read: their notes cannot change. With a single network
        input every input size is the same, and fields only grow along the network; so where
        this layer already saw the whole input before and still does, every layer its values
        reach saw it and still sees it, and none of them is the first window to see it: no
        ``receptive_field_covers_input`` note comes or goes after it."""
        return (
            self._one_input and old.input_size == new.input_size and _covers(old) and _covers(new)
        )

    def _mark_stale(self, starts: list[str]) -> bool:
        """Mark ``starts`` and every layer they feed as out of date (a walk that stops at layers
        already stale: what they feed is stale too). Whether any layer was marked."""
        stale, consumers = self._stale, self._consumers
        stack = [c for c in starts if c not in stale]
        if not stack:
            return False
        while stack:
            lid = stack.pop()
            if lid in stale:
                continue
            stale.add(lid)
            stack.extend(c for c in consumers.get(lid, ()) if c not in stale)
        self.info.__class__ = _StaleInfos
        return True

    def _resolve(self, lid: str) -> None:
        """Bring ``lid``'s field up to date, with those of the stale layers it depends on."""
        stale, design, rank = self._stale, self.design, self._rank
        todo = [lid]
        stack = [lid]
        seen = {lid}
        while stack:
            for src in design.layer(stack.pop()).sources:
                if src in stale and src not in seen:
                    seen.add(src)
                    todo.append(src)
                    stack.append(src)
        todo.sort(key=lambda i: rank.get(i, 0))
        self._bring_up_to_date(todo)

    def _resolve_all(self) -> None:
        if self._stale:
            rank = self._rank
            self._bring_up_to_date(sorted(self._stale, key=lambda i: rank.get(i, 0)))

    def _bring_up_to_date(self, ids: list[str]) -> None:
        """New fields for ``ids`` (stale, in topological order, their stale inputs among them)."""
        stale, info_of, design = self._stale, self.info, self.design
        # In a pass, the layer it reads last (``ids``' last), whose input may have changed in
        # the pass: the pass evaluates it in full next.
        target = ids[-1] if self._passing and ids else None
        for lid in ids:
            stale.discard(lid)  # its inputs are current: read them as plain entries
            old = dict.get(info_of, lid)
            if old is None or lid not in design:
                continue
            layer = design.layer(lid)
            new = self._with_new_field(layer, old)
            if new is None and lid is not target:
                # Its inputs' shapes are current (outside a pass; in a pass, for the layers
                # before the one it reads): ``_with_new_field`` could not tell, e.g. for an
                # input taken by index (``split:0``). Evaluated in full: skipping it left the
                # field after a Split out of date for good.
                new = self._evaluate(layer)
                if new == old:
                    continue
                self._set_info(lid, new)
                self._noted.add(lid)
                continue
            if new is None or new is old:
                # None: an input's shape changed in the pass now running, which evaluates
                # this layer in full next (outside a pass every shape is current).
                continue
            if new.diagnostics is old.diagnostics:
                dict.__setitem__(info_of, lid, new)
            else:  # a note came or went: told with the next update
                self._set_info(lid, new)
                self._noted.add(lid)
        if not stale:
            self.info.__class__ = _Infos

    def _evaluate(self, layer: Layer) -> LayerInfo:
        self.recompute_count += 1
        ltype = REGISTRY[layer.type]
        lid = layer.id
        inputs = layer.inputs
        n = len(inputs)
        # The usual case first: every input a plain id of a present layer with one known
        # output, and as many inputs as the type takes. The general path below gives the
        # same result for it, but checks (and builds) what this case cannot have.
        if (
            n >= ltype.min_inputs
            and (ltype.max_inputs is None or n <= ltype.max_inputs)
            and lid not in self._cyclic
        ):
            known = self.info
            present = self.design.layer_map
            if n == 1:  # one input (most layers): the loop below for it
                ref = inputs[0]
                u = known.get(ref)
                if (
                    u is not None
                    and u.output_shape is not None
                    and not u.output_shapes
                    and ref in present
                ):
                    return self._evaluate_one(layer, ltype, u, u.output_shape)
            upstream: list[LayerInfo | None] = []
            shapes: list[Shape] = []
            for ref in inputs:
                u = known.get(ref)
                if u is None or u.output_shape is None or u.output_shapes or ref not in present:
                    break
                upstream.append(u)
                shapes.append(u.output_shape)
            else:
                return self._evaluate_known(layer, ltype, upstream, shapes)
        info = LayerInfo(lid, layer.type, bytes_per_element=self.bytes_per_element)
        diags = info.diagnostics
        if lid in self._cyclic:
            info.input_shapes = [None] * len(layer.inputs)
            return info
        missing = [i for i in layer.sources if i not in self.design]
        for i in missing:
            diags.append(
                Diagnostic(
                    "error",
                    "missing_input",
                    lid,
                    f"{lid} takes its input from {i!r}, but there is no layer with that id.",
                    {"missing": i},
                )
            )
        inputs = [i for i in layer.inputs if split_ref(i)[0] in self.design]
        lo, hi = ltype.min_inputs, ltype.max_inputs
        if n < lo or (hi is not None and n > hi):
            diags.append(_input_count_diag(lid, layer.type, n, lo, hi))
        if diags:
            info.status = "error"
            info.input_shapes = [self._output(i) for i in inputs]
            return info
        upstream = [self.info.get(split_ref(i)[0]) for i in inputs]
        if any(u is None or u.output_shape is None for u in upstream):
            unreachable = not self._reaches_input(lid)
            if unreachable:
                diags.append(
                    Diagnostic(
                        "warning",
                        "unreachable",
                        lid,
                        f"{lid} is not connected to any Input, so its shape cannot be known.",
                    )
                )
            info.input_shapes = [
                None if u is None else u.output(split_ref(r)[1])
                for r, u in zip(inputs, upstream, strict=True)
            ]
            info.status = "unknown"
            return info
        shapes = []
        for ref, u in zip(inputs, upstream, strict=True):
            assert u is not None and u.output_shape is not None
            shape = u.output(split_ref(ref)[1])
            if shape is None:
                diags.append(_output_ref_diag(lid, ref, u))
            else:
                shapes.append(shape)
        if diags:
            info.status = "error"
            info.input_shapes = [
                u.output(split_ref(r)[1]) if u else None
                for r, u in zip(inputs, upstream, strict=True)
            ]
            return info
        return self._evaluate_known(layer, ltype, upstream, shapes)

    def _evaluate_known(
        self,
        layer: Layer,
        ltype: LayerType,
        upstream: list[LayerInfo | None],
        shapes: list[Shape],
    ) -> LayerInfo:
        """Run the rule on known input ``shapes`` (from ``upstream``) and build the layer's info."""
        lid = layer.id
        type_id = layer.type
        result = _rule_result(layer, ltype, shapes, self.semantics)
        out = result.shape
        trainable = result.trainable
        info = LayerInfo(
            lid,
            type_id,
            list(shapes),
            out,
            result.params,
            result.params if trainable is None else trainable,  # result.trainable_params
            result.buffers,
            result.macs,
            None,
            "unknown",
            [],
            result.axes,
            result.derived,
            self.bytes_per_element,
            result.outputs if out is not None else (),
        )
        diags = info.diagnostics
        findings = result.findings
        if out is not None:
            if type_id in _CHANNELS_FIRST_TYPES or type_id == "Input":  # _channel_axis, inline
                info.channel_axis = 0 if len(out) == 3 else None
            elif type_id in _AXIS_MAPPING_TYPES:
                info.channel_axis = _channel_axis(type_id, result, upstream)
            else:  # _channel_axis's last lines, inline
                first = upstream[0] if upstream else None
                if (
                    first is not None
                    and first.output_shape is not None
                    and len(out) == len(first.output_shape)
                ):
                    info.channel_axis = first.channel_axis
            if type_id == "Linear" and upstream and upstream[0] is not None and shapes:
                axis = upstream[0].channel_axis
                if axis is not None and len(shapes[0]) > 1 and axis == len(shapes[0]) - 1:
                    # Channels-last data (ConvNeXt's permute): a Linear on the channels is a
                    # pointwise layer, a 1×1 convolution at every position, as intended.
                    findings = [f for f in findings if f.code != "linear_on_volume"]
                    info.derived = {**info.derived, "pointwise_channels": True}
        for f in findings:
            diags.append(_diag(lid, f))
        step = result.rf
        self._rf_steps[lid] = step
        if out is not None:
            # An Upsample's second input only lends its height and width: no values flow from it.
            seen = upstream[:1] if type_id == "Upsample" else upstream
            u = seen[0] if len(seen) == 1 else None
            if u is not None and type_id != "Input":
                # One input (most layers): _receptive_field's one-input case, inline.
                info.input_size = u.input_size
                urf = u.receptive_field
                if urf is not None:
                    info.receptive_field = (
                        urf if step.kind == "identity" else _stepped(urf.size, urf.jump, step)
                    )
            else:
                info.input_size, info.receptive_field = self._receptive_field(
                    type_id, step, out, seen
                )
            neurons = info.neurons if info.output_shapes else math.prod(out)  # info.neurons
            if type_id != "Input" and neurons > LARGE_ACTIVATION:
                diags.extend(_size_warnings(info))
            if type_id in WINDOW_TYPES:
                diags.extend(_window_notes(info, upstream, is_output=not self._consumers.get(lid)))
        if out is None:
            info.status = "error"
        elif not diags:
            info.status = "ok"
        else:
            worst = min(SEVERITY_ORDER[d.severity] for d in diags)
            info.status = "error" if worst == 0 else "warning" if worst == 1 else "ok"
        return info

    def _evaluate_one(
        self, layer: Layer, ltype: LayerType, u: LayerInfo, shape: Shape
    ) -> LayerInfo:
        """``_evaluate_known(layer, ltype, [u], [shape])`` (``shape`` is ``u``'s only output):
        the same info, in fewer steps. Most layers have one input; along an edit's chain every
        changed layer comes here (``tests/core/test_eighth_pass_fast_paths.py`` compares the
        two)."""
        lid = layer.id
        type_id = layer.type
        # The rule results of layers like this one (type, parameters, semantics) by input
        # shape, found through the layer's memo while its parameters are the same dict
        # (``Design`` replaces a layer's dict on every change, never changes it in place): a
        # look-up by the shape alone instead of the rule cache's key of every parameter, and
        # shared, so that the layers after an edited one find the results it left.
        params = layer.params
        sem = self.design.semantics
        memo = self._rule_memo.get(lid)
        if memo is not None and memo[0] is params and memo[1] is type_id and memo[2] is sem:
            by_shape = memo[4] if memo[3] == _rule_generation else self._memo_again(lid, memo)
        else:
            # (Through the memo of another layer with this very dict, when the design has
            # layers that share one: see ``Design.params_shared``.)
            shared = self._memo_by_params.get(id(params)) if self.design.params_shared else None
            if (
                shared is not None
                and shared[0] is params
                and shared[1] is type_id
                and shared[2] is sem
                and shared[3] == _rule_generation
            ):
                by_shape = shared[4]
                self._rule_memo[lid] = shared
            else:
                key, by_shape = _shape_results(layer, self.semantics)
                memo = (params, type_id, sem, _rule_generation, by_shape, key)
                self._rule_memo[lid] = memo
                if self.design.params_shared:
                    by_params = self._memo_by_params
                    if len(by_params) >= _MEMO_BY_PARAMS:
                        by_params.clear()
                    by_params[id(params)] = memo
        result = by_shape.get(shape)
        if result is None:
            result = _computed(layer, ltype, [shape], self.semantics)
            if len(by_shape) >= _MEMO_SHAPES:
                by_shape.clear()
            by_shape[shape] = result
        out = result.shape
        trainable = result.trainable
        step = result.rf
        self._rf_steps[lid] = step
        findings = result.findings
        if out is None:
            info = LayerInfo(
                lid,
                type_id,
                [shape],
                None,
                result.params,
                result.params if trainable is None else trainable,
                result.buffers,
                result.macs,
                None,
                "error",
                [_diag(lid, f) for f in findings],
                result.axes,
                result.derived,
                self.bytes_per_element,
                (),
            )
            return info
        derived = result.derived
        # _channel_axis, inline (``shape`` is the first input's output)
        if type_id in _CHANNELS_FIRST_TYPES or type_id == "Input":
            axis = 0 if len(out) == 3 else None
        elif type_id in _AXIS_MAPPING_TYPES:
            axis = _channel_axis(type_id, result, [u])
        else:
            axis = u.channel_axis if len(out) == len(shape) else None
        if type_id == "Linear":
            ua = u.channel_axis
            if ua is not None and len(shape) > 1 and ua == len(shape) - 1:
                # Channels-last data (ConvNeXt's permute): see _evaluate_known.
                findings = [f for f in findings if f.code != "linear_on_volume"]
                derived = {**derived, "pointwise_channels": True}
        if type_id == "Input":  # (no Input takes an input; as _evaluate_known has it)
            input_size, rf = self._receptive_field(type_id, step, out, [u])
        else:
            input_size = u.input_size
            rf = u.receptive_field
            if rf is not None and step.kind != "identity":
                rf = _after(rf, step)
        outputs = result.outputs
        info = LayerInfo(
            lid,
            type_id,
            [shape],
            out,
            result.params,
            result.params if trainable is None else trainable,
            result.buffers,
            result.macs,
            rf,
            "ok",
            [_diag(lid, f) for f in findings] if findings else [],
            result.axes,
            derived,
            self.bytes_per_element,
            outputs,
            input_size,
            axis,
        )
        diags = info.diagnostics
        neurons = sum(map(math.prod, outputs)) if outputs else math.prod(out)  # info.neurons
        if type_id != "Input" and neurons > LARGE_ACTIVATION:
            diags.extend(_size_warnings(info))
        if type_id in WINDOW_TYPES and len(out) == 3:
            # _window_notes gives a note only where one of these holds (its first tests):
            # the bottleneck's share, or a field that may see the whole input where its
            # input's field may not yet.
            n_in = math.prod(shape)
            if (
                n_in
                and neurons < BOTTLENECK_KEEP * n_in
                and not (len(shape) == 3 and shape[1] * shape[2] == 1)
            ):
                noted = True
            elif rf is None or input_size is None or out[1] * out[2] <= 1:
                noted = False
            else:
                sh, sw = input_size
                size = rf.size
                if size[0] <= sh - 1 or size[1] <= sw - 1:
                    noted = False
                else:
                    urf = u.receptive_field
                    noted = urf is None or not (urf.size[0] >= sh + 1 and urf.size[1] >= sw + 1)
            if noted:
                diags.extend(_window_notes(info, [u], is_output=not self._consumers.get(lid)))
        if diags:
            worst = min(SEVERITY_ORDER[d.severity] for d in diags)
            info.status = "error" if worst == 0 else "warning" if worst == 1 else "ok"
        return info

    def _memo_again(
        self,
        lid: str,
        memo: tuple[dict[str, Any], str, str, int, dict[Shape, RuleResult], tuple[Any, ...] | None],
    ) -> dict[Shape, RuleResult]:
        """``lid``'s memo after the rule cache was emptied (``clear_rule_cache``): the cache's
        new entry of results by input shape under the key it keeps (not made again)."""
        key = memo[5]
        by_shape: dict[Shape, RuleResult] = {} if key is None else _results_by_shape(key)
        self._rule_memo[lid] = (memo[0], memo[1], memo[2], _rule_generation, by_shape, key)
        return by_shape

    def _with_new_field(self, layer: Layer, old: LayerInfo) -> LayerInfo | None:
        """``old`` with its receptive field (and the note that quotes it) brought up to date,
        when only its inputs' receptive fields changed: the rule's results stay as they are.
        ``old`` itself when the field comes out the same; None where that cannot be decided
        cheaply (then the layer is evaluated in full). The diagnostics list is ``old``'s own
        object when no note came or went."""
        lid = layer.id
        step = self._rf_steps.get(lid)
        if (
            step is None
            or old.output_shape is None
            or old.status == "unknown"
            or lid in self._cyclic
        ):
            return None
        info_of = self.info
        inputs = layer.inputs
        shapes = old.input_shapes
        type_id = old.type
        if len(inputs) == 1 and len(shapes) == 1:  # most layers: the formulas with one term
            u = info_of.get(inputs[0])
            if u is None or u.output_shape != shapes[0]:
                return None
            upstream: list[LayerInfo | None] = [u]
            if u.receptive_field is None or step.kind == "identity":
                input_size, rf = u.input_size, u.receptive_field
            else:
                input_size, rf = self._receptive_field(type_id, step, old.output_shape, upstream)
        else:
            upstream = [info_of.get(i) for i in inputs]
            if len(upstream) != len(shapes):
                return None
            for u, s in zip(upstream, shapes, strict=True):
                if u is None or u.output_shape != s:
                    return None
            # An Upsample's second input only lends its height and width: no values flow from it.
            seen = upstream[:1] if type_id == "Upsample" else upstream
            input_size, rf = self._receptive_field(type_id, step, old.output_shape, seen)
        self.recompute_count += 1
        if (
            rf is old.receptive_field or rf == old.receptive_field
        ) and input_size == old.input_size:
            return old
        diagnostics = old.diagnostics
        out = old.output_shape
        if type_id in WINDOW_TYPES and len(out) == 3 and shapes:
            note = _coverage_note(lid, out, rf, input_size, upstream)
            before = (
                [d for d in diagnostics if d.code == "receptive_field_covers_input"]
                if diagnostics
                else []
            )
            if before != ([note] if note is not None else []):
                diagnostics = [d for d in diagnostics if d.code != "receptive_field_covers_input"]
                if note is not None:
                    diagnostics.append(note)
        info = LayerInfo(  # replace(old, ...) without its per-field reflection
            old.id,
            type_id,
            shapes,
            old.output_shape,
            old.params,
            old.trainable_params,
            old.buffers,
            old.macs,
            rf,
            old.status,
            diagnostics,
            old.axes,
            old.derived,
            old.bytes_per_element,
            old.output_shapes,
            input_size,
            old.channel_axis,
        )
        if diagnostics is not old.diagnostics:
            worst = min((SEVERITY_ORDER[d.severity] for d in diagnostics), default=3)
            info.status = "error" if worst == 0 else "warning" if worst == 1 else "ok"
        return info

    def _output(self, ref: str) -> Shape | None:
        lid, index = split_ref(ref)
        info = self.info.get(lid)
        return None if info is None else info.output(index)

    def _reaches_input(self, lid: str) -> bool:
        return lid in self._fed

    def _receptive_field(
        self,
        type_id: str,
        step: RFStep,
        shape: Shape | None,
        upstream: list[LayerInfo | None],
    ) -> tuple[tuple[int, int] | None, ReceptiveField | None]:
        """The spatial size of the network input a layer sees, and its receptive field, from
        its rule's step, its output ``shape`` and the layers feeding it."""
        if type_id == "Input":
            if shape is not None and len(shape) == 3:
                return (shape[1], shape[2]), _INPUT_FIELD
            return None, None
        if len(upstream) == 1 and upstream[0] is not None:
            # One input (most layers): the general formulas below with one term each.
            u = upstream[0]
            rf = u.receptive_field
            if rf is None:
                return u.input_size, None
            if step.kind == "identity":
                return u.input_size, rf
            return u.input_size, _after(rf, step)
        fields = [
            u.receptive_field for u in upstream if u is not None and u.receptive_field is not None
        ]
        sizes = [u.input_size for u in upstream if u is not None and u.input_size is not None]
        if not fields:
            return (sizes[0] if sizes else None), None
        size = (max(f.size[0] for f in fields), max(f.size[1] for f in fields))
        # Neighbouring outputs are as far apart as on the inputs that have the output's height and
        # width: a squeeze-and-excitation gate broadcast from 1×1 widens what each output sees
        # (the size above) but does not space the outputs apart.
        full = [
            u.receptive_field
            for u in upstream
            if u is not None
            and u.receptive_field is not None
            and _same_plane(u.output_shape, shape)
        ]
        spaced = full or fields
        jump = (max(f.jump[0] for f in spaced), max(f.jump[1] for f in spaced))
        input_size = (max(s[0] for s in sizes), max(s[1] for s in sizes)) if sizes else None
        if step.kind == "identity":
            # The field of an input that is the largest and the widest spaced (a residual
            # sum's main path, a concatenation's widest branch): that field itself, not an
            # equal new one, so the fields after it stay the objects they were (``_after``).
            for f in spaced:
                if f.size == size and f.jump == jump:
                    return input_size, f
        rf = _stepped(size, jump, step)
        return input_size, None if rf is None else _field_of(rf.size, rf.jump)


def _stepped(
    size: tuple[float, float], jump: tuple[float, float], step: RFStep
) -> ReceptiveField | None:
    """The field after a layer's step, from the field (size, jump) it sees; None when strides
    multiplied past what a float holds (no meaningful field)."""
    kind = step.kind
    if kind == "window" or kind == "transpose":
        h, w = size
        jh, jw = jump
        kh, kw = step.kernel
        sh, sw = step.stride
        if kind == "window":
            h = h + (kh - 1) * jh
            w = w + (kw - 1) * jw
            jh = jh * sh
            jw = jw * sw
        else:
            h = h + (math.ceil(kh / sh) - 1) * jh
            w = w + (math.ceil(kw / sw) - 1) * jw
            jh = jh / sh
            jw = jw / sw
        isfinite = math.isfinite
        if not (isfinite(h) and isfinite(w) and isfinite(jh) and isfinite(jw)):
            return None
        rf: ReceptiveField = _new_object(ReceptiveField)  # _field, inline
        rf.__dict__.update(size=(h, w), jump=(jh, jw))
        return rf
    isfinite = math.isfinite
    if not (isfinite(size[0]) and isfinite(size[1]) and isfinite(jump[0]) and isfinite(jump[1])):
        return None
    return _field(size, jump)


#: The fields of layers with several inputs (a sum's, a concatenation's) by value (size,
#: jump), as ``_receptive_field`` made them: such a field worked out again (in the next
#: analysis of a design alike) is the object it was, so the fields after it come back one step
#: at a time through ``_after`` instead of the arithmetic, as those after the Input's do
#: (``_INPUT_FIELD``). Only fields of positive floats (every field the arithmetic makes: the
#: Input's is 1.0 and steps add and multiply), whose values are equal only when they are the
#: same numbers. Emptied by ``clear_rule_cache`` and beyond ``_FIELDS_LIMIT``.
_FIELDS: dict[tuple[tuple[float, float], tuple[float, float]], ReceptiveField] = {}
_FIELDS_LIMIT = 20_000


def _field_of(size: tuple[float, float], jump: tuple[float, float]) -> ReceptiveField:
    """The field of ``size`` and ``jump`` (``_field``): the object ``_FIELDS`` keeps for them
    (positive floats), else a new one."""
    h, w = size
    jh, jw = jump
    if not (
        h.__class__ is float
        and w.__class__ is float
        and jh.__class__ is float
        and jw.__class__ is float
        and h > 0.0
        and w > 0.0
        and jh > 0.0
        and jw > 0.0
    ):
        return _field(size, jump)
    key = (size, jump)
    rf = _FIELDS.get(key)
    if rf is None:
        if len(_FIELDS) >= _FIELDS_LIMIT:
            _FIELDS.clear()
        rf = _FIELDS[key] = _field(size, jump)
    return rf


def _after(urf: ReceptiveField, step: RFStep) -> ReceptiveField | None:
    """``_stepped(urf.size, urf.jump, step)``, kept on ``urf`` for the next time the same step
    object follows it (an edit that changes the shapes after a layer and not their windows:
    every field after it comes out as it was; window steps are one object per kernel and
    stride, ``shape_rules._window_step``). A field is frozen and the step too, so the kept
    field is the one the arithmetic gives. Two steps are kept, the last one first: a field
    that feeds a fork's branches (a 1×1 convolution in some, a pooling in another) finds
    both."""
    memo = urf._after
    if memo is not None and memo[0] is step:
        return memo[1]
    other = urf._after_other
    rf = other[1] if other is not None and other[0] is step else _stepped(urf.size, urf.jump, step)
    fields = urf.__dict__
    fields["_after_other"] = memo
    fields["_after"] = (step, rf)
    return rf


_new_object = object.__new__

#: Every Input's field (one pixel, one pixel apart), one object for every analysis: the
#: fields after it, kept one step at a time on the field before (``_after``), then come back
#: as the same objects in the next analysis of a design alike (a design opened again, a fix
#: tried on a copy), as the window steps are one object per kernel and stride. Frozen, as
#: every field.
_INPUT_FIELD = ReceptiveField((1.0, 1.0), (1.0, 1.0))


def _field(size: tuple[float, float], jump: tuple[float, float]) -> ReceptiveField:
    """``ReceptiveField(size, jump)`` without the frozen dataclass's per-field
    ``object.__setattr__`` (the same object: equal, same hash and repr)."""
    rf: ReceptiveField = _new_object(ReceptiveField)
    rf.__dict__.update(size=size, jump=jump)
    return rf


#: Layer types whose output is a fresh C×H×W volume (channels first) whatever came in.
_CHANNELS_FIRST_TYPES = frozenset(
    {
        "Conv2d",
        "ConvTranspose2d",
        "MaxPool2d",
        "AvgPool2d",
        "AdaptiveAvgPool2d",
        "AdaptiveMaxPool2d",
        "ZeroPad2d",
        "Upsample",
    }
)


#: Layer types whose output's channel axis ``_channel_axis`` works out from their parameters
#: (the others: channels first, or where the first input has them when the rank is kept).
_AXIS_MAPPING_TYPES = frozenset({"Permute", "Transpose", "Reshape", "Flatten", "Mean"})

#: What ``Analysis._chain`` evaluates inline, by layer type: 0 the channel axis where the
#: input has it (rank kept), 1 channels first, 2 channels first and a window (its notes).
#: Every one takes one input. The types left out (more inputs, an axis worked out from
#: parameters, a Linear's channels-last case, an Input) go through ``_evaluate_one``.
_CHAIN_PLAIN: dict[str, int] = {
    t: 2 if t in WINDOW_TYPES else 1 if t in _CHANNELS_FIRST_TYPES else 0
    for t, lt in REGISTRY.items()
    if lt.min_inputs <= 1
    and (lt.max_inputs is None or lt.max_inputs >= 1)  # takes one input
    and t not in _AXIS_MAPPING_TYPES
    and t not in ("Linear", "Input")
}


def _channel_axis(type_id: str, result: RuleResult, upstream: list[LayerInfo | None]) -> int | None:
    """Where the channels are in ``result``'s output (see ``LayerInfo.channel_axis``)."""
    out = result.shape
    assert out is not None
    if type_id == "Input" or type_id in _CHANNELS_FIRST_TYPES:
        return 0 if len(out) == 3 else None
    first = upstream[0] if upstream else None
    axis = first.channel_axis if first is not None else None
    if axis is None or first is None or first.output_shape is None:
        return None
    if type_id == "Permute":
        order = [d - 1 for d in result.derived["order"][1:]]
        return order.index(axis) if axis in order else None
    if type_id == "Transpose":
        a, b = result.derived["swap"]
        return b if axis == a else a if axis == b else axis
    if type_id in ("Reshape", "Flatten", "Mean") or len(out) != len(first.output_shape):
        return None
    return axis


def _same_plane(a: Shape | None, b: Shape | None) -> bool:
    """Both are volumes with the same height and width."""
    return a is not None and b is not None and len(a) == 3 and len(b) == 3 and a[1:] == b[1:]


#: Rule results by (layer type, explicit parameters, input shapes, semantics). Rules are pure
#: functions of these, and designs repeat themselves (ResNet's blocks, a chain's layers, the
#: same layer after an edit is undone or a fix is tried), so a repeated layer costs a lookup.
#: A ``RuleResult`` is shared by every layer it serves: nothing may change one in place.
#: One-input layers find theirs by input shape, in a dict kept under the same key without the
#: shapes, behind ``_BY_SHAPE`` (``_shape_results``: the key is made once per layer, not per
#: evaluation).
_RULE_CACHE: dict[tuple[Any, ...], RuleResult] = {}
#: Entries kept at most; the cache starts afresh beyond. An entry is about 1.4 kB when no
#: analysis holds its result any more (measured), so the cache stays under ~30 MB; a full
#: analysis of 10,000 layers all unlike each other fills half of it.
RULE_CACHE_LIMIT = 20_000


#: Bumped by ``clear_rule_cache``: the analyses' per-layer memos of rule results
#: (``Analysis._rule_memo``) made before it no longer serve.
_rule_generation = 0
#: Input shapes kept per entry of results by input shape (it starts afresh beyond).
_MEMO_SHAPES = 64
_MEMO_BY_PARAMS = 4096  # ``Analysis._memo_by_params`` is emptied beyond this many dicts
#: The first item of ``_RULE_CACHE``'s keys of results by input shape (no layer type has a
#: space: no key of a single rule result starts with it).
_BY_SHAPE = "by input shape"


def clear_rule_cache() -> None:
    """Forget every kept rule result and window arithmetic (``_RULE_CACHE``, the window
    rules' ``shape_rules._GEOMETRY`` and, through ``_rule_generation``, every analysis's
    per-layer memo): the next analysis runs its rules as the first one in a new process does
    (benchmarks of that case)."""
    global _rule_generation
    _RULE_CACHE.clear()
    _GEOMETRY.clear()
    _WINDOW_STEPS.clear()
    _FIELDS.clear()
    _rule_generation += 1


def _rule_result(layer: Layer, ltype: LayerType, shapes: list[Shape], semantics: str) -> RuleResult:
    """``ltype``'s rule on ``layer`` (with the tensor-size limit applied), from the cache if
    an identical layer saw identical inputs before."""
    # Each value with its class (1, 1.0 and True are equal), a zero float by its text (0.0
    # and -0.0 are equal but print apart); a list makes the key unhashable: see below.
    key: tuple[Any, ...] = (
        layer.type,
        semantics,
        *shapes,
        *[
            (k, v.__class__, v if v.__class__ is not float or v else repr(v))
            for k, v in layer.params.items()
        ],
    )
    cacheable = True
    try:
        cached = _RULE_CACHE.get(key)
    except TypeError:  # an unhashable value (a list): freeze it
        key = _frozen_key(layer, shapes, semantics)
        try:
            cached = _RULE_CACHE.get(key)
        except TypeError:  # a value no design file holds (a set, an object): not cached
            cacheable = False
            cached = None
    if cached is not None:
        return cached
    result: RuleResult = ltype.rule(ltype.resolve(layer.params), shapes, semantics)  # type: ignore[arg-type]
    if result.shape is not None and math.prod(result.shape) > MAX_TENSOR_ELEMENTS:
        result = _too_large(result.shape, result)
    if cacheable:
        if len(_RULE_CACHE) >= RULE_CACHE_LIMIT:
            _RULE_CACHE.clear()
        _RULE_CACHE[key] = result
    return result


def _plain(result: RuleResult) -> tuple[Any, ...]:
    """What ``Analysis._chain`` builds a layer's info from when ``result`` has no finding, one
    output and is below the large-activation size (its shape, neurons, the four counts, axes,
    derived values and field step), else ``()``; kept on the result (``RuleResult._plain``:
    results are never changed once made)."""
    out = result.shape
    plain: tuple[Any, ...] = ()
    if out is not None and not result.findings and not result.outputs:
        neurons = math.prod(out)
        if neurons <= LARGE_ACTIVATION:
            plain = (
                out,
                neurons,
                result.params,
                result.trainable_params,
                result.buffers,
                result.macs,
                result.axes,
                result.derived,
                result.rf,
            )
    result.__dict__["_plain"] = plain
    return plain


def _window_facts(result: RuleResult, shape: Shape) -> tuple[Shape, bool, bool]:
    """What ``_evaluate_one``'s first tests for a window's notes read from a window layer's
    rule ``result`` on input ``shape`` alone: (``shape``, whether the bottleneck's share holds
    (a note comes), whether the output is a volume of more than one value per channel (a
    coverage note may come)); kept on the result for that shape (``RuleResult._window``)."""
    out = result.shape
    if out is None or len(out) != 3:
        facts = (shape, False, False)
    else:
        n_in = math.prod(shape)
        facts = (
            shape,
            bool(
                n_in
                and math.prod(out) < BOTTLENECK_KEEP * n_in
                and not (len(shape) == 3 and shape[1] * shape[2] == 1)
            ),
            out[1] * out[2] > 1,
        )
    result.__dict__["_window"] = facts
    return facts


#: Integers a float holds exactly (compared as floats, they compare as the integers do).
_EXACT_FLOAT = 2**53


def _coverage_limits(input_size: tuple[int, int]) -> tuple[float | int, ...]:
    """``input_size``'s height and width less one and plus one, the limits a field's size is
    compared with in ``_evaluate_one``'s coverage test: as floats where a float holds them
    exactly (a field's size is a float; a comparison of two floats takes fewer steps than one
    of a float with an integer, and gives the same answer), else the integers themselves."""
    sh, sw = input_size
    return tuple(
        float(v) if v.__class__ is int and -_EXACT_FLOAT <= v <= _EXACT_FLOAT else v
        for v in (sh - 1, sw - 1, sh + 1, sw + 1)
    )


def _computed(layer: Layer, ltype: LayerType, shapes: list[Shape], semantics: str) -> RuleResult:
    """``ltype``'s rule on ``layer`` run (with the tensor-size limit applied), uncached."""
    result: RuleResult = ltype.rule(ltype.resolve(layer.params), shapes, semantics)  # type: ignore[arg-type]
    if result.shape is not None and math.prod(result.shape) > MAX_TENSOR_ELEMENTS:
        result = _too_large(result.shape, result)
    return result


def _shape_results(
    layer: Layer, semantics: str
) -> tuple[tuple[Any, ...] | None, dict[Shape, RuleResult]]:
    """The rule results of layers like ``layer`` (type, parameters, semantics) by input shape,
    as ``_RULE_CACHE`` holds them under the key returned (made when missing; a new dict of
    no one's, with None, for a value no key can hold). Keyed as ``_rule_result``'s keys."""
    key: tuple[Any, ...] = (
        _BY_SHAPE,
        layer.type,
        semantics,
        *[
            (k, v.__class__, v if v.__class__ is not float or v else repr(v))
            for k, v in layer.params.items()
        ],
    )
    try:
        found: dict[Shape, RuleResult] | None = _RULE_CACHE.get(key)  # type: ignore[assignment]
        if found is not None:  # (_results_by_shape, without its call)
            return key, found
        return key, _results_by_shape(key)
    except TypeError:  # an unhashable value (a list): freeze it
        key = (
            _BY_SHAPE,
            layer.type,
            semantics,
            *[(k, _frozen(v)) for k, v in layer.params.items()],
        )
        try:
            return key, _results_by_shape(key)
        except TypeError:  # a value no design file holds (a set, an object)
            return None, {}


def _results_by_shape(key: tuple[Any, ...]) -> dict[Shape, RuleResult]:
    """``_RULE_CACHE``'s results by input shape under ``key``, made when missing."""
    found: dict[Shape, RuleResult] | None = _RULE_CACHE.get(key)  # type: ignore[assignment]
    if found is None:
        found = {}
        if len(_RULE_CACHE) >= RULE_CACHE_LIMIT:
            _RULE_CACHE.clear()
        _RULE_CACHE[key] = found  # type: ignore[assignment]
    return found


def _frozen_key(layer: Layer, shapes: list[Shape], semantics: str) -> tuple[Any, ...]:
    return (
        layer.type,
        semantics,
        *shapes,
        *[(k, _frozen(v)) for k, v in layer.params.items()],
    )


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a parameter value that tells apart whatever a rule could tell
    apart (1, 1.0 and True; a list and a number; 0.0 and -0.0)."""
    cls = value.__class__
    if cls is list or cls is tuple:
        return (cls, tuple(_frozen(v) for v in value))
    if cls is dict:
        return (cls, tuple((k, _frozen(v)) for k, v in value.items()))
    if cls is float:
        return (cls, repr(value))
    return (cls, value)


def _too_large(shape: Shape, result: RuleResult) -> RuleResult:
    return RuleResult(
        None,
        findings=[
            Finding(
                "error",
                "tensor_too_large",
                f"the output {fmt_shape(shape)} would have {_big_count(math.prod(shape))} elements per sample; "
                f"PyTorch cannot create a tensor with more than {MAX_TENSOR_ELEMENTS:,} (2⁶³ − 1).",
                {"shape": list(shape), "limit": MAX_TENSOR_ELEMENTS},
            )
        ],
        axes=result.axes,
    )


def _big_count(n: int) -> str:
    digits = len(str(n))
    return f"{n:,}" if digits <= 24 else f"about 10^{digits - 1}"


#: What ``Analysis._take_over`` does not share with the analysis it starts from.
_OWN_STATE = frozenset(
    {
        "design",
        "info",
        "_sums",
        "recompute_count",
        "bytes_per_element",
        "_rf_steps",
        "_stale",
        "_noted",
        "unlisted_fields",
        "structure_passes",
        "renames",
        "_flagged",
        "_positions",
        "_next_position",
        "_live",
    }
)

#: Diagnostics that quote a layer's receptive field (``_window_notes``): redone when only it changes.
_FIELD_NOTES = frozenset({"information_bottleneck", "receptive_field_covers_input"})


def _covers(info: LayerInfo) -> bool:
    """Whether each of the layer's outputs sees the whole network input."""
    rf, size = info.receptive_field, info.input_size
    if rf is None or size is None:
        return False
    h, w = rf.size_px
    return h >= size[0] and w >= size[1]


def _only_field_changed(new: LayerInfo, old: LayerInfo) -> bool:
    """Whether ``new`` differs from ``old`` only in its receptive field and the input size it sees
    (what consumers read from it besides those is the same, so their rules need not run again):
    ``same_output`` with those two taken from ``old``."""
    if new.status == "unknown" or old.status == "unknown":
        return False
    return (
        new.output_shape == old.output_shape
        and new.output_shapes == old.output_shapes
        and new.channel_axis == old.channel_axis
    )


_SUMS = 9  # params, trainable, buffers, macs, neurons, memory, errors, warnings, notes


def _diag(lid: str, f: Finding) -> Diagnostic:
    return Diagnostic(f.severity, f.code, lid, f"{lid}: {f.message}", dict(f.data))


def _output_ref_diag(lid: str, ref: str, source: LayerInfo) -> Diagnostic:
    """``ref`` names an output ``source`` does not have (or none, where it has several)."""
    src, index = split_ref(ref)
    count = len(source.output_shapes) or 1
    outs = ", ".join(
        f"{src}:{n} ({fmt_shape(s)})"
        for n, s in enumerate(source.output_shapes or [source.output_shape])
    )
    if index is None:
        msg = (
            f"{lid} takes its input from {src}, a {source.type} with {count} outputs; "
            f"say which one it takes: {outs}."
        )
        code = "output_not_chosen"
    else:
        msg = (
            f"{lid} takes output {index} of {src}, but {src} ({source.type}) has "
            f"{'only ' if count > 1 else ''}{count} output{'s' if count != 1 else ''}: {outs}."
        )
        code = "no_such_output"
    return Diagnostic("error", code, lid, msg, {"input": ref, "source": src, "outputs": count})


def _input_count_diag(lid: str, type_id: str, n: int, lo: int, hi: int | None) -> Diagnostic:
    if hi == 0:
        want = "no inputs (it is where data enters)"
    elif hi == lo:
        want = f"exactly {lo} input{'s' if lo != 1 else ''}"
    elif hi is None:
        want = f"at least {lo} inputs"
    else:
        want = f"{lo} to {hi} inputs"
    have = "is not connected" if n == 0 else f"has {n}"
    return Diagnostic(
        "error",
        "wrong_input_count",
        lid,
        f"{lid} ({type_id}) takes {want}, but {have}.",
        {"count": n, "min": lo, "max": hi},
    )


def _size_warnings(info: LayerInfo) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if info.type != "Input" and info.neurons > LARGE_ACTIVATION:
        out.append(
            Diagnostic(
                "warning",
                "large_activation",
                info.id,
                f"{info.id} outputs {fmt_shape(info.output_shape)} = {info.neurons:,} values per sample "
                f"({info.memory_bytes / 2**20:,.0f} MiB in float32): training will need a lot of memory.",
                {"neurons": info.neurons, "limit": LARGE_ACTIVATION},
            )
        )
    return out


def _window_notes(
    info: LayerInfo, upstream: list[LayerInfo | None], *, is_output: bool
) -> list[Diagnostic]:
    """``information_bottleneck`` and ``receptive_field_covers_input`` for sliding-window layers.

    A network's output layer is exempt from the bottleneck warning: reducing to a few
    class maps (a segmentation head) is its purpose. So is a window over a 1×1 input: it
    is a fully connected layer in convolution form (squeeze-and-excitation's squeeze),
    and fully connected layers narrow their features by design.
    """
    out: list[Diagnostic] = []
    shape = info.output_shape
    if info.type not in WINDOW_TYPES or shape is None or len(shape) != 3 or not info.input_shapes:
        return out
    first = info.input_shapes[0]
    n_in = math.prod(first) if first is not None else 0
    one_by_one = first is not None and len(first) == 3 and first[1] * first[2] == 1
    neurons = info.neurons
    if n_in and neurons < BOTTLENECK_KEEP * n_in and not is_output and not one_by_one:
        kept = neurons / n_in
        out.append(
            Diagnostic(
                "warning",
                "information_bottleneck",
                info.id,
                f"{info.id} turns {fmt_shape(first)} = {n_in:,} values into {fmt_shape(shape)} = "
                f"{info.neurons:,}: it keeps only {kept:.1%} of them (less than {BOTTLENECK_KEEP:.0%}), "
                "so most of what the layer sees cannot reach the next one.",
                {
                    "in_neurons": n_in,
                    "out_neurons": info.neurons,
                    "kept": kept,
                    "limit": BOTTLENECK_KEEP,
                },
            )
        )
    note = _coverage_note(info.id, shape, info.receptive_field, info.input_size, upstream)
    if note is not None:
        out.append(note)
    return out


def _coverage_note(
    lid: str,
    shape: Shape,
    rf: ReceptiveField | None,
    size: tuple[int, int] | None,
    upstream: list[LayerInfo | None],
) -> Diagnostic | None:
    """``receptive_field_covers_input``: the first window (on its path) whose output positions
    each see the whole input. ``shape`` is the window layer's C×H×W output."""
    if rf is None or size is None or shape[1] * shape[2] <= 1:
        return None
    sh, sw = size
    if not _sees_all(rf, sh, sw):
        return None
    for u in upstream:
        if u is not None:
            urf = u.receptive_field
            if urf is not None and _sees_all(urf, sh, sw):
                return None
    rh, rw = rf.size_px
    return Diagnostic(
        "info",
        "receptive_field_covers_input",
        lid,
        f"{lid}: each of its {shape[1]}×{shape[2]} output positions already sees "
        f"{rh}×{rw} pixels, the whole {size[0]}×{size[1]} input. Deeper windows add "
        "capacity but no more context.",
        {"receptive_field": [rh, rw], "input_size": list(size)},
    )


def _sees_all(rf: ReceptiveField, height: int, width: int) -> bool:
    """Whether ``rf.size_px`` reaches ``height`` × ``width`` (the input's size). ``size_px`` is
    ⌈s − 1e-9⌉ per axis: at most n − 1 where s ≤ n − 1, and at least n where s ≥ n + 1 (n a
    whole number; s − 1e-9 then rounds to no less than n), so most fields are told without
    the ceilings."""
    size = rf.size
    if size[0] <= height - 1 or size[1] <= width - 1:
        return False
    if size[0] >= height + 1 and size[1] >= width + 1:
        return True
    h, w = rf.size_px
    return h >= height and w >= width


def _cycle_text(cycle: list[str], limit: int = 12) -> str:
    if len(cycle) <= limit:
        return " → ".join(cycle)
    head = " → ".join(cycle[: limit - 2])
    return f"{head} → … ({len(cycle) - limit + 1:,} more) → {cycle[-1]}"


def _kahn(
    design: Design,
) -> tuple[
    list[str], dict[str, list[str]], list[str], list[str], set[str], dict[str, list[str]], bool, int
]:
    """The design's structure in one pass over its layers and connections: the topological
    order (Kahn's, level by level, ties in design order; the layers on or after a cycle last,
    in design order), each layer's consumers (in design order), those layers on or after a
    cycle, the Input layers, the layers an Input reaches (unless there is a cycle), each
    layer's ``inputs`` list, whether some input names a missing layer, and how many layers
    have no input from a present layer."""
    ids = design.ids
    present = design.layer_map
    consumers: dict[str, list[str]] = {i: [] for i in ids}
    # The in-degree of each layer fed by two present layers or more: a layer fed by one
    # (most) is ready once that one is placed, without a count kept for it.
    indegree: dict[str, int] = {}
    inputs_seen: dict[str, list[str]] = {}
    entries: list[str] = []  # the Input layers
    ready: list[str] = []  # the layers fed by no present layer
    missing_any = False
    for lid, layer in present.items():
        refs = layer.inputs
        inputs_seen[lid] = refs
        if len(refs) == 1 and ":" not in refs[0]:  # one plain input: ``sources`` is [it]
            if refs[0] in present:
                consumers[refs[0]].append(lid)
            else:
                ready.append(lid)
                missing_any = True
        else:
            sources = layer.sources
            known = [i for i in sources if i in present]
            if len(known) != len(sources):
                missing_any = True
            if not known:
                ready.append(lid)
            elif len(known) > 1:
                indegree[lid] = len(known)
            for i in known:
                consumers[i].append(lid)
        if layer.type == "Input":
            entries.append(lid)
    roots = len(ready)
    order: list[str] = []
    # The layers an Input reaches, found on the way: in topological order every source of
    # a layer comes before it, so a layer is fed once a source placed before it is.
    fed = set(entries)
    while ready:
        nxt: list[str] = []
        for lid in ready:
            order.append(lid)
            users = consumers[lid]
            if lid in fed:
                fed.update(users)
            for c in users:
                n = indegree.get(c)
                if n is None:  # fed by this layer alone
                    nxt.append(c)
                elif n == 1:
                    indegree[c] = 0
                    nxt.append(c)
                else:
                    indegree[c] = n - 1
        ready = nxt
    if len(order) == len(ids):
        cyclic: list[str] = []
    else:  # the layers never placed: on or after a cycle
        placed = set(order)
        cyclic = [i for i in ids if i not in placed]
    order.extend(cyclic)
    return order, consumers, cyclic, entries, fed, inputs_seen, missing_any, roots


def _without(order: list[str], lid: str) -> list[str]:
    """A copy of ``order`` without ``lid`` (at C speed: one search, two slices)."""
    at = order.index(lid)
    return [*order[:at], *order[at + 1 :]]


def _fed_by_input(entries: list[str], consumers: dict[str, list[str]]) -> set[str]:
    """Every layer that some Input (``entries``) reaches through connections (one pass, linear)."""
    fed = set(entries)
    stack = list(fed)
    while stack:
        for c in consumers.get(stack.pop(), ()):
            if c not in fed:
                fed.add(c)
                stack.append(c)
    return fed


def _cycle_members(design: Design, candidates: set[str]) -> dict[str, list[str]]:
    """For each layer that lies on a cycle, one cycle through it (ids in order).

    Depth-first search from each not-yet-placed layer along its inputs, keeping
    parent links rather than copied paths so that a long cycle costs linear time.
    """
    # Peel off layers that merely hang below a cycle (nothing in the set consumes them):
    # what remains lies on a cycle or between two, so the searches below stay short.
    feeds: dict[str, int] = dict.fromkeys(candidates, 0)
    for lid in candidates:
        for i in design.layer(lid).sources:
            if i in feeds:
                feeds[i] += 1
    leaves = [lid for lid, n in feeds.items() if n == 0]
    core = set(candidates)
    while leaves:
        lid = leaves.pop()
        core.discard(lid)
        for i in design.layer(lid).sources:
            if i in core:
                feeds[i] -= 1
                if feeds[i] == 0:
                    leaves.append(i)
    candidates = core
    result: dict[str, list[str]] = {}
    for start in (lid for lid in design.ids if lid in candidates):  # design order: deterministic
        if start in result:
            continue
        parent: dict[str, str] = {}
        stack = [start]
        seen = {start}
        found: str | None = None
        while stack and found is None:
            cur = stack.pop()
            for nxt in design.layer(cur).sources:
                if nxt == start:
                    found = cur
                    break
                if nxt in candidates and nxt not in seen:
                    seen.add(nxt)
                    parent[nxt] = cur
                    stack.append(nxt)
        if found is None:
            continue
        path = [found]
        while path[-1] != start:
            path.append(parent[path[-1]])
        # path is found, …, start, each feeding the next; start feeds found, so in the
        # direction data flows the cycle is start → found → … → start.
        cycle = [start, *path]
        for member in path:
            result.setdefault(member, cycle)
    return result


def analyze(design: Design, *, bytes_per_element: int = 4) -> Analysis:
    """A one-off analysis that does not follow later edits."""
    return Analysis(design, bytes_per_element=bytes_per_element, live=False)

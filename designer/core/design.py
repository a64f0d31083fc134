"""The design: an ordered set of named layers, their connections and their layout.

The model speaks in plain events (psygnal): views and the analysis subscribe to
``layer_added``, ``params_changed`` and the rest, and never poll. Every method
validates before it changes anything, so a refused edit leaves the design as it
was. Geometry is plain tuples; nothing here knows about Qt.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from psygnal import Signal

from designer.core.arithmetic import SEMANTICS
from designer.core.groups import Group, groups_problem
from designer.core.params import ParamError

# The input references, re-exported: ``from designer.core.design import split_ref`` works too.
from designer.core.refs import make_ref as make_ref
from designer.core.refs import source_of as source_of
from designer.core.refs import sources_of as sources_of
from designer.core.refs import split_ref as split_ref
from designer.core.registry import REGISTRY, layer_type

Point = tuple[float, float]
ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
MAX_ID_LENGTH = 64


def _renamed(ref: str, old: str, new: str) -> str:
    """``ref`` with the layer ``old`` renamed to ``new`` (its output index kept)."""
    lid, index = split_ref(ref)
    return make_ref(new, index) if lid == old else ref


class DesignError(ValueError):
    """An edit the design refuses (unknown layer, taken id, invalid value, ...)."""


@dataclass(slots=True)
class Layer:
    """One layer: its id, its type id, the hyper-parameters set explicitly, its inputs.

    ``params`` is never changed in place: layers alike loaded from one file share one dict
    (``Design.params_shared``); an edit gives the layer a dict of its own
    (``Design.set_params``)."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)

    def copy(self) -> Layer:
        return Layer(
            self.id,
            self.type,
            {k: _copy_value(v) for k, v in self.params.items()},
            list(self.inputs),
        )

    @property
    def sources(self) -> list[str]:
        """The ids of the layers feeding this one, once each, in order (``inputs`` without
        output indices: ``["split1:0", "split1:1"]`` → ``["split1"]``)."""
        return sources_of(self.inputs)

    def value(self, name: str) -> Any:
        """The parameter's value: the stored one, else the registry default."""
        if name in self.params:
            return self.params[name]
        spec = layer_type(self.type).spec(name)
        return None if spec is None else spec.default

    def resolved(self) -> dict[str, Any]:
        return layer_type(self.type).resolve(self.params)


def _copy_value(value: Any) -> Any:
    """A copy of a parameter value (numbers, texts, ``None`` and lists or dicts of them):
    what ``copy.deepcopy`` gives, ten times faster (trial copies of large designs)."""
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    return value


@dataclass
class Removal:
    """What ``remove_layer`` took away, so that ``restore_layer`` can put it back exactly."""

    layer: Layer
    index: int
    position: Point | None
    consumers: list[tuple[str, list[str]]]  # (consumer id, its inputs before the removal)
    group: tuple[str, int] | None = None  # (innermost group, index among its layers)


@dataclass
class BulkRemoval:
    """What ``remove_layers`` took away, so that ``restore_layers`` puts it all back in one
    step: the design order, the layers, their positions, the inputs of the layers that stayed
    and the groups, exactly as they were."""

    order: list[str]  # every id before the removal, in design order
    layers: dict[str, Layer]  # the removed layers, by id (the design's own objects)
    positions: dict[str, Point]  # the removed layers' positions
    inputs: dict[str, list[str]]  # the layers that stayed and were reconnected: inputs before
    groups: list[Group] | None  # the groups before, when the removal changed them


@dataclass(frozen=True)
class BulkChange:
    """What one ``remove_layers`` or ``restore_layers`` changed (``Design.bulk_changed``):
    the layers removed or added (in design order), the layers that stayed and whose inputs
    changed, and whether the groups changed. Followers take it in one step, not one event
    per layer."""

    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    rewired: tuple[str, ...] = ()
    groups: bool = False
    #: The layers (in the design after the change) that lost or gained a consumer: what the
    #: layers removed or added read, and what the rewired ones read before and after. A
    #: follower whose results see who reads a layer (a block's output) needs these; the
    #: removed layers' inputs cannot be read from the design any more.
    fed: tuple[str, ...] = ()


def _fed(reads: Iterable[list[str]], layers: dict[str, Layer]) -> tuple[str, ...]:
    """The layers of ``layers`` these input lists read (``BulkChange.fed``), each once."""
    out: dict[str, None] = {}
    for inputs in reads:
        for src in sources_of(inputs):
            if src in layers:
                out[src] = None
    return tuple(out)


def check_id(layer_id: Any) -> str | None:
    """Why ``layer_id`` is not a valid id, or ``None`` if it is."""
    if not isinstance(layer_id, str) or not layer_id:
        return "an id must be a non-empty text"
    if len(layer_id) > MAX_ID_LENGTH:
        return f"an id has at most {MAX_ID_LENGTH} characters"
    if not ID_PATTERN.match(layer_id):
        return "an id starts with a letter or _ and contains only letters, digits, _, - and ."
    return None


def normalize_params(type_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise every value; drop values equal to the default.

    Raises ``DesignError`` naming the parameter and what was expected.
    """
    ltype = layer_type(type_id)
    out: dict[str, Any] = {}
    for name, value in values.items():
        spec = ltype.spec(name)
        if spec is None:
            raise DesignError(f"{type_id} has no parameter {name!r}")
        try:
            norm = spec.normalize(value)
        except ParamError as exc:
            raise DesignError(f"{type_id} {name}: {exc}") from exc
        out[name] = norm
    return canonical_params(type_id, out)


def canonical_params(type_id: str, normalized: dict[str, Any]) -> dict[str, Any]:
    """``normalize_params`` of values that are already normalised (each one what its
    ``ParamSpec.normalize`` returned; normalising is idempotent): the values equal to the
    default dropped (a required one kept), in the registry's order, so files read the same
    whatever order edits came in."""
    out: dict[str, Any] = {}
    for spec in layer_type(type_id).params:
        name = spec.name
        if name in normalized:
            value = normalized[name]
            if spec.required or value != spec.default:
                out[name] = value
    return out


class Design:
    """A network design. Mutate it only through its methods; they emit the events."""

    layer_added = Signal(str)  # layer id
    layer_removed = Signal(str)
    params_changed = Signal(str)
    inputs_changed = Signal(str)
    layer_renamed = Signal(str, str)  # old id, new id
    layout_changed = Signal(str)
    layer_moved = Signal(
        str
    )  # the layer's place in the design order changed (after layout_changed)
    meta_changed = Signal(str)  # "name", "semantics", "description" or "load_notes"
    groups_changed = Signal()  # the groups (blocks/stages) were replaced; see ``set_groups``
    #: Many layers removed or put back at once (``remove_layers``, ``restore_layers``): one
    #: ``BulkChange`` instead of a ``layer_removed``/``layer_added`` per layer.
    bulk_changed = Signal(object)

    def __init__(
        self, name: str = "Untitled", semantics: str = "pytorch", description: str = ""
    ) -> None:
        self._layers: dict[str, Layer] = {}
        self._layout: dict[str, Point] = {}
        self._groups: list[Group] = []
        self.name = name
        self.semantics = semantics
        self.description = description
        # Problems found while loading (duplicate or missing ids were renamed): shown until saved.
        self.load_notes: list[tuple[str, str | None, str]] = []  # (code, layer, message)
        self.extra: dict[str, Any] = {}  # unknown top-level file fields, written back unchanged
        #: Some layers share one parameters dict (the file loader gives layers alike one): a
        #: hint to the analysis, which then looks for a memo by dict (``Analysis.full_refresh``).
        #: Edits only ever give a layer a dict of its own, so it is never wrong to keep it.
        self.params_shared = False
        #: The layers that take their input from each id (``Layer.sources``; the keys of a
        #: dict, in no particular order), missing ids included: made when first asked for
        #: (``_references``), then kept up to date by every method that changes a layer's
        #: inputs or id. An id nothing refers to has no entry.
        self._refs: dict[str, dict[str, None]] | None = None

    # ------------------------------------------------------------------ queries

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self._layers

    def __iter__(self) -> Iterator[Layer]:
        return iter(self._layers.values())

    def __len__(self) -> int:
        return len(self._layers)

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers.values())

    @property
    def ids(self) -> list[str]:
        return list(self._layers)

    @property
    def layer_map(self) -> dict[str, Layer]:
        """The layers by id, in design order: the design's own dict, for fast reading (the
        analysis); never change it (use the methods, which emit the events)."""
        return self._layers

    def layer(self, layer_id: str) -> Layer:
        try:
            return self._layers[layer_id]
        except KeyError:
            raise DesignError(f"there is no layer {layer_id!r}") from None

    def index_of(self, layer_id: str) -> int:
        return self.ids.index(layer_id)

    @property
    def layout(self) -> dict[str, Point]:
        return dict(self._layout)

    def position(self, layer_id: str) -> Point | None:
        return self._layout.get(layer_id)

    def consumers(self, layer_id: str) -> list[str]:
        """Layers that take ``layer_id`` as an input, in design order."""
        users = self._references().get(layer_id)
        if not users:
            return []  # what nothing takes its input from (a new layer): no pass over the others
        if len(users) == 1:
            return list(users)
        if len(users) <= 16:  # in design order, by a few searches of the ids at C speed
            ids = list(self._layers)
            return sorted(users, key=ids.index)
        # (``layer.sources`` of every layer made a list per layer: a few ms at 10,000 layers.)
        out: list[str] = []
        prefix = layer_id + ":"
        for layer in self._layers.values():
            inputs = layer.inputs
            if layer_id in inputs or (
                (len(inputs) > 1 or (inputs and ":" in inputs[0]))
                and any(i.startswith(prefix) for i in inputs)
            ):
                out.append(layer.id)
        return out

    def consumers_unordered(self, layer_id: str) -> list[str]:
        """``consumers`` in no particular order: a look-up, with no pass over the design to
        put them in its order (the canvas putting 5,000 layers back asks for each one's)."""
        return list(self._references().get(layer_id) or ())

    def fresh_id(self, prefix: str, taken: Iterable[str] = ()) -> str:
        """``prefix`` followed by the smallest number not yet used (``conv1``, ``conv2``, ...)."""
        # Ids that a layer lists as a (missing) input are not fresh: a new layer would connect silently.
        layers, refs = self._layers, self._references()
        used = {g.id for g in self._groups} | set(taken)
        n = 1
        while True:
            lid = f"{prefix}{n}"
            if lid not in layers and lid not in used and not refs.get(lid):
                return lid
            n += 1

    def _references(self) -> dict[str, dict[str, None]]:
        """``_refs``, made if it is not there yet (one pass over every layer's inputs)."""
        refs = self._refs
        if refs is None:
            refs = {}
            for lid, layer in self._layers.items():
                inputs = layer.inputs
                if len(inputs) == 1 and ":" not in inputs[0]:
                    users = refs.get(inputs[0])
                    if users is None:
                        refs[inputs[0]] = {lid: None}
                    else:
                        users[lid] = None
                elif inputs:
                    for i in layer.sources:
                        users = refs.get(i)
                        if users is None:
                            refs[i] = {lid: None}
                        else:
                            users[lid] = None
            self._refs = refs
        return refs

    def _rewired(self, lid: str, old: list[str], new: list[str]) -> None:
        """Keep ``_refs`` (if made) up to date: layer ``lid``'s inputs went from ``old`` to
        ``new``."""
        refs = self._refs
        if refs is None:
            return
        before, after = sources_of(old), sources_of(new)
        for i in before:
            if i not in after:
                users = refs.get(i)
                if users is not None:
                    users.pop(lid, None)
                    if not users:
                        del refs[i]
        for i in after:
            if i not in before:
                users = refs.get(i)
                if users is None:
                    refs[i] = {lid: None}
                else:
                    users[lid] = None

    def copy(self) -> Design:
        other = Design(self.name, self.semantics, self.description)
        other._layers = {k: v.copy() for k, v in self._layers.items()}
        other._layout = dict(self._layout)
        other._groups = [g.copy() for g in self._groups]
        other.load_notes = list(self.load_notes)
        other.extra = copy.deepcopy(self.extra)
        return other

    def trial_copy(self) -> Design:
        """A copy to try edits on (fix verification), made without deep copies.

        Its layers are new ``Layer`` objects that share their ``params`` dict and ``inputs``
        list with this design's. Every ``Design`` method replaces those, never changes them
        in place, so edits of the copy leave this design as it is.
        """
        other = Design(self.name, self.semantics, self.description)
        other._layers = {
            k: Layer(v.id, v.type, v.params, v.inputs) for k, v in self._layers.items()
        }
        other._layout = dict(self._layout)
        other._groups = [g.copy() for g in self._groups]
        other.load_notes = list(self.load_notes)
        other.extra = self.extra
        other.params_shared = self.params_shared
        return other

    # ---------------------------------------------------------------- mutations

    def add_layer(
        self, layer: Layer, index: int | None = None, position: Point | None = None
    ) -> None:
        """Insert ``layer`` (at ``index`` in the design order; at the end by default)."""
        problem = check_id(layer.id)
        if problem:
            raise DesignError(f"{layer.id!r}: {problem}")
        if layer.id in self._layers:
            raise DesignError(f"a layer named {layer.id!r} already exists")
        if any(g.id == layer.id for g in self._groups):
            raise DesignError(f"a group is named {layer.id!r}; a layer needs another id")
        if layer.type not in REGISTRY:
            raise DesignError(f"unknown layer type {layer.type!r}")
        layer = Layer(
            layer.id, layer.type, normalize_params(layer.type, layer.params), list(layer.inputs)
        )
        self._rewired(layer.id, [], layer.inputs)
        if index is None or index >= len(self._layers):
            self._layers[layer.id] = layer  # appending keeps loading a long design linear
        else:
            # A new dict in the new order, at C speed and without a tuple per layer kept alive
            # (zip hands dict() the same pair each time): 10,000 of those made the collector run.
            at = max(index, 0)
            keys, values = list(self._layers), list(self._layers.values())
            keys.insert(at, layer.id)
            values.insert(at, layer)
            self._layers = dict(zip(keys, values, strict=True))
        if position is not None:
            self._layout[layer.id] = (float(position[0]), float(position[1]))
        self.layer_added.emit(layer.id)

    def append_loaded(self, layer: Layer) -> None:
        """Append a layer that the file loader has checked (valid id, not taken, known type,
        no group of that name) and whose parameters are already ``normalize_params``' result:
        ``add_layer`` without validating everything a second time. For a design the loader is
        still building, which nothing follows yet: no event is emitted."""
        if layer.id in self._layers:
            raise DesignError(f"a layer named {layer.id!r} already exists")
        self._layers[layer.id] = layer
        if self._refs is not None:
            self._rewired(layer.id, [], layer.inputs)

    def extend_loaded(self, layers: dict[str, Layer]) -> None:
        """``append_loaded`` of every layer of ``layers`` (by id, in design order; ids the
        loader has made unique), in one step on a design that has none yet."""
        if self._layers or self._refs is not None:
            for layer in layers.values():
                self.append_loaded(layer)
        else:
            self._layers.update(layers)

    def place_loaded(self, layer_id: str, position: Point | list[float]) -> None:
        """``set_position`` for a design the loader is still building (no event)."""
        self.layer(layer_id)
        self._layout[layer_id] = (float(position[0]), float(position[1]))

    def place_all_loaded(self, positions: dict[str, Point]) -> None:
        """``place_loaded`` of every (layer id, position) of ``positions``, in its order, for
        a design the loader is still building: ids it has checked, positions it has converted."""
        self._layout.update(positions)

    def remove_layer(self, layer_id: str) -> Removal:
        """Remove a layer and every connection from it; return what ``restore_layer`` needs."""
        layer = self.layer(layer_id)
        # The last layer (the undo of adding one): its index without a list of every id.
        index = len(self._layers) - 1 if next(reversed(self._layers)) == layer_id else None
        if index is None:
            index = self.index_of(layer_id)
        consumers = [(c, list(self._layers[c].inputs)) for c in self.consumers(layer_id)]
        position = self._layout.pop(layer_id, None)
        group = self._leave_group(layer_id)
        del self._layers[layer_id]
        self._rewired(layer_id, layer.inputs, [])
        for cid, old in consumers:
            new = [i for i in old if source_of(i) != layer_id]
            self._rewired(cid, old, new)
            self._layers[cid].inputs = new
        self.layer_removed.emit(layer_id)
        for cid, _ in consumers:
            self.inputs_changed.emit(cid)
        return Removal(layer.copy(), index, position, consumers, group)

    def restore_layer(self, removal: Removal) -> None:
        """Undo ``remove_layer``: same index, position and connections."""
        self.add_layer(removal.layer.copy(), removal.index, removal.position)
        for cid, inputs in removal.consumers:
            if cid in self._layers:
                self._rewired(cid, self._layers[cid].inputs, inputs)
                self._layers[cid].inputs = list(inputs)
                self.inputs_changed.emit(cid)
        if removal.group is not None:
            gid, at = removal.group
            for group in self._groups:
                if group.id == gid and removal.layer.id not in group.layers:
                    group.layers.insert(at, removal.layer.id)
                    self.groups_changed.emit()
                    break

    def remove_layers(
        self, ids: Iterable[str], rewire: dict[str, list[str]] | None = None
    ) -> BulkRemoval:
        """Remove many layers in one step (one new dict of the layers, one ``bulk_changed``);
        return what ``restore_layers`` needs.

        Each layer that stays and took input from a removed one loses those inputs, or takes
        the inputs ``rewire`` gives it instead (the document heals a chain so); ``rewire`` may
        name only layers that stay, with inputs from layers that stay. Refused (nothing
        changed) when an id is not a layer or ``rewire`` is not so.
        """
        layers = self._layers
        doomed = dict.fromkeys(ids)
        for lid in doomed:
            if lid not in layers:
                raise DesignError(f"there is no layer {lid!r}")
        rewire = dict(rewire or {})
        for cid, new in rewire.items():
            if cid not in layers or cid in doomed:
                raise DesignError(f"{cid!r} is not a layer that stays; it cannot be reconnected")
            for i in new:
                src = source_of(i)
                if src == cid:
                    raise DesignError(f"{cid!r} cannot take its own output as input")
                if src in doomed:
                    raise DesignError(f"{cid!r} cannot take its input from {src!r}, removed")
        refs = self._references()
        reconnect: dict[str, list[str]] = {}
        for lid in doomed:
            for cid in refs.get(lid, ()):
                if cid not in doomed and cid not in reconnect:
                    inputs = layers[cid].inputs
                    reconnect[cid] = [i for i in inputs if source_of(i) not in doomed]
        reconnect.update(rewire)
        order = list(layers)
        removed = {lid: layers[lid] for lid in order if lid in doomed}
        before: dict[str, list[str]] = {}
        for cid, new in reconnect.items():
            layer = layers[cid]
            if new != layer.inputs:
                before[cid] = layer.inputs
                layer.inputs = list(new)
        self._layers = {lid: layer for lid, layer in layers.items() if lid not in doomed}
        layout = self._layout
        positions = {lid: layout.pop(lid) for lid in removed if lid in layout}
        groups: list[Group] | None = None
        if any(m in doomed for g in self._groups for m in g.layers):
            groups = [g.copy() for g in self._groups]
            for g in self._groups:
                if any(m in doomed for m in g.layers):
                    g.layers = [m for m in g.layers if m not in doomed]
        self._refs = None  # made again when next asked for (one pass)
        rewired = tuple(lid for lid in self._layers if lid in before)  # in design order
        fed = _fed(
            [layer.inputs for layer in removed.values()]
            + [inputs for cid, old in before.items() for inputs in (old, layers[cid].inputs)],
            self._layers,
        )
        self.bulk_changed.emit(
            BulkChange(removed=tuple(removed), rewired=rewired, groups=groups is not None, fed=fed)
        )
        return BulkRemoval(order, removed, positions, before, groups)

    def restore_layers(self, removal: BulkRemoval) -> None:
        """Undo ``remove_layers``: the same design order, layers, positions, inputs and
        groups, in one step (one ``bulk_changed``)."""
        layers = self._layers
        back = removal.layers
        for lid in back:
            if lid in layers:
                raise DesignError(f"a layer named {lid!r} already exists")
        restored: dict[str, Layer] = {}
        for lid in removal.order:
            layer = layers.get(lid)
            if layer is None:
                layer = back.get(lid)
            if layer is not None:
                restored[lid] = layer
        if len(restored) != len(layers) + len(back):  # layers added since (not by undo)
            for lid, layer in layers.items():
                restored.setdefault(lid, layer)
        reads = [back[lid].inputs for lid in back]
        for cid, inputs in removal.inputs.items():
            layer = restored.get(cid)
            if layer is not None:
                reads += [layer.inputs, inputs]
                layer.inputs = list(inputs)
        self._layers = restored
        self._layout.update(removal.positions)
        if removal.groups is not None:
            self._groups = [g.copy() for g in removal.groups]
        self._refs = None
        self.bulk_changed.emit(
            BulkChange(
                added=tuple(lid for lid in restored if lid in back),
                rewired=tuple(lid for lid in restored if lid in removal.inputs),
                groups=removal.groups is not None,
                fed=_fed(reads, restored),
            )
        )

    def set_param(self, layer_id: str, name: str, value: Any) -> None:
        """Set one hyper-parameter (``None`` on a parameter whose default is not ``None`` resets it)."""
        layer = self.layer(layer_id)
        ltype = layer_type(layer.type)
        spec = ltype.spec(name)
        if spec is None:
            raise DesignError(f"{layer.type} has no parameter {name!r}")
        if value is None and spec.default is not None and spec.required:
            # A required value is always written to the file: resetting stores the default.
            new = normalize_params(layer.type, {**layer.params, name: spec.default})
        elif value is None and spec.default is not None:
            new = {k: v for k, v in layer.params.items() if k != name}
        else:
            new = normalize_params(layer.type, {**layer.params, name: value})
        if new == layer.params:
            return
        layer.params = new
        self.params_changed.emit(layer_id)

    def set_params(self, layer_id: str, params: dict[str, Any]) -> None:
        """Replace all stored hyper-parameters at once (used by undo)."""
        layer = self.layer(layer_id)
        new = normalize_params(layer.type, params)
        if new == layer.params:
            return
        layer.params = new
        self.params_changed.emit(layer_id)

    def set_inputs(self, layer_id: str, inputs: list[str]) -> None:
        layer = self.layer(layer_id)
        if any(source_of(i) == layer_id for i in inputs):
            raise DesignError(f"{layer_id!r} cannot take its own output as input")
        if list(inputs) == layer.inputs:
            return
        self._rewired(layer_id, layer.inputs, inputs)
        layer.inputs = list(inputs)
        self.inputs_changed.emit(layer_id)

    def rename_problem(self, old: str, new: str) -> str | None:
        """Why ``rename_layer(old, new)`` would be refused, or ``None``."""
        self.layer(old)
        problem = check_id(new)
        if problem:
            return f"{new!r}: {problem}"
        if new in self._layers:
            return f"a layer named {new!r} already exists"
        if any(g.id == new for g in self._groups):
            return f"a group is named {new!r}; a layer needs another id"
        # (The count of references answers for most ids without a pass over every layer.)
        waiting = (
            [layer.id for layer in self._layers.values() if new in layer.sources]
            if self._references().get(new)
            else []
        )
        if waiting:
            # Renaming would connect those layers silently (or make the layer its own input):
            # a connection is made explicitly, as an edit of its own.
            who = ", ".join(waiting[:3]) + (
                f" and {len(waiting) - 3} more" if len(waiting) > 3 else ""
            )
            return (
                f"{new!r} is listed as a missing input of {who}; renaming {old!r} to it would connect "
                "them silently. Choose another id, or connect the layers explicitly."
            )
        return None

    def rename_layer(self, old: str, new: str) -> None:
        """Give a layer a new id; every reference to it follows.

        Only what names ``old`` changes: the layer, the ``inputs`` lists of the layers that
        take its output (each replaced by a new list, as every method does), its position, the
        groups that hold it and the count of references; the design order stays as it was.
        """
        if old == new:
            return
        problem = self.rename_problem(old, new)
        if problem:
            raise DesignError(problem)
        layers = self._layers
        layer = layers[old]
        refs = self._references()
        users = refs.pop(old, None)
        for cid in users or ():
            user = layers[cid]
            user.inputs = [_renamed(i, old, new) for i in user.inputs]
        if users:
            refs[new] = users  # (``rename_problem``: nothing referred to ``new``)
        for s in layer.sources:  # the layers it takes its input from list it under its new id
            listed = refs.get(s)
            if listed is not None and old in listed:
                del listed[old]
                listed[new] = None
        layer.id = new
        if next(reversed(layers)) == old:
            del layers[old]
            layers[new] = layer
        else:
            # The same order with one key replaced: a new dict built at C speed.
            keys = list(layers)
            keys[keys.index(old)] = new
            self._layers = dict(zip(keys, layers.values(), strict=True))
        if old in self._layout:
            self._layout[new] = self._layout.pop(old)
        for group in self._groups:
            if old in group.layers:
                group.layers = [new if m == old else m for m in group.layers]
        self.layer_renamed.emit(old, new)

    def set_position(self, layer_id: str, position: Point | None) -> None:
        self.layer(layer_id)
        if position is None:
            self._layout.pop(layer_id, None)
        else:
            self._layout[layer_id] = (float(position[0]), float(position[1]))
        self.layout_changed.emit(layer_id)

    def set_name(self, name: str) -> None:
        if name != self.name:
            self.name = name
            self.meta_changed.emit("name")

    def set_description(self, text: str) -> None:
        if text != self.description:
            self.description = text
            self.meta_changed.emit("description")

    def set_semantics(self, semantics: str) -> None:
        if semantics not in SEMANTICS:
            raise DesignError(
                f"unknown semantics {semantics!r}; expected one of {', '.join(SEMANTICS)}"
            )
        if semantics != self.semantics:
            self.semantics = semantics
            self.meta_changed.emit("semantics")

    def dismiss_load_note(
        self, code: str, layer_id: str | None
    ) -> tuple[str, str | None, str] | None:
        """Forget the load note ``(code, layer_id)`` (the user accepted it); return it for undo."""
        for n, note in enumerate(self.load_notes):
            if note[0] == code and note[1] == layer_id:
                del self.load_notes[n]
                self.meta_changed.emit("load_notes")
                return note
        return None

    def clear_load_notes(self) -> None:
        """Forget every load note (the design was saved as it is now)."""
        if self.load_notes:
            self.load_notes = []
            self.meta_changed.emit("load_notes")

    def restore_load_note(self, note: tuple[str, str | None, str]) -> None:
        """Undo ``dismiss_load_note``."""
        self.load_notes.append(note)
        self.meta_changed.emit("load_notes")

    def move_layer(self, layer_id: str, index: int) -> None:
        """Move a layer to ``index`` in the design order (affects only how files list layers)."""
        layer = self.layer(layer_id)
        items = [(k, v) for k, v in self._layers.items() if k != layer_id]
        items.insert(max(0, min(index, len(items))), (layer_id, layer))
        moved = [k for k, _ in items] != list(self._layers)
        self._layers = dict(items)
        self.layout_changed.emit(layer_id)
        if moved:
            self.layer_moved.emit(layer_id)

    # ------------------------------------------------------------------ groups

    @property
    def has_groups(self) -> bool:
        """Whether the design has groups (without copying them, as ``groups`` does)."""
        return bool(self._groups)

    def has_group(self, group_id: str) -> bool:
        """Whether a group has this id (without copying the groups, as ``groups`` does)."""
        return any(g.id == group_id for g in self._groups)

    @property
    def groups(self) -> list[Group]:
        """The groups (blocks, stages), as copies; see ``designer.core.groups``."""
        return [g.copy() for g in self._groups]

    def set_groups(self, groups: Iterable[Group]) -> None:
        """Replace every group at once (group, ungroup and their undo all go through here)."""
        new = [g.copy() for g in groups]
        problem = groups_problem(new, self._layers, check_id)
        if problem:
            raise DesignError(problem)
        if [(g.id, g.label, g.parent, g.layers) for g in new] == [
            (g.id, g.label, g.parent, g.layers) for g in self._groups
        ]:
            return
        self._groups = new
        self.groups_changed.emit()

    def set_loaded_groups(self, groups: list[Group]) -> None:
        """``set_groups`` for a design the loader is still building, with groups it has
        checked (``groups_problem``) and built itself: taken as they are, no event."""
        self._groups = groups

    def _leave_group(self, layer_id: str) -> tuple[str, int] | None:
        for group in self._groups:
            if layer_id in group.layers:
                at = group.layers.index(layer_id)
                del group.layers[at]
                self.groups_changed.emit()
                return group.id, at
        return None

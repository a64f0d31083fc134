"""The document: owns the design, its live analysis, the undo stack and the selection.

Widgets never touch the design directly: they ask the document to ``add_layer``,
``set_param``, ``connect`` ... and each request becomes one undo command (or one
macro for compound edits). Views connect once to the document's Qt signals, which
relay the design's events; when a new design is opened the document swaps it in
and emits ``design_reset``, so no view has to re-subscribe.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from designer.core.analysis import Analysis
from designer.core.design import (
    BulkChange,
    Design,
    DesignError,
    Layer,
    Point,
    check_id,
    make_ref,
    normalize_params,
    source_of,
    split_ref,
)
from designer.core.fileformat import dumps_design, load_design, save_design
from designer.core.groups import Group
from designer.core.layout import auto_layout
from designer.core.params import ParamError
from designer.core.registry import REGISTRY, layer_type
from designer.ui import commands as cmd
from designer.ui.busy import busy
from designer.ui.group_views import GroupViewCache

#: The priority (psygnal: higher first) of the document's first handler of a design's rename:
#: before the analysis's (0), after the group cache's (``group_views.PRIORITY``).
RENAMING_PRIORITY = 50
#: From this many layers, a deletion (and its undo) is one step of the design, of the analysis
#: (one structure pass, then what changed evaluated again) and of the views
#: (``RemoveLayersCommand``). Already from two: each consumer reconnected one by one took a
#: pass downstream of its own (deleting 10 layers mid-way through the 10,000-layer ResNet-like
#: design: ~260 ms one by one, ~210 ms in one step), and each layer leaving a group laid the
#: collapsed canvas out again (2-6 s for 10 layers of the grouped 10,000-layer design).
BULK_REMOVAL = 2
#: A paste of this many layers or more is one step for the design, the analysis and the views
#: (``AddLayersCommand``), not one addition per layer: pasting 5,000 layers into a
#: 10,000-layer design took about 3 s one by one, its undo 2.3 s. Fewer go one by one, as
#: before (the analysis's step around one layer against its one pass over the structure for a
#: bulk change: the threshold was not measured).
BULK_ADDITION = 100


class Document(QObject):
    # Relayed model events (see designer.core.design.Design).
    layer_added = Signal(str)
    layer_removed = Signal(str)
    params_changed = Signal(str)
    inputs_changed = Signal(str)
    layer_renamed = Signal(str, str)
    layout_changed = Signal(str)
    meta_changed = Signal(str)
    analysis_updated = Signal(object)  # set of layer ids whose analysis changed
    design_reset = Signal()  # a different design was loaded: rebuild everything
    selection_changed = Signal(list)  # selected layer ids
    path_changed = Signal(object)  # Path | None
    modified_changed = Signal(bool)
    groups_changed = Signal()  # the design's groups (blocks, stages) changed
    # An edit of several steps whose views follow once (``batched``: undo, redo, a macro such
    # as a paste; a bulk step; a rename) starts, and ends (before the selection and the one
    # ``analysis_updated`` are told). A view may do its work for many layers added or removed
    # in it once, at the end (the canvas routes their edges in one pass).
    batch_started = Signal()
    batch_finished = Signal()
    # Within a batch: a bulk step (``Design.remove_layers``/``restore_layers``) is about to tell
    # the views of this many layers removed or put back, one event each.
    bulk_started = Signal(int)

    def __init__(self, design: Design | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._path: Path | None = None
        self._selection: list[str] = []
        self._batch_depth = 0  # ``batched`` edits under way
        self._batched: object = None  # what their analysis updates changed, so far
        # ... and of those, the layers whose receptive field alone changed in some step and
        # fully in none, and whether any step left fields out of date unlisted: the merged
        # update tells them (``analysis.field_only``, ``unlisted_fields``), not the last step's.
        self._batched_fields: set[str] = set()
        self._batched_full: set[str] = set()
        self._batched_unlisted = False
        self._selection_owed = False  # selected layers were removed during them
        self._renames_open = 0  # renames whose analysis update waits for ``layer_renamed``
        self.design = design if design is not None else Design()
        self.group_cache = GroupViewCache(self.design)  # before the analysis: called first
        self.analysis = Analysis(self.design)
        self.group_cache.attach(self.analysis)
        self._connect_design()

    # ---------------------------------------------------------------- plumbing

    def _relays(self) -> list[tuple[Any, Any]]:
        """(model signal, handler) pairs: what the document follows on the current design."""
        d = self.design
        return [
            (d.layer_added, self.layer_added.emit),
            (d.layer_removed, self._on_removed),
            (d.params_changed, self.params_changed.emit),
            (d.inputs_changed, self.inputs_changed.emit),
            (d.layer_renamed, self._on_renamed),
            (d.layout_changed, self.layout_changed.emit),
            (d.meta_changed, self.meta_changed.emit),
            (d.groups_changed, self.groups_changed.emit),
            (d.bulk_changed, self._on_bulk),
            (self.analysis.updated, self._on_analysis_updated),
        ]

    def _connect_design(self) -> None:
        for signal, handler in self._relays():
            signal.connect(handler)
        # Before the analysis follows a rename (and tells what it evaluated again): see
        # ``_renaming``.
        self.design.layer_renamed.connect(self._renaming, priority=RENAMING_PRIORITY)
        self.design.bulk_changed.connect(self._bulk_starting, priority=RENAMING_PRIORITY)

    def _disconnect_design(self) -> None:
        for signal, handler in self._relays():
            signal.disconnect(handler)
        self.design.layer_renamed.disconnect(self._renaming)
        self.design.bulk_changed.disconnect(self._bulk_starting)
        self.analysis.close()

    def _on_analysis_updated(self, changed: object) -> None:
        if self._batch_depth:  # an edit of several steps: the views follow once, at its end
            analysis = self.analysis
            self._batched_unlisted |= analysis.unlisted_fields
            if isinstance(changed, set | frozenset):
                fields = analysis.field_only
                self._batched_fields |= fields
                self._batched_full |= changed - fields if fields else changed
            if not isinstance(changed, set | frozenset):
                self._batched = changed  # (not a set of ids: passed on as it is)
            elif self._batched is None:
                self._batched = set(changed)
            elif isinstance(self._batched, set):
                self._batched |= changed
            return
        self.analysis_updated.emit(changed)

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Edits whose views follow once, at the end: ``analysis_updated`` is emitted once, with
        every layer whose analysis changed (the table, charts, problems and 3D view then update
        once for a deletion of many layers, a paste, or the undo of either)."""
        self._begin_batch()
        try:
            yield
        finally:
            self._end_batch()

    def _begin_batch(self) -> None:
        self._batch_depth += 1
        if self._batch_depth == 1:
            self.batch_started.emit()

    def _end_batch(self) -> None:
        self._batch_depth -= 1
        if not self._batch_depth:
            self.batch_finished.emit()
        if not self._batch_depth and self._selection_owed:
            self._selection_owed = False
            self.selection_changed.emit(list(self._selection))
        if not self._batch_depth and self._batched is not None:
            changed, self._batched = self._batched, None
            # (A bulk removal's analysis tells its layers' fields in one update and the layers
            # removed in the next, which clears the field flags: the views must see the first's.)
            fields, full = self._batched_fields, self._batched_full
            analysis = self.analysis
            analysis.field_only = (
                frozenset(fields - full) if isinstance(changed, set) and fields else frozenset()
            )
            analysis.unlisted_fields = self._batched_unlisted
            self._batched_fields, self._batched_full = set(), set()
            self._batched_unlisted = False
            self.analysis_updated.emit(changed)

    def undo(self) -> None:
        """Undo the last edit (its steps, if it has several, followed by the views once)."""
        with self.batched():
            self.undo_stack.undo()

    def redo(self) -> None:
        with self.batched():
            self.undo_stack.redo()

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _on_removed(self, layer_id: str) -> None:
        if layer_id in self._selection:
            self._selection.remove(layer_id)  # (a list of its own: ``select`` makes a new one)
            if self._batch_depth:
                # Deleting 5,000 selected layers told every view the selection 5,000 times
                # (each reads all of it): it is told once, when the edit ends.
                self._selection_owed = True
            else:
                self.selection_changed.emit(list(self._selection))
        self.layer_removed.emit(layer_id)

    def _bulk_starting(self, _change: BulkChange) -> None:
        """Many layers go or come back at once (called before the analysis's one pass): the
        views follow once, after every layer was told (``_on_bulk``)."""
        self._begin_batch()

    def _on_bulk(self, change: BulkChange) -> None:
        """Tell the views of each layer removed or added, of each layer reconnected and of
        the groups (as single edits do), then of the analysis's update, once."""
        try:
            self.bulk_started.emit(len(change.removed) + len(change.added))
            if change.removed:
                gone = set(change.removed)
                kept = [i for i in self._selection if i not in gone]
                if len(kept) != len(self._selection):  # told once, when the batch ends
                    self._selection = kept
                    self._selection_owed = True
                for lid in change.removed:
                    self.layer_removed.emit(lid)
            for lid in change.added:
                self.layer_added.emit(lid)
            for lid in change.rewired:
                self.inputs_changed.emit(lid)
            if change.groups:
                self.groups_changed.emit()
        finally:
            self._end_batch()

    def _renaming(self, _old: str, _new: str) -> None:
        """A rename starts (called before the analysis follows it): what the analysis then
        re-evaluates is told after ``layer_renamed`` (``_on_renamed``), so every view has
        re-keyed the layer by the time ``analysis_updated`` names it."""
        self._begin_batch()
        self._renames_open += 1

    def _on_renamed(self, old: str, new: str) -> None:
        selected = old in self._selection
        if selected:
            self._selection = [new if i == old else i for i in self._selection]
        try:
            self.layer_renamed.emit(old, new)
            if selected:  # (a rename elsewhere leaves the selection as it was)
                self.selection_changed.emit(list(self._selection))
        finally:
            if self._renames_open:
                self._renames_open -= 1
                self._end_batch()

    def reset(self, design: Design, path: Path | None = None) -> None:
        """Replace the whole design (New / Open / Revert). Clears undo history and selection."""
        self._disconnect_design()
        self.undo_stack.clear()
        self.group_cache.close()
        self.design = design
        self.group_cache = GroupViewCache(design)
        self.analysis = Analysis(design)
        self.group_cache.attach(self.analysis)
        self._connect_design()
        self._selection = []
        self._path = path
        self.design_reset.emit()
        # The selection now in force: a design_reset handler may have selected something (the
        # window selects the first problem of a design opened with problems).
        self.selection_changed.emit(list(self._selection))
        self.path_changed.emit(path)
        self.modified_changed.emit(False)

    # ------------------------------------------------------------------- files

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def open(self, path: str | Path) -> None:
        """Load a file; raises ``FormatError`` and leaves the current design untouched on failure."""
        design = load_design(path)
        if not design.layout and len(design):
            for lid, pos in auto_layout(design).items():
                design.set_position(lid, pos)
        self.reset(design, Path(path))

    def save(self, path: str | Path | None = None) -> Path:
        """Save atomically (to ``path``, or the current path); marks the document clean."""
        target = Path(path) if path is not None else self._path
        if target is None:
            raise ValueError("the design has no file name yet")
        save_design(self.design, target)
        # The file now holds what the loader did: its notes go (the analysis follows, without
        # a full pass: a 10,000-layer design took 60–100 ms to analyse again on every save).
        self.design.clear_load_notes()
        self.undo_stack.setClean()
        if target != self._path:
            self._path = target
            self.path_changed.emit(target)
        return target

    def text(self) -> str:
        return dumps_design(self.design)

    # --------------------------------------------------------------- selection

    @property
    def selection(self) -> list[str]:
        return list(self._selection)

    @property
    def current(self) -> str | None:
        """The one layer the inspector shows (the last selected)."""
        return self._selection[-1] if self._selection else None

    def select(self, ids: Iterable[str]) -> None:
        new = [i for i in dict.fromkeys(ids) if i in self.design]
        if new != self._selection:
            self._selection = new
            self.selection_changed.emit(list(new))

    # ------------------------------------------------------------------- edits

    def push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Group several edits into one undo step."""
        self.undo_stack.beginMacro(text)
        try:
            with self.batched():
                yield
        finally:
            self.undo_stack.endMacro()

    def new_layer(
        self,
        type_id: str,
        inputs: list[str] | None = None,
        params: dict[str, Any] | None = None,
        layer_id: str | None = None,
    ) -> Layer:
        """A layer ready to add: fresh id, the type's initial values, validated parameters."""
        ltype = layer_type(type_id)
        values = ltype.initial_params()
        if type_id == "Input" and inputs is None:
            inputs = []
        values.update(params or {})
        lid = layer_id or self.design.fresh_id(ltype.prefix)
        return Layer(lid, type_id, normalize_params(type_id, values), list(inputs or []))

    def add_layer(
        self,
        type_id: str,
        position: Point | None = None,
        inputs: list[str] | None = None,
        params: dict[str, Any] | None = None,
        layer_id: str | None = None,
        index: int | None = None,
    ) -> str:
        """Add a free (or connected) layer. Returns its id."""
        if type_id not in REGISTRY:
            raise DesignError(f"unknown layer type {type_id!r}")
        layer = self.new_layer(type_id, inputs, params, layer_id)
        self._check_new_id(layer.id)
        self.push(cmd.AddLayerCommand(self.design, layer, index, position))
        self.select([layer.id])
        return layer.id

    def append_after(
        self, type_id: str, after: str, position: Point | None = None, *, select: bool = True
    ) -> str:
        """Add a layer fed by ``after``; its consumers now take the new layer instead. With
        ``select``, the new layer is selected (a caller with more to do first selects it
        itself: the canvas lays out a collapsed view when a selection comes, once)."""
        self.design.layer(after)
        consumers = self.design.consumers(after)
        layer = self.new_layer(type_id, [after])
        with self.macro(f"Append {type_id} after {after}"):
            self.push(
                cmd.AddLayerCommand(self.design, layer, self.design.index_of(after) + 1, position)
            )
            for c in consumers:
                new_inputs = [layer.id if i == after else i for i in self.design.layer(c).inputs]
                if new_inputs != self.design.layer(c).inputs:  # an output of a Split stays as it is
                    self.push(cmd.SetInputsCommand(self.design, c, new_inputs))
        if select:
            self.select([layer.id])
        return layer.id

    def insert_on_edge(
        self,
        type_id: str,
        source: str,
        target: str,
        position: Point | None = None,
        *,
        select: bool = True,
    ) -> str:
        """Insert a layer into the connection ``source → target`` (``select``: as for
        ``append_after``)."""
        tgt = self.design.layer(target)
        refs = [i for i in tgt.inputs if source_of(i) == source]
        if not refs:
            raise DesignError(f"{target} does not take its input from {source}")
        layer = self.new_layer(type_id, [refs[0]])  # the output of a Split that the edge carried
        with self.macro(f"Insert {type_id} between {source} and {target}"):
            self.push(
                cmd.AddLayerCommand(self.design, layer, self.design.index_of(target), position)
            )
            new_inputs = [layer.id if i == refs[0] else i for i in tgt.inputs]
            self.push(cmd.SetInputsCommand(self.design, target, new_inputs))
        if select:
            self.select([layer.id])
        return layer.id

    def remove_layers(self, ids: Iterable[str], heal: bool = True) -> None:
        """Delete layers. With ``heal``, a deleted one-input layer's consumers take its input instead,
        so deleting a layer from a chain keeps the chain connected; deleting a run of such layers
        too (the consumers take the input of the first of the run)."""
        design = self.design
        ids = [i for i in dict.fromkeys(ids) if i in design]
        if not ids:
            return
        doomed = set(ids)

        def surviving(lid: str) -> str | None:
            """The input ``lid``'s consumers take instead of it: up its chain of deleted one-input
            layers to the first that stays; None when one of them has no single input."""
            seen = {lid}
            while True:
                inputs = design.layer(lid).inputs
                if not heal or len(inputs) != 1:
                    return None
                lid = source_of(inputs[0])
                if lid not in doomed:
                    return inputs[0]
                if lid in seen:
                    return None
                seen.add(lid)

        # Every consumer that stays is reconnected (one pass over the design, not one per
        # deleted layer) before the layers go.
        rewire: dict[str, list[str]] = {}
        for layer in list(design):
            if layer.id in doomed or not any(source_of(i) in doomed for i in layer.inputs):
                continue
            new: list[str] = []
            for i in layer.inputs:
                if source_of(i) not in doomed:
                    new.append(i)
                    continue
                source = surviving(source_of(i))
                if source is not None and source not in new and source_of(source) != layer.id:
                    new.append(source)
            if new != layer.inputs:
                rewire[layer.id] = new
        text = f"Delete {ids[0]}" if len(ids) == 1 else f"Delete {len(ids)} layers"
        if len(ids) >= BULK_REMOVAL:
            # One step for the design, the analysis and the views, and for its undo: 5,000
            # layers put back one by one took 7 s.
            self.push(cmd.RemoveLayersCommand(design, ids, rewire, text))
            return
        with self.macro(text):
            # The consumers first, then the layers, the last first: none of them is then
            # still read by another, so no part of the design is cut off in between (each step
            # re-analysed thousands of layers of a long design, and listed them as problems).
            for cid, new in rewire.items():
                self.push(cmd.SetInputsCommand(design, cid, new))
            rank = {lid: n for n, lid in enumerate(design.ids)}
            for lid in sorted(ids, key=rank.__getitem__, reverse=True):
                self.push(cmd.RemoveLayerCommand(design, lid))

    def set_param(self, layer_id: str, name: str, value: Any) -> None:
        """Validate, then push (merging with the previous edit of the same field until ``close_edit``)."""
        layer = self.design.layer(layer_id)
        spec = layer_type(layer.type).spec(name)
        if spec is None:
            raise DesignError(f"{layer.type} has no parameter {name!r}")
        if value is not None or spec.default is None:
            try:
                value = spec.normalize(value) if value is not None else None
            except ParamError as exc:
                raise DesignError(f"{name}: {exc}") from exc
        if value == layer.value(name) and (value is not None or name not in layer.params):
            return
        self.push(cmd.SetParamCommand(self.design, layer_id, name, value))

    def close_edit(self) -> None:
        """End the current field edit: the next change starts a new undo step."""
        top = self.undo_stack.command(self.undo_stack.index() - 1)
        if isinstance(top, cmd.SetParamCommand):
            top.closed = True

    def set_params(self, layer_id: str, params: dict[str, Any], text: str = "") -> None:
        layer = self.design.layer(layer_id)
        normalized = normalize_params(layer.type, params)
        if normalized != layer.params:
            self.push(cmd.SetParamsCommand(self.design, layer_id, normalized, text))

    def set_inputs(self, layer_id: str, inputs: list[str], text: str = "") -> None:
        self.design.layer(layer_id)
        if any(source_of(i) == layer_id for i in inputs):
            raise DesignError(f"{layer_id} cannot take its own output as input")
        for i in inputs:
            self.design.layer(source_of(i))
        if list(inputs) != self.design.layer(layer_id).inputs:
            self.push(cmd.SetInputsCommand(self.design, layer_id, inputs, text))

    def connect_layers(self, source: str, target: str) -> None:
        """Feed ``source``'s output into ``target``. A one-input layer's old input is replaced."""
        tgt = self.design.layer(target)
        src = self.design.layer(source)
        if source == target:
            raise DesignError("a layer cannot take its own output as input")
        ref: str | None = source
        if layer_type(src.type).multi_output:
            ref = self._free_output(source, tgt)
            if ref is None:
                return
        elif source in tgt.sources:
            return
        maximum = layer_type(tgt.type).max_inputs
        if maximum == 0:
            raise DesignError(f"{target} is an Input: it cannot take an input")
        if source in self.analysis.downstream(target):
            raise DesignError(
                f"connecting {source} → {target} would make a cycle ({target} already feeds {source})"
            )
        assert ref is not None
        inputs = [ref] if maximum == 1 else [*tgt.inputs, ref]
        self.set_inputs(target, inputs, f"Connect {ref} → {target}")

    def _free_output(self, source: str, target: Layer) -> str | None:
        """The output of a Split/Chunk ``source`` a new connection to ``target`` takes: the first one
        no layer uses yet (else output 0); ``None`` when ``target`` already takes every output."""
        info = self.analysis.info.get(source)
        count = len(info.output_shapes) if info is not None and info.output_shapes else 1
        used = {
            split_ref(i)[1]
            for c in self.design.consumers(source)
            for i in self.design.layer(c).inputs
            if source_of(i) == source
        }
        mine = {split_ref(i)[1] for i in target.inputs if source_of(i) == source}
        for k in [*range(count), 0]:
            if k not in used and k not in mine:
                return make_ref(source, k)
        free = [k for k in range(count) if k not in mine]
        return make_ref(source, free[0]) if free else None

    def set_input_output(self, layer_id: str, position: int, index: int) -> None:
        """Make input number ``position`` of ``layer_id`` take output ``index`` of its source."""
        layer = self.design.layer(layer_id)
        old = layer.inputs[position]
        new = make_ref(source_of(old), index)
        if new != old:
            inputs = list(layer.inputs)
            inputs[position] = new
            self.set_inputs(layer_id, inputs, f"Take {new} into {layer_id}")

    def disconnect_layers(self, source: str, target: str) -> None:
        tgt = self.design.layer(target)
        if source in tgt.sources:
            self.set_inputs(
                target,
                [i for i in tgt.inputs if source_of(i) != source],
                f"Disconnect {source} → {target}",
            )

    def rename(self, old: str, new: str) -> None:
        if old == new:
            return
        problem = self.design.rename_problem(old, new)
        if problem:
            raise DesignError(problem)
        with busy(self.rename_cost()):
            self.push(cmd.RenameLayerCommand(self.design, old, new))

    def rename_cost(self) -> int:
        """How long a design a rename (or its undo) works through, for the busy cursor: none
        without groups (the layer is re-keyed in every view, ~20 ms at 10,000 layers); with
        groups, the canvas lays its collapsed view out again, whose cost grows with the blocks
        and layers shown (~45 ms as the grouped 10,000-layer design opens; the group cache is
        re-keyed, no longer worked out again)."""
        return len(self.design) if self.design.has_groups else 0

    def move_layers(self, moves: dict[str, Point]) -> None:
        """One undo step for a whole drag (call on mouse release)."""
        changes = {
            lid: (self.design.position(lid), (float(p[0]), float(p[1])))
            for lid, p in moves.items()
            if lid in self.design and self.design.position(lid) != (float(p[0]), float(p[1]))
        }
        if changes:
            self.push(cmd.MoveLayersCommand(self.design, changes))

    def tidy_up(self, direction: str = "LR") -> None:
        positions = auto_layout(self.design, "TB" if direction == "TB" else "LR")
        changes = {
            lid: (self.design.position(lid), pos)
            for lid, pos in positions.items()
            if self.design.position(lid) != pos
        }
        if changes:
            self.push(cmd.MoveLayersCommand(self.design, changes, "Tidy up"))

    def set_semantics(self, semantics: str) -> None:
        if semantics != self.design.semantics:
            Design().set_semantics(semantics)  # validates, raises DesignError
            self.push(cmd.SetSemanticsCommand(self.design, semantics))

    def set_name(self, name: str) -> None:
        if name != self.design.name:
            self.push(cmd.SetNameCommand(self.design, name))

    def paste_layers(
        self, layers: list[Layer], positions: dict[str, Point], offset: Point = (30.0, 30.0)
    ) -> list[str]:
        """Add copies with fresh ids; connections among the pasted layers are kept, others dropped
        (a pasted layer whose input was outside the copy keeps that input if it still exists)."""
        mapping = self._paste_ids(layers)
        new_ids = []
        # An input from outside the copy is kept only if it names a layer that was here before
        # the paste: a fresh id given to a pasted layer may spell the same (``relu1``), and
        # taking that one would wire the copy into itself.
        existing = set(self.design.ids)
        text = f"Paste {len(layers)} layer{'s' if len(layers) != 1 else ''}"
        if len(layers) >= BULK_ADDITION:
            return self._paste_in_bulk(layers, positions, offset, mapping, existing, text)
        with self.macro(text):
            for layer in layers:
                inputs = [
                    make_ref(mapping.get(src, src), idx)
                    for src, idx in (split_ref(i) for i in layer.inputs)
                    if src in mapping or src in existing
                ]
                pos = positions.get(layer.id)
                new_pos = (pos[0] + offset[0], pos[1] + offset[1]) if pos is not None else None
                copy_layer = Layer(
                    mapping[layer.id], layer.type, copy.deepcopy(layer.params), inputs
                )
                self.push(cmd.AddLayerCommand(self.design, copy_layer, None, new_pos))
                new_ids.append(copy_layer.id)
        self.select(new_ids)
        return new_ids

    def _paste_ids(self, layers: list[Layer]) -> dict[str, str]:
        """Each pasted layer's id: its own if free, else what ``Design.fresh_id`` gives with
        the ids given before it taken. Worked out here by prefix, each number tried once
        (``fresh_id`` per layer tried every number from 1 and copied the ids taken: 1.1 s
        for 5,000 layers pasted into a 10,000-layer design)."""
        design = self.design
        taken: set[str] = {g.id for g in design.groups}  # a pasted layer never takes a group's id
        mapping: dict[str, str] = {}
        numbers: dict[str, int] = {}  # per prefix: every smaller number is used
        for layer in layers:
            if layer.id not in design and layer.id not in taken:
                new_id = layer.id
            else:
                prefix = layer_type(layer.type).prefix
                n = numbers.get(prefix, 1)
                while True:
                    new_id = f"{prefix}{n}"
                    # (An id some layer takes as a missing input is not fresh: see fresh_id.)
                    if (
                        new_id not in design
                        and new_id not in taken
                        and not design.consumers_unordered(new_id)
                    ):
                        break
                    n += 1
                numbers[prefix] = n + 1
            taken.add(new_id)
            mapping[layer.id] = new_id
        return mapping

    def _paste_in_bulk(
        self,
        layers: list[Layer],
        positions: dict[str, Point],
        offset: Point,
        mapping: dict[str, str],
        existing: set[str],
        text: str,
    ) -> list[str]:
        """``paste_layers`` in one step: every copy checked first as ``Design.add_layer``
        checks it (a ``DesignError`` naming the layer, nothing changed), then added at once."""
        copies: list[Layer] = []
        placed: dict[str, Point] = {}
        for layer in layers:
            new_id = mapping[layer.id]
            self._check_new_id(new_id)
            if layer.type not in REGISTRY:
                raise DesignError(f"unknown layer type {layer.type!r}")
            inputs = [
                make_ref(mapping.get(src, src), idx)
                for src, idx in (split_ref(i) for i in layer.inputs)
                if src in mapping or src in existing
            ]
            params = normalize_params(layer.type, copy.deepcopy(layer.params))
            copies.append(Layer(new_id, layer.type, params, inputs))
            pos = positions.get(layer.id)
            if pos is not None:
                placed[new_id] = (pos[0] + offset[0], pos[1] + offset[1])
        self.push(cmd.AddLayersCommand(self.design, copies, placed, text))
        new_ids = [c.id for c in copies]
        self.select(new_ids)
        return new_ids

    def _check_new_id(self, layer_id: str) -> None:
        problem = check_id(layer_id)
        if problem:
            raise DesignError(f"{layer_id!r}: {problem}")
        if layer_id in self.design:
            raise DesignError(f"a layer named {layer_id!r} already exists")
        if self.design.has_group(layer_id):
            raise DesignError(f"a group is named {layer_id!r}; a layer needs another id")

    # ------------------------------------------------------------------ groups

    def group(
        self, layer_ids: Iterable[str], group_ids: Iterable[str] = (), label: str = ""
    ) -> str:
        """Put layers and groups into a new group (Ctrl+G); one undo step. Returns its id.

        The new group sits in the deepest group that holds everything chosen; chosen
        layers become its direct members and chosen groups its children.
        """
        design = self.design
        groups = {g.id: g for g in design.groups}
        layers = [lid for lid in dict.fromkeys(layer_ids) if lid in design]
        subgroups = [gid for gid in dict.fromkeys(group_ids) if gid in groups]
        if not layers and not subgroups:
            raise DesignError("select the layers or blocks to group first")
        owner = {m: g.id for g in groups.values() for m in g.layers}

        def above(gid: str | None) -> list[str]:
            out: list[str] = []
            while gid is not None:
                out.append(gid)
                gid = groups[gid].parent
            return out[::-1]

        chains = [above(owner.get(lid)) for lid in layers] + [
            above(groups[gid].parent) for gid in subgroups
        ]
        common = 0
        while all(len(c) > common and c[common] == chains[0][common] for c in chains):
            common += 1
        parent = chains[0][common - 1] if common else None
        taken = set(groups) | set(design.ids)
        gid = design.fresh_id("group", taken)
        chosen = set(layers)
        after: list[Group] = []
        for g in groups.values():
            g = g.copy()
            g.layers = [m for m in g.layers if m not in chosen]
            if g.id in subgroups:
                g.parent = gid
            after.append(g)
        order = {lid: n for n, lid in enumerate(design.ids)}
        after.append(Group(gid, label, parent, sorted(layers, key=order.__getitem__)))
        what = ", ".join([*layers, *subgroups][:3]) + (
            " …" if len(layers) + len(subgroups) > 3 else ""
        )
        self.push(cmd.SetGroupsCommand(design, design.groups, after, f"Group {what}"))
        return gid

    def ungroup(self, group_id: str) -> None:
        """Dissolve a group: its layers and child groups move up to its parent; one undo step."""
        before = self.design.groups
        target = next((g for g in before if g.id == group_id), None)
        if target is None:
            raise DesignError(f"there is no group {group_id!r}")
        after: list[Group] = []
        for g in before:
            if g.id == group_id:
                continue
            g = g.copy()
            if g.parent == group_id:
                g.parent = target.parent
            if g.id == target.parent:
                g.layers = [*g.layers, *target.layers]
            after.append(g)
        self.push(cmd.SetGroupsCommand(self.design, before, after, f"Ungroup {group_id}"))

    def set_group_label(self, group_id: str, label: str) -> None:
        before = self.design.groups
        after = [Group(g.id, label, g.parent, g.layers) if g.id == group_id else g for g in before]
        if after != before:
            self.push(cmd.SetGroupsCommand(self.design, before, after, f"Rename group {group_id}"))

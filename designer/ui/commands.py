"""Undoable edits. Each command's ``redo``/``undo`` call ``Design`` methods only.

Views never change in a command: they follow the design's events. Commands are
validated by the ``Document`` before they are pushed, so ``redo`` cannot fail on
the first run; on later runs it replays a state that was valid then.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from PySide6.QtGui import QUndoCommand

from designer.core.design import BulkRemoval, Design, Layer, Point, Removal
from designer.core.groups import Group

_MERGE_PARAM = 1001
_MERGE_MOVE = 1002


class AddLayerCommand(QUndoCommand):
    def __init__(
        self,
        design: Design,
        layer: Layer,
        index: int | None = None,
        position: Point | None = None,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(f"Add {layer.type} {layer.id}", parent)
        self.design = design
        self.layer = layer.copy()
        self.index = index
        self.position = position

    def redo(self) -> None:
        self.design.add_layer(self.layer.copy(), self.index, self.position)

    def undo(self) -> None:
        self.design.remove_layer(self.layer.id)


class RemoveLayerCommand(QUndoCommand):
    def __init__(self, design: Design, layer_id: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(f"Delete {layer_id}", parent)
        self.design = design
        self.layer_id = layer_id
        self.removal: Removal | None = None

    def redo(self) -> None:
        self.removal = self.design.remove_layer(self.layer_id)

    def undo(self) -> None:
        if self.removal is not None:
            self.design.restore_layer(self.removal)


class RemoveLayersCommand(QUndoCommand):
    """Delete many layers in one step (``Design.remove_layers``): its undo puts them all back
    in one step too, exactly as they were (order, inputs, positions, groups)."""

    def __init__(
        self,
        design: Design,
        layer_ids: list[str],
        rewire: Mapping[str, list[str]] | None = None,
        text: str = "",
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text or f"Delete {len(layer_ids)} layers", parent)
        self.design = design
        self.layer_ids = list(layer_ids)
        self.rewire = {cid: list(inputs) for cid, inputs in (rewire or {}).items()}
        self.removal: BulkRemoval | None = None

    def redo(self) -> None:
        self.removal = self.design.remove_layers(self.layer_ids, self.rewire)

    def undo(self) -> None:
        if self.removal is not None:
            self.design.restore_layers(self.removal)
            self.removal = None


class AddLayersCommand(QUndoCommand):
    """Add many layers in one step (a paste): ``Design.restore_layers`` of what was never
    there (appended in this order, with these positions), one ``bulk_changed``; its undo is
    ``Design.remove_layers`` of them. The layers are checked by the caller (ids free and
    valid, known types, parameters normalised, inputs naming layers there or among them)."""

    def __init__(
        self,
        design: Design,
        layers: list[Layer],
        positions: Mapping[str, Point],
        text: str = "",
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text or f"Add {len(layers)} layers", parent)
        self.design = design
        self.layers = [layer.copy() for layer in layers]
        self.positions = {lid: (float(p[0]), float(p[1])) for lid, p in positions.items()}

    def redo(self) -> None:
        added = {layer.id: layer.copy() for layer in self.layers}
        order = [*self.design.ids, *added]
        positions = {lid: p for lid, p in self.positions.items() if lid in added}
        self.design.restore_layers(BulkRemoval(order, added, positions, {}, None))

    def undo(self) -> None:
        self.design.remove_layers([layer.id for layer in self.layers])


class SetParamCommand(QUndoCommand):
    """One hyper-parameter edit. Consecutive edits of the same field merge until closed."""

    def __init__(
        self,
        design: Design,
        layer_id: str,
        name: str,
        value: Any,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(f"Set {layer_id}.{name}", parent)
        self.design = design
        self.layer_id = layer_id
        self.name = name
        self.old = copy.deepcopy(design.layer(layer_id).params)
        self.value = copy.deepcopy(value)
        self.closed = False

    def redo(self) -> None:
        self.design.set_param(self.layer_id, self.name, copy.deepcopy(self.value))

    def undo(self) -> None:
        self.design.set_params(self.layer_id, copy.deepcopy(self.old))

    def id(self) -> int:
        return _MERGE_PARAM

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (
            not isinstance(other, SetParamCommand)
            or self.closed
            or other.layer_id != self.layer_id
            or other.name != self.name
        ):
            return False
        self.value = copy.deepcopy(other.value)
        return True


class SetParamsCommand(QUndoCommand):
    """Replace all stored hyper-parameters of a layer (used by fixes and paste)."""

    def __init__(
        self,
        design: Design,
        layer_id: str,
        params: dict[str, Any],
        text: str = "",
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text or f"Edit {layer_id}", parent)
        self.design = design
        self.layer_id = layer_id
        self.old = copy.deepcopy(design.layer(layer_id).params)
        self.new = copy.deepcopy(params)

    def redo(self) -> None:
        self.design.set_params(self.layer_id, copy.deepcopy(self.new))

    def undo(self) -> None:
        self.design.set_params(self.layer_id, copy.deepcopy(self.old))


class SetInputsCommand(QUndoCommand):
    def __init__(
        self,
        design: Design,
        layer_id: str,
        inputs: list[str],
        text: str = "",
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text or f"Connect {layer_id}", parent)
        self.design = design
        self.layer_id = layer_id
        self.old = list(design.layer(layer_id).inputs)
        self.new = list(inputs)

    def redo(self) -> None:
        self.design.set_inputs(self.layer_id, list(self.new))

    def undo(self) -> None:
        self.design.set_inputs(self.layer_id, list(self.old))


class RenameLayerCommand(QUndoCommand):
    def __init__(
        self, design: Design, old: str, new: str, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(f"Rename {old} to {new}", parent)
        self.design = design
        self.old = old
        self.new = new

    def redo(self) -> None:
        self.design.rename_layer(self.old, self.new)

    def undo(self) -> None:
        self.design.rename_layer(self.new, self.old)


class MoveLayersCommand(QUndoCommand):
    """Move one or more cards; a whole drag is one command."""

    def __init__(
        self,
        design: Design,
        moves: Mapping[str, tuple[Point | None, Point | None]],
        text: str = "",
        parent: QUndoCommand | None = None,
    ) -> None:
        n = len(moves)
        super().__init__(
            text or (f"Move {next(iter(moves))}" if n == 1 else f"Move {n} layers"), parent
        )
        self.design = design
        self.moves = dict(moves)  # id -> (old, new)

    def redo(self) -> None:
        for lid, (_, new) in self.moves.items():
            self.design.set_position(lid, new)

    def undo(self) -> None:
        for lid, (old, _) in self.moves.items():
            self.design.set_position(lid, old)


class SetSemanticsCommand(QUndoCommand):
    def __init__(self, design: Design, semantics: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(f"Semantics: {semantics}", parent)
        self.design = design
        self.old = design.semantics
        self.new = semantics

    def redo(self) -> None:
        self.design.set_semantics(self.new)

    def undo(self) -> None:
        self.design.set_semantics(self.old)


class SetNameCommand(QUndoCommand):
    def __init__(self, design: Design, name: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(f"Rename design to {name}", parent)
        self.design = design
        self.old = design.name
        self.new = name

    def redo(self) -> None:
        self.design.set_name(self.new)

    def undo(self) -> None:
        self.design.set_name(self.old)


class MoveInOrderCommand(QUndoCommand):
    """Change where a layer stands in the design order (what files list first)."""

    def __init__(
        self, design: Design, layer_id: str, index: int, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(f"Reorder {layer_id}", parent)
        self.design = design
        self.layer_id = layer_id
        self.old = design.index_of(layer_id)
        self.new = index

    def redo(self) -> None:
        self.design.move_layer(self.layer_id, self.new)

    def undo(self) -> None:
        self.design.move_layer(self.layer_id, self.old)


class SetGroupsCommand(QUndoCommand):
    """Group, ungroup, rename a group: the groups before and after, replaced as a whole."""

    def __init__(
        self,
        design: Design,
        before: list[Group],
        after: list[Group],
        text: str,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text, parent)
        self.design = design
        self.before = [g.copy() for g in before]
        self.after = [g.copy() for g in after]

    def redo(self) -> None:
        self.design.set_groups(self.after)

    def undo(self) -> None:
        self.design.set_groups(self.before)

"""Applying a core ``Fix`` through the document: one undo step made of ordinary commands.

``designer.core.fixes`` describes a fix as operations (``SetParam``, ``AddLayer``, ...),
each one ``Design`` method call. Here every operation becomes the matching undo
command inside one macro, so Ctrl+Z takes the whole fix back and nothing touches
the model outside the undo stack.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from designer.core.design import Design, Layer
from designer.core.fixes import (
    AddLayer,
    DismissLoadNote,
    Fix,
    FixError,
    Operation,
    RemoveLayer,
    SetInputs,
    SetParam,
    SetSemantics,
)
from designer.ui import commands as cmd
from designer.ui.document import Document


class DismissLoadNoteCommand(QUndoCommand):
    """Accept a note the loader left (a renamed duplicate id, ...); undo shows it again."""

    def __init__(
        self, design: Design, code: str, layer_id: str | None, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(f"Accept note on {layer_id or 'the design'}", parent)
        self.design = design
        self.code = code
        self.layer_id = layer_id
        self.note: tuple[str, str | None, str] | None = None

    def redo(self) -> None:
        self.note = self.design.dismiss_load_note(self.code, self.layer_id)

    def undo(self) -> None:
        if self.note is not None:
            self.design.restore_load_note(self.note)


def operation_command(design: Design, op: Operation) -> QUndoCommand:
    """The undo command that performs one fix operation."""
    if isinstance(op, SetParam):
        command = cmd.SetParamCommand(design, op.layer, op.name, op.value)
        command.closed = True  # a fix never merges with the user's next keystroke
        return command
    if isinstance(op, AddLayer):
        layer = Layer(op.layer, op.type, dict(op.params), list(op.inputs))
        return cmd.AddLayerCommand(design, layer, op.index, None)
    if isinstance(op, SetInputs):
        return cmd.SetInputsCommand(design, op.layer, list(op.inputs))
    if isinstance(op, RemoveLayer):
        return cmd.RemoveLayerCommand(design, op.layer)
    if isinstance(op, SetSemantics):
        return cmd.SetSemanticsCommand(design, op.value)
    if isinstance(op, DismissLoadNote):
        return DismissLoadNoteCommand(design, op.code, op.layer)
    raise FixError(f"unknown fix operation {op!r}")


def apply_fix(document: Document, fix: Fix) -> None:
    """Apply ``fix`` as one undoable step named after it.

    The operations are first replayed on a copy of the design, so a fix that no
    longer fits (the design changed since it was suggested) raises ``FixError``
    and leaves the design and the undo stack untouched.
    """
    trial = document.design.copy()
    try:
        for op in fix.operations:
            op.apply(trial)
    except ValueError as exc:  # DesignError and ParamError are ValueErrors
        raise FixError(f"cannot apply {fix.label!r}: {exc}") from None
    with document.macro(f"Fix: {short_label(fix)}"):
        for op in fix.operations:
            # Each command is built just before it is pushed: it records the state the
            # previous operations left (e.g. the inputs of a layer a new one was put before).
            document.push(operation_command(document.design, op))
    added = [op.layer for op in fix.operations if isinstance(op, AddLayer)]
    if added:
        document.select([added[-1]])


def short_label(fix: Fix) -> str:
    """The part of a fix's label before its explanation (``Insert ZeroPad2d … before conv1``)."""
    label = fix.label
    cut = label.find(": ")
    while cut >= 0 and label[:cut].count("(") != label[:cut].count(")"):
        cut = label.find(": ", cut + 2)
    if cut >= 0:
        label = label[:cut]
    return (
        label if len(label) <= 140 else label[:139] + "…"
    )  # the buttons wrap: room for a whole sentence

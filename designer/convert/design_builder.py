"""Building a design from a foreign graph, one node at a time, without ever dropping a node.

Both importers (PyTorch and ONNX) go through ``DesignBuilder``: it makes valid, unique
layer ids out of whatever names the source uses, validates hyper-parameters through the
design itself, and turns anything it cannot represent into a clearly marked placeholder.

A placeholder is an ``Unsupported`` layer whose id starts with ``unsupported_``: it keeps
the original operation's name (``op``), *all* its data inputs and the output shape the source
framework computed there, so the shapes after it stay right where that shape is known.
``Unsupported`` is an error in every analysis (``check`` exits 1 before and after saving,
code generation refuses, naming the op); the import note and a line in the design's
description say why the op could not be mapped. Nothing ever forwards one of several
inputs in its place. Approximations that keep the shapes right (a reflect padding kept as zeros, a
BatchNorm momentum of None) are warnings in ``ImportResult.notes`` and in the description.
Finally every layer gets a position from ``auto_layout``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from designer.core.analysis import analyze
from designer.core.design import MAX_ID_LENGTH, Design, DesignError, Layer, check_id
from designer.core.fileformat import MAX_DESCRIPTION_LENGTH
from designer.core.groups import add_path_groups
from designer.core.layout import auto_layout
from designer.core.registry import REGISTRY
from designer.core.shape_rules import fmt_shape

NoteSeverity = Literal["error", "warning", "info"]
Shape = tuple[int, ...]


class ConversionError(ValueError):
    """The model cannot be imported at all (library missing, tracing failed, bad input shape)."""


@dataclass(frozen=True)
class ImportNote:
    """Something the importer could not carry over exactly, with the layer it concerns."""

    severity: NoteSeverity
    code: str
    layer: str | None
    message: str
    op: str | None = (
        None  # for unsupported_op: the source operation (``onnx::Abs``, ``torch.nn.LSTM``)
    )

    def __str__(self) -> str:
        where = f"{self.layer}: " if self.layer and not self.message.startswith(self.layer) else ""
        return f"{self.severity.upper()} [{self.code}] {where}{self.message}"


@dataclass
class ImportResult:
    design: Design
    notes: list[ImportNote] = field(default_factory=list)

    @property
    def unsupported(self) -> list[ImportNote]:
        return [n for n in self.notes if n.code == "unsupported_op"]

    def unsupported_counts(self) -> dict[str, int]:
        """Each unsupported operation with how often it occurs, most frequent first."""
        counts: dict[str, int] = {}
        for n in self.unsupported:
            key = n.op or "?"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class DesignBuilder:
    def __init__(self, name: str) -> None:
        self.design = Design(name)
        self.notes: list[ImportNote] = []
        self._taken: set[str] = set()

    # ----------------------------------------------------------------------- ids

    def unique_id(self, wanted: str, type_id: str) -> str:
        """A valid id close to ``wanted`` that no layer has yet (``features.0``, ``relu_1``, ...)."""
        text = re.sub(r"[^A-Za-z0-9_.\-]", "_", wanted or "")
        if not text or not (text[0].isalpha() or text[0] == "_"):
            text = f"{REGISTRY[type_id].prefix}_{text}" if text else REGISTRY[type_id].prefix
        text = text[: MAX_ID_LENGTH - 4]
        candidate, n = text, 1
        while candidate in self._taken or check_id(candidate) is not None:
            candidate, n = f"{text}_{n}", n + 1
        self._taken.add(candidate)
        return candidate

    # -------------------------------------------------------------------- layers

    def add(
        self,
        wanted_id: str,
        type_id: str,
        params: dict[str, Any],
        inputs: list[str],
        source: str,
        op: str | None = None,
    ) -> str:
        """Add a layer; a value the design refuses turns the layer into a placeholder."""
        lid = self.unique_id(wanted_id, type_id)
        try:
            self.design.add_layer(Layer(lid, type_id, params, list(inputs)))
        except DesignError as exc:
            self._taken.discard(lid)
            return self.placeholder(
                wanted_id,
                inputs,
                source,
                f"its {type_id} settings are not valid here ({exc})",
                op=op or type_id,
            )
        return lid

    def placeholder(
        self,
        wanted_id: str,
        inputs: list[str],
        source: str,
        why: str,
        *,
        op: str | None = None,
        shape: Shape | None = None,
    ) -> str:
        """An ``Unsupported`` layer standing for ``source``, which the design cannot represent.

        ``op`` names the original operation; ``shape`` is its output shape where the source
        framework knows it (the layer then gives it, so the layers after it are right).
        """
        op = op or source
        if "Unsupported" in REGISTRY:
            lid = self.unique_id(f"unsupported_{wanted_id}", "Unsupported")
            params: dict[str, Any] = {"op": op[:200]}
            if shape is not None:
                params["shape"] = list(shape)
            self.design.add_layer(Layer(lid, "Unsupported", params, list(dict.fromkeys(inputs))))
            kept = (
                "it keeps the shape measured there"
                if shape is not None
                else "the shapes after it are unknown"
            )
            message = (
                f"{lid} stands for {source}, which has no equivalent layer: {why}. It is an Unsupported layer "
                f"({kept}); replace it with equivalent layers before exporting code."
            )
        else:  # pragma: no cover - a core without the Unsupported layer type
            lid = self.unique_id(f"unsupported_{wanted_id}", "Identity")
            self.design.add_layer(Layer(lid, "Identity", {}, list(inputs[:1])))
            dropped = (
                f"; its other inputs ({', '.join(inputs[1:])}) are not connected"
                if len(inputs) > 1
                else ""
            )
            message = (
                f"{lid} is a placeholder (Identity) for {source}: {why}{dropped}. Shapes after it may be wrong; "
                "replace it with equivalent layers."
            )
        self.notes.append(ImportNote("error", "unsupported_op", lid, message, op))
        return lid

    def note(self, severity: NoteSeverity, code: str, layer: str | None, message: str) -> None:
        self.notes.append(ImportNote(severity, code, layer, message))

    # ------------------------------------------------------------------- finish

    def check_shapes(self, expected: dict[str, tuple[int, ...]], framework: str) -> None:
        """Note every layer whose designer shape differs from what ``framework`` computed."""
        analysis = analyze(self.design)
        for lid, shape in expected.items():
            info = analysis.info.get(lid)
            if info is None or lid.startswith("unsupported_") or info.output_shape is None:
                continue
            if tuple(info.output_shape) != tuple(shape):
                self.note(
                    "warning",
                    "shape_mismatch",
                    lid,
                    f"{lid}: {framework} computes {fmt_shape(shape)} but the design gives "
                    f"{fmt_shape(info.output_shape)}.",
                )

    def finish(self, description: str) -> ImportResult:
        design = self.design
        lines = [description]
        problems = [n for n in self.notes if n.severity != "info"]
        if problems:
            lines.append("")
            lines.append("Import notes:")
            lines.extend(f"- {n}" for n in problems)
        text = "\n".join(lines)
        if len(text) > MAX_DESCRIPTION_LENGTH:  # the file format's limit
            cut = text[: MAX_DESCRIPTION_LENGTH - 200].rsplit("\n", 1)[0]
            text = f"{cut}\n- … {len(problems)} notes in all; the rest are listed by the import command."
        design.description = text
        for lid, pos in auto_layout(design).items():
            design.set_position(lid, pos)
        # An Unsupported layer is an error in the analysis itself; other errors travel as load notes.
        design.load_notes = [
            (n.code, n.layer, n.message)
            for n in self.notes
            if n.severity == "error"
            and not (n.code == "unsupported_op" and _is_unsupported(design, n.layer))
        ]
        add_path_groups(
            design
        )  # module paths → stages and blocks (layer3.4.conv2 → layer3, layer3.4)
        return ImportResult(design, list(self.notes))


def _is_unsupported(design: Design, lid: str | None) -> bool:
    return lid is not None and lid in design and design.layer(lid).type == "Unsupported"


def flatten_span(before: Shape, after: Shape) -> tuple[int, int] | None:
    """``(start_dim, end_dim)`` (batch axis counted) if ``after`` is ``before`` flattened there."""
    n = len(before)
    for start in range(n):
        for end in range(start + 1, n):
            merged = (*before[:start], math.prod(before[start : end + 1]), *before[end + 1 :])
            if merged == after:
                return start + 1, (end + 1 if end + 1 < n else -1)
    return None

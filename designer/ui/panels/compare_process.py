"""What the framework-comparison process runs: core only (no Qt), so a spawned process that
imports it starts quickly and never touches the GUI. See ``semantics_worker``."""

from __future__ import annotations

import pickle
import sys
from typing import Any

from designer.core.analysis import Analysis
from designer.core.design import Design, Layer
from designer.core.semantics_compare import SemanticsRow, compare_semantics

#: (name, semantics, bytes per element, load notes, [(id, type, params, inputs)])
Payload = tuple[str, str, int, list[Any], list[tuple[str, str, dict[str, Any], list[str]]]]


def payload_of(design: Design, bytes_per_element: int) -> Payload:
    """The design as plain values (taken on the GUI thread, pickled to the process)."""
    layers = [(layer.id, layer.type, layer.params, layer.inputs) for layer in design]
    return (design.name, design.semantics, bytes_per_element, list(design.load_notes), layers)


def compare_payload(payload: Payload) -> list[SemanticsRow]:
    name, semantics, bytes_per_element, notes, layers = payload
    design = Design(name, semantics)
    for lid, type_id, params, inputs in layers:
        design.add_layer(Layer(lid, type_id, params, inputs))
    design.load_notes = notes
    try:
        analysis = Analysis(design, bytes_per_element=bytes_per_element, live=False)
        return compare_semantics(design, analysis)
    except ValueError:  # a design the analysis cannot copy cleanly: no comparison, no crash
        return []


def main() -> None:
    """``python -m designer.ui.panels.compare_process``: a pickled payload on stdin, the
    pickled rows on stdout (the GUI's ``SemanticsWorker`` runs it)."""
    rows = compare_payload(pickle.load(sys.stdin.buffer))
    pickle.dump(rows, sys.stdout.buffer)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""What the framework-comparison process runs: core only (no Qt), so the child process that
imports it starts quickly and never touches the GUI. See ``semantics_worker``.

The design goes in and the rows come out as JSON (plain values: no code can ride along).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from designer.core.analysis import Analysis
from designer.core.design import Design, Layer, normalize_params
from designer.core.semantics_compare import SemanticsRow, compare_semantics


def payload_of(design: Design, bytes_per_element: int) -> bytes:
    """The design as JSON (taken on the GUI thread, written to the process)."""
    return json.dumps(
        {
            "name": design.name,
            "semantics": design.semantics,
            "bytes_per_element": bytes_per_element,
            "load_notes": [list(n) for n in design.load_notes],
            "layers": [[layer.id, layer.type, layer.params, layer.inputs] for layer in design],
        }
    ).encode()


def compare_payload(payload: bytes) -> list[SemanticsRow]:
    data: dict[str, Any] = json.loads(payload)
    design = Design(data["name"], data["semantics"])
    for lid, type_id, params, inputs in data["layers"]:
        design.add_layer(Layer(lid, type_id, normalize_params(type_id, params), inputs))
    design.load_notes = [(n[0], n[1], n[2]) for n in data["load_notes"]]
    try:
        analysis = Analysis(design, bytes_per_element=data["bytes_per_element"], live=False)
        return compare_semantics(design, analysis)
    except ValueError:  # a design the analysis cannot copy cleanly: no comparison, no crash
        return []


def rows_to_json(rows: list[SemanticsRow]) -> bytes:
    return json.dumps([[r.layer, r.type, r.outputs, r.reasons] for r in rows]).encode()


def rows_from_json(data: bytes) -> list[SemanticsRow]:
    return [
        SemanticsRow(layer, type_id, outputs, reasons)
        for layer, type_id, outputs, reasons in json.loads(data)
    ]


def main() -> None:
    """``python -m designer.ui.panels.compare_process``: the design's JSON on stdin, the rows'
    JSON on stdout (the GUI's ``SemanticsWorker`` runs it)."""
    sys.stdout.buffer.write(rows_to_json(compare_payload(sys.stdin.buffer.read())))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Where the frameworks' rounding rules disagree, layer by layer.

``compare_semantics(design)`` analyses copies of the design under each of
``pytorch``, ``keras``, ``caffe`` and ``strict`` and keeps the layers whose output
differs (a different shape, or an error under one of them).
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.core.analysis import Analysis, analyze
from designer.core.arithmetic import SEMANTICS
from designer.core.design import Design
from designer.core.registry import layer_type
from designer.core.shape_rules import fmt_shape


@dataclass(frozen=True)
class SemanticsRow:
    layer: str
    type: str
    outputs: dict[str, str]  # semantics -> "55×55×96", "error" or "?"
    reasons: dict[str, str]  # semantics -> the first diagnostic code on this layer, if any


def compare_semantics(design: Design, analysis: Analysis | None = None) -> list[SemanticsRow]:
    """The layers whose output is not the same under every framework's rules.

    ``analysis`` (of ``design`` as it is, if the caller has one) saves analysing it again.
    The other semantics start from its results and re-evaluate only the windowed layers
    (types with a ``kernel_size``: the only rules the semantics reach) and what their
    changes reach downstream.
    """
    if analysis is None or analysis.design is not design:
        analysis = analyze(design)
    windowed = [
        layer.id for layer in design if layer_type(layer.type).spec("kernel_size") is not None
    ]
    results = {}
    for sem in SEMANTICS:
        if sem == analysis.semantics:
            results[sem] = analysis
            continue
        trial = design.trial_copy()
        trial.set_semantics(sem)
        other = Analysis(
            trial, bytes_per_element=analysis.bytes_per_element, live=False, start_from=analysis
        )
        other.reevaluate(windowed)
        results[sem] = other
    rows: list[SemanticsRow] = []
    for lid in design.ids:
        outputs: dict[str, str] = {}
        reasons: dict[str, str] = {}
        for sem, analysis in results.items():
            info = analysis.info[lid]
            if info.status == "error":
                outputs[sem] = "error"
            else:
                outputs[sem] = (
                    fmt_shape(info.output_shape) if info.output_shape is not None else "?"
                )
            codes = [d.code for d in info.diagnostics if d.severity != "info"]
            if codes:
                reasons[sem] = codes[0]
        if len(set(outputs.values())) > 1:
            rows.append(SemanticsRow(lid, design.layer(lid).type, outputs, reasons))
    return rows


def semantics_table(design: Design) -> str:
    """``compare_semantics`` as a plain-text table."""
    rows = compare_semantics(design)
    if not rows:
        return "Every layer has the same output under pytorch, keras, caffe and strict rules.\n"
    head = ("id", "type", *SEMANTICS)
    table = [head] + [(r.layer, r.type, *(r.outputs[s] for s in SEMANTICS)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip()

    out = [f"Where the frameworks disagree ({len(rows)} layer{'s' if len(rows) != 1 else ''}):", ""]
    out.append(line(head))
    out.append("  ".join("─" * w for w in widths))
    out.extend(line(r) for r in table[1:])
    out.append("")
    out.append(
        'pytorch: floor (ceil_mode per pooling layer); keras: floor, "same" = ⌈in/stride⌉; '
        "caffe: convolution floors, pooling rounds up; strict: any non-whole division is an error. "
        "Layers after the first difference inherit it. Every rule, case by case: Help ▸ Arithmetic Reference."
    )
    return "\n".join(out) + "\n"

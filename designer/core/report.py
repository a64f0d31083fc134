"""Plain-text and JSON summaries of an analysed design (what ``cnn-designer check`` prints)."""

from __future__ import annotations

from typing import Any

from designer.core.analysis import Analysis, LayerInfo
from designer.core.shape_rules import fmt_outputs, fmt_shape


def plural(n: int, word: str) -> str:
    """``1 layer``, ``2 layers``, ``0 errors`` (``n`` with thousands separators)."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def human_count(n: int) -> str:
    """``61,100,840`` → ``61.1M``; ``714,188,480`` → ``714.2M``; ``15,470,264,320`` → ``15.47G``."""
    for value, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= value:
            digits = 2 if suffix in ("G", "T") else 1
            return f"{n / value:.{digits}f}{suffix}"
    return str(n)


def human_bytes(n: int) -> str:
    for value, suffix in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= value:
            return f"{n / value:.1f} {suffix}"
    return f"{n} B"


def rf_text(info: LayerInfo) -> str:
    rf = info.receptive_field
    if rf is None:
        return "-"
    h, w = rf.size_px
    return f"{h}×{w}" if h != w else str(h)


def check_table(analysis: Analysis) -> str:
    """The per-layer table with a totals row, then the diagnostics."""
    rows = [("id", "type", "output (H×W×C)", "params", "MACs", "receptive field")]
    for lid in analysis.design.ids:
        info = analysis.info[lid]
        shape = (
            fmt_outputs(info.output_shapes) if info.output_shapes else fmt_shape(info.display_shape)
        )
        if info.status == "error" and info.output_shape is None:
            shape = "error"
        elif info.output_shape is None:
            shape = "?"
        rows.append((lid, info.type, shape, f"{info.params:,}", f"{info.macs:,}", rf_text(info)))
    t = analysis.totals()
    rows.append(("total", "", f"{t.neurons:,} neurons", f"{t.params:,}", f"{t.macs:,}", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = {3, 4}

    def line(r: tuple[str, ...]) -> str:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r)]
        return "  ".join(cells).rstrip()

    out = [f"{analysis.design.name}  (semantics: {analysis.design.semantics})", ""]
    out.append(line(rows[0]))
    out.append("  ".join("─" * w for w in widths))
    out.extend(line(r) for r in rows[1:-1])
    out.append("  ".join("─" * w for w in widths))
    out.append(line(rows[-1]))
    out.append("")
    out.append(
        f"Parameters {t.params:,} ({human_count(t.params)}), trainable {t.trainable_params:,}, "
        f"buffers {t.buffers:,}; multiply-accumulates {t.macs:,} ({human_count(t.macs)}); "
        f"activations {human_bytes(t.memory_bytes)} per sample (float32)."
    )
    diags = analysis.diagnostics()
    out.append("")
    if not diags:
        out.append("No problems found.")
    else:
        out.append(
            f"{t.errors} error{'s' if t.errors != 1 else ''}, {t.warnings} warning{'s' if t.warnings != 1 else ''}, {t.infos} note{'s' if t.infos != 1 else ''}:"
        )
        for d in diags:
            out.append(f"  {d.severity.upper():7} [{d.code}] {d.message}")
    return "\n".join(out) + "\n"


def check_json(analysis: Analysis) -> dict[str, Any]:
    """The public ``check --json`` document (see the foundation issue and docs/cli.md)."""
    layers: list[dict[str, Any]] = []
    for lid in analysis.design.ids:
        info = analysis.info[lid]
        rf = info.receptive_field
        layers.append(
            {
                "id": lid,
                "type": info.type,
                "output_shape": list(info.output_shape) if info.output_shape is not None else None,
                "neurons": info.neurons,
                "params": info.params,
                "buffers": info.buffers,
                "macs": info.macs,
                "receptive_field": list(rf.size_px) if rf is not None else None,
                # Extensions (public contract: fields are only ever added).
                "trainable_params": info.trainable_params,
                "memory_bytes": info.memory_bytes,
                "input_shapes": [list(s) if s is not None else None for s in info.input_shapes],
                "jump": [_tidy(j) for j in rf.jump] if rf is not None else None,
                "status": info.status,
            }
        )
        if info.output_shapes:  # Split, Chunk: every output, in index order ("id:0", "id:1", ...)
            layers[-1]["output_shapes"] = [list(s) for s in info.output_shapes]
    t = analysis.totals()
    return {
        "name": analysis.design.name,
        "semantics": analysis.design.semantics,
        "layers": layers,
        "totals": {
            "params": t.params,
            "trainable_params": t.trainable_params,
            "buffers": t.buffers,
            "macs": t.macs,
            "neurons": t.neurons,
            "memory_bytes": t.memory_bytes,
        },
        "diagnostics": [d.to_json() for d in analysis.diagnostics()],
    }


def _tidy(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(v, 6)

"""Explanations that teach the arithmetic of one layer, valid or not.

``explain_layer(analysis, layer_id)`` returns an ``Explanation``: data, not text.
Each ``Step`` keeps the symbolic formula, the same formula with the user's numbers
substituted, each simplification and the result, so a view can lay it out as it
likes. ``render_text`` gives the plain text the CLI prints (and golden files pin);
``render_html`` gives rich text for Qt's ``QTextBrowser`` with the offending
numbers wrapped in ``<span class="bad">``.

Sizes come from the per-axis arithmetic the analysis already keeps
(``LayerInfo.axes``); nothing here recomputes a shape a different way.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from designer.core.analysis import Analysis, LayerInfo, ReceptiveField
from designer.core.arithmetic import AxisArith
from designer.core.design import source_of, split_ref
from designer.core.params import as_pair
from designer.core.registry import REGISTRY
from designer.core.shape_rules import Shape, axis_names, broadcast_shapes, fmt_shape

# ------------------------------------------------------------------------ data


@dataclass(frozen=True)
class Step:
    """One line of arithmetic: ``label: formula = chain[0] = chain[1] = … (→ rounded)``.

    ``chain`` starts with the formula with the user's numbers substituted and ends
    with the result; ``rounded`` is what the framework makes of a non-whole result;
    ``bad`` lists substrings of the chain that show the problem (highlighted in HTML).
    """

    label: str
    formula: str = ""
    chain: tuple[str, ...] = ()
    rounded: str = ""
    note: str = ""
    bad: tuple[str, ...] = ()

    @property
    def result(self) -> str:
        return (
            self.rounded.rsplit("= ", 1)[-1]
            if self.rounded
            else (self.chain[-1] if self.chain else "")
        )


@dataclass(frozen=True)
class Section:
    title: str
    steps: tuple[Step, ...] = ()
    paragraphs: tuple[str, ...] = ()
    numbered: tuple[str, ...] = ()  # a numbered list (fixes)
    after: tuple[str, ...] = ()  # paragraphs that follow the steps


@dataclass(frozen=True)
class Explanation:
    title: str
    summary: str
    sections: tuple[Section, ...] = ()
    layer: str | None = None
    status: str = "ok"
    data: dict[str, Any] = field(default_factory=dict)

    def section(self, title: str) -> Section | None:
        for s in self.sections:
            if s.title == title:
                return s
        return None

    def steps(self) -> list[Step]:
        return [st for s in self.sections for st in s.steps]


# ------------------------------------------------------------------ formatting


def num(value: int | float | Fraction) -> str:
    """Integers with thousands separators; fractions as exact decimals or ``18.33…``."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return f"{int(value):,}"
        return decimal(value)
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def decimal(value: Fraction) -> str:
    """``Fraction(217, 4)`` → ``54.25``; ``Fraction(55, 3)`` → ``18.33…`` (never rounds silently)."""
    d = value.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        places = 0
        while (value * 10**places).denominator != 1:
            places += 1
        return f"{float(value):,.{places}f}"
    truncated = math.floor(value * 100) / 100 if value >= 0 else math.ceil(value * 100) / 100
    return f"{truncated:,.2f}…"


def product(values: Sequence[int]) -> str:
    return "·".join(str(v) for v in values)


def shape_text(shape: Sequence[int] | None) -> str:
    return fmt_shape(shape)


def _pl(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _pair_text(p: tuple[int, int]) -> str:
    return str(p[0]) if p[0] == p[1] else f"{p[0]}×{p[1]}"


# ------------------------------------------------------------------ renderers


def render_text(expl: Explanation, indent: str = "") -> str:
    """Plain text (UTF-8, with × − · ⌊⌋), as the CLI prints it and golden files keep it."""
    out = [f"{indent}{expl.title}"]
    if expl.summary:
        out.append(f"{indent}{expl.summary}")
    for sec in expl.sections:
        out.append("")
        out.append(f"{indent}{sec.title}")
        for para in sec.paragraphs:
            out.append(f"{indent}  {para}")
        last_formula = ""
        for st in sec.steps:
            out.extend(_step_lines(st, indent + "  ", show_formula=st.formula != last_formula))
            last_formula = st.formula
        for para in sec.after:
            out.append(f"{indent}  {para}")
        for n, item in enumerate(sec.numbered, start=1):
            out.append(f"{indent}  {n}. {item}")
    return "\n".join(out) + "\n"


def _step_lines(st: Step, indent: str, show_formula: bool) -> list[str]:
    body = " = ".join(st.chain)
    if st.rounded:
        body += f" → {st.rounded}"
    lines: list[str] = []
    head = f"{indent}{st.label}:"
    if st.formula and show_formula:
        lines.append(f"{head} {st.formula}")
        pad = " " * len(head)
        if body:
            lines.append(f"{pad} = {body}")
    elif body:
        lines.append(f"{head} {body}")
    else:
        lines.append(head)
    if st.note:
        if body or (st.formula and show_formula):
            lines[-1] += f"  — {st.note}"
        else:
            lines[-1] += f" {st.note}"
    return lines


HTML_STYLE = (
    "<style>"
    "h3{margin:8px 0 2px 0;} table.steps td{padding:1px 6px;vertical-align:top;}"
    " td.label{font-weight:bold;white-space:nowrap;} td.formula{color:#555;}"
    " td.note{color:#444;font-style:italic;} span.bad{color:#b00020;font-weight:bold;"
    "background:#fde7ea;} p.summary{margin:2px 0 6px 0;}"
    "</style>"
)


def render_html(expl: Explanation, style: bool = True) -> str:
    """Rich text for ``QTextBrowser``: aligned steps in a table, problems in ``span.bad``."""
    e = html.escape
    parts = [HTML_STYLE] if style else []
    parts.append(f"<h2>{e(expl.title)}</h2>")
    if expl.summary:
        parts.append(f'<p class="summary">{e(expl.summary)}</p>')
    for sec in expl.sections:
        parts.append(f"<h3>{e(sec.title)}</h3>")
        for para in sec.paragraphs:
            parts.append(f"<p>{e(para)}</p>")
        if sec.steps:
            parts.append('<table class="steps">')
            last_formula = ""
            for st in sec.steps:
                parts.extend(_step_rows(st, show_formula=st.formula != last_formula))
                last_formula = st.formula
            parts.append("</table>")
        for para in sec.after:
            parts.append(f"<p>{e(para)}</p>")
        if sec.numbered:
            parts.append("<ol>" + "".join(f"<li>{e(item)}</li>" for item in sec.numbered) + "</ol>")
    return "".join(parts)


def _highlight(text: str, bad: Sequence[str]) -> str:
    """Escape ``text`` and wrap each occurrence of a ``bad`` substring in ``span.bad``."""
    spans: list[tuple[int, int]] = []
    for b in sorted({b for b in bad if b}, key=len, reverse=True):
        start = 0
        while (i := text.find(b, start)) >= 0:
            if not any(i < e and i + len(b) > s for s, e in spans):
                spans.append((i, i + len(b)))
            start = i + len(b)
    spans.sort()
    out, pos = [], 0
    for s, e in spans:
        out.append(html.escape(text[pos:s]))
        out.append(f'<span class="bad">{html.escape(text[s:e])}</span>')
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _step_rows(st: Step, show_formula: bool) -> list[str]:
    e = html.escape
    rows: list[str] = []
    body_parts = [_highlight(c, st.bad) for c in st.chain]
    body = " = ".join(body_parts)
    if st.rounded:
        body += " → " + _highlight(st.rounded, st.bad)
    note = f'<td class="note">{e(st.note)}</td>' if st.note else "<td></td>"
    label = f'<td class="label">{e(st.label)}</td>'
    if st.formula and show_formula:
        rows.append(f'<tr>{label}<td class="formula">{e(st.formula)}</td><td></td></tr>')
        if body:
            rows.append(f"<tr><td></td><td>= {body}</td>{note}</tr>")
        elif st.note:
            rows[-1] = f'<tr>{label}<td class="formula">{e(st.formula)}</td>{note}</tr>'
    else:
        rows.append(f"<tr>{label}<td>{body}</td>{note}</tr>")
    return rows


# -------------------------------------------------------------- axis arithmetic


def axis_letter(a: AxisArith) -> str:
    return "H" if a.axis == "height" else "W"


def window_formula(a: AxisArith, rounding: str | None = None) -> str:
    """``W_out = (W − F + 2P)/S + 1`` with the framework's rounding brackets where it applies."""
    x = axis_letter(a)
    f = "F" if a.dilation == 1 else "F′"
    pads = "2P" if a.pad_lo == a.pad_hi else "P_before + P_after"
    rnd = rounding if rounding is not None else a.rounding
    inner = f"({x} − {f} + {pads})/S"
    if rnd == "floor":
        inner = f"⌊{inner}⌋"
    elif rnd == "ceil":
        inner = f"⌈{inner}⌉"
    return f"{x}_out = {inner} + 1"


def window_step(a: AxisArith, semantics: str = "pytorch") -> Step:
    """The size of one axis of a convolution or pooling window, numbers substituted."""
    f = a.effective_kernel
    pads = f"2·{a.pad_lo}" if a.pad_lo == a.pad_hi else f"{a.pad_lo} + {a.pad_hi}"
    numerator = a.padded - f
    substituted = f"({a.size_in} − {f} + {pads})/{a.stride} + 1"
    frac = Fraction(numerator, a.stride)
    chain: list[str] = [substituted]
    if a.stride == 1:
        chain.append(f"{num(numerator)} + 1")
    else:
        chain.append(f"{num(numerator)}/{a.stride} + 1")
    exact = frac + 1
    chain.append(num(exact))
    bad: list[str] = []
    rounded = ""
    note = ""
    if a.padded < f:
        bad.append(num(numerator))
        note = f"the {f}-wide window does not fit in the {a.padded}-wide padded input"
    elif exact.denominator != 1:
        bad.append(num(exact))
        if a.rounding == "ceil" or (a.rounding == "exact" and a.out >= exact):
            rounded = f"⌈{num(exact)}⌉ = {math.ceil(exact)}"
            if a.dropped_last_window:
                rounded += f" − 1 = {a.out}"
                note = (
                    f"rounded up, but window {a.out + 1} would start at {a.out * a.stride} ≥ "
                    f"{a.size_in} + {a.pad_lo}, in the padding, so it is dropped"
                )
            elif a.overhang:
                note = f"rounded up: the last window hangs {_pl(a.overhang, 'pixel')} past the padded input"
            else:
                note = "rounded up"
        else:
            rounded = f"⌊{num(exact)}⌋ = {a.out}"
            what = "row" if a.axis == "height" else "column"
            if a.unread:
                note = f"rounded down: the last {_pl(a.unread, what)} of the input {'is' if a.unread == 1 else 'are'} never read"
            else:
                note = "rounded down: only padding is left unread"
        if semantics == "strict":
            note = "strict arithmetic accepts only whole numbers"
    elif a.out < 1:
        bad.append(num(exact))
    return Step(a.axis, window_formula(a), tuple(chain), rounded, note, tuple(bad))


def dilation_step(a: AxisArith) -> Step:
    return Step(
        f"effective kernel ({a.axis})",
        "F′ = D·(F − 1) + 1",
        (f"{a.dilation}·({a.kernel} − 1) + 1", str(a.effective_kernel)),
        note=f"{a.kernel} taps spread {a.dilation} pixels apart",
    )


def same_step(a: AxisArith, semantics: str) -> Step:
    """How "same" padding is computed and where the odd pixel goes."""
    where = "bottom" if a.axis == "height" else "right"
    first = "top" if a.axis == "height" else "left"
    total = a.pad_lo + a.pad_hi
    split = f"{a.pad_lo} {first}, {a.pad_hi} {where}"
    if semantics == "keras":
        out = -(-a.size_in // a.stride)
        chain = (
            f"max(({out} − 1)·{a.stride} + {a.effective_kernel} − {a.size_in}, 0)",
            str(total),
        )
        note = f"TensorFlow: out = ⌈{a.size_in}/{a.stride}⌉ = {out}; split {split}"
        formula = "P_total = max((⌈W/S⌉ − 1)·S + F′ − W, 0)"
    else:
        chain = (f"{a.dilation}·({a.kernel} − 1)", str(total))
        note = f"PyTorch: split {split}"
        formula = "P_total = D·(F − 1)"
    if a.pad_lo != a.pad_hi:
        note += f" (the odd pixel goes to the {where})"
    return Step(f'"same" padding ({a.axis})', formula, chain, note=note)


def transpose_step(a: AxisArith) -> Step:
    x = axis_letter(a)
    formula = f"{x}_out = ({x} − 1)·S − 2P + D·(F − 1) + output_padding + 1"
    chain = (
        f"({a.size_in} − 1)·{a.stride} − 2·{a.pad_lo} + {a.dilation}·({a.kernel} − 1) + {a.output_padding} + 1",
        f"{(a.size_in - 1) * a.stride} − {2 * a.pad_lo} + {a.dilation * (a.kernel - 1)} + {a.output_padding} + 1",
        str(a.out),
    )
    bad = (str(a.out),) if a.out < 1 else ()
    return Step(a.axis, formula, chain, bad=bad)


# ------------------------------------------------------------------ explaining


def explain_layer(analysis: Analysis, layer_id: str) -> Explanation:
    """The arithmetic of one layer: sizes, counts, receptive field, meaning, problems."""
    design = analysis.design
    layer = design.layer(layer_id)
    info = analysis.info.get(layer_id)
    ltype = REGISTRY[layer.type]
    p = layer.resolved()
    if info is None:  # pragma: no cover - the analysis knows every layer
        info = LayerInfo(layer_id, layer.type)
    title = f"{layer_id} — {layer.type}"
    ins = info.input_shapes
    known = bool(ins) and all(s is not None for s in ins)
    summary = _summary(layer.type, p, info)
    sections: list[Section] = []
    if layer.type == "Input":
        sections.extend(_input_sections(info))
    elif not known:
        sections.append(_unknown_section(analysis, layer_id, ltype.summary))
    else:
        shapes = [s for s in ins if s is not None]
        builder = _BUILDERS.get(layer.type, _elementwise_sections)
        sections.extend(builder(analysis, info, p, shapes))
        out = info.output_shape
        if info.receptive_field is not None and out is not None and len(out) == 3:
            sections.append(_rf_section(analysis, layer_id, info))
    problems = [f"{d.severity}: {d.message}" for d in info.diagnostics]
    if problems:
        sections.append(Section("Problems", paragraphs=tuple(problems)))
    return Explanation(title, summary, tuple(sections), layer_id, info.status)


def _summary(type_id: str, p: dict[str, Any], info: LayerInfo) -> str:
    io = ""
    if info.input_shapes and all(s is not None for s in info.input_shapes):
        ins = " + ".join(shape_text(s) for s in info.input_shapes)
        out = shape_text(info.output_shape) if info.output_shape is not None else "error"
        io = f": {ins} → {out}"
    elif type_id == "Input":
        io = f": {shape_text(info.output_shape)}"
    if type_id == "Conv2d":
        k = as_pair(p["kernel_size"])
        extra = _window_extras(p)
        return f"{p['out_channels']} filters of {k[0]}×{k[1]}{extra}{io}"
    if type_id == "ConvTranspose2d":
        k = as_pair(p["kernel_size"])
        return f"{p['out_channels']} transposed filters of {k[0]}×{k[1]}{_window_extras(p)}{io}"
    if type_id in ("MaxPool2d", "AvgPool2d"):
        k = as_pair(p["kernel_size"])
        return f"{k[0]}×{k[1]} windows{_window_extras(p)}{io}"
    return REGISTRY[type_id].summary.rstrip(".") + io


def _window_extras(p: dict[str, Any]) -> str:
    bits = []
    k = p["kernel_size"]
    stride = p.get("stride")
    s = as_pair(k if stride is None else stride)
    bits.append(f"stride {_pair_text(s)}")
    pad = p.get("padding", 0)
    if isinstance(pad, str):
        bits.append(f'padding "{pad}"')
    elif as_pair(pad) != (0, 0):
        bits.append(f"padding {_pair_text(as_pair(pad))}")
    if as_pair(p.get("dilation", 1)) != (1, 1):
        bits.append(f"dilation {_pair_text(as_pair(p['dilation']))}")
    if p.get("groups", 1) != 1:
        bits.append(f"groups {p['groups']}")
    if p.get("output_padding", 0) not in (0, [0, 0]):
        bits.append(f"output_padding {_pair_text(as_pair(p['output_padding']))}")
    if p.get("ceil_mode"):
        bits.append("ceil_mode")
    return ", " + ", ".join(bits)


def _unknown_section(analysis: Analysis, layer_id: str, summary: str) -> Section:
    layer = analysis.design.layer(layer_id)
    why = []
    for ref in layer.inputs:
        i = source_of(ref)
        up = analysis.info.get(i)
        if i not in analysis.design:
            why.append(f"its input {i!r} does not exist")
        elif up is None or up.status == "error":
            why.append(f"{i} has an error")
        elif up.output_shape is None:
            why.append(f"{i}'s shape is unknown")
    if not layer.inputs:
        why.append("it is not connected to any input")
    reason = "; ".join(why) if why else "its input is not known"
    formula = _FORMULAS.get(layer.type, "")
    paras = [f"The input shape is unknown ({reason}), so no numbers can be put in yet.", summary]
    steps = (Step("formula", formula),) if formula else ()
    return Section("Arithmetic", steps, tuple(paras))


_FORMULAS = {
    "Conv2d": "W_out = ⌊(W − D·(F − 1) − 1 + 2P)/S⌋ + 1, depth = number of filters",
    "ConvTranspose2d": "W_out = (W − 1)·S − 2P + D·(F − 1) + output_padding + 1",
    "MaxPool2d": "W_out = ⌊(W − D·(F − 1) − 1 + 2P)/S⌋ + 1 (⌈…⌉ with ceil_mode), depth unchanged",
    "AvgPool2d": "W_out = ⌊(W − F + 2P)/S⌋ + 1 (⌈…⌉ with ceil_mode), depth unchanged",
    "AdaptiveAvgPool2d": "[C, H, W] → [C, output_size]",
    "AdaptiveMaxPool2d": "[C, H, W] → [C, output_size]",
    "Flatten": "[C, H, W] → [C·H·W]",
    "Linear": "[in] → [out], parameters (in + 1)·out",
    "Concat": "C_out = C_1 + C_2 + …, heights and widths must agree",
    "Add": "sizes match or are 1 (repeated to match), compared from the right; the output is the largest input's shape",
    "Mul": "sizes match or are 1 (repeated to match), compared from the right; the output is the largest input's shape",
    "LayerNorm2d": "shape unchanged; normalises the C channels at each position; parameters 2·C",
    "GroupNorm": "shape unchanged; C/groups channels per group; parameters 2·C",
    "ChannelShuffle": "shape unchanged; channel i·(C/g) + j moves to j·g + i",
    "Split": "pieces of split_size (or the listed sizes) along dim; each consumer takes one (id:0, id:1, …)",
    "Chunk": "chunks pieces of ⌈size/chunks⌉ along dim; each consumer takes one (id:0, id:1, …)",
    "Mean": "the averaged axes disappear (or become 1 with keepdim)",
    "Reshape": "same number of values in a new shape; one −1 is inferred",
    "ZeroPad2d": "H_out = H + top + bottom, W_out = W + left + right",
    "Upsample": "H_out = ⌊H·scale_factor⌋ (or size)",
    "BatchNorm2d": "shape unchanged; parameters 2·C, buffers 2·C + 1",
}


def _input_sections(info: LayerInfo) -> list[Section]:
    shape = info.output_shape
    if shape is None:
        return []
    steps: tuple[Step, ...]
    if len(shape) == 3:
        c, h, w = shape
        channels = {1: "grey levels", 3: "e.g. red, green, blue"}.get(c, "channels")
        steps = (
            Step("depth", chain=(str(c),), note=f"channels of the data ({channels})"),
            Step("height × width", chain=(f"{h}×{w}",), note="pixels"),
            Step("values per sample", "C·H·W", (product(shape), num(math.prod(shape)))),
        )
    else:
        steps = (Step("features", chain=(num(shape[0]),), note="one vector per sample"),)
    return [
        Section(
            "The data",
            steps,
            ("The batch size is not part of the shape; every count is per sample.",),
        )
    ]


def _counts(info: LayerInfo, params: list[Step], macs: list[Step]) -> Section:
    steps: list[Step] = []
    shape = info.output_shape
    if shape is not None:
        if len(shape) == 3:
            c, h, w = shape
            steps.append(Step("neurons", "H·W·C", (product((h, w, c)), num(info.neurons))))
        elif len(shape) > 1:
            steps.append(Step("neurons", chain=(product(shape), num(info.neurons))))
        else:
            steps.append(Step("neurons", chain=(num(info.neurons),)))
    steps.extend(params)
    steps.extend(macs)
    if shape is not None:
        steps.append(
            Step(
                "activation memory",
                chain=(
                    f"{num(info.neurons)}·{info.bytes_per_element} bytes",
                    f"{num(info.memory_bytes)} bytes",
                ),
                note="per sample, float32" if info.bytes_per_element == 4 else "per sample",
            )
        )
    return Section("Counts", tuple(steps))


def merge_axes(steps: Sequence[Step]) -> list[Step]:
    """Height and width steps with the same numbers become one ``width and height`` step."""
    out: list[Step] = []
    for st in steps:
        prev = out[-1] if out else None
        if (
            prev is not None
            and "height" in prev.label
            and st.label == prev.label.replace("height", "width")
            and (st.chain, st.rounded, st.bad) == (prev.chain, prev.rounded, prev.bad)
            and st.formula.replace("W", "H") == prev.formula.replace("W", "H")
        ):
            note = st.note.replace("column", "row and column") if "column" in st.note else st.note
            if note.startswith("rounded down: the last 1 row and column of the input is"):
                note = note.replace("is never read", "are never read")
            out[-1] = Step(
                st.label.replace("width", "width and height"),
                st.formula,
                st.chain,
                st.rounded,
                note,
                st.bad,
            )
        else:
            out.append(st)
    return out


def _axes_steps(info: LayerInfo, semantics: str, same: bool) -> list[Step]:
    steps: list[Step] = []
    for a in info.axes:
        if a.dilation > 1:
            steps.append(dilation_step(a))
    if same:
        steps.extend(same_step(a, semantics) for a in info.axes)
    steps.extend(window_step(a, semantics) for a in info.axes)
    return merge_axes(steps)


def _conv_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if len(shape) != 3:
        return [_rank_section(info, shape)]
    c_in = shape[0]
    k_out = int(p["out_channels"])
    groups = int(p.get("groups", 1))
    kh, kw = as_pair(p["kernel_size"])
    sem = analysis.semantics
    size_steps = _axes_steps(info, sem, p.get("padding") == "same")
    per_group = Fraction(c_in, groups)
    if c_in % groups or k_out % groups:
        size_steps.append(
            Step(
                "channels per group",
                "C_in/groups and K/groups",
                (
                    f"{c_in}/{groups} = {num(per_group)} and {k_out}/{groups} = {num(Fraction(k_out, groups))}",
                ),
                bad=tuple(
                    num(x) for x in (per_group, Fraction(k_out, groups)) if x.denominator != 1
                ),
                note="both must be whole",
            )
        )
        return [Section("Output size", tuple(size_steps))]
    cg = c_in // groups
    if groups == 1:
        depth_note = (
            f"the number of filters; each filter is {kh}×{kw}×{c_in} "
            f"(it spans all {c_in} input channel{'s' if c_in != 1 else ''})"
        )
    elif groups == c_in:
        mult = k_out // groups
        depth_note = (
            f"the number of filters; depthwise: each filter is {kh}×{kw}×1 and sees one channel only "
            f"({mult} filter{'s' if mult != 1 else ''} per input channel)"
        )
    else:
        depth_note = (
            f"the number of filters, in {groups} groups of {k_out // groups}; each filter is {kh}×{kw}×{cg}: "
            f"it sees only its group's {cg} of the {c_in} input channels"
        )
    size_steps.append(Step("depth", chain=(str(k_out),), note=depth_note))
    sections = [Section("Output size", tuple(size_steps))]
    if info.output_shape is None:
        return sections
    bias = bool(p.get("bias", True))
    kprod = f"{kh}·{kw}·{cg}"
    params = [
        Step(
            "parameters",
            "(F_h·F_w·C_in/groups + 1)·K" if bias else "F_h·F_w·C_in/groups·K",
            (f"({kprod} + 1)·{k_out}" if bias else f"{kprod}·{k_out}", num(info.params)),
            note=f"{num(kh * kw * cg * k_out)} weights + {num(k_out)} biases"
            if bias
            else "no bias",
        )
    ]
    macs = [
        Step(
            "multiply-accumulates",
            "neurons·F_h·F_w·C_in/groups",
            (f"{num(info.neurons)}·{kprod}", num(info.macs)),
            note="one per weight tap per output value",
        )
    ]
    sections.append(_counts(info, params, macs))
    sections.append(
        _meaning(info, f"the positions of each {kh}×{kw} window over the input", "filters")
    )
    return sections


def _meaning(info: LayerInfo, positions: str, depth: str) -> Section:
    shape = info.output_shape
    if shape is None or len(shape) != 3:
        return Section("What the output means")
    c, h, w = shape
    return Section(
        "What the output means",
        paragraphs=(
            f"{h}×{w}: {positions}; {c}: one map per {depth.rstrip('s')} "
            f"({c} {depth}). Output[c, y, x] is one number: what map c found at position (y, x).",
        ),
    )


def _rank_section(info: LayerInfo, shape: Shape) -> Section:
    return Section(
        "Output size",
        (
            Step(
                "input",
                chain=(shape_text(shape),),
                bad=(shape_text(shape),),
                note="this layer needs [channels, height, width]",
            ),
        ),
    )


def _transpose_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if len(shape) != 3:
        return [_rank_section(info, shape)]
    c_in = shape[0]
    k_out = int(p["out_channels"])
    groups = int(p.get("groups", 1))
    kh, kw = as_pair(p["kernel_size"])
    steps = [transpose_step(a) for a in info.axes]
    op = as_pair(p.get("output_padding", 0))
    s = as_pair(p.get("stride", 1))
    if not info.axes:
        for i, axis in enumerate(("height", "width")):
            if op[i] >= s[i]:
                steps.append(
                    Step(
                        f"output_padding ({axis})",
                        "output_padding < max(S, D)",
                        (f"{op[i]} ≥ {s[i]}",),
                        bad=(str(op[i]),),
                        note="it may only choose among the sizes that a stride leaves ambiguous",
                    )
                )
    steps.append(Step("depth", chain=(str(k_out),), note="the number of output channels (filters)"))
    sections = [
        Section(
            "Output size",
            tuple(steps),
            (
                "A transposed convolution runs the forward pass of a convolution backwards: "
                "each input value scatters a weighted F×F patch into the output, S pixels apart.",
            ),
        )
    ]
    if info.output_shape is None:
        return sections
    cg = k_out // groups
    bias = bool(p.get("bias", True))
    params = [
        Step(
            "parameters",
            "C_in·(K/groups)·F_h·F_w + K" if bias else "C_in·(K/groups)·F_h·F_w",
            (
                (f"{c_in}·{cg}·{kh}·{kw} + {k_out}" if bias else f"{c_in}·{cg}·{kh}·{kw}"),
                num(info.params),
            ),
        )
    ]
    macs = [
        Step(
            "multiply-accumulates",
            "input elements·(K/groups)·F_h·F_w",
            (f"{num(math.prod(shape))}·{cg}·{kh}·{kw}", num(info.macs)),
            note="one per input value per weight tap",
        )
    ]
    sections.append(_counts(info, params, macs))
    return sections


def _pool_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if len(shape) != 3:
        return [_rank_section(info, shape)]
    kh, kw = as_pair(p["kernel_size"])
    pad = as_pair(p.get("padding", 0))
    steps = _axes_steps(info, analysis.semantics, False)
    if not info.axes:
        for i, axis in enumerate(("height", "width")):
            k = (kh, kw)[i]
            if pad[i] > k // 2:
                steps.append(
                    Step(
                        f"padding ({axis})",
                        "P ≤ ⌊F/2⌋",
                        (f"{pad[i]} > ⌊{k}/2⌋ = {k // 2}",),
                        bad=(str(pad[i]),),
                        note="a window could see nothing but padding",
                    )
                )
    steps.append(
        Step("depth", chain=(str(shape[0]),), note="unchanged: each channel is pooled on its own")
    )
    paras: list[str] = []
    if p.get("ceil_mode") or analysis.semantics == "caffe":
        paras.append(
            "Ceil mode rounds the size up, so a last partial window is kept, "
            "unless it would start inside the bottom/right padding (then it is dropped)."
        )
    sections = [Section("Output size", tuple(steps), tuple(paras))]
    if info.output_shape is None:
        return sections
    sections.append(
        _counts(info, [Step("parameters", chain=("0",), note="pooling learns nothing")], [])
    )
    op = "largest value" if info.type == "MaxPool2d" else "average"
    sections.append(
        _meaning(
            info, f"the positions of the {kh}×{kw} window, each keeping one {op}", "input channels"
        )
    )
    return sections


def _adaptive_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if len(shape) != 3 or info.output_shape is None:
        return [_rank_section(info, shape)]
    _, h, w = shape
    _, oh, ow = info.output_shape
    steps = []
    for axis, n, o in (("height", h, oh), ("width", w, ow)):
        if n % o == 0:
            steps.append(
                Step(
                    axis,
                    "window = stride = in/out",
                    (f"{n}/{o}", str(n // o)),
                    note=f"{o} windows of {n // o}, no overlap",
                )
            )
        else:
            lo, hi = n // o, -(-n // o) + 1
            steps.append(
                Step(
                    axis,
                    "window i covers ⌊i·in/out⌋ … ⌈(i + 1)·in/out⌉ − 1",
                    (f"{n}/{o}", num(Fraction(n, o))),
                    note=f"{o} windows of {lo} to {min(hi, n)} pixels (some overlap)",
                )
            )
    steps.append(Step("depth", chain=(str(shape[0]),), note="unchanged"))
    paras = (
        f"The output is {oh}×{ow} per channel whatever the input size: the windows adapt to the input.",
    )
    return [
        Section("Output size", tuple(steps), paras),
        _counts(info, [Step("parameters", chain=("0",))], []),
    ]


def _batchnorm_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if len(shape) != 3:
        return [_rank_section(info, shape)]
    c = shape[0]
    params = []
    if p.get("affine", True):
        params.append(
            Step(
                "parameters",
                "2·C",
                (f"2·{c}", num(info.params)),
                note="γ (scale) and β (shift), one each per channel",
            )
        )
    else:
        params.append(Step("parameters", chain=("0",), note="affine is off: no γ, β"))
    if p.get("track_running_stats", True):
        params.append(
            Step(
                "buffers",
                "2·C + 1",
                (f"2·{c} + 1", num(info.buffers)),
                note="running mean and variance per channel, plus the batch counter; saved, not trained",
            )
        )
    return [
        Section("Output size", (Step("shape", chain=(shape_text(shape),), note="unchanged"),)),
        _counts(info, params, []),
    ]


def _flatten_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    out = info.output_shape
    if out is None:
        return [
            Section(
                "Output size",
                (
                    Step(
                        "dims",
                        chain=(
                            f"start_dim {p.get('start_dim', 1)}, end_dim {p.get('end_dim', -1)}",
                        ),
                        bad=(f"start_dim {p.get('start_dim', 1)}",),
                    ),
                ),
                ("Dims count the batch axis as 0, so start_dim 1 is the first axis of a sample.",),
            )
        ]
    if len(shape) == 3 and len(out) == 1:
        c, h, w = shape
        step = Step(
            "features",
            "C·H·W",
            (f"{c}·{h}·{w}", num(out[0])),
            note="every value becomes one feature",
        )
    else:
        step = Step("shape", chain=(f"{shape_text(shape)} → {shape_text(out)}",))
    return [
        Section(
            "Output size",
            (step,),
            (
                "Nothing is computed: the same numbers are read in a new order (channel, then row, then column).",
            ),
        )
    ]


def _linear_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    n_out = int(p["out_features"])
    n_in = shape[-1]
    bias = bool(p.get("bias", True))
    steps: list[Step] = []
    paras: list[str] = []
    if len(shape) > 1 and info.derived.get("pointwise_channels"):
        rows = math.prod(shape[:-1])
        steps.append(
            Step(
                "in_features",
                chain=(str(n_in),),
                note="the channels: the data is channels-last after a permute",
            )
        )
        steps.append(
            Step(
                "shape",
                chain=(f"{shape_text(shape)} → {shape_text(info.output_shape)}",),
                note=f"the same {n_in}→{n_out} map at each of {product(shape[:-1])} = {num(rows)} positions",
            )
        )
        paras.append(
            f"A pointwise layer: at every position the {n_in} channel values are mixed into {n_out}, exactly what a "
            "1×1 convolution computes on the channels-first volume (ConvNeXt writes its MLP this way)."
        )
    elif len(shape) > 1:
        rows = math.prod(shape[:-1])
        steps.append(
            Step(
                "in_features",
                "the last axis only",
                (str(n_in),),
                bad=(str(n_in),),
                note=f"the width of {shape_text(shape)}, not its {num(math.prod(shape))} values",
            )
        )
        steps.append(
            Step(
                "shape",
                chain=(f"{shape_text(shape)} → {shape_text(info.output_shape)}",),
                note=f"the same {n_in}→{n_out} map applied at each of {product(shape[:-1])} = {num(rows)} positions",
            )
        )
        paras.append(
            f"PyTorch's Linear works on the last axis. Flatten first to connect all "
            f"{num(math.prod(shape))} values to each output."
        )
    else:
        steps.append(
            Step("in_features", chain=(num(n_in),), note="derived from the input; never stored")
        )
        steps.append(Step("outputs", chain=(num(n_out),), note="out_features"))
    params = [
        Step(
            "parameters",
            "(in + 1)·out" if bias else "in·out",
            (
                (f"({num(n_in)} + 1)·{num(n_out)}" if bias else f"{num(n_in)}·{num(n_out)}"),
                num(info.params),
            ),
            note=f"{num(n_in * n_out)} weights + {num(n_out)} biases" if bias else "no bias",
        )
    ]
    rows = math.prod(shape[:-1])
    macs_chain = (
        f"{num(rows)}·{num(n_in)}·{num(n_out)}" if rows > 1 else f"{num(n_in)}·{num(n_out)}",
        num(info.macs),
    )
    macs = [Step("multiply-accumulates", "rows·in·out" if rows > 1 else "in·out", macs_chain)]
    return [Section("Output size", tuple(steps), tuple(paras)), _counts(info, params, macs)]


def _zeropad_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if len(shape) != 3:
        return [_rank_section(info, shape)]
    _, h, w = shape
    pad = p["padding"]
    left, right, top, bottom = (pad,) * 4 if isinstance(pad, int) else pad
    oh, ow = h + top + bottom, w + left + right
    steps = (
        Step(
            "height",
            "H + top + bottom",
            (f"{h} + {top} + {bottom}", str(oh)),
            bad=(str(oh),) if oh < 1 else (),
        ),
        Step(
            "width",
            "W + left + right",
            (f"{w} + {left} + {right}", str(ow)),
            bad=(str(ow),) if ow < 1 else (),
        ),
        Step("depth", chain=(str(shape[0]),), note="unchanged"),
    )
    return [Section("Output size", steps, ("Negative values crop instead of padding.",))]


def _upsample_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if len(shape) != 3:
        return [_rank_section(info, shape)]
    _, h, w = shape
    size, scale = p.get("size"), p.get("scale_factor")
    steps: list[Step] = []
    mode = p.get("mode", "nearest")
    align = p.get("align_corners")
    how = (
        f"Mode {mode}"
        + (f", align_corners={align}" if align is not None else "")
        + "; no parameters."
    )
    if len(shapes) > 1:
        ref = shapes[1]
        names = _input_names(analysis, info.id)
        src = names[1] if len(names) > 1 else "input 2"
        if info.output_shape is None:
            steps.append(
                Step(
                    "arguments",
                    chain=("size or scale_factor",),
                    bad=("size or scale_factor",),
                    note="clear them: the size comes from the second input",
                )
            )
            return [Section("Output size", tuple(steps), (how,))]
        oh, ow = ref[-2], ref[-1]
        steps.append(
            Step(
                "height × width",
                chain=(f"{h}×{w} → {oh}×{ow}",),
                note=f"taken from {src} ({shape_text(ref)})",
            )
        )
        steps.append(Step("factor", chain=(f"{num(Fraction(oh, h))} × {num(Fraction(ow, w))}",)))
        steps.append(Step("depth", chain=(str(shape[0]),), note="unchanged"))
        para = (
            f"The output gets the height and width of {src}, whatever they are: PyTorch's "
            "interpolate(x, size=y.shape[-2:]), as segmentation heads use to return to the input's resolution. "
        )
        return [Section("Output size", tuple(steps), (para + how,))]
    if size is not None and scale is None:
        oh, ow = as_pair(size)
        steps.append(Step("size", chain=(f"{oh}×{ow}",), note="set directly"))
    elif scale is not None and size is None:
        fh, fw = (scale, scale) if not isinstance(scale, list) else scale
        for axis, n, f in (("height", h, fh), ("width", w, fw)):
            v = math.floor(n * float(f))
            steps.append(
                Step(
                    axis,
                    "⌊in·scale_factor⌋",
                    (f"⌊{n}·{num(f)}⌋", str(v)),
                    bad=(str(v),) if v < 1 else (),
                )
            )
    else:
        steps.append(
            Step(
                "arguments",
                chain=("size and scale_factor",),
                bad=("size and scale_factor",),
                note="exactly one must be set",
            )
        )
    steps.append(Step("depth", chain=(str(shape[0]),), note="unchanged"))
    return [Section("Output size", tuple(steps), (how,))]


def _input_names(analysis: Analysis, layer_id: str) -> list[str]:
    """The inputs as the design lists them (``split:1`` included), for labels."""
    return [i for i in analysis.design.layer(layer_id).inputs if source_of(i) in analysis.design]


def _merge_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    if info.type in ("Add", "Mul"):
        return _broadcast_sections(analysis, info, shapes)
    names = _input_names(analysis, info.id)
    first = shapes[0]
    steps: list[Step] = []
    for n, (name, s) in enumerate(zip(names, shapes, strict=False), start=1):
        bad: tuple[str, ...] = ()
        if len(s) != len(first) or s[1:] != first[1:]:
            bad = (shape_text(s),)
        steps.append(Step(f"input {n} ({name})", chain=(shape_text(s),), bad=bad))
    paras = (
        "Concat stacks the inputs along channels: heights and widths must agree; channels add up.",
    )
    if info.output_shape is not None and len(first) == 3:
        chans = " + ".join(str(s[0]) for s in shapes)
        steps.append(Step("depth", "C_1 + C_2 + …", (chans, str(info.output_shape[0]))))
    return [Section("Inputs and output", tuple(steps), paras)]


def _broadcast_sections(analysis: Analysis, info: LayerInfo, shapes: list[Shape]) -> list[Section]:
    """Add and Mul: every axis compared from the right, with what is repeated and how often."""
    names = _input_names(analysis, info.id)
    op = "sums" if info.type == "Add" else "multiplies"
    rank = max(len(s) for s in shapes)
    axes = axis_names(rank)
    steps: list[Step] = [
        Step(
            f"input {n} ({name})",
            chain=(shape_text(s),),
            note=f"{fmt_shape(s, 'chw')} (C×H×W)" if len(s) == 3 else "",
        )
        for n, (name, s) in enumerate(zip(names, shapes, strict=False), start=1)
    ]
    out = broadcast_shapes(shapes)
    repeats: list[str] = []
    for i in range(rank):
        sizes = [s[i - rank + len(s)] if i - rank + len(s) >= 0 else None for s in shapes]
        text = " vs ".join("—" if v is None else str(v) for v in sizes)
        present = {v for v in sizes if v is not None}
        big = present - {1}
        if len(big) > 1:
            steps.append(
                Step(axes[i], chain=(text,), bad=(text,), note="different, and neither is 1")
            )
        elif len(present) == 1 and None not in sizes:
            steps.append(Step(axes[i], chain=(text, str(sizes[0])), note="equal"))
        else:
            target = next(iter(big)) if big else 1
            who = [
                names[n] if n < len(names) else f"input {n + 1}"
                for n, v in enumerate(sizes)
                if v != target
            ]
            steps.append(
                Step(
                    axes[i], chain=(text, str(target)), note=f"{', '.join(who)} repeated {target}×"
                )
            )
            repeats.append(f"{axes[i]} ({target}×)")
    paras: list[str] = []
    if info.output_shape is not None:
        steps.append(
            Step("output", chain=(shape_text(info.output_shape),), note="the largest input's shape")
        )
    if out is not None and repeats:
        small = [n for n, s in enumerate(shapes) if tuple(s) != out]
        if info.type == "Mul" and len(shapes) == 2 and len(small) == 1 and len(out) == 3:
            gate = shapes[small[0]]
            g_name, d_name = names[small[0]], names[1 - small[0]]
            c, h, w = out
            if len(gate) == 3 and gate[1:] == (1, 1) and gate[0] == c:
                paras.append(
                    f"This is squeeze-and-excitation's gate: {g_name} holds one number per channel ({c} values), "
                    f"and each is repeated over the {h}×{w} = {num(h * w)} positions of that channel of {d_name}. "
                    f"So output[c, y, x] = {d_name}[c, y, x] · {g_name}[c]: the block re-weights whole channels, "
                    f"{num(c)} multipliers for {num(math.prod(out))} values."
                )
        if not paras:
            paras.append(
                f"{info.type} {op} element by element. Where an input has size 1 (or no axis at all) it is "
                f"repeated to match the others along {', '.join(repeats)}; no copy is made in memory."
            )
    elif out is not None:
        paras.append(f"{info.type} {op} element by element; every input has the same shape.")
    paras.append(
        "No parameters; element-wise work is not counted in MACs (only convolutions and linear layers are)."
    )
    return [
        Section("Inputs and output", tuple(steps), tuple(paras)),
        _counts(info, [Step("parameters", chain=("0",))], []),
    ]


def _elementwise_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    what = {
        "Dropout": f"zeroes each value with probability {p.get('p', 0.5)} while training (and scales the rest); does nothing at inference",
        "Dropout2d": f"zeroes whole channels with probability {p.get('p', 0.5)} while training",
        "Identity": "passes the input through",
        "LocalResponseNorm": f"divides each value by a term computed from {p.get('size', 5)} neighbouring channels",
        "Softmax": f"turns the values along dim {p.get('dim', 1)} into probabilities that sum to 1",
        "Hardswish": "computes x·ReLU6(x + 3)/6 for each value, a piecewise approximation of x·sigmoid(x) without an exponential",
        "Hardsigmoid": "computes ReLU6(x + 3)/6 for each value: 0 below −3, 1 above 3, a straight line between",
        "Mish": "computes x·tanh(softplus(x)) for each value",
        "ELU": f"keeps positive values and maps negative ones to {p.get('alpha', 1.0)}·(eˣ − 1)",
        "SELU": "computes 1.0507·ELU(x, 1.6733) for each value, constants chosen so activations stay normalised",
        "Softplus": f"computes log(1 + e^({p.get('beta', 1.0)}·x))/{p.get('beta', 1.0)} (x itself above the threshold {p.get('threshold', 20.0)})",
        "StochasticDepth": (
            f"drops its whole input with probability {p.get('p', 0.5)} while training, "
            + (
                "separately for each sample"
                if p.get("mode", "row") == "row"
                else "for the whole batch at once"
            )
            + " (the residual branch is skipped), and passes it through at inference"
        ),
    }.get(info.type, "applies the same function to each value separately")
    steps = [Step("shape", chain=(shape_text(shape),), note="unchanged")]
    if info.output_shape is None and info.type == "Softmax":
        steps = [
            Step(
                "dim",
                chain=(str(p.get("dim", 1)),),
                bad=(str(p.get("dim", 1)),),
                note="out of range",
            )
        ]
    return [Section("Output size", tuple(steps), (f"{info.type} {what}; no parameters.",))]


def _norm_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    """LayerNorm2d, LayerNorm, GroupNorm, InstanceNorm2d: which values share a mean and a variance."""
    shape = shapes[0]
    t = info.type
    if info.output_shape is None:
        return [_shape_problem(info, shape)]
    steps: list[Step] = [Step("shape", chain=(shape_text(shape),), note="unchanged")]
    params: list[Step] = []
    paras: list[str] = []
    c = shape[0]
    if t == "LayerNorm2d":
        _, h, w = shape
        steps.append(
            Step("values per statistic", "C", (str(c),), note="the channels at one position")
        )
        steps.append(
            Step(
                "statistics",
                "H·W",
                (f"{h}·{w}", num(h * w)),
                note="a mean and a variance per position",
            )
        )
        paras.append(
            f"At each of the {h}×{w} positions, the {c} channel values are normalised together (their own mean "
            f"and variance), then channel k is scaled by γ[k] and shifted by β[k]. Unlike BatchNorm nothing "
            "depends on the other samples in the batch, so training and inference compute the same thing. This is "
            "ConvNeXt's LayerNorm, written as permute → LayerNorm(C) → permute in PyTorch."
        )
        affine = p.get("elementwise_affine", True)
        formula = "2·C"
    elif t == "LayerNorm":
        norm = [int(v) for v in p["normalized_shape"]]
        n = math.prod(norm)
        groups = math.prod(shape) // n
        chain = (product(norm), num(n)) if len(norm) > 1 else (num(n),)
        steps.append(Step("values per statistic", "∏normalized_shape", chain, note="the last axes"))
        steps.append(
            Step(
                "statistics",
                chain=(f"{num(math.prod(shape))}/{num(n)}", num(groups)),
                note="a mean and a variance each",
            )
        )
        which = (
            f"last axis ({n} values) is"
            if len(norm) == 1
            else f"last {len(norm)} axes ({fmt_shape(norm, 'chw')} = {num(n)} values) are"
        )
        paras.append(
            f"The {which} normalised together, separately at each of the {num(groups)} other positions."
        )
        affine = p.get("elementwise_affine", True)
        formula = "2·∏normalized_shape" if p.get("bias", True) else "∏normalized_shape"
        c = n
    elif t == "GroupNorm":
        g = int(p["num_groups"])
        per = c // g
        rest = math.prod(shape[1:])
        steps.append(Step("channels per group", "C/groups", (f"{c}/{g}", str(per))))
        steps.append(
            Step(
                "values per statistic",
                "C/groups·H·W" if len(shape) == 3 else "C/groups",
                (product((per, *shape[1:])), num(per * rest)),
            )
        )
        paras.append(
            f"The {c} channels form {g} groups of {per}; each group's {num(per * rest)} values share one mean and "
            "one variance, whatever the batch size (Mask R-CNN, detection heads with small batches)."
        )
        affine = p.get("affine", True)
        formula = "2·C"
    else:  # InstanceNorm2d
        _, h, w = shape
        steps.append(
            Step(
                "values per statistic",
                "H·W",
                (f"{h}·{w}", num(h * w)),
                note="one channel of one sample",
            )
        )
        paras.append(
            f"Each of the {c} channels is normalised over its own {h}×{w} positions (style transfer, GANs)."
        )
        affine = p.get("affine", False)
        formula = "2·C"
    if affine:
        params.append(
            Step(
                "parameters",
                formula,
                (f"2·{num(c)}" if formula.startswith("2") else num(c), num(info.params)),
                note="γ (scale) and β (shift)" if formula.startswith("2") else "γ only (bias off)",
            )
        )
    else:
        params.append(Step("parameters", chain=("0",), note="no learned γ, β"))
    if info.buffers:
        params.append(
            Step(
                "buffers",
                "2·C + 1",
                (f"2·{c} + 1", num(info.buffers)),
                note="running mean and variance, plus the batch counter",
            )
        )
    return [Section("Output size", tuple(steps), tuple(paras)), _counts(info, params, [])]


def _shape_problem(info: LayerInfo, shape: Shape) -> Section:
    """The input shape, marked, when the layer cannot compute an output (the problem says why)."""
    return Section(
        "Output size",
        (
            Step(
                "input",
                chain=(shape_text(shape),),
                bad=(shape_text(shape),),
                note="see the problem below",
            ),
        ),
    )


def _prelu_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    n = int(p.get("num_parameters", 1))
    if info.output_shape is None:
        return [_shape_problem(info, shape)]
    what = "one slope shared by every channel" if n == 1 else f"one slope per channel ({n})"
    return [
        Section(
            "Output size",
            (Step("shape", chain=(shape_text(shape),), note="unchanged"),),
            (
                f"PReLU keeps positive values and multiplies negative ones by a learned slope: {what}, starting at {p.get('init', 0.25)}.",
            ),
        ),
        _counts(info, [Step("parameters", "num_parameters", (str(n),), note=what)], []),
    ]


def _shuffle_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    g = int(p["groups"])
    c = shape[0]
    if info.output_shape is None:
        return [
            Section(
                "Output size",
                (
                    Step(
                        "channels per group",
                        "C/groups",
                        (f"{c}/{g}", num(Fraction(c, g))),
                        bad=(num(Fraction(c, g)),),
                    ),
                ),
            )
        ]
    per = c // g
    # Output channel k reads input channel (k mod g)·per + k div g; only the first few are
    # listed, so the cost does not grow with the channel count.
    count = min(c, 2 * g, 24)
    shown = ", ".join(str((k % g) * per + k // g) for k in range(count)) + (
        ", …" if c > count else ""
    )
    steps = (
        Step("channels per group", "C/groups", (f"{c}/{g}", str(per))),
        Step(
            "new order",
            chain=(shown,),
            note=f"output channel k·{g} + j is input channel j·{per} + k",
        ),
        Step("shape", chain=(shape_text(shape),), note="unchanged"),
    )
    paras = (
        f"The {c} channels are read as {g} groups of {per} and dealt out like cards: output channels 0–{g - 1} are "
        f"the first channel of each group, the next {g} the second of each, and so on. A grouped convolution after "
        "it then sees channels from every group, so information crosses groups (ShuffleNet). Nothing is computed "
        "and there are no parameters; PyTorch writes it as view(N, g, C/g, H, W) → transpose(1, 2) → view(N, C, H, W).",
    )
    return [Section("Output size", steps, paras)]


def _split_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if info.output_shape is None:
        return [_shape_problem(info, shape)]
    sizes = [int(v) for v in info.derived["sizes"]]
    axis = int(info.derived["axis"])
    name = axis_names(len(shape))[axis]
    total = shape[axis]
    steps: list[Step] = [Step(f"{name} to cut", chain=(str(total),), note=f"dim {axis + 1}")]
    if info.type == "Chunk":
        n = int(p["chunks"])
        size = -(-total // n)
        steps.append(Step("piece size", "⌈size/chunks⌉", (f"⌈{total}/{n}⌉", str(size))))
    steps.append(Step("pieces", chain=(" + ".join(str(v) for v in sizes), str(total))))
    users: dict[int, list[str]] = {}
    for layer in analysis.design:
        for ref in layer.inputs:
            src, idx = split_ref(ref)
            if src == info.id and idx is not None:
                users.setdefault(idx, []).append(layer.id)
    for k, out in enumerate(info.output_shapes):
        who = ", ".join(users.get(k, [])) or "not used"
        steps.append(Step(f"{info.id}:{k}", chain=(shape_text(out),), note=f"→ {who}"))
    paras = [
        "No values are computed or copied: each piece is a view of the input. A consumer names the piece it takes as id:index."
    ]
    if info.type == "Chunk" and len(sizes) < int(p["chunks"]):
        paras.append(
            f"torch.chunk returns only {len(sizes)} pieces here, fewer than the {p['chunks']} asked for."
        )
    return [Section("Outputs", tuple(steps), tuple(paras))]


def _mean_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    if info.output_shape is None:
        return [_shape_problem(info, shape)]
    axes = [int(a) for a in info.derived["axes"]]
    names = axis_names(len(shape))
    sizes = [shape[a] for a in axes]
    steps = (
        Step(
            "averaged",
            chain=(", ".join(names[a] for a in axes),),
            note="dims " + ", ".join(str(a + 1) for a in axes),
        ),
        Step("values per output", chain=(product(sizes), num(math.prod(sizes)))),
        Step(
            "shape",
            chain=(f"{shape_text(shape)} → {shape_text(info.output_shape)}",),
            note="keepdim" if p.get("keepdim") else "",
        ),
    )
    paras = []
    if len(shape) == 3 and set(axes) == {1, 2}:
        paras.append(
            f"Global average pooling: each of the {shape[0]} channels becomes the mean of its {shape[1]}×{shape[2]} "
            "values, as AdaptiveAvgPool2d(1) + Flatten would compute."
        )
    return [Section("Output size", steps, tuple(paras))]


def _reshape_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    """Reshape, Permute, Transpose: sizes listed in axis order (dim 1, dim 2, …), not as H×W×C."""
    shape = shapes[0]
    total = math.prod(shape)
    dims = fmt_shape(shape, "chw")
    steps: list[Step] = [
        Step("input", chain=(dims,), note="sizes in axis order: dim 1 × dim 2 × …"),
        Step(
            "values",
            chain=((product(shape), num(total)) if len(shape) > 1 else (num(total),)),
            note="per sample",
        ),
    ]
    out = info.output_shape
    t = info.type
    if t == "Reshape":
        target = [int(v) for v in p["shape"]]
        if -1 in target and out is not None:
            known = math.prod(v for v in target if v != -1)
            steps.append(
                Step(
                    "−1", "values/known sizes", (f"{num(total)}/{num(known)}", str(total // known))
                )
            )
        if out is not None:
            steps.append(Step("new shape", chain=(fmt_shape(out, "chw"), num(math.prod(out)))))
        else:
            steps.append(Step("new shape", chain=(str(target),), bad=(str(target),)))
        para = "The values are read in order (last axis fastest) and poured into the new shape; nothing is computed."
    elif t == "Permute":
        order = [int(v) for v in p["dims"]]
        steps.append(
            Step(
                "dims",
                chain=(", ".join(str(d) for d in order),),
                note="0 is the batch axis, which stays first",
            )
        )
        if out is not None:
            picked = info.derived["order"][1:]
            steps.append(
                Step(
                    "output",
                    chain=(
                        " × ".join(f"{shape[d - 1]} (dim {d})" for d in picked),
                        fmt_shape(out, "chw"),
                    ),
                )
            )
        para = "Output axis i is input axis dims[i]: the same values, seen in another axis order."
    else:
        a, b = int(p["dim0"]), int(p["dim1"])
        steps.append(Step("swap", chain=(f"dim {a} ↔ dim {b}",)))
        if out is not None:
            steps.append(Step("output", chain=(fmt_shape(out, "chw"),)))
        para = "Two axes trade places; the values are not changed."
    if out is None:
        return [Section("Output size", tuple(steps), ())]
    if len(out) == 3 and t != "Reshape":
        para += " The designer shows every 3-axis shape as H×W×C; after this layer the axes may mean something else."
    return [Section("Output size", tuple(steps), (para + " No parameters.",))]


def _scale_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    shape = shapes[0]
    weight = [int(v) for v in p["shape"]]
    steps = [
        Step("input", chain=(shape_text(shape),)),
        Step(
            "learned tensor",
            chain=(shape_text(weight),),
            bad=() if info.output_shape else (shape_text(weight),),
        ),
    ]
    if info.output_shape is None:
        return [Section("Output size", tuple(steps))]
    steps.append(Step("shape", chain=(shape_text(shape),), note="unchanged"))
    para = f"Every value is multiplied by its entry of a learned {shape_text(weight)} tensor (sizes of 1 repeat), initialised to {p.get('init', 1.0)}."
    if len(shape) == 3 and len(weight) == 3 and weight[1:] == [1, 1]:
        para += " One multiplier per channel: ConvNeXt's layer scale, which starts tiny so each block begins close to the identity."
    return [
        Section("Output size", tuple(steps), (para,)),
        _counts(info, [Step("parameters", "∏shape", (product(weight), num(info.params)))], []),
    ]


def _unsupported_sections(
    analysis: Analysis, info: LayerInfo, p: dict[str, Any], shapes: list[Shape]
) -> list[Section]:
    op = p.get("op") or "an unknown op"
    steps = [Step(f"input {n}", chain=(shape_text(s),)) for n, s in enumerate(shapes, start=1)]
    shape = p.get("shape")
    steps.append(Step("output (as imported)", chain=(shape_text(shape) if shape else "unknown",)))
    paras = [
        f"{op} came from an imported model, and the designer has no layer for it. It keeps the inputs and the "
        "output shape the importer saw, so the layers after it still get numbers, but its own parameters and "
        "MACs are not counted and the design cannot be exported to code until it is replaced."
    ]
    if p.get("note"):
        paras.append(str(p["note"]))
    return [Section("Imported op", tuple(steps), tuple(paras))]


_BUILDERS = {
    "LayerNorm2d": _norm_sections,
    "LayerNorm": _norm_sections,
    "GroupNorm": _norm_sections,
    "InstanceNorm2d": _norm_sections,
    "PReLU": _prelu_sections,
    "ChannelShuffle": _shuffle_sections,
    "Split": _split_sections,
    "Chunk": _split_sections,
    "Mean": _mean_sections,
    "Reshape": _reshape_sections,
    "Permute": _reshape_sections,
    "Transpose": _reshape_sections,
    "Scale": _scale_sections,
    "Unsupported": _unsupported_sections,
    "Mul": _merge_sections,
    "Conv2d": _conv_sections,
    "ConvTranspose2d": _transpose_sections,
    "MaxPool2d": _pool_sections,
    "AvgPool2d": _pool_sections,
    "AdaptiveAvgPool2d": _adaptive_sections,
    "AdaptiveMaxPool2d": _adaptive_sections,
    "BatchNorm2d": _batchnorm_sections,
    "Flatten": _flatten_sections,
    "Linear": _linear_sections,
    "ZeroPad2d": _zeropad_sections,
    "Upsample": _upsample_sections,
    "Add": _merge_sections,
    "Concat": _merge_sections,
}


def _rf_section(analysis: Analysis, layer_id: str, info: LayerInfo) -> Section:
    rf = info.receptive_field
    assert rf is not None
    layer = analysis.design.layer(layer_id)
    sources = (
        layer.sources[:1] if layer.type == "Upsample" else layer.sources
    )  # input 2 only lends its size
    ups = [analysis.info.get(i) for i in sources]
    fields = [u.receptive_field for u in ups if u is not None and u.receptive_field is not None]
    r_in = ReceptiveField(
        (max(f.size[0] for f in fields), max(f.size[1] for f in fields)) if fields else (1.0, 1.0),
        (max(f.jump[0] for f in fields), max(f.jump[1] for f in fields)) if fields else (1.0, 1.0),
    )
    h, w = rf.size_px
    jump = (
        _pair_text((int(rf.jump[0]), int(rf.jump[1])))
        if all(float(j).is_integer() for j in rf.jump)
        else (
            num(rf.jump[0]) if rf.jump[0] == rf.jump[1] else f"{num(rf.jump[0])}×{num(rf.jump[1])}"
        )
    )
    steps: list[Step] = []
    jumps: list[Step] = []
    paras: list[str] = []
    if layer.type in ("Conv2d", "MaxPool2d", "AvgPool2d") and info.axes:
        for a, r0, j0, r1, j1 in zip(
            info.axes, r_in.size, r_in.jump, rf.size, rf.jump, strict=False
        ):
            steps.append(
                Step(
                    f"size ({a.axis})",
                    "r = r_in + (F′ − 1)·j_in",
                    (f"{num(r0)} + ({a.effective_kernel} − 1)·{num(j0)}", num(r1)),
                )
            )
            jumps.append(Step(f"jump ({a.axis})", "j = j_in·S", (f"{num(j0)}·{a.stride}", num(j1))))
    elif layer.type == "ConvTranspose2d" and info.axes:
        for a, r0, j0, r1, j1 in zip(
            info.axes, r_in.size, r_in.jump, rf.size, rf.jump, strict=False
        ):
            steps.append(
                Step(
                    f"size ({a.axis})",
                    "r = r_in + (⌈F′/S⌉ − 1)·j_in",
                    (f"{num(r0)} + (⌈{a.effective_kernel}/{a.stride}⌉ − 1)·{num(j0)}", num(r1)),
                )
            )
            jumps.append(Step(f"jump ({a.axis})", "j = j_in/S", (f"{num(j0)}/{a.stride}", num(j1))))
    if len(fields) > 1:
        paras.append(
            "Several inputs: the receptive field is the largest over the paths that reach this layer."
        )
    size_text = f"{h}×{w}"
    where = f"{size_text} pixels of the input, jump {jump}"
    if info.input_size is not None and h >= info.input_size[0] and w >= info.input_size[1]:
        where += f" (the whole {info.input_size[0]}×{info.input_size[1]} input)"
    if steps:
        paras.insert(
            0,
            "How much of the input one output value can see (r), and how many input pixels apart "
            "neighbouring outputs are (the jump j, the product of the strides so far).",
        )
    steps = merge_axes(steps) + merge_axes(jumps)
    steps.append(Step("receptive field", chain=(where,)))
    return Section("Receptive field", tuple(steps), tuple(paras))

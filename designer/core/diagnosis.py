"""Explanations of diagnostics: what is wrong, the arithmetic, why it matters, the fixes.

``explain_diagnostic(analysis, diagnostic, fixes)`` returns the same ``Explanation``
data as a layer explanation (sections of steps and paragraphs), so the CLI and the
GUI render both with ``render_text`` / ``render_html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

from designer.core.analysis import Analysis, Diagnostic
from designer.core.arithmetic import AxisArith, window_axis
from designer.core.design import source_of
from designer.core.explain import (
    Explanation,
    Section,
    Step,
    merge_axes,
    num,
    transpose_step,
    window_step,
)
from designer.core.fixes import Fix
from designer.core.shape_rules import axis_names, broadcast_shapes, fmt_shape

#: Why each kind of problem matters, in one or two sentences.
WHY: dict[str, str] = {
    "non_integer_output": (
        "The layer is not the one the formula describes: the border is cut off, and every size "
        "downstream (and the in_features of the first Linear) follows the rounded value. A paper "
        "whose numbers only work with one input size will not reproduce with another."
    ),
    "kernel_too_large": "PyTorch raises an error: a window cannot be placed even once.",
    "nonpositive_output": "The output would have no pixels; PyTorch raises an error.",
    "groups_mismatch": (
        "Grouped convolution splits channels into equal groups; PyTorch refuses to build the layer "
        "when the split is not even."
    ),
    "same_padding_stride": (
        'PyTorch only supports padding="same" with stride 1 and raises otherwise; TensorFlow/Keras '
        "accept it and pad so that the output is ⌈in/stride⌉."
    ),
    "output_padding_too_large": (
        "output_padding only picks among the output sizes a stride makes ambiguous, so it must be "
        "smaller than the stride or the dilation; PyTorch raises otherwise."
    ),
    "pool_padding_too_large": (
        "With more padding than half the window, a window at the border could cover only padding; "
        "PyTorch raises an error."
    ),
    "add_shape_mismatch": (
        "Element-wise addition needs the same number of values in the same places; PyTorch raises "
        "a size mismatch. In residual networks the shortcut must be projected whenever the block "
        "changes the channels or the resolution."
    ),
    "mul_shape_mismatch": (
        "Element-wise multiplication pairs up values position by position; a size can only differ "
        "when it is 1 (the value is then repeated, as a squeeze-and-excitation gate is over H×W). "
        "PyTorch raises a size mismatch otherwise."
    ),
    "broadcast_enlarges": (
        "PyTorch would run it, but the result is larger than every input: each input is copied "
        "along an axis where the other varies, which is almost never what a block means and "
        "multiplies the activations downstream."
    ),
    "output_not_chosen": "A layer with several outputs hands each piece to different consumers; the design must say which.",
    "no_such_output": "The layer produces fewer pieces than the index asks for; PyTorch raises an IndexError.",
    "unsupported_op": (
        "The designer cannot compute this op's parameters or MACs or generate its code, so every "
        "total is incomplete and the export would not be the imported network. Replace it with "
        "layers the designer knows (or remove it) to clear the error."
    ),
    "prelu_parameters": "PReLU's slopes are matched to channels; PyTorch raises a mismatch of parameter numbers and input channel size.",
    "normalized_shape_mismatch": "LayerNorm normalises over the trailing sizes it was built for; PyTorch raises when the input's differ.",
    "single_value_norm": "Normalising a single value always gives 0 (its own mean); PyTorch refuses it.",
    "too_many_outputs": (
        "Each piece of a split is an output that later layers pick by index; thousands of pieces "
        "of one value each are almost always a wrong size or chunk count."
    ),
    "split_sizes_mismatch": "torch.split needs the sections to add up to the size of the axis; it raises otherwise.",
    "reshape_invalid": "PyTorch accepts only positive sizes and at most one −1 in a shape.",
    "reshape_count_mismatch": "A reshape only rearranges values; PyTorch raises when the new shape holds a different number.",
    "batch_axis": "A design describes one sample; an op across the batch axis mixes samples and leaves no batch axis.",
    "duplicate_dim": "Each axis may appear once; PyTorch raises otherwise.",
    "scale_shape_mismatch": "A learned scale multiplies each value of the input; it cannot change the input's shape.",
    "align_corners_mode": "PyTorch raises: align_corners only means something for interpolating modes.",
    "concat_shape_mismatch": (
        "Stacking maps along channels needs every map to have the same height and width; PyTorch "
        "raises 'Sizes of tensors must match'. U-Net crops or pads the skip connection for this reason."
    ),
    "linear_on_volume": (
        "This is rarely intended: each output then sees only one row of one channel, and the "
        "parameter count is far smaller than the design suggests."
    ),
    "rank_mismatch": "The layer needs a different number of dimensions than it receives; PyTorch raises an error.",
    "dim_out_of_range": "PyTorch raises 'Dimension out of range'.",
    "flatten_batch": "Merging the batch axis mixes samples together; every later count would be wrong.",
    "upsample_arguments": "PyTorch needs exactly one of size and scale_factor and raises otherwise.",
    "missing_input": "Without its input the layer, and everything after it, has no shape.",
    "wrong_input_count": "The layer cannot compute anything with this number of inputs.",
    "cycle": "A feed-forward network cannot use its own output as input; no order of evaluation exists.",
    "no_input": "Every shape starts from the Input's shape.",
    "unreachable": "Its shape, parameters and costs cannot be known, and the layer is left out of the totals.",
    "missing_id": "The loader named the layer; saving the design keeps that name.",
    "duplicate_id": "Two layers had the same id; the copy was renamed and is not connected to anything that referred to the id.",
    "large_activation": (
        "Activations are stored for the backward pass: this one layer needs this much memory per "
        "sample, times the batch size."
    ),
    "information_bottleneck": (
        "A layer that keeps less than a tenth of its input's values throws away detail that later "
        "layers cannot recover; usually a stride or a channel count is off."
    ),
    "receptive_field_covers_input": (
        "Good to know when choosing the depth: layers after this one can still combine features, "
        "but no output can look at anything outside the image."
    ),
}


def explain_diagnostic(
    analysis: Analysis, diagnostic: Diagnostic, fixes: Sequence[Fix] = ()
) -> Explanation:
    """What is wrong, the arithmetic that shows it, why it matters, and the numbered fixes."""
    sections: list[Section] = []
    what = diagnostic.message
    sections.append(Section("What is wrong", paragraphs=(what,)))
    steps, paras = _arithmetic(analysis, diagnostic)
    if steps or paras:
        sections.append(Section("The arithmetic", tuple(steps), after=tuple(paras)))
    why = WHY.get(diagnostic.code)
    if why:
        sections.append(Section("Why it matters", paragraphs=(why,)))
    if fixes:
        items = tuple(f"{f.label}" + (f"  [{f.detail}]" if f.detail else "") for f in fixes)
        sections.append(Section("Fixes", numbered=items))
    elif (reason := _why_no_fix(analysis, diagnostic)) is not None:
        sections.append(Section("No one-click fix", paragraphs=(reason,)))
    where = f" in {diagnostic.layer}" if diagnostic.layer else ""
    return Explanation(
        f"{diagnostic.severity.upper()} [{diagnostic.code}]{where}",
        "",
        tuple(sections),
        diagnostic.layer,
        diagnostic.severity,
    )


def _why_no_fix(analysis: Analysis, d: Diagnostic) -> str | None:
    """Why no verified fix is offered, where the user would otherwise wonder (merge mismatches)."""
    if d.code not in ("add_shape_mismatch", "concat_shape_mismatch") or d.layer is None:
        return None
    info = analysis.info.get(d.layer)
    shapes = [s for s in (info.input_shapes if info else ()) if s is not None and len(s) == 3]
    sizes = sorted({(s[1], s[2]) for s in shapes}, reverse=True)
    if len(sizes) >= 2:
        (h1, w1), (h2, w2) = sizes[0], sizes[-1]
        whole = h2 > 0 and w2 > 0 and h1 % h2 == 0 and w1 % w2 == 0
        if not whole:
            return (
                f"A projection on a branch (a 1×1 convolution with a stride) shrinks its height and "
                f"width by a whole factor only; {h1}×{w1} → {h2}×{w2} is not one, so no change of a "
                "single layer was found that makes the shapes equal. Make the branches agree by hand: "
                "give their convolutions the same padding, kernel and stride (or pad the smaller one "
                "with ZeroPad2d)."
            )
    return (
        "No change of a single layer was found that makes every input of this layer the same shape "
        "(each candidate is tried on a copy of the design first). Change the branches by hand so "
        "that they agree."
    )


def _arithmetic(analysis: Analysis, d: Diagnostic) -> tuple[list[Step], list[str]]:
    info = analysis.info.get(d.layer) if d.layer else None
    if info is None:
        return [], []
    axes = info.axes
    code = d.code
    if code == "non_integer_output":
        return _non_integer(analysis, axes)
    if code in ("kernel_too_large", "nonpositive_output") and axes:
        if axes[0].kind == "transpose":
            return [transpose_step(a) for a in axes], []
        steps = [
            Step(
                f"padded {a.axis}",
                "W + 2P ≥ F′",
                (f"{a.size_in} + {a.pad_lo + a.pad_hi}", str(a.padded)),
                note=f"{'<' if a.padded < a.effective_kernel else '≥'} the window {a.effective_kernel}",
                bad=(str(a.padded),) if a.padded < a.effective_kernel else (),
            )
            for a in axes
        ]
        return merge_axes(steps + [window_step(a, analysis.semantics) for a in axes]), []
    if code in ("add_shape_mismatch", "mul_shape_mismatch", "broadcast_enlarges"):
        return _broadcast_steps(analysis, info.id, [s for s in info.input_shapes if s is not None])
    if code == "concat_shape_mismatch":
        layer = analysis.design.layer(info.id)
        names = [i for i in layer.inputs if source_of(i) in analysis.design]
        shapes = [s for s in info.input_shapes if s is not None]
        ref = shapes[0] if shapes else None
        steps = []
        for n, (name, s) in enumerate(zip(names, shapes, strict=False), start=1):
            diff = (
                _diff(ref, s, code == "concat_shape_mismatch") if n > 1 and ref is not None else ""
            )
            steps.append(
                Step(
                    f"branch {n} ({name})",
                    chain=(fmt_shape(s),),
                    bad=(fmt_shape(s),) if diff else (),
                    note=diff,
                )
            )
        return steps, []
    if code == "linear_on_volume":
        shape = info.input_shapes[0] if info.input_shapes else None
        if shape is None:
            return [], []
        c_h = "·".join(str(v) for v in shape[:-1])
        flat = "·".join(str(v) for v in shape)
        total = 1
        for v in shape:
            total *= v
        return [
            Step(
                "in_features now",
                chain=(str(shape[-1]),),
                bad=(str(shape[-1]),),
                note="the last axis (width) only",
            ),
            Step("applied separately at", chain=(c_h, num(total // shape[-1])), note="positions"),
            Step("after Flatten", "C·H·W", (flat, num(total))),
            Step("after global average pooling + Flatten", "C", (str(shape[0]),)),
        ], []
    if code == "groups_mismatch":
        g = int(d.data["groups"])
        c_in, c_out = int(d.data["in_channels"]), int(d.data["out_channels"])
        steps = []
        for label, c in (("input channels per group", c_in), ("filters per group", c_out)):
            f = Fraction(c, g)
            steps.append(
                Step(
                    label,
                    "C/groups",
                    (f"{c}/{g}", num(f)),
                    bad=(num(f),) if f.denominator != 1 else (),
                )
            )
        return steps, []
    if code == "information_bottleneck":
        first = info.input_shapes[0] if info.input_shapes else None
        return [
            Step("values in", chain=(fmt_shape(first), num(int(d.data["in_neurons"])))),
            Step(
                "values out", chain=(fmt_shape(info.output_shape), num(int(d.data["out_neurons"])))
            ),
            Step(
                "kept",
                chain=(
                    f"{num(int(d.data['out_neurons']))}/{num(int(d.data['in_neurons']))}",
                    f"{float(d.data['kept']):.1%}",
                ),
                bad=(f"{float(d.data['kept']):.1%}",),
            ),
        ], []
    if code == "receptive_field_covers_input":
        rf = d.data["receptive_field"]
        size = d.data["input_size"]
        return [
            Step(
                "receptive field",
                chain=(f"{rf[0]}×{rf[1]}",),
                note=f"≥ the input {size[0]}×{size[1]}",
            )
        ], []
    if code == "large_activation":
        return [
            Step(
                "values",
                chain=(fmt_shape(info.output_shape), num(info.neurons)),
                bad=(num(info.neurons),),
            ),
            Step(
                "memory",
                chain=(f"{num(info.neurons)}·4 bytes", f"{info.memory_bytes / 2**20:,.0f} MiB"),
                note="per sample",
            ),
        ], []
    return [], []


def _broadcast_steps(
    analysis: Analysis, layer_id: str, shapes: list[tuple[int, ...]]
) -> tuple[list[Step], list[str]]:
    """Add/Mul: each input's sizes, right-aligned, and what broadcasting makes of each axis."""
    layer = analysis.design.layer(layer_id)
    names = [i for i in layer.inputs if source_of(i) in analysis.design]
    if not shapes:
        return [], []
    rank = max(len(s) for s in shapes)
    axes = axis_names(rank)
    steps = [
        Step(f"input {n} ({name})", chain=(fmt_shape(s),), note="H×W×C" if len(s) == 3 else "")
        for n, (name, s) in enumerate(zip(names, shapes, strict=False), start=1)
    ]
    for i in range(rank):
        sizes = [s[i - rank + len(s)] if i - rank + len(s) >= 0 else None for s in shapes]
        present = [v for v in sizes if v is not None]
        big = sorted(set(present) - {1})
        text = " vs ".join("—" if v is None else str(v) for v in sizes)
        if len(big) > 1:
            steps.append(
                Step(
                    axes[i],
                    chain=(text,),
                    note="different, and neither is 1: they cannot be paired",
                    bad=(text,),
                )
            )
        elif len(set(present)) > 1 or None in sizes:
            steps.append(
                Step(
                    axes[i],
                    chain=(text, str(big[0] if big else 1)),
                    note="size 1 (or missing) is repeated",
                )
            )
        else:
            steps.append(Step(axes[i], chain=(text, str(present[0])), note="equal"))
    out = broadcast_shapes(shapes)
    paras: list[str] = []
    if out is not None and all(tuple(s) != out for s in shapes):
        paras.append(
            f"The result {fmt_shape(out)} has more values than any input: "
            + ", ".join(f"{fmt_shape(s)} = {num(_count(s))}" for s in shapes)
            + f" → {num(_count(out))}."
        )
    return steps, paras


def _count(shape: Sequence[int]) -> int:
    total = 1
    for v in shape:
        total *= v
    return total


def _diff(a: tuple[int, ...], b: tuple[int, ...], concat: bool) -> str:
    if len(a) != len(b):
        return f"{len(b)} dimensions instead of {len(a)}"
    names = axis_names(len(a))
    parts = [
        f"{names[i]} {y} vs {x}"
        for i, (x, y) in enumerate(zip(a, b, strict=True))
        if x != y and not (concat and i == 0)
    ]
    return ", ".join(parts)


def _non_integer(analysis: Analysis, axes: Sequence[AxisArith]) -> tuple[list[Step], list[str]]:
    bad = [a for a in axes if not a.is_whole and not a.same]
    steps = merge_axes([window_step(a, analysis.semantics) for a in bad])
    paras: list[str] = []
    for a in bad:
        span = a.padded - a.effective_kernel
        whole, rest = divmod(span, a.stride)
        what = "row" if a.axis == "height" else "column"
        both = len(bad) == 2 and (
            bad[0].size_in,
            bad[0].kernel,
            bad[0].stride,
            bad[0].pad_lo,
            bad[0].dilation,
        ) == (bad[1].size_in, bad[1].kernel, bad[1].stride, bad[1].pad_lo, bad[1].dilation)
        axis = "Height and width" if both else a.axis.capitalize()
        lost = f"{a.unread} {what}{'s' if a.unread != 1 else ''}"
        if both:
            lost = f"{a.unread} row{'s' if a.unread != 1 else ''} and {a.unread} column{'s' if a.unread != 1 else ''}"
        paras.append(
            f"{axis}: the {a.effective_kernel}-pixel window, moved {a.stride} at a time over "
            f"{a.padded} pixels, fits {whole + 1} times with {rest} pixel{'s' if rest != 1 else ''} left over "
            f"({span} = {a.stride}·{whole} + {rest}). "
            + (
                f"The last {lost} of the input {'is' if a.unread == 1 and not both else 'are'} never read."
                if a.unread
                else "Only padding is left unread."
            )
        )
        if both:
            break
    a = bad[0]
    # What each framework makes of it (the rounding rule differs for pooling in Caffe).
    kind = a.kind if a.kind != "transpose" else "conv"
    rounded: dict[str, int] = {}
    modes: tuple[tuple[str, Literal["floor", "ceil"]], ...] = (
        ("pytorch", "floor"),
        ("keras", "floor"),
        ("caffe", "ceil" if kind == "pool" else "floor"),
    )
    for sem, rnd in modes:
        ax = window_axis(
            a.axis, kind, a.size_in, a.kernel, a.stride, a.pad_lo, a.pad_hi, a.dilation, rnd
        )
        rounded[sem] = ax.out
    if kind == "pool":
        ceil_ax = window_axis(
            a.axis, "pool", a.size_in, a.kernel, a.stride, a.pad_lo, a.pad_hi, a.dilation, "ceil"
        )
        paras.append(
            f"PyTorch rounds down to {rounded['pytorch']} ({ceil_ax.out} with ceil_mode=True); Keras rounds down "
            f"to {rounded['keras']}; Caffe always rounds pooling up, to {rounded['caffe']}; strict arithmetic rejects it."
        )
    else:
        paras.append(
            f'PyTorch rounds down to {rounded["pytorch"]} (so do Keras with "valid" padding and Caffe); '
            "strict arithmetic rejects it."
        )
    # Padding combined with the framework's rounding: what each small padding gives.
    if kind == "conv" and a.pad_lo == a.pad_hi:
        options = []
        last = a.kernel // 2
        for pad in range(
            0, min(last, _PADDING_OPTIONS - 1) + 1
        ):  # a 10⁶ kernel lists a few, not 500,000
            exact = Fraction(a.size_in + 2 * pad - a.effective_kernel, a.stride) + 1
            options.append(
                f"padding {pad}: {num(exact)}"
                + (f" → {int(exact // 1)}" if exact.denominator != 1 else " exactly")
            )
        if last >= _PADDING_OPTIONS:
            options.append(f"… up to padding {last:,}")
        paras.append(
            "With the framework's rounding, each padding gives: " + "; ".join(options) + "."
        )
    return steps, paras


#: How many paddings the explanation of a non-whole output lists at most.
_PADDING_OPTIONS = 8

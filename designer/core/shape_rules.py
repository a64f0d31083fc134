"""Shape rules: one small pure function per layer type.

Each rule takes the layer's resolved hyper-parameters, the shapes of its inputs
(``[C, H, W]`` or ``[N]``, batch left out) and the design's semantics, and returns a
``RuleResult``: the output shape (``None`` where the framework would raise), the
parameter, buffer and multiply-accumulate counts, the findings (future
diagnostics) and the per-axis arithmetic that explanations print.

Conventions for counts (they reproduce torchvision's published numbers):
parameters are weights + biases (+ BatchNorm γ, β); buffers are BatchNorm's
running mean, running variance and batch counter; MACs are
``out elements · in_ch/groups · kh · kw`` for Conv2d,
``in elements · out_ch/groups · kh · kw`` for ConvTranspose2d,
``in_features · out_features`` (per row) for Linear, and 0 elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from designer.core.arithmetic import (
    AxisArith,
    Semantics,
    pool_rounding,
    same_padding,
    transpose_axis,
    window_axis,
)
from designer.core.params import as_pair

Shape = tuple[int, ...]
Severity = Literal["error", "warning", "info"]
AXES = ("height", "width")


@dataclass
class Finding:
    """A problem a rule found; the analysis turns it into a diagnostic for the layer."""

    severity: Severity
    code: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RFStep:
    """How a layer changes the receptive field, per axis (height, width).

    ``window``: ``r_out = r_in + (k − 1)·j_in``, ``j_out = j_in·s``;
    ``transpose``: ``r_out = r_in + (⌈k/s⌉ − 1)·j_in``, ``j_out = j_in/s``;
    ``identity``: unchanged; ``none``: the output has no spatial axes that map
    back to pixels in a meaningful way but still sees what its input saw.
    """

    kind: Literal["window", "transpose", "identity"]
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[float, float] = (1.0, 1.0)


IDENTITY = RFStep("identity")

_new_object = object.__new__


#: Window steps by (kernel, stride): one object per step, whatever the input's size or the
#: padding, so that a layer whose shape changed but whose step did not hands the analysis the
#: step object it had (``analysis._after``: the field after a step, kept on the field before).
_WINDOW_STEPS: dict[tuple[tuple[int, int], tuple[float, float]], RFStep] = {}


def _window_step(kernel: tuple[int, int], stride: tuple[float, float]) -> RFStep:
    """``RFStep("window", kernel, stride)`` without the frozen dataclass's per-field
    ``object.__setattr__`` (the same object: equal, same hash and repr), the one made before
    for the same kernel and stride."""
    key = (kernel, stride)
    step = _WINDOW_STEPS.get(key)
    if step is None:
        step = _new_object(RFStep)
        step.__dict__.update(kind="window", kernel=kernel, stride=stride)
        if len(_WINDOW_STEPS) >= 1000:
            _WINDOW_STEPS.clear()
        _WINDOW_STEPS[key] = step
    return step


@dataclass
class RuleResult:
    shape: Shape | None
    params: int = 0
    trainable: int | None = None  # defaults to ``params``
    buffers: int = 0
    macs: int = 0
    findings: list[Finding] = field(default_factory=list)
    axes: tuple[AxisArith, ...] = ()
    rf: RFStep = IDENTITY
    derived: dict[str, Any] = field(default_factory=dict)  # e.g. in_channels, weight shape
    #: Every output of a layer with several (Split, Chunk), in order; ``shape`` is the first.
    #: Empty for the usual single-output layer.
    outputs: tuple[Shape, ...] = ()
    #: What the analysis builds a layer's info from, kept once worked out (``analysis._plain``;
    #: a result is never changed once made). Not a dataclass field: no part of the value.
    _plain: ClassVar[tuple[Any, ...] | None] = None
    #: For a window layer's result, what its notes' first tests read from it and its input
    #: shape (``analysis._window_facts``), kept once worked out. Not a dataclass field.
    _window: ClassVar[tuple[Any, ...] | None] = None

    @property
    def trainable_params(self) -> int:
        return self.params if self.trainable is None else self.trainable


Params = Mapping[str, Any]
Rule = Callable[[Params, Sequence[Shape], Semantics], RuleResult]


def fmt_shape(shape: Sequence[int] | None, order: Literal["hwc", "chw"] = "hwc") -> str:
    """A shape as papers write it: ``55×55×96`` (H×W×C) or ``96×55×55``; vectors as ``4096``."""
    if shape is None:
        return "?"
    if len(shape) == 3 and order == "hwc":
        c, h, w = shape
        return f"{h}×{w}×{c}"
    return "×".join(str(v) for v in shape)


def fmt_outputs(shapes: Sequence[Sequence[int]], order: Literal["hwc", "chw"] = "hwc") -> str:
    """Several outputs (Split, Chunk) in one text: ``28×28×58 | 28×28×58``."""
    return " | ".join(fmt_shape(s, order) for s in shapes)


def _error(code: str, message: str, **data: Any) -> RuleResult:
    return RuleResult(None, findings=[Finding("error", code, message, data)])


def _need_volume(inputs: Sequence[Shape], layer_type: str) -> RuleResult | None:
    shape = inputs[0]
    if len(shape) != 3:
        hint = (
            " It receives a flat vector; spatial layers belong before Flatten."
            if len(shape) == 1
            else ""
        )
        return _error(
            "rank_mismatch",
            f"{layer_type} needs a volume [channels, height, width] as input, "
            f"but receives {fmt_shape(shape)} ({len(shape)} dimension{'s' if len(shape) != 1 else ''}).{hint}",
            expected_rank=3,
            got_shape=list(shape),
        )
    return None


def _prod(values: Sequence[int]) -> int:
    return math.prod(values)


def _non_integer_findings(
    axes: Sequence[AxisArith], semantics: Semantics, layer_type: str
) -> list[Finding]:
    """Warn (error under strict) for every axis whose division is not whole."""
    findings: list[Finding] = []
    bad = [a for a in axes if a.exact.denominator != 1 and not a.same]  # not a.is_whole
    if not bad:
        return findings
    parts = []
    for a in bad:
        parts.append(
            f"{a.axis}: ({a.size_in} − {a.effective_kernel} + {a.pad_lo + a.pad_hi})/{a.stride} + 1 = "
            f"{_frac_text(a.exact)}, rounded {'down' if a.rounding == 'floor' else 'up'} to {a.out}"
        )
    if semantics == "strict":
        return [
            Finding(
                "error",
                "non_integer_output",
                f"{layer_type} does not divide exactly ({'; '.join(parts)}). "
                "Strict arithmetic accepts only whole numbers.",
                {"axes": [a.axis for a in bad]},
            )
        ]
    lost = [
        f"{a.unread} {'row' if a.axis == 'height' else 'column'}{'s' if a.unread != 1 else ''}"
        for a in bad
        if a.unread
    ]
    if lost and all(a.effective_kernel < a.stride for a in bad if a.unread):
        # Windows narrower than the stride (ResNet's 1×1 stride-2 projections) skip rows and
        # columns between steps by design; the unread last one is skipped like the others.
        return [
            Finding(
                "info",
                "non_integer_output",
                f"{layer_type} does not divide exactly ({'; '.join(parts)}): its "
                f"{bad[0].effective_kernel}-pixel window moved {bad[0].stride} at a time skips pixels "
                "between steps by design, and the last row or column is skipped like the others.",
                {"axes": [a.axis for a in bad], "only_padding": False, "sparse_windows": True},
            )
        ]
    if not lost:
        # Only padding goes unread (e.g. ResNet's 3×3 stride-2 convs), or ceil rounding lets the
        # last window hang over the edge: every input pixel is used.
        why = (
            "the last window reaches past the edge, and every input pixel is read"
            if any(a.rounding == "ceil" for a in bad)
            else "only padding is left over: every input pixel is still read"
        )
        return [
            Finding(
                "info",
                "non_integer_output",
                f"{layer_type} does not divide exactly ({'; '.join(parts)}), but {why}.",
                {"axes": [a.axis for a in bad], "only_padding": True},
            )
        ]
    return [
        Finding(
            "warning",
            "non_integer_output",
            f"{layer_type} does not divide exactly ({'; '.join(parts)}); the last {' and '.join(lost)} "
            "of the input are never read.",
            {"axes": [a.axis for a in bad], "only_padding": False},
        )
    ]


def _frac_text(f: Any) -> str:
    value = float(f)
    return f"{value:.4f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- input


def input_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """``Input(shape)``: the design's input tensor, ``[C, H, W]`` or ``[N]``."""
    return RuleResult(tuple(p["shape"]))


# --------------------------------------------------------------------- convolution


def _conv_axes(
    p: Params,
    shape: Shape,
    sem: Semantics,
    kind: Literal["conv", "pool"],
    rounding: Literal["floor", "ceil"],
) -> tuple[list[AxisArith], list[Finding]]:
    k = as_pair(p["kernel_size"])
    stride_value = p.get("stride")
    s = as_pair(k if stride_value is None else stride_value)
    d = as_pair(p.get("dilation", 1))
    padding = p.get("padding", 0)
    findings: list[Finding] = []
    if padding.__class__ is not str:
        # Numbers (the usual case): the loop below without its per-axis tests of "same"/"valid".
        ph, pw = as_pair(padding)
        clip = sem != "caffe"
        return [
            window_axis("height", kind, shape[1], k[0], s[0], ph, ph, d[0], rounding, False, clip),
            window_axis("width", kind, shape[2], k[1], s[1], pw, pw, d[1], rounding, False, clip),
        ], findings
    pads = None if padding == "same" or padding == "valid" else as_pair(padding)
    axes: list[AxisArith] = []
    for i, name in enumerate(AXES):
        size = shape[1 + i]
        if padding == "same":
            lo, hi = same_padding(size, k[i], s[i], d[i], sem)
            same = True
        elif padding == "valid":
            lo = hi = 0
            same = False
        else:
            assert pads is not None
            lo = hi = pads[i]
            same = False
        ax = window_axis(
            name,
            kind,
            size,
            k[i],
            s[i],
            lo,
            hi,
            d[i],
            rounding,
            same=same,
            clip_unpadded=sem != "caffe",
        )
        if padding == "same" and sem == "keras":
            # TensorFlow's "same": out = ⌈in/s⌉ by construction.
            ax = AxisArith(**{**ax.__dict__, "rounding": "exact"})
        axes.append(ax)
    return axes, findings


def _check_windows(axes: Sequence[AxisArith], layer_type: str) -> RuleResult | None:
    """An error when a window does not fit; the result keeps ``axes`` so explanations can show why."""
    bad = _first_bad_window(axes, layer_type)
    if bad is not None:
        bad.axes = tuple(axes)
    return bad


def _first_bad_window(axes: Sequence[AxisArith], layer_type: str) -> RuleResult | None:
    if all(a.out >= 1 for a in axes):  # both tests below need an output size below 1
        return None
    for a in axes:
        # With ceil rounding torch still runs one window that hangs over the edge when the
        # kernel overshoots by less than the stride, so only a size below 1 is an error there.
        if a.padded < a.effective_kernel and a.out < 1:
            dil = f" (dilated to {a.effective_kernel})" if a.dilation > 1 else ""
            return _error(
                "kernel_too_large",
                f"{layer_type} kernel {a.kernel}{dil} is larger than the padded input {a.axis}: "
                f"{a.size_in} + {a.pad_lo + a.pad_hi} = {a.padded} < {a.effective_kernel}.",
                axis=a.axis,
                kernel=a.effective_kernel,
                padded=a.padded,
            )
        if a.out < 1:
            return _error(
                "nonpositive_output",
                f"{layer_type} output {a.axis} would be {a.out}.",
                axis=a.axis,
                out=a.out,
            )
    return None


def _groups_error(c_in: int, c_out: int, groups: int) -> RuleResult:
    which = []
    if c_in % groups:
        which.append(f"the {c_in} input channels")
    if c_out % groups:
        which.append(f"the {c_out} output channels")
    return _error(
        "groups_mismatch",
        f"groups = {groups} does not divide {' or '.join(which)}: each group must get the same number of channels.",
        groups=groups,
        in_channels=c_in,
        out_channels=c_out,
    )


#: The window arithmetic of convolutions and poolings (axes, a window that does not fit,
#: the inexact-division findings, the receptive-field step) by everything it depends on:
#: layer type, rounding, semantics, input height and width, kernel, stride, dilation and
#: padding — not the channels. A network repeats a few window shapes over many channel
#: counts (every 1×1 convolution at one resolution), so a repeat costs a lookup even where
#: the layer's rule result is new. Entries are shared, never changed in place; emptied with
#: the analysis's rule cache (``analysis.clear_rule_cache``) and beyond ``GEOMETRY_LIMIT``.
_GEOMETRY: dict[
    tuple[Any, ...], tuple[tuple[AxisArith, ...], RuleResult | None, list[Finding], RFStep]
] = {}
GEOMETRY_LIMIT = 20_000


def _window_geometry(
    p: Params,
    shape: Shape,
    sem: Semantics,
    kind: Literal["conv", "pool"],
    rounding: Literal["floor", "ceil"],
    name: str,
) -> tuple[tuple[AxisArith, ...], RuleResult | None, list[Finding], RFStep]:
    """``_conv_axes``, ``_check_windows`` and ``_non_integer_findings`` of a window layer
    whose input is ``shape``, and its receptive-field step (from ``_GEOMETRY`` when met before).
    The findings list is shared: copy it before adding to it."""
    padding = p.get("padding", 0)
    stride = p.get("stride")
    key = (
        name,
        rounding,
        sem,
        shape[1],
        shape[2],
        as_pair(p["kernel_size"]),
        None if stride is None else as_pair(stride),
        as_pair(p.get("dilation", 1)),
        padding if padding.__class__ is str else as_pair(padding),
    )
    geometry = _GEOMETRY.get(key)
    if geometry is None:
        axes, _ = _conv_axes(p, shape, sem, kind, rounding)
        bad = _check_windows(axes, name)
        findings = [] if bad is not None else _non_integer_findings(axes, sem, name)
        ah, aw = axes
        step = _window_step(
            (ah.dilation * (ah.kernel - 1) + 1, aw.dilation * (aw.kernel - 1) + 1),
            (float(ah.stride), float(aw.stride)),
        )
        geometry = (tuple(axes), bad, findings, step)
        if len(_GEOMETRY) >= GEOMETRY_LIMIT:
            _GEOMETRY.clear()
        _GEOMETRY[key] = geometry
    return geometry


def conv2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Conv2d, ``[C_in, H, W] → [C_out, H_out, W_out]``.

    ``H_out = ⌊(H + 2·p − d·(k − 1) − 1)/s⌋ + 1`` (likewise W);
    params ``(C_in/groups · kh · kw + bias) · C_out``;
    MACs ``C_out·H_out·W_out · C_in/groups · kh · kw``.
    """
    shape = inputs[0]
    if len(shape) != 3:
        return _need_volume(inputs, "Conv2d")  # type: ignore[return-value]
    c_in = shape[0]
    c_out = int(p["out_channels"])
    groups = int(p.get("groups", 1))
    if c_in % groups or c_out % groups:
        return _groups_error(c_in, c_out, groups)
    findings: list[Finding] = []
    stride = as_pair(p.get("stride", 1))
    if p.get("padding") == "same" and stride != (1, 1) and sem != "keras":
        return _error(
            "same_padding_stride",
            f'padding="same" is not supported with stride {fmt_stride(stride)} in PyTorch '
            "(it only keeps the size when the stride is 1).",
            stride=list(stride),
        )
    axes, bad, inexact, step = _window_geometry(p, shape, sem, "conv", "floor", "Conv2d")
    if bad:
        return bad
    if inexact:
        findings.extend(inexact)
    ah, aw = axes
    k = (ah.kernel, aw.kernel)  # as_pair(p["kernel_size"])
    out_shape = (c_out, ah.out, aw.out)
    weights = c_in // groups * k[0] * k[1] * c_out
    bias = c_out if p.get("bias", True) else 0
    macs = c_out * ah.out * aw.out * (c_in // groups) * k[0] * k[1]
    if findings and strict_fail(findings):
        return RuleResult(None, findings=findings, axes=axes)
    return RuleResult(
        out_shape,
        params=weights + bias,
        macs=macs,
        findings=findings,
        axes=axes,
        rf=step,
        derived={
            "in_channels": c_in,
            "weight_shape": [c_out, c_in // groups, k[0], k[1]],
            "weights": weights,
            "bias": bias,
        },
    )


def strict_fail(findings: Sequence[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def fmt_stride(s: Sequence[int]) -> str:
    return str(s[0]) if s[0] == s[1] else f"{s[0]}×{s[1]}"


def conv_transpose2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """ConvTranspose2d, ``[C_in, H, W] → [C_out, H_out, W_out]``.

    ``H_out = (H − 1)·s − 2·p + d·(k − 1) + output_padding + 1``;
    params ``C_in · C_out/groups · kh · kw + bias``;
    MACs ``C_in·H·W · C_out/groups · kh · kw``.
    """
    bad = _need_volume(inputs, "ConvTranspose2d")
    if bad:
        return bad
    shape = inputs[0]
    c_in = shape[0]
    c_out = int(p["out_channels"])
    groups = int(p.get("groups", 1))
    if c_in % groups or c_out % groups:
        return _groups_error(c_in, c_out, groups)
    k = as_pair(p["kernel_size"])
    s = as_pair(p.get("stride", 1))
    pad = as_pair(p.get("padding", 0))
    d = as_pair(p.get("dilation", 1))
    op = as_pair(p.get("output_padding", 0))
    for i, name in enumerate(AXES):
        if op[i] >= s[i] and op[i] >= d[i]:
            return _error(
                "output_padding_too_large",
                f"output_padding {op[i]} ({name}) must be smaller than the stride {s[i]} or the dilation {d[i]}.",
                axis=name,
                output_padding=op[i],
                stride=s[i],
                dilation=d[i],
            )
    axes = [
        transpose_axis(n, shape[1 + i], k[i], s[i], pad[i], d[i], op[i]) for i, n in enumerate(AXES)
    ]
    for a in axes:
        if a.out < 1:
            result = _error(
                "nonpositive_output",
                f"ConvTranspose2d output {a.axis} would be {a.out}: the padding {a.pad_lo} removes more than the layer adds.",
                axis=a.axis,
                out=a.out,
            )
            result.axes = tuple(axes)
            return result
    out_shape = (c_out, axes[0].out, axes[1].out)
    weights = c_in * (c_out // groups) * k[0] * k[1]
    bias = c_out if p.get("bias", True) else 0
    return RuleResult(
        out_shape,
        params=weights + bias,
        macs=_prod(shape) * (c_out // groups) * k[0] * k[1],
        axes=tuple(axes),
        rf=RFStep(
            "transpose",
            (axes[0].effective_kernel, axes[1].effective_kernel),
            (float(s[0]), float(s[1])),
        ),
        derived={
            "in_channels": c_in,
            "weight_shape": [c_in, c_out // groups, k[0], k[1]],
            "weights": weights,
            "bias": bias,
        },
    )


# ------------------------------------------------------------------------- pooling


def _pool_rule(p: Params, inputs: Sequence[Shape], sem: Semantics, name: str) -> RuleResult:
    shape = inputs[0]
    if len(shape) != 3:
        return _need_volume(inputs, name)  # type: ignore[return-value]
    k = as_pair(p["kernel_size"])
    pad = as_pair(p.get("padding", 0))
    for i, axis in enumerate(AXES):
        if pad[i] > k[i] // 2:
            return _error(
                "pool_padding_too_large",
                f"{name} padding {pad[i]} ({axis}) is more than half the kernel {k[i]} "
                f"(at most {k[i] // 2}): a window could then see nothing but padding.",
                axis=axis,
                padding=pad[i],
                kernel=k[i],
            )
    rounding = pool_rounding(sem, bool(p.get("ceil_mode", False)))
    axes, bad, inexact, step = _window_geometry(p, shape, sem, "pool", rounding, name)
    if bad:
        return bad
    findings = list(inexact)
    if findings and strict_fail(findings):
        return RuleResult(None, findings=findings, axes=axes)
    return RuleResult((shape[0], axes[0].out, axes[1].out), findings=findings, axes=axes, rf=step)


def max_pool2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """MaxPool2d: ``H_out = ⌊(H + 2·p − d·(k − 1) − 1)/s⌋ + 1`` (⌈…⌉ with ceil_mode)."""
    return _pool_rule(p, inputs, sem, "MaxPool2d")


def avg_pool2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """AvgPool2d: ``H_out = ⌊(H + 2·p − k)/s⌋ + 1`` (⌈…⌉ with ceil_mode)."""
    return _pool_rule(p, inputs, sem, "AvgPool2d")


def _adaptive_rule(p: Params, inputs: Sequence[Shape], sem: Semantics, name: str) -> RuleResult:
    bad = _need_volume(inputs, name)
    if bad:
        return bad
    c, h, w = inputs[0]
    size = p["output_size"]
    oh, ow = (size, size) if not isinstance(size, list) else size
    oh = h if oh is None else int(oh)
    ow = w if ow is None else int(ow)
    # Adaptive windows: start ⌊i·in/out⌋, end ⌈(i+1)·in/out⌉; the widest is ⌈in/out⌉ (+1 when out ∤ in).
    kh = -(-h // oh) + (1 if h % oh else 0)
    kw = -(-w // ow) + (1 if w % ow else 0)
    return RuleResult(
        (c, oh, ow),
        rf=RFStep("window", (min(kh, h), min(kw, w)), (h / oh, w / ow)),
        derived={"window": [min(kh, h), min(kw, w)]},
    )


def adaptive_avg_pool2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """AdaptiveAvgPool2d: ``[C, H, W] → [C, oh, ow]`` whatever H and W are."""
    return _adaptive_rule(p, inputs, sem, "AdaptiveAvgPool2d")


def adaptive_max_pool2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """AdaptiveMaxPool2d: ``[C, H, W] → [C, oh, ow]`` whatever H and W are."""
    return _adaptive_rule(p, inputs, sem, "AdaptiveMaxPool2d")


# ---------------------------------------------------------------- normalisation, etc.


def batch_norm2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """BatchNorm2d: shape unchanged; params ``2·C`` (γ, β) if affine; buffers ``2·C + 1``."""
    bad = _need_volume(inputs, "BatchNorm2d")
    if bad:
        return bad
    c = inputs[0][0]
    params = 2 * c if p.get("affine", True) else 0
    buffers = 2 * c + 1 if p.get("track_running_stats", True) else 0
    return RuleResult(inputs[0], params=params, buffers=buffers, derived={"num_features": c})


def local_response_norm_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """LocalResponseNorm: shape unchanged, no parameters."""
    if len(inputs[0]) < 2:
        return _error(
            "rank_mismatch",
            f"LocalResponseNorm needs channels to normalise across, but receives {fmt_shape(inputs[0])}.",
            expected_rank=3,
            got_shape=list(inputs[0]),
        )
    return RuleResult(inputs[0])


def elementwise_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Activations, Dropout, Identity: the output has the input's shape."""
    return RuleResult(inputs[0])


def dropout2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Dropout2d: zeroes whole channels; the shape is unchanged."""
    return RuleResult(inputs[0])


def softmax_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Softmax over ``dim`` (counted with the batch axis, as in PyTorch)."""
    rank = len(inputs[0]) + 1
    dim = int(p.get("dim", 1))
    if not -rank <= dim < rank:
        return _error(
            "dim_out_of_range",
            f"Softmax dim {dim} is out of range for an input with batch of rank {rank} (−{rank} … {rank - 1}).",
            dim=dim,
            rank=rank,
        )
    return RuleResult(inputs[0])


def flatten_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Flatten(start_dim=1, end_dim=−1), dims counted with the batch axis: ``[C, H, W] → [C·H·W]``."""
    batched = (1, *inputs[0])
    rank = len(batched)
    start = int(p.get("start_dim", 1))
    end = int(p.get("end_dim", -1))
    for name, value in (("start_dim", start), ("end_dim", end)):
        if not -rank <= value < rank:
            return _error(
                "dim_out_of_range",
                f"Flatten {name} {value} is out of range for an input with batch of rank {rank}.",
                dim=value,
                rank=rank,
            )
    start %= rank
    end %= rank
    if start > end:
        return _error(
            "dim_out_of_range",
            f"Flatten start_dim ({start}) comes after end_dim ({end}).",
            start_dim=start,
            end_dim=end,
        )
    if start == 0:
        return _error(
            "flatten_batch",
            "Flatten with start_dim 0 would merge the batch axis into the features; use start_dim 1.",
        )
    out = (*batched[:start], _prod(batched[start : end + 1]), *batched[end + 1 :])
    shape = inputs[0]
    rf = IDENTITY
    if len(shape) == 3 and start == 1:
        rf = RFStep("window", (shape[1], shape[2]), (float(shape[1]), float(shape[2])))
    return RuleResult(tuple(out[1:]), rf=rf)


def linear_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Linear on the last axis: ``[…, in] → […, out]``; params ``(in + bias)·out``; MACs ``rows·in·out``."""
    shape = inputs[0]
    in_f = shape[-1]
    out_f = int(p["out_features"])
    rows = _prod(shape[:-1])
    findings: list[Finding] = []
    rf = IDENTITY
    if len(shape) > 1:
        findings.append(
            Finding(
                "warning",
                "linear_on_volume",
                f"Linear receives the volume {fmt_shape(shape)}, not a vector: PyTorch applies it to the last "
                f"axis only (in_features = {in_f}, the width), separately for each of the {rows:,} other positions. "
                f"Flatten first to connect all {_prod(shape):,} values.",
                {"in_features": in_f, "flat_features": _prod(shape), "shape": list(shape)},
            )
        )
    out = (*shape[:-1], out_f)
    weights = in_f * out_f
    bias = out_f if p.get("bias", True) else 0
    if len(shape) == 3:
        rf = RFStep("window", (1, shape[2]), (1.0, 1.0))
    return RuleResult(
        out,
        params=weights + bias,
        macs=rows * in_f * out_f,
        findings=findings,
        rf=rf,
        derived={
            "in_features": in_f,
            "weight_shape": [out_f, in_f],
            "weights": weights,
            "bias": bias,
        },
    )


def zero_pad2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """ZeroPad2d(left, right, top, bottom): ``H + top + bottom``, ``W + left + right``."""
    if len(inputs[0]) != 3:
        return _need_volume(inputs, "ZeroPad2d") or RuleResult(None)
    c, h, w = inputs[0]
    pad = p["padding"]
    left, right, top, bottom = (pad,) * 4 if isinstance(pad, int) else pad
    oh, ow = h + top + bottom, w + left + right
    # Torch crops the negative sides before it pads, so a crop larger than the input fails
    # even when the other side's padding would make up for it.
    crop_h, crop_w = h + min(top, 0) + min(bottom, 0), w + min(left, 0) + min(right, 0)
    if min(crop_h, crop_w) < 0:
        return _error(
            "nonpositive_output",
            f"ZeroPad2d crops more than {fmt_shape(inputs[0])} has: negative padding removes "
            f"{h - crop_h} of {h} rows and {w - crop_w} of {w} columns before any zeros are added.",
            out=min(crop_h, crop_w),
        )
    if oh < 1 or ow < 1:
        return _error(
            "nonpositive_output",
            f"ZeroPad2d with negative padding crops {fmt_shape(inputs[0])} to {oh}×{ow}: nothing is left.",
            out=min(oh, ow),
        )
    return RuleResult((c, oh, ow))


def upsample_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Upsample: ``H_out = size`` or ``⌊H · scale_factor⌋``."""
    bad = _need_volume(inputs, "Upsample")
    if bad:
        return bad
    c, h, w = inputs[0]
    size = p.get("size")
    scale = p.get("scale_factor")
    if (size is None) == (scale is None):
        return _error(
            "upsample_arguments",
            "Upsample needs exactly one of size and scale_factor"
            + (" (both are set)." if size is not None else " (neither is set)."),
        )
    if size is not None:
        oh, ow = as_pair(size)
    else:
        assert scale is not None
        fh, fw = (
            (float(scale), float(scale))
            if not isinstance(scale, list)
            else (float(scale[0]), float(scale[1]))
        )
        oh, ow = math.floor(h * fh), math.floor(w * fw)
    if oh < 1 or ow < 1:
        return _error("nonpositive_output", f"Upsample output would be {oh}×{ow}.", out=min(oh, ow))
    return RuleResult((c, oh, ow), rf=RFStep("transpose", (1, 1), (oh / h, ow / w)))


# -------------------------------------------------------------------------- merges


def broadcast_shapes(shapes: Sequence[Shape]) -> Shape | None:
    """PyTorch's broadcast of ``shapes`` (right-aligned; a size of 1 stretches), or ``None``.

    The shapes leave the batch axis out; every tensor's batch is the same, so the batch
    axis never changes the answer.
    """
    rank = max(len(s) for s in shapes)
    out: list[int] = []
    for i in range(1, rank + 1):
        sizes = {s[-i] for s in shapes if len(s) >= i}
        big = sizes - {1}
        if len(big) > 1:
            return None
        out.append(big.pop() if big else 1)
    return tuple(reversed(out))


def _merge_rule(name: str, verb: str, mismatch_code: str, inputs: Sequence[Shape]) -> RuleResult:
    """Add and Mul: element-wise over inputs that PyTorch broadcasts to one of them.

    ``out = broadcast(inputs)`` (right-aligned dims; a size of 1 stretches to the
    other's); the result must be the shape of one input: a merge that would enlarge
    every operand (``[C, 1, W] + [C, H, 1]``) is almost always a wiring mistake.
    """
    out = broadcast_shapes(inputs)
    first = inputs[0]
    if out is None:
        # The first pair of inputs that clash (usually input 1 and another).
        j, i = next(
            (
                (a, b)
                for b in range(len(inputs))
                for a in range(b)
                if broadcast_shapes([inputs[a], inputs[b]]) is None
            ),
            (0, 1),
        )
        first, shape = inputs[j], inputs[i]
        return _error(
            mismatch_code,
            f"{name} needs matching shapes (a size of 1 is repeated to match), "
            f"but input {j + 1} is {fmt_shape(first)} and input {i + 1} is {fmt_shape(shape)} ({_diff_dims(first, shape)}).",
            input_index=i,
            shapes=[list(s) for s in inputs],
        )
    if all(tuple(s) != out for s in inputs):
        return _error(
            "broadcast_enlarges",
            f"{name} of {' and '.join(fmt_shape(s) for s in inputs)} would broadcast to {fmt_shape(out)}, "
            "larger than every input: each input repeats along a different axis. Make one input the full "
            "shape (or give the others size 1 where they should repeat).",
            shapes=[list(s) for s in inputs],
            broadcast=list(out),
        )
    derived: dict[str, Any] = {}
    stretched = [n for n, s in enumerate(inputs) if tuple(s) != out]
    if stretched:
        derived["broadcast"] = {"inputs": stretched, "shape": list(out)}
    return RuleResult(out, derived=derived)


def add_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Add: ``out = x₁ + x₂ + …`` with PyTorch broadcasting; the output is the largest input's shape."""
    return _merge_rule("Add", "adds", "add_shape_mismatch", inputs)


def mul_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Mul: ``out = x₁ · x₂ · …`` with PyTorch broadcasting (squeeze-and-excitation's ``[C,1,1]·[C,H,W]``)."""
    return _merge_rule("Mul", "multiplies", "mul_shape_mismatch", inputs)


def axis_names(rank: int) -> tuple[str, ...]:
    """Plain names of the axes of an unbatched shape of ``rank`` dimensions."""
    if rank == 3:
        return ("channels", "height", "width")
    if rank == 1:
        return ("features",)
    return tuple(f"dim {i + 1}" for i in range(rank))


def _diff_dims(a: Shape, b: Shape) -> str:
    """Which sizes differ, compared right-aligned as broadcasting does."""
    if len(a) != len(b):
        extra = f"{len(a)} vs {len(b)} dimensions"
        clashes = [
            f"{x} vs {y}"
            for x, y in zip(reversed(a), reversed(b), strict=False)
            if x != y and 1 not in (x, y)
        ]
        return extra + (f"; aligned from the right: {', '.join(clashes)}" if clashes else "")
    names = axis_names(len(a))
    return ", ".join(
        f"{names[i]} {x} vs {y}" for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y
    )


def concat_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Concat along channels: heights and widths must agree; ``C_out = Σ C_i``."""
    first = inputs[0]
    for i, shape in enumerate(inputs[1:], start=1):
        if len(shape) != len(first) or shape[1:] != first[1:]:
            return _error(
                "concat_shape_mismatch",
                f"Concat joins along channels, so every other size must agree, but input 1 is "
                f"{fmt_shape(first)} and input {i + 1} is {fmt_shape(shape)} ({_diff_dims(first, shape)}).",
                input_index=i,
                shapes=[list(s) for s in inputs],
            )
    return RuleResult((sum(s[0] for s in inputs), *first[1:]))


# ------------------------------------------------------------ modern CNN vocabulary


def _batched_dim(
    value: int, rank: int, layer_type: str, name: str = "dim"
) -> tuple[int | None, RuleResult | None]:
    """A dim counted with the batch axis first (negative from the end), as an index into the
    unbatched shape; an error for out-of-range values and for the batch axis itself."""
    if not -rank <= value < rank:
        return None, _error(
            "dim_out_of_range",
            f"{layer_type} {name} {value} is out of range for an input with batch of rank {rank} (−{rank} … {rank - 1}).",
            dim=value,
            rank=rank,
        )
    d = value % rank
    if d == 0:
        return None, _error(
            "batch_axis",
            f"{layer_type} {name} {value} is the batch axis; a design describes one sample, so {layer_type} "
            "works on the axes after it (1 = channels or features).",
            dim=value,
        )
    return d - 1, None


def prelu_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """PReLU: shape unchanged; params ``num_parameters`` (1, or one slope per channel C)."""
    shape = inputs[0]
    n = int(p.get("num_parameters", 1))
    c = shape[0]
    if n not in (1, c):
        return _error(
            "prelu_parameters",
            f"PReLU num_parameters = {n} must be 1 (one slope shared) or the {c} channels of "
            f"{fmt_shape(shape)} (one slope per channel).",
            num_parameters=n,
            channels=c,
        )
    return RuleResult(shape, params=n, derived={"weight_shape": [n]})


def layer_norm2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """LayerNorm2d (ConvNeXt): normalises the C channels at each of the H·W positions; params ``2·C`` if affine."""
    bad = _need_volume(inputs, "LayerNorm2d")
    if bad:
        return bad
    c = inputs[0][0]
    params = 2 * c if p.get("elementwise_affine", True) else 0
    return RuleResult(
        inputs[0],
        params=params,
        derived={"num_features": c, "positions": inputs[0][1] * inputs[0][2]},
    )


def layer_norm_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """LayerNorm over the trailing dims ``normalized_shape``; params ``(1 + bias)·∏normalized_shape`` if affine."""
    shape = inputs[0]
    norm = [int(v) for v in p["normalized_shape"]]
    if len(norm) > len(shape):
        return _error(
            "normalized_shape_mismatch",
            f"LayerNorm normalized_shape {norm} has {len(norm)} sizes, but each sample of its input "
            f"{fmt_shape(shape, 'chw')} has only {len(shape)} axes: it would normalise across the batch.",
            normalized_shape=norm,
            got_shape=list(shape),
        )
    tail = list(shape[len(shape) - len(norm) :])
    if tail != norm:
        return _error(
            "normalized_shape_mismatch",
            f"LayerNorm normalized_shape {norm} must equal the last {len(norm)} size{'s' if len(norm) != 1 else ''} "
            f"of its input, but the input is {fmt_shape(shape, 'chw')} (last {len(norm)}: {tail}).",
            normalized_shape=norm,
            got_shape=list(shape),
        )
    n = _prod(norm)
    params = 0
    if p.get("elementwise_affine", True):
        params = n * (2 if p.get("bias", True) else 1)
    return RuleResult(shape, params=params, derived={"normalized": n, "groups": _prod(shape) // n})


def _channels_divisible(shape: Shape, groups: int, layer_type: str, code: str) -> RuleResult | None:
    c = shape[0]
    if c % groups:
        return _error(
            code,
            f"{layer_type} groups = {groups} does not divide the {c} channels of {fmt_shape(shape)}: "
            f"{c}/{groups} = {c / groups:.4g} is not whole.",
            groups=groups,
            channels=c,
            in_channels=c,
            out_channels=c,
        )
    return None


def group_norm_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """GroupNorm: C channels in num_groups groups (C % num_groups = 0); shape unchanged; params ``2·C`` if affine."""
    shape = inputs[0]
    g = int(p["num_groups"])
    bad = _channels_divisible(shape, g, "GroupNorm", "groups_mismatch")
    if bad:
        return bad
    c = shape[0]
    values = c // g * _prod(shape[1:])
    if values == 1:
        return _error(
            "single_value_norm",
            f"GroupNorm puts {c // g} channel{'s' if c // g != 1 else ''} of {fmt_shape(shape)} in each of its {g} "
            "groups, so each group holds one value: normalised, it is always 0 (PyTorch refuses: expected more "
            "than 1 value per channel).",
            positions=values,
        )
    return RuleResult(
        shape,
        params=2 * c if p.get("affine", True) else 0,
        derived={"num_features": c, "per_group": c // g, "values": values},
    )


def instance_norm2d_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """InstanceNorm2d: each channel over its own H·W; params ``2·C`` if affine; buffers ``2·C + 1`` if tracked."""
    bad = _need_volume(inputs, "InstanceNorm2d")
    if bad:
        return bad
    c, h, w = inputs[0]
    if h * w == 1 and not p.get("track_running_stats", False):
        return _error(
            "single_value_norm",
            f"InstanceNorm2d normalises each channel over its own {h}×{w} positions, but one value has no "
            "spread to normalise (PyTorch refuses: expected more than 1 spatial element).",
            positions=h * w,
        )
    params = 2 * c if p.get("affine", False) else 0
    buffers = 2 * c + 1 if p.get("track_running_stats", False) else 0
    return RuleResult(
        inputs[0], params=params, buffers=buffers, derived={"num_features": c, "positions": h * w}
    )


def channel_shuffle_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """ChannelShuffle(g): ``[C, H, W] → [C, H, W]``, channel ``i·(C/g) + j`` moves to ``j·g + i``."""
    shape = inputs[0]
    if len(shape) < 2:
        return _error(
            "rank_mismatch",
            f"ChannelShuffle needs channels and at least one more axis, but receives {fmt_shape(shape)}.",
            expected_rank=3,
            got_shape=list(shape),
        )
    g = int(p["groups"])
    bad = _channels_divisible(shape, g, "ChannelShuffle", "groups_mismatch")
    if bad:
        return bad
    return RuleResult(shape, derived={"per_group": shape[0] // g})


#: A Split or Chunk may produce at most this many pieces (each is an output the design
#: addresses by index); more is refused before the pieces are listed.
MAX_SPLIT_OUTPUTS = 4096


def _split_size(total: int, p: Params, chunk: bool) -> int | list[int]:
    """The size of every piece (the last may be smaller), or the listed sections."""
    if chunk:
        return -(-total // int(p["chunks"]))
    sec = p["split_size_or_sections"]
    return [int(v) for v in sec] if isinstance(sec, list) else int(sec)


def _split_sizes(total: int, size: int) -> list[int]:
    return [min(size, total - start) for start in range(0, total, size)]


def _split_rule(p: Params, inputs: Sequence[Shape], name: str, chunk: bool) -> RuleResult:
    shape = inputs[0]
    d, bad = _batched_dim(int(p.get("dim", 1)), len(shape) + 1, name)
    if bad:
        return bad
    assert d is not None
    total = shape[d]
    size = _split_size(total, p, chunk)
    if isinstance(size, int):
        pieces = -(-total // size) if size >= 1 else 0
        if pieces > MAX_SPLIT_OUTPUTS:
            return _error(
                "too_many_outputs",
                f"{name} would cut the {total} of axis {d + 1} into {pieces:,} pieces of {size}; "
                f"the designer addresses at most {MAX_SPLIT_OUTPUTS:,} outputs of one layer.",
                pieces=pieces,
                limit=MAX_SPLIT_OUTPUTS,
            )
        sizes = _split_sizes(total, size)
    else:
        sizes = size
    if not chunk and isinstance(p["split_size_or_sections"], list) and sum(sizes) != total:
        return _error(
            "split_sizes_mismatch",
            f"Split sections {sizes} add up to {sum(sizes)}, but the axis it splits has {total} "
            f"(input {fmt_shape(shape)}).",
            sections=sizes,
            total=total,
        )
    if not sizes or any(s < 1 for s in sizes):
        return _error(
            "nonpositive_output",
            f"{name} would produce an empty piece: sizes {sizes} of an axis of {total}.",
            sizes=sizes,
            out=0,
        )
    outputs = tuple(tuple(s if i == d else v for i, v in enumerate(shape)) for s in sizes)
    return RuleResult(outputs[0], outputs=outputs, derived={"sizes": sizes, "axis": d})


def split_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Split (torch.split): pieces of ``split_size`` along ``dim`` (the last one smaller), or the listed sections."""
    return _split_rule(p, inputs, "Split", chunk=False)


def chunk_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Chunk (torch.chunk): pieces of ``⌈size/chunks⌉`` along ``dim``; the last may be smaller, and there may be fewer."""
    return _split_rule(p, inputs, "Chunk", chunk=True)


def mean_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Mean over ``dim`` (counted with the batch axis): ``x.mean((2, 3))`` turns ``[C, H, W]`` into ``[C]``."""
    shape = inputs[0]
    dims = p.get("dim", [2, 3])
    dims = [dims] if isinstance(dims, int) else list(dims)
    axes: list[int] = []
    for value in dims:
        d, bad = _batched_dim(int(value), len(shape) + 1, "Mean")
        if bad:
            return bad
        assert d is not None
        if d in axes:
            return _error("duplicate_dim", f"Mean lists the axis {value} twice.", dim=value)
        axes.append(d)
    keep = bool(p.get("keepdim", False))
    out = (
        tuple(1 if i in axes else v for i, v in enumerate(shape))
        if keep
        else tuple(v for i, v in enumerate(shape) if i not in axes)
    )
    if not out:
        return _error(
            "batch_axis",
            f"Mean over every axis of {fmt_shape(shape)} leaves one number per sample with no axes; "
            "keep at least one axis or set keepdim.",
        )
    rf = IDENTITY
    if len(shape) == 3 and {1, 2} <= set(axes):
        rf = RFStep("window", (shape[1], shape[2]), (float(shape[1]), float(shape[2])))
    return RuleResult(
        out, rf=rf, derived={"axes": axes, "averaged": _prod([shape[a] for a in axes])}
    )


def reshape_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Reshape(shape) of each sample (the batch axis stays): ``∏shape = ∏input``; one −1 is inferred."""
    shape = inputs[0]
    target = [int(v) for v in p["shape"]]
    total = _prod(shape)
    unknown = [i for i, v in enumerate(target) if v == -1]
    if len(unknown) > 1 or any(v == 0 or v < -1 for v in target):
        return _error(
            "reshape_invalid",
            f"Reshape shape {target}: every size must be ≥ 1, with at most one −1 (inferred).",
            shape=target,
        )
    known = _prod([v for v in target if v != -1])
    if unknown:
        if total % known:
            return _error(
                "reshape_count_mismatch",
                f"Reshape {fmt_shape(shape, 'chw')} ({total:,} values) to {target}: the known sizes multiply "
                f"to {known:,}, which does not divide {total:,}, so −1 cannot be inferred.",
                values=total,
                known=known,
            )
        target[unknown[0]] = total // known
    elif known != total:
        return _error(
            "reshape_count_mismatch",
            f"Reshape {fmt_shape(shape, 'chw')} ({total:,} values) to {target} ({known:,} values): a reshape "
            "keeps every value, so both must hold the same number.",
            values=total,
            known=known,
        )
    return RuleResult(tuple(target), derived={"values": total})


def permute_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Permute(dims), dims counted with the batch axis first (which must stay first): ``out[i] = in[dims[i]]``."""
    shape = inputs[0]
    rank = len(shape) + 1
    dims = [int(v) for v in p["dims"]]
    if len(dims) != rank:
        return _error(
            "dim_out_of_range",
            f"Permute dims {dims} must list all {rank} axes of its input with batch ({fmt_shape(shape, 'chw')} "
            f"plus the batch axis), not {len(dims)}.",
            dims=dims,
            rank=rank,
        )
    if any(not -rank <= d < rank for d in dims):
        return _error(
            "dim_out_of_range",
            f"Permute dims {dims}: every dim must be in −{rank} … {rank - 1}.",
            dims=dims,
            rank=rank,
        )
    norm = [d % rank for d in dims]
    if sorted(norm) != list(range(rank)):
        return _error(
            "duplicate_dim",
            f"Permute dims {dims} repeat an axis; each must appear once.",
            dims=dims,
        )
    if norm[0] != 0:
        return _error(
            "batch_axis",
            f"Permute dims {dims} move the batch axis; a design describes one sample, so dims must start with 0.",
            dims=dims,
        )
    out = tuple(shape[d - 1] for d in norm[1:])
    return RuleResult(out, derived={"order": norm})


def transpose_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Transpose(dim0, dim1), dims counted with the batch axis: swaps those two sizes."""
    shape = inputs[0]
    rank = len(shape) + 1
    a, bad = _batched_dim(int(p["dim0"]), rank, "Transpose", "dim0")
    if bad:
        return bad
    b, bad = _batched_dim(int(p["dim1"]), rank, "Transpose", "dim1")
    if bad:
        return bad
    assert a is not None and b is not None
    out = list(shape)
    out[a], out[b] = out[b], out[a]
    return RuleResult(tuple(out), derived={"swap": [a, b]})


def scale_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Scale: multiplies by a learned tensor of ``shape`` (broadcast); params ``∏shape``; shape unchanged."""
    shape = inputs[0]
    weight = tuple(int(v) for v in p["shape"])
    # The learned tensor has no batch axis of its own: a leading size of 1 may line up with
    # the batch axis (any other size there would depend on the batch size).
    if broadcast_shapes([(1, *shape), weight]) != (1, *shape):
        return _error(
            "scale_shape_mismatch",
            f"Scale's learned {fmt_shape(weight, 'chw')} must broadcast onto its input {fmt_shape(shape, 'chw')} "
            "without changing it: compared from the right, each of its sizes must equal the input's or be 1.",
            weight_shape=list(weight),
            got_shape=list(shape),
        )
    return RuleResult(shape, params=_prod(weight), derived={"weight_shape": list(weight)})


def upsample_to_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Upsample: ``H_out = size`` or ``⌊H · scale_factor⌋``, or the H×W of a second input when one is connected."""
    if len(inputs) < 2:
        result = upsample_rule(p, inputs, sem)
    else:
        bad = _need_volume(inputs, "Upsample")
        if bad:
            return bad
        ref = inputs[1]
        if len(ref) < 2:
            return _error(
                "rank_mismatch",
                f"Upsample takes the height and width of its second input, but that input is {fmt_shape(ref)}.",
                expected_rank=3,
                got_shape=list(ref),
            )
        if p.get("size") is not None or p.get("scale_factor") is not None:
            return _error(
                "upsample_arguments",
                "Upsample with a second input takes its size from that input; clear size and scale_factor.",
            )
        c, h, w = inputs[0]
        oh, ow = ref[-2], ref[-1]
        result = RuleResult(
            (c, oh, ow), rf=RFStep("transpose", (1, 1), (oh / h, ow / w)), derived={"size_from": 1}
        )
    if result.shape is None:
        return result
    mode = p.get("mode", "nearest")
    align = p.get("align_corners")
    if align is not None and mode not in ("bilinear", "bicubic"):
        return _error(
            "align_corners_mode",
            f'align_corners only applies to interpolating modes (bilinear, bicubic), not "{mode}"; leave it empty.',
            mode=mode,
        )
    return result


def unsupported_rule(p: Params, inputs: Sequence[Shape], sem: Semantics) -> RuleResult:
    """Unsupported: an imported op the designer cannot represent; its output is the shape the importer saw."""
    op = p.get("op") or "an unknown op"
    shape = p.get("shape")
    note = p.get("note") or ""
    msg = (
        f"{op} cannot be represented in the designer, so this layer is a stand-in"
        + (
            f" with the shape the importer saw ({fmt_shape(shape)})"
            if shape
            else " with no known output shape"
        )
        + ". Its parameters and MACs are not counted, and the design cannot be exported to code until it is "
        "replaced by supported layers." + (f" ({note})" if note else "")
    )
    out = tuple(int(v) for v in shape) if shape else None
    return RuleResult(out, findings=[Finding("error", "unsupported_op", msg, {"op": op})])

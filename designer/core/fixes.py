"""One-click fixes for diagnostics, as data the CLI and the GUI can both apply.

A ``Fix`` is a label and a tuple of operations. Each operation is one call of a
``Design`` method (``set_param``, ``add_layer``, ``set_inputs``, ``remove_layer``,
``set_semantics``, ``dismiss_load_note``), so the GUI can replay the same
operations inside undo commands. ``suggest_fixes`` proposes candidates for a
diagnostic and keeps only those that really remove it: each is applied to a copy
of the design, the copy is analysed, and the fix is kept when the diagnostic is
gone and no layer that worked before gets a new error.
"""

from __future__ import annotations

import difflib
import math
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from designer.core.analysis import SEVERITY_ORDER, Analysis, Diagnostic
from designer.core.arithmetic import AxisArith
from designer.core.design import Design, DesignError, Layer, source_of
from designer.core.params import as_pair
from designer.core.registry import REGISTRY
from designer.core.shape_rules import Shape, fmt_shape

# ------------------------------------------------------------------ operations


@dataclass(frozen=True)
class SetParam:
    """``design.set_param(layer, name, value)``; ``None`` resets the default."""

    layer: str
    name: str
    value: Any

    def apply(self, design: Design) -> None:
        design.set_param(self.layer, self.name, self.value)

    def describe(self) -> str:
        value = "the default" if self.value is None else _value_text(self.value)
        return f"set {self.layer}.{self.name} to {value}"


@dataclass(frozen=True)
class AddLayer:
    """``design.add_layer(Layer(layer, type, params, inputs), index)``."""

    layer: str
    type: str
    params: tuple[tuple[str, Any], ...] = ()
    inputs: tuple[str, ...] = ()
    index: int | None = None

    def apply(self, design: Design) -> None:
        design.add_layer(
            Layer(self.layer, self.type, dict(self.params), list(self.inputs)), self.index
        )

    def describe(self) -> str:
        params = ", ".join(f"{k}={_value_text(v)}" for k, v in self.params)
        return f"add {self.type}({params}) named {self.layer} after {', '.join(self.inputs) or 'nothing'}"


@dataclass(frozen=True)
class SetInputs:
    """``design.set_inputs(layer, inputs)``."""

    layer: str
    inputs: tuple[str, ...]

    def apply(self, design: Design) -> None:
        design.set_inputs(self.layer, list(self.inputs))

    def describe(self) -> str:
        return f"connect {self.layer} to {', '.join(self.inputs) or 'nothing'}"


@dataclass(frozen=True)
class RemoveLayer:
    """``design.remove_layer(layer)``."""

    layer: str

    def apply(self, design: Design) -> None:
        design.remove_layer(self.layer)

    def describe(self) -> str:
        return f"remove {self.layer}"


@dataclass(frozen=True)
class SetSemantics:
    """``design.set_semantics(value)``."""

    value: str

    def apply(self, design: Design) -> None:
        design.set_semantics(self.value)

    def describe(self) -> str:
        return f"analyse the design with {self.value} semantics"


@dataclass(frozen=True)
class DismissLoadNote:
    """``design.dismiss_load_note(code, layer)``: accept what the loader did."""

    code: str
    layer: str | None

    def apply(self, design: Design) -> None:
        design.dismiss_load_note(self.code, self.layer)

    def describe(self) -> str:
        return f"accept the loader's note about {self.layer}"


Operation = SetParam | AddLayer | SetInputs | RemoveLayer | SetSemantics | DismissLoadNote


@dataclass(frozen=True)
class Fix:
    """A concrete change that removes one diagnostic (``code`` on ``layer``)."""

    label: str
    operations: tuple[Operation, ...]
    code: str
    layer: str | None
    detail: str = ""  # the arithmetic after the fix, e.g. "(227 − 11 + 2·0)/4 + 1 = 55"

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "detail": self.detail,
            "operations": [operation_json(op) for op in self.operations],
        }


def operation_json(op: Operation) -> dict[str, Any]:
    kind = {
        SetParam: "set_param",
        AddLayer: "add_layer",
        SetInputs: "set_inputs",
        RemoveLayer: "remove_layer",
        SetSemantics: "set_semantics",
        DismissLoadNote: "dismiss_load_note",
    }[type(op)]
    body: dict[str, Any] = {"op": kind}
    for name, value in op.__dict__.items():
        if isinstance(value, tuple) and name == "params":
            body[name] = dict(value)
        elif isinstance(value, tuple):
            body[name] = list(value)
        else:
            body[name] = value
    return body


class FixError(ValueError):
    """A fix could not be applied (the design changed since it was suggested)."""


def apply_fix(design: Design, fix: Fix) -> None:
    """Apply every operation of ``fix``, or none: it is tried on a copy first."""
    trial = design.copy()
    try:
        for op in fix.operations:
            op.apply(trial)
    except DesignError as exc:
        raise FixError(f"cannot apply {fix.label!r}: {exc}") from None
    for op in fix.operations:
        op.apply(design)


def _value_text(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


# ----------------------------------------------------------------- suggestion


@dataclass
class _Ctx:
    design: Design
    analysis: Analysis
    diag: Diagnostic
    candidates: list[Fix] = field(default_factory=list)

    @property
    def lid(self) -> str:
        assert self.diag.layer is not None
        return self.diag.layer

    @property
    def layer(self) -> Layer:
        return self.design.layer(self.lid)

    def add(self, label: str, ops: Iterable[Operation], detail: str = "") -> None:
        self.candidates.append(Fix(label, tuple(ops), self.diag.code, self.diag.layer, detail))


MAX_FIXES = 4


def suggest_fixes(design: Design, analysis: Analysis, diagnostic: Diagnostic) -> list[Fix]:
    """Concrete fixes for ``diagnostic``, each verified to remove it; best first."""
    ctx = _Ctx(design, analysis, diagnostic)
    gen = _GENERATORS.get(diagnostic.code)
    if gen is None:
        return []
    if (
        diagnostic.layer is not None
        and diagnostic.layer not in design
        and diagnostic.code not in ("missing_id", "duplicate_id")
    ):
        return []
    if not _listed(analysis, diagnostic):
        return []  # a diagnostic from before the last edit: its numbers no longer describe the design
    try:
        gen(ctx)
    except DesignError:  # pragma: no cover - generators only read the design
        return []
    out: list[Fix] = []
    seen: set[str] = set()
    for fix in ctx.candidates:
        key = repr(fix.operations)  # values may be lists, so compare by their text
        if key in seen:
            continue
        seen.add(key)
        after = _trial(design, analysis, diagnostic, fix)
        if after is None:
            continue
        if not fix.detail:
            fix = Fix(
                fix.label, fix.operations, fix.code, fix.layer, _outcome(after, diagnostic.layer)
            )
        out.append(fix)
        if len(out) >= MAX_FIXES:
            break
    return out


def _listed(analysis: Analysis, diagnostic: Diagnostic) -> bool:
    """Whether ``analysis`` (still) reports ``diagnostic`` (its code on its layer); looks only
    where it can be, so checking every diagnostic of a design stays linear."""
    key = (diagnostic.code, diagnostic.layer)
    info = analysis.info.get(diagnostic.layer) if diagnostic.layer is not None else None
    if info is not None and any((d.code, d.layer) == key for d in info.diagnostics):
        return True
    return any((d.code, d.layer) == key for d in analysis.structural) or any(
        (code, lid) == key for code, lid, _message in analysis.design.load_notes
    )


def verify_fix(design: Design, analysis: Analysis, diagnostic: Diagnostic, fix: Fix) -> bool:
    """True when applying ``fix`` to a copy removes ``diagnostic`` and breaks nothing that worked."""
    return _trial(design, analysis, diagnostic, fix) is not None


def _trial(design: Design, analysis: Analysis, diagnostic: Diagnostic, fix: Fix) -> Analysis | None:
    # A light copy, analysed incrementally from ``analysis``: only what the fix touches
    # (and what lies downstream of it) is recomputed, not the whole design.
    after = _tried_size(analysis, fix)
    if after is None:
        trial = design.trial_copy()
        after = Analysis(trial, bytes_per_element=analysis.bytes_per_element, start_from=analysis)
        try:
            for op in fix.operations:
                op.apply(trial)
        except DesignError:
            return None
        finally:
            after.close()
    if still_present(after, diagnostic):
        return None
    before_errors = {(d.code, d.layer) for d in analysis.diagnostics() if d.severity == "error"}
    for d in after.diagnostics():
        if d.severity != "error" or (d.code, d.layer) in before_errors:
            continue
        old = analysis.info.get(d.layer) if d.layer is not None else None
        if old is None or old.status != "unknown":
            return None
    return after


def still_present(after: Analysis, diagnostic: Diagnostic) -> bool:
    """Whether ``diagnostic`` survives in ``after`` at the same or a worse severity.

    A warning that becomes a note counts as resolved: e.g. padding 2 on AlexNet's conv1
    with a 224 input (55.25 → 55) leaves only padding unread, which is a note.
    """
    rank = SEVERITY_ORDER[diagnostic.severity]
    return any(
        (d.code, d.layer) == (diagnostic.code, diagnostic.layer)
        and SEVERITY_ORDER[d.severity] <= rank
        for d in after.diagnostics()
    )


def _outcome(after: Analysis, layer: str | None) -> str:
    """What the layer computes once the fix is in: its window arithmetic and output shape."""
    if layer is None or layer not in after.info:
        return ""
    info = after.info[layer]
    if info.output_shape is None:
        return ""
    sums = []
    for a in info.axes:
        if a.kind == "transpose":
            continue
        pads = f"2·{a.pad_lo}" if a.pad_lo == a.pad_hi else f"{a.pad_lo} + {a.pad_hi}"
        exact = Fraction(a.padded - a.effective_kernel, a.stride) + 1
        value = str(exact) if exact.denominator == 1 else f"{float(exact):g}"
        text = f"({a.size_in} − {a.effective_kernel} + {pads})/{a.stride} + 1 = {value}"
        if text not in sums:
            sums.append(text)
    head = f"{layer} → {fmt_shape(info.output_shape)}"
    return head + (f" ({'; '.join(sums)})" if sums else "")


# ------------------------------------------------------------------ helpers


def _insert_before(
    ctx: _Ctx,
    target: str,
    source: str,
    chain: Sequence[tuple[str, dict[str, Any]]],
    taken: Sequence[str] = (),
) -> tuple[list[Operation], list[str]]:
    """Operations that put ``chain`` (type, params) between ``source`` and ``target``."""
    ops: list[Operation] = []
    ids: list[str] = []
    index = ctx.design.index_of(target)
    prev = source
    used = list(taken)
    for n, (type_id, params) in enumerate(chain):
        new_id = ctx.design.fresh_id(REGISTRY[type_id].prefix, used)
        used.append(new_id)
        ops.append(AddLayer(new_id, type_id, tuple(params.items()), (prev,), index + n))
        ids.append(new_id)
        prev = new_id
    inputs = tuple(prev if i == source else i for i in ctx.design.layer(target).inputs)
    ops.append(SetInputs(target, inputs))
    return ops, ids


def _bypass(ctx: _Ctx, lid: str) -> list[Operation]:
    """Remove ``lid`` and connect its consumers to its (first) input."""
    layer = ctx.design.layer(lid)
    ops: list[Operation] = []
    src = layer.inputs[0] if layer.inputs else None
    for c in ctx.design.consumers(lid):
        new = [i for i in ctx.design.layer(c).inputs]
        new = [src if i == lid else i for i in new] if src else [i for i in new if i != lid]
        ops.append(SetInputs(c, tuple(i for i in new if i is not None)))
    ops.append(RemoveLayer(lid))
    return ops


def _pair_value(values: Sequence[int]) -> int | list[int]:
    return values[0] if values[0] == values[1] else [values[0], values[1]]


#: Candidate searches try every value within this distance of the current one, and beyond
#: it only closed-form candidates: a fix costs the same whatever the values (up to 2³¹ − 1).
_SCAN = 64


def _nearest(
    start: int, ok: Callable[[int], bool], lo: int, hi: int, anchors: Iterable[int] = ()
) -> list[int]:
    """Values in [lo, hi] for which ``ok`` holds, nearest to ``start`` first (start excluded).

    Only the values within ``_SCAN`` of ``start`` and the ``anchors`` (closed-form
    candidates from the caller, e.g. the members of an arithmetic progression nearest
    to ``start``) are tested, so the cost does not grow with the range.
    """
    near = range(max(lo, start - _SCAN), min(hi, start + _SCAN) + 1)
    candidates = {v for v in (*near, *anchors) if lo <= v <= hi and v != start}
    found = [v for v in candidates if ok(v)]
    return sorted(found, key=lambda v: (abs(v - start), v))


def _congruent_near(start: int, a: int, b: int, m: int, lo: int, hi: int) -> list[int]:
    """Solutions ``x`` in [lo, hi] of ``a·x ≡ b (mod m)`` nearest to ``start``: two each side, and the ends.

    Closed form: with ``g = gcd(a, m)`` there are solutions only when ``g`` divides ``b``,
    and then they are ``x₀ + k·m/g`` with ``x₀ = (b/g)·(a/g)⁻¹ mod m/g``.
    """
    if m < 1 or lo > hi:
        return []
    g = math.gcd(a, m)
    if b % g:
        return []
    step = m // g
    x0 = (b // g) * pow(a // g, -1, step) % step if step > 1 else 0
    below = start - (start - x0) % step
    out = [below - step, below, below + step, below + 2 * step]
    out += [lo + (x0 - lo) % step, hi - (hi - x0) % step]
    return [x for x in out if lo <= x <= hi]


def _divisors(n: int) -> list[int]:
    """The divisors of ``n`` ≥ 1 in increasing order, by trial division up to √n (O(√n))."""
    small: list[int] = []
    large: list[int] = []
    i = 1
    while i * i <= n:
        if n % i == 0:
            small.append(i)
            if i * i != n:
                large.append(n // i)
        i += 1
    return small + large[::-1]


def _info_axes(ctx: _Ctx) -> tuple[AxisArith, ...]:
    info = ctx.analysis.info.get(ctx.lid)
    return info.axes if info is not None else ()


def _input_layer(design: Design, lid: str) -> str | None:
    """The single Input layer upstream of ``lid`` (None when there are several or none)."""
    seen: set[str] = set()
    found: set[str] = set()
    stack = [lid]
    while stack:
        cur = stack.pop()
        if cur in seen or cur not in design:
            continue
        seen.add(cur)
        layer = design.layer(cur)
        if layer.type == "Input":
            found.add(cur)
        stack.extend(layer.inputs)
    return found.pop() if len(found) == 1 else None


def _ancestors(design: Design, lid: str) -> set[str]:
    seen: set[str] = set()
    stack = list(design.layer(lid).sources)
    while stack:
        cur = stack.pop()
        if cur in seen or cur not in design:
            continue
        seen.add(cur)
        stack.extend(design.layer(cur).sources)
    return seen


def _descendants(design: Design, lid: str) -> set[str]:
    """Every layer fed, directly or not, by ``lid`` (one pass over the design)."""
    consumers: dict[str, list[str]] = {}
    for layer in design:
        for i in layer.sources:
            consumers.setdefault(i, []).append(layer.id)
    seen: set[str] = set()
    stack = list(consumers.get(lid, ()))
    while stack:
        cur = stack.pop()
        if cur not in seen:
            seen.add(cur)
            stack.extend(consumers.get(cur, ()))
    return seen


def _sub_design(design: Design, lid: str) -> Design:
    """``lid`` and its ancestors only (fast trials of input sizes)."""
    keep = _ancestors(design, lid) | {lid}
    sub = Design(design.name, design.semantics)
    for layer in design:
        if layer.id in keep:
            sub.add_layer(layer.copy())
    return sub


def _input_size_fixes(
    ctx: _Ctx, works: Callable[[Analysis], bool], axes: Sequence[str], limit: int = 32
) -> None:
    """Nearest input sizes (below and above) for which ``works(analysis of the trial)`` holds."""
    src = _input_layer(ctx.design, ctx.lid)
    if src is None:
        return
    shape = list(ctx.design.layer(src).value("shape"))
    if len(shape) != 3:
        return
    found: dict[int, list[int]] = {}
    for d in sorted((d for d in range(-limit, limit + 1) if d), key=lambda d: (abs(d), -d)):
        sign = 1 if d > 0 else -1
        if sign in found:
            continue
        new = [
            shape[0],
            shape[1] + (d if "height" in axes else 0),
            shape[2] + (d if "width" in axes else 0),
        ]
        if min(new[1:]) < 1:
            continue
        if works(_with_input_size(ctx, src, new)):
            found[sign] = new
        if len(found) == 2:
            break
    for sign in (1, -1):
        if sign in found:
            new = found[sign]
            ctx.add(
                f"Set the input size to {new[1]}×{new[2]} ({src}: {new[1]}×{new[2]}×{new[0]})",
                [SetParam(src, "shape", new)],
            )


class _SizeTrials:
    """The design analysed with other input sizes, shared by every diagnostic's search.

    One light copy of the design follows the trial sizes incrementally; each size's result
    is kept, so ``check`` tries each size once however many layers' fixes ask for it.
    """

    def __init__(self, design: Design, analysis: Analysis) -> None:
        self.stamp = (analysis.recompute_count, len(design))
        self.copy = design.trial_copy()
        self.live = Analysis(
            self.copy, bytes_per_element=analysis.bytes_per_element, start_from=analysis
        )
        self.results: dict[tuple[str, tuple[int, ...]], Analysis] = {}


_SIZE_TRIALS: weakref.WeakKeyDictionary[Analysis, _SizeTrials] = weakref.WeakKeyDictionary()


def _tried_size(analysis: Analysis, fix: Fix) -> Analysis | None:
    """The analysis an input-size search already made for ``fix``, if it is one of its sizes."""
    trials = _SIZE_TRIALS.get(analysis)
    if (
        trials is None
        or trials.stamp != (analysis.recompute_count, len(analysis.design))
        or len(fix.operations) != 1
    ):
        return None
    op = fix.operations[0]
    if not isinstance(op, SetParam) or op.name != "shape" or not isinstance(op.value, list):
        return None
    return trials.results.get((op.layer, tuple(op.value)))


def _with_input_size(ctx: _Ctx, src: str, shape: list[int]) -> Analysis:
    """The analysis of the design with Input ``src`` given ``shape`` (results kept per analysis)."""
    trials = _SIZE_TRIALS.get(ctx.analysis)
    if trials is None or trials.stamp != (ctx.analysis.recompute_count, len(ctx.design)):
        trials = _SizeTrials(ctx.design, ctx.analysis)
        _SIZE_TRIALS[ctx.analysis] = trials
    key = (src, tuple(shape))
    result = trials.results.get(key)
    if result is None:
        trials.copy.set_param(src, "shape", shape)
        result = Analysis(
            trials.copy,
            bytes_per_element=ctx.analysis.bytes_per_element,
            live=False,
            start_from=trials.live,
        )
        trials.results[key] = result
    return result


# ------------------------------------------------------------- generators

_FREE = -1


def _whole_with(
    a: AxisArith, pad: int | None = _FREE, kernel: int | None = _FREE, pool: bool = False
) -> Callable[[int], bool]:
    """A test of candidate values for the parameter passed as ``None``: does the axis then divide exactly?"""

    def ok(v: int) -> bool:
        p = v if pad is None else a.pad_lo
        k = v if kernel is None else a.kernel
        eff = a.dilation * (k - 1) + 1
        span = a.size_in + 2 * p - eff
        return span >= 0 and span % a.stride == 0 and (not pool or p <= k // 2)

    return ok


def _reads_every_pixel(a: AxisArith, pool: bool) -> Callable[[int], bool]:
    """A test of candidate paddings: does every real input pixel fall in some window?"""

    def ok(pad: int) -> bool:
        if pool and pad > a.kernel // 2:
            return False
        span = a.size_in + 2 * pad - a.effective_kernel
        if span < 0:
            return False
        last_end = (span // a.stride) * a.stride + a.effective_kernel
        return last_end >= pad + a.size_in

    return ok


def _divides(n: int) -> Callable[[int], bool]:
    return lambda v: n % v == 0


def _fix_non_integer(ctx: _Ctx) -> None:
    axes = [a for a in _info_axes(ctx) if not a.is_whole and not a.same]
    if not axes:
        return
    layer = ctx.layer
    p = layer.resolved()
    names = [a.axis for a in axes]
    idx = [0 if a.axis == "height" else 1 for a in axes]

    # 1. the input size
    def works(an: Analysis) -> bool:
        info = an.info.get(ctx.lid)
        return (
            info is not None
            and bool(info.axes)
            and all(ax.is_whole for ax in info.axes if ax.axis in names)
            and info.output_shape is not None
        )

    _input_size_fixes(ctx, works, names)
    # 2. the padding (symmetric), or one-sided padding with ZeroPad2d where parity forbids it
    pad_param = p.get("padding", 0)
    if not isinstance(pad_param, str) or pad_param == "valid":
        current = as_pair(0 if isinstance(pad_param, str) else pad_param)
        kernel = as_pair(p["kernel_size"])
        new_pad = list(current)
        ok = True
        for a, i in zip(axes, idx, strict=True):
            top = kernel[i] // 2 if layer.type != "Conv2d" else a.effective_kernel - 1
            # 2·pad ≡ effective kernel − size (mod stride): an arithmetic progression.
            lowest = max(0, -(-(a.effective_kernel - a.size_in) // 2))
            anchors = _congruent_near(
                current[i], 2, a.effective_kernel - a.size_in, a.stride, lowest, top
            )
            cands = _nearest(current[i], _whole_with(a, pad=None), 0, top, anchors)
            if not cands:
                ok = False
                break
            new_pad[i] = cands[0]
        if ok:
            value = _pair_value(new_pad)
            ctx.add(
                f"Set {layer.id}'s padding to {_value_text(value)}",
                [SetParam(layer.id, "padding", value)],
            )
        elif layer.inputs:
            extra = [0, 0]
            for a, i in zip(axes, idx, strict=True):
                extra[i] = (-(a.padded - a.effective_kernel)) % a.stride
            lr = (extra[1] // 2, extra[1] - extra[1] // 2)
            tb = (extra[0] // 2, extra[0] - extra[0] // 2)
            pad4 = [lr[0], lr[1], tb[0], tb[1]]
            ops = _insert_before(
                ctx, layer.id, layer.inputs[0], [("ZeroPad2d", {"padding": pad4})]
            )[0]
            ctx.add(
                f"Insert ZeroPad2d {_value_text(pad4)} (left, right, top, bottom) before {layer.id}: "
                "one-sided padding, since no symmetric padding divides exactly",
                ops,
            )
    # 2b. a padding with which rounding down only drops padding (torchvision's AlexNet: 2)
    if ctx.diag.severity == "warning" and (not isinstance(pad_param, str) or pad_param == "valid"):
        current = as_pair(0 if isinstance(pad_param, str) else pad_param)
        kernel = as_pair(p["kernel_size"])
        reads_all = list(current)
        found = True
        for a, i in zip(axes, idx, strict=True):
            top = kernel[i] // 2 if layer.type != "Conv2d" else a.effective_kernel - 1
            # Every padding ≥ stride − 1 (that leaves a window) reads every pixel: the leftover is < stride.
            anchor = max(a.stride - 1, -(-(a.effective_kernel - a.size_in) // 2), 0)
            cands = _nearest(
                current[i], _reads_every_pixel(a, pool=layer.type != "Conv2d"), 0, top, (anchor,)
            )
            if not cands:
                found = False
                break
            reads_all[i] = cands[0]
        if found and reads_all != list(current):
            value = _pair_value(reads_all)
            ctx.add(
                f"Set {layer.id}'s padding to {_value_text(value)}: rounding down then skips only padding",
                [SetParam(layer.id, "padding", value)],
            )
    # 3. the stride
    stride_now = as_pair(p.get("stride") if p.get("stride") is not None else p["kernel_size"])
    new_stride = list(stride_now)
    ok = True
    for a, i in zip(axes, idx, strict=True):
        span = a.padded - a.effective_kernel
        divisors = _divisors(span) if span > 0 else []
        anchors = [d for d in divisors if d <= a.stride][-2:] + [
            d for d in divisors if d > a.stride
        ][:2]
        cands = _nearest(a.stride, _divides(span), 1, max(2 * a.stride, 2), anchors)
        if not cands:
            ok = False
            break
        new_stride[i] = next((c for c in cands if c > 1), cands[0])
    if ok:
        value = _pair_value(new_stride)
        ctx.add(
            f"Set {layer.id}'s stride to {_value_text(value)}",
            [SetParam(layer.id, "stride", value)],
        )
    # 4. the kernel
    kernel = as_pair(p["kernel_size"])
    new_k = list(kernel)
    ok = True
    for a, i in zip(axes, idx, strict=True):
        # dilation·k ≡ size + 2·pad + dilation − 1 (mod stride): an arithmetic progression.
        rhs = a.size_in + 2 * a.pad_lo + a.dilation - 1
        anchors = _congruent_near(a.kernel, a.dilation, rhs, a.stride, 1, a.kernel + a.stride)
        cands = _nearest(
            a.kernel,
            _whole_with(a, kernel=None, pool=layer.type != "Conv2d"),
            1,
            a.kernel + a.stride,
            anchors,
        )
        if not cands:
            ok = False
            break
        new_k[i] = cands[0]
    if ok:
        value = _pair_value(new_k)
        ctx.add(
            f"Set {layer.id}'s kernel_size to {_value_text(value)}",
            [SetParam(layer.id, "kernel_size", value)],
        )


def _fix_kernel_too_large(ctx: _Ctx) -> None:
    layer = ctx.layer
    p = layer.resolved()
    axes = _info_axes(ctx)
    if not axes:
        return
    kernel = list(as_pair(p["kernel_size"]))
    pads = list(as_pair(p["padding"])) if not isinstance(p.get("padding", 0), str) else [0, 0]
    new_k = list(kernel)
    new_p = list(pads)
    for i, a in enumerate(axes):
        if a.padded < a.effective_kernel:
            new_k[i] = max(1, (a.padded - 1) // a.dilation + 1)
            need = -(-(a.effective_kernel - a.size_in) // 2)
            new_p[i] = max(pads[i], need)
    ctx.add(
        f"Set {layer.id}'s kernel_size to {_value_text(_pair_value(new_k))}",
        [SetParam(layer.id, "kernel_size", _pair_value(new_k))],
    )
    if "padding" in REGISTRY[layer.type].param_names:
        ctx.add(
            f"Set {layer.id}'s padding to {_value_text(_pair_value(new_p))}",
            [SetParam(layer.id, "padding", _pair_value(new_p))],
        )
    if layer.type in ("MaxPool2d", "AvgPool2d") and len(layer.inputs) == 1:
        ctx.add(f"Remove {layer.id} (there is nothing left to pool)", _bypass(ctx, layer.id))

    def works(an: Analysis) -> bool:
        info = an.info.get(ctx.lid)
        return info is not None and info.output_shape is not None

    _input_size_fixes(ctx, works, ("height", "width"), limit=64)


def _fix_nonpositive(ctx: _Ctx) -> None:
    layer = ctx.layer
    p = layer.resolved()
    if layer.type == "ConvTranspose2d":
        pads = list(as_pair(p["padding"]))
        for i, a in enumerate(_info_axes(ctx)):
            base = a.out + 2 * a.pad_lo
            if a.out < 1:
                pads[i] = max(0, (base - 1) // 2)
        ctx.add(
            f"Set {layer.id}'s padding to {_value_text(_pair_value(pads))}",
            [SetParam(layer.id, "padding", _pair_value(pads))],
        )
    elif layer.type == "ZeroPad2d":
        ctx.add(f"Set {layer.id}'s padding to 0 (no cropping)", [SetParam(layer.id, "padding", 0)])
    elif layer.type == "Upsample":
        ctx.add(
            f"Set {layer.id}'s scale_factor to 1 (keep the size)",
            [SetParam(layer.id, "size", None), SetParam(layer.id, "scale_factor", 1)],
        )
    if len(layer.inputs) == 1:
        ctx.add(f"Remove {layer.id}", _bypass(ctx, layer.id))


def _fix_groups(ctx: _Ctx) -> None:
    layer = ctx.layer
    data = ctx.diag.data
    c_in, c_out, g = int(data["in_channels"]), int(data["out_channels"]), int(data["groups"])
    if layer.type in ("GroupNorm", "ChannelShuffle"):  # groups of the channels, not of filters
        name = "num_groups" if layer.type == "GroupNorm" else "groups"
        below = [d for d in _divisors(c_in) if d < g]
        above = [d for d in _divisors(c_in) if d > g]
        for v in below[-1:] + above[:1]:
            ctx.add(
                f"Set {layer.id}'s {name} to {v} (divides the {c_in} channels)",
                [SetParam(layer.id, name, v)],
            )
        return
    common = _divisors(math.gcd(c_in, c_out))
    below = [d for d in common if d < g]
    above = [d for d in common if d > g]
    if c_in % g == 0 and c_out % g:
        for v in (c_out - c_out % g + g, c_out - c_out % g):
            if v >= g:
                ctx.add(
                    f"Set {layer.id}'s out_channels to {v} (a multiple of groups = {g})",
                    [SetParam(layer.id, "out_channels", v)],
                )
    if layer.type == "Conv2d" and c_in % g and c_out % c_in == 0 and g != c_in:
        ctx.add(
            f"Set {layer.id}'s groups to {c_in} (depthwise: one group per input channel)",
            [SetParam(layer.id, "groups", c_in)],
        )
    if below:
        ctx.add(
            f"Set {layer.id}'s groups to {below[-1]}", [SetParam(layer.id, "groups", below[-1])]
        )
    if above:
        ctx.add(f"Set {layer.id}'s groups to {above[0]}", [SetParam(layer.id, "groups", above[0])])


def _fix_same_stride(ctx: _Ctx) -> None:
    layer = ctx.layer
    p = layer.resolved()
    k = as_pair(p["kernel_size"])
    d = as_pair(p.get("dilation", 1))
    pad = _pair_value([(d[i] * (k[i] - 1)) // 2 for i in range(2)])
    ctx.add(f'Set {layer.id}\'s stride to 1 (keep "same")', [SetParam(layer.id, "stride", 1)])
    ctx.add(
        f"Set {layer.id}'s padding to {_value_text(pad)} (explicit, symmetric; keeps the stride)",
        [SetParam(layer.id, "padding", pad)],
    )
    ctx.add(
        'Analyse the design with Keras semantics (TensorFlow allows "same" with a stride)',
        [SetSemantics("keras")],
    )


def _fix_output_padding(ctx: _Ctx) -> None:
    layer = ctx.layer
    p = layer.resolved()
    s = as_pair(p["stride"])
    dil = as_pair(p["dilation"])
    op = list(as_pair(p["output_padding"]))
    new_op = [min(op[i], max(s[i], dil[i]) - 1) for i in range(2)]
    ctx.add(
        f"Set {layer.id}'s output_padding to {_value_text(_pair_value(new_op))}",
        [SetParam(layer.id, "output_padding", _pair_value(new_op))],
    )
    new_s = [max(s[i], op[i] + 1) for i in range(2)]
    ctx.add(
        f"Set {layer.id}'s stride to {_value_text(_pair_value(new_s))}",
        [SetParam(layer.id, "stride", _pair_value(new_s))],
    )


def _fix_pool_padding(ctx: _Ctx) -> None:
    layer = ctx.layer
    p = layer.resolved()
    k = list(as_pair(p["kernel_size"]))
    pad = list(as_pair(p["padding"]))
    new_pad = [min(pad[i], k[i] // 2) for i in range(2)]
    new_k = [max(k[i], 2 * pad[i]) for i in range(2)]
    ctx.add(
        f"Set {layer.id}'s padding to {_value_text(_pair_value(new_pad))}",
        [SetParam(layer.id, "padding", _pair_value(new_pad))],
    )
    ctx.add(
        f"Set {layer.id}'s kernel_size to {_value_text(_pair_value(new_k))}",
        [SetParam(layer.id, "kernel_size", _pair_value(new_k))],
    )


def _merge_inputs(ctx: _Ctx) -> tuple[list[str], list[Shape]]:
    layer = ctx.layer
    names = [i for i in layer.inputs if source_of(i) in ctx.design]
    info = ctx.analysis.info.get(ctx.lid)
    shapes = [s for s in (info.input_shapes if info else []) if s is not None]
    return names, shapes


def _fix_add(ctx: _Ctx) -> None:
    names, shapes = _merge_inputs(ctx)
    i = int(ctx.diag.data.get("input_index", 1))
    if i >= len(names) or len(shapes) != len(names):
        return
    for src, dst in ((i, 0), (0, i)):
        a, b = shapes[src], shapes[dst]
        if len(a) != 3 or len(b) != 3:
            continue
        stride = []
        for ax in (1, 2):
            # ceil(a / s) falls as s grows: the smallest stride that reaches b is ceil(a / b).
            first = -(-a[ax] // b[ax]) if b[ax] >= 1 else 0
            if not 1 <= first <= a[ax] or -(-a[ax] // first) != b[ax]:
                break
            stride.append(first)
        if len(stride) != 2:
            continue
        sv = _pair_value(stride)
        params: dict[str, Any] = {
            "out_channels": b[0],
            "kernel_size": 1,
            "stride": sv,
            "bias": False,
        }
        ops = _insert_before(ctx, ctx.lid, names[src], [("Conv2d", params), ("BatchNorm2d", {})])[0]
        ctx.add(
            f"Insert a 1×1 projection conv ({b[0]} filters, stride {_value_text(sv)}) + BatchNorm on the branch "
            f"from {names[src]}: {fmt_shape(a)} → {fmt_shape(b)}",
            ops,
        )
        # A stride on the nearest convolution of the larger branch (the other one, when only the
        # spatial size differs) — only where that convolution does not also feed the other branch.
        if (
            a[0] == b[0]
            and a[1:] != b[1:]
            and all(x >= y for x, y in zip(a[1:], b[1:], strict=True))
        ):
            other = _ancestors(ctx.design, source_of(names[dst])) | {source_of(names[dst])}
            cur = source_of(names[src])
            while cur in ctx.design and cur not in other:
                lay = ctx.design.layer(cur)
                if lay.type == "Conv2d":
                    st = as_pair(lay.resolved()["stride"])
                    new = _pair_value([st[k] * stride[k] for k in range(2)])
                    ctx.add(
                        f"Set {cur}'s stride to {_value_text(new)} (downsample that branch)",
                        [SetParam(cur, "stride", new)],
                    )
                    break
                if len(lay.inputs) != 1:
                    break
                cur = source_of(lay.inputs[0])


def _fix_concat(ctx: _Ctx) -> None:
    names, shapes = _merge_inputs(ctx)
    i = int(ctx.diag.data.get("input_index", 1))
    if i >= len(names) or len(shapes) != len(names):
        return
    a, b = shapes[i], shapes[0]
    if len(a) != 3 or len(b) != 3:
        return
    dh, dw = b[1] - a[1], b[2] - a[2]
    pad4 = [dw // 2, dw - dw // 2, dh // 2, dh - dh // 2]
    verb = "Crop" if dh <= 0 and dw <= 0 else "Pad" if dh >= 0 and dw >= 0 else "Pad/crop"
    ops, _ = _insert_before(ctx, ctx.lid, names[i], [("ZeroPad2d", {"padding": pad4})])
    ctx.add(
        f"{verb} the branch from {names[i]} to {b[1]}×{b[2]} with ZeroPad2d {_value_text(pad4)} (left, right, top, bottom)",
        ops,
    )
    ops, _ = _insert_before(
        ctx,
        ctx.lid,
        names[i],
        [("Upsample", {"size": _pair_value([b[1], b[2]]), "scale_factor": None})],
    )
    ctx.add(f"Resize the branch from {names[i]} to {b[1]}×{b[2]} with Upsample(size)", ops)


def _fix_linear_volume(ctx: _Ctx) -> None:
    layer = ctx.layer
    if not layer.inputs:
        return
    shapes = _merge_inputs(ctx)[1]
    if not shapes:
        return
    shape = shapes[0]
    ops, _ = _insert_before(ctx, layer.id, layer.inputs[0], [("Flatten", {})])
    ctx.add(f"Insert Flatten before {layer.id} (in_features becomes {math.prod(shape):,})", ops)
    if len(shape) == 3:
        ops, _ = _insert_before(
            ctx,
            layer.id,
            layer.inputs[0],
            [("AdaptiveAvgPool2d", {"output_size": 1}), ("Flatten", {})],
        )
        ctx.add(
            f"Insert AdaptiveAvgPool2d(1) + Flatten before {layer.id} (global average pooling; in_features becomes {shape[0]:,})",
            ops,
        )


def _fix_rank(ctx: _Ctx) -> None:
    cur = ctx.layer.inputs[0] if ctx.layer.inputs else None
    while cur is not None and cur in ctx.design:
        lay = ctx.design.layer(cur)
        if lay.type == "Flatten":
            ctx.add(
                f"Remove {cur} (Flatten) so that {ctx.lid} receives the volume", _bypass(ctx, cur)
            )
            return
        if len(lay.inputs) != 1 or REGISTRY[lay.type].rule.__name__ not in (
            "elementwise_rule",
            "dropout2d_rule",
        ):
            return
        cur = lay.inputs[0]


def _fix_dim(ctx: _Ctx) -> None:
    layer = ctx.layer
    if layer.type == "Softmax":
        ctx.add(
            f"Set {layer.id}'s dim to 1 (the channels or features)",
            [SetParam(layer.id, "dim", None)],
        )
    elif layer.type == "Flatten":
        ctx.add(
            f"Reset {layer.id}'s start_dim and end_dim (1 and −1)",
            [SetParam(layer.id, "start_dim", None), SetParam(layer.id, "end_dim", None)],
        )


def _fix_flatten_batch(ctx: _Ctx) -> None:
    ctx.add(f"Set {ctx.lid}'s start_dim to 1", [SetParam(ctx.lid, "start_dim", None)])


def _fix_upsample(ctx: _Ctx) -> None:
    p = ctx.layer.resolved()
    if len(ctx.layer.inputs) == 2:  # the size comes from the second input
        ctx.add(
            f"Clear {ctx.lid}'s size and scale_factor (take the height and width of {ctx.layer.inputs[1]})",
            [SetParam(ctx.lid, "size", None), SetParam(ctx.lid, "scale_factor", None)],
        )
        ctx.add(
            f"Disconnect {ctx.layer.inputs[1]} (keep the factor or size)",
            [SetInputs(ctx.lid, (ctx.layer.inputs[0],))],
        )
        return
    if p.get("size") is not None and p.get("scale_factor") is not None:
        ctx.add(f"Keep {ctx.lid}'s scale_factor, clear size", [SetParam(ctx.lid, "size", None)])
        ctx.add(
            f"Keep {ctx.lid}'s size, clear scale_factor", [SetParam(ctx.lid, "scale_factor", None)]
        )
    else:
        ctx.add(f"Set {ctx.lid}'s scale_factor to 2", [SetParam(ctx.lid, "scale_factor", 2)])


def _previous_working(ctx: _Ctx, lid: str) -> str | None:
    """The nearest layer before ``lid`` in design order whose shape is known and that is not fed by ``lid``."""
    ids = ctx.design.ids
    downstream = _descendants(ctx.design, lid) | {lid}
    for other in reversed(ids[: ids.index(lid)]):
        info = ctx.analysis.info.get(other)
        if other not in downstream and info is not None and info.output_shape is not None:
            return other
    return None


def _fix_missing_input(ctx: _Ctx) -> None:
    layer = ctx.layer
    missing = str(ctx.diag.data.get("missing", ""))
    options = [i for i in ctx.design.ids if i != layer.id]
    for guess in difflib.get_close_matches(missing, options, n=2, cutoff=0.6):
        ctx.add(
            f"Connect {layer.id} to {guess} instead of {missing!r}",
            [SetInputs(layer.id, tuple(guess if i == missing else i for i in layer.inputs))],
        )
    prev = _previous_working(ctx, layer.id)
    if prev is not None:
        ctx.add(
            f"Connect {layer.id} to {prev} (the layer before it) instead of {missing!r}",
            [SetInputs(layer.id, tuple(prev if i == missing else i for i in layer.inputs))],
        )
    rest = tuple(i for i in layer.inputs if i != missing)
    if len(rest) >= REGISTRY[layer.type].min_inputs:
        ctx.add(f"Remove the input {missing!r} from {layer.id}", [SetInputs(layer.id, rest)])


def _fix_input_count(ctx: _Ctx) -> None:
    layer = ctx.layer
    data = ctx.diag.data
    lo, hi, n = int(data["min"]), data["max"], int(data["count"])
    if hi is not None and n > hi:
        keep = tuple(layer.inputs[: int(hi)])
        what = "no inputs" if hi == 0 else f"only {', '.join(keep)}"
        ctx.add(
            f"Keep {what} as input{'s' if len(keep) != 1 else ''} of {layer.id}",
            [SetInputs(layer.id, keep)],
        )
        return
    if n == 0:
        prev = _previous_working(ctx, layer.id)
        if prev is not None:
            ctx.add(
                f"Connect {layer.id} to {prev} (the layer before it)",
                [SetInputs(layer.id, (prev,))],
            )
    elif n < lo and n == 1 and ctx.design.consumers(layer.id):
        ctx.add(
            f"Remove {layer.id} and pass {layer.inputs[0]} straight on (nothing to merge)",
            _bypass(ctx, layer.id),
        )
    if n < lo and n >= 1:
        prev = _previous_working(ctx, layer.id)
        if prev is not None and prev not in layer.inputs:
            ctx.add(
                f"Also connect {prev} to {layer.id}", [SetInputs(layer.id, (*layer.inputs, prev))]
            )


def _fix_cycle(ctx: _Ctx) -> None:
    layer = ctx.layer
    members = set(ctx.diag.data.get("cycle", []))
    for i in layer.inputs:
        if i in members:
            rest = tuple(x for x in layer.inputs if x != i)
            prev = None
            if len(rest) < REGISTRY[layer.type].min_inputs:
                ids = ctx.design.ids
                for other in reversed(ids[: ids.index(layer.id)]):
                    if other not in members and other not in rest:
                        prev = other
                        break
            if prev is not None:
                ctx.add(
                    f"Connect {layer.id} to {prev} instead of {i} (breaks the cycle)",
                    [SetInputs(layer.id, (*rest, prev))],
                )
            ctx.add(
                f"Disconnect {i} from {layer.id} (breaks the cycle)", [SetInputs(layer.id, rest)]
            )


def _fix_no_input(ctx: _Ctx) -> None:
    roots = [
        layer.id
        for layer in ctx.design
        if REGISTRY[layer.type].min_inputs >= 1 and not any(i in ctx.design for i in layer.inputs)
    ]
    new_id = ctx.design.fresh_id("input")
    shape = [3, 224, 224]
    ops: list[Operation] = [AddLayer(new_id, "Input", (("shape", shape),), (), 0)]
    if roots:
        ops.append(SetInputs(roots[0], (new_id,)))
    where = f" feeding {roots[0]}" if roots else ""
    ctx.add(f"Add an Input of shape 224×224×3{where} (change it to your data's shape)", ops)


def _fix_unreachable(ctx: _Ctx) -> None:
    lid = ctx.lid
    cur = lid
    seen: set[str] = set()
    while cur in ctx.design and cur not in seen:
        seen.add(cur)
        lay = ctx.design.layer(cur)
        known = [i for i in lay.inputs if i in ctx.design]
        if not known:
            prev = _previous_working(ctx, cur)
            if prev is not None and REGISTRY[lay.type].min_inputs >= 1:
                ctx.add(f"Connect {cur} to {prev}", [SetInputs(cur, (prev,))])
            break
        cur = known[0]
    if not ctx.design.consumers(lid):
        ctx.add(f"Remove {lid}", [RemoveLayer(lid)])
    else:
        ctx.add(f"Remove {lid} and connect its consumers to its input", _bypass(ctx, lid))


def _fix_load_note(ctx: _Ctx) -> None:
    lid = ctx.diag.layer
    if ctx.diag.code == "duplicate_id" and lid is not None and lid in ctx.design:
        ctx.add(
            f"Remove the duplicate copy {lid}",
            [RemoveLayer(lid), DismissLoadNote("duplicate_id", lid)],
        )
    ctx.add(f"Keep the layer as {lid}", [DismissLoadNote(ctx.diag.code, lid)])


def _fix_large_activation(ctx: _Ctx) -> None:
    layer = ctx.layer
    info = ctx.analysis.info.get(layer.id)
    if info is None or info.output_shape is None:
        return
    limit = int(ctx.diag.data.get("limit", 50_000_000))
    shape = info.output_shape
    p = layer.resolved()
    # Downsampling by f divides the values by about f²: the smallest power of two that is enough.
    factor = 2
    while factor < 64 and info.neurons > limit * factor * factor:
        factor *= 2
    if layer.type in ("Conv2d", "MaxPool2d", "AvgPool2d") and "stride" in p:
        s = as_pair(p["stride"] if p["stride"] is not None else p["kernel_size"])
        new = _pair_value([factor * s[0], factor * s[1]])
        ctx.add(
            f"Set {layer.id}'s stride to {_value_text(new)}", [SetParam(layer.id, "stride", new)]
        )
    if "out_channels" in p and len(shape) == 3:
        groups = int(p.get("groups", 1))
        c = max(groups, (limit // (shape[1] * shape[2])) // groups * groups)
        if c < shape[0]:
            ctx.add(
                f"Set {layer.id}'s out_channels to {c}", [SetParam(layer.id, "out_channels", c)]
            )
    if layer.inputs and len(shape) == 3:
        ops, _ = _insert_before(
            ctx, layer.id, layer.inputs[0], [("MaxPool2d", {"kernel_size": factor})]
        )
        ctx.add(
            f"Insert a {factor}×{factor} max pooling before {layer.id} (divides height and width by {factor})",
            ops,
        )


def _fix_bottleneck(ctx: _Ctx) -> None:
    layer = ctx.layer
    info = ctx.analysis.info.get(layer.id)
    if (
        info is None
        or info.output_shape is None
        or not info.input_shapes
        or info.input_shapes[0] is None
    ):
        return
    p = layer.resolved()
    n_in = math.prod(info.input_shapes[0])
    keep = float(ctx.diag.data.get("limit", 0.1))
    if "out_channels" in p and len(info.output_shape) == 3:
        _, h, w = info.output_shape
        groups = int(p.get("groups", 1))
        need = math.ceil(keep * n_in / (h * w))
        c = -(-need // groups) * groups
        ctx.add(
            f"Set {layer.id}'s out_channels to {c} (keeps ≥ {keep:.0%} of the values)",
            [SetParam(layer.id, "out_channels", c)],
        )
    axes = _info_axes(ctx)
    if "stride" in p and len(axes) == 2 and info.output_shape is not None:
        s = as_pair(p["stride"] if p["stride"] is not None else p["kernel_size"])
        c_out = info.output_shape[0]

        def kept(stride: int) -> bool:
            h, w = ((a.padded - a.effective_kernel) // stride + 1 for a in axes)
            return c_out * h * w >= keep * n_in

        # kept() only gets worse as the stride grows: the largest smaller stride that keeps
        # enough is found by bisection.
        lo_ok, hi_bad = 0, max(s)
        while hi_bad - lo_ok > 1:
            mid = (lo_ok + hi_bad) // 2
            if kept(mid):
                lo_ok = mid
            else:
                hi_bad = mid
        if max(s) > 1 and lo_ok >= 1:
            new = lo_ok
            ops: list[Operation] = [SetParam(layer.id, "stride", new)]
            if layer.type in ("MaxPool2d", "AvgPool2d") and p["stride"] is None:
                k = as_pair(p["kernel_size"])
                ops = [
                    SetParam(
                        layer.id, "kernel_size", _pair_value([min(k[0], new), min(k[1], new)])
                    ),
                    SetParam(layer.id, "stride", None),
                ]
                ctx.add(f"Shrink {layer.id}'s window to {new} (stride {new})", ops)
            else:
                ctx.add(f"Set {layer.id}'s stride to {_value_text(new)}", ops)


def _fix_output_choice(ctx: _Ctx) -> None:
    """output_not_chosen / no_such_output: take one of the outputs the source really has."""
    ref = str(ctx.diag.data["input"])
    src = str(ctx.diag.data["source"])
    info = ctx.analysis.info.get(src)
    if info is None:
        return
    count = len(info.output_shapes)
    for k in range(min(count, MAX_FIXES)):
        new = tuple(f"{src}:{k}" if i == ref else i for i in ctx.layer.inputs)
        ctx.add(
            f"Take output {k} of {src} ({fmt_shape(info.output_shapes[k])})",
            [SetInputs(ctx.lid, new)],
        )
    if not count:
        ctx.add(
            f"Take {src}'s only output",
            [SetInputs(ctx.lid, tuple(src if i == ref else i for i in ctx.layer.inputs))],
        )


def _fix_prelu(ctx: _Ctx) -> None:
    c = int(ctx.diag.data["channels"])
    ctx.add(
        f"Set {ctx.lid}'s num_parameters to 1 (one shared slope)",
        [SetParam(ctx.lid, "num_parameters", None)],
    )
    ctx.add(
        f"Set {ctx.lid}'s num_parameters to {c} (one slope per channel)",
        [SetParam(ctx.lid, "num_parameters", c)],
    )


def _fix_split_sizes(ctx: _Ctx) -> None:
    sizes = [int(v) for v in ctx.diag.data["sections"]]
    total = int(ctx.diag.data["total"])
    last = total - sum(sizes[:-1])
    if last >= 1:
        new = [*sizes[:-1], last]
        ctx.add(
            f"Set {ctx.lid}'s sections to {new} (the last piece takes the rest)",
            [SetParam(ctx.lid, "split_size_or_sections", new)],
        )


def _fix_align_corners(ctx: _Ctx) -> None:
    ctx.add(f"Clear {ctx.lid}'s align_corners", [SetParam(ctx.lid, "align_corners", None)])
    ctx.add(
        f"Set {ctx.lid}'s mode to bilinear (keeps align_corners)",
        [SetParam(ctx.lid, "mode", "bilinear")],
    )


_GENERATORS: dict[str, Callable[[_Ctx], None]] = {
    "non_integer_output": _fix_non_integer,
    "kernel_too_large": _fix_kernel_too_large,
    "nonpositive_output": _fix_nonpositive,
    "groups_mismatch": _fix_groups,
    "same_padding_stride": _fix_same_stride,
    "output_padding_too_large": _fix_output_padding,
    "pool_padding_too_large": _fix_pool_padding,
    "add_shape_mismatch": _fix_add,
    "concat_shape_mismatch": _fix_concat,
    "linear_on_volume": _fix_linear_volume,
    "rank_mismatch": _fix_rank,
    "dim_out_of_range": _fix_dim,
    "flatten_batch": _fix_flatten_batch,
    "upsample_arguments": _fix_upsample,
    "missing_input": _fix_missing_input,
    "wrong_input_count": _fix_input_count,
    "cycle": _fix_cycle,
    "no_input": _fix_no_input,
    "unreachable": _fix_unreachable,
    "missing_id": _fix_load_note,
    "duplicate_id": _fix_load_note,
    "large_activation": _fix_large_activation,
    "information_bottleneck": _fix_bottleneck,
    "mul_shape_mismatch": _fix_add,
    "output_not_chosen": _fix_output_choice,
    "no_such_output": _fix_output_choice,
    "prelu_parameters": _fix_prelu,
    "split_sizes_mismatch": _fix_split_sizes,
    "align_corners_mode": _fix_align_corners,
}

#: Codes for which fixes may be suggested.
FIXABLE_CODES = frozenset(_GENERATORS)

#: Codes for which no change to the design is proposed: they inform (nothing is broken), or
#: only the designer of the network can say what was meant (an op the designer cannot
#: represent, a reshape or permutation that does not fit, a broadcast that enlarges).
NO_FIX_CODES = frozenset(
    {
        "receptive_field_covers_input",
        "unsupported_op",
        "too_many_outputs",
        "broadcast_enlarges",
        "normalized_shape_mismatch",
        "single_value_norm",
        "reshape_invalid",
        "reshape_count_mismatch",
        "batch_axis",
        "duplicate_dim",
        "scale_shape_mismatch",
    }
)

__all__ = [
    "FIXABLE_CODES",
    "NO_FIX_CODES",
    "AddLayer",
    "DismissLoadNote",
    "Fix",
    "FixError",
    "Operation",
    "RemoveLayer",
    "SetInputs",
    "SetParam",
    "SetSemantics",
    "apply_fix",
    "operation_json",
    "suggest_fixes",
    "verify_fix",
]

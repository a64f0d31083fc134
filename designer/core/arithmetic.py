"""Convolution arithmetic for one spatial axis, under each framework's rounding rules.

The formulas follow Dumoulin & Visin, *A guide to convolution arithmetic for deep
learning* (2016), and the code of the frameworks we mirror; ``docs/arithmetic.md``
cites them rule by rule. Every function returns an ``AxisArith`` that keeps every
input of the computation, so explanations can write the formula out with the
user's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Semantics = Literal["pytorch", "keras", "caffe", "strict"]
SEMANTICS: tuple[Semantics, ...] = ("pytorch", "keras", "caffe", "strict")

Rounding = Literal["exact", "floor", "ceil"]
WindowKind = Literal["conv", "pool", "transpose"]


@dataclass(frozen=True)
class AxisArith:
    """The arithmetic of one spatial axis of a sliding-window layer.

    For ``conv``/``pool``: ``exact = (size_in + pad_lo + pad_hi − dilation·(kernel − 1) − 1)/stride + 1``
    and ``out`` is that value rounded by ``rounding`` (and, for ceil rounding, minus
    one when the last window would start inside the bottom/right padding).
    For ``transpose``: ``out = (size_in − 1)·stride − pad_lo − pad_hi + dilation·(kernel − 1) + output_padding + 1``.
    """

    axis: str  # "height" or "width"
    kind: WindowKind
    size_in: int
    kernel: int
    stride: int
    pad_lo: int
    pad_hi: int
    dilation: int
    output_padding: int
    exact: Fraction
    out: int
    rounding: Rounding
    same: bool = False  # padding came from "same"
    dropped_last_window: bool = False  # ceil mode: a last window starting in padding was dropped

    @property
    def effective_kernel(self) -> int:
        """``dilation·(kernel − 1) + 1``: the span one window covers."""
        return self.dilation * (self.kernel - 1) + 1

    @property
    def padded(self) -> int:
        return self.size_in + self.pad_lo + self.pad_hi

    @property
    def is_whole(self) -> bool:
        return self.exact.denominator == 1

    @property
    def remainder(self) -> int:
        """``(padded − effective_kernel) mod stride``: pixels past the last full step."""
        if self.kind == "transpose":
            return 0
        return (self.padded - self.effective_kernel) % self.stride

    @property
    def unread(self) -> int:
        """Input rows/columns (of the real input, not padding) that no window ever reads."""
        if self.kind == "transpose" or self.out <= 0:
            return 0
        last_end = (self.out - 1) * self.stride + self.effective_kernel  # in padded coordinates
        real_end = self.pad_lo + self.size_in
        return max(0, real_end - last_end)

    @property
    def overhang(self) -> int:
        """Rows/columns the last window reaches past the padded input (ceil rounding)."""
        if self.kind == "transpose" or self.out <= 0:
            return 0
        last_end = (self.out - 1) * self.stride + self.effective_kernel
        return max(0, last_end - self.padded)


_new_object = object.__new__


def _whole(n: int) -> Fraction:
    """``Fraction(n)`` for an int ``n``, without ``Fraction.__new__``'s type tests (a third of
    the cost; the same object: equal, same hash, repr and type)."""
    f: Fraction = _new_object(Fraction)
    f._numerator = n  # type: ignore[attr-defined]
    f._denominator = 1  # type: ignore[attr-defined]
    return f


def _axis_arith(
    axis: str,
    kind: WindowKind,
    size_in: int,
    kernel: int,
    stride: int,
    pad_lo: int,
    pad_hi: int,
    dilation: int,
    output_padding: int,
    exact: Fraction,
    out: int,
    rounding: Rounding,
    same: bool,
    dropped_last_window: bool,
) -> AxisArith:
    """``AxisArith(...)`` with every field given, built without the frozen dataclass's
    per-field ``object.__setattr__`` (a third of the cost; the object is the same: equal, same
    hash and repr). The hot path of every convolution and pooling rule."""
    a: AxisArith = _new_object(AxisArith)
    a.__dict__.update(
        axis=axis,
        kind=kind,
        size_in=size_in,
        kernel=kernel,
        stride=stride,
        pad_lo=pad_lo,
        pad_hi=pad_hi,
        dilation=dilation,
        output_padding=output_padding,
        exact=exact,
        out=out,
        rounding=rounding,
        same=same,
        dropped_last_window=dropped_last_window,
    )
    return a


def window_axis(
    axis: str,
    kind: Literal["conv", "pool"],
    size_in: int,
    kernel: int,
    stride: int,
    pad_lo: int,
    pad_hi: int,
    dilation: int,
    rounding: Literal["floor", "ceil"],
    same: bool = False,
    clip_unpadded: bool = True,
) -> AxisArith:
    """Output size of a convolution or pooling window along one axis.

    ``out = ⌊(in + p_lo + p_hi − d·(k − 1) − 1)/s⌋ + 1`` (floor rounding), or with
    ``⌈…⌉`` for ceil rounding, where PyTorch and Caffe then drop a last window
    that would start in the padding: ``if (out − 1)·s ≥ in + p_lo: out −= 1``.
    Caffe applies that clip only when the layer has padding (``clip_unpadded=False``),
    which matters only for a kernel smaller than the stride.
    """
    numerator = size_in + pad_lo + pad_hi - dilation * (kernel - 1) - 1
    # Integers on the hot path; the exact quotient is a fraction only when the division is inexact.
    q, r = divmod(numerator, stride)
    dropped = False
    if r == 0:
        out = q + 1
        exact = _whole(out)
        how: Rounding = "exact"
    else:
        exact = Fraction(numerator + stride, stride)
        how = rounding
        out = q + 1 if rounding == "floor" else q + 2
    if (
        rounding == "ceil"
        and out > 0
        and (out - 1) * stride >= size_in + pad_lo
        and (clip_unpadded or pad_lo or pad_hi)
    ):
        out -= 1
        dropped = True
    return _axis_arith(
        axis,
        kind,
        size_in,
        kernel,
        stride,
        pad_lo,
        pad_hi,
        dilation,
        0,
        exact,
        out,
        how,
        same,
        dropped,
    )


def same_padding(
    size_in: int, kernel: int, stride: int, dilation: int, semantics: Semantics
) -> tuple[int, int]:
    """Padding (before, after) that "same" gives along one axis.

    PyTorch (stride 1 only): total ``d·(k − 1)``, ``before = total // 2`` and the odd
    pixel goes after (bottom/right). TensorFlow/Keras: ``out = ⌈in/s⌉`` and
    ``total = max((out − 1)·s + d·(k − 1) + 1 − in, 0)``, again split with the
    extra pixel after.
    """
    if semantics == "keras":
        out = -(-size_in // stride)
        total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size_in, 0)
    else:
        total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def transpose_axis(
    axis: str,
    size_in: int,
    kernel: int,
    stride: int,
    padding: int,
    dilation: int,
    output_padding: int,
) -> AxisArith:
    """``out = (in − 1)·s − 2·p + d·(k − 1) + output_padding + 1`` (always whole)."""
    out = (size_in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    return AxisArith(
        axis=axis,
        kind="transpose",
        size_in=size_in,
        kernel=kernel,
        stride=stride,
        pad_lo=padding,
        pad_hi=padding,
        dilation=dilation,
        output_padding=output_padding,
        exact=Fraction(out),
        out=out,
        rounding="exact",
    )


def pool_rounding(semantics: Semantics, ceil_mode: bool) -> Literal["floor", "ceil"]:
    """Caffe always rounds pooling up; PyTorch follows ``ceil_mode``; Keras floors."""
    if semantics == "caffe":
        return "ceil"
    if semantics == "pytorch":
        return "ceil" if ceil_mode else "floor"
    return "floor"

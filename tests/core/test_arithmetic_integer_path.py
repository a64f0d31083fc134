"""window_axis on integers (issue 15) gives exactly what the rational formula gives."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from designer.core.arithmetic import window_axis


def test_every_small_case_matches_the_rational_formula() -> None:
    cases = itertools.product(
        range(12),
        range(1, 5),
        range(1, 5),
        range(3),
        range(3),
        range(1, 3),
        ("floor", "ceil"),
        (True, False),
    )
    for size, k, s, lo, hi, d, rounding, clip in cases:
        a = window_axis("height", "conv", size, k, s, lo, hi, d, rounding, clip_unpadded=clip)  # type: ignore[arg-type]
        exact = Fraction(size + lo + hi - (d * (k - 1) + 1), s) + 1
        out = math.floor(exact) if rounding == "floor" else math.ceil(exact)
        dropped = False
        if rounding == "ceil" and out > 0 and (out - 1) * s >= size + lo and (clip or lo or hi):
            out, dropped = out - 1, True
        expected = (exact, out, dropped, "exact" if exact.denominator == 1 else rounding)
        assert (a.exact, a.out, a.dropped_last_window, a.rounding) == expected, (
            size,
            k,
            s,
            lo,
            hi,
            d,
            rounding,
            clip,
        )
        assert isinstance(a.exact, Fraction)

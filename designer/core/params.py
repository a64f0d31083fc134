"""Hyper-parameter kinds: how each value is typed, validated and normalised.

One ``ParamSpec`` describes one hyper-parameter of one layer type. The same spec
drives the file loader (validation with a JSON path), the inspector (which editor
to build) and the shape rules (which read normalised values).
"""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Pair = tuple[int, int]

#: No whole number in a hyper-parameter (or an Input shape) may exceed this in size:
#: 2³¹ − 1, far beyond any real layer, and small enough that every count the
#: analysis derives from it stays exact and every float conversion stays finite.
MAX_INT_VALUE = 2**31 - 1

#: The longest list a list-valued hyper-parameter may hold (tensor ranks stay far below it).
MAX_LIST_LENGTH = 8
#: The longest text a text hyper-parameter may hold.
MAX_TEXT_LENGTH = 200

_SHORT = reprlib.Repr()
_SHORT.maxlevel = 3
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = 6
_SHORT.maxlong = 40


class ParamKind(StrEnum):
    INT = "int"  # a whole number
    PAIR = "pair"  # int or [h, w]
    OPT_PAIR = "opt_pair"  # null (follow another parameter) or int or [h, w]
    PADDING = "padding"  # int, [h, w], "same" or "valid"
    PAD4 = "pad4"  # int or [left, right, top, bottom] (ZeroPad2d)
    SIZE = "size"  # adaptive output size: int or [h, w] (either may be null = keep)
    OPT_SIZE = "opt_size"  # null or int or [h, w] (Upsample size)
    OPT_SCALE = "opt_scale"  # null or number or [fh, fw] (Upsample scale_factor)
    FLOAT = "float"
    BOOL = "bool"
    ENUM = "enum"
    SHAPE = "shape"  # list of positive ints (Input)
    INTS = (
        "ints"  # a list of whole numbers (Permute dims, Reshape shape, LayerNorm normalized_shape)
    )
    INT_OR_INTS = "int_or_ints"  # one whole number or a list of them (Split sizes, Mean dims)
    OPT_BOOL = "opt_bool"  # null (the framework decides) or true or false (Upsample align_corners)
    TEXT = "text"  # a short text (Unsupported op name and note)
    OPT_SHAPE = "opt_shape"  # null or a list of 1 to 8 whole numbers ≥ 1 (Unsupported output shape)


class ParamError(ValueError):
    """A hyper-parameter value does not have the expected form."""

    def __init__(self, expected: str, value: Any) -> None:
        super().__init__(f"expected {expected}, got {_SHORT.repr(value)}")
        self.expected = expected
        self.value = value


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: ParamKind
    default: Any = None
    doc: str = ""
    minimum: float | None = None  # smallest allowed (for every element of a pair)
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = False
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def expected(self) -> str:
        """Human description of the accepted values, used in error messages."""
        lo = self._range_text()
        match self.kind:
            case ParamKind.INT:
                return f"a whole number{lo}"
            case ParamKind.PAIR:
                return f"a whole number{lo} or a pair [height, width]"
            case ParamKind.OPT_PAIR:
                return f"null, a whole number{lo} or a pair [height, width]"
            case ParamKind.PADDING:
                return f'a whole number{lo}, a pair [height, width], "same" or "valid"'
            case ParamKind.PAD4:
                return "a whole number or [left, right, top, bottom]"
            case ParamKind.SIZE:
                return "a whole number ≥ 1 or a pair [height, width] (null keeps that axis)"
            case ParamKind.OPT_SIZE:
                return "null, a whole number ≥ 1 or a pair [height, width]"
            case ParamKind.OPT_SCALE:
                return "null, a positive number or a pair [height, width] of positive numbers"
            case ParamKind.FLOAT:
                return f"a number{lo}"
            case ParamKind.BOOL:
                return "true or false"
            case ParamKind.ENUM:
                return "one of " + ", ".join(f'"{c}"' for c in self.choices)
            case ParamKind.SHAPE:
                return (
                    "a list of 1 or 3 whole numbers ≥ 1 ([channels, height, width] or [features])"
                )
            case ParamKind.INTS:
                return f"a list of {self._count_text()}whole numbers{lo}"
            case ParamKind.INT_OR_INTS:
                return f"a whole number{lo} or a list of {self._count_text()}whole numbers{lo}"
            case ParamKind.OPT_BOOL:
                return "null, true or false"
            case ParamKind.TEXT:
                return f"a text of at most {MAX_TEXT_LENGTH} characters"
            case ParamKind.OPT_SHAPE:
                return f"null or a list of 1 to {MAX_LIST_LENGTH} whole numbers ≥ 1"
        return "a valid value"  # pragma: no cover - every kind is matched above

    def _count_text(self) -> str:
        lo, hi = self.extra.get("min_items", 0), self.extra.get("max_items", MAX_LIST_LENGTH)
        if lo and lo == hi:
            return f"{lo} "
        return f"{lo or 1} to {hi} " if lo or hi != MAX_LIST_LENGTH else ""

    def _range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f" from {_num(self.minimum)} to {_num(self.maximum)}"
        if self.minimum is not None:
            return f" ≥ {_num(self.minimum)}"
        return ""

    def normalize(self, value: Any) -> Any:
        """Return the canonical form of ``value`` or raise ``ParamError``.

        Pairs whose two halves are equal collapse to one int, so a design saved
        after an edit reads the way a person would write it.
        """
        k = self.kind
        if (
            value.__class__ is int
            and -MAX_INT_VALUE <= value <= MAX_INT_VALUE
            and (
                k is ParamKind.INT
                or k is ParamKind.PAIR
                or k is ParamKind.OPT_PAIR
                or k is ParamKind.PADDING
            )
        ):
            # A plain number for a number or a pair (most values of a design): what the
            # general path below returns for it, without its type tests.
            self._check_range(value, value)
            return value
        if value.__class__ is bool and (k is ParamKind.BOOL or k is ParamKind.OPT_BOOL):
            return value  # what the general path returns for it, without its tests
        if (
            value.__class__ is float
            and k is ParamKind.FLOAT
            and -MAX_INT_VALUE <= value <= MAX_INT_VALUE  # finite (NaN fails) and not too large
        ):
            # A plain number for a number (BatchNorm's eps, Dropout's p): the general path's
            # result (``_tidy_float``; |value| < 2**53 here) without its type tests.
            self._check_range(value, value)
            return int(value) if value.is_integer() else value
        if _too_large(value):
            raise ParamError(
                f"{self.expected()} (numbers of at most {MAX_INT_VALUE:,} in size)", value
            )
        if k is ParamKind.INT:
            return self._int(value)
        if k is ParamKind.PAIR:
            return _collapse(self._pair(value))
        if k is ParamKind.OPT_PAIR:
            return None if value is None else _collapse(self._pair(value))
        if k is ParamKind.PADDING:
            if isinstance(value, str):
                if value in ("same", "valid"):
                    return value
                raise ParamError(self.expected(), value)
            return _collapse(self._pair(value))
        if k is ParamKind.PAD4:
            if _is_int(value):
                return int(value)
            if (
                isinstance(value, list | tuple)
                and len(value) == 4
                and all(_is_int(v) for v in value)
            ):
                vals = [int(v) for v in value]
                return vals[0] if len(set(vals)) == 1 else vals
            raise ParamError(self.expected(), value)
        if k is ParamKind.SIZE or k is ParamKind.OPT_SIZE:
            if value is None and k is ParamKind.OPT_SIZE:
                return None
            if _is_int(value) and int(value) >= 1:
                return int(value)
            if (
                isinstance(value, list | tuple)
                and len(value) == 2
                and all(v is None or (_is_int(v) and int(v) >= 1) for v in value)
                and (k is ParamKind.SIZE or None not in value)
            ):
                a, b = (None if v is None else int(v) for v in value)
                return a if a == b and a is not None else [a, b]
            raise ParamError(self.expected(), value)
        if k is ParamKind.OPT_SCALE:
            if value is None:
                return None
            if _is_num(value) and value > 0:
                return _tidy_float(value)
            if (
                isinstance(value, list | tuple)
                and len(value) == 2
                and all(_is_num(v) and v > 0 for v in value)
            ):
                fa, fb = (_tidy_float(v) for v in value)
                return fa if fa == fb else [fa, fb]
            raise ParamError(self.expected(), value)
        if k is ParamKind.FLOAT:
            if not _is_num(value) or not math.isfinite(float(value)):
                raise ParamError(self.expected(), value)
            self._check_range(float(value), value)
            return _tidy_float(value)
        if k is ParamKind.BOOL:
            if isinstance(value, bool):
                return value
            raise ParamError(self.expected(), value)
        if k is ParamKind.ENUM:
            if isinstance(value, str) and value in self.choices:
                return value
            raise ParamError(self.expected(), value)
        if k is ParamKind.SHAPE:
            if (
                isinstance(value, list | tuple)
                and len(value) in (1, 3)
                and all(_is_int(v) and int(v) >= 1 for v in value)
            ):
                return [int(v) for v in value]
            raise ParamError(self.expected(), value)
        if k is ParamKind.INTS or k is ParamKind.INT_OR_INTS:
            if k is ParamKind.INT_OR_INTS and _is_int(value):
                return self._int(value)
            lo, hi = self.extra.get("min_items", 1), self.extra.get("max_items", MAX_LIST_LENGTH)
            if (
                isinstance(value, list | tuple)
                and lo <= len(value) <= hi
                and all(_is_int(v) for v in value)
            ):
                for v in value:
                    self._check_range(int(v), value)
                return [int(v) for v in value]
            raise ParamError(self.expected(), value)
        if k is ParamKind.OPT_BOOL:
            if value is None or isinstance(value, bool):
                return value
            raise ParamError(self.expected(), value)
        if k is ParamKind.TEXT:
            if isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH:
                return value
            raise ParamError(self.expected(), value)
        if k is ParamKind.OPT_SHAPE:
            if value is None:
                return None
            if (
                isinstance(value, list | tuple)
                and 1 <= len(value) <= MAX_LIST_LENGTH
                and all(_is_int(v) and int(v) >= 1 for v in value)
            ):
                return [int(v) for v in value]
            raise ParamError(self.expected(), value)
        raise ParamError(self.expected(), value)  # pragma: no cover

    def _int(self, value: Any) -> int:
        if not _is_int(value):
            raise ParamError(self.expected(), value)
        self._check_range(int(value), value)
        return int(value)

    def _pair(self, value: Any) -> list[int]:
        if _is_int(value):
            v = self._int(value)
            return [v, v]
        if isinstance(value, list | tuple) and len(value) == 2 and all(_is_int(v) for v in value):
            for v in value:
                self._check_range(int(v), value)
            return [int(value[0]), int(value[1])]
        raise ParamError(self.expected(), value)

    def _check_range(self, v: float, original: Any) -> None:
        if (self.minimum is not None and v < self.minimum) or (
            self.maximum is not None and v > self.maximum
        ):
            raise ParamError(self.expected(), original)


def _too_large(value: Any) -> bool:
    """A number (or an element of a list of numbers) beyond ``MAX_INT_VALUE``, or not finite."""
    items = value if isinstance(value, list | tuple) else (value,)
    return any(_is_num(v) and not abs(v) <= MAX_INT_VALUE for v in items)  # NaN fails too


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _tidy_float(v: Any) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def _collapse(p: list[int]) -> int | list[int]:
    return p[0] if p[0] == p[1] else p


def as_pair(value: Any) -> Pair:
    """An int or [h, w] as an (h, w) tuple."""
    if value.__class__ is int:  # the usual value, first
        return (value, value)
    if isinstance(value, list | tuple):
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))

"""Keras code from a design: a readable ``keras.Model`` that builds exactly the designed network.

The generated file needs nothing but Keras 3 (any backend). A design that is one chain
becomes a ``keras.Sequential``; anything with branches, merges or several inputs uses
the functional API. Every line carries its output shape as a comment.

Keras orders a volume height × width × channels (channels last), so the design's C×H×W
is written the other way round; the header of the file says so. Padding is expressed
faithfully: ``padding="same"`` where TensorFlow's "same" places the windows exactly where
the design does, ``"valid"`` without padding, and otherwise an explicit
``ZeroPadding2D`` before the layer (for a max pool only where its input cannot be
negative, since PyTorch pads a max pool with −∞ and zeros would change the result).
Layers Keras cannot express (local response normalisation, a max pool with −∞ padding
on signed data, a Linear applied to a volume, ...) are refused with a
``CodeGenerationError`` naming the layer, its type and why: never a silent substitute.

Every translated layer's Keras output size is computed with Keras' own rules and
compared with the design's, so the comments cannot disagree with what Keras builds.

A ``Permute`` or ``Transpose`` becomes no Keras layer: the generator tracks, per tensor, the
order in which Keras holds the design's axes (``Layout``; a volume is channels last). The
layers that are written with the axes they use (activations, ``LayerNormalization`` on the
last axis, ``Dense`` on the last axis, merges) follow that order, so ConvNeXt's
``Permute → LayerNorm → Linear … → Permute`` is channels last throughout, as Keras' own
ConvNeXt is; any other layer, or a model output, in a permuted order is refused.

Layer names: Keras takes the design's ids as names, with ``.`` written ``_`` (the
PyTorch backend refuses dots in names). The mapping per layer type is
``_HANDLERS`` (design type id → translator); a type without an entry is refused.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designer.core.analysis import Analysis, LayerInfo, analyze
from designer.core.arithmetic import AxisArith
from designer.core.design import Design, Layer
from designer.core.params import as_pair
from designer.core.refs import make_ref, source_of
from designer.core.shape_rules import fmt_shape
from designer.export.pytorch_code import (
    CodeGenerationError,
    _emission_order,
    identifier_for,
    require_exportable,
    require_no_placeholders,
)

Shape = tuple[int, ...]

#: Layer types whose output is never negative: after them zeros pad a max pool like −∞ does.
_NON_NEGATIVE = frozenset({"ReLU", "ReLU6", "Sigmoid", "Softmax", "Hardsigmoid", "Softplus"})
#: Layer types that keep the sign of their input (non-negative in, non-negative out).
_SIGN_KEEPING = frozenset(
    {
        "MaxPool2d",
        "AdaptiveMaxPool2d",
        "Dropout",
        "Dropout2d",
        "Identity",
        "ZeroPad2d",
        "Upsample",
        "StochasticDepth",
    }
)
#: Layer types that work on any axis order: elementwise, or written with the axes they use.
#: Every other layer needs its input channels last (the order Keras' layers expect).
_ANY_LAYOUT = frozenset(
    {
        "ReLU",
        "ReLU6",
        "LeakyReLU",
        "Sigmoid",
        "Tanh",
        "GELU",
        "SiLU",
        "Hardswish",
        "Hardsigmoid",
        "Mish",
        "ELU",
        "SELU",
        "Softplus",
        "Identity",
        "Dropout",
        "StochasticDepth",
        "Add",
        "Mul",
        "Linear",
        "LayerNorm",
        "Permute",
        "Transpose",
        "Scale",
        "Split",
        "Chunk",
    }
)

Layout = tuple[int, ...]


def _standard(shape: Shape) -> Layout:
    """How Keras holds a tensor of the design (axes counted with the batch axis): a volume
    channels last, (0, 2, 3, 1); anything else in the design's order."""
    return (0, 2, 3, 1) if len(shape) == 3 else tuple(range(len(shape) + 1))


def _in_layout(shape: Shape, layout: Layout) -> Shape:
    """The Keras shape (no batch axis) of a design tensor of ``shape`` held in ``layout``."""
    full = (1, *shape)
    return tuple(full[a] for a in layout[1:])


def generate(design: Design, *, name: str | None = None, analysis: Analysis | None = None) -> str:
    """The Python source of a module whose ``build_model()`` returns ``design`` as a ``keras.Model``.
    ``analysis``: a current analysis of ``design`` to read (the app's live one), instead of a
    fresh one.

    Raises ``CodeGenerationError`` naming the layer when the design has errors or a layer
    has no faithful Keras equivalent.
    """
    return _Generator(design, name, analysis).source()


def keras_shapes(design: Design) -> dict[str, Shape | None]:
    """Each layer's output shape as the exported Keras model holds it (no batch axis): H×W×C for a
    volume, or the order a Permute left it in; ``None`` for a layer with no Keras layer of its
    own (Permute, Transpose, Split, Chunk). Raises ``CodeGenerationError`` as ``generate`` does."""
    gen = _Generator(design, None)
    out: dict[str, Shape | None] = {}
    for layer in design:
        info = gen.analysis.info[layer.id]
        if layer.type in ("Permute", "Transpose", "Split", "Chunk") or info.output_shape is None:
            out[layer.id] = None
        else:
            out[layer.id] = _in_layout(info.output_shape, gen.layout[layer.id])
    return out


def keras_name(layer_id: str) -> str:
    """The Keras layer name for a design id: dots become underscores (torch refuses dots)."""
    return layer_id.replace(".", "_")


class KerasCodeExporter:
    """Exporter for Keras code: ``export(path=None) -> bytes`` (UTF-8 source)."""

    file_suffix = ".py"

    def __init__(self, design: Design) -> None:
        self.design = design

    def export(self, path: str | os.PathLike[str] | None = None) -> bytes:
        data = generate(self.design).encode("utf-8")
        if path is not None:
            from designer.core.fileformat import write_atomic

            write_atomic(Path(path), data)
        return data


# ------------------------------------------------------------------------------ pieces


@dataclass
class _Op:
    """One Keras layer call: ``layers.Conv2D(...)`` with the shape (design order) it gives."""

    call: str
    shape: Shape
    notes: list[str] = field(default_factory=list)
    keras_shape: Shape | None = None  # when Keras holds it in another order than channels last
    #: a call that returns several tensors (keras.ops.split), one per output of the layer
    outputs: int = 0
    #: not a layer but a function of the tensor(s): ``keras.ops.split(x, ...)``
    function: bool = False

    def comment(self) -> str:
        if self.keras_shape is not None:
            return "×".join(str(v) for v in self.keras_shape)
        return fmt_shape(self.shape)


class _Raw(str):
    """Code written as it is (``keras.initializers.Constant(0.25)``), not as a string literal."""


def _lit(value: Any) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple | list):
        inner = ", ".join(_lit(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, float):
        return repr(value)
    return repr(value)


def _pair(value: tuple[int, int]) -> Any:
    """``3`` for (3, 3), else the tuple: as Keras users write it."""
    return value[0] if value[0] == value[1] else value


def _call(cls: str, positional: list[Any], keywords: dict[str, Any]) -> str:
    args = [_lit(v) for v in positional] + [f"{k}={_lit(v)}" for k, v in keywords.items()]
    return f"layers.{cls}({', '.join(args)})"


def _hwc(shape: Shape) -> Shape:
    return (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape


def _keras_window(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """Keras' output size: ``⌊(in − d·(k − 1) − 1)/s⌋ + 1`` for "valid", ``⌈in/s⌉`` for "same"."""
    if padding == "same":
        return -(-size // stride)
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def _tf_same(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's "same": (padding before, output size)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, out


class _Refused(Exception):
    pass


@dataclass
class _Window:
    """How a window layer's padding is written in Keras."""

    padding: str  # "valid" or "same"
    pre_pad: (
        tuple[tuple[int, int], tuple[int, int]] | None
    )  # ZeroPadding2D ((top, bottom), (left, right))


def _window_padding(
    axes: tuple[AxisArith, ...], zero_pad_ok: bool, same_ok: bool, why_not_zero: str
) -> _Window:
    """Keras padding giving the design's windows: same start offset and the same number of windows."""
    if all(a.pad_lo == 0 and a.pad_hi == 0 for a in axes) and all(
        _keras_window(a.size_in, a.kernel, a.stride, a.dilation, "valid") == a.out for a in axes
    ):
        return _Window("valid", None)
    if same_ok and all(
        _tf_same(a.size_in, a.kernel, a.stride, a.dilation) == (a.pad_lo, a.out) for a in axes
    ):
        return _Window("same", None)
    pads = []
    for a in axes:
        lo, hi = a.pad_lo, a.pad_hi
        # Ceil rounding lets the last window hang over the edge: pad that far so "valid" reaches it.
        reach = (a.out - 1) * a.stride + a.effective_kernel - (a.size_in + lo)
        hi = max(hi, reach)
        if _keras_window(a.size_in + lo + hi, a.kernel, a.stride, a.dilation, "valid") != a.out:
            raise _Refused(f"Keras cannot place its {a.out} windows along the {a.axis}")
        pads.append((lo, hi))
    if not zero_pad_ok:
        raise _Refused(why_not_zero)
    return _Window("valid", (pads[0], pads[1]))


# ----------------------------------------------------------------------------- generator


class _Generator:
    def __init__(self, design: Design, name: str | None, analysis: Analysis | None = None) -> None:
        self.design = design
        self.model_name = name or design.name
        self.analysis: Analysis = analyze(design) if analysis is None else analysis
        self.used_names: set[str] = set()
        self.needs_adaptive = False
        self.needs_scale = False
        self.layout: dict[str, Layout] = {}  # per input reference: how Keras holds the tensor
        self._check()
        # Ids that are valid Keras names keep them; the others ("layer1.0.conv1") take what is left.
        self.layer_names: dict[str, str] = {}
        for lid in design.ids:
            if keras_name(lid) == lid:
                self.layer_names[lid] = self._name(lid)
        for lid in design.ids:
            if lid not in self.layer_names:
                self.layer_names[lid] = self._name(lid)
        self.ops: dict[str, list[_Op]] = {}
        for layer in design:
            try:
                self.ops[layer.id] = self._translate(layer)
                self._check_outputs(layer)
            except _Refused as why:
                raise CodeGenerationError(
                    f"cannot generate Keras code: layer {layer.id!r} ({layer.type}) {why}"
                ) from None

    def _check(self) -> None:
        design, analysis = self.design, self.analysis
        require_no_placeholders(design, f"generate Keras code for {design.name!r}")
        require_exportable(
            design, analysis, "generate Keras code", f"generate Keras code for {design.name!r}"
        )

    # ---------------------------------------------------------------- names

    def _name(self, wanted: str) -> str:
        base = keras_name(wanted)
        name, n = base, 2
        while name in self.used_names:
            name, n = f"{base}_{n}", n + 1
        self.used_names.add(name)
        return name

    # ----------------------------------------------------------- translation

    def _translate(self, layer: Layer) -> list[_Op]:
        handler = _HANDLERS.get(layer.type)
        if handler is None:
            raise _Refused("has no Keras translation in CNN Designer yet")
        info = self.analysis.info[layer.id]
        layouts = [self.layout[i] for i in layer.inputs]
        if layer.type not in _ANY_LAYOUT:
            for ref, layout in zip(layer.inputs, layouts, strict=True):
                shape = self._shape_of(ref)
                if layout != _standard(shape):
                    raise _Refused(
                        f"receives {ref!r} after a Permute or Transpose: its channels (the design's axis 1, "
                        f"{shape[0]} of them) are not Keras' last axis there (Keras holds it as "
                        f"{self._order(shape, layout)}), and Keras' layers take the channels last. Permute "
                        "the axes back to C×H×W before this layer (as ConvNeXt's Permute(0, 3, 1, 2) does)"
                    )
        # Elementwise layers keep their input's order; the handlers of the others set theirs.
        self.out_layout: Layout | None = layouts[0] if layouts else None
        ops = handler(self, layer, info, layer.resolved())
        if len(info.output_shapes) > 1 or layer.type in ("Split", "Chunk"):
            for k, shape in enumerate(info.output_shapes):
                self.layout[make_ref(layer.id, k)] = self.out_layout or _standard(shape)
        else:
            assert info.output_shape is not None
            layout = (
                self.out_layout
                if self.out_layout is not None
                and len(self.out_layout) == len(info.output_shape) + 1
                else _standard(info.output_shape)
            )
            self.layout[layer.id] = layout
            if layout != _standard(info.output_shape):
                keras_shape = _in_layout(info.output_shape, layout)
                for op in ops:
                    if op.shape == info.output_shape:
                        op.keras_shape = keras_shape
        return ops

    def _shape_of(self, ref: str) -> Shape:
        lid, sep, k = ref.rpartition(":") if ":" in ref else (ref, "", "")
        info = self.analysis.info[lid]
        shape = info.output_shapes[int(k)] if sep else info.output_shape
        assert shape is not None
        return shape

    @staticmethod
    def _order(shape: Shape, layout: Layout) -> str:
        return "×".join(str(v) for v in _in_layout(shape, layout))

    def _check_outputs(self, layer: Layer) -> None:
        """A model output must be channels last, as every Keras model gives it."""
        if layer.type == "Input" or any(
            source_of(i) == layer.id for other in self.design for i in other.inputs
        ):
            return
        shape = self.analysis.info[layer.id].output_shape
        layout = self.layout.get(layer.id)
        if shape is not None and layout is not None and layout != _standard(shape):
            raise _Refused(
                f"is an output of the model but leaves its axes permuted (Keras would give "
                f"{self._order(shape, layout)}, not the channels-last H×W×C every Keras model gives); "
                "permute them back to C×H×W first"
            )

    def _keras_axis(self, ref: str, dim: int) -> int:
        """The Keras axis (with the batch axis) that holds the design's axis ``dim`` of ``ref``."""
        shape = self._shape_of(ref)
        dim %= len(shape) + 1
        return self.layout[ref].index(dim)

    def _non_negative(self, lid: str) -> bool:
        """Whether the layer's output cannot be negative (a ReLU-like layer, through pools and dropouts)."""
        layer = self.design.layer(source_of(lid))
        while layer.type in _SIGN_KEEPING and layer.inputs:
            layer = self.design.layer(source_of(layer.inputs[0]))
        return layer.type in _NON_NEGATIVE

    def _padded(
        self, layer: Layer, info: LayerInfo, window: _Window, main: str, shape: Shape
    ) -> list[_Op]:
        ops = []
        if window.pre_pad is not None:
            (t, b), (l_, r) = window.pre_pad
            in_shape = info.input_shapes[0]
            assert in_shape is not None
            padded = (in_shape[0], in_shape[1] + t + b, in_shape[2] + l_ + r)
            pad = _pad_arg(t, b, l_, r)
            name = self._name(f"{layer.id}_pad")
            ops.append(_Op(_call("ZeroPadding2D", [pad], {"name": name}), padded))
        ops.append(_Op(main, shape))
        return ops

    def conv2d(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        axes = info.axes
        k, s, d = as_pair(p["kernel_size"]), as_pair(p["stride"]), as_pair(p["dilation"])
        if max(s) > 1 and max(d) > 1:
            raise _Refused(
                "combines a stride above 1 with dilation, which Keras' Conv2D does not support"
            )
        window = _window_padding(axes, True, True, "")
        kw: dict[str, Any] = {}
        if s != (1, 1):
            kw["strides"] = _pair(s)
        if window.padding != "valid":
            kw["padding"] = window.padding
        if d != (1, 1):
            kw["dilation_rate"] = _pair(d)
        if p["groups"] != 1:
            kw["groups"] = p["groups"]
        if not p["bias"]:
            kw["use_bias"] = False
        kw["name"] = self.layer_names[layer.id]
        main = _call("Conv2D", [p["out_channels"], _pair(k)], kw)
        return self._padded(layer, info, window, main, shape)

    def conv_transpose2d(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        in_shape = info.input_shapes[0]
        assert shape is not None and in_shape is not None
        if p["groups"] != 1:
            raise _Refused("uses groups, which Keras' Conv2DTranspose does not have")
        k, s, d = as_pair(p["kernel_size"]), as_pair(p["stride"]), as_pair(p["dilation"])
        pad, op = as_pair(p["padding"]), as_pair(p["output_padding"])
        kw: dict[str, Any] = {}
        if s != (1, 1):
            kw["strides"] = _pair(s)
        # "valid" with an explicit output_padding: out = (in − 1)·s + d·(k − 1) + 1 + output_padding;
        # a PyTorch padding p then crops p from each border (Cropping2D after).
        full = [(in_shape[1 + i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 for i in range(2)]
        default = [in_shape[1 + i] * s[i] + max(k[i] - s[i], 0) for i in range(2)]
        if op != (0, 0) or full != default:
            if any(op[i] >= s[i] for i in range(2)):
                raise _Refused(
                    f"has output_padding {fmt_pair(op)} not smaller than its stride, which Keras refuses"
                )
            kw["output_padding"] = _pair(op)
        if d != (1, 1):
            kw["dilation_rate"] = _pair(d)
        if not p["bias"]:
            kw["use_bias"] = False
        kw["name"] = self.layer_names[layer.id]
        grown = (shape[0], full[0] + op[0], full[1] + op[1])
        ops = [_Op(_call("Conv2DTranspose", [p["out_channels"], _pair(k)], kw), grown)]
        if pad != (0, 0):
            crop = _pad_arg(pad[0], pad[0], pad[1], pad[1])
            ops.append(
                _Op(_call("Cropping2D", [crop], {"name": self._name(f"{layer.id}_crop")}), shape)
            )
        if ops[-1].shape != shape:
            raise _Refused(f"would be {fmt_shape(ops[-1].shape)} in Keras, not {fmt_shape(shape)}")
        return ops

    def pool(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        k = as_pair(p["kernel_size"])
        s = as_pair(k if p["stride"] is None else p["stride"])
        is_max = layer.type == "MaxPool2d"
        if is_max and as_pair(p["dilation"]) != (1, 1):
            raise _Refused("uses dilation, which Keras' pooling layers do not have")
        axes = info.axes
        ceil_extra = any((a.out - 1) * a.stride + a.effective_kernel > a.padded for a in axes)
        if is_max:
            # TF's "same" ignores the padding (= PyTorch's −∞); zeros do the same only on non-negative data.
            zero_ok = bool(layer.inputs) and self._non_negative(layer.inputs[0])
            why = (
                'pads with −∞ (PyTorch\'s max-pool padding). Keras pads a max pool either with "same", which '
                "places the windows differently here, or with zeros from ZeroPadding2D, which equal −∞ only when "
                "the input cannot be negative (after a ReLU). Put a ReLU before it, or remove the padding"
            )
            same_ok = True
        else:
            include = bool(p["count_include_pad"])
            zero_ok = include and not ceil_extra
            same_ok = not include or all(a.pad_lo == a.pad_hi == 0 for a in axes)
            why = (
                "averages windows that hang over the border without counting the padding "
                '(count_include_pad off or ceil_mode); Keras can only do that with "same", which places the '
                "windows differently here"
            )
        window = _window_padding(axes, zero_ok, same_ok, why)
        kw: dict[str, Any] = {}
        if s != k:
            kw["strides"] = _pair(s)
        if window.padding != "valid":
            kw["padding"] = window.padding
        kw["name"] = self.layer_names[layer.id]
        main = _call("MaxPooling2D" if is_max else "AveragePooling2D", [_pair(k)], kw)
        return self._padded(layer, info, window, main, shape)

    def adaptive_pool(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        avg = layer.type == "AdaptiveAvgPool2d"
        name = self.layer_names[layer.id]
        if shape[1:] == (1, 1):
            cls = "GlobalAveragePooling2D" if avg else "GlobalMaxPooling2D"
            return [_Op(_call(cls, [], {"keepdims": True, "name": name}), shape)]
        self.needs_adaptive = True
        cls = "AdaptiveAveragePooling2D" if avg else "AdaptiveMaxPooling2D"
        return [_Op(_call(cls, [_pair((shape[1], shape[2]))], {"name": name}), shape)]

    def batch_norm(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        if not p["track_running_stats"]:
            raise _Refused(
                "does not track running statistics; Keras' BatchNormalization always keeps them"
            )
        kw: dict[str, Any] = {
            "epsilon": p["eps"],
            "momentum": round(1.0 - float(p["momentum"]), 10),
        }
        if not p["affine"]:
            kw["center"] = False
            kw["scale"] = False
        kw["name"] = self.layer_names[layer.id]
        assert info.output_shape is not None
        return [_Op(_call("BatchNormalization", [], kw), info.output_shape)]

    def activation(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        assert info.output_shape is not None
        name = self.layer_names[layer.id]
        t = layer.type
        if t == "ReLU":
            call = _call("ReLU", [], {"name": name})
        elif t == "ReLU6":
            call = _call("ReLU", [], {"max_value": 6.0, "name": name})
        elif t == "LeakyReLU":
            call = _call("LeakyReLU", [], {"negative_slope": p["negative_slope"], "name": name})
        elif t == "GELU" and p["approximate"] != "none":
            raise _Refused(
                'uses the tanh approximation of GELU, which Keras\' Activation("gelu") does not'
            )
        else:
            call = _call("Activation", [_ACTIVATION_NAMES[t]], {"name": name})
        return [_Op(call, info.output_shape)]

    def softmax(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        rank = len(shape) + 1
        dim = p["dim"] % rank
        if dim == 0:
            raise _Refused("normalises over the batch axis")
        axis = (
            -1 if dim == 1 else dim - 1
        )  # channels go last; height and width move forward one place
        kw: dict[str, Any] = {} if axis == -1 else {"axis": axis}
        kw["name"] = self.layer_names[layer.id]
        return [_Op(_call("Softmax", [], kw), shape)]

    def passthrough(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        assert info.output_shape is not None
        name = self.layer_names[layer.id]
        if layer.type == "Identity":
            call = _call("Identity", [], {"name": name})
        elif layer.type == "Dropout":
            call = _call("Dropout", [p["p"]], {"name": name})
        else:
            if len(info.output_shape) != 3:
                raise _Refused("drops whole channels but receives a vector")
            call = _call("SpatialDropout2D", [p["p"]], {"name": name})
        return [_Op(call, info.output_shape)]

    def flatten(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        in_shape = info.input_shapes[0]
        assert shape is not None and in_shape is not None
        if len(shape) != 1:
            raise _Refused(
                f"flattens only some axes ({fmt_shape(in_shape, 'chw')} → {fmt_shape(shape, 'chw')}); "
                "in Keras' channels-last order that is a different reshape"
            )
        return [_Op(_call("Flatten", [], {"name": self.layer_names[layer.id]}), shape)]

    def linear(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        in_shape = info.input_shapes[0]
        assert info.output_shape is not None and in_shape is not None
        layout = self.layout[layer.inputs[0]]
        if len(in_shape) != 1 and layout[-1] != len(in_shape):
            raise _Refused(
                f"is applied to the volume {fmt_shape(in_shape)}: PyTorch's Linear works on the width there, "
                "Keras' Dense on the channels. Flatten first (or permute the channels last, as ConvNeXt does)"
            )
        kw: dict[str, Any] = {} if p["bias"] else {"use_bias": False}
        kw["name"] = self.layer_names[layer.id]
        return [_Op(_call("Dense", [p["out_features"]], kw), info.output_shape)]

    def zero_pad(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        assert info.output_shape is not None
        pad = p["padding"]
        left, right, top, bottom = (pad,) * 4 if isinstance(pad, int) else pad
        values = (left, right, top, bottom)
        name = self.layer_names[layer.id]
        if all(v >= 0 for v in values):
            arg: Any = _pad_arg(top, bottom, left, right)
            return [_Op(_call("ZeroPadding2D", [arg], {"name": name}), info.output_shape)]
        if all(v <= 0 for v in values):
            arg = _pad_arg(-top, -bottom, -left, -right)
            return [_Op(_call("Cropping2D", [arg], {"name": name}), info.output_shape)]
        raise _Refused(
            "pads some borders and crops others; write it as two layers (ZeroPad2d, then a crop)"
        )

    def upsample(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        in_shape = info.input_shapes[0]
        assert shape is not None and in_shape is not None
        factors = []
        for i in (1, 2):
            if shape[i] % in_shape[i]:
                raise _Refused(
                    f"resizes {in_shape[i]} to {shape[i]}, not a whole multiple; Keras' UpSampling2D only multiplies"
                )
            factors.append(shape[i] // in_shape[i])
        if p["align_corners"]:
            raise _Refused(
                "aligns the corner pixels (align_corners), which Keras' UpSampling2D and Resizing cannot"
            )
        mode = {
            "nearest": "nearest",
            "nearest-exact": "nearest",
            "bilinear": "bilinear",
            "bicubic": "bicubic",
        }[p["mode"]]
        kw: dict[str, Any] = {} if mode == "nearest" else {"interpolation": mode}
        kw["name"] = self.layer_names[layer.id]
        op = _Op(_call("UpSampling2D", [_pair((factors[0], factors[1]))], kw), shape)
        if len(layer.inputs) == 2:
            # The design takes the size from its second input; Keras' sizes are static: the factor.
            op.notes.append(
                f"{layer.id}: to the height and width of {layer.inputs[1]} ({shape[1]}×{shape[2]})"
            )
        return [op]

    def merge(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        assert info.output_shape is not None
        name = self.layer_names[layer.id]
        if len({self.layout[i] for i in layer.inputs}) > 1:
            raise _Refused("combines tensors that Keras holds in different axis orders")
        if layer.type == "Add":
            return [_Op(_call("Add", [], {"name": name}), info.output_shape)]
        if layer.type == "Mul":
            return [_Op(_call("Multiply", [], {"name": name}), info.output_shape)]
        return [_Op(_call("Concatenate", [], {"axis": -1, "name": name}), info.output_shape)]

    def input(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        assert info.output_shape is not None
        shape = _hwc(info.output_shape)
        return [
            _Op(
                f"keras.Input(shape={_lit(shape)}, name={_lit(self.layer_names[layer.id])})",
                info.output_shape,
            )
        ]

    def lrn(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        raise _Refused(
            "has no Keras equivalent: Keras has no local response normalisation layer. Remove it (modern "
            "networks use BatchNorm2d instead) or write a custom layer by hand"
        )

    # ------------------------------------------------------ the modern vocabulary

    def modern_activation(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        assert info.output_shape is not None
        name = self.layer_names[layer.id]
        t = layer.type
        if t == "ELU":
            return [
                _Op(_call("ELU", [], {"alpha": float(p["alpha"]), "name": name}), info.output_shape)
            ]
        if t == "Softplus":
            if float(p["beta"]) != 1.0:
                raise _Refused(
                    f"has beta {p['beta']:g}: Keras' softplus is log(1 + eˣ), without a beta"
                )
            if float(p["threshold"]) < 20.0:
                raise _Refused(
                    f"turns linear above {p['threshold']:g}, which Keras' softplus does not (from 20 on the "
                    "difference is below float precision)"
                )
        return [_Op(_call("Activation", [_ACTIVATION_NAMES[t]], {"name": name}), info.output_shape)]

    def prelu(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        n = int(p["num_parameters"])
        rank = len(shape)
        layout = self.layout[layer.inputs[0]]
        # PyTorch's slopes run along the channels (axis 1); Keras learns one per element of the axes
        # it does not share.
        channel = layout.index(1) if rank > 1 else 1
        shared = [a for a in range(1, rank + 1) if n == 1 or a != channel]
        kw: dict[str, Any] = {
            "alpha_initializer": _Raw(f"keras.initializers.Constant({float(p['init'])!r})")
        }
        if shared:
            kw["shared_axes"] = shared
        kw["name"] = self.layer_names[layer.id]
        return [_Op(_call("PReLU", [], kw), shape)]

    def layer_norm2d(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        assert info.output_shape is not None
        return [
            _Op(
                _call(
                    "LayerNormalization",
                    [],
                    self._norm_kw(layer, p["eps"], p["elementwise_affine"], True),
                ),
                info.output_shape,
            )
        ]

    def _norm_kw(
        self, layer: Layer, eps: Any, scale: bool, center: bool, axis: Any = -1
    ) -> dict[str, Any]:
        kw: dict[str, Any] = {"axis": axis, "epsilon": float(eps)}
        if not scale:
            kw["scale"] = False
        if not (scale and center):
            kw["center"] = False
        kw["name"] = self.layer_names[layer.id]
        return kw

    def layer_norm(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        k = len(p["normalized_shape"])
        layout = self.layout[layer.inputs[0]]
        rank = len(shape) + 1
        if list(layout[rank - k :]) != list(range(rank - k, rank)):
            raise _Refused(
                f"normalises the last {k} ax{'is' if k == 1 else 'es'} of {fmt_shape(shape, 'chw')}, which Keras "
                f"holds in another order ({self._order(shape, layout)}); permute the channels last first"
            )
        axis: Any = -1 if k == 1 else list(range(-k, 0))
        affine = bool(p["elementwise_affine"])
        kw = self._norm_kw(layer, p["eps"], affine, affine and bool(p["bias"]), axis)
        return [_Op(_call("LayerNormalization", [], kw), shape)]

    def group_norm(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        if layer.type == "InstanceNorm2d":
            if p["track_running_stats"]:
                raise _Refused(
                    "keeps running statistics (track_running_stats): at inference it normalises with them, "
                    "as a BatchNorm2d does; Keras' GroupNormalization cannot"
                )
            groups, affine = shape[0], bool(p["affine"])
        else:
            groups, affine = int(p["num_groups"]), bool(p["affine"])
        kw: dict[str, Any] = {"groups": groups, "axis": -1, "epsilon": float(p["eps"])}
        if not affine:
            kw["center"] = False
            kw["scale"] = False
        kw["name"] = self.layer_names[layer.id]
        op = _Op(_call("GroupNormalization", [], kw), shape)
        if layer.type == "InstanceNorm2d":
            op.notes.append(f"{layer.id}: InstanceNorm2d = one group per channel")
        return [op]

    def stochastic_depth(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        # torchvision's StochasticDepth zeroes whole samples ("row") or the whole batch, and scales
        # the rest by 1/(1 − p): a Dropout whose mask has one value per sample (or one in all).
        first: Any = None if p["mode"] == "row" else 1
        noise = (first, *([1] * len(shape)))
        op = _Op(
            _call(
                "Dropout",
                [float(p["p"])],
                {"noise_shape": noise, "name": self.layer_names[layer.id]},
            ),
            shape,
        )
        op.notes.append(
            f"{layer.id}: StochasticDepth(p={p['p']}, mode={p['mode']}): drops whole "
            f"{'samples' if p['mode'] == 'row' else 'batches'}; the identity at inference"
        )
        return [op]

    def channel_shuffle(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None and len(shape) == 3
        c, h, w = shape
        g = int(p["groups"])
        # channels last: (H, W, g, C/g) → swap the last two → (H, W, C), as PyTorch's (g, C/g) swap
        return [
            _Op(
                _call("Reshape", [(h, w, g, c // g)], {"name": self._name(f"{layer.id}_groups")}),
                shape,
                keras_shape=(h, w, g, c // g),
            ),
            _Op(
                _call("Permute", [(1, 2, 4, 3)], {"name": self._name(f"{layer.id}_swap")}),
                shape,
                keras_shape=(h, w, c // g, g),
            ),
            _Op(_call("Reshape", [(h, w, c)], {"name": self.layer_names[layer.id]}), shape),
        ]

    def split(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        ref = layer.inputs[0]
        axis = self._keras_axis(ref, int(p["dim"]))
        in_shape = self._shape_of(ref)
        dim = int(p["dim"]) % (len(in_shape) + 1)
        sizes = [s[dim - 1] for s in info.output_shapes]
        cuts = [sum(sizes[: k + 1]) for k in range(len(sizes) - 1)]
        keras_axis = axis - (len(in_shape) + 1)  # counted from the end: -1 is the last
        call = f"keras.ops.split({{x}}, {_lit(cuts) if len(cuts) != 1 else f'[{cuts[0]}]'}, axis={keras_axis})"
        op = _Op(call, info.output_shapes[0], outputs=len(sizes), function=True)
        op.notes.append(
            f"{layer.id}: {layer.type} into {' + '.join(str(v) for v in sizes)} along axis {dim} "
            "(keras.ops.split: a function, not a layer)"
        )
        return [op]

    def mean(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape, in_shape = info.output_shape, info.input_shapes[0]
        assert shape is not None and in_shape is not None
        dims = sorted(
            int(d) % (len(in_shape) + 1)
            for d in (p["dim"] if isinstance(p["dim"], list) else [p["dim"]])
        )
        if len(in_shape) != 3 or dims != [2, 3]:
            raise _Refused(
                f"averages over axes {dims}; only the mean over height and width "
                "(GlobalAveragePooling2D) is exported"
            )
        kw: dict[str, Any] = {"keepdims": True} if p["keepdim"] else {}
        kw["name"] = self.layer_names[layer.id]
        return [_Op(_call("GlobalAveragePooling2D", [], kw), shape)]

    def reshape(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape, in_shape = info.output_shape, info.input_shapes[0]
        assert shape is not None and in_shape is not None
        name = self.layer_names[layer.id]
        if len(shape) == 1:
            op = _Op(_call("Reshape", [(shape[0],)], {"name": name}), shape)
            if len(in_shape) == 3 and in_shape[1] * in_shape[2] > 1:
                op.notes.append(
                    f"{layer.id}: unrolls H×W×C, not C×H×W as in PyTorch (the same values in another order)"
                )
            return [op]
        if len(in_shape) == 1 and len(shape) == 3:
            c, h, w = shape
            if h * w == 1 or c == 1:  # one of the two orders is a single value: they agree
                return [_Op(_call("Reshape", [(h, w, c)], {"name": name}), shape)]
            # PyTorch fills C×H×W: reshape in that order, then put the channels last
            return [
                _Op(
                    _call("Reshape", [(c, h, w)], {"name": self._name(f"{layer.id}_chw")}),
                    shape,
                    keras_shape=(c, h, w),
                ),
                _Op(_call("Permute", [(2, 3, 1)], {"name": name}), shape),
            ]
        raise _Refused(
            f"reshapes {fmt_shape(in_shape, 'chw')} into {fmt_shape(shape, 'chw')}: in Keras' channels-last "
            "order the values would land elsewhere; only flattening and vector → volume are exported"
        )

    def permute(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        rank = len(shape) + 1
        if layer.type == "Permute":
            dims = [int(d) % rank for d in p["dims"]]
        else:
            dims = list(range(rank))
            a, b = int(p["dim0"]) % rank, int(p["dim1"]) % rank
            dims[a], dims[b] = dims[b], dims[a]
        inverse = [dims.index(i) for i in range(rank)]
        before = self.layout[layer.inputs[0]]
        # Keras already holds the tensor in some order: the design's permuted tensor is the same data,
        # read with the axes renamed. No Keras layer: Keras' own ConvNeXt has no permutes either.
        self.out_layout = tuple(inverse[a] for a in before)
        op = _Op("", shape)
        op.notes.append(
            f"{layer.id}: {layer.type}{tuple(dims) if layer.type == 'Permute' else (p['dim0'], p['dim1'])} needs no "
            f"Keras layer: Keras holds this tensor as {self._order(shape, self.out_layout)}"
        )
        return [op]

    def scale(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        shape = info.output_shape
        assert shape is not None
        design_shape = [int(v) for v in p["shape"]]
        full = [1] * (len(shape) - len(design_shape)) + design_shape
        if len(full) != len(shape):
            raise _Refused("has a learned tensor of more axes than its input")
        layout = self.layout[layer.inputs[0]]
        keras_shape = tuple(([1, *full])[a] for a in layout[1:])
        self.needs_scale = True
        kw = {"init": float(p["init"]), "name": self.layer_names[layer.id]}
        return [
            _Op(
                f"Scale({_lit(keras_shape)}, {', '.join(f'{k}={_lit(v)}' for k, v in kw.items())})",
                shape,
            )
        ]

    # ----------------------------------------------------------------- source

    def _chain(self) -> list[str] | None:
        """The layer ids in order if the design is one chain from its one Input, else ``None``."""
        design = self.design
        inputs = [layer for layer in design if layer.type == "Input"]
        if len(inputs) != 1:
            return None
        consumers: dict[str, list[str]] = {lid: [] for lid in design.ids}
        for layer in design:
            for i in layer.inputs:
                if i != source_of(i):
                    return None  # a Split's pieces: only the functional API takes them
                consumers[i].append(layer.id)
        order = [inputs[0].id]
        while consumers[order[-1]]:
            nxt = consumers[order[-1]]
            if len(nxt) != 1 or len(design.layer(nxt[0]).inputs) != 1:
                return None
            order.append(nxt[0])
        return order if len(order) == len(design) else None

    def source(self) -> str:
        design, analysis = self.design, self.analysis
        totals = analysis.totals()
        bn = [
            layer
            for layer in design
            if layer.type == "BatchNorm2d" and layer.resolved()["track_running_stats"]
        ]
        out: list[str] = []
        title = design.name.replace('"""', "'''")
        out.append(f'"""{title}: Keras model generated by CNN Designer.')
        out.append("")
        out.append(
            "Channels last: Keras orders a volume height × width × channels, so the design's"
        )
        out.append("C×H×W is written (H, W, C) here, and every shape comment is H×W×C.")
        out.append("Runs with Keras 3 on any backend: python this_file.py")
        if self.needs_adaptive:
            out.append(
                "AdaptiveAveragePooling2D / AdaptiveMaxPooling2D need a recent Keras (3.15 has them)."
            )
        if any(layer.type == "Conv2d" and layer.resolved()["groups"] != 1 for layer in design):
            out.append(
                "Grouped convolutions (groups=): TensorFlow runs them on GPU only; the JAX and PyTorch"
            )
            out.append("backends run them anywhere.")
        out.append('"""')
        out.append("")
        out.append("import keras")
        out.append("from keras import layers")
        out.append("")
        out.append("")
        if self.needs_scale:
            out.extend(_SCALE_CLASS)
            out.append("")
            out.append("")
        out.append("def build_model() -> keras.Model:")
        doc = [f'    """{title}.', ""]
        for layer in design:
            if layer.type == "Input":
                doc.append(
                    f"    Input {layer.id}: {fmt_shape(analysis.info[layer.id].output_shape)} (batch axis not shown)."
                )
        doc.append(f"    Parameters: {totals.params:,} (trainable {totals.trainable_params:,}).")
        if bn:
            moving = sum(2 * (analysis.info[b.id].output_shape or (0,))[0] for b in bn)
            doc.append(
                f"    Keras also counts BatchNormalization's moving mean and variance ({moving:,} non-trainable"
            )
            doc.append(
                f"    weights), which PyTorch keeps as buffers: model.count_params() = {totals.params + moving:,}."
            )
        doc.append(f"    Multiply-accumulates per sample: {totals.macs:,}.")
        flattens = [
            layer.id
            for layer in design
            if layer.type == "Flatten"
            and len(analysis.info[layer.id].input_shapes[0] or ()) == 3
            and math.prod((analysis.info[layer.id].input_shapes[0] or (1, 1, 1))[1:]) > 1
        ]  # over 1×1 both orders are the channels
        if flattens:
            doc.append("")
            doc.append(
                "    Flatten unrolls H×W×C here, not C×H×W as in PyTorch: the same number of values,"
            )
            doc.append(
                "    in another order (weights converted from PyTorch need their rows permuted)."
            )
        doc.append('    """')
        out.extend(doc)
        chain = self._chain()
        if chain is not None:
            out.extend(self._sequential(chain))
        else:
            out.extend(self._functional())
        out.append("")
        out.append("")
        out.append('if __name__ == "__main__":')
        out.append("    model = build_model()")
        out.append("    model.summary()")
        return "\n".join(out) + "\n"

    def _sequential(self, chain: list[str]) -> list[str]:
        lines = ["    return keras.Sequential(", "        ["]
        for lid in chain:
            for op in self.ops[lid]:
                lines.extend(f"            # {n}" for n in op.notes)
                if op.call:
                    lines.append(f"            {op.call},  # {op.comment()}")
        lines.append("        ],")
        lines.append(f"        name={_lit(self.model_name)},")
        lines.append("    )")
        return lines

    def _functional(self) -> list[str]:
        design = self.design
        order = _emission_order(design)
        consumers: dict[str, list[str]] = {lid: [] for lid in design.ids}
        for layer in design:
            for i in layer.inputs:
                consumers[source_of(i)].append(layer.id)
        inputs = [layer.id for layer in design if layer.type == "Input"]
        outputs = [
            lid for lid in design.ids if not consumers[lid] and design.layer(lid).type != "Input"
        ]
        position = {lid: n for n, lid in enumerate(order)}
        var_of: dict[str, str] = {}
        taken = {"keras", "layers", "model", "x", "inputs", "outputs", "build_model"}
        lines: list[str] = []
        for lid in order:
            layer = design.layer(lid)
            if layer.type == "Input":
                var = "inputs" if len(inputs) == 1 else self._var(lid, taken)
                op = self.ops[lid][0]
                lines.append(f"    {var} = {op.call}  # {fmt_shape(op.shape)}")
                var_of[lid] = var
                continue
            users = consumers[lid]
            flows = (
                len(users) == 1 and position[users[0]] == position[lid] + 1 and len(outputs) == 1
            )
            flows = flows and len(design.layer(users[0]).inputs) == 1
            target = (
                "x" if flows or (lid in outputs and len(outputs) == 1) else self._var(lid, taken)
            )
            args = [var_of[i] for i in layer.inputs]
            merging = layer.type in ("Add", "Concat", "Mul")
            arg = args[0] if not merging else "[" + ", ".join(args) + "]"
            ops = self.ops[lid]
            if all(not op.call for op in ops):  # a Permute: the same Keras tensor, renamed axes
                lines.extend(f"    # {note}" for op in ops for note in op.notes)
                var_of[lid] = arg
                continue
            for n, op in enumerate(ops):
                lines.extend(f"    # {note}" for note in op.notes)
                src = arg if n == 0 else target
                if op.outputs:
                    pieces = [self._var(f"{lid}_{k}", taken) for k in range(op.outputs)]
                    call = op.call.replace("{x}", src)
                    lines.append(f"    {', '.join(pieces)} = {call}")
                    for k, piece in enumerate(pieces):
                        var_of[make_ref(lid, k)] = piece
                    continue
                lines.append(f"    {target} = {op.call}({src})  # {op.comment()}")
            var_of[lid] = target
        in_expr = "inputs" if len(inputs) == 1 else "[" + ", ".join(var_of[i] for i in inputs) + "]"
        out_expr = (
            var_of[outputs[0]]
            if len(outputs) == 1
            else "[" + ", ".join(var_of[o] for o in outputs) + "]"
        )
        lines.append(f"    return keras.Model({in_expr}, {out_expr}, name={_lit(self.model_name)})")
        return lines

    def _var(self, lid: str, taken: set[str]) -> str:
        base = identifier_for(self.layer_names.get(lid, keras_name(lid)))
        var, n = base, 2
        while var in taken:
            var, n = f"{base}_{n}", n + 1
        taken.add(var)
        return var


def _pad_arg(top: int, bottom: int, left: int, right: int) -> Any:
    """Keras' padding argument: one number, (height, width) when symmetric, else ((t, b), (l, r))."""
    if top == bottom == left == right:
        return top
    if top == bottom and left == right:
        return (top, left)
    return ((top, bottom), (left, right))


def fmt_pair(value: tuple[int, int]) -> str:
    return str(value[0]) if value[0] == value[1] else f"{value[0]}×{value[1]}"


_ACTIVATION_NAMES = {
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "GELU": "gelu",
    "SiLU": "silu",
    "Hardswish": "hard_swish",
    "Hardsigmoid": "hard_sigmoid",
    "Mish": "mish",
    "SELU": "selu",
    "Softplus": "softplus",
}

#: The layer the generated file defines for the design's Scale (Keras has none; its ConvNeXt
#: defines a LayerScale of its own). Registered, so a saved .keras file loads it back.
_SCALE_CLASS = [
    '@keras.saving.register_keras_serializable(package="cnn_designer")',
    "class Scale(layers.Layer):",
    '    """Multiplies by a learned tensor (CNN Designer\'s Scale; ConvNeXt\'s layer scale)."""',
    "",
    "    def __init__(self, shape, init=1.0, **kwargs):",
    "        super().__init__(**kwargs)",
    "        self.scale_shape = tuple(shape)",
    "        self.init = init",
    "",
    "    def build(self, input_shape):",
    "        self.gamma = self.add_weight(",
    '            shape=self.scale_shape, initializer=keras.initializers.Constant(self.init), name="gamma"',
    "        )",
    "",
    "    def call(self, x):",
    "        return x * self.gamma",
    "",
    "    def get_config(self):",
    '        return {**super().get_config(), "shape": list(self.scale_shape), "init": self.init}',
]

_Handler = Callable[[_Generator, Layer, LayerInfo, dict[str, Any]], list[_Op]]

#: Design type id → translator. A type missing here is refused with its name.
_HANDLERS: dict[str, _Handler] = {
    "Input": _Generator.input,
    "Conv2d": _Generator.conv2d,
    "ConvTranspose2d": _Generator.conv_transpose2d,
    "MaxPool2d": _Generator.pool,
    "AvgPool2d": _Generator.pool,
    "AdaptiveAvgPool2d": _Generator.adaptive_pool,
    "AdaptiveMaxPool2d": _Generator.adaptive_pool,
    "BatchNorm2d": _Generator.batch_norm,
    "LocalResponseNorm": _Generator.lrn,
    "ReLU": _Generator.activation,
    "ReLU6": _Generator.activation,
    "LeakyReLU": _Generator.activation,
    "Sigmoid": _Generator.activation,
    "Tanh": _Generator.activation,
    "GELU": _Generator.activation,
    "SiLU": _Generator.activation,
    "Softmax": _Generator.softmax,
    "Identity": _Generator.passthrough,
    "Dropout": _Generator.passthrough,
    "Dropout2d": _Generator.passthrough,
    "Flatten": _Generator.flatten,
    "Linear": _Generator.linear,
    "ZeroPad2d": _Generator.zero_pad,
    "Upsample": _Generator.upsample,
    "Add": _Generator.merge,
    "Concat": _Generator.merge,
    "Mul": _Generator.merge,
    "Hardswish": _Generator.modern_activation,
    "Hardsigmoid": _Generator.modern_activation,
    "Mish": _Generator.modern_activation,
    "ELU": _Generator.modern_activation,
    "SELU": _Generator.modern_activation,
    "Softplus": _Generator.modern_activation,
    "PReLU": _Generator.prelu,
    "LayerNorm2d": _Generator.layer_norm2d,
    "LayerNorm": _Generator.layer_norm,
    "GroupNorm": _Generator.group_norm,
    "InstanceNorm2d": _Generator.group_norm,
    "StochasticDepth": _Generator.stochastic_depth,
    "ChannelShuffle": _Generator.channel_shuffle,
    "Split": _Generator.split,
    "Chunk": _Generator.split,
    "Mean": _Generator.mean,
    "Reshape": _Generator.reshape,
    "Permute": _Generator.permute,
    "Transpose": _Generator.permute,
    "Scale": _Generator.scale,
}

#: Design types the Keras exporter handles (for documentation and tests).
SUPPORTED_TYPES = frozenset(t for t in _HANDLERS if t != "LocalResponseNorm")

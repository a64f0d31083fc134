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

Layer names: Keras takes the design's ids as names, with ``.`` written ``_`` (the
PyTorch backend refuses dots in names). The mapping per layer type is
``_HANDLERS`` (design type id → translator); a type without an entry is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designer.core.analysis import Analysis, LayerInfo, analyze
from designer.core.arithmetic import AxisArith
from designer.core.design import Design, Layer
from designer.core.params import as_pair
from designer.core.shape_rules import fmt_shape
from designer.export.pytorch_code import (
    CodeGenerationError,
    _emission_order,
    identifier_for,
    require_exportable,
)

Shape = tuple[int, ...]

#: Layer types whose output is never negative: after them zeros pad a max pool like −∞ does.
_NON_NEGATIVE = frozenset({"ReLU", "ReLU6", "Sigmoid", "Softmax"})
#: Layer types that keep the sign of their input (non-negative in, non-negative out).
_SIGN_KEEPING = frozenset(
    {"MaxPool2d", "AdaptiveMaxPool2d", "Dropout", "Dropout2d", "Identity", "ZeroPad2d", "Upsample"}
)


def generate(design: Design, *, name: str | None = None) -> str:
    """The Python source of a module whose ``build_model()`` returns ``design`` as a ``keras.Model``.

    Raises ``CodeGenerationError`` naming the layer when the design has errors or a layer
    has no faithful Keras equivalent.
    """
    return _Generator(design, name).source()


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


def _lit(value: Any) -> str:
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
    def __init__(self, design: Design, name: str | None) -> None:
        self.design = design
        self.model_name = name or design.name
        self.analysis: Analysis = analyze(design)
        self.used_names: set[str] = set()
        self.needs_adaptive = False
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
            except _Refused as why:
                raise CodeGenerationError(
                    f"cannot generate Keras code: layer {layer.id!r} ({layer.type}) {why}"
                ) from None

    def _check(self) -> None:
        design, analysis = self.design, self.analysis
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
        return handler(self, layer, self.analysis.info[layer.id], layer.resolved())

    def _non_negative(self, lid: str) -> bool:
        """Whether the layer's output cannot be negative (a ReLU-like layer, through pools and dropouts)."""
        layer = self.design.layer(lid)
        while layer.type in _SIGN_KEEPING and layer.inputs:
            layer = self.design.layer(layer.inputs[0])
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
        if len(in_shape) != 1:
            raise _Refused(
                f"is applied to the volume {fmt_shape(in_shape)}: PyTorch's Linear works on the width there, "
                "Keras' Dense on the channels. Flatten first"
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
        mode = {
            "nearest": "nearest",
            "nearest-exact": "nearest",
            "bilinear": "bilinear",
            "bicubic": "bicubic",
        }[p["mode"]]
        kw: dict[str, Any] = {} if mode == "nearest" else {"interpolation": mode}
        kw["name"] = self.layer_names[layer.id]
        return [_Op(_call("UpSampling2D", [_pair((factors[0], factors[1]))], kw), shape)]

    def merge(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> list[_Op]:
        assert info.output_shape is not None
        name = self.layer_names[layer.id]
        if layer.type == "Add":
            return [_Op(_call("Add", [], {"name": name}), info.output_shape)]
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
            if layer.type == "Flatten" and len(analysis.info[layer.id].input_shapes[0] or ()) == 3
        ]
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
                lines.append(f"            {op.call},  # {fmt_shape(op.shape)}")
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
                consumers[i].append(layer.id)
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
            arg = args[0] if layer.type not in ("Add", "Concat") else "[" + ", ".join(args) + "]"
            ops = self.ops[lid]
            for n, op in enumerate(ops):
                lines.extend(f"    # {note}" for note in op.notes)
                src = arg if n == 0 else target
                lines.append(f"    {target} = {op.call}({src})  # {fmt_shape(op.shape)}")
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
        base = identifier_for(self.layer_names[lid])
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


_ACTIVATION_NAMES = {"Sigmoid": "sigmoid", "Tanh": "tanh", "GELU": "gelu", "SiLU": "silu"}

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
}

#: Design types the Keras exporter handles (for documentation and tests).
SUPPORTED_TYPES = frozenset(t for t in _HANDLERS if t != "LocalResponseNorm")

"""ONNX from a design: a graph that Netron and other ONNX tools open, with the design's names and shapes.

Every layer becomes one ONNX node (two where ONNX needs them, e.g. SiLU = Sigmoid·x), named
``/<layer id>/<Op>`` like torch.onnx names its nodes, whose output tensor is named after the
layer. The input has batch size 1, so ONNX shape inference gives every tensor a concrete
shape; those shapes are checked against the design's, layer by layer, and the model is
checked with ``onnx.checker`` (full check) before it is returned, so a file this module
writes is valid by construction. The weights are placeholders (zeros; BatchNorm's scale
and variance ones), as the model's doc string says: the file describes the architecture.

Padding is written explicitly (``pads``) from the design's own arithmetic, so keras,
caffe and strict semantics come out as the design computes them; a PyTorch-style "same"
at stride 1 is ``auto_pad=SAME_UPPER``. The mapping per layer type is ``_HANDLERS``
(design type id → node builder); a type without an entry is refused with a
``CodeGenerationError`` that names the layer and its type. Needs the optional ``onnx``
package (and numpy, which it brings).

Tensor names carry the design back: output k of a Split/Chunk is ``<id>:k`` (the reference
its consumers use), a tensor inside a layer of several nodes ``<id>/<what>``; where one ONNX
op stands for several design layers (Identity for StochasticDepth, Transpose for Permute, ...)
the node's doc string says which. ``designer.convert.from_onnx`` reads both in files whose
producer is CNN Designer, so the round trip gives every layer back as it was.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from designer.core.analysis import Analysis, LayerInfo, analyze
from designer.core.arithmetic import AxisArith, pool_rounding
from designer.core.design import Design, Layer
from designer.core.params import as_pair
from designer.core.refs import make_ref, source_of
from designer.core.shape_rules import fmt_shape
from designer.export.pytorch_code import (
    CodeGenerationError,
    require_exportable,
    require_no_placeholders,
)

OPSET = 21  # Gelu needs 20, GroupNormalization with per-channel scale 21; onnxruntime reads it since 1.18
IR_VERSION = 10  # the IR version that goes with opset 21
MAX_BYTES = 1_900_000_000  # protobuf cannot serialise a message of 2 GiB or more

Shape = tuple[int, ...]


class OnnxUnavailable(CodeGenerationError):
    """The onnx package is missing: nothing is wrong with the design (the command exits 2)."""

    exit_status = 2


def load_onnx_for_export() -> Any:
    try:
        import onnx
    except ImportError as exc:
        raise OnnxUnavailable(
            f"exporting ONNX needs the onnx package, which is not installed ({exc}). Install it with `pip install onnx`."
        ) from None
    return onnx


def build_onnx(design: Design) -> Any:
    """The ``onnx.ModelProto`` of ``design``, checked and with every tensor's shape inferred."""
    return _Builder(design).run()


def export_onnx(design: Design) -> bytes:
    """The serialised ONNX model of ``design`` (see ``build_onnx``)."""
    return bytes(build_onnx(design).SerializeToString())


class OnnxExporter:
    """Exporter for ONNX: ``export(path=None) -> bytes``."""

    file_suffix = ".onnx"

    def __init__(self, design: Design) -> None:
        self.design = design

    def export(self, path: str | os.PathLike[str] | None = None) -> bytes:
        data = export_onnx(self.design)
        if path is not None:
            from designer.core.fileformat import write_atomic

            write_atomic(Path(path), data)
        return data


class _Refused(Exception):
    pass


class _Builder:
    def __init__(self, design: Design) -> None:
        self.onnx = load_onnx_for_export()
        import numpy

        self.np = numpy
        self.design = design
        self.analysis: Analysis = analyze(design)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []  # small constants (pads, scales, ...)
        self.weights: list[tuple[str, Shape, float]] = []  # zero weights: made only when written
        # Tensor names in use: a layer's output is named after it, output k of a Split "id:k".
        self.names: set[str] = set(design.ids) | {
            make_ref(layer.id, k)
            for layer in design
            for k in range(len(self.analysis.info[layer.id].output_shapes))
        }
        self._check()

    def _check(self) -> None:
        design, analysis = self.design, self.analysis
        require_no_placeholders(design, f"export {design.name!r} as ONNX")
        require_exportable(design, analysis, "export ONNX", f"export {design.name!r} as ONNX")
        weight_bytes = 4 * (analysis.totals().params + analysis.totals().buffers)
        if weight_bytes > MAX_BYTES:
            raise CodeGenerationError(
                f"cannot export ONNX: the {weight_bytes / 1e9:.1f} GB of weights exceed what one ONNX "
                "file can hold (2 GB)"
            )

    # --------------------------------------------------------------- helpers

    def unique(self, name: str) -> str:
        """``name``, or ``name_2``, ... if a layer or another tensor already has it (an id "conv1.weight")."""
        candidate, n = name, 2
        while candidate in self.names:
            candidate, n = f"{name}_{n}", n + 1
        self.names.add(candidate)
        return candidate

    def node(
        self,
        layer: Layer,
        op: str,
        inputs: list[str],
        output: str | None = None,
        outputs: list[str] | None = None,
        doc: str = "",
        **attrs: Any,
    ) -> str:
        """One node of ``layer``; its output tensor is the layer's id unless ``output`` names an
        intermediate tensor (``<id>/<what>``) or ``outputs`` lists them all (a Split's ``id:k``)."""
        outs = outputs or [self.unique(output) if output else layer.id]
        n = sum(1 for node in self.nodes if node.name.startswith(f"/{layer.id}/"))
        scope = layer.id
        if (
            op in ("Add", "Concat", "Sum", "Mul")
            and layer.id.endswith(f".{op.lower()}")
            and output is None
        ):
            # torch.onnx names a functional op after the module that calls it: /layer1.0/Add is layer1.0.add
            scope = layer.id[: -len(op) - 1]
        name = f"/{scope}/{op}" + (f"_{n}" if n else "")
        made = self.onnx.helper.make_node(op, inputs, outs, name=name, **attrs)
        if doc:
            made.doc_string = doc
        self.nodes.append(made)
        return str(outs[0])

    def constant(self, layer: Layer, what: str, shape: Shape, fill: float) -> str:
        """A Constant node (not a weight): the scale of a normalisation without learned γ."""
        array = self.np.full(shape, fill, dtype="float32")
        value = self.onnx.numpy_helper.from_array(array, f"{layer.id}.{what}")
        return self.node(layer, "Constant", [], output=f"{layer.id}/{what}", value=value)

    def weight(self, name: str, shape: Shape, fill: float = 0.0) -> str:
        name = self.unique(name)
        self.weights.append((name, shape, fill))
        return name

    def const(self, name: str, values: list[Any], dtype: str, scalar: bool = False) -> str:
        name = self.unique(name)
        array = self.np.array(values[0] if scalar else values, dtype=dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def info(self, layer: Layer) -> LayerInfo:
        return self.analysis.info[layer.id]

    # ----------------------------------------------------------------- build

    def run(self) -> Any:
        onnx, helper = self.onnx, self.onnx.helper
        design, analysis = self.design, self.analysis
        consumers: dict[str, int] = {}
        for layer in design:
            for i in layer.inputs:
                consumers[i] = consumers.get(i, 0) + 1
                consumers[source_of(i)] = consumers.get(source_of(i), 0) + 1
        graph_inputs = []
        for layer in design:
            shape = analysis.info[layer.id].output_shape
            assert shape is not None
            if layer.type == "Input":
                graph_inputs.append(
                    helper.make_tensor_value_info(layer.id, onnx.TensorProto.FLOAT, [1, *shape])
                )
                continue
            handler = _HANDLERS.get(layer.type)
            try:
                if handler is None:
                    raise _Refused("has no ONNX translation in CNN Designer yet")
                handler(self, layer, self.info(layer), layer.resolved())
            except _Refused as why:
                raise CodeGenerationError(
                    f"cannot export ONNX: layer {layer.id!r} ({layer.type}) {why}"
                ) from None
        outputs = [
            helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [1, *shape])
            for layer in design
            if layer.type != "Input"
            for name, shape in _outputs(layer, analysis.info[layer.id])
            if not consumers.get(name)
        ]
        # The graph is checked and its shapes inferred without the weights' bytes (VGG-16 has 553 MB of
        # them): there they are typed inputs. The weights go into the final model once, in place.
        skeleton = self._model(graph_inputs, outputs)
        skeleton.graph.input.extend(
            helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, list(shape))
            for name, shape, _ in self.weights
        )
        # GroupNormalization is a function op without a shape inference function (onnx 1.23 infers
        # no shape for it): its output is declared with the design's shape, the layers after it
        # are inferred from there.
        skeleton.graph.value_info.extend(
            helper.make_tensor_value_info(
                node.output[0],
                onnx.TensorProto.FLOAT,
                [1, *(analysis.info[node.output[0]].output_shape or ())],
            )
            for node in self.nodes
            if node.op_type in _NO_SHAPE_INFERENCE and node.output[0] in analysis.info
        )
        value_info = self._infer_and_check(skeleton)
        model = self._model(graph_inputs, outputs)
        model.graph.value_info.extend(value_info)
        for name, shape, fill in self.weights:
            tensor = model.graph.initializer.add()
            tensor.name = name
            tensor.data_type = onnx.TensorProto.FLOAT
            tensor.dims.extend(shape)
            tensor.raw_data = (
                bytes(4 * math.prod(shape))
                if fill == 0.0
                else self.np.full(shape, fill, dtype="<f4").tobytes()
            )
        return model

    def _model(self, graph_inputs: list[Any], outputs: list[Any]) -> Any:
        """A ModelProto with the nodes, inputs, outputs and small constants (no weights yet)."""
        onnx, design = self.onnx, self.design
        model = onnx.ModelProto()
        model.ir_version = IR_VERSION
        opset = model.opset_import.add()
        opset.domain, opset.version = "", OPSET
        model.producer_name = "CNN Designer"
        model.producer_version = _version()
        model.doc_string = (
            f"{design.name}: exported by CNN Designer ({design.semantics} semantics). The weights are "
            "placeholders (zeros; BatchNorm scale and variance ones): this file describes the architecture, "
            "its layer names and shapes, not a trained model. Batch size 1."
        )
        graph = model.graph
        graph.name = _graph_name(design.name)
        graph.node.extend(self.nodes)
        graph.input.extend(graph_inputs)
        graph.output.extend(outputs)
        graph.initializer.extend(self.initializers)
        return model

    def _infer_and_check(self, skeleton: Any) -> list[Any]:
        """Full check and strict shape inference; every layer's shape compared with the design's.

        Returns the inferred value_info of the tensors that are not graph outputs.
        """
        onnx = self.onnx
        try:
            inferred = onnx.shape_inference.infer_shapes(
                skeleton, check_type=True, strict_mode=True, data_prop=True
            )
            onnx.checker.check_model(inferred, full_check=True)
        except Exception as exc:  # a bug in a handler: say which model and what ONNX said
            raise CodeGenerationError(
                f"cannot export ONNX: the graph is not valid ONNX ({type(exc).__name__}: {exc})"
            ) from None
        shapes: dict[str, Shape] = {}
        for vi in [*inferred.graph.value_info, *inferred.graph.output]:
            dims = vi.type.tensor_type.shape.dim
            if all(d.HasField("dim_value") for d in dims):
                shapes[vi.name] = tuple(int(d.dim_value) for d in dims)[1:]
        for layer in self.design:
            if layer.type == "Input":
                continue
            for name, want in _outputs(layer, self.analysis.info[layer.id]):
                got = shapes.get(name)
                if got != want:
                    raise CodeGenerationError(
                        f"cannot export ONNX: layer {layer.id!r} ({layer.type}) is {fmt_shape(want)} in the "
                        f"design but ONNX computes {fmt_shape(got) if got is not None else 'no shape'} for "
                        f"{name!r}"
                    )
        known = {vi.name for vi in skeleton.graph.output}
        return [vi for vi in inferred.graph.value_info if vi.name not in known]

    # --------------------------------------------------------------- layers

    def conv2d(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        in_shape = info.input_shapes[0]
        assert in_shape is not None
        k, s, d = as_pair(p["kernel_size"]), as_pair(p["stride"]), as_pair(p["dilation"])
        groups, c_out = int(p["groups"]), int(p["out_channels"])
        inputs = [
            layer.inputs[0],
            self.weight(f"{layer.id}.weight", (c_out, in_shape[0] // groups, *k)),
        ]
        if p["bias"]:
            inputs.append(self.weight(f"{layer.id}.bias", (c_out,)))
        attrs: dict[str, Any] = {
            "kernel_shape": list(k),
            "strides": list(s),
            "dilations": list(d),
            "group": groups,
        }
        if p["padding"] == "same" and s == (1, 1):
            attrs["auto_pad"] = "SAME_UPPER"
        else:
            a = info.axes
            attrs["pads"] = [a[0].pad_lo, a[1].pad_lo, a[0].pad_hi, a[1].pad_hi]
        self.node(layer, "Conv", inputs, **attrs)

    def conv_transpose2d(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        in_shape = info.input_shapes[0]
        assert in_shape is not None
        k, s, d = as_pair(p["kernel_size"]), as_pair(p["stride"]), as_pair(p["dilation"])
        pad, op = as_pair(p["padding"]), as_pair(p["output_padding"])
        groups, c_out = int(p["groups"]), int(p["out_channels"])
        inputs = [
            layer.inputs[0],
            self.weight(f"{layer.id}.weight", (in_shape[0], c_out // groups, *k)),
        ]
        if p["bias"]:
            inputs.append(self.weight(f"{layer.id}.bias", (c_out,)))
        self.node(
            layer,
            "ConvTranspose",
            inputs,
            kernel_shape=list(k),
            strides=list(s),
            dilations=list(d),
            group=groups,
            pads=[pad[0], pad[1], pad[0], pad[1]],
            output_padding=list(op),
        )

    def pool(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        k = as_pair(p["kernel_size"])
        s = as_pair(k if p["stride"] is None else p["stride"])
        a = info.axes
        ceil = pool_rounding(self.design.semantics, bool(p["ceil_mode"])) == "ceil"  # type: ignore[arg-type]
        # ONNX rounds up or down but never drops a last window that would start in the padding, as
        # PyTorch and Caffe do with ceil mode; there rounding down gives the design's count.
        modes = [
            m for m in (ceil, not ceil) if all(_onnx_pool_out(axis, m) == axis.out for axis in a)
        ]
        if not modes:
            raise _Refused("rounds its windows in a way ONNX's ceil_mode cannot express here")
        attrs: dict[str, Any] = {
            "kernel_shape": list(k),
            "strides": list(s),
            "pads": [a[0].pad_lo, a[1].pad_lo, a[0].pad_hi, a[1].pad_hi],
            "ceil_mode": int(modes[0]),
        }
        if layer.type == "MaxPool2d":
            attrs["dilations"] = list(as_pair(p["dilation"]))
            self.node(layer, "MaxPool", [layer.inputs[0]], **attrs)
        else:
            attrs["count_include_pad"] = int(bool(p["count_include_pad"]))
            self.node(layer, "AveragePool", [layer.inputs[0]], **attrs)

    def adaptive_pool(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        in_shape, shape = info.input_shapes[0], info.output_shape
        assert in_shape is not None and shape is not None
        avg = layer.type == "AdaptiveAvgPool2d"
        if shape[1:] == (1, 1):
            self.node(layer, "GlobalAveragePool" if avg else "GlobalMaxPool", [layer.inputs[0]])
            return
        if in_shape[1] % shape[1] or in_shape[2] % shape[2]:
            raise _Refused(
                f"pools {in_shape[1]}×{in_shape[2]} into {shape[1]}×{shape[2]}: ONNX has no adaptive pooling, and "
                "with sizes that do not divide the windows overlap unevenly"
            )
        k = [in_shape[1] // shape[1], in_shape[2] // shape[2]]
        # Where the output divides the input, the adaptive windows are exactly a fixed pool.
        self.node(
            layer, "AveragePool" if avg else "MaxPool", [layer.inputs[0]], kernel_shape=k, strides=k
        )

    def batch_norm(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        shape = info.output_shape
        assert shape is not None
        c = (shape[0],)
        lid = layer.id
        inputs = [
            layer.inputs[0],
            self.weight(f"{lid}.weight", c, 1.0),
            self.weight(f"{lid}.bias", c),
            self.weight(f"{lid}.running_mean", c),
            self.weight(f"{lid}.running_var", c, 1.0),
        ]
        momentum = round(1.0 - float(p["momentum"]), 10)  # ONNX keeps the share of the old value
        self.node(layer, "BatchNormalization", inputs, epsilon=float(p["eps"]), momentum=momentum)

    def lrn(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        self.node(
            layer,
            "LRN",
            [layer.inputs[0]],
            size=int(p["size"]),
            alpha=float(p["alpha"]),
            beta=float(p["beta"]),
            bias=float(p["k"]),
        )

    def activation(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        x, t = layer.inputs[0], layer.type
        if t == "ReLU6":
            lo = self.const(f"{layer.id}.min", [0.0], "float32", scalar=True)
            hi = self.const(f"{layer.id}.max", [6.0], "float32", scalar=True)
            self.node(layer, "Clip", [x, lo, hi])
        elif t == "LeakyReLU":
            self.node(layer, "LeakyRelu", [x], alpha=float(p["negative_slope"]))
        elif t == "GELU":
            self.node(layer, "Gelu", [x], approximate=str(p["approximate"]))
        elif t == "SiLU":
            gate = self.node(layer, "Sigmoid", [x], output=f"{layer.id}/sigmoid")
            self.node(layer, "Mul", [x, gate])
        else:
            self.node(layer, _SIMPLE_OPS[t], [x])

    def softmax(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        self.node(layer, "Softmax", [layer.inputs[0]], axis=int(p["dim"]))

    def dropout(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        ratio = self.const(f"{layer.id}.ratio", [float(p["p"])], "float32", scalar=True)
        self.node(layer, "Dropout", [layer.inputs[0], ratio])
        if layer.type == "Dropout2d":
            self.nodes[
                -1
            ].doc_string = "Dropout2d in the design: zeroes whole channels while training"

    def identity(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        self.node(layer, "Identity", [layer.inputs[0]])

    def flatten(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        shape = info.output_shape
        assert shape is not None
        if len(shape) == 1:
            self.node(layer, "Flatten", [layer.inputs[0]], axis=1)
            return
        target = self.const(f"{layer.id}.shape", [1, *shape], "int64")
        self.node(layer, "Reshape", [layer.inputs[0], target])

    def linear(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        in_shape = info.input_shapes[0]
        assert in_shape is not None
        n_in, n_out = in_shape[-1], int(p["out_features"])
        if len(in_shape) == 1:
            inputs = [layer.inputs[0], self.weight(f"{layer.id}.weight", (n_out, n_in))]
            if p["bias"]:
                inputs.append(self.weight(f"{layer.id}.bias", (n_out,)))
            self.node(layer, "Gemm", inputs, transB=1)
            return
        # On a volume PyTorch multiplies the last axis: a MatMul, plus the bias.
        w = self.weight(f"{layer.id}.weight", (n_in, n_out))
        if not p["bias"]:
            self.node(layer, "MatMul", [layer.inputs[0], w])
            return
        product = self.node(layer, "MatMul", [layer.inputs[0], w], output=f"{layer.id}/matmul")
        self.node(layer, "Add", [product, self.weight(f"{layer.id}.bias", (n_out,))])

    def zero_pad(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        pad = p["padding"]
        left, right, top, bottom = (pad,) * 4 if isinstance(pad, int) else pad
        pads = self.const(f"{layer.id}.pads", [0, 0, top, left, 0, 0, bottom, right], "int64")
        self.node(layer, "Pad", [layer.inputs[0], pads], mode="constant")

    def upsample(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        shape = info.output_shape
        assert shape is not None
        mode = p["mode"]
        attrs: dict[str, Any]
        if mode in ("nearest", "nearest-exact"):
            attrs = {"mode": "nearest"}
            if mode == "nearest":
                attrs.update(coordinate_transformation_mode="asymmetric", nearest_mode="floor")
            else:
                attrs.update(
                    coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil"
                )
        else:
            attrs = {
                "mode": "linear" if mode == "bilinear" else "cubic",
                "coordinate_transformation_mode": "align_corners"
                if p["align_corners"]
                else "pytorch_half_pixel",
            }
            if mode == "bicubic":
                attrs["cubic_coeff_a"] = -0.75
        if len(layer.inputs) == 2:
            # The size of the second input (U-Net's skip): Shape → its H×W → (1, C, H, W)
            ref_shape = self.node(
                layer, "Shape", [layer.inputs[1]], output=f"{layer.id}/ref_shape", start=2
            )
            nc = self.const(f"{layer.id}.nc", [1, shape[0]], "int64")
            sizes = self.node(layer, "Concat", [nc, ref_shape], output=f"{layer.id}/sizes", axis=0)
            self.node(layer, "Resize", [layer.inputs[0], "", "", sizes], **attrs)
        elif p["scale_factor"] is not None:
            f = p["scale_factor"]
            fh, fw = (float(f), float(f)) if not isinstance(f, list) else (float(f[0]), float(f[1]))
            scales = self.const(f"{layer.id}.scales", [1.0, 1.0, fh, fw], "float32")
            self.node(layer, "Resize", [layer.inputs[0], "", scales], **attrs)
        else:
            sizes = self.const(f"{layer.id}.sizes", [1, *shape], "int64")
            self.node(layer, "Resize", [layer.inputs[0], "", "", sizes], **attrs)

    def merge(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        if layer.type == "Concat":
            self.node(layer, "Concat", list(layer.inputs), axis=1)
        elif len(layer.inputs) == 2:
            self.node(layer, "Add", list(layer.inputs))
        else:
            self.node(layer, "Sum", list(layer.inputs))

    # ------------------------------------------------------ the modern vocabulary

    def mul(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        # ONNX's Mul takes two tensors: three or more are a chain, the last one named after the layer.
        inputs = list(layer.inputs)
        acc = inputs[0]
        for k, other in enumerate(inputs[1:], start=1):
            last = k == len(inputs) - 1
            acc = self.node(
                layer, "Mul", [acc, other], output=None if last else f"{layer.id}/mul_{k}"
            )

    def modern_activation(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        x, t = layer.inputs[0], layer.type
        if t == "Hardsigmoid":
            self.node(layer, "HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)
        elif t == "ELU":
            self.node(layer, "Elu", [x], alpha=float(p["alpha"]))
        elif t == "Softplus":
            beta = float(p["beta"])
            if beta == 1.0:
                self.node(layer, "Softplus", [x])
                return
            # torch.onnx's softplus with beta: Softplus(beta·x)/beta (PyTorch's threshold only
            # avoids overflow: above it both are x to float precision)
            b = self.const(f"{layer.id}.beta", [beta], "float32", scalar=True)
            scaled = self.node(layer, "Mul", [x, b], output=f"{layer.id}/scaled")
            soft = self.node(layer, "Softplus", [scaled], output=f"{layer.id}/softplus")
            self.node(layer, "Div", [soft, b])
        else:
            self.node(layer, {"Hardswish": "HardSwish", "Mish": "Mish", "SELU": "Selu"}[t], [x])

    def prelu(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        shape = info.output_shape
        assert shape is not None
        n = int(p["num_parameters"])
        # The slope broadcasts onto N×C×H×W from the right: one per channel is C×1×1.
        slope_shape = (n,) if n == 1 or len(shape) == 1 else (n, *([1] * (len(shape) - 1)))
        slope = self.weight(f"{layer.id}.weight", slope_shape, float(p["init"]))
        self.node(layer, "PRelu", [layer.inputs[0], slope])

    def _affine(self, layer: Layer, learned: bool, shape: Shape, name: str, fill: float) -> str:
        """A learned γ or β (a weight), or the fixed one the normalisation needs (a Constant node)."""
        if learned:
            return self.weight(f"{layer.id}.{name}", shape, fill)
        return self.constant(layer, name, shape, fill)

    def layer_norm2d(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        # ConvNeXt's LayerNorm2d as torch.onnx writes it: to channels last, LayerNormalization over
        # the last axis, back to channels first. The importer reads the three nodes as one layer.
        shape = info.output_shape
        assert shape is not None
        c, affine = (shape[0],), bool(p["elementwise_affine"])
        nhwc = self.node(
            layer, "Transpose", [layer.inputs[0]], output=f"{layer.id}/nhwc", perm=[0, 2, 3, 1]
        )
        scale = self._affine(layer, affine, c, "weight", 1.0)
        bias = self._affine(layer, affine, c, "bias", 0.0)
        normed = self.node(
            layer,
            "LayerNormalization",
            [nhwc, scale, bias],
            output=f"{layer.id}/normed",
            axis=-1,
            epsilon=float(p["eps"]),
        )
        self.node(layer, "Transpose", [normed], perm=[0, 3, 1, 2])

    def layer_norm(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        shape = info.output_shape
        assert shape is not None
        normalized = tuple(int(v) for v in p["normalized_shape"])
        affine = bool(p["elementwise_affine"])
        inputs = [layer.inputs[0], self._affine(layer, affine, normalized, "weight", 1.0)]
        if affine and p["bias"]:
            inputs.append(self.weight(f"{layer.id}.bias", normalized))
        self.node(
            layer,
            "LayerNormalization",
            inputs,
            axis=len(shape) + 1 - len(normalized),
            epsilon=float(p["eps"]),
        )

    def group_norm(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        shape = info.output_shape
        assert shape is not None
        c, affine = (shape[0],), bool(p["affine"])
        self.node(
            layer,
            "GroupNormalization",
            [
                layer.inputs[0],
                self._affine(layer, affine, c, "weight", 1.0),
                self._affine(layer, affine, c, "bias", 0.0),
            ],
            num_groups=int(p["num_groups"]),
            epsilon=float(p["eps"]),
        )

    def instance_norm(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        if p["track_running_stats"]:
            raise _Refused(
                "keeps running statistics (track_running_stats): at inference it normalises with them, "
                "as a BatchNorm2d does, which ONNX's InstanceNormalization cannot express"
            )
        shape = info.output_shape
        assert shape is not None
        c, affine = (shape[0],), bool(p["affine"])
        self.node(
            layer,
            "InstanceNormalization",
            [
                layer.inputs[0],
                self._affine(layer, affine, c, "weight", 1.0),
                self._affine(layer, affine, c, "bias", 0.0),
            ],
            epsilon=float(p["eps"]),
        )

    def stochastic_depth(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        # At inference a dropped path is the identity: an Identity node whose doc string keeps the
        # layer (the importer reads it back as StochasticDepth).
        self.node(
            layer,
            "Identity",
            [layer.inputs[0]],
            doc=f"{_STOCHASTIC_DEPTH}(p={float(p['p'])!r}, mode={p['mode']}): the identity at inference",
        )

    def channel_shuffle(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        # As torch.onnx writes it: (C, H, W) → (g, C/g, H, W) → swap the first two → (C, H, W).
        shape = info.output_shape
        assert shape is not None and len(shape) == 3
        g = int(p["groups"])
        c, h, w = shape
        split = self.const(f"{layer.id}.grouped", [1, g, c // g, h, w], "int64")
        grouped = self.node(
            layer, "Reshape", [layer.inputs[0], split], output=f"{layer.id}/grouped"
        )
        swapped = self.node(
            layer, "Transpose", [grouped], output=f"{layer.id}/swapped", perm=[0, 2, 1, 3, 4]
        )
        back = self.const(f"{layer.id}.shape", [1, c, h, w], "int64")
        self.node(layer, "Reshape", [swapped, back])

    def split(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        sizes = [s[int(p["dim"]) - 1] for s in info.output_shapes]
        outputs = [make_ref(layer.id, k) for k in range(len(sizes))]
        axis = int(p["dim"])
        if layer.type == "Chunk":
            # num_outputs pieces of ⌈size/n⌉ (the last smaller): torch.chunk's, for the number of
            # pieces it makes (chunk(4) of 6 channels is three pieces of 2)
            self.node(
                layer,
                "Split",
                [layer.inputs[0]],
                outputs=outputs,
                axis=axis,
                num_outputs=len(sizes),
            )
            return
        split = self.const(f"{layer.id}.split", sizes, "int64")
        self.node(layer, "Split", [layer.inputs[0], split], outputs=outputs, axis=axis)

    def mean(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        dims = p["dim"] if isinstance(p["dim"], list) else [p["dim"]]
        axes = self.const(f"{layer.id}.axes", [int(d) for d in dims], "int64")
        self.node(
            layer,
            "ReduceMean",
            [layer.inputs[0], axes],
            keepdims=int(bool(p["keepdim"])),
            doc=_MEAN_DOC,
        )

    def reshape(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        target = self.const(f"{layer.id}.shape", [1, *(int(v) for v in p["shape"])], "int64")
        self.node(layer, "Reshape", [layer.inputs[0], target], doc=_RESHAPE_DOC)

    def permute(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        shape = info.output_shape
        assert shape is not None
        rank = len(shape) + 1
        if layer.type == "Permute":
            perm = [int(d) % rank for d in p["dims"]]
            self.node(layer, "Transpose", [layer.inputs[0]], perm=perm, doc=_PERMUTE_DOC)
            return
        perm = list(range(rank))
        a, b = int(p["dim0"]) % rank, int(p["dim1"]) % rank
        perm[a], perm[b] = perm[b], perm[a]
        self.node(layer, "Transpose", [layer.inputs[0]], perm=perm)

    def scale(self, layer: Layer, info: LayerInfo, p: dict[str, Any]) -> None:
        shape = tuple(int(v) for v in p["shape"])
        w = self.weight(f"{layer.id}.weight", shape, float(p["init"]))
        self.node(layer, "Mul", [layer.inputs[0], w], doc=_SCALE_DOC)


def _outputs(layer: Layer, info: LayerInfo) -> list[tuple[str, Shape]]:
    """The output tensors of ``layer`` with the design's shapes: ``id``, or ``id:k`` of a Split/Chunk."""
    if len(info.output_shapes) > 1 or layer.type in ("Split", "Chunk"):
        return [(make_ref(layer.id, k), s) for k, s in enumerate(info.output_shapes)]
    assert info.output_shape is not None
    return [(layer.id, info.output_shape)]


def _onnx_pool_out(axis: AxisArith, ceil: bool) -> int:
    """ONNX's pooling output size: ``⌊(in + pads − d·(k − 1) − 1)/s⌋ + 1``, or ``⌈…⌉`` with ceil_mode."""
    span = axis.size_in + axis.pad_lo + axis.pad_hi - axis.effective_kernel
    return (-(-span // axis.stride) if ceil else span // axis.stride) + 1


def _graph_name(name: str) -> str:
    return name or "design"


def _version() -> str:
    from designer import __version__

    return __version__


_SIMPLE_OPS = {"ReLU": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh"}

# Doc strings that tell the importer which design layer a node was where ONNX has one op for
# several (an Identity is also StochasticDepth; a Transpose a Permute; a Reshape a Flatten).
_STOCHASTIC_DEPTH = "StochasticDepth"
#: ONNX ops whose output shape ONNX shape inference does not compute (declared from the design).
_NO_SHAPE_INFERENCE = frozenset({"GroupNormalization"})
_MEAN_DOC = "Mean in the design"
_RESHAPE_DOC = "Reshape in the design"
_PERMUTE_DOC = "Permute in the design"
_SCALE_DOC = "Scale in the design: multiplies by a learned tensor"

_Handler = Callable[[_Builder, Layer, LayerInfo, dict[str, Any]], None]

#: Design type id → node builder. A type missing here is refused with its name.
_HANDLERS: dict[str, _Handler] = {
    "Conv2d": _Builder.conv2d,
    "ConvTranspose2d": _Builder.conv_transpose2d,
    "MaxPool2d": _Builder.pool,
    "AvgPool2d": _Builder.pool,
    "AdaptiveAvgPool2d": _Builder.adaptive_pool,
    "AdaptiveMaxPool2d": _Builder.adaptive_pool,
    "BatchNorm2d": _Builder.batch_norm,
    "LocalResponseNorm": _Builder.lrn,
    "ReLU": _Builder.activation,
    "ReLU6": _Builder.activation,
    "LeakyReLU": _Builder.activation,
    "Sigmoid": _Builder.activation,
    "Tanh": _Builder.activation,
    "GELU": _Builder.activation,
    "SiLU": _Builder.activation,
    "Softmax": _Builder.softmax,
    "Identity": _Builder.identity,
    "Dropout": _Builder.dropout,
    "Dropout2d": _Builder.dropout,
    "Flatten": _Builder.flatten,
    "Linear": _Builder.linear,
    "ZeroPad2d": _Builder.zero_pad,
    "Upsample": _Builder.upsample,
    "Add": _Builder.merge,
    "Concat": _Builder.merge,
    "Mul": _Builder.mul,
    "Hardswish": _Builder.modern_activation,
    "Hardsigmoid": _Builder.modern_activation,
    "Mish": _Builder.modern_activation,
    "ELU": _Builder.modern_activation,
    "SELU": _Builder.modern_activation,
    "Softplus": _Builder.modern_activation,
    "PReLU": _Builder.prelu,
    "LayerNorm2d": _Builder.layer_norm2d,
    "LayerNorm": _Builder.layer_norm,
    "GroupNorm": _Builder.group_norm,
    "InstanceNorm2d": _Builder.instance_norm,
    "StochasticDepth": _Builder.stochastic_depth,
    "ChannelShuffle": _Builder.channel_shuffle,
    "Split": _Builder.split,
    "Chunk": _Builder.split,
    "Mean": _Builder.mean,
    "Reshape": _Builder.reshape,
    "Permute": _Builder.permute,
    "Transpose": _Builder.permute,
    "Scale": _Builder.scale,
}

#: Design types the ONNX exporter handles (Input is the graph input).
SUPPORTED_TYPES = frozenset({"Input", *_HANDLERS})

"""Import an ONNX graph as a design (needs the optional ``onnx`` package).

Supported: Conv, ConvTranspose, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool,
Gemm, MatMul (+ Add of a bias), BatchNormalization, LRN, Relu, LeakyRelu, Sigmoid, Tanh,
Softmax, Gelu, Clip (0–6 = ReLU6, 0–∞ = ReLU), HardSwish, HardSigmoid, Elu, Selu, Mish,
Softplus, PRelu, LayerNormalization, GroupNormalization, InstanceNormalization, Add and Mul
(broadcast; data × stored tensor is Scale; ``x * sigmoid(x)`` is SiLU), Concat (channels; one
input is the input itself), Split and channel Slices (one Split, pieces ``id:k``), ReduceMean,
Flatten, Reshape (flatten, ChannelShuffle with its Transpose, or a general Reshape), Transpose,
Pad (zeros), Resize/Upsample, Dropout and Identity. ``Transpose → LayerNormalization →
Transpose`` is LayerNorm2d. Shape arithmetic that exporters emit (Shape → Gather → … →
Concat) is evaluated on the known shapes, not imported; an Identity of a weight is an alias.
A Conv whose weights ``torch.onnx.export`` computed (its default constant folding merges a
BatchNorm into the Conv) is restored as Conv2d + BatchNorm2d, with a warning. A graph with
a cycle is refused. Anything else that touches the data becomes an ``Unsupported`` layer, as
in the PyTorch importer. Shapes from ONNX shape inference are compared with the designer's,
layer by layer.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from designer.convert.design_builder import (
    ConversionError,
    DesignBuilder,
    ImportResult,
    flatten_span,
)
from designer.core.shape_rules import fmt_shape

Shape = tuple[int, ...]


def load_onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:
        raise ConversionError(
            f"importing ONNX files needs the onnx package, which is not installed ({exc}). "
            "Install it with `pip install onnx` (or `pip install 'cnn-designer[onnx]'`)."
        ) from None
    return onnx


def from_onnx(
    model: Any, *, input_shapes: Sequence[Sequence[int]] | None = None, name: str | None = None
) -> Any:
    """The design of an ONNX model (a path or an ``onnx.ModelProto``).

    ``input_shapes`` ([C, H, W] or [N] per graph input, no batch axis) overrides the shapes
    stored in the file, and is needed where those are symbolic.
    """
    return import_onnx(model, input_shapes=input_shapes, name=name).design


def import_onnx(
    model: Any, *, input_shapes: Sequence[Sequence[int]] | None = None, name: str | None = None
) -> ImportResult:
    """Like ``from_onnx``, returning the design and the list of import notes."""
    onnx = load_onnx()
    label = "the ONNX model"
    if isinstance(model, str | os.PathLike):
        label = Path(model).name
        try:
            model = onnx.load(os.fspath(model))
        except Exception as exc:
            raise ConversionError(
                f"{label} cannot be read as an ONNX model: {type(exc).__name__}: {exc}"
            ) from None
    if not isinstance(model, onnx.ModelProto):
        raise ConversionError(
            f"expected an ONNX file or onnx.ModelProto, got {type(model).__name__}"
        )
    return _OnnxImporter(onnx, model, input_shapes, name, label).run()


def _segments_id(node_name: str, op_type: str, output: str) -> str:
    """``/layer1/layer1.0/conv1/Conv`` → ``layer1.0.conv1``; unnamed nodes use their op type."""
    segments = [s for s in node_name.strip("/").split("/") if s]
    if segments and segments[-1].split("_")[0] == op_type:
        segments = segments[:-1]
    kept: list[str] = []
    for s in segments:
        if kept and s.startswith(kept[-1] + "."):
            kept[-1] = s
        else:
            kept.append(s)
    text = ".".join(kept)
    return text or re.sub(r"[^A-Za-z0-9_]", "_", op_type.lower())


def _designer_id(tensor: str) -> str:
    """The layer id in a tensor name CNN Designer wrote: ``id``, ``id:k``, ``id/what``."""
    return tensor.partition("/")[0].partition(":")[0]


# Doc strings CNN Designer's ONNX export writes where one ONNX op stands for several layers.
_STOCHASTIC_DEPTH = re.compile(r"^StochasticDepth\(p=([0-9.eE+-]+), mode=(row|batch)\)")
_MEAN_DOC = "Mean in the design"
_RESHAPE_DOC = "Reshape in the design"
_PERMUTE_DOC = "Permute in the design"
_SCALE_DOC = "Scale in the design"


class _Unsupported(Exception):
    pass


# Operators that come from functions in forward(), not from a module of their own.
_FUNCTIONAL_OPS = frozenset(
    {
        "Concat",
        "Add",
        "Mul",
        "Sub",
        "Div",
        "Split",
        "Slice",
        "Reshape",
        "ReduceMean",
        "Gather",
        "Squeeze",
        "Unsqueeze",
        "Sum",
    }
)


def _topological_order(nodes: list[Any], label: str) -> list[Any]:
    """``nodes`` in an order where every tensor is computed before it is read (stable).

    ONNX requires this order already; a graph whose nodes read their own results (a cycle)
    is not a valid ONNX graph and is refused, naming the nodes on the cycle.
    """
    producer: dict[str, int] = {}
    for n, node in enumerate(nodes):
        for out in node.output:
            if out:
                producer[out] = n
    deps = [
        sorted({producer[i] for i in node.input if i in producer and producer[i] != n})
        for n, node in enumerate(nodes)
    ]
    for n, node in enumerate(nodes):
        if any(producer.get(i) == n for i in node.input):
            raise ConversionError(
                f"{label}: {_node_label(node)} reads its own output: the graph has a cycle, which "
                "ONNX does not allow; nothing was imported"
            )
    users: list[list[int]] = [[] for _ in nodes]
    missing = [len(d) for d in deps]
    for n, d in enumerate(deps):
        for m in d:
            users[m].append(n)
    import heapq

    ready = [n for n, k in enumerate(missing) if k == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for u in users[n]:
            missing[u] -= 1
            if missing[u] == 0:
                heapq.heappush(ready, u)
    if len(order) < len(nodes):
        left = {n for n, k in enumerate(missing) if k > 0}
        # Walk back along dependencies inside the unordered rest until a node repeats: that is a cycle.
        path = [min(left)]
        seen = {path[0]: 0}
        while True:
            nxt = next(m for m in deps[path[-1]] if m in left)
            if nxt in seen:
                cycle = path[seen[nxt] :][::-1]
                break
            seen[nxt] = len(path)
            path.append(nxt)
        names = " → ".join(_node_label(nodes[m]) for m in [*cycle, cycle[0]])
        raise ConversionError(
            f"{label}: the graph has a cycle ({names}): each of these nodes reads a tensor computed after it. "
            "ONNX graphs must be acyclic (loops are written with the Loop operator); nothing was imported"
        )
    return [nodes[n] for n in order]


def _reshaped(before: tuple[int, ...], target: list[int]) -> tuple[int, ...] | None:
    """ONNX Reshape's output shape (0 copies the input's size, -1 takes the rest), batch axis dropped."""
    dims = [before[i] if v == 0 and i < len(before) else v for i, v in enumerate(target)]
    total = math.prod(before)
    if dims.count(-1) == 1:
        known = math.prod(d for d in dims if d != -1)
        if known <= 0 or total % known:
            return None
        dims[dims.index(-1)] = total // known
    if math.prod(dims) != total or not dims or dims[0] != before[0] or min(dims) < 1:
        return None
    return tuple(dims[1:])


def _node_label(node: Any) -> str:
    return f"{node.op_type} {node.name or (node.output[0] if node.output else '?')!r}"


class _LazyArray:
    """An initializer turned into a numpy array only when its values are read (weights rarely are)."""

    def __init__(self, proto: Any, numpy_helper: Any) -> None:
        self.proto = proto
        self.shape = tuple(int(d) for d in proto.dims)
        self.ndim = len(self.shape)
        self.size = math.prod(self.shape)
        self._helper = numpy_helper

    def value(self) -> Any:
        return self._helper.to_array(self.proto)

    def __float__(self) -> float:
        return float(self.value())

    def __iter__(self) -> Any:
        return iter(self.value().reshape(-1))


def _f32(value: Any) -> float:
    """ONNX stores float32: 1e-5 arrives as 9.99999974e-06. The shortest float32 text gives 1e-05 back."""
    import numpy

    return float(str(numpy.float32(value)))


class _OnnxImporter:
    def __init__(
        self,
        onnx: Any,
        model: Any,
        shapes: Sequence[Sequence[int]] | None,
        name: str | None,
        label: str,
    ) -> None:
        self.onnx = onnx
        self.model = model
        self.graph = model.graph
        self.label = label
        self.override = [tuple(int(v) for v in s) for s in shapes] if shapes else None
        self.builder = DesignBuilder(name or self.graph.name or Path(label).stem)
        self.const: dict[
            str, Any
        ] = {}  # tensor name -> numpy value (initializers, Constant outputs)
        self.value: dict[str, str] = {}  # data tensor name -> layer id
        self.expected: dict[str, Shape] = {}
        self.inferred: dict[str, Shape] = {}  # tensor -> shape without batch axis
        self.consumers: dict[str, list[Any]] = {}
        self.skip: set[int] = set()  # nodes folded into an earlier layer
        self.folded_outputs: list[str] = []
        self.then: list[tuple[str, str, dict[str, Any]]] = []  # layers a node adds after its own
        opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
        self.opset = opset[0] if opset else 13
        # A file CNN Designer wrote names each layer's output tensor after the layer ("id", "id:k"
        # for a Split's pieces, "id/what" inside a layer of several nodes): the ids come back as they were.
        self.from_designer = model.producer_name == "CNN Designer"

    def run(self) -> ImportResult:
        from onnx import numpy_helper

        for init in self.graph.initializer:
            self.const[init.name] = _LazyArray(init, numpy_helper)
        inputs = [i for i in self.graph.input if i.name not in self.const]
        if not inputs:
            raise ConversionError(
                f"{self.label} has no graph input (an empty file, or a model that computes only from "
                "constants): there is nothing to import"
            )
        shapes = self._input_shapes(inputs)
        self.nodes = _topological_order(list(self.graph.node), self.label)
        self.position = {id(node): n for n, node in enumerate(self.nodes)}
        self._infer(inputs, shapes)
        for node in self.nodes:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        self.data: set[str] = {i.name for i in inputs}
        self._fold_constants()
        self.fused_bn = self._fused_batchnorm_convs()
        b = self.builder
        for i, shape in zip(inputs, shapes, strict=True):
            lid = b.add(i.name, "Input", {"shape": list(shape)}, [], f"input {i.name}")
            self.value[i.name] = lid
        self.layernorm2d = self._find_layernorm2d()
        self.scope_count = self._scope_counts()
        if self.from_designer:  # a Mul of three or more tensors: a chain read as one layer
            for n, node in enumerate(self.nodes):
                if node.op_type == "Mul" and re.search(r"/mul_\d+$", node.output[0]):
                    self.skip.add(n)
        for n, node in enumerate(self.nodes):
            if n in self.skip:
                continue
            self._visit(n, node)
        if self.fused_bn:
            b.note(
                "warning",
                "folded_batchnorm",
                None,
                f"{len(self.fused_bn)} convolutions carry a BatchNorm that torch.onnx.export folded into their weights "
                "(its default do_constant_folding=True in eval mode): each is restored as a Conv2d without bias followed "
                "by a BatchNorm2d (eps 1e-5 assumed). A convolution that had its own bias before the BatchNorm cannot be "
                "told apart; export with do_constant_folding=False to keep every layer as it was.",
            )
        b.check_shapes(self.expected, "ONNX shape inference")
        text = ", ".join(fmt_shape(s) for s in shapes)
        return b.finish(f"Imported from ONNX: {self.label} (opset {self.opset}), input {text}.")

    # ------------------------------------------------------- graph structure

    def _fold_constants(self) -> None:
        """Evaluate the shape arithmetic exporters emit (Shape → Gather → … → Concat) on the known shapes.

        Marks every tensor computed from the data in ``self.data``; a tensor computed only from
        constants and from the *shapes* of data tensors (which are static here) gets its value in
        ``self.const``, so a Reshape, Slice or Resize that reads it sees plain numbers.
        """
        import numpy

        for node in self.nodes:
            op = node.op_type
            ins = list(node.input)
            if op == "Constant":
                self._visit_constant(node)
                continue
            if op in ("Shape", "Size") and ins and ins[0] in self.data:
                shape = self._full_shape(ins[0])
                if shape is not None:
                    dims = numpy.array(
                        shape if op == "Shape" else math.prod(shape), dtype=numpy.int64
                    )
                    if op == "Shape":
                        a = self._attrs(node)
                        dims = dims[int(a.get("start", 0)) : a.get("end")]
                    self.const[node.output[0]] = dims
                continue
            if any(n in self.data for n in ins if n):
                self.data.update(o for o in node.output if o)
                continue
            if op == "Identity" and ins and ins[0] in self.const:
                self.const[node.output[0]] = self.const[ins[0]]  # a deduplicated weight's alias
                continue
            value: Any = None
            with contextlib.suppress(
                Exception
            ):  # not shape arithmetic we know: left to the node's consumer
                value = self._evaluate(node)
            if value is not None:
                self.const[node.output[0]] = value

    def _full_shape(self, tensor: str) -> tuple[int, ...] | None:
        shape = self.inferred.get(tensor)
        return None if shape is None else (1, *shape)

    def _evaluate(self, node: Any) -> Any:
        """The value of a small integer/float op on constants (the ops shape arithmetic uses), or None."""
        import numpy

        op = node.op_type
        args: list[Any] = []
        for n in node.input:
            if not n:
                args.append(None)
                continue
            if n not in self.const:
                return None
            v = self.const[n]
            args.append(v.value() if isinstance(v, _LazyArray) else numpy.asarray(v))
        a = self._attrs(node)
        if op == "Transpose" and len(args) == 1:  # a weight stored transposed (MatMul of a Linear)
            perm = a.get("perm")
            return numpy.transpose(args[0], perm if perm is None else list(perm))
        if any(x is not None and x.size > 4096 for x in args):
            return None  # weights are not shape arithmetic
        if op == "Gather":
            return numpy.take(args[0], args[1], axis=int(a.get("axis", 0)))
        if op == "Unsqueeze":
            axes = (
                list(a.get("axes") or []) if len(args) < 2 or args[1] is None else args[1].tolist()
            )
            out = args[0]
            for ax in sorted(int(x) % (out.ndim + len(axes)) for x in axes):
                out = numpy.expand_dims(out, ax)
            return out
        if op == "Squeeze":
            given = a.get("axes") if len(args) < 2 or args[1] is None else args[1].tolist()
            return numpy.squeeze(
                args[0], axis=tuple(int(x) for x in given) if given is not None else None
            )
        if op == "Concat":
            return numpy.concatenate(
                [x.reshape(-1) if x.ndim == 0 else x for x in args], axis=int(a["axis"])
            )
        if op == "Cast":
            return args[0]
        if op in ("Add", "Sub", "Mul", "Div"):
            x, y = args
            if op == "Div" and numpy.issubdtype(x.dtype, numpy.integer):
                return x // y
            return {
                "Add": numpy.add,
                "Sub": numpy.subtract,
                "Mul": numpy.multiply,
                "Div": numpy.divide,
            }[op](x, y)
        if op == "Slice":
            data, starts, ends = args[0], args[1], args[2]
            axes = args[3] if len(args) > 3 and args[3] is not None else numpy.arange(len(starts))
            steps = (
                args[4]
                if len(args) > 4 and args[4] is not None
                else numpy.ones(len(starts), dtype=numpy.int64)
            )
            index = [slice(None)] * data.ndim
            for st, en, ax, sp in zip(
                starts.tolist(), ends.tolist(), axes.tolist(), steps.tolist(), strict=True
            ):
                index[int(ax)] = slice(int(st), int(en), int(sp))
            return data[tuple(index)]
        if op == "Reshape":
            return args[0].reshape(args[1].tolist())
        return None

    def _fused_batchnorm_convs(self) -> set[int]:
        """Convs whose weights ``torch.onnx.export`` computed by folding a BatchNorm into them.

        The exporter names a parameter by its module path (``layer1.0.conv1.weight``) and a
        weight it computed ``onnx::Conv_123``; in its default export (eval mode, constant
        folding) a Conv whose weight it computed is a Conv followed by a BatchNorm.
        """
        if self.model.producer_name != "pytorch":
            return set()
        alias: dict[str, str] = {}
        for node in self.nodes:
            if node.op_type == "Identity" and node.input and node.input[0] in self.const:
                alias[node.output[0]] = alias.get(node.input[0], node.input[0])
        initializers = {i.name for i in self.graph.initializer}
        out = set()
        for node in self.nodes:
            if node.op_type == "Conv" and len(node.input) == 3:
                weight = alias.get(node.input[1], node.input[1])
                if weight in initializers and weight.startswith("onnx::"):
                    out.add(id(node))
        return out

    def _find_layernorm2d(self) -> dict[int, tuple[Any, Any]]:
        """Transpose(0,2,3,1) → LayerNormalization(last axis) → Transpose(0,3,1,2): ConvNeXt's LayerNorm2d.

        Returns the first Transpose's id → (LayerNormalization, last Transpose); both are skipped.
        """
        out: dict[int, tuple[Any, Any]] = {}
        for node in self.nodes:
            if node.op_type != "Transpose" or list(self._attrs(node).get("perm", [])) != [
                0,
                2,
                3,
                1,
            ]:
                continue
            users = self.consumers.get(node.output[0], [])
            if (
                len(users) != 1
                or users[0].op_type != "LayerNormalization"
                or users[0].input[0] != node.output[0]
            ):
                continue
            ln = users[0]
            if (
                int(self._attrs(ln).get("axis", -1)) not in (-1, 3)
                or len(ln.input) < 3
                or any(o for o in ln.output[1:] if o in self.consumers)
            ):
                continue
            back = self.consumers.get(ln.output[0], [])
            if (
                len(back) != 1
                or back[0].op_type != "Transpose"
                or list(self._attrs(back[0]).get("perm", [])) != [0, 3, 1, 2]
            ):
                continue
            if self.from_designer and (
                node.output[0] != f"{back[0].output[0]}/nhwc"
                or ln.output[0] != f"{back[0].output[0]}/normed"
            ):
                continue  # a design's own Permute → LayerNorm → Permute stays three layers
            out[id(node)] = (ln, back[0])
            self.skip.update({self.position[id(ln)], self.position[id(back[0])]})
        return out

    def _scope_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        self.matmul_outputs = {n.output[0] for n in self.nodes if n.op_type == "MatMul"}
        self.producer = {o: n for n in self.nodes for o in n.output if o}
        for n, node in enumerate(self.nodes):
            if n in self.skip or node.op_type in ("Constant", "Shape", "Size"):
                continue
            if not any(i in self.data for i in node.input):
                continue
            if (
                node.op_type == "Add"
                and any(i in self.matmul_outputs for i in node.input)
                and any(i in self.const for i in node.input)
            ):
                continue  # a Linear's bias, folded into its MatMul
            if node.op_type == "Mul" and any(
                self.producer.get(i) is not None
                and self.producer[i].op_type == "Sigmoid"
                and sorted(node.input) == sorted([self.producer[i].input[0], i])
                for i in node.input
            ):
                continue  # x * sigmoid(x): SiLU, named after the Sigmoid
            seg = _segments_id(node.name, node.op_type, "")
            counts[seg] = counts.get(seg, 0) + 1
        return counts

    def _wanted(self, node: Any) -> str:
        """The module path of ``node``; nodes sharing one module path get their op type after it.

        So do the operations ``forward`` methods write as functions (``torch.cat``, ``+``,
        ``*``, reshapes): ``/features/denseblock1/denselayer2/Concat`` is the Concat *inside*
        that dense layer (``features.denseblock1.denselayer2.concat``), not the layer's output.
        """
        if self.from_designer and node.output and node.output[0]:
            return _designer_id(node.output[0])
        seg = _segments_id(node.name, node.op_type, node.output[0] if node.output else node.op_type)
        if seg == re.sub(r"[^A-Za-z0-9_]", "_", node.op_type.lower()):
            return seg  # an unnamed node
        if self.scope_count.get(seg, 0) > 1 or node.op_type in _FUNCTIONAL_OPS:
            return f"{seg}.{node.op_type.lower()}"
        return seg

    # ------------------------------------------------------------------ shapes

    def _input_shapes(self, inputs: list[Any]) -> list[Shape]:
        if self.override is not None:
            if len(self.override) != len(inputs):
                raise ConversionError(
                    f"{self.label} has {len(inputs)} input{'s' if len(inputs) != 1 else ''} "
                    f"({', '.join(i.name for i in inputs)}), but {len(self.override)} input shapes were given"
                )
            for s in self.override:
                if len(s) not in (1, 3) or min(s) < 1:
                    raise ConversionError(
                        f"input shape {list(s)}: expected [channels, height, width] or [features]"
                    )
            return list(self.override)
        out: list[Shape] = []
        for i in inputs:
            dims = i.type.tensor_type.shape.dim
            values = [d.dim_value if d.HasField("dim_value") else None for d in dims]
            shape = values[1:]
            if len(shape) not in (1, 3) or any(v is None or v < 1 for v in shape):
                raise ConversionError(
                    f"{self.label}: the input {i.name} has shape {[v if v is not None else '?' for v in values]}; "
                    "give its size with --input-shape C,H,W (input_shapes=[...] in Python)"
                )
            out.append(tuple(int(v) for v in shape if v is not None))
        return out

    def _infer(self, inputs: list[Any], shapes: list[Shape]) -> None:
        onnx = self.onnx
        # Shape inference needs the shapes of the weights, not their values: big initializers
        # become typed inputs so that a 240 MB model is not copied.
        model = onnx.ModelProto()
        graph = self.model.graph
        big = [i for i in graph.initializer if math.prod(i.dims) > 4096]
        big_names = {i.name for i in big}
        model.ir_version = self.model.ir_version
        model.opset_import.extend(self.model.opset_import)
        model.graph.node.extend(graph.node)
        model.graph.input.extend(i for i in graph.input if i.name not in big_names)
        model.graph.output.extend(graph.output)
        model.graph.initializer.extend(i for i in graph.initializer if i.name not in big_names)
        # ONNX infers no shape for GroupNormalization (a function op): the file's own record of
        # its output shape, where there is one, lets inference continue after it
        unknown = {n.output[0] for n in graph.node if n.op_type == "GroupNormalization"}
        model.graph.value_info.extend(vi for vi in graph.value_info if vi.name in unknown)
        for i in big:
            model.graph.input.append(
                onnx.helper.make_tensor_value_info(i.name, i.data_type, list(i.dims))
            )
        by_name = {i.name: s for i, s in zip(inputs, shapes, strict=True)}
        for i in model.graph.input:
            if i.name in by_name:
                dims = i.type.tensor_type.shape.dim
                del dims[:]
                for v in (1, *by_name[i.name]):
                    dims.add().dim_value = v
        try:
            inferred = onnx.shape_inference.infer_shapes(
                model, data_prop=True
            )  # data_prop: Shape → … → Resize
        except Exception:  # inference is a cross-check only
            return
        for vi in [*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input]:
            dims = vi.type.tensor_type.shape.dim
            if dims and all(d.HasField("dim_value") for d in dims):
                self.inferred[vi.name] = tuple(int(d.dim_value) for d in dims)[1:]

    # ------------------------------------------------------------------- nodes

    def _attrs(self, node: Any) -> dict[str, Any]:
        helper = self.onnx.helper
        out = {}
        for a in node.attribute:
            v = helper.get_attribute_value(a)
            out[a.name] = v.decode() if isinstance(v, bytes) else v
        return out

    def _data_inputs(self, node: Any) -> list[str]:
        return [self.value[n] for n in node.input if n in self.value]

    def _visit(self, index: int, node: Any) -> None:
        op = node.op_type
        if op == "Constant":
            self._visit_constant(node)
            return
        if op in ("Shape", "Size") or not any(n in self.value for n in node.input):
            return  # arithmetic on constants and shapes (folded before): not part of the data path
        handler = getattr(self, f"_op_{op}", None)
        wanted = self._wanted(node)
        try:
            if handler is None:
                raise _Unsupported(f"CNN Designer has no layer for the ONNX operator {op}")
            type_id, params, inputs = handler(index, node)
        except _Unsupported as why:
            self._placeholder(node, wanted, str(why))
            return
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            self._placeholder(
                node, wanted, f"its attributes could not be read ({type(exc).__name__}: {exc})"
            )
            return
        if type_id == "alias":  # the node passes its input on unchanged
            self._record(node.output[0], inputs[0])
            return
        if type_id == "outputs":  # recorded by the handler (Split: one ref per output)
            return
        if self.from_designer and self.folded_outputs:
            wanted = _designer_id(self.folded_outputs[-1])  # the layer's last node has its id
        source = f"the {op} node {node.name or node.output[0]}"
        lid = self.builder.add(wanted, type_id, params, inputs, source, op=self._op_name(node))
        for suffix, then_type, then_params in self.then:
            lid = self.builder.add(
                f"{wanted}.{suffix}", then_type, then_params, [lid], source, op=self._op_name(node)
            )
        self.then = []
        self._record(node.output[0], lid)
        for tensor in self.folded_outputs:  # a bias Add folded into its Linear
            self._record(tensor, lid)
        self.folded_outputs = []

    def _visit_constant(self, node: Any) -> None:
        import numpy
        from onnx import numpy_helper

        attrs = {a.name: a for a in node.attribute}
        if "value" in attrs:
            self.const[node.output[0]] = numpy_helper.to_array(attrs["value"].t)
        elif (
            "value_ints" in attrs
            or "value_int" in attrs
            or "value_floats" in attrs
            or "value_float" in attrs
        ):
            self.const[node.output[0]] = numpy.array(self._attrs(node).get(next(iter(attrs))))

    def _record(self, tensor: str, lid: str) -> None:
        self.value[tensor] = lid
        if tensor in self.inferred and ":" not in lid:
            self.expected[lid] = self.inferred[tensor]

    @staticmethod
    def _op_name(node: Any) -> str:
        return f"{node.domain or 'onnx'}::{node.op_type}"

    def _placeholder(self, node: Any, wanted: str, why: str) -> None:
        self.then = []
        out = node.output[0] if node.output else ""
        if out in self.inferred:
            why += f"; ONNX's output there is {fmt_shape(self.inferred[out])}"
        lid = self.builder.placeholder(
            wanted,
            self._data_inputs(node),
            f"the {node.op_type} node {node.name or out}",
            why,
            op=self._op_name(node),
            shape=self.inferred.get(out),
        )
        if out:
            self._record(out, lid)

    def _single(self, node: Any) -> list[str]:
        data = [n for n in node.input if n in self.value]
        if len(data) != 1 or node.input[0] != data[0]:
            raise _Unsupported("it combines the data with another computed tensor")
        return [self.value[data[0]]]

    def _weight(self, node: Any, i: int) -> Any:
        if len(node.input) <= i or node.input[i] not in self.const:
            raise _Unsupported("its weights are computed in the graph, not stored")
        return self.const[node.input[i]]

    def _has(self, node: Any, i: int) -> bool:
        return len(node.input) > i and node.input[i] != ""

    def _spatial(self, attrs: dict[str, Any], kernel: Sequence[int]) -> dict[str, Any]:
        if len(kernel) != 2:
            raise _Unsupported(f"it is {len(kernel)}-dimensional; the designer's layers are 2-D")
        return {
            "strides": list(attrs.get("strides", [1, 1])),
            "dilations": list(attrs.get("dilations", [1, 1])),
            "pads": list(attrs.get("pads", [0, 0, 0, 0])),
            "auto_pad": attrs.get("auto_pad", "NOTSET"),
        }

    @staticmethod
    def _sym_pads(pads: list[int]) -> list[int] | None:
        top, left, bottom, right = pads
        return [top, left] if (top, left) == (bottom, right) else None

    def _op_Conv(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        w = self._weight(node, 1)
        attrs = self._attrs(node)
        kernel = list(attrs.get("kernel_shape", w.shape[2:]))
        s = self._spatial(attrs, kernel)
        params: dict[str, Any] = {
            "out_channels": int(w.shape[0]),
            "kernel_size": kernel,
            "stride": s["strides"],
            "dilation": s["dilations"],
            "groups": int(attrs.get("group", 1)),
            "bias": self._has(node, 2),
        }
        if id(node) in self.fused_bn:
            params["bias"] = False
            self.then.append(("batchnorm", "BatchNorm2d", {}))
        if s["auto_pad"] in ("SAME_UPPER",) and s["strides"] == [1, 1]:
            params["padding"] = "same"
        elif s["auto_pad"] == "VALID":
            params["padding"] = 0
        elif s["auto_pad"] != "NOTSET":
            raise _Unsupported(
                f"auto_pad {s['auto_pad']} with stride {s['strides']} has no PyTorch equivalent"
            )
        else:
            sym = self._sym_pads(s["pads"])
            if sym is None:  # uneven zero padding: an explicit ZeroPad2d first
                top, left, bottom, right = s["pads"]
                pad_id = self.builder.add(
                    _segments_id(node.name, "Conv", "") + ".pad",
                    "ZeroPad2d",
                    {"padding": [left, right, top, bottom]},
                    inputs,
                    "the uneven padding of a Conv",
                )
                inputs = [pad_id]
                sym = [0, 0]
            params["padding"] = sym
        return "Conv2d", params, inputs

    def _op_ConvTranspose(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        w = self._weight(node, 1)
        attrs = self._attrs(node)
        if "output_shape" in attrs:
            raise _Unsupported("output_shape is not supported; export with explicit pads")
        kernel = list(attrs.get("kernel_shape", w.shape[2:]))
        s = self._spatial(attrs, kernel)
        sym = self._sym_pads(s["pads"])
        if sym is None or s["auto_pad"] != "NOTSET":
            raise _Unsupported("uneven or automatic padding has no ConvTranspose2d equivalent")
        groups = int(attrs.get("group", 1))
        return (
            "ConvTranspose2d",
            {
                "out_channels": int(w.shape[1]) * groups,
                "kernel_size": kernel,
                "stride": s["strides"],
                "padding": sym,
                "output_padding": list(attrs.get("output_padding", [0, 0])),
                "groups": groups,
                "bias": self._has(node, 2),
                "dilation": s["dilations"],
            },
            inputs,
        )

    def _pool(self, node: Any, type_id: str) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        if len(node.output) > 1 and node.output[1] in self.consumers:
            raise _Unsupported("the indices of the maxima are used")
        attrs = self._attrs(node)
        kernel = list(attrs["kernel_shape"])
        s = self._spatial(attrs, kernel)
        sym = self._sym_pads(s["pads"])
        if sym is None or s["auto_pad"] != "NOTSET":
            raise _Unsupported(
                "uneven or automatic padding of a pooling window has no PyTorch equivalent"
            )
        params: dict[str, Any] = {
            "kernel_size": kernel,
            "padding": sym,
            "ceil_mode": bool(attrs.get("ceil_mode", 0)),
        }
        if s["strides"] != kernel:
            params["stride"] = s["strides"]
        if type_id == "MaxPool2d":
            params["dilation"] = s["dilations"]
        else:
            params["count_include_pad"] = bool(attrs.get("count_include_pad", 0))
        return type_id, params, inputs

    def _op_MaxPool(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return self._pool(node, "MaxPool2d")

    def _op_AveragePool(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return self._pool(node, "AvgPool2d")

    def _op_GlobalAveragePool(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "AdaptiveAvgPool2d", {"output_size": 1}, self._single(node)

    def _op_GlobalMaxPool(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "AdaptiveMaxPool2d", {"output_size": 1}, self._single(node)

    def _op_BatchNormalization(
        self, index: int, node: Any
    ) -> tuple[str, dict[str, Any], list[str]]:
        attrs = self._attrs(node)
        if len(node.output) > 1 and any(o in self.consumers for o in node.output[1:]):
            raise _Unsupported("it is in training mode and its running statistics are used")
        momentum = 1.0 - _f32(attrs.get("momentum", 0.9))  # ONNX keeps the share of the old value
        return (
            "BatchNorm2d",
            {"eps": _f32(attrs.get("epsilon", 1e-5)), "momentum": round(momentum, 7)},
            self._single(node),
        )

    def _op_LRN(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        a = self._attrs(node)
        return (
            "LocalResponseNorm",
            {
                "size": int(a["size"]),
                "alpha": _f32(a.get("alpha", 1e-4)),
                "beta": _f32(a.get("beta", 0.75)),
                "k": _f32(a.get("bias", 1.0)),
            },
            self._single(node),
        )

    def _op_Relu(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "ReLU", {}, self._single(node)

    def _op_LeakyRelu(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return (
            "LeakyReLU",
            {"negative_slope": _f32(self._attrs(node).get("alpha", 0.01))},
            self._single(node),
        )

    def _op_Tanh(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "Tanh", {}, self._single(node)

    def _op_Gelu(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return (
            "GELU",
            {"approximate": self._attrs(node).get("approximate", "none")},
            self._single(node),
        )

    def _op_Softmax(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        axis = int(self._attrs(node).get("axis", 1 if self.opset < 13 else -1))
        shape = self.inferred.get(node.input[0])
        rank = len(shape) + 1 if shape is not None else 2
        if axis < 0:
            axis += rank
        if self.opset < 13 and axis != rank - 1:
            raise _Unsupported(
                "before opset 13 Softmax flattens the trailing axes, which the designer cannot express"
            )
        return "Softmax", {"dim": axis}, inputs

    def _op_Clip(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        attrs = self._attrs(node)
        lo = (
            float(self.const[node.input[1]])
            if self._has(node, 1) and node.input[1] in self.const
            else attrs.get("min")
        )
        hi = (
            float(self.const[node.input[2]])
            if self._has(node, 2) and node.input[2] in self.const
            else attrs.get("max")
        )
        if lo == 0 and hi == 6:
            return "ReLU6", {}, inputs
        if lo == 0 and (hi is None or math.isinf(hi)):
            return "ReLU", {}, inputs
        raise _Unsupported(f"Clip({lo}, {hi}) is neither ReLU nor ReLU6")

    def _op_Identity(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        marked = _STOCHASTIC_DEPTH.match(node.doc_string or "")
        if marked:  # the identity at inference, written by CNN Designer with its settings
            return (
                "StochasticDepth",
                {"p": float(marked.group(1)), "mode": marked.group(2)},
                self._single(node),
            )
        return "Identity", {}, self._single(node)

    def _op_Sum(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        if len(node.input) < 2 or not all(n in self.value for n in node.input):
            raise _Unsupported("it adds stored tensors, not branches")
        return "Add", {}, [self.value[n] for n in node.input]

    def _dropout_p(self, node: Any) -> float:
        if self._has(node, 1) and node.input[1] in self.const:
            return _f32(self.const[node.input[1]])
        return _f32(self._attrs(node).get("ratio", 0.5))

    def _op_Dropout(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "Dropout", {"p": self._dropout_p(node)}, self._single(node)

    def _op_Flatten(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        axis = int(self._attrs(node).get("axis", 1))
        if axis != 1:
            raise _Unsupported(f"Flatten with axis {axis} also reshapes the batch axis")
        return "Flatten", {}, self._single(node)

    def _reshape(self, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = [self.value[node.input[0]]] if node.input[0] in self.value else []
        if not inputs:
            raise _Unsupported("it reshapes a computed shape")
        before = self.inferred.get(node.input[0]) or self._designed_shape(inputs[0])
        after = self.inferred.get(node.output[0])
        if (
            after is None
            and before is not None
            and node.op_type == "Reshape"
            and node.input[1] in self.const
        ):
            after = _reshaped((1, *before), [int(v) for v in self.const[node.input[1]]])
            if after is not None:
                self.inferred[node.output[0]] = after
        if before is None or after is None:
            raise _Unsupported("its shapes are not known statically")
        if node.doc_string.startswith(_RESHAPE_DOC) and node.input[1] in self.const:
            target = [int(v) for v in self.const[node.input[1]]]
            return "Reshape", {"shape": target[1:]}, inputs
        span = flatten_span(before, after)
        if span is None:
            shuffle = self._channel_shuffle(node, before, after)
            if shuffle is not None:
                return "ChannelShuffle", {"groups": shuffle}, inputs
            return "Reshape", {"shape": list(after)}, inputs
        start, end = span
        return "Flatten", {"start_dim": start, "end_dim": end}, inputs

    def _channel_shuffle(self, node: Any, before: Shape, after: Shape) -> int | None:
        """Reshape to (g, C/g, H, W) → Transpose(0, 2, 1, 3, 4) → Reshape back: ChannelShuffle(g)."""
        if (
            len(before) != 3
            or len(after) != 4
            or after[0] * after[1] != before[0]
            or after[2:] != before[1:]
        ):
            return None
        users = self.consumers.get(node.output[0], [])
        if (
            len(users) != 1
            or users[0].op_type != "Transpose"
            or list(self._attrs(users[0]).get("perm", [])) != [0, 2, 1, 3, 4]
        ):
            return None
        back = self.consumers.get(users[0].output[0], [])
        if (
            len(back) != 1
            or back[0].op_type != "Reshape"
            or self.inferred.get(back[0].output[0]) != before
        ):
            return None
        for n in (users[0], back[0]):
            self.skip.add(self.position[id(n)])
        self.folded_outputs.append(back[0].output[0])
        return int(after[0])

    def _designed_shape(self, ref: str) -> Shape | None:
        """The designer's shape of a layer built so far (where ONNX shape inference gave up)."""
        from designer.core.analysis import analyze
        from designer.core.design import split_ref

        lid, index = split_ref(ref)
        info = analyze(self.builder.design).info.get(lid)
        if info is None:
            return None
        shapes = info.output_shapes
        shape = (
            shapes[index]
            if index is not None and shapes and 0 <= index < len(shapes)
            else info.output_shape
        )
        return tuple(shape) if shape is not None else None

    def _op_Reshape(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return self._reshape(node)

    def _op_Squeeze(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return self._reshape(node)

    def _op_Gemm(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        a = self._attrs(node)
        if (
            a.get("transA", 0)
            or float(a.get("alpha", 1.0)) != 1.0
            or float(a.get("beta", 1.0)) != 1.0
        ):
            raise _Unsupported(
                "transA, alpha or beta other than the defaults are not a Linear layer"
            )
        w = self._weight(node, 1)
        out = int(w.shape[0] if a.get("transB", 0) else w.shape[1])
        return "Linear", {"out_features": out, "bias": self._has(node, 2)}, inputs

    def _op_MatMul(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        w = self._weight(node, 1)
        if w.ndim != 2:
            raise _Unsupported("only a matrix product with a stored 2-D weight is a Linear layer")
        out = int(w.shape[1])
        users = self.consumers.get(node.output[0], [])
        bias = False
        if len(users) == 1 and users[0].op_type == "Add":
            add = users[0]
            other = [n for n in add.input if n != node.output[0]]
            if len(other) == 1 and other[0] in self.const and self.const[other[0]].shape == (out,):
                bias = True
                self.skip.add(self.position[id(add)])
                self.folded_outputs.append(add.output[0])
        return "Linear", {"out_features": out, "bias": bias}, inputs

    def _op_Add(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        if len(node.input) != 2 or not all(n in self.value for n in node.input):
            raise _Unsupported("it adds a stored tensor (a bias or a constant), not two branches")
        return "Add", {}, [self.value[n] for n in node.input]

    def _op_Concat(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        if not all(n in self.value for n in node.input):
            raise _Unsupported("it concatenates stored tensors")
        if len(node.input) == 1:  # DenseNet's first layer: torch.cat([x], 1) is x
            return "alias", {}, [self.value[node.input[0]]]
        parts = [self.inferred.get(n) for n in node.input]
        if node.output[0] not in self.inferred and all(
            p is not None and len(p) == 3 for p in parts
        ):
            shapes = [p for p in parts if p is not None]
            self.inferred[node.output[0]] = (sum(p[0] for p in shapes), *shapes[0][1:])
        axis = int(self._attrs(node)["axis"])
        shape = self.inferred.get(node.output[0])
        rank = len(shape) + 1 if shape is not None else 4
        if axis not in (1, 1 - rank):
            raise _Unsupported(
                f"it concatenates along axis {axis}; the designer's Concat joins channels (axis 1)"
            )
        return "Concat", {}, [self.value[n] for n in node.input]

    def _op_Pad(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = [self.value[node.input[0]]]
        attrs = self._attrs(node)
        mode = attrs.get("mode", "constant")
        if self._has(node, 1) and node.input[1] not in self.const:
            raise _Unsupported("its pads are computed in the graph")
        pads = (
            list(self.const[node.input[1]]) if self._has(node, 1) else list(attrs.get("pads", []))
        )
        value = (
            float(self.const[node.input[2]])
            if self._has(node, 2) and node.input[2] in self.const
            else float(attrs.get("value", 0.0))
        )
        if mode != "constant" or value != 0 or len(pads) != 8 or any(pads[i] for i in (0, 1, 4, 5)):
            raise _Unsupported(
                f"only zero padding of height and width is a ZeroPad2d (mode {mode}, pads {pads})"
            )
        top, left, bottom, right = int(pads[2]), int(pads[3]), int(pads[6]), int(pads[7])
        return "ZeroPad2d", {"padding": [left, right, top, bottom]}, inputs

    def _op_Resize(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = [self.value[node.input[0]]]
        attrs = self._attrs(node)
        mode = {"nearest": "nearest", "linear": "bilinear", "cubic": "bicubic"}.get(
            attrs.get("mode", "nearest")
        )
        if mode is None:
            raise _Unsupported("an interpolation mode the designer does not have")
        if (
            mode == "nearest"
            and attrs.get("coordinate_transformation_mode") == "half_pixel"
            and attrs.get("nearest_mode") == "round_prefer_ceil"
        ):
            mode = "nearest-exact"
        scales_at = 2 if node.op_type == "Resize" else 1
        extra: dict[str, Any] = {}
        if mode in ("bilinear", "bicubic"):
            ctm = self._attrs(node).get("coordinate_transformation_mode", "half_pixel")
            if ctm == "align_corners":  # PyTorch's default (None) behaves as False
                extra = {"align_corners": True}
        for i in range(1, len(node.input)):
            if node.input[i] and node.input[i] not in self.const:
                raise _Unsupported("its scales or sizes are computed in the graph")
        if self._has(node, scales_at) and self.const[node.input[scales_at]].size == 4:
            sc = [_f32(v) for v in self.const[node.input[scales_at]]]
            if sc[:2] != [1.0, 1.0]:
                raise _Unsupported("it also scales the batch or channel axis")
            fh, fw = sc[2], sc[3]
            return "Upsample", {"scale_factor": [fh, fw], "mode": mode, **extra}, inputs
        if self._has(node, 3) and self.const[node.input[3]].size == 4:
            ref = self._shape_source(node.input[3]) - {node.input[0]}
            if len(ref) == 1:  # the size of another tensor of the graph: Upsample to that input
                return "Upsample", {"mode": mode, **extra}, [*inputs, self.value[ref.pop()]]
            size = [int(v) for v in self.const[node.input[3]]]
            return "Upsample", {"size": size[2:], "mode": mode, **extra}, inputs
        raise _Unsupported("neither scales nor sizes are given")

    def _op_Upsample(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return self._op_Resize(index, node)

    def _shape_source(self, tensor: str) -> set[str]:
        """The data tensors whose Shape a computed constant (Resize's sizes) was read from."""
        found: set[str] = set()
        todo, seen = [tensor], set()
        while todo:
            name = todo.pop()
            node = self.producer.get(name)
            if name in seen or node is None:
                continue
            seen.add(name)
            if node.op_type == "Shape":
                if node.input[0] in self.value:
                    found.add(node.input[0])
                continue
            todo.extend(i for i in node.input if i)
        return found

    # ------------------------------------------------------------ the new vocabulary

    def _is_param(self, name: str) -> bool:
        """Whether ``name`` is a stored weight (an initializer, through Identity aliases), not a
        constant the exporter wrote (``F.layer_norm`` without weights gets Constant ones and zeros)."""
        initializers = {i.name for i in self.graph.initializer}
        seen = 0
        while name not in initializers and seen < 100:
            node = self.producer.get(name)
            if node is None or node.op_type != "Identity":
                return False
            name, seen = node.input[0], seen + 1
        return name in initializers

    def _in_shape(self, tensor: str) -> Shape | None:
        """ONNX's shape of a data tensor, or the designer's where shape inference gave up."""
        shape = self.inferred.get(tensor)
        if shape is None and tensor in self.value:
            shape = self._designed_shape(self.value[tensor])
        return shape

    def _op_HardSwish(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "Hardswish", {}, self._single(node)

    def _op_HardSigmoid(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        a = self._attrs(node)
        alpha, beta = float(a.get("alpha", 0.2)), float(a.get("beta", 0.5))
        if abs(alpha - 1 / 6) > 1e-6 or abs(beta - 0.5) > 1e-6:
            raise _Unsupported(
                f"HardSigmoid(alpha={alpha:g}, beta={beta:g}) is not PyTorch's (alpha 1/6, beta 0.5)"
            )
        return "Hardsigmoid", {}, self._single(node)

    def _op_Elu(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "ELU", {"alpha": _f32(self._attrs(node).get("alpha", 1.0))}, self._single(node)

    def _op_Selu(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "SELU", {}, self._single(node)

    def _op_Mish(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "Mish", {}, self._single(node)

    def _op_Softplus(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        return "Softplus", {}, self._single(node)

    def _op_PRelu(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        slope = self._weight(node, 1)
        n = int(slope.size)
        return "PReLU", {"num_parameters": n, "init": _f32(next(iter(slope)))}, self._single(node)

    def _op_Sigmoid(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        """Sigmoid; ``x * sigmoid(x)`` (SiLU as exporters write it) is SiLU again."""
        inputs = self._single(node)
        users = self.consumers.get(node.output[0], [])
        if (
            len(users) == 1
            and users[0].op_type == "Mul"
            and sorted(users[0].input) == sorted([node.input[0], node.output[0]])
        ):
            mul = users[0]
            self.skip.add(self.position[id(mul)])
            self.folded_outputs.append(mul.output[0])
            return "SiLU", {}, inputs
        return "Sigmoid", {}, inputs

    def _op_Mul(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        """Two computed tensors: Mul (broadcast, as a squeeze-and-excitation gate); data × stored tensor: Scale."""
        data = [n for n in node.input if n in self.value]
        if self.from_designer and any(i in self.value for i in self._mul_chain(node)):
            terms = self._mul_chain(node)
            if len(terms) > 2 and all(t in self.value for t in terms):
                return "Mul", {}, [self.value[t] for t in terms]
        if len(node.input) == 2 and len(data) == 2:
            return "Mul", {}, [self.value[n] for n in node.input]
        if len(data) == 1 and len(node.input) == 2:
            other = next(n for n in node.input if n != data[0])
            if other in self.const:
                beta = self._softplus_beta(node, other)
                if beta is not None:
                    return "Softplus", {"beta": beta}, [self.value[data[0]]]
                shape = [int(v) for v in self.const[other].shape]
                rank = len(self._in_shape(data[0]) or ()) + 1
                if len(shape) == rank and shape and shape[0] == 1:
                    shape = shape[1:]
                marked = node.doc_string.startswith(_SCALE_DOC) and shape
                if not marked and (not shape or math.prod(shape) == 1):
                    raise _Unsupported(
                        "it multiplies by a constant number, which the designer has no layer for"
                    )
                value = self.const[other]
                return (
                    "Scale",
                    {"shape": shape, "init": _f32(next(iter(value)))},
                    [self.value[data[0]]],
                )
        raise _Unsupported(
            "it multiplies tensors computed in the graph in a way the designer cannot express"
        )

    def _mul_chain(self, node: Any) -> list[str]:
        """The factors of a Mul chain CNN Designer wrote for one Mul layer of three or more inputs."""
        out: list[str] = []
        for i in node.input:
            producer = self.producer.get(i)
            if (
                producer is not None
                and producer.op_type == "Mul"
                and i.startswith(f"{node.output[0]}/mul_")
            ):
                out.extend(self._mul_chain(producer))
            else:
                out.append(i)
        return out

    def _softplus_beta(self, node: Any, factor: str) -> float | None:
        """``Softplus(beta·x)/beta`` (torch.onnx's softplus with beta ≠ 1) starting at this Mul: beta,
        with the Softplus and the Div folded into the layer."""
        value = self.const[factor]
        if value.size != 1:
            return None
        users = self.consumers.get(node.output[0], [])
        if len(users) != 1 or users[0].op_type != "Softplus":
            return None
        after = self.consumers.get(users[0].output[0], [])
        if (
            len(after) != 1
            or after[0].op_type != "Div"
            or after[0].input[0] != users[0].output[0]
            or after[0].input[1] not in self.const
            or self.const[after[0].input[1]].size != 1
            or _f32(self.const[after[0].input[1]]) != _f32(value)
        ):
            return None
        for n in (users[0], after[0]):
            self.skip.add(self.position[id(n)])
        self.folded_outputs.append(after[0].output[0])
        return _f32(value)

    def _op_LayerNormalization(
        self, index: int, node: Any
    ) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        a = self._attrs(node)
        shape = self._in_shape(node.input[0])
        if shape is None:
            raise _Unsupported("its input shape is not known statically")
        rank = len(shape) + 1
        axis = int(a.get("axis", -1)) % rank
        if axis == 0:
            raise _Unsupported("it normalises over the batch axis")
        affine = self._is_param(node.input[1])
        return (
            "LayerNorm",
            {
                "normalized_shape": list(shape[axis - 1 :]),
                "eps": _f32(a.get("epsilon", 1e-5)),
                "elementwise_affine": affine,
                # without γ there is no β either, whatever bias says: left at its default
                "bias": (self._is_param(node.input[2]) if self._has(node, 2) else False)
                if affine
                else True,
            },
            inputs,
        )

    def _op_GroupNormalization(
        self, index: int, node: Any
    ) -> tuple[str, dict[str, Any], list[str]]:
        a = self._attrs(node)
        return (
            "GroupNorm",
            {
                "num_groups": int(a["num_groups"]),
                "eps": _f32(a.get("epsilon", 1e-5)),
                "affine": self._is_param(node.input[1]),
            },
            self._single(node),
        )

    def _op_InstanceNormalization(
        self, index: int, node: Any
    ) -> tuple[str, dict[str, Any], list[str]]:
        return (
            "InstanceNorm2d",
            {
                "eps": _f32(self._attrs(node).get("epsilon", 1e-5)),
                "affine": self._is_param(node.input[1]),
            },
            self._single(node),
        )

    def _op_Transpose(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        if id(node) in self.layernorm2d:
            ln, back = self.layernorm2d[id(node)]
            self.folded_outputs.append(back.output[0])
            return (
                "LayerNorm2d",
                {
                    "eps": _f32(self._attrs(ln).get("epsilon", 1e-5)),
                    "elementwise_affine": self._is_param(ln.input[1]),
                },
                inputs,
            )
        shape = self._in_shape(node.input[0])
        rank = len(shape) + 1 if shape is not None else 4
        perm = [int(v) for v in self._attrs(node).get("perm", list(range(rank))[::-1])]
        if perm[0] != 0:
            raise _Unsupported(f"it moves the batch axis (perm {perm})")
        moved = [i for i, p in enumerate(perm) if p != i]
        if len(moved) == 2 and not node.doc_string.startswith(_PERMUTE_DOC):
            return "Transpose", {"dim0": moved[0], "dim1": moved[1]}, inputs
        return "Permute", {"dims": perm}, inputs

    def _op_ReduceMean(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        a = self._attrs(node)
        axes = a.get("axes")
        if axes is None and self._has(node, 1):
            if node.input[1] not in self.const:
                raise _Unsupported("its axes are computed in the graph")
            axes = [int(v) for v in self.const[node.input[1]]]
        shape = self._in_shape(node.input[0])
        if axes is None or shape is None:
            raise _Unsupported("it averages every element, the batch axis included")
        rank = len(shape) + 1
        dims = sorted({int(v) % rank for v in axes})
        if 0 in dims:
            raise _Unsupported("it averages over the batch axis")
        keep = bool(a.get("keepdims", 1))
        if node.doc_string.startswith(_MEAN_DOC):
            return "Mean", {"dim": [int(v) for v in axes], "keepdim": keep}, inputs
        if keep and dims == [2, 3] and rank == 4:
            return "AdaptiveAvgPool2d", {"output_size": 1}, inputs
        return "Mean", {"dim": dims, "keepdim": keep}, inputs

    def _op_Split(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        inputs = self._single(node)
        a = self._attrs(node)
        shape = self._in_shape(node.input[0])
        if shape is None:
            raise _Unsupported("its input shape is not known statically")
        rank = len(shape) + 1
        axis = int(a.get("axis", 0)) % rank
        if axis == 0:
            raise _Unsupported("it splits the batch axis")
        if self._has(node, 1):
            if node.input[1] not in self.const:
                raise _Unsupported("its sizes are computed in the graph")
            sizes = [int(v) for v in self.const[node.input[1]]]
        elif "split" in a:
            sizes = [int(v) for v in a["split"]]
        else:
            n = len(node.output)
            size = shape[axis - 1]
            sizes = [-(-size // n)] * (size // -(-size // n)) + (
                [size % -(-size // n)] if size % -(-size // n) else []
            )
            if "num_outputs" in a:  # opset 18's Split into n nearly equal pieces: torch.chunk
                return self._add_split(node, inputs, sizes, axis, list(node.output), chunks=n)
        return self._add_split(node, inputs, sizes, axis, list(node.output))

    def _add_split(
        self,
        node: Any,
        inputs: list[str],
        sizes: list[int],
        axis: int,
        outputs: list[str],
        chunks: int | None = None,
    ) -> tuple[str, dict[str, Any], list[str]]:
        equal = len(set(sizes[:-1])) <= 1 and sizes[-1] <= sizes[0]
        params: dict[str, Any] = {
            "split_size_or_sections": sizes[0] if equal else sizes,
            "dim": axis,
        }
        if chunks is not None:
            params = {"chunks": chunks, "dim": axis}
        lid = self.builder.add(
            self._wanted(node),
            "Split" if chunks is None else "Chunk",
            params,
            inputs,
            f"the {node.op_type} node {node.name}",
            op=self._op_name(node),
        )
        source = self._in_shape(node.input[0])
        for k, out in enumerate(outputs):
            if out:
                self._record(out, f"{lid}:{k}")
                if source is not None and out not in self.inferred and k < len(sizes):
                    shape = list(source)
                    shape[axis - 1] = sizes[k]
                    self.inferred[out] = tuple(shape)
        return "outputs", {}, []

    def _op_Slice(self, index: int, node: Any) -> tuple[str, dict[str, Any], list[str]]:
        """Slices that cut one tensor's channels into consecutive parts (``x.chunk(2, dim=1)``) are one Split."""
        source = node.input[0]
        if source not in self.value:
            raise _Unsupported("it slices a computed shape")
        shape = self._in_shape(source)
        if shape is None:
            raise _Unsupported("its input shape is not known statically")
        rank = len(shape) + 1
        parts = []
        for user in self.consumers.get(source, []):
            if user.op_type != "Slice":
                continue
            cut = self._slice_range(user, rank, shape)
            if cut is None:
                raise _Unsupported(
                    "it slices with computed or stepped bounds, or along more than one axis"
                )
            parts.append((cut, user))
        axes = {c[0] for c, _ in parts}
        if len(axes) != 1:
            raise _Unsupported("the slices of this tensor cut different axes")
        axis = axes.pop()
        parts.sort(key=lambda p: p[0][1])
        size = shape[axis - 1]
        edges = [(c[1], c[2]) for c, _ in parts]
        if (
            edges[0][0] != 0
            or edges[-1][1] != size
            or any(a[1] != b[0] for a, b in itertools.pairwise(edges))
        ):
            raise _Unsupported(f"its slices {edges} do not cut axis {axis} into consecutive parts")
        for _, user in parts:
            if user is not node:
                self.skip.add(self.position[id(user)])
        return self._add_split(
            node,
            [self.value[source]],
            [b - a for a, b in edges],
            axis,
            [u.output[0] for _, u in parts],
        )

    def _slice_range(
        self, node: Any, rank: int, shape: tuple[int, ...]
    ) -> tuple[int, int, int] | None:
        names = list(node.input) + [""] * (5 - len(node.input))
        if any(n and n not in self.const for n in names[1:]):
            return None
        starts = [int(v) for v in self.const[names[1]]]
        ends = [int(v) for v in self.const[names[2]]]
        axes = (
            [int(v) % rank for v in self.const[names[3]]] if names[3] else list(range(len(starts)))
        )
        steps = [int(v) for v in self.const[names[4]]] if names[4] else [1] * len(starts)
        if len(axes) != 1 or steps != [1] or axes[0] == 0:
            return None
        size = shape[axes[0] - 1]
        start, end = (max(0, min(size, v + size if v < 0 else v)) for v in (starts[0], ends[0]))
        return axes[0], start, end


def declared_input_shapes(path: str | os.PathLike[str]) -> list[tuple[str, list[int | None]]]:
    """Each data input of the ONNX file (weights excluded) with the shape it declares, batch axis dropped.

    ``None`` stands for a symbolic or missing size. Reads the graph only (external weight
    files are not loaded); for dialogs that prefill the input shape before importing.
    """
    onnx = load_onnx()
    label = Path(path).name
    try:
        model = onnx.load(os.fspath(path), load_external_data=False)
    except Exception as exc:
        raise ConversionError(
            f"{label} cannot be read as an ONNX model: {type(exc).__name__}: {exc}"
        ) from None
    graph = model.graph
    weights = {i.name for i in graph.initializer}
    out: list[tuple[str, list[int | None]]] = []
    for i in graph.input:
        if i.name in weights:
            continue
        dims = i.type.tensor_type.shape.dim
        values = [
            int(d.dim_value) if d.HasField("dim_value") and d.dim_value > 0 else None for d in dims
        ]
        out.append((i.name, values[1:]))
    return out

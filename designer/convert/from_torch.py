"""Import a PyTorch ``nn.Module`` as a design, by ``torch.fx`` symbolic tracing.

``from_torch(model, (3, 224, 224))`` traces ``model.forward`` into a graph and maps it to
layers: every module the registry knows (``nn.Conv2d`` … ``nn.Upsample``, subclasses
included) becomes the layer of the same name, and so do the functional forms people write
in ``forward`` (``x + y``, ``torch.add``, ``torch.cat(..., dim=1)``, ``torch.flatten``,
``x.view(x.size(0), -1)`` and other reshapes that flatten, ``F.relu`` and the other
activations, ``F.max_pool2d``, ``F.avg_pool2d``, ``F.adaptive_avg_pool2d``, ``x.mean((2, 3))``,
``F.pad``, ``F.interpolate``, ``F.dropout``). ``a + b + c`` becomes one Add with three inputs.

The modern vocabulary maps too: Hardswish/Hardsigmoid/Mish/ELU/SELU/Softplus/PReLU, the
norms (LayerNorm, ConvNeXt's LayerNorm2d, GroupNorm, InstanceNorm2d), torchvision's
StochasticDepth and Permute, ``a * b`` (Mul; a parameter times the data is Scale),
``x.mean(dims)`` (Mean), ``torch.split``/``x.chunk`` (their pieces are ``id:0``, ``id:1``),
general reshapes, ``transpose``/``permute``; patterns become one layer: ``view → transpose →
view`` is ChannelShuffle, ``permute → LayerNorm → permute`` is LayerNorm2d and
``F.interpolate(x, size=y.shape[-2:])`` is an Upsample whose second input is ``y``.

Nothing is dropped silently: any other module or tensor operation becomes an ``Unsupported``
layer with the op's name, all its inputs and torch's shape (see ``design_builder``). Shapes are propagated through the
traced graph by torch itself (on fake tensors: no computation), and every layer whose
designer shape differs from torch's gets a ``shape_mismatch`` note.

torch is imported only when an import runs; it is not a dependency of the app.
"""

from __future__ import annotations

import contextlib
import io
import logging
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

from designer.convert.design_builder import (
    ConversionError,
    DesignBuilder,
    ImportResult,
    flatten_span,
)
from designer.core.shape_rules import fmt_shape

Shape = tuple[int, ...]


def load_torch() -> Any:
    """``torch``, or ``ConversionError`` with what to install."""
    try:
        import torch
        import torch.fx
    except ImportError as exc:
        raise ConversionError(
            f"importing from PyTorch needs the torch package, which is not installed ({exc}). "
            "Install it with `pip install torch` (CPU builds: https://pytorch.org/get-started/locally/)."
        ) from None
    return torch


def from_torch(
    model: Any, input_shape: Sequence[int] | Sequence[Sequence[int]], *, name: str | None = None
) -> Any:
    """The design of ``model`` for an input of ``input_shape`` ([C, H, W] or [N], no batch axis).

    A model whose ``forward`` takes several tensors gets a list of shapes, one per tensor.
    What could not be carried over exactly is in ``design.load_notes`` (errors) and in the
    design's description; ``import_torch`` returns every note as well.
    """
    return import_torch(model, input_shape, name=name).design


def import_torch(
    model: Any,
    input_shape: Sequence[int] | Sequence[Sequence[int]],
    *,
    name: str | None = None,
    source: str | None = None,
) -> ImportResult:
    """Like ``from_torch``, returning the design and the list of import notes.

    ``source`` names the model in messages and in the description (default: its class).
    """
    torch = load_torch()
    if not isinstance(model, torch.nn.Module):
        raise ConversionError(f"expected a torch.nn.Module instance, got {type(model).__name__}")
    shapes = parse_input_shapes(input_shape)
    return _TorchImporter(torch, model, shapes, name, source).run()


def parse_input_shapes(value: Any) -> list[Shape]:
    """``(3, 224, 224)`` → ``[(3, 224, 224)]``; ``[(3, 32, 32), (1, 32, 32)]`` stays a list."""
    if isinstance(value, Sequence) and value and all(isinstance(v, Sequence) for v in value):
        shapes = [tuple(v) for v in value]
    else:
        shapes = [tuple(value)] if isinstance(value, Sequence) else []
    for shape in shapes:
        if len(shape) not in (1, 3) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in shape
        ):
            raise ConversionError(
                f"input shape {list(shape)!r}: expected [channels, height, width] or [features] "
                "(whole numbers ≥ 1, without the batch axis)"
            )
    if not shapes:
        raise ConversionError(
            f"input shape {value!r}: expected [channels, height, width] or [features]"
        )
    return shapes


# ------------------------------------------------------------------------ mapping


def _arg(node: Any, index: int, name: str, default: Any = None) -> Any:
    """An argument of an fx node, whether it was passed by position or by keyword."""
    if name in node.kwargs:
        return node.kwargs[name]
    if index < len(node.args):
        return node.args[index]
    return default


def _pair(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [v if v is None or isinstance(v, str) else int(v) for v in value]
    return value


class _TorchImporter:
    def __init__(
        self, torch: Any, model: Any, shapes: list[Shape], name: str | None, source: str | None
    ) -> None:
        self.torch = torch
        self.nn = torch.nn
        self.model = model
        self.shapes = shapes
        cls = type(model)
        self.label = source or f"{cls.__module__}.{cls.__qualname__}"
        self.builder = DesignBuilder(name or cls.__name__)
        self.value: dict[Any, str] = {}  # fx node -> id of the layer whose output it is
        self.expected: dict[str, Shape] = {}  # layer id -> torch's shape (no batch axis)
        self.pending_add: dict[Any, list[str]] = {}  # add nodes folded into their single consumer
        self.module_calls: dict[str, int] = {}
        self.fused: dict[
            Any, str
        ] = {}  # fx node -> layer that computes it (patterns mapped as one layer)
        self._pending_fuse: Any = None
        self._size_source: Any = None
        self._functions = self._function_table()

    # ---------------------------------------------------------------- tracing

    def _trace(self) -> Any:
        torch, nn = self.torch, self.nn
        known = tuple(_MODULE_TYPES(nn))

        class Tracer(torch.fx.Tracer):  # type: ignore[misc, name-defined]
            def is_leaf_module(self, m: Any, qualname: str) -> bool:
                return (
                    isinstance(m, known)
                    or _named_leaf(m) is not None
                    or super().is_leaf_module(m, qualname)
                )

        try:
            graph = Tracer().trace(self.model)
        except Exception as exc:
            raise ConversionError(
                f"torch.fx cannot trace {self.label}: {type(exc).__name__}: {exc}. Symbolic tracing "
                "follows forward() with placeholder tensors, so Python control flow that depends on tensor "
                "values (if x.sum() > 0, loops over x.shape) cannot be traced."
            ) from None
        return torch.fx.GraphModule(self.model, graph)

    def _propagate_shapes(self, gm: Any) -> None:
        """Record torch's shape on every node (``tensor_meta``), on fake tensors where possible."""
        torch = self.torch
        from torch.fx.passes.shape_prop import ShapeProp

        class Propagation(ShapeProp):
            current: Any = None

            def run_node(self, n: Any) -> Any:
                self.current = n
                return super().run_node(n)

        training = {m: m.training for m in self.model.modules()}
        first = next(iter([*self.model.parameters(), *self.model.buffers()]), None)
        device = first.device if first is not None else "cpu"  # a model built on "meta" stays there
        inputs = [torch.zeros(1, *s, device=device) for s in self.shapes]
        try:
            from torch._subclasses.fake_tensor import FakeTensorMode

            fake_mode: Any = FakeTensorMode(allow_non_fake_inputs=True)
        except ImportError:  # pragma: no cover - private API; fall back to a real pass
            fake_mode = None
        prop = Propagation(gm, fake_mode=fake_mode)
        quiet = logging.getLogger("torch._subclasses.fake_tensor")
        level = quiet.level
        try:
            self.model.eval()  # BatchNorm refuses a batch of one while training
            quiet.setLevel(logging.CRITICAL)
            # ShapeProp prints the traceback of a failing node itself; the message below says it better.
            with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):
                prop.propagate(*inputs)
        except Exception as exc:
            shapes = ", ".join("1×" + "×".join(str(v) for v in s) for s in self.shapes)
            cause = exc.__cause__ or exc
            node = prop.current
            where = ""
            if node is not None:
                where = f" at {node.target if node.op == 'call_module' else node.name}"
            raise ConversionError(
                f"{self.label} does not run on an input of shape {shapes} (N×C×H×W){where}: "
                f"{type(cause).__name__}: {_first_line(cause)}"
            ) from None
        finally:
            quiet.setLevel(level)
            for m, flag in training.items():
                m.training = flag

    # ----------------------------------------------------------------- driving

    def run(self) -> ImportResult:
        gm = self._trace()
        placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
        if len(placeholders) != len(self.shapes):
            raise ConversionError(
                f"{self.label}.forward takes {len(placeholders)} tensor argument"
                f"{'s' if len(placeholders) != 1 else ''} ({', '.join(n.name for n in placeholders)}), "
                f"but {len(self.shapes)} input shape{'s were' if len(self.shapes) != 1 else ' was'} given"
            )
        self._propagate_shapes(gm)
        self.gm = gm
        for node in gm.graph.nodes:
            self._visit(node)
        b = self.builder
        b.check_shapes(self.expected, "PyTorch")
        shapes = ", ".join(fmt_shape(s) for s in self.shapes)
        return b.finish(
            f"Imported from PyTorch: {self.label}, traced with torch.fx on an input of {shapes}."
        )

    def _shape(self, node: Any) -> Shape | None:
        meta = node.meta.get("tensor_meta")
        shape = getattr(meta, "shape", None)
        if shape is None or len(shape) == 0:
            return None
        return tuple(int(v) for v in shape)[1:]

    def _is_tensor(self, node: Any) -> bool:
        return self._shape(node) is not None

    def _inputs(self, node: Any) -> list[str]:
        """Layer ids of the tensors among ``node``'s arguments, in order (lists flattened)."""
        out: list[str] = []

        def walk(a: Any) -> None:
            if isinstance(a, self.torch.fx.Node):
                if a in self.pending_add:
                    out.extend(self.pending_add[a])
                elif a in self.value:
                    out.append(self.value[a])
            elif isinstance(a, list | tuple):
                for item in a:
                    walk(item)
            elif isinstance(a, dict):
                for item in a.values():
                    walk(item)

        walk(node.args)
        walk(node.kwargs)
        return out

    def _record(self, node: Any, lid: str) -> None:
        self.value[node] = lid
        shape = self._shape(node)
        if shape is not None and ":" not in lid:
            self.expected[lid] = shape

    def _scope(self, node: Any) -> str:
        stack = node.meta.get("nn_module_stack") or {}
        if not stack:
            return ""
        last = list(stack.values())[-1]
        path = last[0] if isinstance(last, tuple) else str(last)
        return f"{path}." if path else ""

    def _visit(self, node: Any) -> None:
        b = self.builder
        if node.op == "placeholder":
            n = len([v for v in self.value.values() if b.design.layer(v).type == "Input"])
            lid = b.add(
                node.name, "Input", {"shape": list(self.shapes[n])}, [], f"input {node.name}"
            )
            self._record(node, lid)
            return
        if node.op == "output":
            return
        if node.op == "get_attr":
            return  # a parameter or buffer used directly: its consumer becomes a placeholder
        if node in self.fused:  # the last node of a pattern mapped as one layer (a channel shuffle)
            self._record(node, self.fused[node])
            return
        if self._is_split(node):
            self._visit_split(node)
            return
        if self._is_split_item(node):
            index = node.args[1]
            self._record(node, f"{self.value[node.args[0]]}:{index}")
            return
        if not self._is_tensor(node):
            if node.op == "call_module" or self._takes_tensor_to_tensors(node):
                self._unsupported(node, "its output is not a single tensor")
            return  # sizes and other plain values (x.size(0), x.shape) feed reshapes only
        if node.op == "call_module":
            self._visit_module(node)
        else:
            self._visit_function(node)

    def _split_kind(self, node: Any) -> str | None:
        if node.op == "call_method" and node.target in ("split", "chunk"):
            return str(node.target)
        if node.op == "call_function" and node.target in (self.torch.split, self.torch.chunk):
            return "split" if node.target is self.torch.split else "chunk"
        return None

    def _is_split(self, node: Any) -> bool:
        return self._split_kind(node) is not None and self._takes_tensor_to_tensors(node)

    def _is_split_item(self, node: Any) -> bool:
        if node.op != "call_function" or node.target is not operator.getitem or len(node.args) != 2:
            return False
        src, index = node.args
        return (
            isinstance(src, self.torch.fx.Node)
            and src in self.value
            and self._is_split(src)
            and isinstance(index, int)
            and not isinstance(index, bool)
            and index >= 0
        )

    def _visit_split(self, node: Any) -> None:
        """``torch.split(x, 58, dim=1)`` / ``x.chunk(2, dim=1)``: one layer, its outputs used as ``id:n``."""
        kind = self._split_kind(node)
        x = node.args[0] if node.args else None
        dim = _arg(node, 2, "dim", 0)
        size = _arg(node, 1, "split_size_or_sections" if kind == "split" else "chunks")
        if size is None:
            size = _arg(node, 1, "split_size")
        ok = isinstance(x, self.torch.fx.Node) and x in self.value and self._is_tensor(x)
        if not ok or any(isinstance(a, self.torch.fx.Node) for a in node.args[1:]):
            self._unsupported(node, "its sizes are computed, not fixed")
            return
        rank = len(self._shape(x) or ()) + 1
        dim = int(dim) + rank if int(dim) < 0 else int(dim)
        if kind == "split":
            params: dict[str, Any] = {
                "split_size_or_sections": list(size)
                if isinstance(size, list | tuple)
                else int(size),
                "dim": dim,
            }
            type_id = "Split"
        else:
            params, type_id = {"chunks": int(size), "dim": dim}, "Chunk"
        wanted = self._scope(node) + re.sub(r"_\d+$", "", node.name)
        lid = self.builder.add(
            wanted, type_id, params, [self.value[x]], f"{node.name}()", op=self._op_name(node)
        )
        self.value[node] = lid

    def _takes_tensor_to_tensors(self, node: Any) -> bool:
        meta = node.meta.get("tensor_meta")
        return isinstance(meta, list | tuple) and bool(meta)

    def _unsupported(self, node: Any, why: str) -> None:
        b = self.builder
        if node.op == "call_module":
            what = f"the module {node.target} ({type(self.gm.get_submodule(node.target)).__name__})"
        elif node.op == "call_method":
            what = f"the tensor method .{node.target}()"
        else:
            what = f"the operation {getattr(node.target, '__name__', str(node.target))}()"
        shape = self._shape(node)
        if shape is not None:
            why += f"; PyTorch's output there is {fmt_shape(shape)}"
        lid = b.placeholder(
            str(node.target if node.op == "call_module" else node.name),
            self._inputs(node),
            what,
            why,
            op=self._op_name(node),
            shape=shape,
        )
        self._record(node, lid)

    def _op_name(self, node: Any) -> str:
        """``torch.nn.LSTM``, ``Tensor.unfold``, ``torch.roll``: the operation as PyTorch names it."""
        if node.op == "call_module":
            cls = type(self.gm.get_submodule(node.target))
            module = cls.__module__
            if module.startswith("torch.nn.modules."):
                module = "torch.nn"
            return f"{module}.{cls.__qualname__}"
        if node.op == "call_method":
            return f"Tensor.{node.target}"
        target = node.target
        module = getattr(target, "__module__", None) or ""
        name = getattr(target, "__name__", str(target))
        if module in ("_operator", "operator"):
            module = "operator"
        elif module.startswith("torch.nn.functional") or module == "torch._C._nn":
            module = "torch.nn.functional"
        elif module.startswith("torch"):
            module = "torch"
        return f"{module}.{name}" if module else name

    # ----------------------------------------------------------------- modules

    def _visit_module(self, node: Any) -> None:
        module = self.gm.get_submodule(node.target)
        tensor_args = [a for a in node.args if isinstance(a, self.torch.fx.Node)]
        if len(node.args) != 1 or node.kwargs or len(tensor_args) != 1:
            self._unsupported(node, "it is called with more than one argument")
            return
        try:
            mapped = self._map_module(module, node)
        except (TypeError, ValueError, AttributeError) as exc:  # settings of an unexpected form
            self._unsupported(node, f"its settings could not be read ({type(exc).__name__}: {exc})")
            return
        if mapped is None:
            self._unsupported(node, f"CNN Designer has no layer for {type(module).__name__}")
            return
        type_id, params = mapped
        target = str(node.target)
        calls = self.module_calls.get(target, 0)
        self.module_calls[target] = calls + 1
        wanted = target if calls == 0 else f"{target}_{calls}"
        lid = self.builder.add(wanted, type_id, params, self._inputs(node), f"the module {target}")
        self._record(node, lid)

    def _map_module(self, m: Any, node: Any) -> tuple[str, dict[str, Any]] | None:
        nn = self.nn
        b = self.builder
        target = str(node.target)
        if isinstance(m, nn.Conv2d):
            if m.padding_mode != "zeros":
                b.note(
                    "warning",
                    "approximation",
                    target,
                    f"{target}: padding_mode {m.padding_mode!r} is kept as zero padding (same shapes, different border values).",
                )
            return "Conv2d", {
                "out_channels": m.out_channels,
                "kernel_size": _pair(m.kernel_size),
                "stride": _pair(m.stride),
                "padding": m.padding if isinstance(m.padding, str) else _pair(m.padding),
                "dilation": _pair(m.dilation),
                "groups": m.groups,
                "bias": m.bias is not None,
            }
        if isinstance(m, nn.ConvTranspose2d):
            return "ConvTranspose2d", {
                "out_channels": m.out_channels,
                "kernel_size": _pair(m.kernel_size),
                "stride": _pair(m.stride),
                "padding": _pair(m.padding),
                "output_padding": _pair(m.output_padding),
                "groups": m.groups,
                "bias": m.bias is not None,
                "dilation": _pair(m.dilation),
            }
        if isinstance(m, nn.MaxPool2d):
            if m.return_indices:
                return None
            return "MaxPool2d", self._pool_params(
                m.kernel_size, m.stride, m.padding, m.ceil_mode, dilation=m.dilation
            )
        if isinstance(m, nn.AvgPool2d):
            if m.divisor_override:
                b.note(
                    "warning",
                    "approximation",
                    target,
                    f"{target}: divisor_override={m.divisor_override} is not kept (same shapes).",
                )
            return "AvgPool2d", self._pool_params(
                m.kernel_size,
                m.stride,
                m.padding,
                m.ceil_mode,
                count_include_pad=m.count_include_pad,
            )
        if isinstance(m, nn.AdaptiveAvgPool2d):
            return "AdaptiveAvgPool2d", {"output_size": _pair(m.output_size)}
        if isinstance(m, nn.AdaptiveMaxPool2d):
            if m.return_indices:
                return None
            return "AdaptiveMaxPool2d", {"output_size": _pair(m.output_size)}
        if isinstance(m, nn.BatchNorm2d):
            params: dict[str, Any] = {
                "eps": m.eps,
                "affine": m.affine,
                "track_running_stats": m.track_running_stats,
            }
            if m.momentum is None:
                b.note(
                    "warning",
                    "approximation",
                    target,
                    f"{target}: momentum=None (cumulative average) is kept as the default 0.1.",
                )
            else:
                params["momentum"] = m.momentum
            return "BatchNorm2d", params
        if isinstance(m, nn.LocalResponseNorm):
            return "LocalResponseNorm", {"size": m.size, "alpha": m.alpha, "beta": m.beta, "k": m.k}
        if isinstance(m, nn.ReLU6):
            return "ReLU6", {}
        if isinstance(m, nn.Hardtanh):
            return ("ReLU6", {}) if (m.min_val, m.max_val) == (0.0, 6.0) else None
        if isinstance(m, nn.ReLU):
            return "ReLU", {}
        if isinstance(m, nn.LeakyReLU):
            return "LeakyReLU", {"negative_slope": m.negative_slope}
        if isinstance(m, nn.Sigmoid):
            return "Sigmoid", {}
        if isinstance(m, nn.Tanh):
            return "Tanh", {}
        if isinstance(m, nn.GELU):
            return "GELU", {"approximate": m.approximate}
        if isinstance(m, nn.SiLU):
            return "SiLU", {}
        if isinstance(m, nn.Softmax):
            return "Softmax", {"dim": self._softmax_dim(m.dim, node)}
        if isinstance(m, nn.Identity):
            return "Identity", {}
        if isinstance(m, nn.Dropout2d):
            return "Dropout2d", {"p": m.p}
        if isinstance(m, nn.Dropout):
            return "Dropout", {"p": m.p}
        if isinstance(m, nn.Flatten):
            return "Flatten", {"start_dim": m.start_dim, "end_dim": m.end_dim}
        if isinstance(m, nn.Linear):
            return "Linear", {"out_features": m.out_features, "bias": m.bias is not None}
        if isinstance(m, nn.ZeroPad2d):
            return "ZeroPad2d", {"padding": list(m.padding)}
        if isinstance(m, nn.ConstantPad2d) and m.value == 0:
            return "ZeroPad2d", {"padding": list(m.padding)}
        if isinstance(m, nn.Upsample):
            return self._upsample_params(m.size, m.scale_factor, m.mode, target, m.align_corners)
        simple = {
            nn.Hardswish: "Hardswish",
            nn.Hardsigmoid: "Hardsigmoid",
            nn.Mish: "Mish",
            nn.SELU: "SELU",
        }
        for cls, type_id in simple.items():
            if isinstance(m, cls):
                return type_id, {}
        if isinstance(m, nn.ELU):
            return "ELU", {"alpha": m.alpha}
        if isinstance(m, nn.Softplus):
            return "Softplus", {"beta": m.beta, "threshold": m.threshold}
        if isinstance(m, nn.PReLU):
            return "PReLU", {
                "num_parameters": m.num_parameters,
                "init": _first_value(m.weight, 0.25),
            }
        if isinstance(m, nn.LayerNorm):
            if type(m).__name__ == "LayerNorm2d" and len(m.normalized_shape) == 1:
                return "LayerNorm2d", {"eps": m.eps, "elementwise_affine": m.elementwise_affine}
            if type(m).forward is not nn.LayerNorm.forward:
                return None  # a subclass that computes something else
            return "LayerNorm", {
                "normalized_shape": [int(v) for v in m.normalized_shape],
                "eps": m.eps,
                "elementwise_affine": m.elementwise_affine,
                "bias": m.bias is not None,
            }
        if isinstance(m, nn.GroupNorm):
            return "GroupNorm", {"num_groups": m.num_groups, "eps": m.eps, "affine": m.affine}
        if isinstance(m, nn.InstanceNorm2d):
            return "InstanceNorm2d", {
                "eps": m.eps,
                "momentum": m.momentum if m.momentum is not None else 0.1,
                "affine": m.affine,
                "track_running_stats": m.track_running_stats,
            }
        if isinstance(m, nn.ChannelShuffle):
            return "ChannelShuffle", {"groups": int(m.groups)}
        named = _named_leaf(m)
        if named == "StochasticDepth":
            return "StochasticDepth", {"p": float(m.p), "mode": str(m.mode)}
        if named == "Permute":
            return "Permute", {"dims": [int(v) for v in m.dims]}
        if named == "Scale":
            return "Scale", {
                "shape": [int(v) for v in m.weight.shape],
                "init": _first_value(m.weight, 1.0),
            }
        return None

    def _pool_params(
        self, kernel: Any, stride: Any, padding: Any, ceil_mode: bool, **extra: Any
    ) -> dict[str, Any]:
        kernel, stride = _pair(kernel), _pair(stride)
        params: dict[str, Any] = {
            "kernel_size": kernel,
            "padding": _pair(padding),
            "ceil_mode": bool(ceil_mode),
        }
        # PyTorch stores stride = kernel when none was given; the design says "same as the kernel".
        if stride not in (None, [], ()) and _as_pair(stride) != _as_pair(kernel):
            params["stride"] = stride
        for key, value in extra.items():
            params[key] = _pair(value) if key == "dilation" else value
        return params

    def _upsample_params(
        self, size: Any, scale: Any, mode: str, target: str, align_corners: Any = None
    ) -> tuple[str, dict[str, Any]] | None:
        if mode not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
            return None
        params: dict[str, Any] = {"mode": mode}
        if align_corners is not None and mode in ("bilinear", "bicubic"):
            params["align_corners"] = bool(align_corners)
        if size is not None:
            params["size"] = _pair(size)
        if scale is not None:
            params["scale_factor"] = list(scale) if isinstance(scale, tuple | list) else scale
        return "Upsample", params

    def _softmax_dim(self, dim: Any, node: Any) -> int:
        if dim is not None:
            return int(dim)
        # PyTorch's implicit choice (_get_softmax_dim): 0 for 0-, 1- and 3-d inputs, else 1.
        arg = node.args[0]
        shape = self._shape(arg)
        rank = (len(shape) + 1) if shape is not None else 2
        return 0 if rank in (0, 1, 3) else 1

    # --------------------------------------------------------------- functions

    def _function_table(self) -> dict[Any, str]:
        torch = self.torch
        F = torch.nn.functional
        table: dict[Any, str] = {}

        def put(kind: str, *targets: Any) -> None:
            for t in targets:
                if t is not None:
                    table[t] = kind

        g = getattr
        put("add", operator.add, operator.iadd, torch.add)
        put("cat", torch.cat, g(torch, "concat", None), g(torch, "concatenate", None))
        put("flatten", torch.flatten)
        put("reshape", torch.reshape, torch.squeeze)
        put("relu", F.relu, torch.relu, g(F, "relu_", None), g(torch, "relu_", None))
        put("relu6", F.relu6)
        put("hardtanh", F.hardtanh)
        put("leaky_relu", F.leaky_relu)
        put("sigmoid", torch.sigmoid, g(F, "sigmoid", None))
        put("tanh", torch.tanh, g(F, "tanh", None))
        put("gelu", F.gelu)
        put("silu", F.silu)
        put("softmax", F.softmax, torch.softmax)
        put("dropout", F.dropout)
        put("dropout2d", F.dropout2d)
        put("max_pool2d", F.max_pool2d, g(F, "_max_pool2d", None))
        put("avg_pool2d", F.avg_pool2d)
        put("adaptive_avg_pool2d", F.adaptive_avg_pool2d)
        put("adaptive_max_pool2d", F.adaptive_max_pool2d, g(F, "_adaptive_max_pool2d", None))
        put("mean", torch.mean)
        put("pad", F.pad)
        put("interpolate", F.interpolate, g(F, "upsample", None))
        put("alias", g(torch, "clone", None), g(torch, "detach", None))
        put("mul", operator.mul, operator.imul, torch.mul)
        put("hardswish", F.hardswish)
        put("hardsigmoid", F.hardsigmoid)
        put("mish", F.mish)
        put("elu", F.elu)
        put("selu", F.selu, torch.selu)
        put("softplus", F.softplus)
        put("transpose", torch.transpose)
        put("permute", torch.permute)
        put("channel_shuffle", g(torch, "channel_shuffle", None), g(F, "channel_shuffle", None))
        return table

    _METHODS: dict[str, str] = {  # noqa: RUF012 - a constant table
        "add": "add",
        "add_": "add",
        "__add__": "add",
        "__iadd__": "add",
        "flatten": "flatten",
        "view": "reshape",
        "reshape": "reshape",
        "squeeze": "reshape",
        "relu": "relu",
        "relu_": "relu",
        "sigmoid": "sigmoid",
        "sigmoid_": "sigmoid",
        "tanh": "tanh",
        "tanh_": "tanh",
        "softmax": "softmax",
        "mean": "mean",
        "contiguous": "alias",
        "clone": "alias",
        "detach": "alias",
        "mul": "mul",
        "mul_": "mul",
        "__mul__": "mul",
        "__rmul__": "mul",
        "transpose": "transpose",
        "permute": "permute",
    }

    def _visit_function(self, node: Any) -> None:
        if node.op == "call_method":
            kind = self._METHODS.get(str(node.target))
        else:
            try:
                kind = self._functions.get(node.target)
            except TypeError:  # an unhashable target
                kind = None
        handler: Callable[[Any], tuple[str, dict[str, Any]] | str | None] | None = (
            getattr(self, f"_fn_{kind}", None) if kind else None
        )
        if handler is None:
            name = (
                node.target
                if node.op == "call_method"
                else getattr(node.target, "__name__", node.target)
            )
            self._unsupported(node, f"CNN Designer has no layer for {name}()")
            return
        try:
            mapped = handler(node)
        except _Unsupported as why:
            self._unsupported(node, str(why))
            return
        except (
            TypeError,
            ValueError,
            AttributeError,
            IndexError,
        ) as exc:  # arguments of an unexpected form
            self._unsupported(
                node, f"its arguments could not be read ({type(exc).__name__}: {exc})"
            )
            return
        if mapped == "folded":
            return
        if mapped == "alias":
            source = node.args[0]
            if isinstance(source, list | tuple):
                source = source[0]
            if source in self.value:
                self.value[node] = self.value[source]
            return
        assert isinstance(mapped, tuple)
        type_id, params = mapped
        wanted = self._scope(node) + re.sub(r"_\d+$", "", node.name)
        inputs = self._inputs(node) if type_id != "Upsample" else self._upsample_inputs(node)
        if type_id == "Scale":
            inputs = [i for i in inputs if i]
        lid = self.builder.add(
            wanted, type_id, params, inputs, f"{node.name}()", op=self._op_name(node)
        )
        pending, self._pending_fuse = self._pending_fuse, None
        if pending is not None and self.builder.design.layer(lid).type == type_id:
            for n in (
                pending
            ):  # the rest of the pattern (transpose and view; LayerNorm and permute) is this layer
                self.fused[n] = lid
            self.value[node] = lid  # its own (5-D) shape is an intermediate one
            return
        self._record(node, lid)

    def _tensor_args(self, node: Any) -> list[Any]:
        out: list[Any] = []
        for a in list(node.args) + list(node.kwargs.values()):
            if isinstance(a, self.torch.fx.Node) and self._is_tensor(a):
                out.append(a)
            elif isinstance(a, list | tuple):
                out.extend(x for x in a if isinstance(x, self.torch.fx.Node) and self._is_tensor(x))
        return out

    def _first_tensor(self, node: Any) -> Any:
        x = node.args[0] if node.args else None
        if not isinstance(x, self.torch.fx.Node) or not self._is_tensor(x):
            raise _Unsupported("its first argument is not a tensor computed by the network")
        for a in self._tensor_args(node):
            if a is not x:
                raise _Unsupported("it combines its input with another tensor")
        if x.op == "get_attr":
            raise _Unsupported("it works on a stored parameter, not on the data")
        return x

    def _is_tensor_add(self, node: Any) -> bool:
        if node.op == "call_method":
            ok = self._METHODS.get(str(node.target)) == "add"
        elif node.op == "call_function":
            try:
                ok = self._functions.get(node.target) == "add"
            except TypeError:
                ok = False
        else:
            ok = False
        if not ok or len(node.args) != 2 or _arg(node, 2, "alpha", 1) != 1:
            return False
        return all(
            isinstance(a, self.torch.fx.Node) and self._is_tensor(a) and a.op != "get_attr"
            for a in node.args
        )

    def _fn_add(self, node: Any) -> tuple[str, dict[str, Any]] | str:
        if not self._is_tensor_add(node):
            raise _Unsupported("it adds a constant or a stored tensor, not two computed tensors")
        users = list(node.users)
        same = all(self._shape(a) == self._shape(node) for a in node.args)
        if (
            same
            and len(users) == 1
            and self._is_tensor_add(users[0])
            and users[0].args[0] is node
            and all(self._shape(a) == self._shape(users[0]) for a in users[0].args)
        ):
            # (a + b) + c: one Add with three inputs, as the designer writes it.
            self.pending_add[node] = self._inputs(node)
            return "folded"
        return "Add", {}

    def _fn_cat(self, node: Any) -> tuple[str, dict[str, Any]] | str:
        tensors = _arg(node, 0, "tensors")
        dim = _arg(node, 1, "dim", 0)
        if isinstance(tensors, list | tuple) and len(tensors) == 1 and tensors[0] in self.value:
            return "alias"  # DenseNet's first layer: torch.cat([x], 1) is x
        if not isinstance(tensors, list | tuple) or len(tensors) < 2:
            raise _Unsupported("it concatenates fewer than two tensors")
        shape = self._shape(node)
        rank = len(shape) + 1 if shape else 0
        if dim not in (1, 1 - rank):
            raise _Unsupported(
                f"it concatenates along dim {dim}; the designer's Concat joins channels (dim 1)"
            )
        for t in tensors:
            if (
                not isinstance(t, self.torch.fx.Node)
                or not self._is_tensor(t)
                or t.op == "get_attr"
            ):
                raise _Unsupported(
                    "one of the concatenated tensors is a constant or a stored tensor"
                )
        return "Concat", {}

    def _fn_flatten(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        start = _arg(node, 1, "start_dim", 0)
        end = _arg(node, 2, "end_dim", -1)
        return "Flatten", {"start_dim": int(start), "end_dim": int(end)}

    def _fn_reshape(self, node: Any) -> tuple[str, dict[str, Any]] | str:
        x = self._first_tensor(node)
        before, after = self._shape(x), self._shape(node)
        assert before is not None and after is not None
        if before == after:
            return "alias"  # x.view(x.size(0), -1) on a tensor that is already flat
        span = flatten_span(before, after)
        if span is None:
            shuffle = self._channel_shuffle(node, before, after)
            if shuffle is not None:
                return shuffle
            return "Reshape", {"shape": list(after)}
        start, end = span
        return "Flatten", {"start_dim": start, "end_dim": end}

    def _channel_shuffle(
        self, node: Any, before: Shape, after: Shape
    ) -> tuple[str, dict[str, Any]] | None:
        """``view(b, g, c // g, h, w)`` → ``transpose(1, 2)`` → ``view(b, c, h, w)`` is ChannelShuffle(g)."""
        if (
            len(before) != 3
            or len(after) != 4
            or after[0] * after[1] != before[0]
            or after[2:] != before[1:]
        ):
            return None
        chain = [node]
        for want in ("transpose", "reshape"):
            users = list(chain[-1].users)
            while len(users) == 1 and self._kind(users[0]) == "alias":  # .contiguous()
                chain.append(users[0])
                users = list(users[0].users)
            if len(users) != 1 or self._kind(users[0]) != want:
                return None
            chain.append(users[0])
        t = next(n for n in chain if self._kind(n) == "transpose")
        dims = sorted(int(d) % 5 for d in (_arg(t, 1, "dim0"), _arg(t, 2, "dim1")))
        if dims != [1, 2] or self._shape(chain[-1]) != before:
            return None
        self._pending_fuse = chain[1:]
        return "ChannelShuffle", {"groups": int(after[0])}

    def _kind(self, node: Any) -> str | None:
        if node.op == "call_method":
            return self._METHODS.get(str(node.target))
        if node.op == "call_function":
            try:
                return self._functions.get(node.target)
            except TypeError:
                return None
        return None

    def _activation(
        self, node: Any, type_id: str, params: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        return type_id, params or {}

    def _fn_relu(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "ReLU")

    def _fn_relu6(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "ReLU6")

    def _fn_hardtanh(self, node: Any) -> tuple[str, dict[str, Any]]:
        lo, hi = _arg(node, 1, "min_val", -1.0), _arg(node, 2, "max_val", 1.0)
        if (float(lo), float(hi)) != (0.0, 6.0):
            raise _Unsupported(f"hardtanh({lo}, {hi}) is not ReLU6")
        return self._activation(node, "ReLU6")

    def _fn_leaky_relu(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(
            node, "LeakyReLU", {"negative_slope": float(_arg(node, 1, "negative_slope", 0.01))}
        )

    def _fn_sigmoid(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "Sigmoid")

    def _fn_tanh(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "Tanh")

    def _fn_gelu(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "GELU", {"approximate": _arg(node, 1, "approximate", "none")})

    def _fn_silu(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "SiLU")

    def _fn_softmax(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(
            node, "Softmax", {"dim": self._softmax_dim(_arg(node, 1, "dim"), node)}
        )

    def _fn_dropout(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "Dropout", {"p": float(_arg(node, 1, "p", 0.5))})

    def _fn_dropout2d(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "Dropout2d", {"p": float(_arg(node, 1, "p", 0.5))})

    def _fn_max_pool2d(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        if _arg(node, 6, "return_indices", False):
            raise _Unsupported("it returns the indices of the maxima as well")
        return "MaxPool2d", self._pool_params(
            _arg(node, 1, "kernel_size"),
            _arg(node, 2, "stride"),
            _arg(node, 3, "padding", 0),
            _arg(node, 5, "ceil_mode", False),
            dilation=_arg(node, 4, "dilation", 1),
        )

    def _fn_avg_pool2d(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        if _arg(node, 6, "divisor_override") is not None:
            raise _Unsupported("divisor_override has no equivalent in the designer")
        return "AvgPool2d", self._pool_params(
            _arg(node, 1, "kernel_size"),
            _arg(node, 2, "stride"),
            _arg(node, 3, "padding", 0),
            _arg(node, 4, "ceil_mode", False),
            count_include_pad=bool(_arg(node, 5, "count_include_pad", True)),
        )

    def _fn_adaptive_avg_pool2d(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        return "AdaptiveAvgPool2d", {"output_size": _pair(_arg(node, 1, "output_size"))}

    def _fn_adaptive_max_pool2d(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        if _arg(node, 2, "return_indices", False):
            raise _Unsupported("it returns the indices of the maxima as well")
        return "AdaptiveMaxPool2d", {"output_size": _pair(_arg(node, 1, "output_size"))}

    def _fn_mean(self, node: Any) -> tuple[str, dict[str, Any]]:
        x = self._first_tensor(node)
        before, after = self._shape(x), self._shape(node)
        assert before is not None and after is not None
        if len(before) == 3 and after == (before[0], 1, 1):
            return "AdaptiveAvgPool2d", {"output_size": 1}
        dim = _arg(node, 1, "dim")
        if dim is None:
            raise _Unsupported("it averages every element, the batch axis included")
        rank = len(before) + 1
        dims = sorted({int(d) % rank for d in (dim if isinstance(dim, list | tuple) else [dim])})
        if 0 in dims:
            raise _Unsupported("it averages over the batch axis")
        return "Mean", {"dim": dims, "keepdim": bool(_arg(node, 2, "keepdim", False))}

    def _fn_pad(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        pad = _arg(node, 1, "pad")
        mode = _arg(node, 2, "mode", "constant")
        value = _arg(node, 3, "value", None)
        if (
            mode != "constant"
            or value not in (None, 0, 0.0)
            or not isinstance(pad, list | tuple)
            or len(pad) not in (2, 4)
        ):
            raise _Unsupported(
                f"only zero padding of height and width maps to ZeroPad2d (mode {mode!r}, value {value!r})"
            )
        pad = [int(v) for v in pad]
        return "ZeroPad2d", {"padding": [*pad, 0, 0] if len(pad) == 2 else pad}

    def _size_of(self, size: Any) -> Any:
        """The tensor whose height and width ``size`` is (``y.shape[-2:]``, ``y.size()[2:]``), or None."""
        fx = self.torch.fx
        if (
            not isinstance(size, fx.Node)
            or size.op != "call_function"
            or size.target is not operator.getitem
        ):
            return None
        src, index = size.args
        if not isinstance(index, slice) or not isinstance(src, fx.Node):
            return None
        shape_attr = (
            src.op == "call_function"
            and getattr(src.target, "__name__", "") == "getattr"
            and src.args[1] == "shape"
        )
        size_call = src.op == "call_method" and src.target == "size" and len(src.args) == 1
        if not (shape_attr or size_call):
            return None
        tensor = src.args[0]
        shape = self._shape(tensor) if isinstance(tensor, fx.Node) else None
        if (
            shape is None
            or len(shape) != 3
            or list(range(4))[index] != [2, 3]
            or tensor not in self.value
        ):
            return None
        return tensor

    def _upsample_inputs(self, node: Any) -> list[str]:
        x = self.value[node.args[0]]
        other = self._size_of(_arg(node, 1, "size"))
        return [x, self.value[other]] if other is not None else [x]

    def _fn_interpolate(self, node: Any) -> tuple[str, dict[str, Any]]:
        x = node.args[0] if node.args else None
        if not isinstance(x, self.torch.fx.Node) or x not in self.value:
            raise _Unsupported("its first argument is not a tensor computed by the network")
        size = _arg(node, 1, "size")
        mode, align = _arg(node, 3, "mode", "nearest"), _arg(node, 4, "align_corners")
        if self._size_of(size) is not None:
            mapped = self._upsample_params(None, None, mode, node.name, align)
            if mapped is None:
                raise _Unsupported(f"interpolation mode {mode!r} is not one the designer has")
            return mapped
        self._first_tensor(node)
        mapped = self._upsample_params(size, _arg(node, 2, "scale_factor"), mode, node.name, align)
        if mapped is None:
            raise _Unsupported(
                f"interpolation mode {_arg(node, 3, 'mode')!r} is not one the designer has"
            )
        return mapped

    def _fn_mul(self, node: Any) -> tuple[str, dict[str, Any]]:
        """``a * b`` of two computed tensors is Mul (broadcast as torch does: an SE block's [C,1,1] × [C,H,W]);
        a stored parameter times the data is Scale (ConvNeXt's layer scale)."""
        if len(node.args) != 2 or node.kwargs:
            raise _Unsupported("it multiplies more or fewer than two values")
        a, b = node.args
        nodes = [x for x in (a, b) if isinstance(x, self.torch.fx.Node)]
        if len(nodes) != 2:
            raise _Unsupported(
                "it multiplies by a constant number, which the designer has no layer for"
            )
        stored = [x for x in nodes if x.op == "get_attr"]
        if len(stored) == 1:
            param = self._attr_value(stored[0])
            data = next(x for x in nodes if x.op != "get_attr")
            if param is None or not self._is_tensor(data):
                raise _Unsupported("it multiplies by a stored tensor that is not a parameter")
            return "Scale", {
                "shape": [int(v) for v in param.shape],
                "init": _first_value(param, 1.0),
            }
        if stored or not all(self._is_tensor(x) for x in nodes):
            raise _Unsupported("it multiplies stored tensors")
        return "Mul", {}

    def _attr_value(self, node: Any) -> Any:
        try:
            value = self.gm.get_parameter(str(node.target))
        except AttributeError:
            return None
        return value

    def _fn_hardswish(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "Hardswish")

    def _fn_hardsigmoid(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "Hardsigmoid")

    def _fn_mish(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "Mish")

    def _fn_selu(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "SELU")

    def _fn_elu(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(node, "ELU", {"alpha": float(_arg(node, 1, "alpha", 1.0))})

    def _fn_softplus(self, node: Any) -> tuple[str, dict[str, Any]]:
        return self._activation(
            node,
            "Softplus",
            {
                "beta": float(_arg(node, 1, "beta", 1.0)),
                "threshold": float(_arg(node, 2, "threshold", 20.0)),
            },
        )

    def _fn_transpose(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        rank = len(self._shape(node) or ()) + 1
        d0, d1 = (int(_arg(node, 1, "dim0")) % rank, int(_arg(node, 2, "dim1")) % rank)
        return "Transpose", {"dim0": min(d0, d1), "dim1": max(d0, d1)}

    def _permute_dims(self, node: Any) -> list[int] | None:
        if self._kind(node) != "permute":
            return None
        dims = node.args[1:] if node.op == "call_method" else [_arg(node, 1, "dims")]
        if len(dims) == 1 and isinstance(dims[0], list | tuple):
            dims = dims[0]
        rank = len(self._shape(node) or ()) + 1
        return [int(d) % rank for d in dims]

    def _fn_permute(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        dims = self._permute_dims(node)
        assert dims is not None
        if dims == [0, 2, 3, 1]:
            norm = self._layernorm2d(node)
            if norm is not None:
                return norm
        return "Permute", {"dims": dims}

    def _layernorm2d(self, node: Any) -> tuple[str, dict[str, Any]] | None:
        """``permute(0, 2, 3, 1)`` → ``nn.LayerNorm(C)`` → ``permute(0, 3, 1, 2)``: LayerNorm2d (ConvNeXt's)."""
        users = list(node.users)
        if len(users) != 1 or users[0].op != "call_module":
            return None
        ln = users[0]
        m = self.gm.get_submodule(ln.target)
        shape = self._shape(node)
        if (
            type(m) is not self.nn.LayerNorm
            or shape is None
            or tuple(m.normalized_shape) != (shape[-1],)
        ):
            return None
        if m.elementwise_affine and m.bias is None:
            return None
        back = list(ln.users)
        if len(back) != 1 or self._permute_dims(back[0]) != [0, 3, 1, 2]:
            return None
        self._pending_fuse = [ln, back[0]]
        return "LayerNorm2d", {"eps": m.eps, "elementwise_affine": m.elementwise_affine}

    def _fn_channel_shuffle(self, node: Any) -> tuple[str, dict[str, Any]]:
        self._first_tensor(node)
        return "ChannelShuffle", {"groups": int(_arg(node, 1, "groups"))}

    def _fn_alias(self, node: Any) -> str:
        self._first_tensor(node)
        return "alias"


class _Unsupported(Exception):
    """Why one node cannot become a layer."""


def _MODULE_TYPES(nn: Any) -> list[Any]:
    return [
        nn.Conv2d,
        nn.ConvTranspose2d,
        nn.MaxPool2d,
        nn.AvgPool2d,
        nn.AdaptiveAvgPool2d,
        nn.AdaptiveMaxPool2d,
        nn.BatchNorm2d,
        nn.LocalResponseNorm,
        nn.ReLU,
        nn.ReLU6,
        nn.Hardtanh,
        nn.LeakyReLU,
        nn.Sigmoid,
        nn.Tanh,
        nn.GELU,
        nn.SiLU,
        nn.Softmax,
        nn.Identity,
        nn.Dropout,
        nn.Dropout2d,
        nn.Flatten,
        nn.Linear,
        nn.ZeroPad2d,
        nn.ConstantPad2d,
        nn.Upsample,
        nn.Hardswish,
        nn.Hardsigmoid,
        nn.Mish,
        nn.ELU,
        nn.PReLU,
        nn.SELU,
        nn.Softplus,
        nn.LayerNorm,
        nn.GroupNorm,
        nn.InstanceNorm2d,
        nn.ChannelShuffle,
    ]


def _named_leaf(m: Any) -> str | None:
    """Modules recognised by class name (torchvision's and the designer's generated code's)."""
    name = type(m).__name__
    if name == "StochasticDepth" and hasattr(m, "p") and hasattr(m, "mode"):
        return name
    if name == "Permute" and isinstance(getattr(m, "dims", None), list | tuple):
        return name
    if (
        name == "Scale"
        and [n for n, _ in m.named_parameters()] == ["weight"]
        and not list(m.children())
    ):
        return name
    return None


def _first_value(tensor: Any, default: float) -> float:
    """The first element of a parameter (its init value when untrained), or ``default`` on the meta device."""
    try:
        if tensor.device.type == "meta" or tensor.numel() == 0:
            return default
        return float(tensor.detach().reshape(-1)[0])
    except Exception:
        return default


def _as_pair(v: Any) -> tuple[int, int]:
    if isinstance(v, list | tuple):
        return (int(v[0]), int(v[1]))
    return (int(v), int(v))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

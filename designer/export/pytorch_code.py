"""PyTorch code from a design: a readable ``nn.Module`` that builds exactly the designed network.

The generated file needs nothing but ``torch``. Layers become attributes created in
``__init__`` with PyTorch's own class names, ``in_channels``/``in_features`` filled in
from the analysis and only the arguments that differ from PyTorch's defaults;
``forward`` spells out the data flow, residual additions (``x = x + shortcut``) and
channel concatenations (``torch.cat([...], dim=1)``) included, with every layer's
output shape in a comment. An ``if __name__ == "__main__":`` block builds the model
and runs it on a random input of the design's Input shape.

Designs with errors are refused (``CodeGenerationError`` names the layer and why), as
are designs whose semantics (keras, caffe, strict) would give different shapes than
PyTorch: the code must compute what the design shows. Where every shape agrees the
code is generated, with a note that the shapes are PyTorch's.
"""

from __future__ import annotations

import builtins
import heapq
import json
import keyword
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, Layer, source_of, split_ref
from designer.core.shape_rules import fmt_shape

#: Attribute names an ``nn.Module`` subclass must not shadow (checked against
#: ``dir(torch.nn.Module)`` by the tests), plus names the generated code uses itself.
MODULE_RESERVED = frozenset(
    {
        "T_destination",
        "add_module",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    }
)
_LOCAL_RESERVED = frozenset({"x", "self", "torch", "nn", "model", "inputs", "outputs", "output"})

_TORCH_DEFAULTS: dict[str, dict[str, Any]] = {
    # Where PyTorch's default differs from the designer's (Softmax's dim is implicit in torch).
    "Softmax": {"dim": None},
}


#: Layer types computed in ``forward`` by a tensor expression, not by a module attribute.
FUNCTIONAL_TYPES = frozenset(
    {"Input", "Add", "Concat", "Mul", "Split", "Chunk", "Mean", "Reshape", "Permute", "Transpose"}
)

#: Small modules torch.nn does not have, written into the generated file when used.
_HELPERS: dict[str, str] = {
    "LayerNorm2d": '''class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels at every position of an N×C×H×W tensor (ConvNeXt's)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
''',
    "StochasticDepth": '''class StochasticDepth(nn.Module):
    """Drops whole residual branches while training (as torchvision.ops.StochasticDepth)."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        keep = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(1.0 - self.p)
        if self.p < 1.0:
            keep.div_(1.0 - self.p)
        return x * keep
''',
    "Scale": '''class Scale(nn.Module):
    """Multiplies by a learned tensor, broadcast onto the input (ConvNeXt's layer scale)."""

    def __init__(self, shape: tuple[int, ...], init: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full(shape, float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight
''',
}

#: Warnings repeated as comments above their line: they are about what the code computes.
_CODE_NOTES = frozenset({"non_integer_output", "linear_on_volume"})


class CodeGenerationError(ValueError):
    """The design cannot be turned into PyTorch code; the message says which layer and why."""


def require_exportable(
    design: Design, analysis: Analysis, action: str, action_named: str, unknown_why: str = ""
) -> None:
    """Refuse (``CodeGenerationError``) a design that no exporter can write faithfully: one with
    errors (the first ten listed), a layer of unknown shape, or nothing but its Input.

    ``action`` completes "cannot …" (``"export ONNX"``); ``action_named`` is the same with the
    design's name (``"export 'net' as ONNX"``). Every code and graph exporter shares this check.
    """
    errors = [d for d in analysis.diagnostics() if d.severity == "error"]
    if errors:
        lines = []
        for d in errors[:10]:
            where = f"layer {d.layer!r}" if d.layer else "the design"
            msg = (
                d.message
                if not d.layer or d.message.startswith(f"{d.layer}")
                else f"{d.layer}: {d.message}"
            )
            lines.append(f"  - {where} [{d.code}]: {msg}")
        more = f"\n  … and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise CodeGenerationError(
            f"cannot {action_named}: the design has "
            f"{len(errors)} error{'s' if len(errors) != 1 else ''}; fix "
            f"{'it' if len(errors) == 1 else 'them'} first:\n" + "\n".join(lines) + more
        )
    for lid in design.ids:
        if analysis.info[lid].output_shape is None:
            raise CodeGenerationError(
                f"cannot {action}: the shape of layer {lid!r} is unknown "
                f"(it is not connected to any Input){unknown_why}"
            )
    if not any(layer.type != "Input" for layer in design):
        raise CodeGenerationError(f"cannot {action}: the design has no layers besides its Input")


def require_no_placeholders(design: Design, action_named: str) -> None:
    """Refuse a design with ``Unsupported`` placeholders, naming each imported op and its layers
    (before ``require_exportable``, whose generic "the design has errors" says less)."""
    unsupported = [layer for layer in design if layer.type == "Unsupported"]
    if not unsupported:
        return
    ops: dict[str, list[str]] = {}
    for layer in unsupported:
        ops.setdefault(str(layer.params.get("op") or "an unknown op"), []).append(layer.id)
    listed = "; ".join(
        f"{op} (layer{'s' if len(ids) > 1 else ''} {', '.join(ids)})" for op, ids in ops.items()
    )
    raise CodeGenerationError(
        f"cannot {action_named}: it contains "
        f"{len(unsupported)} op{'s' if len(unsupported) != 1 else ''} the designer cannot represent: "
        f"{listed}. Replace {'it' if len(unsupported) == 1 else 'them'} with supported layers first; "
        "the exported network would not compute the imported one."
    )


@dataclass(frozen=True)
class GeneratedNames:
    """The Python names the generated code uses: class, one per layer, forward arguments."""

    class_name: str
    attributes: dict[str, str]  # layer id -> attribute / variable stem
    arguments: list[str]  # forward's tensor arguments, one per Input layer (design order)


def generate(
    design: Design, *, class_name: str | None = None, analysis: Analysis | None = None
) -> str:
    """The Python source of an ``nn.Module`` that builds ``design`` (see the module docstring).

    ``analysis``: a current analysis of ``design`` to read (the app's live one), instead of a
    fresh one. Raises ``CodeGenerationError`` when the design has errors or when its shapes
    under its own semantics differ from PyTorch's.
    """
    return _Generator(design, class_name, analysis).source()


def names_for(design: Design, *, class_name: str | None = None) -> GeneratedNames:
    """The identifiers ``generate`` would use for ``design`` (for tools that load the code)."""
    return _names(design, class_name)


class PyTorchCodeExporter:
    """Exporter for File ▸ Export ▸ PyTorch code: ``export(path=None) -> bytes`` (UTF-8 source)."""

    file_suffix = ".py"

    def __init__(self, design: Design, *, class_name: str | None = None) -> None:
        self.design = design
        self.class_name = class_name

    def export(self, path: str | os.PathLike[str] | None = None) -> bytes:
        data = generate(self.design, class_name=self.class_name).encode("utf-8")
        if path is not None:
            from designer.core.fileformat import write_atomic

            write_atomic(Path(path), data)
        return data


# ----------------------------------------------------------------------------- names


def class_name_for(name: str) -> str:
    """``"AlexNet (2012 paper)"`` → ``"AlexNet2012Paper"``; ``"résnet-18"`` → ``"Résnet18"``."""
    words = [w for w in re.split(r"[^0-9A-Za-z_]+|_", _ascii_letters(name)) if w]
    text = "".join(w[0].upper() + w[1:] for w in words)
    if not text:
        return "Model"
    if text[0].isdigit():
        text = "Net" + text
    if keyword.iskeyword(text) or text in ("Model", "nn", "torch"):
        text += "Net"
    return text


def _ascii_letters(text: str) -> str:
    return "".join(c if c.isascii() else " " for c in text)


def identifier_for(layer_id: str) -> str:
    """A Python identifier for a layer id (ids may contain ``-`` and ``.``)."""
    ident = re.sub(r"[^0-9A-Za-z_]", "_", layer_id)
    if not ident or ident[0].isdigit():
        ident = "layer_" + ident
    elif ident[0] == "_":  # nn.Module keeps its own state in _-names (_modules, _buffers, ...)
        ident = "layer" + ident
    if (
        keyword.iskeyword(ident)
        or keyword.issoftkeyword(ident)
        or ident in MODULE_RESERVED
        or ident in _LOCAL_RESERVED
        or hasattr(builtins, ident)
    ):
        ident += "_"
    return ident


def _names(design: Design, class_name: str | None) -> GeneratedNames:
    if class_name is None:
        cls = class_name_for(design.name)
    else:
        if not class_name.isidentifier() or keyword.iskeyword(class_name):
            raise CodeGenerationError(f"class name {class_name!r} is not a Python identifier")
        cls = class_name
    attrs: dict[str, str] = {}
    used: set[str] = set()
    for layer in design:
        base = identifier_for(layer.id)
        ident, n = base, 2
        while ident in used:  # "conv-1" and "conv_1" both give conv_1
            ident, n = f"{base}_{n}", n + 1
        used.add(ident)
        attrs[layer.id] = ident
    inputs = [layer.id for layer in design if layer.type == "Input"]
    args = ["x"] if len(inputs) == 1 else [attrs[i] for i in inputs]
    return GeneratedNames(cls, attrs, args)


# ------------------------------------------------------------------------ generation


def _docstring_text(text: str) -> str:
    r"""``text`` as it is written inside a triple-quoted docstring that reads ``text`` back.

    Backslashes and quotes are escaped, and every character that is not printable (NUL,
    line breaks, lone surrogates, ...) is written as its ``repr`` escape, so that a
    design named ``\N`` or ``\u12`` still gives code that compiles.
    """
    out = []
    for c in text:
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF:
            out.append(c)
        else:
            out.append(repr(c)[1:-1])
    return "".join(out)


def _literal(value: Any) -> str:
    """A Python literal for a hyper-parameter value (pairs as tuples)."""
    if isinstance(value, list):
        return "(" + ", ".join(_literal(v) for v in value) + (",)" if len(value) == 1 else ")")
    if isinstance(value, str):
        return json.dumps(value)  # double quotes, as ruff format writes them
    return repr(value)


def _module_call(layer: Layer, analysis: Analysis) -> str | None:
    """``nn.Conv2d(3, 96, kernel_size=11, stride=4)``; ``None`` for Input, merges and tensor ops."""
    t = layer.type
    if t in FUNCTIONAL_TYPES or (t == "Upsample" and len(layer.inputs) == 2):
        return None
    info = analysis.info[layer.id]
    in_shape = info.input_shapes[0]
    assert in_shape is not None  # refused earlier otherwise
    resolved = layer.resolved()
    positional: list[str] = []
    explicit = dict(layer.params)
    if t in ("Conv2d", "ConvTranspose2d"):
        positional = [str(in_shape[0]), str(resolved["out_channels"])]
        explicit.pop("out_channels", None)
    elif t == "Linear":
        positional = [str(in_shape[-1]), str(resolved["out_features"])]
        explicit.pop("out_features", None)
    elif t == "BatchNorm2d":
        positional = [str(in_shape[0])]
    elif t in ("AdaptiveAvgPool2d", "AdaptiveMaxPool2d"):
        positional = [_literal(resolved["output_size"])]
        explicit.pop("output_size", None)
    elif t == "LocalResponseNorm":
        positional = [str(resolved["size"])]
        explicit.pop("size", None)
    elif t == "ZeroPad2d":
        positional = [_literal(resolved["padding"])]
        explicit.pop("padding", None)
    elif t in ("InstanceNorm2d", "LayerNorm2d"):
        positional = [str(in_shape[0])]
        if (
            t == "LayerNorm2d"
        ):  # nn.LayerNorm's default eps is 1e-5; ConvNeXt's is the designer's 1e-6
            explicit = {"eps": resolved["eps"], **explicit}
    elif t == "GroupNorm":
        positional = [str(resolved["num_groups"]), str(in_shape[0])]
        explicit.pop("num_groups", None)
    elif t == "LayerNorm":
        positional = [_literal(resolved["normalized_shape"])]
        explicit.pop("normalized_shape", None)
    elif t == "ChannelShuffle":
        positional = [str(resolved["groups"])]
        explicit.pop("groups", None)
    elif t in ("StochasticDepth", "Scale"):  # helper classes without defaults
        names = ("p", "mode") if t == "StochasticDepth" else ("shape", "init")
        positional = [_literal(resolved[n]) for n in names]
        explicit = {}
    if t in _HELPERS:
        args = positional + [f"{k}={_literal(v)}" for k, v in explicit.items()]
        return f"{t}({', '.join(args)})"
    for name, torch_default in _TORCH_DEFAULTS.get(t, {}).items():
        if name not in explicit and resolved.get(name) != torch_default:
            explicit[name] = resolved[name]
    if t in ("Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d") and "kernel_size" in explicit:
        # Required in torch: keep it first after the channels, as people write it.
        explicit = {"kernel_size": explicit.pop("kernel_size"), **explicit}
    args = positional + [f"{k}={_literal(v)}" for k, v in explicit.items()]
    return f"nn.{t}({', '.join(args)})"


def _emission_order(design: Design) -> list[str]:
    """A topological order that keeps the design's order wherever it allows."""
    index = {lid: n for n, lid in enumerate(design.ids)}
    indeg = {layer.id: len(layer.sources) for layer in design}
    consumers: dict[str, list[str]] = {lid: [] for lid in design.ids}
    for layer in design:
        for i in layer.sources:
            consumers[i].append(layer.id)
    heap = [(index[lid], lid) for lid, d in indeg.items() if d == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        _, lid = heapq.heappop(heap)
        order.append(lid)
        for c in consumers[lid]:
            indeg[c] -= 1
            if indeg[c] == 0:
                heapq.heappush(heap, (index[c], c))
    return order


def _shape_comment(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return ""
    if len(shape) == 3:
        return f"{fmt_shape(shape)}  ({fmt_shape(shape, 'chw')})"
    return fmt_shape(shape)


def _count(n: int) -> str:
    return f"{n:,}"


class _Generator:
    def __init__(
        self, design: Design, class_name: str | None, analysis: Analysis | None = None
    ) -> None:
        self.design = design
        self.names = _names(design, class_name)
        self.analysis = analyze(design) if analysis is None else analysis
        self._check()

    # The code must compute what the designer shows: refuse otherwise, naming the layer.
    def _check(self) -> None:
        design, analysis = self.design, self.analysis
        require_no_placeholders(design, f"generate PyTorch code for {design.name!r}")
        require_exportable(
            design,
            analysis,
            "generate PyTorch code",
            f"generate PyTorch code for {design.name!r}",
            unknown_why=", so its in_channels cannot be filled in",
        )
        if design.semantics != "pytorch":
            torch_design = design.copy()
            torch_design.set_semantics("pytorch")
            torch_analysis = analyze(torch_design)
            for lid in design.ids:
                ours = analysis.info[lid].output_shape
                theirs = torch_analysis.info[lid].output_shape
                if ours != theirs:
                    got = "an error" if theirs is None else fmt_shape(theirs)
                    raise CodeGenerationError(
                        f"cannot generate PyTorch code: the design uses {design.semantics} semantics, and "
                        f"layer {lid!r} is {fmt_shape(ours)} there but {got} in PyTorch; the code would not "
                        "build the network you designed. Switch the design to pytorch semantics and adjust it first."
                    )

    def source(self) -> str:
        design, analysis, names = self.design, self.analysis, self.names
        attrs = names.attributes
        totals = analysis.totals()
        inputs = [layer for layer in design if layer.type == "Input"]
        order = _emission_order(design)
        consumers: dict[str, list[str]] = {lid: [] for lid in design.ids}
        for layer in design:
            for i in layer.inputs:
                consumers[source_of(i)].append(layer.id)
        outputs = [
            lid for lid in design.ids if not consumers[lid] and design.layer(lid).type != "Input"
        ]

        out: list[str] = []
        title = _docstring_text(design.name)
        out.append(f'"""{title}: PyTorch model generated by CNN Designer.')
        out.append("")
        out.append("Runs with nothing but torch installed: python this_file.py")
        out.append('"""')
        out.append("")
        out.append("import torch")
        out.append("from torch import nn")
        out.append("")
        out.append("")
        used = {layer.type for layer in design}
        for helper, code in _HELPERS.items():
            if helper in used:
                out.append(code)
                out.append("")
        out.append(f"class {names.class_name}(nn.Module):")
        doc = [f'    """{title}.', ""]
        for layer in inputs:
            shape = analysis.info[layer.id].output_shape
            doc.append(f"    Input {layer.id}: {_shape_comment(shape)} (batch axis not shown).")
        if len(outputs) == 1:
            doc.append(f"    Output: {_shape_comment(analysis.info[outputs[0]].output_shape)}.")
        else:
            doc.append(
                "    Outputs (a tuple): "
                + ", ".join(
                    f"{lid} {fmt_shape(analysis.info[lid].output_shape)}" for lid in outputs
                )
                + "."
            )
        doc.append(
            f"    Parameters: {_count(totals.params)} (trainable {_count(totals.trainable_params)}); "
            f"buffers: {_count(totals.buffers)}."
        )
        doc.append(f"    Multiply-accumulates per sample: {_count(totals.macs)}.")
        if design.semantics != "pytorch":
            doc.append("")
            doc.append(
                f"    The design uses {design.semantics} semantics; every shape below is PyTorch's, "
                "and they equal the design's."
            )
        doc.append('    """')
        out.extend(doc)
        out.append("")
        out.append("    def __init__(self) -> None:")
        out.append("        super().__init__()")
        for layer in design:
            call = _module_call(layer, analysis)
            if call is None:
                continue
            info = analysis.info[layer.id]
            note = f"  # {_count(info.params)} params" if info.params else ""
            out.append(f"        self.{attrs[layer.id]} = {call}{note}")
        out.append("")
        args = ", ".join(f"{a}: torch.Tensor" for a in names.arguments)
        ret = "torch.Tensor" if len(outputs) == 1 else "tuple[torch.Tensor, ...]"
        out.append(f"    def forward(self, {args}) -> {ret}:")
        out.extend(self._forward_body(order, consumers, outputs))
        out.append("")
        out.append("")
        out.extend(self._main_block(inputs, outputs))
        return "\n".join(out) + "\n"

    def _forward_body(
        self, order: list[str], consumers: dict[str, list[str]], outputs: list[str]
    ) -> list[str]:
        """Statements of ``forward``: values flow through ``x`` along chains; a value that is
        used again later (a shortcut, a skip connection) keeps a name of its own."""
        design, analysis, attrs = self.design, self.analysis, self.names.attributes
        remaining = {lid: len(consumers[lid]) for lid in design.ids}
        var_of: dict[str, str] = {}
        holder: dict[str, str] = {}  # variable -> layer whose value it holds while still needed
        named: set[str] = set()  # variables named for one value: never reused for another
        inputs = [layer.id for layer in design if layer.type == "Input"]
        for lid, arg in zip(inputs, self.names.arguments, strict=True):
            var_of[lid] = arg
            holder[arg] = lid
            if arg != "x":
                named.add(arg)
        lines: list[str] = []
        for lid in order:
            layer = design.layer(lid)
            if layer.type == "Input":
                continue
            sources = [source_of(i) for i in layer.inputs]
            base_vars = [var_of[i] for i in sources]
            in_vars = [
                f"{var_of[src]}[{idx}]"
                if idx is not None and design.layer(src).type in ("Split", "Chunk")
                else var_of[src]
                for src, idx in (split_ref(i) for i in layer.inputs)
            ]
            for i in sources:
                remaining[i] -= 1
            freed = [
                v
                for v, i in zip(base_vars, sources, strict=True)
                if remaining[i] == 0 and holder.get(v) == i
            ]
            for v in freed:
                holder.pop(v, None)
            freed = [v for v in freed if v not in named]
            if len(consumers[lid]) > 1 or (lid in outputs and len(outputs) > 1):
                target = attrs[lid]  # needed in several places: named after its layer
                named.add(target)
            elif freed:
                target = freed[0]
            elif "x" not in holder:
                target = "x"
            else:
                target = attrs[lid]
            expr = _expression(layer, in_vars) or f"self.{attrs[lid]}({in_vars[0]})"
            info = analysis.info[lid]
            for d in info.diagnostics:
                if d.code in _CODE_NOTES:
                    lines.append(f"        # warning: {_one_line(d.message)}")
            comment = _shape_comment(info.output_shape)
            if info.output_shapes:
                comment = " and ".join(_shape_comment(o) for o in info.output_shapes)
            lines.append(f"        {target} = {expr}  # {comment}")
            var_of[lid] = target
            holder[target] = lid
        result = [var_of[lid] for lid in outputs]
        if len(result) == 1:
            lines.append(f"        return {result[0]}")
        else:
            lines.append(f"        return {', '.join(result)}")
        return lines

    def _main_block(self, inputs: list[Layer], outputs: list[str]) -> list[str]:
        cls = self.names.class_name
        shapes = [self.analysis.info[layer.id].output_shape for layer in inputs]
        tensors = [f"torch.randn(1, {', '.join(str(v) for v in s or ())})" for s in shapes]
        lines = [
            'if __name__ == "__main__":',
            f"    model = {cls}().eval()",
        ]
        if len(tensors) == 1:
            lines.append(f"    inputs = ({tensors[0]},)")
        else:
            lines.append("    inputs = (")
            for layer, t in zip(inputs, tensors, strict=True):
                lines.append(f"        {t},  # {layer.id}")
            lines.append("    )")
        lines.append("    with torch.no_grad():")
        lines.append("        outputs = model(*inputs)")
        if len(outputs) == 1:
            lines.append('    print("output shape:", tuple(outputs.shape))')
        else:
            lines.append("    for name, out in zip(" + repr(tuple(outputs)) + ", outputs):")
            lines.append('        print(f"output {name}:", tuple(out.shape))')
        lines.append('    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")')
        return lines


def _expression(layer: Layer, in_vars: list[str]) -> str | None:
    """The tensor expression of a layer computed without a module (``None``: call the module)."""
    t = layer.type
    p = layer.resolved()
    x = in_vars[0] if in_vars else ""
    if t == "Add":
        return " + ".join(in_vars)
    if t == "Mul":
        return " * ".join(in_vars)
    if t == "Concat":
        return f"torch.cat([{', '.join(in_vars)}], dim=1)"
    if t == "Split":
        return f"torch.split({x}, {_literal(p['split_size_or_sections'])}, dim={p['dim']})"
    if t == "Chunk":
        return f"torch.chunk({x}, {p['chunks']}, dim={p['dim']})"
    if t == "Mean":
        dims = p["dim"]
        dim = _literal(dims) if isinstance(dims, int) or len(dims) != 1 else str(dims[0])
        return f"{x}.mean({dim}" + (", keepdim=True)" if p["keepdim"] else ")")
    if t == "Reshape":
        return f"{x}.reshape({x}.shape[0], {', '.join(str(v) for v in p['shape'])})"
    if t == "Permute":
        return f"{x}.permute({', '.join(str(v) for v in p['dims'])})"
    if t == "Transpose":
        return f"{x}.transpose({p['dim0']}, {p['dim1']})"
    if t == "Upsample" and len(in_vars) == 2:
        extra = f", align_corners={p['align_corners']}" if p["align_corners"] is not None else ""
        return f"nn.functional.interpolate({x}, size={in_vars[1]}.shape[-2:], mode={_literal(p['mode'])}{extra})"
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())

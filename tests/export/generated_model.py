"""Test-only: run the PyTorch code generated for a design and measure what torch computes.

``run_generated(design)`` executes the source of ``generate(design)``, builds the model,
runs one forward pass with batch 1 (under ``no_grad`` in eval mode) and records, through
forward hooks on every named module, each layer's input and output shapes, parameters,
buffers and multiply-accumulates counted from the tensors themselves:
Conv2d ``out elements · in/groups · kh · kw``, ConvTranspose2d ``in elements · out/groups · kh · kw``,
Linear ``rows · in · out``. Import only where torch is present (through ``tests.torch_oracle``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from designer.core.analysis import analyze
from designer.core.design import Design
from designer.export.pytorch_code import generate, names_for
from tests.torch_oracle import torch


@dataclass
class Measured:
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    buffers: int
    macs: int


@dataclass
class RunResult:
    source: str
    model: Any
    layers: dict[str, Measured] = field(default_factory=dict)  # layer id -> measured
    outputs: list[tuple[int, ...]] = field(default_factory=list)
    params: int = 0
    buffers: int = 0
    flop_counter_macs: int = 0


def load_generated(design: Design, *, meta: bool = False) -> tuple[str, Any]:
    """The generated source and a fresh instance of its model (on the meta device if asked)."""
    source = generate(design)
    namespace: dict[str, Any] = {"__name__": "generated_model"}
    exec(compile(source, f"<generated {design.name}>", "exec"), namespace)
    cls = namespace[names_for(design).class_name]
    if meta:
        with torch.device("meta"):
            return source, cls()
    return source, cls()


def module_macs(module: Any, inp: Any, out: Any) -> int:
    nn = torch.nn
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return out.numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.ConvTranspose2d):
        kh, kw = module.kernel_size
        return inp.numel() * (module.out_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return inp.numel() // module.in_features * module.in_features * module.out_features
    return 0


def run_generated(design: Design, *, flop_counter: bool = True) -> RunResult:
    source, model = load_generated(design)
    model.eval()
    names = names_for(design)
    by_attr = {attr: lid for lid, attr in names.attributes.items()}
    result = RunResult(source, model)
    handles = []
    for attr, module in model.named_children():
        lid = by_attr[attr]

        def hook(mod: Any, args: tuple[Any, ...], out: Any, lid: str = lid) -> None:
            inp = args[0]
            result.layers[lid] = Measured(
                tuple(inp.shape[1:]),
                tuple(out.shape[1:]),
                sum(p.numel() for p in mod.parameters()),
                sum(b.numel() for b in mod.buffers()),
                module_macs(mod, inp, out),
            )

        handles.append(module.register_forward_hook(hook))
    analysis = analyze(design)
    inputs = [
        torch.randn(1, *analysis.info[layer.id].output_shape)
        for layer in design
        if layer.type == "Input"
    ]
    with torch.no_grad():
        out = model(*inputs)
    for h in handles:
        h.remove()
    outs = out if isinstance(out, tuple) else (out,)
    result.outputs = [tuple(o.shape[1:]) for o in outs]
    result.params = sum(p.numel() for p in model.parameters())
    result.buffers = sum(b.numel() for b in model.buffers())
    if flop_counter:
        from torch.utils.flop_counter import FlopCounterMode

        with torch.device("meta"):
            meta_model = type(model)().eval()
        meta_inputs = [torch.empty(*x.shape, device="meta") for x in inputs]
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            meta_model(*meta_inputs)
        result.flop_counter_macs = counter.get_total_flops() // 2
    return result

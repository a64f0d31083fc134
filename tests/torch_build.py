"""Test-only: build a design as a real ``torch.nn`` network, so PyTorch can act as the oracle.

Each layer becomes the ``torch.nn`` module of the same name, built from the shape of the
tensor that actually reaches it (``in_channels``/``in_features`` are never stored in a
design, exactly as in the app). Designs are unbatched; here every tensor carries a batch
of 1 in front. Add sums its inputs, Concat concatenates them along channels (dim 1).

Import only where torch is present (through ``tests.torch_oracle``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from designer.core.analysis import analyze
from designer.core.design import Design, Layer, split_ref
from tests.torch_oracle import torch

nn = torch.nn


def _pair(value: Any) -> Any:
    """Designer pairs are ints or [h, w] lists; torch wants ints or tuples."""
    return tuple(value) if isinstance(value, list) else value


class AddModule(nn.Module):
    """Element-wise sum of every input (the designer's Add)."""

    def forward(self, *xs: Any) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class ConcatModule(nn.Module):
    """Concatenation along channels, ``torch.cat(dim=1)`` (the designer's Concat)."""

    def forward(self, *xs: Any) -> Any:
        return torch.cat(xs, dim=1)


class MulModule(nn.Module):
    """Element-wise product of every input, broadcast (the designer's Mul)."""

    def forward(self, *xs: Any) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class LayerNorm2d(nn.LayerNorm):
    """torchvision's ConvNeXt LayerNorm2d: LayerNorm over the channels at each position."""

    def forward(self, x: Any) -> Any:
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth (identity in evaluation mode, which the oracle uses)."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(1 - self.p)
        return x * noise / (1 - self.p) if self.p < 1 else x * noise


class Lambda(nn.Module):
    """A function of the inputs as a module (Split, Mean, Reshape, Permute, ...)."""

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *xs: Any) -> Any:
        return self.fn(*xs)


class ScaleModule(nn.Module):
    """A learned tensor multiplied in (ConvNeXt's layer scale)."""

    def __init__(self, shape: list[int], init: float, device: str) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full(tuple(shape), float(init), device=device))

    def forward(self, x: Any) -> Any:
        return x * self.weight


class UpsampleTo(nn.Module):
    """Upsample to the height and width of a second input (segmentation heads)."""

    def __init__(self, mode: str, align_corners: bool | None) -> None:
        super().__init__()
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x: Any, ref: Any) -> Any:
        return nn.functional.interpolate(
            x, size=ref.shape[-2:], mode=self.mode, align_corners=self.align_corners
        )


class Unsupported(nn.Module):
    """No torch op: the oracle refuses an Unsupported layer like the designer does."""

    def forward(self, *xs: Any) -> Any:
        raise RuntimeError("unsupported op")


def make_module(layer: Layer, in_shapes: Sequence[tuple[int, ...]], device: str = "cpu") -> Any:
    """The ``torch.nn`` module for ``layer``, given the batched shapes of its inputs.

    Construction itself may raise (e.g. groups that do not divide the channels): that
    counts as "torch refuses" for the oracle, like an error in the forward pass.
    """
    p = layer.resolved()
    t = layer.type
    first = in_shapes[0] if in_shapes else ()
    channels = first[1] if len(first) > 1 else 0
    module: Any
    if t in ("Input", "Identity"):
        module = nn.Identity()
    elif t == "Conv2d":
        module = nn.Conv2d(
            channels,
            p["out_channels"],
            _pair(p["kernel_size"]),
            stride=_pair(p["stride"]),
            padding=_pair(p["padding"]),
            dilation=_pair(p["dilation"]),
            groups=p["groups"],
            bias=p["bias"],
            device=device,
        )
    elif t == "ConvTranspose2d":
        module = nn.ConvTranspose2d(
            channels,
            p["out_channels"],
            _pair(p["kernel_size"]),
            stride=_pair(p["stride"]),
            padding=_pair(p["padding"]),
            output_padding=_pair(p["output_padding"]),
            groups=p["groups"],
            bias=p["bias"],
            dilation=_pair(p["dilation"]),
            device=device,
        )
    elif t == "MaxPool2d":
        module = nn.MaxPool2d(
            _pair(p["kernel_size"]),
            stride=_pair(p["stride"]),
            padding=_pair(p["padding"]),
            dilation=_pair(p["dilation"]),
            ceil_mode=p["ceil_mode"],
        )
    elif t == "AvgPool2d":
        module = nn.AvgPool2d(
            _pair(p["kernel_size"]),
            stride=_pair(p["stride"]),
            padding=_pair(p["padding"]),
            ceil_mode=p["ceil_mode"],
            count_include_pad=p["count_include_pad"],
        )
    elif t == "AdaptiveAvgPool2d":
        module = nn.AdaptiveAvgPool2d(_pair(p["output_size"]))
    elif t == "AdaptiveMaxPool2d":
        module = nn.AdaptiveMaxPool2d(_pair(p["output_size"]))
    elif t == "BatchNorm2d":
        module = nn.BatchNorm2d(
            channels,
            eps=p["eps"],
            momentum=p["momentum"],
            affine=p["affine"],
            track_running_stats=p["track_running_stats"],
            device=device,
        )
    elif t == "LocalResponseNorm":
        module = nn.LocalResponseNorm(p["size"], alpha=p["alpha"], beta=p["beta"], k=p["k"])
    elif t == "ReLU":
        module = nn.ReLU()
    elif t == "ReLU6":
        module = nn.ReLU6()
    elif t == "LeakyReLU":
        module = nn.LeakyReLU(p["negative_slope"])
    elif t == "Sigmoid":
        module = nn.Sigmoid()
    elif t == "Tanh":
        module = nn.Tanh()
    elif t == "GELU":
        module = nn.GELU(approximate=p["approximate"])
    elif t == "SiLU":
        module = nn.SiLU()
    elif t == "Softmax":
        module = nn.Softmax(dim=p["dim"])
    elif t == "Dropout":
        module = nn.Dropout(p["p"])
    elif t == "Dropout2d":
        module = nn.Dropout2d(p["p"])
    elif t == "Flatten":
        module = nn.Flatten(p["start_dim"], p["end_dim"])
    elif t == "Linear":
        module = nn.Linear(first[-1], p["out_features"], bias=p["bias"], device=device)
    elif t == "ZeroPad2d":
        module = nn.ZeroPad2d(_pair(p["padding"]))
    elif t == "Upsample" and len(in_shapes) == 2:
        module = UpsampleTo(p["mode"], p["align_corners"])
    elif t == "Upsample":
        module = nn.Upsample(
            size=_pair(p["size"]),
            scale_factor=_pair(p["scale_factor"]),
            mode=p["mode"],
            align_corners=p["align_corners"],
        )
    elif t == "Mul":
        module = MulModule()
    elif t in ("Hardswish", "Hardsigmoid", "Mish", "SELU"):
        module = getattr(nn, t)()
    elif t == "ELU":
        module = nn.ELU(p["alpha"])
    elif t == "Softplus":
        module = nn.Softplus(p["beta"], p["threshold"])
    elif t == "PReLU":
        module = nn.PReLU(p["num_parameters"], p["init"], device=device)
    elif t == "LayerNorm2d":
        module = LayerNorm2d(
            channels, eps=p["eps"], elementwise_affine=p["elementwise_affine"], device=device
        )
    elif t == "LayerNorm":
        module = nn.LayerNorm(
            p["normalized_shape"],
            eps=p["eps"],
            elementwise_affine=p["elementwise_affine"],
            bias=p["bias"],
            device=device,
        )
    elif t == "GroupNorm":
        module = nn.GroupNorm(
            p["num_groups"], channels, eps=p["eps"], affine=p["affine"], device=device
        )
    elif t == "InstanceNorm2d":
        module = nn.InstanceNorm2d(
            channels,
            eps=p["eps"],
            momentum=p["momentum"],
            affine=p["affine"],
            track_running_stats=p["track_running_stats"],
            device=device,
        )
    elif t == "StochasticDepth":
        module = StochasticDepth(p["p"], p["mode"])
    elif t == "ChannelShuffle":
        module = nn.ChannelShuffle(p["groups"])
    elif t == "Split":
        sizes = p["split_size_or_sections"]
        module = Lambda(lambda x: torch.split(x, sizes, dim=p["dim"]))
    elif t == "Chunk":
        module = Lambda(lambda x: torch.chunk(x, p["chunks"], dim=p["dim"]))
    elif t == "Mean":
        module = Lambda(
            lambda x: x.mean(
                tuple(p["dim"]) if isinstance(p["dim"], list) else p["dim"], keepdim=p["keepdim"]
            )
        )
    elif t == "Reshape":
        module = Lambda(lambda x: x.reshape(x.shape[0], *p["shape"]))
    elif t == "Permute":
        module = Lambda(lambda x: x.permute(*p["dims"]))
    elif t == "Transpose":
        module = Lambda(lambda x: x.transpose(p["dim0"], p["dim1"]))
    elif t == "Scale":
        module = ScaleModule(p["shape"], p["init"], device)
    elif t == "Unsupported":
        module = Unsupported()
    elif t == "Add":
        module = AddModule()
    elif t == "Concat":
        module = ConcatModule()
    else:  # pragma: no cover - a new layer type needs a line here
        raise KeyError(f"no torch module for layer type {t!r}")
    # Evaluation mode: BatchNorm uses its running statistics (a batch of 1 is fine), Dropout is off.
    return module.eval()


def count_params(module: Any) -> int:
    return sum(p.numel() for p in module.parameters())


def count_buffers(module: Any) -> int:
    return sum(b.numel() for b in module.buffers())


@dataclass
class TorchRun:
    """The torch network built from a design and what one forward pass produced.

    ``shapes`` holds every layer's unbatched output shape; ``failed`` the first layer
    (in topological order) where torch refused, with the exception, else ``None``.
    """

    modules: dict[str, Any] = field(default_factory=dict)
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    outputs: dict[str, list[tuple[int, ...]]] = field(default_factory=dict)  # layers with several
    failed: tuple[str, Exception] | None = None

    def params(self, layer_id: str) -> int:
        return count_params(self.modules[layer_id])

    def buffers(self, layer_id: str) -> int:
        return count_buffers(self.modules[layer_id])

    def total_params(self) -> int:
        return sum(count_params(m) for m in self.modules.values())

    def total_buffers(self) -> int:
        return sum(count_buffers(m) for m in self.modules.values())


class DesignNet(nn.Module):
    """A design as one ``nn.Module``: ``forward(x)`` runs the layers in topological order.

    Made for designs with one Input; returns the outputs of every layer by id.
    """

    def __init__(
        self, order: list[str], inputs: dict[str, list[str]], modules: dict[str, Any]
    ) -> None:
        super().__init__()
        self.order = list(order)
        self.inputs = {k: list(v) for k, v in inputs.items()}
        self.ids = {lid: f"layer{n}" for n, lid in enumerate(order)}  # ids may contain "."
        self.layers = nn.ModuleDict({self.ids[lid]: modules[lid] for lid in order})

    def forward(self, x: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for lid in self.order:
            ins = self.inputs[lid]
            module = self.layers[self.ids[lid]]
            out[lid] = module(x) if not ins else module(*(_pick(out, i) for i in ins))
        return out


def _pick(tensors: dict[str, Any], ref: str) -> Any:
    """The tensor ``ref`` names: ``"split1:1"`` is output 1 of a layer with several."""
    lid, index = split_ref(ref)
    value = tensors[lid]
    if isinstance(value, tuple | list):
        if index is None:
            raise ValueError(f"{ref!r} does not say which output of {lid} it takes")
        return value[index]
    if index not in (None, 0):
        raise IndexError(f"{lid} has one output, not {index + 1}")
    return value


def run_design(design: Design, device: str = "meta") -> TorchRun:
    """Build every layer from the shapes torch actually produces and run them once.

    Stops at the first layer where construction or the forward pass raises.
    """
    order = analyze(design).order
    run = TorchRun()
    tensors: dict[str, Any] = {}
    for lid in order:
        layer = design.layer(lid)
        try:
            if layer.type == "Input":
                shape = layer.resolved()["shape"]
                module = make_module(layer, [(1, *shape)], device)
                out = torch.zeros((1, *shape), device=device)
            else:
                ins = [_pick(tensors, i) for i in layer.inputs]
                module = make_module(layer, [tuple(t.shape) for t in ins], device)
                with torch.no_grad():
                    out = module(*ins)
        except Exception as exc:  # any refusal is the oracle's answer
            run.failed = (lid, exc)
            return run
        run.modules[lid] = module
        if isinstance(out, tuple | list):  # Split, Chunk: several outputs
            run.shapes[lid] = tuple(out[0].shape[1:])
            run.outputs[lid] = [tuple(o.shape[1:]) for o in out]
        else:
            run.shapes[lid] = tuple(out.shape[1:])
        tensors[lid] = out
    return run


def design_net(design: Design, device: str = "meta") -> DesignNet:
    """The whole design as one ``nn.Module`` (raises where torch refuses)."""
    run = run_design(design, device)
    if run.failed is not None:
        raise run.failed[1]
    order = analyze(design).order
    return DesignNet(order, {lid: design.layer(lid).inputs for lid in order}, run.modules)

"""Short texts that describe a layer on a canvas card or in a figure.

``key_params_text`` writes a layer's hyper-parameters the compact way papers and
lecture slides do (``11×11 /4 p2 g2``, ``→ 4096``); only values that differ from
what a reader would assume are shown. The canvas, the graph figure and tooltips
share it, so a layer reads the same everywhere.
"""

from __future__ import annotations

from typing import Any

from designer.core.design import Layer
from designer.core.registry import layer_type


def pair_text(value: Any) -> str:
    """``3`` → ``3×3``; ``[3, 5]`` → ``3×5``; ``None`` → ``?``."""
    if value is None:
        return "?"
    if isinstance(value, list | tuple):
        a, b = value
        return f"{_n(a)}×{_n(b)}"
    return f"{_n(value)}×{_n(value)}"


def _one_or_pair(value: Any) -> str:
    """``2`` → ``2``; ``[2, 1]`` → ``2,1``."""
    if isinstance(value, list | tuple):
        return ",".join(_n(v) for v in value)
    return _n(value)


def _n(v: Any) -> str:
    if v is None:
        return "·"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _window(values: dict[str, Any], stride_default_kernel: bool) -> list[str]:
    parts = [pair_text(values["kernel_size"])]
    stride = values.get("stride")
    if stride is None and stride_default_kernel:
        stride = values["kernel_size"]
    if stride is not None and stride != 1:
        parts.append(f"/{_one_or_pair(stride)}")
    padding = values.get("padding", 0)
    if isinstance(padding, str):
        parts.append(f"p {padding}")
    elif padding not in (0, [0, 0]):
        parts.append(f"p{_one_or_pair(padding)}")
    dilation = values.get("dilation", 1)
    if dilation not in (1, [1, 1]):
        parts.append(f"d{_one_or_pair(dilation)}")
    return parts


def key_params_text(layer: Layer) -> str:
    """The hyper-parameters a reader needs to follow the shapes, in one short line."""
    v = layer_type(layer.type).resolve(layer.params)
    t = layer.type
    parts: list[str] = []
    if t == "Conv2d":
        parts = _window(v, False)
        if v["groups"] != 1:
            parts.append(f"g{v['groups']}")
    elif t == "ConvTranspose2d":
        parts = _window(v, False)
        if v["output_padding"] not in (0, [0, 0]):
            parts.append(f"op{_one_or_pair(v['output_padding'])}")
        if v["groups"] != 1:
            parts.append(f"g{v['groups']}")
    elif t in ("MaxPool2d", "AvgPool2d"):
        parts = _window(v, True)
        if v.get("ceil_mode"):
            parts.append("ceil")
    elif t in ("AdaptiveAvgPool2d", "AdaptiveMaxPool2d"):
        parts = [f"→ {pair_text(v['output_size'])}"]
    elif t == "Linear":
        parts = [f"→ {v['out_features']}"]
    elif t == "LocalResponseNorm":
        parts = [f"size {_n(v['size'])}"]
        if v.get("k", 1) != 1:
            parts.append(f"k {_n(v['k'])}")
    elif t == "LeakyReLU":
        parts = [f"slope {_n(v['negative_slope'])}"]
    elif t == "GELU":
        parts = [] if v["approximate"] == "none" else [f"≈ {v['approximate']}"]
    elif t == "Softmax":
        parts = [f"dim {v['dim']}"]
    elif t in ("Dropout", "Dropout2d"):
        parts = [f"p {_n(v['p'])}"]
    elif t == "Flatten":
        if (v["start_dim"], v["end_dim"]) != (1, -1):
            parts = [f"dims {v['start_dim']}…{v['end_dim']}"]
    elif t == "ZeroPad2d":
        parts = [f"pad {_one_or_pair(v['padding'])}"]
    elif t == "Upsample":
        if v.get("size") is not None:
            parts = [f"→ {pair_text(v['size'])}"]
        elif v.get("scale_factor") is not None:
            parts = [f"×{_one_or_pair(v['scale_factor'])}"]
        parts.append(str(v["mode"]))
    elif t in ("Add", "Concat", "Mul"):
        n = len(layer.inputs)
        parts = [f"{n} input{'s' if n != 1 else ''}"]
    elif t in ("GroupNorm", "ChannelShuffle"):
        parts = [f"g{v['num_groups' if t == 'GroupNorm' else 'groups']}"]
    elif t == "LayerNorm":
        parts = ["over " + "×".join(str(x) for x in v["normalized_shape"])]
    elif t == "LayerNorm2d":
        parts = ["over C"]
    elif t == "InstanceNorm2d":
        parts = ["affine"] if v["affine"] else []
    elif t == "PReLU":
        parts = [f"{v['num_parameters']} slope{'s' if v['num_parameters'] != 1 else ''}"]
    elif t == "ELU":
        parts = [] if v["alpha"] == 1 else [f"α {_n(v['alpha'])}"]
    elif t == "Softplus":
        parts = [] if v["beta"] == 1 else [f"β {_n(v['beta'])}"]
    elif t == "StochasticDepth":
        parts = [f"p {_n(v['p'])}"] + ([] if v["mode"] == "row" else ["batch"])
    elif t == "Split":
        sec = v["split_size_or_sections"]
        parts = [
            ("+".join(str(x) for x in sec) if isinstance(sec, list) else f"by {sec}")
            + _dim_text(v["dim"])
        ]
    elif t == "Chunk":
        parts = [f"{v['chunks']} pieces" + _dim_text(v["dim"])]
    elif t == "Mean":
        dims = v["dim"] if isinstance(v["dim"], list) else [v["dim"]]
        parts = ["over H×W" if sorted(dims) == [2, 3] else f"dims {','.join(str(d) for d in dims)}"]
        if v["keepdim"]:
            parts.append("keepdim")
    elif t == "Reshape":
        parts = ["→ " + "×".join(str(x) for x in v["shape"])]
    elif t == "Permute":
        parts = ["(" + ",".join(str(x) for x in v["dims"]) + ")"]
    elif t == "Transpose":
        parts = [f"{v['dim0']}↔{v['dim1']}"]
    elif t == "Scale":
        parts = ["×γ " + "×".join(str(x) for x in v["shape"])]
    elif t == "Unsupported":
        parts = [str(v["op"]) or "?"]
    if t == "Upsample" and len(layer.inputs) == 2:
        parts = ["→ size of input 2", str(v["mode"])]
    return " ".join(parts)


def _dim_text(dim: int) -> str:
    return "" if dim == 1 else f" dim {dim}"


def filters_text(layer: Layer) -> str:
    """The number of filters of a convolution (``96 filters``), else the empty string."""
    if layer.type in ("Conv2d", "ConvTranspose2d"):
        n = layer.value("out_channels")
        return f"{n} filter{'s' if n != 1 else ''}"
    return ""

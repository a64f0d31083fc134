"""The generated designs the scale benchmarks share (no Qt): a Conv → BN → ReLU chain, a
ResNet-like design with a skip round every block, and that design grouped in stages as an
importer groups a model. ``bench_scale_gui`` opens them in the app; ``bench_core`` edits their
structure through the core alone."""

from __future__ import annotations

from designer.core.design import Design, Layer
from designer.core.groups import groups_from_paths
from designer.core.layout import auto_layout


def chain_design(n: int, channels: int = 16) -> Design:
    """``n`` layers: Input, then Conv → BN → ReLU blocks of ``channels`` (padding 1 keeps
    56×56)."""
    d = Design(f"chain of {n}")
    d.add_layer(Layer("input", "Input", {"shape": [channels, 56, 56]}, []))
    prev = "input"
    for k in range(1, n):
        kind = ("Conv2d", "BatchNorm2d", "ReLU")[(k - 1) % 3]
        conv = {"out_channels": channels, "kernel_size": 3, "padding": 1}
        params = conv if kind == "Conv2d" else {}
        lid = f"l{k}"
        d.add_layer(Layer(lid, kind, params, [prev]))
        prev = lid
    return _placed(d)


def resnet_like(n: int) -> Design:
    """About ``n`` layers: Input, then residual blocks conv-bn-relu-conv-bn + skip → add → relu."""
    d = Design(f"ResNet-like, {n} layers")
    d.add_layer(Layer("input", "Input", {"shape": [16, 56, 56]}, []))
    prev = "input"
    b = 0
    while len(d) + 7 <= n:
        prev = _residual_block(d, f"b{b}", prev)
        b += 1
    return _placed(d)


def grouped_resnet(n: int, stages: int = 4) -> Design:
    """About ``n`` layers of residual blocks in ``stages`` stages, grouped as an importer groups
    a torchvision ResNet (``groups_from_paths`` of ``layer2.5.conv1``): a stage per group, a
    block per group inside it. The first block of every stage after the first halves the size
    (stride 2, a 1×1 downsample on the skip), so each stage reads as a block and a run ×N."""
    d = Design(f"grouped ResNet-like, {n} layers")
    d.add_layer(Layer("input", "Input", {"shape": [16, 56, 56]}, []))
    blocks = max(stages * 2, (n - 1) // 7)
    per_stage = [blocks // stages + (1 if s < blocks % stages else 0) for s in range(stages)]
    prev = "input"
    for s, count in enumerate(per_stage, start=1):
        for b in range(count):
            prev = _residual_block(d, f"layer{s}.{b}", prev, halves=b == 0 and s > 1)
    d.set_groups(groups_from_paths(d.ids))
    return _placed(d)


def _residual_block(d: Design, p: str, prev: str, halves: bool = False) -> str:
    """conv-bn-relu-conv-bn + skip → add → relu after ``prev``, its layers named ``p.…``; with
    ``halves``, the first convolution has stride 2 and the skip a 1×1 stride-2 downsample.
    Returns the block's last layer."""
    conv = {"out_channels": 16, "kernel_size": 3, "padding": 1}
    first = {**conv, "stride": 2} if halves else conv
    d.add_layer(Layer(f"{p}.conv1", "Conv2d", first, [prev]))
    d.add_layer(Layer(f"{p}.bn1", "BatchNorm2d", {}, [f"{p}.conv1"]))
    d.add_layer(Layer(f"{p}.relu1", "ReLU", {}, [f"{p}.bn1"]))
    d.add_layer(Layer(f"{p}.conv2", "Conv2d", conv, [f"{p}.relu1"]))
    d.add_layer(Layer(f"{p}.bn2", "BatchNorm2d", {}, [f"{p}.conv2"]))
    skip = prev
    if halves:
        down = {"out_channels": 16, "kernel_size": 1, "stride": 2}
        d.add_layer(Layer(f"{p}.downsample", "Conv2d", down, [prev]))
        skip = f"{p}.downsample"
    d.add_layer(Layer(f"{p}.add", "Add", {}, [f"{p}.bn2", skip]))
    d.add_layer(Layer(f"{p}.relu2", "ReLU", {}, [f"{p}.add"]))
    return f"{p}.relu2"


def _placed(d: Design) -> Design:
    for lid, pos in auto_layout(d).items():
        d.set_position(lid, pos)
    return d

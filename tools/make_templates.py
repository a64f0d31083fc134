"""Write the classic networks in ``resources/templates/`` (and the examples) reproducibly.

Run ``python -m tools.make_templates`` from the repository root after changing a
network here; ``--check`` only reports which files differ (the test suite runs the
same comparison). Every file is exactly what ``dumps_design`` writes, so the
committed JSON is byte-stable.

Each network follows its source layer by layer (torchvision's code for AlexNet,
VGG-16 and the ResNets; the papers for LeNet-5, AlexNet 2012 and ZFNet); the
``description`` of each template says which source and which quirks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from designer.core.design import Design, Layer
from designer.core.fileformat import dumps_design
from designer.core.groups import Group, add_path_groups, groups_from_paths
from designer.core.layout import auto_layout

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "resources" / "templates"
EXAMPLES = ROOT / "resources" / "examples"


class NetBuilder:
    """Appends layers to a design; each new layer reads the previous one unless told otherwise."""

    def __init__(self, name: str, description: str, shape: list[int]) -> None:
        self.design = Design(name, "pytorch", description)
        self.last = "input"
        self.design.add_layer(Layer("input", "Input", {"shape": shape}))
        self.groups: list[Group] = []

    def add(
        self, layer_id: str, type_id: str, inputs: list[str] | None = None, **params: Any
    ) -> str:
        self.design.add_layer(
            Layer(layer_id, type_id, params, [self.last] if inputs is None else inputs)
        )
        self.last = layer_id
        return layer_id

    def group(self, gid: str, label: str, members: list[str], parent: str | None = None) -> None:
        """Group ``members`` (layer ids) as block ``gid`` (inside group ``parent``)."""
        self.groups.append(Group(gid, label, parent, members))

    def group_span(
        self, gid: str, label: str, first: str, last: str, parent: str | None = None
    ) -> None:
        """Group the layers from ``first`` to ``last`` in design order."""
        ids = self.design.ids
        self.group(gid, label, ids[ids.index(first) : ids.index(last) + 1], parent)

    def finish(self) -> Design:
        """Lay the layers out with the app's own layered layout (``auto_layout``): left to
        right, main path on one row, branches below, long networks wrapped into bands."""
        for lid, pos in auto_layout(self.design).items():
            self.design.set_position(lid, pos)
        self.design.set_groups(self.groups)
        return self.design


# ------------------------------------------------------------------------ LeNet-5


def lenet5() -> Design:
    net = NetBuilder(
        "LeNet-5",
        "LeNet-5 (LeCun, Bottou, Bengio & Haffner, 1998, 'Gradient-based learning applied to document "
        "recognition'), in the form most courses and frameworks reimplement it: a 32×32 grey image, "
        "C1 6@5×5 → 28×28×6, S2 2×2 average pooling → 14×14×6, C3 16@5×5 → 10×10×16, S4 → 5×5×16, "
        "C5 120@5×5 → 1×1×120, F6 84, output 10, tanh activations. This variant has 61,706 parameters "
        "and 416,520 multiply-accumulates. The paper differs in three places: C3 connects each of its "
        "16 maps to only some of S2's 6 maps (1,516 weights instead of 2,416), the subsampling layers "
        "S2 and S4 have a trainable coefficient and bias per map (12 and 32 parameters), and the output "
        "layer is made of Euclidean RBF units (84·10 fixed parameters) rather than a Linear layer; the "
        "paper counts about 60,000 trainable parameters. C5 is a 5×5 convolution on a 5×5 input, which "
        "is why many reimplementations write it as Flatten + Linear(400, 120): the numbers are the same.",
        [1, 32, 32],
    )
    net.add("c1", "Conv2d", out_channels=6, kernel_size=5)
    net.add("tanh1", "Tanh")
    net.add("s2", "AvgPool2d", kernel_size=2, stride=2)
    net.add("c3", "Conv2d", out_channels=16, kernel_size=5)
    net.add("tanh2", "Tanh")
    net.add("s4", "AvgPool2d", kernel_size=2, stride=2)
    net.add("c5", "Conv2d", out_channels=120, kernel_size=5)
    net.add("tanh3", "Tanh")
    net.add("flatten", "Flatten")
    net.add("f6", "Linear", out_features=84)
    net.add("tanh4", "Tanh")
    net.add("output", "Linear", out_features=10)
    return net.finish()


# ------------------------------------------------------------------------ AlexNet


def alexnet_paper() -> Design:
    net = NetBuilder(
        "AlexNet (2012 paper)",
        "AlexNet as described by Krizhevsky, Sutskever & Hinton, 'ImageNet Classification with Deep "
        "Convolutional Neural Networks' (NIPS 2012). The paper says the input is 224×224×3, but 96 "
        "filters of 11×11 with stride 4 give (224 − 11)/4 + 1 = 54.25, not the 55×55×96 of its figure; "
        "with a 227×227 input the arithmetic is exact, so this template uses 227 (as Caffe's reference "
        "model did). The network was split across two GPUs: conv2, conv4 and conv5 only see the feature "
        "maps on their own GPU, which is written here as groups=2 (48 + 48 input maps per half for conv2), "
        "while conv3 and the fully connected layers talk across GPUs (groups=1). Local response "
        "normalisation (size 5, α = 1e-4, β = 0.75, k = 2) follows the ReLU of conv1 and conv2, then 3×3 "
        "overlapping max pooling with stride 2. Dropout 0.5 follows the first two fully connected layers. "
        "Total: 60,965,224 parameters (the paper rounds to 60 million). The paper's neuron count for "
        "conv1 (253,440) does not equal 55·55·96 = 290,400; it does equal 48·48·55·2, probably a typo.",
        [3, 227, 227],
    )
    net.add("conv1", "Conv2d", out_channels=96, kernel_size=11, stride=4)
    net.add("relu1", "ReLU")
    net.add("lrn1", "LocalResponseNorm", size=5, alpha=1e-4, beta=0.75, k=2)
    net.add("pool1", "MaxPool2d", kernel_size=3, stride=2)
    net.add("conv2", "Conv2d", out_channels=256, kernel_size=5, padding=2, groups=2)
    net.add("relu2", "ReLU")
    net.add("lrn2", "LocalResponseNorm", size=5, alpha=1e-4, beta=0.75, k=2)
    net.add("pool2", "MaxPool2d", kernel_size=3, stride=2)
    net.add("conv3", "Conv2d", out_channels=384, kernel_size=3, padding=1)
    net.add("relu3", "ReLU")
    net.add("conv4", "Conv2d", out_channels=384, kernel_size=3, padding=1, groups=2)
    net.add("relu4", "ReLU")
    net.add("conv5", "Conv2d", out_channels=256, kernel_size=3, padding=1, groups=2)
    net.add("relu5", "ReLU")
    net.add("pool5", "MaxPool2d", kernel_size=3, stride=2)
    net.add("flatten", "Flatten")
    net.add("fc6", "Linear", out_features=4096)
    net.add("relu6", "ReLU")
    net.add("drop6", "Dropout", p=0.5)
    net.add("fc7", "Linear", out_features=4096)
    net.add("relu7", "ReLU")
    net.add("drop7", "Dropout", p=0.5)
    net.add("fc8", "Linear", out_features=1000)
    net.add("softmax", "Softmax", dim=1)
    net.group_span("features", "Features (5 convolutions)", "conv1", "pool5")
    net.group_span("classifier", "Classifier", "flatten", "softmax")
    return net.finish()


def alexnet_torchvision() -> Design:
    net = NetBuilder(
        "AlexNet (torchvision)",
        "torchvision.models.alexnet, which follows the 'one weird trick' single-GPU variant "
        "(Krizhevsky 2014) rather than the 2012 paper: 64/192/384/256/256 filters, no grouped "
        "convolutions, no local response normalisation, and a 224×224 input with padding 2 in conv1, so "
        "conv1 computes (224 + 4 − 11)/4 + 1 = 55.25 and PyTorch floors it to 55 (the note on conv1 is "
        "that honest truth: the last window stops one column short of the right padding, no real pixel is "
        "lost). AdaptiveAvgPool2d(6) makes the classifier accept other input sizes; at 224 it sees 6×6 "
        "already and changes nothing. Dropout comes before the first two Linear layers, as in torchvision. "
        "Published: 61,100,840 parameters and 0.71 GMACs (714,188,480 multiply-accumulates).",
        [3, 224, 224],
    )
    net.add("conv1", "Conv2d", out_channels=64, kernel_size=11, stride=4, padding=2)
    net.add("relu1", "ReLU")
    net.add("pool1", "MaxPool2d", kernel_size=3, stride=2)
    net.add("conv2", "Conv2d", out_channels=192, kernel_size=5, padding=2)
    net.add("relu2", "ReLU")
    net.add("pool2", "MaxPool2d", kernel_size=3, stride=2)
    net.add("conv3", "Conv2d", out_channels=384, kernel_size=3, padding=1)
    net.add("relu3", "ReLU")
    net.add("conv4", "Conv2d", out_channels=256, kernel_size=3, padding=1)
    net.add("relu4", "ReLU")
    net.add("conv5", "Conv2d", out_channels=256, kernel_size=3, padding=1)
    net.add("relu5", "ReLU")
    net.add("pool5", "MaxPool2d", kernel_size=3, stride=2)
    net.add("avgpool", "AdaptiveAvgPool2d", output_size=6)
    net.add("flatten", "Flatten")
    net.add("drop6", "Dropout", p=0.5)
    net.add("fc6", "Linear", out_features=4096)
    net.add("relu6", "ReLU")
    net.add("drop7", "Dropout", p=0.5)
    net.add("fc7", "Linear", out_features=4096)
    net.add("relu7", "ReLU")
    net.add("fc8", "Linear", out_features=1000)
    net.group_span("features", "Features (5 convolutions)", "conv1", "pool5")
    net.group_span("classifier", "Classifier", "drop6", "fc8")
    return net.finish()


# -------------------------------------------------------------------------- ZFNet


def zfnet() -> Design:
    net = NetBuilder(
        "ZFNet",
        "ZFNet from Zeiler & Fergus, 'Visualizing and Understanding Convolutional Networks' (ECCV 2014), "
        "Figure 3: 224×224×3 → 110×110×96 → 55×55×96 → 26×26×256 → 13×13×256 → 13×13×384 → 13×13×384 → "
        "13×13×256 → 6×6×256 → 4096 → 4096 → 1000. The figure does not state paddings or rounding; these "
        "settings reproduce every size under PyTorch's rules. conv1 (96 filters, 7×7, stride 2) uses "
        "padding 1: (224 + 2 − 7)/2 + 1 = 110.5, floored to 110 (so the note is expected; the last "
        "padding row is simply not reached). The 3×3, stride-2 max pools after conv1 and conv2 use "
        "ceil_mode=True, as Caffe (the framework of the time) always rounded pooling up: (110 − 3)/2 + 1 = "
        "54.5 → 55 and (26 − 3)/2 + 1 = 12.5 → 13 (the last window hangs one pixel over the edge; those "
        "notes are expected too). conv2 (256 filters, 5×5, stride 2, no padding) gives (55 − 5)/2 + 1 "
        "= 26 exactly, conv3–conv5 are 3×3 with padding 1, and the last pool is exact: (13 − 3)/2 + 1 = 6. "
        "The paper's contrast normalisation after the first two pooling layers is written as "
        "LocalResponseNorm (size 5). Unlike AlexNet, ZFNet ran on one GPU, so no convolution is grouped. "
        "Each conv1 filter spans all three input channels (7×7×3), and the depth of 96 is the number of "
        "filters: (7·7·3 + 1)·96 = 14,208 parameters.",
        [3, 224, 224],
    )
    net.add("conv1", "Conv2d", out_channels=96, kernel_size=7, stride=2, padding=1)
    net.add("relu1", "ReLU")
    net.add("pool1", "MaxPool2d", kernel_size=3, stride=2, ceil_mode=True)
    net.add("norm1", "LocalResponseNorm", size=5)
    net.add("conv2", "Conv2d", out_channels=256, kernel_size=5, stride=2)
    net.add("relu2", "ReLU")
    net.add("pool2", "MaxPool2d", kernel_size=3, stride=2, ceil_mode=True)
    net.add("norm2", "LocalResponseNorm", size=5)
    net.add("conv3", "Conv2d", out_channels=384, kernel_size=3, padding=1)
    net.add("relu3", "ReLU")
    net.add("conv4", "Conv2d", out_channels=384, kernel_size=3, padding=1)
    net.add("relu4", "ReLU")
    net.add("conv5", "Conv2d", out_channels=256, kernel_size=3, padding=1)
    net.add("relu5", "ReLU")
    net.add("pool5", "MaxPool2d", kernel_size=3, stride=2)
    net.add("flatten", "Flatten")
    net.add("fc6", "Linear", out_features=4096)
    net.add("relu6", "ReLU")
    net.add("drop6", "Dropout", p=0.5)
    net.add("fc7", "Linear", out_features=4096)
    net.add("relu7", "ReLU")
    net.add("drop7", "Dropout", p=0.5)
    net.add("fc8", "Linear", out_features=1000)
    net.group_span("features", "Features (5 convolutions)", "conv1", "pool5")
    net.group_span("classifier", "Classifier", "flatten", "fc8")
    return net.finish()


# ------------------------------------------------------------------------- VGG-16

VGG16_STAGES = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def vgg16() -> Design:
    net = NetBuilder(
        "VGG-16",
        "VGG-16 (configuration D) from Simonyan & Zisserman, 'Very Deep Convolutional Networks for "
        "Large-Scale Image Recognition' (ICLR 2015), exactly as torchvision.models.vgg16 builds it: "
        "thirteen 3×3 convolutions with padding 1 (so each keeps the size), in five stages of 64, 128, "
        "256, 512 and 512 filters, each stage ending in 2×2 max pooling with stride 2 (224 → 112 → 56 → "
        "28 → 14 → 7). Doubling the filters whenever pooling halves height and width keeps the work per "
        "stage roughly level. torchvision adds AdaptiveAvgPool2d(7) (a no-op at 224) before the "
        "classifier: Linear 25,088 → 4096, ReLU, Dropout, Linear 4096 → 4096, ReLU, Dropout, Linear "
        "4096 → 1000. The first fully connected layer alone holds 102,764,544 of the 138,357,544 "
        "parameters; the convolutions do almost all of the 15.47 GMACs. Every division is exact.",
        [3, 224, 224],
    )
    for s, (filters, convs) in enumerate(VGG16_STAGES, start=1):
        for c in range(1, convs + 1):
            net.add(f"conv{s}_{c}", "Conv2d", out_channels=filters, kernel_size=3, padding=1)
            net.add(f"relu{s}_{c}", "ReLU")
        net.add(f"pool{s}", "MaxPool2d", kernel_size=2, stride=2)
        net.group_span(
            f"stage{s}", f"Stage {s} ({convs}× conv {filters})", f"conv{s}_1", f"pool{s}"
        )
    net.add("avgpool", "AdaptiveAvgPool2d", output_size=7)
    net.add("flatten", "Flatten")
    net.add("fc6", "Linear", out_features=4096)
    net.add("relu6", "ReLU")
    net.add("drop6", "Dropout", p=0.5)
    net.add("fc7", "Linear", out_features=4096)
    net.add("relu7", "ReLU")
    net.add("drop7", "Dropout", p=0.5)
    net.add("fc8", "Linear", out_features=1000)
    net.group_span("classifier", "Classifier", "flatten", "fc8")
    return net.finish()


# ------------------------------------------------------------------------ ResNets


def _resnet_stem(net: NetBuilder) -> None:
    net.add("conv1", "Conv2d", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False)
    net.add("bn1", "BatchNorm2d")
    net.add("relu", "ReLU")
    net.add("maxpool", "MaxPool2d", kernel_size=3, stride=2, padding=1)


def _resnet_head(net: NetBuilder) -> None:
    net.add("avgpool", "AdaptiveAvgPool2d", output_size=1)
    net.add("flatten", "Flatten")
    net.add("fc", "Linear", out_features=1000)


def _shortcut(
    net: NetBuilder, name: str, block_in: str, out: int, stride: int, project: bool
) -> str:
    """The identity, or torchvision's ``downsample``: 1×1 conv (stride) + BatchNorm."""
    if not project:
        return block_in
    net.add(
        f"{name}.downsample.0",
        "Conv2d",
        [block_in],
        out_channels=out,
        kernel_size=1,
        stride=stride,
        bias=False,
    )
    return net.add(f"{name}.downsample.1", "BatchNorm2d")


def _basic_block(net: NetBuilder, name: str, planes: int, stride: int, project: bool) -> None:
    block_in = net.last
    net.add(
        f"{name}.conv1",
        "Conv2d",
        out_channels=planes,
        kernel_size=3,
        stride=stride,
        padding=1,
        bias=False,
    )
    net.add(f"{name}.bn1", "BatchNorm2d")
    net.add(f"{name}.relu1", "ReLU")
    net.add(f"{name}.conv2", "Conv2d", out_channels=planes, kernel_size=3, padding=1, bias=False)
    main = net.add(f"{name}.bn2", "BatchNorm2d")
    skip = _shortcut(net, name, block_in, planes, stride, project)
    net.add(f"{name}.add", "Add", [main, skip])
    net.add(f"{name}.relu", "ReLU")


def _bottleneck(net: NetBuilder, name: str, planes: int, stride: int, project: bool) -> None:
    """torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3×3 convolution)."""
    block_in = net.last
    net.add(f"{name}.conv1", "Conv2d", out_channels=planes, kernel_size=1, bias=False)
    net.add(f"{name}.bn1", "BatchNorm2d")
    net.add(f"{name}.relu1", "ReLU")
    net.add(
        f"{name}.conv2",
        "Conv2d",
        out_channels=planes,
        kernel_size=3,
        stride=stride,
        padding=1,
        bias=False,
    )
    net.add(f"{name}.bn2", "BatchNorm2d")
    net.add(f"{name}.relu2", "ReLU")
    net.add(f"{name}.conv3", "Conv2d", out_channels=planes * 4, kernel_size=1, bias=False)
    main = net.add(f"{name}.bn3", "BatchNorm2d")
    skip = _shortcut(net, name, block_in, planes * 4, stride, project)
    net.add(f"{name}.add", "Add", [main, skip])
    net.add(f"{name}.relu", "ReLU")


def _resnet(name: str, description: str, block: str, counts: tuple[int, int, int, int]) -> Design:
    net = NetBuilder(name, description, [3, 224, 224])
    _resnet_stem(net)
    expansion = 4 if block == "bottleneck" else 1
    channels = 64
    make: Callable[[NetBuilder, str, int, int, bool], None] = (
        _bottleneck if block == "bottleneck" else _basic_block
    )
    for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), counts, strict=True), start=1):
        for b in range(count):
            stride = 2 if stage > 1 and b == 0 else 1
            project = b == 0 and (stride != 1 or channels != planes * expansion)
            make(net, f"layer{stage}.{b}", planes, stride, project)
            channels = planes * expansion
    _resnet_head(net)
    net.group("stem", "Stem", ["conv1", "bn1", "relu", "maxpool"])
    for group in groups_from_paths(net.design.ids):
        if group.parent is None:  # layer1 … layer4: the stages
            n = int(group.id.removeprefix("layer"))
            group.label = f"Stage {n}"
        net.groups.append(group)
    net.group("head", "Head", ["avgpool", "flatten", "fc"])
    return net.finish()


_RESNET_COMMON = (
    "Every convolution has bias=False because a BatchNorm2d follows it (its β does the bias's job); "
    "each BatchNorm holds 2·C parameters (γ, β) and 2·C + 1 buffers (running mean and variance, and "
    "the batch counter). The stem is a 7×7, stride-2 convolution with padding 3 and a 3×3, stride-2 max "
    "pool with padding 1; both divide inexactly at 224 ((224 + 6 − 7)/2 + 1 = 112.5 → 112 and "
    "(112 + 2 − 3)/2 + 1 = 56.5 → 56), as do the stride-2 layers that start stages 2–4, so those "
    "notes are the honest truth about torchvision's network, not mistakes in the template. Where a "
    "block changes the number of channels or the resolution, its shortcut is a projection (1×1 "
    "convolution with the block's stride + BatchNorm, torchvision's 'downsample'); elsewhere the "
    "shortcut is the identity. Global average pooling and one Linear layer classify into 1000 classes."
)


def resnet18() -> Design:
    return _resnet(
        "ResNet-18",
        "ResNet-18 from He, Zhang, Ren & Sun, 'Deep Residual Learning for Image Recognition' (CVPR 2016), "
        "exactly as torchvision.models.resnet18 builds it: four stages of two basic blocks (two 3×3 "
        "convolutions each) with 64, 128, 256 and 512 filters. " + _RESNET_COMMON + " Published: "
        "11,689,512 parameters and 1.81 GMACs.",
        "basic",
        (2, 2, 2, 2),
    )


def resnet50() -> Design:
    return _resnet(
        "ResNet-50",
        "ResNet-50 from He, Zhang, Ren & Sun, 'Deep Residual Learning for Image Recognition' (CVPR 2016), "
        "exactly as torchvision.models.resnet50 builds it: 3, 4, 6 and 3 bottleneck blocks (1×1 reduce, "
        "3×3, 1×1 expand ×4) with 64, 128, 256 and 512 inner filters. torchvision's bottleneck is "
        "'ResNet v1.5': the stride 2 sits on the 3×3 convolution, not on the first 1×1 as in the paper, "
        "which costs a little more compute and is slightly more accurate. The first block of stage 1 "
        "already needs a projection shortcut (64 → 256 channels, stride 1). "
        + _RESNET_COMMON
        + " Published: 25,557,032 parameters and 4.09 GMACs.",
        "bottleneck",
        (3, 4, 6, 3),
    )


# ------------------------------------------------------------------------- U-Net

UNET_WIDTHS = (32, 64, 128)


def _double_conv(net: NetBuilder, name: str, filters: int, inputs: list[str] | None = None) -> str:
    net.add(
        f"{name}_conv1",
        "Conv2d",
        inputs,
        out_channels=filters,
        kernel_size=3,
        padding=1,
        bias=False,
    )
    net.add(f"{name}_bn1", "BatchNorm2d")
    net.add(f"{name}_relu1", "ReLU")
    net.add(f"{name}_conv2", "Conv2d", out_channels=filters, kernel_size=3, padding=1, bias=False)
    net.add(f"{name}_bn2", "BatchNorm2d")
    return net.add(f"{name}_relu2", "ReLU")


def unet_small() -> Design:
    net = NetBuilder(
        "U-Net (small)",
        "A small U-Net after Ronneberger, Fischer & Brox, 'U-Net: Convolutional Networks for Biomedical "
        "Image Segmentation' (MICCAI 2015), for a 128×128 grey image and 2 classes. It keeps the "
        "paper's shape — an encoder of double 3×3 convolutions and 2×2 max pools, a bottleneck, and a "
        "decoder that doubles the resolution with 2×2, stride-2 transposed convolutions and concatenates "
        "the encoder's feature maps of the same size (the skip connections) before two more 3×3 "
        "convolutions — but is smaller (three levels of 32, 64 and 128 filters and a 256-filter "
        "bottleneck instead of four levels from 64 to 1024) and follows the common modern variant: "
        "padding 1 keeps every size, so the skips need no cropping (the paper used unpadded convolutions "
        "and cropped), and each convolution is followed by BatchNorm (bias=False). A final 1×1 "
        "convolution gives one score map per class at the input's resolution. In all it has "
        "1,926,466 parameters, and the three skips double the channels each decoder level reads.",
        [1, 128, 128],
    )
    skips: list[str] = []
    for level, width in enumerate(UNET_WIDTHS, start=1):
        skips.append(_double_conv(net, f"enc{level}", width))
        net.add(f"pool{level}", "MaxPool2d", kernel_size=2, stride=2)
        net.group_span(
            f"encoder{level}",
            f"Encoder {level} ({width} filters)",
            f"enc{level}_conv1",
            f"pool{level}",
        )
    _double_conv(net, "bottleneck", UNET_WIDTHS[-1] * 2)
    net.group_span(
        "bottom",
        f"Bottleneck ({UNET_WIDTHS[-1] * 2} filters)",
        "bottleneck_conv1",
        "bottleneck_relu2",
    )
    for level in range(len(UNET_WIDTHS), 0, -1):
        width = UNET_WIDTHS[level - 1]
        up = net.add(f"up{level}", "ConvTranspose2d", out_channels=width, kernel_size=2, stride=2)
        cat = net.add(f"cat{level}", "Concat", [skips[level - 1], up])
        _double_conv(net, f"dec{level}", width, [cat])
        net.group_span(
            f"decoder{level}",
            f"Decoder {level} ({width} filters)",
            f"up{level}",
            f"dec{level}_relu2",
        )
    net.add("head", "Conv2d", out_channels=2, kernel_size=1)
    return net.finish()


# ------------------------------------------------------- MobileNetV3, EfficientNet, ConvNeXt


def _with_path_groups(design: Design) -> Design:
    """Blocks and stages from torchvision's module paths (``features.4.block.2`` …), as an import gets them."""
    add_path_groups(design)
    return design


def _make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision's channel rounding (``_make_divisible``): nearest multiple of 8, never 10% below."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _conv_norm_act(
    net: NetBuilder,
    name: str,
    out: int,
    kernel: int,
    stride: int = 1,
    groups: int = 1,
    act: str | None = "ReLU",
    **bn: Any,
) -> str:
    """torchvision's ``Conv2dNormActivation``: conv (no bias) ``name.0``, BatchNorm ``name.1``, activation ``name.2``."""
    net.add(
        f"{name}.0",
        "Conv2d",
        out_channels=out,
        kernel_size=kernel,
        stride=stride,
        padding=(kernel - 1) // 2,
        groups=groups,
        bias=False,
    )
    last = net.add(f"{name}.1", "BatchNorm2d", **bn)
    if act is not None:
        last = net.add(f"{name}.2", act)
    return last


def _squeeze_excitation(
    net: NetBuilder, name: str, channels: int, squeeze: int, act: str, gate: str
) -> str:
    """torchvision's ``SqueezeExcitation``: pool → fc1 → act → fc2 → gate, and ``scale * input`` (Mul)."""
    block_in = net.last
    net.add(f"{name}.avgpool", "AdaptiveAvgPool2d", output_size=1)
    net.add(f"{name}.fc1", "Conv2d", out_channels=squeeze, kernel_size=1)
    net.add(f"{name}.activation", act)
    net.add(f"{name}.fc2", "Conv2d", out_channels=channels, kernel_size=1)
    scale = net.add(f"{name}.scale_activation", gate)
    return net.add(f"{name}.mul", "Mul", [scale, block_in])


def mobilenet_v3_small() -> Design:
    net = NetBuilder(
        "MobileNetV3-Small",
        "MobileNetV3-Small (Howard et al., 2019, 'Searching for MobileNetV3'), layer for layer as torchvision "
        "builds mobilenet_v3_small (ids are torchvision's module names). Inverted residual blocks: a 1×1 "
        "expansion, a depthwise k×k convolution, an optional squeeze-and-excitation gate and a linear 1×1 "
        "projection; a residual Add where the stride is 1 and the width stays. The SE gate is Hardsigmoid "
        "and its [C,1,1] output multiplies the [C,H,W] block (a broadcast Mul). Hardswish replaces ReLU "
        "in the deeper half; every BatchNorm uses eps 0.001 and momentum 0.01. The SE squeeze width is "
        "the expansion ÷ 4 rounded to a multiple of 8. 2,542,856 parameters and 56.5 M MACs, as torchvision.",
        [3, 224, 224],
    )
    bn = {"eps": 0.001, "momentum": 0.01}
    _conv_norm_act(net, "features.0", 16, 3, 2, act="Hardswish", **bn)
    setting = [  # input, kernel, expanded, out, SE, activation, stride
        (16, 3, 16, 16, True, "ReLU", 2),
        (16, 3, 72, 24, False, "ReLU", 2),
        (24, 3, 88, 24, False, "ReLU", 1),
        (24, 5, 96, 40, True, "Hardswish", 2),
        (40, 5, 240, 40, True, "Hardswish", 1),
        (40, 5, 240, 40, True, "Hardswish", 1),
        (40, 5, 120, 48, True, "Hardswish", 1),
        (48, 5, 144, 48, True, "Hardswish", 1),
        (48, 5, 288, 96, True, "Hardswish", 2),
        (96, 5, 576, 96, True, "Hardswish", 1),
        (96, 5, 576, 96, True, "Hardswish", 1),
    ]
    for i, (c_in, k, exp, c_out, se, act, stride) in enumerate(setting, start=1):
        block_in, j = net.last, 0
        if exp != c_in:
            _conv_norm_act(net, f"features.{i}.block.{j}", exp, 1, act=act, **bn)
            j += 1
        _conv_norm_act(net, f"features.{i}.block.{j}", exp, k, stride, groups=exp, act=act, **bn)
        j += 1
        if se:
            _squeeze_excitation(
                net,
                f"features.{i}.block.{j}",
                exp,
                _make_divisible(exp // 4),
                "ReLU",
                "Hardsigmoid",
            )
            j += 1
        last = _conv_norm_act(net, f"features.{i}.block.{j}", c_out, 1, act=None, **bn)
        if stride == 1 and c_in == c_out:
            net.add(f"features.{i}.add", "Add", [last, block_in])
    _conv_norm_act(net, "features.12", 576, 1, act="Hardswish", **bn)
    net.add("avgpool", "AdaptiveAvgPool2d", output_size=1)
    net.add("flatten", "Flatten")
    net.add("classifier.0", "Linear", out_features=1024)
    net.add("classifier.1", "Hardswish")
    net.add("classifier.2", "Dropout", p=0.2)
    net.add("classifier.3", "Linear", out_features=1000)
    return _with_path_groups(net.finish())


def efficientnet_b0() -> Design:
    net = NetBuilder(
        "EfficientNet-B0",
        "EfficientNet-B0 (Tan & Le, 2019, 'EfficientNet: Rethinking Model Scaling for Convolutional Neural "
        "Networks'), layer for layer as torchvision builds efficientnet_b0 (ids are torchvision's module names). "
        "Seven stages of MBConv blocks: a 1×1 expansion (×6, none in stage 1), a depthwise 3×3 or 5×5 "
        "convolution, a squeeze-and-excitation gate (Sigmoid, squeezing to a quarter of the block's input "
        "width) multiplying the block (a broadcast Mul), and a linear 1×1 projection. SiLU is the activation. "
        "Residual blocks drop their branch at random while training (StochasticDepth, p rising linearly "
        "from 0 to 0.2 over the 16 blocks). 5,288,548 parameters and 0.39 G MACs, as torchvision.",
        [3, 224, 224],
    )
    _conv_norm_act(net, "features.0", 32, 3, 2, act="SiLU")
    setting = [
        (1, 3, 1, 32, 16, 1),
        (6, 3, 2, 16, 24, 2),
        (6, 5, 2, 24, 40, 2),
        (6, 3, 2, 40, 80, 3),
        (6, 5, 1, 80, 112, 3),
        (6, 5, 2, 112, 192, 4),
        (6, 3, 1, 192, 320, 1),
    ]
    total = sum(s[-1] for s in setting)
    block_id = 0
    for stage, (ratio, k, stride, c_in, c_out, count) in enumerate(setting, start=1):
        for b in range(count):
            cin, s = (c_in, stride) if b == 0 else (c_out, 1)
            name, block_in, j = f"features.{stage}.{b}", net.last, 0
            exp = _make_divisible(cin * ratio)
            if exp != cin:
                _conv_norm_act(net, f"{name}.block.{j}", exp, 1, act="SiLU")
                j += 1
            _conv_norm_act(net, f"{name}.block.{j}", exp, k, s, groups=exp, act="SiLU")
            _squeeze_excitation(
                net, f"{name}.block.{j + 1}", exp, max(1, cin // 4), "SiLU", "Sigmoid"
            )
            last = _conv_norm_act(net, f"{name}.block.{j + 2}", c_out, 1, act=None)
            if s == 1 and cin == c_out:
                p = round(0.2 * block_id / total, 6)
                sd = net.add(f"{name}.stochastic_depth", "StochasticDepth", [last], p=p, mode="row")
                net.add(f"{name}.add", "Add", [sd, block_in])
            block_id += 1
    _conv_norm_act(net, "features.8", 1280, 1, act="SiLU")
    net.add("avgpool", "AdaptiveAvgPool2d", output_size=1)
    net.add("flatten", "Flatten")
    net.add("classifier.0", "Dropout", p=0.2)
    net.add("classifier.1", "Linear", out_features=1000)
    return _with_path_groups(net.finish())


def convnext_tiny() -> Design:
    net = NetBuilder(
        "ConvNeXt-T",
        "ConvNeXt-T (Liu et al., 2022, 'A ConvNet for the 2020s'), layer for layer as torchvision builds "
        "convnext_tiny (ids are torchvision's module names). A 4×4 stride-4 'patchify' stem, then four stages "
        "of 3, 3, 9 and 3 blocks at 96, 192, 384 and 768 channels, with LayerNorm over the channels and a 2×2 "
        "stride-2 convolution between stages. Each block: a depthwise 7×7 convolution, a permute to channels-last, "
        "LayerNorm, a Linear expanding ×4, GELU, a Linear back, a permute to channels-first, a learned "
        "per-channel layer scale (initialised to 1e-6), StochasticDepth (p rising linearly to 0.1) and the "
        "residual Add. 28,589,128 parameters and 4.46 G MACs, as torchvision.",
        [3, 224, 224],
    )
    net.add("features.0.0", "Conv2d", out_channels=96, kernel_size=4, stride=4)
    net.add("features.0.1", "LayerNorm2d")
    stages = [(96, 3), (192, 3), (384, 9), (768, 3)]
    total = sum(n for _, n in stages)
    block_id = 0
    for i, (dim, count) in enumerate(stages):
        feature = 1 + 2 * i
        if i:
            net.add(f"features.{feature - 1}.0", "LayerNorm2d")
            net.add(
                f"features.{feature - 1}.1", "Conv2d", out_channels=dim, kernel_size=2, stride=2
            )
        for b in range(count):
            name, block_in = f"features.{feature}.{b}", net.last
            net.add(
                f"{name}.block.0", "Conv2d", out_channels=dim, kernel_size=7, padding=3, groups=dim
            )
            net.add(f"{name}.block.1", "Permute", dims=[0, 2, 3, 1])
            net.add(f"{name}.block.2", "LayerNorm", normalized_shape=[dim], eps=1e-6)
            net.add(f"{name}.block.3", "Linear", out_features=4 * dim)
            net.add(f"{name}.block.4", "GELU")
            net.add(f"{name}.block.5", "Linear", out_features=dim)
            net.add(f"{name}.block.6", "Permute", dims=[0, 3, 1, 2])
            net.add(f"{name}.layer_scale", "Scale", shape=[dim, 1, 1], init=1e-6)
            p = round(0.1 * block_id / (total - 1.0), 6)
            net.add(f"{name}.stochastic_depth", "StochasticDepth", p=p, mode="row")
            net.add(f"{name}.add", "Add", [net.last, block_in])
            block_id += 1
    net.add("avgpool", "AdaptiveAvgPool2d", output_size=1)
    net.add("classifier.0", "LayerNorm2d")
    net.add("classifier.1", "Flatten")
    net.add("classifier.2", "Linear", out_features=1000)
    return _with_path_groups(net.finish())


# -------------------------------------------------------------------------- files

TEMPLATE_BUILDERS: dict[str, Callable[[], Design]] = {
    "lenet5.json": lenet5,
    "alexnet_paper.json": alexnet_paper,
    "alexnet_torchvision.json": alexnet_torchvision,
    "zfnet.json": zfnet,
    "vgg16.json": vgg16,
    "resnet18.json": resnet18,
    "resnet50.json": resnet50,
    "unet_small.json": unet_small,
    "mobilenet_v3_small.json": mobilenet_v3_small,
    "efficientnet_b0.json": efficientnet_b0,
    "convnext_tiny.json": convnext_tiny,
}

#: Example designs (issue 2) whose totals the tests pin: the same content as the templates.
EXAMPLE_BUILDERS: dict[str, Callable[[], Design]] = {
    "lenet5.json": lenet5,
    "vgg16.json": vgg16,
}


def expected_files() -> dict[Path, str]:
    """Every generated file and the exact text it must hold."""
    files: dict[Path, str] = {}
    for folder, builders in ((TEMPLATES, TEMPLATE_BUILDERS), (EXAMPLES, EXAMPLE_BUILDERS)):
        for name, build in builders.items():
            files[folder / name] = dumps_design(build())
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="report files that differ; write nothing"
    )
    args = parser.parse_args(argv)
    stale = []
    for path, text in expected_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        verb = "differs" if args.check else "written"
        print(f"{path.relative_to(ROOT)}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

"""Importing hand-written PyTorch models: modules, functional forms, what cannot be mapped."""

from __future__ import annotations

import subprocess
import sys

import pytest

from designer.convert.design_builder import ConversionError
from designer.core.analysis import analyze
from designer.core.fileformat import dumps_design, loads_design
from tests.torch_oracle import requires_torch, torch

pytestmark = requires_torch

if torch is not None:
    nn = torch.nn
    F = torch.nn.functional

    class Bottleneck(nn.Module):
        """torchvision's block: one ReLU module called three times, ``out += identity``."""

        def __init__(self, cin: int, width: int, stride: int = 1) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(width * 4)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = None
            if stride != 1 or cin != width * 4:
                self.downsample = nn.Sequential(
                    nn.Conv2d(cin, width * 4, 1, stride, bias=False), nn.BatchNorm2d(width * 4)
                )

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    class TinyResNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU())
            self.layer1 = nn.Sequential(Bottleneck(16, 8), Bottleneck(32, 8))
            self.layer2 = nn.Sequential(Bottleneck(32, 16, 2))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = self.layer2(self.layer1(self.stem(x)))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    class Functional(nn.Module):
        """The functional spellings people write in forward()."""

        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 5)
            self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
            self.fc = nn.Linear(8 * 2 * 2, 4)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # 28 → 24 → 12
            y = torch.sigmoid(self.conv2(x))
            x = torch.cat([x, y], dim=1)
            x = F.pad(x, (1, 1, 1, 1))
            x = F.avg_pool2d(x, 2, ceil_mode=True)  # 14 → 7
            x = F.interpolate(x, scale_factor=2, mode="bilinear")
            x = x.mean((2, 3), keepdim=True)
            x = F.adaptive_max_pool2d(F.leaky_relu(x, 0.2), (2, 2))
            x = F.dropout(x, 0.3, self.training)
            x = x[:, :8].contiguous()
            x = x.view(x.size(0), -1)
            return F.softmax(self.fc(x), dim=1)

    class Unsupported(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.norm = nn.GroupNorm(2, 4)
            self.scale = nn.Parameter(torch.ones(1))

        def forward(self, x):
            x = self.norm(self.conv(x)) * 2.0
            x = torch.cat([x, x], dim=2)
            y = torch.roll(x, 1, 2)
            return F.relu(torch.maximum(x, y))

    class Branchy(nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x
            return -x


def test_torchvision_style_bottlenecks() -> None:
    from designer.convert.from_torch import import_torch

    model = TinyResNet()
    result = import_torch(model, (3, 32, 32))
    design = result.design
    assert result.notes == []
    ids = design.ids
    # One ReLU module called three times is three layers, named after the module.
    assert [i for i in ids if i.startswith("layer1.0.relu")] == [
        "layer1.0.relu",
        "layer1.0.relu_1",
        "layer1.0.relu_2",
    ]
    add = design.layer("layer1.0.add")
    assert add.type == "Add" and add.inputs == ["layer1.0.bn3", "layer1.0.downsample.1"]
    assert design.layer("layer1.1.add").inputs == ["layer1.1.bn3", "layer1.0.relu_2"]
    assert design.layer("flatten").type == "Flatten"
    analysis = analyze(design)
    assert not analysis.has_errors()
    t = analysis.totals()
    assert t.params == sum(p.numel() for p in model.parameters())
    assert t.buffers == sum(b.numel() for b in model.buffers())
    assert analysis.info["fc"].output_shape == (10,)
    assert analysis.info["layer2.0.add"].output_shape == (64, 8, 8)
    assert design.name == "TinyResNet"
    assert model.training, "the import leaves the model's mode as it was"


def test_functional_forms_become_layers() -> None:
    from designer.convert.from_torch import import_torch

    result = import_torch(Functional().eval(), (3, 28, 28), name="functional")
    design = result.design
    kinds = [(ly.type, ly.params) for ly in design]
    assert kinds[:6] == [
        ("Input", {"shape": [3, 28, 28]}),
        ("Conv2d", {"out_channels": 8, "kernel_size": 5}),
        ("ReLU", {}),
        ("MaxPool2d", {"kernel_size": 2}),
        ("Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
        ("Sigmoid", {}),
    ]
    by_type = {ly.type: ly for ly in design}
    assert by_type["Concat"].inputs == ["max_pool2d", "sigmoid"]
    assert by_type["ZeroPad2d"].params == {"padding": 1}
    assert by_type["AvgPool2d"].params == {"kernel_size": 2, "ceil_mode": True}
    assert by_type["Upsample"].params == {"scale_factor": 2, "mode": "bilinear"}
    assert by_type["AdaptiveAvgPool2d"].params == {"output_size": 1}
    assert by_type["LeakyReLU"].params == {"negative_slope": 0.2}
    assert by_type["AdaptiveMaxPool2d"].params == {"output_size": 2}
    assert by_type["Dropout"].params == {"p": 0.3}
    assert by_type["Flatten"].id == "view"
    assert by_type["Softmax"].params == {}
    # x[:, :8] has no layer: an Unsupported layer, never a silent drop; it keeps torch's
    # shape there (2×2×8), so the flatten after it has torch's 32 features.
    assert [(n.code, n.layer, n.op) for n in result.notes] == [
        ("unsupported_op", "unsupported_getitem", "operator.getitem"),
    ]
    assert design.layer("unsupported_getitem").params == {
        "op": "operator.getitem",
        "shape": [8, 2, 2],
    }
    assert (
        "getitem" in result.notes[0].message
        and "PyTorch's output there is 2×2×8" in result.notes[0].message
    )
    analysis = analyze(design)
    assert analysis.info["view"].output_shape == (32,)
    assert analysis.info["fc"].output_shape == (4,)


def test_unsupported_operations_are_loud_unsupported_layers() -> None:
    """Each op without a layer is an Unsupported layer: original op name, every input, torch's shape;
    an error before and after saving; export refuses it. Nothing forwards one of its inputs."""
    from designer.convert.from_torch import import_torch
    from designer.export.pytorch_code import CodeGenerationError, generate

    result = import_torch(Unsupported(), (3, 10, 10))
    design = result.design
    placeholders = [ly for ly in design if ly.id.startswith("unsupported_")]
    assert [ly.type for ly in placeholders] == ["Unsupported"] * 4
    assert [ly.params["op"] for ly in placeholders] == [
        "operator.mul",
        "torch.cat",
        "torch.roll",
        "torch.maximum",
    ]
    assert design.layer("norm").type == "GroupNorm"
    maximum = placeholders[-1]
    assert maximum.inputs == [placeholders[1].id, placeholders[2].id]  # both inputs kept
    assert maximum.params["shape"] == [4, 16, 8]
    assert {n.layer for n in result.unsupported} == {ly.id for ly in placeholders}
    assert result.unsupported_counts() == {
        "operator.mul": 1,
        "torch.cat": 1,
        "torch.maximum": 1,
        "torch.roll": 1,
    }
    messages = " ".join(n.message for n in result.unsupported)
    assert "constant number" in messages and "dim 2" in messages
    analysis = analyze(design)
    assert analysis.info["relu"].output_shape == (4, 16, 8)  # torch's shape, carried through
    again = loads_design(dumps_design(design))
    for d in (design, again):
        errors = {
            x.layer
            for x in analyze(d).diagnostics()
            if x.code == "unsupported_op" and x.severity == "error"
        }
        assert errors == {ly.id for ly in placeholders}
        with pytest.raises(CodeGenerationError, match=r"torch\.roll"):
            generate(d)


def test_untraceable_model_is_a_clear_error() -> None:
    from designer.convert.from_torch import from_torch

    with pytest.raises(ConversionError, match=r"torch.fx cannot trace .*Branchy.*control flow"):
        from_torch(Branchy(), (3, 8, 8))


def test_wrong_input_shape_is_a_clear_error() -> None:
    from designer.convert.from_torch import from_torch

    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    from_torch(model, (3, 8, 8))
    with pytest.raises(
        ConversionError, match=r"does not run on an input of shape 1×3×10×10 .* at 2: RuntimeError"
    ):
        from_torch(model, (3, 10, 10))
    with pytest.raises(ConversionError, match=r"expected .channels, height, width"):
        from_torch(Functional(), (3, 16))
    with pytest.raises(ConversionError, match=r"takes 1 tensor argument .* but 2 input shapes"):
        from_torch(Functional(), [(3, 28, 28), (3, 28, 28)])
    with pytest.raises(ConversionError, match=r"expected a torch.nn.Module"):
        from_torch("not a model", (3, 28, 28))


def test_several_inputs() -> None:
    from designer.convert.from_torch import from_torch

    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Conv2d(3, 4, 1)
            self.b = nn.Conv2d(1, 4, 1)

        def forward(self, rgb, depth):
            return self.a(rgb) + self.b(depth)

    design = from_torch(Two(), [(3, 8, 8), (1, 8, 8)])
    assert [(ly.id, ly.type) for ly in design if ly.type == "Input"] == [
        ("rgb", "Input"),
        ("depth", "Input"),
    ]
    assert design.layer("add").inputs == ["a", "b"]


def test_lazy_public_api_does_not_import_torch() -> None:
    code = (
        "import sys, designer\n"
        "assert 'torch' not in sys.modules\n"
        "f = designer.from_torch\n"
        "assert 'torch' not in sys.modules  # only calling it loads torch\n"
        "print(f.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "designer.convert.from_torch"


def test_modern_patterns_come_in_as_single_layers() -> None:
    """SE block → Mul, view/transpose/view → ChannelShuffle, permute/LayerNorm/permute → LayerNorm2d,
    chunk → Chunk with indexed outputs, interpolate to another tensor's size → Upsample with 2 inputs."""
    from designer.convert.from_torch import import_torch

    class Modern(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Conv2d(8, 2, 1)
            self.fc2 = nn.Conv2d(2, 8, 1)
            self.norm = nn.LayerNorm(8, eps=1e-6)
            self.down = nn.MaxPool2d(2)

        def forward(self, x):
            x = self.conv(x)
            x = x * torch.sigmoid(self.fc2(F.relu(self.fc1(self.pool(x)))))
            b, c, h, w = x.size()
            x = x.view(b, 2, c // 2, h, w)
            x = torch.transpose(x, 1, 2).contiguous()
            x = x.view(b, c, h, w)
            x = self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            a, y = x.chunk(2, dim=1)
            y = F.interpolate(self.down(y), size=a.shape[-2:], mode="bilinear", align_corners=False)
            return torch.cat([a, y], 1)

    result = import_torch(Modern().eval(), (3, 16, 16))
    assert result.notes == []
    design = result.design
    assert [(ly.type, ly.inputs) for ly in design][6:] == [
        ("Sigmoid", ["fc2"]),
        ("Mul", ["conv", "sigmoid"]),
        ("ChannelShuffle", ["mul"]),
        ("LayerNorm2d", ["view"]),
        ("Chunk", ["permute"]),
        ("MaxPool2d", ["chunk:1"]),
        ("Upsample", ["down", "chunk:0"]),
        ("Concat", ["chunk:0", "interpolate"]),
    ]
    assert design.layer("view").params == {"groups": 2}
    assert design.layer("permute").resolved()["eps"] == 1e-6
    assert design.layer("interpolate").params == {"mode": "bilinear", "align_corners": False}
    assert analyze(design).info["cat"].output_shape == (8, 16, 16)

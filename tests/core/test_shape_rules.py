"""One or more tests per shape rule, with the arithmetic worked by hand in each case."""

from __future__ import annotations

from typing import Any

import pytest

from designer.core.registry import REGISTRY
from designer.core.shape_rules import RuleResult, fmt_shape


def run(
    type_id: str,
    shape: tuple[int, ...] | list[tuple[int, ...]],
    sem: str = "pytorch",
    **params: Any,
) -> RuleResult:
    ltype = REGISTRY[type_id]
    values = ltype.resolve({k: ltype.spec(k).normalize(v) for k, v in params.items()})  # type: ignore[union-attr]
    inputs = shape if isinstance(shape, list) else [shape]
    return ltype.rule(values, inputs, sem)  # type: ignore[arg-type]


def codes(result: RuleResult) -> list[str]:
    return [f.code for f in result.findings]


def test_fmt_shape_as_papers_write_it() -> None:
    assert fmt_shape((96, 55, 55)) == "55×55×96"
    assert fmt_shape((96, 55, 55), "chw") == "96×55×55"
    assert fmt_shape((4096,)) == "4096"
    assert fmt_shape(None) == "?"


class TestConv2d:
    def test_alexnet_conv1_227(self) -> None:
        r = run("Conv2d", (3, 227, 227), out_channels=96, kernel_size=11, stride=4)
        assert r.shape == (96, 55, 55)
        assert r.params == (11 * 11 * 3 + 1) * 96 == 34_944
        assert r.macs == 55 * 55 * 96 * 11 * 11 * 3 == 105_415_200
        assert codes(r) == []

    def test_alexnet_conv1_224_floors_with_a_warning(self) -> None:
        r = run("Conv2d", (3, 224, 224), out_channels=96, kernel_size=11, stride=4)
        assert r.shape == (96, 54, 54)
        assert codes(r) == ["non_integer_output"]
        assert r.findings[0].severity == "warning"
        assert float(r.axes[0].exact) == 54.25
        assert r.axes[0].unread == 1  # rows 223 (0-based) is never read

    def test_strict_semantics_turns_the_fraction_into_an_error(self) -> None:
        r = run("Conv2d", (3, 224, 224), "strict", out_channels=96, kernel_size=11, stride=4)
        assert r.shape is None
        assert r.findings[0].severity == "error"

    def test_padding_dilation_groups(self) -> None:
        r = run(
            "Conv2d", (64, 56, 56), out_channels=128, kernel_size=3, padding=2, dilation=2, groups=4
        )
        assert r.shape == (128, 56, 56)  # 56 + 4 − 2·2 − 1 + 1
        assert r.params == 64 // 4 * 9 * 128 + 128

    def test_depthwise(self) -> None:
        r = run(
            "Conv2d",
            (32, 112, 112),
            out_channels=32,
            kernel_size=3,
            padding=1,
            groups=32,
            bias=False,
        )
        assert r.shape == (32, 112, 112)
        assert r.params == 32 * 9
        assert r.macs == 32 * 112 * 112 * 9

    def test_groups_must_divide(self) -> None:
        r = run("Conv2d", (3, 32, 32), out_channels=64, kernel_size=3, groups=2)
        assert r.shape is None and codes(r) == ["groups_mismatch"]

    def test_same_padding_even_kernel_pads_after(self) -> None:
        r = run("Conv2d", (8, 10, 10), out_channels=4, kernel_size=4, padding="same")
        assert r.shape == (4, 10, 10)
        assert (r.axes[0].pad_lo, r.axes[0].pad_hi) == (1, 2)

    def test_same_padding_with_stride_is_refused_by_pytorch_but_fine_in_keras(self) -> None:
        assert codes(
            run("Conv2d", (3, 9, 9), out_channels=4, kernel_size=3, stride=2, padding="same")
        ) == ["same_padding_stride"]
        r = run(
            "Conv2d", (3, 9, 9), "keras", out_channels=4, kernel_size=3, stride=2, padding="same"
        )
        assert r.shape == (4, 5, 5)  # ⌈9/2⌉

    def test_valid_padding(self) -> None:
        assert run("Conv2d", (3, 9, 9), out_channels=4, kernel_size=3, padding="valid").shape == (
            4,
            7,
            7,
        )

    def test_kernel_larger_than_input(self) -> None:
        r = run("Conv2d", (3, 5, 5), out_channels=4, kernel_size=7)
        assert r.shape is None and codes(r) == ["kernel_too_large"]

    def test_rectangular_kernel_and_stride(self) -> None:
        r = run("Conv2d", (1, 28, 20), out_channels=2, kernel_size=[5, 3], stride=[1, 2])
        assert r.shape == (2, 24, 9)

    def test_needs_a_volume(self) -> None:
        assert codes(run("Conv2d", (100,), out_channels=4, kernel_size=3)) == ["rank_mismatch"]


class TestConvTranspose2d:
    def test_doubling(self) -> None:
        r = run("ConvTranspose2d", (64, 16, 16), out_channels=32, kernel_size=2, stride=2)
        assert r.shape == (32, 32, 32)
        assert r.params == 64 * 32 * 4 + 32
        assert r.macs == 64 * 16 * 16 * 32 * 4

    def test_output_padding_and_dilation(self) -> None:
        # (7 − 1)·2 − 2·1 + 2·(3 − 1) + 1 + 1 = 16
        r = run(
            "ConvTranspose2d",
            (4, 7, 7),
            out_channels=4,
            kernel_size=3,
            stride=2,
            padding=1,
            dilation=2,
            output_padding=1,
        )
        assert r.shape == (4, 16, 16)

    def test_output_padding_too_large(self) -> None:
        r = run(
            "ConvTranspose2d", (4, 7, 7), out_channels=4, kernel_size=3, stride=2, output_padding=2
        )
        assert codes(r) == ["output_padding_too_large"]


class TestPooling:
    def test_maxpool_default_stride_is_kernel(self) -> None:
        assert run("MaxPool2d", (64, 112, 112), kernel_size=2).shape == (64, 56, 56)

    def test_alexnet_overlapping_pool(self) -> None:
        assert run("MaxPool2d", (96, 55, 55), kernel_size=3, stride=2).shape == (96, 27, 27)

    def test_ceil_mode_rounds_up(self) -> None:
        r = run("MaxPool2d", (8, 6, 6), kernel_size=3, stride=2, ceil_mode=True)
        assert r.shape == (8, 3, 3)  # ⌈(6 − 3)/2⌉ + 1 = 3

    def test_ceil_mode_drops_a_window_starting_in_the_padding(self) -> None:
        # ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but the 4th window starts at 6 ≥ 5 + 1: dropped → 3
        r = run("MaxPool2d", (1, 5, 5), kernel_size=2, stride=2, padding=1, ceil_mode=True)
        assert r.shape == (1, 3, 3)
        assert r.axes[0].dropped_last_window

    def test_padding_over_half_the_kernel(self) -> None:
        assert codes(run("MaxPool2d", (1, 8, 8), kernel_size=3, padding=2)) == [
            "pool_padding_too_large"
        ]

    def test_caffe_rounds_pooling_up(self) -> None:
        assert run("MaxPool2d", (96, 54, 54), "caffe", kernel_size=3, stride=2).shape == (
            96,
            27,
            27,
        )
        assert run("MaxPool2d", (96, 54, 54), "pytorch", kernel_size=3, stride=2).shape == (
            96,
            26,
            26,
        )

    def test_avgpool(self) -> None:
        assert run("AvgPool2d", (16, 10, 10), kernel_size=2).shape == (16, 5, 5)

    def test_adaptive(self) -> None:
        assert run("AdaptiveAvgPool2d", (512, 7, 7), output_size=1).shape == (512, 1, 1)
        assert run("AdaptiveMaxPool2d", (256, 13, 13), output_size=[6, None]).shape == (256, 6, 13)
        assert run("AdaptiveAvgPool2d", (256, 3, 3), output_size=6).shape == (256, 6, 6)


class TestOthers:
    def test_batchnorm(self) -> None:
        r = run("BatchNorm2d", (64, 56, 56))
        assert (r.shape, r.params, r.buffers) == ((64, 56, 56), 128, 129)
        assert run("BatchNorm2d", (64, 56, 56), affine=False).params == 0

    def test_flatten(self) -> None:
        assert run("Flatten", (256, 6, 6)).shape == (9216,)
        assert run("Flatten", (256, 6, 6), start_dim=2).shape == (256, 36)
        assert codes(run("Flatten", (256, 6, 6), start_dim=0)) == ["flatten_batch"]
        assert codes(run("Flatten", (256, 6, 6), start_dim=5)) == ["dim_out_of_range"]

    def test_linear(self) -> None:
        r = run("Linear", (9216,), out_features=4096)
        assert r.shape == (4096,)
        assert r.params == 9216 * 4096 + 4096
        assert r.macs == 9216 * 4096

    def test_linear_on_a_volume_applies_to_the_last_axis(self) -> None:
        r = run("Linear", (256, 6, 6), out_features=10)
        assert r.shape == (256, 6, 10)
        assert r.params == 6 * 10 + 10
        assert r.macs == 256 * 6 * 6 * 10
        assert codes(r) == ["linear_on_volume"]

    def test_zero_pad(self) -> None:
        assert run("ZeroPad2d", (3, 224, 224), padding=[1, 2, 3, 4]).shape == (3, 231, 227)
        assert run("ZeroPad2d", (3, 10, 10), padding=-2).shape == (3, 6, 6)
        assert codes(run("ZeroPad2d", (3, 4, 4), padding=-2)) == ["nonpositive_output"]

    def test_upsample(self) -> None:
        assert run("Upsample", (8, 7, 7), scale_factor=2).shape == (8, 14, 14)
        assert run("Upsample", (8, 7, 7), scale_factor=1.5).shape == (8, 10, 10)
        assert run("Upsample", (8, 7, 7), size=[20, 30]).shape == (8, 20, 30)
        assert codes(run("Upsample", (8, 7, 7))) == ["upsample_arguments"]
        assert codes(run("Upsample", (8, 7, 7), size=3, scale_factor=2)) == ["upsample_arguments"]

    @pytest.mark.parametrize(
        "type_id",
        [
            "ReLU",
            "ReLU6",
            "LeakyReLU",
            "Sigmoid",
            "Tanh",
            "GELU",
            "SiLU",
            "Identity",
            "Dropout",
            "Dropout2d",
            "LocalResponseNorm",
        ],
    )
    def test_shape_preserving(self, type_id: str) -> None:
        r = run(type_id, (96, 55, 55))
        assert r.shape == (96, 55, 55) and r.params == 0 and r.macs == 0

    def test_softmax_dim(self) -> None:
        assert run("Softmax", (10,)).shape == (10,)
        assert codes(run("Softmax", (10,), dim=2)) == ["dim_out_of_range"]

    def test_add(self) -> None:
        assert run("Add", [(64, 56, 56), (64, 56, 56)]).shape == (64, 56, 56)
        r = run("Add", [(64, 56, 56), (128, 28, 28)])
        assert r.shape is None and codes(r) == ["add_shape_mismatch"]
        assert "channels 64 vs 128" in r.findings[0].message

    def test_concat(self) -> None:
        assert run("Concat", [(64, 28, 28), (32, 28, 28), (16, 28, 28)]).shape == (112, 28, 28)
        assert codes(run("Concat", [(64, 28, 28), (32, 27, 28)])) == ["concat_shape_mismatch"]
        assert run("Concat", [(10,), (20,)]).shape == (30,)

"""Random one-convolution-one-pool designs under every semantics, for the exporters' tests
(Keras code and ONNX both check they build the design's shapes or refuse by name)."""

from __future__ import annotations

from hypothesis import strategies as st

from designer.core.design import Design, Layer


@st.composite
def conv_pool_designs(draw: st.DrawFn) -> Design:
    """Input → Conv2d ``conv`` → MaxPool2d/AvgPool2d ``pool``, windows and paddings at random."""
    size = draw(st.integers(5, 19))
    pool = draw(st.sampled_from(["MaxPool2d", "AvgPool2d"]))
    pk = draw(st.integers(1, 4))
    pool_params: dict[str, object] = {
        "kernel_size": pk,
        "stride": draw(st.integers(1, 3)),
        "padding": min(draw(st.integers(0, 2)), pk // 2),
        "ceil_mode": draw(st.booleans()),
    }
    if pool == "AvgPool2d":
        pool_params["count_include_pad"] = draw(st.booleans())
    conv = {
        "out_channels": 4,
        "kernel_size": draw(st.integers(1, 5)),
        "stride": draw(st.integers(1, 3)),
        "padding": draw(st.one_of(st.integers(0, 2), st.just("same"))),
    }
    design = Design("window", draw(st.sampled_from(["pytorch", "keras", "caffe", "strict"])))
    design.add_layer(Layer("input", "Input", {"shape": [3, size, size]}, []))
    design.add_layer(Layer("conv", "Conv2d", conv, ["input"]))
    design.add_layer(Layer("pool", pool, pool_params, ["conv"]))
    return design

"""Property-based oracle: random layers, chains and merges compared with real PyTorch.

For every generated design we build the same network in torch (``tests/torch_build.py``,
batch of 1 prepended to the designer's unbatched shapes) and check that

(a) torch raises exactly where the designer reports an error (output unknown);
(b) where both succeed, every output shape agrees;
(c) parameter and buffer counts agree with ``sum(p.numel())`` and ``sum(b.numel())``.

Where the designer deliberately refuses something torch accepts, the generators leave
that case out and say why next to it. ``CNN_ORACLE_SCALE=10`` runs ten times as many
examples (for a deeper search before a release).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.core.registry import REGISTRY
from tests.torch_oracle import requires_torch

pytestmark = [requires_torch, pytest.mark.torch]

SCALE = float(os.environ.get("CNN_ORACLE_SCALE", "1"))


def _settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


# ------------------------------------------------------------------ strategies

small = st.integers(1, 4)


def pair(values: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    """An int or [h, w], as the design file accepts them."""
    return st.one_of(values, st.lists(values, min_size=2, max_size=2))


volumes = st.tuples(st.integers(1, 8), st.integers(1, 64), st.integers(1, 64))
vectors = st.tuples(st.integers(1, 64))
shapes = st.one_of(volumes, volumes, volumes, vectors)


@st.composite
def conv2d_params(draw: st.DrawFn) -> dict[str, Any]:
    groups = draw(st.sampled_from([1, 1, 1, 2, 3, 4]))
    return {
        "out_channels": draw(st.one_of(st.integers(1, 8), st.sampled_from([groups, 2 * groups]))),
        "kernel_size": draw(pair(st.integers(1, 7))),
        "stride": draw(pair(small)),
        "padding": draw(st.one_of(pair(st.integers(0, 4)), st.sampled_from(["same", "valid"]))),
        "dilation": draw(pair(st.integers(1, 3))),
        "groups": groups,
        "bias": draw(st.booleans()),
    }


@st.composite
def conv_transpose2d_params(draw: st.DrawFn) -> dict[str, Any]:
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    return {
        "out_channels": draw(st.one_of(st.integers(1, 8), st.sampled_from([groups, 2 * groups]))),
        "kernel_size": draw(pair(st.integers(1, 5))),
        "stride": draw(pair(small)),
        "padding": draw(pair(st.integers(0, 4))),
        "output_padding": draw(pair(st.integers(0, 3))),
        "groups": groups,
        "bias": draw(st.booleans()),
        "dilation": draw(pair(st.integers(1, 3))),
    }


@st.composite
def max_pool2d_params(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "kernel_size": draw(pair(st.integers(1, 6))),
        "stride": draw(st.one_of(st.none(), pair(small))),
        "padding": draw(pair(st.integers(0, 3))),
        "dilation": draw(pair(st.integers(1, 3))),
        "ceil_mode": draw(st.booleans()),
    }


@st.composite
def avg_pool2d_params(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "kernel_size": draw(pair(st.integers(1, 6))),
        "stride": draw(st.one_of(st.none(), pair(small))),
        "padding": draw(pair(st.integers(0, 3))),
        "ceil_mode": draw(st.booleans()),
        "count_include_pad": draw(st.booleans()),
    }


adaptive_params = st.fixed_dictionaries(
    {
        "output_size": st.one_of(
            st.integers(1, 12),
            st.lists(st.one_of(st.none(), st.integers(1, 12)), min_size=2, max_size=2),
        )
    }
)

scales = st.one_of(st.integers(1, 3), st.sampled_from([0.5, 0.25, 0.3, 1.5, 1.7, 2.5, 0.1]))

upsample_params = st.one_of(
    st.fixed_dictionaries(
        {"scale_factor": st.one_of(scales, st.lists(scales, min_size=2, max_size=2))},
        optional={"mode": st.sampled_from(["nearest", "nearest-exact", "bilinear", "bicubic"])},
    ),
    st.fixed_dictionaries(
        {"size": pair(st.integers(1, 64))},
        optional={"mode": st.sampled_from(["nearest", "nearest-exact", "bilinear", "bicubic"])},
    ),
    # Neither, or both: torch refuses either way, and so must the designer.
    st.just({}),
    st.fixed_dictionaries({"size": st.integers(1, 64), "scale_factor": scales}),
)

pad4 = st.one_of(
    st.integers(-3, 4),
    st.lists(st.integers(-3, 4), min_size=4, max_size=4),
)

PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "Conv2d": conv2d_params(),
    "ConvTranspose2d": conv_transpose2d_params(),
    "MaxPool2d": max_pool2d_params(),
    "AvgPool2d": avg_pool2d_params(),
    "AdaptiveAvgPool2d": adaptive_params,
    "AdaptiveMaxPool2d": adaptive_params,
    "BatchNorm2d": st.fixed_dictionaries(
        {"affine": st.booleans(), "track_running_stats": st.booleans()}
    ),
    "LocalResponseNorm": st.fixed_dictionaries({"size": st.integers(1, 7)}),
    "ReLU": st.just({}),
    "ReLU6": st.just({}),
    "LeakyReLU": st.fixed_dictionaries({"negative_slope": st.sampled_from([0.01, 0.2])}),
    "Sigmoid": st.just({}),
    "Tanh": st.just({}),
    "GELU": st.fixed_dictionaries({"approximate": st.sampled_from(["none", "tanh"])}),
    "SiLU": st.just({}),
    "Softmax": st.fixed_dictionaries({"dim": st.integers(-5, 4)}),
    "Identity": st.just({}),
    "Dropout": st.fixed_dictionaries({"p": st.sampled_from([0.0, 0.5])}),
    "Dropout2d": st.fixed_dictionaries({"p": st.sampled_from([0.0, 0.5])}),
    "Flatten": st.fixed_dictionaries(
        {"start_dim": st.integers(-5, 4), "end_dim": st.integers(-5, 4)}
    ),
    "Linear": st.fixed_dictionaries({"out_features": st.integers(1, 16), "bias": st.booleans()}),
    "ZeroPad2d": st.fixed_dictionaries({"padding": pad4}),
    "Upsample": upsample_params,
}
SINGLE_INPUT = sorted(PARAMS)


def test_every_single_input_layer_type_is_generated() -> None:
    single = {t.id for t in REGISTRY.values() if t.max_inputs == 1}
    assert single == set(PARAMS)
    assert {t.id for t in REGISTRY.values() if t.max_inputs is None} == {"Add", "Concat"}


SPATIAL = {
    "Conv2d",
    "ConvTranspose2d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "ZeroPad2d",
    "Upsample",
}


def designer_refuses_by_design(
    type_id: str, params: dict[str, Any], shape: tuple[int, ...]
) -> bool:
    """Cases where the designer deliberately reports an error although torch would run.

    * Flatten with start_dim 0 merges the batch axis into the features: the result has
      no batch axis left, which a batch-free design cannot express.
    * A spatial layer fed something other than a volume [C, H, W]. Torch accepts some of
      these only by misreading the batch axis: AdaptiveAvgPool2d takes [batch, N] as an
      image of height "batch", ZeroPad2d pads the batch axis, and every 2-D layer takes
      [batch, C, L] (after ``Flatten(start_dim=2)``) as an unbatched image whose
      channels are the batch.
    """
    rank = len(shape) + 1
    if type_id == "Flatten":
        start = params.get("start_dim", 1)
        return -rank <= start < rank and start % rank == 0
    if type_id in SPATIAL and len(shape) == 2:
        return True
    return type_id in ("ZeroPad2d", "AdaptiveAvgPool2d") and len(shape) == 1


def depends_on_batch_size(type_id: str, params: dict[str, Any], shape: tuple[int, ...]) -> bool:
    """Torch refuses these for a batch of 1 only, which a batch-free design cannot know.

    BatchNorm2d without running statistics normalises with the batch's own statistics
    even in evaluation mode, and needs more than one value per channel: a 1×1 input
    fails with a batch of 1 and works with a batch of 2.
    """
    return (
        type_id == "BatchNorm2d"
        and not params.get("track_running_stats", True)
        and len(shape) == 3
        and shape[1] * shape[2] == 1
    )


@st.composite
def layer_specs(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[str, dict[str, Any]]:
    type_id = draw(st.sampled_from(SINGLE_INPUT))
    params = draw(PARAMS[type_id])
    assume(not designer_refuses_by_design(type_id, params, shape))
    assume(not depends_on_batch_size(type_id, params, shape))
    return type_id, params


# ------------------------------------------------------------------- comparison


def compare_with_torch(design: Design) -> None:
    """Assert the designer and torch agree on every layer of ``design`` (see module doc)."""
    from tests.torch_build import run_design

    analysis = analyze(design)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. Dropout2d on a vector warns; the shape is the point
        # CPU, not "meta": the meta kernels skip some of torch's checks (e.g. ConvTranspose2d's
        # output_padding limit), and the oracle must say what really runs.
        run = run_design(design, device="cpu")
    failed_at = run.failed[0] if run.failed else None
    for lid in analysis.order:
        info = analysis.info[lid]
        layer = design.layer(lid)
        context = f"{lid} ({layer.type} {layer.params}) on {info.input_shapes}"
        if lid == failed_at:
            assert info.output_shape is None and info.status == "error", (
                f"torch refuses {context}: {run.failed[1] if run.failed else ''!r}; "
                f"the designer says {info.output_shape}"
            )
            return
        if info.output_shape is None and 0 in run.shapes.get(lid, (1,)):
            # Torch returns an empty tensor here (ZeroPad2d cropping, or ConvTranspose2d
            # padding, down to exactly 0); the designer calls a volume with nothing in it an
            # error by design. Nothing downstream can be compared.
            assert [d.code for d in info.diagnostics] == ["nonpositive_output"], context
            return
        assert info.output_shape is not None, (
            f"the designer refuses {context} ({[d.message for d in info.diagnostics]}) "
            f"but torch gives {run.shapes[lid]}"
        )
        assert info.output_shape == run.shapes[lid], context
        assert info.params == run.params(lid), context
        assert info.buffers == run.buffers(lid), context


def single_layer_design(shape: tuple[int, ...], type_id: str, params: dict[str, Any]) -> Design:
    design = Design("oracle")
    design.add_layer(Layer("input", "Input", {"shape": list(shape)}))
    design.add_layer(Layer("layer", type_id, params, ["input"]))
    return design


# ------------------------------------------------------------------------ tests


@_settings(3000)
@given(data=st.data(), shape=shapes)
def test_single_layer_agrees_with_torch(data: st.DataObject, shape: tuple[int, ...]) -> None:
    type_id, params = data.draw(layer_specs(shape))
    compare_with_torch(single_layer_design(shape, type_id, params))


@_settings(800)
@given(data=st.data(), shape=volumes)
def test_sliding_window_layers_agree_with_torch(
    data: st.DataObject, shape: tuple[int, ...]
) -> None:
    """Extra weight on the layers with real arithmetic: convolutions and pooling."""
    type_id = data.draw(st.sampled_from(["Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d"]))
    compare_with_torch(single_layer_design(shape, type_id, data.draw(PARAMS[type_id])))


@_settings(800)
@given(data=st.data(), shape=shapes, length=st.integers(2, 4))
def test_chain_agrees_with_torch(data: st.DataObject, shape: tuple[int, ...], length: int) -> None:
    design = Design("oracle chain")
    design.add_layer(Layer("input", "Input", {"shape": list(shape)}))
    previous = "input"
    current: tuple[int, ...] | None = shape
    for n in range(length):
        if current is None:
            break
        type_id, params = data.draw(layer_specs(current))
        lid = f"layer{n}"
        design.add_layer(Layer(lid, type_id, params, [previous]))
        previous = lid
        current = analyze(design).info[lid].output_shape
    compare_with_torch(design)


def _broadcastable_but_different(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Torch's ``+`` would broadcast these (batch of 1 prepended); the designer asks for equal shapes."""
    if a == b:
        return False
    x, y = (1, *a), (1, *b)
    for i in range(1, min(len(x), len(y)) + 1):
        if x[-i] != y[-i] and 1 not in (x[-i], y[-i]):
            return False
    return True


# A branch is one of a few layers that keep or change the size in controlled ways.
@st.composite
def branch_layer(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[str, dict[str, Any]]:
    if len(shape) == 1:
        return draw(
            st.sampled_from(
                [
                    ("Identity", {}),
                    ("Linear", {"out_features": shape[0]}),
                    ("Linear", {"out_features": 3}),
                ]
            )
        )
    c = shape[0]
    return draw(
        st.one_of(
            st.just(("Identity", {})),
            st.builds(
                lambda out, k, s: (
                    "Conv2d",
                    {"out_channels": out, "kernel_size": k, "stride": s, "padding": k // 2},
                ),
                st.sampled_from([c, 2 * c, 3]),
                st.sampled_from([1, 3]),
                st.sampled_from([1, 1, 2]),
            ),
            st.builds(lambda k: ("MaxPool2d", {"kernel_size": k}), st.sampled_from([2, 3])),
            st.builds(lambda p: ("ZeroPad2d", {"padding": p}), st.integers(-1, 1)),
            st.builds(lambda n: ("Linear", {"out_features": n}), st.integers(1, 4)),
        )
    )


@_settings(600)
@given(
    data=st.data(), shape=shapes, merge=st.sampled_from(["Add", "Concat"]), width=st.integers(2, 3)
)
def test_merge_agrees_with_torch(
    data: st.DataObject, shape: tuple[int, ...], merge: str, width: int
) -> None:
    design = Design("oracle merge")
    design.add_layer(Layer("input", "Input", {"shape": list(shape)}))
    branches = []
    for n in range(width):
        type_id, params = data.draw(branch_layer(shape))
        assume(not designer_refuses_by_design(type_id, params, shape))
        design.add_layer(Layer(f"branch{n}", type_id, params, ["input"]))
        branches.append(f"branch{n}")
    design.add_layer(Layer("merge", merge, {}, branches))
    if merge == "Add":
        analysis = analyze(design)
        outs = [analysis.info[b].output_shape for b in branches]
        # Only equal or non-broadcastable shapes: the designer requires equal shapes by design.
        assume(
            not any(
                a is not None and b is not None and _broadcastable_but_different(a, b)
                for a in outs
                for b in outs
            )
        )
    compare_with_torch(design)

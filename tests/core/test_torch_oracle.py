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
        optional={
            "mode": st.sampled_from(["nearest", "nearest-exact", "bilinear", "bicubic"]),
            "align_corners": st.one_of(st.none(), st.booleans()),
        },
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
    "Hardswish": st.just({}),
    "Hardsigmoid": st.just({}),
    "Mish": st.just({}),
    "SELU": st.just({}),
    "ELU": st.fixed_dictionaries({"alpha": st.sampled_from([1.0, 0.5])}),
    "Softplus": st.fixed_dictionaries(
        {"beta": st.sampled_from([1.0, 2.0]), "threshold": st.sampled_from([20.0, 5.0])}
    ),
    "PReLU": st.fixed_dictionaries(
        {"num_parameters": st.sampled_from([1, 1, 2, 3, 4, 8]), "init": st.just(0.1)}
    ),
    "LayerNorm2d": st.fixed_dictionaries({"elementwise_affine": st.booleans()}),
    "GroupNorm": st.fixed_dictionaries(
        {"num_groups": st.sampled_from([1, 2, 3, 4]), "affine": st.booleans()}
    ),
    "InstanceNorm2d": st.fixed_dictionaries(
        {"affine": st.booleans(), "track_running_stats": st.booleans()}
    ),
    "StochasticDepth": st.fixed_dictionaries(
        {"p": st.sampled_from([0.0, 0.2]), "mode": st.sampled_from(["row", "batch"])}
    ),
    "ChannelShuffle": st.fixed_dictionaries({"groups": st.sampled_from([1, 2, 3, 4])}),
    "Split": st.fixed_dictionaries(
        {
            "split_size_or_sections": st.one_of(
                st.integers(1, 9), st.lists(st.integers(1, 6), min_size=1, max_size=4)
            ),
            "dim": st.integers(-4, 3),
        }
    ),
    "Chunk": st.fixed_dictionaries({"chunks": st.integers(1, 5), "dim": st.integers(-4, 3)}),
    "Mean": st.fixed_dictionaries(
        {
            "dim": st.one_of(
                st.integers(-4, 3), st.lists(st.integers(-4, 3), min_size=1, max_size=3)
            ),
            "keepdim": st.booleans(),
        }
    ),
    "Transpose": st.fixed_dictionaries({"dim0": st.integers(-4, 3), "dim1": st.integers(-4, 3)}),
    # Shape-dependent parameters (the right sizes most of the time): see SHAPED below.
    "LayerNorm": st.fixed_dictionaries(
        {
            "normalized_shape": st.lists(st.integers(1, 8), min_size=1, max_size=2),
            "bias": st.booleans(),
        }
    ),
    "Reshape": st.fixed_dictionaries(
        {"shape": st.lists(st.integers(-1, 8), min_size=1, max_size=4)}
    ),
    "Permute": st.fixed_dictionaries(
        {"dims": st.lists(st.integers(-4, 3), min_size=1, max_size=4)}
    ),
    "Scale": st.fixed_dictionaries({"shape": st.lists(st.integers(1, 4), min_size=1, max_size=4)}),
}


def _permutation(rank: int) -> st.SearchStrategy[list[int]]:
    return st.permutations(list(range(rank))).map(list)


def _factorisations(shape: tuple[int, ...]) -> st.SearchStrategy[list[int]]:
    """A new shape with the same number of values (sometimes with one −1)."""
    import math

    total = math.prod(shape)
    divisors = [d for d in range(1, min(total, 64) + 1) if total % d == 0]

    @st.composite
    def build(draw: st.DrawFn) -> list[int]:
        first = draw(st.sampled_from(divisors))
        rest = total // first
        out = [first, rest] if draw(st.booleans()) else [first, -1]
        if rest % 2 == 0 and draw(st.booleans()):
            out = [first, 2, rest // 2]
        return draw(st.permutations(out).map(list))

    return build()


def _scale_shapes(shape: tuple[int, ...]) -> st.SearchStrategy[list[int]]:
    """The input's trailing sizes with some replaced by 1 (what broadcasts onto it)."""
    return st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)).flatmap(
        lambda keep: st.integers(1, len(shape)).map(
            lambda n: [v if k else 1 for v, k in zip(shape, keep, strict=True)][-n:]
        )
    )


SHAPED: dict[str, Any] = {
    "LayerNorm": lambda shape: st.integers(1, len(shape)).map(
        lambda n: {"normalized_shape": list(shape[-n:])}
    ),
    "Reshape": lambda shape: _factorisations(shape).map(lambda s: {"shape": s}),
    "Permute": lambda shape: st.one_of(
        _permutation(len(shape)).map(lambda p: {"dims": [0, *(d + 1 for d in p)]}),
        _permutation(len(shape) + 1).map(lambda p: {"dims": p}),
    ),
    "Scale": lambda shape: _scale_shapes(shape).map(lambda s: {"shape": s}),
}
SINGLE_INPUT = sorted(PARAMS)


def test_every_single_input_layer_type_is_generated() -> None:
    single = {t.id for t in REGISTRY.values() if t.max_inputs == 1} | {"Upsample"}
    assert single == set(PARAMS)
    merges = {t.id for t in REGISTRY.values() if t.max_inputs is None and t.min_inputs >= 2}
    assert merges == {"Add", "Concat", "Mul"} == set(MERGES)


SPATIAL = {
    "InstanceNorm2d",
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
    # The batch axis: a design describes one sample, so splitting, averaging, moving or
    # swapping the batch axis is refused (torch does it, and the result has no batch left).
    if (
        type_id in ("Split", "Chunk")
        and -rank <= params["dim"] < rank
        and params["dim"] % rank == 0
    ):
        return True
    if type_id == "Mean":
        dims = params["dim"] if isinstance(params["dim"], list) else [params["dim"]]
        valid = [d % rank for d in dims if -rank <= d < rank]
        if len(valid) == len(dims) and len(set(valid)) == len(valid):
            # every axis averaged away without keepdim leaves no axes per sample
            return 0 in valid or (not params["keepdim"] and len(valid) == rank - 1)
    if type_id == "LayerNorm" and len(params["normalized_shape"]) > len(shape):
        return True  # normalising across the batch axis
    if type_id == "Scale":
        # A learned tensor that would enlarge the data (torch broadcasts, the output gains
        # axes or sizes the input did not have): refused like Add's broadcast_enlarges.
        from designer.core.shape_rules import broadcast_shapes

        out = broadcast_shapes([(1, *shape), tuple(params["shape"])])
        return out is not None and out != (1, *shape)
    if type_id == "Transpose":
        ds = [params["dim0"], params["dim1"]]
        return all(-rank <= d < rank for d in ds) and 0 in [d % rank for d in ds]
    if type_id == "Permute":
        dims = params["dims"]
        valid = len(dims) == rank and sorted(d % rank for d in dims if -rank <= d < rank) == list(
            range(rank)
        )
        return valid and dims[0] % rank != 0
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
    if type_id in SHAPED and draw(st.integers(0, 3)):
        params = draw(SHAPED[type_id](shape))
    else:
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
        assert list(info.output_shapes) == run.outputs.get(lid, []), context
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
        info = analyze(design).info[lid]
        previous, current = lid, info.output_shape
        if info.output_shapes:  # Split, Chunk: the next layer takes one of the pieces
            k = data.draw(st.integers(0, len(info.output_shapes) - 1))
            previous, current = f"{lid}:{k}", info.output_shapes[k]
    compare_with_torch(design)


MERGES = ("Add", "Concat", "Mul")


def _broadcast_enlarges(shapes: list[tuple[int, ...]]) -> bool:
    """Torch broadcasts these to a shape none of them has; the designer refuses that by design
    (``broadcast_enlarges``: each input repeats along a different axis, almost always a mistake)."""
    from designer.core.shape_rules import broadcast_shapes

    out = broadcast_shapes(shapes)
    return out is not None and all(tuple(s) != out for s in shapes)


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
@given(data=st.data(), shape=shapes, merge=st.sampled_from(MERGES), width=st.integers(2, 3))
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
    if merge in ("Add", "Mul"):
        analysis = analyze(design)
        outs = [analysis.info[b].output_shape for b in branches]
        assume(not (None not in outs and _broadcast_enlarges([o for o in outs if o is not None])))
    compare_with_torch(design)


@_settings(300)
@given(
    data=st.data(),
    shape=volumes,
    merge=st.sampled_from(["Add", "Mul"]),
    keep=st.lists(st.booleans(), min_size=3, max_size=3),
    order=st.booleans(),
)
def test_broadcast_merges_agree_with_torch(
    data: st.DataObject, shape: tuple[int, ...], merge: str, keep: list[bool], order: bool
) -> None:
    """Squeeze-and-excitation's ``[C, 1, 1] · [C, H, W]`` and every other size-1 pattern."""
    design = Design("oracle broadcast")
    design.add_layer(Layer("input", "Input", {"shape": list(shape)}))
    size = [v if k else 1 for v, k in zip(shape, keep, strict=True)]
    pool = {"output_size": [size[1], size[2]]}
    design.add_layer(Layer("squeeze", "AdaptiveAvgPool2d", pool, ["input"]))
    design.add_layer(
        Layer("proj", "Conv2d", {"out_channels": size[0], "kernel_size": 1}, ["squeeze"])
    )
    ins = ["proj", "input"] if order else ["input", "proj"]
    design.add_layer(Layer("merge", merge, {}, ins))
    compare_with_torch(design)


@_settings(300)
@given(
    shape=volumes,
    stride=st.integers(1, 4),
    mode=st.sampled_from(["nearest", "bilinear", "bicubic", "nearest-exact"]),
    align=st.one_of(st.none(), st.booleans()),
    extra=st.sampled_from([{}, {"scale_factor": 2}, {"size": 5}]),
)
def test_upsample_to_a_second_input_agrees_with_torch(
    shape: tuple[int, ...], stride: int, mode: str, align: bool | None, extra: dict[str, Any]
) -> None:
    """Segmentation heads: ``interpolate(x, size=y.shape[-2:])``."""
    assume(not extra)  # torch's interpolate takes size from y; the designer asks to clear both
    design = Design("oracle upsample to")
    design.add_layer(Layer("input", "Input", {"shape": list(shape)}))
    design.add_layer(Layer("down", "MaxPool2d", {"kernel_size": 1, "stride": stride}, ["input"]))
    params: dict[str, Any] = {"mode": mode, "align_corners": align, **extra}
    design.add_layer(Layer("up", "Upsample", params, ["down", "input"]))
    compare_with_torch(design)


def test_upsample_to_a_second_input_refuses_size_and_scale() -> None:
    design = Design("upsample both")
    design.add_layer(Layer("input", "Input", {"shape": [3, 8, 8]}))
    design.add_layer(Layer("down", "MaxPool2d", {"kernel_size": 2}, ["input"]))
    design.add_layer(Layer("up", "Upsample", {"scale_factor": 2}, ["down", "input"]))
    info = analyze(design).info["up"]
    assert info.output_shape is None
    assert [d.code for d in info.diagnostics] == ["upsample_arguments"]

"""The sliding-window geometry (designer.core.window_geometry): cell by cell, checked against torch.

The oracle: a batch of one-hot images (image ``n`` is 1 at input cell ``n`` and 0 elsewhere)
goes through the real torch operation with an all-ones kernel. Output cell ``(i, j)`` of
image ``n`` is positive exactly when the window of ``(i, j)`` reads input cell ``n``, so the
set of cells each output reads comes from torch itself, for every layer type, ceil mode,
dilation and transposed convolution alike. For Conv2d, ``unfold`` over an index image also
checks each tap in order.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from designer.core.analysis import analyze
from designer.core.arithmetic import transpose_axis, window_axis
from designer.core.fileformat import load_design
from designer.core.registry import REGISTRY, layer_type
from designer.core.resources import templates_dir
from designer.core.window_geometry import (
    WindowFrames,
    WindowGeometry,
    axis_view,
    axis_windows,
    has_window,
    layer_window,
    no_window_reason,
    wants_compact,
)
from tests.torch_oracle import requires_torch, torch

WINDOWED = ("Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d")


def geometry_for(type_id: str, params: dict[str, Any], h: int, w: int) -> WindowGeometry | None:
    """The core's geometry for one layer fed a ``1×h×w`` input (None where the rule says no)."""
    lt = layer_type(type_id)
    result = lt.rule(lt.resolve(params), [(1, h, w)], "pytorch")
    if result.shape is None:
        return None
    rows, cols = result.axes
    geometry = WindowGeometry("layer", type_id, axis_windows(rows), axis_windows(cols))
    assert geometry.out_shape == result.shape[1:]
    return geometry


# ----------------------------------------------------------------- plain cases


def test_alexnet_224_leaves_the_last_row_and_column_unread() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    design.set_param("input", "shape", [3, 224, 224])
    analysis = analyze(design)
    g = layer_window(analysis, "conv1")
    assert g is not None
    assert g.out_shape == (54, 54)
    assert g.rows.unread == (223,) and g.cols.unread == (223,)
    assert g.unread_cells == 224 * 224 - 223 * 223 == 447
    # The count agrees with the core's arithmetic (the same number the explanation prints).
    assert g.rows.trailing_unread == analysis.info["conv1"].axes[0].unread == 1
    assert g.rows.taps(53) == tuple(range(212, 223))
    design.set_param("input", "shape", [3, 227, 227])
    g = layer_window(analyze(design), "conv1")
    assert g is not None and g.out_shape == (55, 55) and g.unread_cells == 0


def test_padding_cells_surround_the_input() -> None:
    ax = axis_windows(window_axis("width", "conv", 5, 3, 2, 1, 1, 1, "floor"))
    assert ax.cells == ("pad", "input", "input", "input", "input", "input", "pad")
    assert ax.source == (None, 0, 1, 2, 3, 4, None)
    assert [ax.taps(o) for o in range(ax.count)] == [(0, 1, 2), (2, 3, 4), (4, 5, 6)]
    assert ax.reads(0) == (0, 1) and ax.unread == ()


def test_dilation_leaves_gaps_between_taps() -> None:
    ax = axis_windows(window_axis("width", "conv", 7, 3, 1, 0, 0, 2, "floor"))
    assert ax.count == 3 and ax.span == 5
    assert ax.taps(1) == (1, 3, 5)
    assert ax.reads(1) == (1, 3, 5)


def test_sparse_windows_leave_cells_between_steps_unread() -> None:
    ax = axis_windows(window_axis("width", "conv", 6, 1, 2, 0, 0, 1, "floor"))
    assert ax.unread == (1, 3, 5)
    assert ax.trailing_unread == 1 == ax.arith.unread


def test_ceil_mode_window_hangs_over_the_edge_and_a_window_starting_in_padding_is_dropped() -> None:
    # 5 wide, kernel 2, stride 2, ceil: ⌈(5 − 2)/2⌉ + 1 = 3; the last window covers cell 4 and
    # one cell past the input. 5 wide, kernel 2, stride 2, padding 1, ceil: ⌈5/2⌉ + 1 = 4, but
    # window 4 would start at cell 6 ≥ 5 + 1, in the right padding, so PyTorch drops it.
    hang = axis_windows(window_axis("width", "pool", 5, 2, 2, 0, 0, 1, "ceil"))
    assert hang.count == 3
    assert hang.cells[-1] == "outside" and hang.taps(2) == (4, 5)
    assert hang.reads(2) == (4,)
    dropped = axis_windows(window_axis("width", "pool", 5, 2, 2, 1, 1, 1, "ceil"))
    assert dropped.arith.dropped_last_window
    assert dropped.count == 3 and dropped.dropped_start == 6
    assert dropped.cells[6] == "pad" and dropped.cells[7:] == ("outside",)


def test_transposed_convolution_is_a_direct_one_over_the_zero_inserted_input() -> None:
    # The guide's figure 4.5-like case: 3 wide, kernel 3, stride 2, padding 1 → 5.
    ax = axis_windows(transpose_axis("width", 3, 3, 2, 1, 1, 0))
    assert ax.count == 5
    assert ax.cells == ("pad", "input", "zero", "input", "zero", "input", "pad")
    assert ax.first_start == 0 and ax.step == 1
    assert ax.reads(0) == (0,) and ax.reads(1) == (0, 1)
    # padding larger than d·(k − 1): the windows start inside the stretched input
    cropped = axis_windows(transpose_axis("width", 4, 1, 2, 1, 1, 0))
    assert cropped.count == 5 and cropped.first_start == 1
    assert cropped.unread == (0, 3)  # both ends are cropped away


def test_compact_view_keeps_both_ends_and_the_far_edge() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    design.set_param("input", "shape", [3, 224, 224])
    g = layer_window(analyze(design), "conv1")
    assert g is not None and wants_compact(g)
    view = axis_view(g.rows, compact=True)
    assert view.segments == ((0, 15), (208, 224))
    assert view.out_segments == ((0, 2), (52, 54))
    assert view.windows == (0, 1, 52, 53)
    assert view.shows_cell(223)  # the unread row is always on screen
    frames = WindowFrames(g, compact=True)
    assert len(frames) == 16
    assert frames.position(0) == (0, 0) and frames.position(15) == (53, 53)
    assert frames.frame_of(52, 1) == 9
    full = WindowFrames(g, compact=False)
    assert len(full) == 54 * 54 and not full.rows.compact


def test_small_axes_are_never_cut() -> None:
    ax = axis_windows(window_axis("width", "conv", 5, 3, 1, 0, 0, 1, "floor"))
    assert axis_view(ax, compact=True).segments == ((0, 5),)


def test_the_windowed_types_are_those_with_a_kernel() -> None:
    assert {t for t in REGISTRY if has_window(t)} >= set(WINDOWED)
    assert not has_window("AdaptiveAvgPool2d") and not has_window("ReLU") and not has_window("Nope")


def test_layers_without_windows_say_why() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    analysis = analyze(design)
    assert layer_window(analysis, "relu1") is None
    assert "does not slide a window" in no_window_reason(analysis, "relu1")
    design.set_param("conv1", "kernel_size", 300)
    analysis = analyze(design)
    assert layer_window(analysis, "conv1") is None
    reason = no_window_reason(analysis, "conv1")
    assert "no window that fits" in reason and "larger than the padded input" in reason


# ------------------------------------------------------------- torch as oracle


def _torch_reads(
    type_id: str, p: dict[str, Any], h: int, w: int
) -> tuple[tuple[int, int], list[list[set[int]]]]:
    """Output size and, per output cell, the flat input indices torch's own op reads."""
    import torch.nn.functional as F

    n = h * w
    x = torch.eye(n, dtype=torch.float64).reshape(n, 1, h, w)
    k = p["kernel_size"]
    if type_id == "Conv2d":
        y = F.conv2d(
            x,
            torch.ones(1, 1, *k, dtype=torch.float64),
            stride=p["stride"],
            padding=p["padding"],
            dilation=p["dilation"],
        )
    elif type_id == "ConvTranspose2d":
        y = F.conv_transpose2d(
            x,
            torch.ones(1, 1, *k, dtype=torch.float64),
            stride=p["stride"],
            padding=p["padding"],
            output_padding=p["output_padding"],
            dilation=p["dilation"],
        )
    elif type_id == "MaxPool2d":
        y = F.max_pool2d(
            x,
            k,
            stride=p["stride"],
            padding=p["padding"],
            dilation=p["dilation"],
            ceil_mode=p["ceil_mode"],
        )
    else:
        y = F.avg_pool2d(
            x,
            k,
            stride=p["stride"],
            padding=p["padding"],
            ceil_mode=p["ceil_mode"],
            count_include_pad=True,
        )
    ho, wo = y.shape[2], y.shape[3]
    # Positive exactly where the window holds the image's 1. (A max-pool window over padding
    # alone gives −∞ for every image: it reads nothing, and ``!= 0`` would wrongly count it.)
    hits = (y[:, 0] > 0).permute(1, 2, 0)  # [ho, wo, n]
    return (ho, wo), [
        [set(torch.nonzero(hits[i, j]).flatten().tolist()) for j in range(wo)] for i in range(ho)
    ]


pair = st.tuples(st.integers(1, 4), st.integers(1, 4))


@st.composite
def layers(draw: st.DrawFn) -> tuple[str, dict[str, Any], int, int]:
    type_id = draw(st.sampled_from(WINDOWED))
    h, w = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    k = list(draw(pair))
    s = list(draw(pair))
    d = list(draw(st.tuples(st.integers(1, 3), st.integers(1, 3))))
    pad = list(draw(st.tuples(st.integers(0, 3), st.integers(0, 3))))
    p: dict[str, Any] = {"kernel_size": k, "stride": s, "padding": pad, "dilation": d}
    if type_id == "Conv2d":
        p["out_channels"] = 1
        if draw(st.booleans()) and draw(st.booleans()):
            p["padding"] = "same"
            p["stride"] = [1, 1]
    elif type_id == "ConvTranspose2d":
        p["out_channels"] = 1
        p["output_padding"] = [draw(st.integers(0, 3)), draw(st.integers(0, 3))]
    else:
        p["ceil_mode"] = draw(st.booleans())
        if type_id == "AvgPool2d":
            p["dilation"] = [1, 1]
    return type_id, p, h, w


@requires_torch
@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(layers())
# a dilated max-pool window whose taps both land in the padding: it reads nothing (torch: −∞)
@example(
    (
        "MaxPool2d",
        {
            "kernel_size": [2, 1],
            "stride": [1, 4],
            "padding": [1, 0],
            "dilation": [2, 2],
            "ceil_mode": False,
        },
        1,
        1,
    )
)
def test_every_output_reads_what_torch_reads(case: tuple[str, dict[str, Any], int, int]) -> None:
    type_id, p, h, w = case
    params = {k: v for k, v in p.items() if k != "dilation" or type_id != "AvgPool2d"}
    g = geometry_for(type_id, params, h, w)
    assume(g is not None)
    assert g is not None
    out, torch_reads = _torch_reads(type_id, p, h, w)
    assert g.out_shape == out
    for i in range(out[0]):
        for j in range(out[1]):
            ours = {r * w + c for r, c in g.reads(i, j)}
            assert ours == torch_reads[i][j], f"output ({i}, {j})"
    read_by_torch = set().union(*(cell for row in torch_reads for cell in row))
    assert g.unread_cells == h * w - len(read_by_torch)


@requires_torch
@pytest.mark.torch
@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3)
)
def test_conv_taps_match_unfold_tap_by_tap(size: int, k: int, s: int, pad: int, d: int) -> None:
    """Each tap of each window, in order, is the cell ``unfold`` takes (0 where it is padding)."""
    import torch.nn.functional as F

    a = window_axis("width", "conv", size, k, s, pad, pad, d, "floor")
    assume(a.out >= 1)
    ax = axis_windows(a)
    image = torch.arange(1, size + 1, dtype=torch.float64).reshape(1, 1, 1, size)
    cols = F.unfold(image, (1, k), dilation=(1, d), padding=(0, pad), stride=(1, s))[
        0
    ]  # [k, windows]
    assert cols.shape[1] == ax.count
    for o in range(ax.count):
        expected = [int(v) - 1 if v else None for v in cols[:, o].tolist()]
        assert list(ax.tap_sources(o)) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["conv", "pool", "transpose"]),
    st.integers(1, 80),
    st.integers(1, 7),
    st.integers(1, 5),
    st.integers(0, 3),
    st.integers(1, 3),
    st.booleans(),
    st.integers(0, 2),
)
def test_compact_view_shows_whole_windows_and_the_far_edge(
    kind: str, size: int, k: int, s: int, pad: int, d: int, ceil: bool, op: int
) -> None:
    if kind == "transpose":
        assume(op < s or op < d)
        a = transpose_axis("width", size, k, s, pad, d, op)
    else:
        a = window_axis("width", kind, size, k, s, pad, pad, d, "ceil" if ceil else "floor")  # type: ignore[arg-type]
    assume(a.out >= 1)
    ax = axis_windows(a)
    view = axis_view(ax, compact=True)
    assert view.windows[0] == 0 and view.windows[-1] == ax.count - 1
    for o in view.windows:
        assert all(view.shows_cell(c) for c in ax.taps(o)), f"window {o} is cut"
        assert view.shows_output(o)
    assert view.shows_cell(len(ax) - 1)  # the far edge
    last_read = max(ax.read) if ax.read else -1
    for i in range(last_read + 1, ax.size_in):  # the remainder no window reaches
        assert view.shows_cell(ax.cell_of(i))
    if view.compact:
        assert len(view.windows) == 4 and view.shown_cells() < len(ax)

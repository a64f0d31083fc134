"""The block figure's geometry: sizes, clamps, columns and lanes, kernels, camera, paint order."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.core.figure import CATEGORY_COLORS, Polygon, Text, luminance
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.core.volume_geometry import (
    CAMERA_PRESETS,
    BlockOptions,
    Camera,
    build_volume_scene,
    paint_order,
    project_scene,
    scale_value,
    visible_faces,
)


def chain(*layers: tuple[str, str, dict[str, object]], shape: list[int] | None = None) -> Design:
    d = Design("test")
    d.add_layer(Layer("input", "Input", {"shape": shape or [3, 227, 227]}))
    prev = "input"
    for lid, typ, params in layers:
        d.add_layer(Layer(lid, typ, dict(params), [prev]))
        prev = lid
    return d


def residual() -> Design:
    """input → conv_a → relu → conv_b → add(+ input) and a side branch conv_s into a concat."""
    d = Design("res")
    d.add_layer(Layer("input", "Input", {"shape": [16, 32, 32]}))
    d.add_layer(
        Layer("conv_a", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, ["input"])
    )
    d.add_layer(Layer("relu_a", "ReLU", {}, ["conv_a"]))
    d.add_layer(
        Layer("conv_b", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, ["relu_a"])
    )
    d.add_layer(Layer("add", "Add", {}, ["conv_b", "input"]))
    d.add_layer(Layer("conv_s", "Conv2d", {"out_channels": 8, "kernel_size": 1}, ["add"]))
    d.add_layer(
        Layer("conv_m", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}, ["add"])
    )
    d.add_layer(
        Layer("conv_m2", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}, ["conv_m"])
    )
    d.add_layer(Layer("cat", "Concat", {}, ["conv_m2", "conv_s"]))
    return d


def test_scaling_functions_and_clamps() -> None:
    assert scale_value(224, 224, "linear", 4, 100) == 100
    assert scale_value(112, 224, "linear", 4, 100) == pytest.approx(50)
    assert scale_value(56, 224, "sqrt", 4, 100) == pytest.approx(50)
    assert scale_value(3, 7, "log", 1, 30) == pytest.approx(30 * 2 / 3)
    assert scale_value(1, 224, "linear", 4, 100) == 4  # clamped up
    assert scale_value(5000, 224, "sqrt", 4, 100) == 100  # never above max
    assert scale_value(0, 10, "log", 2, 9) == 2


@given(
    st.sampled_from(["linear", "log", "sqrt"]),
    st.integers(1, 5000),
    st.integers(1, 5000),
)
@settings(max_examples=150, deadline=None)
def test_scaling_is_monotonic_and_clamped(scaling: str, a: int, b: int) -> None:
    ref = max(a, b)
    sa = scale_value(a, ref, scaling, 3, 80)  # type: ignore[arg-type]
    sb = scale_value(b, ref, scaling, 3, 80)  # type: ignore[arg-type]
    assert 3 <= sa <= 80 and 3 <= sb <= 80
    assert (sa <= sb) == (a <= b) or sa == sb


def test_box_sizes_follow_shapes_and_both_extremes_read() -> None:
    d = chain(
        ("conv1", "Conv2d", {"out_channels": 96, "kernel_size": 11, "stride": 4}),
        ("pool", "AdaptiveAvgPool2d", {"output_size": 1}),
        ("flat", "Flatten", {}),
        ("fc", "Linear", {"out_features": 4096}),
        shape=[3, 224, 224],
    )
    opts = BlockOptions(scaling="linear", min_side=6, max_side=120, min_depth=3, max_depth=50)
    scene = build_volume_scene(analyze(d), opts)
    inp, conv, pool, fc = (scene.block(i) for i in ("input", "conv1", "pool", "fc"))
    assert inp.size[1] == inp.size[2] == 120  # 224 is the largest side
    assert conv.size[2] == pytest.approx(120 * 54 / 224)
    assert conv.size[0] == 50 and inp.size[0] == pytest.approx(max(3, 50 * 3 / 96))
    assert pool.size[1] == pool.size[2] == 6  # 1×1 clamps to the minimum side
    assert (
        fc.kind == "vector" and fc.size[2] > fc.size[0] and fc.size[2] > fc.size[1]
    )  # thin tall bar
    assert (
        inp.dims_label == "224×224×3" and conv.dims_label == "54×54×96" and fc.dims_label == "4096"
    )


def test_alexnet_paper_labels_and_folding() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    scene = build_volume_scene(analyze(design))
    conv1 = scene.block("conv1")
    assert conv1.dims_label == "55×55×96"
    assert conv1.layer_ids == (
        "conv1",
        "relu1",
        "lrn1",
    )  # shape-keeping layers fold into the volume
    assert scene.block_of["lrn1"] == "conv1"
    assert set(scene.block_of) == set(design.ids)  # every layer is drawn somewhere
    chw = build_volume_scene(analyze(design), BlockOptions(dims="chw"))
    assert chw.block("conv1").dims_label == "96×55×55"
    unfolded = build_volume_scene(analyze(design), BlockOptions(fold=False))
    assert len(unfolded.blocks) == len(design)


def test_columns_follow_the_flow_and_centres_increase() -> None:
    design = load_design(templates_dir() / "vgg16.json")
    scene = build_volume_scene(analyze(design))
    xs = [b.center[0] for b in scene.blocks]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    for a, b in zip(scene.blocks, scene.blocks[1:], strict=False):
        assert a.hi[0] + scene.options.gap - 1e-6 <= b.lo[0]  # boxes never touch
    assert all(b.lane == 0 for b in scene.blocks)


def test_branches_get_lanes_and_skips_are_routed_over_the_boxes() -> None:
    scene = build_volume_scene(analyze(residual()))
    main = {b.id for b in scene.blocks if b.lane == 0}
    assert {"input", "conv_a", "conv_b", "add", "conv_m", "conv_m2", "cat"} <= main
    side = scene.block("conv_s")
    assert side.lane == 1 and side.column == scene.block("conv_m").column
    assert side.hi[2] + scene.options.lane_gap - 1e-6 <= min(scene.block(i).lo[2] for i in main)
    add = scene.block("add")
    assert add.kind == "merge"
    kinds = {(c.source, c.target): c for c in scene.connections}
    skip = kinds[("input", "add")]
    assert skip.kind == "skip"
    top = max(p[2] for p in skip.points)
    for lid in ("conv_a", "conv_b"):  # the arrow passes above what it skips
        assert top > scene.block(lid).hi[2]
    assert kinds[("add", "conv_s")].kind == "lane"
    assert kinds[("conv_s", "cat")].kind == "lane"
    assert kinds[("conv_s", "cat")].points[-1][0] == pytest.approx(scene.block("cat").lo[0])
    # A kernel stands for the connection it projects along; no edge is dropped.
    covered = {(k.source, k.target) for k in scene.kernels} | set(kinds)
    assert ("conv_a", "conv_b") in covered and ("conv_m2", "cat") in covered


def test_kernel_boxes_sit_on_the_input_and_project_onto_the_next_volume() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    scene = build_volume_scene(analyze(design))
    k = next(k for k in scene.kernels if k.layer_id == "conv1")
    src, dst = scene.block(k.source), scene.block(k.target)
    assert (k.source, k.label) == ("input", "11×11")
    for axis in range(3):
        assert src.lo[axis] - 1e-6 <= k.lo[axis] and k.hi[axis] <= src.hi[axis] + 1e-6
    assert k.hi[0] == pytest.approx(src.hi[0])  # on the face towards the next volume
    assert k.size[0] == pytest.approx(src.size[0])  # a filter spans every input channel
    assert k.apex[0] == pytest.approx(dst.lo[0])
    assert dst.lo[1] <= k.apex[1] <= dst.hi[1] and dst.lo[2] <= k.apex[2] <= dst.hi[2]
    assert k.size[2] == pytest.approx(src.size[2] * 11 / 227)
    assert all(b == k.apex for _, b in k.projection_lines())
    pool = next(k for k in scene.kernels if k.layer_id == "pool1")
    assert pool.size[0] < scene.block("conv1").size[0]  # pooling: one channel at a time
    conv2 = next(k for k in scene.kernels if k.layer_id == "conv2")
    assert conv2.size[0] == pytest.approx(scene.block("pool1").size[0] / 2)  # groups=2


def test_unknown_shapes_are_drawn_not_dropped() -> None:
    d = chain(
        (
            "conv1",
            "Conv2d",
            {"out_channels": 8, "kernel_size": 300},
        ),  # larger than the input: error
        ("conv2", "Conv2d", {"out_channels": 8, "kernel_size": 3}),
        shape=[3, 32, 32],
    )
    scene = build_volume_scene(analyze(d))
    assert scene.block("conv1").kind == "unknown" and scene.block("conv1").status == "error"
    assert scene.block("conv2").dims_label == "?"
    fig = project_scene(scene)
    assert any(isinstance(p, Polygon) and p.dashed for p in fig.group("conv1").items)


def test_camera_matches_pyqtgraph_conventions() -> None:
    front = CAMERA_PRESETS["front"]
    x, y, _depth = front.project((10.0, 0.0, 0.0))
    assert (x, y) == pytest.approx((10.0, 0.0), abs=1e-9)  # the flow runs left to right
    assert front.project((0.0, 0.0, 5.0))[1] == pytest.approx(-5.0)  # up is up (SVG y points down)
    assert front.project((0.0, -3.0, 0.0))[2] > front.project((0.0, 3.0, 0.0))[2]  # -y is nearer
    top = CAMERA_PRESETS["top"]
    assert top.project((0.0, 0.0, 7.0))[:2] == pytest.approx((0.0, 0.0), abs=1e-9)
    assert top.direction() == pytest.approx((0.0, 0.0, 1.0), abs=1e-9)
    cam = Camera(-123.0, 31.0)
    for p in [(1.0, 2.0, 3.0), (-4.0, 0.5, 2.0)]:  # orthographic: lengths are kept
        q = cam.project(p)
        assert math.dist((0, 0, 0), q) == pytest.approx(math.dist((0, 0, 0), p))
    # The eye direction projects to a point: it is the viewing axis.
    d = cam.direction()
    assert cam.project(d)[:2] == pytest.approx((0.0, 0.0), abs=1e-9)


def test_visible_faces_and_paint_order() -> None:
    box = ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    iso = CAMERA_PRESETS["isometric"]
    normals = {n for n, _ in visible_faces(*box, iso)}
    assert normals == {(-1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0)}
    assert len(visible_faces(*box, CAMERA_PRESETS["front"])) == 1
    a = ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    b = ((3.0, 0.0, 0.0), (4.0, 1.0, 1.0))
    assert paint_order([a, b], Camera(-120, 20)) == [1, 0]  # eye on the -x side: b is farther
    assert paint_order([a, b], Camera(-60, 20)) == [0, 1]
    below = ((0.0, 0.0, -5.0), (1.0, 1.0, -3.0))
    assert paint_order([a, below], Camera(-90, 30)) == [1, 0]


def test_projected_figure_has_one_group_per_block_in_paint_order() -> None:
    design = load_design(templates_dir() / "resnet18.json")
    scene = build_volume_scene(analyze(design))
    fig = project_scene(scene, CAMERA_PRESETS["isometric"])
    assert [g.id for g in fig.groups] == [
        scene.blocks[i].id
        for i in paint_order([(b.lo, b.hi) for b in scene.blocks], CAMERA_PRESETS["isometric"])
    ]
    assert {g.id for g in fig.groups} == {b.id for b in scene.blocks}
    xs = [x for p in fig.primitives() if isinstance(p, Polygon) for x, _ in p.points]
    assert min(xs) >= fig.style.margin - 1e-6 and max(xs) <= fig.width - fig.style.margin + 1e-6
    assert "112×112×64" in fig.texts()


def test_palette_prints_in_greyscale() -> None:
    greys = sorted(luminance(c) for c in CATEGORY_COLORS.values())
    assert all(b - a >= 18 for a, b in itertools.pairwise(greys))


def test_labels_do_not_overlap() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    fig = project_scene(build_volume_scene(analyze(design)))
    boxes = []
    for p in fig.primitives():
        if isinstance(p, Text) and p.role in ("dims", "name"):
            half = p.width / 2
            boxes.append((p.x - half, p.y - p.size, p.x + half, p.y))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)

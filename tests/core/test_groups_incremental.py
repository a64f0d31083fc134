"""The collapsed graph in two steps (``collapsed_units`` then ``merged_graph``) and structure
keys patched after a hyper-parameter edit (``with_new_params``) give what computing them from
scratch gives (issue 15: an edit inside a collapsed block of a long design)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from itertools import groupby

import pytest

from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.core.groups import (
    GroupIndex,
    Node,
    Run,
    VisibleGraph,
    collapsed_for_level,
    collapsed_units,
    groups_from_paths,
    merged_graph,
    repeat_runs,
    run_title,
    structure_key,
    visible_graph,
    with_new_params,
)
from designer.core.resources import templates_dir


def reference_graph(
    design: Design,
    index: GroupIndex,
    collapsed: Iterable[str],
    *,
    merge_repeats: bool = True,
    runs: Sequence[Run] | None = None,
) -> VisibleGraph:
    """``visible_graph`` as it was written before it was split in two (one pass over every
    layer and connection for each call): the reference the two steps must match. (Since the
    eighth pass a run with some groups open still merges each stretch of collapsed ones.)"""
    shut = {g for g in collapsed if g in index.groups and index.members.get(g)}
    run_of: dict[str, tuple[str, ...]] = {}
    if merge_repeats:
        # Each stretch of two or more collapsed groups of a run is one node (the whole run when
        # every group of it is collapsed).
        for run in repeat_runs(design, index) if runs is None else runs:
            for is_shut, stretch in groupby(run.groups, key=shut.__contains__):
                kept = tuple(stretch)
                if is_shut and len(kept) > 1:
                    for g in kept:
                        run_of[g] = kept
    node_of: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    order = {m: n for n, m in enumerate(design.ids)}
    outermost: dict[str, str] = {}
    for gid in sorted(shut, key=index.depth.__getitem__):
        for m in index.members[gid]:
            outermost.setdefault(m, gid)
    for lid in design.ids:
        top = outermost.get(lid)
        if top is None:
            node_of[lid] = lid
            nodes[lid] = Node(lid, "layer", (lid,), (), lid)
            continue
        groups = run_of.get(top, (top,))
        nid = groups[0]
        node_of[lid] = nid
        if nid not in nodes:
            members = tuple(m for g in groups for m in index.members[g])
            nodes[nid] = Node(
                nid,
                "group",
                tuple(sorted(members, key=order.__getitem__)),
                groups,
                run_title(index, groups),
            )
    edges: dict[tuple[str, str], None] = {}
    inputs: dict[str, list[str]] = {nid: [] for nid in nodes}
    for layer in design:
        dst = node_of[layer.id]
        for src_layer in layer.sources:
            src = node_of.get(src_layer)
            if src is None or src == dst:
                continue
            if (src, dst) not in edges:
                edges[(src, dst)] = None
                inputs[dst].append(src)
    return VisibleGraph(list(nodes.values()), node_of, list(edges), inputs)


def staged(stages: int = 3, blocks: int = 4) -> Design:
    """Stages of residual blocks grouped from module paths: every stage after the first starts
    with a strided block, so each reads "block, ×(blocks-1)", and stages 2.. repeat each other."""
    d = Design("staged")
    d.add_layer(Layer("input", "Input", {"shape": [8, 16, 16]}, []))
    prev = "input"
    for s in range(1, stages + 1):
        for b in range(blocks):
            p = f"layer{s}.{b}"
            stride = {"stride": 2} if b == 0 and s > 1 else {}
            conv = {"out_channels": 8, "kernel_size": 3, "padding": 1}
            d.add_layer(Layer(f"{p}.conv1", "Conv2d", {**conv, **stride}, [prev]))
            d.add_layer(Layer(f"{p}.relu1", "ReLU", {}, [f"{p}.conv1"]))
            d.add_layer(Layer(f"{p}.conv2", "Conv2d", conv, [f"{p}.relu1"]))
            skip = prev
            if stride:
                down = {"out_channels": 8, "kernel_size": 1, "stride": 2}
                d.add_layer(Layer(f"{p}.downsample", "Conv2d", down, [prev]))
                skip = f"{p}.downsample"
            d.add_layer(Layer(f"{p}.add", "Add", {}, [f"{p}.conv2", skip]))
            prev = f"{p}.add"
    d.add_layer(Layer("pool", "AdaptiveAvgPool2d", {"output_size": 1}, [prev]))
    d.set_groups(groups_from_paths(d.ids))
    return d


def designs() -> list[Design]:
    out = [staged()]
    for name in ("resnet50", "resnet18", "efficientnet_b0", "convnext_tiny", "unet_small"):
        out.append(load_design(templates_dir() / f"{name}.json"))
    return out


def assert_same(graph: VisibleGraph, ref: VisibleGraph) -> None:
    assert graph.nodes == ref.nodes
    assert graph.node_of == ref.node_of and list(graph.node_of) == list(ref.node_of)
    assert len(graph.node_of) == len(ref.node_of) and "no such layer" not in graph.node_of
    assert graph.node_of.get("no such layer") is None
    assert all(graph.node_of[lid] == nid for lid, nid in ref.node_of.items())
    assert graph.edges == ref.edges
    assert graph.inputs == ref.inputs


@pytest.mark.parametrize("design", designs(), ids=lambda d: d.name)
def test_the_two_steps_give_the_graph_of_one_pass(design: Design) -> None:
    index = GroupIndex(design)
    assert index.members
    runs = repeat_runs(design, index)
    rng = random.Random(len(design))
    shuts = [collapsed_for_level(index, level) for level in range(index.max_depth + 2)]
    groups = sorted(index.members)
    shuts += [set(rng.sample(groups, rng.randint(1, len(groups)))) for _ in range(12)]
    for shut in shuts:
        for merge in (True, False):
            ref = reference_graph(design, index, shut, merge_repeats=merge, runs=runs)
            assert_same(visible_graph(design, index, shut, merge_repeats=merge, runs=runs), ref)
        units = collapsed_units(design, index, shut)
        # The same units merged with other runs (an edit split or joined some): each time what
        # one pass over the design gives.
        for _ in range(3):
            some = [r for r in runs if rng.random() < 0.6]
            assert_same(merged_graph(units, some), reference_graph(design, index, shut, runs=some))


def test_a_split_run_leaves_the_other_nodes_the_same_objects() -> None:
    design = staged(blocks=6)
    index = GroupIndex(design)
    shut = collapsed_for_level(index, 1)  # stages open, blocks shut: "layer2.1–5 ×5"
    units = collapsed_units(design, index, shut)
    runs = repeat_runs(design, index)
    before = merged_graph(units, runs)
    assert [n.repeat for n in before.nodes if n.kind == "group"] == [6, 1, 5, 1, 5]
    design.set_param("layer2.3.conv2", "kernel_size", 5)
    design.set_param("layer2.3.conv2", "padding", 2)
    split = repeat_runs(design, index)
    after = merged_graph(units, split)
    assert after.nodes == reference_graph(design, index, shut).nodes
    assert [n.repeat for n in after.nodes if n.kind == "group"] == [6, 1, 2, 1, 2, 1, 5]
    kept = {n.id: n for n in before.nodes}
    for node in after.nodes:
        if not node.groups or not node.groups[0].startswith("layer2."):
            assert node is kept[node.id]  # not made again: the views' caches key on them


def test_a_block_opened_inside_a_run_leaves_the_blocks_around_it_merged() -> None:
    """Regression: opening one block of a collapsed run (going to a layer inside it) showed
    every other block of the run as its own card: 355 cards for a stage of 356 blocks."""
    design = staged(blocks=8)
    index = GroupIndex(design)
    runs = repeat_runs(design, index)
    shut = collapsed_for_level(index, 1) - {"layer2.4"}  # one block of "layer2.1–7 ×7" open
    graph = visible_graph(design, index, shut, runs=runs)
    stage2 = [n for n in graph.nodes if n.kind == "group" and n.id.startswith("layer2.")]
    assert [(n.title, n.repeat) for n in stage2] == [
        ("layer2.0", 1),
        ("layer2.1–3", 3),
        ("layer2.5–7", 3),
    ]
    assert "layer2.4.conv1" in graph.node_of and graph.node_of["layer2.4.conv1"] == "layer2.4.conv1"
    # One block left shut on each side: no run of one.
    shut = collapsed_for_level(index, 1) - {"layer2.2", "layer2.6"}
    graph = visible_graph(design, index, shut, runs=runs)
    stage2 = [n for n in graph.nodes if n.kind == "group" and n.id.startswith("layer2.")]
    assert [(n.title, n.repeat) for n in stage2] == [
        ("layer2.0", 1),
        ("layer2.1", 1),
        ("layer2.3–5", 3),
        ("layer2.7", 1),
    ]


@pytest.mark.parametrize("design", designs(), ids=lambda d: d.name)
def test_a_key_patched_after_an_edit_is_the_key_computed_again(design: Design) -> None:
    index = GroupIndex(design)
    keys = {gid: structure_key(design, index, gid) for gid in index.members}
    rng = random.Random(7)
    convs = [layer.id for layer in design if layer.type == "Conv2d"]
    for _ in range(15):
        lid = rng.choice(convs)
        layer = design.layer(lid)
        k = 5 if layer.params.get("kernel_size") in (3, [3, 3]) else 3
        design.set_params(lid, {**layer.params, "kernel_size": k, "padding": k // 2})
        for gid in index.chain(lid):
            keys[gid] = with_new_params(keys[gid], index.members[gid].index(lid), layer)
        for gid in index.chain(lid):
            assert keys[gid] == structure_key(design, index, gid)
    assert keys == {gid: structure_key(design, index, gid) for gid in index.members}


@pytest.mark.parametrize("design", designs()[:3], ids=lambda d: d.name)
def test_a_collapsed_3d_scene_finds_each_layers_volume_as_a_dictionary_did(
    design: Design,
) -> None:
    """The collapsed 3D scene's ``block_of`` (looked up through the layer's node, not a
    dictionary of every layer made per rebuild) equals the dictionary it replaced: every layer
    and every visible node to the volume drawing it."""
    from designer.core.analysis import Analysis
    from designer.core.collapsed_figure import collapsed_view, collapsed_volume_scene

    analysis = Analysis(design)
    index = GroupIndex(design)
    for level in range(index.max_depth + 1):
        shut = collapsed_for_level(index, level)
        scene = collapsed_volume_scene(analysis, shut)
        view = collapsed_view(analysis, shut)
        ref: dict[str, str] = {}
        for block in scene.blocks:
            ref.update(dict.fromkeys(block.layer_ids, block.id))
        for nid, node in view.nodes.items():
            ref[nid] = ref[node.layers[0]]
        assert dict(scene.block_of) == ref and len(scene.block_of) == len(ref)
        assert set(scene.block_of) == set(design.ids) | set(view.nodes)
        assert "no such layer" not in scene.block_of
        assert scene.block_of.get("no such layer") is None

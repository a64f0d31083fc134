"""Groups (blocks and stages): the model, the file format, totals, repeats, collapsed views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.core.analysis import analyze
from designer.core.design import Design, DesignError, Layer
from designer.core.fileformat import FormatError, dumps_design, load_design, loads_design
from designer.core.groups import (
    Group,
    GroupIndex,
    add_path_groups,
    auto_level,
    collapsed_for_level,
    groups_from_paths,
    repeat_runs,
    summarize,
    visible_graph,
)
from designer.core.resources import templates_dir

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "format" / "v1" / "groups.json"


def resnet50() -> Design:
    return load_design(templates_dir() / "resnet50.json")


def doc(groups: object, layers: list[dict[str, object]] | None = None) -> str:
    return json.dumps(
        {
            "format": "cnn-designer",
            "version": 1,
            "layers": layers
            or [
                {"id": "input", "type": "Input", "shape": [3, 8, 8]},
                {"id": "a.conv", "type": "Conv2d", "out_channels": 4, "kernel_size": 3},
                {"id": "a.relu", "type": "ReLU"},
            ],
            "groups": groups,
        }
    )


# ------------------------------------------------------------------ file format


def test_a_v1_file_without_groups_has_none_and_writes_none() -> None:
    design = loads_design(doc([])[:-1].rsplit(', "groups"', 1)[0] + "}")
    assert design.groups == []
    assert "groups" not in dumps_design(design)


def test_groups_load_and_round_trip_byte_for_byte() -> None:
    design = load_design(FIXTURE)
    assert [g.id for g in design.groups] == ["res", "mixed", "mixed.a", "mixed.b", "head"]
    assert design.groups[2].parent == "mixed"
    assert dumps_design(design) == FIXTURE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("groups", "path", "words"),
    [
        ({"id": "g"}, "$.groups", "expected a list of groups"),
        (["g"], "$.groups[0]", "expected a group object"),
        ([{"id": "1bad", "layers": []}], "$.groups[0].id", "starts with a letter"),
        ([{"id": "g"}, {"id": "g"}], "$.groups[1].id", "already used by $.groups[0]"),
        ([{"id": "g", "label": 3}], "$.groups[0].label", "expected a text"),
        ([{"id": "g", "parent": "nope"}], "$.groups[0].parent", "there is no group 'nope'"),
        ([{"id": "g", "layers": "a.conv"}], "$.groups[0].layers", "expected a list of layer ids"),
        (
            [{"id": "g", "layers": ["a.conv"]}, {"id": "h", "layers": ["a.conv"]}],
            "$.groups[1].layers",
            "already in group 'g'",
        ),
        ([{"id": "g", "parent": "h"}, {"id": "h", "parent": "g"}], "$.groups", "cycle"),
        ([{"id": "g", "members": []}], "$.groups[0].members", "a group has no field 'members'"),
    ],
)
def test_bad_groups_are_refused_with_their_json_path(groups: object, path: str, words: str) -> None:
    with pytest.raises(FormatError) as err:
        loads_design(doc(groups))
    assert err.value.path == path
    assert words in err.value.detail


def test_a_member_that_is_not_a_layer_is_dropped_like_a_layout_entry() -> None:
    design = loads_design(doc([{"id": "a", "layers": ["a.conv", "ghost", "a.relu"]}]))
    assert design.groups == [Group("a", "", None, ["a.conv", "a.relu"])]


# ------------------------------------------------------------------- the model


def test_rename_remove_and_restore_keep_group_membership() -> None:
    design = loads_design(doc([{"id": "a", "layers": ["a.conv", "a.relu"]}]))
    events: list[int] = []
    design.groups_changed.connect(lambda: events.append(1))
    design.rename_layer("a.conv", "a.c")
    assert design.groups[0].layers == ["a.c", "a.relu"]
    removal = design.remove_layer("a.c")
    assert design.groups[0].layers == ["a.relu"]
    design.restore_layer(removal)
    assert design.groups[0].layers == ["a.c", "a.relu"]
    assert len(events) == 2
    assert design.copy().groups == design.groups


def test_set_groups_validates_before_changing_anything() -> None:
    design = loads_design(doc([]))
    with pytest.raises(DesignError, match="no layer 'ghost'"):
        design.set_groups([Group("g", "", None, ["ghost"])])
    with pytest.raises(DesignError, match="parent 'x' is not a group"):
        design.set_groups([Group("g", "", "x", [])])
    assert design.groups == []


# ------------------------------------------------------------- totals and views


def test_resnet50_template_is_stem_four_stages_and_head() -> None:
    design = resnet50()
    index = GroupIndex(design)
    assert index.children[None] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert [len(index.children[f"layer{n}"]) for n in (1, 2, 3, 4)] == [3, 4, 6, 3]
    assert index.chain("layer3.4.conv2") == ["layer3", "layer3.4"]
    assert design.groups[1].label == "Stage 1"


def test_group_totals_add_up_to_the_network() -> None:
    design = resnet50()
    analysis = analyze(design)
    index = GroupIndex(design)
    parts = [summarize(design, analysis, index.members[g]) for g in index.children[None]]
    totals = analysis.totals()
    assert sum(p.params for p in parts) == totals.params == 25_557_032
    assert sum(p.macs for p in parts) == totals.macs
    stage3 = summarize(design, analysis, index.members["layer3"])
    assert (stage3.input_shape, stage3.output_shape) == ((512, 28, 28), (1024, 14, 14))
    assert stage3.shapes_text == "28×28×512 → 14×14×1024"
    assert stage3.output_layer == "layer3.5.relu"
    assert stage3.receptive_field is not None
    assert stage3.receptive_field.size == analysis.info["layer3.5.relu"].receptive_field.size  # type: ignore[union-attr]


def test_identical_blocks_are_recognised_as_runs() -> None:
    design = resnet50()
    runs = repeat_runs(design, GroupIndex(design))
    assert [(r.head, r.count) for r in runs] == [
        ("layer1.1", 2),
        ("layer2.1", 3),
        ("layer3.1", 5),
        ("layer4.1", 2),
    ]
    design.set_param("layer3.3.conv2", "dilation", 2)  # one block differs: the run breaks there
    runs = repeat_runs(design, GroupIndex(design))
    assert [(r.head, r.count) for r in runs if r.head.startswith("layer3")] == [
        ("layer3.1", 2),
        ("layer3.4", 2),
    ]


def test_a_layer_between_two_blocks_breaks_their_run() -> None:
    layers: list[dict[str, object]] = [{"id": "input", "type": "Input", "shape": [3, 8, 8]}]
    for name in ("b1", "pool", "b2"):
        if name == "pool":
            layers.append({"id": "pool", "type": "MaxPool2d", "kernel_size": 1})
        else:
            layers += [
                {"id": f"{name}.c", "type": "Conv2d", "out_channels": 3, "kernel_size": 1},
                {"id": f"{name}.r", "type": "ReLU"},
            ]
    design = loads_design(doc([], layers))
    design.set_groups(groups_from_paths(design.ids))
    assert repeat_runs(design, GroupIndex(design)) == []


def test_visible_graph_collapses_to_stages_and_merges_repeats() -> None:
    design = resnet50()
    index = GroupIndex(design)
    top = visible_graph(design, index, collapsed_for_level(index, 0))
    assert [n.id for n in top.nodes] == [
        "input",
        "stem",
        "layer1",
        "layer2",
        "layer3",
        "layer4",
        "head",
    ]
    assert top.edges == [
        ("input", "stem"),
        ("stem", "layer1"),
        ("layer1", "layer2"),
        ("layer2", "layer3"),
        ("layer3", "layer4"),
        ("layer4", "head"),
    ]
    blocks = visible_graph(design, index, collapsed_for_level(index, 1))
    run = blocks.node("layer3.1")
    assert (run.repeat, run.title) == (5, "layer3.1–5")
    assert blocks.node_of["layer3.4.conv2"] == "layer3.1"
    assert len(run.layers) == 5 * 10
    assert auto_level(design, index) == 1
    assert len(blocks.nodes) <= 40


def test_a_small_design_opens_whole() -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    assert auto_level(design, GroupIndex(design)) is None


def test_groups_from_module_paths() -> None:
    ids = [
        "x",
        "conv1",
        "layer1.0.conv1",
        "layer1.0.bn1",
        "layer1.0.downsample.0",
        "layer1.0.downsample.1",
        "layer1.1.conv1",
        "layer1.1.bn1",
        "fc",
    ]
    groups = {g.id: g for g in groups_from_paths(ids)}
    assert set(groups) == {"layer1", "layer1.0", "layer1.0.downsample", "layer1.1"}
    assert groups["layer1.0"].parent == "layer1"
    assert groups["layer1.0.downsample"].layers == [
        "layer1.0.downsample.0",
        "layer1.0.downsample.1",
    ]
    assert groups["layer1"].layers == []


def test_a_layer_without_a_path_joins_the_group_around_its_neighbours() -> None:
    design = Design()
    design.add_layer(Layer("x", "Input", {"shape": [3, 8, 8]}))
    design.add_layer(Layer("b.0.conv", "Conv2d", {"out_channels": 3, "kernel_size": 1}, ["x"]))
    design.add_layer(Layer("mul", "ReLU", {}, ["b.0.conv"]))
    design.add_layer(Layer("b.0.relu", "ReLU", {}, ["mul"]))
    design.add_layer(Layer("fc", "Flatten", {}, ["b.0.relu"]))
    add_path_groups(design)
    assert design.groups == [
        Group("b", "", None, ["b.0.conv", "b.0.relu", "mul"])
    ]  # "b.0" holds the same layers


def test_deep_or_cyclic_nesting_is_refused_quickly() -> None:
    chain = [{"id": f"g{n}", **({"parent": f"g{n - 1}"} if n else {})} for n in range(20_000)]
    with pytest.raises(FormatError) as err:
        loads_design(doc(chain))
    assert err.value.path == "$.groups" and "at most 64 levels deep" in err.value.detail
    ring = [{"id": f"g{n}", "parent": f"g{(n + 1) % 5000}"} for n in range(5000)]
    with pytest.raises(FormatError, match="its own ancestor"):
        loads_design(doc(ring))
    ok = [{"id": f"g{n}", **({"parent": f"g{n - 1}"} if n else {})} for n in range(65)]
    assert len(loads_design(doc(ok)).groups) == 65


def test_a_group_cannot_take_a_layer_id_and_a_layer_cannot_take_a_group_id() -> None:
    with pytest.raises(FormatError, match="has the id of a layer"):
        loads_design(doc([{"id": "a.conv"}]))
    design = loads_design(doc([{"id": "blk", "layers": ["a.conv"]}]))
    with pytest.raises(DesignError, match="a group is named 'blk'"):
        design.rename_layer("a.relu", "blk")
    with pytest.raises(DesignError, match="a group is named 'blk'"):
        design.add_layer(Layer("blk", "ReLU", {}, ["a.relu"]))
    assert design.fresh_id("blk") == "blk1"

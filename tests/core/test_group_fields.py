"""Receptive fields at block outputs found without bringing every field before them up to date
(``designer.core.group_fields``): always what a fresh analysis gives, and for a run of chained
identical blocks found from its first two blocks (issue 15, an edit inside a collapsed block)."""

from __future__ import annotations

import random

import pytest

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, Layer
from designer.core.group_fields import BlockFields, chain_of, chain_places
from designer.core.groups import GroupIndex, Run, groups_from_paths, repeat_runs


def blocks_design(
    stages: int = 3, blocks: int = 30, *, kernel: int = 3, transpose: bool = False
) -> Design:
    """Stages of residual blocks (``layerS.B.*``), each stage after the first opening with a
    strided block; with ``transpose``, a stage of transposed convolutions (stride 3: jumps of a
    third, which no float adds exactly) closes the design."""
    d = Design("blocks")
    d.add_layer(Layer("input", "Input", {"shape": [4, 96, 96]}, []))
    prev = "input"
    pad = kernel // 2
    for s in range(1, stages + 1):
        for b in range(blocks):
            p = f"layer{s}.{b}"
            stride = {"stride": 2} if b == 0 and s > 1 else {}
            conv = {"out_channels": 4, "kernel_size": kernel, "padding": pad}
            d.add_layer(Layer(f"{p}.conv1", "Conv2d", {**conv, **stride}, [prev]))
            d.add_layer(Layer(f"{p}.relu1", "ReLU", {}, [f"{p}.conv1"]))
            d.add_layer(Layer(f"{p}.conv2", "Conv2d", conv, [f"{p}.relu1"]))
            skip = prev
            if stride:
                d.add_layer(
                    Layer(
                        f"{p}.down",
                        "Conv2d",
                        {"out_channels": 4, "kernel_size": 1, **stride},
                        [prev],
                    )
                )
                skip = f"{p}.down"
            d.add_layer(Layer(f"{p}.add", "Add", {}, [f"{p}.conv2", skip]))
            prev = f"{p}.add"
    if transpose:
        for b in range(4):
            p = f"up.{b}"
            params = {"out_channels": 4, "kernel_size": 3, "stride": 3} if b == 0 else {}
            kind = "ConvTranspose2d" if b == 0 else "ReLU"
            d.add_layer(Layer(f"{p}.t", kind, params, [prev]))
            d.add_layer(
                Layer(
                    f"{p}.c",
                    "Conv2d",
                    {"out_channels": 4, "kernel_size": 3, "padding": 1},
                    [f"{p}.t"],
                )
            )
            prev = f"{p}.c"
    d.set_groups(groups_from_paths(d.ids))
    return d


def fields_now(analysis: Analysis) -> BlockFields:
    design = analysis.design
    index = GroupIndex(design)
    return BlockFields(analysis, index, chain_places(design, index, repeat_runs(design, index), {}))


def edit_kernel(design: Design, lid: str, kernel: int) -> None:
    params = dict(design.layer(lid).params)
    design.set_params(lid, {**params, "kernel_size": kernel, "padding": kernel // 2})


@pytest.mark.parametrize(
    "make",
    [
        lambda: blocks_design(),
        lambda: blocks_design(kernel=5),
        lambda: blocks_design(stages=2, blocks=25, transpose=True),
    ],
    ids=["k3", "k5", "transposed"],
)
def test_fields_found_from_runs_are_those_of_a_fresh_analysis_after_random_edits(make) -> None:
    design = make()
    analysis = Analysis(design)
    rng = random.Random(len(design))
    convs = [layer.id for layer in design if layer.type == "Conv2d" and "." in layer.id]
    stale_seen = shifted = 0
    for _ in range(12):
        edit_kernel(design, rng.choice(convs), rng.choice([1, 3, 5]))
        found = fields_now(analysis)
        ids = rng.sample(design.ids, 60) + [lid for lid in design.ids if lid.endswith(".add")]
        got = {lid: found.field(lid) for lid in ids}  # before anything brings a field up to date
        stale_seen += sum(not analysis.field_is_current(lid) for lid in ids)
        shifted += found.shifted
        fresh = analyze(design)
        for lid in ids:
            assert got[lid] == fresh.info[lid].receptive_field, lid
            assert got[lid] == analysis.info[lid].receptive_field, lid  # brought up to date
    assert stale_seen and shifted  # the edits left fields for later; runs found many of them


def test_the_field_at_the_end_of_a_long_design_costs_two_blocks_per_run() -> None:
    design = blocks_design(stages=3, blocks=150)  # about 2,250 layers
    analysis = Analysis(design)
    edit_kernel(design, "layer1.2.conv2", 5)  # every field downstream moves
    last = design.ids[-1]
    assert not analysis.field_is_current(last)
    found = fields_now(analysis)
    field = found.field(last)
    assert found.evaluated < 100  # not the 2,200 layers after the edit
    assert field == analyze(design).info[last].receptive_field


def test_fields_the_shortcut_cannot_vouch_for_are_computed_layer_by_layer() -> None:
    """Jumps of a third (a transposed convolution of stride 3 before a run) are not added
    exactly by floats: moving the first block by k·D gave 153.33333333333357 where the analysis,
    adding block by block, finds 153.33333333333331 (measured when the check was left out).
    That run's blocks are computed one by one."""
    design = blocks_design(stages=1, blocks=4)
    prev = design.ids[-1]
    up = {"out_channels": 4, "kernel_size": 4, "stride": 3}
    design.add_layer(Layer("t", "ConvTranspose2d", up, [prev]))
    prev = "t"
    conv = {"out_channels": 4, "kernel_size": 3, "padding": 1}
    for b in range(200):
        design.add_layer(Layer(f"tail.{b}.c", "Conv2d", conv, [prev]))
        design.add_layer(Layer(f"tail.{b}.r", "ReLU", {}, [f"tail.{b}.c"]))
        prev = f"tail.{b}.r"
    design.set_groups(groups_from_paths(design.ids))
    analysis = Analysis(design)
    edit_kernel(design, "layer1.1.conv2", 5)
    found = fields_now(analysis)
    last = design.ids[-1]
    assert not analysis.field_is_current(last)
    assert found.field(last) == analyze(design).info[last].receptive_field
    assert found.shifted == 0 and found.evaluated > 100


def test_a_run_whose_blocks_read_the_stem_is_not_a_chain() -> None:
    d = Design("dense")
    d.add_layer(Layer("input", "Input", {"shape": [4, 16, 16]}, []))
    d.add_layer(
        Layer("stem", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, ["input"])
    )
    prev = "stem"
    for b in range(4):
        d.add_layer(
            Layer(f"b.{b}.c", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, [prev])
        )
        d.add_layer(Layer(f"b.{b}.add", "Add", {}, [f"b.{b}.c", "stem"]))
        prev = f"b.{b}.add"
    d.set_groups(groups_from_paths(d.ids))
    index = GroupIndex(d)
    run = next(r for r in repeat_runs(d, index) if r.count >= 3)
    assert chain_of(d, index, run) is None  # its blocks read the stem besides the block before
    assert chain_of(d, index, Run(("b.1",))) is None  # one block is not a run
    analysis = Analysis(d)
    edit_kernel(d, "stem", 5)
    found = fields_now(analysis)
    assert found.field(d.ids[-1]) == analyze(d).info[d.ids[-1]].receptive_field
    assert found.shifted == 0

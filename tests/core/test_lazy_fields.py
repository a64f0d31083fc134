"""Receptive fields left out of date past the point where every path sees the whole input
(issue 15): an edit there updates one layer, yet whatever is read (a field, a note, the totals)
is what a fresh analysis gives, after any sequence of edits and reads."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import pytest

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, DesignError, Layer
from designer.core.fileformat import load_design

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "resources" / "templates").glob("*.json")) + sorted(
    (ROOT / "tests" / "data" / "designs").glob("*.json")
)


def notes(an: Analysis) -> list[tuple[str, str, str | None, str]]:
    return [(d.severity, d.code, d.layer, d.message) for d in an.diagnostics()]


def fields(an: Analysis) -> dict[str, object]:
    return {
        lid: (i.receptive_field, i.input_size, i.output_shape, i.status, i.params, i.macs)
        for lid, i in an.info.items()
    }


def chain(n: int, size: int = 32) -> Design:
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [4, size, size]}))
    prev = "input"
    for k in range(n):
        kind = ("Conv2d", "BatchNorm2d", "ReLU")[k % 3]
        params = {"out_channels": 4, "kernel_size": 3, "padding": 1} if kind == "Conv2d" else {}
        d.add_layer(Layer(f"l{k}", kind, params, [prev]))
        prev = f"l{k}"
    return d


def random_edit(rng: random.Random, design: Design) -> None:
    windowed = [layer.id for layer in design if "kernel_size" in layer.resolved()]
    lid = rng.choice(windowed)
    layer = design.layer(lid)
    k = rng.choice([1, 3, 5, 7])
    choices = [
        {"kernel_size": k, "padding": k // 2},  # same shapes: fields move downstream
        {"kernel_size": k, "padding": k // 2},
        {"kernel_size": k, "padding": k // 2},
        {"padding": rng.choice([0, 1, 2])},
        {"stride": rng.choice([1, 2])},
        {"kernel_size": rng.choice([2, 3, 99])},
    ]
    if layer.type == "Conv2d":
        choices.append({"out_channels": rng.choice([4, 8, 16])})
        choices.append({"dilation": rng.choice([1, 2]), "padding": rng.choice([1, 2])})
    with contextlib.suppress(DesignError):  # a value the layer refuses: no edit
        design.set_params(lid, {**layer.params, **rng.choice(choices)})


def check(live: Analysis, design: Design) -> None:
    fresh = analyze(design)
    assert notes(live) == notes(fresh)  # read without bringing any field up to date
    assert live.totals() == fresh.totals()


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_live_equals_fresh_after_random_edits_and_partial_reads(path: Path) -> None:
    rng = random.Random(f"lazy {path.stem}")
    design = load_design(path)
    live = Analysis(design)
    ids = design.ids
    for step in range(30):
        random_edit(rng, design)
        check(live, design)
        # Read a few layers' fields (as a table row or the inspector would): each equals fresh.
        fresh = analyze(design)
        for lid in rng.sample(ids, min(3, len(ids))):
            if lid in fresh.info:
                assert live.info[lid].receptive_field == fresh.info[lid].receptive_field, lid
                assert live.info.get(lid).input_size == fresh.info[lid].input_size, lid
        if step % 6 == 5:
            assert fields(live) == fields(fresh)
    assert fields(live) == fields(analyze(design))
    live.close()


@pytest.mark.parametrize("seed", range(6))
def test_a_long_chain_stays_right_through_edits_near_and_past_full_coverage(seed: int) -> None:
    rng = random.Random(seed)
    design = chain(240, size=rng.choice([8, 16, 32]))
    live = Analysis(design)
    for _ in range(40):
        random_edit(rng, design)
        check(live, design)
        if rng.random() < 0.3:
            lid = rng.choice(design.ids)
            assert live.info[lid].receptive_field == analyze(design).info[lid].receptive_field
    assert fields(live) == fields(analyze(design))
    live.close()


def test_an_edit_past_full_coverage_updates_one_layer_and_leaves_the_rest_for_later() -> None:
    design = chain(3000)
    live = Analysis(design)
    seen: list[set[str]] = []
    live.updated.connect(seen.append)
    before = live.recompute_count
    design.set_params("l1500", {"out_channels": 4, "kernel_size": 5, "padding": 2})
    assert seen[-1] == {"l1500"} and live.unlisted_fields
    assert live.recompute_count - before == 1  # not the 1,500 layers after it
    # What is read is current: the last layer's field has grown by 2 pixels (4 → 6 more).
    fresh = analyze(design)
    assert live.info["l2999"].receptive_field == fresh.info["l2999"].receptive_field
    assert live.recompute_count - before == 1 + 1499  # brought up to date on that read
    # Undo: again one layer.
    before = live.recompute_count
    design.set_params("l1500", {"out_channels": 4, "kernel_size": 3, "padding": 1})
    assert live.recompute_count - before == 1
    assert fields(live) == fields(analyze(design))
    live.close()


def test_two_inputs_keep_every_field_current() -> None:
    # Two network inputs of different sizes: "seeing the whole input" is not one size, so no
    # field is left out of date.
    design = chain(60, size=16)
    design.add_layer(Layer("input2", "Input", {"shape": [4, 64, 64]}))
    design.add_layer(Layer("pool2", "AdaptiveAvgPool2d", {"output_size": 16}, ["input2"]))
    design.add_layer(Layer("join", "Add", {}, ["l59", "pool2"]))
    live = Analysis(design)
    design.set_params("l30", {"out_channels": 4, "kernel_size": 5, "padding": 2})
    assert not live.unlisted_fields and not live._stale
    assert fields(live) == fields(analyze(design))
    live.close()


def test_infos_compared_or_copied_while_fields_are_out_of_date_are_current() -> None:
    """``analysis.info`` compared with ``==`` / ``!=``, or copied by ``dict(...)``, ``{**...}``
    or ``update``, gives the fields a read gives. dict's own comparison and copy read the
    entries as stored: a live analysis compared with a fresh one differed in a field left out
    of date (the rule-cache property test, seed 3891514534, sequence 28)."""
    design = chain(300)
    live = Analysis(design)
    design.set_params("l150", {"out_channels": 4, "kernel_size": 5, "padding": 2})
    fresh = analyze(design)
    assert live._stale  # (fields left out of date: what this test is about)
    assert live.info == fresh.info
    design.set_params("l150", {"out_channels": 4, "kernel_size": 3, "padding": 1})
    fresh = analyze(design)
    assert live._stale
    differ = live.info != fresh.info
    assert differ is False
    design.set_params("l150", {"out_channels": 4, "kernel_size": 5, "padding": 2})
    fresh = analyze(design)
    assert live._stale
    assert fresh.info == live.info
    for k, copy in enumerate(
        (dict, lambda infos: {**infos}, lambda infos: (d := {}, d.update(infos))[0])
    ):
        k_size = 7 if k % 2 == 0 else 3
        design.set_params(
            "l150", {"out_channels": 4, "kernel_size": k_size, "padding": k_size // 2}
        )
        assert live._stale
        assert copy(live.info) == dict(analyze(design).info), k
    live.close()

"""The live analysis is exactly a fresh one after every edit (issue 12, item 4).

Random edit sequences on the core design: add (with missing inputs sometimes),
remove, restore (undo of a remove), connect (cycles included), disconnect, set and
reset parameters (values that break layers included), rename, move in the design
order and semantics. After each edit every layer's shape, statistics, status and
diagnostics (content and order), the design's diagnostic list and the totals are
compared with a fresh ``analyze``. The number of sequences and edits is printed
(``-s`` shows it; CI logs keep it). ``CNN_DESIGNER_PROPERTY_SEED`` replays a run.
"""

from __future__ import annotations

import os
import random
from typing import Any

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, DesignError, Layer, Removal
from designer.core.params import ParamKind
from designer.core.registry import REGISTRY

SEQUENCES = 2_000
STEPS = 20
TYPES = sorted(REGISTRY)
KINDS = (
    "add",
    "add",
    "remove",
    "restore",
    "connect",
    "disconnect",
    "param",
    "param",
    "reset",
    "rename",
    "move",
    "semantics",
)

#: Values per parameter kind, chosen so that many of them break a layer (kernel 100 on a
#: 32×32 input, a non-dividing stride, a huge padding, "same" with a stride ...).
VALUES: dict[ParamKind, list[Any]] = {
    ParamKind.INT: [1, 2, 3, 7, 64, 100, -1],
    ParamKind.PAIR: [1, 2, 3, 5, 11, 100, [2, 3], 2**31 - 1],
    ParamKind.OPT_PAIR: [None, 1, 2, 3, [1, 2]],
    ParamKind.PADDING: [0, 1, 2, 50, "same", "valid", [0, 3]],
    ParamKind.PAD4: [0, 1, -2, [1, 0, 2, -1]],
    ParamKind.SIZE: [1, 7, [None, 3], [2, 2]],
    ParamKind.OPT_SIZE: [None, 4, [8, 16]],
    ParamKind.OPT_SCALE: [None, 2, 0.5, 1.5, [2, 3]],
    ParamKind.FLOAT: [0.1, 0.5, 1.0],
    ParamKind.BOOL: [True, False],
    ParamKind.SHAPE: [[3, 32, 32], [3, 7, 7], [1, 227, 227], [10], [3, 1, 1]],
}


def _snapshot(analysis: Analysis) -> tuple[Any, ...]:
    layers = []
    for lid in analysis.design.ids:
        i = analysis.info[lid]
        layers.append(
            (
                lid,
                i.type,
                i.output_shape,
                i.input_shapes,
                i.params,
                i.trainable_params,
                i.buffers,
                i.macs,
                i.status,
                i.receptive_field,
                i.input_size,
                i.axes,
                i.derived,
                [(d.severity, d.code, d.layer, d.message, d.data) for d in i.diagnostics],
            )
        )
    diags = [(d.severity, d.code, d.layer, d.message, d.data) for d in analysis.diagnostics()]
    # The order (exporters and the 3D view follow it) and the structural diagnostics too: a
    # structural edit updates them without a pass over every layer where it can.
    structural = [(d.severity, d.code, d.layer, d.message, d.data) for d in analysis.structural]
    return (
        tuple(layers),
        sorted(analysis.info),
        diags,
        analysis.totals(),
        list(analysis.order),
        structural,
    )


def _edit(design: Design, rng: random.Random, removed: list[Removal]) -> str:
    kind = rng.choice(KINDS)
    ids = design.ids
    pick = rng.choice(ids) if ids else None
    try:
        if kind == "add":
            type_id = rng.choice(TYPES)
            inputs = rng.sample(ids, min(len(ids), rng.choice((0, 1, 1, 1, 2))))
            if rng.random() < 0.15:
                inputs.append(f"ghost{rng.randint(0, 2)}")
            index = rng.choice((None, rng.randint(0, len(ids))))
            design.add_layer(
                Layer(design.fresh_id("l"), type_id, REGISTRY[type_id].initial_params(), inputs),
                index,
            )
        elif kind == "remove" and pick:
            removed.append(design.remove_layer(pick))
        elif kind == "restore" and removed:
            removal = removed.pop()
            if removal.layer.id not in design:
                design.restore_layer(removal)
        elif kind == "connect" and pick:
            design.set_inputs(pick, [*design.layer(pick).inputs, rng.choice([*ids, "ghost0"])])
        elif kind == "disconnect" and pick and design.layer(pick).inputs:
            inputs = list(design.layer(pick).inputs)
            inputs.pop(rng.randrange(len(inputs)))
            design.set_inputs(pick, inputs)
        elif kind in ("param", "reset") and pick:
            specs = REGISTRY[design.layer(pick).type].params
            if specs:
                spec = rng.choice(specs)
                value = (
                    None
                    if kind == "reset"
                    else rng.choice(VALUES.get(spec.kind, [spec.default]) or [None])
                )
                if spec.kind is ParamKind.ENUM and kind == "param":
                    value = rng.choice(spec.choices)
                design.set_param(pick, spec.name, value)
        elif kind == "rename" and pick:
            design.rename_layer(
                pick, rng.choice(["a", "b", "ghost0", "ghost1", design.fresh_id("r")])
            )
        elif kind == "move" and pick:
            design.move_layer(pick, rng.randint(0, len(ids)))
        elif kind == "semantics":
            design.set_semantics(rng.choice(["pytorch", "keras", "caffe", "strict"]))
    except DesignError:
        pass
    return kind


def _start(rng: random.Random) -> Design:
    design = Design("property")
    design.add_layer(
        Layer("input1", "Input", {"shape": rng.choice([[3, 32, 32], [3, 227, 227], [16]])})
    )
    if rng.random() < 0.5:
        design.add_layer(
            Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["input1"])
        )
        design.add_layer(Layer("relu1", "ReLU", {}, ["conv1"]))
    return design


def test_live_analysis_equals_fresh_analysis_after_every_edit() -> None:
    seed = int(os.environ.get("CNN_DESIGNER_PROPERTY_SEED", random.randrange(2**32)))
    master = random.Random(seed)
    edits = 0
    kinds: dict[str, int] = {}
    for n in range(SEQUENCES):
        rng = random.Random(master.randrange(2**32))
        design = _start(rng)
        live = Analysis(design)
        removed: list[Removal] = []
        history: list[str] = []
        for _ in range(STEPS):
            kind = _edit(design, rng, removed)
            history.append(kind)
            kinds[kind] = kinds.get(kind, 0) + 1
            edits += 1
            assert _snapshot(live) == _snapshot(analyze(design)), (
                f"sequence {n} (CNN_DESIGNER_PROPERTY_SEED={seed}) drifted after {history}"
            )
        live.close()
    print(
        f"\nlive analysis property: {SEQUENCES} sequences, {edits} edits (seed {seed}); per kind {sorted(kinds.items())}"
    )
    assert edits == SEQUENCES * STEPS


def _diag_keys(analysis: Analysis) -> list[tuple[str, str | None]]:
    return [(d.code, d.layer) for d in analysis.diagnostics()]


def test_unreachable_warning_behind_a_failing_layer_follows_a_new_connection() -> None:
    """Input → Conv2d(kernel 100, fails) → ReLU: connecting the Input clears ReLU's warning."""
    design = Design("x")
    design.add_layer(Layer("input1", "Input", {"shape": [3, 32, 32]}))
    design.add_layer(Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 100}, []))
    design.add_layer(Layer("relu1", "ReLU", {}, ["conv1"]))
    live = Analysis(design)
    assert ("unreachable", "relu1") in _diag_keys(live)
    design.set_inputs("conv1", ["input1"])
    assert _diag_keys(live) == _diag_keys(analyze(design))
    assert ("unreachable", "relu1") not in _diag_keys(live)
    design.remove_layer("input1")
    assert _diag_keys(live) == _diag_keys(analyze(design))
    assert ("unreachable", "relu1") in _diag_keys(live)


def test_moving_a_layer_reorders_cycle_diagnostics() -> None:
    design = Design("x")
    design.add_layer(Layer("input1", "Input", {"shape": [3, 8, 8]}))
    design.add_layer(Layer("a", "Add", {}, ["input1", "c"]))
    design.add_layer(Layer("b", "ReLU", {}, ["a"]))
    design.add_layer(Layer("c", "ReLU", {}, ["b"]))
    live = Analysis(design)
    design.move_layer("c", 0)
    fresh = analyze(design)
    assert [(d.code, d.layer, d.data) for d in live.diagnostics()] == [
        (d.code, d.layer, d.data) for d in fresh.diagnostics()
    ]
    assert live.order == fresh.order

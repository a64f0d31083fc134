"""The tutorial's designs as sequences of user edits (Qt-free).

``docs/tutorial.md`` walks through three lessons. Each lesson's edits are listed
here once, as data, and replayed two ways:

* ``build(steps)`` replays them on a plain core ``Design`` the way the app's
  ``Document`` does (fresh ids, the layer type's initial values, an appended layer
  takes over its predecessor's consumers). ``tests/docs/test_tutorial_numbers.py``
  analyses the result and checks every number the tutorial quotes.
* ``tools/make_screenshots.py`` replays the same steps through the real main
  window (palette, inspector, port connections, fix buttons) and photographs it.

So the words, the numbers and the pictures come from one list of edits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designer.core.analysis import analyze
from designer.core.design import Design, Layer, normalize_params
from designer.core.fileformat import load_design
from designer.core.fixes import apply_fix, suggest_fixes
from designer.core.registry import layer_type

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "resources" / "templates"


@dataclass(frozen=True)
class Append:
    """Add a layer after ``after`` (default: the layer added or selected last), then type
    ``params`` into the inspector. In the app: select the card, double-click the palette entry
    (or drop the palette entry onto the card). An ``Input`` is dropped on empty canvas."""

    type_id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    after: str | None = None


@dataclass(frozen=True)
class SetParam:
    """Change one hyper-parameter in the inspector."""

    layer: str
    name: str
    value: Any


@dataclass(frozen=True)
class Connect:
    """Drag from ``source``'s output port to ``target``'s input port."""

    source: str
    target: str


@dataclass(frozen=True)
class InsertOnEdge:
    """Drop a palette entry onto the connection ``source → target``, then type ``params``
    into the inspector."""

    type_id: str
    source: str
    target: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApplyFix:
    """Press the ``choice``-th fix button (1-based) of diagnostic ``code`` on ``layer``."""

    code: str
    layer: str
    choice: int = 1


Step = Append | SetParam | Connect | InsertOnEdge | ApplyFix

# Lesson 1: LeNet-5 by hand (ids are the ones the app hands out: input1, conv1, tanh1, ...).
LENET5_STEPS: tuple[Step, ...] = (
    Append("Input", {"shape": [1, 32, 32]}),
    Append("Conv2d", {"out_channels": 6, "kernel_size": 5}),
    Append("Tanh"),
    Append("AvgPool2d", {"kernel_size": 2}),
    Append("Conv2d", {"out_channels": 16, "kernel_size": 5}),
    Append("Tanh"),
    Append("AvgPool2d", {"kernel_size": 2}),
    Append("Flatten"),
    Append("Linear", {"out_features": 120}),
    Append("Tanh"),
    Append("Linear", {"out_features": 84}),
    Append("Tanh"),
    Append("Linear", {"out_features": 10}),
)
LENET5_PARTIAL = 4  # the "being built" picture: Input, Conv2d, Tanh, AvgPool2d

# Lesson 2: AlexNet (2012 paper template) with the paper's 224 input, then the 227 fix.
ALEXNET_TEMPLATE = TEMPLATES / "alexnet_paper.json"
ALEXNET_224_STEPS: tuple[Step, ...] = (SetParam("input", "shape", [3, 224, 224]),)
# The first fix button for conv1 ("Set the input size to 227×227"), and the same edit made by hand
# in the inspector (the tests check that the two give the same design).
ALEXNET_FIX = ApplyFix("non_integer_output", "conv1", 1)
ALEXNET_FIX_STEPS: tuple[Step, ...] = (ALEXNET_FIX,)
ALEXNET_FIX_BY_HAND: tuple[Step, ...] = (SetParam("input", "shape", [3, 227, 227]),)

# Lesson 3: a stem and one residual block that halves the map and doubles the channels.
RESIDUAL_STEPS: tuple[Step, ...] = (
    Append("Input", {"shape": [3, 32, 32]}),
    Append("Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
    Append("BatchNorm2d"),
    Append("ReLU"),
    Append("Conv2d", {"out_channels": 32, "kernel_size": 3, "stride": 2, "padding": 1}),
    Append("BatchNorm2d"),
    Append("ReLU"),
    Append("Conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),
    Append("BatchNorm2d"),
    Append("Add"),
    Append("ReLU"),
    Connect("relu1", "add1"),
)
# The fix button for add1 (a 1×1 projection conv + BatchNorm on the shortcut), and the same edit
# made by hand, dropping the two layers onto the shortcut (the tests check they agree).
RESIDUAL_FIX = ApplyFix("add_shape_mismatch", "add1", 1)
RESIDUAL_FIX_STEPS: tuple[Step, ...] = (RESIDUAL_FIX,)
RESIDUAL_FIX_BY_HAND: tuple[Step, ...] = (
    InsertOnEdge(
        "Conv2d",
        "relu1",
        "add1",
        {"out_channels": 32, "kernel_size": 1, "stride": 2, "bias": False},
    ),
    InsertOnEdge("BatchNorm2d", "conv4", "add1"),
)

VGG16_TEMPLATE = TEMPLATES / "vgg16.json"


def build(steps: Sequence[Step], design: Design | None = None) -> Design:
    """Replay ``steps`` on ``design`` (a new blank one by default) as the app's Document would."""
    design = design if design is not None else Design("Untitled")
    current: str | None = None
    for step in steps:
        current = apply_step(design, step, current)
    return design


def apply_step(design: Design, step: Step, current: str | None) -> str | None:
    """One edit on a core design; returns the layer that is selected afterwards."""
    if isinstance(step, Append):
        ltype = layer_type(step.type_id)
        after = step.after or current
        values = ltype.initial_params()
        layer_id = design.fresh_id(ltype.prefix)
        if step.type_id == "Input" or after is None:
            design.add_layer(
                Layer(layer_id, step.type_id, normalize_params(step.type_id, values), [])
            )
        else:
            consumers = design.consumers(after)
            layer = Layer(layer_id, step.type_id, normalize_params(step.type_id, values), [after])
            design.add_layer(layer, design.index_of(after) + 1)
            for c in consumers:
                design.set_inputs(
                    c, [layer_id if i == after else i for i in design.layer(c).inputs]
                )
        for name, value in step.params.items():
            _set_param(design, layer_id, name, value)
        return layer_id
    if isinstance(step, SetParam):
        _set_param(design, step.layer, step.name, step.value)
        return step.layer
    if isinstance(step, InsertOnEdge):
        ltype = layer_type(step.type_id)
        target = design.layer(step.target)
        if step.source not in target.inputs:
            raise ValueError(f"{step.target} does not take its input from {step.source}")
        layer_id = design.fresh_id(ltype.prefix)
        layer = Layer(
            layer_id,
            step.type_id,
            normalize_params(step.type_id, ltype.initial_params()),
            [step.source],
        )
        design.add_layer(layer, design.index_of(step.target))
        design.set_inputs(step.target, [layer_id if i == step.source else i for i in target.inputs])
        for name, value in step.params.items():
            _set_param(design, layer_id, name, value)
        return layer_id
    if isinstance(step, Connect):
        target = design.layer(step.target)
        maximum = layer_type(target.type).max_inputs
        inputs = [step.source] if maximum == 1 else [*target.inputs, step.source]
        design.set_inputs(step.target, inputs)
        return step.target
    fix = find_fix(design, step)
    apply_fix(design, fix)
    return step.layer


def find_fix(design: Design, step: ApplyFix) -> Any:
    """The core's ``Fix`` that the step's button applies (raises ``LookupError`` if gone)."""
    analysis = analyze(design)
    for d in analysis.diagnostics():
        if d.code == step.code and d.layer == step.layer:
            fixes = suggest_fixes(design, analysis, d)
            if len(fixes) < step.choice:
                raise LookupError(
                    f"{step.code} on {step.layer} has {len(fixes)} fixes, not {step.choice}"
                )
            return fixes[step.choice - 1]
    raise LookupError(f"no {step.code} diagnostic on {step.layer}")


@dataclass(frozen=True)
class WindowExample:
    """A small design for the user guide's Window pictures: built through the palette and the
    inspector under ``semantics``; ``layer`` is shown at window ``frame`` (1-based; 0 = last)."""

    name: str
    semantics: str
    steps: tuple[Step, ...]
    layer: str
    frame: int = 0


WINDOW_EXAMPLES: tuple[WindowExample, ...] = (
    # TensorFlow/Keras "same" with stride 2 (PyTorch refuses it): out = ⌈8/2⌉ = 4, and the one
    # padding row and column go after the input.
    WindowExample(
        "same-stride2",
        "keras",
        (
            Append("Input", {"shape": [1, 8, 8]}),
            Append("Conv2d", {"out_channels": 8, "kernel_size": 3, "stride": 2, "padding": "same"}),
        ),
        "conv1",
        0,
    ),
    # 3×3 with dilation 2: a 5-pixel span with gaps, 9 → 5.
    WindowExample(
        "dilated",
        "pytorch",
        (
            Append("Input", {"shape": [1, 9, 9]}),
            Append("Conv2d", {"out_channels": 8, "kernel_size": 3, "dilation": 2}),
        ),
        "conv1",
        2,
    ),
    # ceil_mode: (8 − 3)/2 + 1 = 3.5 rounds up to 4; the last window hangs past the edge.
    WindowExample(
        "ceil-pool",
        "pytorch",
        (
            Append("Input", {"shape": [1, 8, 8]}),
            Append("MaxPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
        ),
        "pool1",
        0,
    ),
    # The usual "upsample by 2" transposed convolution: 4 → 8.
    WindowExample(
        "transposed",
        "pytorch",
        (
            Append("Input", {"shape": [1, 4, 4]}),
            Append(
                "ConvTranspose2d",
                {
                    "out_channels": 8,
                    "kernel_size": 3,
                    "stride": 2,
                    "padding": 1,
                    "output_padding": 1,
                },
            ),
        ),
        "deconv1",
        11,
    ),
)


def _set_param(design: Design, layer_id: str, name: str, value: Any) -> None:
    spec = layer_type(design.layer(layer_id).type).spec(name)
    if spec is None:
        raise KeyError(f"{design.layer(layer_id).type} has no parameter {name!r}")
    design.set_param(layer_id, name, spec.normalize(value))


def lenet5() -> Design:
    return build(LENET5_STEPS)


def alexnet_224() -> Design:
    return build(ALEXNET_224_STEPS, load_design(ALEXNET_TEMPLATE))


def alexnet_fixed() -> Design:
    return build(ALEXNET_FIX_STEPS, alexnet_224())


def residual_broken() -> Design:
    return build(RESIDUAL_STEPS)


def residual_fixed() -> Design:
    return build(RESIDUAL_FIX_STEPS, residual_broken())


def vgg16() -> Design:
    return load_design(VGG16_TEMPLATE)

"""Import 26 torchvision networks through torch.fx and ONNX and check that each is exact.

``python tools/modern_networks.py`` (from the repository root, with torch and
torchvision installed) writes ``docs/modern-networks.md``: for every network, whether
the torch.fx import and the two ONNX imports (torch's default export and
``do_constant_folding=False``) are exact, the parameter and MAC counts, and how long
each import took. ``--only resnet18,convnext_tiny`` measures a few and prints them.
``tests/convert/test_modern_networks.py`` runs the same checks on every network.

*Exact* means, for one import:

- the import has no error and no ``shape_mismatch`` note (every layer's shape is the one
  torch, or ONNX shape inference, computed at the node it came from);
- the design saved and loaded again has no error (``cnn-designer check`` exits 0);
- its parameter count is torchvision's ``sum(p.numel())`` and its MACs are the conv and
  linear MACs torch's ``FlopCounterMode`` counts (FLOPs ÷ 2, the fvcore convention);
- every layer named after a module of the network (``layer1.0.conv1``) has the shape that
  module returned in torch;
- the PyTorch code exported from the design runs and gives torchvision's output shape
  and parameter count.

torchvision is a test-only oracle; it is never a dependency of the app. GoogLeNet and
Inception-v3 are built with ``aux_logits=False``: their auxiliary classifiers run only in
training, so an inference trace cannot contain them (their weights would count in
``sum(p.numel())`` but in no traced layer). The segmentation networks are built with
``weights_backbone=None`` (no download) and their default heads.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "modern-networks.md"

Shape = tuple[int, ...]

# (torchvision name, input shape without the batch axis, extra builder arguments)
MODELS: list[tuple[str, Shape, dict[str, Any]]] = [
    ("alexnet", (3, 224, 224), {}),
    ("vgg11_bn", (3, 224, 224), {}),
    ("vgg16", (3, 224, 224), {}),
    ("resnet18", (3, 224, 224), {}),
    ("resnet50", (3, 224, 224), {}),
    ("resnet152", (3, 224, 224), {}),
    ("resnext50_32x4d", (3, 224, 224), {}),
    ("wide_resnet50_2", (3, 224, 224), {}),
    ("densenet121", (3, 224, 224), {}),
    ("googlenet", (3, 224, 224), {"aux_logits": False, "init_weights": False}),
    ("inception_v3", (3, 299, 299), {"aux_logits": False, "init_weights": False}),
    ("mobilenet_v2", (3, 224, 224), {}),
    ("mobilenet_v3_small", (3, 224, 224), {}),
    ("mobilenet_v3_large", (3, 224, 224), {}),
    ("shufflenet_v2_x1_0", (3, 224, 224), {}),
    ("squeezenet1_0", (3, 224, 224), {}),
    ("squeezenet1_1", (3, 224, 224), {}),
    ("mnasnet1_0", (3, 224, 224), {}),
    ("efficientnet_b0", (3, 224, 224), {}),
    ("efficientnet_v2_s", (3, 224, 224), {}),
    ("regnet_y_400mf", (3, 224, 224), {}),
    ("regnet_x_1_6gf", (3, 224, 224), {}),
    ("convnext_tiny", (3, 224, 224), {}),
    ("fcn_resnet50", (3, 224, 224), {"weights_backbone": None}),
    ("deeplabv3_resnet50", (3, 224, 224), {"weights_backbone": None}),
    ("lraspp_mobilenet_v3_large", (3, 224, 224), {"weights_backbone": None}),
]
NAMES = [m[0] for m in MODELS]
ONNX_MODES = {"onnx": True, "onnx-nofold": False}  # mode -> do_constant_folding

# Imports that cannot be exact, and why (the test expects them to fail: strict xfail).
KNOWN_LIMITS: dict[tuple[str, str], str] = {
    ("vgg11_bn", "onnx"): (
        "torch.onnx.export's default folds each Conv(bias=True) + BatchNorm into one Conv with one bias; "
        "the importer restores the BatchNorm but cannot know the convolution had a bias of its own "
        "(2,752 parameters: one per channel of the eight convolutions)"
    ),
}


def load_torchvision() -> Any:
    """torchvision's model code (the CUDA wheel's operator registrations are not needed)."""
    sys.modules.setdefault(
        "torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations")
    )
    import torchvision

    return torchvision


def build(name: str, device: str = "cpu") -> Any:
    """The torchvision network ``name`` with random weights, in eval mode."""
    import torch

    tv = load_torchvision()
    spec = next(m for m in MODELS if m[0] == name)
    try:
        with torch.device(device):
            model = tv.models.get_model(name, weights=None, **spec[2])
    except (
        NotImplementedError
    ):  # RegNet computes its widths with tensors: build on the CPU, then move
        model = tv.models.get_model(name, weights=None, **spec[2]).to(device)
    return model.eval()


def input_shape(name: str) -> Shape:
    return next(m[1] for m in MODELS if m[0] == name)


@dataclass
class Reference:
    """What torch says about one network (measured on the meta device: no arithmetic)."""

    params: int
    macs: int
    output: Shape
    module_shapes: dict[str, Shape]  # module path -> output shape, for modules called once


def reference(name: str, model: Any | None = None) -> Reference:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model = model if model is not None else build(name, "meta")
    shapes: dict[str, Shape | None] = {}
    handles = []
    for path, module in model.named_modules():
        if not path:
            continue

        def hook(mod: Any, args: Any, out: Any, path: str = path) -> None:
            shape = tuple(out.shape[1:]) if isinstance(out, torch.Tensor) else None
            shapes[path] = None if path in shapes else shape  # called twice: ambiguous

        handles.append(module.register_forward_hook(hook))
    counter = FlopCounterMode(display=False)
    x = torch.empty(1, *input_shape(name), device=next(model.parameters()).device)
    try:
        with counter, torch.no_grad():
            out = model(x)
    finally:
        for h in handles:
            h.remove()
    if isinstance(out, dict):
        out = out["out"]
    return Reference(
        params=sum(p.numel() for p in model.parameters()),
        macs=counter.get_total_flops() // 2,
        output=tuple(out.shape[1:]),
        module_shapes={k: v for k, v in shapes.items() if v is not None},
    )


def export_onnx(model: Any, name: str, fold: bool) -> bytes:
    """The ONNX bytes of ``model`` as ``torch.onnx.export`` writes them (TorchScript exporter)."""
    import torch

    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.randn(1, *input_shape(name)),),
            buffer,
            dynamo=False,
            do_constant_folding=fold,
            input_names=["x"],
        )
    return buffer.getvalue()


@dataclass
class Outcome:
    """One import of one network, checked."""

    mode: str
    problems: list[str] = field(default_factory=list)
    params: int | None = None
    macs: int | None = None
    layers: int = 0
    seconds: float = 0.0
    unsupported: dict[str, int] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return not self.problems


def import_fx(name: str, model: Any | None = None) -> Any:
    from designer.convert.from_torch import import_torch

    model = model if model is not None else build(name, "meta")
    return import_torch(model, input_shape(name), name=name, source=f"torchvision.models.{name}")


def import_onnx_bytes(name: str, data: bytes) -> Any:
    import onnx

    from designer.convert.from_onnx import import_onnx

    return import_onnx(onnx.load_from_string(data), name=name)


def check(name: str, mode: str, run: Callable[[], Any], ref: Reference) -> Outcome:
    """Run one import and collect every way it differs from torch."""
    import torch

    from designer.core.analysis import analyze
    from designer.core.fileformat import dumps_design, loads_design
    from designer.export.pytorch_code import generate, names_for

    outcome = Outcome(mode)
    start = time.perf_counter()
    try:
        result = run()
    except Exception as exc:  # the import itself failed: that is the finding
        outcome.seconds = time.perf_counter() - start
        outcome.problems.append(
            f"import failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        )
        return outcome
    outcome.seconds = time.perf_counter() - start
    design = result.design
    outcome.layers = len(design)
    for note in result.notes:
        if note.code == "unsupported_op":
            op = getattr(note, "op", None) or note.message.split(" for ", 1)[-1].split(":", 1)[0]
            outcome.unsupported[op] = outcome.unsupported.get(op, 0) + 1
    errors = [n for n in result.notes if n.severity == "error"]
    if errors:
        outcome.problems.append(f"{len(errors)} import errors, first: {errors[0].message}")
    mismatches = [n for n in result.notes if n.code == "shape_mismatch"]
    if mismatches:
        outcome.problems.append(
            f"{len(mismatches)} shape mismatches, first: {mismatches[0].message}"
        )
    saved = loads_design(dumps_design(design))
    analysis = analyze(saved)
    totals = analysis.totals()
    outcome.params, outcome.macs = totals.params, totals.macs
    if analysis.has_errors():
        first = next(d for d in analysis.diagnostics() if d.severity == "error")
        outcome.problems.append(
            f"the saved design has {totals.errors} errors, first: {first.layer}: {first.message}"
        )
    if totals.params != ref.params:
        outcome.problems.append(f"params {totals.params:,} ≠ torch's {ref.params:,}")
    if totals.macs != ref.macs:
        outcome.problems.append(f"MACs {totals.macs:,} ≠ torch's {ref.macs:,}")
    wrong = [
        (lid, analysis.info[lid].output_shape, ref.module_shapes[lid])
        for lid in saved.ids
        if lid in ref.module_shapes and analysis.info[lid].output_shape != ref.module_shapes[lid]
    ]
    if wrong:
        lid, got, want = wrong[0]
        outcome.problems.append(
            f"{len(wrong)} layers differ from their module, first {lid}: {got} ≠ torch's {want}"
        )
    if not analysis.has_errors():
        try:
            source = generate(saved)
            namespace: dict[str, Any] = {"__name__": "generated_model"}
            exec(compile(source, f"<generated {name}>", "exec"), namespace)
            with torch.device("meta"):
                generated = namespace[names_for(saved).class_name]().eval()
                with torch.no_grad():
                    out = generated(torch.empty(1, *input_shape(name)))
            out = out[0] if isinstance(out, tuple) else out
            if tuple(out.shape[1:]) != ref.output:
                outcome.problems.append(
                    f"exported code gives {tuple(out.shape[1:])}, torch {ref.output}"
                )
            n = sum(p.numel() for p in generated.parameters())
            if n != ref.params:
                outcome.problems.append(f"exported code has {n:,} params, torch {ref.params:,}")
        except Exception as exc:
            outcome.problems.append(
                f"exported code fails: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            )
    return outcome


def measure(
    name: str, modes: tuple[str, ...] = ("fx", *ONNX_MODES)
) -> tuple[Reference, list[Outcome]]:
    """Every import of ``name``, checked (the ONNX files are exported from one CPU model)."""
    ref = reference(name)
    outcomes = []
    if "fx" in modes:
        outcomes.append(check(name, "fx", lambda: import_fx(name), ref))
    onnx_modes = [m for m in modes if m in ONNX_MODES]
    if onnx_modes:
        model = build(name)
        for mode in onnx_modes:
            data = export_onnx(model, name, ONNX_MODES[mode])
            outcomes.append(check(name, mode, lambda data=data: import_onnx_bytes(name, data), ref))  # type: ignore[misc]
    return ref, outcomes


def _cell(o: Outcome) -> str:
    return "exact" if o.exact else "**not exact**"


def table(rows: list[tuple[str, Reference, list[Outcome]]]) -> str:
    lines = [
        "| network | input | fx | ONNX | ONNX (no folding) | params | MACs | layers (fx) | fx import | ONNX import |",
        "|---|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, ref, outcomes in rows:
        by = {o.mode: o for o in outcomes}
        shape = "×".join(str(v) for v in input_shape(name))
        lines.append(
            f"| {name} | {shape} | {_cell(by['fx'])} | {_cell(by['onnx'])} | {_cell(by['onnx-nofold'])} "
            f"| {ref.params:,} | {ref.macs:,} | {by['fx'].layers} | {by['fx'].seconds:.2f} s "
            f"| {by['onnx'].seconds:.2f} s |"
        )
    notes = [
        f"- {name}, {o.mode}: "
        + "; ".join(o.problems)
        + (f". Why: {KNOWN_LIMITS[(name, o.mode)]}." if (name, o.mode) in KNOWN_LIMITS else "")
        for name, _, outcomes in rows
        for o in outcomes
        if o.problems
    ]
    if notes:
        lines += ["", "Not exact:", "", *notes]
    return "\n".join(lines)


HEADER = """# Modern networks, imported exactly

Generated by `python tools/modern_networks.py` (torch {torch}, torchvision {tv}); do not edit by
hand. `tests/convert/test_modern_networks.py` checks the same in CI.

Each torchvision network (`weights=None`) is imported three ways: traced with torch.fx
(`cnn-designer import model.py:Net`), and through ONNX as `torch.onnx.export` writes it by default
and with `do_constant_folding=False`. An import is **exact** when it has no error and no shape
that differs from torch's, the saved design passes `cnn-designer check`, its parameters equal
`sum(p.numel())` and its MACs equal torch's conv + linear MACs (`FlopCounterMode` FLOPs ÷ 2, as
fvcore counts), every layer named after a module has that module's output shape, and the PyTorch
code exported from the design runs with torchvision's output shape and parameter count.
GoogLeNet and Inception-v3 are built with `aux_logits=False` (their auxiliary heads run only in
training). The default ONNX export folds every BatchNorm into the convolution before it; the
importer restores each as Conv2d (no bias) + BatchNorm2d and warns. Times are for the import alone,
on a shared 2-core machine (fx includes tracing and torch's shape propagation on fake tensors).

"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", help="comma-separated torchvision names; prints instead of writing the doc"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="networks measured at once, each in its own process"
    )
    args = parser.parse_args(argv)
    import torch

    tv = load_torchvision()
    names = args.only.split(",") if args.only else NAMES
    rows = []
    if args.jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(
            args.jobs, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            results = list(pool.map(measure, names))
    else:
        results = [measure(name) for name in names]
    for name, (ref, outcomes) in zip(names, results, strict=True):
        rows.append((name, ref, outcomes))
        status = ", ".join(
            f"{o.mode} {'exact' if o.exact else 'NOT exact'} {o.seconds:.1f}s" for o in outcomes
        )
        print(f"{name}: {status}", file=sys.stderr)
        for o in outcomes:
            for p in o.problems:
                print(f"    {o.mode}: {p}", file=sys.stderr)
            if o.unsupported:
                print(f"    {o.mode} unsupported: {o.unsupported}", file=sys.stderr)
    text = (
        HEADER.format(torch=torch.__version__.split("+")[0], tv=tv.__version__.split("+")[0])
        + table(rows)
        + "\n"
    )
    if args.only:
        print(text)
    else:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0 if all(o.exact for _, _, outs in rows for o in outs) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Fuzz the whole pipeline: generated files through load → analyse → check → fix → export.

    python tools/fuzz_pipeline.py                     # 10,000 cases, 1 worker
    python tools/fuzz_pipeline.py --cases 2000 --seed 7 --workers 2 --json report.json

Each case is one generated file: random bytes, a truncated or byte-mutated shipped
design, deeply nested JSON, a template with hostile values spliced in, or a random
design of 1–60 layers (hostile names, values up to 2³¹ − 1, cycles, missing inputs,
stored layouts). A case that loads is analysed, checked the way ``cnn-designer check``
and ``check --json`` do (every diagnostic's fixes and explanation, every layer's
explanation), fixed the way ``cnn-designer fix`` does (the first fix of a problem
applied and the result analysed and saved), and exported to SVG and PNG (graph and
blocks views in turn) and to PyTorch code, which must compile.

Counted: refused files (a ``FormatError`` with a JSON path is the right answer),
hangs (a case slower than ``HANG_SECONDS``), exceptions (anything else raised),
exports that do not compile, designs the code exporter refuses (they have errors)
and PNGs refused as too large. The CI tests run a small sample of the same cases
(``tests/hardening/test_fuzz_pipeline.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from designer.core.params import MAX_INT_VALUE, ParamKind
from designer.core.registry import REGISTRY
from designer.core.resources import examples_dir, templates_dir

#: A case that needs more processor time than this counts as a hang (the issue's definition).
HANG_SECONDS = 5.0
#: A case still running after this long is stopped (and counted as a hang).
ABORT_SECONDS = 60

M = MAX_INT_VALUE
NASTY_NAMES = [
    "\\N",
    "\\x",
    "\\u12",
    "\\U0001",
    "a\x00b",
    '"""',
    '"',
    "'''",
    "end\\",
    "\r",
    "\n\n",
    "\u2028",
    "\ud800",
    "<img src=x onerror=alert(1)>",
    "&amp;",
    "x" * 500,
    "\t",
    "{}",
    "%s %d",
    "🙂",
    "\\\\N{BULLET}",
]
LARGE_INTS = [100, 1000, 10**6, 2**20 + 1, M - 1, M]
BAD_INTS = [0, -1, -M, M + 1]
SEED_FILES = sorted([*templates_dir().glob("*.json"), *examples_dir().glob("*.json")])


# ------------------------------------------------------------------ generating


def _value(rng: random.Random, kind: ParamKind, choices: tuple[str, ...]) -> Any:
    def n() -> (
        int
    ):  # mostly ordinary, often huge, sometimes out of range (the loader refuses those)
        roll = rng.random()
        return (
            rng.randint(1, 12)
            if roll < 0.82
            else rng.choice(LARGE_INTS)
            if roll < 0.97
            else rng.choice(BAD_INTS)
        )

    match kind:
        case ParamKind.INT:
            return n()
        case ParamKind.PAIR | ParamKind.OPT_PAIR:
            return (
                rng.choice([n(), [n(), n()], None])
                if kind is ParamKind.OPT_PAIR
                else rng.choice([n(), [n(), n()]])
            )
        case ParamKind.PADDING:
            return rng.choice([n(), [n(), n()], "same", "valid", 0])
        case ParamKind.PAD4:
            return rng.choice([n(), [n(), n(), -n(), n()]])
        case ParamKind.SIZE:
            return rng.choice([n(), [n(), None], [n(), n()]])
        case ParamKind.OPT_SIZE:
            return rng.choice([None, n(), [n(), n()]])
        case ParamKind.OPT_SCALE:
            return rng.choice([None, 2, 1.5, 0.5, 1e-9, float(M), [2, 0.5]])
        case ParamKind.FLOAT:
            return rng.choice([0.0, 0.5, 1.0, 1e-5, 0.1, 1e300 if rng.random() < 0.1 else 0.2])
        case ParamKind.BOOL:
            return rng.random() < 0.5
        case ParamKind.ENUM:
            return rng.choice(choices)
        case ParamKind.SHAPE:
            return rng.choice([[3, n(), n()], [n(), 224, 224], [n()], [3, 32, 32], [1, M, 1]])
    return None


TAME_TYPES = [
    "Conv2d",
    "ReLU",
    "BatchNorm2d",
    "Dropout",
    "Identity",
    "SiLU",
    "Tanh",
    "GELU",
    "LeakyReLU",
    "Add",
]


def tame_design_doc(rng: random.Random) -> dict[str, Any]:
    """A chain of 2–30 layers without errors (so that its code is exported), hostile names and ids."""
    ids = ["input"]
    layers: list[dict[str, Any]] = [{"id": "input", "type": "Input", "shape": [3, 64, 64]}]
    for k in range(rng.randint(1, 29)):
        type_id = rng.choice(TAME_TYPES)
        lid = rng.choice([f"l{k}", f"class{k}", f"x.{k}", f"_{k}", f"l-{k}", f"self{k}"])
        layer: dict[str, Any] = {"id": lid, "type": type_id, "inputs": [ids[-1]]}
        if type_id == "Conv2d":
            layer.update({"out_channels": 3, "kernel_size": rng.choice([1, 3]), "padding": "same"})
        elif type_id == "Add":
            layer["inputs"] = [ids[-1], ids[-1 - rng.randrange(len(ids))]]
        layers.append(layer)
        ids.append(lid)
    name = (
        rng.choice(NASTY_NAMES)
        if rng.random() < 0.7
        else "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(8))
    )
    return {"format": "cnn-designer", "version": 1, "name": name, "layers": layers}


def random_design_doc(rng: random.Random, layers: int | None = None) -> dict[str, Any]:
    """A random design file of 1–60 layers: hostile names and values, odd connections."""
    if layers is None and rng.random() < 0.25:
        return tame_design_doc(rng)
    count = layers if layers is not None else rng.randint(1, 60)
    types = sorted(REGISTRY)
    ids: list[str] = []
    out: list[dict[str, Any]] = []
    for k in range(count):
        type_id = "Input" if k == 0 or rng.random() < 0.05 else rng.choice(types)
        lid = rng.choice(
            [f"l{k}", f"{type_id.lower()}{k}", f"x.{k}", f"_{k}", f"class{k}", f"l-{k}"]
        )
        if rng.random() < 0.03:
            lid = rng.choice(
                [
                    "class",
                    "def",
                    "self",
                    "x",
                    "forward",
                    "None",
                    "torch",
                    "nn",
                    "_modules",
                    "a" * 64,
                ]
            )
        layer: dict[str, Any] = {"id": lid, "type": type_id}
        ltype = REGISTRY[type_id]
        for spec in ltype.params:
            if spec.required or rng.random() < 0.35:
                layer[spec.name] = (
                    _value(rng, spec.kind, spec.choices) if rng.random() < 0.6 else spec.default
                )
        if type_id != "Input" and ids:
            wanted = 1 if ltype.max_inputs == 1 else rng.randint(1, 3)
            picks = [ids[-1]] if rng.random() < 0.7 else []
            picks += rng.sample(ids, min(len(ids), wanted))
            if rng.random() < 0.05:
                picks.append(
                    rng.choice(["ghost", f"l{count + 3}"])
                )  # missing, or a later layer (cycles)
            layer["inputs"] = list(dict.fromkeys(picks))[: max(1, wanted) + rng.randint(0, 1)]
        ids.append(lid)
        out.append(layer)
    doc: dict[str, Any] = {
        "format": "cnn-designer",
        "version": 1,
        "name": rng.choice(NASTY_NAMES) if rng.random() < 0.5 else f"random {rng.randrange(10**6)}",
        "semantics": rng.choice(["pytorch", "pytorch", "keras", "caffe", "strict"]),
        "layers": out,
    }
    if rng.random() < 0.3:
        doc["layout"] = {
            lid: [rng.uniform(-5000, 5000), rng.uniform(-5000, 5000)]
            for lid in ids
            if rng.random() < 0.7
        }
    return doc


def _nested(rng: random.Random) -> str:
    depth = rng.randint(1, 400)
    if rng.random() < 0.5:
        inner = "[" * depth + "]" * depth
    else:
        inner = '{"a": ' * depth + "1" + "}" * depth
    where = rng.choice(["layers", "layout", "name", "extra"])
    return '{"format": "cnn-designer", "version": 1, "layers": [], "' + where + '": ' + inner + "}"


def generate_case(rng: random.Random) -> bytes:
    """One generated file (see the module docstring for the kinds)."""
    kind = rng.random()
    if kind < 0.08:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    if kind < 0.16:
        data = rng.choice(SEED_FILES).read_bytes()
        return data[: rng.randrange(len(data) + 1)]
    if kind < 0.26:
        data = bytearray(rng.choice(SEED_FILES).read_bytes())
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data))
            data[pos] = rng.randrange(256)
        return bytes(data)
    if kind < 0.30:
        return _nested(rng).encode()
    if kind < 0.45:
        doc = json.loads(rng.choice(SEED_FILES).read_text(encoding="utf-8"))
        for _ in range(rng.randint(1, 4)):
            layer = rng.choice(doc["layers"])
            specs = REGISTRY[layer["type"]].params
            if specs and rng.random() < 0.8:
                spec = rng.choice(specs)
                layer[spec.name] = _value(rng, spec.kind, spec.choices)
            elif rng.random() < 0.5:
                layer["inputs"] = [rng.choice(doc["layers"])["id"]]
            else:
                doc["name"] = rng.choice(NASTY_NAMES)
        return json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    return json.dumps(random_design_doc(rng), ensure_ascii=rng.random() < 0.5).encode(
        "utf-8", "surrogatepass"
    )


# -------------------------------------------------------------------- running


def run_case(data: bytes, case: int = 0) -> dict[str, Any]:
    """Load → analyse → check → fix → export one file; return what happened."""
    from designer.commands.check import _diagnostic_extras
    from designer.core.analysis import analyze
    from designer.core.explain import explain_layer, render_text
    from designer.core.fileformat import FormatError, dumps_design, loads_design
    from designer.core.fixes import FixError, apply_fix, suggest_fixes
    from designer.core.report import check_json, check_table
    from designer.export.figure_exporter import ExportOptions
    from designer.export.png_exporter import PngExporter
    from designer.export.pytorch_code import CodeGenerationError, generate
    from designer.export.svg_exporter import SvgExporter

    result: dict[str, Any] = {"case": case, "stage": "load", "outcome": "ok"}
    start = time.perf_counter()
    cpu = time.process_time()
    try:
        try:
            design = loads_design(data)
        except FormatError as exc:
            assert str(exc) and exc.path.startswith("$"), "a refusal names the JSON path"
            result["outcome"] = "refused"
            return result
        result["stage"] = "analyse"
        analysis = analyze(design)
        analysis.totals()
        result["stage"] = "check"
        check_table(analysis)
        doc = check_json(analysis)
        for entry, diag in zip(doc["diagnostics"], analysis.diagnostics(), strict=True):
            entry.update(_diagnostic_extras(analysis, diag))
        json.dumps(
            doc, ensure_ascii=False
        )  # (the text report computes the same fixes and explanations)
        for lid in design.ids[:: max(1, len(design) // 5)]:
            render_text(explain_layer(analysis, lid))
        result["stage"] = "fix"
        for diag in analysis.diagnostics()[:3]:
            fixes = suggest_fixes(design, analysis, diag)
            if fixes:
                fixed = design.copy()
                try:
                    apply_fix(fixed, fixes[0])
                except FixError:
                    continue
                analyze(fixed).totals()
                loads_design(dumps_design(fixed))
                break
        result["stage"] = "export"
        view = "graph" if case % 2 == 0 else "blocks"
        SvgExporter(analysis, ExportOptions(view=view)).export()  # type: ignore[arg-type]
        try:
            other = "blocks" if view == "graph" else "graph"
            PngExporter(analysis, ExportOptions(view=other, scale=0.25)).export()  # type: ignore[arg-type]
        except ValueError as exc:
            if "too large" not in str(exc):
                raise
            result["png_refused"] = True
        try:
            source = generate(design)
        except CodeGenerationError:
            result["code_refused"] = True
        else:
            try:
                compile(source, "generated.py", "exec")
            except (SyntaxError, ValueError) as exc:
                result["outcome"] = "not_compiling"
                result["error"] = f"{type(exc).__name__}: {exc}"
        return result
    except Exception as exc:  # the point is to count them
        result["outcome"] = "exception"
        result["error"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        result["traceback"] = traceback.format_exc()
        return result
    finally:
        result["seconds"] = time.perf_counter() - start
        # Counted in processor time, so that a busy machine does not turn slow cases into hangs.
        result["cpu_seconds"] = time.process_time() - cpu
        if result["cpu_seconds"] > HANG_SECONDS and result["outcome"] in ("ok", "refused"):
            result["outcome"] = "hang"


class _Abort(Exception):
    pass


def _guarded(args: tuple[int, int]) -> dict[str, Any]:
    """Generate case ``n`` of the run seeded ``seed`` and run it under an alarm."""
    seed, n = args
    from designer.export.png_exporter import ensure_gui_application

    ensure_gui_application()
    data = generate_case(random.Random(f"{seed}:{n}"))

    def expired(*_: Any) -> None:
        raise _Abort

    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        signal.signal(signal.SIGALRM, expired)
        signal.alarm(ABORT_SECONDS)
    try:
        result = run_case(data, n)
    except _Abort:
        result = {"case": n, "outcome": "hang", "seconds": float(ABORT_SECONDS), "stage": "aborted"}
    finally:
        if use_alarm:
            signal.alarm(0)
    result["size"] = len(data)
    return result


def run(
    cases: int, seed: int, workers: int = 1
) -> tuple[Counter[str], list[dict[str, Any]], float]:
    """Run ``cases`` cases; return the counts, the failing cases and the slowest case's seconds."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    jobs = [(seed, n) for n in range(cases)]
    results: list[dict[str, Any]] = []

    def progress(result: dict[str, Any]) -> None:
        results.append(result)
        if len(results) % 500 == 0:
            bad = sum(r["outcome"] in ("hang", "exception", "not_compiling") for r in results)
            print(f"  … {len(results):,} cases, {bad} failing", file=sys.stderr, flush=True)

    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for result in pool.imap_unordered(_guarded, jobs, chunksize=20):
                progress(result)
    else:
        for job in jobs:
            progress(_guarded(job))
    counts: Counter[str] = Counter()
    failures = []
    for r in results:
        counts[r["outcome"]] += 1
        counts["png_refused_as_too_large"] += bool(r.get("png_refused"))
        counts["code_refused_design_has_errors"] += bool(r.get("code_refused"))
        if r["outcome"] in ("hang", "exception", "not_compiling"):
            failures.append(r)
    slowest = max((r.get("cpu_seconds", r["seconds"]) for r in results), default=0.0)
    return counts, failures, slowest


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", help="write the counts and failures here")
    args = parser.parse_args()
    t = time.perf_counter()
    counts, failures, slowest = run(args.cases, args.seed, args.workers)
    elapsed = time.perf_counter() - t
    loaded = args.cases - counts["refused"]
    print(
        f"{args.cases:,} generated files (seed {args.seed}) in {elapsed:.0f} s; slowest case {slowest:.2f} s of processor time"
    )
    print(f"  refused by the loader (with a JSON path):   {counts['refused']:,}")
    print(f"  loaded, analysed, checked, fixed, exported: {loaded:,}")
    print(
        f"    PyTorch code refused (design has errors): {counts['code_refused_design_has_errors']:,}"
    )
    print(f"    PNG refused as too large:                 {counts['png_refused_as_too_large']:,}")
    print(f"  hangs (> {HANG_SECONDS:g} s of processor time):        {counts['hang']:,}")
    print(f"  exceptions:                                 {counts['exception']:,}")
    print(f"  exports that do not compile:                {counts['not_compiling']:,}")
    for f in failures[:20]:
        print(
            f"  case {f['case']} [{f['outcome']} at {f.get('stage')}, {f['seconds']:.1f} s wall, {f.get('cpu_seconds', 0):.1f} s cpu]: {f.get('error', '')}"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"counts": counts, "failures": failures}, indent=2), encoding="utf-8"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

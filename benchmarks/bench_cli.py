"""Command-line speed (issue 15, targets 1 and 3): whole processes, as a user runs them.

    python benchmarks/bench_cli.py [--json OUT.json] [--repeat N]

Measures, as medians of ``--repeat`` runs of a fresh ``python -m designer.cli`` process:

* ``python -c pass`` with the same interpreter: the floor no command can go below, printed
  as the reference (the ratio says how much the designer adds to it);
* ``check --help`` (target ≤ 150 ms);
* ``check resnet50.json --json`` (target ≤ 300 ms), with every diagnostic's fixes in it;
* which of Qt, pyqtgraph, numpy and the importers ``check --json`` loads (target: none);

and in this process, on ResNet-50: each suggested fix's verification (``verify_fix``,
target ≤ 10 ms) and each diagnostic's ``suggest_fixes``.

Byte-code: an installed app has its ``.pyc`` files (pip writes them), so the processes run
without ``PYTHONDONTWRITEBYTECODE`` after one warm-up run that writes them. Prints numbers;
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESNET50 = ROOT / "resources" / "templates" / "resnet50.json"
FORBIDDEN = (
    "PySide6",
    "shiboken6",
    "pyqtgraph",
    "numpy",
    "OpenGL",
    "torch",
    "onnx",
    "designer.convert",
    "designer.ui",
)

_PROBE = """
import contextlib, io, json, sys
from designer.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["check", sys.argv[1], "--json"])
    except SystemExit:
        pass
bad = sorted({m for m in sys.modules for f in FORBIDDEN if m == f or m.startswith(f + ".")})
print(json.dumps(bad))
""".replace("FORBIDDEN", repr(FORBIDDEN))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


def _stats(times: list[float], target: float | None, label: str) -> dict[str, Any]:
    times = sorted(times)
    return {
        "benchmark": label,
        "median_ms": round(statistics.median(times), 3),
        "min_ms": round(times[0], 3),
        "max_ms": round(times[-1], 3),
        "runs": len(times),
        "target_ms": target,
    }


def process_times(args: list[str], repeat: int) -> list[float]:
    env = _env()
    subprocess.run(
        [sys.executable, *args], capture_output=True, env=env, cwd=ROOT
    )  # writes byte-code
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, env=env, cwd=ROOT)
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def forbidden_imports() -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(RESNET50)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    if proc.returncode != 0:
        return [f"probe failed: {proc.stderr.strip()[-300:]}"]
    result: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def fix_timings(repeat: int) -> dict[str, Any]:
    from designer.core.analysis import Analysis, analyze
    from designer.core.fileformat import load_design
    from designer.core.fixes import suggest_fixes, verify_fix

    design = load_design(RESNET50)
    analysis = analyze(design)
    suggest: list[float] = []
    verify: list[float] = []
    count = 0
    for diag in analysis.diagnostics():
        for _ in range(max(1, repeat // 3)):
            t0 = time.perf_counter()
            fixes = suggest_fixes(design, analysis, diag)
            suggest.append((time.perf_counter() - t0) * 1e3)
        count += len(fixes)
        for fix in fixes:
            for _ in range(repeat):
                # A fresh analysis object each time: nothing an earlier search kept is reused.
                try:
                    fresh = Analysis(design, live=False, start_from=analysis)
                except (
                    TypeError
                ):  # a version without start_from (the "before" of docs/performance.md)
                    fresh = analyze(design)
                t0 = time.perf_counter()
                ok = verify_fix(design, fresh, diag, fix)
                verify.append((time.perf_counter() - t0) * 1e3)
                assert ok, fix
    return {
        "verify_fix_resnet50": _stats(verify, 10.0, f"verify one fix, ResNet-50 ({count} fixes)"),
        "suggest_fixes_resnet50": _stats(
            suggest,
            None,
            f"suggest_fixes per diagnostic, ResNet-50 ({len(analysis.diagnostics())})",
        ),
    }


def run(repeat: int) -> dict[str, Any]:
    cli = ["-m", "designer.cli"]
    results: dict[str, Any] = {
        "python_startup": _stats(
            process_times(["-c", "pass"], repeat), None, "python -c pass (reference)"
        ),
        "check_help": _stats(
            process_times([*cli, "check", "--help"], repeat), 150.0, "check --help, whole process"
        ),
        "check_json_resnet50": _stats(
            process_times([*cli, "check", str(RESNET50), "--json"], repeat),
            300.0,
            "check resnet50.json --json, whole process",
        ),
    }
    results["check_json_forbidden_imports"] = forbidden_imports()
    results.update(fix_timings(repeat))
    return results


def table(results: dict[str, Any]) -> str:
    floor = results["python_startup"]["median_ms"]
    lines = [
        f"{'measurement':<52} {'median ms':>10} {'min ms':>8} {'target':>8} {'× python':>9}  verdict"
    ]
    for key in (
        "python_startup",
        "check_help",
        "check_json_resnet50",
        "verify_fix_resnet50",
        "suggest_fixes_resnet50",
    ):
        r = results[key]
        target = r["target_ms"]
        verdict = "" if target is None else ("met" if r["median_ms"] <= target else "NOT met")
        ratio = f"{r['median_ms'] / floor:.1f}×" if key.startswith("check") else ""
        lines.append(
            f"{r['benchmark']:<52} {r['median_ms']:>10.1f} {r['min_ms']:>8.1f} "
            f"{'' if target is None else f'{target:g}':>8} {ratio:>9}  {verdict}"
        )
    bad = results["check_json_forbidden_imports"]
    lines.append(
        f"check --json imports Qt/pyqtgraph/numpy/importers: {', '.join(bad) if bad else 'none (target met)'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Whole-process speed of cnn-designer check.")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--repeat", type=int, default=9, help="runs per measurement (default 9)")
    args = parser.parse_args(argv)
    results = run(max(3, args.repeat))
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

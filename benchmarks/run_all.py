"""Run every benchmark in one command and print one table (``make bench``).

    python benchmarks/run_all.py [--json OUT.json] [--only core,gui] [--timeout SECONDS]

Runs each ``benchmarks/bench_*.py`` (the expected ones, ``bench_core``,
``bench_export`` and ``bench_gui``, are reported as "not present" when missing) in
its own process. Scripts that accept ``--json PATH`` hand their numbers over as
JSON; every mapping in it that has a ``median_ms`` becomes a row. Others are run
for their printed table only, which is shown as it is. Where a script measures
the same network with the designer and with torch (``full_analysis_X`` next to
``torch_meta_forward_X`` or ``torchinfo_summary_X``), the table adds the ratio.
Results go to ``benchmarks/results.json`` unless ``--json`` says where.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXPECTED = (
    "bench_core.py",
    "bench_cli.py",
    "bench_export.py",
    "bench_gui.py",
    "bench_scale_gui.py",
)
REFERENCES = (
    ("torch_meta_forward_", "torch meta forward"),
    ("torchinfo_summary_", "torchinfo.summary"),
)


def scripts(only: set[str] | None) -> list[tuple[str, Path | None]]:
    found = {p.name: p for p in sorted(HERE.glob("bench_*.py"))}
    names = list(dict.fromkeys([*EXPECTED, *found]))
    if only:
        names = [n for n in names if n.removeprefix("bench_").removesuffix(".py") in only]
    return [(n, found.get(n)) for n in names]


def accepts_json(script: Path) -> bool:
    return "--json" in script.read_text(encoding="utf-8")


def run_script(script: Path, timeout: float) -> dict[str, Any]:
    """Run one script; return its status, output, seconds and (if any) its JSON."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")])
        ),
    }
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        out_json = Path(tmp) / "out.json"
        cmd = [sys.executable, str(script)]
        if accepts_json(script):
            cmd += ["--json", str(out_json)]
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent, env=env
            )
        except subprocess.TimeoutExpired:
            return {"status": f"timed out after {timeout:.0f} s", "seconds": timeout}
        seconds = time.perf_counter() - start
        data = None
        if out_json.exists():
            try:
                data = json.loads(out_json.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                return {
                    "status": f"wrote invalid JSON ({exc})",
                    "seconds": seconds,
                    "output": proc.stdout,
                }
    status = "ok" if proc.returncode == 0 else f"exit code {proc.returncode}"
    result: dict[str, Any] = {"status": status, "seconds": round(seconds, 2), "output": proc.stdout}
    if proc.returncode != 0:
        result["stderr"] = proc.stderr[-3000:]
    if data is not None:
        result["results"] = data
    return result


def rows_from(data: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Every mapping with a ``median_ms`` in the script's JSON, named by its key path or label."""
    rows: list[dict[str, Any]] = []
    if isinstance(data, dict):
        if isinstance(data.get("median_ms"), int | float):
            name = str(data.get("benchmark") or data.get("name") or prefix or "?")
            rows.append(
                {
                    "key": prefix,
                    "name": name,
                    "median_ms": float(data["median_ms"]),
                    "target_ms": data.get("target_ms"),
                }
            )
            return rows
        for key, value in data.items():
            rows.extend(rows_from(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list):
        for n, value in enumerate(data):
            rows.extend(rows_from(value, f"{prefix}[{n}]"))
    return rows


def add_ratios(rows: list[dict[str, Any]]) -> None:
    """``designer / reference`` for rows that measure the same network both ways."""
    by_key = {r["key"]: r for r in rows}
    for row in rows:
        for ref_prefix, label in REFERENCES:
            if row["key"].startswith(ref_prefix):
                for mine in ("full_analysis_", "load_analysis_"):
                    ours = by_key.get(mine + row["key"].removeprefix(ref_prefix))
                    if ours and row["median_ms"] > 0:
                        ours.setdefault("ratios", {})[label] = ours["median_ms"] / row["median_ms"]


def table(report: dict[str, Any]) -> str:
    lines = [f"{'script':<24} {'benchmark':<58} {'median ms':>10} {'target':>8}  vs reference"]
    for name, entry in report["scripts"].items():
        rows = entry.get("rows")
        if not rows:
            note = (
                entry["status"]
                if entry["status"] != "ok"
                else "ok (no JSON: see its own table above)"
            )
            lines.append(f"{name:<24} {note}")
            continue
        for row in rows:
            target = row.get("target_ms")
            ratios = "; ".join(f"{v:.2f}× {k}" for k, v in row.get("ratios", {}).items())
            lines.append(
                f"{name:<24} {row['name'][:58]:<58} {row['median_ms']:>10.3f} "
                f"{'' if target is None else f'{target:g}':>8}  {ratios}"
            )
        if entry["status"] != "ok":
            lines.append(f"{name:<24} ({entry['status']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark and print one table.")
    parser.add_argument(
        "--json",
        metavar="PATH",
        default=str(HERE / "results.json"),
        help="where to write the results",
    )
    parser.add_argument("--only", help="comma-separated subset, e.g. core,gui")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per script")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    report: dict[str, Any] = {"python": sys.version.split()[0], "scripts": {}}
    failed = False
    for name, path in scripts(only):
        if path is None:
            report["scripts"][name] = {"status": "not present"}
            print(f"== {name}: not present", flush=True)
            continue
        print(f"== {name}", flush=True)
        entry = run_script(path, args.timeout)
        if entry.get("output"):
            print(entry["output"].rstrip(), flush=True)
        if entry.get("stderr"):
            print(entry["stderr"].rstrip(), file=sys.stderr)
        entry["rows"] = rows_from(entry.get("results"))
        add_ratios(entry["rows"])
        failed |= entry["status"] != "ok"
        report["scripts"][name] = entry
        print(flush=True)
    print("== summary")
    print(table(report))
    out = Path(args.json)
    saved = {k: v for k, v in report.items()}
    saved["scripts"] = {
        n: {k: v for k, v in e.items() if k != "output"} for n, e in report["scripts"].items()
    }
    out.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

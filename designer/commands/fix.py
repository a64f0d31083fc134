"""``cnn-designer fix FILE --apply CODE``: apply a fix that ``check`` suggests."""

from __future__ import annotations

import argparse
import sys

from designer.commands.check import problems_with_fixes
from designer.core.analysis import Analysis, Diagnostic, analyze
from designer.core.fileformat import FormatError, load_design, save_design
from designer.core.fixes import FIXABLE_CODES, FixError, apply_fix, suggest_fixes


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "fix",
        help="apply one of the fixes `check` suggests (without --apply: list them)",
        description=(
            "List the fixes for a design's problems, or apply one and save the design (atomically). "
            "Exit status: 0 done, 1 no such problem or fix, 2 the file cannot be read or written."
        ),
    )
    p.add_argument("file", help="design file (.json)")
    p.add_argument(
        "--apply", metavar="CODE", help="the diagnostic code to fix, e.g. non_integer_output"
    )
    p.add_argument(
        "--layer", metavar="ID", help="the layer, when the code occurs on several layers"
    )
    p.add_argument(
        "--choice", metavar="N", type=int, default=1, help="which of the numbered fixes (default 1)"
    )
    p.add_argument(
        "-o", "--output", metavar="OUT", help="write the fixed design here instead of over FILE"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        design = load_design(args.file)
    except FormatError as exc:
        print(f"cnn-designer: cannot read {exc}", file=sys.stderr)
        return 2
    analysis = analyze(design)
    if not args.apply:
        _list(analysis, args.file)
        return 0
    matches = [
        d
        for d in analysis.diagnostics()
        if d.code == args.apply and (args.layer is None or d.layer == args.layer)
    ]
    if not matches:
        where = f" on layer {args.layer!r}" if args.layer else ""
        codes = sorted(
            {f"{d.code} ({d.layer})" if d.layer else d.code for d in analysis.diagnostics()}
        )
        have = "; it has: " + ", ".join(codes) if codes else "; it has no problems"
        print(f"cnn-designer: {args.file} has no {args.apply}{where}{have}", file=sys.stderr)
        return 1
    layers = {d.layer for d in matches}
    if len(layers) > 1:
        names = ", ".join(str(x) for x in layers)
        print(
            f"cnn-designer: {args.apply} occurs on several layers ({names}); choose one with --layer",
            file=sys.stderr,
        )
        return 1
    diag = matches[0]
    fixes = suggest_fixes(design, analysis, diag)
    if not fixes:
        print(
            f"cnn-designer: no automatic fix for {diag.code}{_on(diag)}: {diag.message}",
            file=sys.stderr,
        )
        return 1
    if not 1 <= args.choice <= len(fixes):
        print(f"cnn-designer: --choice must be 1 to {len(fixes)}", file=sys.stderr)
        return 1
    fix = fixes[args.choice - 1]
    try:
        apply_fix(design, fix)
    except FixError as exc:
        print(f"cnn-designer: {exc}", file=sys.stderr)
        return 1
    target = args.output or args.file
    try:
        save_design(design, target)
    except OSError as exc:
        print(f"cnn-designer: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"Applied: {fix.label}" + (f"  [{fix.detail}]" if fix.detail else ""))
    for op in fix.operations:
        print(f"  - {op.describe()}")
    after = analyze(design).totals()
    print(
        f"Saved {target}: {after.errors} error{'s' if after.errors != 1 else ''}, {after.warnings} warning{'s' if after.warnings != 1 else ''} left."
    )
    return 0


def _on(d: Diagnostic) -> str:
    return f" on {d.layer}" if d.layer else ""


def _list(analysis: Analysis, file: str) -> None:
    diags = analysis.diagnostics()
    if not diags:
        print("No problems found.")
        return
    limit = problems_with_fixes(analysis.design)
    for n, d in enumerate(diags):
        print(f"{d.severity.upper()} [{d.code}]{_on(d)}: {d.message}")
        if n >= limit:
            if d.code in FIXABLE_CODES:
                where = f" --layer {d.layer}" if d.layer else ""
                print(
                    f"  (fixes are listed for the first {limit} problems only; add --apply {d.code}{where})"
                )
            continue
        fixes = suggest_fixes(analysis.design, analysis, d)
        if not fixes:
            print("  (no automatic fix)")
        for n, f in enumerate(fixes, start=1):
            print(f"  {n}. {f.label}" + (f"  [{f.detail}]" if f.detail else ""))

"""``cnn-designer check FILE``: every layer's shape and cost, every problem explained, with fixes."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from designer.core.analysis import Analysis

# The analysis, explanations and fixes are imported when the command runs, not when its
# parser is built: ``check --help`` starts in a blink. For the same reason the choices of
# --semantics are spelled out here; tests/core/test_cli_startup.py keeps them equal to
# designer.core.arithmetic.SEMANTICS.
SEMANTICS = ("pytorch", "keras", "caffe", "strict")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check",
        help="print every layer's shape, parameters, MACs and receptive field, and the design's problems",
        description=(
            "Analyse a design file: a table of every layer, then every problem with its arithmetic, "
            "why it matters and numbered fixes (apply one with `cnn-designer fix`). "
            "Exit status: 0 no errors, 1 the design has errors, 2 the file cannot be read "
            "(or --json, --explain and --compare-semantics are combined)."
        ),
    )
    p.add_argument("file", help="design file (.json)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument(
        "--semantics",
        choices=SEMANTICS,
        help="analyse under these framework rules instead of the file's own",
    )
    p.add_argument("--explain", metavar="LAYER", help="explain one layer's arithmetic step by step")
    p.add_argument(
        "--compare-semantics",
        action="store_true",
        help="show, layer by layer, where pytorch, keras, caffe and strict rules give different shapes",
    )
    p.add_argument(
        "--brief", action="store_true", help="list problems in one line each, without explanations"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from designer.core.analysis import analyze
    from designer.core.explain import explain_layer, render_text
    from designer.core.fileformat import FormatError, load_design
    from designer.core.report import check_json, check_table
    from designer.core.semantics_compare import semantics_table

    outputs = [
        option
        for option, chosen in (
            ("--json", args.json),
            ("--explain", args.explain is not None),
            ("--compare-semantics", args.compare_semantics),
        )
        if chosen
    ]
    if len(outputs) > 1:
        # Each prints something different; silently ignoring one would hand a script
        # that asked for --json plain text.
        print(
            f"cnn-designer check: {' and '.join(outputs)} cannot be combined; choose one",
            file=sys.stderr,
        )
        return 2
    try:
        design = load_design(args.file)
    except FormatError as exc:
        print(f"cnn-designer: cannot read {exc}", file=sys.stderr)
        return 2
    if args.semantics:
        design.set_semantics(args.semantics)
    analysis = analyze(design)
    if args.explain is not None:
        if args.explain not in design:
            known = ", ".join(design.ids)
            print(
                f"cnn-designer: {args.file} has no layer {args.explain!r} (layers: {known})",
                file=sys.stderr,
            )
            return 2
        sys.stdout.write(render_text(explain_layer(analysis, args.explain)))
    elif args.compare_semantics:
        sys.stdout.write(semantics_table(design))
    elif args.json:
        doc = check_json(analysis)
        limit = problems_with_fixes(design)
        for n, (entry, diag) in enumerate(
            zip(doc["diagnostics"], analysis.diagnostics(), strict=True)
        ):
            entry.update(_diagnostic_extras(analysis, diag, with_fixes=n < limit))
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(check_table(analysis))
        if not args.brief:
            sys.stdout.write(explain_problems(analysis, args.file))
    return 1 if analysis.has_errors() else 0


#: Fixes are looked for (each verified on an analysed copy of the design) for at most this
#: many problems, and fewer in very large designs (``problems_with_fixes``): ``check`` stays
#: linear in the size of the design, and says how to get the fixes of any other problem
#: (``cnn-designer fix FILE --apply CODE --layer ID``).
MAX_PROBLEMS_WITH_FIXES = 100
_FIX_BUDGET = 200_000  # problems × layers


def problems_with_fixes(design: Any) -> int:
    """For how many problems (in the order they are listed) fixes are looked for."""
    return max(10, min(MAX_PROBLEMS_WITH_FIXES, _FIX_BUDGET // max(1, len(design))))


def _diagnostic_extras(analysis: Analysis, diag: Any, with_fixes: bool = True) -> dict[str, Any]:
    from designer.core.diagnosis import explain_diagnostic
    from designer.core.explain import render_text
    from designer.core.fixes import suggest_fixes

    fixes = suggest_fixes(analysis.design, analysis, diag) if with_fixes else []
    expl = explain_diagnostic(analysis, diag, fixes)
    extras: dict[str, Any] = {
        "fixes": [f.to_json() for f in fixes],
        "explanation": render_text(expl),
    }
    if not with_fixes:
        extras["fixes_not_computed"] = (
            True  # extension: past the first problems_with_fixes() problems
        )
    return extras


def explain_problems(analysis: Analysis, file: str) -> str:
    """Every diagnostic with its explanation and numbered fixes, and how to apply one."""
    from designer.core.diagnosis import explain_diagnostic
    from designer.core.explain import render_text
    from designer.core.fixes import FIXABLE_CODES, suggest_fixes

    out: list[str] = []
    limit = problems_with_fixes(analysis.design)
    for n, diag in enumerate(analysis.diagnostics()):
        with_fixes = n < limit
        fixes = suggest_fixes(analysis.design, analysis, diag) if with_fixes else []
        out.append("")
        out.append(render_text(explain_diagnostic(analysis, diag, fixes)).rstrip("\n"))
        if not with_fixes and diag.code in FIXABLE_CODES:
            cmd = ["cnn-designer", "fix", file, "--apply", diag.code] + (
                ["--layer", diag.layer] if diag.layer else []
            )
            out.append(
                f"  Fixes are listed for the first {limit} problems only; "
                f"for this one: {shlex.join(cmd)}"
            )
        if fixes:
            cmd = ["cnn-designer", "fix", file, "--apply", diag.code]
            if diag.layer:
                cmd += ["--layer", diag.layer]
            out.append(f"  Apply one: {shlex.join(cmd)} --choice N")
    return "\n".join(out) + ("\n" if out else "")

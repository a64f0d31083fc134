"""``cnn-designer check FILE``: every layer's shape and cost, and every problem."""

from __future__ import annotations

import argparse
import json
import sys

from designer.core.analysis import analyze
from designer.core.arithmetic import SEMANTICS
from designer.core.fileformat import FormatError, load_design
from designer.core.report import check_json, check_table


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check",
        help="print every layer's shape, parameters, MACs and receptive field, and the design's problems",
        description="Analyse a design file. Exit status: 0 no errors, 1 the design has errors, 2 the file cannot be read.",
    )
    p.add_argument("file", help="design file (.json)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument(
        "--semantics", choices=SEMANTICS, help="analyse under these framework rules instead of the file's own"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        design = load_design(args.file)
    except FormatError as exc:
        print(f"cnn-designer: cannot read {exc}", file=sys.stderr)
        return 2
    if args.semantics:
        design.set_semantics(args.semantics)
    analysis = analyze(design)
    if args.json:
        print(json.dumps(check_json(analysis), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(check_table(analysis))
    return 1 if analysis.has_errors() else 0

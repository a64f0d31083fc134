"""A sample of tools/fuzz_pipeline.py in every CI run: generated files through load → analyse →
check → fix → export (SVG, PNG, .py). No hang (more than 5 s of processor time per file), no
exception, no export that does not compile. The full run (10,000 files) is
``python tools/fuzz_pipeline.py``; its counts are in the issue-12 note."""

from __future__ import annotations

import os
import random
from collections import Counter

from tools.fuzz_pipeline import generate_case, run_case

CASES = 100


def test_generated_files_through_the_whole_pipeline(qapp) -> None:
    seed = int(os.environ.get("CNN_DESIGNER_PROPERTY_SEED", random.randrange(2**32)))
    counts: Counter[str] = Counter()
    failures = []
    for n in range(CASES):
        result = run_case(generate_case(random.Random(f"{seed}:{n}")), n)
        counts[result["outcome"]] += 1
        counts["code exported"] += result["outcome"] == "ok" and not result.get("code_refused")
        if result["outcome"] in ("hang", "exception", "not_compiling"):
            failures.append(
                (
                    n,
                    result["outcome"],
                    result.get("stage"),
                    result.get("traceback") or result.get("error"),
                )
            )
    print(f"\nfuzz pipeline sample: {CASES} files (seed {seed}): {dict(counts)}")
    assert not failures, f"seed {seed}: {failures[:3]}"
    assert counts["refused"] and counts["ok"] and counts["code exported"]

"""Shared by the hardening tests: seed documents and the one check every input must pass."""

from __future__ import annotations

import time
from pathlib import Path

from designer.core.analysis import analyze
from designer.core.fileformat import FormatError, dumps_design, loads_design
from designer.core.report import check_json, check_table
from designer.core.resources import examples_dir, templates_dir

DATA = Path(__file__).resolve().parent.parent / "data"
FIXTURES = DATA / "format" / "v1"

#: A case that takes longer than this (load + analysis + save text) counts as a hang.
CASE_SECONDS = 5.0


def seed_files() -> list[Path]:
    """Every valid design we ship or keep: templates, examples, format fixtures."""
    files = [
        *templates_dir().glob("*.json"),
        *examples_dir().glob("*.json"),
        *FIXTURES.glob("*.json"),
    ]
    return sorted(files)


def small_seed_texts(limit_bytes: int = 12_000) -> list[str]:
    """Seeds small enough to mutate thousands of times within the test budget."""
    return [p.read_text(encoding="utf-8") for p in seed_files() if p.stat().st_size <= limit_bytes]


def exercise(data: str | bytes) -> str:
    """Load ``data``; if it loads, analyse, report and save it. Return "refused" or "loaded".

    Anything but a ``FormatError`` from the loader, any exception after a
    successful load, a save that does not reload to the same text, or a case
    slower than ``CASE_SECONDS`` fails the calling test.
    """
    start = time.perf_counter()
    try:
        design = loads_design(data)
    except FormatError as exc:
        assert str(exc), "a format error must have a message"
        assert exc.path.startswith("$"), f"JSON path expected, got {exc.path!r}"
        outcome = "refused"
    else:
        analysis = analyze(design)
        analysis.diagnostics()
        analysis.totals()
        check_table(analysis)
        check_json(analysis)
        text = dumps_design(design)
        again = loads_design(text)
        assert dumps_design(again) == text, "a loaded design must save and reload unchanged"
        outcome = "loaded"
    elapsed = time.perf_counter() - start
    assert elapsed < CASE_SECONDS, f"one case took {elapsed:.1f} s"
    return outcome

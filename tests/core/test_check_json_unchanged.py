"""``cnn-designer check --json`` and the saved file stay byte for byte what they were
(issue 15: the faster core must change no result).

For every template and example, under every semantics, the SHA-256 of ``check --json``'s
output (layers, totals, diagnostics with their fixes) and of the design saved again
(``dumps_design``) are compared with tests/data/golden/check_json_digests.txt. That file was
written by the code before the core speed work (commits 3475f10 and, after the templates' layouts
changed, 7cabbd7: same ``check --json`` digests); rewrite it with ``--update-golden`` only for an
intended change of the output, and say so in the commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from pathlib import Path

from designer.cli import main
from designer.core.fileformat import dumps_design, load_design

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
FILES = sorted((RESOURCES / "templates").glob("*.json")) + sorted(
    (RESOURCES / "examples").glob("*.json")
)
SEMANTICS = ("pytorch", "keras", "caffe", "strict")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digests() -> str:
    lines = []
    for path in FILES:
        name = f"{path.parent.name}/{path.name}"
        for semantics in SEMANTICS:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = main(["check", str(path), "--json", "--semantics", semantics])
            lines.append(f"{name} {semantics} exit {code} check --json {_digest(out.getvalue())}")
        lines.append(f"{name} dumps_design {_digest(dumps_design(load_design(path)))}")
    return "\n".join(lines) + "\n"


def test_check_json_and_saved_files_are_unchanged(golden) -> None:  # type: ignore[no-untyped-def]
    golden("check_json_digests.txt", digests())

"""What ``cnn-designer check`` loads (issue 15): its start-up must not pay for Qt, numpy or the importers.

Speed itself is measured by benchmarks/bench_cli.py; these tests check the modules, which
decide it, so they fail whatever the machine's load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from designer.commands import COMMAND_MODULES, COMMAND_NAMES
from designer.commands import check as check_cmd
from designer.core.arithmetic import SEMANTICS

ROOT = Path(__file__).resolve().parents[2]
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

PROBE = """
import contextlib, io, json, sys
from designer.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_by(*args: str) -> tuple[int, list[str]]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["code"], out["modules"]


def offending(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]


def test_check_help_loads_only_its_own_parser() -> None:
    code, modules = loaded_by("check", "--help")
    assert code == 0
    ours = [m for m in modules if m.startswith("designer")]
    assert ours == ["designer", "designer.cli", "designer.commands", "designer.commands.check"]
    assert offending(modules) == []


def test_check_json_loads_no_qt_numpy_or_importers() -> None:
    code, modules = loaded_by("check", str(RESNET50), "--json")
    assert code == 0
    assert offending(modules) == []
    assert "designer.core.fixes" in modules  # the fixes are still computed (public contract)


def test_top_level_help_still_lists_every_command(capsys: object) -> None:
    code, modules = loaded_by("--help")
    assert code == 0
    assert set(COMMAND_MODULES) <= set(modules)


def test_command_names_cover_every_module() -> None:
    assert sorted(COMMAND_NAMES.values()) == sorted(COMMAND_MODULES)


def test_semantics_choices_match_the_core() -> None:
    assert tuple(check_cmd.SEMANTICS) == tuple(SEMANTICS)

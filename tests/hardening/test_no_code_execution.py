"""No code runs because a file was opened: no pickle, eval, exec or dynamic imports in designer/.

The one exception is the explicit, user-initiated "Import Model… from a Python
file" path (``designer/convert/python_source.py``), which imports the file the
user picked; it is listed below with exactly the calls it may make.
"""

from __future__ import annotations

import ast
from pathlib import Path

DESIGNER = Path(__file__).resolve().parents[2] / "designer"

FORBIDDEN_MODULES = {
    "pickle",
    "cPickle",
    "_pickle",
    "marshal",
    "shelve",
    "dill",
    "joblib",
    "cloudpickle",
    "runpy",
    "code",
}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile"}
FORBIDDEN_ATTRIBUTES = {
    "exec_module",
    "spec_from_file_location",
    "load_module",
    "run_path",
    "run_module",
}
#: file (relative to designer/) -> the forbidden names it may use, and why.
ALLOWED = {
    "convert/python_source.py": {
        "exec_module",
        "spec_from_file_location",
    },  # File ▸ Import Model… (.py chosen by the user)
}


def _violations(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(
                a.name.split(".")[0]
                for a in node.names
                if a.name.split(".")[0] in FORBIDDEN_MODULES
            )
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] in FORBIDDEN_MODULES
        ):
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.add(func.id)
            elif isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_ATTRIBUTES:
                found.add(func.attr)
            elif (
                isinstance(func, ast.Attribute)
                and func.attr == "load"
                and _root_name(func.value) in {"torch", "pickle", "yaml", "numpy", "np"}
            ):
                found.add(f"{_root_name(func.value)}.load")  # unpickles (numpy: with allow_pickle)
    return found


def _root_name(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def test_no_code_execution_from_files() -> None:
    problems = {}
    for path in sorted(DESIGNER.rglob("*.py")):
        rel = path.relative_to(DESIGNER).as_posix()
        bad = _violations(path) - ALLOWED.get(rel, set())
        if bad:
            problems[rel] = sorted(bad)
    assert not problems, f"code execution primitives outside the explicit import path: {problems}"


def test_the_scanner_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import pickle\nfrom marshal import loads\nx = eval('1')\nexec('y = 2')\n"
        "import torch\ntorch.load('m.pt')\nspec.loader.exec_module(m)\ndialog.exec()\n",
        encoding="utf-8",
    )
    assert _violations(sample) == {"pickle", "marshal", "eval", "exec", "torch.load", "exec_module"}


def test_the_allowed_path_exists() -> None:
    for rel in ALLOWED:
        assert (DESIGNER / rel).exists(), f"{rel} is allowed but gone: drop it from ALLOWED"

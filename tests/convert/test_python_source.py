"""A user's Python file: what it defines (read with ast, never run), then building a model from it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from designer.convert.design_builder import ConversionError
from designer.convert.python_source import (
    build_model,
    list_candidates,
    load_module,
    parse_call_args,
)
from tests.torch_oracle import requires_torch

SOURCE = '''
"""Running this file leaves a marker."""
from pathlib import Path
import torch.nn as nn

Path(__file__).with_name("ran.marker").write_text("ran")


class Base(nn.Module):
    """The shared trunk.

    More text that is not the summary.
    """

    def __init__(self, channels, /, width=8, *extra, depth: int = 2, **options):
        super().__init__()


class Net(Base):
    pass


class Deeper(Net):
    pass


class Config:
    def __init__(self, a, b=1):
        pass


def make_net(channels=3):
    return Net(channels)


def resnet_like() -> nn.Module:
    return Net(3)


def helper(x):
    return x


def _private():
    pass


if __name__ == "__main__":
    raise SystemExit("the main block must not run")
'''


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "models.py"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def test_candidates_are_read_without_running_the_file(source: Path) -> None:
    found = {c.name: c for c in list_candidates(source)}
    assert list(found) == ["Base", "Net", "Deeper", "Config", "make_net", "resnet_like", "helper"]
    assert not (source.parent / "ran.marker").exists()
    assert found["Base"].signature == "(channels, /, width=8, *extra, depth=2, **options)"
    assert found["Base"].summary == "The shared trunk."
    # an inherited __init__ is the one the user calls
    assert found["Deeper"].signature == found["Base"].signature
    assert found["Config"].signature == "(a, b=1)" and found["Config"].label == "Config(a, b=1)"
    looks = {name for name, c in found.items() if c.looks_like_model}
    assert looks == {"Base", "Net", "Deeper", "make_net", "resnet_like"}
    assert (found["Net"].kind, found["Net"].line) == ("class", 19)
    assert found["helper"].kind == "function"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("class Net(nn.Module)\n    pass\n", "bad.py, line 1: syntax error"),
        ("x = 1\n\tdef f(:\n", "bad.py, line 2"),
        ("a = '\0'\x00\n", "bad.py"),
    ],
)
def test_syntax_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.py"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConversionError, match=message):
        list_candidates(path)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match=r"nope\.py: no such file"):
        list_candidates(tmp_path / "nope.py")
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# caf\xe9\n")
    with pytest.raises(ConversionError, match="not a UTF-8 text file"):
        list_candidates(latin)


def test_parse_call_args() -> None:
    assert parse_call_args(None) == ([], {})
    assert parse_call_args("  ") == ([], {})
    assert parse_call_args("[1, 2]") == ([1, 2], {})
    assert parse_call_args('{"a": 1}') == ([], {"a": 1})
    with pytest.raises(ConversionError, match=r"^--args is not valid JSON \(Expecting"):
        parse_call_args("{a", "--args")
    with pytest.raises(ConversionError, match="the argument text must be a JSON list"):
        parse_call_args("3")


@requires_torch
def test_load_module_runs_the_file_but_not_its_main_block(source: Path) -> None:
    module = load_module(source)
    assert (source.parent / "ran.marker").exists()
    assert module.Net.__mro__[1] is module.Base
    assert str(source.parent) not in sys.path[:1]


def test_load_module_failures_are_messages(tmp_path: Path) -> None:
    raising = tmp_path / "raising.py"
    raising.write_text("raise ValueError('no config')\n", encoding="utf-8")
    with pytest.raises(
        ConversionError, match=r"running .*raising.py failed: ValueError: no config"
    ):
        load_module(raising)
    exiting = tmp_path / "exiting.py"
    exiting.write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    with pytest.raises(ConversionError, match=r"it called sys.exit\(3\)"):
        load_module(exiting)
    assert not [
        m for m in sys.modules if m.startswith("_cnn_designer_import_") and "raising" in str(m)
    ]


@requires_torch
def test_build_model_calls_classes_and_functions(source: Path) -> None:
    import torch

    model = build_model(source, "make_net", "[4]")
    assert isinstance(model, torch.nn.Module) and type(model).__name__ == "Net"
    with pytest.raises(
        ConversionError, match=r"has no 'Missing' \(classes in the file: Base, Config, Deeper, Net"
    ):
        build_model(source, "Missing")
    with pytest.raises(ConversionError, match=r"building Config failed: TypeError"):
        build_model(source, "Config")
    with pytest.raises(ConversionError, match="is not a class or a function"):
        build_model(source, "Path.__doc__")

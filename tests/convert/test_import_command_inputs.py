"""``cnn-designer import`` on sources that hold nothing to import: exit 2 and a message that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.cli import main


def test_a_folder_is_named_as_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "model.onnx").mkdir()
    (tmp_path / "model.py").mkdir()
    assert main(["import", str(tmp_path / "model.onnx")]) == 2
    assert "model.onnx: a folder, not a file" in capsys.readouterr().err
    assert main(["import", f"{tmp_path / 'model.py'}:Net", "--input-shape", "3,8,8"]) == 2
    assert "model.py: a folder, not a file" in capsys.readouterr().err


def test_an_empty_onnx_file_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty file parses as an empty ModelProto; it once gave an empty design and exit 1."""
    pytest.importorskip(
        "onnx", reason="the optional onnx package is not installed (pip install onnx)"
    )
    src, out = tmp_path / "empty.onnx", tmp_path / "empty.json"
    src.write_bytes(b"")
    assert main(["import", str(src), "-o", str(out)]) == 2
    assert "empty.onnx has no graph input" in capsys.readouterr().err
    assert not out.exists()

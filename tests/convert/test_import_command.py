"""``cnn-designer import``: from a Python file the user names, to a design file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.core.fileformat import load_design
from tests.torch_oracle import requires_torch

MODEL_FILE = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(8 * 16 * 16, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class Odd(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.norm = nn.LayerNorm([4, 30, 30])

    def forward(self, x):
        return torch.roll(self.norm(self.conv(x)), 1, 2)


def make_net():
    return Net(num_classes=3)
"""


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_models.py"
    path.write_text(MODEL_FILE, encoding="utf-8")
    return path


@requires_torch
def test_import_a_class_to_a_file(
    model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net.json"
    code = main(
        [
            "import",
            f"{model_file}:Net",
            "--input-shape",
            "3,32,32",
            "--args",
            '{"num_classes": 5}',
            "-o",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    design = load_design(out)
    assert [ly.id for ly in design] == [
        "x",
        "features.0",
        "features.1",
        "features.2",
        "flatten",
        "classifier",
    ]
    assert design.layer("classifier").params == {"out_features": 5}
    assert design.name == "Net" and "my_models.py:Net" in design.description
    assert "6 layers, 10,469 parameters" in err and str(out) in err


@requires_torch
def test_import_prints_json_without_output_and_calls_factories(
    model_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "import",
                f"{model_file}:make_net",
                "--input-shape",
                "3x32x32",
                "--name",
                "from factory",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["name"] == "from factory"
    assert doc["layers"][-1] == {"id": "classifier", "type": "Linear", "out_features": 3}


@requires_torch
def test_unsupported_layers_still_write_the_file_and_exit_1(
    model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "odd.json"
    assert main(["import", f"{model_file}:Odd", "--input-shape", "3,32,32", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "ERROR [unsupported_op] unsupported_roll stands for the operation roll()" in err
    assert (
        "1 unsupported operation became Unsupported layers (errors until replaced; code export refuses them): torch.roll ×1"
        in err
    )
    saved = load_design(out)
    assert saved.layer("unsupported_roll").params == {"op": "torch.roll", "shape": [4, 30, 30]}
    assert saved.layer("norm").type == "LayerNorm"
    # The saved file still fails check, and export refuses it naming the op.
    assert main(["check", str(out)]) == 1
    capsys.readouterr()
    assert main(["export", str(out), "-o", str(tmp_path / "odd.py")]) == 1
    assert "torch.roll" in capsys.readouterr().err
    assert not (tmp_path / "odd.py").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "{dir}/nope.py:Net", "--input-shape", "3,8,8"], "nope.py: no such file"),
        pytest.param(
            ["import", "{file}:Missing", "--input-shape", "3,8,8"],
            "has no 'Missing' (classes in the file: Net, Odd)",
            marks=requires_torch,
        ),
        (["import", "{file}", "--input-shape", "3,8,8"], "expected FILE.py:ClassName"),
        (["import", "{file}:Net"], "--input-shape is required"),
        (["import", "{file}:Net", "--input-shape", "3,eight,8"], "expected C,H,W"),
        (
            ["import", "{file}:Net", "--input-shape", "3,8,8", "--args", "{bad"],
            "--args is not valid JSON",
        ),
        pytest.param(
            ["import", "{file}:Net", "--input-shape", "3,8,8", "--args", '{"width": 2}'],
            "building Net failed: TypeError",
            marks=requires_torch,
        ),
        (["import", "{dir}/model.onnx"], "model.onnx: no such file"),
    ],
)
def test_import_errors_are_clear(
    argv: list[str], message: str, model_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        a.replace("{file}", str(model_file)).replace("{dir}", str(model_file.parent)) for a in argv
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err


def test_missing_torch_is_a_clear_message(
    model_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    assert main(["import", f"{model_file}:Net", "--input-shape", "3,32,32"]) == 2
    err = capsys.readouterr().err
    assert "needs the torch package, which is not installed" in err and "pip install torch" in err

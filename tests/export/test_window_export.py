"""`cnn-designer export FILE --window LAYER -o OUT`: frames as SVG/PNG, the sequence as GIF/APNG."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from designer.cli import main as cli_main
from designer.core.design import Design, Layer
from designer.core.fileformat import load_design, save_design
from designer.core.resources import templates_dir
from designer.export.window_exporter import have_pillow

# A QApplication first: the exporters would otherwise make a bare QGuiApplication, which the
# GUI tests that run later in the same process cannot replace.
pytestmark = pytest.mark.usefixtures("qapp")

needs_pillow = pytest.mark.skipif(
    not have_pillow(), reason="animated export needs Pillow (the test extra installs it)"
)


@pytest.fixture
def alexnet_224(tmp_path: Path) -> Path:
    design = load_design(templates_dir() / "alexnet_paper.json")
    design.set_param("input", "shape", [3, 224, 224])
    path = tmp_path / "alexnet224.json"
    save_design(design, path)
    return path


@needs_pillow
@pytest.mark.parametrize("suffix, fmt", [(".gif", "GIF"), (".apng", "PNG")])
def test_the_sequence_as_an_animation(
    alexnet_224: Path, tmp_path: Path, capsys, suffix: str, fmt: str
) -> None:
    from PIL import Image

    out = tmp_path / f"conv1{suffix}"
    assert cli_main(["export", str(alexnet_224), "--window", "conv1", "-o", str(out)]) == 0
    assert "16 frames" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.format == fmt
        assert image.n_frames == 16
        assert image.info.get("loop") == 0
        image.seek(0)
        first = image.convert("RGB").tobytes()
        image.seek(15)
        last = image.convert("RGB").tobytes()
    assert first != last  # the window moved


@needs_pillow
def test_full_mode_animates_every_window(tmp_path: Path) -> None:
    from PIL import Image

    design = Design("small")
    design.add_layer(Layer("input", "Input", {"shape": [1, 7, 7]}, []))
    design.add_layer(
        Layer("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3, "dilation": 2}, ["input"])
    )
    path = tmp_path / "small.json"
    save_design(design, path)
    out = tmp_path / "c.gif"
    assert (
        cli_main(["export", str(path), "--window", "conv", "--full", "--fps", "10", "-o", str(out)])
        == 0
    )
    with Image.open(out) as image:
        assert image.n_frames == 3 * 3  # (7 − 5)/1 + 1 = 3 windows per axis
        assert image.info["duration"] == 100


def test_a_still_frame_as_svg_and_png(alexnet_224: Path, tmp_path: Path) -> None:
    svg = tmp_path / "conv1.svg"
    assert cli_main(["export", str(alexnet_224), "--window", "conv1", "-o", str(svg)]) == 0
    text = svg.read_text(encoding="utf-8")
    assert "Window 16 of 16 → output (53, 53)" in text  # the last window by default
    assert "447 of 50,176 input cells" in text
    png = tmp_path / "conv1.png"
    assert (
        cli_main(
            [
                "export",
                str(alexnet_224),
                "--window",
                "conv1",
                "--frame",
                "2",
                "--scale",
                "2",
                "-o",
                str(png),
            ]
        )
        == 0
    )
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 1000


@pytest.mark.parametrize(
    "args, message",
    [
        (["--window", "relu1", "-o", "x.gif"], "does not slide a window"),
        (
            ["--window", "nope", "-o", "x.svg"],
            "there is no layer 'nope' (layers with windows: conv1",
        ),
        (["--window", "conv1", "-o", "x.pdf"], "use .svg, .png, .gif or .apng"),
        (
            ["--window", "conv1", "--frame", "17", "-o", "x.svg"],
            "frame 16 does not exist: this layer has frames 1 to 16",
        ),
        (["--window", "conv1", "--frame", "2", "-o", "x.gif"], "--frame picks a still frame"),
        (["--window", "conv1", "--full", "-o", "x.gif"], "2,916 windows are too many frames"),
        (["--window", "conv1", "--fps", "0", "-o", "x.gif"], "frames per second must be above 0"),
    ],
)
def test_bad_requests_say_what_is_wrong(
    alexnet_224: Path, tmp_path: Path, capsys, monkeypatch, args, message
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli_main(["export", str(alexnet_224), *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("x.*"))


def test_without_pillow_animations_say_how_to_get_it(
    alexnet_224: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert (
        cli_main(["export", str(alexnet_224), "--window", "conv1", "-o", str(tmp_path / "x.gif")])
        == 2
    )
    assert "pip install 'cnn-designer[animation]'" in capsys.readouterr().err
    # still frames need nothing but Qt
    assert (
        cli_main(["export", str(alexnet_224), "--window", "conv1", "-o", str(tmp_path / "x.png")])
        == 0
    )


def test_full_view_of_a_huge_grid_is_refused(tmp_path: Path, capsys) -> None:
    design = Design("huge")
    design.add_layer(Layer("input", "Input", {"shape": [1, 1000, 1000]}, []))
    design.add_layer(Layer("conv", "Conv2d", {"out_channels": 1, "kernel_size": 3}, ["input"]))
    path = tmp_path / "huge.json"
    save_design(design, path)
    assert (
        cli_main(["export", str(path), "--window", "conv", "--full", "-o", str(tmp_path / "x.svg")])
        == 2
    )
    assert "1000×1000 = 1,000,000 cells, too many" in capsys.readouterr().err
    assert cli_main(["export", str(path), "--window", "conv", "-o", str(tmp_path / "x.svg")]) == 0


# The user guide's four small examples (tools/tutorial_designs.py), exported as the guide says.
_TOOLS = Path(__file__).resolve().parents[2] / "tools"


@needs_pillow
@pytest.mark.parametrize(
    "name, out_shape, unread",
    [
        ("same-stride2", (4, 4), 0),
        ("dilated", (5, 5), 0),
        ("ceil-pool", (4, 4), 0),
        ("transposed", (8, 8), 0),
    ],
)
def test_the_guide_examples_export_every_window(
    tmp_path: Path, monkeypatch, name: str, out_shape, unread
) -> None:
    from PIL import Image

    from designer.core.analysis import analyze
    from designer.core.window_geometry import layer_window

    monkeypatch.syspath_prepend(str(_TOOLS))
    import tutorial_designs as tut

    example = next(e for e in tut.WINDOW_EXAMPLES if e.name == name)
    design = Design(name)
    design.set_semantics(example.semantics)
    design = tut.build(example.steps, design)
    geometry = layer_window(analyze(design), example.layer)
    assert geometry is not None and geometry.out_shape == out_shape
    assert geometry.unread_cells == unread
    path = tmp_path / f"{name}.json"
    save_design(design, path)
    out = tmp_path / f"{name}.gif"
    assert cli_main(["export", str(path), "--window", example.layer, "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.n_frames == out_shape[0] * out_shape[1]  # small: every window

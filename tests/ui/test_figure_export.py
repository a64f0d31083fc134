"""SVG and PNG exports of the templates, and the ``export`` command."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from designer.cli import main
from designer.core.analysis import analyze
from designer.core.figure import FigureStyle
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.core.volume_geometry import build_volume_scene
from designer.export.figure_exporter import ExportOptions
from designer.export.png_exporter import PngExporter
from designer.export.svg_exporter import SvgExporter

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = ["alexnet_paper", "resnet18", "vgg16", "lenet5"]


def template(name: str):
    return load_design(templates_dir() / f"{name}.json")


def parse(data: bytes) -> ET.Element:
    return ET.fromstring(data)


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("view", ["blocks", "graph"])
def test_svg_is_valid_vector_with_one_group_per_layer(name: str, view: str) -> None:
    design = template(name)
    root = parse(SvgExporter(design, ExportOptions(view=view, collapse="none")).export())  # type: ignore[arg-type]
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}image")) and b"data:" not in ET.tostring(root)  # no raster
    groups = [g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("layer-")]
    ids = [g.get("id")[len("layer-") :] for g in groups]  # type: ignore[index]
    assert len(ids) == len(set(ids))
    drawn = [lid for g in groups for lid in g.get("data-layers", "").split()]
    assert sorted(drawn) == sorted(design.ids)  # every layer is in exactly one group
    if view == "graph":
        assert sorted(ids) == sorted(design.ids)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    info = analyze(design).info
    last = design.ids[-1]
    from designer.core.shape_rules import fmt_shape

    assert fmt_shape(info[last].output_shape) in texts


def test_alexnet_blocks_svg_labels_and_all_layers_option() -> None:
    design = template("alexnet_paper")
    root = parse(SvgExporter(design).export())
    conv1 = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "layer-conv1")
    assert "55×55×96" in [t.text for t in conv1.iter(f"{SVG}text")]
    assert conv1.get("data-layers") == "conv1 relu1 lrn1"
    assert len(list(conv1.iter(f"{SVG}polygon"))) >= 3  # visible faces are polygons
    chw = parse(SvgExporter(design, ExportOptions(style=FigureStyle(dims="chw"))).export())
    assert "96×55×55" in [t.text for t in chw.iter(f"{SVG}text")]
    every = ExportOptions(blocks=replace(ExportOptions().blocks, fold=False))
    full = parse(SvgExporter(design, every).export())
    ids = [g.get("id") for g in full.iter(f"{SVG}g") if g.get("id", "").startswith("layer-")]
    assert sorted(ids) == sorted(f"layer-{i}" for i in design.ids)


def test_svg_options_legend_labels_font_transparency() -> None:
    design = template("resnet18")
    plain = parse(SvgExporter(design).export())
    assert plain.find(f"{SVG}rect[@id='background']") is not None
    assert not [g for g in plain.iter(f"{SVG}g") if g.get("id") == "legend"]
    style = FigureStyle(
        show_labels=False, legend=True, font_family="Liberation Serif", font_size=14
    )
    root = parse(SvgExporter(design, ExportOptions(style=style, transparent=True)).export())
    assert root.find(f"{SVG}rect[@id='background']") is None
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "legend")
    assert {"Convolution", "Pooling", "Merge"} <= {t.text for t in legend.iter(f"{SVG}text")}
    outside = [
        t for g in root.iter(f"{SVG}g") if g.get("id") != "legend" for t in g.findall(f"{SVG}text")
    ]
    assert outside == []
    assert root.get("font-family", "").startswith("'Liberation Serif'")


def test_svg_escapes_text(tmp_path: Path) -> None:
    design = template("lenet5")
    design.set_name('A & B <"net">')
    data = SvgExporter(design).export(tmp_path / "x.svg")
    assert (tmp_path / "x.svg").read_bytes() == data
    assert parse(data).find(f"{SVG}title").text == 'A & B <"net">'  # type: ignore[union-attr]


def _non_background(image, background: int) -> int:
    return sum(
        1
        for y in range(0, image.height(), 3)
        for x in range(0, image.width(), 3)
        if image.pixel(x, y) != background
    )


@pytest.mark.parametrize("view", ["blocks", "graph"])
def test_png_size_follows_scale_and_is_not_blank(qapp, view: str) -> None:
    from PySide6.QtGui import QImage

    design = template("alexnet_paper")
    one = PngExporter(design, ExportOptions(view=view))  # type: ignore[arg-type]
    figure = one.figure()
    img1 = QImage.fromData(one.export())
    img2 = QImage.fromData(PngExporter(figure, ExportOptions(scale=2)).export())
    assert abs(img1.width() - figure.width) <= 1 and abs(img1.height() - figure.height) <= 1
    assert abs(img2.width() - 2 * figure.width) <= 1 and abs(img2.height() - 2 * figure.height) <= 1
    assert img2.dotsPerMeterX() == round(192 / 0.0254)
    white = 0xFFFFFFFF
    assert _non_background(img1, white) > 200
    corner = img1.pixel(1, 1)
    assert corner == white


def test_png_transparent_background(qapp) -> None:
    from PySide6.QtGui import QImage

    data = PngExporter(template("lenet5"), ExportOptions(transparent=True)).export()
    img = QImage.fromData(data)
    assert img.hasAlphaChannel() and (img.pixel(0, 0) >> 24) == 0
    assert _non_background(img, img.pixel(0, 0)) > 100


def test_png_refuses_absurd_scale(qapp) -> None:
    with pytest.raises(ValueError, match="too large"):
        PngExporter(template("vgg16"), ExportOptions(scale=200)).export()


def test_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp) -> None:
    src = str(templates_dir() / "alexnet_paper.json")
    svg, png, py = tmp_path / "a.svg", tmp_path / "a.png", tmp_path / "a.py"
    assert main(["export", src, "-o", str(svg), "--legend", "--dims", "chw"]) == 0
    assert "96×55×55" in svg.read_text(encoding="utf-8")
    assert (
        main(["export", src, "-o", str(png), "--view", "graph", "--scale", "2", "--transparent"])
        == 0
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["export", src, "-o", str(py)]) == 0
    assert "class" in py.read_text(encoding="utf-8") and "nn.Conv2d" in py.read_text(
        encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["export", str(tmp_path / "missing.json"), "-o", str(svg)]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["export", src, "-o", str(tmp_path / "a.gif")]) == 2
    assert ".svg, .png, .py or .onnx" in capsys.readouterr().err
    assert main(["export", src, "-o", str(png), "--scale", "0"]) == 2
    assert main(["export", src, "-o", str(tmp_path / "nope" / "a.svg")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["export", src, "-o", str(svg), "--view", "pie"])
    assert exc.value.code == 2


def test_figure_from_scene_options_are_honoured() -> None:
    design = template("alexnet_paper")
    scene = build_volume_scene(analyze(design))
    assert scene.block("conv1").dims_label == "55×55×96"
    text = SvgExporter(design, ExportOptions(view="blocks")).export().decode()
    assert re.search(r'<g id="layer-conv1"', text)

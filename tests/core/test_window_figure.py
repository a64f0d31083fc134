"""The Window picture (designer.core.window_figure): what each frame draws, with the core's numbers."""

from __future__ import annotations

from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.core.figure import Rect, Text
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.core.window_figure import UNREAD_FILL, WindowFigure, wrap
from designer.core.window_geometry import WindowFrames, layer_window


def _alexnet(size: int, compact: bool = True) -> WindowFigure:
    design = load_design(templates_dir() / "alexnet_paper.json")
    design.set_param("input", "shape", [3, size, size])
    g = layer_window(analyze(design), "conv1")
    assert g is not None
    return WindowFigure(WindowFrames(g, compact))


def _single(
    type_id: str, params: dict, shape: list[int], semantics: str = "pytorch"
) -> WindowFigure:
    d = Design("t")
    d.set_semantics(semantics)
    d.add_layer(Layer("input", "Input", {"shape": shape}, []))
    d.add_layer(Layer("layer", type_id, params, ["input"]))
    g = layer_window(analyze(d), "layer")
    assert g is not None
    return WindowFigure(WindowFrames(g, False))


def test_alexnet_224_marks_the_unread_row_and_column_in_red_with_the_count() -> None:
    fig = _alexnet(224)
    static = fig.figure(None)
    red = [
        p
        for p in static.primitives()
        if isinstance(p, Rect) and p.fill == UNREAD_FILL and p.role.startswith("cell")
    ]
    # compact: 31 rows and 31 columns are drawn; row 223 and column 223 are red (one shared cell)
    assert len(fig.rows.cells) == len(fig.cols.cells) == 31
    assert len(red) == 31 + 31 - 1
    texts = " ".join(static.texts())
    assert "447 of 50,176 input cells" in texts
    assert "never read (447)" in texts
    # the formula is the explanation's: the core's numbers, rounded as PyTorch does
    assert "(224 − 11 + 2·0)/4 + 1 = 54.25 → ⌊54.25⌋ = 54" in texts


def test_alexnet_227_reads_every_cell() -> None:
    fig = _alexnet(227)
    static = fig.figure(None)
    assert not [p for p in static.primitives() if isinstance(p, Rect) and p.fill == UNREAD_FILL]
    assert "Every input cell is read by some window." in static.texts()


def test_each_frame_draws_the_taps_the_window_and_the_output_so_far() -> None:
    fig = _alexnet(224)
    last = len(fig.frames) - 1
    items = fig.frame_items(last)
    taps = [p for p in items if isinstance(p, Rect) and p.role == "tap"]
    assert len(taps) == 121
    done = [p for p in items if isinstance(p, Rect) and p.role == "output-done"]
    assert len(done) == last
    status = [p.text for p in items if isinstance(p, Text) and p.role == "status"]
    assert status == [
        "Window 16 of 16 → output (53, 53)",
        "Reads input rows 212–222, columns 212–222 — 121 of its 121 taps on input cells",
    ]
    # every frame has the size of the first, so they stack into an animation
    sizes = {(fig.figure(n).width, fig.figure(n).height) for n in range(len(fig.frames))}
    assert len(sizes) == 1


def test_dilated_taps_leave_gaps() -> None:
    fig = _single("Conv2d", {"out_channels": 1, "kernel_size": 3, "dilation": 2}, [1, 9, 9])
    taps = [p for p in fig.frame_items(0) if isinstance(p, Rect) and p.role == "tap"]
    xs = sorted({round(p.x) for p in taps})
    assert len(xs) == 3 and xs[1] - xs[0] == 2 * fig.cell  # one untouched cell between taps


def test_transposed_conv_draws_inserted_zeros_and_explains_the_equivalent_padding() -> None:
    fig = _single(
        "ConvTranspose2d",
        {"out_channels": 1, "kernel_size": 3, "stride": 2, "padding": 1},
        [1, 3, 3],
    )
    static = fig.figure(None)
    zeros = [p for p in static.primitives() if isinstance(p, Rect) and p.role == "cell-zero"]
    assert len(zeros) == 5 * 5 - 3 * 3  # the 5×5 stretched input holds 3×3 real cells
    texts = " ".join(static.texts())
    assert "padding d·(k − 1) − p = 1·(3 − 1) − 1 = 1" in texts
    assert "stretched to 5×5, padded to 7×7" in texts


def test_ceil_mode_draws_the_window_pytorch_drops() -> None:
    fig = _single(
        "MaxPool2d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, [1, 5, 5]
    )
    static = fig.figure(None)
    assert [p for p in static.primitives() if p.role == "dropped"]
    assert "window PyTorch drops (it would start in the padding)" in static.texts()
    assert any("⌈3.5⌉ = 4 − 1 = 3" in t for t in static.texts())


def test_keras_same_with_stride_2_pads_only_after() -> None:
    fig = _single(
        "Conv2d",
        {"out_channels": 1, "kernel_size": 3, "stride": 2, "padding": "same"},
        [1, 8, 8],
        "keras",
    )
    assert "padding top 0, bottom 1, left 0, right 1" in fig.title
    assert fig.frames.geometry.out_shape == (4, 4)


def test_clicking_an_output_cell_finds_its_frame() -> None:
    fig = _alexnet(224)
    x, y, w, h = fig.output_rect(52, 1)
    assert fig.frame_at_output(x + w / 2, y + h / 2) == fig.frames.frame_of(52, 1) == 9
    assert fig.frame_at_output(x - 50, y) is None


def test_wrap_keeps_words_whole() -> None:
    assert wrap("a bb ccc", 10, 25) == ["a bb", "ccc"]

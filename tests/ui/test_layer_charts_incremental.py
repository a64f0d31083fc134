"""The charts follow edits incrementally (issue 15, target 6).

An edit rewrites only the bars of the layers the analysis reports changed, in place; layers
added, removed, renamed or reordered rebuild the bars. Whatever path an update takes, the
charts must be exactly what a fresh panel draws for the same design: these tests compare
them after random edits, undo and redo, and count what an edit recomputes.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.core.collapsed_figure import block_rows
from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.core.layer_table import WEIGHTED_TYPES
from designer.core.resources import templates_dir
from designer.ui.document import Document
from designer.ui.panels.layer_charts import (
    BAR_WIDTH,
    METRICS,
    SELECTED_COLOR,
    LayerChartsPanel,
)


def chain(n: int) -> Design:
    """Input, then Conv → BN → ReLU blocks (padding 1 keeps 32×32)."""
    d = Design(f"chain of {n}")
    d.add_layer(Layer("input", "Input", {"shape": [8, 32, 32]}, []))
    prev = "input"
    for k in range(1, n):
        kind = ("Conv2d", "BatchNorm2d", "ReLU")[(k - 1) % 3]
        params = {"out_channels": 8, "kernel_size": 3, "padding": 1} if kind == "Conv2d" else {}
        d.add_layer(Layer(f"l{k}", kind, params, [prev]))
        prev = f"l{k}"
    return d


def shown_panel(qtbot, doc: Document) -> LayerChartsPanel:
    panel = LayerChartsPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(1000, 640)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def settle(panel: LayerChartsPanel) -> None:
    """Let the event loop run the deferred refresh, as it does after an edit."""
    for _ in range(3):
        QApplication.processEvents()
    assert not panel._deferred.pending


def assert_like_fresh(panel: LayerChartsPanel, qtbot) -> None:
    """The panel draws exactly what a panel built now from the same document draws."""
    fresh = LayerChartsPanel(panel.document)
    qtbot.addWidget(fresh)
    fresh.resize(panel.size())
    fresh.collapsed = set(panel.collapsed)
    fresh.by_block = panel.by_block
    fresh.weighted_only = panel.weighted_only
    fresh.log = panel.log
    fresh.refresh()
    assert panel.ids == fresh.ids
    assert panel.titles == fresh.titles
    assert [r.id for r in panel.rows] == [r.id for r in fresh.rows]
    assert panel.rows == fresh.rows  # the rows behind the hover text
    for m, (key, *_rest) in enumerate(METRICS):
        assert panel.values(key) == fresh.values(key), key
        assert panel.heights(m) == fresh.heights(m), key
        # The rectangles pyqtgraph draws, and the bounds its view box reads.
        mine = panel.bars[m]._rectarray.ndarray()
        theirs = fresh.bars[m]._rectarray.ndarray()
        assert np.array_equal(mine, theirs), key
        assert panel.bars[m].dataBounds(1) == fresh.bars[m].dataBounds(1), key
        assert panel.plots[m].getViewBox().viewRange()[1] == pytest.approx(
            fresh.plots[m].getViewBox().viewRange()[1]
        ), key
        chosen, fresh_chosen = panel.selection_bars[m], fresh.selection_bars[m]
        assert np.array_equal(chosen._rectarray.ndarray(), fresh_chosen._rectarray.ndarray()), (
            f"selection {key}"
        )
    assert panel.selected_bars() == fresh.selected_bars()
    assert panel.summary.text() == fresh.summary.text()
    fresh.close()
    fresh.deleteLater()


def click_bar(qtbot, panel: LayerChartsPanel, index: int) -> None:
    pos = panel.graphics.mapFromScene(panel.bar_center(0, index))
    qtbot.mouseClick(panel.graphics.viewport(), Qt.MouseButton.LeftButton, pos=pos)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_leave_the_charts_as_a_fresh_refresh_draws_them(qtbot, seed):
    rng = random.Random(seed)
    doc = Document(load_design(templates_dir() / "resnet18.json"))
    panel = shown_panel(qtbot, doc)
    kinds = ["param"] * 6 + ["append", "delete", "rename", "undo", "undo", "redo", "click"]
    kinds += ["log", "scope"]
    for step in range(36):
        kind = rng.choice(kinds)
        ids = doc.design.ids
        convs = [lid for lid in ids if doc.design.layer(lid).type == "Conv2d"]
        if kind == "param" and convs:
            target = rng.choice(convs)
            name, value = rng.choice(
                [("out_channels", rng.choice([16, 64, 128])), ("kernel_size", rng.choice([1, 3]))]
            )
            doc.set_param(target, name, value)
            doc.close_edit()
        elif kind == "append":
            doc.append_after(rng.choice(["Conv2d", "ReLU", "BatchNorm2d"]), rng.choice(ids[1:]))
        elif kind == "delete" and len(ids) > 3:
            doc.remove_layers([rng.choice(ids[1:])])
        elif kind == "rename":
            old = rng.choice(ids[1:])
            doc.rename(old, f"{old}_r{step}")
        elif kind == "undo" and doc.undo_stack.canUndo():
            doc.undo_stack.undo()
        elif kind == "redo" and doc.undo_stack.canRedo():
            doc.undo_stack.redo()
        elif kind == "click" and panel.ids:
            index = rng.randrange(len(panel.ids))
            click_bar(qtbot, panel, index)
            assert panel.selected_bars() == [index]
        elif kind == "log":
            qtbot.mouseClick(panel.log_check, Qt.MouseButton.LeftButton)
        elif kind == "scope":
            panel.scope_combo.setCurrentIndex(rng.choice([0, 1]))  # weighted only / all layers
        settle(panel)
        assert_like_fresh(panel, qtbot)


def test_an_edit_of_one_layer_rewrites_its_bars_only(qtbot):
    doc = Document(chain(301))
    panel = shown_panel(qtbot, doc)
    weighted = [lid for lid in doc.design.ids if doc.design.layer(lid).type in WEIGHTED_TYPES]
    assert panel.ids == weighted and len(weighted) == 100
    rebuilds = panel.rebuild_count

    # out_channels of the last conv: the analysis reports it and the two layers after it.
    last = weighted[-1]
    checked, recomputed = panel.bars_checked, panel.bars_recomputed
    doc.set_param(last, "out_channels", 16)
    settle(panel)
    assert panel.rebuild_count == rebuilds, "a parameter edit does not rebuild the bars"
    assert panel.bars_checked - checked == 1  # one of the reported layers has a bar
    assert panel.bars_recomputed - recomputed == 1
    assert panel.values("params")[-1] == 8 * 16 * 9 + 16

    # A kernel edit mid-design: the layers downstream see only a new receptive field, which
    # no bar shows (the analysis reports them as field-only, or leaves their fields to be
    # brought up to date when read): only the edited layer's bar is read again.
    mid = weighted[50]
    click_bar(qtbot, panel, 50)  # the user picks the layer to edit on the chart
    assert doc.selection == [mid] and panel.selected_bars() == [50]
    checked, recomputed = panel.bars_checked, panel.bars_recomputed
    doc.set_params(mid, {**doc.design.layer(mid).params, "kernel_size": 5, "padding": 2})
    settle(panel)
    assert panel.rebuild_count == rebuilds
    assert mid not in doc.analysis.field_only
    assert panel.bars_checked - checked == 1  # not the 49 convs after it
    assert panel.bars_recomputed - recomputed == 1
    assert_like_fresh(panel, qtbot)  # the selected bar drawn at its new height too

    # Layers added or removed rebuild the bars.
    doc.append_after("Conv2d", weighted[10])
    settle(panel)
    assert panel.rebuild_count == rebuilds + 1
    assert len(panel.ids) == 101
    doc.undo_stack.undo()
    settle(panel)
    assert panel.rebuild_count == rebuilds + 2
    assert_like_fresh(panel, qtbot)


def test_a_hidden_panel_catches_up_when_shown(qtbot):
    doc = Document(chain(31))
    panel = shown_panel(qtbot, doc)
    panel.hide()
    convs = [lid for lid in doc.design.ids if doc.design.layer(lid).type == "Conv2d"]
    for n, lid in enumerate(convs[:4]):
        doc.set_param(lid, "out_channels", 4 + n)
    QApplication.processEvents()
    assert panel.bars_checked == 0, "nothing is recomputed while the charts are hidden"
    panel.show()
    qtbot.waitExposed(panel)
    settle(panel)
    assert_like_fresh(panel, qtbot)


def screen_pixels(widget) -> QImage:
    """What the window system shows of ``widget``: its window's backing store, not a fresh
    rendering (``grab()`` paints anew and would hide a region left unpainted)."""
    window = widget.window()
    image = window.screen().grabWindow(window.winId()).toImage()
    top_left = widget.mapTo(window, widget.rect().topLeft()) * image.devicePixelRatio()
    size = widget.size() * image.devicePixelRatio()
    return image.copy(top_left.x(), top_left.y(), size.width(), size.height())


def test_an_edit_below_the_tallest_bar_repaints_its_bar_right(qtbot):
    doc = Document(chain(31))
    convs = [lid for lid in doc.design.ids if doc.design.layer(lid).type == "Conv2d"]
    doc.set_param(convs[0], "out_channels", 64)  # the tallest bars stay the first conv's
    doc.close_edit()
    panel = shown_panel(qtbot, doc)
    settle(panel)
    before = screen_pixels(panel.graphics)
    # Up, down below the others, up again: parameters and MACs change, the activations do
    # not (a region of the other charts' does not cover this one's), the tallest bars stay.
    for k in (7, 1, 5):
        doc.set_params(
            convs[5], {**doc.design.layer(convs[5]).params, "kernel_size": k, "padding": k // 2}
        )
        settle(panel)
        QApplication.processEvents()
    mine = screen_pixels(panel.graphics)
    assert mine != before, "the edit shows"
    panel.graphics.viewport().update()  # paint everything anew
    QApplication.processEvents()
    assert mine == screen_pixels(panel.graphics), "each bar repainted where it was and is"


def test_bars_are_at_least_a_pixel_wide_so_none_vanishes(qtbot):
    doc = Document(chain(3001))  # 1,000 bars across a plot about 900 pixels wide
    panel = shown_panel(qtbot, doc)
    settle(panel)
    for plot, width in zip(panel.plots, panel.bar_widths, strict=True):
        (lo, hi), _ = plot.getViewBox().viewRange()
        assert width >= (hi - lo) / plot.getViewBox().width() > BAR_WIDTH  # a pixel or more
    convs = panel.ids
    for n in (333, 334, 335, 336):  # whichever pixel a bar falls on, the selected one shows
        doc.select([convs[n]])
        QApplication.processEvents()
        image = panel.graphics.grab().toImage()
        vb = panel.plots[0].getViewBox().sceneBoundingRect()
        red = sum(
            image.pixelColor(x, y).name() == SELECTED_COLOR
            for x in range(int(vb.left()), int(vb.right()))
            for y in range(int(vb.top()), int(vb.bottom()), 4)
        )
        assert red > 0, f"the selected bar {n} is not drawn"
    # Zoomed in (as the mouse wheel does) until the bars are wide: their own width again.
    view = panel.plots[0].getViewBox()
    view.setXRange(0, 20, padding=0)
    QApplication.processEvents()
    assert panel.bar_widths == [BAR_WIDTH] * 3
    for bars in (*panel.bars, *panel.selection_bars):
        assert np.allclose(bars._rectarray.ndarray()[:, 2], BAR_WIDTH)


def test_a_repaint_of_a_few_bars_draws_those_bars_only(qtbot):
    """Qt says which part of the chart is repainted (the bars ask for the extended style
    option): the bars there are drawn, a slice of the array, not all 3,000 again."""
    from PySide6.QtCore import QRectF
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    from designer.ui.panels.layer_charts import Bars

    bars = Bars(x=np.arange(3000.0), height=np.ones(3000), width=0.8, brush="b", pen=None)
    drawn: list[tuple[float, int]] = []

    class Painter:  # records what a QPainter would be asked to draw
        def setPen(self, *_a):
            pass

        def setBrush(self, *_a):
            pass

        def drawRects(self, first, count):
            drawn.append((first.x(), count))

    option = QStyleOptionGraphicsItem()
    option.exposedRect = QRectF(100.2, 0.0, 2.5, 1.0)
    bars.paint(Painter(), option)
    assert len(drawn) == 1 and drawn[0][1] <= 5 and 99 <= drawn[0][0] + 0.4 <= 101, drawn
    option.exposedRect = bars.boundingRect()
    bars.paint(Painter(), option)
    assert drawn[-1] == (-0.4, 3000)


def test_the_blocks_scope_with_nothing_collapsed_edits_its_bars_in_place(qtbot):
    """The "Blocks" scope with no block collapsed draws what the core's ``block_rows`` gives
    (every weighted layer, a block being a layer), and a parameter edit redraws its own bar,
    not every bar made again (10,000 on a long chain, per edit); a block collapsed on the
    canvas then gives a bar for it."""
    doc = Document(load_design(templates_dir() / "resnet18.json"))
    panel = shown_panel(qtbot, doc)
    combo = panel.scope_combo
    combo.setFocus()
    while combo.currentData() != "blocks":  # the user picks the scope with the keyboard
        QTest.keyClick(combo, Qt.Key.Key_Down)
    settle(panel)
    assert panel.by_block and not panel.collapsed

    def core_ids() -> list[str]:
        return [
            b.row.id
            for b in block_rows(doc.analysis, panel.collapsed)
            if b.is_block or b.row.type in WEIGHTED_TYPES
        ]

    assert panel.ids == core_ids()
    rebuilds, checked = panel.rebuild_count, panel.bars_checked
    conv = "layer2.0.conv1"
    doc.set_params(conv, {**doc.design.layer(conv).params, "kernel_size": 5, "padding": 2})
    settle(panel)
    assert panel.rebuild_count == rebuilds, "a parameter edit does not rebuild the bars"
    assert panel.bars_checked - checked <= 2  # the layers the analysis reported, of 41 bars
    assert panel.values("params")[panel.ids.index(conv)] == 64 * 128 * 25
    assert_like_fresh(panel, qtbot)
    assert "layers with weights shown" in panel.summary.text()
    panel.set_collapsed({"layer1"})
    settle(panel)
    assert panel.ids == core_ids() and "layer1" in panel.ids
    blocks = sum(len(members) > 1 for members in panel.members)
    layers = len(panel.ids) - blocks
    assert blocks and layers  # ("layer1" and the layers with weights outside it)
    assert f"{blocks} block{'s' if blocks > 1 else ''} and {layers} layers with weights shown" in (
        panel.summary.text()
    )
    assert_like_fresh(panel, qtbot)

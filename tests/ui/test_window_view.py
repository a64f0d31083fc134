"""The Window view, driven as a user would: the explanation's link, keys, buttons, clicks, edits, fixes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QFileDialog, QMessageBox

from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.export.window_exporter import have_pillow
from designer.ui.document import Document
from designer.ui.main_window import MainWindow
from designer.ui.window_view import WindowView

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1500, 950)
    w.show()
    w.open_file(templates_dir() / "alexnet_paper.json", ask=False)
    w.document.set_param("input", "shape", [3, 224, 224])
    qtbot.waitExposed(w)
    yield w
    w.document.undo_stack.setClean()


@pytest.fixture
def view(qtbot) -> WindowView:
    design = load_design(templates_dir() / "alexnet_paper.json")
    design.set_param("input", "shape", [3, 224, 224])
    v = WindowView(Document(design))
    qtbot.addWidget(v)
    v.resize(900, 800)
    v.show()
    qtbot.waitExposed(v)
    v.document.select(["conv1"])
    return v


def _click_link(qtbot, browser, href: str) -> None:
    """Click the rich-text link ``href`` in a QTextBrowser with the mouse."""
    doc = browser.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(doc)
                cursor.setPosition(fragment.position() + 1)
                rect = browser.cursorRect(cursor)
                qtbot.mouseClick(browser.viewport(), LEFT, pos=rect.center())
                return
            it += 1
        block = block.next()
    raise AssertionError(f"no link {href!r} in the explanation")


def test_the_explanation_link_opens_the_window_tab_on_alexnet_conv1(qtbot, window) -> None:
    window.document.select(["conv1"])
    panel = window.diagnostics_panel
    panel.flush()
    assert "Why is conv1 54×54×96?" in panel.explanation_text()
    assert "See the window slide over the input" in panel.explanation_text()
    assert panel.explanation_tabs.currentWidget() is panel.browser
    _click_link(qtbot, panel.browser, "window:conv1")
    qtbot.waitUntil(lambda: panel.explanation_tabs.currentWidget() is window.window_view)
    view = window.window_view
    assert view.layer_id == "conv1"
    assert view.frames is not None and view.frames.geometry.out_shape == (54, 54)
    assert view.frames.geometry.unread_cells == 447
    assert view.compact_box.isChecked() and view.frame_count == 16
    # a layer without a window offers no link
    window.document.select(["relu1"])
    panel.flush()
    assert "See the window slide" not in panel.explanation_text()
    assert "does not slide a window" in view.message.text()


def test_keys_buttons_and_slider_step_the_window(qtbot, view) -> None:
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.frame == 1 and view.current_position() == (0, 1)
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.current_position() == (53, 53)
    assert view.position_label.text() == "16/16 → (53, 53)"
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.frame == 14
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.frame == 0
    qtbot.mouseClick(view.next_button, LEFT)
    qtbot.mouseClick(view.next_button, LEFT)
    assert view.frame == 2 and view.slider.value() == 2
    qtbot.mouseClick(view.prev_button, LEFT)
    assert view.frame == 1
    qtbot.mouseClick(view.last_button, LEFT)
    assert view.frame == 15
    qtbot.mouseClick(view.first_button, LEFT)
    assert view.frame == 0
    view.slider.setFocus()
    qtbot.keyClick(view.slider, Qt.Key.Key_Right)
    assert view.frame == 1 and view.canvas.frame == 1


def test_clicking_an_output_cell_shows_the_window_that_produces_it(qtbot, view) -> None:
    fig = view.window_figure
    assert fig is not None
    view.slider.setFocus()
    x, y, w, h = fig.output_rect(52, 1)
    zoom = view.canvas.zoom
    qtbot.mouseClick(
        view.canvas, LEFT, pos=QPoint(round((x + w / 2) * zoom), round((y + h / 2) * zoom))
    )
    assert view.current_position() == (52, 1)
    # the click gave the view the keys: the arrows now step the window, not scroll the picture
    assert view.hasFocus()
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Right)
    assert view.current_position() == (52, 52)  # compact: columns 0, 1, 52, 53


def test_play_steps_through_every_window_and_pauses(qtbot, view) -> None:
    view.speed.setValue(30)
    qtbot.mouseClick(view.play_button, LEFT)
    assert view.playing and view.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: view.frame >= 3, timeout=3000)
    qtbot.mouseClick(view.play_button, LEFT)
    assert not view.playing
    stopped = view.frame
    qtbot.wait(120)
    assert view.frame == stopped
    qtbot.keyClick(view, Qt.Key.Key_Space)  # plays on to the end, then stops by itself
    qtbot.waitUntil(lambda: not view.playing, timeout=5000)
    assert view.frame == view.frame_count - 1 and view.play_button.text() == "Play"


def test_compact_and_zoom(qtbot, view) -> None:
    assert view.frame_count == 16
    qtbot.mouseClick(view.compact_box, LEFT)
    assert not view.compact_box.isChecked() and view.frame_count == 54 * 54
    fig = view.window_figure
    assert fig is not None and len(fig.cols.cells) == 224
    qtbot.mouseClick(view.compact_box, LEFT)
    assert view.frame_count == 16
    before = view.canvas.zoom
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.canvas.zoom == pytest.approx(before * 1.25)
    assert view.canvas.width() == round(view.window_figure.width * view.canvas.zoom)
    qtbot.mouseClick(view.zoom_out_button, LEFT)
    assert view.canvas.zoom == pytest.approx(before)
    qtbot.mouseClick(view.fit_button, LEFT)
    viewport = view.scroll_area.viewport().size()
    assert view.canvas.width() <= viewport.width() and view.canvas.height() <= viewport.height()


def test_inspector_edits_update_the_view_live(qtbot, window) -> None:
    window.document.select(["conv1"])
    window.show_window_view("conv1")
    view = window.window_view
    assert view.frames is not None and view.frames.geometry.out_shape == (54, 54)
    window.docks["inspector"].raise_()
    stride = window.inspector.editors["stride"].spins.h
    stride.setFocus()
    qtbot.keyClick(stride, Qt.Key.Key_Down)  # stride 4 → 3
    assert window.document.design.layer("conv1").params["stride"] == 3
    assert view.frames.geometry.out_shape == (72, 72)  # ⌊(224 − 11)/3⌋ + 1
    assert view.frames.geometry.unread_cells == 0
    assert view.heading.text().startswith("conv1 · Conv2d · 11×11 window, stride 3")


def test_applying_the_fix_animates_to_the_new_geometry_and_undo_returns(qtbot, window) -> None:
    panel = window.diagnostics_panel
    window.document.select(["conv1"])
    assert panel.select_diagnostic("non_integer_output", "conv1")
    panel.flush()
    window.show_window_view("conv1")
    view = window.window_view
    qtbot.keyClick(view, Qt.Key.Key_End)
    old_box = view.canvas.window_rect()
    button = next(b for b in panel.fix_buttons if "227" in b.text())
    window.show_problems()
    qtbot.mouseClick(button, LEFT)
    assert view.frames is not None and view.frames.geometry.out_shape == (55, 55)
    assert view.frames.geometry.unread_cells == 0
    assert view.canvas.fading  # the old picture fades into the new one
    assert view.canvas.gliding_from == old_box  # and the window's outline glides from where it was
    assert view.current_position() == (54, 54)  # still the last window, now of the new geometry
    qtbot.waitUntil(lambda: not view.canvas.fading, timeout=3000)
    window.document.undo_stack.undo()
    assert view.frames.geometry.out_shape == (54, 54) and view.frames.geometry.unread_cells == 447


def test_a_layer_whose_window_does_not_fit_says_why(qtbot, view) -> None:
    view.document.set_param("conv1", "kernel_size", 300)
    assert view.frames is None and view.message.isVisible()
    assert "larger than the padded input" in view.message.text()
    view.document.undo_stack.undo()
    assert view.frames is not None and view.scroll_area.isVisible()


@pytest.mark.skipif(
    not have_pillow(), reason="animated export needs Pillow (the test extra installs it)"
)
def test_export_menu_writes_the_animation(qtbot, view, monkeypatch, tmp_path: Path) -> None:
    target = tmp_path / "conv1.gif"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    view.export_actions["gif"].trigger()
    from PIL import Image

    with Image.open(target) as image:
        assert image.format == "GIF" and image.n_frames == 16


def test_export_menu_writes_the_frame_as_svg(qtbot, view, monkeypatch, tmp_path: Path) -> None:
    target = tmp_path / "frame"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    qtbot.keyClick(view, Qt.Key.Key_End)
    view.export_actions["svg"].trigger()
    text = (tmp_path / "frame.svg").read_text(encoding="utf-8")
    assert "Window 16 of 16 → output (53, 53)" in text and "447 of 50,176 input cells" in text


def test_a_huge_layer_offers_only_the_compact_view(qtbot) -> None:
    from designer.core.design import Design, Layer

    design = Design("huge")
    design.add_layer(Layer("input", "Input", {"shape": [1, 1000, 1000]}, []))
    design.add_layer(Layer("conv", "Conv2d", {"out_channels": 1, "kernel_size": 3}, ["input"]))
    view = WindowView(Document(design))
    qtbot.addWidget(view)
    view.show()
    view.document.select(["conv"])
    assert view.compact_box.isChecked() and not view.compact_box.isEnabled()
    assert view.frame_count == 16
    qtbot.mouseClick(view.compact_box, LEFT)  # disabled: nothing happens
    assert view.frame_count == 16


def test_ctrl_wheel_zooms_and_the_view_follows_the_selection(qtbot, view) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    before = view.canvas.zoom
    viewport = view.scroll_area.viewport()
    center = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(
        center,
        viewport.mapToGlobal(center),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    assert view.canvas.zoom == pytest.approx(before * 1.25)
    view.document.select(["pool1"])
    assert view.layer_id == "pool1" and view.heading.text().startswith(
        "pool1 · MaxPool2d · 3×3 window, stride 2"
    )
    assert view.frames is not None and view.frames.geometry.out_shape == (26, 26)
    view.document.select([])
    assert view.frames is None and "Select a Conv2d" in view.message.text()


def test_a_window_too_wide_to_draw_says_so(qtbot) -> None:
    from designer.core.design import Design, Layer

    design = Design("wide")
    design.add_layer(Layer("input", "Input", {"shape": [1, 2000, 2000]}, []))
    design.add_layer(Layer("conv", "Conv2d", {"out_channels": 1, "kernel_size": 1500}, ["input"]))
    view = WindowView(Document(design))
    qtbot.addWidget(view)
    view.show()
    view.document.select(["conv"])
    assert view.frames is None and not view.scroll_area.isVisible()
    assert "too many to draw" in view.message.text() and "1500×1500 window" in view.message.text()
    view.document.set_param("conv", "kernel_size", 3)  # fits again
    assert view.frames is not None and view.frame_count == 16

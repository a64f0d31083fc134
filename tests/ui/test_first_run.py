"""Issue 14: the app as a first-time user meets it (keys, empty state, panels that fit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from designer.ui.main_window import MainWindow
from designer.ui.palette import LayerPalette
from tests.ui.ui_helpers import drop_layer


@pytest.fixture
def window(qtbot, monkeypatch):
    # Closing an edited window asks to save; the tests discard (pytest-qt closes before teardown).
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    return w


def _key(qtbot, window: MainWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
    window.view.setFocus()
    QApplication.processEvents()
    qtbot.keyClick(window.view.viewport(), key, modifiers)


def test_undo_and_both_redo_keys_work_from_the_keyboard(qtbot, window) -> None:
    # Was: Redo had Ctrl+Shift+Z twice (explicitly and as QKeySequence.Redo), so Qt found the
    # shortcut ambiguous and did nothing; Ctrl+Y was not bound.
    keys = [k.toString() for k in window.redo_action.shortcuts()]
    assert len(keys) == len(set(keys)) and "Ctrl+Shift+Z" in keys and "Ctrl+Y" in keys
    assert drop_layer(window.view, "Input", QPointF(0, 0))
    assert len(window.document.design) == 1
    ctrl = Qt.KeyboardModifier.ControlModifier
    _key(qtbot, window, Qt.Key.Key_Z, ctrl)
    assert len(window.document.design) == 0
    _key(qtbot, window, Qt.Key.Key_Z, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert len(window.document.design) == 1
    _key(qtbot, window, Qt.Key.Key_Z, ctrl)
    assert len(window.document.design) == 0
    _key(qtbot, window, Qt.Key.Key_Y, ctrl)
    assert len(window.document.design) == 1


@pytest.mark.parametrize(
    ("typed", "expected", "absent"),
    [
        ("add", {"Add"}, {"Conv2d"}),
        ("card", set(), {"Conv2d"}),
        ("drag", set(), {"Conv2d"}),
        ("edge", set(), {"ReLU"}),
        ("linear", {"Linear"}, {"Identity", "Flatten", "GELU"}),
        ("conv", {"Conv2d", "ConvTranspose2d"}, {"ReLU"}),
        ("bn", {"BatchNorm2d"}, {"Conv2d"}),
        ("fc", {"Linear"}, {"Flatten"}),
        ("pool", {"MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"}, {"Conv2d"}),
        ("activation", {"ReLU", "Sigmoid", "GELU"}, {"Conv2d"}),
        ("dense", {"Linear"}, {"Conv2d"}),
    ],
)
def test_palette_filter_matches_names_aliases_and_categories_not_tooltips(
    qtbot, typed, expected, absent
) -> None:
    # Was: the filter searched the tooltip's prose, so "add", "card", "drag" and "edge" showed all types.
    palette = LayerPalette()
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.filter, typed)
    visible = set(palette.visible_types())
    assert expected <= visible and not (absent & visible)
    if not expected:
        assert not visible


GL_DOCK_CHECK = Path(__file__).with_name("gl_dock_check.py")


@pytest.mark.gl
def test_3d_dock_floats_redocks_and_frames_a_design_built_from_scratch_under_xvfb() -> None:
    # Was: floating the dock (a new GL context) drew labels only, with "GLError 1281 glUseProgram"
    # for every mesh, and so did a second window; the first layer filled the view with yellow.
    if not os.environ.get("DISPLAY"):
        pytest.skip(
            "no X display: run the suite under xvfb-run (make test does) to test the OpenGL view"
        )
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.run(
        [sys.executable, str(GL_DOCK_CHECK)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "skip" in result:
        pytest.skip(f"no OpenGL context on this display: {result['skip']}")
    assert "GLError" not in proc.stderr and "Error while drawing" not in proc.stderr, proc.stderr[
        -2000:
    ]
    assert (
        result["empty_hint"] and result["empty_gl_hidden"]
    )  # the empty 3D dock says what it will show
    for stage in (
        "first_layer",
        "second_layer",
    ):  # framed with white around, not a solid yellow block
        assert 0.02 < result[stage]["yellow"] < 0.5 and result[stage]["white"] > 0.4, (
            stage,
            result[stage],
        )
    docked, floating, redocked = result["docked"], result["floating"], result["redocked"]
    assert result["floating_is_window"]
    assert docked["colours"] > 60 and docked["white"] < 0.97
    assert floating["colours"] > 0.7 * docked["colours"] and floating["white"] < 0.97
    assert redocked["colours"] > 0.7 * docked["colours"]
    assert 20 <= result["orbit_degrees"] <= 90  # was 150° (1° per pixel) for a 150-pixel drag
    assert result["window_surface"] == "RasterSurface"  # (the GL view renders offscreen)
    assert result["second_window"]["colours"] > 60 and result["second_window"]["white"] < 0.97


DESIGNS = Path(__file__).resolve().parents[1] / "data" / "designs"
ALEXNET_224 = DESIGNS / "alexnet_paper_224.json"


@pytest.fixture
def own_settings(tmp_path) -> QSettings:
    """Settings of this test only (the session's file carries other tests' window layouts)."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _window_at(qtbot, monkeypatch, settings: QSettings, size: tuple[int, int]) -> MainWindow:
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    return w


def test_first_start_shows_no_error_count_and_an_empty_design_is_not_a_problem(
    qtbot, window
) -> None:
    # Was: "● 1 error" in red on first start (the empty design has no Input).
    assert len(window.document.design) == 0
    assert "error" not in window.problems_label.text()
    assert "drag an Input" in window.totals_label.text()
    panel = window.diagnostics_panel
    assert panel.items() == [] and "0</b> errors" in panel.counts_label.text()
    assert "empty" in panel.tree.topLevelItem(0).text(0)
    assert drop_layer(window.view, "Input", QPointF(0, 0))
    qtbot.waitUntil(lambda: "1 layer ·" in window.totals_label.text())  # not "1 layers"
    assert "0 errors" in window.problems_label.text()


@pytest.mark.parametrize("size", [(1500, 940), (1280, 720)])
def test_opening_a_design_with_problems_shows_the_first_explained_with_every_fix_whole(
    qtbot, monkeypatch, own_settings, size
) -> None:
    # Was: the Inspector stayed in front ("Select a layer…"); at the default size 2½ of 4 fix
    # buttons showed, a long fix label was cut off, and at 1280×720 the explanation had ~3 lines.
    w = _window_at(qtbot, monkeypatch, own_settings, size)
    assert w.open_file(ALEXNET_224, ask=False)
    qtbot.wait(50)
    panel = w.diagnostics_panel
    dock = w.docks["diagnostics"]
    assert not dock.visibleRegion().isEmpty() and w.docks["inspector"].visibleRegion().isEmpty()
    assert "4</b> warnings" in panel.explanation_text() or "4 warnings" in panel.explanation_text()
    item = panel.item_for("non_integer_output", "conv1")
    panel.tree.scrollToItem(item)
    rect = panel.tree.visualItemRect(item)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    panel.flush()
    qtbot.wait(20)
    assert panel.current_diagnostic() is not None and panel.current_diagnostic().layer == "conv1"
    assert "non integer output" in panel.explanation_text()
    assert len(panel.fix_buttons) == 4
    viewport = panel.fix_box.viewport()
    for button in panel.fix_buttons:  # each button lies wholly inside the visible fix area
        rect = button.geometry().translated(
            button.parentWidget().mapTo(viewport, button.pos()) - button.pos()
        )
        assert viewport.rect().contains(rect), (button.text(), rect, viewport.rect())
        assert (
            button.fontMetrics()
            .boundingRect(
                button.rect().adjusted(8, 0, -8, 0), int(Qt.AlignmentFlag.AlignLeft), button.text()
            )
            .width()
            <= button.width() - 16
        )
        assert " ".join(button.text().split()) == button.full_text  # wrapped, not cut
    assert panel.browser.viewport().height() >= 12 * panel.browser.fontMetrics().height()
    header = panel.tree.header()
    assert (
        header.sectionSize(0) >= panel.tree.fontMetrics().horizontalAdvance("conv1") + 20
    )  # not "layer…"


def test_a_problem_clicked_in_the_inspector_brings_its_explanation_forward(
    qtbot, monkeypatch, own_settings
) -> None:
    w = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    assert w.open_file(ALEXNET_224, ask=False)
    w.docks["inspector"].raise_()
    w.document.select(["pool2"])
    qtbot.wait(20)
    assert w.diagnostics_panel.explanation_tabs.currentIndex() == 0
    label = w.inspector.diagnostics
    assert "problem:" in label.text()
    label.linkActivated.emit("problem:" + w.document.analysis.info["pool2"].diagnostics[0].code)
    qtbot.wait(20)
    assert w.docks["inspector"].visibleRegion().isEmpty()
    current = w.diagnostics_panel.current_diagnostic()
    assert current is not None and current.layer == "pool2"


def test_after_undoing_a_fix_the_panel_shows_the_problem_again_not_the_layer(
    qtbot, monkeypatch, own_settings
) -> None:
    # Was: after Undo the warning was highlighted but the layer's "why" text was shown.
    w = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    assert w.open_file(ALEXNET_224, ask=False)
    panel = w.diagnostics_panel
    assert panel.select_diagnostic("non_integer_output", "conv1")
    fix = next(b for b in panel.fix_buttons if "227×227" in b.full_text)
    qtbot.mouseClick(fix, Qt.MouseButton.LeftButton)
    panel.flush()
    assert panel.item_for("non_integer_output", "conv1") is None
    _key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.document.undo_stack.index() == 0
    panel.flush()
    current = panel.current_diagnostic()
    assert current is not None and (current.code, current.layer) == ("non_integer_output", "conv1")
    assert "non integer output" in panel.explanation_text()
    assert panel.tree.horizontalScrollBar().value() == 0


def test_the_explanation_split_is_remembered_and_the_explanation_can_hold_more_tabs(
    qtbot, monkeypatch, own_settings
) -> None:
    w = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    panel = w.diagnostics_panel
    sizes = panel.splitter.sizes()
    panel.splitter.setSizes([sizes[0] + 90, sizes[1] - 90])
    moved = panel.splitter.sizes()
    w.close()
    again = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    assert again.diagnostics_panel.splitter.sizes() == moved
    tabs = again.diagnostics_panel.explanation_tabs
    assert [tabs.tabText(n) for n in range(tabs.count())] == [
        "Explanation",
        "Window",
    ]  # issue 17's view
    assert not tabs.tabBar().isHidden()
    extra = QLabel("another view of the layer")
    index = again.diagnostics_panel.add_explanation_tab(extra, "More", "tip")
    assert index == 2 and tabs.tabToolTip(2) == "tip"
    tabs.setCurrentIndex(2)
    again.show_problems()
    again.diagnostics_panel.show_explanation()
    assert tabs.currentIndex() == 0


def test_charts_have_room_at_the_default_window_size(qtbot, monkeypatch, own_settings) -> None:
    # Was: at 1500×940 the three plots got zero height (titles and tick labels only).
    from designer.ui.main_window import DEFAULT_SIZE

    w = _window_at(qtbot, monkeypatch, own_settings, DEFAULT_SIZE)
    assert w.open_file(ALEXNET_224, ask=False)
    w.statistics_tabs.setCurrentWidget(w.layer_charts)
    qtbot.waitUntil(lambda: min(w.layer_charts.plot_heights()) > 0)
    assert min(w.layer_charts.plot_heights()) >= 40, w.layer_charts.plot_heights()
    w.resize(1500, 1300)  # a tall dock stacks them again
    w.resizeDocks([w.docks["statistics"]], [700], Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: not w.layer_charts.columns)
    assert min(w.layer_charts.plot_heights()) >= 60


@pytest.mark.qt_log_ignore(
    "This plugin does not support raise"
)  # the offscreen platform, a floating dock
def test_window_fits_the_screen_and_reset_layout_puts_every_panel_back(
    qtbot, monkeypatch, own_settings
) -> None:
    # Was: the 1500×940 default was never clamped, and the minimum height cut the status bar.
    w = _window_at(qtbot, monkeypatch, own_settings, (3000, 2000))
    w.fit_to_screen()
    avail = w.screen().availableGeometry()
    assert (
        w.frameGeometry().width() <= avail.width() and w.frameGeometry().height() <= avail.height()
    )
    assert (
        w.minimumSizeHint().height() <= 480 and w.minimumSizeHint().width() <= 800
    )  # 960×540 at scale 2
    w.docks["volumes"].setFloating(True)
    w.docks["palette"].hide()
    w.close()
    w.docks["volumes"].setFloating(
        False
    )  # (the layout is saved; a floating dock is a window of its own)
    again = _window_at(qtbot, monkeypatch, own_settings, (1200, 700))
    assert again.docks["volumes"].isFloating() and again.docks["palette"].isHidden()  # restored
    fresh = MainWindow(
        settings=QSettings(
            str(Path(own_settings.fileName()).with_name("other.ini")), QSettings.Format.IniFormat
        )
    )
    qtbot.addWidget(fresh)
    assert (
        fresh.width() <= avail.width() and fresh.height() <= avail.height()
    )  # the default, clamped
    again.reset_layout_action.trigger()
    assert own_settings.value("window/state") is None
    assert not again.docks["volumes"].isFloating() and not again.docks["palette"].isHidden()
    assert again.dockWidgetArea(again.docks["diagnostics"]) == Qt.DockWidgetArea.RightDockWidgetArea


def test_the_empty_canvas_teaches_how_to_start(qtbot, monkeypatch, own_settings, tmp_path) -> None:
    # Was: an empty dotted canvas; the only guidance sat on a tab that was not in front.
    from designer.ui.app_settings import add_recent_file

    recent = tmp_path / "mine.json"
    recent.write_text(ALEXNET_224.read_text())
    add_recent_file(own_settings, recent)
    w = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    card = w.empty_state
    assert card.isVisible()
    centre = card.geometry().center()
    viewport = w.view.viewport().rect().center()
    assert abs(centre.x() - viewport.x()) < 20 and abs(centre.y() - viewport.y()) < 20
    assert [b.text() for b in card.recent_buttons] == ["mine.json"]
    qtbot.mouseClick(card.add_input_button, Qt.MouseButton.LeftButton)
    assert w.document.design.layer(w.document.design.ids[0]).type == "Input"
    qtbot.waitUntil(lambda: not card.isVisible())
    _key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(card.isVisible)  # empty again: the card is back
    asked: list[bool] = []
    monkeypatch.setattr(MainWindow, "new_design", lambda self: asked.append(True))
    qtbot.mouseClick(card.template_button, Qt.MouseButton.LeftButton)
    assert asked == [True]
    qtbot.mouseClick(card.recent_buttons[0], Qt.MouseButton.LeftButton)
    assert w.document.path == recent and not card.isVisible()


def test_duplicate_and_paste_land_beside_the_original_selected_and_in_view(
    qtbot, monkeypatch, own_settings
) -> None:
    # Was: Ctrl+D and Ctrl+V put the copy exactly on top of the original, drawn under it.
    window = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    assert window.open_file(ALEXNET_224, ask=False)
    doc = window.document
    doc.select(["conv3"])
    _key(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    copy_id = doc.current
    assert copy_id not in (None, "conv3") and doc.selection == [copy_id]
    card, original = window.scene.cards[copy_id], window.scene.cards["conv3"]
    assert not card.sceneBoundingRect().intersects(original.sceneBoundingRect())
    others = [c for lid, c in window.scene.cards.items() if lid != copy_id]
    assert not any(card.sceneBoundingRect().intersects(c.sceneBoundingRect()) for c in others)
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(card.sceneBoundingRect())
    _key(qtbot, window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    _key(qtbot, window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = doc.current
    assert pasted not in (copy_id, "conv3")
    boxes = [c.sceneBoundingRect() for lid, c in window.scene.cards.items() if lid != pasted]
    assert not any(window.scene.cards[pasted].sceneBoundingRect().intersects(b) for b in boxes)


def test_inserting_on_an_edge_moves_only_its_own_row(qtbot, window) -> None:
    # Was: the cards after the insert point on every later row shifted right, leaving a gap.
    assert window.open_file(ALEXNET_224, ask=False)
    d = window.document.design
    row_y = d.position("conv1")[1]
    later_rows = {lid: d.position(lid) for lid in d.ids if d.position(lid)[1] > row_y + 10}
    same_row_after = [
        lid
        for lid in d.ids
        if d.position(lid)[1] == row_y and d.position(lid)[0] > d.position("conv1")[0]
    ]
    edge = window.scene.edges[("conv1", "relu1")]
    assert drop_layer(window.view, "BatchNorm2d", edge.path().pointAtPercent(0.5))
    new = window.document.current
    assert d.layer(new).inputs == ["conv1"] and d.layer("relu1").inputs == [new]
    assert {lid: d.position(lid) for lid in later_rows} == later_rows
    new_box = window.scene.cards[new].sceneBoundingRect()
    assert not any(
        new_box.intersects(window.scene.cards[lid].sceneBoundingRect()) for lid in same_row_after
    )


def test_one_palette_colours_the_canvas_the_3d_view_and_the_figures(qtbot, window) -> None:
    # Was: Conv blue and activations orange on the canvas, Conv orange and pooling blue in 3D and
    # in the figures, and a third scheme in the graph figure.
    from PySide6.QtGui import QImage, QPainter

    from designer.core.figure import CATEGORY_COLORS, color_of
    from designer.ui import theme

    for category, color in CATEGORY_COLORS.items():
        if category != "Imported":  # an unsupported op is red on the canvas: an error to fix
            assert theme.category_color(category).name().upper() == color.upper()
    assert window.open_file(ALEXNET_224, ask=False)
    for lid in ("conv1", "pool1", "relu1", "fc6"):
        card = window.scene.cards[lid]
        image = QImage(card.boundingRect().size().toSize(), QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        painter.translate(-card.boundingRect().topLeft())
        card.paint(painter, _plain_option(), None)
        painter.end()
        header = image.pixelColor(
            int(card.boundingRect().width() / 2), 4 - int(card.boundingRect().top())
        )
        expected = color_of(window.document.design.layer(lid).type)
        assert header.name().upper() == expected.upper(), (lid, header.name(), expected)


def _plain_option():
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    return QStyleOptionGraphicsItem()


def test_view_appearance_switches_every_view_to_dark_and_back(
    qtbot, monkeypatch, own_settings
) -> None:
    from PySide6.QtGui import QPalette

    from designer.ui import theme

    w = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    assert w.open_file(ALEXNET_224, ask=False)
    app = QApplication.instance()
    assert w.appearance_actions["system"].isChecked() and theme.SCHEME == "light"
    seen: list[str] = []
    theme.notifier().changed.connect(seen.append)
    try:
        w.appearance_menu.actions()[2].trigger()  # View ▸ Appearance ▸ Dark
        assert seen == ["dark"] and theme.is_dark()
        assert own_settings.value("view/appearance") == "dark"
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
        assert _typical_lightness(w.view.viewport()) < 60  # the canvas background
        assert _typical_lightness(w.layer_charts.graphics) < 60
        assert "#e2e6ea" in w.diagnostics_panel.browser.document().defaultStyleSheet()
        # The minimap (large designs) paints the canvas's background too, not a light box.
        assert theme.CANVAS_BG.name() in w.view.minimap.styleSheet()
        w.appearance_actions["light"].trigger()
        assert seen == ["dark", "light"] and _typical_lightness(w.view.viewport()) > 200
        assert theme.CANVAS_BG.name() in w.view.minimap.styleSheet()
        monkeypatch.setattr(theme, "system_scheme", lambda: "dark")
        assert theme.scheme_for("system") == "dark" and theme.scheme_for("light") == "light"
    finally:
        theme.set_appearance(app, "light")
        theme.notifier().changed.disconnect(seen.append)


def test_save_as_names_an_untitled_design_after_its_file(
    qtbot, window, monkeypatch, tmp_path
) -> None:
    from PySide6.QtWidgets import QFileDialog

    from designer.core.fileformat import load_design

    assert drop_layer(window.view, "Input", QPointF(0, 0))
    target = tmp_path / "my_net"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    assert window.save_as()
    assert window.document.design.name == "my_net" and "my_net" in window.windowTitle()
    assert (
        load_design(tmp_path / "my_net.json").name == "my_net" and not window.document.is_modified
    )


def test_card_menu_explains_the_shape_and_copies_and_cuts(qtbot, monkeypatch, own_settings) -> None:
    from PySide6.QtGui import QContextMenuEvent, QGuiApplication
    from PySide6.QtWidgets import QMenu

    w = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    assert w.open_file(ALEXNET_224, ask=False)
    w.docks["inspector"].raise_()
    shown: list[list[str]] = []
    chosen: dict[str, str] = {}

    def fake_exec(menu, *args, **kwargs):
        texts = [a.text() for a in menu.actions() if a.text()]
        shown.append(texts)
        wanted = chosen.get("text")
        action = next((a for a in menu.actions() if a.text() == wanted), None)
        if action is not None:
            action.trigger()
        return action

    class RecordingMenu(QMenu):
        def exec(self, *args, **kwargs):
            return fake_exec(self)

    import designer.ui.canvas.view as view_module

    monkeypatch.setattr(view_module, "QMenu", RecordingMenu)

    def right_click() -> None:
        point = w.view.mapFromScene(w.scene.cards["conv1"].sceneBoundingRect().center())
        event = QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, point, w.view.viewport().mapToGlobal(point)
        )
        QApplication.sendEvent(w.view.viewport(), event)

    chosen["text"] = "Why is conv1 54×54×96?"
    right_click()
    assert {"Why is conv1 54×54×96?", "Cut", "Copy", "Duplicate", "Delete"} <= set(shown[-1])
    assert w.docks["inspector"].visibleRegion().isEmpty()
    assert (
        w.diagnostics_panel.current_layer() == "conv1"
        and w.diagnostics_panel.current_diagnostic() is None
    )
    assert "Why is conv1 54×54×96?" in w.diagnostics_panel.explanation_text()
    chosen["text"] = "Copy"
    right_click()
    from designer.ui.canvas.clipboard import clipboard_fragment

    assert "conv1" in (clipboard_fragment(QGuiApplication.clipboard()) or "")
    chosen["text"] = "Cut"
    right_click()
    assert "conv1" not in w.document.design


def test_the_inline_rename_editor_shows_the_whole_id_at_a_small_zoom(
    qtbot, monkeypatch, own_settings
) -> None:
    w = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    assert w.open_file(ALEXNET_224, ask=False)
    w.view.set_zoom(0.4)
    editor = w.view.start_rename("conv1")
    assert editor is not None
    assert editor.height() >= editor.sizeHint().height()
    assert editor.width() >= editor.fontMetrics().horizontalAdvance("conv1") + 20
    w.view.finish_rename(commit=False)


def test_filters_zero_says_why_and_pooling_stride_shows_the_kernel(
    qtbot, monkeypatch, own_settings
) -> None:
    # Was: typing 0 filters reverted in silence; a pooling layer's stride fields showed 1×1 greyed
    # while the stride in force was the kernel's (3).
    w = _window_at(qtbot, monkeypatch, own_settings, (1500, 940))
    assert w.open_file(ALEXNET_224, ask=False)
    w.docks["inspector"].raise_()
    w.document.select(["conv1"])
    qtbot.wait(20)  # the new form's rows are shown by the event loop
    assert w.inspector.layer_id == "conv1" and not w.inspector.content.isHidden()
    spin = w.inspector.editors["out_channels"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "0")
    message = w.inspector.messages["out_channels"]
    assert message.isVisibleTo(w.inspector) and "at least 1" in message.text()
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert w.document.design.layer("conv1").value("out_channels") == 96
    qtbot.keyClicks(spin, "2")  # a valid value clears the message
    pool = w.document.append_after("MaxPool2d", "relu1")
    w.document.set_param(pool, "kernel_size", 3)
    w.document.select([pool])
    qtbot.wait(20)
    assert w.document.design.layer(pool).value("stride") is None  # follows the kernel
    stride = w.inspector.editors["stride"]
    assert stride.auto.isChecked() and not stride.spins.isEnabled()
    assert stride.spins.pair() == [3, 3]


def test_quit_ends_the_process_at_once_with_the_layout_saved(tmp_path) -> None:
    # Was: Ctrl+Q took 2–3 s, nearly all of it the interpreter tearing down Qt and the design.
    settings = tmp_path / "settings.ini"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CNN_DESIGNER_SETTINGS": str(settings),
        "CNN_DESIGNER_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("CNN_DESIGNER_SLOW_EXIT", None)
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("quit_check.py")), str(ALEXNET_224)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "run_app returned" not in proc.stdout  # os._exit: no teardown after the event loop
    saved = QSettings(str(settings), QSettings.Format.IniFormat)
    assert saved.value("window/geometry") is not None and saved.value("window/state") is not None
    assert str(ALEXNET_224) in (saved.value("recent_files") or [])


def test_export_preview_fits_when_shown_and_cli_png_matches_the_dialog(qtbot, tmp_path) -> None:
    # Was: the preview was cropped at both ends until an option changed; the CLI's PNG was 1×
    # (873 px for AlexNet) while File ▸ Export starts at 2×.
    from PySide6.QtGui import QImage

    from designer.cli import main as cli_main
    from designer.core.analysis import Analysis
    from designer.core.fileformat import load_design
    from designer.ui.export_dialog import ExportDialog

    design = load_design(ALEXNET_224)
    dialog = ExportDialog(design, Analysis(design))
    qtbot.addWidget(dialog)
    dialog.resize(900, 560)
    dialog.show()
    qtbot.waitExposed(dialog)
    room = dialog.preview_area.viewport().size()
    qtbot.waitUntil(lambda: dialog.last_preview.width() <= room.width())
    assert (
        dialog.last_preview.height() <= room.height()
        and dialog.last_preview.width() > room.width() * 0.5
    )
    dialog.resize(1300, 800)
    qtbot.waitUntil(lambda: dialog.last_preview.width() > room.width())  # follows a bigger dialog
    dialog.format_box.setCurrentIndex(1)  # PNG
    gui_size = dialog.info.text()
    png = tmp_path / "alexnet.png"
    assert cli_main(["export", str(ALEXNET_224), "-o", str(png)]) == 0
    image = QImage(str(png))
    assert gui_size == f"{image.width()} × {image.height()} pixels"


def _typical_lightness(widget) -> int:
    """The median lightness of a widget's pixels (its background, whatever is drawn on it)."""
    image = widget.grab().toImage()
    values = sorted(
        image.pixelColor(x, y).lightness()
        for x in range(0, image.width(), max(image.width() // 40, 1))
        for y in range(0, image.height(), max(image.height() // 40, 1))
    )
    return values[len(values) // 2]

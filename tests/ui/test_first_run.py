"""Issue 14: the app as a first-time user meets it (keys, empty state, panels that fit)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.ui.main_window import MainWindow
from designer.ui.palette import LayerPalette
from tests.ui.ui_helpers import drop_layer


@pytest.fixture
def window(qtbot, monkeypatch):
    # Closing an edited window asks to save; the tests discard (pytest-qt closes before teardown).
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
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
def test_palette_filter_matches_names_aliases_and_categories_not_tooltips(qtbot, typed, expected, absent) -> None:
    # Was: the filter searched the tooltip's prose, so "add", "card", "drag" and "edge" showed all types.
    palette = LayerPalette()
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.filter, typed)
    visible = set(palette.visible_types())
    assert expected <= visible and not (absent & visible)
    if not expected:
        assert not visible

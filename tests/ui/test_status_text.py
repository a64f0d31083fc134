"""The status bar's totals: an edit does not lay the main window out again (issue 15, target 4,
seventh pass), and the text is shown whole, or cut with "…" where the window is too narrow."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication

from designer.core.resources import templates_dir
from designer.ui.main_window import MainWindow
from designer.ui.status_text import StatusText
from tests.ui.ui_helpers import shown_main_window


class Layouts(QObject):
    """Counts the layout requests a widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def text_fits(label: StatusText) -> bool:
    return label.fontMetrics().horizontalAdvance(label.text()) <= label.width()


def test_edits_and_their_undo_do_not_lay_the_window_out_again(qtbot, monkeypatch):
    # Was: the totals were a QLabel, and each new text made the status bar and the main window
    # lay themselves out again (0.4 ms an edit on the grouped 10,000-layer design).
    window: MainWindow = shown_main_window(qtbot, monkeypatch)
    window.open_file(templates_dir() / "alexnet_paper.json", ask=False)
    settle()
    doc = window.document
    params = dict(doc.design.layer("conv2").params)
    doc.set_params("conv2", {**params, "kernel_size": 3, "padding": 1})  # fewer params
    settle()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle()
    assert text_fits(window.totals_label)
    watch = Layouts()
    window.installEventFilter(watch)
    try:
        texts = {window.totals_label.text()}
        for _ in range(2):
            qtbot.keyClick(
                window.view,
                Qt.Key.Key_Z,
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
            )
            settle()
            texts.add(window.totals_label.text())
            qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
            settle()
            texts.add(window.totals_label.text())
        assert len(texts) == 2  # the totals did change, back and forth
        assert watch.count == 0
        assert text_fits(window.totals_label)
    finally:
        window.removeEventFilter(watch)


def test_a_wider_text_asks_for_room_once_and_a_narrow_one_is_cut(qtbot):
    label = StatusText()
    qtbot.addWidget(label)
    label.setText("10 layers")
    narrow = label.sizeHint().width()
    label.setText("10,000 layers · 123,456,789 params · 12.3G MACs")
    wide = label.sizeHint().width()
    assert wide > narrow and label.layouts == 2
    label.setText("12 layers")
    assert label.sizeHint().width() == wide and label.layouts == 2  # grows only
    assert label.text() == "12 layers" and label.accessibleName() == "12 layers"
    assert label.minimumSizeHint().width() == 1  # cut on a small screen, not widening it
    label.resize(40, label.sizeHint().height())
    label.setText("10,000 layers · 123,456,789 params")
    label.show()
    qtbot.waitExposed(label)
    assert label.grab().width() == 40  # painted, cut

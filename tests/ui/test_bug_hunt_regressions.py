"""Regressions for bugs found by driving the real main window like a demanding user."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMessageBox

from designer.core.analysis import analyze
from designer.core.design import Design, Layer
from designer.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1300, 820)
    w.show()
    return w


class Hung(Exception):
    pass


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail instead of hanging forever (the bugs below were endless loops).

    An exception raised inside an undo command's ``redo`` is printed and swallowed by
    PySide, so the alarm keeps firing (every second) until the block ends, and the block
    then fails if it ever fired."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return
    fired: list[int] = []

    def on_alarm(_signum: int, _frame: object) -> None:
        fired.append(1)
        signal.alarm(1)
        raise Hung(f"still running after {seconds} s: an endless loop")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if fired:
        raise Hung(f"an endless loop was interrupted {len(fired)} time(s)")


def cycle_design() -> Design:
    """input → a (Add) → b → c → back into a."""
    d = Design("cycle")
    d.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}, []), position=(0, 0))
    d.add_layer(Layer("a", "Add", {}, ["input", "c"]), position=(236, 0))
    d.add_layer(
        Layer("b", "Conv2d", {"out_channels": 3, "kernel_size": 3, "padding": 1}, ["a"]),
        position=(472, 0),
    )
    d.add_layer(Layer("c", "ReLU", {}, ["b"]), position=(708, 0))
    return d


def assert_analysis_is_fresh(window: MainWindow) -> None:
    doc = window.document
    fresh = analyze(doc.design.copy())
    for lid in doc.design.ids:
        assert doc.analysis.info[lid].status == fresh.info[lid].status, lid
        assert doc.analysis.info[lid].output_shape == fresh.info[lid].output_shape, lid
    assert doc.analysis.totals() == fresh.totals()


def test_editing_a_layer_inside_a_cycle_does_not_hang(window, qtbot):
    # Was: every edit of a layer on (or after) a cycle re-queued the cycle's unknown layers
    # for ever in Analysis._recompute_from, freezing the app.
    window.document.reset(cycle_design())
    doc = window.document
    doc.select(["b"])
    with time_limit(10):
        kernel = window.inspector.editors["kernel_size"]
        kernel.spins.h.setValue(5)  # typed into the inspector, as a user would
        doc.set_param("b", "out_channels", 6)
        doc.add_layer("ReLU", inputs=["c"])
        doc.undo_stack.undo()
        doc.undo_stack.undo()
    assert doc.design.layer("b").value("kernel_size") == 5
    assert doc.design.layer("b").value("out_channels") == 3
    assert window.scene.cards["b"].content.shape_text == "?"
    assert doc.analysis.totals().errors == 3  # one cycle error per layer on the cycle
    assert_analysis_is_fresh(window)


def test_pasting_twice_never_wires_the_copy_into_itself(window):
    # Was: the second paste gave ``relu`` the fresh id ``relu1``, and ``conv1``'s outside
    # input, also called ``relu1`` (in the window it was copied from), was then taken to be
    # that new layer: conv2 → bn2 → relu1 → conv2, a cycle (which also froze the analysis).
    source = Design("source")
    source.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}, []))
    source.add_layer(Layer("relu1", "ReLU", {}, ["input"]))
    source.add_layer(Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["relu1"]))
    source.add_layer(Layer("bn1", "BatchNorm2d", {}, ["conv1"]))
    source.add_layer(Layer("relu", "ReLU", {}, ["bn1"]))
    from designer.ui.canvas.clipboard import fragment_text

    text = fragment_text(source, ["conv1", "bn1", "relu"])
    target = Design("target")
    target.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}, []), position=(0, 0))
    window.document.reset(target)
    doc = window.document
    with time_limit(10):
        first = window.scene.paste_text(text)
        second = window.scene.paste_text(text)
    assert first == ["conv1", "bn1", "relu"]
    assert len(second) == 3 and "relu1" in second
    d = doc.design
    conv_copy = second[0]
    assert d.layer(conv_copy).inputs == []  # relu1 did not exist here before the paste
    assert d.layer(second[1]).inputs == [conv_copy]
    assert d.layer(second[2]).inputs == [second[1]]
    assert not any(diag.code == "cycle" for diag in doc.analysis.structural)
    assert_analysis_is_fresh(window)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.design.ids == ["input"]


def test_connecting_into_an_input_says_why(window, qtbot):
    # Was: "connecting conv1 → input would make a cycle", the wrong reason: an Input takes
    # no input at all.
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [3, 32, 32]}, []), position=(0, 0))
    d.add_layer(
        Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["input"]),
        position=(236, 0),
    )
    d.add_layer(Layer("other", "Input", {"shape": [3, 32, 32]}, []), position=(472, 0))
    window.document.reset(d)
    window.view.set_zoom(1.0)
    window.view.centerOn(QPointF(400, 40))
    before = window.document.text()
    assert not window.scene.connect_layers("conv1", "input")
    assert "is an Input" in window.statusBar().currentMessage()
    assert "cycle" not in window.statusBar().currentMessage()
    assert not window.scene.connect_layers("conv1", "other")
    assert "other is an Input" in window.statusBar().currentMessage()
    assert window.document.text() == before

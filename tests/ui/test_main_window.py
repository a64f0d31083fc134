"""The main window: inspector edits, undo/redo, files, prompts, recovery, screenshots."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from designer.cli import main as cli_main
from designer.core.fileformat import load_design
from designer.ui.app_settings import recent_files
from designer.ui.main_window import MainWindow
from designer.ui.recovery import Recovery
from designer.ui.template_dialog import TemplateDialog, templates_folder
from tests.ui.ui_helpers import drag_mouse, drop_layer

ALEXNET = templates_folder() / "alexnet_paper.json"


class Answers:
    """Stands in for QMessageBox.question / critical and records what was asked."""

    def __init__(self, answer: QMessageBox.StandardButton) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, parent, title, text, *args, **kwargs):
        self.asked.append(f"{title}: {text}")
        return self.answer


@pytest.fixture
def answers(monkeypatch) -> Answers:
    a = Answers(QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(a))
    return a


@pytest.fixture
def errors(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "critical",
        staticmethod(lambda parent, title, text, *a, **k: shown.append(f"{title}: {text}")),
    )
    return shown


@pytest.fixture
def window(qtbot, answers):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1300, 820)
    w.show()
    return w


def test_inspector_edit_updates_the_card_and_downstream_cards(window):
    window.open_file(ALEXNET, ask=False)
    doc, cards = window.document, window.scene.cards
    doc.select(["conv1"])
    inspector = window.inspector
    assert inspector.id_edit.text() == "conv1"
    assert "55×55×96" in inspector.output.text()
    kernel = inspector.editors["kernel_size"]
    assert kernel.spins.h.value() == 11 and kernel.spins.lock.isChecked()
    refreshed = window.scene.refresh_count
    # Typing 1, then 7 into the height box (the lock keeps width equal): one undo step.
    kernel.spins.h.setValue(1)
    kernel.spins.h.setValue(7)
    assert doc.design.layer("conv1").params["kernel_size"] == 7
    assert cards["conv1"].content.shape_text == "56×56×96"  # (227 − 7)/4 + 1 = 56
    assert cards["conv1"].content.params_text == "7×7 /4"
    assert cards["pool1"].content.shape_text == "27×27×96"
    assert "56×56×96" in inspector.output.text()
    assert window.scene.refresh_count > refreshed
    kernel.finished.emit()  # editing finished: the next change is a new step
    assert doc.undo_stack.count() == 1
    kernel.spins.lock.setChecked(False)
    kernel.spins.w.setValue(5)
    assert doc.design.layer("conv1").params["kernel_size"] == [7, 5]
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.design.layer("conv1").params["kernel_size"] == 11
    assert cards["conv1"].content.shape_text == "55×55×96"
    assert kernel.spins.h.value() == 11 and kernel.spins.w.value() == 11


def test_inspector_shows_messages_for_refused_values(window):
    window.open_file(ALEXNET, ask=False)
    doc = window.document
    doc.select(["lrn1"])
    editor = window.inspector.editors["alpha"]
    before = doc.text()
    editor.line.setText("1e-4x")
    editor.line.textEdited.emit("1e-4x")
    message = window.inspector.messages["alpha"]
    assert not message.isHidden() and "not a number" in message.text()
    assert doc.text() == before
    editor.line.setText("2e-4")
    editor.line.textEdited.emit("2e-4")
    assert message.isHidden()
    assert doc.design.layer("lrn1").params["alpha"] == pytest.approx(2e-4)
    # Dropout p is bounded to [0, 1]: the document refuses 1.5 and the field says why.
    doc.select(["drop6"])
    p = window.inspector.editors["p"]
    p.line.setText("1.5")
    p.line.textEdited.emit("1.5")
    assert "from 0 to 1" in window.inspector.messages["p"].text()
    assert doc.design.layer("drop6").value("p") == 0.5


def test_inspector_follows_the_model_and_renames(window):
    window.open_file(ALEXNET, ask=False)
    doc = window.document
    doc.select(["conv2"])
    ins = window.inspector
    doc.set_param("conv2", "padding", "same")
    assert ins.editors["padding"].mode.currentText() == "same"
    assert ins.editors["groups"].spin.value() == 2
    ins.id_edit.setText("relu1")
    ins.id_edit.editingFinished.emit()
    assert "already exists" in ins.id_message.text()
    ins.id_edit.setText("conv2b")
    ins.id_edit.editingFinished.emit()
    assert "conv2b" in doc.design and doc.current == "conv2b"
    assert ins.id_message.isHidden()
    doc.select(["input"])
    shape = ins.editors["shape"]
    shape.spins[1].setValue(224)
    assert (
        window.scene.cards["conv1"].content.status == "warning"
        or window.scene.cards["conv1"].content.warnings
    )


def test_undo_redo_sequence_gives_back_the_exact_json(window, qtbot):
    window.open_file(templates_folder() / "lenet5.json", ask=False)
    doc = window.document
    view, scene = window.view, window.scene
    view.set_zoom(1.0)
    view.centerOn(scene.cards["c1"])
    texts = [doc.text()]
    # 1. drop a layer onto an edge
    drop_layer(
        view,
        "BatchNorm2d",
        scene.edges[("c1", doc.design.consumers("c1")[0])].path().pointAtPercent(0.5),
    )
    texts.append(doc.text())
    # 2. edit in the inspector
    doc.select(["c1"])
    window.inspector.editors["out_channels"].spin.setValue(12)
    window.inspector.editors["out_channels"].finished.emit()
    texts.append(doc.text())
    # 3. move a card with the mouse
    card = scene.cards["c1"]
    start = card.sceneBoundingRect().center() + QPointF(0, 15)
    drag_mouse(qtbot, view, start, start + QPointF(0, 140))
    texts.append(doc.text())
    # 4. rename, 5. delete
    doc.rename("c1", "conv_one")
    texts.append(doc.text())
    doc.select(["bn1"])
    window.delete_action.trigger()
    texts.append(doc.text())
    assert len(set(texts)) == len(texts) == 6
    assert doc.undo_stack.count() == 5
    for expected in reversed(texts[:-1]):
        window.undo_action.trigger()
        assert doc.text() == expected
    for expected in texts[1:]:
        window.redo_action.trigger()
        assert doc.text() == expected
    assert set(scene.cards) == set(doc.design.ids)


def test_save_and_open_round_trip(window, tmp_path):
    window.open_file(ALEXNET, ask=False)
    doc = window.document
    doc.set_param("conv1", "padding", 2)
    assert doc.is_modified and window.isWindowModified()
    target = tmp_path / "mine.json"
    assert window._save_to(target)
    assert not doc.is_modified and not window.isWindowModified()
    assert target.read_text(encoding="utf-8") == doc.text()
    assert "mine.json" in window.windowTitle()
    assert recent_files(window.settings)[0] == str(target.resolve())
    other = MainWindow()
    try:
        assert other.open_file(target, ask=False)
        assert other.document.text() == doc.text()
    finally:
        other.close()
        other.deleteLater()


def test_closing_with_unsaved_changes_asks(window, answers, tmp_path):
    window.open_file(ALEXNET, ask=False)
    window.document.set_param("conv1", "stride", 2)
    answers.answer = QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert window.isVisible() and len(answers.asked) == 1 and "unsaved changes" in answers.asked[0]
    # Save writes the file (to its path) and closes.
    copy = tmp_path / "alex.json"
    window.document.save(copy)
    window.document.set_param("conv1", "stride", 3)
    answers.answer = QMessageBox.StandardButton.Save
    assert window.close()
    assert load_design(copy).layer("conv1").params["stride"] == 3


def test_opening_with_unsaved_changes_can_be_cancelled(window, answers):
    window.open_file(ALEXNET, ask=False)
    window.document.set_param("conv1", "stride", 2)
    text = window.document.text()
    answers.answer = QMessageBox.StandardButton.Cancel
    assert not window.open_file(templates_folder() / "lenet5.json")
    assert window.document.text() == text
    answers.answer = QMessageBox.StandardButton.Discard
    assert window.open_file(templates_folder() / "lenet5.json")
    assert "LeNet" in window.document.design.name


def test_malformed_file_shows_the_error_and_keeps_the_design(window, errors, tmp_path):
    window.open_file(ALEXNET, ask=False)
    before = window.document.text()
    bad = json.loads(ALEXNET.read_text(encoding="utf-8"))
    bad["layers"][1]["kernel_size"] = -3
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert not window.open_file(path, ask=False)
    assert window.document.text() == before
    assert len(errors) == 1
    assert "$.layers[1].kernel_size" in errors[0] and "bad.json" in errors[0]
    (tmp_path / "notjson.json").write_text("{oops", encoding="utf-8")
    assert not window.open_file(tmp_path / "notjson.json", ask=False)
    assert "not valid JSON" in errors[1]
    assert window.document.text() == before


def test_dropping_a_json_file_on_the_window_opens_it(window):
    from PySide6.QtCore import QMimeData, QUrl

    from tests.ui.ui_helpers import drop_mime

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(templates_folder() / "vgg16.json"))])
    assert drop_mime(window.view, mime, QPointF(10, 10))
    assert "VGG" in window.document.design.name


def test_revert_reloads_the_file(window, answers):
    window.open_file(ALEXNET, ask=False)
    original = window.document.text()
    window.document.set_param("conv1", "stride", 2)
    assert window.revert_action.isEnabled()
    window.revert_action.trigger()
    assert window.document.text() == original and not window.document.is_modified


def test_new_from_template_dialog_previews_and_creates(qtbot, window, monkeypatch):
    dialog = TemplateDialog()
    qtbot.addWidget(dialog)
    names = [e.name for e in dialog.entries]
    assert names[0] == "Blank design" and any("ResNet-50" in n for n in names)
    row = next(n for n, e in enumerate(dialog.entries) if e.path and e.path.name == "vgg16.json")
    dialog.list.setCurrentRow(row)
    assert "138,357,544 parameters" in dialog.totals.text()
    assert dialog.description.toPlainText()
    assert len(dialog.preview_scene.cards) == len(dialog.entries[row].design)
    design = dialog.chosen_design()
    assert design is not dialog.entries[row].design and design.ids == dialog.entries[row].design.ids

    monkeypatch.setattr(TemplateDialog, "exec", lambda self: (self.list.setCurrentRow(row), 1)[1])
    window.new_action.trigger()
    assert window.document.design.name == design.name and window.document.path is None
    assert "unsaved" in window.windowTitle()


def test_layout_and_recent_files_persist(qtbot, window, tmp_path):
    window.docks["undo_history"].show()
    window.docks["palette"].hide()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert again.docks["palette"].isHidden()
    again.docks["palette"].show()
    assert os.environ["CNN_DESIGNER_SETTINGS"].startswith(str(tmp_path.parent.parent))


def test_autosave_and_recovery_after_a_crash(qtbot, window, answers):
    window.open_file(ALEXNET, ask=False)
    assert window.autosave() is None  # nothing unsaved: nothing written
    window.document.set_param("conv1", "stride", 2)
    path = window.autosave()
    assert path is not None and path.exists()
    text = window.document.text()
    # Pretend that process crashed: its file now belongs to a pid that is gone.
    crashed = path.with_name("recovery-999999999.json")
    path.rename(crashed)
    again = MainWindow()
    qtbot.addWidget(again)
    answers.answer = QMessageBox.StandardButton.Yes
    assert again.offer_recovery()
    assert again.document.text() == text
    assert again.document.is_modified and again.document.path == ALEXNET
    assert not crashed.exists()
    # A clean close removes this process's recovery file.
    answers.answer = QMessageBox.StandardButton.Discard
    again.close()
    window.document.undo_stack.setClean()
    assert not Recovery(again.recovery.folder.parent).path.exists()


def test_screenshot_command_writes_the_window(tmp_path, qapp):
    out = tmp_path / "shot.png"
    assert cli_main(["--screenshot", str(out), "--size", "1200x760", str(ALEXNET)]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 760)
    colors = {image.pixel(x, y) for x in range(0, 1200, 37) for y in range(0, 760, 29)}
    assert len(colors) > 12  # not blank
    assert cli_main(["--screenshot", str(out), str(tmp_path / "missing.json")]) == 2
    assert cli_main(["--screenshot", str(out), "--size", "big"]) == 2


def test_status_bar_totals_and_problem_counts(window, qtbot):
    window.open_file(ALEXNET, ask=False)
    qtbot.waitUntil(lambda: "60,965,224 params" in window.totals_label.text())
    assert "0 errors" in window.problems_label.text()
    window.document.set_param("conv1", "kernel_size", 300)
    qtbot.waitUntil(lambda: "1 error" in window.problems_label.text())


def test_view_menu_lists_every_dock(window):
    titles = {a.text() for a in window.docks_menu.actions()}
    assert {"Layers", "Inspector", "Undo History"} <= titles
    for name, dock in window.docks.items():
        assert dock.objectName() == f"dock_{name}"


def test_space_drag_pans(window, qtbot):
    window.open_file(ALEXNET, ask=False)
    view = window.view
    view.setFocus()
    before = view.mapToScene(view.viewport().rect().center())
    qtbot.keyPress(view, Qt.Key.Key_Space)
    drag_mouse(qtbot, view, before, before + QPointF(100 / view.zoom, 0))
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() < before.x() - 20
    assert not window.document.is_modified


def test_files_exist_for_fixture_sanity():
    assert ALEXNET.exists() and isinstance(ALEXNET, Path)


def test_a_screenshot_of_a_long_design_shows_its_minimap(tmp_path, qtbot, monkeypatch):
    """The minimap follows the canvas on a short timer; the screenshot waited for it only when
    the design took long enough to lay out (a faster canvas lost it from the picture)."""
    from designer.core.design import Design, Layer
    from designer.ui.app import take_screenshot

    design = Design("long")
    design.add_layer(Layer("input", "Input", {"shape": [8, 32, 32]}))
    for k in range(300):
        design.add_layer(Layer(f"relu{k}", "ReLU", {}, ["input" if k == 0 else f"relu{k - 1}"]))
    window = MainWindow()
    qtbot.addWidget(window)
    window.load_design(design, None)
    window.view.minimap._timer.setInterval(60_000)  # as if the timer had not fired yet
    take_screenshot(window, tmp_path / "long.png", (1200, 760))
    assert window.view.minimap.isVisible()

"""File ▸ Export dialog: live preview follows the options; saving writes the chosen format."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from designer.core.analysis import Analysis
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.ui.export_dialog import ExportDialog


def test_preview_updates_and_save_writes(qtbot, tmp_path: Path) -> None:
    design = load_design(templates_dir() / "alexnet_paper.json")
    dialog = ExportDialog(design, Analysis(design))
    qtbot.addWidget(dialog)
    blocks = dialog.last_preview
    assert not blocks.isNull() and blocks.width() > 100
    dialog.view_box.setCurrentIndex(1)  # graph
    assert dialog.last_preview.size() != blocks.size()
    assert not dialog.camera_box.isEnabled()
    dialog.format_box.setCurrentIndex(1)  # PNG
    dialog.scale_box.setValue(1.0)
    assert "pixels" in dialog.info.text()
    assert dialog.save_to(tmp_path / "fig.png")
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"
    dialog2 = ExportDialog(design, Analysis(design))
    qtbot.addWidget(dialog2)
    dialog2.dims_box.setCurrentIndex(1)
    assert dialog2.save_to(tmp_path / "fig.svg")
    root = ET.parse(tmp_path / "fig.svg").getroot()
    assert "96×55×55" in [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_blocks_choice_collapses_the_figure(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    design = load_design(templates_dir() / "resnet50.json")
    dialog = ExportDialog(design, Analysis(design))
    qtbot.addWidget(dialog)
    box = dialog.collapse_box
    assert box.isEnabled() and box.currentData() == "auto"
    assert [box.itemData(n) for n in range(box.count())] == ["auto", "none", 0, 1, 2]
    dialog.view_box.setCurrentIndex(1)  # graph
    box.setCurrentIndex(box.findData(0))  # top-level blocks only
    qtbot.keyClick(box, Qt.Key.Key_Up)  # and back: the keyboard works on the choice too
    assert box.currentData() == "none"
    box.setCurrentIndex(box.findData(0))
    assert dialog.save_to(tmp_path / "top.svg")
    texts = [
        t.text
        for t in ET.parse(tmp_path / "top.svg").getroot().iter("{http://www.w3.org/2000/svg}text")
    ]
    assert {"Stem", "Stage 1", "Stage 4", "Head"} <= set(texts)
    small = load_design(templates_dir() / "lenet5.json")  # no groups: nothing to choose
    plain = ExportDialog(small, Analysis(small))
    qtbot.addWidget(plain)
    assert not plain.collapse_box.isEnabled()


def test_export_from_the_app_starts_as_the_canvas_shows_it(qtbot, tmp_path, monkeypatch) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from designer.ui.main_window import MainWindow

    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    window = MainWindow()
    qtbot.addWidget(window)
    window.load_design(load_design(templates_dir() / "resnet50.json"), None)
    grouping = window.scene.grouping
    grouping.set_collapsed(
        {"layer1", "layer2", "layer4"}
    )  # Stage 3 open on the canvas, its blocks shown
    seen: list[ExportDialog] = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: seen.append(self) or 0)
    window.export()
    dialog = seen[0]
    box = dialog.collapse_box
    assert box.currentData() == "canvas" and box.currentText() == "As the canvas shows it"
    dialog.view_box.setCurrentIndex(1)  # graph
    assert dialog.save_to(tmp_path / "canvas.svg")
    texts = {
        t.text
        for t in ET.parse(tmp_path / "canvas.svg")
        .getroot()
        .iter("{http://www.w3.org/2000/svg}text")
    }
    assert {"Stage 1", "Stage 2", "Stage 4"} <= texts  # collapsed as on the canvas
    assert "Stage 3" not in texts and any(
        t.startswith("layer3.") for t in texts if t
    )  # open as on the canvas
    qtbot.keyClick(box, Qt.Key.Key_Down)  # the other choices are still there
    assert box.currentData() == "auto"

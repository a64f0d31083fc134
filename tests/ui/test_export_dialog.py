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

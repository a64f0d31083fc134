"""The code dialog's framework switch, File ▸ Export ▸ Keras Code… / ONNX Graph…, and Keras files in the import dialog."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from designer.core.design import Design, Layer
from designer.core.fileformat import load_design
from designer.export import keras_code
from designer.export.pytorch_code import generate
from designer.ui.code_dialogs import CodePreviewDialog, ImportModelDialog
from designer.ui.main_window import MainWindow
from designer.ui.template_dialog import templates_folder
from tests.convert.test_from_keras import _functional

RESNET18 = templates_folder() / "resnet18.json"
ZFNET = templates_folder() / "zfnet.json"


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    w = MainWindow()
    qtbot.addWidget(w)
    w.load_design(load_design(RESNET18), RESNET18)
    return w


@pytest.fixture
def messages(monkeypatch) -> list[str]:
    shown: list[str] = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(
            QMessageBox,
            name,
            staticmethod(
                lambda parent, title, text, *a, _n=name, **k: shown.append(f"{_n} {title}: {text}")
            ),
        )
    return shown


def test_framework_switch_shows_keras_code_chosen_with_the_keyboard(qtbot) -> None:
    design = load_design(RESNET18)
    dialog = CodePreviewDialog(design)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.editor.toPlainText() == generate(design)
    combo = dialog.framework_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # PyTorch → Keras
    assert dialog.framework == "keras"
    assert dialog.editor.toPlainText() == keras_code.generate(design) == dialog.code
    assert dialog.title.text() == "build_model() → keras.Model"
    assert (
        "channels last" in dialog.subtitle.text()
        and "11,689,512 parameters" in dialog.subtitle.text()
    )
    assert dialog.windowTitle() == "Keras code — ResNet-18"
    assert dialog.default_file_name() == "resnet_18_keras.py"
    qtbot.keyClick(combo, Qt.Key.Key_Up)  # and back
    assert (
        dialog.framework == "pytorch" and "class ResNet18(nn.Module)" in dialog.editor.toPlainText()
    )


def test_keras_refusal_names_the_layer_and_pytorch_still_works(qtbot) -> None:
    dialog = CodePreviewDialog(load_design(ZFNET), framework="keras")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.title.text().startswith("No Keras code for “")
    assert "layer 'norm1' (LocalResponseNorm)" in dialog.error_label.text()
    assert (
        dialog.editor.isHidden()
        and not dialog.copy_button.isEnabled()
        and not dialog.save_button.isEnabled()
    )
    dialog.framework_combo.setCurrentIndex(0)
    assert dialog.error == "" and not dialog.editor.isHidden()
    assert dialog.copy_button.isEnabled() and dialog.save_button.isEnabled()


def test_save_keras_code(qtbot, tmp_path: Path, monkeypatch) -> None:
    design = load_design(RESNET18)
    dialog = CodePreviewDialog(design, start_dir=tmp_path, framework="keras")
    qtbot.addWidget(dialog)
    asked: list[tuple[str, str]] = []

    def choose(parent, caption, start, filters, *a, **k):
        asked.append((caption, start))
        return str(tmp_path / "net"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert asked == [("Save Keras code", str(tmp_path / "resnet_18_keras.py"))]
    assert (tmp_path / "net.py").read_text() == keras_code.generate(design)


def test_keras_menu_opens_the_dialog_on_keras(window: MainWindow, monkeypatch) -> None:
    shown: list[CodePreviewDialog] = []

    def fake_exec(self: CodePreviewDialog) -> int:
        shown.append(self)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(CodePreviewDialog, "exec", fake_exec)
    window.export_keras_action.trigger()
    assert len(shown) == 1 and shown[0].framework == "keras" and "keras.Model" in shown[0].code


def test_onnx_menu_writes_a_checked_file(
    window: MainWindow, tmp_path: Path, monkeypatch, messages
) -> None:
    onnx = pytest.importorskip("onnx", reason="ONNX export needs the optional onnx package")
    window.load_design(load_design(templates_folder() / "lenet5.json"), None)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "lenet"), ""))
    )
    assert window.export_onnx_action.isEnabled()
    window.export_onnx_action.trigger()
    out = tmp_path / "lenet.onnx"
    onnx.checker.check_model(str(out), full_check=True)
    assert "Wrote" in window.statusBar().currentMessage() and messages == []
    design = Design("uneven")
    design.add_layer(Layer("input", "Input", {"shape": [3, 10, 10]}, []))
    design.add_layer(Layer("gap", "AdaptiveAvgPool2d", {"output_size": 3}, ["input"]))
    window.load_design(design, None)
    window.export_onnx_action.trigger()
    assert len(messages) == 1 and "layer 'gap' (AdaptiveAvgPool2d)" in messages[0]
    assert messages[0].startswith("warning No ONNX graph:")


def test_import_dialog_reads_a_keras_file_without_an_input_shape(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "tiny.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(_functional()))

    def fake_exec(self: ImportModelDialog) -> int:
        self.set_path(path)
        assert self.kind == "keras" and self.problems() == []
        assert self.shape_edit.text() == "3, 32, 32"  # declared by the file, prefilled
        assert (
            "Optional for Keras models" in self.shape_hint.text()
            and "image [3, 32, 32]" in self.shape_hint.text()
        )
        assert not self.form.isRowVisible(self.model_row)
        qtbot.mouseClick(self.import_button, Qt.MouseButton.LeftButton)
        return self.result()

    monkeypatch.setattr(ImportModelDialog, "exec", fake_exec)
    monkeypatch.setattr(
        QMessageBox, "information", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok)
    )
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok)
    )
    assert window.import_model()
    design = window.document.design
    assert design.name == "tiny net" and design.semantics == "keras"
    assert window.document.analysis.info["logits_softmax"].output_shape == (10,)


def test_import_dialog_keras_source_needs_no_shape(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "k.py"
    path.write_text("import keras\n\n\ndef build_model():\n    return None\n", encoding="utf-8")
    dialog = ImportModelDialog(path=path)
    qtbot.addWidget(dialog)
    assert dialog.kind == "python" and dialog.problems() == []
    assert "return a Keras model" in dialog.model_hint.text()
    assert not dialog.run_note.isHidden()  # it runs the file: still said


def test_import_dialog_keras_file_with_open_sizes_asks_for_a_shape(qtbot, tmp_path: Path) -> None:
    config = _functional()
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, None, None, 3]
    path = tmp_path / "open.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(config))
    dialog = ImportModelDialog(path=path)
    qtbot.addWidget(dialog)
    assert dialog.shape_edit.text() == "" and "image [3, ?, ?]" in dialog.shape_hint.text()
    assert not dialog.import_button.isEnabled() and "give the input shape" in dialog.todo.text()
    qtbot.keyClicks(dialog.shape_edit, "3, 64, 64")
    assert dialog.import_button.isEnabled()
    assert dialog.run_import()
    assert dialog.result_import is not None
    assert dialog.result_import.design.layer("image").params == {"shape": [3, 64, 64]}


def _permuted_conv() -> Design:
    design = Design("permuted")
    design.add_layer(Layer("input", "Input", {"shape": [3, 16, 16]}, []))
    design.add_layer(Layer("to_nhwc", "Permute", {"dims": [0, 2, 3, 1]}, ["input"]))
    design.add_layer(Layer("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3}, ["to_nhwc"]))
    return design


def test_a_modern_keras_refusal_reads_in_the_dialog_and_the_keyboard_goes_back_to_pytorch(
    qtbot,
) -> None:
    dialog = CodePreviewDialog(_permuted_conv(), framework="keras")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.title.text() == "No Keras code for “permuted”"
    assert "Keras cannot express part of it" in dialog.subtitle.text()
    text = dialog.error_label.text()
    assert "layer 'conv' (Conv2d) receives 'to_nhwc' after a Permute or Transpose" in text
    assert "Permute the axes back to C×H×W before this layer" in text
    assert dialog.editor.isHidden() and not dialog.save_button.isEnabled()
    dialog.framework_combo.setFocus()
    qtbot.keyClick(dialog.framework_combo, Qt.Key.Key_Up)  # Keras → PyTorch: it can say this
    assert dialog.framework == "pytorch" and dialog.error == ""
    assert "nn.Conv2d(16, 4, kernel_size=3)" in dialog.editor.toPlainText()


def test_onnx_menu_names_a_layer_it_refuses_among_the_modern_ones(
    window: MainWindow, tmp_path: Path, monkeypatch, messages
) -> None:
    pytest.importorskip("onnx", reason="ONNX export needs the optional onnx package")
    design = Design("running")
    design.add_layer(Layer("input", "Input", {"shape": [3, 8, 8]}, []))
    design.add_layer(Layer("inorm", "InstanceNorm2d", {"track_running_stats": True}, ["input"]))
    window.load_design(design, None)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "r"), ""))
    )
    window.export_onnx_action.trigger()
    assert len(messages) == 1 and messages[0].startswith("warning No ONNX graph:")
    assert "layer 'inorm' (InstanceNorm2d) keeps running statistics" in messages[0]
    assert not (tmp_path / "r.onnx").exists()

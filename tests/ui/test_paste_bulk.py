"""A paste of many layers is one step (``AddLayersCommand``: ``Design.restore_layers`` of what
was never there, undone by ``remove_layers``) for the design, the analysis and the views
(issue 15, seventh pass): the same design as the paste one layer at a time gives, the analysis
equal to a fresh one, undo and redo exact, the canvas equal to a fresh scene."""

from __future__ import annotations

import pytest

from benchmarks.scale_designs import chain_design, resnet_like
from designer.core.design import DesignError
from designer.ui import commands
from designer.ui import document as document_module
from designer.ui.canvas.clipboard import fragment_text, parse_fragment
from designer.ui.document import Document
from tests.core.test_groups_incremental import staged
from tests.ui.test_bulk_removal import _same_as_fresh
from tests.ui.test_canvas_bulk import _check
from tests.ui.test_group_views_cache import assert_same_as_fresh as assert_groups_as_fresh
from tests.ui.ui_helpers import shown_main_window


def _paste(design_factory, pick, bulk: bool, monkeypatch) -> tuple[Document, list[str]]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(document_module, "BULK_ADDITION", 50 if bulk else 10**9)
    doc = Document(design_factory())
    ids = pick(doc.design.ids)
    layers, positions = parse_fragment(fragment_text(doc.design, ids))
    new = doc.paste_layers(layers, positions, (0.0, 400.0))
    return doc, new


DESIGNS = {
    "chain": (lambda: chain_design(300), lambda ids: ids[20:180]),
    "resnet": (lambda: resnet_like(300), lambda ids: ids[::2]),  # skips cut: inputs dropped/kept
    "staged": (lambda: staged(stages=3, blocks=6), lambda ids: ids),  # groups
}


@pytest.mark.parametrize("kind", sorted(DESIGNS))
def test_a_bulk_paste_gives_the_design_one_by_one_gives_and_undoes_exactly(kind, monkeypatch):
    factory, pick = DESIGNS[kind]
    one_by_one, ids_a = _paste(factory, pick, False, monkeypatch)
    bulk, ids_b = _paste(factory, pick, True, monkeypatch)
    assert len(ids_b) >= 50 and ids_a == ids_b
    assert bulk.selection == ids_b
    step = bulk.undo_stack.command(bulk.undo_stack.count() - 1)
    assert (
        isinstance(step, commands.AddLayersCommand) and step.text() == f"Paste {len(ids_b)} layers"
    )
    assert bulk.text() == one_by_one.text()
    _same_as_fresh(bulk)
    assert_groups_as_fresh(bulk)  # (the collapsed views' cache, at every level)
    pasted = bulk.text()
    original = Document(factory()).text()
    bulk.undo()
    assert bulk.text() == original
    _same_as_fresh(bulk)
    assert_groups_as_fresh(bulk)
    bulk.redo()
    assert bulk.text() == pasted
    _same_as_fresh(bulk)
    assert_groups_as_fresh(bulk)
    bulk.undo()
    assert bulk.text() == original


def test_a_bulk_paste_that_cannot_be_made_changes_nothing(monkeypatch):
    monkeypatch.setattr(document_module, "BULK_ADDITION", 2)
    doc = Document(chain_design(20))
    layers, positions = parse_fragment(fragment_text(doc.design, doc.design.ids[1:6]))
    layers[3].params = {**layers[3].params, "kernel_size": -4}  # (a Conv2d of the chain)
    before = doc.text()
    with pytest.raises(DesignError):
        doc.paste_layers(layers, positions)
    assert doc.text() == before and doc.undo_stack.count() == 0


def test_ctrl_a_ctrl_c_ctrl_v_ctrl_z_ctrl_shift_z_on_the_canvas(qtbot, monkeypatch):
    from PySide6.QtCore import Qt

    monkeypatch.setattr(document_module, "BULK_ADDITION", 50)
    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(staged(stages=3, blocks=6), None)
    doc, scene = window.document, window.scene
    scene.grouping.expand_all()
    window.view.fit_to_view()
    before = set(doc.design.ids)
    original = doc.text()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(window.view, Qt.Key.Key_A, ctrl)
    qtbot.keyClick(window.view, Qt.Key.Key_C, ctrl)
    qtbot.keyClick(window.view, Qt.Key.Key_V, ctrl)
    new = set(doc.design.ids) - before
    assert len(new) == len(before) >= document_module.BULK_ADDITION
    assert isinstance(doc.undo_stack.command(doc.undo_stack.count() - 1), commands.AddLayersCommand)
    _check(window, "pasted")
    assert set(scene.selected_ids()) == new
    pasted = doc.text()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, ctrl)
    assert doc.text() == original
    _check(window, "undone")
    qtbot.keyClick(window.view, Qt.Key.Key_Z, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert doc.text() == pasted
    _check(window, "redone")


def test_the_pasted_ids_are_those_fresh_id_gives_one_by_one():
    """``Document._paste_ids`` against ``Design.fresh_id`` called per layer, with ids kept
    where free, a group's id, an id a layer takes as a missing input, and prefixes mixed."""
    from designer.core.design import Layer
    from designer.core.groups import Group
    from designer.core.registry import layer_type

    design = chain_design(60)
    design.add_layer(Layer("relu7x", "ReLU", {}, ["conv9"]))  # conv9: not a layer, taken as input
    design.set_groups([Group("conv3", "a block", None, [design.ids[1]])])
    doc = Document(design)  # (its ids are input, l1, l2...: copies take conv1, bn1, relu1...)
    layers, _ = parse_fragment(fragment_text(doc.design, doc.design.ids))
    layers.append(Layer("fresh_one", "ReLU", {}, []))
    layers.append(Layer("conv9", "ReLU", {}, []))
    taken = {g.id for g in doc.design.groups}
    expected = {}
    for layer in layers:
        if layer.id not in doc.design and layer.id not in taken:
            new = layer.id
        else:
            new = doc.design.fresh_id(layer_type(layer.type).prefix, taken)
        taken.add(new)
        expected[layer.id] = new
    assert doc._paste_ids(layers) == expected
    assert expected["fresh_one"] == "fresh_one"

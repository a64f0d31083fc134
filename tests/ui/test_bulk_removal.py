"""Deleting many layers in one step (``Design.remove_layers``, ``RemoveLayersCommand``) and its
undo and redo: the design exactly as before (the saved text), the analysis equal to a fresh one,
the same design as the one-by-one deletion gives, the views told once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.scale_designs import chain_design, grouped_resnet, resnet_like
from designer.core.analysis import analyze
from designer.core.design import BulkChange, Design, DesignError, Layer
from designer.core.fileformat import dumps_design
from designer.core.groups import Group
from designer.core.report import check_json
from designer.ui import document as document_module
from designer.ui.commands import RemoveLayersCommand
from designer.ui.document import Document


def staged(kind: str) -> Design:
    """A small design with what a deletion must put back: groups (stages and blocks), skip
    branches, a Split whose outputs are taken by index, an Unsupported layer with a note,
    positions, a description and a load note."""
    if kind == "chain":
        design = chain_design(60)
    elif kind == "resnet":
        design = resnet_like(70)
    else:
        design = grouped_resnet(120)
    last = design.ids[-1]
    design.add_layer(
        Layer("split", "Split", {"split_size_or_sections": 8}, [last]), position=(10.0, 20.0)
    )
    design.add_layer(Layer("left", "ReLU", {}, ["split:1"]), position=(30.0, 40.0))
    design.add_layer(Layer("right", "ReLU", {}, ["split:0"]), position=(50.0, 60.0))
    design.add_layer(Layer("both", "Add", {}, ["left", "right"]))  # no position
    design.add_layer(
        Layer("odd", "Unsupported", {"op": "aten::roll", "note": "kept as is"}, ["both"]),
        index=len(design) // 2,
    )
    groups = design.groups
    groups.append(Group("tail", "Tail", None, ["split", "left", "right", "both"]))
    design.set_groups(groups)
    design.set_description("notes on the design")
    design.load_notes = [("missing_id", "left", "$.layers[3] had no id")]
    return design


@contextmanager
def bulk_from(n: int) -> Iterator[None]:
    kept = document_module.BULK_REMOVAL
    document_module.BULK_REMOVAL = n
    try:
        yield
    finally:
        document_module.BULK_REMOVAL = kept


def _same_as_fresh(doc: Document) -> None:
    fresh = analyze(doc.design)
    live = doc.analysis
    assert sorted(live.info) == sorted(fresh.info)
    for lid in doc.design.ids:
        assert live.info[lid] == fresh.info[lid], lid
    assert live.diagnostics() == fresh.diagnostics()
    assert live.totals() == fresh.totals()
    assert check_json(live) == check_json(fresh)


def _delete(design: Design, chosen: list[str], heal: bool, bulk: bool) -> Document:
    doc = Document(design)
    with bulk_from(1 if bulk else 10**9):
        doc.remove_layers(chosen, heal=heal)
    return doc


KINDS = ("chain", "resnet", "grouped")
DESIGNS = {kind: staged(kind) for kind in KINDS}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(KINDS),
    st.floats(0.02, 0.98),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_delete_undo_redo_undo_gives_the_design_back_exactly(kind, share, seed, heal):
    base = DESIGNS[kind]
    rng = random.Random(seed)
    chosen = [lid for lid in base.ids if rng.random() < share] or [base.ids[-1]]
    rng.shuffle(chosen)  # the selection's order is not the design's
    doc = _delete(base.copy(), chosen, heal, bulk=True)
    original = dumps_design(base)
    assert doc.undo_stack.count() == 1
    assert isinstance(doc.undo_stack.command(0), RemoveLayersCommand)
    deleted = doc.text()
    # The same design as the deletion one layer at a time gives.
    assert _delete(base.copy(), chosen, heal, bulk=False).text() == deleted
    assert not set(chosen) & set(doc.design.ids)
    _same_as_fresh(doc)
    doc.undo()
    assert doc.text() == original
    assert doc.design.groups == base.groups
    assert doc.design.layout == base.layout
    assert doc.design.load_notes == base.load_notes
    _same_as_fresh(doc)
    doc.redo()
    assert doc.text() == deleted
    _same_as_fresh(doc)
    doc.undo()
    assert doc.text() == original
    _same_as_fresh(doc)
    # The design's references, made again after each bulk step, answer as a pass would.
    for layer in doc.design:
        assert doc.design.consumers(layer.id) == [c.id for c in doc.design if layer.id in c.sources]


def test_a_large_deletion_is_one_step_and_the_views_are_told_once() -> None:
    design = chain_design(400)
    doc = Document(design)
    doc.select(design.ids[:250])
    told: dict[str, list[object]] = {"removed": [], "added": [], "updated": [], "selection": []}
    doc.layer_removed.connect(told["removed"].append)
    doc.layer_added.connect(told["added"].append)
    doc.analysis_updated.connect(told["updated"].append)
    doc.selection_changed.connect(told["selection"].append)
    passes = doc.analysis.structure_passes
    doc.remove_layers(doc.selection)
    assert len(told["removed"]) == 250
    assert len(told["updated"]) == 1 and len(told["selection"]) == 1
    assert told["selection"] == [[]]
    assert doc.analysis.structure_passes == passes + 1  # one full pass, not 250 steps
    doc.undo()
    assert told["added"] == design.ids[:250]
    assert len(told["updated"]) == 2
    assert doc.analysis.structure_passes == passes + 2
    assert doc.undo_stack.undoText() == "" and doc.undo_stack.redoText() == "Delete 250 layers"


def test_one_layer_still_goes_on_its_own() -> None:
    doc = Document(chain_design(40))
    passes = doc.analysis.structure_passes
    doc.remove_layers(doc.design.ids[10:11])
    assert doc.analysis.structure_passes == passes  # a structural step, no pass
    assert doc.undo_stack.command(0).childCount() == 2  # the consumer, then the layer


def test_the_design_refuses_a_bulk_removal_it_cannot_do_and_changes_nothing() -> None:
    design = staged("resnet")
    text = dumps_design(design)
    events: list[BulkChange] = []
    design.bulk_changed.connect(events.append)
    with pytest.raises(DesignError, match="no layer 'ghost'"):
        design.remove_layers(["left", "ghost"])
    with pytest.raises(DesignError, match="removed"):
        design.remove_layers(["left"], {"both": ["left"]})
    with pytest.raises(DesignError, match="its own output"):
        design.remove_layers(["left"], {"both": ["both"]})
    with pytest.raises(DesignError, match="stays"):
        design.remove_layers(["left"], {"left": []})
    assert dumps_design(design) == text
    assert events == []
    removal = design.remove_layers(["left", "split"])
    assert events == [
        BulkChange(
            removed=("split", "left"),
            rewired=("right", "both"),
            groups=True,
            fed=("b8.relu2", "right"),  # what split read; what both read before and after
        )
    ]
    design.add_layer(Layer("left", "ReLU", {}, []))
    with pytest.raises(DesignError, match="already exists"):
        design.restore_layers(removal)


# --------------------------------------------------------------------- the window, as a user


def _views(window) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What the user sees: cards (where), connections, the table's every cell, the totals in
    the status bar and the problems listed."""
    from PySide6.QtWidgets import QApplication

    window.scene.grouping.flush()
    QApplication.processEvents()
    scene, model = window.scene, window.layer_table.model
    return {
        "cards": sorted((lid, card.x(), card.y()) for lid, card in scene.cards.items()),
        "content": {lid: card.content for lid, card in scene.cards.items()},
        "edges": sorted(scene.edges),
        "table": [
            [model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())
        ],
        "totals": window.totals_label.text(),
        "problems": [
            item.text(0) + " " + item.toolTip(0) for item in window.diagnostics_panel.items()
        ],
        "frames": sorted(
            (f.group_id, f.title, f.sceneBoundingRect().getRect())
            for f in scene.grouping.frames
            if f.isVisible()
        ),
    }


@pytest.mark.parametrize(
    ("kind", "how"),
    [("resnet", "rubber band"), ("resnet", "select all"), ("grouped", "rubber band")],
)
def test_delete_undo_redo_with_real_events_shows_the_design_as_before(
    qtbot, monkeypatch, kind, how
) -> None:
    from PySide6.QtCore import QPointF, Qt

    from tests.ui.ui_helpers import drag_mouse, shown_main_window

    window = shown_main_window(qtbot, monkeypatch)
    window.load_design(staged(kind), None)  # (grouped: every block open, its frame shown)
    window.scene.grouping.expand_all()
    window.view.fit_to_view()
    doc = window.document
    original, shown = doc.text(), _views(window)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    if how == "rubber band":
        # The middle of the design: its consumers after it are healed (a new connection).
        box = window.scene.itemsBoundingRect()
        drag_mouse(
            qtbot,
            window.view,
            QPointF(box.left() + box.width() * 0.3, box.top() - 20),
            QPointF(box.left() + box.width() * 0.6, box.bottom() + 20),
        )
    else:
        qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    chosen = list(doc.selection)
    assert len(chosen) >= 10 and (how == "select all") == (len(chosen) == len(doc.design))
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    # The canvas's "Delete …" macro (edges selected between layers that stay are disconnected
    # first): the layers go in one bulk removal.
    step = doc.undo_stack.command(0)
    removals = [step.child(n) for n in range(step.childCount())]
    assert [isinstance(c, RemoveLayersCommand) for c in removals].count(True) == 1
    assert not set(chosen) & set(doc.design.ids)
    deleted, after = doc.text(), _views(window)
    # (A card with no stored position is placed by the layout, which the deletion changes.)
    placed = doc.design.layout
    assert [c for c in after["cards"] if c[0] in placed] == [
        c for c in shown["cards"] if c[0] not in chosen and c[0] in placed
    ]
    assert {c[0] for c in after["cards"]} == {c[0] for c in shown["cards"]} - set(chosen)
    assert [row[0] for row in after["table"]] == [
        r[0] for r in shown["table"] if r[0] not in chosen
    ]
    assert after["totals"] != shown["totals"]
    if kind == "grouped":
        assert after["frames"] != shown["frames"]  # layers left their blocks
    if (kind, how) == ("resnet", "rubber band"):
        assert set(after["edges"]) - set(shown["edges"])  # a consumer healed: a new connection
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.text() == original
    assert _views(window) == shown
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert doc.text() == deleted
    assert _views(window) == after
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _views(window) == shown
    qtbot.keyClick(window.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert doc.text() == deleted
    assert _views(window) == after


def test_a_few_layers_of_a_design_with_groups_go_in_one_step() -> None:
    """Each layer removed one by one changed the groups, and the collapsed canvas was laid out
    again each time (10 layers of the grouped 10,000-layer design: 2-6 s)."""
    design = grouped_resnet(120)
    doc = Document(design)
    groups_told: list[None] = []
    doc.groups_changed.connect(lambda: groups_told.append(None))
    doc.remove_layers(design.ids[30:33])
    assert isinstance(doc.undo_stack.command(0), RemoveLayersCommand)
    assert len(groups_told) == 1
    doc.undo()
    assert len(groups_told) == 2
    assert dumps_design(doc.design) == dumps_design(grouped_resnet(120))


def test_the_layers_selected_that_stay_stay_selected() -> None:
    design = chain_design(300)
    doc = Document(design)
    ids = design.ids
    doc.select([*ids[200:260], *ids[10:30]])
    told: list[list[str]] = []
    doc.selection_changed.connect(told.append)
    doc.remove_layers(ids[:250])
    assert told == [ids[250:260]] and doc.selection == ids[250:260]
    doc.undo()  # the undo does not select again what it brings back
    assert told == [ids[250:260]] and doc.selection == ids[250:260]


@pytest.mark.parametrize("name", ["staged", "resnet50"])
def test_the_group_cache_after_bulk_deletions_keeps_the_keys_of_untouched_groups(
    qapp, name
) -> None:
    """After a bulk deletion, its undo and redo, the collapsed views' cache equals a fresh
    build; the structure keys of groups holding no layer removed, added or reconnected are
    kept, not worked out again."""
    from tests.ui.test_group_views_cache import assert_same_as_fresh, document_of

    doc = document_of(name)
    cache = doc.group_cache
    rng = random.Random(name)
    kept_any = False
    for step in range(10):
        assert_same_as_fresh(doc)  # (reads every key, total and graph at every level)
        keys = dict(cache._keys)
        ids = doc.design.ids
        if step % 3 == 2 and doc.undo_stack.canUndo():
            doc.undo()
        elif step % 3 == 1 and doc.undo_stack.canRedo():
            doc.redo()
        else:
            at = rng.randrange(len(ids) - 4)
            doc.remove_layers(ids[at : at + rng.randrange(2, 5)])
        kept = [g for g, k in cache._keys.items() if keys.get(g) is k]
        assert len(kept) < len(keys)  # the groups around the change were keyed again
        kept_any = kept_any or bool(kept)
    assert_same_as_fresh(doc)
    assert kept_any

"""Deleting several layers at once (issue 15): every layer that stays reads only layers that
stay; one that read a deleted run of one-input layers reads the run's input; undo restores the
design exactly and redo gives the same result again."""

from __future__ import annotations

import random

from designer.core.design import source_of
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.ui.document import Document


def expected_input(design, doomed: set[str], ref: str) -> str | None:  # type: ignore[no-untyped-def]
    seen = set()
    while source_of(ref) in doomed:
        lid = source_of(ref)
        inputs = design.layer(lid).inputs
        if len(inputs) != 1 or lid in seen:
            return None
        seen.add(lid)
        ref = inputs[0]
    return ref


def test_random_deletions_keep_the_rest_connected_and_undo_exactly(qtbot) -> None:
    rng = random.Random(12)
    for name in ("resnet18", "efficientnet_b0", "unet_small"):
        doc = Document(load_design(templates_dir() / f"{name}.json"))
        ids = doc.design.ids
        for _ in range(8):
            start = rng.randrange(1, len(ids) - 6)
            doomed = (
                ids[start : start + rng.randint(1, 6)]
                if rng.random() < 0.6
                else rng.sample(ids[1:], rng.randint(1, 8))
            )
            before = doc.text()
            design = doc.design
            wanted = {}
            for layer in design:
                if layer.id in doomed:
                    continue
                if not any(source_of(ref) in doomed for ref in layer.inputs):
                    wanted[layer.id] = list(layer.inputs)
                    continue
                new: list[str] = []
                for ref in layer.inputs:
                    got = expected_input(design, set(doomed), ref)
                    if got is not None and got not in new and source_of(got) != layer.id:
                        new.append(got)
                wanted[layer.id] = new
            doc.remove_layers(doomed)
            after = doc.text()
            assert not set(doomed) & set(design.ids)
            assert {layer.id: layer.inputs for layer in design} == wanted
            doc.undo_stack.undo()
            assert doc.text() == before
            doc.undo_stack.redo()
            assert doc.text() == after
            doc.undo_stack.undo()


def test_a_deletion_of_several_layers_and_its_undo_update_the_views_once(
    qtbot, monkeypatch
) -> None:
    """Issue 15: each step of an edit of several steps (deleting layers, pasting, their undo)
    updated the table, charts, problems list and 3D view: at 10,000 layers, each step re-listed
    thousands of problems. Now the views follow once, at the end, with every layer changed;
    what they show equals what they show for the design opened afresh."""
    from PySide6.QtCore import Qt

    from designer.core.analysis import Analysis
    from tests.ui.ui_helpers import shown_main_window

    window = shown_main_window(qtbot, monkeypatch)
    assert window.open_file(templates_dir() / "resnet18.json", ask=False)
    doc = window.document
    window.scene.grouping.expand_all()  # (the layers shown as cards, to be selected)
    updates: list[object] = []
    doc.analysis_updated.connect(updates.append)
    doomed = ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu", "layer2.1.conv2"]
    doc.select(doomed)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert len(updates) == 1 and set(doomed) & set(updates[0]) == set(doomed)
    fresh = Analysis(doc.design.copy(), live=False)
    assert [d.message for d in window.diagnostics_panel.diagnostics] == [
        d.message for d in fresh.diagnostics()
    ]
    updates.clear()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert all(lid in doc.design for lid in doomed)
    assert len(updates) == 1
    fresh = Analysis(doc.design.copy(), live=False)
    assert [d.message for d in window.diagnostics_panel.diagnostics] == [
        d.message for d in fresh.diagnostics()
    ]


def test_long_edits_of_a_long_design_show_the_busy_cursor(qtbot, monkeypatch) -> None:
    """On a design of thousands of layers, deleting, pasting, tidying up or undoing them takes a
    few hundred milliseconds: the cursor shows it is busy meanwhile (and a word in the status
    bar), and is back to normal after; a small design shows nothing."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from designer.ui import busy
    from tests.ui.ui_helpers import shown_main_window

    window = shown_main_window(qtbot, monkeypatch)
    assert window.open_file(templates_dir() / "resnet18.json", ask=False)
    window.scene.grouping.expand_all()
    doc = window.document
    seen: list[object] = []
    real = doc.remove_layers

    def watched(ids, heal=True):  # type: ignore[no-untyped-def]
        cursor = QApplication.overrideCursor()
        seen.append((cursor.shape() if cursor else None, window.statusBar().currentMessage()))
        real(ids, heal)

    monkeypatch.setattr(doc, "remove_layers", watched)
    with qtbot.waitActive(window):
        window.activateWindow()
    for long in (False, True):
        monkeypatch.setattr(busy, "LONG_DESIGN", 10 if long else 10_000)
        doc.select(["layer1.0.relu"])
        window.view.setFocus()
        qtbot.keyClick(window.view, Qt.Key.Key_Delete)
        assert QApplication.overrideCursor() is None
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert seen[0][0] is None and seen[0][1] != "Deleting…"
    assert seen[1] == (Qt.CursorShape.WaitCursor, "Deleting…")
    assert QApplication.overrideCursor() is None


def test_the_free_place_for_a_paste_is_the_one_every_card_checked_gives(qtbot) -> None:
    """Issue 15: a paste checked each copied card against every card of the design for each
    place tried (Duplicate of 50 layers at 10,000: 500,000 tests per place). The cards are now
    looked up in cells around each place; the place found equals the former one."""
    import random

    from designer.core.design import Design, Layer
    from designer.core.layout import CARD_HEIGHT, CARD_WIDTH, COLUMN_GAP, ROW_GAP
    from designer.ui.canvas.scene import DesignScene

    def former(scene: DesignScene, positions):  # type: ignore[no-untyped-def]
        taken = [(c.x(), c.y()) for c in scene.cards.values()]

        def clear(dx: float, dy: float) -> bool:
            return not any(
                abs(x + dx - tx) < CARD_WIDTH + 8 and abs(y + dy - ty) < CARD_HEIGHT + 8
                for x, y in positions
                for tx, ty in taken
            )

        xs, ys = [p[0] for p in positions], [p[1] for p in positions]
        sx = max(xs) - min(xs) + CARD_WIDTH + COLUMN_GAP
        sy = max(ys) - min(ys) + CARD_HEIGHT + ROW_GAP
        across = (0, 1) if scene.direction == "LR" else (1, 0)
        grid = [(i, j) for i in range(-4, 5) for j in range(-4, 5) if (i, j) != (0, 0)]
        back = (-across[0], -across[1])
        grid.sort(key=lambda ij: (max(abs(ij[0]), abs(ij[1])), ij != across, ij != back))
        for i, j in grid:
            if clear(i * sx, j * sy):
                return (i * sx, j * sy)
        n = 5
        while not clear(across[0] * n * sx, across[1] * n * sy):
            n += 1
        return (across[0] * n * sx, across[1] * n * sy)

    rng = random.Random(4)
    for crowd in (40, 160, 400):
        d = Design()
        for k in range(crowd):
            d.add_layer(
                Layer(f"r{k}", "ReLU", {}, []),
                position=(rng.uniform(-300, 2400), rng.uniform(-200, 1200)),
            )
        scene = DesignScene(Document(d))
        for _ in range(12):
            chosen = rng.sample(list(scene.cards.values()), rng.randint(1, 8))
            positions = [(c.x(), c.y()) for c in chosen]
            assert scene.free_offset(positions) == former(scene, positions)

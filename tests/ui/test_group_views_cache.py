"""The collapsed views' shared cache (``designer.ui.group_views``): what it gives is what the
core computes afresh, after any edit; and an edit inside one collapsed block sums that block
again, not every block (issue 15, target 4, the collapsed case)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from designer.core.collapsed_figure import block_rows, collapsed_volume_scene, main_type
from designer.core.design import Layer
from designer.core.fileformat import load_design
from designer.core.groups import (
    Group,
    GroupIndex,
    collapsed_for_level,
    consumers_of,
    repeat_runs,
    structure_key,
    summarize,
    visible_graph,
)
from designer.core.resources import templates_dir
from designer.ui.document import Document
from designer.ui.group_views import (
    CANONICAL_KEY,
    cache_for,
    cached_block_rows,
    cached_volume_scene,
)
from designer.ui.panels import diagnostics_panel
from tests.core.test_groups_incremental import staged
from tests.ui.ui_helpers import shown_main_window


def resnet50():
    return load_design(templates_dir() / "resnet50.json")


def document_of(name: str) -> Document:
    """A document of the staged design (``"staged"``) or of the template ``name``."""
    design = staged() if name == "staged" else load_design(templates_dir() / f"{name}.json")
    doc = Document()
    doc.reset(design)
    return doc


def assert_same_as_fresh(doc: Document) -> None:
    cache = cache_for(doc.analysis)
    assert cache is not None and cache is doc.group_cache
    design = doc.design
    index = GroupIndex(design)
    runs = repeat_runs(design, index)
    assert cache.runs() == runs
    if cache._consumers is not None:  # kept, or patched after an edit: who reads each layer
        kept = {src: sorted(users) for src, users in cache._consumers.items() if users}
        assert kept == {src: sorted(users) for src, users in consumers_of(design).items()}
    for gid, key in cache._keys.items():  # kept, or patched after an edit
        assert key == structure_key(design, index, gid), gid
        if len(key) <= CANONICAL_KEY:  # one object per value: a run's blocks compare by identity
            assert cache._canon[key] is key, gid
    # Everything the cache gives first: reading the analysis afresh brings its fields up to
    # date, and the cache would then find them current.
    shuts = [collapsed_for_level(index, level) for level in range(index.max_depth + 1)]
    graphs = [cache.graph(shut) for shut in shuts]
    summaries = [[cache.summary(n) for n in g.nodes if n.kind == "group"] for g in graphs]
    rows = [cached_block_rows(doc.analysis, shut) for shut in shuts]
    volumes = [cached_volume_scene(doc.analysis, shut) for shut in shuts]
    for shut, graph, sums, cached, volume in zip(
        shuts, graphs, summaries, rows, volumes, strict=True
    ):
        fresh = visible_graph(design, index, shut, runs=runs)
        assert graph.nodes == fresh.nodes and graph.edges == fresh.edges
        assert graph.inputs == fresh.inputs and graph.node_of == fresh.node_of
        groups = [n for n in graph.nodes if n.kind == "group"]
        assert sums == [summarize(design, doc.analysis, n.layers) for n in groups]
        assert cached == block_rows(doc.analysis, shut)
        assert volume == collapsed_volume_scene(doc.analysis, shut)


def test_the_cache_matches_the_core_after_random_edits_undo_and_redo(qapp):
    doc = Document()
    doc.reset(resnet50())
    rng = random.Random(15)
    assert_same_as_fresh(doc)
    convs = [layer.id for layer in doc.design if layer.type == "Conv2d"]
    unlisted = 0  # edits that left fields out of date past full coverage (blocks show fields)
    for step in range(40):
        lid = rng.choice(convs)
        params = dict(doc.design.layer(lid).params)
        choice = rng.randrange(5)
        if choice == 0:  # same shapes, new parameters: one layer changes
            doc.set_params(lid, {**params, "bias": not params.get("bias", True)})
        elif choice == 1:  # a repeat broken or mended, receptive fields downstream
            k = 5 if params["kernel_size"] in (3, [3, 3]) else 3
            doc.set_params(lid, {**params, "kernel_size": k, "padding": k // 2})
        elif choice == 2:  # shapes downstream
            doc.set_params(lid, {**params, "out_channels": rng.choice([32, 64, 128])})
        elif choice == 3 and doc.undo_stack.canUndo():
            doc.undo_stack.undo()
        elif doc.undo_stack.canRedo():
            doc.undo_stack.redo()
        unlisted += doc.analysis.unlisted_fields
        assert_same_as_fresh(doc)
        if step % 10 == 9:
            doc.undo_stack.undo()
            assert_same_as_fresh(doc)
    assert unlisted


def test_long_runs_split_and_joined_at_random_sum_as_the_core_sums_them(qapp):
    """The runs' totals and main types come from each parent's blocks in a Fenwick tree (a split
    or joined run of 356 blocks is not summed block by block). On runs of 23 blocks, edits at
    random places (a run split or mended, MACs and shapes changed after a block, sums broken
    into errors, undo and redo) give at every step what the core computes afresh: every node's
    totals and main type at every level, the rows by block and the 3D scene."""
    doc = document_of("staged")
    doc.reset(staged(stages=3, blocks=24))
    rng = random.Random(23)
    convs = [layer.id for layer in doc.design if layer.type == "Conv2d" and ".conv" in layer.id]
    assert_same_as_fresh(doc)
    cache = cache_for(doc.analysis)
    assert cache is not None
    for step in range(36):
        lid = rng.choice(convs)
        params = dict(doc.design.layer(lid).params)
        choice = rng.randrange(5)
        if choice == 0:  # this block unlike the others (a run split), or alike again
            k = 5 if params["kernel_size"] in (3, [3, 3]) else 3
            doc.set_params(lid, {**params, "kernel_size": k, "padding": k // 2})
        elif choice == 1:  # more MACs in this block, and the sums after it fail or mend
            doc.set_params(lid, {**params, "out_channels": rng.choice([8, 8, 16])})
        elif choice == 2:  # shapes after it shrink (a type's weight changes from block to block)
            doc.set_params(lid, {**params, "padding": rng.choice([0, 1, 1])})
        elif choice == 3 and doc.undo_stack.canUndo():
            doc.undo_stack.undo()
        elif doc.undo_stack.canRedo():
            doc.undo_stack.redo()
        assert_same_as_fresh(doc)
        index = GroupIndex(doc.design)
        for graph in (cache.graph(collapsed_for_level(index, level)) for level in (0, 1)):
            for node in graph.nodes:
                if node.kind == "group":
                    assert cache.main_type(node) == main_type(doc.analysis, node), (step, node.id)
    assert cache._stretches  # (the runs were summed from their parents' trees)


def test_the_cache_follows_structure_and_group_edits(qapp):
    design = resnet50()
    doc = Document()
    doc.reset(design)
    assert_same_as_fresh(doc)
    doc.design.add_layer(Layer("extra", "ReLU", {}, ["fc"]))  # a layer added
    assert_same_as_fresh(doc)
    doc.design.remove_layer("extra")
    assert_same_as_fresh(doc)
    groups = [g.copy() for g in doc.design.groups]
    groups.append(Group("pair", "", "layer1", []))
    for g in groups:
        if g.id == "layer1.1":
            g.parent = "pair"
    doc.design.set_groups(groups)  # a group added around a block
    assert_same_as_fresh(doc)
    doc.design.set_groups([])
    assert_same_as_fresh(doc)


def test_each_views_collapsed_set_finds_the_same_graph_and_follows_edits(qapp):
    """The canvas, the table and the 3D view each hold the collapsed set as a frozenset of their
    own: each is matched to the cache's key once and then by identity. A set of the same groups,
    made anew or mutable, finds the same graph; a different set its own; and after an edit that
    changes the runs, every one of them finds the new graph."""
    doc = document_of("resnet50")
    cache = cache_for(doc.analysis)
    assert cache is not None
    index = GroupIndex(doc.design)
    shut = collapsed_for_level(index, 1)
    canvas, table, mutable = frozenset(shut), frozenset(shut), set(shut)
    graph = cache.graph(canvas)
    built = cache.graphs_built
    assert cache.graph(table) is graph and cache.graph(mutable) is graph
    assert cache.graph(canvas) is graph and cache.graphs_built == built
    other = frozenset(collapsed_for_level(index, 0))
    assert cache.graph(other) is not graph
    assert cache.graph(other).nodes == visible_graph(doc.design, index, other).nodes
    assert "layer3.3" in shut and any(n.groups[:1] == ("layer3.1",) for n in graph.nodes)
    conv = "layer3.3.conv2"  # the middle of the run "layer3.1–5 ×5": split by this edit
    doc.set_params(conv, {**doc.design.layer(conv).params, "kernel_size": 5, "padding": 2})
    fresh = visible_graph(doc.design, index, shut, runs=repeat_runs(doc.design, index))
    for view_set in (canvas, table, mutable):
        found = cache.graph(view_set)
        assert found is not graph
        assert [(n.id, n.groups) for n in found.nodes] == [(n.id, n.groups) for n in fresh.nodes]
        assert found.edges == fresh.edges
    mutable.discard("layer3.3")  # a mutable set changed in place is read as it is now
    opened = visible_graph(doc.design, index, mutable, runs=repeat_runs(doc.design, index))
    assert [n.id for n in cache.graph(mutable).nodes] == [n.id for n in opened.nodes]
    assert [n.id for n in cache.graph(canvas).nodes] == [n.id for n in fresh.nodes]


def test_a_reset_gives_a_new_cache_and_the_old_one_lets_go(qapp):
    doc = Document()
    doc.reset(resnet50())
    old_analysis, old_cache = doc.analysis, doc.group_cache
    doc.reset(resnet50())
    assert cache_for(old_analysis) is None and old_cache.analysis is None
    assert doc.group_cache is not old_cache
    assert_same_as_fresh(doc)


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def test_an_edit_inside_one_collapsed_block_sums_only_that_block_again(window, qtbot):
    """Before, every analysis update summed every block again (for the canvas, again for the
    table, again for the 3D view) and the table by block was rebuilt from scratch."""
    window.load_design(resnet50(), None)
    doc = window.document
    grouping = window.scene.grouping
    table = window.layer_table
    table.flush_collapsed()
    qtbot.wait(1)
    window.volume_view._deferred.flush()
    stage4 = grouping.card_for_group("layer4")
    assert stage4 is not None and not window.scene.cards["layer4.1.conv2"].isVisible()
    before = {nid: card.summary for nid, card in grouping.cards.items()}
    computed = doc.group_cache.summaries_computed
    resets = table.model.reset_count
    params = dict(doc.design.layer("layer4.1.conv2").params)
    assert params.get("bias") is False
    # What the inspector does: one undoable edit through the document. A bias changes the
    # layer's parameters only (no shape, no receptive field): one block's totals change.
    doc.set_params("layer4.1.conv2", {**params, "bias": True})
    qtbot.wait(1)
    table.flush_collapsed()
    window.volume_view._deferred.flush()
    assert doc.group_cache.summaries_computed == computed + 1  # Stage 4, shared by every view
    for nid, card in grouping.cards.items():
        if card is stage4:
            assert card.summary.params == before[nid].params + 512
            assert f"{card.summary.params:,} parameters" in card.toolTip()
        else:
            assert card.summary is before[nid], f"{nid} was summed again"
    model = table.model
    assert model.reset_count == resets, "the same blocks: their rows are updated in place"
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert model.index(names.index("Stage 4"), 5).data() == f"{stage4.summary.params:,}"
    volume = window.volume_view.scene
    assert volume is not None and volume.block("layer4").name_label == "Stage 4"
    doc.undo_stack.undo()
    qtbot.wait(1)
    assert stage4.summary.params == before[stage4.node.id].params


def test_the_table_by_block_follows_a_repeat_broken_and_mended(window, qtbot):
    window.load_design(resnet50(), None)
    doc = window.document
    window.scene.grouping.expand("layer3")  # Stage 3 open: layer3.0 and "layer3.1–5 ×5"
    table = window.layer_table
    table.flush_collapsed()
    model = table.model

    def names() -> list[str]:
        return [model.index(r, 0).data() for r in range(model.rowCount())]

    assert "layer3.1–5 ×5" in names()
    resets, replaced = model.reset_count, model.replace_count
    params = dict(doc.design.layer("layer3.3.conv2").params)
    doc.set_params("layer3.3.conv2", {**params, "bias": True})  # layer3.3 differs now
    qtbot.wait(1)
    assert "layer3.1–5 ×5" not in names() and "layer3.3" in names()
    fresh = block_rows(doc.analysis, set(model.blocks or ()))  # the core, without the cache
    assert names() == [b.title for b in fresh]
    assert model.rows() == [replace(b.row, id=b.title) for b in fresh]
    # The rows of the run were replaced in place (no reset: the view keeps the other rows);
    # the columns fit the rows as after a reset, and a layer finds its block's row.
    assert model.reset_count == resets and model.replace_count == replaced + 1
    header = table.view.horizontalHeader()
    widths = [header.sectionSize(n) for n in range(header.count())]
    assert model.row_of("layer3.3.bn2") == names().index("layer3.3")
    assert model.row_of("layer4.0.conv1") == names().index("Stage 4")
    model.refresh()
    assert [header.sectionSize(n) for n in range(header.count())] == widths
    assert model.row_of("layer3.3.bn2") == names().index("layer3.3")
    doc.undo_stack.undo()
    qtbot.wait(1)
    assert "layer3.1–5 ×5" in names()
    assert model.rows() == [
        replace(b.row, id=b.title) for b in block_rows(doc.analysis, set(model.blocks or ()))
    ]


def test_the_canvas_splits_and_joins_a_repeat_an_edit_breaks_and_undo_mends(window, qtbot):
    """Regression: a parameter edit that made one block of a "×N" run differ left the canvas
    showing the run (the table and the 3D view split it) until something else refreshed it;
    and the canvas's deferred refresh never ran (its single-shot timer called flush(), which
    does nothing once the timer is no longer active)."""
    window.load_design(resnet50(), None)
    doc = window.document
    grouping = window.scene.grouping
    grouping.expand("layer3")  # Stage 3 open: layer3.0 and "layer3.1–5 ×5"
    grouping.flush()

    def titles() -> set[str]:
        return {card.node.title for card in grouping.cards.values()}

    def repeats() -> dict[str, int]:
        return {card.node.title: card.node.repeat for card in grouping.cards.values()}

    run = next(t for t, n in repeats().items() if n == 5)
    params = dict(doc.design.layer("layer3.3.conv2").params)
    doc.set_params("layer3.3.conv2", {**params, "bias": True})  # layer3.3 differs now
    qtbot.waitUntil(lambda: run not in titles(), timeout=2000)
    assert 5 not in repeats().values()
    assert "layer3.3" in titles()  # the block that differs stands on its own card
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: run in titles(), timeout=2000)
    assert repeats()[run] == 5


def test_an_edit_that_splits_a_run_merges_that_run_again_and_redraws_only_what_changed(
    window, qtbot, monkeypatch
):
    """An edit inside a collapsed block of a "×N" run splits the run: the graph is merged again
    from the kept units (one graph built), the other cards keep their pictures (a new receptive
    field downstream is in their tooltips only) and the frames that did not move are kept. An
    edit that changes the repeats only where they merge nothing shown (stage 2 no longer like
    stage 3, while both are open) rebuilds neither the graph nor the canvas."""
    window.load_design(staged(stages=3, blocks=6), None)
    doc = window.document
    grouping = window.scene.grouping
    grouping.set_collapsed(collapsed_for_level(grouping.index, 1))  # stages open, blocks shut
    grouping.flush()
    cache = doc.group_cache
    assert any(r.groups == ("layer2", "layer3") for r in cache.runs())
    cards = dict(grouping.cards)
    assert {c.node.title: c.node.repeat for c in cards.values()}["layer2.1–5"] == 5
    redraws = {nid: card.redraws for nid, card in cards.items()}
    frames = {f.group_id: f for f in grouping.frames}
    built, made, repaints = cache.graphs_built, grouping.frames_made, grouping.repaints

    # (The framework comparison of a small design runs in this process a moment after an edit
    # and brings every field up to date: later than the views, which are checked here.)
    monkeypatch.setattr(diagnostics_panel, "COMPARE_MS", 60_000)
    params = dict(doc.design.layer("layer2.3.conv2").params)
    doc.set_params("layer2.3.conv2", {**params, "kernel_size": 5, "padding": 2})
    qtbot.waitUntil(lambda: grouping.repaints == repaints + 1, timeout=2000)
    window.layer_table.flush_collapsed()
    window.volume_view._deferred.flush()
    window.view.viewport().repaint()
    assert cache.graphs_built == built + 1  # the canvas, the table and the 3D view share it
    titles = {c.node.title: c.node.repeat for c in grouping.cards.values()}
    assert titles["layer2.1–2"] == 2 and titles["layer2.3"] == 1 and titles["layer2.4–5"] == 2
    for nid, card in cards.items():
        if not nid.startswith("layer2."):
            assert grouping.cards[nid] is card and card.redraws == redraws[nid], nid
    assert grouping.frames_made - made <= len(grouping.frames) - 1
    assert frames["layer1"] in grouping.frames  # it did not move: the same frame
    # The block cards, the table and the 3D view show the fields at the blocks' outputs, found
    # from the runs' first blocks: none brought the fields after the edit up to date.
    last = doc.design.ids[-1]
    assert not doc.analysis.field_is_current(last)
    assert_same_as_fresh(doc)

    built, repaints = cache.graphs_built, grouping.repaints
    params = dict(doc.design.layer("layer2.0.conv2").params)
    doc.set_params("layer2.0.conv2", {**params, "kernel_size": 5, "padding": 2})
    qtbot.wait(20)
    grouping.flush()
    assert not any(r.groups == ("layer2", "layer3") for r in cache.runs())
    assert cache.graphs_built == built and grouping.repaints == repaints
    assert_same_as_fresh(doc)

    doc.undo_stack.undo()
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: grouping.repaints == repaints + 1, timeout=2000)
    titles = {c.node.title: c.node.repeat for c in grouping.cards.values()}
    assert titles["layer2.1–5"] == 5
    assert any(r.groups == ("layer2", "layer3") for r in cache.runs())
    assert_same_as_fresh(doc)


def test_the_table_by_block_after_random_splits_joins_undo_and_redo_is_a_fresh_one(qtbot, tmp_path):
    """Rows by block kept across random edits that split and join "×N" runs (rows updated in
    place, the rows in excess inserted or removed, never a reset), undo and redo: after each,
    the same rows, row ids, selected layers, layer → row map and column widths as a table
    built afresh for the same design and collapsed set; the selection follows its layer."""
    from PySide6.QtCore import QSettings

    from designer.ui.panels.layer_table import LayerTablePanel
    from tests.core.test_groups_incremental import staged

    settings = QSettings(str(tmp_path / "table.ini"), QSettings.Format.IniFormat)
    doc = Document(staged(stages=3, blocks=6))
    panel = LayerTablePanel(doc, settings)
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    index = GroupIndex(doc.design)
    shut = collapsed_for_level(index, 1)  # stages open, blocks shut: "block, ×5" per stage
    panel.set_collapsed(shut)
    panel.flush_collapsed()
    model = panel.model
    resets, replaced = model.reset_count, model.replace_count
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    rng = random.Random(15)
    targets = [f"layer{s}.{b}.conv2" for s in (1, 2, 3) for b in range(1, 6)]

    def state(m, p) -> tuple[object, ...]:
        header = p.view.horizontalHeader()
        return (
            m.rows(),
            [m.layer_id(n) for n in range(m.rowCount())],
            {lid: m.row_of(lid) for lid in doc.design.ids},
            [header.sectionSize(n) for n in range(header.count() - 1)],
        )

    for step in range(30):
        roll = rng.random()
        if roll < 0.25 and doc.undo_stack.canUndo():
            doc.undo_stack.undo()
        elif roll < 0.4 and doc.undo_stack.canRedo():
            doc.undo_stack.redo()
        else:
            lid = rng.choice(targets)
            kernel = rng.choice([1, 3, 5])
            params = dict(doc.design.layer(lid).params)
            doc.set_params(lid, {**params, "kernel_size": kernel, "padding": kernel // 2})
        selected = rng.choice(doc.design.ids)
        doc.select([selected])
        fresh = LayerTablePanel(doc, settings)
        qtbot.addWidget(fresh)
        fresh.resize(900, 300)
        fresh.show()
        fresh.set_collapsed(shut)
        fresh.flush_collapsed()
        assert state(model, panel) == state(fresh.model, fresh), step
        assert model.rows() == [
            replace(b.row, id=b.title) for b in block_rows(doc.analysis, set(shut))
        ]
        assert panel.selected_ids() == [model.layer_id(model.row_of(selected))]
        fresh.close()
        fresh.deleteLater()
    assert model.reset_count == resets and model.replace_count > replaced
    assert inserted and removed  # (runs split and joined: rows in excess came and went)


def test_the_table_by_block_keeps_its_column_widths_as_a_run_splits_and_joins(qtbot, tmp_path):
    """Regression: rows by block replaced by an edit were fitted exactly, as after a reset, so
    the Layer column jumped between two widths each time an edit split the run "layer1.0–11
    ×12" into shorter titles and the next joined it again (each resize also laid the table and
    its dock out again: a second repaint per edit). The columns now widen for new rows and
    never narrow while the user edits, as for layers added."""
    from PySide6.QtCore import QSettings

    from designer.ui.panels.layer_table import LayerTablePanel
    from tests.core.test_groups_incremental import staged

    settings = QSettings(str(tmp_path / "table.ini"), QSettings.Format.IniFormat)
    doc = Document(staged(stages=1, blocks=12))
    panel = LayerTablePanel(doc, settings)
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    panel.set_collapsed(collapsed_for_level(GroupIndex(doc.design), 1))
    panel.flush_collapsed()
    header = panel.view.horizontalHeader()
    model = panel.model

    def widths() -> list[int]:
        return [header.sectionSize(n) for n in range(header.count() - 1)]

    def names() -> list[str]:
        return [model.index(r, 0).data() for r in range(model.rowCount())]

    assert names() == ["input", "layer1.0–11 ×12", "pool"]
    fitted = widths()
    resized: list[int] = []
    header.sectionResized.connect(lambda n, _old, _new: resized.append(n))
    params = dict(doc.design.layer("layer1.6.conv2").params)
    for kernel in (5, 3, 5, 3):
        doc.set_params("layer1.6.conv2", {**params, "kernel_size": kernel, "padding": kernel // 2})
        qtbot.wait(1)
        split = kernel == 5
        assert ("layer1.0–5 ×6" in names()) == split and ("layer1.0–11 ×12" in names()) != split
        assert widths() == fitted
    assert resized == []
    # Every text still fits: no column is narrower than a table made afresh would make it.
    doc.set_params("layer1.6.conv2", {**params, "kernel_size": 5, "padding": 2})
    qtbot.wait(1)
    fresh = LayerTablePanel(doc, settings)
    qtbot.addWidget(fresh)
    fresh.resize(900, 300)
    fresh.show()
    fresh.set_collapsed(collapsed_for_level(GroupIndex(doc.design), 1))
    fresh.flush_collapsed()
    fresh_header = fresh.view.horizontalHeader()
    assert all(w >= fresh_header.sectionSize(n) for n, w in enumerate(widths()))
    assert widths()[0] > fresh_header.sectionSize(0)  # (the run's title was the widest)


def test_layers_added_and_removed_keep_the_other_blocks_totals(qapp):
    """Layers added or removed (dropped on the canvas, its undo, layers deleted): every
    block's key and totals stay but those of the blocks it sits in or reads from (a consumer
    more outside: the block's output may change). At every step of random adds (free, reading
    a layer deep inside a block, inside a group's own layers), undos, redos and single
    removals and deletions of a few at once, the cache gives what the core computes afresh; a
    free layer dropped and its undo, and a few free layers deleted and put back, sum no block
    again (before: all 1,400 of the grouped 10,000-layer design, 170-300 ms)."""
    doc = document_of("staged")
    doc.reset(staged(stages=3, blocks=8))
    cache = cache_for(doc.analysis)
    assert cache is not None
    rng = random.Random(7)
    assert_same_as_fresh(doc)
    summed = cache.summaries_computed
    doc.add_layer("Conv2d")  # a free layer, as dropped beside the design
    assert_same_as_fresh(doc)
    doc.undo_stack.undo()
    assert_same_as_fresh(doc)
    assert cache.summaries_computed == summed  # (the checks' own lookups find them kept)
    free = [doc.add_layer("ReLU") for _ in range(3)]
    assert_same_as_fresh(doc)
    summed = cache.summaries_computed
    doc.remove_layers(free)  # one bulk step
    assert_same_as_fresh(doc)
    doc.undo_stack.undo()
    assert_same_as_fresh(doc)
    assert cache.summaries_computed == summed
    added = 0
    for step in range(40):
        ids = doc.design.ids
        choice = rng.randrange(7)
        if choice == 0:
            doc.add_layer(rng.choice(["ReLU", "Conv2d"]))
        elif choice == 6:  # a few deleted in one step (``bulk_changed``), healed round them
            doc.remove_layers(rng.sample(ids[1:], rng.randint(2, 5)))
        elif choice == 1:  # reading a layer inside a block: that block's output may change
            doc.add_layer("ReLU", inputs=[rng.choice(ids[1:])], layer_id=f"tap{step}")
            added += 1
        elif choice == 2 and doc.undo_stack.canUndo():
            doc.undo_stack.undo()
        elif choice == 3 and doc.undo_stack.canRedo():
            doc.undo_stack.redo()
        elif choice == 4:  # a layer deleted (one at a time, as the canvas deletes a few)
            doc.remove_layers([rng.choice(ids[1:])])
        else:
            doc.append_after("ReLU", rng.choice(ids[1:]))  # inside a block: a new member
        assert_same_as_fresh(doc)
    assert added

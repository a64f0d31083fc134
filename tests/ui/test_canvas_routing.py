"""The canvas draws skip connections round cards, never across them (issue 13, item 5)."""

from __future__ import annotations

from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.core.routing import edge_crossings
from designer.ui.canvas.scene import DesignScene
from designer.ui.document import Document
from tests.core.test_routing import se_design


def scene_for(qtbot, design) -> DesignScene:  # type: ignore[no-untyped-def]
    doc = Document()
    doc.reset(design)
    return DesignScene(doc)


def crossings(scene: DesignScene) -> list[tuple[str, str, str]]:
    return edge_crossings(*scene.edge_geometry())


def test_resnet18_every_layer_no_edge_crosses_a_card(qtbot) -> None:
    scene = scene_for(qtbot, load_design(templates_dir() / "resnet18.json"))
    scene.grouping.expand_all()
    paths, _ = scene.edge_geometry()
    assert len(paths) == 77
    assert crossings(scene) == []  # before: 3 shortcuts ran straight through their blocks
    shortcut = scene.edges[("layer1.0.relu", "layer1.1.add")]
    assert shortcut.laned


def test_unet_opened_collapsed_no_edge_crosses_a_block(qtbot) -> None:
    scene = scene_for(qtbot, load_design(templates_dir() / "unet_small.json"))
    assert scene.grouping.collapsed
    assert crossings(scene) == []  # before: encoder3 → decoder3 ran through the bottom block


def test_se_blocks_no_edge_crosses_a_card(qtbot) -> None:
    assert crossings(scene_for(qtbot, se_design())) == []


def test_a_card_moved_onto_a_free_edge_reroutes_it_and_undo_restores(qtbot) -> None:
    design = load_design(templates_dir() / "resnet18.json")
    scene = scene_for(qtbot, design)
    scene.grouping.expand_all()
    doc = scene.document
    edge = scene.edges[("layer1.0.relu", "layer1.1.add")]
    before = edge.path().boundingRect()
    # Move the block's middle card down into the lane the shortcut runs in.
    x, y = doc.design.position("layer1.1.relu1") or (0.0, 0.0)
    doc.move_layers({"layer1.1.relu1": (x, y + 60.0)})
    qtbot.waitUntil(lambda: edge.path().boundingRect() != before, timeout=2000)
    assert crossings(scene) == []
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: edge.path().boundingRect() == before, timeout=2000)
    assert crossings(scene) == []


def test_one_shape_label_per_card_output(qtbot) -> None:
    scene = scene_for(qtbot, load_design(templates_dir() / "resnet18.json"))
    scene.grouping.expand_all()
    fan_out = [e for e in scene.edges.values() if e.source.layer_id == "layer1.0.relu"]
    assert len(fan_out) == 2  # into the next block and its shortcut: the same tensor
    labelled = [e for e in fan_out if e.shows_label()]
    # Next to each other the cards leave no room for a label: the shortcut's lane writes it.
    assert [e.target.layer_id for e in labelled] == ["layer1.1.add"]
    for edge in scene.edges.values():  # every other card writes its shape once too
        siblings = [e for e in edge.source.edges if e.source is edge.source and e.isVisible()]
        assert sum(e.shows_label() for e in siblings) == 1


def test_moving_one_card_reroutes_only_the_edges_near_it(qtbot) -> None:
    """Issue 13: after an edit that moves one card, only the long edges whose corridor the
    card left or entered are routed again (before: every long edge of the design)."""
    scene = scene_for(qtbot, load_design(templates_dir() / "resnet50.json"))
    scene.grouping.expand_all()
    scene.reroute_edges()
    every = scene.rerouted  # what a full reroute routes: every shortcut and line break
    assert every >= 16
    doc = scene.document
    edge = scene.edges[("layer1.1.relu", "layer1.2.add")]
    before = edge.path().boundingRect()
    x, y = doc.design.position("layer1.2.relu1") or (0.0, 0.0)
    doc.move_layers({"layer1.2.relu1": (x, y + 60.0)})  # into the lane the shortcut runs in
    qtbot.waitUntil(lambda: edge.path().boundingRect() != before, timeout=2000)
    assert 1 <= scene.rerouted <= every // 4, (scene.rerouted, every)  # the edges near it
    assert crossings(scene) == []
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: edge.path().boundingRect() == before, timeout=2000)
    assert 1 <= scene.rerouted <= every // 4
    assert crossings(scene) == []


def test_a_card_added_in_a_lane_sends_the_edge_round_it(qtbot) -> None:
    scene = scene_for(qtbot, load_design(templates_dir() / "resnet18.json"))
    scene.grouping.expand_all()
    doc = scene.document
    edge = scene.edges[("layer1.0.relu", "layer1.1.add")]
    before = edge.path().boundingRect()
    points = path_points_of(edge)
    lane_y = max(y for _, y in points)
    x = sorted(px for px, _ in points)[len(points) // 2]
    doc.add_layer("ReLU", position=(x - 90.0, lane_y - 46.0), layer_id="extra")
    qtbot.waitUntil(lambda: edge.path().boundingRect() != before, timeout=2000)
    assert crossings(scene) == []


def path_points_of(edge) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    from designer.ui.canvas.items import path_points

    return path_points(edge.path())


def test_a_group_frame_follows_a_card_moved_out_of_it(qtbot) -> None:
    """Regression: the frames of open groups were to follow their cards after a move, but the
    deferred update never ran (its single-shot timer called flush(), which does nothing once
    the timer is no longer active): the frame stayed where the card had been."""
    scene = scene_for(qtbot, load_design(templates_dir() / "resnet18.json"))
    scene.grouping.expand_all()
    card = scene.cards["layer1.0.conv2"]

    def framed() -> bool:  # a frame of the block (one per band it spans) round the card
        point = card.sceneBoundingRect().center()
        return any(
            f.rect.contains(point) for f in scene.grouping.frames if f.group_id == "layer1.0"
        )

    assert framed()
    refreshes = scene.grouping.repaints
    x, y = scene.document.design.position("layer1.0.conv2") or (0.0, 0.0)
    scene.document.move_layers({"layer1.0.conv2": (x, y + 400.0)})
    assert not framed()  # not yet: the frames follow once the move is over
    qtbot.waitUntil(framed, timeout=2000)
    assert scene.grouping.repaints == refreshes  # only the frames: no whole refresh


def test_unet_every_layer_is_a_u_with_straight_skips_and_no_crossing(qtbot) -> None:
    from designer.core.layout import COLUMN_GAP
    from designer.core.routing import edge_edge_crossings

    scene = scene_for(qtbot, load_design(templates_dir() / "unet_small.json"))
    scene.grouping.expand_all()
    paths, boxes = scene.edge_geometry()
    assert edge_crossings(paths, boxes) == []
    assert edge_edge_crossings(paths) == 0  # before: 7, skips 6.0 / 12.3 card widths long
    for k in (1, 2, 3):
        pts = paths[(f"enc{k}_relu2", f"cat{k}")]
        assert len({round(y, 3) for _, y in pts}) == 1  # straight across
        assert max(x for x, _ in pts) - min(x for x, _ in pts) <= COLUMN_GAP + 1e-6
        assert boxes[f"enc{k}_relu2"][0] < boxes[f"cat{k}"][0]


def test_unet_opened_collapsed_is_a_u(qtbot) -> None:
    scene = scene_for(qtbot, load_design(templates_dir() / "unet_small.json"))
    paths, boxes = scene.edge_geometry()
    assert {"encoder1", "decoder1", "bottom"} <= set(boxes)
    for k in (1, 2, 3):  # each encoder level beside its decoder level, the skip straight
        assert boxes[f"encoder{k}"][1] == boxes[f"decoder{k}"][1]
        assert len({round(y, 3) for _, y in paths[(f"encoder{k}", f"decoder{k}")]}) == 1
    assert boxes["encoder1"][1] < boxes["encoder2"][1] < boxes["encoder3"][1] < boxes["bottom"][1]


def test_identical_shortcuts_share_one_lane_route_equal_to_routing_each_alone(
    qtbot, monkeypatch
) -> None:
    """A long ResNet's shortcuts, block after identical block, are routed once per geometry:
    every path equals the one worked out for that edge alone, to the bit, and a card dragged
    to a position off the quarter grid is routed on its own."""
    from benchmarks.bench_scale_gui import resnet_like
    from designer.core import routing
    from designer.ui.canvas import items

    calls: list[int] = []
    real = routing.lane_route
    monkeypatch.setattr(items, "lane_route", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    items._LANES.clear()
    scene = scene_for(qtbot, resnet_like(400))
    laned = [e for e in scene.edges.values() if e.laned]
    assert len(laned) >= 50
    assert len(calls) < len(laned) / 4, (len(calls), len(laned))
    cached = {e.key: e.path() for e in laned}
    items._LANES.clear()
    calls.clear()
    for edge in laned:
        items._LANES.clear()  # each one worked out alone
        edge.update_path()
        assert edge.path() == cached[edge.key], edge.key
    assert len(calls) == len(laned)
    assert crossings(scene) == []
    # Off the grid: not cached, still routed round the cards.
    items._LANES.clear()
    calls.clear()
    card = scene.cards[laned[3].key[1]]
    doc = scene.document
    x, y = doc.design.position(card.layer_id) or (0.0, 0.0)
    doc.move_layers({card.layer_id: (x + 0.3, y)})
    qtbot.waitUntil(lambda: bool(calls), timeout=2000)
    assert not items._LANES
    assert crossings(scene) == []


def _near_by_every_edge(scene: DesignScene, boxes) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """What a pass over every edge shown finds near ``boxes`` (the former ``reroute_edges``)."""
    grouping = scene.grouping
    ids = {c.layer_id for c in grouping.visible_layer_cards()}
    edges = [e for (a, b), e in scene.edges.items() if a in ids and b in ids]
    return {
        e.key
        for e in [*edges, *grouping.proxy_edges]
        if e.isVisible() and any(e.corridor().intersects(r) for r in boxes)
    }


def test_the_edges_near_a_moved_card_come_from_the_index_and_equal_a_pass_over_every_edge(
    qtbot,
) -> None:
    """Issue 15: a card added, removed or moved looks its neighbouring edges up in the scene's
    index; the edges found are exactly those a pass over every edge finds, expanded and
    collapsed, at random places (cards, gaps, lanes, far away)."""
    import random

    from PySide6.QtCore import QRectF

    from designer.core.layout import CARD_HEIGHT, CARD_WIDTH

    for expand in (True, False):
        scene = scene_for(qtbot, load_design(templates_dir() / "resnet50.json"))
        if expand:
            scene.grouping.expand_all()
        box = scene.itemsBoundingRect()
        rng = random.Random(15 if expand else 16)
        cards = list(scene.grouping.visible_items())
        for k in range(120):
            if k % 2:
                card = rng.choice(cards)
                x, y = card.x() + rng.uniform(-80, 80), card.y() + rng.uniform(-60, 60)
            else:
                x = rng.uniform(box.left() - 300, box.right() + 300)
                y = rng.uniform(box.top() - 300, box.bottom() + 300)
            boxes = [QRectF(x, y, CARD_WIDTH, CARD_HEIGHT)]
            if k % 3 == 0:
                boxes.append(QRectF(x + rng.uniform(-400, 400), y, CARD_WIDTH, CARD_HEIGHT))
            found = {e.key for e in scene._edges_near(boxes)}
            assert found == _near_by_every_edge(scene, boxes), (expand, k)


def test_adding_a_layer_looks_at_the_edges_near_it_only(qtbot, monkeypatch) -> None:
    """Issue 15: adding a free layer looked at the corridor of every edge of the design (10,000
    at 10,000 layers); now at those the scene's index finds near it."""
    from designer.ui.canvas.items import EdgeItem

    scene = scene_for(qtbot, load_design(templates_dir() / "resnet50.json"))
    scene.grouping.expand_all()
    calls = []
    corridor = EdgeItem.corridor
    monkeypatch.setattr(EdgeItem, "corridor", lambda self: calls.append(self) or corridor(self))
    box = scene.itemsBoundingRect()
    scene.document.add_layer("ReLU", position=(box.center().x(), box.bottom() + 600.0))
    qtbot.waitUntil(lambda: not scene._moved_boxes, timeout=2000)
    qtbot.wait(10)
    assert len(scene.edges) > 150
    assert len(calls) <= 5, len(calls)


def test_the_cards_near_an_edge_are_the_same_from_the_grid_and_from_the_scenes_index(qtbot) -> None:
    """Routing after a layout looks cards up in a grid, routing near a moved card in the
    scene's index: both give the same cards (the index found cards whose outline, 14 px
    larger than the card, met the rectangle: a lane could differ with the way it was routed)."""
    import random

    from PySide6.QtCore import QRectF

    from designer.ui.canvas.items import _cards_in_rect

    scene = scene_for(qtbot, load_design(templates_dir() / "resnet50.json"))
    scene.grouping.expand_all()
    box = scene.itemsBoundingRect()
    shown = [c for c in scene.grouping.visible_items() if c.isVisible()]
    rng = random.Random(7)
    for _ in range(200):
        card = rng.choice(shown)
        x = card.x() + rng.choice((-1, 1)) * rng.uniform(150, 200)
        y = card.y() + rng.uniform(-120, 120)
        rect = QRectF(x, y, rng.uniform(10, 600), rng.uniform(10, 300))
        if rng.random() < 0.2:
            rect = QRectF(rng.uniform(box.left(), box.right()), box.top(), 400, box.height())
        ends = (card,) if rng.random() < 0.5 else ()
        from_index = sorted(_cards_in_rect(scene, rect, ends))
        scene._grid_cards, scene._grid = shown, None
        try:
            from_grid = sorted(_cards_in_rect(scene, rect, ends))
        finally:
            scene._grid_cards = scene._grid = None
        assert from_index == from_grid, rect


def test_a_change_of_direction_routes_each_edge_once_and_tidy_up_in_the_same_one_none(
    qtbot, monkeypatch
) -> None:
    """Issue 15: Tidy Up set the direction first, and every card routed all its edges even when
    the direction stayed: each edge twice, 23,000 routings (4.9 s of a 10,000-layer tidy up
    under the profiler) before the layout moved every card anyway. Now a change of direction
    routes each edge once, and the same direction routes nothing; the paths are those each edge
    gets routed alone."""
    from designer.ui.canvas.items import EdgeItem

    scene = scene_for(qtbot, load_design(templates_dir() / "resnet18.json"))
    scene.grouping.expand_all()
    routed: list[EdgeItem] = []
    real = EdgeItem.update_path
    monkeypatch.setattr(EdgeItem, "update_path", lambda self: (routed.append(self), real(self)))
    scene.set_direction(scene.direction)
    assert routed == []
    scene.set_direction("TB")
    shown = [e for e in scene.edges.values() if e.isVisible()]
    assert len(routed) == len(set(routed)) == len(shown)
    paths = {e.key: e.path() for e in shown}
    for e in shown:
        real(e)
    assert all(e.path() == paths[e.key] for e in shown)
    assert all(c.direction == "TB" for c in scene.cards.values())

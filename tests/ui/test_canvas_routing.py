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

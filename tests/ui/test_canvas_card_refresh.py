"""An edit repaints only the cards whose shown results change (issue 15)."""

from __future__ import annotations

from designer.core.design import Design, Layer
from designer.ui.canvas.scene import DesignScene
from designer.ui.document import Document


def chain(n: int) -> Design:
    d = Design("chain")
    d.add_layer(Layer("input", "Input", {"shape": [8, 32, 32]}))
    prev = "input"
    for k in range(n):
        d.add_layer(
            Layer(f"conv{k}", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}, [prev])
        )
        d.add_layer(Layer(f"relu{k}", "ReLU", {}, [f"conv{k}"]))
        prev = f"relu{k}"
    return d


def assert_cards_show_the_analysis(scene: DesignScene) -> None:
    for lid, card in scene.cards.items():
        assert card.content == scene.card_data(lid), lid


def test_an_edit_that_keeps_every_shape_refreshes_one_card(qtbot) -> None:
    doc = Document(chain(60))
    scene = DesignScene(doc)
    # kernel 3 → 5 with padding 1 → 2: same shapes, but every receptive field downstream grows.
    before_rf = doc.analysis.info["relu59"].receptive_field

    def covering() -> set[str | None]:
        return {
            d.layer for d in doc.analysis.diagnostics() if d.code == "receptive_field_covers_input"
        }

    covers = covering()
    refreshed: list[str] = []
    original = scene._refresh_card
    scene._refresh_card = lambda lid: (refreshed.append(lid), original(lid))  # type: ignore[method-assign]
    doc.set_params("conv10", {"out_channels": 8, "kernel_size": 5, "padding": 2}, "edit")
    assert doc.analysis.info["relu59"].receptive_field != before_rf
    # conv10 (its parameters, then its results), and the layer whose note "already sees the
    # whole input" moves (from and to): not the 100 layers downstream.
    covers |= covering()
    assert set(refreshed) <= {"conv10"} | covers and len(refreshed) <= 4, refreshed
    assert "5" in scene.cards["conv10"].content.params_text
    assert_cards_show_the_analysis(scene)


def test_an_edit_that_changes_shapes_still_refreshes_every_changed_card(qtbot) -> None:
    doc = Document(chain(30))
    scene = DesignScene(doc)
    assert_cards_show_the_analysis(scene)  # every card read (painted) once
    before = scene.refresh_count
    doc.set_params(
        "conv10", {"out_channels": 8, "kernel_size": 3}, "edit"
    )  # padding 1 → 0: 32 → 30
    assert scene.refresh_count - before >= 40  # conv10 and the 39 layers after it
    assert scene.cards["relu29"].content.shape_text == "30×30×8"
    assert_cards_show_the_analysis(scene)


def test_a_new_warning_downstream_still_refreshes_its_card(qtbot) -> None:
    d = Design("pool")
    d.add_layer(Layer("input", "Input", {"shape": [3, 8, 8]}))
    d.add_layer(
        Layer("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, ["input"])
    )
    d.add_layer(Layer("pool", "MaxPool2d", {"kernel_size": 2}, ["conv"]))
    d.add_layer(Layer("out", "Conv2d", {"out_channels": 4, "kernel_size": 1}, ["pool"]))
    doc = Document(d)
    scene = DesignScene(doc)
    assert scene.cards["pool"].content.warnings == 0
    doc.set_params(
        "conv", {"out_channels": 4, "kernel_size": 3}, "edit"
    )  # 8 → 6 → pool 3: fine; 7 would not be
    doc.set_params("input", {"shape": [3, 9, 9]}, "edit")  # conv 7×7 → pool 3.5: a non-integer note
    assert doc.analysis.info["pool"].diagnostics  # the edit gave pool a diagnostic...
    assert_cards_show_the_analysis(scene)  # ...and its card shows it


def test_cards_compute_their_texts_only_when_read(qtbot) -> None:
    """Opening a long design builds its cards without their texts (issue 15: most of a
    10,000-layer design is never seen up close); an unread card is computed fresh when read."""
    doc = Document(chain(60))
    computed: list[str] = []
    original = DesignScene.card_data

    def counting(self: DesignScene, lid: str):  # type: ignore[no-untyped-def]
        computed.append(lid)
        return original(self, lid)

    DesignScene.card_data = counting  # type: ignore[method-assign]
    try:
        scene = DesignScene(doc)
        assert computed == []
        assert all(card.stale for card in scene.cards.values())
        doc.set_params("conv10", {"out_channels": 8, "kernel_size": 3}, "edit")  # 32 → 30
        assert computed == []  # nothing read yet, nothing computed
        assert scene.cards["relu59"].content.shape_text == "30×30×8"
        assert computed == ["relu59"]
    finally:
        DesignScene.card_data = original  # type: ignore[method-assign]
    assert_cards_show_the_analysis(scene)

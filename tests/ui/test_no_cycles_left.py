"""A design replaced in the window (File ▸ Open, New) leaves no reference cycles behind (issue 15,
eighth pass): its cards, edges, block cards, analysis and group caches go with their last
reference. Before, a 10,000-layer design replaced left about 150,000 objects in cycles, freed
only by a full pass of Python's cycle collector over the heap: a third of a second on the GUI
thread at some later moment, in the middle of whatever the user did next."""

from __future__ import annotations

import gc
from collections import Counter

import pytest

from benchmarks.scale_designs import chain_design, grouped_resnet
from designer.core.fileformat import save_design
from tests.ui.ui_helpers import shown_main_window

#: The objects a design's views and analysis are made of, one or more per layer.
PER_LAYER = ("LayerCard", "EdgeItem", "Port", "CardData", "LayerInfo", "GroupCard", "Group")


@pytest.fixture
def window(qtbot, monkeypatch):
    return shown_main_window(qtbot, monkeypatch)


def cyclic_garbage() -> Counter[str]:
    """What a full collection finds only in cycles now, by type name."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


def test_a_design_replaced_leaves_no_cycles_of_cards_edges_or_analysis(window, qtbot, tmp_path):
    big, small = tmp_path / "grouped.json", tmp_path / "small.json"
    save_design(grouped_resnet(200), big)
    save_design(chain_design(12), small)
    assert window.open_file(big, ask=False)
    qtbot.wait(10)
    grouping = window.scene.grouping
    assert grouping.cards and grouping.collapsed  # opened collapsed: block cards shown
    window.view.fit_to_view()
    window.view.set_zoom(1.5)  # up close: some cards get their ports
    window.view.centerOn(next(iter(window.scene.cards.values())))
    qtbot.wait(10)
    cyclic_garbage()  # (whatever was garbage before: not counted)
    automatic = gc.isenabled()
    gc.disable()  # (no collection during the open: what it leaves is counted below)
    try:
        assert window.open_file(small, ask=False)
        left = cyclic_garbage()
    finally:
        if automatic:
            gc.enable()
    assert not {name: left[name] for name in PER_LAYER if left[name]}

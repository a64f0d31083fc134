"""A connection changed in a design with groups: the collapsed views' cache keeps the group
tree and the structure keys of the groups not around the layer, and gives what a fresh build
gives, after random connections, disconnections, their undo and redo."""

from __future__ import annotations

import random

import pytest

from designer.core.design import DesignError
from tests.ui.test_group_views_cache import assert_same_as_fresh, document_of


@pytest.mark.parametrize("name", ["staged", "resnet50", "unet_small"])
def test_random_connections_keep_the_keys_of_groups_not_around_the_layer(qapp, name) -> None:
    doc = document_of(name)
    cache = doc.group_cache
    rng = random.Random(name)
    kept_any = False
    for _ in range(16):
        assert_same_as_fresh(doc)  # (every key, total and graph at every level read)
        index, keys = cache._index, dict(cache._keys)
        ids = doc.design.ids
        choice = rng.randrange(4)
        try:
            if choice == 0 and doc.undo_stack.canUndo():
                doc.undo()
            elif choice == 1:
                target = rng.choice(ids)
                sources = doc.design.layer(target).sources
                if not sources:
                    continue
                doc.disconnect_layers(rng.choice(sources), target)
            else:
                at = rng.randrange(1, len(ids))
                doc.connect_layers(ids[rng.randrange(at)], ids[at])
        except DesignError:
            continue  # refused (a cycle, an Input): nothing changed
        if cache._index is index and index is not None:  # an inputs change: the tree kept
            kept = [g for g, k in cache._keys.items() if keys.get(g) is k]
            kept_any = kept_any or bool(kept)
    assert_same_as_fresh(doc)
    assert kept_any

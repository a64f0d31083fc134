"""A rename in a design with groups re-keys the collapsed views' cache (``GroupViewCache``)
instead of working it out again: after random renames, their undo and redo, mixed with
parameter edits, everything it gives equals a fresh build, and what is id-free (structure
keys, runs, the totals of blocks not reading the layer) was kept."""

from __future__ import annotations

import random

import pytest

from designer.core.group_fields import chain_of
from designer.core.groups import GroupIndex, Run, collapsed_for_level, consumers_of
from designer.ui.document import Document
from tests.ui.test_group_views_cache import assert_same_as_fresh, document_of


def _warm(doc: Document) -> None:
    """Everything the views read from the cache, at every level (what a rename must re-key)."""
    cache = doc.group_cache
    index = cache.index()
    for level in range(index.max_depth + 1):
        shut = collapsed_for_level(index, level)
        graph = cache.graph(shut)
        for node in graph.nodes:
            if node.kind == "group":
                cache.summary(node)
                cache.main_type(node)
    for layer in doc.design:
        cache.layer_info(layer.id)


def _index_as_fresh(doc: Document) -> None:
    cache, design = doc.group_cache, doc.design
    kept, fresh = cache.index(), GroupIndex(design)
    assert kept.owner == fresh.owner
    assert kept.members == fresh.members
    assert {g: (x.id, x.label, x.parent, x.layers) for g, x in kept.groups.items()} == {
        g: (x.id, x.label, x.parent, x.layers) for g, x in fresh.groups.items()
    }
    consumers = cache.consumers()
    expected = consumers_of(design)
    assert {k: v for k, v in consumers.items() if v} == {k: v for k, v in expected.items() if v}
    for groups, chain in cache._chains.items():  # the runs' chains (structure), kept
        assert chain == chain_of(design, fresh, Run(groups)), groups
    for groups, chain in cache._composable.items():
        assert chain is None or chain == chain_of(design, fresh, Run(groups)), groups


@pytest.mark.parametrize("name", ["staged", "resnet50", "unet_small"])
def test_random_renames_undo_and_redo_re_key_the_cache(qapp, name) -> None:
    doc = document_of(name)
    cache = doc.group_cache
    rng = random.Random(name)
    assert_same_as_fresh(doc)
    renames = 0
    for step in range(24):
        _warm(doc)
        keys, computed = dict(cache._keys), cache.summaries_computed
        tokens = len(cache._token_of)
        choice = rng.randrange(7)
        ids = doc.design.ids
        if choice <= 2:
            old = rng.choice(ids)
            doc.rename(old, doc.design.fresh_id(rng.choice(["r", "x.y-", "conv"])))
            renames += 1
            # Nothing id-free worked out again: the structure keys kept as they were, and
            # only the blocks that read the layer summed again (at most its block and the
            # blocks of its consumers, at every level).
            assert cache._keys == keys and all(cache._keys[g] is keys[g] for g in keys)
            _warm(doc)
            assert len(cache._token_of) == tokens  # the blocks keep their numbers
        elif choice == 3 and doc.undo_stack.canUndo():
            doc.undo()
        elif choice == 4 and doc.undo_stack.canRedo():
            doc.redo()
        else:
            conv = rng.choice([lid for lid in ids if doc.design.layer(lid).type == "Conv2d"])
            params = dict(doc.design.layer(conv).params)
            if choice == 5:  # a repeat broken or mended, receptive fields downstream
                k = 5 if params.get("kernel_size") in (3, [3, 3]) else 3
                doc.set_params(conv, {**params, "kernel_size": k, "padding": k // 2})
            else:
                doc.set_params(conv, {**params, "bias": not params.get("bias", True)})
        _index_as_fresh(doc)
        assert_same_as_fresh(doc)
        assert cache.summaries_computed - computed < 60, step
    assert renames >= 5
    while doc.undo_stack.canUndo():
        doc.undo()
    _index_as_fresh(doc)
    assert_same_as_fresh(doc)

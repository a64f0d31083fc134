"""Input references: an entry of a layer's ``inputs`` names a layer, or one output of it.

``"conv1"`` is conv1's output; ``"split1:1"`` is output 1 (from 0) of a layer with several
outputs (Split, Chunk). Layer ids never contain ``:``, so the suffix is unambiguous. Kept in
a module of its own so that every part of the core (the design, groups, the analysis) can use
it without importing the others.
"""

from __future__ import annotations


def split_ref(ref: str) -> tuple[str, int | None]:
    """An entry of ``inputs`` as (layer id, output index): ``"split1:1"`` is output 1 of
    ``split1``; a plain ``"conv1"`` has no index (its only output, or an error for a layer
    with several). Ids never contain ``:``, so the split is unambiguous."""
    if ":" not in ref:  # the usual case, kept fast: analysis parses every input of every layer
        return ref, None
    head, sep, tail = ref.rpartition(":")
    if sep and head and tail.isascii() and tail.isdigit() and len(tail) <= 6:
        return head, int(tail)
    return ref, None


def source_of(ref: str) -> str:
    """The layer id an ``inputs`` entry refers to (``"split1:1"`` → ``"split1"``)."""
    return ref if ":" not in ref else split_ref(ref)[0]


def make_ref(layer_id: str, index: int | None) -> str:
    """The ``inputs`` entry for output ``index`` of ``layer_id`` (plain id when ``None``)."""
    return layer_id if index is None else f"{layer_id}:{index}"


def sources_of(inputs: list[str]) -> list[str]:
    """The layer ids an ``inputs`` list refers to, once each, in order (``Layer.sources``;
    ``["split1:0", "split1:1"]`` → ``["split1"]``). A new list."""
    if len(inputs) == 1 and ":" not in inputs[0]:
        return list(inputs)
    return list(dict.fromkeys(source_of(i) for i in inputs))

"""``Design.consumers`` and ``Design.fresh_id`` against their plain definitions (issue 15: both
made a list of every layer's sources per call, a few ms each at 10,000 layers)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core.design import Design, Layer

IDS = ["a", "b", "c", "conv1", "conv2", "conv3", "split1", "relu1", "x"]


def plain_consumers(design: Design, layer_id: str) -> list[str]:
    return [layer.id for layer in design if layer_id in layer.sources]


def plain_fresh_id(design: Design, prefix: str, taken: list[str]) -> str:
    used = set(design.ids) | {g.id for g in design.groups} | set(taken)
    used |= {i for layer in design for i in layer.sources}
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


ref = st.sampled_from(IDS).flatmap(
    lambda i: st.one_of(st.just(i), st.integers(0, 2).map(lambda k: f"{i}:{k}"))
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(IDS), st.lists(ref, max_size=3)),
        unique_by=lambda t: t[0],
        max_size=len(IDS),
    ),
    st.sampled_from(IDS),
    st.sampled_from(["conv", "relu", "split", "a", "x"]),
    st.lists(st.sampled_from(["conv1", "conv2", "relu1", "relu2", "x1"]), max_size=3),
)
def test_consumers_and_fresh_ids_are_those_of_the_plain_definitions(
    layers: list[tuple[str, list[str]]], target: str, prefix: str, taken: list[str]
) -> None:
    design = Design()
    for lid, inputs in layers:
        design.add_layer(Layer(lid, "ReLU", {}, inputs))
    assert design.consumers(target) == plain_consumers(design, target)
    assert sorted(design.consumers_unordered(target)) == sorted(plain_consumers(design, target))
    assert design.fresh_id(prefix, taken) == plain_fresh_id(design, prefix, taken)

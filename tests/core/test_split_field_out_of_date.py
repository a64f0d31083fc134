"""Regression: a layer taking a Split's output by index (``split:0``) whose receptive field was
left out of date (fields past full coverage are brought up to date when read) kept its old
field for good: bringing it up to date skipped it (the cheap path reads plain ids only), and
a later read returned the old field. Found by the bulk deletion's property test."""

from __future__ import annotations

from benchmarks.scale_designs import chain_design
from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, Layer


def _design() -> Design:
    design = chain_design(120)  # 40 convolutions 3×3: the field (81) covers the 56×56 input
    last = design.ids[-1]
    design.add_layer(Layer("split", "Split", {"split_size_or_sections": 8}, [last]))
    design.add_layer(Layer("left", "ReLU", {}, ["split:1"]))
    design.add_layer(Layer("right", "ReLU", {}, ["split:0"]))
    design.add_layer(Layer("both", "Add", {}, ["left", "right"]))
    return design


def _same_as_fresh(live: Analysis, design: Design) -> None:
    fresh = analyze(design)
    for lid in design.ids:
        assert live.info[lid] == fresh.info[lid], lid


def test_a_field_after_a_split_read_after_an_edit_upstream() -> None:
    design = _design()
    live = Analysis(design)
    design.set_inputs("l5", ["l3"])  # a convolution bypassed: every field after it shrinks
    _same_as_fresh(live, design)


def test_a_field_after_a_split_read_in_the_next_edit() -> None:
    design = _design()
    live = Analysis(design)
    design.set_inputs("l5", ["l3"])
    design.set_inputs("both", ["split:1", "right"])  # reads ``right`` while it is out of date
    _same_as_fresh(live, design)


def test_a_field_after_a_split_read_as_the_input_of_a_new_layer() -> None:
    design = _design()
    live = Analysis(design)
    design.set_inputs("l5", ["l3"])
    design.add_layer(Layer("after", "ReLU", {}, ["right"]))  # evaluated, reading ``right``
    _same_as_fresh(live, design)

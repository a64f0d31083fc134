"""Graph inference: structure diagnostics, unknown downstream, incremental recompute, statistics."""

from __future__ import annotations

import json
from typing import Any

from designer.core.analysis import Analysis, analyze
from designer.core.design import Design, Layer
from designer.core.fileformat import loads_design


def design_of(layers: list[dict[str, Any]], **top: Any) -> Design:
    return loads_design(
        json.dumps({"format": "cnn-designer", "version": 1, "layers": layers, **top})
    )


def chain(n: int) -> Design:
    layers: list[dict[str, Any]] = [{"id": "input", "type": "Input", "shape": [8, 32, 32]}]
    for i in range(n):
        layers.append(
            {"id": f"c{i}", "type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}
        )
    return design_of(layers)


def codes(a: Analysis) -> list[tuple[str, str | None]]:
    return [(d.code, d.layer) for d in a.diagnostics()]


def test_downstream_of_an_error_is_unknown_upstream_keeps_shapes() -> None:
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [3, 8, 8]},
            {"id": "a", "type": "Conv2d", "out_channels": 4, "kernel_size": 3},
            {"id": "b", "type": "Conv2d", "out_channels": 4, "kernel_size": 9},
            {"id": "c", "type": "ReLU"},
        ]
    )
    a = analyze(d)
    assert a.info["a"].output_shape == (4, 6, 6)
    assert a.info["b"].status == "error"
    assert a.info["c"].status == "unknown" and a.info["c"].output_shape is None
    assert codes(a) == [("kernel_too_large", "b")]


def test_structural_problems_are_diagnostics() -> None:
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [3, 8, 8]},
            {"id": "a", "type": "ReLU", "inputs": ["b"]},
            {"id": "b", "type": "ReLU", "inputs": ["a"]},
            {"id": "m", "type": "Add", "inputs": ["x"]},
            {"id": "g", "type": "ReLU", "inputs": ["ghost"]},
            {"id": "free", "type": "Conv2d", "inputs": [], "out_channels": 2, "kernel_size": 1},
        ]
    )
    found = codes(analyze(d))
    assert ("cycle", "a") in found and ("cycle", "b") in found
    assert ("wrong_input_count", "m") in found
    assert ("missing_input", "g") in found
    assert ("wrong_input_count", "free") in found


def test_no_input_and_unreachable() -> None:
    d = design_of(
        [
            {"id": "a", "type": "ReLU", "inputs": ["b"]},
            {"id": "b", "type": "ReLU", "inputs": ["a"]},
            {"id": "q", "type": "ReLU", "inputs": []},
            {"id": "c", "type": "ReLU", "inputs": ["q"]},
        ]
    )
    found = codes(analyze(d))
    assert ("no_input", None) in found
    assert ("wrong_input_count", "q") in found
    assert ("unreachable", "c") in found


def test_duplicate_and_missing_ids_are_renamed_with_a_note() -> None:
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [3, 8, 8]},
            {"id": "x", "type": "ReLU", "inputs": ["x"]},
            {"type": "ReLU"},
        ]
    )
    assert d.ids == ["x", "x_1", "relu1"]
    found = codes(analyze(d))
    assert ("duplicate_id", "x_1") in found and ("missing_id", "relu1") in found


def test_incremental_edit_near_the_end_recomputes_only_downstream() -> None:
    d = chain(100)
    a = Analysis(d)
    before = a.recompute_count
    d.set_param("c97", "out_channels", 16)
    # c97 and c98 (its parameters change); c98's output shape does not, so c99 is left alone.
    assert a.recompute_count - before == 2
    assert a.info["c99"].output_shape == (8, 32, 32)
    assert a.info["c98"].params == (16 * 9 + 1) * 8
    d.set_param("c98", "out_channels", 4)
    assert a.info["c99"].params == (4 * 9 + 1) * 8


def test_incremental_stops_where_output_does_not_change() -> None:
    d = chain(50)
    a = Analysis(d)
    before = a.recompute_count
    d.set_param("c2", "bias", False)  # params change, shape does not
    assert a.recompute_count - before == 1
    assert a.info["c2"].params == 8 * 9 * 8


def test_live_analysis_matches_a_fresh_one_after_structural_edits() -> None:
    d = chain(5)
    a = Analysis(d)
    d.add_layer(Layer("p", "MaxPool2d", {"kernel_size": 2}, ["c2"]), 3)
    d.set_inputs("c3", ["p"])
    d.remove_layer("c1")
    d.set_inputs("c2", ["c0"])
    d.rename_layer("c4", "last")
    fresh = analyze(d.copy())
    for lid in d.ids:
        assert a.info[lid].output_shape == fresh.info[lid].output_shape, lid
    assert a.totals() == fresh.totals()


def test_receptive_field_through_a_chain_and_branches() -> None:
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [3, 64, 64]},
            {"id": "a", "type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
            {
                "id": "b",
                "type": "Conv2d",
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
            },
            {"id": "c", "type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
            {
                "id": "s",
                "type": "Conv2d",
                "inputs": ["x"],
                "out_channels": 4,
                "kernel_size": 1,
                "stride": 2,
            },
            {"id": "d", "type": "Conv2d", "inputs": ["s"], "out_channels": 4, "kernel_size": 1},
            {"id": "e", "type": "Concat", "inputs": ["c", "d"]},
        ]
    )
    a = analyze(d)
    rf = a.info["c"].receptive_field
    assert rf is not None
    assert rf.size == (3 + 2 + 2 * 2, 9.0)  # 3 → 5 → 5 + 2·2 = 9
    assert rf.jump == (2.0, 2.0)
    merged = a.info["e"].receptive_field
    assert merged is not None and merged.size == (9.0, 9.0)  # max over the two paths


def test_totals_and_statistics() -> None:
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [3, 32, 32]},
            {"id": "c", "type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
            {"id": "bn", "type": "BatchNorm2d"},
            {"id": "f", "type": "Flatten"},
            {"id": "fc", "type": "Linear", "out_features": 10},
        ]
    )
    t = analyze(d).totals()
    assert t.params == (27 + 1) * 8 + 16 + 8192 * 10 + 10
    assert t.buffers == 17
    assert t.macs == 8 * 32 * 32 * 27 + 8192 * 10
    assert t.neurons == 8192 * 3 + 10
    assert t.memory_bytes == t.neurons * 4
    assert t.errors == 0


def test_semantics_switch_recomputes_everything() -> None:
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [3, 224, 224]},
            {"id": "conv1", "type": "Conv2d", "out_channels": 96, "kernel_size": 11, "stride": 4},
        ]
    )
    a = Analysis(d)
    assert a.info["conv1"].status == "warning"
    d.set_semantics("strict")
    assert a.info["conv1"].status == "error"
    d.set_semantics("pytorch")
    assert a.info["conv1"].output_shape == (96, 54, 54)


def test_output_layer_is_exempt_from_the_bottleneck_warning_and_follows_new_consumers() -> None:
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [32, 64, 64]},
            {"id": "head", "type": "Conv2d", "out_channels": 2, "kernel_size": 1},
        ]
    )
    a = Analysis(d)
    assert [x.code for x in a.info["head"].diagnostics] == []
    d.add_layer(Layer("act", "Sigmoid", {}, ["head"]))
    assert [x.code for x in a.info["head"].diagnostics] == ["information_bottleneck"]
    d.remove_layer("act")
    assert [x.code for x in a.info["head"].diagnostics] == []


def test_a_squeeze_on_a_1x1_input_is_not_an_information_bottleneck() -> None:
    # EfficientNet-B0's SE squeeze: 96 pooled channels → 4, a fully connected layer in conv form.
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [96, 56, 56]},
            {"id": "pool", "type": "AdaptiveAvgPool2d", "output_size": 1},
            {"id": "fc1", "type": "Conv2d", "out_channels": 4, "kernel_size": 1},
            {"id": "act", "type": "SiLU"},
            {"id": "fc2", "type": "Conv2d", "out_channels": 96, "kernel_size": 1},
        ]
    )
    a = Analysis(d)
    assert a.info["fc1"].output_shape == (4, 1, 1)
    assert [x.code for x in a.info["fc1"].diagnostics] == []


def test_rounding_that_only_skips_padding_is_a_note_not_a_warning() -> None:
    d = design_of(
        [
            {"id": "x", "type": "Input", "shape": [64, 56, 56]},
            {
                "id": "c",
                "type": "Conv2d",
                "out_channels": 128,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
            },
        ]
    )
    (diag,) = analyze(d).diagnostics()
    assert (diag.code, diag.severity) == ("non_integer_output", "info")

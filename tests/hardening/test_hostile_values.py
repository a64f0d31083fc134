"""Huge and hostile values: clear limits and messages, and nothing that takes long."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from designer.core.analysis import MAX_TENSOR_ELEMENTS, analyze
from designer.core.design import Design, Layer
from designer.core.fileformat import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_LAYERS,
    FormatError,
    dumps_design,
    load_design,
    loads_design,
)
from designer.core.params import MAX_INT_VALUE
from designer.core.report import check_json, check_table
from tests.hardening.fuzz_support import exercise

HEAD = {"format": "cnn-designer", "version": 1}


def doc(*layers: dict[str, Any], **top: Any) -> str:
    return json.dumps(
        {
            **HEAD,
            **top,
            "layers": [{"id": "input", "type": "Input", "shape": [3, 224, 224]}, *layers],
        }
    )


def refused(text: str | bytes) -> FormatError:
    with pytest.raises(FormatError) as info:
        loads_design(text)
    return info.value


def test_a_billion_channels_is_arithmetic_only() -> None:
    start = time.perf_counter()
    design = loads_design(
        doc(
            {"id": "wide", "type": "Conv2d", "out_channels": 10**9, "kernel_size": 3, "padding": 1},
            {
                "id": "wider",
                "type": "Conv2d",
                "out_channels": 10**9,
                "kernel_size": 3,
                "padding": 1,
            },
        )
    )
    analysis = analyze(design)
    info = analysis.info["wider"]
    assert info.output_shape == (10**9, 224, 224)
    assert info.params == 10**9 * 9 * 10**9 + 10**9
    assert info.macs == 10**9 * 224 * 224 * 10**9 * 9
    assert any(d.code == "large_activation" for d in info.diagnostics)
    check_table(analysis)
    assert time.perf_counter() - start < 1.0


def test_kernel_of_a_million() -> None:
    analysis = analyze(
        loads_design(doc({"id": "c", "type": "Conv2d", "out_channels": 8, "kernel_size": 10**6}))
    )
    (diag,) = [d for d in analysis.diagnostics() if d.layer == "c"]
    assert diag.code == "kernel_too_large"
    assert "1000000" in diag.message and "224" in diag.message


@pytest.mark.parametrize(
    ("layer", "where"),
    [
        ({"type": "Conv2d", "out_channels": 2**31, "kernel_size": 3}, "out_channels"),
        ({"type": "Conv2d", "out_channels": 4, "kernel_size": [3, 10**12]}, "kernel_size"),
        ({"type": "Upsample", "scale_factor": 1e300}, "scale_factor"),
        ({"type": "ZeroPad2d", "padding": [-(2**40), 0, 0, 0]}, "padding"),
        ({"type": "Input", "shape": [3, 10**10, 10]}, "shape"),
    ],
)
def test_numbers_beyond_the_limit_are_refused_with_the_limit_named(
    layer: dict[str, Any], where: str
) -> None:
    error = refused(doc({"id": "x", **layer}))
    assert error.path == f"$.layers[1].{where}"
    assert f"{MAX_INT_VALUE:,}" in str(error)


def test_outputs_beyond_what_torch_can_hold_are_an_error_not_a_crash() -> None:
    ups = [{"id": f"up{i}", "type": "Upsample", "scale_factor": 1000} for i in range(4)]
    analysis = analyze(loads_design(doc(*ups)))
    too_large = [d for d in analysis.diagnostics() if d.code == "tensor_too_large"]
    assert [d.layer for d in too_large] == ["up2"]
    assert analysis.info["up3"].status == "unknown"
    assert f"{MAX_TENSOR_ELEMENTS:,}" in too_large[0].message
    check_table(analysis)


def test_strides_that_overflow_a_float_drop_the_receptive_field_only() -> None:
    convs = [
        {
            "id": f"c{i}",
            "type": "Conv2d",
            "out_channels": 1,
            "kernel_size": 1,
            "stride": MAX_INT_VALUE,
        }
        for i in range(40)
    ]
    analysis = analyze(loads_design(doc(*convs)))
    assert analysis.info["c39"].output_shape == (1, 1, 1)
    assert analysis.info["c39"].receptive_field is None
    assert analysis.info["c0"].receptive_field is not None
    check_table(analysis)
    check_json(analysis)


def test_ten_thousand_layers_load_analyse_and_save_quickly() -> None:
    layers = [{"id": f"r{i}", "type": "ReLU"} for i in range(10_000)]
    start = time.perf_counter()
    design = loads_design(doc(*layers))
    analysis = analyze(design)
    analysis.diagnostics()
    text = dumps_design(design)
    elapsed = time.perf_counter() - start
    assert len(design) == 10_001 and analysis.info["r9999"].output_shape == (3, 224, 224)
    assert loads_design(text) is not None
    assert elapsed < 10, f"{elapsed:.1f} s for 10,000 layers"


@pytest.mark.parametrize(
    "layers",
    [
        [{"id": f"r{i}", "type": "ReLU"} for i in range(10_000)],  # no Input: all unreachable
        [
            {"id": f"r{i}", "type": "ReLU", "inputs": [f"r{(i - 1) % 10_000}"]}
            for i in range(10_000)
        ],  # one cycle
        [{"id": "a", "type": "ReLU", "inputs": ["b"]}, {"id": "b", "type": "ReLU", "inputs": ["a"]}]
        + [{"id": f"r{i}", "type": "ReLU"} for i in range(10_000)],  # a long tail under a cycle
    ],
    ids=["unreachable", "cycle", "tail-under-cycle"],
)
def test_broken_ten_thousand_layer_designs_stay_linear(layers: list[dict[str, Any]]) -> None:
    start = time.perf_counter()
    analysis = analyze(loads_design(json.dumps({**HEAD, "layers": layers})))
    diagnostics = analysis.diagnostics()
    assert diagnostics and max(len(d.message) for d in diagnostics) < 1000
    assert time.perf_counter() - start < 10


def test_more_layers_than_the_limit() -> None:
    error = refused(json.dumps({**HEAD, "layers": [{"type": "ReLU"}] * (MAX_LAYERS + 1)}))
    assert error.path == "$.layers" and f"{MAX_LAYERS:,}" in str(error)


def test_deeply_nested_junk() -> None:
    assert "nested too deeply" in str(refused("[" * 100_000 + "]" * 100_000))
    error = refused(
        json.dumps({**HEAD, "layers": [], "x": 0})[:-1] + ', "junk": ' + "[" * 500 + "]" * 500 + "}"
    )
    assert f"more than {MAX_DEPTH} levels" in str(error) and error.path.startswith("$.junk[0][0]")


def test_huge_integers_nan_and_infinity() -> None:
    assert "10,000 digits" in str(
        refused('{"format": "cnn-designer", "version": ' + "9" * 10_000 + "}")
    )
    for constant in ("NaN", "Infinity", "-Infinity"):
        assert constant in str(refused(doc()[:-1] + f', "x": {constant}}}'))
    assert "too large" in str(refused(doc()[:-1] + ', "x": 1e400}'))


def test_bom_is_accepted_and_non_utf8_refused() -> None:
    assert len(loads_design(b"\xef\xbb\xbf" + doc().encode())) == 1
    assert len(loads_design("\ufeff" + doc())) == 1
    error = refused(doc().encode("utf-16"))
    assert "not UTF-8" in str(error)
    error = refused(doc(name="caf\xe9").replace("\\u00e9", "\xe9").encode("latin-1"))
    assert "not UTF-8" in str(error)


def test_lone_surrogates_are_refused_so_saving_cannot_fail() -> None:
    error = refused(doc()[:-1] + ', "name": "\\udc80"}')
    assert error.path == "$.name" and "surrogate" in str(error)


def test_huge_strings_give_short_messages() -> None:
    error = refused(json.dumps({**HEAD, "layers": [{"type": "x" * 5_000_000}]}))
    assert len(str(error)) < 1000
    error = refused(
        json.dumps({**HEAD, "layers": [{"type": "ReLU", "inputs": ["a"] * 500}], "x": 1})
        .replace('"a"', '"' + "a" * 100 + '"', 1)
        .replace('"ReLU"', '"ReLU", "' + "k" * 10**6 + '": 1')
    )
    assert len(str(error)) < 1000


def test_a_100_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.truncate(100 * 2**20)  # sparse: 100 MB on paper, nothing to read
    start = time.perf_counter()
    with pytest.raises(FormatError) as info:
        load_design(path)
    assert time.perf_counter() - start < 0.5
    assert "100 MiB" in str(info.value) and f"at most {MAX_FILE_BYTES // 2**20} MiB" in str(
        info.value
    )
    assert str(path) in str(info.value)


def test_devices_folders_and_missing_files(tmp_path: Path) -> None:
    for target in (tmp_path, tmp_path / "missing.json"):
        with pytest.raises(FormatError):
            load_design(target)
    if os.path.exists("/dev/zero"):
        start = time.perf_counter()
        with pytest.raises(FormatError, match="not a regular file"):
            load_design("/dev/zero")
        assert time.perf_counter() - start < 0.5


def test_design_built_in_code_with_huge_values_still_analyses() -> None:
    design = Design()
    design.add_layer(
        Layer("input", "Input", {"shape": [MAX_INT_VALUE, MAX_INT_VALUE, MAX_INT_VALUE]})
    )
    design.add_layer(Layer("fc", "Linear", {"out_features": MAX_INT_VALUE}, ["input"]))
    analysis = analyze(design)
    assert analysis.info["input"].status == "error"
    check_table(analysis)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "null",
        "[]",
        '"cnn-designer"',
        '{"format": "cnn-designer"}',
        '{"format": "cnn-designer", "version": 2}',
        '{"format": "cnn-designer", "version": true, "layers": []}',
        '{"format": "cnn-designer", "version": 1, "layers": {}}',
        '{"format": "cnn-designer", "version": 1, "layers": [null]}',
        '{"format": "cnn-designer", "version": 1, "layers": [], "layout": {"a": [1e308, 1]}}',
        '{"format": "cnn-designer", "version": 1, "layers": [{"type": "Input", "shape": [3, 8, 8]}], "layout": []}',
        '{"format": "cnn-designer", "version": 1, "layers": [{"type": "Conv2d", "out_channels": 1, "kernel_size": 1, "inputs": "x"}]}',
    ],
)
def test_assorted_wrong_documents_never_crash(text: str) -> None:
    exercise(text)

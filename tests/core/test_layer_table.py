"""The per-layer table rows: the same numbers as the analysis, CSV and Markdown text."""

from __future__ import annotations

import csv
import io

import pytest

from designer.core.analysis import analyze
from designer.core.fileformat import load_design
from designer.core.layer_table import (
    COLUMN_KEYS,
    COLUMNS,
    SHAPE_ORDERS,
    info_sort_key,
    layer_row,
    layer_rows,
    rows_csv,
    rows_markdown,
    shape_text,
    totals_row,
)
from designer.core.resources import templates_dir
from tests.conftest import DATA


@pytest.fixture(scope="module")
def alexnet():
    return analyze(load_design(templates_dir() / "alexnet_paper.json"))


def test_rows_hold_the_analysis_numbers(alexnet):
    rows = layer_rows(alexnet)
    assert [r.id for r in rows] == alexnet.design.ids
    for r in rows:
        info = alexnet.info[r.id]
        assert (r.params, r.macs, r.neurons, r.buffers, r.memory_bytes) == (
            info.params,
            info.macs,
            info.neurons,
            info.buffers,
            info.memory_bytes,
        )
    conv1 = rows[1]
    assert conv1.text("output_shape") == "55×55×96"
    assert conv1.text("output_shape", "chw") == "96×55×55"
    assert conv1.text("input_shape") == "227×227×3"
    assert conv1.text("params") == "34,944"
    assert conv1.raw("macs") == "105415200"
    assert conv1.text("receptive_field") == "11×11"


def test_totals_row_matches_totals(alexnet):
    t = alexnet.totals()
    row = totals_row(alexnet)
    assert (row.params, row.macs, row.neurons, row.memory_bytes) == (
        t.params,
        t.macs,
        t.neurons,
        t.memory_bytes,
    )
    assert row.params == 60_965_224
    assert row.text("status") == "ok"
    assert row.text("output_shape") == ""


def test_sort_keys_are_numbers_for_numeric_and_shape_columns(alexnet):
    rows = layer_rows(alexnet)
    by_params = sorted(rows, key=lambda r: r.sort_key("params"), reverse=True)
    assert by_params[0].id == "fc6"  # 37,752,832: text sorting would put "885,120" first
    assert all(
        isinstance(rows[1].sort_key(k), float)
        for k in ("neurons", "macs", "output_shape", "receptive_field")
    )
    assert rows[1].sort_key("output_shape") == 55 * 55 * 96


def test_error_and_unknown_shapes_are_named():
    analysis = analyze(load_design(DATA / "designs" / "resnet_block_broken.json"))
    rows = {r.id: r for r in layer_rows(analysis)}
    assert rows["add"].text("output_shape") == "error"
    assert shape_text(None, "hwc") == "?"
    assert totals_row(analysis).text("status").startswith("1 error")


def test_csv_parses_back_to_the_numbers(alexnet):
    rows = [*layer_rows(alexnet), totals_row(alexnet)]
    parsed = list(csv.reader(io.StringIO(rows_csv(rows))))
    assert len(parsed[0]) == len(COLUMN_KEYS)
    assert parsed[0][8] == "Activations (bytes)"
    conv1 = parsed[2]
    assert conv1[:4] == ["conv1", "Conv2d", "227×227×3", "55×55×96"]
    assert int(conv1[5]) == 34_944 and int(conv1[7]) == 105_415_200
    assert parsed[-1][0] == "Total" and int(parsed[-1][5]) == 60_965_224


def test_markdown_table(alexnet, golden):
    rows = [*layer_rows(alexnet), totals_row(alexnet)]
    golden("layer_table_alexnet_paper.md", rows_markdown(rows))


@pytest.mark.parametrize(
    "path",
    [
        templates_dir() / "resnet50.json",
        templates_dir() / "alexnet_paper.json",
        DATA / "designs" / "every_layer.json",
        DATA / "designs" / "resnet_block_broken.json",
        DATA / "designs" / "linear_on_volume.json",
    ],
    ids=lambda p: p.stem,
)
def test_a_sort_key_from_the_analysis_equals_the_rows(path):
    """The table sorts rows not computed yet by ``info_sort_key``: the same key as the row's."""
    analysis = analyze(load_design(path))
    for lid in analysis.design.ids:
        info = analysis.info[lid]
        row = layer_row(info)
        for key in COLUMN_KEYS:
            assert info_sort_key(info, key) == row.sort_key(key), (lid, key)


def test_a_rows_texts_are_its_columns_texts_in_each_shape_order_and_never_carried_over(alexnet):
    """``LayerRow.texts`` (what the table paints, made once per row and order) equals ``text``
    column by column; a row changed with ``dataclasses.replace`` makes its own."""
    import dataclasses

    rows = [*layer_rows(alexnet), totals_row(alexnet)]
    for row in rows:
        for order in SHAPE_ORDERS:
            assert row.texts(order) == tuple(row.text(c.key, order) for c in COLUMNS)
            assert row.texts(order) is row.texts(order)  # (made once)
    conv = next(r for r in rows if r.output_shape is not None and len(r.output_shape) == 3)
    before = conv.texts("hwc")
    changed = dataclasses.replace(conv, output_shape=(1, 2, 3), params=conv.params + 1)
    assert changed.texts("hwc") != before
    assert changed.texts("hwc") == tuple(changed.text(c.key, "hwc") for c in COLUMNS)
    assert changed == dataclasses.replace(changed)  # (the kept texts take no part in equality)

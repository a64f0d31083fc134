"""Rename never connects layers silently; resetting a required parameter keeps the file loadable (issue 12)."""

from __future__ import annotations

import pytest

from designer.core.design import Design, DesignError, Layer
from designer.core.fileformat import dumps_design, loads_design
from tests.time_limit import time_limit


def _design() -> Design:
    d = Design("x")
    d.add_layer(Layer("input1", "Input", {"shape": [3, 32, 32]}))
    d.add_layer(Layer("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3}, ["input1"]))
    d.add_layer(Layer("relu1", "ReLU", {}, ["conv9"]))  # conv9 does not exist: a missing input
    return d


def test_rename_to_an_id_listed_as_a_missing_input_is_refused() -> None:
    d = _design()
    before = dumps_design(d)
    with pytest.raises(DesignError, match=r"'conv9' is listed as a missing input of relu1"):
        d.rename_layer("conv1", "conv9")
    assert dumps_design(d) == before
    assert d.layer("relu1").inputs == ["conv9"]


def test_rename_never_makes_a_layer_its_own_input() -> None:
    d = _design()
    with pytest.raises(DesignError, match="missing input of relu1"):
        d.rename_layer("relu1", "conv9")
    assert d.layer("relu1").inputs == ["conv9"]
    d.remove_layer("relu1")  # used to raise KeyError after the self-loop


def test_rename_to_a_free_id_still_carries_references() -> None:
    d = _design()
    d.rename_layer("conv1", "c1")
    assert d.ids == ["input1", "c1", "relu1"]
    d.rename_layer("c1", "conv1")
    assert d.ids == ["input1", "conv1", "relu1"]


@pytest.mark.parametrize(
    ("type_id", "name"),
    [
        ("Conv2d", "kernel_size"),
        ("Conv2d", "out_channels"),
        ("Linear", "out_features"),
        ("ZeroPad2d", "padding"),
        ("Input", "shape"),
    ],
)
def test_resetting_a_required_parameter_stores_its_default(type_id: str, name: str) -> None:
    from designer.core.registry import REGISTRY

    d = _design()
    params = REGISTRY[type_id].initial_params()
    inputs = [] if type_id == "Input" else ["input1"]
    d.add_layer(Layer("x", type_id, params, inputs))
    d.set_param("x", name, None)
    spec = REGISTRY[type_id].spec(name)
    assert spec is not None
    assert d.layer("x").params[name] == spec.default
    again = loads_design(dumps_design(d))  # used to fail: "Conv2d needs 'kernel_size'"
    assert again.layer("x").params[name] == spec.default


def test_a_duplicate_of_a_64_character_id_is_renamed_to_a_valid_id() -> None:
    """Found by tools/fuzz_pipeline.py: the loader raised DesignError (an id of 66 characters)."""
    long_id = "a" * 64
    text = (
        '{"format": "cnn-designer", "version": 1, "layers": ['
        '{"id": "input", "type": "Input", "shape": [3, 8, 8]},'
        f'{{"id": "{long_id}", "type": "ReLU"}}, {{"id": "{long_id}", "type": "ReLU"}}]}}'
    )
    design = loads_design(text)
    renamed = design.ids[-1]
    assert renamed != long_id and len(renamed) == 64
    assert [n[0] for n in design.load_notes] == ["duplicate_id"]


def test_naming_thousands_of_copies_is_linear() -> None:
    """20,000 layers without ids, or all with the same id, used to take 50 and 85 s to load."""
    import json

    for raw in ({"type": "ReLU"}, {"type": "ReLU", "id": "a"}):
        layers = [{"id": "input", "type": "Input", "shape": [3, 8, 8]}] + [raw] * 19_999
        text = json.dumps({"format": "cnn-designer", "version": 1, "layers": layers})
        with time_limit(60, "loading 20,000 layers"):  # generous: it takes about a second
            design = loads_design(text)
        assert len(design) == 20_000 and len(set(design.ids)) == 20_000

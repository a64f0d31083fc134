"""The fast paths of issue 15, target 2's ninth pass give what the general paths give.

Loading gives layers alike (same type, same parameter values of the same classes, in the same
order) one shared parameters dict, read once (``fileformat._usual_layer``'s ``alike``); a full
analysis then finds a layer's rule results through the memo of the first layer with that dict
(``Analysis._memo_by_params``) and builds the usual layer's info inline (``full_refresh``, as
``Analysis._chain`` does); the Input's field is one object for every analysis
(``analysis._INPUT_FIELD``) and a sum's field that of its widest input, so the fields after them
come back through ``_after``. Each is compared here with the general code it stands for: the
loader without the sharing and without its shortcut (hypothesis over drawn layer objects), and
analyses of the same designs with every dict its own and with every layer through
``_evaluate_one`` (every template and example under every semantics, random chains, random
edits after). Each test was seen to fail with its shortcut deliberately broken.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core import analysis as analysis_module
from designer.core import fileformat
from designer.core.analysis import (
    _INPUT_FIELD,
    Analysis,
    ReceptiveField,
    analyze,
    clear_rule_cache,
)
from designer.core.design import Design, DesignError, Layer
from designer.core.fileformat import InvalidFormatError, dumps_design, load_design, loads_design
from designer.core.registry import REGISTRY
from tests.core.test_eighth_pass_fast_paths import DESIGNS, ROOT, SEMANTICS, _random_chain
from tests.core.test_live_analysis_property import _snapshot

# ------------------------------------------------------------------------ loading

# Values that are equal but read apart (1, 1.0, True; 0, 0.0, -0.0, False), texts, lists.
_VALUES: list[Any] = [1, 1.0, True, 0, 0.0, -0.0, False, 2, 2.5, -1, None, "same", [1, 2], 3]
_TYPES = ["Conv2d", "MaxPool2d", "BatchNorm2d", "Dropout", "ReLU", "AvgPool2d", "ZeroPad2d"]


def _outcome(doc: dict[str, Any]) -> tuple[str, Any]:
    """What loading ``doc`` gives: the message, or every layer with its parameters' reprs
    (which tell 1, 1.0 and True apart) and the notes."""
    try:
        design = loads_design(json.dumps(doc))
    except InvalidFormatError as exc:
        return "error", str(exc)
    return "ok", (
        [(la.id, la.type, repr(la.params), la.inputs) for la in design],
        design.load_notes,
    )


def _patched(name: str, value: Any, doc: dict[str, Any]) -> tuple[str, Any]:
    saved = getattr(fileformat, name)
    setattr(fileformat, name, value)
    try:
        return _outcome(doc)
    finally:
        setattr(fileformat, name, saved)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_layers_alike_read_as_each_alone_and_as_the_general_path(data: st.DataObject) -> None:
    """Documents of layers drawn from a few types and values (many alike, many equal but of
    other classes: 1, 1.0, True; 0.0 and -0.0; lists; refused values; unknown names): the
    loader with its shared dicts gives the same layers, parameters (by repr), notes or
    message as with every layer read alone, and as the general path (no shortcut)."""
    doc: dict[str, Any] = {
        "format": "cnn-designer",
        "version": 1,
        "layers": [{"id": "x", "type": "Input", "shape": [3, 16, 16]}],
    }
    for n in range(data.draw(st.integers(1, 8))):
        type_id = data.draw(st.sampled_from(_TYPES))
        names = [s.name for s in REGISTRY[type_id].params]
        raw: dict[str, Any] = {"id": f"l{n}", "type": type_id}
        for key in data.draw(st.lists(st.sampled_from([*names, "bogus"]), unique=True, max_size=3)):
            raw[key] = data.draw(st.sampled_from(_VALUES))
        if data.draw(st.integers(0, 3)) == 3:
            raw["inputs"] = ["x"]
        doc["layers"].append(raw)
        for copy in range(data.draw(st.integers(0, 2))):  # copies of it (alike), own ids
            doc["layers"].append({**raw, "id": f"l{n}c{copy}"})
        values = [k for k in raw if k not in ("id", "type", "inputs")]
        if values and data.draw(st.booleans()):  # a copy with one value equal, of a class apart
            key = data.draw(st.sampled_from(values))
            twins = [v for v in _VALUES if v == raw[key] and repr(v) != repr(raw[key])]
            if twins:
                doc["layers"].append(
                    {**raw, "id": f"l{n}t", key: data.draw(st.sampled_from(twins))}
                )
    shared = _outcome(doc)
    saved = fileformat._usual_layer
    alone = _patched(
        "_usual_layer", lambda raw, prev, taken, alike: saved(raw, prev, taken, {}), doc
    )
    general = _patched("_usual_layer", lambda *args: None, doc)
    assert shared == alone == general, doc


def test_layers_share_a_dict_exactly_when_alike() -> None:
    """Layers with the same type and parameter values of the same classes share one dict;
    1, 1.0 and True, or 0.0 and -0.0, or a list value, never do."""
    layers = [
        {"id": "x", "type": "Input", "shape": [3, 16, 16]},
        {"id": "a", "type": "Conv2d", "out_channels": 4, "kernel_size": 3, "bias": False},
        {"id": "b", "type": "Conv2d", "out_channels": 4, "kernel_size": 3, "bias": False},
        {"id": "c", "type": "Conv2d", "kernel_size": 3, "out_channels": 4, "bias": False},
        {"id": "d", "type": "Conv2d", "out_channels": 4, "kernel_size": 3, "bias": 0},
        {"id": "e", "type": "Dropout", "p": 0.5},
        {"id": "f", "type": "Dropout", "p": 0.5, "inputs": ["e"]},
        {"id": "g", "type": "Dropout", "p": 0.0},
        {"id": "h", "type": "Dropout", "p": 0.0},
        {"id": "i", "type": "Conv2d", "out_channels": 4, "kernel_size": [3, 5]},
        {"id": "j", "type": "Conv2d", "out_channels": 4, "kernel_size": [3, 5]},
        {"id": "k", "type": "BatchNorm2d"},
        {"id": "m", "type": "BatchNorm2d"},
    ]
    doc = {"format": "cnn-designer", "version": 1, "layers": layers}
    try:
        design = loads_design(json.dumps(doc))
    except InvalidFormatError:  # bias 0 refused: without that layer
        layers.pop(4)
        design = loads_design(json.dumps(doc))
    p = {la.id: la.params for la in design}
    assert p["a"] is p["b"]  # alike
    assert p["c"] is not p["a"] and p["c"] == p["a"]  # other order in the file: read alone
    assert p["e"] is p["f"]  # the inputs are not part of it
    assert p["g"] is not p["h"]  # a float zero (0.0 and -0.0 are equal): never shared
    assert p["i"] is not p["j"] and p["i"] == p["j"]  # a list value: read alone
    assert p["k"] is p["m"] and p["k"] == {}
    if "d" in p:
        assert p["d"] is not p["a"]  # 0 is not False
    # An edit gives the edited layer a dict of its own; the others keep theirs.
    design.set_param("a", "out_channels", 8)
    assert p["b"] is design.layer("b").params and design.layer("b").params["out_channels"] == 4


def test_a_template_loads_its_layers_alike_into_one_dict_each() -> None:
    """ResNet-50's 176 layers have 25 distinct sets of parameters: 25 dicts."""
    design = load_design(ROOT / "resources" / "templates" / "resnet50.json")
    dicts = {id(la.params) for la in design}
    raw = json.loads((ROOT / "resources" / "templates" / "resnet50.json").read_text())
    alike = {
        json.dumps([(k, repr(v)) for k, v in la.items() if k not in ("id", "inputs")])
        for la in raw["layers"]
    }
    assert len(dicts) == len(alike) == 25
    assert design.params_shared and design.trial_copy().params_shared
    # A design whose layers are all unlike (no dict shared) does not say it shares any.
    lone = loads_design(
        json.dumps(
            {
                "format": "cnn-designer",
                "version": 1,
                "layers": [
                    {"id": "x", "type": "Input", "shape": [3, 8, 8]},
                    {"id": "c", "type": "Conv2d", "out_channels": 4, "kernel_size": 3},
                    {"id": "r", "type": "ReLU"},
                ],
            }
        )
    )
    assert not lone.params_shared and not Design("new").params_shared


# ----------------------------------------------------------------------- analysis


def _unshared(design: Design) -> Design:
    """The same design with every layer's parameters in a dict of its own."""
    copy = Design(design.name, design.semantics)
    for layer in design:
        copy.add_layer(Layer(layer.id, layer.type, dict(layer.params), list(layer.inputs)))
    return copy


def _observed(an: Analysis) -> tuple[Any, ...]:
    return _snapshot(an), [repr(an.info[i]) for i in an.design.ids]


def _through_evaluate_one(design: Design) -> Analysis:
    """A fresh analysis with no layer built inline (every one-input layer through
    ``_evaluate_one``)."""
    saved = analysis_module._CHAIN_PLAIN
    analysis_module._CHAIN_PLAIN = {}
    try:
        return analyze(design)
    finally:
        analysis_module._CHAIN_PLAIN = saved


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_a_fresh_analysis_of_shared_dicts_is_that_of_unshared_ones(path: Path) -> None:
    """Every template and example under every semantics, with the rule cache as it is and
    emptied: the analysis of the loaded design (dicts shared, usual layers inline) gives
    every observable the analysis of the same design with a dict per layer gives, and the
    one with every layer through ``_evaluate_one``."""
    design = load_design(path)
    for semantics in SEMANTICS:
        design.set_semantics(semantics)
        alone = _unshared(design)
        for empty in (False, True):
            if empty:
                clear_rule_cache()
            shared = _observed(analyze(design))
            if empty:
                clear_rule_cache()
            assert shared == _observed(analyze(alone)), (path.stem, semantics, empty)
            assert shared == _observed(_through_evaluate_one(design)), (path.stem, semantics)


def test_most_of_resnet50_is_built_inline() -> None:
    """The shortcut serves: most of ResNet-50's layers are built inline by a fresh analysis
    (the first of each dict and the sums go through the calls)."""
    design = load_design(ROOT / "resources" / "templates" / "resnet50.json")
    analyze(design)
    calls = {"n": 0}
    saved = Analysis._evaluate_one

    def counted(self: Analysis, *args: Any) -> Any:
        calls["n"] += 1
        return saved(self, *args)

    Analysis._evaluate_one = counted  # type: ignore[method-assign]
    try:
        an = analyze(load_design(ROOT / "resources" / "templates" / "resnet50.json"))
    finally:
        Analysis._evaluate_one = saved  # type: ignore[method-assign]
    assert an.recompute_count >= 150
    assert calls["n"] < len(design) // 4, calls


def _shared_chain(rng: random.Random, n: int) -> Design:
    """``_random_chain`` with every layer alike sharing one dict, as a loaded design has it."""
    design = _random_chain(rng, n)
    seen: dict[str, dict[str, Any]] = {}
    out = Design("shared")
    for layer in design:
        key = repr((layer.type, layer.params))
        params = seen.setdefault(key, layer.params)  # (normalised: as the loader appends)
        out.append_loaded(Layer(layer.id, layer.type, params, list(layer.inputs)))
    out.params_shared = True  # (as the loader says of what it loads)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_random_chains_of_shared_dicts_fresh_and_live(seed: int) -> None:
    """Random chains whose layers alike share a dict: a fresh analysis is that of the same
    chain with a dict per layer; after random edits (each gives the edited layer a dict of its
    own), the live analysis is a fresh one."""
    rng = random.Random(1590 + seed)
    design = _shared_chain(rng, 60)
    assert len({id(la.params) for la in design}) < len(design) // 2
    if seed % 2:
        clear_rule_cache()
    assert _observed(analyze(design)) == _observed(analyze(_unshared(design)))
    live = Analysis(design)
    convs = [la.id for la in design if la.type == "Conv2d"]
    for _ in range(12):
        lid = rng.choice(convs)
        name, value = rng.choice(
            [("padding", 0), ("padding", 1), ("kernel_size", 5), ("out_channels", 6), ("stride", 2)]
        )
        design.set_param(lid, name, value)
        assert _observed(live) == _observed(analyze(_unshared(design)))
    live.close()


def test_a_sums_field_is_its_widest_inputs_and_the_input_field_is_shared() -> None:
    """An Input's field is the one shared object (equal to a new one); a sum whose widest
    input field is also the widest spaced takes that field itself; every field is equal to
    the field a design saved and loaded again gets with the cache emptied."""
    design = load_design(ROOT / "resources" / "templates" / "resnet50.json")
    an = analyze(design)
    assert an.info["input"].receptive_field is _INPUT_FIELD
    assert ReceptiveField((1.0, 1.0), (1.0, 1.0)) == _INPUT_FIELD
    sums = [la for la in design if la.type == "Add"]
    assert sums
    for layer in sums:
        fields = [an.info[i].receptive_field for i in layer.inputs]
        rf = an.info[layer.id].receptive_field
        assert any(rf is f for f in fields), layer.id
    clear_rule_cache()
    again = analyze(loads_design(dumps_design(design)))
    assert [again.info[i].receptive_field for i in design.ids] == [
        an.info[i].receptive_field for i in design.ids
    ]


def test_a_sum_of_fields_wide_one_way_and_spaced_the_other_is_a_new_field() -> None:
    """A sum of a path with a wide field spaced 0.9375 pixels apart (a 3×3 pooling by 3,
    upsampled back to 16×16, then two 7×7 convolutions) and of the Input (one pixel, one
    apart): its field is as wide as the first and spaced as the second, neither input's."""
    design = Design("fields")
    design.add_layer(Layer("x", "Input", {"shape": [4, 16, 16]}))
    design.add_layer(Layer("p", "MaxPool2d", {"kernel_size": 3, "stride": 3}, ["x"]))
    design.add_layer(Layer("u", "Upsample", {"size": 16}, ["p"]))
    conv = {"out_channels": 4, "kernel_size": 7, "padding": 3}
    design.add_layer(Layer("c1", "Conv2d", conv, ["u"]))
    design.add_layer(Layer("c2", "Conv2d", conv, ["c1"]))
    design.add_layer(Layer("s", "Add", {}, ["c2", "x"]))
    an = analyze(design)
    fa, fb = an.info["c2"].receptive_field, an.info["x"].receptive_field
    assert fa is not None and fb is not None
    assert fa.size[0] > fb.size[0] and fa.jump[0] < fb.jump[0]
    rf = an.info["s"].receptive_field
    assert rf == ReceptiveField((fa.size[0], fa.size[1]), (fb.jump[0], fb.jump[1]))
    assert rf is not fa and rf is not fb


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list('0123456789 ,[]é\ufeff"a')), max_size=400),
    run=st.integers(0, 130),
    bom=st.booleans(),
)
def test_the_long_number_test_reads_the_bytes_as_the_text(text: str, run: int, bom: bool) -> None:
    """``_may_hold_long_number`` on the bytes a text was read from (with or without a byte
    order mark) or on the text encoded once answers as on the text alone."""
    text = text[:200] + "7" * run + text[200:]
    expected = fileformat._may_hold_long_number(text)
    data = ("\ufeff" if bom else "").encode() + text.encode()
    assert fileformat._may_hold_long_number(text, data) == expected
    assert fileformat._may_hold_long_number(text, text.encode()) == expected


@pytest.mark.parametrize("as_bytes", [False, True])
def test_lone_surrogates_are_named_from_text_and_from_bytes(as_bytes: bool) -> None:
    """A lone surrogate written as an escape is found whether the document comes as text or
    as the file's bytes; one written as such (text only: UTF-8 bytes cannot hold one) too."""
    doc = '{"format": "cnn-designer", "version": 1, "name": "a\\ud800b", "layers": []}'
    with pytest.raises(InvalidFormatError, match="unpaired surrogate"):
        loads_design(doc.encode() if as_bytes else doc)
    if not as_bytes:
        raw = '{"format": "cnn-designer", "version": 1, "layers": [], "x": "\ud800"}'
        with pytest.raises(InvalidFormatError, match="unpaired surrogate"):
            loads_design(raw)


def test_extend_loaded_is_append_loaded_of_each() -> None:
    """``Design.extend_loaded`` puts the layers in, in order, in one step on an empty design,
    and layer by layer (with ``append_loaded``'s test of a taken id) on one that has some."""
    empty = Design("a")
    layers = {"x": Layer("x", "Input", {"shape": [3, 8, 8]}), "r": Layer("r", "ReLU", {}, ["x"])}
    empty.extend_loaded(layers)
    assert empty.ids == ["x", "r"] and empty.layer("r") is layers["r"]
    assert empty.consumers("x") == ["r"]
    more = Design("b")
    more.append_loaded(Layer("x", "Input", {"shape": [3, 8, 8]}))
    more.extend_loaded({"r": Layer("r", "ReLU", {}, ["x"])})
    assert more.ids == ["x", "r"] and more.consumers("x") == ["r"]
    with pytest.raises(DesignError):
        more.extend_loaded({"r": Layer("r", "ReLU", {}, ["x"])})

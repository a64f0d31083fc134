"""design → PyTorch code → torch.fx import → the same design: layers, settings, shapes, totals."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.core.analysis import analyze
from designer.core.design import Design, Layer, make_ref, split_ref
from designer.core.fileformat import dumps_design, load_design, loads_design
from designer.export.pytorch_code import FUNCTIONAL_TYPES, names_for
from tests.torch_oracle import requires_torch

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "resources" / "templates").glob("*.json")) + sorted(
    (ROOT / "tests" / "data" / "torch_code").glob("*.json")
)


def settings(layer: Layer) -> dict[str, object]:
    """Every hyper-parameter, defaults filled in; a pool's stride "same as the kernel" spelled out
    (PyTorch stores the kernel there, so the import cannot tell which the design wrote)."""
    values = layer.resolved()
    if layer.type in ("MaxPool2d", "AvgPool2d") and values.get("stride") is None:
        values["stride"] = values["kernel_size"]
    return values


def _mapped(mapping: dict[str, str], ref: str) -> str:
    """An ``inputs`` entry of the original design in the imported one (``split:1`` keeps its index)."""
    lid, index = split_ref(ref)
    return make_ref(mapping[lid], index)


def match_layers(original: Design, imported: Design) -> dict[str, str]:
    """Which imported layer is which original one: modules by attribute name, Inputs by
    forward argument, layers written as expressions (Add, Concat, Mul, Split, …) by their
    (matched) inputs."""
    names = names_for(original)
    mapping: dict[str, str] = {}
    inputs = iter(names.arguments)
    for lid in analyze(original).order:
        layer = original.layer(lid)
        if layer.type == "Input":
            mapping[lid] = next(inputs)
        elif layer.type in FUNCTIONAL_TYPES or (
            layer.type == "Upsample" and len(layer.inputs) == 2
        ):
            wanted = [_mapped(mapping, i) for i in layer.inputs]
            found = [ly.id for ly in imported if ly.type == layer.type and ly.inputs == wanted]
            assert len(found) == 1, f"{lid}: {layer.type} of {wanted} found {found}"
            mapping[lid] = found[0]
        else:
            mapping[lid] = names.attributes[lid]
    return mapping


@requires_torch
@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_round_trip_through_pytorch(path: Path) -> None:
    from designer.convert.from_torch import import_torch
    from tests.export.generated_model import load_generated

    design = load_design(path)
    _, model = load_generated(design, meta=True)  # no weights to initialise; fx needs none
    analysis = analyze(design)
    shapes = [analysis.info[ly.id].output_shape for ly in design if ly.type == "Input"]
    result = import_torch(model, shapes[0] if len(shapes) == 1 else shapes)
    assert result.notes == []
    imported = result.design
    mapping = match_layers(design, imported)
    assert sorted(mapping.values()) == sorted(imported.ids), "no extra and no missing layers"
    back = analyze(imported)
    for lid, new in mapping.items():
        a, b = design.layer(lid), imported.layer(new)
        where = f"{path.stem}:{lid} → {new}"
        assert b.type == a.type, where
        # A parameter's initial value is not in a model built on the meta device (no values at all).
        init_free = lambda d: {k: v for k, v in d.items() if k != "init"}  # noqa: E731
        assert init_free(settings(b)) == init_free(settings(a)), where
        assert b.inputs == [_mapped(mapping, i) for i in a.inputs], where
        assert back.info[new].output_shape == analysis.info[lid].output_shape, where
    for field in ("params", "trainable_params", "buffers", "macs", "neurons", "errors"):
        assert getattr(back.totals(), field) == getattr(analysis.totals(), field), field
    # Imported designs get a layout and save/load like any other.
    assert set(imported.layout) == set(imported.ids)
    text = dumps_design(imported)
    again = loads_design(text)
    assert dumps_design(again) == text
    assert [(ly.id, ly.type, ly.params, ly.inputs) for ly in again] == [
        (ly.id, ly.type, ly.params, ly.inputs) for ly in imported
    ]

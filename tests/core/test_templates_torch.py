"""Every template, built as a real torch network: each layer's shape, parameters and buffers agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.core.analysis import analyze
from designer.core.fileformat import load_design
from tests.torch_oracle import requires_torch, torch

pytestmark = [requires_torch, pytest.mark.torch]

TEMPLATES = Path(__file__).resolve().parents[2] / "resources" / "templates"
NAMES = sorted(p.name for p in TEMPLATES.glob("*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_template_matches_torch_layer_by_layer(name: str) -> None:
    from tests.torch_build import run_design

    design = load_design(TEMPLATES / name)
    analysis = analyze(design)
    run = run_design(design, device="meta")
    assert run.failed is None, f"torch refused {run.failed}"
    for lid in design.ids:
        info = analysis.info[lid]
        assert info.output_shape == run.shapes[lid], lid
        assert info.params == run.params(lid), lid
        assert info.buffers == run.buffers(lid), lid
    totals = analysis.totals()
    assert totals.params == run.total_params()
    assert totals.buffers == run.total_buffers()


@pytest.mark.parametrize("name", ["resnet18.json", "unet_small.json"])
def test_template_as_one_module_runs_on_cpu(name: str) -> None:
    """The whole graph as one ``nn.Module``, run on real numbers (batch 1)."""
    from tests.torch_build import count_buffers, count_params, design_net

    design = load_design(TEMPLATES / name)
    analysis = analyze(design)
    net = design_net(design, device="cpu")
    shape = design.layer("input").resolved()["shape"]
    with torch.no_grad():
        outputs = net(torch.randn(1, *shape))
    for lid in design.ids:
        assert tuple(outputs[lid].shape[1:]) == analysis.info[lid].output_shape, lid
    assert torch.isfinite(outputs[design.ids[-1]]).all()
    assert count_params(net) == analysis.totals().params
    assert count_buffers(net) == analysis.totals().buffers

"""The importers group layers by module path: ``layer3.4.conv2`` → stage ``layer3``, block ``layer3.4``."""

from __future__ import annotations

import sys
import types

import pytest

from designer.core.analysis import analyze
from designer.core.fileformat import dumps_design, loads_design
from designer.core.groups import GroupIndex, repeat_runs, summarize
from tests.torch_oracle import requires_torch

pytestmark = requires_torch


@pytest.fixture(scope="module")
def torchvision():  # type: ignore[no-untyped-def]
    sys.modules.setdefault(
        "torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations")
    )
    return pytest.importorskip(
        "torchvision", reason="torchvision is the test-only oracle for whole networks"
    )


def test_resnet50_import_has_stages_blocks_and_repeats(torchvision) -> None:  # type: ignore[no-untyped-def]
    from designer.convert.from_torch import from_torch

    model = torchvision.models.resnet50()
    design = from_torch(model, (3, 224, 224))
    index = GroupIndex(design)
    assert [g for g in index.children[None]] == ["layer1", "layer2", "layer3", "layer4"]
    assert index.children["layer3"] == [f"layer3.{n}" for n in range(6)]
    assert index.chain("layer3.4.conv2") == ["layer3", "layer3.4"]
    assert (
        index.owner["layer3.4.add"] == "layer3.4"
    )  # the functional `out += identity` is in its block
    assert [(r.head, r.count) for r in repeat_runs(design, index)] == [
        ("layer1.1", 2),
        ("layer2.1", 3),
        ("layer3.1", 5),
        ("layer4.1", 2),
    ]
    analysis = analyze(design)
    stage = dict(model.named_children())["layer3"]
    totals = summarize(design, analysis, index.members["layer3"])
    assert totals.params == sum(p.numel() for p in stage.parameters())
    assert totals.output_shape == (1024, 14, 14)
    again = loads_design(dumps_design(design))
    assert again.groups == design.groups


def test_groups_come_after_everything_else_and_change_no_number(torchvision) -> None:  # type: ignore[no-untyped-def]
    from designer.convert.from_torch import from_torch

    design = from_torch(torchvision.models.mobilenet_v2(), (3, 224, 224))
    index = GroupIndex(design)
    assert (
        index.groups["features.3.conv"].parent == "features.3"
    )  # the inverted residual beside its add
    assert index.owner["features.3.add"] == "features.3"
    ungrouped = design.copy()
    ungrouped.set_groups([])
    assert analyze(ungrouped).totals() == analyze(design).totals()

"""Automatic cycle collection held off during a full analysis and a load (``quiet_gc``), and
always given back as it was: on after, even when the work raised; left alone when it was off
(the app's own collector) or in a thread other than the main one."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from designer.core import analysis as analysis_module
from designer.core.analysis import analyze
from designer.core.fileformat import InvalidFormatError, load_design, loads_design
from designer.core.quiet_gc import collection_deferred

RESNET = Path(__file__).resolve().parents[2] / "resources" / "templates" / "resnet50.json"


@pytest.fixture
def collection_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_off_inside_and_on_after_even_when_the_work_raises(collection_on: None) -> None:
    with collection_deferred():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collection_deferred():
        assert not gc.isenabled()
        _ = 1 / 0
    assert gc.isenabled()


def test_left_alone_when_off_and_in_other_threads(collection_on: None) -> None:
    gc.disable()
    with collection_deferred():
        assert not gc.isenabled()
    assert not gc.isenabled()  # still off: whoever turned it off turns it on
    gc.enable()
    seen: list[bool] = []

    def work() -> None:
        with collection_deferred():
            seen.append(gc.isenabled())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [True] and gc.isenabled()


def test_a_full_analysis_and_a_load_run_with_collection_off(
    collection_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    states: list[bool] = []
    evaluate = analysis_module.Analysis._evaluate

    def watched(self: analysis_module.Analysis, layer: object) -> object:
        states.append(gc.isenabled())
        return evaluate(self, layer)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis_module.Analysis, "_evaluate", watched)
    design = load_design(RESNET)
    assert gc.isenabled()
    analyze(design)
    assert states and not any(states) and gc.isenabled()
    with pytest.raises(InvalidFormatError):
        loads_design("{")
    assert gc.isenabled()

"""Random edit sequences through the document, then undo everything: the original, byte for byte."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.core.analysis import analyze
from designer.core.design import DesignError
from designer.core.fileformat import load_design
from designer.core.registry import REGISTRY
from designer.core.report import check_json
from designer.ui.document import Document
from designer.ui.template_dialog import templates_folder

TYPES = sorted(t for t in REGISTRY if t != "Input")
BASE = load_design(templates_folder() / "resnet18.json")

edit = st.one_of(
    st.tuples(st.just("append"), st.sampled_from(TYPES), st.integers(0, 10_000)),
    st.tuples(st.just("insert"), st.sampled_from(TYPES), st.integers(0, 10_000)),
    st.tuples(st.just("free"), st.sampled_from(TYPES), st.integers(-500, 500)),
    st.tuples(st.just("remove"), st.booleans(), st.integers(0, 10_000)),
    st.tuples(st.just("kernel"), st.integers(1, 9), st.integers(0, 10_000)),
    st.tuples(
        st.just("padding"),
        st.sampled_from([0, 1, 2, [1, 2], "same", "valid"]),
        st.integers(0, 10_000),
    ),
    st.tuples(st.just("connect"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("disconnect"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(
        st.just("rename"), st.text("abcxyz_", min_size=1, max_size=6), st.integers(0, 10_000)
    ),
    st.tuples(st.just("move"), st.integers(-300, 300), st.integers(0, 10_000)),
    st.tuples(st.just("tidy"), st.sampled_from(["LR", "TB"]), st.integers(0, 1)),
    st.tuples(
        st.just("semantics"),
        st.sampled_from(["pytorch", "keras", "caffe", "strict"]),
        st.integers(0, 1),
    ),
    st.tuples(st.just("paste"), st.integers(1, 3), st.integers(0, 10_000)),
)


def apply(doc: Document, step: tuple) -> None:
    kind, a, b = step
    ids = doc.design.ids
    pick = ids[b % len(ids)] if ids else None
    try:
        if kind == "append" and pick:
            doc.append_after(a, pick)
        elif kind == "insert" and pick and doc.design.layer(pick).inputs:
            doc.insert_on_edge(a, doc.design.layer(pick).inputs[0], pick)
        elif kind == "free":
            doc.add_layer(a, position=(float(b), float(b) / 2))
        elif kind == "remove" and pick:
            doc.remove_layers([pick], heal=a)
        elif (
            kind == "kernel" and pick and REGISTRY[doc.design.layer(pick).type].spec("kernel_size")
        ):
            doc.set_param(pick, "kernel_size", a)
        elif kind == "padding" and pick and doc.design.layer(pick).type == "Conv2d":
            doc.set_param(pick, "padding", a)
        elif kind in ("connect", "disconnect") and ids:
            src, tgt = ids[a % len(ids)], ids[b % len(ids)]
            (doc.connect_layers if kind == "connect" else doc.disconnect_layers)(src, tgt)
        elif kind == "rename" and pick:
            doc.rename(pick, a)
        elif kind == "move" and pick:
            doc.move_layers({pick: (float(a), float(a) * 2)})
        elif kind == "tidy":
            doc.tidy_up(a)
        elif kind == "semantics":
            doc.set_semantics(a)
        elif kind == "paste" and ids:
            chosen = [doc.design.layer(i).copy() for i in ids[b % len(ids) :][:a]]
            doc.paste_layers(chosen, {i.id: p for i in chosen if (p := doc.design.position(i.id))})
    except DesignError:
        pass  # refused edits change nothing; that is checked below too
    doc.close_edit()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, min_size=1, max_size=12))
def test_undo_everything_restores_the_original_bytes(steps):
    doc = Document(BASE.copy())
    original = doc.text()
    texts = [original]
    for step in steps:
        apply(doc, step)
        texts.append(doc.text())
    final = doc.text()
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert doc.text() == original
    assert not doc.is_modified
    while doc.undo_stack.canRedo():
        doc.undo_stack.redo()
    assert doc.text() == final


def test_live_analysis_matches_a_fresh_one_after_deleting_the_input():
    doc = Document(BASE.copy())
    for step in [("append", "AdaptiveAvgPool2d", 5), ("remove", False, 0)]:
        apply(doc, step)
    assert check_json(doc.analysis) == check_json(analyze(doc.design))

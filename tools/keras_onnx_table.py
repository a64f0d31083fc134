"""Write the per-template Keras and ONNX results table into docs/keras.md.

For every template under resources/templates/ this runs what a user would: export Keras code,
build it with Keras 3 (PyTorch backend), compare its trainable parameters and every layer's
output shape with the design's, save it as ``.keras`` and import it back; export ONNX, check it
(``onnx.checker``, strict shape inference: ``build_onnx`` does both) and import it back. The
table goes between the ``keras-onnx-table`` markers of docs/keras.md; tests/docs/test_keras_doc.py
checks it against the exporters and the lists the (slower) Keras and ONNX tests run on.

    KERAS_BACKEND=torch python tools/keras_onnx_table.py          # rewrite the table
    KERAS_BACKEND=torch python tools/keras_onnx_table.py --check  # exit 1 if it would change
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "keras.md"
TEMPLATES = ROOT / "resources" / "templates"
BEGIN = "<!-- keras-onnx-table: begin (tools/keras_onnx_table.py writes this table) -->"
END = "<!-- keras-onnx-table: end -->"
HEADER = (
    "| Template | Parameters | Keras code | Keras build: params, shapes | .keras import | ONNX | ONNX import |",
    "|---|---:|---|---|---|---|---|",
)
#: What the .keras import of ConvNeXt gives (the design's Permute → LayerNorm → Linear … Permute
#: has no permutes in Keras, which is channels last throughout).
CONVNEXT_NOTE = (
    "equivalent: LayerNorm → LayerNorm2d, Linear → 1×1 Conv2d, no Permute; same params, MACs"
)


def _normalized(design: Any, rename: bool) -> dict[str, tuple[str, dict[str, Any], list[str]]]:
    from designer.export.keras_code import keras_name

    out = {}
    for layer in design:
        params = dict(layer.params)
        if layer.type in ("MaxPool2d", "AvgPool2d") and params.get("stride") == params.get(
            "kernel_size"
        ):
            params.pop("stride", None)
        name = keras_name if rename else str
        out[name(layer.id)] = (layer.type, params, [name(i) for i in layer.inputs])
    return out


def keras_cells(stem: str) -> tuple[str, str, str]:
    """(Keras code, build, import) for one template, by running Keras."""
    import keras  # noqa: F401  (KERAS_BACKEND must be set first)

    from designer.convert.from_keras import import_keras
    from designer.core.analysis import analyze
    from designer.core.fileformat import load_design
    from designer.export.keras_code import generate, keras_name, keras_shapes
    from designer.export.pytorch_code import CodeGenerationError

    design = load_design(TEMPLATES / f"{stem}.json")
    try:
        source = generate(design)
    except CodeGenerationError as exc:
        layer = str(exc).split("layer ", 1)[1].split(" ", 2)
        return f"refused: {layer[0]} {layer[1]}", "—", "—"
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(source, stem, "exec"), namespace)
    model = namespace["build_model"]()
    ours = analyze(design)
    trainable = sum(math.prod(tuple(w.shape)) for w in model.trainable_weights)
    held = keras_shapes(design)
    shapes_ok = all(
        tuple(model.get_layer(keras_name(lid)).output.shape)[1:] == shape
        for lid, shape in held.items()
        if shape is not None and design.layer(lid).type != "Input"
    )
    build = "yes" if trainable == ours.totals().params and shapes_ok else "**no**"
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "model.keras"
        model.save(saved)
        result = import_keras(saved)
    back, theirs = result.design, analyze(result.design)
    same_numbers = (
        theirs.totals().params == ours.totals().params
        and theirs.totals().macs == ours.totals().macs
        and not theirs.has_errors()
    )
    if _normalized(back, rename=False) == _normalized(design, rename=True) and same_numbers:
        imported = "identical"
    elif same_numbers and stem == "convnext_tiny":
        imported = CONVNEXT_NOTE
    else:
        imported = "**differs**"
    return "yes", build, imported


def onnx_cells(stem: str) -> tuple[str, str]:
    """(ONNX, ONNX import) for one template."""
    from designer.convert.from_onnx import import_onnx
    from designer.core.analysis import analyze
    from designer.core.fileformat import load_design
    from designer.export.onnx_model import build_onnx

    design = load_design(TEMPLATES / f"{stem}.json")
    model = build_onnx(design)  # raises unless valid with every shape equal to the design's
    back = import_onnx(model).design
    same = [(ly.id, ly.type, ly.params, ly.inputs) for ly in back] == [
        (ly.id, ly.type, ly.params, ly.inputs) for ly in design
    ]
    ours, theirs = analyze(design).totals(), analyze(back).totals()
    same = same and (ours.params, ours.macs) == (theirs.params, theirs.macs)
    return "valid, shapes equal", "identical" if same else _spelled(design, back)


def _spelled(design: Any, back: Any) -> str:
    """Identical but for the two spellings ONNX cannot keep (docs/keras.md, *ONNX*)?"""
    from designer.core.analysis import analyze

    ours = analyze(design)

    def plain(d: Any, analysis: Any) -> list[tuple[str, str, dict[str, Any], list[str]]]:
        out = []
        for ly in d:
            params, kind = dict(ly.params), ly.type
            if kind in ("MaxPool2d", "AvgPool2d") and params.get("stride") == params.get(
                "kernel_size"
            ):
                params.pop("stride", None)
            shape = analysis.info[ly.id].output_shape
            if kind == "AdaptiveAvgPool2d" and shape is not None and shape[1:] != (1, 1):
                in_shape = analysis.info[ly.id].input_shapes[0]
                kind = "AvgPool2d"
                params = {"kernel_size": in_shape[1] // shape[1], "count_include_pad": False}
            out.append((ly.id, kind, params, list(ly.inputs)))
        return out

    if plain(back, analyze(back)) == plain(design, ours):
        adaptive = any(
            ly.type == "AdaptiveAvgPool2d"
            and (ours.info[ly.id].output_shape or (0, 1, 1))[1:] != (1, 1)
            for ly in design
        )
        return "identical²" if adaptive else "identical¹"
    return "**differs**"


def table() -> list[str]:
    from designer.core.analysis import analyze
    from designer.core.fileformat import load_design

    rows = [*HEADER]
    for path in sorted(TEMPLATES.glob("*.json")):
        stem = path.stem
        params = analyze(load_design(path)).totals().params
        k = keras_cells(stem)
        o = onnx_cells(stem)
        rows.append(f"| {stem} | {params:,} | {k[0]} | {k[1]} | {k[2]} | {o[0]} | {o[1]} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is out of date")
    args = parser.parse_args(argv)
    os.environ.setdefault("KERAS_BACKEND", "torch")
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(ROOT))
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    new = head + BEGIN + "\n" + "\n".join(table()) + "\n" + END + tail
    if args.check:
        return 0 if new == text else 1
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

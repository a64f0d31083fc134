"""``cnn-designer import``: turn a PyTorch or Keras model, or an ONNX file, into a design.

``cnn-designer import path/to/model.py:ClassName --input-shape 3,224,224 -o design.json``
loads the Python file the user names (running its top-level code, as ``python`` would),
builds ``ClassName()`` (or calls it, if it is a function returning a model; ``--args``
passes arguments as JSON) and traces it with torch.fx. ``cnn-designer import model.onnx``
reads an ONNX graph; ``cnn-designer import model.keras`` (or ``.h5``, or the ``.json`` of
``model.to_json()``) reads a saved Keras model's configuration without running any code.
A ``.py`` file that imports keras is a Keras source: ``FILE.py:build_fn`` runs the function,
which must return a Keras model. Without ``-o`` the design's JSON goes to standard output; the notes
(what could not be carried over exactly) and a summary go to standard error.

Exit status: 0 imported cleanly, 1 imported but the design has errors (unsupported
operations became Unsupported layers, counted per operation in the summary; the file is
still written), 2 nothing could be imported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from designer.convert.design_builder import ConversionError, ImportResult
from designer.convert.python_source import import_python_model
from designer.core.analysis import analyze
from designer.core.fileformat import dumps_design, save_design
from designer.core.report import human_count, plural

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5", ".json")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "import",
        help="make a design from a PyTorch model (FILE.py:ClassName), a Keras model (FILE.keras, FILE.h5) or an ONNX file",
        description=(
            "Import a model as a design. PyTorch: FILE.py:NAME, where NAME is an nn.Module class (built with no "
            "arguments unless --args gives some) or a function that returns a model; the file is run as Python "
            "code, so import only files you trust. A .py file that imports keras is read the same way, and NAME "
            "must return a Keras model. Keras: FILE.keras, FILE.h5 or the FILE.json of model.to_json() (only the "
            "saved configuration is read; no code runs; .h5 needs h5py). ONNX: FILE.onnx (needs the onnx "
            "package). Exit status: 0 imported, 1 imported with errors (Unsupported layers for operations the "
            "designer cannot represent), 2 nothing imported."
        ),
    )
    p.add_argument("source", help="FILE.py:ClassName, FILE.keras, FILE.h5 or FILE.onnx")
    p.add_argument(
        "--input-shape",
        action="append",
        metavar="C,H,W",
        help="shape of one input without the batch axis, e.g. 3,224,224 (repeat for models with several inputs); "
        "required for PyTorch, optional for ONNX and Keras (overrides the file's own)",
    )
    p.add_argument(
        "-o", "--output", metavar="OUT.json", help="write the design here (default: print it)"
    )
    p.add_argument(
        "--args",
        metavar="JSON",
        help="arguments for the class or function: a JSON list (positional) or object (keywords), e.g. '{\"num_classes\": 10}'",
    )
    p.add_argument("--name", help="name of the design (default: the class or file name)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        shapes = [_parse_shape(s) for s in args.input_shape or []]
        lowered = args.source.lower()
        if lowered.endswith(".onnx"):
            if args.args:
                raise ConversionError("--args applies to PyTorch classes, not to ONNX files")
            result = _import_onnx(args.source, shapes, args.name)
        elif lowered.endswith(KERAS_SUFFIXES):
            if args.args:
                raise ConversionError(
                    "--args applies to Python classes and functions, not to saved Keras models"
                )
            from designer.convert.from_keras import import_keras

            result = import_keras(args.source, input_shapes=shapes or None, name=args.name)
        else:
            result = _import_python(args.source, shapes, args.args, args.name)
    except ConversionError as exc:
        print(f"cnn-designer import: {exc}", file=sys.stderr)
        return 2
    design = result.design
    for note in result.notes:
        print(f"  {note}", file=sys.stderr)
    counts = result.unsupported_counts()
    if counts:
        listed = ", ".join(f"{op} ×{n}" for op, n in counts.items())
        total = sum(counts.values())
        print(
            f"{total} unsupported operation{'s' if total != 1 else ''} became Unsupported layers "
            f"(errors until replaced; code export refuses them): {listed}",
            file=sys.stderr,
        )
    if args.output:
        try:
            save_design(design, args.output)
        except OSError as exc:
            print(
                f"cnn-designer import: cannot write {args.output}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 2
    else:
        sys.stdout.write(dumps_design(design))
    analysis = analyze(design)
    t = analysis.totals()
    where = f" → {args.output}" if args.output else ""
    print(
        f"{design.name}: {plural(len(design), 'layer')}, {t.params:,} parameters ({human_count(t.params)}), "
        f"{t.macs:,} MACs ({human_count(t.macs)}); {_count(t.errors, 'error')}, {_count(t.warnings, 'warning')}{where}",
        file=sys.stderr,
    )
    return 1 if analysis.has_errors() else 0


def _parse_shape(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.replace("x", ",").replace("×", ",").split(",") if p.strip()]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if len(shape) not in (1, 3) or any(v < 1 for v in shape):
        raise ConversionError(
            f"--input-shape {text!r}: expected C,H,W (e.g. 3,224,224) or N for a vector, without the batch axis"
        )
    return shape


def _import_python(
    source: str, shapes: list[tuple[int, ...]], raw_args: str | None, name: str | None
) -> ImportResult:
    path_text, sep, attr = source.rpartition(":")
    if not sep or not path_text or not attr:
        raise ConversionError(f"{source!r}: expected FILE.py:ClassName (or FILE.onnx)")
    path = Path(path_text)
    if not path.is_file():
        raise ConversionError(
            f"{path}: {'a folder, not a file' if path.is_dir() else 'no such file'}"
        )
    from designer.convert.from_keras import import_keras_build_fn, uses_keras

    if uses_keras(path):  # a Keras model knows its input shape; --input-shape only overrides it
        return import_keras_build_fn(
            path, attr, raw_args, input_shapes=shapes or None, design_name=name, args_label="--args"
        )
    if not shapes:
        raise ConversionError(
            "--input-shape is required for PyTorch models, e.g. --input-shape 3,224,224"
        )
    return import_python_model(path, attr, shapes, raw_args, design_name=name, args_label="--args")


def _import_onnx(source: str, shapes: list[tuple[int, ...]], name: str | None) -> ImportResult:
    path = Path(source)
    if not path.is_file():
        raise ConversionError(
            f"{path}: {'a folder, not a file' if path.is_dir() else 'no such file'}"
        )
    from designer.convert.from_onnx import import_onnx

    return import_onnx(path, input_shapes=shapes or None, name=name)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"

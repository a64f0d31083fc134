"""``cnn-designer export FILE -o OUT``: a figure (SVG, PNG), PyTorch or Keras code (.py) or an ONNX graph of a
design; with ``--window LAYER``, that layer's sliding window (SVG/PNG frame, GIF/APNG animation)."""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from dataclasses import replace
from pathlib import Path

from designer.core.analysis import analyze
from designer.core.collapsed_figure import Collapse
from designer.core.figure import FigureStyle
from designer.core.fileformat import FormatError, load_design
from designer.core.volume_geometry import CAMERA_PRESETS, SCALINGS, BlockOptions, Camera
from designer.export.figure_exporter import DEFAULT_PNG_SCALE

FORMATS = (".svg", ".png", ".py", ".onnx")
FRAMEWORKS = ("pytorch", "keras")
MAX_DPI = 100_000  # far beyond any printer; the PNG stores dots per metre as a 32-bit integer


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "export",
        help="write a figure of the design (SVG or PNG), its PyTorch or Keras code (.py) or an ONNX graph",
        description=(
            "Export a design. The output format follows the extension of -o: .svg (vector figure), "
            ".png (image), .py (PyTorch code, or Keras code with --framework keras) or .onnx (an ONNX graph "
            "with zero weights, for Netron and other ONNX tools). Exit status: 0 written, 1 the design "
            "cannot be turned into code, 2 the file cannot be read or an argument is wrong."
        ),
    )
    p.add_argument("file", help="design file (.json)")
    p.add_argument("-o", "--output", required=True, help="output file: .svg, .png, .py or .onnx")
    p.add_argument(
        "--framework",
        choices=FRAMEWORKS,
        default="pytorch",
        help=".py output: PyTorch nn.Module (default) or Keras keras.Model code",
    )
    p.add_argument(
        "--view",
        choices=("blocks", "graph"),
        default="blocks",
        help="3D volumes (default) or the layer diagram",
    )
    p.add_argument(
        "--scale",
        type=float,
        default=DEFAULT_PNG_SCALE,
        help=f"PNG pixels per figure unit (default {DEFAULT_PNG_SCALE:g}, as File ▸ Export; 1 for the screen)",
    )
    p.add_argument("--dpi", type=float, help="resolution stored in the PNG (default 96 × scale)")
    p.add_argument("--transparent", action="store_true", help="no background")
    p.add_argument(
        "--dims",
        choices=("hwc", "chw"),
        default="hwc",
        help="write shapes as H×W×C (default) or C×H×W",
    )
    p.add_argument("--no-labels", action="store_true", help="leave out the text labels")
    p.add_argument(
        "--legend", action="store_true", help="add a colour legend of the layer categories"
    )
    p.add_argument("--font", default="DejaVu Sans", help="font family (default DejaVu Sans)")
    p.add_argument(
        "--font-size", type=float, default=11.0, help="font size in figure units (default 11)"
    )
    p.add_argument(
        "--camera",
        choices=tuple(CAMERA_PRESETS),
        default="paper",
        help="blocks view: camera preset",
    )
    p.add_argument(
        "--azimuth", type=float, help="blocks view: camera azimuth in degrees (overrides --camera)"
    )
    p.add_argument(
        "--elevation",
        type=float,
        help="blocks view: camera elevation in degrees (overrides --camera)",
    )
    p.add_argument(
        "--scaling",
        choices=SCALINGS,
        default="sqrt",
        help="blocks view: how sizes map to box sides",
    )
    p.add_argument(
        "--all-layers",
        action="store_true",
        help="blocks view: draw ReLU, BatchNorm, ... as boxes of their own",
    )
    p.add_argument(
        "--direction",
        choices=("LR", "TB"),
        default="LR",
        help="graph view: flow direction for automatic layout",
    )
    p.add_argument(
        "--collapse",
        default="auto",
        metavar="LEVEL|auto|none",
        help="draw blocks (groups) as one volume/card: 0 = top-level blocks only, 1 = one level deeper, …; "
        "none = every layer; auto (default) = the deepest level whose labels stay at least 8 px on a "
        "1920×1080 slide",
    )
    window = p.add_argument_group(
        "sliding window",
        "With --window LAYER the output is that layer's window picture (as in the Window view): "
        "-o name.svg or name.png writes one frame, name.gif or name.apng the whole sequence.",
    )
    window.add_argument(
        "--window",
        metavar="LAYER",
        help="draw this Conv2d, ConvTranspose2d or pooling layer's window",
    )
    window.add_argument(
        "--frame", type=int, help="still frame to draw, 1 = first window (default: the last window)"
    )
    window.add_argument(
        "--compact",
        dest="compact",
        action="store_true",
        default=None,
        help="first and last windows only, with an ellipsis (the default for large layers)",
    )
    window.add_argument(
        "--full", dest="compact", action="store_false", help="every cell and every window"
    )
    window.add_argument(
        "--fps", type=float, default=4.0, help="animation: windows per second (default 4)"
    )
    p.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"cnn-designer export: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    suffix = out.suffix.lower()
    if args.window is not None:
        return _export_window(args, out, suffix)
    if suffix not in FORMATS:
        return _fail(
            f"cannot tell the format of {out.name!r}: use a name ending in .svg, .png, .py or .onnx"
        )
    if args.framework != "pytorch" and suffix != ".py":
        return _fail(f"--framework applies to code (.py), not to {suffix} files")
    if not (args.scale > 0 and args.scale <= 20):
        return _fail(f"--scale must be a number above 0 and at most 20, got {args.scale:g}")
    if args.dpi is not None and not 0 < args.dpi <= MAX_DPI:
        return _fail(f"--dpi must be a positive number at most {MAX_DPI:,}, got {args.dpi:g}")
    for option, angle in (("--azimuth", args.azimuth), ("--elevation", args.elevation)):
        if angle is not None and not math.isfinite(angle):
            return _fail(f"{option} must be a number of degrees, got {angle:g}")
    if not 1 <= args.font_size <= 200:
        return _fail(f"--font-size must be between 1 and 200, got {args.font_size:g}")
    collapse = _collapse(args.collapse)
    if collapse is None:
        return _fail(
            f"--collapse must be a level (0, 1, 2, …), auto or none, got {args.collapse!r}"
        )
    if not out.parent.is_dir():
        return _fail(f"the folder {str(out.parent)!r} does not exist")
    try:
        design = load_design(args.file)
    except FormatError as exc:
        print(f"cnn-designer: cannot read {exc}", file=sys.stderr)
        return 2
    if suffix in (".py", ".onnx"):
        return _export_code(design, out, "onnx" if suffix == ".onnx" else args.framework)

    from designer.export.figure_exporter import ExportOptions

    preset = CAMERA_PRESETS[args.camera]
    camera = Camera(
        preset.azimuth if args.azimuth is None else args.azimuth,
        preset.elevation if args.elevation is None else args.elevation,
    )
    style = FigureStyle(
        font_family=args.font,
        font_size=args.font_size,
        show_labels=not args.no_labels,
        dims=args.dims,
        legend=args.legend,
    )
    options = ExportOptions(
        view=args.view,
        style=style,
        blocks=replace(
            BlockOptions(), scaling=args.scaling, fold=not args.all_layers, dims=args.dims
        ),
        camera=camera,
        direction=args.direction,
        scale=args.scale,
        dpi=args.dpi,
        transparent=args.transparent,
        collapse=collapse,
    )
    analysis = analyze(design)
    try:
        if suffix == ".svg":
            from designer.export.svg_exporter import SvgExporter

            SvgExporter(analysis, options).export(out)
        else:
            from designer.export.png_exporter import PngExporter

            PngExporter(analysis, options).export(out)
    except (OSError, ValueError) as exc:
        return _fail(f"cannot write {str(out)!r}: {exc}")
    print(f"wrote {out}")
    return 0


def _collapse(text: str) -> Collapse | None:
    """``auto``, ``none`` or a level ≥ 0; ``None`` if ``text`` is none of these."""
    value = text.strip().lower()
    if value == "auto":
        return "auto"
    if value == "none":
        return "none"
    if value.isdigit() and len(value) <= 3:
        return int(value)
    return None


#: What -o FILE.py (per --framework) and -o FILE.onnx write: module, its function, label.
_CODE_EXPORTERS = {
    "pytorch": ("designer.export.pytorch_code", "generate", "PyTorch export"),
    "keras": ("designer.export.keras_code", "generate", "Keras export"),
    "onnx": ("designer.export.onnx_model", "export_onnx", "ONNX export"),
}


def _export_code(design: object, out: Path, kind: str = "pytorch") -> int:
    module_name, function, label = _CODE_EXPORTERS[kind]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return _fail(f"{label} is not available in this build")
    from designer.export.pytorch_code import CodeGenerationError

    try:
        result: str | bytes = getattr(module, function)(design)
    except CodeGenerationError as exc:
        print(f"cnn-designer export: {exc}", file=sys.stderr)
        return int(getattr(exc, "exit_status", 1))
    from designer.core.fileformat import write_atomic

    data = result.encode("utf-8") if isinstance(result, str) else result
    try:
        write_atomic(out, data)
    except OSError as exc:
        return _fail(f"cannot write {str(out)!r}: {exc}")
    print(f"wrote {out}")
    return 0


def _export_window(args: argparse.Namespace, out: Path, suffix: str) -> int:
    """``--window LAYER``: one frame (.svg, .png) or the animation (.gif, .apng) of that layer."""
    from designer.export.window_exporter import (
        ANIMATED_SUFFIXES,
        STILL_SUFFIXES,
        WindowExporter,
        WindowExportError,
        window_figure,
    )

    if suffix not in STILL_SUFFIXES + ANIMATED_SUFFIXES:
        return _fail(
            f"cannot tell the format of {out.name!r}: with --window use .svg, .png, .gif or .apng"
        )
    if args.frame is not None and suffix in ANIMATED_SUFFIXES:
        return _fail("--frame picks a still frame; an animation (.gif, .apng) has every frame")
    if not out.parent.is_dir():
        return _fail(f"the folder {str(out.parent)!r} does not exist")
    try:
        design = load_design(args.file)
    except FormatError as exc:
        print(f"cnn-designer: cannot read {exc}", file=sys.stderr)
        return 2
    try:
        exporter = WindowExporter(
            window_figure(analyze(design), args.window, args.compact), args.scale, args.fps
        )
        frame = None if args.frame is None else args.frame - 1 if args.frame > 0 else args.frame
        exporter.export(out, frame=frame)
    except WindowExportError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {str(out)!r}: {exc}")
    what = f"{exporter.frame_count} frames" if suffix in ANIMATED_SUFFIXES else "one frame"
    print(f"wrote {out} ({args.window}, {what})")
    return 0

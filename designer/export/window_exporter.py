"""Export of the Window picture: one frame as SVG or PNG, the whole sequence as GIF or APNG.

Frames are the core's ``WindowFigure`` drawn by the ordinary figure exporters, so a
file shows exactly what the Window view shows. Animations are encoded with Pillow
(an optional dependency: ``pip install 'cnn-designer[animation]'``): Qt can read GIF
but cannot write it, and Pillow is the well-kept library that writes both GIF and
APNG from the frames Qt paints. Without Pillow, still frames still work.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage, QPainter

from designer.core.analysis import Analysis
from designer.core.fileformat import write_atomic
from designer.core.window_figure import WindowFigure
from designer.core.window_geometry import (
    MAX_FULL_CELLS,
    WindowFrames,
    full_view_allowed,
    layer_window,
    no_window_reason,
    wants_compact,
)
from designer.export.figure_exporter import ExportOptions
from designer.export.png_exporter import PngExporter, paint_primitives
from designer.export.svg_exporter import SvgExporter

STILL_SUFFIXES = (".svg", ".png")
ANIMATED_SUFFIXES = (".gif", ".apng")
MAX_FRAMES = 600  # an animation of more windows: use compact mode (the default for large layers)
DEFAULT_FPS = 4.0


class WindowExportError(ValueError):
    """The window picture cannot be exported as asked (no such layer, too many frames, no Pillow)."""


def window_figure(analysis: Analysis, layer_id: str, compact: bool | None = None) -> WindowFigure:
    """The layer's picture (``compact`` None: compact when the layer is large)."""
    if layer_id not in analysis.design:
        known = ", ".join(
            lid for lid in analysis.design.ids if layer_window(analysis, lid) is not None
        )
        raise WindowExportError(
            f"there is no layer {layer_id!r} (layers with windows: {known or 'none'})"
        )
    geometry = layer_window(analysis, layer_id)
    if geometry is None:
        raise WindowExportError(no_window_reason(analysis, layer_id))
    if compact is False and not full_view_allowed(geometry):
        h, w = len(geometry.rows), len(geometry.cols)
        raise WindowExportError(
            f"{layer_id}'s grid has {h}×{w} = {h * w:,} cells, too many to draw every one "
            f"(at most {MAX_FULL_CELLS:,}); use the compact view"
        )
    frames = WindowFrames(geometry, wants_compact(geometry) if compact is None else compact)
    if not frames.drawable:
        raise WindowExportError(frames.too_large_text())
    return WindowFigure(frames)


def have_pillow() -> bool:
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


class WindowExporter:
    """``WindowExporter(figure, scale).export(path, frame)``: the format follows the suffix."""

    def __init__(self, figure: WindowFigure, scale: float = 1.0, fps: float = DEFAULT_FPS) -> None:
        if not 0 < scale <= 20:
            raise WindowExportError(f"the scale must be above 0 and at most 20, got {scale:g}")
        if not 0 < fps <= 60:
            raise WindowExportError(
                f"frames per second must be above 0 and at most 60, got {fps:g}"
            )
        self.figure = figure
        self.scale = scale
        self.fps = fps
        self._grid: QImage | None = None

    @property
    def frame_count(self) -> int:
        return len(self.figure.frames)

    def _frame(self, frame: int | None) -> int | None:
        n = self.frame_count
        if n == 0:
            return None
        if frame is None:
            return n - 1  # the last window: the one beside the far edge, where a remainder shows
        if not -n <= frame < n:
            raise WindowExportError(f"frame {frame} does not exist: this layer has frames 1 to {n}")
        return frame % n

    def svg(self, frame: int | None = None) -> bytes:
        return SvgExporter(self.figure.figure(self._frame(frame))).export()

    def png(self, frame: int | None = None) -> bytes:
        return PngExporter(
            self.figure.figure(self._frame(frame)), ExportOptions(scale=self.scale)
        ).export()

    def image(self, frame: int) -> QImage:
        """Frame ``frame`` as an image: the grid (painted once) with the frame's window on top."""
        if self._grid is None:
            exporter = PngExporter(self.figure.figure(None), ExportOptions(scale=self.scale))
            self._grid = exporter.render_image(exporter.figure())
        image = self._grid.copy()
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            painter.scale(self.scale, self.scale)
            paint_primitives(
                painter, self.figure.frame_items(frame), self.figure.figure(None), self.scale
            )
        finally:
            painter.end()
        return image

    def animation(self, fmt: str) -> bytes:
        """Every frame in order, looping, as ``gif`` or ``apng``."""
        if fmt not in ("gif", "apng"):
            raise WindowExportError(f"unknown animation format {fmt!r} (gif or apng)")
        n = self.frame_count
        if n > MAX_FRAMES:
            raise WindowExportError(
                f"{n:,} windows are too many frames for an animation (at most {MAX_FRAMES}); "
                "use the compact view, which steps through the first and last windows"
            )
        try:
            from PIL import Image
        except ImportError:
            raise WindowExportError(
                "animated GIF/APNG export needs Pillow: pip install 'cnn-designer[animation]'"
            ) from None
        frames: list[Any] = [_to_pillow(self.image(k), Image) for k in range(n)]
        if not frames:
            raise WindowExportError("this layer has no windows to animate")
        duration = round(1000 / self.fps)
        durations = [duration] * n
        durations[-1] = duration * 3  # a pause on the last window before the loop starts again
        out = io.BytesIO()
        if fmt == "gif":
            # One palette for every frame (taken from the last, which has every colour the
            # sequence uses): frames then differ only where the window moved.
            palette = (
                frames[-1].convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT)
            )
            indexed = [
                f.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE) for f in frames
            ]
            indexed[0].save(
                out,
                format="GIF",
                save_all=True,
                append_images=indexed[1:],
                duration=durations,
                loop=0,
                disposal=1,
            )
        else:
            frames[0].save(
                out,
                format="PNG",
                save_all=True,
                append_images=frames[1:],
                duration=durations,
                loop=0,
            )
        return out.getvalue()

    def export(
        self, path: str | Path | None = None, frame: int | None = None, fmt: str | None = None
    ) -> bytes:
        """The file's bytes (format from ``fmt`` or the suffix of ``path``); written atomically to ``path``."""
        kind = (
            fmt or (Path(path).suffix.lower().lstrip(".") if path is not None else "png")
        ).lower()
        if kind == "svg":
            data = self.svg(frame)
        elif kind == "png":
            data = self.png(frame)
        elif kind in ("gif", "apng"):
            data = self.animation(kind)
        else:
            raise WindowExportError(
                f"cannot write a window picture as {kind!r}: use .svg, .png, .gif or .apng"
            )
        if path is not None:
            write_atomic(Path(path), data)
        return data


def _to_pillow(image: QImage, image_module: Any) -> Any:
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = rgba.width(), rgba.height()
    data = bytes(rgba.constBits())
    stride = rgba.bytesPerLine()
    return image_module.frombuffer("RGBA", (width, height), data, "raw", "RGBA", stride, 1).copy()

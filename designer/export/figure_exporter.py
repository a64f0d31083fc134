"""What the figure exporters share: the options, and turning a design into a ``Figure``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from designer.core.analysis import Analysis, analyze
from designer.core.collapsed_figure import Collapse, build_figure, collapsed_level
from designer.core.design import Design
from designer.core.figure import Figure, FigureStyle
from designer.core.fileformat import write_atomic
from designer.core.graph_geometry import card_positions, cards_extent
from designer.core.layout import Direction
from designer.core.volume_geometry import (
    DEFAULT_CAMERA,
    BlockOptions,
    Camera,
)

View = Literal["blocks", "graph"]
VIEWS: tuple[View, ...] = ("blocks", "graph")

#: The PNG scale the command line and File ▸ Export both start from (AlexNet: 1,746 px wide).
DEFAULT_PNG_SCALE = 2.0


@dataclass(frozen=True)
class ExportOptions:
    """Everything that decides how an exported figure looks."""

    view: View = "blocks"
    style: FigureStyle = field(default_factory=FigureStyle)
    blocks: BlockOptions = field(default_factory=BlockOptions)
    camera: Camera = DEFAULT_CAMERA
    direction: Direction = "LR"  # graph view
    scale: float = 1.0  # PNG: pixels per figure unit
    dpi: float | None = None  # PNG: resolution written in the file (default 96·scale)
    transparent: bool = False
    #: Which blocks are drawn as one volume/card: a level (0 = top-level blocks only), "none"
    #: (every layer), "auto" (the deepest level whose labels stay ≥ 8 px on a 1920×1080 slide),
    #: or a frozenset of group ids: exactly those collapsed (the canvas's current view).
    collapse: Collapse = "auto"


def make_figure(
    analysis: Analysis,
    options: ExportOptions,
    check_extent: Callable[[float, float], None] | None = None,
) -> Figure:
    """The figure of ``analysis`` for ``options.view``, collapsed as ``options.collapse`` says,
    with its labels placed so that none overlaps another.

    ``check_extent(width, height)`` is called, for a graph of every layer (a design without
    blocks), with the least size the figure can have once the cards are placed, before any
    edge is routed; it may raise to refuse.
    """
    title = analysis.design.name
    if check_extent is not None and options.view == "graph" and not analysis.design.groups:
        check_extent(*cards_extent(card_positions(analysis, options.direction), options.style))
    blocks = options.blocks
    if blocks.dims != options.style.dims:
        blocks = BlockOptions(**{**blocks.__dict__, "dims": options.style.dims})
    kw: dict[str, Any] = {
        "blocks": blocks,
        "camera": options.camera,
        "direction": options.direction,
        "title": title,
    }
    level = collapsed_level(analysis, options.collapse, options.view, options.style, **kw)
    return build_figure(analysis, level, options.view, options.style, **kw)


class FigureExporter(ABC):
    """Base of the figure exporters: give it a design, an analysis or a ready figure."""

    suffix = ""

    def __init__(
        self, source: Design | Analysis | Figure, options: ExportOptions | None = None
    ) -> None:
        self.options = options or ExportOptions()
        self._source = source

    def figure(self) -> Figure:
        src = self._source
        if isinstance(src, Figure):
            return src
        analysis = analyze(src) if isinstance(src, Design) else src
        return make_figure(analysis, self.options, self.check_extent)

    def check_extent(self, width: float, height: float) -> None:
        """Raise ``ValueError`` if a figure this large cannot be exported (nothing is too large here)."""
        del width, height

    @abstractmethod
    def render(self, figure: Figure) -> bytes:
        """The figure encoded in this exporter's format."""

    def export(self, path: str | Path | None = None) -> bytes:
        """The file's bytes; also written (atomically) to ``path`` when given."""
        data = self.render(self.figure())
        if path is not None:
            write_atomic(Path(path), data)
        return data

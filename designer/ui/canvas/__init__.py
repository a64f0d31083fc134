"""The layer canvas: a scene that mirrors the design, a view for zoom, pan and drops."""

from designer.ui.canvas.scene import DesignScene
from designer.ui.canvas.view import LAYER_MIME, CanvasView

__all__ = ["LAYER_MIME", "CanvasView", "DesignScene"]

"""Copy and paste of layers as a JSON fragment (readable, and pasteable between windows).

A fragment looks like a design file's ``layers`` and ``layout`` with explicit
``inputs`` on every layer::

    {"format": "cnn-designer-fragment", "version": 1,
     "layers": [{"id": "conv1", "type": "Conv2d", "inputs": ["input"], "params": {...}}],
     "layout": {"conv1": [120, 40]}}
"""

from __future__ import annotations

import atexit
import json
from collections.abc import Iterable

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

from designer.core.design import Design, DesignError, Layer, Point, check_id, normalize_params
from designer.core.registry import REGISTRY

FRAGMENT_MIME = "application/x-cnn-designer-fragment"
FRAGMENT_FORMAT = "cnn-designer-fragment"


class FragmentError(ValueError):
    """Clipboard text that is not a layer fragment (the message says what and where)."""


def fragment_text(design: Design, ids: Iterable[str]) -> str:
    chosen = set(ids)  # (once: made per layer, copying 10,000 layers took seconds)
    wanted = [i for i in design.ids if i in chosen]
    layers = []
    layout: dict[str, list[float]] = {}
    for lid in wanted:
        layer = design.layer(lid)
        layers.append(
            {
                "id": lid,
                "type": layer.type,
                "inputs": list(layer.inputs),
                "params": dict(layer.params),
            }
        )
        pos = design.position(lid)
        if pos is not None:
            layout[lid] = [pos[0], pos[1]]
    return json.dumps(
        {"format": FRAGMENT_FORMAT, "version": 1, "layers": layers, "layout": layout},
        ensure_ascii=False,
        indent=1,
    )


def parse_fragment(text: str) -> tuple[list[Layer], dict[str, Point]]:
    """Layers and positions from fragment text; raises ``FragmentError`` naming the problem."""
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise FragmentError(f"the clipboard does not hold layers (not JSON: {exc})") from None
    if not isinstance(obj, dict) or obj.get("format") != FRAGMENT_FORMAT:
        raise FragmentError("the clipboard does not hold CNN Designer layers")
    raw_layers = obj.get("layers")
    if not isinstance(raw_layers, list):
        raise FragmentError("$.layers: expected a list of layers")
    layers: list[Layer] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw_layers):
        where = f"$.layers[{n}]"
        if not isinstance(entry, dict):
            raise FragmentError(f"{where}: expected an object")
        lid, type_id = entry.get("id"), entry.get("type")
        problem = check_id(lid)
        if problem or not isinstance(lid, str):
            raise FragmentError(f"{where}.id: {problem}")
        if lid in seen:
            raise FragmentError(f"{where}.id: {lid!r} appears twice")
        if type_id not in REGISTRY:
            raise FragmentError(f"{where}.type: unknown layer type {type_id!r}")
        inputs = entry.get("inputs", [])
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            raise FragmentError(f"{where}.inputs: expected a list of layer ids")
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise FragmentError(f"{where}.params: expected an object")
        try:
            params = normalize_params(type_id, params)
        except DesignError as exc:
            raise FragmentError(f"{where}.params: {exc}") from None
        seen.add(lid)
        layers.append(Layer(lid, type_id, params, list(inputs)))
    positions: dict[str, Point] = {}
    layout = obj.get("layout", {})
    if isinstance(layout, dict):
        for lid, pos in layout.items():
            if (
                lid in seen
                and isinstance(pos, list)
                and len(pos) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos)
            ):
                positions[lid] = (float(pos[0]), float(pos[1]))
    return layers, positions


def put_on_clipboard(clipboard: QClipboard, text: str) -> None:
    mime = QMimeData()
    mime.setData(FRAGMENT_MIME, text.encode("utf-8"))
    mime.setText(text)
    clipboard.setMimeData(mime)
    _clear_at_exit()


_cleanup_registered = False


def _clear_at_exit() -> None:
    """On Qt's offscreen platform (tests, ``--screenshot``) a clipboard still holding our
    ``QMimeData`` when Python shuts down crashes the process (a segmentation fault, also
    in a bare PySide6 script). Clear it first: when the application quits, and at exit."""
    global _cleanup_registered
    if _cleanup_registered:
        return
    _cleanup_registered = True
    app = QGuiApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(_clear_offscreen_clipboard)
    atexit.register(_clear_offscreen_clipboard)


def _clear_offscreen_clipboard() -> None:
    app = QGuiApplication.instance()
    if app is not None and QGuiApplication.platformName() == "offscreen":
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None and clipboard.mimeData() is not None:
            clipboard.clear()


def clipboard_fragment(clipboard: QClipboard) -> str | None:
    """The fragment text on the clipboard (our MIME type, or plain text that looks like one)."""
    mime = clipboard.mimeData()
    if mime is None:
        return None
    if mime.hasFormat(FRAGMENT_MIME):
        return bytes(mime.data(FRAGMENT_MIME).data()).decode("utf-8", errors="replace")
    text = mime.text()
    if FRAGMENT_FORMAT in text:
        return text
    return None

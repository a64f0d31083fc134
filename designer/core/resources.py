"""Where the bundled data lives: templates, examples, the JSON Schema and the icons.

The files are kept in the top-level ``resources/`` folder of the source tree. A wheel
ships the same folder as the package ``designer.resources`` (``pyproject.toml`` maps
it with ``package-dir``), and a PyInstaller build puts it next to the ``designer``
package, so one lookup serves all three: the installed package first, then the source
tree. Everything returns plain ``pathlib.Path`` objects (wheels are installed unzipped).
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path

ICON_NAME = "cnn-designer"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


class ResourceError(FileNotFoundError):
    """A bundled resource is missing (a broken installation)."""


@cache
def resources_root() -> Path:
    """The folder that holds ``templates/``, ``examples/``, ``schema/`` and ``icons/``."""
    for candidate in _candidates():
        if any((candidate / sub).is_dir() for sub in ("templates", "schema", "icons")):
            return candidate
    tried = ", ".join(str(c) for c in _candidates())
    raise ResourceError(
        f"the CNN Designer resources folder is missing (looked in {tried}); reinstall the program"
    )


def _candidates() -> list[Path]:
    out: list[Path] = []
    spec = importlib.util.find_spec("designer.resources")
    if spec is not None and spec.submodule_search_locations:
        out.extend(Path(p) for p in spec.submodule_search_locations)
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller build
    if bundle:
        out.append(Path(bundle) / "designer" / "resources")
    out.append(Path(__file__).resolve().parents[2] / "resources")  # the source tree
    return out


def resource_path(*parts: str) -> Path:
    """``resource_path("templates", "lenet5.json")``: the path of a bundled file or folder.

    The path is returned whether or not it exists (callers list folders or report
    a missing file themselves); ``..`` and absolute parts are refused.
    """
    for part in parts:
        if Path(part).is_absolute() or ".." in Path(part).parts:
            raise ValueError(f"a resource path stays inside the resources folder (got {part!r})")
    return resources_root().joinpath(*parts)


def templates_dir() -> Path:
    return resource_path("templates")


def examples_dir() -> Path:
    return resource_path("examples")


def schema_path() -> Path:
    """The published JSON Schema of design format version 1."""
    return resource_path("schema", "cnn-designer-v1.schema.json")


def icon_path(size: int | None = None) -> Path:
    """The app icon: the SVG, or the PNG rendered at ``size`` pixels (the nearest size at least as large)."""
    if size is None:
        return resource_path("icons", f"{ICON_NAME}.svg")
    fitting = [s for s in ICON_SIZES if s >= size]
    chosen = min(fitting) if fitting else max(ICON_SIZES)
    return resource_path("icons", f"{ICON_NAME}-{chosen}.png")

"""Bundled resources: found from the source tree, and shipped inside the wheel."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from designer.core.resources import (
    ICON_SIZES,
    examples_dir,
    icon_path,
    resource_path,
    resources_root,
    schema_path,
    templates_dir,
)

ROOT = Path(__file__).resolve().parents[2]


def test_lookups_point_at_real_files() -> None:
    assert any(templates_dir().glob("*.json"))
    assert any(examples_dir().glob("*.json"))
    assert schema_path().is_file()
    assert icon_path().is_file() and icon_path().suffix == ".svg"
    for size in ICON_SIZES:
        assert icon_path(size).is_file()
    assert icon_path(20) == icon_path(24)
    assert icon_path(4096) == icon_path(512)
    assert resource_path("templates") == templates_dir()


def test_resource_paths_stay_inside() -> None:
    for bad in ("../setup.py", "/etc/passwd"):
        with pytest.raises(ValueError):
            resource_path(bad)


def test_png_icons_have_their_size() -> None:
    import struct

    for size in ICON_SIZES:
        data = icon_path(size).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)


def test_the_wheel_contains_templates_schema_and_icons(tmp_path: Path) -> None:
    """Build the wheel from a copy of the tree (so builds never collide) and list it."""
    src = tmp_path / "src"
    src.mkdir()
    for name in (
        "pyproject.toml",
        "setup.py",
        "README.md",
        "LICENSE",
        "MANIFEST.in",
        "docs/arithmetic.md",
    ):
        if (ROOT / name).exists():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "designer", src / "designer", ignore=ignore)
    shutil.copytree(ROOT / "resources", src / "resources", ignore=ignore)
    out = tmp_path / "wheel"
    # Build in this environment when its setuptools can make wheels (fast, offline): setuptools
    # ≥ 70.1 has bdist_wheel built in, older ones need the wheel package. Else pip's isolated build.
    isolation = ["--no-build-isolation"] if _can_build_wheels_here() else []
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            *isolation,
            "-q",
            "-w",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = out.glob("cnn_designer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        "designer/resources/" + p.relative_to(resources_root()).as_posix()
        for p in resources_root().rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped - names == set(), f"missing from the wheel: {sorted(shipped - names)[:10]}"
    assert "designer/resources/schema/cnn-designer-v1.schema.json" in names
    assert "designer/resources/icons/cnn-designer.svg" in names
    assert any(n.startswith("designer/resources/templates/") for n in names)
    assert "designer/core/resources.py" in names
    # Help ▸ Arithmetic Reference works from an installed wheel (was: "missing from this installation").
    assert "designer/resources/docs/arithmetic.md" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    assert (
        "License-Expression: MIT"
        in zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        .decode()
    )
    assert "BuildBackendWarning" not in result.stderr and "license" not in result.stderr.lower()


def _can_build_wheels_here() -> bool:
    if importlib.util.find_spec("setuptools") is None:
        return False
    if importlib.util.find_spec("wheel") is not None:
        return True
    import setuptools

    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1)

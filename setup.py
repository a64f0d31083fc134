"""Package layout that pyproject.toml cannot express: ship ``resources/`` as ``designer.resources``.

Everything else (metadata, dependencies, entry points) lives in ``pyproject.toml``.
The data folders are listed as packages so setuptools copies them without
deprecation warnings; ``designer.core.resources`` finds them at run time.
"""

import os

from setuptools import find_packages, setup


def resource_packages() -> list[str]:
    names = ["designer.resources"]
    for folder, dirs, _files in os.walk("resources"):
        dirs[:] = sorted(d for d in dirs if d.isidentifier())
        rel = os.path.relpath(folder, "resources")
        if rel != ".":
            names.append("designer.resources." + rel.replace(os.sep, "."))
    return names


RESOURCES = resource_packages()

setup(
    packages=[*find_packages(include=["designer", "designer.*"]), *RESOURCES],
    package_dir={"designer.resources": "resources"},
    package_data={name: ["*"] for name in RESOURCES},
)

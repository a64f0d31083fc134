"""Package layout that pyproject.toml cannot express: ship ``resources/`` as ``designer.resources``.

Everything else (metadata, dependencies, entry points) lives in ``pyproject.toml``.
The data folders are listed as packages so setuptools copies them without
deprecation warnings; ``designer.core.resources`` finds them at run time. The docs the
app shows (``SHIPPED_DOCS``) are copied in as ``designer/resources/docs/``.
"""

import os
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

# Documentation the app shows (Help ▸ Arithmetic Reference) ships inside the package as
# designer/resources/docs/; the source tree keeps the one copy, in docs/.
SHIPPED_DOCS = ("arithmetic.md",)


class BuildPyWithDocs(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib, "designer", "resources", "docs")
        for name in SHIPPED_DOCS:
            source = Path("docs", name)
            if source.is_file():
                target.mkdir(parents=True, exist_ok=True)
                self.copy_file(str(source), str(target / name))


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
    cmdclass={"build_py": BuildPyWithDocs},
)

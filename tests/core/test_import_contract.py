"""designer.core must never import Qt (or any UI code)."""

import subprocess
import sys


def test_core_imports_no_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, designer.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'designer.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'OpenGL')"
        " or n.startswith('designer.ui')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"designer.core pulled in: {out.stdout.strip()}"

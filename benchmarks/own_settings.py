"""Settings of a benchmark's own: a window a benchmark opens and closes (with docks hidden, at
its own size) saves its layout, which must not become the user's next layout, or another
benchmark's starting point."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile


def use_own_settings(prefix: str) -> None:
    """Point the app at a settings file in a folder of this process's own, removed at exit
    (``CNN_DESIGNER_SETTINGS``; left as it is if the caller set it)."""
    if "CNN_DESIGNER_SETTINGS" in os.environ:
        return
    folder = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["CNN_DESIGNER_SETTINGS"] = os.path.join(folder, "settings.ini")

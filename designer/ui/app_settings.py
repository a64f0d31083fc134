"""Where the app keeps its settings (window layout, recent files) and its recovery files.

Both places can be redirected with environment variables, which the tests use so
that they never touch the user's own settings:

``CNN_DESIGNER_SETTINGS``  path of an INI file to use instead of the user's settings
``CNN_DESIGNER_DATA_DIR``  folder for per-user data (autosave recovery files)
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ORGANIZATION = "cnn-designer"
APPLICATION = "CNN Designer"
MAX_RECENT = 10


def app_settings() -> QSettings:
    override = os.environ.get("CNN_DESIGNER_SETTINGS")
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def data_dir() -> Path:
    override = os.environ.get("CNN_DESIGNER_DATA_DIR")
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(location) if location else Path.home() / ".local" / "share" / "cnn-designer"


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recent_files", [])
    if isinstance(value, str):
        return [value] if value else []
    if not isinstance(value, list | tuple):
        return []
    return [str(v) for v in value if v]


def add_recent_file(settings: QSettings, path: str | Path) -> list[str]:
    entry = str(Path(path).resolve())
    files = [entry] + [f for f in recent_files(settings) if f != entry]
    files = files[:MAX_RECENT]
    settings.setValue("recent_files", files)
    return files


def remove_recent_file(settings: QSettings, path: str | Path) -> list[str]:
    entry = str(Path(path).resolve())
    files = [f for f in recent_files(settings) if f != entry]
    settings.setValue("recent_files", files)
    return files

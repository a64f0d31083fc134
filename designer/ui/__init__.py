"""The desktop app (PySide6). Importing it guards against a PySide6 reference-count bug
(see ``designer.ui.pyside_compat``) before any widget is made."""

from designer.ui.pyside_compat import protect_none

protect_none()

"""The desktop app (PySide6 + pyqtgraph): main window, canvas, inspector, panels, 3D view."""

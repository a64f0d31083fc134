"""Run in a subprocess by test_first_run.py: the app opened on a design, then File ▸ Quit."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> int:
    from designer.ui.app import create_app, run_app
    from designer.ui.main_window import MainWindow

    create_app()  # the timer below needs the application

    def quit_soon() -> None:
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        window.quit_action.trigger()

    QTimer.singleShot(800, quit_soon)
    args = argparse.Namespace(file=sys.argv[1], screenshot=None, size="1600x1000")
    return run_app(args)


if __name__ == "__main__":
    code = main()
    print("run_app returned", flush=True)  # only with CNN_DESIGNER_SLOW_EXIT
    sys.exit(code)

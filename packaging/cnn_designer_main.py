"""Entry point of the PyInstaller build: the same ``main`` as the ``cnn-designer`` command."""

import sys

from designer.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""The code dialogs: time to open File ▸ Export ▸ PyTorch Code… (generate + highlight + lay out)
per template, and to list the classes of a large Python file with ``ast`` (Import Model…).

Prints milliseconds (best of N); asserts nothing. Runs offscreen.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.convert.python_source import list_candidates  # noqa: E402
from designer.core.fileformat import load_design  # noqa: E402
from designer.ui.code_dialogs import CodePreviewDialog  # noqa: E402


def best_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> int:
    app = QApplication.instance() or QApplication([])
    print(f"{'code preview (open + paint)':34} {'lines':>6} {'ms':>8}")
    for path in sorted((ROOT / "resources" / "templates").glob("*.json")):
        design = load_design(path)

        def open_preview(design=design) -> int:
            dialog = CodePreviewDialog(design)
            dialog.show()
            app.processEvents()
            dialog.editor.viewport().grab()  # the highlighted, visible text is painted
            lines = dialog.code.count("\n")
            dialog.close()
            dialog.deleteLater()
            return lines

        lines = open_preview()
        print(f"  {path.stem:32} {lines:>6} {best_ms(open_preview):>8.1f}")

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "many_models.py"
        blocks = [
            f'class Net{i}(nn.Module):\n    """Model {i}."""\n\n    def __init__(self, width={i}, depth=2):\n'
            f"        super().__init__()\n        self.conv = nn.Conv2d(3, width, 3)\n\n"
            f"    def forward(self, x):\n        return self.conv(x)\n\n\ndef make_net{i}():\n    return Net{i}()\n"
            for i in range(2000)
        ]
        big.write_text("from torch import nn\n\n\n" + "\n\n".join(blocks), encoding="utf-8")
        n_lines = big.read_text(encoding="utf-8").count("\n")
        found = len(list_candidates(big))
        print(
            f"list_candidates, {n_lines:,} lines, {found:,} candidates: {best_ms(lambda: list_candidates(big)):.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

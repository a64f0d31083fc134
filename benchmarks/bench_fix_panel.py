"""How long showing a problem holds the GUI thread, and how long its fixes take to arrive.

The problems panel searches fixes on a worker thread (``designer/ui/panels/fix_finder.py``)
and waits for them 30 ms at most; the target is that selecting a problem never blocks
the GUI thread for more than 50 ms, whatever the size of the design.

    python benchmarks/bench_fix_panel.py [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_graph_export import resnet_chain
from designer.core.design import Design
from designer.core.fileformat import load_design
from designer.core.resources import templates_dir


def broken(design: Design, layer: str) -> Design:
    design.set_param(layer, "stride", 3)  # a non-whole output: a problem with fixes
    return design


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from designer.ui.document import Document
    from designer.ui.panels.diagnostics_panel import DiagnosticsPanel

    app = QApplication.instance() or QApplication([])
    cases = {
        "resnet50": broken(load_design(templates_dir() / "resnet50.json"), "conv1"),
        "chain_2000": broken(resnet_chain(2000), "l0"),
        "chain_10000": broken(resnet_chain(10_000), "l0"),
    }
    results: dict[str, dict[str, float]] = {}
    print(f"{'design':<12} {'GUI thread':>11} {'fixes after':>12}   (target: GUI thread ≤ 50 ms)")
    for name, design in cases.items():
        doc = Document(design)
        panel = DiagnosticsPanel(doc)
        diag = next(d for d in doc.analysis.diagnostics() if d.code == "non_integer_output")
        t = time.perf_counter()
        panel.select_diagnostic(diag.code, diag.layer)
        blocked = time.perf_counter() - t
        while not panel.fix_buttons and time.perf_counter() - t < 120:
            app.processEvents()
            time.sleep(0.002)
        arrived = time.perf_counter() - t
        results[f"select_problem_gui_thread_{name}"] = {"median_ms": blocked * 1000}
        results[f"select_problem_fixes_ready_{name}"] = {"median_ms": arrived * 1000}
        print(f"{name:<12} {blocked * 1000:>8.1f} ms {arrived * 1000:>9.0f} ms")
        panel.deleteLater()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

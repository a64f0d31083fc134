"""How long the issue-5 panels take to follow one edit (prints numbers; asserts nothing).

Opens ResNet-50, builds the table, the charts and the diagnostics panel, then changes
one kernel size and measures: the synchronous update (table rows, totals, bars, the
problem list) and the deferred part of the diagnostics panel (explanation, fix
suggestions and the four-semantics comparison, run by ``flush``).
Run: QT_QPA_PLATFORM=offscreen python benchmarks/panels_update.py
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from designer.core.fileformat import load_design
from designer.core.resources import templates_dir
from designer.ui.document import Document
from designer.ui.panels.diagnostics_panel import DiagnosticsPanel
from designer.ui.panels.layer_charts import LayerChartsPanel
from designer.ui.panels.layer_table import LayerTablePanel


def main() -> None:
    app = QApplication.instance() or QApplication([])
    doc = Document(load_design(templates_dir() / "resnet50.json"))
    t0 = time.perf_counter()
    table = LayerTablePanel(
        doc, QSettings("/tmp/cnn-designer-bench.ini", QSettings.Format.IniFormat)
    )
    charts = LayerChartsPanel(doc)
    charts.set_weighted_only(False)
    panel = DiagnosticsPanel(doc)
    for w in (table, charts, panel):
        w.resize(1200, 700)
        w.show()
    app.processEvents()
    print(
        f"ResNet-50 ({len(doc.design)} layers): panels built and shown in {(time.perf_counter() - t0) * 1e3:.0f} ms"
    )
    layer = next(
        lid for lid in doc.design.ids if doc.design.layer(lid).type == "Conv2d" and lid != "conv1"
    )
    doc.select([layer])
    panel.flush()
    sync, deferred = [], []
    for n in range(10):
        t = time.perf_counter()
        doc.set_param(layer, "kernel_size", 3 if n % 2 else 1)
        doc.close_edit()
        app.processEvents()
        sync.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        panel.flush()
        app.processEvents()
        deferred.append((time.perf_counter() - t) * 1e3)
    print(
        f"edit {layer}.kernel_size → table + charts + problem list: median {statistics.median(sync):.1f} ms"
    )
    print(
        f"deferred explanation + fixes + semantics comparison: median {statistics.median(deferred):.1f} ms"
    )
    print(f"table full resets during the edits: {table.model.reset_count}")
    for w in (table, charts, panel):
        w.close()


if __name__ == "__main__":
    main()

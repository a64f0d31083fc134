"""Screenshots of large networks opened in the app, shown as blocks (``docs/images/blocks/*.png``).

    xvfb-run -a -s "-screen 0 1920x1200x24" python tools/make_block_screenshots.py [--out DIR]

Opens ResNet-50 and EfficientNet-B0 (the templates), and GoogLeNet and MobileNetV2 (imported from torchvision
with the app's own PyTorch importer; skipped without torch/torchvision) in the real
``MainWindow`` at 1600×1000 and grabs the window after the event loop has settled: the
overview the design opens with, a stage opened by Find (Ctrl+F), every layer (Expand all,
fit to the window: the layered layout of branches), an Inception module close up, and the
exported figures.
Settings and recovery files go to a throw-away folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT_DIR = ROOT / "docs" / "images" / "blocks"
WINDOW_SIZE = (1600, 1000)


def settle(app: Any, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def imported(name: str) -> Any:
    sys.modules.setdefault(
        "torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations")
    )
    try:
        import torchvision
    except ImportError:
        return None
    from designer.convert.from_torch import from_torch

    kwargs: dict[str, Any] = (
        {"aux_logits": False, "init_weights": False} if name == "googlenet" else {}
    )
    design = from_torch(getattr(torchvision.models, name)(**kwargs).eval(), (3, 224, 224))
    design.set_name({"googlenet": "GoogLeNet", "mobilenet_v2": "MobileNetV2"}.get(name, name))
    return design


def grab(window: Any, app: Any, path: Path) -> None:
    settle(app)
    pixmap = window.grab()  # (the 3D view's frame and labels included: it is drawn as an image)
    pixmap.save(str(path))
    print(f"wrote {path}")


def expanded(window: Any, app: Any, path: Path) -> None:
    """Every layer of the design on the canvas (Expand all), fitted to the window."""
    window.view.design_scene.grouping.expand_all()
    settle(app)
    window.view.fit_to_view()
    grab(window, app, path)


def close_up(window: Any, app: Any, prefix: str, path: Path) -> None:
    """The cards whose ids start with ``prefix`` (one block, every layer) filling the canvas."""
    from PySide6.QtCore import QRectF, Qt

    view = window.view
    view.design_scene.grouping.expand_all()
    settle(app)
    rect = QRectF()
    for lid, card in view.design_scene.cards.items():
        if lid.startswith(prefix):
            rect = rect.united(card.sceneBoundingRect())
    view.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
    view.zoom_changed.emit(view.zoom)  # the status bar's zoom
    grab(window, app, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="cnn-designer-shots-"))
    os.environ["CNN_DESIGNER_SETTINGS"] = str(scratch / "settings.ini")
    os.environ["CNN_DESIGNER_DATA_DIR"] = str(scratch / "data")

    from PySide6.QtWidgets import QApplication

    from designer.core.analysis import analyze
    from designer.core.fileformat import load_design
    from designer.core.resources import templates_dir
    from designer.export.figure_exporter import ExportOptions
    from designer.export.png_exporter import PngExporter
    from designer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    settle(app)

    resnet50 = load_design(templates_dir() / "resnet50.json")
    window.load_design(resnet50, None)
    grab(window, app, args.out / "resnet50-overview.png")
    window.view.find_bar.open_bar()
    window.view.find_bar.field.setText("layer3.0.conv2")
    window.view.find_bar.go(0)
    grab(window, app, args.out / "resnet50-stage3-find.png")
    window.view.find_bar.close_bar()
    expanded(window, app, args.out / "resnet50-expanded.png")

    nets = [("resnet50", resnet50)]
    efficientnet = templates_dir() / "efficientnet_b0.json"
    if (
        efficientnet.exists()
    ):  # the template, as torchvision builds it (MBConv blocks with SE gates)
        design = load_design(efficientnet)
        window.load_design(design, None)
        grab(window, app, args.out / "efficientnet_b0-overview.png")
        expanded(window, app, args.out / "efficientnet_b0-expanded.png")
        nets.append(("efficientnet_b0", design))
    for name in ("googlenet", "mobilenet_v2"):
        design = imported(name)
        if design is None:
            print(f"skipped {name}: torch/torchvision are not installed")
            continue
        window.load_design(design, None)
        grab(window, app, args.out / f"{name}-overview.png")
        if name == "googlenet":
            expanded(window, app, args.out / "googlenet-expanded.png")
            close_up(window, app, "inception4b.", args.out / "googlenet-inception-module.png")
        nets.append((name, design))
    for name, design in nets:
        analysis = analyze(design)
        for view in ("blocks", "graph"):
            path = args.out / f"{name}-{view}-figure.png"
            PngExporter(analysis, ExportOptions(view=view, scale=1.0)).export(path)  # type: ignore[arg-type]
            print(f"wrote {path}")
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Regenerate the user guide's screenshots (``docs/images/guide/*.png``) from the app itself.

    python tools/make_screenshots.py            # or: make screenshots
    python tools/make_screenshots.py --only 04-alexnet-224 --out /tmp/shots

Drives the real ``MainWindow`` through the tutorial's edits (``tools/tutorial_designs.py``:
the palette's append, inspector values, port connections, fix buttons) and grabs the
window or one dock after the event loop has settled. The window has a fixed size and
uses a throw-away settings file and recovery folder, so the user's own settings and
recent files are never touched.

The 3D view needs OpenGL: without a display the script re-runs itself under
``xvfb-run`` with ``QT_QPA_PLATFORM=xcb``. Where neither a display nor xvfb-run is
available it falls back to the offscreen platform and says so; the 3D dock then shows
its plain "no OpenGL" message in the pictures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

import tutorial_designs as tut  # noqa: E402

OUT_DIR = ROOT / "docs" / "images" / "guide"
WINDOW_SIZE = (1600, 1000)
_CHILD_FLAG = "CNN_DESIGNER_SCREENSHOTS_CHILD"


@dataclass(frozen=True)
class Shot:
    name: str  # file stem in docs/images/guide/
    caption: str  # what the picture must show (checked by eye after each run)


SHOTS: tuple[Shot, ...] = (
    Shot("01-empty-window", "an empty design: the palette on the left, the canvas, the inspector"),
    Shot(
        "02-lenet-building",
        "LeNet-5 half built: Input, Conv2d, Tanh, AvgPool2d; avgpool1 (14×14×6) selected",
    ),
    Shot(
        "03-lenet-done", "the finished LeNet-5; the inspector on conv2 (10×10×16, 2,416 parameters)"
    ),
    Shot(
        "04-alexnet-224",
        "AlexNet, 224 input: conv1 54×54×96; its warning selected in the panel, explanation, fixes",
    ),
    Shot(
        "05-alexnet-227",
        "after fix 1: input 227×227×3, no warnings; the panel explains why conv1 is 55×55×96",
    ),
    Shot(
        "06-residual-mismatch",
        "the residual block: add1's error selected in the panel, with the projection fix",
    ),
    Shot(
        "07-residual-fixed",
        "after the projection fix: conv4 (1×1, stride 2) + bn4 on the shortcut, add1 16×16×32",
    ),
    Shot(
        "08-volumes", "the 3D Volumes dock: AlexNet (227) as shaded blocks with kernels and labels"
    ),
    Shot(
        "09-export-dialog",
        "File ▸ Export ▸ Figure: options on the left, live preview of the block figure",
    ),
    Shot(
        "10-layer-table",
        "VGG-16 in the Layer Table: shapes, params, MACs, activations per layer; conv3_3 selected",
    ),
    Shot(
        "11-charts",
        "VGG-16 in the Charts tab: params, MACs and activation memory per layer with weights",
    ),
    Shot(
        "12-window-alexnet-224",
        "AlexNet at 224: the Window tab on conv1, last window, unread row and column in red (447)",
    ),
    Shot(
        "13-window-same-stride2", "Keras 'same' 3×3 stride 2 on 8×8: padding only after, 4×4 output"
    ),
    Shot("14-window-dilated", "3×3 dilation 2 on 9×9: taps with gaps, 5×5 output"),
    Shot(
        "15-window-ceil-pool",
        "MaxPool2d 3×3/2 ceil_mode on 8×8: the last window hangs past the edge",
    ),
    Shot(
        "16-window-transposed",
        "ConvTranspose2d 3×3/2, padding 1, output_padding 1: zeros inserted, 4×4 → 8×8",
    ),
)


def output_names() -> list[str]:
    """The PNG file names this script writes (the docs reference exactly these)."""
    return [f"{shot.name}.png" for shot in SHOTS]


# ----------------------------------------------------------------- platform


def _reexec_under_xvfb(argv: Sequence[str]) -> int | None:
    """Run this script again under xvfb-run when there is no display; None to carry on here."""
    if (
        os.environ.get(_CHILD_FLAG)
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        return None
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        print(
            "note: no display and no xvfb-run: rendering offscreen; the 3D view will show its "
            "'OpenGL not available' message",
            file=sys.stderr,
        )
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return None
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", **{_CHILD_FLAG: "1"})
    cmd = [
        xvfb,
        "-a",
        "-s",
        "-screen 0 1920x1200x24",
        sys.executable,
        str(Path(__file__).resolve()),
        *argv,
    ]
    return subprocess.call(cmd, env=env)


# ------------------------------------------------------------------ driving


class Studio:
    """One main window at a time, a fixed size, and helpers to replay steps and grab pictures."""

    def __init__(self, out_dir: Path, scratch: Path) -> None:
        from designer.ui.app import create_app

        self.out_dir = out_dir
        self.scratch = scratch
        self.app = create_app([sys.argv[0]])
        self.window: Any = None
        self.written: list[Path] = []

    # -- window

    def new_window(self) -> Any:
        """The main window showing a blank design (File ▸ New ▸ Blank).

        One window serves every lesson: pyqtgraph caches its OpenGL shader programs, and a
        second window's fresh GL context cannot use them once the first is gone."""
        from PySide6.QtCore import QSettings

        from designer.core.design import Design
        from designer.ui.main_window import MainWindow

        if self.window is None:
            settings = QSettings(str(self.scratch / "settings.ini"), QSettings.Format.IniFormat)
            settings.clear()
            window = MainWindow(settings=settings)
            window.resize(*WINDOW_SIZE)
            window.show()
            self.window = window
        self.window.load_design(Design("Untitled"), None)
        self.settle()
        return self.window

    def close_window(self) -> None:
        if self.window is not None:
            self.window.document.undo_stack.setClean()  # no "save changes?" question
            self.window.close()
            self.window.deleteLater()
            self.window = None
            self.settle()

    def settle(self, rounds: int = 6) -> None:
        for _ in range(rounds):
            self.app.processEvents()
            time.sleep(0.02)
        self.app.processEvents()

    # -- edits, as the user makes them

    def replay(self, steps: Sequence[tut.Step]) -> None:
        for step in steps:
            self.apply(step)
            self.settle(1)

    def apply(self, step: tut.Step) -> None:
        window = self.window
        doc = window.document
        if isinstance(step, tut.Append):
            if step.after is not None:
                doc.select([step.after])
            if step.type_id == "Input":
                doc.select([])
            window.add_layer_from_palette(step.type_id)  # palette double-click
            layer_id = doc.current
            for name, value in step.params.items():
                self._type_into_inspector(layer_id, name, value)
        elif isinstance(step, tut.SetParam):
            doc.select([step.layer])
            self._type_into_inspector(step.layer, step.name, step.value)
        elif isinstance(step, tut.InsertOnEdge):
            window.scene.handle_drop(
                step.type_id, self._edge_middle(step.source, step.target)
            )  # the drop
            layer_id = doc.current
            target = doc.design.layer(step.target)
            if layer_id is None or target.inputs.count(layer_id) != 1:
                raise RuntimeError(
                    f"dropping {step.type_id} on {step.source} → {step.target} did not insert it"
                )
            for name, value in step.params.items():
                self._type_into_inspector(layer_id, name, value)
        elif isinstance(step, tut.Connect):
            if not window.scene.connect_layers(step.source, step.target):  # the port drag
                raise RuntimeError(f"could not connect {step.source} → {step.target}")
        else:
            self.apply_fix(step)

    def _edge_middle(self, source: str, target: str) -> Any:
        """A scene point on the connection ``source → target`` where a drop lands on that connection
        (not on a card it passes)."""
        scene = self.window.scene
        edge = next((e for e in scene.items() if getattr(e, "key", None) == (source, target)), None)
        if edge is None:
            raise RuntimeError(f"no connection {source} → {target} on the canvas")
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            point = edge.mapToScene(edge.path().pointAtPercent(t))
            if scene.drop_target_at(point) is edge:
                return point
        raise RuntimeError(f"every point of {source} → {target} lies under a card")

    def _type_into_inspector(self, layer_id: str, name: str, value: Any) -> None:
        """Set the value in the inspector's editor for ``name`` (what typing there does)."""
        doc = self.window.document
        inspector = self.window.inspector
        if inspector.layer_id != layer_id:
            doc.select([layer_id])
            self.settle(1)
        editor = inspector.editors.get(name)
        if editor is None:
            raise RuntimeError(f"the inspector has no editor for {name!r} on {layer_id}")
        editor.set_value(value)
        editor.edited.emit(editor.value())
        doc.close_edit()
        got = doc.design.layer(layer_id).value(name)
        spec = doc.design.layer(layer_id)
        from designer.core.registry import layer_type

        wanted = layer_type(spec.type).spec(name).normalize(value)  # type: ignore[union-attr]
        if got != wanted:
            raise RuntimeError(f"typing {value!r} into {layer_id}.{name} gave {got!r}")

    def apply_fix(self, step: tut.ApplyFix) -> None:
        """Select the problem in the Problems & Explanations panel and press the fix's button."""
        doc = self.window.document
        fix = tut.find_fix(doc.design, step)
        panel = self.window.diagnostics_panel
        self.select_problem(step.code, step.layer)
        for button in panel.fix_buttons:
            if button.toolTip().split("\n")[0] == fix.label:
                button.click()
                self.settle()
                return
        shown = [b.toolTip().split("\n")[0] for b in panel.fix_buttons]
        raise RuntimeError(f"no button for {fix.label!r} in the panel (it shows {shown})")

    def select_problem(self, code: str, layer: str) -> None:
        """Bring the Problems & Explanations tab forward and select a problem in its list."""
        self.raise_dock("diagnostics")
        panel = self.window.diagnostics_panel
        self.window.document.select([layer])
        self.settle()
        panel.tree.clearSelection()  # selecting the layer highlighted its problem; a click must change it
        if not panel.select_diagnostic(code, layer):
            raise RuntimeError(f"the panel does not list {code} on {layer}")
        panel.flush()
        self.settle()
        if panel.current_diagnostic() is None:
            raise RuntimeError(f"the panel did not switch to the {code} problem on {layer}")
        self.window.view.show_readable(
            layer
        )  # the panel centred the card; show the design's start again
        self.settle()

    # -- docks and framing

    def dock(self, *keywords: str) -> Any:
        for name, dock in self.window.docks.items():
            hay = f"{name} {dock.windowTitle()}".lower()
            if any(k in hay for k in keywords):
                return dock
        return None

    def dock_widget(self, *keywords: str) -> Any:
        dock = self.dock(*keywords)
        return dock.widget() if dock is not None else None

    def show_layer(self, layer_id: str | None, fit: bool = True) -> None:
        doc = self.window.document
        if layer_id is not None:
            doc.select([layer_id])
        self.settle()
        if fit:
            self.window.view.show_readable(layer_id)
        elif layer_id is not None:
            self.window.view.center_on_layer(layer_id)
        volumes = self.window.volume_view
        if getattr(volumes, "gl_widget", None) is not None:
            volumes.fit()  # the 3D view frames a design when it is opened, not while it grows
        self.settle()

    def raise_dock(self, *keywords: str) -> bool:
        dock = self.dock(*keywords)
        if dock is None:
            return False
        dock.show()
        dock.raise_()
        self.settle()
        return True

    # -- pictures

    def grab(self, name: str, widget: Any = None) -> Path:
        if name not in {s.name for s in SHOTS}:
            raise KeyError(f"{name} is not in SHOTS")
        self.window.statusBar().clearMessage()  # e.g. "Opened /home/…/alexnet_paper.json"
        self.settle()
        target = self.out_dir / f"{name}.png"
        source = widget or self.window
        pixmap = source.grab()  # (the 3D view's frame and labels included: drawn as an image)
        if pixmap.isNull() or not pixmap.save(str(target), "PNG"):
            raise OSError(f"cannot write {target}")
        self.written.append(target)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
        return target


# ------------------------------------------------------------------ lessons


def lesson_lenet(studio: Studio, wanted: Callable[[str], bool]) -> None:
    window = studio.new_window()
    if wanted("01-empty-window"):
        studio.grab("01-empty-window")
    studio.replay(tut.LENET5_STEPS[: tut.LENET5_PARTIAL])
    studio.raise_dock("inspector")
    studio.show_layer("avgpool1")
    if wanted("02-lenet-building"):
        studio.grab("02-lenet-building")
    studio.replay(tut.LENET5_STEPS[tut.LENET5_PARTIAL :])
    window.tidy_up("LR")  # View ▸ Tidy Up Left to Right (Ctrl+L)
    studio.raise_dock("inspector")
    studio.show_layer("conv2")
    if wanted("03-lenet-done"):
        studio.grab("03-lenet-done")


def lesson_alexnet(studio: Studio, wanted: Callable[[str], bool]) -> None:
    window = studio.new_window()
    window.open_file(tut.ALEXNET_TEMPLATE, ask=False)
    studio.settle()
    studio.replay(tut.ALEXNET_224_STEPS)
    studio.show_layer("conv1")
    studio.select_problem("non_integer_output", "conv1")
    if wanted("04-alexnet-224"):
        studio.grab("04-alexnet-224")
    studio.replay(tut.ALEXNET_FIX_STEPS)
    studio.raise_dock("diagnostics")
    window.document.select([])
    studio.show_layer("conv1")  # the panel now answers "Why is conv1 55×55×96?"
    if wanted("05-alexnet-227"):
        studio.grab("05-alexnet-227")
    volumes = studio.dock("volumes")
    if wanted("08-volumes"):
        from PySide6.QtCore import Qt

        statistics = studio.dock("statistics")
        height = volumes.height()
        statistics.hide()  # the user closes the table dock and drags the splitter up
        window.resizeDocks([volumes], [560], Qt.Orientation.Vertical)
        studio.show_layer("conv1", fit=False)
        studio.grab("08-volumes", volumes)
        statistics.show()
        window.resizeDocks([volumes], [height], Qt.Orientation.Vertical)
        studio.settle()
    if wanted("09-export-dialog"):
        from designer.ui.export_dialog import ExportDialog

        dialog = ExportDialog(window.document.design, window.document.analysis, window)
        dialog.resize(1100, 620)
        dialog.show()
        studio.settle(10)
        studio.grab("09-export-dialog", dialog)
        dialog.close()
        dialog.deleteLater()


def lesson_residual(studio: Studio, wanted: Callable[[str], bool]) -> None:
    window = studio.new_window()
    studio.replay(tut.RESIDUAL_STEPS)
    window.tidy_up("LR")
    studio.show_layer("add1")
    studio.select_problem("add_shape_mismatch", "add1")
    if wanted("06-residual-mismatch"):
        studio.grab("06-residual-mismatch")
    studio.replay(tut.RESIDUAL_FIX_STEPS)
    window.tidy_up("LR")
    studio.raise_dock("inspector")
    studio.show_layer("conv4")
    if wanted("07-residual-fixed"):
        studio.grab("07-residual-fixed")


def lesson_vgg(studio: Studio, wanted: Callable[[str], bool]) -> None:
    """Why deeper layers have more kernels: VGG-16's table and charts."""
    from PySide6.QtCore import Qt

    window = studio.new_window()
    window.open_file(tut.VGG16_TEMPLATE, ask=False)
    studio.settle()
    statistics = studio.dock("statistics")
    volumes = studio.dock("volumes")
    height = statistics.height()
    volumes.hide()  # room for the table: the user closes the 3D view and drags the splitter up
    window.resizeDocks([statistics], [620], Qt.Orientation.Vertical)
    studio.raise_dock("inspector")
    tabs = window.statistics_tabs
    tabs.setCurrentWidget(window.layer_table)
    studio.show_layer("conv3_3", fit=False)
    if wanted("10-layer-table"):
        studio.grab("10-layer-table", statistics)
    tabs.setCurrentWidget(window.layer_charts)
    studio.settle(10)
    if wanted("11-charts"):
        studio.grab("11-charts", statistics)
    tabs.setCurrentWidget(window.layer_table)
    volumes.show()
    window.resizeDocks([statistics], [height], Qt.Orientation.Vertical)
    studio.settle()


def _show_window(studio: Studio, layer_id: str, frame: int, width: int = 820) -> Any:
    """Select the layer, open its Window tab from the explanation's link, step to ``frame``."""
    from PySide6.QtCore import Qt

    window = studio.window
    dock = studio.dock("diagnostics")
    window.document.select([layer_id])
    studio.settle()
    panel = window.diagnostics_panel
    panel.flush()
    panel.window_requested.emit(layer_id)  # what clicking "See the window slide …" sends
    window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
    panel.splitter.setSizes([150, 2000])
    window.view.show_readable(layer_id)
    studio.settle(10)
    view = window.window_view
    view.set_frame(view.frame_count - 1 if frame == 0 else frame - 1)
    view.fit()
    studio.settle(20)
    # The panel rebuilt its fix buttons with deleteLater; outside a running event loop the old
    # ones would linger on screen until these deferred deletions run.
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    studio.settle(5)
    return dock


def lesson_windows(studio: Studio, wanted: Callable[[str], bool]) -> None:
    """The Window tab: AlexNet at 224, then the small examples of tools/tutorial_designs.py."""
    window = studio.new_window()
    bottom = [studio.dock("volumes"), studio.dock("statistics")]
    for dock in bottom:
        dock.hide()  # the user closes the bottom docks to give the right column the full height
    if wanted("12-window-alexnet-224"):
        window.open_file(tut.ALEXNET_TEMPLATE, ask=False)
        studio.settle()
        studio.replay(tut.ALEXNET_224_STEPS)
        studio.show_layer("conv1")
        _show_window(studio, "conv1", 0, width=800)
        studio.grab("12-window-alexnet-224")
    for n, example in enumerate(tut.WINDOW_EXAMPLES, start=13):
        name = f"{n}-window-{example.name}"
        if not wanted(name):
            continue
        window = studio.new_window()
        window.document.set_semantics(example.semantics)  # the Semantics control in the toolbar
        studio.replay(example.steps)
        window.tidy_up("LR")
        dock = _show_window(studio, example.layer, example.frame, width=700)
        studio.grab(name, dock)
    for dock in bottom:
        dock.show()
    studio.dock("inspector").raise_()
    window.diagnostics_panel.explanation_tabs.setCurrentIndex(0)


LESSONS = (lesson_lenet, lesson_alexnet, lesson_residual, lesson_vgg, lesson_windows)


def main(argv: Sequence[str] | None = None) -> int:
    global WINDOW_SIZE
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="write only this shot (repeatable), e.g. 04-alexnet-224",
    )
    parser.add_argument(
        "--size",
        default=f"{WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}",
        help="window size WIDTHxHEIGHT (default %(default)s), e.g. 1280x720 to check a laptop screen",
    )
    args = parser.parse_args(args_list)
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size expects WIDTHxHEIGHT, e.g. 1280x720 (got {args.size!r})")
    WINDOW_SIZE = (w, h)
    unknown = [n for n in args.only if n not in {s.name for s in SHOTS}]
    if unknown:
        parser.error(
            f"unknown shot(s) {', '.join(unknown)}; known: {', '.join(s.name for s in SHOTS)}"
        )
    code = _reexec_under_xvfb(args_list)
    if code is not None:
        return code

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cnn-designer-shots-") as scratch:
        os.environ["CNN_DESIGNER_SETTINGS"] = str(Path(scratch) / "settings.ini")
        os.environ["CNN_DESIGNER_DATA_DIR"] = str(Path(scratch) / "data")
        studio = Studio(args.out, Path(scratch))
        print(f"platform: {studio.app.platformName()}")
        only = set(args.only)

        def wanted(name: str) -> bool:
            return not only or name in only

        try:
            for lesson in LESSONS:
                lesson(studio, wanted)
        finally:
            studio.close_window()
    return 0


if __name__ == "__main__":
    sys.exit(main())

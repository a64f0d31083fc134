"""The main window: palette, canvas, inspector and the other docks, menus, files.

Every dock is created in ``_create_docks`` (with an objectName, so the layout
persists through ``saveState``); the View menu lists them. File operations go
through the document; the window only asks the user questions.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from designer.core.design import Design, DesignError
from designer.core.fileformat import FormatError
from designer.core.report import human_bytes, human_count, plural
from designer.ui import collector, theme
from designer.ui.app_settings import (
    add_recent_file,
    app_settings,
    data_dir,
    recent_files,
    remove_recent_file,
)
from designer.ui.busy import LONG_DESIGN, busy, busy_while
from designer.ui.canvas import CanvasView, DesignScene
from designer.ui.canvas.grouping import GroupCard
from designer.ui.canvas.items import EdgeItem, LayerCard, Port
from designer.ui.commands import RenameLayerCommand
from designer.ui.document import Document
from designer.ui.empty_state import EmptyState
from designer.ui.inspector import Inspector
from designer.ui.palette import LayerPalette
from designer.ui.panels.arithmetic_reference import show_arithmetic_reference
from designer.ui.panels.diagnostics_panel import DiagnosticsPanel
from designer.ui.panels.layer_charts import LayerChartsPanel
from designer.ui.panels.layer_table import LayerTablePanel
from designer.ui.panels.semantics_selector import SemanticsSelector
from designer.ui.recovery import Recovery
from designer.ui.status_text import StatusText
from designer.ui.undo_history import UndoHistoryView
from designer.ui.volume_view import VolumeView
from designer.ui.window_view import WindowView

FILE_FILTER = "CNN designs (*.json);;All files (*)"
AUTOSAVE_MS = 60_000
APPEARANCE_KEY = "view/appearance"  # "system", "light" or "dark"
STATE_VERSION = 2  # 2: the right column runs the full height (issue 14)
DEFAULT_SIZE = (1500, 940)
DEFAULT_AREAS = {
    "palette": Qt.DockWidgetArea.LeftDockWidgetArea,
    "volumes": Qt.DockWidgetArea.BottomDockWidgetArea,
    "statistics": Qt.DockWidgetArea.BottomDockWidgetArea,
}


class MainWindow(QMainWindow):
    def __init__(
        self,
        document: Document | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        collector.install()  # cycles are collected on this thread only (worker threads run)
        self.document = document or Document(parent=self)
        self.settings = settings or app_settings()
        self.recovery = Recovery(data_dir())
        self.docks: dict[str, QDockWidget] = {}

        self.scene = DesignScene(self.document, self)
        self.view = CanvasView(self.scene)
        self.setCentralWidget(self.view)
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)

        self._create_actions()
        self._create_docks()
        self._create_menus()
        self._create_status_bar()

        doc = self.document
        doc.modified_changed.connect(self._update_title)
        doc.path_changed.connect(self._update_title)
        doc.meta_changed.connect(self._update_title)
        doc.design_reset.connect(self._after_reset)
        doc.analysis_updated.connect(self._schedule_status)
        doc.selection_changed.connect(self._update_edit_actions)
        doc.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.scene.message.connect(self.show_message)
        self.scene.selectionChanged.connect(self._update_edit_actions)
        self.view.files_dropped.connect(self._open_dropped)
        self.view.explain_requested.connect(self.explain_layer)

        self.empty_state = EmptyState(self.view.viewport())
        self.empty_state.add_input_requested.connect(lambda: self.add_layer_from_palette("Input"))
        self.empty_state.template_requested.connect(lambda: self.new_design())
        self.empty_state.open_requested.connect(lambda: self.open_file())
        self.empty_state.recent_requested.connect(self._open_recent)
        doc.analysis_updated.connect(self._update_empty_state)
        doc.design_reset.connect(self._update_empty_state)
        self._update_empty_state()
        theme.notifier().changed.connect(self._on_theme)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

        # Connected last: after every view has followed a new selection (see _settle_layouts).
        doc.selection_changed.connect(self._settle_layouts)

        self.resize(*_default_size(self))
        self._restore_layout()
        self._update_title()
        self._update_status()
        self._update_edit_actions()
        self._rebuild_recent_menu()

    # ------------------------------------------------------------- actions

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | str | QKeySequence.StandardKey | None = None,
        tip: str = "",
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _create_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.new_action = self._action(
            "&New…", self.new_design, K.New, "A blank design or a classic network", "new"
        )
        self.open_action = self._action(
            "&Open…", lambda: self.open_file(), K.Open, "Open a design file", "open"
        )
        self.save_action = self._action("&Save", self.save, K.Save, "Save the design", "save")
        self.save_as_action = self._action(
            "Save &As…", self.save_as, K.SaveAs, "Save under a new name", "save_as"
        )
        self.revert_action = self._action(
            "&Revert", self.revert, None, "Reload the file, dropping changes", "revert"
        )
        self.export_action = self._action(
            "&Figure (PNG/SVG)…", self.export, "Ctrl+E", "Export a figure", "export"
        )
        self.export_action.setEnabled(
            importlib.util.find_spec("designer.ui.export_dialog") is not None
        )
        self.export_code_action = self._action(
            "&PyTorch Code…",
            self.export_pytorch_code,
            None,
            "A PyTorch nn.Module that builds this design",
            "export_pytorch",
        )
        self.export_keras_action = self._action(
            "&Keras Code…",
            self.export_keras_code,
            None,
            "A keras.Model (channels last) that builds this design",
            "export_keras",
        )
        self.export_onnx_action = self._action(
            "&ONNX Graph…",
            self.export_onnx,
            None,
            "An ONNX file of this design (zero weights), for Netron",
            "export_onnx",
        )
        self.export_onnx_action.setEnabled(importlib.util.find_spec("onnx") is not None)
        if not self.export_onnx_action.isEnabled():
            self.export_onnx_action.setStatusTip("Needs the onnx package: pip install onnx")
        self.import_model_action = self._action(
            "&Import Model…",
            self.import_model,
            None,
            "A design from a PyTorch or Keras .py file, a saved Keras model "
            "(.keras, .h5) or an ONNX model",
            "import_model",
        )
        self.quit_action = self._action("&Quit", self.close, K.Quit, "Quit CNN Designer", "quit")

        stack = self.document.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(K.Undo)
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(redo_shortcuts())
        # Through the document, so that the views follow an edit of several steps once (the
        # actions keep their text and enabled state from the stack).
        for action, run in ((self.undo_action, self._undo), (self.redo_action, self._redo)):
            action.triggered.disconnect()
            action.triggered.connect(run)
        self.addActions([self.undo_action, self.redo_action])

        clip = QGuiApplication.clipboard
        self.cut_action = self._action(
            "Cu&t",
            self._long("Cutting", lambda: self.scene.cut_selection(clip())),
            K.Cut,
            name="cut",
        )
        self.copy_action = self._action(
            "&Copy",
            self._long("Copying", lambda: self.scene.copy_selection(clip())),
            K.Copy,
            name="copy",
        )
        self.paste_action = self._action(
            "&Paste", self._long("Pasting", lambda: self.scene.paste(clip())), K.Paste, name="paste"
        )
        self.duplicate_action = self._action(
            "D&uplicate",
            self._long("Duplicating", self.scene.duplicate_selection),
            "Ctrl+D",
            name="duplicate",
        )
        self.delete_action = self._action(
            "&Delete",
            self._long("Deleting", self.scene.delete_selection),
            QKeySequence(Qt.Key.Key_Delete),
            "Delete the selected layers or connections",
            "delete",
        )
        self.delete_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)]
        )
        self.rename_action = self._action(
            "Re&name Layer",
            lambda: self.view.start_rename(self.document.current),
            "F2",
            name="rename",
        )
        self.select_all_action = self._action(
            "Select &All",
            self._long("Selecting", self.scene.select_all),
            K.SelectAll,
            name="select_all",
        )
        for action in (
            self.cut_action,
            self.copy_action,
            self.paste_action,
            self.duplicate_action,
            self.delete_action,
            self.rename_action,
            self.select_all_action,
        ):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.view.addAction(action)

        self.zoom_in_action = self._action("Zoom &In", self.view.zoom_in, "Ctrl++", name="zoom_in")
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.zoom_out_action = self._action(
            "Zoom &Out", self.view.zoom_out, "Ctrl+-", name="zoom_out"
        )
        self.fit_action = self._action("&Fit to View", self.view.fit_to_view, "Ctrl+0", name="fit")
        self.fit_action.setShortcuts([QKeySequence("Ctrl+0"), QKeySequence("F")])
        self.fit_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.view.addAction(self.fit_action)
        self.tidy_lr_action = self._action(
            "Tidy Up &Left to Right",
            self._long("Tidying up", lambda: self.tidy_up("LR")),
            "Ctrl+L",
            name="tidy_lr",
        )
        self.tidy_tb_action = self._action(
            "Tidy Up &Top to Bottom",
            self._long("Tidying up", lambda: self.tidy_up("TB")),
            "Ctrl+Shift+L",
            name="tidy_tb",
        )
        self._create_group_actions()

    def _create_group_actions(self) -> None:
        """Blocks: group / ungroup (undoable edits), collapse / expand (view state), find."""
        grouping = self.scene.grouping
        self.group_action = self._action(
            "&Group Selection",
            self._long("Grouping", self.scene.group_selection),
            "Ctrl+G",
            "Make the selected layers (or blocks) one block",
            "group",
        )
        self.ungroup_action = self._action(
            "&Ungroup",
            self._long("Ungrouping", self.scene.ungroup),
            "Ctrl+Shift+G",
            "Dissolve the selected block (or the block of the current layer)",
            "ungroup",
        )
        self.collapse_all_action = self._action(
            "&Collapse All Blocks",
            self._long("Collapsing every block", grouping.collapse_all),
            "Ctrl+Alt+-",
            "Show every top-level block as one card",
            "collapse_all",
        )
        self.expand_all_action = self._action(
            "&Expand All Blocks",
            self._long("Expanding every block", grouping.expand_all),
            "Ctrl+Alt+=",
            "Show every layer",
            "expand_all",
        )
        self.find_action = self._action(
            "&Find Layer or Block…",
            self.view.find_bar.open_bar,
            QKeySequence.StandardKey.Find,
            "Find a layer or block by id, label or type and go to it",
            "find",
        )
        for action in (self.group_action, self.ungroup_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.view.addAction(action)

    def _fill_level_menu(self) -> None:
        menu = self.level_menu
        menu.clear()
        grouping = self.scene.grouping
        levels = grouping.levels()
        if levels == 0:
            menu.addAction("This design has no blocks (select layers and press Ctrl+G)").setEnabled(
                False
            )
            return
        for level in range(levels + 1):
            text = (
                "Top-level blocks only"
                if level == 0
                else ("Every layer" if level == levels else f"Level {level}")
            )
            action = menu.addAction(
                f"&{level}  {text}",
                self._long("Expanding blocks", partial(grouping.expand_to_level, level)),
            )
            action.setObjectName(f"expand_to_level_{level}")

    def _create_docks(self) -> None:
        """Every dock of the window. Add new ones here: one ``_add_dock`` call each, and place it
        in ``_arrange_docks`` (which View ▸ Reset Layout runs again)."""
        self.layer_palette = LayerPalette()
        self.layer_palette.layer_requested.connect(self.add_layer_from_palette)
        self._add_dock(
            "palette", "Layers", self.layer_palette, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.inspector = Inspector(self.document)
        self.inspector.problem_requested.connect(self.show_problem)
        self._add_dock(
            "inspector", "Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.diagnostics_panel = DiagnosticsPanel(self.document)
        self.diagnostics_panel.layer_activated.connect(self.view.center_on_layer)
        self._add_dock(
            "diagnostics",
            "Problems && Explanations",
            self.diagnostics_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.window_view = WindowView(self.document)  # issue 17: a tab beside the explanation
        self.diagnostics_panel.add_explanation_tab(self.window_view, "Window")
        self.diagnostics_panel.window_requested.connect(self.show_window_view)
        self.undo_view = UndoHistoryView(self.document)
        self._add_dock(
            "undo_history", "Undo History", self.undo_view, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.volume_view = VolumeView()
        self.volume_view.set_analysis(self.document.analysis)
        self.volume_view.layer_clicked.connect(lambda lid: self.document.select([lid]))
        self.document.layer_renamed.connect(self.volume_view.renamed)
        self.document.design_reset.connect(
            lambda: self.volume_view.set_analysis(self.document.analysis)
        )
        self.document.selection_changed.connect(
            lambda _ids: self.volume_view.set_selected(self.document.current)
        )
        self.volume_view.set_collapsed(self.scene.grouping.collapsed)
        self.scene.grouping.changed.connect(
            lambda: self.volume_view.set_collapsed(self.scene.grouping.collapsed)
        )
        self._add_dock(
            "volumes", "3D Volumes", self.volume_view, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # Issue 5: the layer table and the charts, as tabs of one dock beside the 3D view. (A second
        # group of tabified docks would trip a Qt 6.11 bug that leaves a stale tab bar on screen.)
        self.layer_table = LayerTablePanel(self.document, self.settings)
        self.layer_charts = LayerChartsPanel(self.document)
        self.layer_charts.layer_activated.connect(self.view.center_on_layer)
        self.layer_charts.set_collapsed(self.scene.grouping.collapsed)
        self.layer_table.set_collapsed(self.scene.grouping.collapsed)
        self.scene.grouping.changed.connect(
            lambda: self.layer_table.set_collapsed(self.scene.grouping.collapsed)
        )
        self.scene.grouping.changed.connect(
            lambda: self.layer_charts.set_collapsed(self.scene.grouping.collapsed)
        )
        self.statistics_tabs = QTabWidget()
        self.statistics_tabs.setDocumentMode(True)
        self.statistics_tabs.addTab(self.layer_table, "Layer Table")
        self.statistics_tabs.addTab(self.layer_charts, "Charts")
        self._add_dock(
            "statistics",
            "Layer Table && Charts",
            self.statistics_tabs,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.semantics_selector = SemanticsSelector(self.document)
        design_toolbar = self.addToolBar("Design")
        design_toolbar.setObjectName("toolbar_design")
        design_toolbar.addWidget(self.semantics_selector)
        # The explanation and the inspector's form, behind another tab of their dock, follow
        # the selection once shown.
        self.docks["diagnostics"].visibilityChanged.connect(
            lambda shown: self.diagnostics_panel.catch_up() if shown else None
        )
        self.docks["inspector"].visibilityChanged.connect(
            lambda shown: self.inspector.catch_up() if shown else None
        )
        self._arrange_docks()

    def _arrange_docks(self) -> None:
        """The default layout. The right column (inspector, problems & explanations, undo history,
        as tabs) runs the full height of the window, so an explanation and its fix buttons have
        room even at 1280×720; the 3D view and the table & charts share the bottom."""
        area = Qt.DockWidgetArea
        self.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, area.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, area.BottomDockWidgetArea)
        for name, dock in self.docks.items():
            dock.setFloating(False)
            self.addDockWidget(DEFAULT_AREAS.get(name, area.RightDockWidgetArea), dock)
            dock.show()
        self.tabifyDockWidget(self.docks["inspector"], self.docks["diagnostics"])
        self.tabifyDockWidget(self.docks["diagnostics"], self.docks["undo_history"])
        self.docks["inspector"].raise_()
        self.splitDockWidget(
            self.docks["volumes"], self.docks["statistics"], Qt.Orientation.Horizontal
        )
        width = self.width() if self.isVisible() else _default_size(self)[0]
        bottom = max(width - 440, 600)
        self.resizeDocks(
            [self.docks["volumes"], self.docks["statistics"]],
            [bottom * 2 // 5, bottom * 3 // 5],
            Qt.Orientation.Horizontal,
        )
        # The bottom row as tall as it always was (the canvas then opens ResNet-50 at its stages).
        self.resizeDocks([self.docks["volumes"]], [318], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["palette"]], [200], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["inspector"]], [440], Qt.Orientation.Horizontal)

    def _add_dock(
        self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        if hasattr(self, "docks_menu"):
            self.docks_menu.addAction(dock.toggleViewAction())
        return dock

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action, self.revert_action])
        file_menu.addSeparator()
        file_menu.addAction(self.import_model_action)
        self.export_menu = file_menu.addMenu("&Export")
        self.export_menu.addActions(
            [
                self.export_action,
                self.export_code_action,
                self.export_keras_action,
                self.export_onnx_action,
            ]
        )
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions(
            [
                self.cut_action,
                self.copy_action,
                self.paste_action,
                self.duplicate_action,
                self.delete_action,
            ]
        )
        edit.addSeparator()
        edit.addActions([self.rename_action, self.select_all_action])
        edit.addSeparator()
        edit.addActions([self.group_action, self.ungroup_action])

        view = bar.addMenu("&View")
        view.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action])
        view.addSeparator()
        view.addActions([self.tidy_lr_action, self.tidy_tb_action])
        view.addSeparator()
        view.addActions([self.collapse_all_action, self.expand_all_action])
        self.level_menu: QMenu = view.addMenu("Expand to &Level")
        self.level_menu.aboutToShow.connect(self._fill_level_menu)
        view.addAction(self.find_action)
        view.addSeparator()
        self.docks_menu: QMenu = view.addMenu("&Panels")
        for dock in self.docks.values():
            self.docks_menu.addAction(dock.toggleViewAction())
        self.reset_layout_action = self._action(
            "&Reset Layout",
            self.reset_layout,
            None,
            "Every panel back in its place, the window at its default size",
            "reset_layout",
        )
        view.addAction(self.reset_layout_action)
        self.appearance_menu = view.addMenu("&Appearance")
        self.appearance_group = QActionGroup(self)
        self.appearance_actions: dict[str, QAction] = {}
        current = self.settings.value(APPEARANCE_KEY, "system")
        for key, label in (
            ("system", "Follow the &System"),
            ("light", "&Light"),
            ("dark", "&Dark"),
        ):
            action = QAction(label, self, checkable=True)
            action.setObjectName(f"appearance_{key}")
            action.setChecked(
                key == current or (key == "system" and current not in theme.APPEARANCES)
            )
            action.triggered.connect(partial(self.set_appearance, key))
            self.appearance_group.addAction(action)
            self.appearance_menu.addAction(action)
            self.appearance_actions[key] = action
        self.view_menu = view

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(
            self._action(
                "&Arithmetic Reference",
                lambda: show_arithmetic_reference(self),
                "F1",
                "How every size is computed, per framework",
                "arithmetic_reference",
            )
        )
        help_menu.addAction(self._action("&About CNN Designer", self.about, name="about"))

    def _create_status_bar(self) -> None:
        status = self.statusBar()
        # The totals change with almost every edit: a StatusText does not lay the window out
        # again for that (a QLabel did), and is cut on a small screen rather than widen it.
        self.totals_label = StatusText()
        self.totals_label.setObjectName("totals")
        self.problems_label = QLabel()
        self.problems_label.setObjectName("problems")
        self.problems_label.setToolTip("Show the Problems & Explanations panel")
        self.problems_label.linkActivated.connect(lambda _link: self.show_problems())
        self.zoom_label = QLabel()
        status.addPermanentWidget(self.totals_label)
        status.addPermanentWidget(self.problems_label)
        status.addPermanentWidget(self.zoom_label)
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self._status_pending = False

    # -------------------------------------------------------------- status

    def _schedule_status(self, _ids: object = None) -> None:
        if not self._status_pending:
            self._status_pending = True
            QTimer.singleShot(0, self._update_status)

    def _update_status(self) -> None:
        self._status_pending = False
        n = len(self.document.design)
        if not n:
            # An empty design has nothing wrong with it yet: no red error count on first start.
            self.totals_label.setText(
                "Empty design: drag an Input from the Layers palette to start"
            )
            self.problems_label.setText("")
            return
        t = self.document.analysis.totals()
        self.totals_label.setText(
            f"{plural(n, 'layer')} · {t.params:,} params · {human_count(t.macs)} MACs · "
            f"{human_bytes(t.memory_bytes)} activations"
        )
        err_color = theme.ERROR.name() if t.errors else theme.TEXT_MUTED.name()
        warn_color = "#9a6700" if t.warnings else theme.TEXT_MUTED.name()
        self.problems_label.setText(
            f"<a href='problems' style='text-decoration:none'>"
            f"<span style='color:{err_color}'>● {plural(t.errors, 'error')}</span> &nbsp;"
            f"<span style='color:{warn_color}'>● {plural(t.warnings, 'warning')}</span></a>"
        )

    def show_problems(self) -> None:
        """Bring the Problems & Explanations panel to the front."""
        dock = self.docks.get("diagnostics")
        if dock is not None:
            dock.show()
            dock.raise_()

    def show_window_view(self, layer_id: str | None = None) -> None:
        """Bring the Window tab to the front, showing ``layer_id`` (selected) if given."""
        if layer_id is not None and layer_id in self.document.design:
            self.document.select([layer_id])
        self.show_problems()
        self.diagnostics_panel.explanation_tabs.setCurrentWidget(self.window_view)
        self.window_view.setFocus()

    def set_appearance(self, appearance: str) -> None:
        """View ▸ Appearance: follow the desktop's light/dark scheme, or force one; remembered."""
        app = QApplication.instance()
        if appearance not in theme.APPEARANCES or not isinstance(app, QApplication):
            return
        self.settings.setValue(APPEARANCE_KEY, appearance)
        self.appearance_actions[appearance].setChecked(True)
        theme.set_appearance(app, appearance)

    def _on_theme(self, _scheme: str) -> None:
        self.view.resetCachedContent()  # the canvas caches its background
        self.scene.update()
        self.view.viewport().update()
        self._update_status()

    def explain_layer(self, layer_id: str) -> None:
        """ "Why this shape?": the layer's arithmetic, step by step, in the explanation panel."""
        self.document.select([layer_id])
        self.show_problems()
        self.diagnostics_panel.show_explanation()
        self.diagnostics_panel.explain_layer(layer_id)

    def show_problem(self, code: str, layer: str | None) -> None:
        """A problem was clicked somewhere (the inspector, ...): bring its explanation forward."""
        self.show_problems()
        self.diagnostics_panel.show_explanation()
        self.diagnostics_panel.select_diagnostic(code, layer)

    def _settle_layouts(self, _ids: object = None) -> None:
        """The panels that followed the selection (the inspector's form and labels, the
        explanation and its fixes) are laid out now, not after the window is painted: under X
        the window's update request can come before the layout requests they posted (a timer of
        the platform, once a long handler has run), and each then moved and painted their
        widgets again in a second pass of the event loop, another flush of the window."""
        if self.isVisible():
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _update_title(self, *_args: object) -> None:
        doc = self.document
        where = doc.path.name if doc.path is not None else "unsaved"
        self.setWindowTitle(f"{doc.design.name} — {where}[*] — CNN Designer")
        self.setWindowModified(doc.is_modified)
        self.revert_action.setEnabled(doc.path is not None and doc.is_modified)

    def _undo(self) -> None:
        with busy(self._step_cost(-1), "Undoing…", self.statusBar()):
            self.document.undo()

    def _redo(self) -> None:
        with busy(self._step_cost(0), "Redoing…", self.statusBar()):
            self.document.redo()

    def _step_cost(self, offset: int) -> int:
        """The design's length for the busy cursor of an undo (``offset`` -1) or redo (0): a
        rename's says what ``Document.rename_cost`` says, every other step the whole design."""
        stack = self.document.undo_stack
        step = stack.command(stack.index() + offset)
        if isinstance(step, RenameLayerCommand):
            return self.document.rename_cost()
        return len(self.document.design)

    def _long(self, text: str, run: Callable[[], object]) -> Callable[..., None]:
        """An action's slot that shows the busy cursor (and ``text…``) on a long design."""
        return busy_while(lambda: len(self.document.design), f"{text}…", run, self.statusBar())

    def _update_edit_actions(self, *_args: object) -> None:
        # What kinds of item are selected, in one pass that stops once a card and an edge were
        # seen: whether a block is, then, changes nothing (after Select All this ran two
        # passes over 10,000 cards, twice per change; a rubber band's every move, one).
        has_cards = has_edges = has_blocks = False
        for item in self.scene.selectedItems():
            if isinstance(item, LayerCard | Port):
                has_cards = True
            elif isinstance(item, EdgeItem):
                has_edges = True
            elif isinstance(item, GroupCard):
                has_blocks = bool(item.group_ids) or has_blocks
            if has_cards and has_edges:
                break
        self.group_action.setEnabled(has_cards or has_blocks)
        for action in (self.cut_action, self.copy_action, self.duplicate_action):
            action.setEnabled(has_cards)
        self.delete_action.setEnabled(has_cards or has_edges)
        self.rename_action.setEnabled(self.document.current is not None)

    def _after_reset(self) -> None:
        self.view.show_readable()
        self._update_title()
        self._update_status()
        # A design opened with problems shows them, not the inspector's "Select a layer…". Nothing
        # is selected for the user (that would also open the collapsed block of that layer).
        t = self.document.analysis.totals()
        if len(self.document.design) and (t.errors or t.warnings):
            self.show_problems()
            self.diagnostics_panel.show_explanation()

    def _update_empty_state(self, *_args: object) -> None:
        self.empty_state.setVisible(not len(self.document.design))

    def _on_clean_changed(self, clean: bool) -> None:
        if clean:
            self.recovery.clear()

    # --------------------------------------------------------------- edits

    def add_layer_from_palette(self, type_id: str) -> None:
        doc = self.document
        current = doc.current
        try:
            if current is not None and type_id != "Input":
                doc.append_after(
                    type_id, current, self.scene._beside(self.scene.cards[current].pos())
                )
            else:
                center = self.view.mapToScene(self.view.viewport().rect().center())
                doc.add_layer(
                    type_id, position=(round(center.x() - 90, 1), round(center.y() - 46, 1))
                )
        except DesignError as exc:
            self.show_message(f"Cannot add {type_id}: {exc}")

    def tidy_up(self, direction: str) -> None:
        self.scene.set_direction(direction)
        self.document.tidy_up(direction)
        self.view.fit_to_view()

    # --------------------------------------------------------------- files

    def maybe_save(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes; True to go on."""
        if not self.document.is_modified:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            plain_message(f"“{self.document.design.name}” has unsaved changes. Save them first?"),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_design(self) -> None:
        if not self.maybe_save():
            return
        from designer.ui.template_dialog import TemplateDialog

        dialog = TemplateDialog(self)
        try:
            if dialog.exec() != TemplateDialog.DialogCode.Accepted:
                return
            design = dialog.chosen_design()
        finally:
            dialog.deleteLater()
        self.load_design(design, None)

    def load_design(self, design: Design, path: Path | None) -> None:
        """Show ``design`` (laid out if it has no positions) as a fresh document."""
        from designer.core.layout import auto_layout

        if not design.layout and len(design):
            for lid, pos in auto_layout(design).items():
                design.set_position(lid, pos)
        self.document.reset(design, path)

    def open_file(self, path: str | Path | None = None, ask: bool = True) -> bool:
        if ask and not self.maybe_save():
            return False
        if path is None:
            start = str(self.document.path.parent) if self.document.path else ""
            chosen, _ = QFileDialog.getOpenFileName(self, "Open design", start, FILE_FILTER)
            if not chosen:
                return False
            path = chosen
        # Opening a long design takes seconds (10,000 layers: read, analysed, drawn): say so, with
        # a busy cursor, before the event loop stops for it.
        try:
            with busy(LONG_DESIGN, f"Opening {Path(path).name}…", self.statusBar()):
                self.document.open(path)
                collector.collect_after_opening(len(self.document.design))
        except FormatError as exc:
            QMessageBox.critical(self, "Cannot open the design", _format_error_text(exc))
            return False
        except OSError as exc:
            QMessageBox.critical(self, "Cannot open the design", f"{path}: {exc.strerror or exc}")
            return False
        add_recent_file(self.settings, path)
        self._rebuild_recent_menu()
        self.show_message(f"Opened {path}")
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        start = (
            str(self.document.path)
            if self.document.path
            else f"{_file_stem(self.document.design.name)}.json"
        )
        chosen, _ = QFileDialog.getSaveFileName(self, "Save design as", start, FILE_FILTER)
        if not chosen:
            return False
        if not chosen.lower().endswith(".json"):
            chosen += ".json"
        if self.document.design.name.strip() in ("", "Untitled"):
            # A design saved under a name takes that name (in the title, the figures, the code),
            # as one undoable step before the save, so the saved file carries it.
            self.document.set_name(Path(chosen).stem)
        return self._save_to(Path(chosen))

    def _save_to(self, path: Path) -> bool:
        try:
            with busy(len(self.document.design), "Saving…", self.statusBar()):
                self.document.save(path)
        except OSError as exc:
            QMessageBox.critical(self, "Cannot save the design", f"{path}: {exc.strerror or exc}")
            return False
        self.recovery.clear()
        add_recent_file(self.settings, path)
        self._rebuild_recent_menu()
        self.show_message(f"Saved {path}")
        return True

    def revert(self) -> None:
        path = self.document.path
        if path is None:
            return
        if self.document.is_modified:
            answer = QMessageBox.question(
                self,
                "Revert",
                plain_message(f"Drop every change since {path.name} was last saved?"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        self.open_file(path, ask=False)

    def _open_dropped(self, files: list[str]) -> None:
        if files:
            self.open_file(files[0])

    def _rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = recent_files(self.settings)
        for n, f in enumerate(files, 1):
            action = menu.addAction(f"&{n % 10} {Path(f).name}")
            action.triggered.connect(partial(self._open_recent, f))
            action.setToolTip(f)
            action.setStatusTip(f)
        if files:
            menu.addSeparator()
            menu.addAction("Clear Menu", self._clear_recent)
        menu.setEnabled(bool(files))
        if hasattr(self, "empty_state"):
            self.empty_state.set_recent_files(files)

    def _open_recent(self, path: str) -> None:
        if not Path(path).exists():
            QMessageBox.warning(
                self,
                "File not found",
                plain_message(f"{path} no longer exists; it is removed from the menu."),
            )
            remove_recent_file(self.settings, path)
            self._rebuild_recent_menu()
            return
        self.open_file(path)

    def _clear_recent(self) -> None:
        self.settings.setValue("recent_files", [])
        self._rebuild_recent_menu()

    def export(self) -> None:
        try:
            module = importlib.import_module("designer.ui.export_dialog")
        except ImportError as exc:
            self.show_message(f"Export is not available: {exc}")
            return
        dialog = module.ExportDialog(
            self.document.design,
            self.document.analysis,
            self,
            canvas_collapsed=self.scene.grouping.collapsed,
        )
        dialog.exec()
        dialog.deleteLater()

    def export_pytorch_code(self) -> None:
        from designer.ui.code_dialogs import show_code_preview

        show_code_preview(self)

    def export_keras_code(self) -> None:
        from designer.ui.code_dialogs import show_code_preview

        show_code_preview(self, "keras")

    def export_onnx(self) -> None:
        from designer.ui.code_dialogs import export_onnx_file

        export_onnx_file(self)

    def import_model(self) -> bool:
        from designer.ui.code_dialogs import import_model

        return import_model(self)

    def about(self) -> None:
        from designer import __version__

        QMessageBox.about(
            self,
            "About CNN Designer",
            f"<b>CNN Designer</b> {__version__}<br>Design convolutional neural networks and "
            "understand their arithmetic: every shape, parameter and multiply-accumulate, as PyTorch computes it.",
        )

    # ------------------------------------------------------------ recovery

    def autosave(self) -> Path | None:
        """Write the recovery file if there are unsaved changes (called every minute)."""
        if not self.document.is_modified:
            return None
        doc = self.document
        try:
            return self.recovery.write(
                doc.text(), str(doc.path) if doc.path else None, doc.design.name
            )
        except OSError as exc:
            self.show_message(f"Autosave failed: {exc.strerror or exc}")
            return None

    def offer_recovery(self) -> bool:
        """After a crash: offer to restore the newest recovery file. True if restored."""
        orphans = self.recovery.orphans()
        if not orphans:
            return False
        entry = orphans[0]
        where = f" (from {entry.original_path})" if entry.original_path else ""
        answer = QMessageBox.question(
            self,
            "Restore unsaved work?",
            plain_message(
                f"CNN Designer did not close properly. Restore the unsaved changes to “{entry.name}”{where}?"
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            for other in orphans:
                Recovery.discard(other)
            return False
        try:
            design = Recovery.load(entry)
        except FormatError as exc:
            QMessageBox.critical(self, "Cannot restore", _format_error_text(exc))
            return False
        original = Path(entry.original_path) if entry.original_path else None
        self.document.reset(design, original)
        self.document.undo_stack.resetClean()  # restored work is unsaved work
        self._update_title()
        for other in orphans:
            Recovery.discard(other)
        self.autosave()
        return True

    # ------------------------------------------------------------- window

    def _restore_layout(self) -> None:
        """The last session's window geometry, docks and panel splits, kept on the screen."""
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state), STATE_VERSION)
        panel_state = self.settings.value("window/explanation_split")
        if isinstance(panel_state, QByteArray | bytes):
            self.diagnostics_panel.restore_split(QByteArray(panel_state))
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Shrink and move the window so all of it is on its screen's available area."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w = max(frame.width() - self.width(), 0)
        extra_h = max(frame.height() - self.height(), 0)
        w = min(self.width(), avail.width() - extra_w)
        h = min(self.height(), avail.height() - extra_h)
        if (w, h) != (self.width(), self.height()):
            self.resize(w, h)
        x = min(max(self.x(), avail.left()), avail.right() + 1 - w - extra_w)
        y = min(max(self.y(), avail.top()), avail.bottom() + 1 - h - extra_h)
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    def reset_layout(self) -> None:
        """View ▸ Reset Layout: every panel back where a new user finds it, at the default size."""
        self.showNormal()
        self.resize(*_default_size(self))
        self.fit_to_screen()
        self._arrange_docks()
        self.diagnostics_panel.reset_split()
        for key in ("window/geometry", "window/state", "window/explanation_split"):
            self.settings.remove(key)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        self.settings.setValue("window/explanation_split", self.diagnostics_panel.save_split())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.view.finish_rename(commit=False)
        self.save_layout()
        self.autosave_timer.stop()
        self.recovery.clear()
        self.diagnostics_panel.shutdown()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(
            u.isLocalFile() and u.toLocalFile().lower().endswith(".json")
            for u in event.mimeData().urls()
        ):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [
            u.toLocalFile()
            for u in event.mimeData().urls()
            if u.isLocalFile() and u.toLocalFile().lower().endswith(".json")
        ]
        if files:
            event.acceptProposedAction()
            self.open_file(files[0])


def plain_message(text: str) -> str:
    """``text`` for a message box, shown exactly as written: a design named
    ``<img src=x onerror=…>`` is not markup. (The static ``QMessageBox`` functions guess
    the format; escaped text in a paragraph is rich text that reads as the plain text.)"""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def _default_size(window: QWidget) -> tuple[int, int]:
    """1500×940, or less where the screen's available area is smaller (a laptop, a scale factor)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return DEFAULT_SIZE
    avail = screen.availableGeometry()
    margin = 40  # the window manager's frame and title
    return min(DEFAULT_SIZE[0], avail.width() - margin // 2), min(
        DEFAULT_SIZE[1], avail.height() - margin
    )


def redo_shortcuts() -> list[QKeySequence]:
    """The platform's Redo keys plus Ctrl+Shift+Z and Ctrl+Y, each once.

    Giving one action the same key twice (on Linux ``QKeySequence.Redo`` *is* Ctrl+Shift+Z)
    makes Qt call the shortcut ambiguous and do nothing at all.
    """
    keys: list[QKeySequence] = []
    for key in (
        *QKeySequence.keyBindings(QKeySequence.StandardKey.Redo),
        QKeySequence("Ctrl+Shift+Z"),
        QKeySequence("Ctrl+Y"),
    ):
        if not key.isEmpty() and all(key != k for k in keys):
            keys.append(key)
    return keys


def _format_error_text(exc: FormatError) -> str:
    where = f"{exc.source}\n\n" if exc.source else ""
    return f"{where}At {exc.path}: {exc.detail}\n\nThe current design was left unchanged."


def _file_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in name.strip()).strip("_")
    return stem or "design"

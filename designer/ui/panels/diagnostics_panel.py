"""The panel that explains: the design's problems, and the arithmetic of any layer.

Top: every diagnostic, grouped by severity with counts. Selecting one selects its
layer (and asks the canvas to centre on it); selecting a layer anywhere else picks
its diagnostics here. Below: the explanation from the core (``explain_layer`` /
``explain_diagnostic``) as rich text, and one button per suggested fix; a fix is
applied as one undoable step. A banner says where the frameworks' rounding rules
would give this design different shapes.

Explanations and fix suggestions analyse trial copies of the design, so they are
refreshed shortly after an edit rather than on every keystroke (``flush`` forces it),
and fixes are searched on a worker thread (``fix_finder.py``): the GUI thread waits for
them a few milliseconds at most and shows "Looking for fixes…" until they arrive.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.core.analysis import Diagnostic
from designer.core.arithmetic import SEMANTICS
from designer.core.diagnosis import explain_diagnostic
from designer.core.explain import Explanation, Step, explain_layer
from designer.core.fixes import Fix, FixError
from designer.core.semantics_compare import SemanticsRow
from designer.core.shape_rules import fmt_shape
from designer.core.window_geometry import layer_window
from designer.ui import theme
from designer.ui.deferred import unseen
from designer.ui.document import Document
from designer.ui.panels.fix_application import apply_fix, short_label
from designer.ui.panels.fix_finder import FixFinder
from designer.ui.panels.semantics_selector import SEMANTICS_LABELS
from designer.ui.panels.semantics_worker import INLINE_LAYERS, SemanticsWorker, compare_now

DIAG_ROLE = Qt.ItemDataRole.UserRole + 1
REFRESH_MS = 80  # explanation / fixes refresh after an edit
COMPARE_MS = 250  # semantics comparison (four analyses) after an edit
COMPARE_LONG_MS = 1000  # the same for a design over INLINE_LAYERS layers (in another process)
MAX_LAYER_FIXES = 6

GROUPS: tuple[tuple[str, str, str], ...] = (
    ("error", "Errors", "#c62828"),
    ("warning", "Warnings", "#b26a00"),
    ("info", "Notes", "#1565c0"),
)

#: Rich-text typography for the explanations (Qt's CSS subset), per colour scheme. Steps stack
#: vertically, with every "=" in one column, so they read in a narrow side panel.
_CSS_TEMPLATE = """
body { font-size: 10pt; color: %(text)s; }
p.title { font-size: 12pt; font-weight: bold; margin: 0 0 2px 0; }
p.section { font-size: 10.5pt; font-weight: bold; margin: 10px 0 3px 0; color: %(section)s; }
p { margin: 3px 0; }
p.summary { color: %(soft)s; margin-bottom: 6px; }
p.label { font-weight: bold; color: %(soft)s; margin: 6px 0 1px 0; }
p.note { color: %(note)s; font-style: italic; margin: 1px 0 4px 18px; }
td.rel { color: %(rel)s; padding: 0 4px 0 12px; }
td.formula { font-family: "DejaVu Serif", "Cambria Math", serif; font-style: italic; color: %(formula)s; }
td.chain { padding: 0; }
span.bad { color: %(bad)s; font-weight: bold; background-color: %(bad_bg)s; }
li { margin: 2px 0; }
th { background-color: %(head_bg)s; padding: 2px 6px; }
td.cell { padding: 2px 6px; }
td.differs { color: %(bad)s; font-weight: bold; padding: 2px 6px; }
"""
_CSS_COLORS = {
    "light": {
        "text": "#1f2328",
        "section": "#2f5d8a",
        "soft": "#37474f",
        "note": "#546e7a",
        "rel": "#78909c",
        "formula": "#455a64",
        "bad": "#b00020",
        "bad_bg": "#fde7ea",
        "head_bg": "#eceff1",
    },
    "dark": {
        "text": "#e2e6ea",
        "section": "#8cc4ff",
        "soft": "#c3ccd5",
        "note": "#a6b3bf",
        "rel": "#8d99a5",
        "formula": "#b8c4cf",
        "bad": "#ff8a95",
        "bad_bg": "#4a2328",
        "head_bg": "#30363d",
    },
}


def explanation_css(scheme: str = "light") -> str:
    return _CSS_TEMPLATE % _CSS_COLORS.get(scheme, _CSS_COLORS["light"])


EXPLANATION_CSS = explanation_css("light")

# A whole-number fraction such as ``213/4`` (not part of a tag like ``</td>``).
_FRACTION = re.compile(r"(?<![\w.,<])(\d[\d,]*)/(\d+)(?![\w.])")
# A symbol with a subscript: ``W_out``, ``C_in``, ``F_h``.
_SUBSCRIPT = re.compile(r"\b([A-Za-z])_([A-Za-z]+)\b")


def typeset(fragment: str) -> str:
    """Typographic touches on escaped HTML: ``213/4`` as a built-up fraction ²¹³⁄₄."""
    return _FRACTION.sub(r"<sup>\1</sup>&#8260;<sub>\2</sub>", fragment)


def highlight(text: str, bad: tuple[str, ...]) -> str:
    """Escape ``text``; wrap each occurrence of a ``bad`` substring (the offending numbers)."""
    spans: list[tuple[int, int]] = []
    for b in sorted({b for b in bad if b}, key=len, reverse=True):
        start = 0
        while (i := text.find(b, start)) >= 0:
            if not any(i < e and i + len(b) > s for s, e in spans):
                spans.append((i, i + len(b)))
            start = i + len(b)
    out, pos = [], 0
    for s, e in sorted(spans):
        out.append(html.escape(text[pos:s]))
        out.append(f'<span class="bad">{html.escape(text[s:e])}</span>')
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def formula_html(formula: str) -> str:
    return _SUBSCRIPT.sub(r"\1<sub>\2</sub>", html.escape(formula))


def step_html(step: Step, show_formula: bool) -> str:
    """One step: its label, the formula, then each ``= …`` on its own line, aligned."""
    rows: list[str] = []
    if step.formula and show_formula:
        rows.append(
            f'<tr><td class="rel"></td><td class="formula">{formula_html(step.formula)}</td></tr>'
        )
    for n, link in enumerate(step.chain):
        rel = "=" if (n or (step.formula and show_formula)) else ""
        rows.append(
            f'<tr><td class="rel">{rel}</td><td class="chain">{typeset(highlight(link, step.bad))}</td></tr>'
        )
    if step.rounded:
        rows.append(
            f'<tr><td class="rel">→</td><td class="chain">{typeset(highlight(step.rounded, step.bad))}</td></tr>'
        )
    parts = [f'<p class="label">{html.escape(step.label)}</p>']
    if rows:
        parts.append(f'<table cellspacing="0" cellpadding="0">{"".join(rows)}</table>')
    if step.note:
        parts.append(f'<p class="note">{typeset(html.escape(step.note))}</p>')
    return "".join(parts)


def explanation_html(expl: Explanation, heading: str = "") -> str:
    """An ``Explanation`` as rich text for the side panel (``heading`` replaces its title)."""
    e = html.escape
    parts = [f'<p class="title">{e(heading or expl.title)}</p>']
    if expl.summary:
        parts.append(f'<p class="summary">{typeset(e(expl.summary))}</p>')
    for sec in expl.sections:
        parts.append(f'<p class="section">{e(sec.title)}</p>')
        parts.extend(f"<p>{typeset(e(p))}</p>" for p in sec.paragraphs)
        last_formula = ""
        for st in sec.steps:
            parts.append(step_html(st, show_formula=st.formula != last_formula))
            last_formula = st.formula
        parts.extend(f"<p>{typeset(e(p))}</p>" for p in sec.after)
        if sec.numbered:
            parts.append(
                "<ol>" + "".join(f"<li>{typeset(e(i))}</li>" for i in sec.numbered) + "</ol>"
            )
    return "".join(parts)


def layer_question(document: Document, layer_id: str) -> str:
    """``Why is conv1 55×55×96?`` (or why it has no shape)."""
    info = document.analysis.info.get(layer_id)
    if info is None or info.output_shape is None:
        if info is not None and info.status == "error":
            return f"Why does {layer_id} have no shape?"
        return f"Why is the shape of {layer_id} unknown?"
    return f"Why is {layer_id} {fmt_shape(info.output_shape)}?"


@dataclass(frozen=True)
class DiagnosticKey:
    """What identifies a diagnostic across re-analyses (the same problem, new numbers)."""

    code: str
    layer: str | None

    @staticmethod
    def of(d: Diagnostic) -> DiagnosticKey:
        return DiagnosticKey(d.code, d.layer)


class DiagnosticsPanel(QWidget):
    """Problems by severity, the explanation of the selected problem or layer, and its fixes."""

    layer_activated = Signal(str)  # the user picked a problem: the canvas may centre on its layer
    window_requested = Signal(str)  # the user asked to see a layer's sliding window

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.diagnostics: list[Diagnostic] = []
        self.fixes: list[Fix] = []  # fixes behind the buttons now shown
        self.fix_buttons: list[FixButton] = []
        self._fix_header: QLabel | None = None
        self.disagreements: list[SemanticsRow] = []
        self._mode: tuple[str, object] | None = (
            None  # ("diagnostic", key) | ("layer", id) | ("compare", None)
        )
        self._gone: DiagnosticKey | None = (
            None  # the problem a fix just removed (Undo may bring it back)
        )
        self._syncing = False
        # Fixes are searched off the GUI thread (fix_finder.py); each edit starts a new revision.
        self._revision = 0
        self._flushing = False
        self._renders = 0
        self._render_owed = False  # the explanation left for when the panel is shown again
        self.fix_finder = FixFinder(self)
        self.fix_finder.found.connect(self._on_fixes_found)

        self.counts_label = QLabel()
        self.counts_label.setTextFormat(Qt.TextFormat.RichText)
        self.counts_label.setWordWrap(
            True
        )  # a narrow panel wraps it rather than widening the window
        self.banner = QLabel()
        self.banner.setObjectName("semantics_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self._style_banner()
        self.banner.linkActivated.connect(self._on_banner_link)
        self.banner.hide()

        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Layer", "Problem"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAlternatingRowColors(False)
        self.tree.header().setStretchLastSection(True)
        # The Layer column fits its ids (never "layer…"); the problem text takes the rest.
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setMinimumHeight(60)
        self.tree.itemSelectionChanged.connect(self._on_tree_selection)
        # A click on the problem that is already highlighted (because its layer was selected)
        # changes no selection, but must still show that problem's explanation and fixes.
        self.tree.itemClicked.connect(lambda _item, _column: self._on_tree_selection())
        self.tree.itemActivated.connect(self._on_item_activated)

        self.layer_button = QPushButton()
        self.layer_button.setFlat(True)
        self.layer_button.setStyleSheet("QPushButton { text-align: left; color: palette(link); }")
        self.layer_button.clicked.connect(self._show_current_layer)
        self.layer_button.hide()
        self.fix_frame = QFrame()
        self.fix_layout = QVBoxLayout(self.fix_frame)
        self.fix_layout.setContentsMargins(0, 0, 0, 0)
        self.fix_layout.setSpacing(2)
        self.fix_box = QScrollArea()  # fixes scroll rather than squeeze the explanation
        self.fix_box.setWidget(self.fix_frame)
        self.fix_box.setWidgetResizable(True)
        self.fix_box.setFrameShape(QFrame.Shape.NoFrame)
        self.fix_box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fix_box.hide()
        self.browser = QTextBrowser()
        self._shown_body = ""  # the HTML the browser shows (``_render``)
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._on_anchor)
        self.browser.document().setDefaultStyleSheet(explanation_css(theme.SCHEME))
        theme.notifier().changed.connect(self._on_theme)
        self.browser.document().setDocumentMargin(8)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(3)
        top_layout.addWidget(self.counts_label)
        top_layout.addWidget(self.banner)
        top_layout.addWidget(self.tree, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.setSpacing(3)
        bottom_layout.addWidget(self.layer_button)
        bottom_layout.addWidget(self.fix_box)
        # The explanation is the first tab of a tab widget, so other views of the selected layer
        # (the Window view) sit beside it (``add_explanation_tab``); the fixes stay above the tabs.
        self.explanation_tabs = QTabWidget()
        self.explanation_tabs.setObjectName("explanation_tabs")
        self.explanation_tabs.setDocumentMode(True)
        self.explanation_tabs.setTabBarAutoHide(True)
        self.explanation_tabs.addTab(self.browser, "Explanation")
        bottom_layout.addWidget(self.explanation_tabs, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("explanation_split")
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.reset_split()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(REFRESH_MS)
        self._render_timer.timeout.connect(self._render)
        self._compare_timer = QTimer(self)
        self._compare_timer.setSingleShot(True)
        self._compare_timer.setInterval(COMPARE_MS)
        self._compare_timer.timeout.connect(self._update_comparison)
        self.tree_builds_skipped = 0  # edits that left the problems as they were (tests)
        self.tree_rows_retexted = 0  # edits that only reworded listed problems (tests)
        self._listed: tuple[object, object, dict[str, tuple[Diagnostic, ...]]] = (None, None, {})
        self._listed_empty = False
        self._comparer = SemanticsWorker(self)  # long designs: compared off the GUI thread
        self._comparer.done.connect(self._on_compared)

        document.analysis_updated.connect(self._on_analysis_updated)
        document.design_reset.connect(self._on_design_reset)
        document.selection_changed.connect(self._on_document_selection)
        self._rebuild_tree()
        self._update_comparison()
        self._on_document_selection(document.selection)
        self._render()

    # ----------------------------------------------------------------- layout

    def _style_banner(self) -> None:
        self.banner.setStyleSheet(
            f"QLabel#semantics_banner {{ background: {theme.NOTE_BG.name()}; border: 1px solid "
            f"{theme.NOTE_BORDER.name()}; border-radius: 3px; padding: 4px; color: {theme.NOTE_TEXT.name()}; }}"
        )

    def _on_theme(self, scheme: str) -> None:
        self._style_banner()
        self.browser.document().setDefaultStyleSheet(explanation_css(scheme))
        self._shown_body = ""  # (the style applies when the HTML is set again)
        self._rebuild_tree(force=True)
        self._render()

    def add_explanation_tab(self, widget: QWidget, title: str, tooltip: str = "") -> int:
        """Put ``widget`` in a tab beside the explanation (which stays the first tab); its index."""
        index = self.explanation_tabs.addTab(widget, title)
        if tooltip:
            self.explanation_tabs.setTabToolTip(index, tooltip)
        return index

    def show_explanation(self) -> None:
        """Bring the explanation tab to the front."""
        self.explanation_tabs.setCurrentIndex(0)

    def reset_split(self) -> None:
        """The problem list a few rows high, the explanation below with the rest."""
        rows = 6 * max(self.tree.sizeHintForRow(0), self.fontMetrics().height() + 4)
        top = self.counts_label.sizeHint().height() + self.tree.header().sizeHint().height() + rows
        self.splitter.setSizes([top, 10_000])

    def save_split(self) -> QByteArray:
        return self.splitter.saveState()

    def restore_split(self, state: QByteArray) -> bool:
        return self.splitter.restoreState(state)

    # ------------------------------------------------------------------ state

    def flush(self) -> None:
        """Bring the explanation, the fixes and the framework comparison up to date now
        (waiting for the fixes, however long they take)."""
        if self._compare_timer.isActive():
            self._compare_timer.stop()
            self._update_comparison()
        finished = self._comparer.wait()
        if finished is not None:
            self._on_compared(*finished)
        if self._render_timer.isActive():
            self._render_timer.stop()
        self._flushing = True
        try:
            self._render()
        finally:
            self._flushing = False

    def current_diagnostic(self) -> Diagnostic | None:
        if self._mode is None or self._mode[0] != "diagnostic":
            return None
        key = self._mode[1]
        return next((d for d in self.diagnostics if DiagnosticKey.of(d) == key), None)

    def current_layer(self) -> str | None:
        if self._mode is None:
            return None
        if self._mode[0] == "layer":
            return str(self._mode[1])
        d = self.current_diagnostic()
        return d.layer if d is not None else None

    def _on_analysis_updated(self, changed: object) -> None:
        self._revision += 1
        self.fix_finder.forget()
        if self._same_problems(changed):
            self._keep_tree()
        else:
            self._rebuild_tree()
        self._render_timer.start()
        self._schedule_comparison()

    def _on_design_reset(self) -> None:
        self._revision += 1
        self.fix_finder.forget()
        self._mode = None
        self._rebuild_tree()
        # Compared after the design is shown (``flush`` does it at once): re-analysing the
        # windowed layers under three other semantics took seconds of a 10,000-layer open.
        self.disagreements = []
        self.banner.hide()
        self._schedule_comparison()
        self._render()

    # ------------------------------------------------------------------- tree

    def _listing(self) -> tuple[object, object, dict[str, tuple[Diagnostic, ...]]]:
        """What the listed problems were made from: the structural and file notes (as objects:
        a new analysis of the structure replaces them) and each layer's own diagnostics."""
        analysis = self.document.analysis
        by_layer: dict[str, tuple[Diagnostic, ...]] = {}
        for lid in {d.layer for d in self.diagnostics if d.layer is not None}:
            info = analysis.info.get(lid)
            if info is not None:
                by_layer[lid] = tuple(info.diagnostics)
        return analysis.structural, self.document.design.load_notes, by_layer

    def _same_problems(self, changed: object) -> bool:
        """Whether an analysis update left the listed problems as they were, told from the
        layers it changed alone (a 10,000-layer design is not listed again to find out)."""
        analysis, design = self.document.analysis, self.document.design
        if (
            not isinstance(changed, set | frozenset)
            or not changed
            or self._listed[0] is None
            or self._listed_empty != (not len(design))
        ):
            return False
        structural, notes, by_layer = self._listed
        if analysis.structural is not structural or design.load_notes is not notes:
            return False
        infos = analysis.info
        for lid in analysis.beyond_fields(changed):
            info = infos.get(lid)
            if info is None or lid not in design:
                return False
            if tuple(info.diagnostics) != by_layer.get(lid, ()):
                return False
        return True

    def _keep_tree(self) -> None:
        """The same problems (most edits of a long design): the tree stays as it is."""
        self.tree_builds_skipped += 1
        self._syncing = True
        try:
            self._select_tree_for_mode()
        finally:
            self._syncing = False

    def _rebuild_tree(self, force: bool = False) -> None:
        """List the diagnostics again, keeping the selected one selected (``force``: rebuild the
        rows even if the problems are the same, e.g. for the icons of a new colour scheme)."""
        empty = not len(self.document.design)
        # An empty design is not an error: nothing to list until there is a layer.
        previous = self.diagnostics if self.tree.topLevelItemCount() and not force else None
        self.diagnostics = [] if empty else self.document.analysis.diagnostics()
        if (
            self._mode is not None
            and self._mode[0] == "diagnostic"
            and self.current_diagnostic() is None
        ):
            # The problem is gone (fixed): keep explaining its layer, and remember the problem
            # so that Undo, bringing it back, shows it again rather than the layer's arithmetic.
            key = self._mode[1]
            layer = key.layer if isinstance(key, DiagnosticKey) else None
            self._gone = key if isinstance(key, DiagnosticKey) else None
            self._mode = (
                ("layer", layer) if layer is not None and layer in self.document.design else None
            )
            self._render_timer.start()
        elif (
            self._gone is not None
            and self._mode == ("layer", self._gone.layer)
            and any(DiagnosticKey.of(d) == self._gone for d in self.diagnostics)
        ):
            self._mode = ("diagnostic", self._gone)
            self._gone = None
            self._render_timer.start()
        if (
            self._mode is not None
            and self._mode[0] == "layer"
            and self._mode[1] not in self.document.design
        ):
            self._mode = None
        self._listed = self._listing()
        if self.diagnostics == previous and (self.diagnostics or self._listed_empty == empty):
            self._keep_tree()
            return
        if previous and self._retext(previous):
            self._keep_tree()
            return
        self._listed_empty = empty
        self._syncing = True
        try:
            self.tree.clear()
            style = self.style()
            icons = {
                "error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
                "info": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation),
            }
            counts: dict[str, int] = {}
            for severity, title, _color in GROUPS:
                members = [(n, d) for n, d in enumerate(self.diagnostics) if d.severity == severity]
                counts[severity] = len(members)
                if not members:
                    continue
                group = QTreeWidgetItem([f"{title} ({len(members)})", ""])
                group.setIcon(0, icons[severity])
                group.setFirstColumnSpanned(True)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(group)
                for n, d in members:
                    item = QTreeWidgetItem([d.layer or "(design)", _short_message(d)])
                    item.setIcon(0, icons[severity])
                    item.setData(0, DIAG_ROLE, n)
                    item.setToolTip(1, f"[{d.code}] {d.message}")
                    item.setToolTip(0, f"[{d.code}] {d.message}")
                    group.addChild(item)
                group.setFirstColumnSpanned(True)
                group.setExpanded(True)
            if not self.diagnostics:
                text = "Nothing to check yet: the design is empty" if empty else "No problems found"
                empty_item = QTreeWidgetItem([text, ""])
                empty_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                empty_item.setFirstColumnSpanned(True)
                self.tree.addTopLevelItem(empty_item)
            self._select_tree_for_mode()
        finally:
            self._syncing = False
        parts = []
        for severity, title, color in GROUPS:
            n = counts.get(severity, 0)
            word = title.lower() if n != 1 else title.lower()[:-1]
            parts.append(
                f'<span style="color:{color if n else "#78909c"}"><b>{n}</b> {word}</span>'
            )
        self.counts_label.setText(" · ".join(parts))

    def _retext(self, previous: list[Diagnostic]) -> bool:
        """The same problems of the same layers, some worded with other numbers (a receptive
        field that grew): their rows take the new words where they stand. Clearing and filling
        the tree again lays it out anew and repaints the whole dock. False (nothing changed)
        when a problem came, went or moved."""
        now = self.diagnostics
        if len(now) != len(previous) or any(
            a.code != b.code or a.layer != b.layer or a.severity != b.severity
            for a, b in zip(now, previous, strict=True)
        ):
            return False
        for item in self.items():
            n = item.data(0, DIAG_ROLE)
            d = now[n]
            if d.message != previous[n].message:
                item.setText(1, _short_message(d))
                item.setToolTip(1, f"[{d.code}] {d.message}")
                item.setToolTip(0, f"[{d.code}] {d.message}")
        self.tree_rows_retexted += 1
        return True

    def items(self) -> list[QTreeWidgetItem]:
        """The diagnostic rows of the tree, in display order."""
        out: list[QTreeWidgetItem] = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            if group is None:
                continue
            out.extend(
                item for c in range(group.childCount()) if (item := group.child(c)) is not None
            )
        return out

    def item_for(self, code: str, layer: str | None) -> QTreeWidgetItem | None:
        key = DiagnosticKey(code, layer)
        for item in self.items():
            if DiagnosticKey.of(self.diagnostics[item.data(0, DIAG_ROLE)]) == key:
                return item
        return None

    def _select_tree_for_mode(self) -> None:
        target: QTreeWidgetItem | None = None
        if (
            self._mode is not None
            and self._mode[0] == "diagnostic"
            and isinstance(self._mode[1], DiagnosticKey)
        ):
            target = self.item_for(self._mode[1].code, self._mode[1].layer)
        elif self._mode is not None and self._mode[0] == "layer":
            target = next(
                (
                    i
                    for i in self.items()
                    if self.diagnostics[i.data(0, DIAG_ROLE)].layer == self._mode[1]
                ),
                None,
            )
        self.tree.clearSelection()
        if target is not None:
            target.setSelected(True)
            self.tree.scrollToItem(target)
        self.tree.horizontalScrollBar().setValue(
            0
        )  # a long message must not leave the list scrolled sideways

    def _on_tree_selection(self) -> None:
        if self._syncing:
            return
        selected = self.tree.selectedItems()
        if not selected or selected[0].data(0, DIAG_ROLE) is None:
            return
        d = self.diagnostics[selected[0].data(0, DIAG_ROLE)]
        self._mode = ("diagnostic", DiagnosticKey.of(d))
        self._gone = None
        if d.layer is not None and d.layer in self.document.design:
            self._syncing = True
            try:
                self.document.select([d.layer])
            finally:
                self._syncing = False
            self.layer_activated.emit(d.layer)
        self._render()

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        n = item.data(0, DIAG_ROLE)
        if (
            n is not None
            and (layer := self.diagnostics[n].layer) is not None
            and layer in self.document.design
        ):
            self.layer_activated.emit(layer)

    def _on_document_selection(self, ids: list[str]) -> None:
        if self._syncing:
            return
        current = ids[-1] if ids else None
        if current is None:
            if self._mode is not None and self._mode[0] == "layer":
                self._mode = None
        elif self.current_layer() != current or self._mode is None or self._mode[0] != "diagnostic":
            if self._gone is not None and self._gone.layer != current:
                self._gone = None
            self._mode = ("layer", current)
        self._syncing = True
        try:
            self._select_tree_for_mode()
        finally:
            self._syncing = False
        if len(ids) > 1 and QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
            # A selection that grows under the mouse (a rubber band, Shift-dragging): the
            # explanation follows once the button is let go, not at every move (each a new
            # page typeset: 9 ms a move while a band swept over thousands of cards).
            self._render_timer.start()
            return
        self._render()

    def select_diagnostic(self, code: str, layer: str | None) -> bool:
        """Select a problem as a user clicking it would (returns False if it is not listed)."""
        item = self.item_for(code, layer)
        if item is None:
            return False
        renders = self._renders
        self.tree.setCurrentItem(item)  # a change of selection shows the problem ...
        item.setSelected(True)
        if self._mode != ("diagnostic", DiagnosticKey(code, layer)) or self._renders == renders:
            self._on_tree_selection()  # ... else (it was highlighted already) show it as a click does
        return True

    # ----------------------------------------------------------- explanation

    def explain_layer(self, layer_id: str) -> None:
        """Show why ``layer_id`` has its shape (not one of its problems)."""
        if layer_id in self.document.design:
            self._mode = ("layer", layer_id)
            self._gone = None
            self._render()

    def _show_current_layer(self) -> None:
        layer = self.current_layer()
        if layer is not None:
            self._mode = ("layer", layer)
            self._render()

    def _render(self) -> None:
        """Fill the title, the fix buttons and the browser for the current mode (when the
        panel is shown: behind another tab of its dock, when it is shown again)."""
        self._render_timer.stop()
        if not self._flushing and unseen(self):
            # (Its explanation laid out at every layer selected elsewhere, unseen: 3-5 ms a
            # click on the canvas, the table or the charts, and its fixes looked for.)
            self._render_owed = True
            return
        self._render_owed = False
        self._renders += 1
        analysis = self.document.analysis
        mode = self._mode
        diag = self.current_diagnostic()
        layer = self.current_layer()
        fixes: list[Fix] = []
        pending = False
        if mode is not None and mode[0] == "compare":
            self.layer_button.hide()
            body = self._comparison_html()
        elif diag is not None:
            found = self._find_fixes([diag])
            pending, fixes = found is None, found or []
            where = f" in {diag.layer}" if diag.layer else ""
            heading = f"{diag.severity.capitalize()}{where}: {diag.code.replace('_', ' ')}"
            body = explanation_html(explain_diagnostic(analysis, diag, fixes), heading)
            if layer is not None and layer in self.document.design:
                self.layer_button.setText(
                    f"{layer_question(self.document, layer)}  (the arithmetic of the layer)"
                )
                self.layer_button.show()
            else:
                self.layer_button.hide()
        elif layer is not None and layer in self.document.design:
            question = layer_question(self.document, layer)
            self.layer_button.hide()
            found = self._find_fixes(
                analysis.info[layer].diagnostics if layer in analysis.info else [], MAX_LAYER_FIXES
            )
            pending, fixes = found is None, found or []
            body = explanation_html(explain_layer(analysis, layer), question)
        else:
            self.layer_button.hide()
            body = self._overview_html()
        if (
            mode is not None
            and mode[0] != "compare"
            and layer is not None
            and layer in self.document.design
            and layer_window(analysis, layer) is not None
        ):
            body = _with_window_link(body, layer)
        self._set_fixes(fixes, pending)
        same_subject = getattr(self, "_last_mode", None) == mode
        self._last_mode = mode
        if same_subject and body == self._shown_body:
            return  # (most edits leave the explanation shown as it was: no new layout, no repaint)
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(body)
        self._shown_body = body
        if same_subject:
            self.browser.verticalScrollBar().setValue(scroll)

    def explanation_text(self) -> str:
        """The explanation as plain text (what the browser shows, or will show once the panel is
        shown again)."""
        if self._render_owed:
            self.flush()
        return self.browser.toPlainText()

    def catch_up(self) -> None:
        """Shown again (its tab selected): the explanation left meanwhile, typeset now."""
        if self._render_owed:
            self._render()

    def showEvent(self, event: QShowEvent) -> None:
        self.catch_up()
        super().showEvent(event)

    def _overview_html(self) -> str:
        t = self.document.analysis.totals()
        if not len(self.document.design):
            return "<p>The design is empty. Drag an <b>Input</b> from the palette to start.</p>"
        lines = []
        if t.errors or t.warnings:
            lines.append(
                f"<p>This design has <b>{t.errors}</b> error{'s' if t.errors != 1 else ''} and "
                f"<b>{t.warnings}</b> warning{'s' if t.warnings != 1 else ''}. Select one above to see the "
                "arithmetic behind it and the fixes.</p>"
            )
        else:
            lines.append("<p>Every shape in this design works out.</p>")
        lines.append(
            "<p>Select any layer to see <i>why</i> it has its shape: the formula, the same formula with "
            "your numbers, each step, and what each dimension means.</p>"
        )
        return "".join(lines)

    # ---------------------------------------------------------------- fixes

    def _find_fixes(
        self, diagnostics: list[Diagnostic], limit: int | None = None
    ) -> list[Fix] | None:
        """The fixes for the problem or layer now shown; ``None`` while the worker looks for them."""
        if not diagnostics:
            return []
        key = (self._revision, self._mode)
        return self.fix_finder.find(
            key,
            self.document.design,
            diagnostics,
            analysis=self.document.analysis,
            limit=limit,
            wait=self._flushing,
        )

    def _on_fixes_found(self, key: object, _fixes: list[Fix]) -> None:
        if key == (self._revision, self._mode):
            self._render()

    def _set_fixes(self, fixes: list[Fix], pending: bool = False) -> None:
        while self.fix_layout.count():
            child = self.fix_layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.hide()  # gone from the screen now, not when the event loop deletes it
                widget.deleteLater()
        self.fixes = list(fixes)
        self.fix_buttons = []
        if pending:
            looking = QLabel("<i>Looking for fixes…</i>")
            looking.setObjectName("fixes_pending")
            self.fix_layout.addWidget(looking)
            self.fix_box.setFixedHeight(looking.sizeHint().height() + 4)
            self.fix_box.show()
            return
        if not fixes:
            self.fix_box.hide()
            return
        header = QLabel(f"<b>Fix{'es' if len(fixes) > 1 else ''}</b> (one click; Ctrl+Z undoes it)")
        self.fix_layout.addWidget(header)
        for n, fix in enumerate(fixes):
            button = FixButton(f"{n + 1}. {short_label(fix)}")
            button.setObjectName(f"fix_{n}")
            button.setToolTip(fix.label + (f"\n→ {fix.detail}" if fix.detail else ""))
            button.setStyleSheet("QPushButton { text-align: left; padding: 3px 8px; }")
            button.clicked.connect(lambda _checked=False, f=fix: self.apply(f))
            self.fix_layout.addWidget(button)
            self.fix_buttons.append(button)
        self._fix_header = header
        self.fix_box.show()
        self._fit_fixes()

    def _fit_fixes(self) -> None:
        """Wrap each fix's text to the panel's width and show every button whole (up to
        MAX_LAYER_FIXES; more scroll): a half-hidden fix is a fix the user does not find."""
        if not self.fix_buttons or self._fix_header is None:
            return
        width = max(self.fix_box.viewport().width(), 120)
        spacing = self.fix_layout.spacing()
        height = self._fix_header.sizeHint().height() + spacing
        for n, button in enumerate(self.fix_buttons):
            button.wrap_to(width)
            if n < MAX_LAYER_FIXES:
                height += button.sizeHint().height() + spacing
        self.fix_box.setFixedHeight(height + 2)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_fixes()

    def apply(self, fix: Fix) -> None:
        """Apply a suggested fix as one undo step; explain why if it no longer applies."""
        try:
            apply_fix(self.document, fix)
        except FixError as exc:
            QMessageBox.warning(self, "Apply fix", str(exc))
            return
        self.flush()

    # ------------------------------------------------------------ semantics

    def _schedule_comparison(self) -> None:
        # A long design is compared after a longer pause in the editing: the comparison takes
        # seconds of another core, and each new edit stops it half-way.
        long = len(self.document.design) > INLINE_LAYERS
        self._compare_timer.setInterval(COMPARE_LONG_MS if long else COMPARE_MS)
        self._compare_timer.start()

    def shutdown(self) -> None:
        """Stop the comparison under way, if any (the window closing): its process is ended
        here rather than left for Qt to kill as the panel goes, with a warning on stderr."""
        self._compare_timer.stop()
        self._comparer.shutdown()

    def _update_comparison(self) -> None:
        self._compare_timer.stop()
        design = self.document.design
        if len(design) > INLINE_LAYERS:
            self._comparer.start(self._revision, design, self.document.analysis)
            return
        self._show_comparison(compare_now(design, self.document.analysis))

    def _on_compared(self, revision: int, rows: list[SemanticsRow]) -> None:
        if revision == self._revision:  # else an edit overtook it; its own comparison follows
            self._show_comparison(rows)

    def _show_comparison(self, rows: list[SemanticsRow]) -> None:
        self.disagreements = rows
        if not rows:
            self.banner.hide()
            if self._mode is not None and self._mode[0] == "compare":
                self._mode = None
                self._render_timer.start()
            return
        origins = self.disagreement_origins()
        first = next(r for r in rows if r.layer == origins[0]) if origins else rows[0]
        outcomes = "; ".join(
            f"{SEMANTICS_LABELS[s]} {first.outputs[s]}" for s in SEMANTICS if s in first.outputs
        )
        where = ", ".join(html.escape(o) for o in origins[:3]) + (" …" if len(origins) > 3 else "")
        follow = len(rows) - len(origins)
        self.banner.setText(
            f"<b>Frameworks disagree</b> at {len(origins)} layer{'s' if len(origins) != 1 else ''} "
            f'({where}). <a href="compare">Compare</a>'
        )
        self.banner.setToolTip(
            f"{first.layer}: {outcomes}."
            + (f"\n{follow} later layers inherit the difference." if follow else "")
            + "\nThe same design under PyTorch, Keras, Caffe and strict rounding rules."
        )
        self.banner.show()
        if self._mode is not None and self._mode[0] == "compare":
            self._render_timer.start()

    def disagreement_origins(self) -> list[str]:
        """Layers where a difference starts: under some framework the layer's output differs
        from the current semantics' while every one of its inputs still agrees."""
        by_layer = {r.layer: r for r in self.disagreements}
        design = self.document.design
        current = design.semantics
        out = []
        for r in self.disagreements:
            if r.layer not in design:
                continue
            inputs = [by_layer.get(i) for i in design.layer(r.layer).sources]
            for sem, value in r.outputs.items():
                if value == r.outputs.get(current):
                    continue
                if all(i is None or i.outputs.get(sem) == i.outputs.get(current) for i in inputs):
                    out.append(r.layer)
                    break
        return out

    def _on_banner_link(self, link: str) -> None:
        if link == "compare":
            self._mode = ("compare", None)
            self._render()

    def _comparison_html(self) -> str:
        rows = self.disagreements
        current = self.document.design.semantics
        if not rows:
            return "<p>Every layer has the same output under PyTorch, Keras, Caffe and strict rules.</p>"
        short = {"pytorch": "PyTorch", "keras": "Keras", "caffe": "Caffe", "strict": "Strict"}
        head = "".join(f"<th>{short[s]}{'*' if s == current else ''}</th>" for s in SEMANTICS)
        origins = set(self.disagreement_origins())
        body = []
        for r in rows:
            mine = r.outputs.get(current)
            cells = []
            for s in SEMANTICS:
                out = r.outputs.get(s, "?")
                cls = "differs" if out != mine else "cell"
                cells.append(
                    f'<td class="{cls}" style="white-space:nowrap">{html.escape(out)}</td>'
                )
            name = html.escape(r.layer)
            if r.layer in origins:
                name = f"<b>{name}</b>"
            body.append(
                f'<tr><td class="cell" style="white-space:nowrap"><a href="layer:{html.escape(r.layer)}">{name}</a></td>'
                f"{''.join(cells)}</tr>"
            )
        return (
            "<p>Each layer's output under each framework's rounding rules (* = the current one; "
            "in red where it differs). Layers in <b>bold</b> are where a difference starts; the "
            "others inherit it. Switch with the <b>Semantics</b> control in the toolbar.</p>"
            '<table class="compare" cellspacing="0" border="1" style="border-collapse:collapse">'
            f"<tr><th>Layer</th>{head}</tr>{''.join(body)}</table>"
            "<p><small>PyTorch floors (ceil_mode per pooling layer); Keras floors, &quot;same&quot; = "
            "⌈in/stride⌉; Caffe floors convolutions and rounds pooling up; strict rejects any "
            "division that is not whole. See Help → Arithmetic reference.</small></p>"
        )

    def _on_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("window:"):
            self.window_requested.emit(text[len("window:") :])
        elif text.startswith("layer:"):
            layer = text[len("layer:") :]
            if layer in self.document.design:
                self.document.select([layer])
                self.layer_activated.emit(layer)


def _with_window_link(body: str, layer: str) -> str:
    """The explanation with a link to the layer's sliding window under its title."""
    link = (
        f'<p><a href="window:{html.escape(layer)}">See the window slide over the input ▸</a> '
        '<span style="color:#78909c">(the Window tab)</span></p>'
    )
    cut = body.find("</p>")
    return body[: cut + 4] + link + body[cut + 4 :] if cut >= 0 else link + body


class FixButton(QPushButton):
    """A fix's button whose text wraps onto more lines in a narrow panel instead of being cut."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.full_text = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def wrap_to(self, width: int) -> None:
        room = width - 24  # the button's frame and padding
        metrics = self.fontMetrics()
        lines: list[str] = []
        for word in self.full_text.split(" "):
            if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= room:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        text = "\n".join(lines)
        if text != self.text():
            self.setText(text)
            self.updateGeometry()


def _short_message(d: Diagnostic) -> str:
    """The message without the leading ``layer:`` the tree already shows."""
    msg = d.message
    if d.layer and msg.startswith(f"{d.layer}: "):
        msg = msg[len(d.layer) + 2 :]
    return msg[:1].upper() + msg[1:]

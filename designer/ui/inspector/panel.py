"""The inspector: the selected layer's id, hyper-parameters, resulting shape and problems.

Editors come from ``editor_for`` (one per ``ParamKind``). Changes go to the document
as the user types (merged into one undo step per field edit); a value the document
refuses shows its message under the field and leaves the design as it was.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.core.design import DesignError, split_ref
from designer.core.registry import REGISTRY
from designer.core.report import human_bytes, human_count, rf_text
from designer.core.shape_rules import fmt_outputs, fmt_shape
from designer.ui import theme
from designer.ui.busy import LONG_DESIGN
from designer.ui.deferred import unseen
from designer.ui.document import Document
from designer.ui.inspector.editors import OptPairEditor, ParamEditor, editor_for

_ERROR_STYLE = "color: #c0392b;"
_SEVERITY_COLORS = {"error": "#c0392b", "warning": "#9a6700", "info": "#4a5a6a"}


#: After a long design opens, a layer type's form is made every this many ms while idle.
WARM_MS = 40


class Inspector(QScrollArea):
    problem_requested = Signal(str, object)  # (diagnostic code, layer id): "explain this problem"

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.document = document
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.layer_id: str | None = None
        self._editors: dict[str, ParamEditor] = {}
        self._messages: dict[str, QLabel] = {}
        #: the selected layer's form is still to be shown (``_ensure_form``): the layer was
        #: selected while the inspector could not be seen (its dock behind another tab)
        self._form_owed = False
        self._type: str | None = None

        body = QWidget()
        self.setWidget(body)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(10, 10, 10, 10)
        outer.setSpacing(8)

        self.empty_hint = QLabel(
            "Select a layer on the canvas to see and edit its hyper-parameters."
        )
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        outer.addWidget(self.empty_hint)

        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(8)
        outer.addWidget(self.content)
        outer.addStretch(1)

        header = QHBoxLayout()
        self.icon = QLabel()
        self.type_label = QLabel()
        self.type_label.setStyleSheet("font-weight: 600; font-size: 11pt;")
        header.addWidget(self.icon)
        header.addWidget(self.type_label, 1)
        content.addLayout(header)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        content.addWidget(self.summary)

        id_form = QFormLayout()
        id_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("layer_id_edit")
        self.id_edit.setToolTip("The layer's id: letters, digits, _, - and . (Enter renames)")
        self.id_edit.editingFinished.connect(self._rename)
        self.id_message = QLabel()
        self.id_message.setStyleSheet(_ERROR_STYLE)
        self.id_message.setWordWrap(True)
        self.id_message.hide()
        id_form.addRow("id", self.id_edit)
        id_form.addRow("", self.id_message)
        content.addLayout(id_form)

        self.output = QLabel()
        self.output.setObjectName("output_shape")
        self.output.setTextFormat(Qt.TextFormat.RichText)
        self.output.setWordWrap(True)
        self.output.setStyleSheet(
            "QLabel { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; padding: 8px; }"
        )
        content.addWidget(self.output)

        # Which output of a Split/Chunk each input takes ("split1:0", "split1:1", ...).
        self.picks_host = QWidget()
        self.picks_host.setObjectName("output_picks")
        self.picks = QFormLayout(self.picks_host)
        self.picks.setContentsMargins(0, 0, 0, 0)
        self.picks.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.pick_boxes: dict[int, QComboBox] = {}
        self._picks_key: tuple[Any, ...] | None = None
        content.addWidget(self.picks_host)

        params_title = QLabel("Hyper-parameters")
        params_title.setStyleSheet("font-weight: 600;")
        content.addWidget(params_title)
        self.params_title = params_title
        # One form per layer type, built when a layer of that type is first shown and kept:
        # a form of a dozen editors took about 6 ms to build, on every layer added.
        self.form_host = QWidget()
        self._forms_layout = QVBoxLayout(self.form_host)
        self._forms_layout.setContentsMargins(0, 0, 0, 0)
        self._forms: dict[str, tuple[QWidget, dict[str, ParamEditor], dict[str, QLabel]]] = {}
        self.forms_built = 0  # (tests)
        content.addWidget(self.form_host)

        self.diagnostics = QLabel()
        self.diagnostics.setObjectName("layer_diagnostics")
        self.diagnostics.setTextFormat(Qt.TextFormat.RichText)
        self.diagnostics.setWordWrap(True)
        self.diagnostics.linkActivated.connect(self._on_problem_link)
        content.addWidget(self.diagnostics)

        document.selection_changed.connect(self._on_selection)
        document.params_changed.connect(self._on_params_changed)
        document.analysis_updated.connect(self._on_analysis)
        document.layer_renamed.connect(self._on_renamed)
        document.inputs_changed.connect(self._on_inputs_changed)
        document.design_reset.connect(self._on_design_reset)
        # After a long design opens, the forms of its layer types are made one at a time while
        # the app is idle (``_warm_one``), not on the first click on a layer of each type.
        self._to_warm: list[str] = []
        self._warm_timer = QTimer(self)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.setInterval(WARM_MS)
        self._warm_timer.timeout.connect(self._warm_one)
        self.show_layer(None)

    # ------------------------------------------------------------ building

    def _on_design_reset(self) -> None:
        self.show_layer(None)
        design = self.document.design
        self._to_warm = []
        if len(design) >= LONG_DESIGN:
            types = dict.fromkeys(layer.type for layer in design)
            self._to_warm = [t for t in types if t in REGISTRY and t not in self._forms]
        if self._to_warm:
            self._warm_timer.start()
        else:
            self._warm_timer.stop()

    def _warm_one(self) -> None:
        """Make (and polish) the form of one more layer type of the design, hidden: a form made
        and shown for the first time took 20-40 ms of the click that selected a layer of its
        type on the 10,000-layer designs, each piece now a short step of idle time."""
        while self._to_warm:
            type_id = self._to_warm.pop(0)
            if type_id in self._forms or type_id not in REGISTRY:
                continue
            kept = self._forms[type_id] = self._new_form(type_id)
            self._forms_layout.addWidget(kept[0])
            kept[0].ensurePolished()  # (its editors' style and fonts, as a first show does)
            break
        if self._to_warm:
            self._warm_timer.start()

    def show_layer(self, layer_id: str | None) -> None:
        design = self.document.design
        if layer_id is not None and layer_id not in design:
            layer_id = None
        n = len(self.document.selection)
        self.layer_id = layer_id
        if layer_id is None:
            self.content.hide()
            self.empty_hint.setText(
                f"{n} layers selected."
                if n > 1
                else "Select a layer on the canvas to see and edit its hyper-parameters."
            )
            self.empty_hint.show()
            self._type = None
            self._form_owed = False
            return
        self.empty_hint.hide()
        self.content.show()
        layer = design.layer(layer_id)
        ltype = REGISTRY[layer.type]
        self.icon.setPixmap(theme.type_icon(layer.type).pixmap(22, 22))
        self.type_label.setText(
            f"{layer.type}  <span style='color:{theme.TEXT_MUTED.name()}; font-weight:400'>"
            f"· {ltype.category}</span>"
        )
        self.summary.setText(ltype.summary)
        self.id_edit.setText(layer_id)
        self._set_id_message("")
        if unseen(self):
            # Behind another tab (the problems list, while the user clicks its problems): the
            # form is filled when the inspector is shown or its editors are read, not at every
            # click (a form made and shown for a layer type not shown before took 20-70 ms of
            # a click on a problem of the 10,000-layer designs).
            self._form_owed = True
        else:
            self._form_owed = False
            self._show_form(layer.type)
        self._refresh_analysis()

    @property
    def editors(self) -> dict[str, ParamEditor]:
        """The shown layer's editors, by parameter name."""
        self._ensure_form()
        return self._editors

    @property
    def messages(self) -> dict[str, QLabel]:
        """The shown layer's message under each editor, by parameter name."""
        self._ensure_form()
        return self._messages

    def _ensure_form(self) -> None:
        if self._form_owed and self.layer_id is not None and self.layer_id in self.document.design:
            self._form_owed = False
            self._show_form(self.document.design.layer(self.layer_id).type)

    def catch_up(self) -> None:
        """Shown again (its tab selected): the form of the layer selected meanwhile."""
        self._ensure_form()

    def showEvent(self, event: QShowEvent) -> None:
        self._ensure_form()
        super().showEvent(event)

    def _show_form(self, type_id: str) -> None:
        if self._type != type_id:
            self._build_form(type_id)
        self._load_values()

    def _build_form(self, type_id: str) -> None:
        """Show the form of ``type_id``'s hyper-parameters (built the first time)."""
        kept = self._forms.get(type_id)
        if kept is None:
            kept = self._forms[type_id] = self._new_form(type_id)
            self._forms_layout.addWidget(kept[0])
        host, self._editors, self._messages = kept
        for message in self._messages.values():  # a message shown for another layer
            if message.isVisibleTo(host):
                message.clear()
                message.hide()
        for other, _editors, _messages in self._forms.values():
            if other is not host and not other.isHidden():
                other.hide()
        host.show()
        self.params_title.setVisible(bool(REGISTRY[type_id].params))
        self._type = type_id

    def _new_form(self, type_id: str) -> tuple[QWidget, dict[str, ParamEditor], dict[str, QLabel]]:
        host = QWidget()
        host.hide()
        form = QFormLayout(host)
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        editors: dict[str, ParamEditor] = {}
        messages: dict[str, QLabel] = {}
        for spec in REGISTRY[type_id].params:
            editor = editor_for(spec)
            label = QLabel(spec.title)
            label.setToolTip(spec.doc)
            message = QLabel()
            message.setObjectName(f"message_{spec.name}")
            message.setStyleSheet(_ERROR_STYLE)
            message.setWordWrap(True)
            message.hide()
            field = QWidget()
            col = QVBoxLayout(field)
            col.setContentsMargins(0, 0, 0, 0)
            col.setSpacing(2)
            col.addWidget(editor)
            col.addWidget(message)
            form.addRow(label, field)
            editor.edited.connect(lambda value, name=spec.name: self._edited(name, value))
            editor.finished.connect(self.document.close_edit)
            editor.invalid.connect(lambda text, name=spec.name: self._show_message(name, text))
            editors[spec.name] = editor
            messages[spec.name] = message
        self.forms_built += 1
        return host, editors, messages

    def _load_values(self) -> None:
        if self.layer_id is None:
            return
        layer = self.document.design.layer(self.layer_id)
        for name, editor in self._editors.items():
            # Showing the model's value is not an edit: whatever the editor's widgets signal
            # to each other while they change (a padding editor going from h × w back to one
            # number re-locks its spin boxes), nothing may leave the editor. It used to push
            # a new edit in the middle of an undo.
            editor.blockSignals(True)
            try:
                editor.set_value(layer.value(name))
                if isinstance(editor, OptPairEditor) and layer.value(name) is None:
                    editor.show_followed(
                        layer.value("kernel_size") if "kernel_size" in self._editors else None
                    )
            finally:
                editor.blockSignals(False)

    # ------------------------------------------------------------- editing

    def _edited(self, name: str, value: Any) -> None:
        if self.layer_id is None:
            return
        try:
            self.document.set_param(self.layer_id, name, value)
        except DesignError as exc:
            self._show_message(name, str(exc))
            return
        self._show_message(name, "")

    def _show_message(self, name: str, text: str) -> None:
        label = self._messages.get(name)
        if label is not None:
            label.setText(text)
            label.setVisible(bool(text))

    def _set_id_message(self, text: str) -> None:
        self.id_message.setText(text)
        self.id_message.setVisible(bool(text))

    def _rename(self) -> None:
        if self.layer_id is None:
            return
        new = self.id_edit.text().strip()
        if new == self.layer_id:
            self._set_id_message("")
            return
        try:
            self.document.rename(self.layer_id, new)
        except DesignError as exc:
            self._set_id_message(str(exc))
            return
        self._set_id_message("")

    # ------------------------------------------------------------ following

    def _on_selection(self, ids: list[str]) -> None:
        self.show_layer(ids[-1] if len(ids) == 1 else None)

    def _on_params_changed(self, layer_id: str) -> None:
        if layer_id == self.layer_id and not self._form_owed:  # (else loaded when shown)
            self._load_values()

    def _refresh_picks(self) -> None:
        """One combo box per input that comes from a layer with several outputs."""
        assert self.layer_id is not None
        design, analysis = self.document.design, self.document.analysis
        layer = design.layer(self.layer_id)
        rows = []
        for pos, ref in enumerate(layer.inputs):
            src, index = split_ref(ref)
            if src not in design or not REGISTRY[design.layer(src).type].multi_output:
                continue
            info = analysis.info.get(src)
            shapes = tuple(info.output_shapes) if info is not None else ()
            rows.append((pos, src, index, shapes))
        key = (self.layer_id, tuple(rows))
        if key == self._picks_key:
            return
        self._picks_key = key
        while self.picks.rowCount():
            # Taken out and deleted later, not removeRow (which deletes at once): this runs from
            # a box's own ``activated`` signal when a pick is made, and deleting the box inside
            # its key or mouse event crashed (a use after free, seen as a segfault in the tests).
            row = self.picks.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.hide()
                    widget.deleteLater()
        self.pick_boxes = {}
        for pos, src, index, shapes in rows:
            box = QComboBox()
            box.setObjectName(f"pick_input_{pos}")
            box.setToolTip(
                f"Which piece of {src} this layer takes (saved as {src}:n in its inputs)"
            )
            count = max(len(shapes), (index or 0) + 1)
            for k in range(count):
                text = f"{src}:{k}" + (
                    f"  ({fmt_shape(shapes[k])})" if k < len(shapes) else "  (does not exist)"
                )
                box.addItem(text, k)
            if index is None:
                box.insertItem(0, f"{src}  (choose a piece)", None)
                box.setCurrentIndex(0)
            else:
                box.setCurrentIndex(index)
            box.activated.connect(lambda _n, b=box, p=pos: self._pick(p, b.currentData()))
            self.picks.addRow(f"input {pos + 1}", box)
            self.pick_boxes[pos] = box
        self.picks_host.setVisible(bool(rows))

    def _pick(self, position: int, index: Any) -> None:
        if self.layer_id is None or index is None:
            return
        try:
            self.document.set_input_output(self.layer_id, position, int(index))
        except DesignError:  # pragma: no cover - the position comes from the layer itself
            return

    def _on_inputs_changed(self, layer_id: str) -> None:
        if layer_id == self.layer_id:
            self._refresh_analysis()

    def _on_analysis(self, ids: set[str]) -> None:
        if self.layer_id is not None and (
            self.layer_id in ids or not ids or self.document.analysis.unlisted_fields
        ):
            self._refresh_analysis()

    def _on_renamed(self, old: str, new: str) -> None:
        if old == self.layer_id:
            self.layer_id = new
            self.id_edit.setText(new)

    def _on_problem_link(self, link: str) -> None:
        if link.startswith("problem:") and self.layer_id is not None:
            self.problem_requested.emit(link[len("problem:") :], self.layer_id)

    def _refresh_analysis(self) -> None:
        if self.layer_id is None or self.layer_id not in self.document.design:
            return
        analysis = self.document.analysis
        info = analysis.info.get(self.layer_id)
        self._refresh_picks()
        muted = theme.TEXT_MUTED.name()
        if info is None:
            self.output.setText("Output: <b>?</b>")
            self.diagnostics.setText("")
            return
        ins = ", ".join(fmt_shape(s) for s in info.input_shapes) or "—"
        out = (
            fmt_outputs(info.output_shapes) if info.output_shapes else fmt_shape(info.display_shape)
        )
        if info.display_shape != info.output_shape:
            out += f" <span style='font-size:9pt'>(channels-last: N×{fmt_shape(info.output_shape, 'chw')})</span>"
        if info.output_shape is None:
            note = (
                "unknown: fix the error here or upstream"
                if info.status != "unknown" or info.diagnostics
                else "unknown: a layer upstream has an error"
            )
            out_html = (
                f"<span style='color:#c0392b; font-size:15pt; font-weight:700'>?</span> "
                f"<span style='color:{muted}'>({note})</span>"
            )
        else:
            out_html = f"<span style='font-size:15pt; font-weight:700'>{out}</span>"
        lines = [
            f"<span style='color:{muted}'>in</span> {ins} &nbsp;→&nbsp; {out_html}",
            f"<span style='color:{muted}'>params</span> {info.params:,} &nbsp; "
            f"<span style='color:{muted}'>MACs</span> {human_count(info.macs)} &nbsp; "
            f"<span style='color:{muted}'>memory</span> {human_bytes(info.memory_bytes)} &nbsp; "
            f"<span style='color:{muted}'>RF</span> {rf_text(info)}",
        ]
        self.output.setText("<br>".join(lines))
        diags = list(info.diagnostics) + [
            d for d in analysis.structural if d.layer == self.layer_id
        ]
        if not diags:
            self.diagnostics.setText(
                "<span style='color:#2e7d32'>✓ No problems with this layer.</span>"
            )
            return
        items = []
        for d in diags:
            color = _SEVERITY_COLORS.get(d.severity, muted)
            text = d.message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            items.append(
                f"<p style='margin:0 0 6px 0'><b style='color:{color}'>{d.severity}</b> "
                f"<span style='color:{muted}'>[{d.code}]</span><br>{text}<br>"
                f"<a href='problem:{d.code}'>Explain this and show the fixes…</a></p>"
            )
        self.diagnostics.setText("".join(items))

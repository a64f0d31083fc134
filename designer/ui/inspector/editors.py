"""One editor per hyper-parameter kind, built by ``editor_for(spec)`` from the registry.

Every editor shows a value (``set_value``, which never emits) and reports the
user's changes as they type (``edited(value)``) and when a field edit ends
(``finished``). Text an editor cannot turn into a value is reported with
``invalid(message)`` and never reaches the document.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from designer.core.params import ParamError, ParamKind, ParamSpec

INT_MAX = 2**31 - 1


class ParamEditor(QWidget):
    edited = Signal(object)  # the new value (already in the form the registry accepts)
    finished = Signal()
    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"editor_{spec.name}")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)
        self.setToolTip(f"{spec.doc}\nAccepts {spec.expected()}.")

    # Every concrete editor defines these two.
    set_value: Callable[[Any], None]
    value: Callable[[], Any]

    def _emit(self) -> None:
        self.edited.emit(self.value())


def _spin(spec: ParamSpec, minimum: int | None = None, special: str = "") -> QSpinBox:
    box = QSpinBox()
    lo = int(spec.minimum) if spec.minimum is not None else -INT_MAX
    if minimum is not None:
        lo = minimum
    hi = int(spec.maximum) if spec.maximum is not None else INT_MAX
    box.setRange(lo, hi)
    box.setKeyboardTracking(True)
    box.setAccelerated(True)
    box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
    box.setMinimumWidth(64)
    if special:
        box.setSpecialValueText(special)
    return box


class IntEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spin = _spin(spec)
        self.row.addWidget(self.spin)
        self.row.addStretch(1)
        self.spin.valueChanged.connect(self._emit)
        self.spin.editingFinished.connect(self.finished)

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(int(value))
        self.spin.blockSignals(False)

    def value(self) -> Any:
        return self.spin.value()


class PairSpins(QWidget):
    """Height and width spin boxes with a lock that keeps them equal."""

    changed = Signal()
    finished = Signal()

    def __init__(
        self,
        spec: ParamSpec,
        minimum: int | None = None,
        special: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        self.h = _spin(spec, minimum, special)
        self.w = _spin(spec, minimum, special)
        self.h.setToolTip("height")
        self.w.setToolTip("width")
        self.lock = QToolButton()
        self.lock.setCheckable(True)
        self.lock.setChecked(True)
        self.lock.setAutoRaise(True)
        self.lock.setToolTip("Keep height and width equal")
        self.lock.setText("=")
        self.lock.setObjectName("lock")
        self.times = QLabel("×")
        row.addWidget(self.h)
        row.addWidget(self.times)
        row.addWidget(self.w)
        row.addWidget(self.lock)
        self.h.valueChanged.connect(lambda v: self._changed(self.h, self.w, v))
        self.w.valueChanged.connect(lambda v: self._changed(self.w, self.h, v))
        self.lock.toggled.connect(self._lock_toggled)
        self.h.editingFinished.connect(self.finished)
        self.w.editingFinished.connect(self.finished)

    def _changed(self, edited: QSpinBox, other: QSpinBox, value: int) -> None:
        if self.lock.isChecked() and other.value() != value:
            other.blockSignals(True)
            other.setValue(value)
            other.blockSignals(False)
        self.changed.emit()

    def _lock_toggled(self, on: bool) -> None:
        self.lock.setText("=" if on else "≠")
        if on and self.w.value() != self.h.value():
            self.w.setValue(self.h.value())

    def set_pair(self, h: int, w: int) -> None:
        for box, v in ((self.h, h), (self.w, w)):
            box.blockSignals(True)
            box.setValue(v)
            box.blockSignals(False)
        self.lock.blockSignals(True)
        self.lock.setChecked(h == w)
        self.lock.setText("=" if h == w else "≠")
        self.lock.blockSignals(False)

    def pair(self) -> list[int]:
        return [self.h.value(), self.w.value()]


def _as_hw(value: Any, default: int = 1) -> tuple[int, int]:
    if isinstance(value, list | tuple):
        return (
            default if value[0] is None else int(value[0]),
            default if value[1] is None else int(value[1]),
        )
    if value is None:
        return (default, default)
    return (int(value), int(value))


class PairEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spins = PairSpins(spec)
        self.row.addWidget(self.spins)
        self.row.addStretch(1)
        self.spins.changed.connect(self._emit)
        self.spins.finished.connect(self.finished)

    def set_value(self, value: Any) -> None:
        self.spins.set_pair(*_as_hw(value))

    def value(self) -> Any:
        h, w = self.spins.pair()
        return h if h == w else [h, w]


class OptPairEditor(ParamEditor):
    """Null (``stride`` follows the kernel) or a pair."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.auto = QCheckBox("= kernel")
        self.auto.setToolTip("Leave empty: PyTorch uses the kernel size")
        self.spins = PairSpins(spec)
        self.row.addWidget(self.auto)
        self.row.addWidget(self.spins)
        self.row.addStretch(1)
        self.auto.toggled.connect(self._toggled)
        self.spins.changed.connect(self._emit)
        self.spins.finished.connect(self.finished)

    def _toggled(self, on: bool) -> None:
        self.spins.setEnabled(not on)
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        self.auto.blockSignals(True)
        self.auto.setChecked(value is None)
        self.auto.blockSignals(False)
        self.spins.setEnabled(value is not None)
        if value is not None:
            self.spins.set_pair(*_as_hw(value))

    def show_followed(self, value: Any) -> None:
        """While the box says "= kernel", its greyed fields show the value in force (the kernel's),
        not a stale 1×1: a pooling layer's real stride is its kernel."""
        if self.auto.isChecked() and value is not None:
            self.spins.set_pair(*_as_hw(value))

    def value(self) -> Any:
        if self.auto.isChecked():
            return None
        h, w = self.spins.pair()
        return h if h == w else [h, w]


class PaddingEditor(ParamEditor):
    MODES = ("number", "pair", "same", "valid")

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.mode = QComboBox()
        self.mode.addItems(["number", "h × w", "same", "valid"])
        self.spins = PairSpins(spec)
        self.row.addWidget(self.mode)
        self.row.addWidget(self.spins)
        self.row.addStretch(1)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.spins.changed.connect(self._emit)
        self.spins.finished.connect(self.finished)

    def _apply_mode(self, index: int) -> None:
        mode = self.MODES[index]
        self.spins.setVisible(mode in ("number", "pair"))
        self.spins.w.setVisible(mode == "pair")
        self.spins.times.setVisible(mode == "pair")
        self.spins.lock.setVisible(False)
        self.spins.lock.setChecked(mode == "number")

    def _mode_changed(self, index: int) -> None:
        self._apply_mode(index)
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        if isinstance(value, str):
            index = self.MODES.index(value) if value in self.MODES else 0
        elif isinstance(value, list | tuple) and value[0] != value[1]:
            index = 1
        else:
            index = 0
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(index)
        self.mode.blockSignals(False)
        # The spin boxes re-lock while the mode changes: that is the display following the
        # value, not the user typing, so it must not announce a change.
        self.spins.blockSignals(True)
        try:
            if not isinstance(value, str):
                self.spins.set_pair(*_as_hw(value, 0))
            self._apply_mode(index)
        finally:
            self.spins.blockSignals(False)

    def value(self) -> Any:
        mode = self.MODES[self.mode.currentIndex()]
        if mode in ("same", "valid"):
            return mode
        h, w = self.spins.pair()
        if mode == "number":
            return h
        return h if h == w else [h, w]


class Pad4Editor(ParamEditor):
    """ZeroPad2d: one number, or left, right, top, bottom."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.mode = QComboBox()
        self.mode.addItems(["all sides", "each side"])
        self.spins = [_spin(spec, 0) for _ in range(4)]
        for box, name in zip(self.spins, ("left", "right", "top", "bottom"), strict=True):
            box.setToolTip(name)
            box.setMinimumWidth(52)
        self.row.addWidget(self.mode)
        for box in self.spins:
            self.row.addWidget(box)
            box.valueChanged.connect(self._emit)
            box.editingFinished.connect(self.finished)
        self.row.addStretch(1)
        self.mode.currentIndexChanged.connect(self._mode_changed)

    def _apply_mode(self) -> None:
        each = self.mode.currentIndex() == 1
        for box in self.spins[1:]:
            box.setVisible(each)

    def _mode_changed(self) -> None:
        self._apply_mode()
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        vals = [int(v) for v in value] if isinstance(value, list | tuple) else [int(value)] * 4
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(0 if len(set(vals)) == 1 else 1)
        self.mode.blockSignals(False)
        for box, v in zip(self.spins, vals, strict=True):
            box.blockSignals(True)
            box.setValue(v)
            box.blockSignals(False)
        self._apply_mode()

    def value(self) -> Any:
        if self.mode.currentIndex() == 0:
            return self.spins[0].value()
        vals = [b.value() for b in self.spins]
        return vals[0] if len(set(vals)) == 1 else vals


class SizeEditor(ParamEditor):
    """Adaptive pooling output size: h × w, where either may be "keep" (None)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spins = PairSpins(spec, minimum=0, special="keep")
        self.spins.h.setRange(0, INT_MAX)
        self.spins.w.setRange(0, INT_MAX)
        self.row.addWidget(self.spins)
        self.row.addStretch(1)
        self.spins.changed.connect(self._emit)
        self.spins.finished.connect(self.finished)

    def set_value(self, value: Any) -> None:
        if isinstance(value, list | tuple):
            h, w = (0 if v is None else int(v) for v in value)
        else:
            h = w = int(value)
        self.spins.set_pair(h, w)

    def value(self) -> Any:
        h, w = self.spins.pair()
        if h == w and h > 0:
            return h
        return [h or None, w or None]


class OptSizeEditor(ParamEditor):
    """Null, or a target [height, width] (Upsample size)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.enabled = QCheckBox("set")
        self.spins = PairSpins(spec, minimum=1)
        self.row.addWidget(self.enabled)
        self.row.addWidget(self.spins)
        self.row.addStretch(1)
        self.enabled.toggled.connect(self._toggled)
        self.spins.changed.connect(self._emit)
        self.spins.finished.connect(self.finished)

    def _toggled(self, on: bool) -> None:
        self.spins.setEnabled(on)
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        self.enabled.blockSignals(True)
        self.enabled.setChecked(value is not None)
        self.enabled.blockSignals(False)
        self.spins.setEnabled(value is not None)
        if value is not None:
            self.spins.set_pair(*_as_hw(value))

    def value(self) -> Any:
        if not self.enabled.isChecked():
            return None
        h, w = self.spins.pair()
        return h if h == w else [h, w]


class OptScaleEditor(ParamEditor):
    """Null, or a positive factor (one, or per axis)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.enabled = QCheckBox("set")
        self.h = QDoubleSpinBox()
        self.w = QDoubleSpinBox()
        for box in (self.h, self.w):
            box.setRange(0.01, 1000.0)
            box.setDecimals(3)
            box.setSingleStep(0.5)
            box.setKeyboardTracking(True)
        self.row.addWidget(self.enabled)
        self.row.addWidget(self.h)
        self.row.addWidget(QLabel("×"))
        self.row.addWidget(self.w)
        self.row.addStretch(1)
        self.enabled.toggled.connect(self._toggled)
        for box in (self.h, self.w):
            box.valueChanged.connect(self._emit)
            box.editingFinished.connect(self.finished)

    def _toggled(self, on: bool) -> None:
        self.h.setEnabled(on)
        self.w.setEnabled(on)
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        self.enabled.blockSignals(True)
        self.enabled.setChecked(value is not None)
        self.enabled.blockSignals(False)
        self.h.setEnabled(value is not None)
        self.w.setEnabled(value is not None)
        if value is not None:
            a, b = value if isinstance(value, list | tuple) else (value, value)
            for box, v in ((self.h, a), (self.w, b)):
                box.blockSignals(True)
                box.setValue(float(v))
                box.blockSignals(False)

    def value(self) -> Any:
        if not self.enabled.isChecked():
            return None
        a, b = self.h.value(), self.w.value()
        return a if a == b else [a, b]


class FloatEditor(ParamEditor):
    """A number typed as text (``1e-5`` reads better than a spin box can show)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit()
        self.line.setMaximumWidth(130)
        self.row.addWidget(self.line)
        self.row.addStretch(1)
        self.line.textEdited.connect(self._typed)
        self.line.editingFinished.connect(self.finished)

    def _typed(self, text: str) -> None:
        try:
            value = float(text.strip().replace("−", "-"))
        except ValueError:
            self.invalid.emit(
                f"{text!r} is not a number; {self.spec.name} takes {self.spec.expected()}"
            )
            return
        if not math.isfinite(value):
            self.invalid.emit(f"{self.spec.name} takes a finite number")
            return
        self.edited.emit(value)

    def set_value(self, value: Any) -> None:
        if self.line.hasFocus():
            try:
                if float(self.line.text()) == float(value):
                    return
            except ValueError:
                pass
        self.line.setText(f"{float(value):g}")

    def value(self) -> Any:
        return float(self.line.text())


class BoolEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox()
        self.row.addWidget(self.box)
        self.row.addStretch(1)
        self.box.toggled.connect(self._toggled)

    def _toggled(self) -> None:
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)

    def value(self) -> Any:
        return self.box.isChecked()


class EnumEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        self.combo.addItems(list(spec.choices))
        self.row.addWidget(self.combo)
        self.row.addStretch(1)
        self.combo.currentIndexChanged.connect(self._changed)

    def _changed(self) -> None:
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        self.combo.blockSignals(True)
        self.combo.setCurrentText(str(value))
        self.combo.blockSignals(False)

    def value(self) -> Any:
        return self.combo.currentText()


class ShapeEditor(ParamEditor):
    """Input shape: channels × height × width, or a feature vector."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.mode = QComboBox()
        self.mode.addItems(["C×H×W", "vector"])
        self.spins = [_spin(spec, 1) for _ in range(3)]
        for box, name in zip(self.spins, ("channels", "height", "width"), strict=True):
            box.setToolTip(name)
            box.setMinimumWidth(58)
        self.row.addWidget(self.mode)
        for box in self.spins:
            self.row.addWidget(box)
            box.valueChanged.connect(self._emit)
            box.editingFinished.connect(self.finished)
        self.row.addStretch(1)
        self.mode.currentIndexChanged.connect(self._mode_changed)

    def _apply_mode(self) -> None:
        vector = self.mode.currentIndex() == 1
        self.spins[0].setToolTip("features" if vector else "channels")
        for box in self.spins[1:]:
            box.setVisible(not vector)

    def _mode_changed(self) -> None:
        self._apply_mode()
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        vals = [int(v) for v in value]
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(1 if len(vals) == 1 else 0)
        self.mode.blockSignals(False)
        for box, v in zip(self.spins, vals, strict=False):
            box.blockSignals(True)
            box.setValue(v)
            box.blockSignals(False)
        self._apply_mode()

    def value(self) -> Any:
        if self.mode.currentIndex() == 1:
            return [self.spins[0].value()]
        return [b.value() for b in self.spins]


def parse_int_list(text: str) -> list[int] | int | None:
    """``"58, 58"``, ``"[0, 2, 3, 1]"``, ``"96×1×1"`` → a list; ``"58"`` → 58; ``""`` → None.

    Raises ``ValueError`` for anything else (the editor reports it, naming the text)."""
    cleaned = text.strip().replace("−", "-")
    bracketed = cleaned.startswith(("[", "("))
    cleaned = cleaned.strip("[]() ")
    if not cleaned:
        if bracketed:
            raise ValueError("an empty list")
        return None
    parts = [
        p for p in cleaned.replace("×", ",").replace("x", ",").replace(" ", ",").split(",") if p
    ]
    values = [int(p) for p in parts]
    if len(values) == 1 and not bracketed and "," not in cleaned and "×" not in text:
        return values[0]
    return values


def format_int_list(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
        return f"[{text}]" if len(value) == 1 else text  # [16] is a list, 16 a number
    return str(value)


class IntListEditor(ParamEditor):
    """A list of whole numbers typed as text (``0, 2, 3, 1``); for INT_OR_INTS one number is
    one value, for OPT_SHAPE an empty field means unknown (null)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit()
        self.line.setMaximumWidth(160)
        self.line.setPlaceholderText("unknown" if spec.kind is ParamKind.OPT_SHAPE else "e.g. 2, 3")
        self.row.addWidget(self.line)
        self.row.addStretch(1)
        self.line.textEdited.connect(self._typed)
        self.line.editingFinished.connect(self.finished)

    def _parse(self, text: str) -> Any:
        value = parse_int_list(text)
        if isinstance(value, int) and self.spec.kind is not ParamKind.INT_OR_INTS:
            value = [value]
        return self.spec.normalize(value)

    def _typed(self, text: str) -> None:
        try:
            value = self._parse(text)
        except (ValueError, ParamError):
            self.invalid.emit(f"{text!r}: {self.spec.name} takes {self.spec.expected()}")
            return
        self.edited.emit(value)

    def set_value(self, value: Any) -> None:
        # Text that already means this value stays as typed ("16, " while typing "16, 48").
        try:
            if self._parse(self.line.text()) == value and (self.line.text() or value is None):
                return
        except (ValueError, ParamError):
            pass
        self.line.setText(format_int_list(value))

    def value(self) -> Any:
        return self._parse(self.line.text())


class OptBoolEditor(ParamEditor):
    """null (PyTorch decides), true or false."""

    CHOICES = (("default", None), ("true", True), ("false", False))

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        self.combo.addItems([label for label, _ in self.CHOICES])
        self.row.addWidget(self.combo)
        self.row.addStretch(1)
        self.combo.currentIndexChanged.connect(self._changed)

    def _changed(self) -> None:
        self._emit()
        self.finished.emit()

    def set_value(self, value: Any) -> None:
        index = next((n for n, (_, v) in enumerate(self.CHOICES) if v is value), 0)
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)

    def value(self) -> Any:
        return self.CHOICES[self.combo.currentIndex()][1]


class TextEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit()
        self.row.addWidget(self.line)
        self.line.textEdited.connect(self._typed)
        self.line.editingFinished.connect(self.finished)

    def _typed(self, text: str) -> None:
        try:
            self.edited.emit(self.spec.normalize(text))
        except ParamError as exc:
            self.invalid.emit(f"{self.spec.name}: {exc}")

    def set_value(self, value: Any) -> None:
        if self.line.text() != value:
            self.line.setText(str(value))

    def value(self) -> Any:
        return self.line.text()


EDITORS: dict[ParamKind, type[ParamEditor]] = {
    ParamKind.INT: IntEditor,
    ParamKind.PAIR: PairEditor,
    ParamKind.OPT_PAIR: OptPairEditor,
    ParamKind.PADDING: PaddingEditor,
    ParamKind.PAD4: Pad4Editor,
    ParamKind.SIZE: SizeEditor,
    ParamKind.OPT_SIZE: OptSizeEditor,
    ParamKind.OPT_SCALE: OptScaleEditor,
    ParamKind.FLOAT: FloatEditor,
    ParamKind.BOOL: BoolEditor,
    ParamKind.ENUM: EnumEditor,
    ParamKind.SHAPE: ShapeEditor,
    ParamKind.INTS: IntListEditor,
    ParamKind.INT_OR_INTS: IntListEditor,
    ParamKind.OPT_SHAPE: IntListEditor,
    ParamKind.OPT_BOOL: OptBoolEditor,
    ParamKind.TEXT: TextEditor,
}


def editor_for(spec: ParamSpec, parent: QWidget | None = None) -> ParamEditor:
    """The editor for ``spec``'s kind (every ``ParamKind`` has one)."""
    editor = EDITORS[spec.kind](spec, parent)
    for box in editor.findChildren(QSpinBox):
        _report_out_of_range(editor, box)
    return editor


def _report_out_of_range(editor: ParamEditor, box: QSpinBox) -> None:
    """A number typed outside the box's range says why instead of being dropped in silence.

    A spin box refuses such a keystroke (or puts the old value back when the field is left);
    without a word the user cannot tell why (filters = 0 simply did nothing).
    """
    watcher = _RangeWatcher(editor, box)
    box.installEventFilter(watcher)  # keys reach the spin box, which hands them to its line edit
    box.lineEdit().textEdited.connect(watcher.check)


class _RangeWatcher(QObject):
    def __init__(self, editor: ParamEditor, box: QSpinBox) -> None:
        super().__init__(box)
        self.editor = editor
        self.box = box

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.text():
            line = self.box.lineEdit()
            text = line.text()
            if line.hasSelectedText():
                start = line.selectionStart()
                text = text[:start] + event.text() + text[start + len(line.selectedText()) :]
            else:
                pos = line.cursorPosition()
                text = text[:pos] + event.text() + text[pos:]
            self.check(text)
        return False

    def check(self, text: str) -> None:
        box, title = self.box, self.editor.spec.title
        try:
            typed = int(text.strip())
        except ValueError:
            return
        if typed < box.minimum():
            self.editor.invalid.emit(
                f"{title} must be at least {box.minimum()} (got {typed}); it stays {box.value()}."
            )
        elif typed > box.maximum():
            self.editor.invalid.emit(
                f"{title} must be at most {box.maximum()} (got {typed}); it stays {box.value()}."
            )

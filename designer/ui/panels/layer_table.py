"""The per-layer table: every layer's shapes, counts and status, sortable, with pinned totals.

``LayerTableModel`` mirrors the document's analysis: it emits ``dataChanged`` for the
rows an edit changed and resets only when layers are added, removed, renamed or
reordered. It also sorts the rows (``sort_rows``: numbers by value, ties in design
order), so the ``QSortFilterProxyModel`` in front of it only filters by id or type; the
totals live in a one-row footer table that never sorts. ``_CellDelegate`` paints the cells:
Qt's pixels in fewer steps (each row's texts made once, glyphs kept per text and width).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from collections.abc import Set as AbstractSet
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QModelRoleData,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSettings,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QGlyphRun,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QStylePainter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.core.analysis import LayerInfo
from designer.core.collapsed_figure import BlockRow
from designer.core.layer_table import (
    COLUMNS,
    LayerRow,
    ShapeOrder,
    info_sort_key,
    layer_row,
    rows_csv,
    rows_markdown,
    totals_row,
)
from designer.ui.app_settings import app_settings
from designer.ui.busy import LONG_DESIGN, busy, window_status
from designer.ui.document import Document
from designer.ui.group_views import cached_block_rows

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 3  # column 0: "id\ntype", what the filter box matches
SHAPE_ORDER_KEY = "view/shape_order"
#: Column widths are measured on at most this many rows (see ``LayerTablePanel._sample_rows``).
FIT_SAMPLE = 1200
#: On a long table (``LONG_DESIGN`` rows or more) the filter applies this long after the last key.
FILTER_PAUSE_MS = 250

_STATUS_COLORS = {"error": "#c62828", "warning": "#b26a00", "unknown": "#757575"}
_NUMERIC = {n for n, c in enumerate(COLUMNS) if c.numeric}
#: The columns written in the status's colour (``_STATUS_COLORS``) when it is not "ok".
_COLOURED = frozenset(n for n, c in enumerate(COLUMNS) if c.key in ("status", "output_shape"))
_STATUS_QCOLORS = {status: QColor(color) for status, color in _STATUS_COLORS.items()}
Index = QModelIndex | QPersistentModelIndex
_ALIGN_NUMBER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_TEXT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
# (As plain integers: the enums' own operators are Python code, microseconds a cell.)
_QT_PAINTS = QStyle.StateFlag.State_HasFocus.value  # (the current cell's focus frame)
_SELECTED = QStyle.StateFlag.State_Selected.value
_BACKGROUND = _SELECTED | QStyle.StateFlag.State_MouseOver.value
_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_TEXT, _HIGHLIGHTED_TEXT = QPalette.ColorRole.Text, QPalette.ColorRole.HighlightedText
_ACTIVE = QStyle.StateFlag.State_Active.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_WRAP = QStyleOptionViewItem.ViewItemFeature.WrapText.value
_LTR = Qt.LayoutDirection.LeftToRight
_NORMAL, _INACTIVE, _DISABLED = (
    QPalette.ColorGroup.Normal,
    QPalette.ColorGroup.Inactive,
    QPalette.ColorGroup.Disabled,
)
#: Roles no cell answers: returned at once, before any lookup.
_UNUSED_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.StatusTipRole,
        Qt.ItemDataRole.WhatsThisRole,
        Qt.ItemDataRole.SizeHintRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.AccessibleDescriptionRole,
    )
)


def stored_shape_order(settings: QSettings) -> ShapeOrder:
    value = settings.value(SHAPE_ORDER_KEY, "hwc")
    return "chw" if value == "chw" else "hwc"


class _RowsModel(QAbstractTableModel):
    """Shared cell logic for the layer rows and the totals footer."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shape_order: ShapeOrder = "hwc"
        self._data: list[LayerRow] = []
        #: Sorted by a column (``LayerTableModel.sort_rows``): row shown → its slot in
        #: ``_data`` (design order), and slot → row shown; ``None`` while in design order.
        self._order: list[int] | None = None
        self._place: list[int] = []

    def _rows(self) -> list[LayerRow]:
        return self._data

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        col = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            if col.key in ("input_shape", "output_shape"):
                return f"{col.title} ({'H×W×C' if self.shape_order == 'hwc' else 'C×H×W'})"
            return col.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _row_at(self, n: int) -> LayerRow:
        return self._data[n]

    def _row_for(self, n: int, _column: int) -> LayerRow:
        """The row as a cell of ``_column`` needs it."""
        return self._row_at(n)

    def index(
        self,
        row: int,
        column: int,
        parent: Index = QModelIndex(),  # noqa: B008 - Qt signature
    ) -> QModelIndex:
        # One call into Python where Qt's own ``index`` makes two (``rowCount`` and
        # ``columnCount``): the sort proxy maps every cell it paints through it.
        if parent.isValid() or not (0 <= row < len(self._rows()) and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in _UNUSED_ROLES or not index.isValid():
            return None  # (the delegate asks every cell for these when it paints)
        n = index.row()
        if self._order is not None and 0 <= n < len(self._order):
            n = self._order[n]
        return self._value(n, index.column(), role)

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        """Every role a cell is painted with in one call (Qt's default asks ``data`` once per
        role: seven calls into Python per cell painted)."""
        # (By index: the span's ``__len__`` and ``__getitem__`` are in every PySide6 this runs on.)
        if isinstance(roleDataSpan, QModelRoleData):
            items: Any = (roleDataSpan,)
        else:
            items = [roleDataSpan[k] for k in range(len(roleDataSpan))]
        if not index.isValid():
            for item in items:
                item.clearData()
            return
        n, column, value = index.row(), index.column(), self._value
        if self._order is not None and 0 <= n < len(self._order):
            n = self._order[n]
        for item in items:
            role = item.role()
            item.setData(None if role in _UNUSED_ROLES else value(n, column, role))

    def cell(self, row: int, column: int) -> tuple[str, QColor | None, bool] | None:
        """What ``_CellDelegate`` paints in the cell at ``row`` (as shown) and ``column``: its
        text, its pen's colour (``None``: the palette's) and whether it is bold (the totals);
        ``None`` for a cell out of range."""
        n = row
        if self._order is not None and 0 <= n < len(self._order):
            n = self._order[n]
        if not 0 <= n < len(self._data) or not 0 <= column < len(COLUMNS):
            return None
        value = self._row_for(n, column)
        color = _STATUS_QCOLORS.get(value.status) if column in _COLOURED else None
        return value.texts(self.shape_order)[column], color, value.is_total

    def _value(self, n: int, column: int, role: int) -> Any:
        """Cell (``n``, ``column``)'s value for ``role`` (``data`` and ``multiData``)."""
        if not 0 <= n < len(self._data):
            return None
        col = COLUMNS[column]
        if role == FILTER_ROLE:
            row = self._row_at(n)
            return f"{row.id}\n{row.type}" if column == 0 else None
        row = self._row_for(n, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts(self.shape_order)[column]
        if role == SORT_ROLE:
            return row.sort_key(col.key)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in _NUMERIC:
                return _ALIGN_NUMBER
            return _ALIGN_TEXT
        if role == Qt.ItemDataRole.ForegroundRole:
            color = _STATUS_QCOLORS.get(row.status)
            return QBrush(color) if color is not None and column in _COLOURED else None
        if role == Qt.ItemDataRole.FontRole and row.is_total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if col.key == "memory_bytes":
                return f"{row.memory_bytes:,} bytes"
            if row.is_total and col.key in ("neurons", "memory_bytes"):
                return "Sum over every layer except the Input"
            return None
        return None


#: Edits whose field-only layers are flagged when a row is next read; past that, every row.
MAX_FIELD_EDITS = 8
_RF_COLUMN = next(n for n, c in enumerate(COLUMNS) if c.key == "receptive_field")


def _gone_row(layer_id: str) -> LayerRow:
    return LayerRow(layer_id, "", (), None, 0, 0, 0, 0, 0, None, "unknown")


class LayerTableModel(_RowsModel):
    """One row per layer in design order, following ``document.analysis_updated``."""

    #: Rows by block were removed and inserted in place of a model reset (the panel fits its
    #: columns and selects again, as after a reset).
    rows_replaced = Signal()

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._select: list[str] = []  # the layer a row selects (a block's first layer)
        self.blocks: frozenset[str] | None = (
            None  # collapsed groups: one row per block; None: per layer
        )
        self.reset_count = 0  # full resets so far (tests check edits stay incremental)
        self.splice_count = 0  # rows inserted or removed in one place, the others kept
        self.replace_count = 0  # rows by block replaced in place (a run split or joined)
        self.replaced_rows: list[int] = []  # the rows the last replacement gave new texts
        self._row_of_rows: list[BlockRow] | None = None  # rows _row_of is to be made from
        self.rows_computed = 0  # rows recomputed from the analysis (tests: only those shown)
        self._stale: set[int] = set()  # rows recomputed when next read (shown, sorted, copied)
        #: Rows read with their receptive field out of date (``_row_at``): it is brought up to
        #: date when its own cell, a sort on it or a copy of the rows asks for it.
        self._field_pending: set[int] = set()
        # Per edit since a row was last read, the layers whose receptive field alone changed.
        self._stale_fields: list[frozenset[str]] = []
        #: The column the rows are sorted by (``sort_rows``; -1: design order), and each slot's
        #: sort key for it (``_keys[slot]``, read once per sort and again when the row changes).
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        self._keys: list[Any] = []
        #: Slots inserted while an analysis update is handled, their keys not read yet: the
        #: update's ``_changed`` reads them with the changed rows' and sorts once (``None``:
        #: not in an update; ``_insert_slots`` then sorts the rows it inserts itself).
        self._owed: list[int] | None = None
        self._rebuild()
        document.analysis_updated.connect(self._on_analysis_updated)
        document.design_reset.connect(self.refresh)
        document.layer_renamed.connect(self._on_renamed)

    @property
    def by_block(self) -> bool:
        """Rows by block: ``blocks`` names a collapsed group. With none collapsed, the blocks
        are the layers, in design order: the rows are kept per layer (an edit updates or
        splices its rows, not all 10,000 block rows remade and compared)."""
        return bool(self.blocks)

    def layer_id(self, row: int) -> str:
        """The layer row ``row`` (as shown) selects."""
        slot = self._slot(row)
        return self._select[slot] if self.by_block else self._ids[slot]

    def set_blocks(self, collapsed: set[str] | frozenset[str] | None) -> None:
        """One row per collapsed block (and per layer outside them), or per layer (``None``)."""
        value = None if collapsed is None else frozenset(collapsed)
        if value != self.blocks:
            kept = not self.by_block and not value  # (per layer before and after)
            self.blocks = value
            if not kept:
                self.refresh()

    def _value(self, n: int, column: int, role: int) -> Any:
        if role == ID_ROLE and self.by_block and 0 <= n < len(self._select):
            return self._select[n]
        if role == FILTER_ROLE and not self.by_block and n in self._stale:
            # The filter's text without computing the row (the proxy filters every row when
            # the rows are laid out again; between an update's removal signals a row's layer
            # may already be gone from the analysis).
            if column or not 0 <= n < len(self._ids):
                return None
            info = self.document.analysis.stored(self._ids[n])
            return f"{self._ids[n]}\n{info.type if info is not None else ''}"
        return super()._value(n, column, role)

    def row_of(self, layer_id: str) -> int | None:
        """The row (as shown: sorted or in design order) of a layer, or of its block."""
        slot = self._layer_rows().get(layer_id)
        return None if slot is None else self._shown(slot)

    # ----------------------------------------------------------------- sorting
    #
    # Sorted here, not by the sort proxy: its sort calls into Python twice per comparison
    # (``lessThan`` and the model's ``index``), about 0.8 s for 10,000 rows. The rows keep
    # their slots in design order (``_data``, ``_ids``, ``_stale``: what edits update), and
    # ``_order`` lists the slots in the order shown; Python's ``sorted`` orders them by a list
    # of keys, ties in design order (as the proxy's stable sort had them, both ways).

    def _slot(self, row: int) -> int:
        return row if self._order is None else self._order[row]

    def _shown(self, slot: int) -> int:
        return slot if self._order is None else self._place[slot]

    def row_shown(self, row: int, field: bool = True) -> LayerRow:
        """The row shown at ``row``; with ``field``, its receptive field brought up to date."""
        slot = self._slot(row)
        return self._row_for(slot, _RF_COLUMN) if field else self._row_at(slot)

    def sort_rows(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Show the rows sorted by ``column`` (numbers by value, text as ``sort_key`` gives it,
        ties in design order), or in design order (``column`` -1); one layout change."""
        column = column if 0 <= column < len(COLUMNS) else -1
        if (column, order) == (self.sort_column, self.sort_order) and (
            column < 0 or len(self._keys) == len(self._data)
        ):
            return  # (kept sorted through every change since)
        self.sort_column, self.sort_order = column, order
        if column < 0:
            self._keys = []
            self._relayout(None)
            return
        self._keys = [self._key(slot) for slot in range(len(self._data))]
        self._relayout(self._sorted_order())

    def _key(self, slot: int) -> Any:
        column = self.sort_column
        key = COLUMNS[column].key
        if not self.by_block:
            if self._stale_fields and column == _RF_COLUMN:
                self._take_fields()
            if slot in self._stale:  # (not computed yet: the key alone, from the analysis)
                analysis, lid = self.document.analysis, self._ids[slot]
                info = analysis.stored(lid) if column != _RF_COLUMN else None
                return info_sort_key(info or analysis.info[lid], key)
        return self._row_for(slot, column).sort_key(key)

    def _sorted_order(self) -> list[int]:
        keys = self._keys
        descending = self.sort_order == Qt.SortOrder.DescendingOrder
        return sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)

    def _set_order(self, order: list[int] | None) -> None:
        self._order = order
        self._place = [] if order is None else sorted(range(len(order)), key=order.__getitem__)

    def _relayout(self, order: list[int] | None) -> None:
        """Show the slots in ``order`` (``None``: design order): one layout change, the
        persistent indexes (the view's selection and current row) moved with their rows."""
        if order == self._order:
            return
        self.layoutAboutToBeChanged.emit()
        old = self._order
        before = self.persistentIndexList()
        self._set_order(order)
        after = []
        for index in before:
            slot = index.row() if old is None else old[index.row()]
            after.append(self.index(self._shown(slot), index.column()))
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _changed(
        self, slots: Collection[int], first: int = 0, last: int = len(COLUMNS) - 1
    ) -> None:
        """The rows in ``slots`` changed in columns ``first``–``last``: sorted, their keys are
        read again and the rows re-sorted (one layout change) if a key moved; then one
        ``dataChanged`` over the rows shown."""
        if not slots:
            return
        if self._order is None:
            self.dataChanged.emit(self.index(min(slots), first), self.index(max(slots), last))
            return
        if first <= self.sort_column <= last:
            keys, key, moved = self._keys, self._key, False
            for slot in slots:
                value = key(slot)
                if value != keys[slot]:
                    keys[slot] = value
                    moved = True
            if moved:
                self._relayout(self._sorted_order())
        place = self._place
        rows = [place[slot] for slot in slots]
        self.dataChanged.emit(self.index(min(rows), first), self.index(max(rows), last))

    def _insert_slots(self, at: int, count: int, apply: Callable[[], None]) -> None:
        """Insert ``count`` slots at ``at`` (``apply`` updates the lists). Sorted, the new rows
        come in at the end and one layout change sorts them in."""
        root = QModelIndex()
        order = self._order
        if order is None:
            self.beginInsertRows(root, at, at + count - 1)
            apply()
            self.endInsertRows()
            return
        n = len(order)
        self.beginInsertRows(root, n, n + count - 1)
        apply()
        shifted = [slot if slot < at else slot + count for slot in order]
        shifted.extend(range(at, at + count))
        self._set_order(shifted)
        if self._owed is not None:  # (sorted in with the update's changed rows, once)
            self._keys[at:at] = [None] * count
            self._owed.extend(range(at, at + count))
            self.endInsertRows()
            return
        self._keys[at:at] = [self._key(slot) for slot in range(at, at + count)]
        self.endInsertRows()
        self._relayout(self._sorted_order())

    def _remove_slots(self, at: int, count: int, apply: Callable[[], None]) -> None:
        """Remove slots ``at``…``at + count - 1`` (``apply`` updates the lists). Sorted, one
        layout change first moves their rows to the end, then they go in one removal."""
        root = QModelIndex()
        end = at + count
        order = self._order
        if order is None:
            self.beginRemoveRows(root, at, end - 1)
            apply()
            self.endRemoveRows()
            return
        kept = [slot for slot in order if not at <= slot < end]
        self._relayout(kept + [slot for slot in order if at <= slot < end])
        n = len(order)
        self.beginRemoveRows(root, n - count, n - 1)
        apply()
        del self._keys[at:end]
        self._set_order([slot if slot < at else slot - count for slot in kept])
        self.endRemoveRows()

    def _layer_rows(self) -> dict[str, int]:
        """Layer id → its row (by block: every layer of a block maps to the block's row; made
        when first asked for after the rows changed, not for 10,000 layers on every edit)."""
        if self._row_of_rows is not None:
            rows, self._row_of_rows = self._row_of_rows, None
            self._row_of = {m: n for n, b in enumerate(rows) for m in b.layers}
        return self._row_of

    def rows(self) -> list[LayerRow]:
        return [self._row_for(n, _RF_COLUMN) for n in range(len(self._data))]

    def _row_at(self, n: int) -> LayerRow:
        """Row ``n``, up to date except perhaps its receptive field (``_field_pending``): the
        analysis leaves fields far downstream of an edit out of date until read, and a row
        shown without its field column must not bring 5,000 of them up to date."""
        if self._stale_fields:
            self._take_fields()
        if n in self._stale:
            analysis = self.document.analysis
            lid = self._ids[n]
            if analysis.stored(lid) is None:
                # Its layer is gone from the analysis (read between an update's removal
                # signals): a blank row, not kept.
                return _gone_row(lid)
            self._stale.discard(n)
            self.rows_computed += 1
            if analysis.field_is_current(lid):
                self._data[n] = layer_row(analysis.info[lid])
                self._field_pending.discard(n)
            else:
                self._data[n] = layer_row(cast(LayerInfo, analysis.stored(lid)))
                self._field_pending.add(n)
        return self._data[n]

    def _row_for(self, n: int, column: int) -> LayerRow:
        row = self._row_at(n)
        if column == _RF_COLUMN and n in self._field_pending:
            self._field_pending.discard(n)
            row = self._data[n] = layer_row(self.document.analysis.info[self._ids[n]])
        return row

    def _take_fields(self) -> None:
        """Flag the rows of the layers whose field alone changed (``_stale_fields``), the first
        time a row is read after such edits rather than on every edit."""
        get = self._layer_rows().get
        for ids in self._stale_fields:
            rows = set(map(get, ids))  # (in C: 5,000 layers downstream of a kernel edit)
            rows.discard(None)
            self._stale |= cast(set[int], rows)
        self._stale_fields = []

    def refresh(self) -> None:
        """Rebuild every row (structure changed or a different design was opened)."""
        self.beginResetModel()
        self._rebuild()
        if self.sort_column >= 0:
            self._keys = [self._key(slot) for slot in range(len(self._data))]
            self._set_order(self._sorted_order())
        self.endResetModel()
        self.reset_count += 1

    def set_shape_order(self, order: ShapeOrder) -> None:
        if order != self.shape_order:
            self.shape_order = order
            if self._data:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(self._data) - 1, len(COLUMNS) - 1)
                )
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def _rebuild(self, rows: list[BlockRow] | None = None) -> None:
        analysis = self.document.analysis
        self._stale = set()
        self._field_pending = set()
        self._stale_fields = []
        if self.blocks:
            if rows is None:
                rows = cached_block_rows(analysis, self.blocks)
            self._ids = [b.row.id for b in rows]
            self._select = [b.layers[0] if b.layers else b.row.id for b in rows]
            self._row_of_rows = rows
            self._data = [replace(b.row, id=b.title) for b in rows]
            return
        self._ids = [lid for lid in self.document.design.ids if lid in analysis.info]
        self._row_of_rows = None
        self._row_of = {lid: n for n, lid in enumerate(self._ids)}
        # Every row is computed when first read: the table shows a few dozen of 10,000.
        self._data = [None] * len(self._ids)  # type: ignore[list-item]
        self._stale = set(range(len(self._ids)))

    def _update_blocks(self) -> None:
        """Rows by block after an edit: the same rows (the same blocks) are updated in place, and
        only those whose values changed are repainted; other rows mean a new table."""
        assert self.blocks
        rows = cached_block_rows(self.document.analysis, self.blocks)
        ids = [b.row.id for b in rows]
        select = [b.layers[0] if b.layers else b.row.id for b in rows]
        if ids != self._ids or select != self._select:
            # Other blocks (a repeat broken or mended): the rows before and after the blocks
            # that changed stay, the others are removed and inserted (a model reset makes the
            # view lay out and measure every row and column again).
            self._replace_rows(rows, ids, select)
            return
        changed = []
        for n, b in enumerate(rows):
            new = replace(b.row, id=b.title)
            if new != self._data[n]:
                self._data[n] = new
                changed.append(n)
        self._changed(changed)

    def _replace_rows(self, rows: list[BlockRow], ids: list[str], select: list[str]) -> None:
        old = list(zip(self._ids, self._select, strict=True))
        new = list(zip(ids, select, strict=True))
        start = 0
        while start < min(len(old), len(new)) and old[start] == new[start]:
            start += 1
        end = 0  # rows kept at the end
        while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
            end += 1
        gone, come = len(old) - end - start, len(new) - end - start
        # The first rows of the change take the new values in place (the caller's loop below
        # marks them changed); only the rows in excess are removed or inserted (a run split in
        # three: one row updated, two inserted; joined again: one updated, two removed).
        same = min(gone, come)
        placed = set(range(start, start + same))  # (changed even if their values look alike)
        self._ids[start : start + same] = ids[start : start + same]
        self._select[start : start + same] = select[start : start + same]
        start, gone, come = start + same, gone - same, come - same
        if gone:

            def remove() -> None:
                del self._data[start : start + gone]
                del self._ids[start : start + gone]
                del self._select[start : start + gone]

            self._remove_slots(start, gone, remove)
        if come:

            def insert() -> None:
                fresh = rows[start : start + come]
                self._data[start:start] = [replace(b.row, id=b.title) for b in fresh]
                self._ids[start:start] = ids[start : start + come]
                self._select[start:start] = select[start : start + come]

            self._insert_slots(start, come, insert)
        self._row_of_rows = rows
        changed = []
        for n, b in enumerate(rows):  # the kept rows' values (fields downstream, totals)
            value = replace(b.row, id=b.title)
            if value != self._data[n] or n in placed:
                self._data[n] = value
                changed.append(n)
        self._changed(changed)
        #: The rows with new texts (updated or inserted): the columns widen for these.
        self.replaced_rows = sorted({*changed, *range(start, start + come)})
        self.replace_count += 1
        self.rows_replaced.emit()

    def _structure_changed(self) -> bool:
        ids = self.document.design.ids
        return ids != self._ids or not all(map(self.document.analysis.info.__contains__, ids))

    def _splice(self) -> bool:
        """Rows inserted or removed in one place (a layer added, deleted or pasted, an undo of
        that) or one renamed: the other rows stay as they are and the view keeps its place;
        False when the layers changed otherwise (the caller rebuilds the table)."""
        info = self.document.analysis.info
        new = [lid for lid in self.document.design.ids if lid in info]
        old = self._ids
        self._stale |= self._field_pending  # (computed again when read, wherever they move)
        self._field_pending = set()
        if len(new) == len(old):
            moved = [n for n, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
            if len(moved) != 1:
                return False  # reordered: a new table
            row = moved[0]  # a layer renamed in place
            del self._row_of[old[row]]
            self._ids = new
            self._row_of[new[row]] = row
            self._stale.add(row)
            self._changed((row,))
            self.splice_count += 1
            return True
        short, long = (old, new) if len(old) < len(new) else (new, old)
        extra = len(long) - len(short)
        at = 0
        for a, b in zip(short, long, strict=False):  # the rows before the change
            if a != b:
                break
            at += 1
        if short[at:] != long[at + extra :]:
            return False
        end = at + extra

        def insert() -> None:
            self._data[at:at] = [None] * extra  # type: ignore[list-item]
            self._stale = {r if r < at else r + extra for r in self._stale}
            self._stale.update(range(at, end))
            self._ids = new
            self._row_of = {lid: n for n, lid in enumerate(new)}

        def remove() -> None:
            del self._data[at:end]
            self._stale = {r if r < at else r - extra for r in self._stale if not at <= r < end}
            self._ids = new
            self._row_of = {lid: n for n, lid in enumerate(new)}

        if long is new:
            self._insert_slots(at, extra, insert)
        else:
            self._remove_slots(at, extra, remove)
        self.splice_count += 1
        return True

    def _on_renamed(self, old: str, new: str) -> None:
        """A layer renamed: its row is re-keyed where it stands (the analysis's update, which
        follows, then finds the rows as the design has them: no pass over every id to find the
        one that changed). Rows by block follow that update (``_update_blocks``)."""
        if self.by_block:
            return
        row = self._row_of.get(old)
        if row is None or self._ids[row] != old or new in self._row_of:
            return
        self._ids[row] = new
        del self._row_of[old]
        self._row_of[new] = row
        self._stale.add(row)
        self._changed((row,))

    def _on_analysis_updated(self, changed: object) -> None:
        if self.by_block:
            self._update_blocks()
            return
        owed: list[int] = []
        if self._structure_changed():
            self._owed = owed
            try:
                spliced = self._splice()
            finally:
                self._owed = None
            if not spliced:
                self.refresh()
                return
        # The changed rows are recomputed when they are next read (the table paints the few it
        # shows): an edit upstream of 5,000 layers whose receptive fields change costs 5,000 flags
        # and one dataChanged, not 5,000 rows and 5,000 signals.
        analysis = self.document.analysis
        if analysis.unlisted_fields or (
            isinstance(changed, set | frozenset) and analysis.field_only
        ):
            if analysis.unlisted_fields or len(self._stale_fields) >= MAX_FIELD_EDITS:
                # Fields moved in layers the update does not list (brought up to date when
                # read), or many such edits while nothing was read: any row may show an old
                # field, so every row is recomputed when next read.
                self._stale_fields = []
                self._stale = set(range(len(self._data)))
            else:
                # Layers whose receptive field alone changed: one column of theirs, recomputed
                # when read (by the rows shown), whatever their number.
                self._stale_fields.append(analysis.field_only)
            self._changed(range(len(self._data)), _RF_COLUMN, _RF_COLUMN)
            if isinstance(changed, set | frozenset):
                changed = analysis.beyond_fields(changed)
        rows: set[int | None] = set(
            map(
                self._layer_rows().get,
                changed if isinstance(changed, set | frozenset | list) else (),
            )
        )
        rows.discard(None)
        if rows or owed:
            stale = cast(set[int], rows)
            self._stale.update(stale)
            stale.update(owed)  # (the rows inserted: their keys read, and sorted in, here)
            self._changed(stale)


class TotalsModel(_RowsModel):
    """The single totals row, kept out of sorting."""

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._data = [totals_row(document.analysis)]
        document.analysis_updated.connect(self.refresh)
        document.design_reset.connect(self.refresh)

    def row(self) -> LayerRow:
        return self._data[0]

    def refresh(self, *_args: object) -> None:
        new = totals_row(self.document.analysis)
        if new != self._data[0]:
            self._data = [new]
            self.dataChanged.emit(self.index(0, 0), self.index(0, len(COLUMNS) - 1))

    def set_shape_order(self, order: ShapeOrder) -> None:
        self.shape_order = order


class LayerSortProxy(QSortFilterProxyModel):
    """Filters on id or type (case-insensitive); a header click sorts the rows' model
    (``LayerTableModel.sort_rows``), so its own sort stays off (column -1)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

        # Qt's own filter on the id and type (FILTER_ROLE): with the box empty it accepts a row
        # without a call into Python, which an edit changing thousands of rows would pay per row.
        self.setFilterKeyColumn(0)
        self.setFilterRole(FILTER_ROLE)
        #: A filter is typed (rows shown are not the model's rows one for one).
        self.filtering = False

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A click on a column's header: the busy cursor on a long design (a second or so)."""
        source = self.sourceModel()
        rows = source.rowCount() if source is not None else 0
        parent = self.parent()
        status = window_status(parent) if isinstance(parent, QWidget) else None
        with busy(rows, "Sorting…", status):
            if isinstance(source, LayerTableModel):
                # The rows' model shows them sorted; this proxy keeps its own sort off
                # (column -1: it keeps the model's row order, in C++) and only filters.
                source.sort_rows(column, order)
            else:
                super().sort(column, order)

    def sortColumn(self) -> int:
        """The column the rows are sorted by (the rows' model sorts them; see ``sort``)."""
        source = self.sourceModel()
        if isinstance(source, LayerTableModel):
            return source.sort_column
        return super().sortColumn()

    def sortOrder(self) -> Qt.SortOrder:
        source = self.sourceModel()
        if isinstance(source, LayerTableModel):
            return source.sort_order
        return super().sortOrder()

    def set_filter_text(self, text: str) -> None:
        self.filtering = bool(text.strip())
        self.setFilterFixedString(text.strip())

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        """A cell's roles in one call into the rows' model (Qt's proxy asks it once per role)."""
        source = self.sourceModel()
        if isinstance(source, _RowsModel):
            source.multiData(self.mapToSource(index), roleDataSpan)
        else:
            super().multiData(index, roleDataSpan)


class _CellDelegate(QStyledItemDelegate):
    """Paints a table cell as Qt's delegate does, in fewer steps: the same pixels.

    Qt's delegate (``QStyledItemDelegate`` + the style's ``CE_ItemViewItem``) asks the model
    for seven roles (a call into Python), then lays the text out three times to find the
    check, icon and text rectangles and twice more to elide and draw it: about 46 µs a cell,
    40 to 50 cells per repaint of the table. Here a cell that is not the current one, whose
    text fits on one line, has its text from the row's cached texts (``LayerRow.texts``)
    and its glyphs kept per text, cell size and font, drawn where Qt draws them
    (``QCommonStyle``'s ``viewItemDrawText``: the rectangle less the focus frame's margin
    and a pixel each side, aligned as the cell says), over the style's highlight if it is
    selected or under the pointer. The current cell (its focus frame), a text that would be
    elided, another direction or word wrap: Qt's delegate paints them.
    (Pixel for pixel the same: ``tests/ui/test_layer_table_paint.py``.)"""

    #: Texts' glyphs kept at most (texts × cell sizes); emptied past it.
    MAX_LAYOUTS = 4000

    def __init__(self, model: _RowsModel, proxy: LayerSortProxy | None, parent: QObject) -> None:
        super().__init__(parent)
        self._model = model
        self._proxy = proxy
        #: (text, width, height, numeric, bold, font) → the glyphs and where they go.
        self._layouts: dict[tuple[Any, ...], tuple[list[QGlyphRun] | None, int, int]] = {}
        self._font: QFont | None = None
        self._font_key = ""
        self._bold_font = QFont()
        self.fast_cells = 0  # cells painted here, not by Qt's delegate (tests)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        state = option.state.value
        proxy = self._proxy
        if state & _QT_PAINTS or option.features.value & _WRAP or option.direction is not _LTR:
            super().paint(painter, option, index)
            return
        column = index.column()
        row = (
            proxy.mapToSource(index).row() if proxy is not None and proxy.filtering else index.row()
        )
        cell = self._model.cell(row, column)
        if cell is None:
            super().paint(painter, option, index)
            return
        text, color, bold = cell
        font = option.font
        # A font changed (or the first cell): its key, and the bold one Qt resolves for the
        # totals from the model's bold font.
        if self._font is None or font != self._font:
            self._font = QFont(font)  # (a copy: ``option.font`` is the option's own)
            self._font_key = font.key()
            bold_font = QFont()
            bold_font.setBold(True)
            self._bold_font = bold_font.resolve(font)
        rect = option.rect
        width, height = rect.width(), rect.height()
        key = (text, width, height, column in _NUMERIC, bold, self._font_key)
        laid = self._layouts.get(key)
        if laid is None:
            align = _ALIGN_NUMBER if column in _NUMERIC else _ALIGN_TEXT
            laid = self._lay_out(text, self._bold_font if bold else font, width, height, align)
            if len(self._layouts) >= self.MAX_LAYOUTS:
                self._layouts.clear()
            self._layouts[key] = laid
        runs, dx, dy = laid
        if runs is None:  # (elided, or more than one line: Qt's delegate)
            super().paint(painter, option, index)
            return
        if state & _BACKGROUND:
            # Selected or under the pointer: the style's highlight as it draws it (no text to
            # lay out), the text in its colour.
            widget = option.widget
            style = widget.style() if widget is not None else QApplication.style()
            style.drawPrimitive(_PANEL, option, painter, widget)
            color = None
        if color is None:
            # (As QCommonStyle picks the text's colour group and role.)
            group = (_NORMAL if state & _ACTIVE else _INACTIVE) if state & _ENABLED else _DISABLED
            role = _HIGHLIGHTED_TEXT if state & _SELECTED else _TEXT
            color = option.palette.color(group, role)
        painter.save()
        painter.setClipRect(rect)
        painter.setPen(color)
        at = QPointF(rect.x() + dx, rect.y() + dy)
        for run in runs:
            painter.drawGlyphRun(at, run)
        painter.restore()
        self.fast_cells += 1

    def _lay_out(
        self, text: str, font: QFont, width: int, height: int, align: int
    ) -> tuple[list[QGlyphRun] | None, int, int]:
        """The text laid out as ``viewItemDrawText`` lays it out in a cell of this size (its
        glyphs), and where they are drawn from the cell's top left; no glyphs if Qt would
        elide it."""
        style = QApplication.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        inner = QRect(margin, 0, width - 2 * margin, height)
        option = QTextOption(Qt.AlignmentFlag(align))
        option.setWrapMode(QTextOption.WrapMode.ManualWrap)
        option.setTextDirection(Qt.LayoutDirection.LeftToRight)
        layout = QTextLayout(text, font)
        layout.setTextOption(option)
        layout.beginLayout()
        line = layout.createLine()
        lines = 0
        while line.isValid():
            line.setLineWidth(inner.width())
            line.setPosition(QPointF(0, 0))
            lines += 1
            line = layout.createLine()
        layout.endLayout()
        if lines != 1 or layout.lineAt(0).naturalTextWidth() > inner.width():
            return None, 0, 0
        size = layout.boundingRect().size().toSize()
        top = QStyle.alignedRect(
            Qt.LayoutDirection.LayoutDirectionAuto, Qt.AlignmentFlag(align), size, inner
        ).top()
        return layout.glyphRuns(), margin, top


SHORT_ROLE = Qt.ItemDataRole.UserRole + 4


class _ChoiceBox(QComboBox):
    """A choice shown in full where there is room, or in short (``set_compact``): "H×W×C"
    for "H×W×C (as papers write it)". The list it opens always reads in full, and
    ``currentText`` is the full text. Its least width is the short form's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.compact = False

    def add_choice(self, text: str, short: str, data: str) -> None:
        self.addItem(text, data)
        self.setItemData(self.count() - 1, short, SHORT_ROLE)
        self.setItemData(self.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        self.updateGeometry()

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.updateGeometry()
            self.update()

    def hint(self, compact: bool) -> QSize:
        """The box's size showing its choices in full, or in short."""
        full = super().sizeHint()
        if not compact or not self.count():
            return full
        metrics = self.fontMetrics()
        texts = [self.itemText(n) for n in range(self.count())]
        shorts = [
            str(self.itemData(n, SHORT_ROLE) or self.itemText(n)) for n in range(self.count())
        ]
        longest = max(metrics.boundingRect(t).width() for t in texts)
        shortest = max(metrics.boundingRect(t).width() for t in shorts)
        return QSize(full.width() - longest + shortest, full.height())

    def sizeHint(self) -> QSize:
        return self.hint(self.compact)

    def minimumSizeHint(self) -> QSize:
        return self.hint(True)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.compact:
            super().paintEvent(event)
            return
        # QComboBox's own paint, with the short text.
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        short = self.itemData(self.currentIndex(), SHORT_ROLE)
        if short:
            option.currentText = str(short)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
        painter.end()


class _Advances:
    """A text's width in one font, each text measured once (kept in ``known``)."""

    __slots__ = ("known", "metrics")

    def __init__(self, metrics: QFontMetrics, known: dict[str, int]) -> None:
        self.metrics = metrics
        self.known = known

    def __call__(self, text: str) -> int:
        width = self.known.get(text)
        if width is None:
            if len(self.known) > 20000:  # (10,000 layers' ids, shapes and counts, and more)
                self.known.clear()
            width = self.known[text] = self.metrics.horizontalAdvance(text)
        return width


class LayerTablePanel(QWidget):
    """The table with a filter box, the shape-order setting, copy and export."""

    shape_order_changed = Signal(str)

    def __init__(
        self, document: Document, settings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings if settings is not None else app_settings()
        self.model = LayerTableModel(document, self)
        self.totals_model = TotalsModel(document, self)
        self.proxy = LayerSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self._syncing = False

        self.filter_edit = QLineEdit(placeholderText="Filter by id or type")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_text)
        self.order_combo = _ChoiceBox()
        self.order_combo.add_choice("H×W×C (as papers write it)", "H×W×C", "hwc")
        self.order_combo.add_choice("C×H×W (as PyTorch stores it)", "C×H×W", "chw")
        self.order_combo.setToolTip("How shapes are written in the table")
        self.rows_combo = _ChoiceBox()
        self.rows_combo.setObjectName("rows_combo")
        self.rows_combo.add_choice("Every layer", "Layers", "layers")
        self.rows_combo.add_choice("Blocks, as on the canvas", "Blocks", "blocks")
        self.rows_combo.setToolTip("One row per layer, or per block as collapsed on the canvas")
        self.collapsed: set[str] = set()
        # A long table is filtered once the typing pauses (each pass asks every row for its
        # text: about a tenth of a second at 10,000 rows), under the busy cursor.
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_PAUSE_MS)
        self._filter_timer.timeout.connect(self.flush_filter)
        self.filter_edit.returnPressed.connect(self.flush_filter)  # (Enter: no need to wait)
        self._collapsed_timer = QTimer(self)
        self._collapsed_timer.setSingleShot(True)
        self._collapsed_timer.setInterval(0)
        self._collapsed_timer.timeout.connect(self.flush_collapsed)
        self._rows_chosen = False  # the user picked: stop following the canvas
        self._setting_rows = False
        self.export_button = QToolButton()
        self.export_button.setText("Export CSV…")
        self.export_button.clicked.connect(self.export_csv_dialog)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        copy_menu = QMenu(self.copy_button)
        copy_menu.addAction(
            "Copy table as CSV", lambda: self.copy_table("csv", selected_only=False)
        )
        copy_menu.addAction(
            "Copy table as Markdown", lambda: self.copy_table("markdown", selected_only=False)
        )
        self.copy_button.setMenu(copy_menu)

        bar = self._bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self.rows_label = QLabel("Rows:")
        self.shapes_label = QLabel("Shapes:")
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.rows_label)
        bar.addWidget(self.rows_combo)
        bar.addWidget(self.shapes_label)
        bar.addWidget(self.order_combo)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.export_button)
        self.bar_mode = "full"  # "full", "short", "rows" or "tight": see ``_fit_bar``

        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(
            -1, Qt.SortOrder.AscendingOrder
        )  # design order until a header is clicked
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        header.setSectionsMovable(False)
        header.setHighlightSections(False)
        # The header reads a selection of its own, always empty. To paint a section Qt asks
        # whether its whole column is selected, which it answers by asking every row's flags
        # through the sort proxy: a call into Python per row and column (70,000 after Select
        # All on 10,000 layers). Nothing here is drawn from it (no highlighted sections; the
        # table selects rows).
        header.setSelectionModel(QItemSelectionModel(self.proxy, header))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.setWordWrap(False)
        self.view.setItemDelegate(_CellDelegate(self.model, self.proxy, self.view))

        self.footer = QTableView()
        self.footer.setModel(self.totals_model)
        self.footer.setItemDelegate(_CellDelegate(self.totals_model, None, self.footer))
        self.footer.setWordWrap(False)  # (as the rows above: a text too long is elided)
        self.footer.horizontalHeader().hide()
        self.footer.verticalHeader().hide()
        self.footer.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.footer.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.footer.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.footer.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row_h = self.view.verticalHeader().defaultSectionSize()
        self.footer.verticalHeader().setDefaultSectionSize(row_h)
        self.footer.setFixedHeight(row_h + 2 * self.footer.frameWidth())
        self.footer.setToolTip("Totals over the whole design")
        self.view.horizontalHeader().sectionResized.connect(self._sync_column_width)
        self.view.horizontalScrollBar().valueChanged.connect(
            self.footer.horizontalScrollBar().setValue
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self._bar_margins = 8  # (left and right, as above)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.footer)

        # Ctrl+C in the table copies rows (not the window's "copy layers") and Ctrl+A selects
        # its rows (not the window's Select All): take the keys before the window's shortcuts.
        self.view.installEventFilter(self)

        self.set_shape_order(stored_shape_order(self.settings))
        self.order_combo.currentIndexChanged.connect(
            lambda _n: self.set_shape_order(self.order_combo.currentData())
        )
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection)
        self.rows_combo.currentIndexChanged.connect(self._on_rows_choice)
        document.selection_changed.connect(self._on_document_selection)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsInserted.connect(self._fit_new_rows)
        self.model.rows_replaced.connect(self._after_rows_replaced)
        self._fitted: list[int] | None = None  # the widths ``_fit_columns`` last set
        # Each text's width in each font (bold totals, cells, titles): most rows' texts are
        # the same from one edit to the next.
        self._advance_fonts: tuple[str, ...] = ()
        self._advances: tuple[dict[str, int], ...] = ({}, {}, {})
        self.view.setVerticalScrollBarPolicy(
            # Always there: rows by block go from 8 to 10 and back as a run splits and joins,
            # and a scroll bar coming and going resized the table and redrew the whole dock.
            Qt.ScrollBarPolicy.ScrollBarAlwaysOn
        )
        self._fit_columns()
        self._on_document_selection(document.selection)

    # ----------------------------------------------------------------- toolbar

    def filter_room(self) -> int:
        """The filter box's width that shows its placeholder whole, next to its clear button
        (as QLineEdit lays out its text: its frame, 2 px each side, the clear button's icon, 6
        px round it and its margin, and the cursor's pixel)."""
        edit, style = self.filter_edit, self.filter_edit.style()
        text = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
        frame = style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, edit)
        icon = style.pixelMetric(QStyle.PixelMetric.PM_LineEditIconSize, None, edit)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_LineEditIconMargin, None, edit)
        return text + 2 * frame + 2 * 2 + icon + 6 + margin + 1

    def _bar_width(self, mode: str) -> int:
        """The toolbar's width in ``mode`` with the filter box at ``filter_room``."""
        compact = mode != "full"
        widths = [
            self.filter_room(),
            self.rows_combo.hint(compact).width(),
            self.order_combo.hint(compact).width(),
            self.copy_button.sizeHint().width(),
            self.export_button.sizeHint().width(),
        ]
        if mode != "tight":
            widths.append(self.rows_label.sizeHint().width())
        if mode in ("full", "short"):
            widths.append(self.shapes_label.sizeHint().width())
        spacing = max(self._bar.spacing(), 0)
        return sum(widths) + spacing * (len(widths) - 1)

    def _fit_bar(self) -> None:
        """The toolbar in the width it has: the rows and the shape order in full with their
        labels ("full"), in short with labels ("short": "Rows: Blocks", "Shapes: H×W×C"),
        in short with the rows' label only ("rows": a shape order reads as one), or with
        neither ("tight"); the first that leaves the filter box room for its placeholder. Its
        narrowest form sets the panel's least width, so the dock never overlaps another."""
        margins = self._bar_margins
        room = self.width() - margins
        modes = ("full", "short", "rows")
        mode = next((m for m in modes if self._bar_width(m) <= room), "tight")
        if mode == self.bar_mode:
            return
        self.bar_mode = mode
        self.rows_combo.set_compact(mode != "full")
        self.order_combo.set_compact(mode != "full")
        self.rows_label.setVisible(mode != "tight")
        self.shapes_label.setVisible(mode in ("full", "short"))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_bar()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.bar_mode = ""  # (widths measured again)
            self._fit_bar()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() in (
            QEvent.Type.ShortcutOverride,
            QEvent.Type.KeyPress,
        ):
            key_event = event if isinstance(event, QKeyEvent) else None
            if key_event is not None and key_event.matches(QKeySequence.StandardKey.Copy):
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()
                else:
                    self.copy_table("csv", selected_only=True)
                return True
            if (
                key_event is not None
                and key_event.matches(QKeySequence.StandardKey.SelectAll)
                and event.type() == QEvent.Type.ShortcutOverride
            ):
                # Ctrl+A in the table selects the rows it shows (the view's own Select All),
                # not every layer of the design (the window's): with a filter typed, what a
                # following Delete removes is what the table shows selected.
                event.accept()
                return True
        return super().eventFilter(watched, event)

    # ---------------------------------------------------------------- settings

    @property
    def shape_order(self) -> ShapeOrder:
        return self.model.shape_order

    def set_shape_order(self, order: str) -> None:
        """H×W×C or C×H×W; remembered in the settings."""
        value: ShapeOrder = "chw" if order == "chw" else "hwc"
        self.model.set_shape_order(value)
        self.totals_model.set_shape_order(value)
        self.footer.viewport().update()
        n = self.order_combo.findData(value)
        if n != self.order_combo.currentIndex():
            self.order_combo.setCurrentIndex(n)
        if self.settings.value(SHAPE_ORDER_KEY) != value:
            self.settings.setValue(SHAPE_ORDER_KEY, value)
        self.shape_order_changed.emit(value)

    # ------------------------------------------------------------------ blocks

    def set_collapsed(self, groups: AbstractSet[str]) -> None:
        """Follow the canvas: one row per collapsed block while it shows some (until the user
        picks the rows), one row per layer when everything is open. Applied on the next turn
        of the event loop, after the canvas has repainted (``flush_collapsed`` applies it now)."""
        self.collapsed = set(groups)
        self._collapsed_timer.start()

    def flush_collapsed(self) -> None:
        self._collapsed_timer.stop()
        if self._rows_chosen:
            if self.model.blocks is not None:
                self.model.set_blocks(self.collapsed)
            return
        self._set_rows("blocks" if self.collapsed else "layers")

    def _set_rows(self, kind: str) -> None:
        self.model.set_blocks(self.collapsed if kind == "blocks" else None)
        n = self.rows_combo.findData(kind)
        if n != self.rows_combo.currentIndex():
            self._setting_rows = True
            try:
                self.rows_combo.setCurrentIndex(n)
            finally:
                self._setting_rows = False

    def _on_rows_choice(self, _n: int) -> None:
        if self._setting_rows:
            return
        self._rows_chosen = True
        # Every row made again: 150 ms for the blocks of a 10,000-layer design with blocks
        # collapsed (with none, blocks are layers: the rows stay as they are).
        with busy(len(self.document.design), "Listing the rows…", window_status(self)):
            self._set_rows(str(self.rows_combo.currentData()))

    # ---------------------------------------------------------------- columns

    def _fit_columns(self) -> None:
        # Widths from the rows' own texts: QTableView.resizeColumnsToContents asks the model
        # for every role of every cell, tens of milliseconds per structural edit.
        header = self.view.horizontalHeader()
        widths = self._widths(self._sample_rows(), titles=True)
        if widths == self._fitted and all(
            header.sectionSize(n) == w for n, w in enumerate(widths[:-1])
        ):
            return  # (as fitted last time, the last column stretched: nothing to resize)
        self._fitted = widths
        for n, width in enumerate(widths):
            header.resizeSection(n, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.footer.horizontalHeader().setStretchLastSection(True)
        for n in range(len(COLUMNS)):
            self.footer.setColumnWidth(n, header.sectionSize(n))

    def _widths(self, rows: list[LayerRow], titles: bool) -> list[int]:
        """Each column's width for these rows' texts and the totals' (and the titles')."""
        bold = QFont(self.footer.font())
        bold.setBold(True)
        fonts = (bold.key(), self.view.font().key(), self.view.horizontalHeader().font().key())
        if fonts != self._advance_fonts:
            self._advance_fonts = fonts
            self._advances = ({}, {}, {})
        fm = _Advances(QFontMetrics(bold), self._advances[0])
        cell = _Advances(QFontMetrics(self.view.font()), self._advances[1])
        head = _Advances(QFontMetrics(self.view.horizontalHeader().font()), self._advances[2])
        totals = self.totals_model.row()
        order = self.shape_order
        widths = []
        for n, col in enumerate(COLUMNS):
            content = max((cell(r.text(col.key, order)) for r in rows), default=0) + 16
            title = (self.model.headerData(n, Qt.Orientation.Horizontal) or "") if titles else ""
            width = max(
                content,
                head(str(title)) + 28 if titles else 0,
                fm(totals.text(col.key, order)) + 28,
            )
            widths.append(min(width, 260))
        return widths

    def _fit_new_rows(self, _parent: QModelIndex, first: int, last: int) -> None:
        """Layers added (not a new table): the columns widen for the new rows' texts and the new
        totals if need be, and never narrow while the user edits (no jumping columns)."""
        if self.model.by_block:
            return  # rows by block replaced: widened once they all are (``_after_rows_replaced``)
        self.totals_model.refresh()
        shown = self.model.row_shown
        self._widen_columns(
            [shown(n, False) for n in range(first, min(last, first + FIT_SAMPLE) + 1)]
        )

    def _widen_columns(self, rows: list[LayerRow]) -> None:
        header = self.view.horizontalHeader()
        for n, width in enumerate(self._widths(rows, titles=False)):
            if width > header.sectionSize(n):
                header.resizeSection(n, width)
                self.footer.setColumnWidth(n, header.sectionSize(n))

    def _sample_rows(self, limit: int = FIT_SAMPLE) -> list[LayerRow]:
        """The rows the column widths are measured on: all of them, or for a long design the
        first and last hundred and evenly spaced ones between (a column stays resizable)."""
        model = self.model
        n = model.rowCount()
        if n <= limit:
            return model.rows()
        picks = {*range(100), *range(n - 100, n), *range(0, n, max(1, n // (limit - 200)))}
        return [model._row_at(k) for k in sorted(picks)]

    def _after_reset(self) -> None:
        self.totals_model.refresh()  # the widths below include the new totals
        self._fit_columns()
        self._on_document_selection(self.document.selection)

    def _after_rows_replaced(self) -> None:
        """Rows by block replaced by an edit (a repeat broken or mended): the columns widen for
        the new rows if need be and never narrow while the user edits, as for layers added. A
        column fitted anew at every edit jumped between two widths as a run split and joined
        again, and each resize laid the table and its dock out again (a second repaint of the
        dock per edit)."""
        self.totals_model.refresh()
        model = self.model
        self._widen_columns([model._row_at(n) for n in model.replaced_rows[:FIT_SAMPLE]])
        self._on_document_selection(self.document.selection)
        # The view lays its rows out now rather than on a timer of its own, which ran after the
        # window's next repaint: the table was painted, laid out and painted whole again.
        self.view.executeDelayedItemsLayout()

    def _sync_column_width(self, column: int, _old: int, new: int) -> None:
        self.footer.setColumnWidth(column, new)

    # --------------------------------------------------------------- selection

    def _on_view_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._syncing:
            return
        ids = self.selected_ids()
        resets = self.model.reset_count
        self._syncing = True
        try:
            self.document.select(ids)
        finally:
            self._syncing = False
        if (
            self.model.reset_count != resets
        ):  # a block row opened its block: select its layer's new row
            self._on_document_selection(self.document.selection)

    def selected_ids(self) -> list[str]:
        rows = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
        return [self.proxy.data(i, ID_ROLE) for i in rows]

    def _on_document_selection(self, ids: list[str]) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            selection = QItemSelection()
            shown: list[int] = []
            for lid in ids:
                row = self.model.row_of(lid)
                if row is None:
                    continue
                proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
                if proxy_index.isValid():
                    shown.append(proxy_index.row())
            # Runs of neighbouring rows as one range each (Select All: one, not 10,000).
            shown.sort()
            k = 0
            while k < len(shown):
                end = k
                while end + 1 < len(shown) and shown[end + 1] <= shown[end] + 1:
                    end += 1
                selection.select(self.proxy.index(shown[k], 0), self.proxy.index(shown[end], 0))
                k = end + 1
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.view.selectionModel().select(selection, flags)
            if ids and (row := self.model.row_of(ids[-1])) is not None:
                current = self.proxy.mapFromSource(self.model.index(row, 0))
                if current.isValid():
                    self.view.scrollTo(current)
        finally:
            self._syncing = False

    def _on_filter_text(self, _text: str) -> None:
        """Filter by id or type: at once, or on a long table once the typing pauses."""
        if self.model.rowCount() < LONG_DESIGN:
            self.flush_filter()
        else:
            self._filter_timer.start()

    def flush_filter(self) -> None:
        """Apply the filter box's text now; the rows it brings back show their selection (the
        document's: a layer selected while its row was filtered out is selected when shown)."""
        self._filter_timer.stop()
        text = self.filter_edit.text()
        with busy(self.model.rowCount(), "Filtering the layer table…", window_status(self)):
            self.proxy.set_filter_text(text)
        self._on_document_selection(self.document.selection)

    # ----------------------------------------------------------- copy / export

    def visible_rows(self, selected_only: bool = False) -> list[LayerRow]:
        """Rows in the order the view shows them (sorted, filtered)."""
        if self._filter_timer.isActive():
            self.flush_filter()  # (typed a moment ago: what the box says)
        shown, source = self.model.row_shown, self.proxy.mapToSource
        if selected_only:
            indexes = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
            return [shown(source(i).row()) for i in indexes]
        return [shown(source(self.proxy.index(r, 0)).row()) for r in range(self.proxy.rowCount())]

    def table_text(self, fmt: str, selected_only: bool = False) -> str:
        """The rows (selected, or all with the totals) as CSV or Markdown."""
        rows = self.visible_rows(selected_only)
        if not rows or not selected_only:
            rows = [*self.visible_rows(), self.totals_model.row()]
        if fmt == "markdown":
            return rows_markdown(rows, self.shape_order)
        return rows_csv(rows, self.shape_order)

    def copy_table(self, fmt: str, selected_only: bool = False) -> str:
        text = self.table_text(fmt, selected_only)
        QGuiApplication.clipboard().setText(text)
        return text

    def export_csv(self, path: str | Path) -> Path:
        """Write the whole table (all layers in design order, then the totals) as UTF-8 CSV."""
        target = Path(path)
        rows = [*self.model.rows(), self.totals_model.row()]
        target.write_text(rows_csv(rows, self.shape_order), encoding="utf-8")
        return target

    def export_csv_dialog(self) -> None:
        base = (
            self.document.path.with_suffix(".csv")
            if self.document.path
            else Path(f"{self.document.design.name}.csv")
        )
        name, _ = QFileDialog.getSaveFileName(
            self, "Export layer table", str(base), "CSV files (*.csv)"
        )
        if not name:
            return
        try:
            self.export_csv(name)
        except OSError as exc:
            QMessageBox.warning(
                self, "Export layer table", f"Could not write {name}:\n{exc.strerror or exc}"
            )

    def _context_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        has_selection = bool(self.view.selectionModel().selectedRows())
        a = menu.addAction("Copy selected rows as CSV", lambda: self.copy_table("csv", True))
        a.setEnabled(has_selection)
        a = menu.addAction(
            "Copy selected rows as Markdown", lambda: self.copy_table("markdown", True)
        )
        a.setEnabled(has_selection)
        menu.addSeparator()
        menu.addAction("Copy table as CSV", lambda: self.copy_table("csv", False))
        menu.addAction("Copy table as Markdown", lambda: self.copy_table("markdown", False))
        menu.addSeparator()
        menu.addAction("Export as CSV…", self.export_csv_dialog)
        menu.exec(self.view.viewport().mapToGlobal(pos))

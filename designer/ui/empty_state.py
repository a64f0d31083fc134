"""What an empty canvas says: how to start (issue 14, the first run).

A card centred on the canvas while the design has no layer: drag an Input from the
palette (or add one here), start from a classic network (File ▸ New…, with its
preview), open a file, or one of the recent files. It only asks; the main window
does the work. Drops pass through it to the canvas underneath.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

MAX_RECENT = 4


class EmptyState(QFrame):
    """``EmptyState(host)``: a card kept centred on ``host`` (the canvas viewport)."""

    add_input_requested = Signal()
    template_requested = Signal()
    open_requested = Signal()
    recent_requested = Signal(str)

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("empty_state")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "QFrame#empty_state { border: 1px solid palette(mid); border-radius: 8px; background: palette(base); }"
            " QLabel#empty_title { font-size: 14pt; font-weight: 600; }"
        )
        title = QLabel("Start a design")
        title.setObjectName("empty_title")
        hint = QLabel(
            "Drag an <b>Input</b> from the Layers palette onto the canvas, then the layers that follow it. "
            "Every shape, parameter count and problem appears as you go."
        )
        hint.setWordWrap(True)
        self.add_input_button = QPushButton("Add an Input here")
        self.add_input_button.setObjectName("empty_add_input")
        self.add_input_button.setToolTip("A 3×224×224 image input in the middle of the canvas")
        self.template_button = QPushButton("Start from a classic network…")
        self.template_button.setObjectName("empty_template")
        self.template_button.setToolTip(
            "LeNet-5, AlexNet, VGG, ResNet, … with a preview (File ▸ New…)"
        )
        self.open_button = QPushButton("Open a design file…")
        self.open_button.setObjectName("empty_open")
        self.recent_label = QLabel("Recent files")
        self.recent_label.setStyleSheet("font-weight: 600; margin-top: 6px;")
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(0)
        self.recent_buttons: list[QPushButton] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.add_input_button)
        layout.addWidget(self.template_button)
        layout.addWidget(self.open_button)
        layout.addWidget(self.recent_label)
        layout.addLayout(self.recent_box)
        self.add_input_button.clicked.connect(self.add_input_requested)
        self.template_button.clicked.connect(self.template_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.setFixedWidth(380)
        self.set_recent_files([])
        host.installEventFilter(self)

    def set_recent_files(self, files: list[str]) -> None:
        for button in self.recent_buttons:
            self.recent_box.removeWidget(button)
            button.deleteLater()
        self.recent_buttons = []
        for path in files[:MAX_RECENT]:
            button = QPushButton(Path(path).name)
            button.setFlat(True)
            button.setToolTip(path)
            button.setStyleSheet(
                "QPushButton { text-align: left; color: palette(link); padding: 2px 4px; }"
            )
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, p=path: self.recent_requested.emit(p))
            self.recent_box.addWidget(button)
            self.recent_buttons.append(button)
        self.recent_label.setVisible(bool(self.recent_buttons))
        self.adjustSize()
        self._centre()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._centre()
        return False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._centre()

    def _centre(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        self.adjustSize()
        x = max((host.width() - self.width()) // 2, 0)
        y = max((host.height() - self.height()) // 2, 0)
        self.move(x, y)

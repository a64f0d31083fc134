"""The framework comparison (``compare_semantics``) of a long design, in another process.

The comparison re-analyses every windowed layer under three other rounding rules: milliseconds
on a template, seconds on a 10,000-layer design, where it ran on the GUI thread a quarter of a
second after every edit. A worker thread would not do: while it ran Python, the GUI thread
waited for the interpreter lock at every call back into Python and zooming the canvas dropped to
a few frames per second. ``SemanticsWorker.start`` takes the design as plain values on the GUI
thread as JSON (``compare_process.payload_of``) and hands them to ``python -m
designer.ui.panels.compare_process`` (a ``QProcess``, core imports only); ``done`` brings the
rows back tagged with the revision they describe. A newer edit kills a comparison under way;
``wait`` blocks for the current one (``flush``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal
from shiboken6 import isValid

import designer
from designer.core.analysis import Analysis
from designer.core.design import Design
from designer.core.semantics_compare import SemanticsRow, compare_semantics
from designer.ui.panels.compare_process import payload_of, rows_from_json

#: Designs up to this many layers are compared on the GUI thread, at once (a few milliseconds).
INLINE_LAYERS = 400

Result = list[SemanticsRow]


def compare_now(design: Design, analysis: Analysis) -> Result:
    """``compare_semantics``; a design the analysis cannot copy cleanly compares as no rows."""
    try:
        return compare_semantics(design, analysis) if len(design) else []
    except ValueError:
        return []


class SemanticsWorker(QObject):
    done = Signal(int, object)  # revision, list[SemanticsRow]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._revision = -1
        self.runs = 0  # comparisons started in a process (tests)
        # No handler on ``destroyed``: a child QProcess still running is killed by its destructor
        # (its ``finished`` then arrives for a deleted process, which _on_finished ignores).

    @property
    def busy(self) -> bool:
        return self._process is not None

    def shutdown(self) -> None:
        """Stop a comparison under way (a newer edit, or the window closing)."""
        process, self._process = self._process, None
        if process is not None:
            process.finished.disconnect()
            process.kill()
            process.waitForFinished(2000)
            process.deleteLater()

    def start(self, revision: int, design: Design, analysis: Analysis) -> None:
        """Compare ``design`` as it is now, in the background."""
        self.shutdown()
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        root = str(Path(designer.__file__).resolve().parent.parent)  # this copy of the package
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH")) if p))
        process.setProcessEnvironment(env)
        process.finished.connect(lambda *_: self._on_finished(process, revision))
        self._process, self._revision = process, revision
        self.runs += 1
        process.start(sys.executable, ["-m", "designer.ui.panels.compare_process"])
        process.write(payload_of(design, analysis.bytes_per_element))
        process.closeWriteChannel()

    def wait(self) -> tuple[int, Result] | None:
        """The comparison under way, finished now (``None`` if none is)."""
        process = self._process
        if process is None:
            return None
        process.waitForStarted(-1)
        process.waitForFinished(-1)
        self._process = None
        return (self._revision, self._rows(process))

    @staticmethod
    def _rows(process: QProcess) -> Result:
        data = bytes(process.readAllStandardOutput().data())
        process.deleteLater()
        failed = process.exitStatus() != QProcess.ExitStatus.NormalExit or process.exitCode() != 0
        if failed or not data:
            return []  # a comparison that failed shows no banner; the design itself is untouched
        try:
            return rows_from_json(data)
        except (ValueError, TypeError):
            return []

    def _on_finished(self, process: QProcess, revision: int) -> None:
        if process is not self._process:
            return  # taken by wait(), or killed for a newer comparison
        self._process = None
        if not isValid(process):
            return  # the window closed while it ran: Qt deleted the process, killing it
        self.done.emit(revision, self._rows(process))

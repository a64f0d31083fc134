"""Autosave recovery files: written every minute while a design has unsaved changes.

Each running app writes ``recovery-<pid>.json`` in the per-user data folder
(atomically). A clean exit or a save deletes it; a file left behind by a process
that no longer runs is what a crash left, and the next start offers to restore it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from designer.core.design import Design
from designer.core.fileformat import FormatError, loads_design, write_atomic

RECOVERY_FORMAT = "cnn-designer-recovery"


@dataclass
class RecoveryFile:
    path: Path
    pid: int
    saved_at: float
    original_path: str | None
    name: str


class Recovery:
    def __init__(self, folder: Path) -> None:
        self.folder = folder / "recovery"
        self.path = self.folder / f"recovery-{os.getpid()}.json"

    def write(self, design_text: str, original_path: str | None, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": RECOVERY_FORMAT,
            "version": 1,
            "saved_at": time.time(),
            "original_path": original_path,
            "name": name,
            "design": design_text,
        }
        write_atomic(self.path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        return self.path

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def orphans(self) -> list[RecoveryFile]:
        """Recovery files of processes that are gone (crashed), newest first."""
        found: list[RecoveryFile] = []
        if not self.folder.is_dir():
            return found
        for path in self.folder.glob("recovery-*.json"):
            try:
                pid = int(path.stem.split("-", 1)[1])
            except ValueError:
                continue
            if pid == os.getpid() or _alive(pid):
                continue
            try:
                obj = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(obj, dict) or obj.get("format") != RECOVERY_FORMAT:
                continue
            found.append(
                RecoveryFile(
                    path,
                    pid,
                    float(obj.get("saved_at") or 0),
                    obj.get("original_path"),
                    str(obj.get("name") or "Untitled"),
                )
            )
        found.sort(key=lambda r: r.saved_at, reverse=True)
        return found

    @staticmethod
    def load(entry: RecoveryFile) -> Design:
        """The design kept in a recovery file (``FormatError`` if it is damaged)."""
        try:
            obj = json.loads(entry.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FormatError(
                "$", f"the recovery file cannot be read ({exc})", str(entry.path)
            ) from None
        text = obj.get("design") if isinstance(obj, dict) else None
        if not isinstance(text, str):
            raise FormatError("$.design", "the recovery file holds no design", str(entry.path))
        try:
            return loads_design(text)
        except FormatError as exc:
            raise exc.with_source(str(entry.path)) from None

    @staticmethod
    def discard(entry: RecoveryFile) -> None:
        with contextlib.suppress(FileNotFoundError):
            entry.path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True

"""The code previews' text view: generated Python, coloured as it comes into view.

A 10,000-layer design makes 20,000 lines of code. ``QSyntaxHighlighter`` colours every line of
a document in Python whenever its text is set (about a third of a second for those 20,000),
though a window shows forty of them. ``PythonHighlighter`` colours a line when it is about to
be painted (``CodeView.paintEvent`` asks for the lines in view): what the reader sees is the
same, and setting the text costs what Qt's own layout does.

A triple-quoted string spans lines, so a line's colours depend on the lines before it. Each
line's state (inside a docstring or not) comes from a scan of the whole text that only tokenises
a line when it could change the state (it holds three quotes, or a docstring is open), so a
jump to the last line does not colour the 20,000 before it.
"""

from __future__ import annotations

import builtins
import keyword
import re

from PySide6.QtCore import QObject, QRect
from PySide6.QtGui import (
    QColor,
    QFont,
    QPaintEvent,
    QTextBlock,
    QTextCharFormat,
    QTextDocument,
    QTextLayout,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

#: What a line's tokens are: (start, end, style) in code points.
Span = tuple[int, int, str]


def _char_format(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QObject):
    """Keywords, names being defined, strings (triple-quoted ones across lines), numbers and
    comments; a comment that is a tensor shape (``# 56×56×64  (64×56×56)``) or a parameter
    count gets its own colour, since those are what a reader of the generated code looks for.

    Lines are coloured when ``format_blocks`` is asked for them (``CodeView`` asks for those in
    view before each paint), and again after the text changes.
    """

    IN_DOUBLE_DOCSTRING = 1
    IN_SINGLE_DOCSTRING = 2

    _TOKENS = re.compile(
        r"""(?P<comment>\#.*)"""
        r"""|(?P<triple>[rRbBuUfF]{0,2}(?:\"\"\"|'''))"""
        r"""|(?P<string>[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?))"""
    )
    _WORDS = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
    _NUMBER = re.compile(
        r"(?<![A-Za-z_0-9.])(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?)"
    )
    _DEFINED = re.compile(r"\b(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)")
    _DECORATOR = re.compile(r"^\s*@[\w.]+")
    _SHAPE_COMMENT = re.compile(r"#\s*(?:\d[\d,]*(?:×\d+)*\b|.*\bparams?\b)")
    _NOTE_COMMENT = re.compile(r"#\s*(?:warning|note)\b", re.IGNORECASE)

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.document = document
        self.formats = {
            "keyword": _char_format("#8a2be2", bold=True),
            "builtin": _char_format("#1d6fa5"),
            "self": _char_format("#a0522d", italic=True),
            "defined": _char_format("#0b5cad", bold=True),
            "decorator": _char_format("#7a5c00"),
            "string": _char_format("#2e7d32"),
            "number": _char_format("#c2410c"),
            "comment": _char_format("#7b8794", italic=True),
            "shape": _char_format("#0f766e", bold=True),
            "note": _char_format("#a15c00", italic=True),
        }
        self._keywords = set(keyword.kwlist) | set(keyword.softkwlist)
        self._builtins = {n for n in dir(builtins) if not n.startswith("_")}
        # The state each line starts in (0, or inside a docstring), for the text as it is now:
        # None until a line is first coloured after a change.
        self._states: list[int] | None = None
        self._formatted: set[int] = set()  # the lines coloured since the text last changed
        self.blocks_formatted = 0  # how many lines were coloured, in all (for tests)
        document.contentsChange.connect(self._changed)

    def _changed(self, position: int, _removed: int, _added: int) -> None:
        """Lines from the one changed onwards are coloured again when next shown (their
        numbers, and the states they start in, may all have moved)."""
        first = self.document.findBlock(position).blockNumber()
        self._states = None
        self._formatted = {n for n in self._formatted if n < first}

    # -- colouring

    def format_blocks(self, first: QTextBlock, last_number: int) -> int:
        """Colour the lines from ``first`` to line ``last_number`` not coloured since the text
        last changed. The number coloured."""
        done = 0
        block = first
        while block.isValid() and block.blockNumber() <= last_number:
            number = block.blockNumber()
            if number not in self._formatted:
                self._format(block, self._state_before(number))
                self._formatted.add(number)
                done += 1
            block = block.next()
        if done:
            self.blocks_formatted += done
        return done

    def _format(self, block: QTextBlock, state: int) -> None:
        text = block.text()
        spans, _ = self.spans(text, state)
        units = None if text.isascii() or max(text) <= "\uffff" else _utf16_offsets(text)
        ranges = []
        formats = self.formats
        for start, end, style in spans:
            r = QTextLayout.FormatRange()
            if units is None:
                r.start, r.length = start, end - start
            else:
                r.start, r.length = units[start], units[end] - units[start]
            r.format = formats[style]
            ranges.append(r)
        layout = block.layout()
        if ranges or layout.formats():
            layout.setFormats(ranges)
            self.document.markContentsDirty(block.position(), block.length())

    def _state_before(self, number: int) -> int:
        if self._states is None:
            self._states = self._line_states(self.document.toPlainText().split("\n"))
        states = self._states
        return states[number] if number < len(states) else 0

    def _line_states(self, lines: list[str]) -> list[int]:
        """The state each of ``lines`` starts in. A line outside a docstring with no three
        quotes in it cannot open one: only the others are tokenised."""
        states = [0] * len(lines)
        state = 0
        for n, line in enumerate(lines):
            states[n] = state
            if state or '"""' in line or "'''" in line:
                state = self.spans(line, state)[1]
        return states

    # -- tokens

    def spans(self, text: str, state: int) -> tuple[list[Span], int]:
        """The styled spans of one line starting in ``state``, and the state after it."""
        out: list[Span] = []
        pos = 0
        if state in (self.IN_DOUBLE_DOCSTRING, self.IN_SINGLE_DOCSTRING):
            delim = '"""' if state == self.IN_DOUBLE_DOCSTRING else "'''"
            end = text.find(delim)
            if end < 0:
                out.append((0, len(text), "string"))
                return out, state
            pos = end + 3
            out.append((0, pos, "string"))
        code_start = pos
        while pos < len(text):
            m = self._TOKENS.search(text, pos)
            if m is None:
                break
            self._code_spans(text, code_start, m.start(), out)
            kind = m.lastgroup or ""
            if kind == "comment":
                comment = m.group()
                style = (
                    "shape"
                    if self._SHAPE_COMMENT.match(comment)
                    else "note"
                    if self._NOTE_COMMENT.match(comment)
                    else "comment"
                )
                out.append((m.start(), len(text), style))
                return out, 0
            if kind == "triple":
                delim = m.group()[-3:]
                end = text.find(delim, m.end())
                if end < 0:
                    out.append((m.start(), len(text), "string"))
                    opened = (
                        self.IN_DOUBLE_DOCSTRING if delim == '"""' else self.IN_SINGLE_DOCSTRING
                    )
                    return out, opened
                out.append((m.start(), end + 3, "string"))
                pos = end + 3
            else:
                out.append((m.start(), m.end(), "string"))
                pos = m.end()
            code_start = pos
        self._code_spans(text, code_start, len(text), out)
        return out, 0

    def _code_spans(self, text: str, start: int, end: int, out: list[Span]) -> None:
        if start >= end:
            return
        segment = text[start:end]
        for m in self._NUMBER.finditer(segment):
            out.append((start + m.start(), start + m.end(), "number"))
        for m in self._WORDS.finditer(segment):
            word = m.group()
            if word in self._keywords:
                style = "keyword"
            elif word in ("self", "cls"):
                style = "self"
            elif word in self._builtins:
                style = "builtin"
            else:
                continue
            out.append((start + m.start(), start + m.end(), style))
        for m in self._DEFINED.finditer(segment):
            out.append((start + m.start(1), start + m.end(1), "defined"))
        decorator = self._DECORATOR.match(segment) if start == 0 else None
        if decorator:
            out.append((decorator.start(), decorator.end(), "decorator"))


def _utf16_offsets(text: str) -> list[int]:
    """``out[i]`` = the UTF-16 offset of code point ``i`` (``out[len(text)]`` the total)."""
    out = [0] * (len(text) + 1)
    n = 0
    for i, ch in enumerate(text):
        out[i] = n
        n += 2 if ord(ch) > 0xFFFF else 1
    out[len(text)] = n
    return out


class CodeView(QPlainTextEdit):
    """A read-only view of Python code, its lines coloured by ``highlighter`` as they come
    into view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.highlighter = PythonHighlighter(self.document())

    def paintEvent(self, event: QPaintEvent) -> None:
        self.format_visible(event.rect())
        super().paintEvent(event)

    def format_visible(self, rect: QRect | None = None) -> int:
        """Colour the lines in view (within ``rect`` of the viewport, if given) not coloured
        yet; the number coloured."""
        block = self.firstVisibleBlock()
        if not block.isValid():
            return 0
        bottom = (rect if rect is not None else self.viewport().rect()).bottom()
        offset = self.contentOffset()
        last = block
        top = self.blockBoundingGeometry(block).translated(offset).top()
        while last.isValid() and top <= bottom:
            top += self.blockBoundingRect(last).height()
            nxt = last.next()
            if not nxt.isValid() or top > bottom:
                break
            last = nxt
        return self.highlighter.format_blocks(block, last.blockNumber())

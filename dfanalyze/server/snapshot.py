"""One version of one open Dockerfile, and what the API says about it, each part computed on first
use and kept for that version only.

Positions: dfanalyze counts lines and columns from 1 and columns in code points; LSP counts from 0,
columns in the code units of the encoding agreed at start-up (UTF-16 unless the client offers
UTF-32 or UTF-8). :class:`Lines` converts between the two, clamping what lies beyond a line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from dfanalyze.span import Position, Span

if TYPE_CHECKING:
    from datetime import date

    from dfanalyze.analysis.symbols import SymbolIndex
    from dfanalyze.api import Checked, Checker
    from dfanalyze.checks.suppression import Comment
    from dfanalyze.engine.linting import Plan
    from dfanalyze.engine.run import Linter
    from dfanalyze.layers.graph import LayerGraph
    from dfanalyze.model import Dockerfile, Instruction


def _units_utf16(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def _units_utf8(text: str) -> int:
    return len(text.encode("utf-8"))


class Lines:
    """Converts between dfanalyze's positions and LSP's in one text."""

    def __init__(self, lines: Sequence[str], encoding: str) -> None:
        self.lines = lines
        self._units: Callable[[str], int]
        if encoding == lsp.PositionEncodingKind.Utf32:
            self._units = len
        elif encoding == lsp.PositionEncodingKind.Utf8:
            self._units = _units_utf8
        else:
            self._units = _units_utf16

    def _line(self, number: int) -> str:
        return self.lines[number] if 0 <= number < len(self.lines) else ""

    def position(self, p: Position) -> lsp.Position:
        line = max(p.line - 1, 0)
        text = self._line(line)
        return lsp.Position(line, self._units(text[: max(p.column - 1, 0)]))

    def range(self, span: Span) -> lsp.Range:
        return lsp.Range(self.position(span.start), self.position(span.end))

    def from_lsp(self, p: lsp.Position) -> Position:
        """The dfanalyze position of an LSP position (a column past the line's end is its end)."""
        text = self._line(p.line)
        if self._units is len or (text.isascii() and self._units is _units_utf16):
            return Position(p.line + 1, min(p.character, len(text)) + 1)
        units = 0
        for index, char in enumerate(text):
            if units >= p.character:
                return Position(p.line + 1, index + 1)
            units += self._units(char)
        return Position(p.line + 1, len(text) + 1)

    def end(self) -> lsp.Position:
        """Just after the last character of the text."""
        if not self.lines:
            return lsp.Position(0, 0)
        return lsp.Position(len(self.lines) - 1, self._units(self.lines[-1]))


def text_lines(text: str) -> list[str]:
    """The lines of ``text`` as an editor counts them (``\\n``, ``\\r\\n`` and ``\\r`` end one)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


class Snapshot:
    """One version of a document. Not thread-safe: the server computes every part in one worker."""

    def __init__(
        self, uri: str, path: Path, version: int | None, text: str, checker: Checker, encoding: str
    ) -> None:
        self.uri = uri
        self.path = path
        self.version = version
        self.text = text
        self.checker = checker
        self.lines = Lines(text_lines(text), encoding)

    @cached_property
    def checked(self) -> Checked:
        return self.checker.check(self.text, self.path)

    @property
    def dockerfile(self) -> Dockerfile:
        return self.checked.dockerfile

    @cached_property
    def fixed(self) -> str | None:
        """The text after every safe fix (``dfanalyze --fix``); None when the configuration is
        broken."""
        return self.checker.fix(self.text, self.path)

    @cached_property
    def plan(self) -> Plan | None:
        """What the file's configuration gives it (None when the configuration is broken)."""
        from dfanalyze.engine.config import ConfigError

        try:
            return self.checker.plan(self.path)
        except ConfigError:
            return None

    @cached_property
    def linter(self) -> Linter | None:
        """The linter of the file (None when its configuration is broken)."""
        return self.plan.linter_for(str(self.path)) if self.plan is not None else None

    @property
    def build_args(self) -> dict[str, str]:
        return dict(self.linter.build_args) if self.linter is not None else {}

    @property
    def today(self) -> date:
        """The day end of life is judged on: the end-of-life rule's ``today`` option when the
        configuration sets it, else today (a hover says what the rule says)."""
        from datetime import date

        options = self.linter.plan.options.get("DF103") if self.linter is not None else None
        configured = str((options or {}).get("today", "") or "")
        try:
            return date.fromisoformat(configured) if configured else date.today()
        except ValueError:
            return date.today()

    @cached_property
    def symbols(self) -> SymbolIndex:
        from dfanalyze.api import symbols

        return symbols(self.dockerfile, self.build_args)

    @cached_property
    def layers(self) -> LayerGraph | None:
        """The layer graph (None for a file without a stage)."""
        from dfanalyze.api import layers
        from dfanalyze.layers.graph import TargetError

        try:
            return layers(  # the context the rules read, never a second walk of the folder
                self.dockerfile,
                build_args=self.build_args,
                build_context=self.checker.build_context(self.path, self.dockerfile),
            )
        except TargetError:
            return None

    @cached_property
    def comments(self) -> tuple[Comment, ...]:
        from dfanalyze.api import suppression_comments

        return suppression_comments(self.dockerfile)

    def instruction_at(self, position: Position) -> Instruction | None:
        """The top-level instruction whose lines hold ``position`` (heredoc bodies included)."""
        for ins in self.dockerfile.instructions:
            if ins.span.start.line <= position.line <= ins.span.end.line:
                return ins
        return None

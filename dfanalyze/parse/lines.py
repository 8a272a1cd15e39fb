"""Line assembly, the part of BuildKit's parser that no context-free grammar can express.

From physical lines to logical instruction lines: parser directives at the top of the file (the
``escape`` directive changes the continuation character for the rest of the file), continuation
lines (with comment and blank lines inside them), previous comments, and heredoc bodies, whose end is
a word chosen on the instruction line. Every logical line keeps an :class:`OffsetMap` back to the
physical text, so that spans stay exact across joined lines.
"""

from __future__ import annotations

import re

from msgspec import Struct, field

from dfanalyze.model import Diagnostic, Directive
from dfanalyze.parse.instructions import SYNTAX_ERROR, UNKNOWN_INSTRUCTION
from dfanalyze.parse.words import SPACES
from dfanalyze.span import OffsetMap, Position, Span

MAX_LINE_BYTES = 65535
# Go's RE2 `\s` is ASCII only ([\t\n\f\r ]), unlike Python's.
_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$")
_VALID_DIRECTIVES = ("syntax", "escape", "check")


def continuation_at(line: str, escape: str) -> int:
    """Where the escape token that continues ``line`` is, or -1 when the line does not continue.

    BuildKit's rule: the line ends with the escape token, maybe followed by blanks, and that token is
    not itself escaped (a quirk: three escape tokens at the end do not continue the line either).
    """
    body = line.rstrip(" \t")
    if not body.endswith(escape) or body[-2:-1] == escape:
        return -1
    return len(body) - 1


class LogicalLine(Struct, frozen=True):
    text: str
    offsets: OffsetMap
    start_line: int
    end_line: int  # last physical line consumed so far (heredoc bodies are read afterwards)
    comments: tuple[str, ...]
    empty_continuation_lines: tuple[int, ...]


class _DirectiveLine(Struct, frozen=True):
    key: str  # lower-cased
    value: str
    span: Span  # of the value


def _directive_at(line: str, number: int, trim: bool) -> _DirectiveLine | None:
    """The directive written on ``line``, if it is one (BuildKit's ``DirectiveParser.ParseLine``).

    ``trim``: leading whitespace before ``#`` is allowed (the main parser trims the line first; the
    syntax/check detection that chooses the frontend does not).
    """
    text = line.lstrip(SPACES) if trim else line
    if not text.startswith("#"):
        return None
    body = text[1:].lstrip(SPACES)
    match = _DIRECTIVE.match(body)
    if match is None or match.group(1).lower() not in _VALID_DIRECTIVES:
        return None
    value = match.group(2)
    column = len(line) - len(body) + match.start(2) + 1
    return _DirectiveLine(match.group(1).lower(), value, Span.of(number, column, number, column + len(value)))


def _too_long(raw_lines: list[str]) -> list[int]:
    """Indexes of physical lines longer than BuildKit's scanner accepts (65,535 bytes, counting a
    trailing ``\r`` and a BOM, which the scanner still holds at that point)."""
    limit = MAX_LINE_BYTES // 4  # no line shorter than this in characters can exceed the limit in bytes
    return [
        index
        for index, line in enumerate(raw_lines)
        if len(line) > limit and len(line.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES
    ]


def _end_of(lines: list[str]) -> Position:
    """The position just after the last character of the file."""
    return Position(len(lines), len(lines[-1]) + 1) if lines else Position(1, 1)


class LineReader(Struct):
    """Reads a Dockerfile's physical lines into logical lines, one instruction at a time."""

    lines: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    escape: str = "\\"
    pos: int = 0  # index of the next physical line
    _comments: list[str] = field(default_factory=list)
    _newline_at_end: bool = True
    _directive_lines: frozenset[int] = frozenset()  # indexes of lines the main parser read as directives

    @classmethod
    def from_text(cls, text: str) -> LineReader:
        raw_lines = text.split("\n")
        newline_at_end = raw_lines[-1] == ""
        if newline_at_end:
            raw_lines.pop()
        too_long = _too_long(raw_lines)
        lines = [line.rstrip("\r") for line in raw_lines]
        if lines and lines[0].startswith("\ufeff"):
            lines[0] = lines[0][1:]
        reader = cls(lines)
        reader._newline_at_end = newline_at_end
        for index in too_long:
            number = index + 1
            reader.diagnostics.append(
                Diagnostic(
                    SYNTAX_ERROR,
                    f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}",
                    Span.of(number, 1, number, len(lines[index]) + 1),
                )
            )
            lines[index] = ""  # BuildKit stops here; we skip the line and go on
        reader._read_directives()
        return reader

    # -- directives -------------------------------------------------------------------------
    def _read_directives(self) -> None:
        """Parser directives: only at the top, until the first line that is not one.

        Two readers, as in BuildKit. The main parser reads directives from the first line on (after
        trimming leading whitespace) and honours ``escape``; a ``#!`` first line ends its search, so
        ``# escape=`` after a shebang is a plain comment. The detection of ``syntax`` and ``check``
        skips a shebang line, does not trim, and keeps the first value when one is repeated.
        """
        lines = self.lines
        seen: set[str] = set()
        directive_lines: set[int] = set()
        shebang = bool(lines) and lines[0].startswith("#!")
        for index in range(len(lines) if shebang else 0, len(lines)):
            found = _directive_at(lines[index], index + 1, trim=True)
            if found is None:
                break
            directive_lines.add(index)
            if found.key in seen:
                self._error(f"only one {found.key} parser directive can be used", found.span)
                continue
            seen.add(found.key)
            if found.key != "escape":
                continue
            if found.value not in ("\\", "`"):
                self._error(f"invalid escape token '{found.value}' does not match ` or \\", found.span)
                continue
            self.escape = found.value
            self.directives.append(Directive("escape", found.value, found.span))
        self._directive_lines = frozenset(directive_lines)
        detected: set[str] = set()
        for index in range(1 if shebang else 0, len(lines)):
            found = _directive_at(lines[index], index + 1, trim=False)
            if found is None or found.key in detected:
                break
            detected.add(found.key)
            if found.key != "escape":
                self.directives.append(Directive(found.key, found.value, found.span))
        self.directives.sort(key=lambda d: d.span.start)

    def _error(self, message: str, span: Span) -> None:
        self.diagnostics.append(Diagnostic(SYNTAX_ERROR, message, span))

    # -- instructions -----------------------------------------------------------------------
    def _note_comment(self, index: int) -> None:
        if index in self._directive_lines:
            return  # BuildKit drops a directive from the comments it collects
        # BuildKit: strings.TrimSpace(line[1:]) on the untrimmed line (a quirk for indented comments).
        comment = self.lines[index][1:].strip(SPACES)
        if comment:
            self._comments.append(comment)
        else:
            self._comments.clear()

    def next_line(self) -> LogicalLine | None:
        """The next logical instruction line, or None at the end of the file."""
        lines = self.lines
        escape = self.escape
        while self.pos < len(lines):
            raw = lines[self.pos]
            self.pos += 1
            stripped = raw.lstrip(SPACES)
            if stripped.startswith("#"):
                self._note_comment(self.pos - 1)
                continue
            start_line = self.pos
            indent = len(raw) - len(stripped)
            at = continuation_at(stripped, escape)
            if at < 0:
                if not stripped:
                    continue
                text = stripped
                offsets = OffsetMap((0,), (start_line,), (indent + 1,), Position(start_line, len(raw) + 1))
                return self._logical(text, offsets, start_line, start_line, ())
            pieces_text = [stripped[:at]]
            starts = [0]
            line_numbers = [start_line]
            columns = [indent + 1]
            length = at
            empty: list[int] = []
            last_line = start_line
            end = Position(start_line, indent + at + 1)
            ended = False
            while not ended and self.pos < len(lines):
                raw = lines[self.pos]
                self.pos += 1
                number = self.pos
                last_line = number
                stripped_left = raw.lstrip(SPACES)
                if stripped_left.startswith("#"):
                    continue
                if not stripped_left:
                    empty.append(number)
                    continue
                at = continuation_at(raw, escape)
                piece = raw if at < 0 else raw[:at]
                ended = at < 0
                starts.append(length)
                line_numbers.append(number)
                columns.append(1)
                pieces_text.append(piece)
                length += len(piece)
                end = Position(number, len(piece) + 1)
            text = "".join(pieces_text)
            offsets = OffsetMap(tuple(starts), tuple(line_numbers), tuple(columns), end)
            if not text.strip(SPACES):
                # Only escape tokens, comments and blank lines up to the end of the file: BuildKit
                # makes an instruction without a keyword of them, which fails the build.
                self.diagnostics.append(
                    Diagnostic(
                        UNKNOWN_INSTRUCTION,
                        "unknown instruction: (nothing but an escape token before the end of the file)",
                        Span(Position(start_line, indent + 1), _end_of(lines)),
                    )
                )
                continue
            return self._logical(text, offsets, start_line, last_line, tuple(empty))
        return None

    def _logical(
        self, text: str, offsets: OffsetMap, start: int, end: int, empty: tuple[int, ...]
    ) -> LogicalLine:
        comments = tuple(self._comments)
        self._comments.clear()
        return LogicalLine(text, offsets, start, end, comments, empty)

    def read_heredoc(self, name: str, chomp: bool) -> tuple[str, OffsetMap, int, int, bool]:
        """Read raw body lines up to the terminator ``name``.

        Returns the content, its offset map, the first and last physical line numbers (the last is the
        terminator line, or the last line of the file), and whether a terminator was found.
        """
        first = self.pos + 1
        parts: list[str] = []
        starts: list[int] = []
        numbers: list[int] = []
        length = 0
        while self.pos < len(self.lines):
            raw = self.lines[self.pos]
            self.pos += 1
            candidate = raw.lstrip("\t") if chomp else raw
            if candidate == name:
                return self._body(parts, starts, numbers, first, self.pos, True)
            newline = "\n" if (self.pos < len(self.lines) or self._newline_at_end) else ""
            starts.append(length)
            numbers.append(self.pos)
            parts.append(raw + newline)
            length += len(raw) + len(newline)
        return self._body(parts, starts, numbers, first, len(self.lines), False)

    def _body(
        self,
        parts: list[str],
        starts: list[int],
        numbers: list[int],
        first: int,
        last: int,
        terminated: bool,
    ) -> tuple[str, OffsetMap, int, int, bool]:
        if numbers:
            end = Position(numbers[-1], len(parts[-1].rstrip("\n")) + 1)
            offsets = OffsetMap(tuple(starts), tuple(numbers), (1,) * len(numbers), end)
        else:
            # An empty body starts at its terminator line, or at the end of the file when there is none.
            here = Position(first, 1) if first <= len(self.lines) else _end_of(self.lines)
            offsets = OffsetMap((0,), (here.line,), (here.column,), here)
        return "".join(parts), offsets, first, last, terminated

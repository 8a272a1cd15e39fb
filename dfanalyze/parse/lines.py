"""Line assembly, the part of BuildKit's parser that no context-free grammar can express.

From physical lines to logical instruction lines: parser directives at the top of the file (the
``escape`` directive changes the continuation character for the rest of the file), continuation
lines (with comment and blank lines inside them), previous comments, and heredoc bodies, whose end is
a word chosen on the instruction line. Every logical line keeps an :class:`OffsetMap` back to the
physical text, so that spans stay exact across joined lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dfanalyze.model import Diagnostic, Directive
from dfanalyze.span import OffsetMap, Position, Span

MAX_LINE_BYTES = 65535
_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_VALID_DIRECTIVES = ("syntax", "escape", "check")
_CONTINUATION = {
    "\\": re.compile(r"(?:(?<=[^\\])|^)\\[ \t]*$"),
    "`": re.compile(r"(?:(?<=[^`])|^)`[ \t]*$"),
}


@dataclass(frozen=True, slots=True)
class LogicalLine:
    text: str
    offsets: OffsetMap
    start_line: int
    end_line: int  # last physical line consumed so far (heredoc bodies are read afterwards)
    comments: tuple[str, ...]
    empty_continuation_lines: tuple[int, ...]


@dataclass
class LineReader:
    """Reads a Dockerfile's physical lines into logical lines, one instruction at a time."""

    lines: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    escape: str = "\\"
    pos: int = 0  # index of the next physical line
    _comments: list[str] = field(default_factory=list)
    _newline_at_end: bool = True

    @classmethod
    def from_text(cls, text: str) -> LineReader:
        if text.startswith("\ufeff"):
            text = text[1:]
        lines = text.split("\n")
        newline_at_end = True
        if lines and lines[-1] == "":
            lines.pop()
        else:
            newline_at_end = False
        reader = cls([line.rstrip("\r") for line in lines])
        reader._newline_at_end = newline_at_end
        reader._check_lengths()
        reader._read_directives()
        return reader

    # -- directives -------------------------------------------------------------------------
    def _check_lengths(self) -> None:
        for number, line in enumerate(self.lines, start=1):
            if len(line) > MAX_LINE_BYTES // 4 and len(line.encode("utf-8")) > MAX_LINE_BYTES:
                self.diagnostics.append(
                    Diagnostic(
                        "DF700",
                        f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}",
                        Span.of(number, 1, number, len(line) + 1),
                    )
                )
                self.lines[number - 1] = ""  # BuildKit stops here; we skip the line and go on

    def _read_directives(self) -> None:
        """Parser directives: only at the top, until the first line that is not one.

        After a ``#!`` first line, BuildKit's main parser stops looking (so ``# escape=`` is not
        honoured), but its separate syntax/check detection skips the shebang and keeps looking.
        """
        seen: set[str] = set()
        start = 0
        honour_escape = True
        if self.lines and self.lines[0].startswith("#!"):
            start = 1
            honour_escape = False
        for index in range(start, len(self.lines)):
            line = self.lines[index].lstrip()
            if not line.startswith("#"):
                return
            body = line[1:].lstrip()
            match = _DIRECTIVE.match(body)
            if match is None:
                return
            key = match.group(1).lower()
            if key not in _VALID_DIRECTIVES:
                return
            number = index + 1
            raw = self.lines[index]
            value = match.group(2)
            value_col = len(raw) - len(line) + 1 + (len(line) - len(body)) + match.start(2)
            span = Span.of(number, value_col, number, value_col + len(value))
            if key in seen:
                self.diagnostics.append(
                    Diagnostic("DF700", f"only one {key} parser directive can be used", span)
                )
                continue
            seen.add(key)
            if key == "escape":
                if not honour_escape:
                    continue
                if value not in ("\\", "`"):
                    self.diagnostics.append(
                        Diagnostic(
                            "DF700",
                            f"invalid escape token '{value}' does not match ` or \\",
                            span,
                        )
                    )
                    continue
                self.escape = value
            self.directives.append(Directive(key, value, span))

    # -- instructions -----------------------------------------------------------------------
    def _note_comment(self, raw: str) -> None:
        # BuildKit: strings.TrimSpace(line[1:]) on the untrimmed line (a quirk for indented comments).
        comment = raw[1:].strip()
        if comment:
            self._comments.append(comment)
        else:
            self._comments.clear()

    def next_line(self) -> LogicalLine | None:
        """The next logical instruction line, or None at the end of the file."""
        lines = self.lines
        continuation = _CONTINUATION[self.escape]
        while self.pos < len(lines):
            raw = lines[self.pos]
            self.pos += 1
            stripped = raw.lstrip()
            if stripped.startswith("#"):
                self._note_comment(raw)
                continue
            start_line = self.pos
            indent = len(raw) - len(stripped)
            match = continuation.search(stripped)
            if match is None:
                if not stripped:
                    continue
                text = stripped
                offsets = OffsetMap((0,), (start_line,), (indent + 1,), Position(start_line, len(raw) + 1))
                return self._logical(text, offsets, start_line, start_line, ())
            pieces_text = [stripped[: match.start()]]
            starts = [0]
            line_numbers = [start_line]
            columns = [indent + 1]
            length = match.start()
            empty: list[int] = []
            last_line = start_line
            end = Position(start_line, indent + match.start() + 1)
            ended = False
            while not ended and self.pos < len(lines):
                raw = lines[self.pos]
                self.pos += 1
                number = self.pos
                last_line = number
                stripped_left = raw.lstrip()
                if stripped_left.startswith("#"):
                    continue
                if not stripped_left:
                    empty.append(number)
                    continue
                match = continuation.search(raw)
                piece = raw if match is None else raw[: match.start()]
                ended = match is None
                starts.append(length)
                line_numbers.append(number)
                columns.append(1)
                pieces_text.append(piece)
                length += len(piece)
                end = Position(number, len(piece) + 1)
            text = "".join(pieces_text)
            offsets = OffsetMap(tuple(starts), tuple(line_numbers), tuple(columns), end)
            if not text.strip():
                # Only continuation characters, comments and blank lines: nothing to parse.
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
            here = Position(first, 1)
            offsets = OffsetMap((0,), (first,), (1,), here)
        return "".join(parts), offsets, first, last, terminated

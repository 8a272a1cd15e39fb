"""Positions and spans in a Dockerfile's source text.

Lines and columns are 1-based; a column counts Unicode code points (not bytes) from the start of the
physical line. A span's end is exclusive: the column just after its last character, as in ruff's
JSON output. A span may cover several lines.
"""

from __future__ import annotations

from bisect import bisect_right

from msgspec import Struct


class Position(Struct, frozen=True, order=True, gc=False):
    """A 1-based line and column (in code points)."""

    line: int
    column: int

    def to_json(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


class Span(Struct, frozen=True, gc=False):
    """A range of source text, end exclusive; it may cover several lines."""

    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, column: int, end_line: int, end_column: int) -> Span:
        return cls(Position(line, column), Position(end_line, end_column))

    def to_json(self) -> dict[str, dict[str, int]]:
        return {"start": self.start.to_json(), "end": self.end.to_json()}


class OffsetMap(Struct, frozen=True, gc=False):
    """Maps offsets in a *logical* string (an instruction's text after continuation lines were joined)
    back to physical positions.

    ``starts[i]`` is the logical offset where piece ``i`` begins; that piece was copied verbatim from
    physical line ``lines[i]`` starting at column ``columns[i]``. Pieces are contiguous and ordered.
    ``end`` is the position just after the last character of the logical string.
    """

    starts: tuple[int, ...]
    lines: tuple[int, ...]
    columns: tuple[int, ...]
    end: Position

    def position(self, offset: int) -> Position:
        """The physical position of the character at logical ``offset`` (or just after the text)."""
        i = bisect_right(self.starts, offset) - 1
        i = max(i, 0)
        if i == len(self.starts) - 1 or offset < self.starts[i + 1]:
            return Position(self.lines[i], self.columns[i] + offset - self.starts[i])
        return self.end

    def end_position(self, offset: int) -> Position:
        """The exclusive end position of a token ending just before logical ``offset``.

        For a token that ends at the end of a physical piece, this is the column after its last
        character on that line, not the start of the next piece's line.
        """
        if offset <= 0:
            return self.position(0)
        last = self.position(offset - 1)
        return Position(last.line, last.column + 1)

    def span(self, start: int, end: int) -> Span:
        """The physical span of logical text ``[start, end)``."""
        if end <= start:
            p = self.position(start)
            return Span(p, p)
        return Span(self.position(start), self.end_position(end))

    def shifted(self, offset: int) -> OffsetMap:
        """The map of the logical substring that starts at ``offset``."""
        i = max(bisect_right(self.starts, offset) - 1, 0)
        delta = offset - self.starts[i]
        starts = (0, *(s - offset for s in self.starts[i + 1 :]))
        columns = (self.columns[i] + delta, *self.columns[i + 1 :])
        return OffsetMap(starts, self.lines[i:], columns, self.end)

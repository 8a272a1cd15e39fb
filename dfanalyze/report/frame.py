"""Code frames for the ``full`` format: the source around a finding with its span underlined, and a
finding's fix shown as a diff.

A frame has a line-number gutter and marks the exact span with carets, counting terminal cells (tabs
expanded to tab stops, wide characters as two cells, control characters made visible), so the carets
stay under the characters they mark. A span over several lines is drawn with a margin on the left,
from the first character (``_^``) down to the last (``|_^``), as ruff and rustc draw them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from msgspec.structs import replace

from dfanalyze.findings import Edit, Finding, Fix
from dfanalyze.report.styled import Line, Segment, expand_line
from dfanalyze.span import Position, Span

CONTEXT = 2  # lines of source shown before and after the span
DIFF_CONTEXT = 1  # unchanged lines shown around a fix's changes
MAX_SPAN_LINES = 8  # a longer span shows its first and last lines around an ellipsis
_EDGE = 3  # lines kept at each end of a long span


class _Row(NamedTuple):  # a named tuple, not a dataclass: frames make many rows and tuples are cheap
    """One source line of a frame: its number (0 for an ellipsis row), its text as shown, and the
    caret line drawn under it (empty when it has none)."""

    number: int
    text: str
    margin: str  # "" for single-line spans; "  " or "| " beside the lines of a multi-line span
    carets: str = ""


def _normalized(span: Span, lines: Sequence[str]) -> tuple[Position, Position]:
    """The span clamped to the file; an end at column 1 of a later line ends the line before."""
    count = len(lines)
    start = Position(min(max(span.start.line, 1), count), max(span.start.column, 1))
    end = span.end
    if end.line > start.line and end.column <= 1:
        previous = min(end.line - 1, count)
        end = Position(previous, len(lines[previous - 1]) + 1)
    if end.line > count:
        end = Position(count, len(lines[count - 1]) + 1)
    end = max(end, start)
    return start, end


def _cell(offsets: tuple[int, ...], column: int) -> int:
    """The cell where 1-based ``column`` starts (columns past the end stay just after the line)."""
    return offsets[min(column - 1, len(offsets) - 1)]


def _context(lines: Sequence[str], first: int, last: int) -> tuple[int, int]:
    """The lines to show around ``first..last``: up to :data:`CONTEXT` each side, without blank lines
    at the outer edges."""
    before = max(1, first - CONTEXT)
    while before < first and not lines[before - 1].strip():
        before += 1
    after = min(len(lines), last + CONTEXT)
    while after > last and not lines[after - 1].strip():
        after -= 1
    return before, after


def _rows(lines: Sequence[str], span: Span) -> list[_Row]:
    start, end = _normalized(span, lines)
    multi = end.line > start.line
    long_span = end.line - start.line + 1 > MAX_SPAN_LINES
    before, after = _context(lines, start.line, end.line)
    rows: list[_Row] = []
    for number in range(before, after + 1):
        if long_span and start.line + _EDGE <= number <= end.line - _EDGE:
            if number == start.line + _EDGE:
                rows.append(_Row(0, "...", "| "))
            continue
        shown, offsets = expand_line(lines[number - 1])
        if not multi:
            carets = ""
            if number == start.line:
                left = _cell(offsets, start.column)
                carets = " " * left + "^" * max(_cell(offsets, end.column) - left, 1)
            rows.append(_Row(number, shown, "", carets))
        elif number == start.line:
            rows.append(_Row(number, shown, "  ", " " + "_" * (_cell(offsets, start.column) + 1) + "^"))
        elif start.line < number < end.line:
            rows.append(_Row(number, shown, "| "))
        elif number == end.line:
            last_char = _cell(offsets, end.column - 1) if end.column > 1 else 0
            rows.append(_Row(number, shown, "| ", "|" + "_" * (last_char + 1) + "^"))
        else:
            rows.append(_Row(number, shown, "  "))
    return rows


class _DiffRow(NamedTuple):
    number: int  # the line's number after the fix; 0 for a removed line
    mark: str  # "|" unchanged, "-" removed, "+" added
    text: str


_DIFF_STYLE = {"|": "", "-": "removed", "+": "added"}


def _shifted(span: Span, lines: int) -> Span:
    return Span(
        Position(span.start.line - lines, span.start.column),
        Position(span.end.line - lines, span.end.column),
    )


def fixed_block(finding: Finding, lines: Sequence[str]) -> tuple[int, list[str], list[str]]:
    """The lines a fix touches and what they become: ``(first line, old lines, new lines)``.

    Only the touched lines are rewritten (the fix's edits shifted onto them), so showing a fix costs
    the size of the fix, not of the file.
    """
    from dfanalyze.fix import apply_fixes

    assert finding.fix is not None
    edits = finding.fix.edits
    first = max(min(e.span.start.line for e in edits), 1)
    last = min(max(e.span.end.line for e in edits), len(lines))
    old = list(lines[first - 1 : max(last, first)])
    shifted = tuple(Edit(_shifted(e.span, first - 1), e.content) for e in edits)
    local = replace(finding, fix=Fix(finding.fix.title, shifted))
    new_text, _ = apply_fixes("".join(line + "\n" for line in old), [local])
    new = new_text.split("\n")
    if new and new[-1] == "":
        new.pop()
    return first, old, new


def _diff_rows(finding: Finding, lines: Sequence[str]) -> list[_DiffRow]:
    from dfanalyze.fix import common_ends

    first, old, new = fixed_block(finding, lines)
    head, tail = common_ends(old, new)
    removed = old[head : len(old) - tail]
    added = new[head : len(new) - tail]
    at = first + head  # the first changed line, numbered the same before and after the fix
    rows = [_DiffRow(n, "|", lines[n - 1]) for n in range(max(1, at - DIFF_CONTEXT), at)]
    rows += [_DiffRow(0, "-", text) for text in removed]
    rows += [_DiffRow(at + i, "+", text) for i, text in enumerate(added)]
    after = at + len(removed)  # the first unchanged line after the change, old numbering
    shift = len(added) - len(removed)
    last = min(len(lines), after + DIFF_CONTEXT - 1)
    rows += [_DiffRow(n + shift, "|", lines[n - 1]) for n in range(after, last + 1)]
    return rows


def finding_frames(finding: Finding, lines: Sequence[str], style: str) -> tuple[int, list[Line], list[Line]]:
    """The code frame of ``finding`` (carets in ``style``) and, when it has a fix, the fix as a diff:
    removed lines marked ``-``, added lines ``+`` with their new numbers, unchanged lines ``|``. Both
    share one gutter, as wide as the largest line number either shows; the width comes first.

    (Written for speed: a report of 10,000 findings draws about 100,000 of these lines.)"""
    if not lines:
        return 1, [], []
    rows = _rows(lines, finding.span)
    diff = _diff_rows(finding, lines) if finding.fix is not None and finding.fix.edits else []
    width = len(str(max(rows[-1].number, max((d.number for d in diff), default=1))))
    pad = " " * width
    edge: Line = ((f"{pad} |", "gutter"),)
    under: Segment = (f"{pad} | ", "gutter")
    frame: list[Line] = [edge]
    for number, text, margin, carets in rows:
        gutter = f"{number:>{width}} |" if number else f"{pad} |"
        if margin:
            frame.append(((gutter + " ", "gutter"), (margin, style), (text, "" if number else "note")))
        else:  # no trailing space after the gutter of an empty line
            frame.append(((gutter + " " if text else gutter, "gutter"), (text, "")))
        if carets:
            frame.append((under, (carets, style)))
    frame.append(edge)
    if not diff:
        return width, frame, []
    shown: list[Line] = [edge]
    for number, mark, raw in diff:
        row_style = _DIFF_STYLE[mark]
        text = expand_line(raw)[0]
        gutter = f"{number:>{width}} {mark}" if number else f"{pad} {mark}"
        shown.append(((gutter + " " if text else gutter, row_style or "gutter"), (text, row_style)))
    shown.append(edge)
    return width, frame, shown

"""Styled lines: what the human formats produce, written as plain text or, on a colour terminal, by rich.

A line is a tuple of ``(text, style)`` segments, where a style is a name from :data:`THEME` (or ``""``
for unstyled text). Reporters build lines with pure functions; only :func:`write_rich` imports rich,
so plain output (pipes, files, ``--color never``) never pays for it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

Segment = tuple[str, str]
Line = tuple[Segment, ...]

# Style names used by the reporters, and how rich shows them.
THEME: Mapping[str, str] = {
    "error": "bold red",
    "warning": "bold yellow",
    "info": "bold cyan",
    "style": "bold magenta",
    "fixable": "bold cyan",
    "message": "bold",
    "arrow": "bold blue",
    "location": "",
    "gutter": "bold blue",
    "help": "bold cyan",
    "note": "dim",
    "removed": "red",
    "added": "green",
    "header": "bold",
    "ok": "bold green",
}

TAB_SIZE = 4


def char_cells(ch: str) -> int:
    """Terminal cells taken by one code point: 2 for wide East Asian characters, 0 for combining marks
    and format characters, 1 otherwise."""
    if ch < "\u0300":  # ASCII and Latin: the common case, decided without a table look-up
        return 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cells(text: str) -> int:
    """Terminal cells taken by ``text`` (tabs excluded: expand them first)."""
    if text.isascii():
        return len(text)
    return sum(char_cells(ch) for ch in text)


def _visible(ch: str) -> str:
    """A printable stand-in for a control character, so that source text can never drive the terminal
    (an escape sequence in a Dockerfile must not change colours or move the cursor)."""
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␀ ␁ ... ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # C1 controls


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code < 0xA0


def sanitize(text: str) -> str:
    """``text`` with every control character (tabs and newlines included) made visible."""
    if text.isprintable():
        return text
    return "".join(_visible(ch) if _is_control(ch) else ch for ch in text)


def expand_line(raw: str) -> tuple[str, list[int]]:
    """A source line as shown in a code frame, and the cell where each of its characters starts.

    Tabs advance to the next multiple of :data:`TAB_SIZE` cells, control characters become visible
    stand-ins, and wide characters take two cells, so carets drawn with the returned offsets sit
    exactly under the characters they mark. ``offsets[len(raw)]`` is the width of the whole line.
    """
    offsets = [0] * (len(raw) + 1)
    if raw.isascii() and raw.isprintable():
        return raw, list(range(len(raw) + 1))
    shown: list[str] = []
    cell = 0
    for i, ch in enumerate(raw):
        offsets[i] = cell
        if ch == "\t":
            width = TAB_SIZE - cell % TAB_SIZE
            shown.append(" " * width)
        else:
            visible = _visible(ch) if _is_control(ch) else ch
            width = char_cells(visible)
            shown.append(visible)
        cell += width
    offsets[len(raw)] = cell
    return "".join(shown), offsets


def plain(lines: Iterable[Line]) -> str:
    """The lines as text without any styling, each ending with a newline."""
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)


def rich_console(out: TextIO, *, record: bool = False, width: int | None = None) -> Console:
    """A rich console that writes ANSI colour to ``out``: colour was already decided by the caller
    (``--color``, ``NO_COLOR``, ``FORCE_COLOR``, the terminal), so rich is told, not asked; lines are
    never wrapped (the terminal wraps long lines itself, pipes get them whole)."""
    from rich.console import Console

    return Console(
        file=out,
        force_terminal=True,
        no_color=False,
        color_system="standard",
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=True,
        record=record,
        width=width,
    )


def to_rich_text(lines: Iterable[Line]) -> Text:
    """All the lines as one rich ``Text``: the plain string plus one style span per styled segment
    (building spans directly is much faster than appending segment by segment)."""
    from rich.text import Span, Text

    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for line in lines:
        for content, style in line:
            rich_style = THEME.get(style, "")
            if rich_style and content:
                spans.append(Span(offset, offset + len(content), rich_style))
            parts.append(content)
            offset += len(content)
        parts.append("\n")
        offset += 1
    return Text("".join(parts), spans=spans, end="")


def write_lines(lines: Iterable[Line], out: TextIO, *, color: bool) -> None:
    """Write styled lines: ANSI colour through rich when ``color``, plain text otherwise."""
    if color:
        rich_console(out).print(to_rich_text(lines))
    else:
        out.write(plain(lines))

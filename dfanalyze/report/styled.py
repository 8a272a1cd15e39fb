"""Styled lines: what the human formats produce, written as plain text or, on a colour terminal, by rich.

A line is a tuple of ``(text, style)`` segments, where a style is a name from :data:`THEME` (or ``""``
for unstyled text). Reporters build lines with pure functions; only :func:`ansi` imports rich, so
plain output (pipes, files, ``--color never``) never pays for it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from itertools import accumulate
from typing import TextIO

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


# Control characters (C0 except tab, DEL, C1) and their printable stand-ins, so that source text can
# never drive the terminal (an escape sequence in a Dockerfile must not change colours or move the
# cursor): the Unicode "control pictures" ␀ ... ␟ and ␡, and U+FFFD for C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_VISIBLE = {
    **{code: 0x2400 + code for code in range(0x20) if code != 0x09},
    0x7F: 0x2421,
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),
}


def sanitize(text: str) -> str:
    """``text`` with every control character (tabs and newlines included) made visible."""
    if text.isprintable():
        return text
    return text.replace("\t", "\u2409").translate(_VISIBLE)


@lru_cache(maxsize=4096)  # the lines around clustered findings are shown again and again
def expand_line(raw: str) -> tuple[str, tuple[int, ...]]:
    """A source line as shown in a code frame, and the cell where each of its characters starts.

    Tabs advance to the next multiple of :data:`TAB_SIZE` cells, control characters become visible
    stand-ins, and wide characters take two cells, so carets drawn with the returned offsets sit
    exactly under the characters they mark. ``offsets[len(raw)]`` is the width of the whole line.
    """
    text = raw.translate(_VISIBLE) if _CONTROL.search(raw) else raw
    if "\t" not in text:
        return text, (0, *_ends(text, 0))
    shown: list[str] = []
    offsets = [0]
    for i, piece in enumerate(text.split("\t")):
        if i:  # the tab before this piece fills up to the next tab stop
            width = TAB_SIZE - offsets[-1] % TAB_SIZE
            shown.append(" " * width)
            offsets.append(offsets[-1] + width)
        shown.append(piece)
        offsets += _ends(piece, offsets[-1])
    return "".join(shown), tuple(offsets)


def _ends(text: str, cell: int) -> Iterable[int]:
    """The cell just after each character of ``text`` (tab-free), starting at ``cell``."""
    if text.isascii():
        return range(cell + 1, cell + len(text) + 1)
    return (cell + end for end in accumulate(1 if ch < "\u0300" else char_cells(ch) for ch in text))


def _plain_line(line: Line) -> str:
    return "".join(text for text, _ in line) + "\n"


def plain(lines: Iterable[Line]) -> str:
    """The lines as text without any styling, each ending with a newline."""
    return "".join(map(_plain_line, lines))


def _ansi_renderer() -> Callable[[Line], str]:
    """A function that writes a line with ANSI colour: each styled segment is rendered by rich's
    :class:`~rich.style.Style` in the 8 standard colours, which every colour terminal shows. Colour
    was already decided by the caller (``--color``, ``NO_COLOR``, ``FORCE_COLOR``, the terminal), so
    rich is told, not asked, and lines are never wrapped (the terminal wraps long lines itself)."""
    from rich.color import ColorSystem
    from rich.style import Style

    styles = {name: Style.parse(value) for name, value in THEME.items() if value}
    system = ColorSystem.STANDARD

    def render(line: Line) -> str:
        parts = []
        for text, name in line:
            style = styles.get(name)
            parts.append(style.render(text, color_system=system) if style and text else text)
        parts.append("\n")
        return "".join(parts)

    return render


def ansi(lines: Iterable[Line]) -> str:
    """The lines with ANSI colour (see :func:`_ansi_renderer`)."""
    return "".join(map(_ansi_renderer(), lines))


def write_lines(lines: Iterable[Line], out: TextIO, *, color: bool) -> None:
    """Write styled lines as they come, with ANSI colour when ``color``, as plain text otherwise.

    Lines are written in batches rather than collected first: a long report never holds all its
    lines at once, which keeps memory flat and the garbage collector idle."""
    render = _ansi_renderer() if color else _plain_line
    batch: list[str] = []
    for line in lines:
        batch.append(render(line))
        if len(batch) == 1024:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))

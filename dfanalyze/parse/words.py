"""BuildKit's quote-aware word splitters, with the offset of every word kept.

BuildKit splits an instruction with small character-by-character state machines rather than a
grammar, because their behaviour depends on the escape token chosen by the ``# escape=`` directive and
on quirks (an unterminated quote silently runs to the end of the line). These functions reproduce
them exactly and return ``(text, start, end)`` triples: ``text`` is what BuildKit keeps, ``start`` and
``end`` are offsets into the input, so that every argument can be given an exact span.
"""

from __future__ import annotations

import re

# Go's unicode.IsSpace, exactly: str.isspace() also accepts the separators \x1c-\x1f, Go does not.
# Use SPACES with str.strip/lstrip instead of their no-argument forms.
SPACES = (
    " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
SPACE_SET = frozenset(SPACES)
_WORD = re.compile(f"[^{re.escape(SPACES)}]+")
_PLAIN_FLAG = re.compile(f"--[^{re.escape(SPACES)}\"'\\\\]*(?![^{re.escape(SPACES)}])")
_TOKEN_WHITESPACE = re.compile(r"[\t\v\f\r ]+")

WordSpan = tuple[str, int, int]


def split_keyword(line: str) -> tuple[WordSpan, int] | None:
    """Split a logical line into its keyword and the offset where the rest starts.

    Like BuildKit's ``splitCommand``: the line is trimmed, then split once on ``[ \\t\\v\\f\\r]+``.
    Returns None for a line that is only whitespace.
    """
    start = 0
    end = len(line)
    while start < end and line[start] in SPACE_SET:
        start += 1
    while end > start and line[end - 1] in SPACE_SET:
        end -= 1
    if start == end:
        return None
    match = _TOKEN_WHITESPACE.search(line, start, end)
    if match is None:
        return (line[start:end], start, end), end
    return (line[start : match.start()], start, match.start()), match.end()


def extract_flags(line: str, pos: int) -> tuple[list[WordSpan], int]:
    """Take the leading ``--flag`` words of ``line[pos:]`` (BuildKit's ``extractBuilderFlags``).

    Quotes inside a flag are removed, a backslash escapes the next character (BuildKit hard-codes the
    backslash here, whatever the escape directive says), and a lone ``--`` ends the flags and is
    dropped. Returns the flags and the offset where the arguments start.
    """
    words: list[WordSpan] = []
    n = len(line)
    while True:
        while pos < n and line[pos] in SPACE_SET:
            pos += 1
        if pos >= n or not line.startswith("--", pos):
            return words, pos
        start = pos
        plain = _PLAIN_FLAG.match(line, pos)
        if plain is not None:  # no quote and no backslash: the word is the flag as written
            pos = plain.end()
            if pos - start == 2:
                return words, pos
            words.append((plain.group(), start, pos))
            continue
        chars: list[str] = []
        quote = ""
        while pos < n:
            ch = line[pos]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and pos + 1 < n:
                    pos += 1
                    chars.append(line[pos])
                elif ch != "\\":
                    chars.append(ch)
            elif ch in SPACE_SET:
                break
            elif ch in "'\"":
                quote = ch
            elif ch == "\\":
                if pos + 1 < n:
                    pos += 1
                    chars.append(line[pos])
            else:
                chars.append(ch)
            pos += 1
        word = "".join(chars)
        if word == "--":
            return words, pos
        words.append((word, start, pos))


def parse_words(line: str, pos: int, escape: str) -> list[WordSpan]:
    """Split ``line[pos:]`` into words the way BuildKit's ``parseWords`` does (ENV, LABEL, ARG).

    Whitespace outside quotes separates words; quotes are *kept* in the word (they are removed later,
    at variable expansion). Inside single quotes the escape token is literal; elsewhere it keeps the
    next character, quote or not, together with itself. An escape token at the very end is dropped.
    """
    if line.find("'", pos) < 0 and line.find('"', pos) < 0 and line.find(escape, pos) < 0:
        return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(line, pos)]  # nothing to unquote
    words: list[WordSpan] = []
    n = len(line)
    chars: list[str] = []
    start = -1
    quote = ""
    blank_ok = False
    i = pos
    while i < n:
        ch = line[i]
        if start < 0:
            if ch in SPACE_SET:
                i += 1
                continue
            start = i
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'":
                if i + 1 == n:
                    i += 1
                    break
                chars.append(ch)
                i += 1
                ch = line[i]
            chars.append(ch)
            i += 1
            continue
        if ch in SPACE_SET:
            if blank_ok or chars:
                words.append(("".join(chars), start, i))
            chars = []
            start = -1
            blank_ok = False
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            blank_ok = True
        if ch == escape:
            if i + 1 == n:
                i += 1
                break
            chars.append(ch)
            i += 1
            ch = line[i]
        chars.append(ch)
        i += 1
    if start >= 0 and (blank_ok or chars):
        words.append(("".join(chars), start, n))
    return words


def split_whitespace(line: str, pos: int, end: int | None = None) -> list[WordSpan]:
    """BuildKit's ``reWhitespace.Split`` on an already trimmed string (FROM, EXPOSE, COPY words)."""
    stop = len(line) if end is None else end
    words: list[WordSpan] = []
    start = pos
    for match in _TOKEN_WHITESPACE.finditer(line, pos, stop):
        words.append((line[start : match.start()], start, match.start()))
        start = match.end()
    words.append((line[start:stop], start, stop))
    return words


def trim_span(line: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of ``line[start:end]`` with Unicode whitespace removed from both ends."""
    while start < end and line[start] in SPACE_SET:
        start += 1
    while end > start and line[end - 1] in SPACE_SET:
        end -= 1
    return start, end

"""BuildKit-exact variable expansion of Dockerfile words.

This reproduces the shell lexer of BuildKit's Dockerfile frontend (``frontend/dockerfile/shell/
lex.go``), which BuildKit runs over the words of ENV, ARG, COPY, ADD, FROM, WORKDIR, ... :

* ``$name`` and ``${name}``; a name is a run of letters, digits and ``_``, or a run of digits
  (``$12`` is the parameter ``12``), or one special parameter out of ``@ * # ? - $ ! 0``. A ``$``
  followed by anything else is a literal ``$``.
* ``${name-word}`` ``${name:-word}`` ``${name+word}`` ``${name:+word}`` ``${name?word}``
  ``${name:?word}``, where ``word`` is itself expanded (and may nest expansions and quotes);
* ``${name#pat}`` ``${name##pat}`` ``${name%pat}`` ``${name%%pat}`` ``${name/pat/repl}``
  ``${name//pat/repl}`` with glob patterns (``*``, ``?``, ``\\`` escapes ``*``, ``?`` and ``\\``);
* quote removal: ``'...'`` is literal; inside ``"..."`` the escape token escapes only ``"``, ``$``
  and itself; outside quotes it escapes any character, and a trailing escape token is dropped.

Unset variables expand to the empty string, as in BuildKit. Error messages are BuildKit's own
(without the ``failed to process "<word>":`` prefix that BuildKit wraps around them).

For static analysis a variable's value may be :data:`UNKNOWN` (an ARG without a default, a value
from the command line): :func:`expand_static` then returns ``None`` as the value whenever an unknown
value could change the result, and never turns an unknown into ``""``.

One BuildKit quirk is deliberately *not* reproduced: the newest lex.go shares one word buffer
between nested levels of the lexer (``shellWord.wordsBuffer``), so its word splitting
(``ProcessWords``) loses the text that precedes a ``${name<modifier>word}`` in the same word
(``a${x:-b}`` splits to ``["b"]``). Earlier revisions, with a buffer per level, and the shell give
``["ab"]``; so does :func:`expand_words`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import ClassVar, Final, final

from msgspec import Struct

__all__ = [
    "UNKNOWN",
    "Expansion",
    "ExpansionError",
    "ExpansionLimit",
    "Unknown",
    "VarRef",
    "expand",
    "expand_static",
    "expand_words",
    "expand_words_static",
    "references",
]


class ExpansionError(ValueError):
    """A word BuildKit refuses to expand; the message is BuildKit's error text."""


MAX_EXPANSION = 1 << 20
"""The most characters one expansion may produce: ``ARG B=$A$A`` repeated doubles a value at every
line, so a few dozen lines could ask for gigabytes."""
MAX_EXPANSION_DEPTH = 100
"""How deep ``${a:-${b:-...}}`` may nest."""


class ExpansionLimit(ExpansionError):
    """A word dfanalyze does not expand because the result would be longer than
    :data:`MAX_EXPANSION` characters or nest deeper than :data:`MAX_EXPANSION_DEPTH` levels
    (BuildKit would expand it; callers treat its value as unknown)."""


@final
class Unknown:
    """The type of :data:`UNKNOWN`, the value of a variable that static analysis cannot know.

    An unknown variable may be unset, empty or hold any value.
    """

    __slots__ = ()
    _instance: ClassVar[Unknown | None] = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __reduce__(self) -> str:
        # Pickling and copying give back the singleton.
        return "UNKNOWN"


UNKNOWN: Final = Unknown()


class VarRef(Struct, frozen=True):
    """One variable reference in a word.

    ``start`` is the offset of its ``$``, ``end`` the offset just after it (after the closing ``}``
    or the name). ``modifier`` is the operator as written: ``":-"``, ``"-"``, ``":+"``, ``"+"``,
    ``":?"``, ``"?"``, ``"#"``, ``"##"``, ``"%"``, ``"%%"``, ``"/"``, ``"//"``, or ``None`` for
    ``$name`` and ``${name}``. (BuildKit decides between ``#`` and ``##`` on the *expanded*
    pattern, so ``${v#'#'x}`` behaves as ``##``; ``modifier`` reports the text as written.)
    """

    name: str
    start: int
    end: int
    modifier: str | None


class Expansion(Struct, frozen=True):
    """The result of :func:`expand_static`.

    ``value`` is ``None`` when an unknown value could change it. ``refs`` lists every reference in
    source order, nested ones included. ``unset`` lists, in order of first reference, the names
    referenced that are not in the environment at all.
    """

    value: str | None
    refs: tuple[VarRef, ...]
    unset: tuple[str, ...]


def expand(word: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """Expand ``word`` as BuildKit's ``ProcessWord`` does: variables substituted, quotes removed."""
    if _is_plain(word, escape):
        return word
    value = _Lexer(word, env, escape).run(None)
    if value is None:
        raise TypeError("expand() got an Unknown value in env; use expand_static()")
    return value


def expand_words(text: str, env: Mapping[str, str], escape: str = "\\") -> list[str]:
    """Expand ``text`` and split it into words as BuildKit's ``ProcessWords`` does.

    Words are split on whitespace outside quotes and escapes, including whitespace that comes out
    of an expansion (even from a quoted modifier word: ``${v:-"a b"}`` gives two words). Empty
    words are dropped, so ``""`` alone is no word.
    """
    words = _Words()
    if _Lexer(text, env, escape).run(words) is None:
        raise TypeError("expand_words() got an Unknown value in env; use expand_words_static()")
    return words.finish()


def expand_static(word: str, env: Mapping[str, str | Unknown], escape: str = "\\") -> Expansion:
    """Expand ``word`` where some values may be :data:`UNKNOWN`.

    Raises :class:`ExpansionError` where BuildKit would fail whatever the unknown values are: syntax
    errors, invalid patterns, ``${v?msg}`` with ``v`` known to be unset (or known empty for
    ``:?``). When the message of such an error is itself unknown it reads ``<unknown>``.
    """
    if _is_plain(word, escape):
        return Expansion(word, (), ())
    lexer = _Lexer(word, env, escape)
    value = lexer.run(None)
    refs = lexer.var_refs()
    unset = tuple(dict.fromkeys(ref.name for ref in refs if ref.name not in env))
    return Expansion(value, refs, unset)


def expand_words_static(text: str, env: Mapping[str, str | Unknown], escape: str = "\\") -> list[str] | None:
    """:func:`expand_words` where some values may be :data:`UNKNOWN`.

    Returns ``None`` when an unknown value could change the words (their split or their text).
    """
    words = _Words()
    if _Lexer(text, env, escape).run(words) is None:
        return None
    return words.finish()


def references(word: str, escape: str = "\\") -> tuple[VarRef, ...]:
    """The variable references in ``word``, found without evaluating anything.

    Raises :class:`ExpansionError` for words BuildKit rejects whatever the environment.
    """
    if _is_plain(word, escape):
        return ()
    lexer = _Lexer(word, None, escape)
    lexer.run(None)
    return lexer.var_refs()


# --- the lexer --------------------------------------------------------------------------------

# Go's text/scanner returns EOF (-1) past the end; Go prints that rune as U+FFFD in messages.
_EOF_TEXT: Final = "\ufffd"
# Go's text/scanner skips a byte order mark at the very start of its input.
_BOM: Final = "\ufeff"
_SPECIAL_PARAMS: Final = frozenset("@*#?-$!")  # and "0", which is read as a run of digits
_WORD_RUN: Final = re.compile(r"\w*")
# Go's unicode.IsSpace (the White_Space property), which differs from str.isspace.
_GO_SPACE: Final = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_Finder = Callable[[str, int], re.Match[str] | None]
_FINDERS: dict[tuple[str, str], _Finder] = {}


def _finder(chars: str, escape: str) -> _Finder:
    """A search for the next of ``chars`` or ``escape``, compiled once per combination."""
    key = (chars, escape)
    found = _FINDERS.get(key)
    if found is None:
        if escape not in ("\\", "`"):
            raise ValueError(f"the escape token is '\\' or '`', not {escape!r}")
        found = _FINDERS[key] = re.compile(f"[{re.escape(chars + escape)}]").search
    return found


def _is_plain(word: str, escape: str) -> bool:
    """Whether ``word`` expands to itself (nothing to substitute, unquote or unescape)."""
    return _finder("$'\"", escape)(word, 0) is None and not word.startswith(_BOM)


def _unsupported(modifier: str) -> ExpansionError:
    return ExpansionError(f"unsupported modifier ({modifier}) in substitution")


class _Words:
    """Word splitting as BuildKit's ``wordsStruct``: empty words are never emitted."""

    __slots__ = ("current", "words")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.current: list[str] = []

    def add_split(self, text: str) -> None:
        pieces = _GO_SPACE.split(text)
        self.current.append(pieces[0])
        for piece in pieces[1:]:
            self._flush()
            self.current.append(piece)

    def add_raw(self, text: str) -> None:
        self.current.append(text)

    def _flush(self) -> None:
        word = "".join(self.current)
        if word:
            self.words.append(word)
        self.current = []

    def finish(self) -> list[str]:
        self._flush()
        return self.words


def _joined(parts: list[str]) -> str:
    if sum(map(len, parts)) > MAX_EXPANSION:
        raise ExpansionLimit(f"an expansion longer than {MAX_EXPANSION:,} characters is not computed")
    return "".join(parts)


class _Lexer:
    """One pass over a word. Expanded text is ``str``, or ``None`` where an unknown value could
    change it. ``env`` ``None`` makes every variable unknown (used by :func:`references`).

    ``pos`` always matches the position of BuildKit's scanner, since BuildKit picks some error
    messages by whether its scanner reached the end of the word.
    """

    __slots__ = ("depth", "env", "escape", "n", "pos", "refs", "src")

    def __init__(self, src: str, env: Mapping[str, str | Unknown] | None, escape: str) -> None:
        self.src = src
        self.n = len(src)
        self.pos = 1 if src.startswith(_BOM) else 0
        self.env = env
        self.escape = escape
        self.refs: list[tuple[str, int, int, str | None]] = []
        self.depth = 0

    def run(self, words: _Words | None) -> str | None:
        return self._scan("", False, words)

    def var_refs(self) -> tuple[VarRef, ...]:
        # An outer ${...} is recorded after the references nested in it: sort by start.
        return tuple(VarRef(*ref) for ref in sorted(self.refs, key=lambda ref: ref[1]))

    def _lookup(self, name: str) -> str | Unknown | None:
        """The variable's value, ``None`` when it is unset."""
        return UNKNOWN if self.env is None else self.env.get(name)

    def _scan(self, stop: str, raw: bool, words: _Words | None) -> str | None:
        """BuildKit's ``processStopOn``: expand up to and including ``stop`` (``""``: the end).

        With ``raw`` (pattern and replacement words) escape tokens are kept in the result.
        """
        src, n, escape = self.src, self.n, self.escape
        find = _finder("$'\"" + stop, escape)
        out: list[str] = []
        known = True
        while self.pos < n:
            pos = self.pos
            match = find(src, pos)
            at = n if match is None else match.start()
            if at > pos:
                chunk = src[pos:at]
                out.append(chunk)
                if words is not None:
                    words.add_split(chunk)
                self.pos = at
                if at == n:
                    break
            ch = src[at]
            if ch == stop:
                self.pos = at + 1
                return _joined(out) if known else None
            if ch in {"$", "'", '"'}:
                if ch == "$":
                    part = self._dollar()
                elif ch == "'":
                    part = self._single_quote()
                else:
                    part = self._double_quote(raw)
                if part is None:
                    known = False
                else:
                    out.append(part)
                    if words is None:
                        pass
                    elif ch == "$":
                        words.add_split(part)
                    else:
                        words.add_raw(part)
                continue
            # The escape token: the next character is taken as is; a trailing one is dropped.
            self.pos = at + 1
            if raw:
                out.append(escape)
                if words is not None:
                    words.add_raw(escape)
            if self.pos == n:
                break
            escaped = src[self.pos]
            self.pos += 1
            out.append(escaped)
            if words is not None:
                words.add_raw(escaped)
        if stop:
            raise ExpansionError(f"unexpected end of statement while looking for matching {stop}")
        return _joined(out) if known else None

    def _scan_nested(self, stop: str, raw: bool, message_at_end: str) -> str | None:
        """A modifier's word: any error that leaves the scanner at the end becomes
        ``message_at_end`` (BuildKit reports ``${v:-'x}`` as a missing ``}``)."""
        if self.depth >= MAX_EXPANSION_DEPTH:
            raise ExpansionLimit(
                f"a substitution nested deeper than {MAX_EXPANSION_DEPTH} levels is not expanded"
            )
        self.depth += 1
        try:
            return self._scan(stop, raw, None)
        except ExpansionLimit:
            raise
        except ExpansionError:
            if self.pos >= self.n:
                raise ExpansionError(message_at_end) from None
            raise
        finally:
            self.depth -= 1

    def _single_quote(self) -> str:
        start = self.pos + 1
        end = self.src.find("'", start)
        if end < 0:
            self.pos = self.n
            raise ExpansionError("unexpected end of statement while looking for matching single-quote")
        self.pos = end + 1
        return self.src[start:end]

    def _double_quote(self, raw: bool) -> str | None:
        src, n, escape = self.src, self.n, self.escape
        find = _finder('$"', escape)
        pos = self.pos + 1
        out: list[str] = []
        known = True
        while True:
            match = find(src, pos)
            if match is None:
                self.pos = n
                raise ExpansionError("unexpected end of statement while looking for matching double-quote")
            at = match.start()
            out.append(src[pos:at])
            ch = src[at]
            if ch == '"':
                self.pos = at + 1
                return _joined(out) if known else None
            if ch == "$":
                self.pos = at
                part = self._dollar()
                pos = self.pos
                if part is None:
                    known = False
                else:
                    out.append(part)
                continue
            # The escape token escapes only '"', '$' and itself; otherwise it stays.
            pos = at + 1
            if raw:
                out.append(escape)
            if pos < n and src[pos] in ('"', "$", escape):
                out.append(src[pos])
                pos += 1
            else:
                out.append(escape)

    def _name(self) -> str:
        src, n, pos = self.src, self.n, self.pos
        if pos == n:
            return ""
        first = src[pos]
        if first.isdecimal():
            end = pos + 1
            while end < n and src[end].isdecimal():
                end += 1
        elif first in _SPECIAL_PARAMS:
            end = pos + 1
        else:
            match = _WORD_RUN.match(src, pos)
            end = pos if match is None else match.end()
            run = src[pos:end]
            if not run.isascii():
                # \w also takes numerals that Go's unicode.IsLetter/IsDigit do not.
                for offset, ch in enumerate(run):
                    if not (ch == "_" or ch.isalpha() or ch.isdecimal()):
                        end = pos + offset
                        break
        self.pos = end
        return src[pos:end]

    def _dollar(self) -> str | None:
        src, n = self.src, self.n
        start = self.pos
        self.pos = start + 1
        if self.pos == n or src[self.pos] != "{":
            name = self._name()
            if not name:
                return "$"
            self.refs.append((name, start, self.pos, None))
            value = self._lookup(name)
            return None if isinstance(value, Unknown) else value or ""

        self.pos += 1
        if self.pos == n:
            raise ExpansionError("syntax error: missing '}'")
        if src[self.pos] in "{}:":
            raise ExpansionError("syntax error: bad substitution")
        name = self._name()
        if self.pos == n:
            raise _unsupported(_EOF_TEXT)
        ch = src[self.pos]
        self.pos += 1
        if ch == "}":
            self.refs.append((name, start, self.pos, None))
            value = self._lookup(name)
            return None if isinstance(value, Unknown) else value or ""
        if ch == "/":
            return self._replace(name, start)
        if ch == ":":
            ch = src[self.pos] if self.pos < n else ""
            self.pos = min(self.pos + 1, n)
            return self._modifier(name, start, ch, ":" + (ch or _EOF_TEXT))
        if ch not in "+-?#%":
            raise _unsupported(ch)
        return self._modifier(name, start, ch, ch)

    def _modifier(self, name: str, start: int, ch: str, modifier: str) -> str | None:
        """``${name<modifier>word}`` after the modifier; ``ch`` is its last character (``""``
        past the end of the word)."""
        null_is_unset = modifier[0] == ":"
        trims = ch in ("#", "%")
        if null_is_unset and trims:
            raise _unsupported(modifier)
        written = modifier + ch if trims and self.src.startswith(ch, self.pos) else modifier
        word = self._scan_nested("}", trims, "syntax error: missing '}'")
        self.refs.append((name, start, self.pos, written))
        value = self._lookup(name)

        if ch in ("-", "+", "?"):
            if isinstance(value, Unknown):
                return None
            empty = value is None or (null_is_unset and not value)
            if ch == "-":
                return word if empty else value
            if ch == "+":
                return "" if empty else word
            if empty:
                if word is None:
                    raise ExpansionError(f"{name}: {UNKNOWN!r}")
                if word:
                    raise ExpansionError(f"{name}: {word}")
                what = "unset" if value is None else "empty"
                raise ExpansionError(f"{name}: is not allowed to be {what}")
            return value
        if not trims:
            raise _unsupported(modifier)

        if word is None:
            return None
        # "%%"/"##" are decided on the expanded word: its first character repeats the modifier.
        greedy = word.startswith(ch)
        pattern = word[1:] if greedy else word
        if ch == "%":
            # The shortest or longest suffix: match a prefix of the reversed value.
            regex = _glob(_reverse_pattern(pattern), greedy)
            if isinstance(value, Unknown):
                return None
            text = value or ""
            match = regex.match(text[::-1])
            return text if match is None else text[: len(text) - match.end()]
        regex = _glob(pattern, greedy)
        if isinstance(value, Unknown):
            return None
        text = value or ""
        match = regex.match(text)
        return text if match is None else text[match.end() :]

    def _replace(self, name: str, start: int) -> str | None:
        """``${name/pattern/replacement}`` and ``${name//pattern/replacement}`` after the first
        ``/``. Both words keep their escape tokens; the replacement keeps them in the result."""
        replace_all = self.pos < self.n and self.src[self.pos] == "/"
        if replace_all:
            self.pos += 1
        pattern = self._scan_nested("/", True, "syntax error: missing '/' in ${}")
        replacement = self._scan_nested("}", True, "syntax error: missing '}'")
        self.refs.append((name, start, self.pos, "//" if replace_all else "/"))
        value = self._lookup(name)
        if pattern is None:
            return None
        regex = _glob(pattern, True)
        if isinstance(value, Unknown):
            return None
        text = value or ""
        if not replace_all:
            match = regex.search(text)
            if match is None:
                return text
            if replacement is None:
                return None
            return text[: match.start()] + replacement + text[match.end() :]
        if replacement is None:
            return text if regex.search(text) is None else None
        return _replace_all(regex, text, replacement)


# --- patterns ---------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _glob(pattern: str, greedy: bool) -> re.Pattern[str]:
    """BuildKit's ``convertShellPatternToRegex``: ``*`` is any run of characters (the longest when
    ``greedy``, else the shortest), ``?`` any one character, neither matching a newline. ``\\``
    escapes ``*``, ``?`` and ``\\``, and is dropped before ``}`` and ``/``; before anything else
    it is an error. Callers anchor with ``re.match`` or search with ``re.search``.
    """
    star = ".*" if greedy else ".*?"
    out: list[str] = []
    n = len(pattern)
    i = 1 if pattern.startswith(_BOM) else 0
    after_star = False
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if not after_star:  # "**" matches as "*"; one star keeps backtracking linear
                out.append(star)
            after_star = True
            continue
        after_star = False
        if ch == "?":
            out.append(".")
            continue
        if ch == "\\":
            if i < n and pattern[i] in "}/":
                continue
            escaped = pattern[i] if i < n else _EOF_TEXT
            if escaped not in ("*", "?", "\\"):
                raise ExpansionError(
                    f"invalid pattern ({pattern}) in substitution: invalid escape '\\{escaped}'"
                )
            i += 1
            ch = escaped
        out.append(re.escape(ch))
    return re.compile("".join(out))


def _reverse_pattern(pattern: str) -> str:
    """Reverse a pattern keeping each ``\\x`` pair in order (BuildKit's ``reversePattern``)."""
    tokens: list[str] = []
    i, last = 0, len(pattern) - 1
    while i <= last:
        step = 2 if pattern[i] == "\\" and i != last else 1
        tokens.append(pattern[i : i + step])
        i += step
    return "".join(reversed(tokens))


@lru_cache(maxsize=256)
def _template(replacement: str) -> tuple[str | None, ...]:
    """Go's ``Regexp.ReplaceAllString`` expands its replacement as a template: ``$$`` is ``$``,
    ``$0`` and ``${0}`` are the whole match, any other ``$name``/``${name}`` is a group that does
    not exist (so nothing), and a ``$`` not followed by a name stays. Returns literal pieces with
    ``None`` where the match goes.
    """
    pieces: list[str | None] = []
    literal: list[str] = []
    i, n = 0, len(replacement)
    while (dollar := replacement.find("$", i)) >= 0:
        literal.append(replacement[i:dollar])
        i = dollar + 1
        if replacement.startswith("$", i):
            literal.append("$")
            i += 1
            continue
        brace = replacement.startswith("{", i)
        name_start = end = i + brace
        while end < n and (
            replacement[end] == "_" or replacement[end].isalpha() or replacement[end].isdecimal()
        ):
            end += 1
        if end == name_start or (brace and not replacement.startswith("}", end)):
            literal.append("$")
            continue
        if replacement[name_start:end] == "0":
            pieces.append("".join(literal))
            literal = []
            pieces.append(None)
        i = end + brace
    literal.append(replacement[i:])
    pieces.append("".join(literal))
    return tuple(pieces)


def _replace_all(regex: re.Pattern[str], text: str, replacement: str) -> str:
    """Go's ``ReplaceAllString``: unlike Python's ``re.sub`` it skips an empty match right after a
    previous match."""
    pieces = _template(replacement)
    out: list[str] = []
    last_end = search = 0
    while search <= len(text):
        match = regex.search(text, search)
        if match is None:
            break
        begin, end = match.span()
        out.append(text[last_end:begin])
        if end > last_end or begin == 0:
            whole = match.group()
            out.extend(whole if piece is None else piece for piece in pieces)
        last_end = end
        search = max(search + 1, end)
    out.append(text[last_end:])
    return "".join(out)

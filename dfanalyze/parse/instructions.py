"""From one logical line to a typed :class:`~dfanalyze.model.Instruction`, as BuildKit reads it.

The order of work mirrors BuildKit: split the keyword, extract the builder flags, read the arguments
with the instruction's own rule (JSON or shell form, whitespace words, ``key=value`` words, ...), then
check what BuildKit's instruction parser checks (argument counts, known flags, stage names). Problems
become :class:`~dfanalyze.model.Diagnostic` values on the instruction instead of exceptions, so that a
bad instruction never hides the rest of the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from dfanalyze import model
from dfanalyze.model import Diagnostic, Flag, Instruction, Word
from dfanalyze.parse import lalr
from dfanalyze.parse.words import (
    SPACE_SET,
    SPACES,
    WordSpan,
    extract_flags,
    parse_words,
    split_keyword,
    split_whitespace,
    trim_span,
)
from dfanalyze.span import OffsetMap, Position, Span

SYNTAX_ERROR = "DF700"
UNKNOWN_INSTRUCTION = "DF701"
FLAG_ERROR = "DF702"
EMPTY_CONTINUATION = "DF703"
NO_BUILD_STAGE = "DF728"
BAD_ONBUILD_TRIGGER = "DF729"
ANALYSIS_LIMIT = "DF713"  # beyond what dfanalyze analyses (a file too large; see checks.syntax)

# Flags each instruction accepts: name -> kind ("string", "bool", or "strings" when repeatable).
KNOWN_FLAGS: dict[str, dict[str, str]] = {
    "ADD": {
        "chown": "string",
        "chmod": "string",
        "link": "bool",
        "keep-git-dir": "bool",
        "checksum": "string",
        "unpack": "bool",
        "exclude": "strings",
    },
    "COPY": {
        "chown": "string",
        "from": "string",
        "chmod": "string",
        "link": "bool",
        "exclude": "strings",
        "parents": "bool",
    },
    "FROM": {"platform": "string"},
    "HEALTHCHECK": {
        "interval": "string",
        "timeout": "string",
        "start-period": "string",
        "start-interval": "string",
        "retries": "string",
    },
    "RUN": {"mount": "strings", "network": "string", "security": "string", "device": "strings"},
}

INSTRUCTIONS = (
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
)
HEREDOC_INSTRUCTIONS = ("ADD", "COPY", "RUN")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9\-_.]*$")
_HEREDOC_WORD = re.compile(r"^([0-9]*)<<(-?)([^<]*)$")


class HeredocHeader(Struct, frozen=True):
    name: str
    expand: bool
    chomp: bool
    fd: int
    start: int
    end: int


class _Builder:
    """Builds one instruction from a logical line (keeps the offsets and collects diagnostics)."""

    def __init__(self, text: str, offsets: OffsetMap, escape: str) -> None:
        self.text = text
        self.offsets = offsets
        self.escape = escape
        self.errors: list[Diagnostic] = []
        # Most instructions are one physical line: their spans need no search in the offset map.
        self._line = offsets.lines[0] if len(offsets.starts) == 1 else 0
        self._column = offsets.columns[0] - offsets.starts[0]

    def span(self, start: int, end: int) -> Span:
        if not self._line:
            return self.offsets.span(start, end)
        first = Position(self._line, self._column + start)
        return Span(first, Position(self._line, self._column + end) if end > start else first)

    def word(self, w: WordSpan) -> Word:
        return Word(w[0], self.span(w[1], w[2]))

    def error(self, message: str, start: int, end: int, code: str = SYNTAX_ERROR) -> None:
        self.errors.append(Diagnostic(code, message, self.span(start, end)))


def go_quote(text: str) -> str:
    """Go's %q for the strings BuildKit puts in messages (close enough: JSON escaping)."""
    return json.dumps(text, ensure_ascii=False)


def suggest(value: str, options: tuple[str, ...] | list[str], case_sensitive: bool) -> str | None:
    """BuildKit's did-you-mean: the closest option at Levenshtein distance < 3, if any."""
    val = value if case_sensitive else value.lower()
    best: str | None = None
    best_distance = 3
    for option in sorted(options):
        opt = option if case_sensitive else option.lower()
        if val == opt:
            return None
        if abs(len(val) - len(opt)) >= best_distance:
            continue  # the distance is at least the length difference: a long word costs nothing
        distance = _levenshtein(val, opt)
        if distance < best_distance:
            best_distance = distance
            best = option if case_sensitive else _match_case(opt, value)
    return best


def _match_case(option: str, original: str) -> str:
    if original == original.lower():
        return option.lower()
    if original == original.upper():
        return option.upper()
    return option


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def parse_instruction(
    text: str,
    offsets: OffsetMap,
    escape: str,
    *,
    comments: tuple[str, ...] = (),
    span: Span,
) -> tuple[Instruction, list[HeredocHeader]]:
    """Parse one logical line. Returns the instruction and the heredocs whose bodies follow it."""
    b = _Builder(text, offsets, escape)
    split = split_keyword(text)
    assert split is not None, "the line reader never yields blank lines"
    keyword_span, rest = split
    keyword = b.word(keyword_span)
    kind = keyword.text.upper()
    flag_words, args_start = extract_flags(text, rest) if rest < len(text) else ([], len(text))
    args_start, args_end = trim_span(text, args_start, len(text))
    common: dict[str, Any] = {
        "kind": kind,
        "keyword": keyword,
        "comments": comments,
        "span": span,
        "text": text,
        "offsets": offsets,
    }
    flags = tuple(_flag(b, w) for w in flag_words)
    parser = _PARSERS.get(kind)
    if parser is None:
        message = f"unknown instruction: {keyword.text}"
        hint = suggest(keyword.text, INSTRUCTIONS, case_sensitive=False)
        if hint:
            message += f" (did you mean {hint}?)"
        b.error(message, keyword_span[1], keyword_span[2], UNKNOWN_INSTRUCTION)
        instruction: Instruction = model.Unknown(flags=flags, errors=tuple(b.errors), **common)
        return instruction, []
    if _reads_flags(kind, text[args_start:args_end]):
        _check_flags(b, kind, flags, flag_words)
    instruction = parser(b, flags, args_start, args_end, common)
    headers: list[HeredocHeader] = []
    target = instruction.child if isinstance(instruction, model.Onbuild) else instruction
    if target is not None and target.kind in HEREDOC_INSTRUCTIONS and not target.json:
        headers = heredoc_headers(text)
    return instruction, headers


# -- flags ------------------------------------------------------------------------------------
def _reads_flags(kind: str, args: str) -> bool:
    """Whether BuildKit checks the flags of this instruction: it never reads those of ARG, STOPSIGNAL
    and ``HEALTHCHECK NONE``, so it reports no problem with them."""
    if kind in ("ARG", "STOPSIGNAL"):
        return False
    if kind != "HEALTHCHECK":
        return True
    end = next((i for i, ch in enumerate(args) if ch in SPACE_SET), len(args))
    return args[:end].upper() != "NONE"


def _flag(b: _Builder, w: WordSpan) -> Flag:
    """One flag word (``--name[=value]``, quotes already removed) read with the grammar's ``flag``."""
    word, start, end = w
    plain = _plain_flag().fullmatch(word)
    if plain is not None:
        name, value = plain.groups()
        return Flag(name, "" if value is None and "=" in word else value, word, b.span(start, end))
    try:
        tree = lalr.parse(word, "flag")
    except lalr.GrammarError:  # `--=x`: no name; BuildKit then reports it as an unknown flag
        name, eq, value = word[2:].partition("=")
        return Flag(name, value if eq else None, word, b.span(start, end))
    tokens = {t.type: t.value for t in tree.tokens()}
    flag_value: str | None = tokens.get("FLAG_VALUE", "" if "=" in word else None)
    return Flag(tokens["FLAG_NAME"], flag_value, word, b.span(start, end))


@cache
def _plain_flag() -> re.Pattern[str]:
    """The grammar's ``flag`` rule (``"--" FLAG_NAME ("=" FLAG_VALUE?)?``) made of its own
    terminals: a flag word recognised without running the parser. What it does not match still
    goes through the grammar."""
    patterns = lalr.tables().patterns
    return re.compile(f"--({patterns['FLAG_NAME']})(?:=({patterns['FLAG_VALUE']})?)?")


def _check_flags(b: _Builder, kind: str, flags: tuple[Flag, ...], words: list[WordSpan]) -> None:
    """BuildKit's BFlags.Parse: unknown, duplicate, valueless and non-boolean flags."""
    known = KNOWN_FLAGS.get(kind, {})
    used: set[str] = set()
    for flag, (_, start, end) in zip(flags, words, strict=True):
        flag_kind = known.get(flag.name)
        shown = f"--{flag.name}"
        if flag_kind is None:
            message = f"unknown flag: {shown}"
            hint = suggest(flag.name, list(known), case_sensitive=True)
            if hint:
                message += f" (did you mean {hint}?)"
            b.error(message, start, end, FLAG_ERROR)
            continue
        if flag.name in used and flag_kind != "strings":
            b.error(f"duplicate flag specified: {shown}", start, end, FLAG_ERROR)
        used.add(flag.name)
        if flag_kind == "bool":
            if flag.value == "":
                b.error(f"missing a value on flag: {shown}", start, end, FLAG_ERROR)
            elif flag.value is not None and flag.value.lower() not in ("true", "false"):
                b.error(
                    f"expecting boolean value for flag {shown}, not: {flag.value}",
                    start,
                    end,
                    FLAG_ERROR,
                )
        elif flag.value is None:
            b.error(f"missing a value on flag: {shown}", start, end, FLAG_ERROR)


# -- argument readers -------------------------------------------------------------------------
def _json_array(b: _Builder, start: int, end: int) -> list[WordSpan] | None:
    """The exec form: the rest as a JSON array of strings, or None when it is not valid JSON.

    The grammar decides what is JSON (as Go's decoder reads it: no NaN, no trailing text); each
    element is then decoded where it stands. Valid JSON with a non-string element is an error
    (BuildKit refuses it rather than falling back).
    """
    if start >= end or b.text[start] != "[":
        return None
    if _string_array().fullmatch(b.text, start, end) is None:
        try:
            lalr.parse(b.text[start:end], "json_array")
        except lalr.GrammarError:
            return None
    words: list[WordSpan] = []
    for value, first, last in _json_elements(b.text, start):
        if not isinstance(value, str):
            b.error("when using JSON array syntax, arrays must be comprised of strings only", first, last)
            return []
        # Go decodes an escaped surrogate that is not half of a pair as U+FFFD.
        words.append((_SURROGATE.sub("\ufffd", value), first, last))
    return words


@cache
def _string_array() -> re.Pattern[str]:
    """A JSON array of strings only, made of the grammar's own terminals: the common exec form,
    recognised without running the parser (anything else still goes through the grammar)."""
    patterns = lalr.tables().patterns
    string, blanks = patterns["JSON_STRING"], f"(?:{patterns['_JWS']})?"
    return re.compile(rf"{blanks}\[{blanks}(?:{string}{blanks}(?:,{blanks}{string}{blanks})*)?\]{blanks}")


_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_DECODER = json.JSONDecoder()


def _json_elements(text: str, start: int) -> Iterator[tuple[str | None, int, int]]:
    """Each element of the valid JSON array at ``text[start]`` with its offsets: strings decoded,
    ``None`` for any other value (found without recursion, so that deep nesting is harmless)."""
    pos = _skip_json_blanks(text, start + 1)
    while text[pos] != "]":
        if text[pos] == '"':
            value, end = _JSON_DECODER.raw_decode(text, pos)
        else:
            value, end = None, _json_value_end(text, pos)
        yield value, pos, end
        pos = _skip_json_blanks(text, end)
        if text[pos] == ",":
            pos = _skip_json_blanks(text, pos + 1)


def _json_value_end(text: str, pos: int) -> int:
    """Where the valid JSON number, literal, array or object starting at ``pos`` ends."""
    depth = 0
    while True:
        ch = text[pos]
        if ch == '"':
            pos += 1
            while text[pos] != '"':
                pos += 2 if text[pos] == "\\" else 1
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            if depth <= 1:
                return pos + depth  # after a nested value's bracket; before the enclosing array's
            depth -= 1
        elif depth == 0 and ch in ", \t\n\r":
            return pos
        pos += 1


def _skip_json_blanks(text: str, pos: int) -> int:
    while text[pos] in " \t\n\r":
        pos += 1
    return pos


def _command(
    b: _Builder,
    cls: type[model.CommandInstruction],
    flags: tuple[Flag, ...],
    start: int,
    end: int,
    common: dict[str, Any],
    **extra: Any,
) -> model.CommandInstruction:
    """RUN, CMD, ENTRYPOINT, SHELL: exec form when the rest is a JSON array, else shell form."""
    if start >= end:
        return cls(flags=flags, errors=tuple(b.errors), **common, **extra)
    words = _json_array(b, start, end)
    if words is not None:
        exec_words = tuple(b.word(w) for w in words)
        return cls(
            flags=flags,
            args=exec_words,
            exec=exec_words,
            json=True,
            errors=tuple(b.errors),
            **common,
            **extra,
        )
    shell = b.word((b.text[start:end], start, end))
    return cls(
        flags=flags,
        args=(shell,),
        shell=shell,
        errors=tuple(b.errors),
        **common,
        **extra,
    )


def _parse_run(
    b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
) -> Instruction:
    mounts = tuple(m for f in flags if f.name == "mount" and f.value is not None for m in [_mount(b, f)] if m)
    network = next((f.value for f in reversed(flags) if f.name == "network"), None)
    security = next((f.value for f in reversed(flags) if f.name == "security"), None)
    return _command(
        b, model.Run, flags, start, end, common, mounts=mounts, network=network, security=security
    )


def _mount(b: _Builder, flag: Flag) -> model.Mount | None:
    """One ``--mount`` value, with the checks BuildKit makes when it parses the instruction: the CSV
    structure, ``key=value`` fields, and no variable in ``from``. Values are checked at build time."""
    assert flag.value is not None
    fields = _csv_fields(b, flag)
    if fields is None:
        return None
    options: list[tuple[str, str | None]] = []
    for field in fields:
        key, eq, value = field.partition("=")
        key = key.lower()
        if not eq and key not in ("readonly", "ro", "readwrite", "rw", "required"):
            b.errors.append(
                Diagnostic(SYNTAX_ERROR, f"invalid field '{field}' must be a key=value pair", flag.span)
            )
            return None
        if key == "from" and "$" in value[:-1]:
            message = "'from' doesn't support variable expansion, define alias stage instead"
            b.errors.append(Diagnostic(SYNTAX_ERROR, message, flag.span))
            return None
        options.append((key, value if eq else None))
    values = dict(options)
    mount_type = values.get("type") or "bind"
    target = values.get("target", values.get("dst", values.get("destination")))
    return model.Mount(
        type=mount_type.lower(),
        target=target,
        source=values.get("source", values.get("src")),
        from_=values.get("from"),
        options=tuple(options),
        span=flag.span,
    )


def _csv_fields(b: _Builder, flag: Flag) -> list[str] | None:
    """The fields of a flag value read as one CSV record (Go's ``encoding/csv``), or None with an
    error in BuildKit's words."""
    assert flag.value is not None
    value = flag.value
    if value and not any(ch in value for ch in '"\r\n'):
        return value.split(",")  # no quoting and one line: the CSV reader splits on commas
    problem = "EOF" if not value else None
    if problem is None:
        try:
            tree = lalr.parse(value, "csv_options")
        except lalr.GrammarError as exc:
            at = exc.offset
            bare_quote = value[at : at + 1] == '"' and at > 0 and value[at - 1] != ","
            reason = 'bare " in non-quoted-field' if bare_quote else 'extraneous or missing " in quoted-field'
            problem = f"parse error on line 1, column {at + 1}: {reason}"
        else:
            return [_csv_value(field) for field in tree.find("csv_field")]
    b.errors.append(Diagnostic(SYNTAX_ERROR, f"failed to parse csv mounts: {problem}", flag.span))
    return None


def _csv_value(field: lalr.Tree) -> str:
    if not field.children:
        return ""
    token = field.children[0]
    assert isinstance(token, lalr.Token)
    return token.value[1:-1].replace('""', '"') if token.type == "CSV_QUOTED" else token.value


def _simple_command(cls: type[model.CommandInstruction]) -> Callable[..., Instruction]:
    def parse(
        b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
    ) -> Instruction:
        return _command(b, cls, flags, start, end, common)

    return parse


def _parse_shell(
    b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
) -> Instruction:
    before = len(b.errors)
    instruction = _command(b, model.Shell, flags, start, end, common)
    if len(b.errors) == before:  # not after a JSON error: BuildKit stops at that one
        if start >= end or (instruction.json and not instruction.exec):
            b.error("SHELL requires at least one argument", start, end)
        elif not instruction.json:
            b.error(
                f"SHELL requires the arguments to be in JSON form{_windows_path_hint(b.text)}", start, end
            )
    return replace(instruction, errors=tuple(b.errors))


def _windows_path_hint(original: str) -> str:
    """BuildKit's hint for a JSON array whose Windows path has unescaped backslashes."""
    line = original.lower().replace("shell ", "")
    if re.search(r'"[a-z]:\\', line) and "\\\\" not in line and "[" in line and "]" in line:
        return (
            f". It looks like '{line}' includes a file path without an escaped back-slash. JSON requires "
            'back-slashes to be escaped such as ["c:\\\\path\\\\to\\\\file.exe", "/parameter"]'
        )
    return ""


def _parse_healthcheck(
    b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
) -> Instruction:
    if start >= end:
        b.error("HEALTHCHECK requires at least one argument", start, end)
        return model.Healthcheck(flags=flags, errors=tuple(b.errors), **common)
    sep = start
    while sep < end and b.text[sep] not in SPACE_SET:
        sep += 1
    nxt = sep
    while nxt < end and b.text[nxt] in SPACE_SET:
        nxt += 1
    type_word = b.word((b.text[start:sep], start, sep))
    check_type = type_word.text.upper()
    timing = _healthcheck_timing(b, flags) if check_type != "NONE" else {}
    inner = _command(b, model.Healthcheck, flags, nxt, end, common, check_type=type_word, **timing)
    if check_type == "NONE":
        if nxt < end:
            b.error("HEALTHCHECK NONE takes no arguments", nxt, end)
    elif check_type == "CMD":
        if not inner.exec and inner.shell is None:
            b.error("Missing command after HEALTHCHECK CMD", start, sep)
    else:
        b.error(f"Unknown type {go_quote(check_type)} in HEALTHCHECK (try CMD)", start, sep)
    return replace(inner, args=(type_word, *inner.args), errors=tuple(b.errors))


_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def parse_duration(text: str) -> float | None:
    """A Go duration string in seconds, or None if it is not one."""
    if text in ("0", "+0", "-0"):
        return 0.0
    try:
        tree = lalr.parse(text, "duration")
    except lalr.GrammarError:
        return None
    total = 0.0
    for part in tree.find("duration_part"):
        number, unit = part.children
        assert isinstance(number, lalr.Token) and isinstance(unit, lalr.Token)
        total += float(number.value) * _DURATION_UNITS[unit.value]
    sign = tree.children[0]
    if isinstance(sign, lalr.Token) and sign.value == "-":
        total = -total
    return total


_DURATION_PIECE = r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)"


def duration_error(text: str) -> str:
    """Go's ``time.ParseDuration`` message for a string that is not a duration."""
    rest = text[1:] if text[:1] in ("+", "-") else text
    while rest:
        match = re.match(_DURATION_PIECE, rest)
        assert match is not None  # both groups may be empty
        number, unit = match.groups()
        if number in ("", "."):
            break
        if not unit:
            return f"time: missing unit in duration {go_quote(text)}"
        if unit not in _DURATION_UNITS:
            return f"time: unknown unit {go_quote(unit)} in duration {go_quote(text)}"
        rest = rest[match.end() :]
    return f"time: invalid duration {go_quote(text)}"


_GO_INT = re.compile(r"[+-]?[0-9]+")


def _parse_retries(value: str) -> tuple[int | None, str | None]:
    """BuildKit's ``strconv.ParseInt(value, 10, 32)`` and its check: the count, or an error."""
    if _GO_INT.fullmatch(value) is None:
        return None, f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax"
    retries = int(value)
    if not -(2**31) <= retries < 2**31:
        return None, f"strconv.ParseInt: parsing {go_quote(value)}: value out of range"
    if retries < 0:
        return None, f"--retries cannot be negative ({retries})"
    return retries, None


def _healthcheck_timing(b: _Builder, flags: tuple[Flag, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for flag in flags:
        if flag.value is None or flag.value == "":
            continue
        if flag.name == "retries":
            retries, problem = _parse_retries(flag.value)
            if problem is not None:
                b.errors.append(Diagnostic(FLAG_ERROR, problem, flag.span))
            else:
                out["retries"] = retries
            continue
        key = flag.name.replace("-", "_")
        if key not in ("interval", "timeout", "start_period", "start_interval"):
            continue
        seconds = parse_duration(flag.value)
        if seconds is None:
            b.errors.append(Diagnostic(FLAG_ERROR, duration_error(flag.value), flag.span))
        elif 0 < seconds < 0.001 or seconds < 0:
            b.errors.append(
                Diagnostic(FLAG_ERROR, f"Interval {go_quote(flag.name)} cannot be less than 1ms", flag.span)
            )
        else:
            out[key] = seconds
    return out


def _parse_from(
    b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
) -> Instruction:
    words = split_whitespace(b.text, start, end) if start < end else []
    args = tuple(b.word(w) for w in words)
    image = args[0] if args else None
    stage_name: Word | None = None
    as_keyword: Word | None = None
    if len(args) == 3 and args[1].text.lower() == "as":
        as_keyword, stage_name = args[1], args[2]
        if not _STAGE_NAME.match(stage_name.text.lower()):
            b.error(
                f"invalid name for build stage: {go_quote(stage_name.text)}, "
                "name can't start with a number or contain symbols",
                words[2][1],
                words[2][2],
            )
    elif len(args) != 1:
        b.error("FROM requires either one or three arguments", start, end)
    image_ref = parse_image_ref(image.text, image.span) if image and "$" not in image.text else None
    return model.From(
        flags=flags,
        args=args,
        image=image,
        image_ref=image_ref,
        stage_name=stage_name,
        as_keyword=as_keyword,
        errors=tuple(b.errors),
        **common,
    )


def parse_image_ref(text: str, span: Span) -> model.ImageRef | None:
    """Split an image reference into registry, repository, tag and digest (None if malformed)."""
    try:
        tree = lalr.parse(text, "image_ref")
    except lalr.GrammarError:
        return None
    registry = tag = digest = None
    repository = ""
    for child in tree.children:
        if isinstance(child, lalr.Tree):
            repository = "/".join(t.value for t in child.tokens())
        elif child.type == "REGISTRY":
            registry = child.value
        elif child.type == "TAG":
            tag = child.value
        elif child.type == "DIGEST":
            digest = child.value
    return model.ImageRef(text, registry, repository, tag, digest, span)


def _parse_copy(cls: type[model.CopyLike]) -> Callable[..., Instruction]:
    def parse(
        b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
    ) -> Instruction:
        before = len(b.errors)
        words = _json_array(b, start, end)
        is_json = words is not None
        if words is None:
            words = split_whitespace(b.text, start, end) if start < end else []
        args = tuple(b.word(w) for w in words)
        sources: tuple[Word, ...] = ()
        dest: Word | None = None
        if len(args) < 2 and len(b.errors) == before:  # not after a JSON error
            b.error(
                f"{common['kind']} requires at least two arguments, but only one was provided. "
                "Destination could not be determined",
                start,
                end,
            )
        if len(args) >= 2:
            sources, dest = args[:-1], args[-1]
            if heredoc_word(dest.text) is not None:
                b.error(
                    f"{common['kind']} cannot accept a heredoc as a destination", words[-1][1], words[-1][2]
                )
        return cls(
            flags=flags,
            args=args,
            json=is_json,
            sources=sources,
            dest=dest,
            errors=tuple(b.errors),
            **common,
        )

    return parse


def _key_values(cls: type[model.KeyValueInstruction]) -> Callable[..., Instruction]:
    def parse(
        b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
    ) -> Instruction:
        kind = str(common["kind"])
        words = parse_words(b.text[:end], start, b.escape) if start < end else []
        pairs: list[model.KeyValue] = []
        if not words:
            b.error(f"{kind} requires at least one argument", start, end)
        elif "=" not in words[0][0]:
            parts = split_whitespace(b.text, start, end)
            if len(parts) < 2:
                b.error(f"{kind} must have two arguments", start, end)
            else:
                key = parts[0]
                value_start = parts[1][1]
                value = (b.text[value_start:end], value_start, end)
                pairs.append(model.KeyValue(b.word(key), b.word(value), ""))
        else:
            for text, ws, we in words:
                if "=" not in text:
                    b.error(
                        f"Syntax error - can't find = in {go_quote(text)}. Must be of the form: name=value",
                        ws,
                        we,
                    )
                    continue
                key_text, _, value_text = text.partition("=")
                key_end = b.text.index("=", ws)
                pairs.append(
                    model.KeyValue(
                        Word(key_text, b.span(ws, key_end)),
                        Word(value_text, b.span(key_end + 1, we)),
                        "=",
                    )
                )
                if not key_text:
                    b.error(f"{kind} names can not be blank", ws, we)
        args = tuple(w for p in pairs for w in (p.key, p.value, Word(p.separator, p.value.span)))
        return cls(flags=flags, args=args, pairs=tuple(pairs), errors=tuple(b.errors), **common)

    return parse


def _parse_arg(
    b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
) -> Instruction:
    words = parse_words(b.text[:end], start, b.escape) if start < end else []
    if not words:
        b.error("ARG requires at least one argument", start, end)
    decls: list[model.ArgDecl] = []
    for w in words:
        name, eq, default = w[0].partition("=")
        if eq and not name:
            b.error("ARG names can not be blank", w[1], w[2])
        decls.append(model.ArgDecl(name, default if eq else None, b.word(w)))
    args = tuple(d.word for d in decls)
    return model.Arg(flags=flags, args=args, decls=tuple(decls), errors=tuple(b.errors), **common)


def _whitespace_list(cls: type[Instruction], allow_json: bool) -> Callable[..., Instruction]:
    def parse(
        b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
    ) -> Instruction:
        kind = str(common["kind"])
        before = len(b.errors)
        words = _json_array(b, start, end) if allow_json else None
        is_json = words is not None
        if words is None:
            words = split_whitespace(b.text, start, end) if start < end else []
        if not words and len(b.errors) == before:  # not after a JSON error
            b.error(f"{kind} requires at least one argument", start, end)
        if cls is model.Volume:
            for text, ws, we in words:
                if not text.strip():
                    b.error("VOLUME specified can not be an empty string", ws, we)
        args = tuple(b.word(w) for w in words)
        return cls(flags=flags, args=args, json=is_json, errors=tuple(b.errors), **common)

    return parse


def _single(cls: type[model.SingleValue]) -> Callable[..., Instruction]:
    def parse(
        b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
    ) -> Instruction:
        value = b.word((b.text[start:end], start, end)) if start < end else None
        if value is None:
            b.error(f"{common['kind']} requires exactly one argument", start, end)
        args = (value,) if value else ()
        return cls(flags=flags, args=args, value=value, errors=tuple(b.errors), **common)

    return parse


def _parse_onbuild(
    b: _Builder, flags: tuple[Flag, ...], start: int, end: int, common: dict[str, Any]
) -> Instruction:
    child: Instruction | None = None
    if start >= end:
        b.error("ONBUILD requires at least one argument", start, end)
    else:
        sub_text = b.text[start:end]
        sub_offsets = b.offsets.shifted(start)
        child, _ = parse_instruction(sub_text, sub_offsets, b.escape, span=b.span(start, end))
        trigger = child.kind
        if trigger == "ONBUILD":
            message = "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
            b.error(message, start, end, BAD_ONBUILD_TRIGGER)
        elif trigger in ("MAINTAINER", "FROM"):
            b.error(f"{trigger} isn't allowed as an ONBUILD trigger", start, end, BAD_ONBUILD_TRIGGER)
    return model.Onbuild(flags=flags, child=child, errors=tuple(b.errors), **common)


_PARSERS: dict[str, Callable[..., Instruction]] = {
    "ADD": _parse_copy(model.Add),
    "ARG": _parse_arg,
    "CMD": _simple_command(model.Cmd),
    "COPY": _parse_copy(model.Copy),
    "ENTRYPOINT": _simple_command(model.Entrypoint),
    "ENV": _key_values(model.Env),
    "EXPOSE": _whitespace_list(model.Expose, allow_json=False),
    "FROM": _parse_from,
    "HEALTHCHECK": _parse_healthcheck,
    "LABEL": _key_values(model.Label),
    "MAINTAINER": _single(model.Maintainer),
    "ONBUILD": _parse_onbuild,
    "RUN": _parse_run,
    "SHELL": _parse_shell,
    "STOPSIGNAL": _single(model.StopSignal),
    "USER": _single(model.User),
    "VOLUME": _whitespace_list(model.Volume, allow_json=True),
    "WORKDIR": _single(model.Workdir),
}


# -- heredocs -----------------------------------------------------------------------------------
def _raw_words(line: str) -> list[WordSpan]:
    """Words as BuildKit's heredoc scan sees them: split on blanks outside quotes, everything kept.

    Like BuildKit's lexer, blanks right after an unquoted ``<<`` belong to the word (``<< EOF`` is one
    word). Returns no words at all when a quote is left open (BuildKit's lexer then fails, and no
    heredoc is recognised on the line).
    """
    words: list[WordSpan] = []
    n = len(line)
    i = 0
    while i < n:
        while i < n and line[i] in SPACE_SET:
            i += 1
        if i >= n:
            break
        start = i
        quote = ""
        while i < n:
            ch = line[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and quote == '"' and i + 1 < n:
                    i += 1
            elif ch in SPACE_SET:
                break
            elif ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < n:
                i += 1
            elif line.startswith("<<", i):
                i += 2
                while i < n and line[i] in SPACE_SET:
                    i += 1
                continue
            i += 1
        if quote:
            return []
        words.append((line[start:i], start, i))
    return words


def _unquote(word: str) -> tuple[str, bool]:
    """Remove quotes and backslash escapes from a heredoc name; also say whether it had quotes."""
    out: list[str] = []
    quoted = False
    quote = ""
    i = 0
    while i < len(word):
        ch = word[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < len(word) and word[i + 1] in '"\\$':
                i += 1
                out.append(word[i])
            else:
                out.append(ch)
        elif ch in "'\"":
            quote = ch
            quoted = True
        elif ch == "\\" and i + 1 < len(word):
            i += 1
            out.append(word[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out), quoted


def heredoc_headers(line: str) -> list[HeredocHeader]:
    """Every heredoc started on an instruction line, in order (BuildKit's ``heredocsFromLine``)."""
    if "<<" not in line:
        return []
    return [header for word in _raw_words(line) if (header := heredoc_word(*word)) is not None]


def heredoc_word(word: str, start: int = 0, end: int = 0) -> HeredocHeader | None:
    """The heredoc a word starts, if it starts one (BuildKit's ``ParseHeredoc``): ``[fd]<<[-]NAME``
    where NAME, once unquoted, is one non-empty word."""
    match = _HEREDOC_WORD.match(word)
    if match is None:
        return None
    fd_text, dash, rest = match.groups()
    name, quoted = _unquote(rest.lstrip(SPACES))
    if not name:
        return None
    return HeredocHeader(name, not quoted, bool(dash), int(fd_text or 0), start, end)

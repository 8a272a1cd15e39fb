"""Property tests of the parser (hypothesis).

``dockerfiles`` builds a Dockerfile from logical instructions whose every word it knows, then lays
each logical line out on physical lines: continuation lines split anywhere (with either escape token),
comment and blank lines inside continuations, top-level comments, heredoc bodies, CRLF or LF. It
records the physical position of every logical character, so that the expected span of a word does
not depend on the parser. Then:

- parsing never raises and never hangs (a deadline per example);
- re-joining the physical lines gives back each logical line, heredoc body and previous comments;
- every verbatim word (keyword, flag, shell-form command, whitespace-split word, ENV key and value,
  heredoc word, JSON token) has exactly the span of its characters in the source;
- on arbitrary text and bytes, every span is inside the file and ordered.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dfanalyze import model
from dfanalyze.model import Dockerfile, Instruction
from dfanalyze.parse import parse_bytes, parse_text
from dfanalyze.parse.dump import to_json, to_text
from dfanalyze.span import Position, Span

PROPERTY_SETTINGS = settings(
    deadline=timedelta(seconds=2),
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)

SAFE = string.ascii_letters + string.digits + "-_./:@%+,"
BLANKS = st.text(" \t", min_size=1, max_size=3)
WORD = st.builds(
    lambda first, rest: first + rest, st.sampled_from(string.ascii_letters), st.text(SAFE, max_size=7)
)
COMMENT_TEXT = st.text(string.ascii_letters + string.digits + " \t", max_size=12)
BODY_LINE = st.text(
    string.printable.replace("\n", "").replace("\r", "").replace("\x0b", "").replace("\x0c", ""), max_size=20
)


@dataclass
class Logical:
    """One generated logical line: its text and the words whose spans are checked."""

    text: str = ""
    words: list[tuple[str, str, int, int]] = field(default_factory=list)  # (kind, text, start, end)
    heredocs: list[tuple[str, bool, list[str]]] = field(default_factory=list)  # name, chomp, body lines

    def add(self, text: str, kind: str | None = None) -> None:
        if kind is not None:
            self.words.append((kind, text, len(self.text), len(self.text) + len(text)))
        self.text += text


def _keyword(draw: st.DrawFn, keyword: str) -> str:
    return draw(st.sampled_from([keyword, keyword.lower(), keyword.capitalize()]))


def _flags(draw: st.DrawFn, line: Logical, choices: list[str]) -> None:
    for flag in draw(st.lists(st.sampled_from(choices), max_size=2)):
        line.add(draw(BLANKS))
        line.add(flag, "flag")


@st.composite
def shell_form(draw: st.DrawFn) -> Logical:
    line = Logical()
    keyword = draw(st.sampled_from(["RUN", "CMD", "ENTRYPOINT"]))
    line.add(_keyword(draw, keyword), "keyword")
    if keyword == "RUN":
        _flags(draw, line, ["--network=none", "--mount=type=cache,target=/root/.cache", "--foo=bar"])
    line.add(draw(BLANKS))
    words = draw(st.lists(WORD, min_size=1, max_size=5))
    command = draw(BLANKS).join(words) if len(words) > 1 else words[0]
    line.add(command, "command")
    return line


@st.composite
def exec_form(draw: st.DrawFn) -> Logical:
    line = Logical()
    line.add(_keyword(draw, draw(st.sampled_from(["RUN", "CMD", "ENTRYPOINT", "SHELL"]))), "keyword")
    line.add(draw(BLANKS) + "[" + draw(st.sampled_from(["", " "])))
    strings = draw(st.lists(st.text(SAFE + " ", max_size=6), min_size=1, max_size=4))
    for index, text in enumerate(strings):
        if index:
            line.add(draw(st.sampled_from([",", ", ", " ,\t"])))
        line.add(json.dumps(text), "json")
    line.add(draw(st.sampled_from(["]", " ]"])))
    return line


def word_list(keywords: list[str]) -> st.SearchStrategy[Logical]:
    @st.composite
    def build(draw: st.DrawFn) -> Logical:
        line = Logical()
        keyword = draw(st.sampled_from(keywords))
        line.add(_keyword(draw, keyword), "keyword")
        if keyword == "COPY":
            _flags(draw, line, ["--from=build", "--chmod=644", "--link"])
        count = 1 if keyword == "FROM" else draw(st.integers(2 if keyword in ("COPY", "ADD") else 1, 4))
        for _ in range(count):
            line.add(draw(BLANKS))
            line.add(draw(WORD), "arg")
        if keyword == "FROM" and draw(st.booleans()):
            line.add(draw(BLANKS))
            line.add(draw(st.sampled_from(["AS", "as"])), "arg")
            line.add(draw(BLANKS))
            line.add(
                draw(st.sampled_from(string.ascii_lowercase))
                + draw(st.text(string.ascii_lowercase + string.digits + "-_.", max_size=4)),
                "arg",
            )
        return line

    return build()


@st.composite
def key_values(draw: st.DrawFn) -> Logical:
    line = Logical()
    line.add(_keyword(draw, draw(st.sampled_from(["ENV", "LABEL"]))), "keyword")
    for _ in range(draw(st.integers(1, 3))):
        line.add(draw(BLANKS))
        line.add(draw(WORD), "key")
        line.add("=")
        value = draw(
            st.one_of(st.text(SAFE, min_size=1, max_size=6), st.text(SAFE + " ", max_size=6).map(json.dumps))
        )
        line.add(value, "value")
    return line


@st.composite
def single(draw: st.DrawFn) -> Logical:
    line = Logical()
    line.add(_keyword(draw, draw(st.sampled_from(["USER", "WORKDIR", "STOPSIGNAL"]))), "keyword")
    line.add(draw(BLANKS))
    line.add(draw(WORD), "arg")
    return line


@st.composite
def with_heredocs(draw: st.DrawFn) -> Logical:
    line = Logical()
    keyword = draw(st.sampled_from(["RUN", "COPY"]))
    line.add(_keyword(draw, keyword), "keyword")
    if keyword == "RUN" and draw(st.booleans()):
        line.add(draw(BLANKS))
        line.add("cat")
    for name in draw(
        st.lists(st.sampled_from(["EOF", "END", "PY", "X1"]), min_size=1, max_size=2, unique=True)
    ):
        chomp = draw(st.booleans())
        line.add(draw(BLANKS))
        line.add(("<<-" if chomp else "<<") + name, "heredoc")
        body = draw(st.lists(BODY_LINE, max_size=4))
        body = [b for b in body if b != name and b.lstrip("\t") != name]
        line.heredocs.append((name, chomp, body))
    if keyword == "COPY":
        line.add(draw(BLANKS))
        line.add("/dest")
    return line


INSTRUCTION = st.one_of(
    shell_form(),
    exec_form(),
    word_list(["COPY", "ADD", "EXPOSE", "VOLUME", "FROM"]),
    key_values(),
    single(),
    with_heredocs(),
)


@dataclass
class Generated:
    text: str
    escape: str
    logical: list[Logical]
    positions: list[list[Position]]  # per logical line: the physical position of each character
    comments: list[list[str]]  # the expected previous comments of each instruction


def _split_points(draw: st.DrawFn, text: str) -> list[int]:
    """Where to break a logical line: never leaving a continuation line blank or starting with `#`
    (BuildKit would drop such a line)."""
    candidates = sorted(set(draw(st.lists(st.integers(1, max(len(text) - 1, 1)), max_size=3))))
    kept: list[int] = []
    end = len(text)
    for point in reversed(candidates):
        piece = text[point:end].lstrip(" \t")
        if 0 < point < len(text) and piece and not piece.startswith("#"):
            kept.append(point)
            end = point
    return sorted(kept)


@st.composite
def dockerfiles(draw: st.DrawFn) -> Generated:
    escape = draw(st.sampled_from(["\\", "`"]))
    physical: list[str] = ["# escape=`"] if escape == "`" else []
    logical = [draw(word_list(["FROM"]))]
    logical += draw(st.lists(INSTRUCTION, max_size=6))
    positions: list[list[Position]] = []
    comments: list[list[str]] = []
    pending: list[str] = []
    for line in logical:
        for _ in range(draw(st.integers(0, 2))):  # top-level comment and blank lines
            if draw(st.booleans()):
                text = draw(COMMENT_TEXT)
                physical.append("#" + text)
                if text.strip():
                    pending.append(text.strip())
                else:
                    pending.clear()
            else:
                physical.append(draw(st.sampled_from(["", "  "])))
        comments.append(pending)
        pending = []
        line.add(draw(st.sampled_from(["", " ", "\t "])))  # trailing blanks end the line
        indent = draw(st.sampled_from(["", "  ", "\t"]))
        char_positions: list[Position] = []
        bounds = [0, *_split_points(draw, line.text), len(line.text)]
        for index in range(len(bounds) - 1):
            piece = line.text[bounds[index] : bounds[index + 1]]
            prefix = indent if index == 0 else ""
            row = len(physical) + 1
            char_positions += [Position(row, len(prefix) + 1 + k) for k in range(len(piece))]
            last = index == len(bounds) - 2
            physical.append(
                prefix + piece + ("" if last else escape + draw(st.sampled_from(["", " ", "\t"])))
            )
            if not last:
                for _ in range(draw(st.integers(0, 2))):  # comment and blank lines inside
                    physical.append(draw(st.sampled_from(["# inside", "   # indented", "", "  "])))
        positions.append(char_positions)
        for name, chomp, body in line.heredocs:
            physical += body
            physical.append(("\t" if chomp else "") + name)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(physical) + draw(st.sampled_from([newline, ""]))
    return Generated(text, escape, logical, positions, comments)


def _word_span(positions: list[Position], start: int, end: int) -> Span:
    last = positions[end - 1]
    return Span(positions[start], Position(last.line, last.column + 1))


def _actual_words(ins: Instruction) -> dict[str, list[tuple[str, Span]]]:
    found: dict[str, list[tuple[str, Span]]] = {
        "keyword": [(ins.keyword.text, ins.keyword.span)],
        "flag": [(f.text, f.span) for f in ins.flags],
        "heredoc": [(("<<-" if h.chomp else "<<") + h.name, h.span) for h in ins.heredocs],
    }
    if isinstance(ins, model.KeyValueInstruction):
        found["key"] = [(p.key.text, p.key.span) for p in ins.pairs]
        found["value"] = [(p.value.text, p.value.span) for p in ins.pairs]
    elif isinstance(ins, model.CommandInstruction) and ins.json:
        found["json"] = [(json.dumps(w.text), w.span) for w in ins.args]
    elif isinstance(ins, model.CommandInstruction) and not ins.heredocs:
        found["command"] = [(w.text, w.span) for w in ins.args]
    elif not ins.heredocs:
        found["arg"] = [(w.text, w.span) for w in ins.args]
    return found


@PROPERTY_SETTINGS
@given(dockerfiles())
def test_generated_files_round_trip_with_exact_spans(generated: Generated) -> None:
    df = parse_text(generated.text)
    assert df.escape == generated.escape
    assert len(df.instructions) == len(generated.logical)
    for ins, line, positions, comments in zip(
        df.instructions, generated.logical, generated.positions, generated.comments, strict=True
    ):
        assert ins.text == line.text  # re-joined physical lines give the logical line back
        assert list(ins.comments) == comments
        assert [(h.name, h.chomp, h.content) for h in ins.heredocs] == [
            (name, chomp, "".join(b + "\n" for b in body)) for name, chomp, body in line.heredocs
        ]
        actual = _actual_words(ins)
        expected: dict[str, list[tuple[str, Span]]] = {}
        for kind, text, start, end in line.words:
            expected.setdefault(kind, []).append((text, _word_span(positions, start, end)))
        for kind, words in expected.items():
            assert actual.get(kind, []) == words, kind
    assert [d for d in df.errors if d.code == "DF700"] == []


def _check_span(span: Span, lines: tuple[str, ...]) -> None:
    assert span.start <= span.end
    for position in (span.start, span.end):
        assert 1 <= position.line <= max(len(lines), 1)
        width = len(lines[position.line - 1]) if lines else 0
        assert 1 <= position.column <= width + 1


def _check_model(df: Dockerfile) -> None:
    previous_end = Position(0, 0)
    for ins in df.instructions:
        _check_span(ins.span, df.lines)
        assert ins.span.start >= previous_end
        previous_end = ins.span.end
        children = [ins, ins.child] if isinstance(ins, model.Onbuild) and ins.child else [ins]
        for node in children:
            for span in [node.keyword.span, *(f.span for f in node.flags), *(a.span for a in node.args)]:
                _check_span(span, df.lines)
                assert ins.span.start <= span.start and span.end <= ins.span.end
            for doc in node.heredocs:
                _check_span(doc.span, df.lines)
                _check_span(doc.body_span, df.lines)
    for problem in df.diagnostics:
        _check_span(problem.span, df.lines)
    json.dumps(to_json(df), ensure_ascii=False).encode("utf-8")
    to_text(df).encode("utf-8")


NOISE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "FROM a\n",
                "RUN ",
                "COPY ",
                "ENV ",
                "ONBUILD ",
                "HEALTHCHECK ",
                "ARG ",
                "CMD [",
                "SHELL ",
                "# escape=`\n",
                "#!x\n",
                "# syntax=a\n",
                "<<EOF",
                "<<-'X'",
                "\nEOF\n",
                "\\\n",
                "`\n",
                "--mount=",
                "--",
                '"',
                "'",
                "]",
                "=",
                " ",
                "\t",
                "\r\n",
                "\n",
                "\ufeff",
                "\u00a0",
                "\x1c",
            ]
        ),
        st.text(string.printable + "é\u2003", max_size=6),
    ),
    max_size=40,
).map("".join)


@PROPERTY_SETTINGS
@given(NOISE)
def test_any_text_parses_with_spans_inside_the_file(text: str) -> None:
    _check_model(parse_text(text))


@PROPERTY_SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_parse_without_raising(data: bytes) -> None:
    _check_model(parse_bytes(data))

"""The grammar (grammar/dockerfile.lark), its compiled tables, and the small LALR driver that runs them.

The committed tables must be those of the committed grammar, and the driver must build exactly the
trees Lark itself builds; then each start symbol is checked on the values it exists for.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from dfanalyze.parse import lalr
from dfanalyze.parse.instructions import duration_error, parse_duration, parse_image_ref
from dfanalyze.span import Span
from tools.make_tables import GRAMMAR, START_SYMBOLS, compile_tables

SPAN = Span.of(1, 1, 1, 1)
SAMPLES = {
    "json_array": [
        '["a"]',
        '[ "a" , "b\\u00e9\\n" ]',
        "[]",
        "[1, -2.5e3, true, false, null]",
        '[["a"], {"k": [1]}]',
    ],
    "image_ref": [
        "ubuntu",
        "ubuntu:24.04",
        "library/ubuntu@sha256:" + "a" * 64,
        "localhost:5000/team/app:1.2",
        "gcr.io/distroless/static:nonroot",
        "[::1]:5000/img",
        "Registry/app",
    ],
    "flag": ["--from=build", "--link", "--chown=", "--mount=type=cache,target=/x"],
    "csv_options": ["type=cache,target=/root/.cache", 'type=bind,"source=a,b",ro', "readonly"],
    "port_spec": ["80", "8080/tcp", "8000-8010/udp", "127.0.0.1:80:80", "[::1]:53:53/udp"],
    "duration": ["1h2m3.5s", "1.5ms", "-1s", ".5us", "300µs"],
}


@cache
def _lark() -> Any:
    from lark import Lark

    text = GRAMMAR.read_text(encoding="utf-8")
    return Lark(text, parser="lalr", start=list(START_SYMBOLS), lexer="contextual")


def _from_lark(node: Any) -> lalr.Node:
    from lark import Token

    if isinstance(node, Token):
        assert node.start_pos is not None and node.end_pos is not None
        return lalr.Token(node.type, str(node), node.start_pos, node.end_pos)
    return lalr.Tree(str(node.data), tuple(_from_lark(child) for child in node.children))


def test_the_committed_tables_are_those_of_the_grammar() -> None:
    stored = json.loads(lalr.TABLES_PATH.read_text(encoding="utf-8"))
    fresh = compile_tables(GRAMMAR.read_text(encoding="utf-8"))
    hint = "stale: run python -m tools.make_tables"
    assert (stored["terminals"], stored["ignore"]) == (fresh["terminals"], fresh["ignore"]), hint
    assert stored["start"].keys() == fresh["start"].keys(), hint
    # Lark numbers states and rules differently from run to run (even with one hash seed): the tables
    # must be the same up to that numbering. Walked from each start state, every state pairs with
    # exactly one fresh state that has the same actions (the same rules reduced, paired states shifted).
    pairs: dict[str, str] = {}
    todo = [(str(stored["start"][s]), str(fresh["start"][s])) for s in stored["start"]]
    while todo:
        state, twin = todo.pop()
        if state in pairs:
            assert pairs[state] == twin, hint
            continue
        pairs[state] = twin
        actions, twin_actions = stored["states"][state], fresh["states"][twin]
        assert actions.keys() == twin_actions.keys(), hint
        for symbol, (kind, argument) in actions.items():
            twin_kind, twin_argument = twin_actions[symbol]
            assert kind == twin_kind, hint
            if kind == 0:  # shift to a state
                todo.append((str(argument), str(twin_argument)))
            else:  # reduce by a rule
                assert stored["rules"][argument] == fresh["rules"][twin_argument], hint
    assert len(pairs) == len(stored["states"]) == len(fresh["states"]), hint
    assert all(pairs[str(stored["end"][s])] == str(fresh["end"][s]) for s in stored["end"]), hint


def test_every_start_symbol_has_samples() -> None:
    assert set(SAMPLES) == set(START_SYMBOLS)


@pytest.mark.parametrize(("start", "text"), [(s, t) for s, texts in SAMPLES.items() for t in texts])
def test_the_driver_builds_the_trees_lark_builds(start: str, text: str) -> None:
    assert lalr.parse(text, start) == _from_lark(_lark().parse(text, start=start))


@pytest.mark.parametrize(
    "text",
    [
        "['a']",
        '["a",]',
        '["a"] x',
        "[01]",
        "[NaN]",
        '["\\x"]',
        '["\\u00"]',
        '["a\tb"]',
        "[\v]",
        "[1.]",
        "[+1]",
    ],
)
def test_json_that_go_refuses_is_refused(text: str) -> None:
    with pytest.raises(lalr.GrammarError):
        lalr.parse(text, "json_array")


def test_a_grammar_error_says_where_it_stopped() -> None:
    with pytest.raises(lalr.GrammarError) as info:
        lalr.parse('["a" "b"]', "json_array")
    assert info.value.offset == 5


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("ubuntu", None, "ubuntu", None, None),
        ("ubuntu:24.04", None, "ubuntu", "24.04", None),
        ("bitnami/redis:7", None, "bitnami/redis", "7", None),
        ("localhost:5000/team/app:1.2", "localhost:5000", "team/app", "1.2", None),
        ("gcr.io/distroless/static:nonroot", "gcr.io", "distroless/static", "nonroot", None),
        ("alpine@sha256:" + "0" * 64, None, "alpine", None, "sha256:" + "0" * 64),
        ("registry:5000/x", "registry:5000", "x", None, None),
    ],
)
def test_image_references(
    text: str, registry: str | None, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_image_ref(text, SPAN)
    assert ref is not None
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)


def test_an_image_reference_that_is_not_one() -> None:
    assert parse_image_ref("a::b", SPAN) is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("-0", 0.0), ("1h2m3.5s", 3723.5), ("1.5ms", 0.0015), ("-1s", -1.0), ("300µs", 0.0003)],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("-", 'time: invalid duration "-"'),
        ("s", 'time: invalid duration "s"'),
        ("5", 'time: missing unit in duration "5"'),
        ("1m5", 'time: missing unit in duration "1m5"'),
        ("1d", 'time: unknown unit "d" in duration "1d"'),
        ("1.2.3s", 'time: missing unit in duration "1.2.3s"'),
    ],
)
def test_go_duration_errors(text: str, message: str) -> None:
    assert parse_duration(text) is None
    assert duration_error(text) == message

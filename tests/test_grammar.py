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
from dfanalyze.parse.build_tables import (
    START_SYMBOLS,
    TABLES_PATH,
    compile_tables,
    grammar_digest,
    grammar_path,
)
from dfanalyze.parse.instructions import duration_error, parse_duration, parse_image_ref
from dfanalyze.span import Span

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

    text = grammar_path().read_text(encoding="utf-8")
    return Lark(text, parser="lalr", start=list(START_SYMBOLS), lexer="contextual")


def _from_lark(node: Any) -> lalr.Node:
    from lark import Token

    if isinstance(node, Token):
        assert node.start_pos is not None and node.end_pos is not None
        return lalr.Token(node.type, str(node), node.start_pos, node.end_pos)
    return lalr.Tree(str(node.data), tuple(_from_lark(child) for child in node.children))


def test_the_committed_tables_are_those_of_the_grammar() -> None:
    text = grammar_path().read_text(encoding="utf-8")
    stored = json.loads(TABLES_PATH.read_text(encoding="utf-8"))
    assert stored["grammar_digest"] == grammar_digest(text), "run: python -m dfanalyze.parse.build_tables"
    # Lark numbers states and rules differently from run to run: compare what the tables contain.
    fresh = compile_tables(text)
    assert len(stored["states"]) == len(fresh["states"])
    assert sorted(json.dumps(r, sort_keys=True) for r in stored["rules"]) == sorted(
        json.dumps(r, sort_keys=True) for r in fresh["rules"]
    )
    assert stored["terminals"] == fresh["terminals"]


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

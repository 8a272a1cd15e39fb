"""The grammar (grammar/dockerfile.lark) and the parser Lark's standalone generator made of it.

The committed module must be what tools/make_parser.py makes of the committed grammar today, and
it must build the trees Lark itself builds; then each start symbol is checked on the values it exists
for.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dfanalyze.parse import _lark_standalone, grammar
from dfanalyze.parse.instructions import duration_error, parse_duration, parse_image_ref
from dfanalyze.span import Span

ROOT = Path(__file__).resolve().parent.parent
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

    text = (ROOT / "grammar" / "dockerfile.lark").read_text(encoding="utf-8")
    return Lark(text, parser="lalr", start=list(SAMPLES), lexer="contextual", maybe_placeholders=False)


def _generated(tmp_path: Path) -> ModuleType:
    """What tools/make_parser.py makes of the grammar now, imported from a temporary file."""
    output = tmp_path / "fresh_standalone.py"
    command = [sys.executable, "-m", "tools.make_parser", "--output", str(output)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    spec = importlib.util.spec_from_file_location("fresh_standalone", output)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code(module: ModuleType) -> str:
    """The module's text up to its tables: Lark's runtime, the same for every grammar."""
    text = Path(str(module.__file__)).read_text(encoding="utf-8")
    return text[: text.index("\nDATA = (")]


def _terminal(terminal: Any) -> tuple[Any, ...]:
    pattern = terminal.pattern
    return (terminal.name, terminal.priority, type(pattern).__name__, pattern.value, tuple(pattern.flags))


def _rule(rule: Any) -> tuple[Any, ...]:
    """A rule of either module as plain values: what it matches and how it builds its tree."""
    options = rule.options
    return (
        rule.origin.name,
        tuple((s.name, s.is_term, getattr(s, "filter_out", False)) for s in rule.expansion),
        rule.order,
        str(rule.alias),
        (options.keep_all_tokens, options.expand1, options.priority, tuple(options.empty_indices)),
    )


def _same_tables(committed: Any, fresh: Any) -> None:
    """The two LALR tables are the same up to the numbering of their states: walking both from each
    start state, every state pairs with exactly one state that has the same actions."""
    table, other = committed.parser.parser._parse_table, fresh.parser.parser._parse_table
    assert table.start_states.keys() == other.start_states.keys()
    pairs: dict[int, int] = {}
    todo = [(table.start_states[s], other.start_states[s]) for s in table.start_states]
    while todo:
        state, twin = todo.pop()
        if state in pairs:
            assert pairs[state] == twin
            continue
        pairs[state] = twin
        actions, twin_actions = table.states[state], other.states[twin]
        assert actions.keys() == twin_actions.keys(), f"state {state}"
        for symbol, (action, argument) in actions.items():
            twin_action, twin_argument = twin_actions[symbol]
            assert action == twin_action, f"state {state} on {symbol}"
            if isinstance(argument, int):  # a shift to that state (a reduction names its rule)
                todo.append((argument, twin_argument))
            else:
                assert _rule(argument) == _rule(twin_argument), f"state {state} on {symbol}"
    assert len(pairs) == len(table.states) == len(other.states)
    assert all(pairs[table.end_states[s]] == other.end_states[s] for s in table.end_states)


def test_the_committed_parser_is_the_one_made_of_the_grammar(tmp_path: Path) -> None:
    fresh = _generated(tmp_path)
    hint = "stale: run python -m tools.make_parser"
    assert _code(_lark_standalone) == _code(fresh), hint
    committed, made = grammar.parser(), fresh.Lark_StandAlone()
    assert list(map(_terminal, committed.terminals)) == list(map(_terminal, made.terminals)), hint
    assert sorted(map(_rule, committed.rules)) == sorted(map(_rule, made.rules)), hint
    _same_tables(committed, made)


def test_every_start_symbol_has_samples() -> None:
    assert set(SAMPLES) == set(grammar.parser().options.start)


@pytest.mark.parametrize(("start", "text"), [(s, t) for s, texts in SAMPLES.items() for t in texts])
def test_the_parser_builds_the_trees_lark_builds(start: str, text: str) -> None:
    assert _shape(grammar.parse(text, start)) == _shape(_lark().parse(text, start=start))


def _shape(node: Any) -> tuple[Any, ...]:
    """A tree of either module's classes as plain tuples: rule names, and tokens with their offsets."""
    if hasattr(node, "data"):
        return (str(node.data), *map(_shape, node.children))
    return (node.type, str(node), node.start_pos, node.end_pos)


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
    with pytest.raises(grammar.UnexpectedInput):
        grammar.parse(text, "json_array")


@pytest.mark.parametrize(("text", "offset"), [('["a" "b"]', 5), ('["a", ', 6), ("[a]", 1)])
def test_a_grammar_error_says_where_it_stopped(text: str, offset: int) -> None:
    with pytest.raises(grammar.UnexpectedInput) as info:
        grammar.parse(text, "json_array")
    assert grammar.error_offset(info.value, text) == offset


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

"""A small LALR(1) driver for the tables compiled from ``grammar/dockerfile.lark``.

Lark compiles the grammar at build time (``python -m tools.make_tables`` writes
``dockerfile_tables.json``; a test fails when the tables are stale); this module only *runs* the
tables: a contextual lexer (each parser state tries only the terminals it can accept, in Lark's
priority order) and the shift/reduce loop, building the same trees Lark would (filtered anonymous
tokens, inlined ``_rules``, ``?rules`` with one child replaced by the child, ``-> alias`` names).
Its first use costs a JSON load; nothing from Lark is imported.

Why our own runtime rather than one Lark supports (issue 10; ``benchmarks/compare.py``, two runs of
6 interleaved rounds, CPU time, best / median): with Lark's standalone parser (its runtime and these
tables as one generated module, commit 2c91f8f on the parser-runtime branch) a clean 30-line
``dfanalyze check`` took 123.8 / 147.6 and 127.4 / 161.8 ms instead of 94.6 / 113.8 and
97.4 / 119.5 ms (+30% or more: ~15 ms to import the module and the standard modules it needs that
dfanalyze does not load, then building the parser), one parse ~20 us instead of ~8 us (corpus parse
throughput -9 to -22%) and peak memory +2.4 MB. Lark itself with its grammar cache did no better
(125.9 / 161.9 ms, +7 MB). The issue allows at most 20% more. Measure again when Lark's runtime or
dfanalyze's start-up changes.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Union

from msgspec import Struct

TABLES_PATH = Path(__file__).with_name("dockerfile_tables.json")


class Token(Struct, frozen=True):
    type: str
    value: str
    start: int
    end: int


class Tree(Struct, frozen=True):
    data: str
    children: tuple[Node, ...]

    def tokens(self) -> list[Token]:
        """Every token under this tree, in order."""
        out: list[Token] = []
        for child in self.children:
            if isinstance(child, Token):
                out.append(child)
            else:
                out.extend(child.tokens())
        return out

    def find(self, data: str) -> list[Tree]:
        """Every subtree called ``data`` (this one included), in order."""
        found = [self] if self.data == data else []
        for child in self.children:
            if isinstance(child, Tree):
                found.extend(child.find(data))
        return found


Node = Union[Token, Tree]  # noqa: UP007 (a runtime alias used in a dataclass annotation)


class GrammarError(ValueError):
    """The text does not match the start symbol. ``offset`` is where the parser stopped."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class _Rule(Struct, frozen=True):
    origin: str
    name: str
    expand1: bool
    keep: tuple[int, ...]


class Tables:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.patterns = dict(raw["terminals"])
        self.order = [name for name, _ in raw["terminals"]]
        self.ignore = frozenset(raw["ignore"])
        self.rules = [
            _Rule(r["origin"], r["alias"] or r["origin"], r["expand1"], tuple(r["keep"]))
            for r in raw["rules"]
        ]
        self.states: dict[int, dict[str, tuple[int, int]]] = {
            int(s): {sym: (a[0], a[1]) for sym, a in row.items()} for s, row in raw["states"].items()
        }
        self.start: dict[str, int] = raw["start"]
        self.end: dict[str, int] = raw["end"]
        self._lexers: dict[int, re.Pattern[str]] = {}

    def lexer(self, state: int) -> re.Pattern[str]:
        """The regex of every terminal acceptable in ``state`` (plus ignored ones), by priority."""
        pattern = self._lexers.get(state)
        if pattern is None:
            allowed = self.states[state].keys() | self.ignore
            alternatives = [f"(?P<{name}>{self.patterns[name]})" for name in self.order if name in allowed]
            pattern = re.compile("|".join(alternatives) or "(?!)")
            self._lexers[state] = pattern
        return pattern

    def parse(self, text: str, start: str) -> Tree:
        states = self.states
        rules = self.rules
        state_stack = [self.start[start]]
        value_stack: list[Any] = []
        end_state = self.end[start]
        pos = 0
        length = len(text)
        while True:
            state = state_stack[-1]
            if pos < length:
                match = self.lexer(state).match(text, pos)
                if match is None or match.end() == pos:
                    raise GrammarError(f"unexpected character {text[pos]!r}", pos)
                kind = match.lastgroup or ""
                if kind in self.ignore:
                    pos = match.end()
                    continue
                token: Token | None = Token(kind, match.group(), pos, match.end())
                pos = match.end()
            else:
                kind = "$END"
                token = None
            while True:  # reduce until the token can be shifted
                action = states[state_stack[-1]].get(kind)
                if action is None:
                    where = token.start if token else length
                    raise GrammarError(f"unexpected {token.value!r}" if token else "unexpected end", where)
                if action[0] == 0:
                    state_stack.append(action[1])
                    value_stack.append(token)
                    break
                rule = rules[action[1]]
                size = len(rule.keep)
                values = value_stack[-size:] if size else []
                if size:
                    del state_stack[-size:]
                    del value_stack[-size:]
                value = _build(rule, values)
                state_stack.append(states[state_stack[-1]][rule.origin][1])
                value_stack.append(value)
                if token is None and state_stack[-1] == end_state:
                    result = value_stack[-1]
                    assert isinstance(result, Tree)
                    return result


def _build(rule: _Rule, values: list[Any]) -> Any:
    children: list[Node] = []
    for keep, value in zip(rule.keep, values, strict=True):
        if keep == 1:
            children.append(value)
        elif keep == 2:
            children.extend(value.children)
    if rule.expand1 and len(children) == 1:
        return children[0]
    return Tree(rule.name, tuple(children))


@cache
def tables() -> Tables:
    """The compiled tables."""
    return Tables(json.loads(TABLES_PATH.read_text(encoding="utf-8")))


def parse(text: str, start: str) -> Tree:
    """Parse ``text`` as the grammar's ``start`` symbol; raises :class:`GrammarError`."""
    return tables().parse(text, start)

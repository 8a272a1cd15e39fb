"""Compile ``grammar/dockerfile.lark`` into the LALR tables that :mod:`dfanalyze.parse.lalr` runs.

    python -m tools.make_tables

Run it after editing the grammar. The tables are plain JSON, committed as
``dfanalyze/parse/dockerfile_tables.json``; ``tests/test_grammar.py`` fails while they are stale. Only
this tool imports Lark, so dfanalyze runs without the parser generator.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from dfanalyze.parse.lalr import TABLES_PATH

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "grammar" / "dockerfile.lark"
START_SYMBOLS = (
    "json_array",
    "image_ref",
    "flag",
    "csv_options",
    "port_spec",
    "duration",
)


def _keep(symbol: Any) -> int:
    """How the tree builder treats one symbol of a rule: 0 drop (anonymous or ``_TOKEN``),
    1 keep, 2 inline the children of a ``_rule``."""
    if symbol.is_term:
        return 0 if symbol.filter_out else 1
    return 2 if symbol.name.startswith("_") else 1


def compile_tables(grammar_text: str) -> dict[str, Any]:
    """Return the JSON-able tables for ``grammar_text``."""
    from lark import Lark
    from lark.grammar import Rule
    from lark.parsers.lalr_analysis import Shift

    lark = Lark(grammar_text, parser="lalr", start=list(START_SYMBOLS), lexer="contextual")
    table = lark.parser.parser._parse_table
    rules: list[Rule] = []
    rule_index: dict[int, int] = {}

    def index_of(rule: Rule) -> int:
        key = id(rule)
        if key not in rule_index:
            rule_index[key] = len(rules)
            rules.append(rule)
        return rule_index[key]

    states: dict[str, dict[str, list[int]]] = {}
    for state, actions in table.states.items():
        row: dict[str, list[int]] = {}
        for symbol, (action, arg) in actions.items():
            if action is Shift:
                row[symbol] = [0, arg]
            else:
                row[symbol] = [1, index_of(arg)]
        states[str(state)] = row

    terminals = sorted(
        lark.terminals,
        key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
    )
    return {
        "terminals": [[t.name, t.pattern.to_regexp()] for t in terminals],
        "ignore": sorted(lark.ignore_tokens),
        "rules": [
            {
                "origin": r.origin.name,
                "alias": r.alias,
                # as Lark's tree builder: an alias keeps its node even with a single child
                "expand1": bool(r.options.expand1) and not r.alias,
                "keep": [_keep(s) for s in r.expansion],
            }
            for r in rules
        ],
        "states": states,
        "start": dict(table.start_states),
        "end": dict(table.end_states),
    }


def main() -> int:
    tables = compile_tables(GRAMMAR.read_text(encoding="utf-8"))
    TABLES_PATH.write_text(json.dumps(tables, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"wrote {TABLES_PATH} ({len(tables['states'])} states, {len(tables['rules'])} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

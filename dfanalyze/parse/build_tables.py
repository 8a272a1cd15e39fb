"""Compile ``grammar/dockerfile.lark`` into the LALR tables that :mod:`dfanalyze.parse.lalr` runs.

Run ``python -m dfanalyze.parse.build_tables`` after editing the grammar. The tables are plain JSON
(committed as ``dfanalyze/parse/dockerfile_tables.json``); a test fails when they are stale. Only this
module imports Lark, so the command-line tool starts without loading the parser generator.
"""

from __future__ import annotations

import binascii
import json
import sys
from pathlib import Path
from typing import Any

from dfanalyze.resources import data_dir

TABLES_PATH = Path(__file__).with_name("dockerfile_tables.json")
START_SYMBOLS = (
    "json_array",
    "image_ref",
    "flag",
    "csv_options",
    "port_spec",
    "duration",
)


def grammar_path() -> Path:
    return data_dir("grammar") / "dockerfile.lark"


def grammar_digest(text: str) -> str:
    """Identifies the grammar the tables were made from (a change check run at every start: a CRC,
    because importing hashlib alone costs ~4 ms)."""
    data = text.encode("utf-8")
    return f"{len(data)}-{binascii.crc32(data):08x}"


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
        "grammar_digest": grammar_digest(grammar_text),
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
    text = grammar_path().read_text(encoding="utf-8")
    tables = compile_tables(text)
    TABLES_PATH.write_text(json.dumps(tables, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"wrote {TABLES_PATH} ({len(tables['states'])} states, {len(tables['rules'])} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

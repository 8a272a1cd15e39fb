"""Compile the TOML that dfanalyze reads on every run into JSON (see :mod:`dfanalyze.compiled`).

    python -m tools.compile_data            # write the compiled files
    python -m tools.compile_data --check    # exit 1 when one is stale (what the tests check)

Writes ``rules/compiled.json`` (the lint-time part of every built-in rule file, each validated on
the way: a broken rule file stops the compilation) and ``<name>.compiled.json`` beside each
knowledge data file that a lint run reads.
"""

from __future__ import annotations

import argparse
import binascii
import datetime
import json
import sys
import tomllib
from pathlib import Path

from dfanalyze.compiled import DATE_KEY, FORMAT
from dfanalyze.engine.registry import rule_files
from dfanalyze.engine.rulefile import lean, rule_from_mapping
from dfanalyze.engine.ruleindex import INDEX_NAME, index_key, read_rule_data
from dfanalyze.resources import rules_url

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
DATA_FILES = tuple(
    ROOT / "dfanalyze" / "knowledge" / "data" / name for name in ("eol.toml", "images.toml", "accounts.toml")
)


def _encode(value: object) -> object:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return {DATE_KEY: value.isoformat()}
    raise TypeError(f"not JSON data: {type(value).__name__}")


def _dump(data: object) -> str:
    return json.dumps(data, default=_encode, ensure_ascii=False, separators=(",", ":")) + "\n"


def compiled_rules(folder: Path = RULES) -> str:
    entries: dict[str, list[object]] = {}
    for path in rule_files(folder):
        data = read_rule_data(Path(path))
        rule_from_mapping(data, path, rules_url())  # raises RuleFileError for a broken rule file
        entries[index_key(folder, path)] = [binascii.crc32(Path(path).read_bytes()), lean(data)]
    return _dump({"format": FORMAT, "rules": entries})


def compiled_data(path: Path) -> str:
    raw = path.read_bytes()
    return _dump({"format": FORMAT, "crc": binascii.crc32(raw), "data": tomllib.loads(raw.decode("utf-8"))})


def outputs() -> dict[Path, str]:
    """Every compiled file and what it must hold."""
    made = {RULES / INDEX_NAME: compiled_rules()}
    for path in DATA_FILES:
        made[path.with_suffix(".compiled.json")] = compiled_data(path)
    return made


def stale() -> list[Path]:
    return [path for path, text in outputs().items() if not path.is_file() or path.read_text("utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.compile_data", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for path in old:
            print(f"stale: {path.relative_to(ROOT)} (run python -m tools.compile_data)")
        return 1 if old else 0
    for path, text in outputs().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({len(text.encode('utf-8')):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Data compiled ahead of time from the TOML files that ship with dfanalyze.

A one-file lint reads the ~120 built-in rule files and two knowledge data files (``eol.toml``,
``images.toml``). Parsing their TOML costs 35-60 ms of CPU per run on the 2-core machine the
benchmarks run on, more than a third of a clean one-file ``dfanalyze check``; reading the same
data as JSON costs 1-2 ms. So ``python -m tools.compile_data`` (run after editing a rule or data
file) writes it as JSON: ``rules/compiled.json`` for the rules (only what linting needs: no docs,
no examples) and ``<name>.compiled.json`` beside each data file. The compiled files are committed
and shipped; ``tests/test_compiled_data.py`` fails when one is stale. Nothing is written at run time:
dfanalyze keeps no cache.

Each compiled entry carries the CRC-32 of the source it was made from. An installed wheel's sources
are the files the entries were made from, so there the entries are used as they are; in a source
checkout or an editable install an entry is used only while its source's CRC matches, so an edited
file is read from its TOML until it is compiled again.
"""

from __future__ import annotations

import binascii
import datetime
import json
from pathlib import Path
from typing import Any

from dfanalyze import resources

FORMAT = 1
DATE_KEY = "$date"  # a TOML date, which JSON lacks: {"$date": "2026-12-06"}


def read(path: Path) -> dict[str, Any] | None:
    """A compiled file's contents (dates decoded); None when it is missing or of another format."""
    try:
        raw = json.loads(path.read_bytes(), object_hook=_decode)
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) and raw.get("format") == FORMAT else None


def fresh(source: Path, crc: object) -> bool:
    """Whether an entry compiled from ``source`` with this CRC still describes it."""
    if resources.installed():
        return True
    try:
        return binascii.crc32(source.read_bytes()) == crc
    except OSError:
        return False


def _decode(obj: dict[str, Any]) -> object:
    if len(obj) == 1 and DATE_KEY in obj:
        return datetime.date.fromisoformat(obj[DATE_KEY])
    return obj


def load_toml(path: Path) -> dict[str, Any]:
    """A shipped TOML data file's contents: from its compiled JSON while that is fresh."""
    compiled = read(path.with_suffix(".compiled.json"))
    if compiled is not None and isinstance(compiled.get("data"), dict) and fresh(path, compiled.get("crc")):
        data: dict[str, Any] = compiled["data"]
        return data
    import tomllib

    with path.open("rb") as handle:
        return tomllib.load(handle)

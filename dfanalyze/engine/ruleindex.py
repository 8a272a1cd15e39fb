"""The built-in rules' lint-time data, compiled ahead of time into ``rules/compiled.json``.

Only the rules shipped with dfanalyze are compiled (see :mod:`dfanalyze.compiled` for why and how
an entry is known to be fresh); plugin and ``extend-rules`` folders are small and read directly.
An entry holds what a lint run needs (no docs, no examples: those are 80% of a rule file); it is
validated again by :func:`~dfanalyze.engine.rulefile.rule_from_lean` on every run, and docs and
examples are read from the rule file if something asks for them
(:class:`~dfanalyze.engine.rulefile.DetailsLoader`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dfanalyze.compiled import fresh, read
from dfanalyze.engine.rulefile import DetailsLoader, Rule, RuleFileError, rule_from_lean, rule_from_mapping

INDEX_NAME = "compiled.json"


def read_rule_data(path: Path) -> dict[str, Any]:
    import tomllib  # only for a rule file that is not compiled

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(str(path), "toml", str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(str(path), "file", str(exc)) from None


def index_key(folder: Path, path: str) -> str:
    """A rule file's key in the index: its path under the folder, with ``/`` separators."""
    return os.path.relpath(path, folder).replace(os.sep, "/")


def compiled_rules(folder: Path) -> dict[str, Mapping[str, Any]]:
    """The lean data of the folder's rule files that the folder's index describes as they are now,
    by :func:`index_key`; empty when the folder has no index."""
    index = read(folder / INDEX_NAME)
    entries = index.get("rules") if index is not None else None
    if not isinstance(entries, dict):
        return {}
    found: dict[str, Mapping[str, Any]] = {}
    for key, entry in entries.items():
        if (
            isinstance(entry, list)
            and len(entry) == 2
            and isinstance(entry[1], dict)
            and fresh(folder / key, entry[0])
        ):
            found[key] = entry[1]
    return found


def load_rule(path: str, compiled: Mapping[str, Any] | None, docs_url: str) -> Rule:
    """The rule in ``path``, validated: from its compiled data when there is some, else its TOML."""
    if compiled is not None:
        return rule_from_lean(compiled, path, docs_url, DetailsLoader(path))
    return rule_from_mapping(read_rule_data(Path(path)), path, docs_url)

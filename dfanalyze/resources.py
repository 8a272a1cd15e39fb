"""Where the data that ships with dfanalyze lives: the rule files.

In a wheel they are under ``dfanalyze/_data/``; in a source checkout or an editable install they are
the top-level ``rules/`` folder next to the package. (The grammar ships compiled, as
``dfanalyze/parse/dockerfile_tables.json``.)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def installed() -> bool:
    """Whether this is an installed wheel (its data under ``dfanalyze/_data/``), not a source
    checkout or an editable install, where the data files can change between runs."""
    return (_PACKAGE / "_data").is_dir()


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``"rules"``) wherever this install keeps it."""
    if installed():
        return _PACKAGE / "_data" / name
    return _PACKAGE.parent / name

"""Where the data that ships with dfanalyze lives: the grammar and the rule files.

In a wheel they are under ``dfanalyze/_data/``; in a source checkout or an editable install they are
the top-level ``grammar/`` and ``rules/`` folders next to the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``"grammar"`` or ``"rules"``) wherever this install keeps it."""
    shipped = _PACKAGE / "_data" / name
    if shipped.is_dir():
        return shipped
    return _PACKAGE.parent / name

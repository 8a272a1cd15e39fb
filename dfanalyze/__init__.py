"""dfanalyze: a declarative Dockerfile linter and static analyzer.

The public Python API is small and stable: :func:`parse`, :func:`lint`, :func:`expand`,
:func:`expand_words` and :class:`ExpansionError`. Heavy parts are imported on first use, so that
``import dfanalyze`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from dfanalyze.analysis.expand import ExpansionError, expand, expand_words
    from dfanalyze.api import lint, parse

__all__ = ["ExpansionError", "__version__", "expand", "expand_words", "lint", "parse"]

_LAZY = {
    "parse": "dfanalyze.api",
    "lint": "dfanalyze.api",
    "expand": "dfanalyze.analysis.expand",
    "expand_words": "dfanalyze.analysis.expand",
    "ExpansionError": "dfanalyze.analysis.expand",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dfanalyze' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

"""``dfanalyze server``: a Language Server Protocol server over standard input and output.

It is a thin adapter over the API the command line uses (:class:`dfanalyze.api.Checker`): the same
rules, configuration discovery per file, suppression comments, severities and fixes. It needs the
``lsp`` extra (``pip install 'dfanalyze[lsp]'``: pygls, lsprotocol, tomlkit); nothing of it is
imported unless the server runs.
"""

from __future__ import annotations

import sys

MISSING = "dfanalyze: error: the language server needs the lsp extra: pip install 'dfanalyze[lsp]' ({})"


def main(log_file: str | None = None) -> int:
    """Serve until the client exits; 2 when the ``lsp`` extra is not installed."""
    try:
        from dfanalyze.server.app import serve
    except ImportError as exc:
        print(MISSING.format(exc), file=sys.stderr)
        return 2
    serve(log_file)
    return 0

"""Generate ``dfanalyze/parse/_lark_standalone.py`` from ``grammar/dockerfile.lark``.

    python -m tools.make_parser [--output PATH]

The module is the output of Lark's standalone parser generator (``lark.tools.standalone``, run here
through its ``gen_standalone`` function so that the header below can be added): Lark's LALR(1) runtime
and contextual lexer together with the grammar's compiled tables, so that dfanalyze parses without
importing Lark. Run it after editing the grammar or upgrading Lark (the development dependencies pin
the version); ``tests/test_grammar.py`` fails while the committed module is stale.

Lark numbers the parser states differently from run to run (some of its sets are ordered by object
identity), so two runs give equivalent tables, not identical bytes: the test compares the tables, not
the text.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "grammar" / "dockerfile.lark"
OUTPUT = ROOT / "dfanalyze" / "parse" / "_lark_standalone.py"
# One start symbol per kind of structured value (see the grammar's header).
START_SYMBOLS = ("json_array", "image_ref", "flag", "csv_options", "port_spec", "duration")
HEADER = """\
# GENERATED FILE: do not edit. Made by `python -m tools.make_parser` from grammar/dockerfile.lark
# with Lark's standalone parser generator (python -m lark.tools.standalone;
# https://github.com/lark-parser/lark). The generated code is Lark's and is licensed under the
# Mozilla Public License 2.0 (see the notice below and https://mozilla.org/MPL/2.0/); the grammar
# tables at the end are dfanalyze's.
"""


def generate() -> str:
    """The standalone module's text for the current grammar."""
    from lark import Lark
    from lark.tools.standalone import gen_standalone

    # The options `python -m lark.tools.standalone -l contextual -s ...` uses (its flags off).
    parser = Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        start=list(START_SYMBOLS),
        propagate_positions=False,
        maybe_placeholders=False,
        keep_all_tokens=False,
    )
    out = io.StringIO()
    gen_standalone(parser, out=out)  # type: ignore[no-untyped-call]  # Lark does not annotate it
    return HEADER + out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--output", type=Path, default=OUTPUT, help=f"where to write it (default {OUTPUT})")
    args = options.parse_args(argv)
    args.output.write_text(generate(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

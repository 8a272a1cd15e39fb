"""Make docs/screenshot.svg and docs/screenshot.png: what `dfanalyze Dockerfile` shows in a colour
terminal, for the README.

    .venv/bin/python docs/screenshot.py

The output is dfanalyze's own (run in this process with ``--color=always`` on
``docs/screenshot.Dockerfile``, shown as ``Dockerfile``), recorded by rich as SVG and converted to
PNG by ``rsvg-convert`` (Debian package ``librsvg2-bin``).
"""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

from rich.console import Console
from rich.text import Text

from dfanalyze.cli import main

HERE = Path(__file__).parent
WIDTH = 128  # terminal columns in the picture
RULES = "DF200,DF514,DF704"  # a fixable style finding, an informational one, a fixable warning


def terminal_output() -> str:
    stdin = io.TextIOWrapper(io.BytesIO((HERE / "screenshot.Dockerfile").read_bytes()))
    out = io.StringIO()
    original = sys.stdin
    sys.stdin = stdin
    try:
        with redirect_stdout(out):
            main(["--color=always", f"--select={RULES}", "--stdin-filename=Dockerfile", "-"])
    finally:
        sys.stdin = original
    return out.getvalue()


def write_pictures() -> None:
    console = Console(
        record=True, width=WIDTH, file=io.StringIO(), force_terminal=True, color_system="standard"
    )
    console.print(Text.from_ansi("$ dfanalyze Dockerfile\n" + terminal_output()), end="")
    svg = HERE / "screenshot.svg"
    # rich writes spaces as no-break spaces, which rsvg-convert drops at the start of a text run:
    # plain spaces in an SVG that preserves white space render the same in browsers and in rsvg.
    picture = console.export_svg(title="dfanalyze").replace("&#160;", " ")
    svg.write_text(picture.replace("<svg ", '<svg xml:space="preserve" ', 1), encoding="utf-8")
    subprocess.run(["rsvg-convert", "--zoom=1.25", "-o", str(HERE / "screenshot.png"), str(svg)], check=True)


if __name__ == "__main__":
    write_pictures()

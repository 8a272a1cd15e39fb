"""Reporters: findings to text. ``render`` picks the format; each format lives in its own module."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from dfanalyze.findings import Finding


def render(
    findings: Sequence[Finding],
    sources: Mapping[str, tuple[str, ...]],
    output_format: str,
    *,
    color: bool = True,
    out: TextIO | None = None,
) -> None:
    stream = out or sys.stdout
    if output_format in ("json", "json-lines"):
        from dfanalyze.report.json_format import render_json

        render_json(findings, stream, lines=output_format == "json-lines")
    elif output_format == "concise":
        from dfanalyze.report.text import render_concise

        render_concise(findings, stream)
    else:
        from dfanalyze.report.text import render_full

        render_full(findings, sources, stream, color=color)

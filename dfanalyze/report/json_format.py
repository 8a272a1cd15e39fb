"""The findings JSON (a public interface): ruff's field names plus ``family``, ``aliases``, ``name``,
and ``related``: the items of a finding about several (each with its message and location; empty
for a finding about one)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dfanalyze.findings import Finding
from dfanalyze.span import Position


def _location(p: Position) -> dict[str, int]:
    return {"row": p.line, "column": p.column}


def finding_json(f: Finding) -> dict[str, Any]:
    fix = None
    if f.fix is not None:
        fix = {
            "applicability": "safe" if f.fix.safe else "unsafe",
            "message": f.fix.title,
            "edits": [
                {
                    "content": e.content,
                    "location": _location(e.span.start),
                    "end_location": _location(e.span.end),
                }
                for e in f.fix.edits
            ],
        }
    return {
        "code": f.code,
        "name": f.name,
        "family": f.family,
        "aliases": list(f.aliases),
        "severity": f.severity.value,
        "message": f.message,
        "filename": f.path,
        "location": _location(f.span.start),
        "end_location": _location(f.span.end),
        "fix": fix,
        "url": f.url,
        "related": [
            {"message": r.message, "location": _location(r.span.start), "end_location": _location(r.span.end)}
            for r in f.related
        ],
    }


def render_json(findings: Sequence[Finding], *, lines: bool) -> str:
    """A JSON array of findings, or with ``lines`` one JSON object per line (JSON Lines)."""
    if lines:
        return "".join(json.dumps(finding_json(f), ensure_ascii=False) + "\n" for f in findings)
    return json.dumps([finding_json(f) for f in findings], indent=2, ensure_ascii=False) + "\n"

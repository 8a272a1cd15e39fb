"""Every hadolint rule and BuildKit build check has a dfanalyze rule carrying its code as an alias,
and docs/parity.md is current."""

from __future__ import annotations

from dfanalyze.engine.parity import OUTPUT, render, rows
from dfanalyze.engine.registry import default_registry


def test_every_hadolint_code_and_buildkit_check_is_covered() -> None:
    missing = [f"{r.tool} {r.code}" for r in rows(default_registry()) if not r.rules]
    assert missing == []


def test_counts() -> None:
    table = rows(default_registry())
    assert sum(r.tool == "hadolint" for r in table) == 73  # the README's 71 + DL3065, DL3066 (2.15)
    assert sum(r.tool == "BuildKit" for r in table) == 22


def test_parity_document_is_current() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(default_registry()), (
        "docs/parity.md is stale: run `python -m dfanalyze.engine.parity`"
    )

"""Rule documentation: the generated reference ``docs/rules.md`` is up to date, links to every rule,
and ``dfanalyze rule`` renders Markdown on a terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

from dfanalyze.engine.docs import (
    REFERENCE,
    REGENERATE,
    builtin_reference,
    main,
    reference_markdown,
    rule_markdown,
)
from dfanalyze.engine.registry import build_registry
from dfanalyze.report.explain import explain

RULES = build_registry(plugins=False).sorted_rules()


def test_reference_is_up_to_date() -> None:
    current = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    assert current == builtin_reference(), f"docs/rules.md is stale: regenerate it with `{REGENERATE}`"


def test_reference_links_resolve_to_rule_headings() -> None:
    text = reference_markdown(RULES)
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in text.splitlines()
        if line.startswith("### ")
    }
    links = set(re.findall(r"\]\(#([a-z0-9-]+)\)", text))
    assert links and links <= headings
    assert all(rule.url.endswith(f"#{rule.code.lower()}-{rule.name}") for rule in RULES)


def test_reference_groups_rules_by_family_once() -> None:
    text = reference_markdown(RULES)
    families = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert sorted(families) == sorted({r.family for r in RULES})


def test_main_writes_the_reference(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == builtin_reference()


def test_rule_markdown_levels() -> None:
    rule = next(r for r in RULES if r.code == "DF790")
    text = rule_markdown(rule, level=3)
    assert text.startswith("### DF790 unused-suppression\n")
    assert "#### Fix safety" in text


def test_every_builtin_rule_says_why_it_is_on_or_off_by_default() -> None:
    """The default set is chosen rule by rule (README, "Which rules run by default"): each rule's
    docs give the reason, under a heading that follows ``enabled``."""
    undecided = [r.code for r in RULES if not str(r.docs.get("default", "")).strip()]
    assert undecided == []
    on = next(r for r in RULES if r.code == "DF700")
    off = next(r for r in RULES if r.code == "DF513")
    assert on.enabled and "#### Why it is on by default" in rule_markdown(on, level=3)
    assert "On by default" in rule_markdown(on)
    text = rule_markdown(off, level=3)
    assert not off.enabled and "#### Why it is opt-in" in text and "--extend-select DF513" in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_explain_renders_markdown_on_a_terminal_and_plain_text_elsewhere() -> None:
    rule = next(r for r in RULES if r.code == "DF703")
    terminal, pipe = _Terminal(), io.StringIO()
    explain([rule], terminal)
    explain([rule], pipe)
    assert pipe.getvalue() == rule_markdown(rule)
    assert "DF703 empty-continuation-line" in terminal.getvalue()
    assert "## What it does" not in terminal.getvalue() and "What it does" in terminal.getvalue()

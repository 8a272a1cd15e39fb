"""``dfanalyze rule`` (one rule's documentation) and ``dfanalyze rules`` (the catalogue)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from dfanalyze.engine.docs import rule_markdown
from dfanalyze.engine.rulefile import Rule

__all__ = ["explain", "list_rules", "rule_json", "rule_markdown"]


def explain(rules: Sequence[Rule], out: TextIO) -> None:
    """Print the rules' documentation: rendered Markdown on a terminal, the Markdown text elsewhere."""
    text = "\n".join(rule_markdown(rule) for rule in rules)
    if not out.isatty():
        out.write(text)
        return
    from rich.console import Console
    from rich.markdown import Markdown

    Console(file=out, soft_wrap=False).print(Markdown(text))


def rule_json(rule: Rule, origin: str) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family,
        "severity": rule.severity.value,
        "summary": rule.summary,
        "aliases": list(rule.aliases),
        "fix": rule.fix,
        "enabled": rule.enabled,
        "origin": origin,
        "url": rule.url,
    }


def list_rules(rules: Sequence[Rule], origins: Mapping[str, str], output_format: str, out: TextIO) -> None:
    """The catalogue: one line per rule (``[*]`` fixable, ``[opt-in]``), or a JSON array."""
    if output_format == "json":
        listing = [rule_json(r, origins.get(r.code, "")) for r in rules]
        out.write(json.dumps(listing, indent=2, ensure_ascii=False) + "\n")
        return
    name_width = max((len(r.name) for r in rules), default=0)
    family_width = max((len(r.family) for r in rules), default=0)
    for r in rules:
        marks = (" [*]" if r.fix else "") + (" [opt-in]" if not r.enabled else "")
        aliases = f" ({', '.join(r.aliases)})" if r.aliases else ""
        line = f"{r.code} {r.name:<{name_width}}  {r.family:<{family_width}}  {r.severity.value:<7}"
        out.write(f"{line}{marks}{aliases}".rstrip() + "\n")

"""``dfanalyze rule`` (one rule's documentation) and ``dfanalyze rules`` (the catalogue)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from dfanalyze.engine.rulefile import DOC_SECTIONS, DOC_TITLES, Rule


def rule_markdown(rule: Rule) -> str:
    """The rule's documentation as Markdown, with the same headings for every rule."""
    parts = [f"# {rule.code} {rule.name}", "", f"*{rule.summary}*", ""]
    meta = [f"Family: `{rule.family}`", f"Default severity: `{rule.severity.value}`"]
    if rule.aliases:
        meta.append("Aliases: " + ", ".join(f"`{a}`" for a in rule.aliases))
    meta.append(f"Fix: {rule.fix or 'none'}")
    if not rule.enabled:
        meta.append("Opt-in: enable with `--extend-select " + rule.code + "`")
    parts += [" · ".join(meta), ""]
    for section in DOC_SECTIONS:
        value = rule.docs.get(section)
        if section == "fix_safety" and value is None and rule.fix is None:
            continue
        if value is None:
            continue
        parts.append(f"## {DOC_TITLES[section]}")
        parts.append("")
        if isinstance(value, list):
            parts.extend(f"- <{v}>" for v in value)
        else:
            parts.append(str(value).strip())
        parts.append("")
    if rule.options:
        parts += ["## Options", ""]
        parts += [f"- `{k}` (default `{json.dumps(v)}`)" for k, v in rule.options.items()]
        parts.append("")
    return "\n".join(parts)


def explain(rule: Rule) -> None:
    from rich.console import Console
    from rich.markdown import Markdown

    Console(soft_wrap=False).print(Markdown(rule_markdown(rule)))


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family,
        "severity": rule.severity.value,
        "summary": rule.summary,
        "aliases": list(rule.aliases),
        "fix": rule.fix,
        "enabled": rule.enabled,
        "url": rule.url,
    }


def list_rules(rules: Sequence[Rule], output_format: str) -> None:
    if output_format == "json":
        sys.stdout.write(json.dumps([rule_json(r) for r in rules], indent=2) + "\n")
        return
    for r in rules:
        aliases = f" ({', '.join(r.aliases)})" if r.aliases else ""
        fix = " [*]" if r.fix else ""
        optin = " [opt-in]" if not r.enabled else ""
        sys.stdout.write(f"{r.code} {r.name:<36} {r.family:<10} {r.severity.value:<8}{fix}{optin}{aliases}\n")

"""Rule documentation as Markdown: one rule (``dfanalyze rule CODE``) and the rules reference
``docs/rules.md``, generated from the built-in rule files.

Regenerate the reference after adding or changing a rule::

    python -m dfanalyze.engine.docs
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from dfanalyze.engine.rulefile import DOC_SECTIONS, DOC_TITLES, FAMILIES, FAMILY_ALIASES, Rule

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
REGENERATE = "python -m dfanalyze.engine.docs"


def rule_markdown(rule: Rule, level: int = 1) -> str:
    """The rule's documentation, the same headings for every rule; ``level`` of the title heading."""
    title, section = "#" * level, "#" * (level + 1)
    parts = [f"{title} {rule.code} {rule.name}", "", f"*{rule.summary}*", ""]
    meta = [f"Family: `{rule.family}`", f"Default severity: `{rule.severity.value}`"]
    if rule.aliases:
        meta.append("Aliases: " + ", ".join(f"`{a}`" for a in rule.aliases))
    meta.append(f"Fix: {rule.fix or 'none'}")
    meta.append("On by default" if rule.enabled else f"Opt-in: enable with `--extend-select {rule.code}`")
    parts += [" · ".join(meta), ""]
    for key in DOC_SECTIONS:
        value = rule.docs.get(key)
        if value is None:
            continue
        title = "Why it is opt-in" if key == "default" and not rule.enabled else DOC_TITLES[key]
        parts += [f"{section} {title}", ""]
        if isinstance(value, list):
            parts.extend(f"- <{v}>" for v in value)
        else:
            parts.append(str(value).strip())
        parts.append("")
    if rule.options:
        parts += [f"{section} Options", ""]
        parts += [f"- `{k}` (default `{json.dumps(v)}`)" for k, v in rule.options.items()]
        parts.append("")
    return "\n".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def reference_markdown(rules: Sequence[Rule]) -> str:
    """``docs/rules.md``: an index per family, then every rule's documentation."""
    ordered = sorted(rules, key=lambda r: r.code)
    by_family: dict[str, list[Rule]] = {f: [] for f in FAMILIES}  # then other families by first code
    for rule in ordered:
        by_family.setdefault(rule.family, []).append(rule)
    by_family = {family: group for family, group in by_family.items() if group}
    parts = [
        "# Rules",
        "",
        f"<!-- Generated from the rule files by `{REGENERATE}`: do not edit by hand. -->",
        "",
        f"{len(ordered)} rules. Select or ignore them by code, name, alias, family or code prefix "
        "(see `dfanalyze rules`); `dfanalyze rule CODE` prints one rule's documentation.",
        "Fix: *safe* fixes are applied by `--fix`, *unsafe* ones need `--unsafe-fixes`.",
        "",
        "Families: " + ", ".join(f"`{f}`" for f in by_family) + ". A former family name still "
        "selects the families its rules moved to: "
        + "; ".join(
            f"`{old}` selects {' and '.join(f'`{f}`' for f in new)}" for old, new in FAMILY_ALIASES.items()
        )
        + ".",
        "",
    ]
    for family, group in by_family.items():
        parts += [f"## {family}", ""]
        if family in FAMILIES:
            parts += [FAMILIES[family], ""]
        parts += ["| Code | Name | Summary | Severity | Fix | Aliases |", "|---|---|---|---|---|---|"]
        for r in group:
            anchor = f"#{r.code.lower()}-{r.name}"
            aliases = ", ".join(f"`{a}`" for a in r.aliases)
            opt_in = " (opt-in)" if not r.enabled else ""
            parts.append(
                f"| [{r.code}]({anchor}) | {r.name} | {_cell(r.summary)}{opt_in} | {r.severity.value} "
                f"| {r.fix or ''} | {aliases} |"
            )
        parts.append("")
        parts += [rule_markdown(r, level=3) for r in group]
    return "\n".join(parts).rstrip("\n") + "\n"


def builtin_reference() -> str:
    """The reference for the rules shipped with dfanalyze (plugins left out)."""
    from dfanalyze.engine.registry import build_registry

    registry = build_registry(plugins=False)
    if registry.errors:
        raise SystemExit("\n".join(str(e) for e in registry.errors))
    return reference_markdown(registry.sorted_rules())


def main(argv: Sequence[str] | None = None) -> int:
    target = Path(argv[0]) if argv else REFERENCE
    text = builtin_reference()
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Running the rules on one parsed Dockerfile: selection, checks, and findings.

Selectors (``--select``, ``--ignore``, ``--extend-select``, config) name rules by code (``DF101``),
name (``untagged-image``), alias (``DL3006``, ``JSONArgsRecommended``), family (``base-image``) or
code prefix (``DF1``, ``DL30``), case-insensitively for codes and aliases. ``ALL`` selects every rule,
opt-in ones included.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dfanalyze.checks.context import Context, FileAnalysis, Hit
from dfanalyze.engine.registry import Registry, default_registry
from dfanalyze.engine.rulefile import Rule
from dfanalyze.findings import Finding, Severity
from dfanalyze.model import Dockerfile


class SelectorError(ValueError):
    """A selector that names no rule."""


def _matches(rule: Rule, selector: str) -> bool:
    s = selector.strip()
    upper = s.upper()
    if upper == "ALL":
        return True
    if s in (rule.name, rule.family):
        return True
    if upper == rule.code or any(upper == a.upper() for a in rule.aliases):
        return True
    # Code prefixes: DF1, DF10; alias prefixes: DL30.
    return (
        len(upper) >= 2
        and upper.isalnum()
        and (
            rule.code.startswith(upper)
            or any(a.upper().startswith(upper) for a in rule.aliases if a[:2].isupper())
        )
    )


def resolve(selector: str, rules: Iterable[Rule]) -> list[Rule]:
    """The rules a selector names; :class:`SelectorError` when it names none."""
    found = [r for r in rules if _matches(r, selector)]
    if not found:
        raise SelectorError(f"unknown rule selector: {selector!r}")
    return found


@dataclass(frozen=True)
class Selection:
    select: Sequence[str] | None = None  # None: every rule enabled by default
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    severity: Mapping[str, str] = field(default_factory=dict)  # selector -> severity
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # selector -> options

    def active(self, registry: Registry) -> list[Rule]:
        rules = registry.sorted_rules()
        if self.select is None:
            chosen = {r.code for r in rules if r.enabled}
        else:
            chosen = {r.code for s in self.select for r in resolve(s, rules)}
        chosen |= {r.code for s in self.extend_select for r in resolve(s, rules)}
        chosen -= {r.code for s in self.ignore for r in resolve(s, rules)}
        return [r for r in rules if r.code in chosen]

    def severity_of(self, rule: Rule, registry: Registry) -> Severity:
        for selector, value in self.severity.items():
            if _matches(rule, selector):
                return Severity(value)
        return rule.severity

    def options_of(self, rule: Rule) -> dict[str, Any]:
        options = dict(rule.options)
        for selector, values in self.options.items():
            if _matches(rule, selector):
                options.update(values)
        return options


class _Template(string.Formatter):
    """Message formatting that leaves unknown placeholders visible instead of failing."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, str):
            return kwargs.get(key, "{" + key + "}")
        return super().get_value(key, args, kwargs)


_TEMPLATE = _Template()


def finding_from_hit(rule: Rule, severity: Severity, hit: Hit, path: str) -> Finding:
    message = hit.message if hit.message is not None else _TEMPLATE.format(rule.message, **hit.args)
    return Finding(
        code=rule.code,
        name=rule.name,
        family=rule.family,
        severity=severity,
        message=message,
        path=path,
        span=hit.span,
        aliases=rule.aliases,
        fix=hit.fix,
        url=rule.url,
    )


@dataclass
class RunProblem:
    """A rule that failed while running (a bug in a check): reported, never fatal."""

    code: str
    path: str
    error: str


def run_rules(
    analysis: FileAnalysis,
    rules: Sequence[Rule],
    registry: Registry,
    selection: Selection,
    problems: list[RunProblem] | None = None,
) -> list[Finding]:
    findings: list[Finding] = []
    path = analysis.dockerfile.path
    for rule in rules:
        check = registry.checks[rule.code]
        ctx = Context(analysis, selection.options_of(rule))
        severity = selection.severity_of(rule, registry)
        try:
            hits = list(check(ctx))
        except Exception as exc:  # a broken check must not hide the other rules' findings
            if problems is not None:
                problems.append(RunProblem(rule.code, path, f"{type(exc).__name__}: {exc}"))
            continue
        findings.extend(finding_from_hit(rule, severity, hit, path) for hit in hits)
    findings.sort(key=Finding.sort_key)
    return findings


def lint_dockerfile(
    dockerfile: Dockerfile,
    *,
    build_args: Mapping[str, str] | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    registry: Registry | None = None,
    selection: Selection | None = None,
    settings: Mapping[str, Any] | None = None,
    context_dir: str | None = None,
    problems: list[RunProblem] | None = None,
) -> list[Finding]:
    """Run the selected rules on a parsed Dockerfile."""
    registry = registry or default_registry()
    selection = selection or Selection(select=select, ignore=ignore)
    analysis = FileAnalysis(
        dockerfile, build_args=build_args or {}, context_dir=context_dir, settings=settings or {}
    )
    return run_rules(analysis, selection.active(registry), registry, selection, problems)

"""Running the rules on one parsed Dockerfile: checks, suppression comments, and findings.

A :class:`Linter` is everything that stays the same from one file to the next (the catalogue, the
resolved selection, build arguments, global settings); the command line makes one per
configuration and lints every file with it. Per file, the main rules run first; the suppression
comments are applied to their findings; then the late rules run (the ones that report on the
suppression comments themselves), and their findings are filtered by the same comments.

To tell whether a suppression comment suppresses anything, the rules it names run even when they are
not selected (only when a late rule is active); their findings are used for that and dropped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field
from msgspec.structs import replace

from dfanalyze.checks.context import Context, FileAnalysis, Hit
from dfanalyze.checks.suppression import REPORT_KEY
from dfanalyze.engine.matcher import CheckFunction
from dfanalyze.engine.registry import Registry, default_registry
from dfanalyze.engine.rulefile import Rule
from dfanalyze.engine.selection import RulePlan, Selection, SelectorError, resolve
from dfanalyze.engine.suppress import (
    CHECK_ARG,
    CheckOptions,
    experimental_rules,
    read_comments,
    resolve_comments,
    skipped_rules,
)
from dfanalyze.findings import Finding, Fix, Related, Severity
from dfanalyze.model import Dockerfile, From, Instruction
from dfanalyze.parse import orphan_view
from dfanalyze.span import Span

if TYPE_CHECKING:
    import string

__all__ = [
    "Linter",
    "RunProblem",
    "Selection",
    "SelectorError",
    "finding_from_hit",
    "finding_from_hits",
    "lint_dockerfile",
    "resolve",
    "run_rules",
]


class _Values(dict[str, Any]):
    """Message values that leave an unknown placeholder visible (``{name}``) instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format(template: str, values: _Values) -> str:
    try:
        return template.format_map(values)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return _template().vformat(template, (), values)


@cache
def _template() -> string.Formatter:
    """The slow path, for what ``format_map`` cannot fill with :class:`_Values` (a format spec,
    an attribute or index on a missing value, a positional field): such fields stay visible.
    Made on first use: most runs never need it, nor the ``string`` module (~1 ms to import)."""
    import string

    class Template(string.Formatter):
        def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
            try:
                return super().get_field(field_name, args, kwargs)
            except (AttributeError, IndexError, KeyError, TypeError):
                return "{" + field_name + "}", field_name

        def format_field(self, value: Any, format_spec: str) -> str:
            try:
                return format(value, format_spec)
            except (TypeError, ValueError):
                return str(value)

    return Template()


def finding_from_hit(
    rule: Rule, severity: Severity, hit: Hit, path: str, options: Mapping[str, Any] | None = None
) -> Finding:
    """The finding of a hit; the message template may name the hit's values and the rule's options."""
    return Finding(
        code=hit.code or rule.code,
        name=rule.name,
        family=rule.family,
        severity=hit.severity or severity,
        message=_message(rule.message, hit, options),
        path=path,
        span=hit.span,
        aliases=rule.aliases,
        fix=hit.fix,
        url=hit.url or rule.url,
    )


def _message(template: str, hit: Hit, options: Mapping[str, Any] | None) -> str:
    if hit.message is not None:
        return hit.message
    return _format(template, _Values({**(options or {}), **hit.args}))


SHOWN_ITEMS = 4  # items a group's message names; the rest are counted ("and 3 more")
_ITEM_WIDTH = 40  # characters of one item's name in a group's message


def item_list(names: Sequence[str]) -> str:
    """``curl, git, wget``; a long list names its first items and counts the rest."""
    shown = [n if len(n) <= _ITEM_WIDTH else n[: _ITEM_WIDTH - 1] + "\u2026" for n in names]
    if len(shown) > SHOWN_ITEMS + 1:
        return f"{', '.join(shown[:SHOWN_ITEMS])} and {len(shown) - SHOWN_ITEMS} more"
    return ", ".join(shown)


def finding_from_hits(
    rule: Rule,
    severity: Severity,
    hits: Sequence[Hit],
    path: str,
    options: Mapping[str, Any] | None = None,
    *,
    cover: bool = True,
) -> Finding:
    """One finding for the hits of one group (one mistake made for several items): the rule's
    ``group-message`` with ``{count}`` and ``{items}`` (and the first hit's values), the span from
    the first item to the last (with ``cover``: the items of one instruction; else the first
    item's), each item as a related location with its own message, and one fix made of every
    item's edits."""
    first = hits[0]
    if len(hits) == 1 or rule.group_message is None:
        return finding_from_hit(rule, severity, first, path, options)
    names = list(dict.fromkeys(h.item for h in hits))
    single = finding_from_hit(rule, severity, first, path, options)
    message = single.message  # the same item written twice is still one item
    if len(names) > 1:
        values = {**(options or {}), **first.args, "count": len(names), "items": item_list(names)}
        message = _format(rule.group_message, _Values(values))
    span = Span(min(h.span.start for h in hits), max(h.span.end for h in hits)) if cover else first.span
    related = tuple(Related(h.span, _message(rule.message, h, options)) for h in hits)
    return replace(
        single,
        message=message,
        span=span,
        fix=_joined_fix([h.fix for h in hits if h.fix is not None]),
        related=related,
    )


def _joined_fix(fixes: Sequence[Fix]) -> Fix | None:
    """One fix that makes every item's edits (in source order, as ``--fix`` applies them)."""
    if not fixes:
        return None
    titles = list(dict.fromkeys(f.title for f in fixes))
    title = titles[0] if len(titles) == 1 else f"{titles[0]} (and {len(titles) - 1} more)"
    edits = tuple(sorted((e for f in fixes for e in f.edits), key=lambda e: (e.span.start, e.span.end)))
    return Fix(title, edits, all(f.safe for f in fixes))


def _one_instruction(dockerfile: Dockerfile, hits: Sequence[Hit]) -> bool:
    """Whether the hits lie in one instruction (then their finding spans them all)."""
    if len(hits) == 1:
        return True
    ends = [ins.span.end for ins in dockerfile.instructions]
    first = bisect_left(ends, hits[0].span.start)
    return all(bisect_left(ends, h.span.start) == first for h in hits)


def _grouped(hits: Sequence[Hit]) -> list[list[Hit]]:
    """The hits in order, those of one group together (at the place of the group's first)."""
    out: list[list[Hit]] = []
    groups: dict[object, list[Hit]] = {}
    for hit in hits:
        if hit.group is None:
            out.append([hit])
        elif hit.group in groups:
            groups[hit.group].append(hit)
        else:
            groups[hit.group] = [hit]
            out.append(groups[hit.group])
    return out


class RunProblem(Struct):
    """A rule that failed while running (a bug in a check): reported, never fatal. ``span`` and
    ``instruction`` say which instruction the check was looking at, when that can be told."""

    code: str
    path: str
    error: str
    span: Span | None = None
    instruction: str = ""  # the instruction's first line, shortened

    def __str__(self) -> str:
        span = self.span
        where = self.path if span is None else f"{self.path}:{span.start.line}:{span.start.column}"
        return f"{where}: rule {self.code} could not run: {self.error}"


_SHOWN = 60  # characters of the failing instruction shown in the report


def _failure(code: str, path: str, exc: Exception) -> RunProblem:
    """The problem of a check that raised ``exc``, at the instruction it was looking at: the
    :class:`Instruction` held by the innermost frame of the traceback that holds one (checks, and
    the analyses they call, keep the instruction they work on in a local variable)."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    error = f"{type(exc).__name__}: {exc}"
    for frame in reversed(frames):
        for value in frame.f_locals.values():
            if isinstance(value, Instruction):
                text = value.text.split("\n", 1)[0].strip()
                shown = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "\u2026"
                return RunProblem(code, path, error, value.span, shown)
    return RunProblem(code, path, error)


class RulesFailed(Exception):
    """Some rules could not run on a file; the findings of every other rule are still here."""

    def __init__(self, findings: list[Finding], problems: list[RunProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.findings = findings
        self.problems = problems


# A rule ready to run: its check, options and severity looked up once (per Linter, not per file).
_Planned = tuple[Rule, CheckFunction, Mapping[str, Any], Severity]

# The options of every rule that has none: the rules that share it share one Context per file.
_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})


def _planned(rules: Iterable[Rule], registry: Registry, plan: RulePlan) -> list[_Planned]:
    return [
        (r, registry.checks[r.code], plan.options[r.code] or _NO_OPTIONS, plan.severities[r.code])
        for r in rules
    ]


def run_rules(
    analysis: FileAnalysis,
    rules: Iterable[Rule],
    registry: Registry,
    plan: RulePlan,
    problems: list[RunProblem] | None = None,
) -> list[Finding]:
    return _run(analysis, _planned(rules, registry, plan), problems)


def _run(analysis: FileAnalysis, planned: list[_Planned], problems: list[RunProblem] | None) -> list[Finding]:
    findings: list[Finding] = []
    path = analysis.dockerfile.path
    shared = Context(analysis, _NO_OPTIONS)  # a Context is frozen: rules without options share one
    for rule, check, options, severity in planned:
        try:
            hits = list(check(shared if options is _NO_OPTIONS else Context(analysis, options)))
        except Exception as exc:  # a broken check must not hide the other rules' findings
            if problems is not None:
                problems.append(_failure(rule.code, path, exc))
            continue
        if not hits:
            continue
        if rule.group_message is None:
            findings += [finding_from_hit(rule, severity, hit, path, options) for hit in hits]
        else:
            for group in _grouped(hits):
                cover = _one_instruction(analysis.dockerfile, group)
                findings.append(finding_from_hits(rule, severity, group, path, options, cover=cover))
    return findings


class Linter(Struct, frozen=True, dict=True):
    """The rules, resolved once, ready to lint any number of files."""

    registry: Registry
    plan: RulePlan
    build_args: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)  # trusted registries, label schema ...
    hadolint_pragmas: bool = True  # False: `# hadolint ignore=` comments are not honoured
    selection: Selection | None = None  # what the plan was made from (for `# check=experimental=`)
    # BUILDKIT_DOCKERFILE_CHECK among the build arguments: it replaces every file's `# check=`
    check_options: CheckOptions | None = None

    @classmethod
    def create(
        cls,
        registry: Registry,
        selection: Selection,
        *,
        build_args: Mapping[str, str] | None = None,
        settings: Mapping[str, Any] | None = None,
        hadolint_pragmas: bool = True,
    ) -> Linter:
        """:class:`SelectorError` when a selector of ``selection`` names no rule,
        :class:`CheckOptionError` for a ``BUILDKIT_DOCKERFILE_CHECK`` build argument that BuildKit
        would refuse. ``settings`` are also the defaults of the rule options of the same name."""
        plan = selection.plan(registry, settings)
        build_args = build_args or {}
        value = build_args.get(CHECK_ARG)
        options = CheckOptions.parse(value) if value is not None else None
        return cls(registry, plan, build_args, settings or {}, hadolint_pragmas, selection, options)

    def without(self, codes: frozenset[str]) -> Linter:
        """This linter with the rules ``codes`` switched off."""
        plan = replace(self.plan, rules=tuple(r for r in self.plan.rules if r.code not in codes))
        return replace(self, plan=plan)

    @cached_property
    def _experimental(self) -> dict[frozenset[str], list[_Planned]]:
        return {}

    def _experimental_rules(self, names: frozenset[str]) -> list[_Planned]:
        """The experimental checks ``names`` turns on that the selection would run if they were on
        by default, and that the plan does not already run."""
        if not names or self.selection is None:
            return []
        planned = self._experimental.get(names)
        if planned is None:
            codes = experimental_rules(self.registry, names) - self.plan.codes
            chosen = [r for r in self.selection.active(self.registry, codes) if r.code in codes]
            planned = self._experimental[names] = _planned(chosen, self.registry, self.plan)
        return planned

    def _check_override(self, findings: list[Finding]) -> list[Finding]:
        """``BUILDKIT_DOCKERFILE_CHECK``'s ``skip`` and ``error`` on the findings of every file."""
        options = self.check_options
        if options is None or not (options.skip or options.error):
            return findings
        skipped = skipped_rules(self.registry, options.skip)
        raised = self.registry.buildkit_rules if options.error else frozenset()
        return [
            replace(f, severity=Severity.ERROR) if f.code in raised else f
            for f in findings
            if f.code not in skipped
        ]

    @cached_property
    def _phases(self) -> tuple[list[_Planned], list[_Planned], frozenset[str]]:
        """The main rules, the late rules, and the codes of both."""
        plan = self.plan
        main = _planned((r for r in plan.rules if r.phase == "main"), self.registry, plan)
        late = _planned((r for r in plan.rules if r.phase == "late"), self.registry, plan)
        return main, late, plan.codes

    def lint(
        self,
        dockerfile: Dockerfile,
        *,
        context_dir: str | None = None,
        problems: list[RunProblem] | None = None,
        preloaded: Mapping[str, Any] | None = None,
    ) -> list[Finding]:
        """The findings of ``dockerfile``. ``preloaded``: analyses the caller already has, by their
        :meth:`FileAnalysis.cached` key (the language server keeps the build context of a folder
        between edits instead of walking it again on every keystroke)."""
        analysis = FileAnalysis(
            dockerfile,
            build_args=self.build_args,
            context_dir=context_dir,
            settings=self.settings,
            _cache=dict(preloaded or {}),
        )
        main, late, codes = self._phases
        override = self.check_options
        comments = read_comments(
            dockerfile, hadolint_pragmas=self.hadolint_pragmas, directive=override is None
        )
        experimental = self._experimental_rules(override.experimental if override else comments.experimental)
        findings = _run(analysis, main + experimental, problems)
        view = orphan_view(dockerfile)
        if view is not None:
            findings += _orphan_findings(view, findings, analysis, main + experimental, problems)
        findings = self._check_override(findings)
        if comments:
            suppressions = resolve_comments(comments, self.registry)
            findings, used = suppressions.apply(findings)
            if late:  # the rules comments name run too, to tell which comments suppress nothing
                extra = sorted(suppressions.named - codes)
                rules = [self.registry.rules[code] for code in extra]
                # Their findings only count as uses: they are not reported.
                used |= suppressions.apply(run_rules(analysis, rules, self.registry, self.plan))[1]
            report = suppressions.report(used)
            analysis.cached(REPORT_KEY, lambda: report)
            findings += suppressions.apply(_run(analysis, late, problems))[0]
        else:
            findings += _run(analysis, late, problems)
        findings.sort(key=Finding.sort_key)
        return findings


def _orphan_findings(
    view: tuple[Dockerfile, From],
    found: list[Finding],
    analysis: FileAnalysis,
    planned: list[_Planned],
    problems: list[RunProblem] | None,
) -> list[Finding]:
    """The findings on the instructions before the first FROM (:func:`orphan_view`) that the
    rules did not already report there: those that look at stages see them only in the view."""
    dockerfile, from_ = view
    orphans = dockerfile.stages[0].instructions
    seen = {(f.code, f.span, f.message) for f in found}
    fragment = FileAnalysis(
        dockerfile,
        build_args=analysis.build_args,
        context_dir=analysis.context_dir,
        settings=analysis.settings,
    )
    return [
        f
        for f in _run(fragment, planned, problems)
        if f.span != from_.span
        and (f.code, f.span, f.message) not in seen
        and any(o.span.start <= f.span.start <= o.span.end for o in orphans)
    ]


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
    """Run the selected rules on a parsed Dockerfile (to lint many files, make one :class:`Linter`)."""
    registry = registry or default_registry()
    selection = selection or Selection(select=select, ignore=ignore)
    linter = Linter.create(registry, selection, build_args=build_args, settings=settings)
    return linter.lint(dockerfile, context_dir=context_dir, problems=problems)

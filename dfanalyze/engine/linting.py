"""One run's plan: which configuration, linter and failure threshold each file gets.

Configuration is chosen per file (:mod:`dfanalyze.engine.config`): each folder's nearest
configuration file, or ``--config`` for every file. :func:`plan_linting` makes one
:class:`~dfanalyze.engine.run.Linter` per configuration, before anything is linted, so that every
configuration error stops the run up front. Per file, the configuration's ``per-file-ignores``
switch rules off (a linter per set of ignored rules, made once), and fixes of rules that are not
``fixable`` are dropped from the findings.

Settings of the whole run (``output-format``, ``exclude``) come from the configuration of the
current folder (or ``--config``); a configuration of a subfolder that sets them gets a warning
rather than being silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from dfanalyze.engine.config import RUN_WIDE, Config, ConfigFinder, Overrides, fails, folder_of, load_config
from dfanalyze.engine.registry import Registry
from dfanalyze.engine.rulefile import Rule, RuleFileError
from dfanalyze.engine.run import Linter, RulesFailed, RunProblem
from dfanalyze.engine.selection import Selection, names_exactly, resolve
from dfanalyze.findings import Finding
from dfanalyze.model import Dockerfile

SHELLCHECK_RULE = "DF599"


class Skipped(Struct, frozen=True):
    """A selected rule that cannot run here (the program it runs is not installed). ``named``: the
    user asked for it by name (``--shellcheck``, ``--select DF599``), so not running it is an error;
    otherwise (``--select ALL``, a family, a prefix) it is skipped with a warning."""

    code: str
    name: str
    problem: str
    named: bool

    @property
    def message(self) -> str:
        verb = "not run" if self.named else "skipped"
        return f"rule {self.code} ({self.name}) {verb}: {self.problem}"


def _missing_program(code: str) -> str | None:
    """Why a rule that runs another program cannot run here; None when it can."""
    if code != SHELLCHECK_RULE:
        return None
    from dfanalyze.checks.shellcheck import ShellCheckMissing, find_shellcheck

    try:
        find_shellcheck()
    except ShellCheckMissing as exc:
        return str(exc)
    return None


def _named(selection: Selection | None, rule: Rule) -> bool:
    """Whether some layer of ``selection`` selects ``rule`` by its code, name or an alias."""
    while selection is not None:
        chosen = [*(selection.select or ()), *selection.extend_select]
        if any(names_exactly(rule, s) for s in chosen):
            return True
        selection = selection.base
    return False


def _without_missing_programs(linter: Linter, selection: Selection, skipped: dict[str, Skipped]) -> Linter:
    """``linter`` without the selected rules whose program is not installed (recorded in
    ``skipped``); the programs are looked for only when such a rule is selected."""
    missing = {}
    for rule in linter.plan.rules:
        problem = _missing_program(rule.code)
        if problem is not None:
            missing[rule.code] = problem
            named = _named(selection, rule) or (rule.code in skipped and skipped[rule.code].named)
            skipped[rule.code] = Skipped(rule.code, rule.name, problem, named)
    if not missing:
        return linter
    return linter.without(frozenset(missing))


class PerFileIgnore(Struct, frozen=True):
    """One ``per-file-ignores`` entry: a ``.gitignore``-style pattern, relative to the folder of
    its configuration file, and the rules it switches off for the files it matches."""

    pattern: str
    base: Path  # the configuration file's folder (real path)
    codes: frozenset[str]
    spec: Any  # pathspec.GitIgnoreSpec

    def matches(self, path: str) -> bool:
        real = os.path.realpath(path)
        try:
            relative = Path(real).relative_to(self.base).as_posix()
        except ValueError:
            return False
        return bool(self.spec.match_file(relative))


class Plan(Struct, frozen=True, dict=True):
    """What one configuration gives its files: a linter, a failure threshold, the per-file
    ignores, and the rules whose fixes must not be applied (``fixable``/``unfixable``)."""

    config: Config
    linter: Linter
    threshold: str
    per_file: tuple[PerFileIgnore, ...] = ()
    unfixable: frozenset[str] = frozenset()
    _narrowed: dict[frozenset[str], Linter] = field(default_factory=dict)

    def ignored(self, path: str) -> frozenset[str]:
        """The rules ``per-file-ignores`` switches off for the file ``path``."""
        return frozenset(code for entry in self.per_file if entry.matches(path) for code in entry.codes)

    def linter_for(self, path: str) -> Linter:
        ignored = self.ignored(path) if self.per_file else frozenset()
        if not ignored:
            return self.linter
        if ignored not in self._narrowed:
            self._narrowed[ignored] = self.linter.without(ignored)
        return self._narrowed[ignored]

    def lint(
        self, dockerfile: Dockerfile, problems: list[RunProblem], preloaded: Mapping[str, Any] | None = None
    ) -> list[Finding]:
        """The file's findings (``preloaded``: see :meth:`Linter.lint`); the rules that could not
        run are added to ``problems``."""
        findings = self.linter_for(dockerfile.path).lint(dockerfile, problems=problems, preloaded=preloaded)
        if self.unfixable:
            findings = [
                replace(f, fix=None) if f.fix is not None and f.code in self.unfixable else f
                for f in findings
            ]
        return findings

    def __call__(self, dockerfile: Dockerfile, preloaded: Mapping[str, Any] | None = None) -> list[Finding]:
        """The file's findings; :class:`RulesFailed` (carrying them) when some rule could not run."""
        problems: list[RunProblem] = []
        findings = self.lint(dockerfile, problems, preloaded)
        if problems:
            raise RulesFailed(findings, problems)
        return findings


class Linting(Struct, frozen=True):
    """One run's linters: each file is linted with its folder's configuration, and its findings
    are judged by that configuration's failure threshold (``--failure-threshold`` over all)."""

    plans: Mapping[Path, Plan]  # by folder
    fallback: Path  # the folder used for files without one (standard input)
    skipped: tuple[Skipped, ...] = ()  # selected rules that cannot run here
    warnings: tuple[str, ...] = ()  # settings that were read but do not apply

    def plan(self, path: str) -> Plan:
        folder = folder_of(path)
        return self.plans[folder if folder in self.plans else self.fallback]

    def __call__(self, dockerfile: Dockerfile) -> list[Finding]:
        """The file's findings; :class:`RulesFailed` (carrying them) when some rule could not run."""
        return self.plan(dockerfile.path)(dockerfile)

    @property
    def rules(self) -> dict[str, Rule]:
        """Every rule any of the linters knows (for reporters that describe rules)."""
        return {
            code: rule for plan in self.plans.values() for code, rule in plan.linter.registry.rules.items()
        }

    @property
    def errors(self) -> list[RuleFileError]:
        """The rule files that could not be loaded, each once."""
        seen: dict[str, RuleFileError] = {}
        for plan in self.plans.values():
            seen.update((str(e), e) for e in plan.linter.registry.errors)
        return list(seen.values())

    def fails(self, findings: Sequence[Finding]) -> bool:
        by_path: dict[str, list[Finding]] = {}
        for finding in findings:
            by_path.setdefault(finding.path, []).append(finding)
        by_plan: dict[int, tuple[Plan, list[Finding]]] = {}
        for path, group in by_path.items():  # a plan found once per file, not per finding
            plan = self.plan(path)
            by_plan.setdefault(id(plan), (plan, []))[1].extend(group)
        return any(fails(group, plan.threshold) for plan, group in by_plan.values())


def _codes(selectors: Sequence[str], rules: Sequence[Rule]) -> frozenset[str]:
    return frozenset(r.code for s in selectors for r in resolve(s, rules))


def _unfixable(config: Config, overrides: Overrides, rules: Sequence[Rule]) -> frozenset[str]:
    """The rules whose fixes are not applied: outside ``fixable`` (every rule by default; the
    command line's ``--fixable`` replaces the file's), or in ``unfixable`` (file and command line)."""
    fixable = overrides.fixable if overrides.fixable is not None else config.fixable
    allowed = _codes(fixable, rules) if fixable is not None else frozenset(r.code for r in rules)
    refused = _codes((*config.unfixable, *overrides.unfixable), rules)
    return frozenset(r.code for r in rules) - (allowed - refused)


def _per_file(config: Config, rules: Sequence[Rule]) -> tuple[PerFileIgnore, ...]:
    if not config.per_file_ignores or config.folder is None:
        return ()
    from pathspec import GitIgnoreSpec

    base = Path(os.path.realpath(config.folder))
    return tuple(
        PerFileIgnore(pattern, base, _codes(selectors, rules), GitIgnoreSpec.from_lines([pattern]))
        for pattern, selectors in config.per_file_ignores.items()
    )


def make_plan(config: Config, base: Registry, overrides: Overrides, skipped: dict[str, Skipped]) -> Plan:
    """The plan of one configuration, the command line's settings over it (:class:`ConfigError`
    and :class:`SelectorError` up front)."""
    config = overrides.apply(config)
    linter, selection = config.planned(base, overrides)
    rules = linter.registry.sorted_rules()
    return Plan(
        config,
        _without_missing_programs(linter, selection, skipped),
        overrides.failure_threshold or config.threshold,
        _per_file(config, rules),
        _unfixable(config, overrides, rules),
    )


def plan_linting(
    paths: Sequence[str],
    base: Registry,
    overrides: Overrides,
    *,
    config_file: Path | None = None,
    cwd: Path | None = None,
    finder: ConfigFinder | None = None,
) -> Linting:
    """A plan for the folder of each of ``paths`` (and the current folder); one per configuration.

    Raises :class:`ConfigError` for a configuration file's problems and :class:`SelectorError`
    for the command line's, before anything is linted."""
    finder = finder or ConfigFinder.default()
    here = (cwd or Path.cwd()).resolve()
    folders = {here, *(folder_of(p) for p in paths)}
    fixed = load_config(config_file) if config_file is not None else None
    run_config = fixed if fixed is not None else finder.for_folder(here)
    made: dict[int, Plan] = {}
    plans: dict[Path, Plan] = {}
    skipped: dict[str, Skipped] = {}
    warnings: list[str] = []
    for folder in sorted(folders):
        config = fixed if fixed is not None else finder.for_folder(folder)
        if id(config) not in made:
            made[id(config)] = make_plan(config, base, overrides, skipped)
            ignored = [config.prefix + k for k in RUN_WIDE if k in config.keys]
            if ignored and config is not run_config:
                where = run_config.path or "none"
                warnings.append(
                    f"{config.path}: {', '.join(ignored)}: not used: these settings apply to the whole run"
                    f" and come from the configuration of the current folder ({where}) or --config"
                )
        plans[folder] = made[id(config)]
    return Linting(plans, here, tuple(skipped.values()), tuple(warnings))


# -- what a run would do (--show-files, --show-settings) ------------------------------------------


class Setting(Struct, frozen=True):
    """One setting as ``--show-settings`` shows it: its key, its value, and where it came from."""

    key: str
    value: Any
    source: str


def _hadolint_settings(config: Config) -> list[Setting]:
    h = config.hadolint
    if h is None:
        return []
    where = str(h.path)
    out = []
    if h.ignored:
        out.append(Setting("ignore", list(h.ignored), f"{where} (ignored)"))
    if h.override:
        out.append(Setting("severity", dict(h.override), f"{where} (override)"))
    for key, value in (
        ("trusted-registries", h.trusted_registries),
        ("label-schema", h.label_schema),
        ("strict-labels", h.strict_labels),
        ("failure-threshold", h.failure_threshold),
    ):
        if value is not None:
            out.append(Setting(key, list(value) if isinstance(value, tuple) else value, where))
    if not h.pragmas:
        out.append(Setting("hadolint-pragmas", False, f"{where} (disable-ignore-pragma)"))
    return out


def _value(config: Config, key: str) -> Any:
    value = getattr(config, _field(key))
    if isinstance(value, tuple):
        return [str(v) for v in value]
    return dict(value) if isinstance(value, Mapping) else value


def _field(key: str) -> str:
    return "rule_options" if key == "rules" else key.replace("-", "_")


def describe(plan: Plan, overrides: Overrides) -> list[Setting]:
    """Every setting a file is linted with, layer by layer (hadolint file, dfanalyze file, the
    command line), each with its source; then the defaults that apply and the rules that run."""
    config = plan.config
    out = _hadolint_settings(config)
    for key in config.keys:
        inline = key in config.inline
        source = "command line (--config)" if inline else str(config.path)
        out.append(Setting(key if inline else config.prefix + key, _value(config, key), source))
    layers = {
        "select": overrides.selection.select,
        "extend-select": overrides.selection.extend_select,
        "ignore": overrides.selection.ignore,
        "fixable": overrides.fixable,
        "unfixable": overrides.unfixable,
    }
    for key, value in layers.items():
        if value:
            out.append(Setting(key, list(value), f"command line (--{key})"))
    if overrides.failure_threshold is not None:
        threshold = overrides.failure_threshold
        out.append(Setting("failure-threshold", threshold, "command line (--failure-threshold)"))
    if overrides.build_args:
        out.append(Setting("build-args", dict(overrides.build_args), "command line (--build-arg)"))
    if not any(s.key.endswith("failure-threshold") for s in out):
        out.append(Setting("failure-threshold", plan.threshold, "default"))
    rules = [rule.code for rule in plan.linter.plan.rules]
    out.append(Setting("rules", rules, f"{len(rules)} active, from every layer above"))
    return out

"""The rule catalogue: built-in rule files, rules from installed plugins and from local folders.

Plugins are found through the entry-point group ``dfanalyze.rules``. An entry point resolves to a
folder of rule files: either a ``str``/``Path``, or a callable returning one (so a package can say
``rules = "my_package:rules_dir"`` and compute the path from ``__file__``). Every problem (a broken
TOML file, a check that cannot be imported, a plugin that fails to load, a code defined twice) is a
:class:`~dfanalyze.engine.rulefile.RuleFileError` in :attr:`Registry.errors`: the other rules still
load and run.

A :class:`Registry` is a value: :meth:`Registry.extended` returns a new one with the rules of more
folders (a configuration's ``extend-rules``), leaving the built-in catalogue untouched.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator, Mapping
from functools import cache, cached_property
from pathlib import Path

from msgspec import Struct, field

from dfanalyze.engine.matcher import CheckFunction, MatchError, compile_match
from dfanalyze.engine.rulefile import Rule, RuleFileError
from dfanalyze.engine.ruleindex import compiled_rules, index_key, load_rule
from dfanalyze.resources import data_dir, rules_url

ENTRY_POINT_GROUP = "dfanalyze.rules"


_UNTRUSTED = (
    "which a configuration found next to the linted files may not name (a pull request must not run"
    " code): install the rule as a plugin, or name its folder in a configuration of your own"
    " (--config, or the user configuration)"
)


class UntrustedCode(RuleFileError):
    """A rule folder named by a configuration found in the linted repository tried to bring code
    or files from elsewhere (a Python check, a link out of the folder)."""

    def __init__(self, path: str, field_name: str, problem: str) -> None:
        super().__init__(path, field_name, problem)
        self.problem = problem


class Registry(Struct, frozen=True, eq=False, dict=True):
    rules: Mapping[str, Rule] = field(default_factory=dict)  # by code
    checks: Mapping[str, CheckFunction] = field(default_factory=dict)  # by code
    origins: Mapping[str, str] = field(default_factory=dict)  # code -> "builtin" / plugin / folder
    errors: list[RuleFileError] = field(default_factory=list)

    def sorted_rules(self) -> list[Rule]:
        return list(self._sorted)

    @cached_property
    def _sorted(self) -> tuple[Rule, ...]:
        return tuple(sorted(self.rules.values(), key=lambda r: r.code))

    @cached_property
    def _by_name(self) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        exact: dict[str, set[str]] = {}
        upper: dict[str, set[str]] = {}
        for rule in self.rules.values():
            exact.setdefault(rule.name, set()).add(rule.code)
            for key in (rule.code, *rule.aliases):
                upper.setdefault(key.upper(), set()).add(rule.code)
        return (
            {k: frozenset(v) for k, v in exact.items()},
            {k: frozenset(v) for k, v in upper.items()},
        )

    def named(self, text: str) -> frozenset[str]:
        """The codes of the rules ``text`` names exactly: by code or alias (any case), or name."""
        exact, upper = self._by_name
        key = text.strip()
        return exact.get(key, frozenset()) | upper.get(key.upper(), frozenset())

    @cached_property
    def buildkit_rules(self) -> frozenset[str]:
        """The rules that carry a BuildKit check name as an alias."""
        return frozenset(r.code for r in self.rules.values() if r.buildkit_names)

    def extended(self, folders: Iterable[Path], *, python: bool = True) -> Registry:
        """This catalogue plus the rules of ``folders`` (an error for each folder that is missing).
        Without ``python``, the folders come from a configuration that is not trusted: a rule that
        names a Python check is an :class:`UntrustedCode` error (nothing is imported), and rule
        files that are symbolic links out of their folder are not read."""
        if isinstance(self.checks, LazyChecks):
            resolved, pending = self.checks.parts()
        else:
            resolved, pending = dict(self.checks), {}
        builder = _Builder(dict(self.rules), resolved, pending, dict(self.origins), list(self.errors))
        for folder in folders:
            builder.add_folder(folder, str(folder), python=python)
        return builder.build()


class LazyChecks(Mapping[str, CheckFunction]):
    """Check functions by rule code. The built-in rules' checks are imported (or their ``[match]``
    compiled) on first use, so that a run never imports the modules of rules it does not run; every
    built-in rule resolves, which ``tests/test_rule_examples.py`` proves. Rules from plugins and
    ``extend-rules`` folders are resolved while loading, so that their errors are reported up front."""

    def __init__(self, resolved: dict[str, CheckFunction], pending: dict[str, Rule]) -> None:
        self._resolved = resolved
        self._pending = pending

    def __getitem__(self, code: str) -> CheckFunction:
        check = self._resolved.get(code)
        if check is None:
            check = resolve_check(self._pending[code])
            self._resolved[code] = check
        return check

    def __iter__(self) -> Iterator[str]:
        return iter({**self._pending, **self._resolved})

    def __len__(self) -> int:
        return len(self._pending.keys() | self._resolved.keys())

    def parts(self) -> tuple[dict[str, CheckFunction], dict[str, Rule]]:
        """The checks resolved so far, and the rules whose checks are not resolved yet."""
        pending = {code: rule for code, rule in self._pending.items() if code not in self._resolved}
        return dict(self._resolved), pending


class _Builder(Struct):
    """Collects rules while a registry is being built; never shared."""

    rules: dict[str, Rule] = field(default_factory=dict)
    checks: dict[str, CheckFunction] = field(default_factory=dict)
    pending: dict[str, Rule] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    errors: list[RuleFileError] = field(default_factory=list)

    def build(self) -> Registry:
        return Registry(
            self.rules, LazyChecks(dict(self.checks), dict(self.pending)), self.origins, self.errors
        )

    def add_folder(self, folder: Path, origin: str, *, python: bool = True) -> None:
        if not folder.is_dir():
            self.errors.append(RuleFileError(str(folder), "extend-rules", "is not a folder"))
            return
        compiled = compiled_rules(folder) if origin == "builtin" else {}
        real = os.path.realpath(folder)
        for path in rule_files(folder):
            if not python and os.path.commonpath([real, os.path.realpath(path)]) != real:
                self.errors.append(UntrustedCode(path, "file", "a symbolic link out of its rule folder"))
                continue
            try:
                rule = load_rule(path, compiled.get(index_key(folder, path)), rules_url())
                if not python and rule.check is not None:
                    raise UntrustedCode(path, "check", f"{rule.check!r} names Python code, {_UNTRUSTED}")
                check = None if origin == "builtin" else resolve_check(rule)
            except RuleFileError as exc:
                self.errors.append(exc)
                continue
            if rule.code in self.rules:
                first = self.rules[rule.code].source
                self.errors.append(RuleFileError(path, "code", f"{rule.code} is already defined by {first}"))
                continue
            self.rules[rule.code] = rule
            if check is None:
                self.pending[rule.code] = rule
            else:
                self.checks[rule.code] = check
            self.origins[rule.code] = origin

    def add_plugins(self) -> None:
        from dfanalyze.engine.plugins import entry_points

        for ep in entry_points(ENTRY_POINT_GROUP):
            where = f"entry point {ep.name} = {ep.value}"
            try:
                target = ep.load()
                folder = target() if callable(target) else target
                path = Path(str(folder))
            except Exception as exc:  # a plugin's import may fail in any way: report, go on
                self.errors.append(RuleFileError(where, "load", f"{type(exc).__name__}: {exc}"))
                continue
            self.add_folder(path, f"plugin {ep.name}")


def resolve_check(rule: Rule) -> CheckFunction:
    """The rule's check function: compiled from ``[match]`` or imported from ``check``."""
    if rule.match is not None:
        try:
            return compile_match(rule.match)
        except MatchError as exc:
            raise RuleFileError(rule.source, f"match.{exc.field}", str(exc).split(": ", 1)[1]) from None
    assert rule.check is not None
    module_name, _, function_name = rule.check.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # an import error of any kind in a user's check module
        raise RuleFileError(rule.source, "check", f"cannot import {module_name}: {exc}") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise RuleFileError(rule.source, "check", f"{module_name} has no function {function_name}")
    checked: CheckFunction = function
    return checked


def rule_files(folder: Path) -> list[str]:
    """The ``*.toml`` files under ``folder``, in the order of ``sorted(folder.rglob("*.toml"))``
    (paths as strings: a Path object and a stat through pathlib for each of ~120 files cost ~2 ms)."""
    found: list[str] = []
    pending = [str(folder)]
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):  # a link to a folder could loop
                        pending.append(entry.path)
                    elif entry.name.endswith(".toml") and entry.is_file():
                        found.append(entry.path)
        except OSError:
            continue
    return sorted(found, key=lambda path: path.split(os.sep))  # noqa: PTH206 - strings, see above


def build_registry(extra_folders: Iterable[Path] = (), plugins: bool = True) -> Registry:
    builder = _Builder()
    builder.add_folder(data_dir("rules"), "builtin")
    if plugins:
        builder.add_plugins()
    for folder in extra_folders:
        builder.add_folder(folder, str(folder))
    return builder.build()


@cache
def default_registry() -> Registry:
    """The built-in rules plus installed plugins (loaded once per process)."""
    return build_registry()

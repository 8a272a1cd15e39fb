"""Rule files: one TOML file per rule, validated into a frozen :class:`Rule`.

A rule is data: its identity (code, name, family, aliases), default severity, the message template,
its documentation (the same headings for every rule), its examples (which are its tests) and either
a declarative ``[match]`` table or the dotted name of a Python ``check`` function. A broken file is a
:class:`RuleFileError` that names the file and the field; it never crashes the run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from dfanalyze.findings import Severity

CODE_PATTERN = re.compile(r"^[A-Z]{1,6}[0-9]{3,4}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
CHECK_PATTERN = re.compile(r"^[\w.]+:\w+$")
# The families, in the order of the rules reference, each with the promise it makes about what its
# rules look at. Codes keep the numbers they were given, so a family's codes need not share a range.
FAMILIES = {
    "syntax": "What stops `docker build` or breaks BuildKit's syntax rules: parse errors, unknown "
    "instructions and flags, instructions in the wrong place, deprecated forms that BuildKit will refuse.",
    "base-image": "FROM: which image, tag, digest, registry and platform a stage starts from.",
    "stages": "Build stages: their names, and stages nothing uses.",
    "variables": "ARG and ENV: variables used before they are defined, and what expansion gives.",
    "copy": "COPY, ADD and WORKDIR: sources in the build context, destinations, ADD versus COPY.",
    "cmd": "CMD, ENTRYPOINT and HEALTHCHECK: how the container starts and is checked.",
    "shell": "RUN as a shell script: pipes, `cd`, downloads, users, ShellCheck.",
    "packages": "Package managers in RUN (apt, apk, dnf/yum, zypper, pip, npm, gem, go): "
    "prompts, caches, recommended packages, version pins.",
    "layers": "Layers, the build cache and image size.",
    "volume": "VOLUME and persistent data.",
    "security": "Secrets, root, sudo: what an attacker or a leaked image could use.",
    "labels": "LABEL keys and the values a label schema asks for.",
    "style": "Conventions with no effect on the image: casing, deprecated spellings, comments.",
    "suppression": "Suppression comments themselves: unused, unknown or unreadable.",
}
# Family names that no longer exist, as selectors: the families their rules moved to. `run` held
# every RUN rule until the shell and package-manager rules became families of their own.
FAMILY_ALIASES = {"run": ("shell", "packages")}
DOC_SECTIONS = ("what", "why", "default", "example", "instead", "fix_safety", "references")
DOC_TITLES = {
    "what": "What it does",
    "why": "Why it matters",
    "default": "Why it is on by default",  # "Why it is opt-in" for a rule with enabled = false
    "example": "Example",
    "instead": "Use instead",
    "fix_safety": "Fix safety",
    "references": "References",
}
_TOP_KEYS = {
    "code",
    "name",
    "family",
    "severity",
    "summary",
    "message",
    "group-message",
    "aliases",
    "enabled",
    "fix",
    "url",
    "docs",
    "match",
    "check",
    "options",
    "examples",
    "phase",
}
_DETAIL_KEYS = {"docs", "examples"}
PHASES = ("main", "late")
_EXAMPLE_KEYS = {"bad", "good", "fixed", "config", "note", "build_args", "context", "unsafe"}


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message names the file and the field."""

    def __init__(self, path: str, field_name: str, problem: str) -> None:
        super().__init__(f"{path}: {field_name}: {problem}")
        self.path = path
        self.field = field_name


class Example(Struct, frozen=True):
    bad: str | None = None
    good: str | None = None
    fixed: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    build_args: Mapping[str, str] = field(default_factory=dict)
    context: Mapping[str, str] = field(default_factory=dict)  # build-context files: path -> content
    unsafe: bool = False  # the fixed text needs --unsafe-fixes
    note: str = ""


class RuleDetails(Struct, frozen=True):
    """What only documentation and tests read: a rule's docs sections and examples."""

    docs: Mapping[str, Any]
    examples: tuple[Example, ...]


class DetailsLoader:
    """A rule's :class:`RuleDetails`: given, or read from its file on first use.

    The rule cache keeps what a lint run needs; a rule loaded from it reads its docs and examples
    (most of a rule file, validated when the file was cached) only when asked."""

    __slots__ = ("_details", "_path")

    def __init__(self, path: str) -> None:
        self._path = path
        self._details: RuleDetails | None = None

    def given(self, details: RuleDetails) -> None:
        self._details = details

    def __call__(self) -> RuleDetails:
        if self._details is None:
            from dfanalyze.engine.ruleindex import read_rule_data

            self._details = rule_details(read_rule_data(Path(self._path)), self._path)
        return self._details

    def __eq__(self, other: object) -> bool:
        """Two loaders of the same rule file give the same details (so a rule read from the cache
        equals the rule read from its file)."""
        return isinstance(other, DetailsLoader) and other._path == self._path

    def __hash__(self) -> int:
        return hash(self._path)


class Rule(Struct, frozen=True, kw_only=True):
    code: str
    name: str
    family: str
    severity: Severity
    summary: str
    message: str
    # The message of one finding for several items of one instruction (``{count}``, ``{items}``);
    # None: the rule reports every item on its own.
    group_message: str | None
    aliases: tuple[str, ...]
    enabled: bool  # on by default; opt-in rules set enabled = false
    fix: str | None  # None, "safe" or "unsafe"
    url: str
    match: Mapping[str, Any] | None
    check: str | None
    options: Mapping[str, Any]
    source: str  # the file it came from
    # "main", or "late": runs after every main rule, once suppression comments were applied (the
    # rules that report on suppression comments themselves)
    phase: str = "main"
    details: DetailsLoader

    @property
    def docs(self) -> Mapping[str, Any]:
        return self.details().docs

    @property
    def examples(self) -> tuple[Example, ...]:
        return self.details().examples

    @property
    def selectors(self) -> tuple[str, ...]:
        """Every name a user may select this rule by (upper-cased where codes are)."""
        return (self.code, self.name, *self.aliases)

    @property
    def buildkit_names(self) -> tuple[str, ...]:
        """The aliases that are BuildKit check names (``JSONArgsRecommended``), not codes."""
        return tuple(a for a in self.aliases if a.isalpha() and not a.isupper())


def _require(data: Mapping[str, Any], key: str, kind: type, path: str) -> Any:
    if key not in data:
        raise RuleFileError(path, key, "is required")
    value = data[key]
    if not isinstance(value, kind):
        raise RuleFileError(path, key, f"must be a {kind.__name__}, not {type(value).__name__}")
    return value


def _optional(data: Mapping[str, Any], key: str, kind: type, path: str, default: Any) -> Any:
    if key not in data:
        return default
    value = data[key]
    if not isinstance(value, kind):
        raise RuleFileError(path, key, f"must be a {kind.__name__}, not {type(value).__name__}")
    return value


def rule_from_mapping(data: Mapping[str, Any], path: str, docs_url: str) -> Rule:
    """The rule a rule file's data describes, every part validated."""
    details = DetailsLoader(path)
    rule = rule_from_lean(data, path, docs_url, details)
    details.given(rule_details(data, path))
    return rule


def lean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a rule file's data that linting needs (no docs, no examples)."""
    return {key: value for key, value in data.items() if key not in _DETAIL_KEYS}


def rule_from_lean(data: Mapping[str, Any], path: str, docs_url: str, details: DetailsLoader) -> Rule:
    """The rule from its data; ``docs`` and ``examples`` in ``data``, if any, are left to ``details``."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise RuleFileError(path, unknown[0], f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")
    code = _require(data, "code", str, path)
    if not CODE_PATTERN.match(code):
        raise RuleFileError(path, "code", f"{code!r} is not a rule code like DF101")
    name = _require(data, "name", str, path)
    if not NAME_PATTERN.match(name):
        raise RuleFileError(path, "name", f"{name!r} must be kebab-case")
    family = _require(data, "family", str, path)
    severity_text = _require(data, "severity", str, path)
    try:
        severity = Severity(severity_text)
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise RuleFileError(path, "severity", f"{severity_text!r} is not one of {allowed}") from None
    summary = _require(data, "summary", str, path)
    message = _require(data, "message", str, path)
    group_message = _optional(data, "group-message", str, path, None)
    aliases = _optional(data, "aliases", list, path, [])
    if not all(isinstance(a, str) for a in aliases):
        raise RuleFileError(path, "aliases", "must be a list of strings")
    fix = _optional(data, "fix", str, path, None)
    if fix not in (None, "safe", "unsafe"):
        raise RuleFileError(path, "fix", f"{fix!r} must be 'safe' or 'unsafe'")
    match = _optional(data, "match", dict, path, None)
    check = _optional(data, "check", str, path, None)
    if (match is None) == (check is None):
        raise RuleFileError(path, "match", "a rule needs exactly one of [match] or check")
    if check is not None and not CHECK_PATTERN.match(check):
        raise RuleFileError(path, "check", f"{check!r} must look like 'package.module:function'")
    options = _optional(data, "options", dict, path, {})
    url = _optional(data, "url", str, path, f"{docs_url}#{code.lower()}-{name}" if docs_url else "")
    phase = _optional(data, "phase", str, path, "main")
    if phase not in PHASES:
        raise RuleFileError(path, "phase", f"{phase!r} must be one of {', '.join(PHASES)}")
    return Rule(
        code=code,
        name=name,
        family=family,
        severity=severity,
        summary=summary,
        message=message,
        group_message=group_message,
        aliases=tuple(aliases),
        enabled=_optional(data, "enabled", bool, path, True),
        fix=fix,
        url=url,
        match=match,
        check=check,
        options=options,
        source=path,
        phase=phase,
        details=details,
    )


def rule_details(data: Mapping[str, Any], path: str) -> RuleDetails:
    """The docs sections and examples of a rule file's data, validated."""
    docs = _require(data, "docs", dict, path)
    for section in ("what", "why"):
        if not isinstance(docs.get(section), str) or not docs[section].strip():
            raise RuleFileError(path, f"docs.{section}", "is required")
    unknown_docs = sorted(set(docs) - set(DOC_SECTIONS))
    if unknown_docs:
        raise RuleFileError(
            path, f"docs.{unknown_docs[0]}", f"unknown section (allowed: {', '.join(DOC_SECTIONS)})"
        )
    raw_examples = _require(data, "examples", list, path)
    examples = []
    for i, raw in enumerate(raw_examples):
        where = f"examples[{i}]"
        if not isinstance(raw, dict):
            raise RuleFileError(path, where, "must be a table")
        extra = sorted(set(raw) - _EXAMPLE_KEYS)
        if extra:
            raise RuleFileError(path, f"{where}.{extra[0]}", "unknown key")
        if "bad" not in raw and "good" not in raw:
            raise RuleFileError(path, where, "needs 'bad' or 'good'")
        if "fixed" in raw and "bad" not in raw:
            raise RuleFileError(path, f"{where}.fixed", "only makes sense with 'bad'")
        examples.append(
            Example(
                bad=raw.get("bad"),
                good=raw.get("good"),
                fixed=raw.get("fixed"),
                config=raw.get("config", {}),
                build_args=raw.get("build_args", {}),
                context=raw.get("context", {}),
                unsafe=bool(raw.get("unsafe", False)),
                note=raw.get("note", ""),
            )
        )
    if not any(e.bad is not None for e in examples) or not any(e.good is not None for e in examples):
        raise RuleFileError(path, "examples", "needs at least one bad and one good example")
    return RuleDetails(docs, tuple(examples))


def load_rule_file(path: Path, docs_url: str) -> Rule:
    from dfanalyze.engine.ruleindex import read_rule_data

    return rule_from_mapping(read_rule_data(path), str(path), docs_url)

"""Suppression comments: read from the source lines, applied to findings, and judged.

Forms (codes, names and aliases are accepted wherever a code is written):

``# dfanalyze: ignore=CODE[,CODE] [-- reason]``
    On the comment lines above an instruction (blank lines and other comments may come between):
    that instruction. Inside a continued instruction (a comment between its lines): that
    instruction. A finding is *on* an instruction when its span starts within the instruction's.
``# dfanalyze: ignore-file=CODE,...``
    The whole file, wherever the comment is.
``# dfanalyze: disable=CODE,...`` ... ``# dfanalyze: enable=CODE,...``
    The lines in between (to the end of the file without an ``enable``).
``# hadolint ignore=DL3008,DL3009`` / ``# hadolint global ignore=...``
    As ``ignore`` / ``ignore-file``, codes mapped through aliases. Unless the hadolint configuration
    says ``disable-ignore-pragma: true``.
``# hadolint stage ignore=...`` (hadolint 2.15)
    Above a FROM: that whole stage. Above another instruction: it and the rest of its stage.

ShellCheck codes (``SC2086``) suppress the ShellCheck finding of that code, in every form.
``# check=skip=Name,...|all;error=true`` (the parser directive)
    BuildKit's checks by their names (case-sensitive, mapped through aliases; ``all`` is every rule
    with a BuildKit alias) for the whole file. ``error=true`` turns the findings of every rule with
    a BuildKit alias into errors, as ``docker build`` fails on them.
    ``experimental=Name,...|all`` turns BuildKit's experimental checks on for the file, as if they
    were on by default (an explicit selection still decides); ``skip`` never covers them, as in
    BuildKit.
``# check=skip=Name,...`` among the comments directly above an instruction
    That instruction only (Dockerfile frontend 1.21): it must be one of the instruction's previous
    comments as BuildKit keeps them, so an empty ``#`` line between them cuts it off.
The build argument ``BUILDKIT_DOCKERFILE_CHECK`` (``--build-arg``, ``build-args``) replaces the
``# check=`` directive of every file, as BuildKit's frontend does (:class:`CheckOptions`).

Comment lines in heredoc bodies are file contents or script text, never suppressions. Codes that
hadolint or BuildKit know but no dfanalyze rule implements are accepted silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cached_property

from msgspec import Struct, field
from msgspec.structs import replace

from dfanalyze.checks.suppression import Code, Comment, SuppressionReport, Unused
from dfanalyze.engine.registry import Registry
from dfanalyze.findings import Finding, Severity
from dfanalyze.model import Dockerfile, Instruction
from dfanalyze.span import Position, Span

# BuildKit's build checks (frontend/dockerfile/linter/ruleset.go): names users may skip even
# where no dfanalyze rule implements them.
BUILDKIT_CHECKS = frozenset(
    {
        "StageNameCasing",
        "FromAsCasing",
        "NoEmptyContinuation",
        "ConsistentInstructionCasing",
        "FileConsistentCommandCasing",
        "DuplicateStageName",
        "ReservedStageName",
        "JSONArgsRecommended",
        "MaintainerDeprecated",
        "UndefinedArgInFrom",
        "WorkdirRelativePath",
        "UndefinedVar",
        "MultipleInstructionsDisallowed",
        "LegacyKeyValueFormat",
        "InvalidBaseImagePlatform",
        "RedundantTargetPlatform",
        "SecretsUsedInArgOrEnv",
        "InvalidDefaultArgInFrom",
        "FromPlatformFlagConstDisallowed",
        "CopyIgnoredFile",
        "InvalidDefinitionDescription",
        "ExposeProtoCasing",
        "ExposeInvalidFormat",
    }
)
# BuildKit's experimental checks (``Experimental: true`` in ruleset.go): off unless a check
# configuration names them in ``experimental=``.
BUILDKIT_EXPERIMENTAL = frozenset({"InvalidDefinitionDescription"})
CHECK_ARG = "BUILDKIT_DOCKERFILE_CHECK"  # the build argument that replaces the `# check=` directive
FOREIGN_CODE = re.compile(r"^(?:DL|SC)[0-9]{4}$")  # hadolint's and ShellCheck's codes
_DFANALYZE = re.compile(r"#\s*dfanalyze\s*:\s*", re.IGNORECASE)
_DFANALYZE_BODY = re.compile(r"([A-Za-z-]+)\s*=\s*(.*?)\s*(?:--\s*(.*))?$")
_HADOLINT = re.compile(r"#\s*hadolint\s+(?:(global|stage)\s+)?ignore\s*=\s*", re.IGNORECASE)
_SHELLCHECK_CODE = re.compile(r"^SC[0-9]{4}$", re.IGNORECASE)
_HADOLINT_CODES = re.compile(r"[A-Za-z0-9]+(?:\s*,\s*[A-Za-z0-9]+)*")
_CHECK = re.compile(r"#\s*check\s*=\s*", re.IGNORECASE)
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_ACTIONS = ("ignore", "ignore-file", "disable", "enable")
# Go's strconv.ParseBool, which BuildKit reads `error=` with.
_GO_BOOLEANS = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False),
}
_END = Position(1 << 30, 0)


class SourceComments(Struct, frozen=True):
    """Every suppression comment of one file, and what could not be read."""

    comments: tuple[Comment, ...] = ()
    invalid: tuple[tuple[Span, str], ...] = ()
    buildkit_errors: bool = False  # ``# check=error=true``
    experimental: frozenset[str] = frozenset()  # ``# check=experimental=``: names, or ``all``

    def __bool__(self) -> bool:
        return bool(self.comments or self.invalid or self.buildkit_errors)


class CheckOptionError(ValueError):
    """A check configuration that BuildKit refuses (the build fails on it)."""


class CheckOptions(Struct, frozen=True):
    """A BuildKit check configuration given as the build argument ``BUILDKIT_DOCKERFILE_CHECK``:
    it replaces the files' ``# check=`` directives (frontend/dockerui reads it into the client's
    linter configuration, which dockerfile2llb then uses instead of the directive)."""

    skip: frozenset[str] = frozenset()  # check names, or ``all``
    error: bool = False
    experimental: frozenset[str] = frozenset()  # check names, or ``all``

    @classmethod
    def parse(cls, value: str) -> CheckOptions:
        """Read ``value`` as BuildKit's ``ParseLintOptions`` does; :class:`CheckOptionError` where
        that fails."""
        skip: frozenset[str] = frozenset()
        experimental: frozenset[str] = frozenset()
        error = False
        value = value.strip()
        for part in value.split(";", 2) if value else ():
            key, eq, option = part.partition("=")
            if not eq:
                raise CheckOptionError(f"invalid check option {part!r}")
            name = key.strip()
            if name == "skip":
                skip = _check_names(option)
            elif name == "experimental":
                experimental = _check_names(option)
            elif name == "error":
                flag = _GO_BOOLEANS.get(option.strip())
                if flag is None:
                    raise CheckOptionError(f"failed to parse check option {part!r}")
                error = flag
            else:
                raise CheckOptionError(f"invalid check option {name!r}")
        return cls(skip, error, experimental)


def _check_names(option: str) -> frozenset[str]:
    option = option.strip()
    return frozenset({"all"}) if option == "all" else frozenset(n.strip() for n in option.split(","))


def experimental_rules(registry: Registry, names: frozenset[str]) -> frozenset[str]:
    """The rules that carry the experimental checks ``names`` names (``all``: every one)."""
    wanted = BUILDKIT_EXPERIMENTAL if "all" in names else names & BUILDKIT_EXPERIMENTAL
    return frozenset(c for c, r in registry.rules.items() if wanted & set(r.buildkit_names))


def skipped_rules(registry: Registry, names: frozenset[str]) -> frozenset[str]:
    """The rules BuildKit check names (``all``: every rule with a BuildKit alias) skip; never an
    experimental check's (BuildKit's linter does not look at ``skip`` for those)."""
    if "all" in names:
        return registry.buildkit_rules - experimental_rules(registry, frozenset({"all"}))
    return frozenset(c for c, r in registry.rules.items() if names & set(r.buildkit_names))


# -- reading -----------------------------------------------------------------------------------


def _codes(line: str, start: int, text: str, number: int) -> tuple[Code, ...] | None:
    """Split ``text`` (found at 0-based ``start`` of ``line``) on commas; None if an item is empty."""
    codes = []
    offset = start
    for item in text.split(","):
        stripped = item.strip()
        if not stripped:
            return None
        column = offset + item.index(stripped) + 1
        codes.append(Code(stripped, Span.of(number, column, number, column + len(stripped))))
        offset += len(item) + 1
    return tuple(codes)


def _comment_lines(dockerfile: Dockerfile) -> Iterator[tuple[int, str, Instruction | None, bool]]:
    """``(line number, line, instruction, inside)`` for each comment line that may suppress.

    ``instruction`` is the one the line is inside of (``inside``), else the next one. Parser
    directives and heredoc bodies are skipped.
    """
    skipped = {d.span.start.line for d in dockerfile.directives}
    for ins in dockerfile.instructions:
        for heredoc in ins.heredocs:
            skipped.update(range(heredoc.body_span.start.line, heredoc.body_span.end.line + 1))
    instructions = dockerfile.instructions
    index = 0
    for number, line in enumerate(dockerfile.lines, start=1):
        if number in skipped or not line.lstrip().startswith("#"):
            continue
        while index < len(instructions) and instructions[index].span.end.line < number:
            index += 1
        if index == len(instructions):
            yield number, line, None, False
        else:
            ins = instructions[index]
            yield number, line, ins, ins.span.start.line < number


class _Reader(Struct):
    """Collects the comments of one file while its lines are read; never shared."""

    comments: list[Comment] = field(default_factory=list)
    invalid: list[tuple[Span, str]] = field(default_factory=list)
    experimental: set[str] = field(default_factory=set)

    def problem(self, number: int, line: str, message: str) -> None:
        start = len(line) - len(line.lstrip()) + 1
        self.invalid.append((Span.of(number, start, number, len(line.rstrip()) + 1), message))

    def dfanalyze(self, number: int, line: str, rest: int, target: Span | None) -> None:
        body = line[rest:]
        match = _DFANALYZE_BODY.match(body)
        usage = "write `# dfanalyze: ignore=CODE[,CODE] [-- reason]`"
        if match is None:
            self.problem(number, line, f"unreadable suppression comment: {usage}")
            return
        action = match.group(1).lower()
        if action not in _ACTIONS:
            self.problem(number, line, f"unknown action `{match.group(1)}`: use {', '.join(_ACTIONS)}")
            return
        codes = _codes(line, rest + match.start(2), match.group(2), number) if match.group(2) else None
        if not codes:
            self.problem(number, line, f"`{action}=` needs at least one code: {usage}")
            return
        bad = [c.text for c in codes if not _CODE.match(c.text)]
        if bad:
            self.problem(number, line, f"`{bad[0]}` is not a rule code, name or alias")
            return
        self.comments.append(
            Comment(
                "dfanalyze",
                action,
                codes,
                number,
                target if action == "ignore" else None,
                (match.group(3) or "").strip(),
            )
        )

    def hadolint_pragma(
        self, number: int, line: str, match: re.Match[str], target: Span | None, stage: Span | None
    ) -> None:
        """``# hadolint ignore=``, ``global ignore=`` (the file) or ``stage ignore=`` (``stage``: the
        instruction below and the rest of its stage, the whole stage when it is a FROM)."""
        found = _HADOLINT_CODES.match(line, match.end())
        codes = _codes(line, found.start(), found.group(0), number) if found else None
        if not codes:
            self.problem(number, line, "`# hadolint ignore=` needs at least one code")
            return
        scope = (match.group(1) or "").lower()
        if scope == "global":
            self.comments.append(Comment("hadolint", "ignore-file", codes, number))
        else:
            self.comments.append(
                Comment("hadolint", "ignore", codes, number, stage if scope == "stage" else target)
            )

    def check(self, number: int, line: str, start: int, value: str, target: Span | None) -> bool:
        """Read BuildKit's ``check=`` value (at 0-based ``start``); True if it says ``error=true``."""
        errors = False
        offset = start
        for part in value.split(";"):
            key, eq, option = part.partition("=")
            name = key.strip()
            if not eq or name not in ("skip", "error", "experimental"):
                self.problem(number, line, f"invalid check option {name or part.strip()!r}")
            elif name == "error":
                flag = _GO_BOOLEANS.get(option.strip())
                if flag is None:
                    self.problem(number, line, f"failed to parse check option {part.strip()!r}")
                errors = bool(flag)
            elif name == "experimental" and target is None:
                self.experimental |= _check_names(option)
            elif name == "skip" and option.strip():
                begin = offset + len(key) + 1
                codes = _codes(line, begin, option, number)
                if codes is None:
                    self.problem(number, line, f"empty check name in {part.strip()!r}")
                else:
                    action = "ignore" if target is not None else "ignore-file"
                    self.comments.append(Comment("check", action, codes, number, target))
            offset += len(part) + 1
        return errors


def _rest_of_stage(dockerfile: Dockerfile, ins: Instruction) -> Span:
    """From ``ins`` to the last instruction before the next FROM: with a FROM, its whole stage."""
    instructions = dockerfile.instructions
    index = next(i for i, other in enumerate(instructions) if other is ins)
    last = ins
    for other in instructions[index + 1 :]:
        if other.kind == "FROM":
            break
        last = other
    return Span(ins.span.start, last.span.end)


def read_comments(
    dockerfile: Dockerfile, *, hadolint_pragmas: bool = True, directive: bool = True
) -> SourceComments:
    """Every suppression comment of the file (fast when the file mentions none). Without
    ``directive``, the ``# check=`` parser directive is not read (``BUILDKIT_DOCKERFILE_CHECK``
    replaces it)."""
    source = dockerfile.source.lower()
    if "dfanalyze" not in source and "hadolint" not in source and "check" not in source:
        return SourceComments()
    reader = _Reader()
    buildkit_errors = False
    check = dockerfile.directive("check") if directive else None
    if check is not None:
        directive_line = check.span.start.line
        line = dockerfile.lines[directive_line - 1]
        buildkit_errors = reader.check(directive_line, line, check.span.start.column - 1, check.value, None)
    resets: list[int] = []  # empty `#` comments: they end BuildKit's list of previous comments
    pending: list[tuple[int, str, int, Instruction]] = []
    for number, line, ins, inside in _comment_lines(dockerfile):
        start = len(line) - len(line.lstrip())
        target = ins.span if ins is not None else None
        if not line[start + 1 :].strip():
            resets.append(number)
        elif found := _DFANALYZE.match(line, start):
            reader.dfanalyze(number, line, found.end(), target)
        elif hadolint_pragmas and (found := _HADOLINT.match(line, start)):
            stage = _rest_of_stage(dockerfile, ins) if ins is not None else None
            reader.hadolint_pragma(number, line, found, target, stage)
        elif (found := _CHECK.match(line, start)) and ins is not None and not inside:
            pending.append((number, line, found.end(), ins))
    for number, line, value_start, ins in pending:
        if not any(number < reset < ins.span.start.line for reset in resets):
            # BuildKit keeps the value up to its first space: the rest is a free comment
            raw = line[value_start:].rstrip()
            end = raw.find(" ", len(raw) - len(raw.lstrip()))
            reader.check(number, line, value_start, raw if end < 0 else raw[:end], ins.span)
    return SourceComments(
        tuple(reader.comments), tuple(reader.invalid), buildkit_errors, frozenset(reader.experimental)
    )


# -- resolving and applying ----------------------------------------------------------------------


class _Entry(Struct, frozen=True):
    """One code of one comment: the rules it names and where it applies."""

    comment: Comment
    code: Code
    rules: frozenset[str]
    start: Position
    end: Position
    judged: bool  # False: never reported as unused (foreign codes, `all`, late-phase rules)

    def covers(self, finding: Finding) -> bool:
        return finding.code in self.rules and self.start <= finding.span.start <= self.end


class Suppressions(Struct, frozen=True, eq=False, dict=True):
    """The suppression comments of one file, resolved against a registry."""

    source: SourceComments
    entries: tuple[_Entry, ...]
    unknown: tuple[tuple[Code, str], ...]
    buildkit_rules: frozenset[str]

    @cached_property
    def named(self) -> frozenset[str]:
        """Every rule some comment names (to run them, so that their comments can be judged)."""
        return frozenset(code for e in self.entries if e.judged for code in e.rules)

    @cached_property
    def _by_rule(self) -> dict[str, list[int]]:
        by_rule: dict[str, list[int]] = {}
        for index, entry in enumerate(self.entries):
            for code in entry.rules:
                by_rule.setdefault(code, []).append(index)
        return by_rule

    def apply(self, findings: Iterable[Finding]) -> tuple[list[Finding], set[int]]:
        """The findings no comment suppresses, and the indexes of the entries that suppressed some."""
        kept: list[Finding] = []
        used: set[int] = set()
        by_rule = self._by_rule
        for finding in findings:
            hits = [i for i in by_rule.get(finding.code, ()) if self.entries[i].covers(finding)]
            used.update(hits)
            if not hits:
                kept.append(self._severity(finding))
        return kept, used

    def _severity(self, finding: Finding) -> Finding:
        raised = self.source.buildkit_errors and finding.code in self.buildkit_rules
        if raised and finding.severity is not Severity.ERROR:
            return replace(finding, severity=Severity.ERROR)
        return finding

    def report(self, used: set[int]) -> SuppressionReport:
        unused: dict[Comment, list[Code]] = {}
        for index, entry in enumerate(self.entries):
            if entry.judged and index not in used:
                unused.setdefault(entry.comment, []).append(entry.code)
        return SuppressionReport(
            unused=tuple(Unused(c, tuple(codes)) for c, codes in unused.items()),
            unknown=self.unknown,
            invalid=self.source.invalid,
        )


def _named_rules(registry: Registry, comment: Comment, code: Code) -> tuple[frozenset[str], str | None]:
    """The rule codes a code names; a hint instead when it names nothing known anywhere."""
    if comment.source == "check":
        if code.text == "all":
            return skipped_rules(registry, frozenset({"all"})), None
        named = frozenset(
            c for c in registry.named(code.text) if code.text in registry.rules[c].buildkit_names
        )
        if named or code.text in BUILDKIT_CHECKS:
            return named, None
        close = [n for n in BUILDKIT_CHECKS if n.lower() == code.text.lower()]
        return named, f" (check names are case-sensitive: {close[0]})" if close else ""
    if _SHELLCHECK_CODE.match(code.text):  # a ShellCheck finding carries its own code (DF599 reports it)
        return frozenset({code.text.upper()}), None
    named = registry.named(code.text)
    if named or (comment.source == "hadolint" and FOREIGN_CODE.match(code.text.upper())):
        return named, None
    return named, ""


def _scope(comment: Comment) -> tuple[Position, Position]:
    """Where a comment applies (a ``disable`` to the end of the file until its ``enable`` is seen)."""
    if comment.action == "ignore":
        if comment.target is None:
            return _END, _END
        return comment.target.start, comment.target.end
    if comment.action == "disable":
        return Position(comment.line, 1), _END
    return Position(1, 1), _END


def resolve_comments(source: SourceComments, registry: Registry) -> Suppressions:
    """Resolve each code of each comment against ``registry``; pair ``disable`` with ``enable``."""
    entries: list[_Entry] = []
    unknown: list[tuple[Code, str]] = []
    late = {code for code, rule in registry.rules.items() if rule.phase == "late"}
    open_ranges: dict[frozenset[str], int] = {}  # rules of a disable -> index of its entry
    for comment in sorted(source.comments, key=lambda c: c.line):
        for code in comment.codes:
            rules, hint = _named_rules(registry, comment, code)
            if hint is not None:
                unknown.append((code, hint))
                continue
            if comment.action == "enable":
                opened = open_ranges.pop(rules, None) if rules else None
                if opened is not None:
                    entries[opened] = replace(entries[opened], end=Position(comment.line, 0))
                entries.append(
                    _Entry(comment, code, frozenset(), _END, _END, judged=opened is None and bool(rules))
                )
                continue
            start, end = _scope(comment)
            # Not judged: `all`, late rules, and ShellCheck codes (ShellCheck may not run at all).
            judged = bool(rules & registry.rules.keys()) and code.text != "all" and not (rules & late)
            if comment.action == "disable" and rules:
                open_ranges[rules] = len(entries)
            entries.append(_Entry(comment, code, rules, start, end, judged))
    return Suppressions(source, tuple(entries), tuple(unknown), registry.buildkit_rules)

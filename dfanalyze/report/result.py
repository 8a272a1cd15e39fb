"""What every reporter receives: the findings of one run and what is needed to show them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from msgspec import Struct, field

from dfanalyze.findings import Finding, Severity


def printable(text: str) -> str:
    """``text`` with every byte of a file name that is not UTF-8 written as ``\\xNN``.

    File names come from the command line and from folder listings, where Python keeps each byte
    that is not UTF-8 as a lone surrogate (``\\udcff``); no output format can carry one (JSON and
    XML would be invalid, a UTF-8 stream refuses it). Every format shows such names the same way,
    as Python's ``backslashreplace`` and git's quoting do."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate that stands for no byte (a UTF-16 name on Windows)
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class FileError(Struct, frozen=True):
    """A file that could not be checked at all (missing, unreadable, a directory)."""

    path: str
    message: str  # names the file: "Dockerfile.dev: no such file"


class RuleFailure(Struct, frozen=True):
    """A rule that raised an exception on a file: a bug in dfanalyze or in a plugin, reported as
    an internal error of that rule, at the instruction it was checking when that is known."""

    code: str
    path: str
    error: str  # "RecursionError: maximum recursion depth exceeded"
    line: int = 0  # 0: not known
    column: int = 0
    instruction: str = ""  # the instruction's first line, shortened

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.column}" if self.line else self.path

    def message(self, codes: Sequence[str] = ()) -> str:
        """``internal error: rule DF500 failed on Dockerfile:3:1 (`RUN ...`): Error: ...``; with
        ``codes``, the rules named are those that failed the same way."""
        codes = codes or [self.code]
        rules = f"rule {codes[0]}" if len(codes) == 1 else f"rules {', '.join(codes)}"
        at = f" (`{self.instruction}`)" if self.instruction else ""
        return f"internal error: {rules} failed on {self.where}{at}: {self.error}"


def failure_messages(failures: Sequence[RuleFailure]) -> list[tuple[RuleFailure, str]]:
    """One message per failure cause: the rules that failed the same way at the same place are
    named together (a broken analysis fails every rule that uses it). Each comes with its first
    failure, for where it happened."""
    groups: dict[tuple[str, str, str], list[RuleFailure]] = {}
    for failure in failures:
        groups.setdefault((failure.where, failure.instruction, failure.error), []).append(failure)
    return [(group[0], group[0].message([f.code for f in group])) for group in groups.values()]


class Report(Struct, frozen=True):
    """The outcome of one run.

    ``findings`` are sorted by path and position. ``sources`` holds the physical lines of each file
    that has findings (code frames, fingerprints). ``paths`` lists every file that was checked, clean
    ones included (JUnit and checkstyle list them). ``fixed`` are the findings ``--fix`` resolved.
    ``unsafe_fixes`` says whether unsafe fixes count as applicable (``--unsafe-fixes``).
    ``failures`` are the rules that raised an exception (internal errors), once per rule and file.
    """

    findings: tuple[Finding, ...]
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    errors: tuple[FileError, ...] = ()
    fixed: tuple[Finding, ...] = ()
    unsafe_fixes: bool = False
    failures: tuple[RuleFailure, ...] = ()

    def applicable(self, finding: Finding) -> bool:
        """Whether ``--fix`` (with this run's ``--unsafe-fixes``) would apply the finding's fix."""
        return finding.fix is not None and (finding.fix.safe or self.unsafe_fixes)

    @property
    def fixable(self) -> int:
        return sum(1 for f in self.findings if self.applicable(f))

    @property
    def hidden_unsafe(self) -> int:
        """Findings whose fix is unsafe and therefore not applied without ``--unsafe-fixes``."""
        return sum(1 for f in self.findings if f.fix is not None and not self.applicable(f))

    def by_severity(self) -> dict[Severity, int]:
        counts = dict.fromkeys(Severity, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts

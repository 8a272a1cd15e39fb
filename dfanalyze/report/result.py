"""What every reporter receives: the findings of one run and what is needed to show them."""

from __future__ import annotations

from collections.abc import Mapping

from msgspec import Struct, field

from dfanalyze.findings import Finding, Severity


class FileError(Struct, frozen=True):
    """A file that could not be checked at all (missing, unreadable, a directory)."""

    path: str
    message: str  # names the file: "Dockerfile.dev: no such file"


class Report(Struct, frozen=True):
    """The outcome of one run.

    ``findings`` are sorted by path and position. ``sources`` holds the physical lines of each file
    that has findings (code frames, fingerprints). ``paths`` lists every file that was checked, clean
    ones included (JUnit and checkstyle list them). ``fixed`` are the findings ``--fix`` resolved.
    ``unsafe_fixes`` says whether unsafe fixes count as applicable (``--unsafe-fixes``).
    """

    findings: tuple[Finding, ...]
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    errors: tuple[FileError, ...] = ()
    fixed: tuple[Finding, ...] = ()
    unsafe_fixes: bool = False

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

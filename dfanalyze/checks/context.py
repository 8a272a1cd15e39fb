"""What a check sees (:class:`Context`) and what it yields (:class:`Hit`).

A check is a pure function ``check(ctx: Context) -> Iterable[Hit]``. The context gives the parsed
Dockerfile and the analyses computed once per file and shared by every rule (variable scopes, the
shell commands of each RUN, base-image knowledge, the layer graph); each is computed on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dfanalyze.findings import Fix
from dfanalyze.model import Dockerfile, Instruction
from dfanalyze.span import Span

if TYPE_CHECKING:
    from collections.abc import Callable

    from dfanalyze.analysis.scope import Scopes


@dataclass(frozen=True, slots=True)
class Hit:
    """One problem found by a check: where, the values for the rule's message template, and
    optionally a fix. ``message`` replaces the template when a check needs its own wording."""

    span: Span
    args: Mapping[str, object] = field(default_factory=dict)
    fix: Fix | None = None
    message: str | None = None


@dataclass
class FileAnalysis:
    """Per-file analyses, computed lazily and shared by every rule run on the file."""

    dockerfile: Dockerfile
    build_args: Mapping[str, str] = field(default_factory=dict)
    context_dir: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)  # global config (trusted registries ...)
    _cache: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @property
    def scopes(self) -> Scopes:
        from dfanalyze.analysis.scope import compute_scopes

        result: Scopes = self.cached("scopes", lambda: compute_scopes(self.dockerfile, self.build_args))
        return result


@dataclass(frozen=True)
class Context:
    """What one rule's check receives: the file's shared analyses and the rule's options."""

    analysis: FileAnalysis
    options: Mapping[str, Any]

    @property
    def dockerfile(self) -> Dockerfile:
        return self.analysis.dockerfile

    @property
    def settings(self) -> Mapping[str, Any]:
        return self.analysis.settings

    def instructions(self, *kinds: str) -> Iterable[Instruction]:
        """Every instruction of the given kinds in the file (all kinds when none given), in order."""
        for ins in self.dockerfile.instructions:
            if not kinds or ins.kind in kinds:
                yield ins

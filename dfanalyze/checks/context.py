"""What a check sees (:class:`Context`) and what it yields (:class:`Hit`).

A check is a pure function ``check(ctx: Context) -> Iterable[Hit]``. The context gives the parsed
Dockerfile and the analyses computed once per file and shared by every rule (variable scopes, the
shell commands of each RUN, base-image knowledge, the layer graph); each is computed on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from dfanalyze.findings import Fix, Severity
from dfanalyze.model import Dockerfile, Instruction
from dfanalyze.span import Span

if TYPE_CHECKING:
    from collections.abc import Callable

    from dfanalyze.analysis.scope import Scopes
    from dfanalyze.analysis.shell import ShellScript
    from dfanalyze.knowledge.base_images import ImageInfo
    from dfanalyze.model import Heredoc, Run

DEFAULT_SHELL = ("/bin/sh", "-c")
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"})


class Hit(Struct, frozen=True, gc=False):
    """One problem found by a check: where, the values for the rule's message template, and
    optionally a fix. ``message`` replaces the template when a check needs its own wording.

    ``group`` says which mistake the hit is one item of (the install command of an unpinned
    package, say): a rule with a ``group-message`` reports the hits of one group once, naming each
    ``item`` (see :func:`dfanalyze.engine.run.finding_from_hits`)."""

    span: Span
    args: Mapping[str, object] = field(default_factory=dict)
    fix: Fix | None = None
    message: str | None = None
    group: object = None  # hashable; None: a mistake of its own
    item: str = ""  # the item's name in the group's message
    # Only for checks that wrap another tool (ShellCheck): its own code, severity and docs URL.
    code: str | None = None
    severity: Severity | None = None
    url: str | None = None


class FileAnalysis(Struct):
    """Per-file analyses, computed lazily and shared by every rule run on the file."""

    dockerfile: Dockerfile
    build_args: Mapping[str, str] = field(default_factory=dict)
    context_dir: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)  # global config (trusted registries ...)
    _cache: dict[str, Any] = field(default_factory=dict)
    _by_kinds: dict[tuple[str, ...], tuple[Instruction, ...]] = field(default_factory=dict)
    _scripts: dict[int, tuple[ShellScript, ...]] = field(default_factory=dict)  # by instruction id

    def instructions_of(self, kinds: tuple[str, ...]) -> tuple[Instruction, ...]:
        """The instructions of these kinds, in order; each selection made once per file."""
        try:
            return self._by_kinds[kinds]
        except KeyError:
            found = self._by_kinds[kinds] = tuple(i for i in self.dockerfile.instructions if i.kind in kinds)
            return found

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = compute()
            return value

    @property
    def scopes(self) -> Scopes:
        try:
            result: Scopes = self._cache["scopes"]
        except KeyError:
            from dfanalyze.analysis.scope import compute_scopes

            result = self._cache["scopes"] = compute_scopes(self.dockerfile, self.build_args)
        return result

    def image_info(self, registry: str | None, repository: str, tag: str | None) -> ImageInfo | None:
        """What the base-image data knows about ``registry/repository:tag``
        (:func:`~dfanalyze.knowledge.base_images.lookup`), looked up once per file."""
        key = f"image-info:{registry}|{repository}|{tag}"
        try:
            info: ImageInfo | None = self._cache[key]
        except KeyError:
            from dfanalyze.knowledge.base_images import lookup

            info = self._cache[key] = lookup(registry, repository, tag)
        return info

    @property
    def shells(self) -> Mapping[int, tuple[str, ...]]:
        """The SHELL in effect for each instruction (by identity): the stage's last SHELL before it,
        inherited from an in-file parent stage, else ``/bin/sh -c``. Computed once per file."""
        shells: Mapping[int, tuple[str, ...]] = self.cached("shells", self._compute_shells)
        return shells

    def _compute_shells(self) -> dict[int, tuple[str, ...]]:
        from dfanalyze import model

        result: dict[int, tuple[str, ...]] = {}
        final_shell: dict[int, tuple[str, ...]] = {}
        for stage in self.dockerfile.stages:
            image = stage.from_.image
            parent = self.dockerfile.stage_named(image.text) if image else None
            current = (
                final_shell.get(parent.index, DEFAULT_SHELL)
                if parent and parent.index < stage.index
                else DEFAULT_SHELL
            )
            for ins in stage.instructions:
                result[id(ins)] = current
                if isinstance(ins, model.Shell) and ins.exec:
                    current = tuple(w.text for w in ins.exec)
            final_shell[stage.index] = current
        return result

    def shell_scripts(self, instruction: Instruction) -> tuple[ShellScript, ...]:
        """The shell a RUN (or ONBUILD RUN) executes, parsed once and shared by every rule: its
        shell-form command with the stage's SHELL, then each heredoc body that is run as a shell
        script (``RUN <<EOF`` or ``RUN bash <<EOF``). Exec-form RUNs give no script."""
        try:
            return self._scripts[id(instruction)]
        except KeyError:
            scripts = self._scripts[id(instruction)] = self._parse_shell(instruction)
            return scripts

    def _parse_shell(self, instruction: Instruction) -> tuple[ShellScript, ...]:
        from dfanalyze import model
        from dfanalyze.analysis.shell import parse_shell

        target = instruction.child if isinstance(instruction, model.Onbuild) else instruction
        if not isinstance(target, model.Run) or target.shell is None or target.shell_offsets is None:
            return ()
        shell = self.shells.get(id(instruction), DEFAULT_SHELL)
        first = parse_shell(target.shell.text, target.shell_offsets, shell)
        scripts = [first]
        scripts.extend(parse_shell(h.content, h.body_offsets, shell) for h in script_heredocs(target, first))
        return tuple(scripts)


class Context(Struct, frozen=True):
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
        return self.analysis.instructions_of(kinds) if kinds else self.dockerfile.instructions


def script_heredocs(run: Run, script: ShellScript) -> list[Heredoc]:
    """The heredocs of a RUN whose bodies run as shell scripts: ``RUN <<EOF`` (no command: the
    body is the script) or a shell fed the heredoc on stdin (``RUN bash <<EOF``). ``script`` is the
    parsed shell-form text of the RUN."""
    assert run.shell is not None
    words = run.shell.text.split()
    runs_as_script = bool(words) and words[0].lstrip("0123456789").startswith("<<")
    fed_to_shell = any(
        c.name.rsplit("/", 1)[-1] in _SHELLS and not any(a.text == "-c" for a in c.args)
        for c in script.commands
    )
    return list(run.heredocs) if runs_as_script or fed_to_shell else []

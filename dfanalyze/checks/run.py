"""What every RUN rule asks about a RUN, computed once per file and shared.

A :class:`RunSite` is one shell-form RUN (or ``ONBUILD RUN``): its parsed scripts (the shell form
with the stage's SHELL, then the heredoc bodies it runs), and its commands in the order they run
as :class:`Step` values. A step's command has the ARG/ENV values in scope resolved where they are
known (``apt-get install curl=$CURL_VERSION`` with ``ARG CURL_VERSION=8.5.0-2`` reads
``curl=8.5.0-2``; ``$PACKAGES`` holding ``"curl git"`` becomes two words, both at the span of
``$PACKAGES``) and the package-manager operation it performs. Unknown stays unknown: a variable
without a known value, one the script assigns itself, a command substitution, keep their word
unresolved, and rules stay silent where such a word could change their answer.

The small helpers at the end are shared by the rule modules: where to report (``command_span``),
where a fix inserts (``insert_after``), which word names the action (``action_word``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase

from msgspec import Struct
from msgspec.structs import replace

from dfanalyze import model
from dfanalyze.analysis.expand import (
    UNKNOWN,
    ExpansionError,
    Unknown,
    expand_static,
    expand_words_static,
    references,
)
from dfanalyze.analysis.packages import Download, Manager, Operation, PackageOp, analyze, cache_mounted
from dfanalyze.analysis.shell import Command, Dialect, ShellScript, Word, shell_dialect
from dfanalyze.checks.context import DEFAULT_SHELL, Context, FileAnalysis
from dfanalyze.findings import Edit, Fix
from dfanalyze.span import Span

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DECLARES = frozenset({"export", "declare", "local", "readonly", "typeset", "read"})


class Step(Struct, frozen=True):
    """One command of a RUN: as parsed, with known ARG/ENV values resolved, and what it does."""

    command: Command
    """The command with resolved words (same spans; ``value`` filled in where it was unknown)."""
    original: Command
    operation: Operation | None


class RunSite(Struct, frozen=True):
    """One RUN as the RUN rules see it: its commands in run order, with ARG/ENV resolved."""

    instruction: model.Instruction
    """As it appears in the file: the RUN, or the ONBUILD that holds it."""
    run: model.Run
    stage: model.Stage
    shell: tuple[str, ...]
    scripts: tuple[ShellScript, ...]
    steps: tuple[Step, ...]
    mounts: tuple[tuple[str, str], ...]
    """``(type, target)`` of each ``--mount`` with a target."""
    ships: bool
    """Its layer ends up in an image: not a stage used only through ``COPY --from`` or
    ``--mount=from`` (a builder), or an ``ONBUILD`` trigger (it runs in every child image)."""
    packages: tuple[tuple[int, PackageOp], ...]
    """The package-manager operations with their index in :attr:`steps`."""

    @property
    def onbuild(self) -> bool:
        return self.instruction is not self.run

    @property
    def dialect(self) -> Dialect:
        return shell_dialect(self.shell)

    def package_ops(self, *managers: Manager) -> Iterator[tuple[int, PackageOp]]:
        """The package-manager operations (of ``managers``, all when none given) with their index
        in :attr:`steps`."""
        for index, op in self.packages:
            if not managers or op.manager in managers:
                yield index, op

    def cache_mounted(self, *managers: Manager) -> bool:
        """A ``cache`` or ``tmpfs`` mount holds the cache of one of ``managers``."""
        return bool(self.mounts) and any(cache_mounted(self.mounts, m) for m in managers)


def run_sites(ctx: Context) -> tuple[RunSite, ...]:
    """Every shell-form RUN and ONBUILD RUN of the file, in order (exec-form RUNs have no shell)."""
    sites: tuple[RunSite, ...] = ctx.analysis.cached("run:sites", lambda: _build_sites(ctx.analysis))
    return sites


def package_sites(ctx: Context) -> tuple[RunSite, ...]:
    """The :func:`run_sites` that run a package manager (most RUNs of a large file run none)."""
    sites: tuple[RunSite, ...] = ctx.analysis.cached(
        "run:package-sites", lambda: tuple(s for s in run_sites(ctx) if s.packages)
    )
    return sites


def _build_sites(analysis: FileAnalysis) -> tuple[RunSite, ...]:
    dockerfile = analysis.dockerfile
    builders = _builder_stages(dockerfile)
    sites: list[RunSite] = []
    for stage in dockerfile.stages:
        for instruction in stage.instructions:
            run = instruction.child if isinstance(instruction, model.Onbuild) else instruction
            if not isinstance(run, model.Run):
                continue
            scripts = analysis.shell_scripts(instruction)
            if not scripts:
                continue
            onbuild = run is not instruction
            # An ONBUILD trigger runs with the ARGs and ENV of a child build: unknown here.
            variables = {} if onbuild else analysis.scopes.at(instruction).variables
            steps = _steps(scripts, variables, resolve=not onbuild)
            sites.append(
                RunSite(
                    instruction=instruction,
                    run=run,
                    stage=stage,
                    shell=analysis.shells.get(id(instruction), DEFAULT_SHELL),
                    scripts=scripts,
                    steps=steps,
                    mounts=tuple((m.type, m.target) for m in run.mounts if m.target is not None),
                    ships=onbuild or stage.index not in builders,
                    packages=tuple(
                        (index, step.operation)
                        for index, step in enumerate(steps)
                        if isinstance(step.operation, PackageOp)
                    ),
                )
            )
    return tuple(sites)


def _builder_stages(dockerfile: model.Dockerfile) -> frozenset[int]:
    """Stages that only feed other stages through ``COPY --from``/``--mount=from``: their layers
    are not in any image (the last stage always is one, whatever uses it)."""
    used = {link.source for link in dockerfile.stage_links if link.kind in {"copy", "mount"}}
    based_on = {link.source for link in dockerfile.stage_links if link.kind == "from"}
    last = len(dockerfile.stages) - 1
    return frozenset(index for index in used - based_on if index != last)


# --- steps -----------------------------------------------------------------------------------------


def _steps(
    scripts: tuple[ShellScript, ...], variables: Mapping[str, str | Unknown], resolve: bool
) -> tuple[Step, ...]:
    ordered = _in_run_order(scripts)
    assigned = _assigned_names(command for command, _ in ordered)
    steps = []
    for command, script in ordered:
        resolved = _resolve(command, variables, assigned) if resolve else command
        operation = analyze(resolved, script)
        if isinstance(operation, Download) and resolved is not command:
            # piping is found by identity in the script, which holds the command as parsed
            operation = replace(operation, piped_to=script.piped_into(command))
        steps.append(Step(resolved, command, operation))
    return tuple(steps)


def _in_run_order(scripts: tuple[ShellScript, ...]) -> list[tuple[Command, ShellScript]]:
    """Every command (``sh -c`` bodies included) with its top-level script, in the order they run:
    heredoc bodies run where the command that reads them (``bash <<EOF``) runs, or first for
    ``RUN <<EOF``."""
    main, *bodies = scripts
    body_commands = [(command, body) for body in bodies for command in body.all_commands()]
    ordered: list[tuple[Command, ShellScript]] = []
    placed = not body_commands
    for command in main.all_commands():
        ordered.append((command, main))
        if not placed and any(r.operator in {"<<", "<<-"} for r in command.redirections):
            ordered.extend(body_commands)
            placed = True
    return ordered if placed else body_commands + ordered


def _assigned_names(commands: Iterator[Command]) -> frozenset[str]:
    """Variables the script sets itself (``V=1``, ``export V=1``, ``read V``): their values at run
    time are not the ARG/ENV values."""
    names: set[str] = set()
    for command in commands:
        names.update(a.name for a in command.assignments)
        if command.name in _DECLARES:
            for word in command.args:
                text = word.value or word.text
                if not text.startswith("-"):
                    names.add(text.split("=", 1)[0])
    return frozenset(names)


def _resolve(command: Command, variables: Mapping[str, str | Unknown], assigned: frozenset[str]) -> Command:
    if all(word.value is not None for word in command.args):
        return command
    args: list[Word] = []
    changed = False
    for word in command.args:
        values = None if word.value is not None else _expand(word.text, variables, assigned)
        if values is None:
            args.append(word)
        else:
            args.extend(replace(word, value=value) for value in values)
            changed = True
    return replace(command, args=tuple(args)) if changed else command


def _expand(text: str, variables: Mapping[str, str | Unknown], assigned: frozenset[str]) -> list[str] | None:
    """The words a shell word expands to with the RUN's ARG/ENV values, or None when any part is
    unknown. A variable not declared in the file may come from the base image: unknown."""
    if "$(" in text or "`" in text or "$'" in text:
        return None
    try:
        refs = references(text)
        env: dict[str, str | Unknown] = {}
        for ref in refs:
            if ref.name in assigned or not re.fullmatch(_NAME, ref.name):
                return None
            env[ref.name] = variables.get(ref.name, UNKNOWN)
        if "'" in text or '"' in text:  # quoted: one word, no splitting
            value = expand_static(text, env).value
            return None if value is None else [value]
        return expand_words_static(text, env)
    except ExpansionError:
        return None


# --- helpers for the rules -------------------------------------------------------------------------


def hides_options(command: Command) -> bool:
    """An argument starts with an unresolved expansion (``$APT_OPTS``): it may hold any option."""
    return any(word.value is None and word.text.lstrip("\"'").startswith(("$", "`")) for word in command.args)


def is_unknown(text: str) -> bool:
    """A package name (or other value) that still holds an expansion."""
    return "$" in text or "`" in text


_ACTION_SPELLINGS: dict[str, frozenset[str]] = {
    "install": frozenset(
        {"install", "in", "i", "add", "ci", "localinstall", "get", "install-n", "install-na", "install-nevra"}
        | {"ins", "inst", "insta", "instal"}
    ),
    "remove": frozenset(
        {"remove", "rm", "erase", "uninstall", "un", "del", "r", "remove-n", "remove-na", "remove-nevra"}
        | {"erase-n", "erase-na", "erase-nevra"}
    ),
    "upgrade": frozenset({"upgrade", "update", "up", "update-to", "upgrade-to"}),
    "reinstall": frozenset({"reinstall", "rei"}),
    "update": frozenset({"update", "up"}),
    "dist-upgrade": frozenset({"dist-upgrade", "full-upgrade", "dup"}),
    "refresh": frozenset({"refresh", "ref"}),
    "clean": frozenset({"clean", "cc", "cache", "store"}),
}


def action_word(op: PackageOp) -> Word | None:
    """The word naming the operation (``install`` in ``apt-get -q install``, ``add`` in
    ``apk add``), if it was written."""
    spellings = _ACTION_SPELLINGS.get(op.action, frozenset()) | {op.action}
    return next((word for word in op.command.args if word.value in spellings), None)


def command_span(command: Command, last: Word | None = None) -> Span:
    """From the command's name to ``last`` (its subcommand, say), or the name alone."""
    name = command.name_word
    if name is None:
        return command.span
    if last is None or last.start < name.start:
        return name.span
    return command.offsets.span(name.start, last.end)


def insert_after(word: Word, text: str, title: str, *, safe: bool = True) -> Fix:
    """A fix that writes ``text`` right after ``word`` (the rest of the line is kept as is)."""
    end = word.span.end
    return Fix(title, (Edit(Span(end, end), text),), safe=safe)


def ignored(name: str, patterns: object) -> bool:
    """``name`` matches one of the rule's ``ignore-packages`` globs (case-insensitively)."""
    if not isinstance(patterns, list):
        return False
    lowered = name.lower()
    return any(isinstance(p, str) and fnmatchcase(lowered, p.lower()) for p in patterns)

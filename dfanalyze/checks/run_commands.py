"""Checks of what RUN's shell commands do, whatever the package manager: ``cd``, ``sudo``,
commands that make no sense in a build, pipes without ``pipefail``, the default shell replaced by
``ln``, both curl and wget, wget's progress output, ``useradd`` with a high UID, and runs of small
RUN instructions. hadolint's DL3001, DL3003, DL3004, DL3046, DL3047, DL3059, DL4001, DL4005 and
DL4006 define when they fire; where hadolint is known to be wrong the rule's docs say how we
differ."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfanalyze import model
from dfanalyze.analysis.packages import Download, UserOp
from dfanalyze.analysis.shell import Command, ShellScript, Word
from dfanalyze.checks.context import Context, Hit
from dfanalyze.checks.run import RunSite, command_span, hides_options, insert_after, run_sites

_IRRELEVANT = {
    "service": "no init system runs during a build, so services started here are gone by the next "
    "instruction: start the process from CMD or ENTRYPOINT",
    "shutdown": "a build container has no system to shut down",
    "ssh": "a build has no SSH agent or keys unless you pass them: fetch private sources with "
    "`RUN --mount=type=ssh`, or copy them in",
    "vim": "an interactive editor cannot run in a build: edit files with `sed`, or COPY them",
    "ps": "it shows the processes of the build container, which tells nothing about the image",
    "top": "it shows the processes of the build container, which tells nothing about the image",
    "free": "it shows the memory of the build machine, not of where the image will run",
    "kill": "processes started in a RUN end with it; nothing from an earlier instruction is running",
    "mount": "a build has no privileges to mount file systems: use `RUN --mount` instead",
    "ifconfig": "it shows the build sandbox's network, not the one the container will have",
}


def container_irrelevant_command(ctx: Context) -> Iterator[Hit]:
    for site in run_sites(ctx):
        for step in site.steps:
            command = step.command
            reason = _IRRELEVANT.get(command.program)
            if reason is not None and command.name_word is not None:
                yield Hit(command.name_word.span, {"command": command.program, "reason": reason})


# --- cd -------------------------------------------------------------------------------------------

_RETURNS = frozenset({"/", "~", "..", "-"})


_TEMPORARY = ("/tmp/", "/var/tmp")


def cd_instead_of_workdir(ctx: Context) -> Iterator[Hit]:
    """``cd`` whose effect later instructions would want; not a ``cd`` scoped on purpose (in a
    subshell, loop or function), into a directory the RUN removes again or a temporary one, back
    out of one, or one the RUN leaves by a later ``cd`` (only the last ``cd`` of a RUN decides
    where it ends, which is what a WORKDIR would keep)."""
    for site in run_sites(ctx):
        removed = _removed_paths(site)
        cds = [
            step.command
            for step in site.steps
            if step.command.program == "cd"
            and step.command.name_word is not None
            and not (step.command.in_subshell or step.command.in_loop or step.command.in_function)
        ]
        for index, command in enumerate(cds):
            target = next((w for w in command.args if not (w.value or "").startswith("-")), None)
            if target is None or index < len(cds) - 1:
                continue  # a later cd leaves this directory again
            value = target.value
            if value is None and ("$(" in target.text or "`" in target.text):
                continue  # a directory made at run time (mktemp): WORKDIR cannot name it
            where = (value if value is not None else target.text.strip("\"'")).rstrip("/")
            if where in removed or (index > 0 and value in _RETURNS):
                continue
            if where == "/tmp" or where.startswith(_TEMPORARY):
                continue
            yield Hit(command_span(command, target), {"dir": target.text})


def _removed_paths(site: RunSite) -> frozenset[str]:
    """Directories the RUN deletes (``rm -r``, also by a variable: ``rm -rf "$tempDir"``; the php
    image's ``docker-php-source delete``): a ``cd`` into them is a temporary work dir."""
    paths: set[str] = set()
    for step in site.steps:
        command = step.command
        if command.program == "rm":
            paths.update((w.value or w.text.strip("\"'")).rstrip("/") for w in command.args)
        elif command.program == "docker-php-source" and [w.value for w in command.args] == ["delete"]:
            paths.add("/usr/src/php")
    return frozenset(paths)


# --- sudo -----------------------------------------------------------------------------------------


def sudo(ctx: Context) -> Iterator[Hit]:
    for site in run_sites(ctx):
        for step in site.steps:
            command = step.command
            for wrapper in command.wrappers:
                if wrapper.name == "sudo" and wrapper.words:
                    yield Hit(wrapper.words[0].span)
            if command.program == "sudo" and command.name_word is not None:
                yield Hit(command.name_word.span)


# --- consecutive RUN ------------------------------------------------------------------------------

_SMALL_RUN = 1  # commands; a RUN that chains commands is a deliberate unit (as in hadolint)


def consecutive_run(ctx: Context) -> Iterator[Hit]:
    """A RUN right after another RUN of the same stage (comments between them allowed), with the
    same flags, when both run a single command."""
    sizes = {id(site.instruction): _size(site) for site in run_sites(ctx)}
    for stage in ctx.dockerfile.stages:
        previous: model.Instruction | None = None
        for instruction in stage.instructions:
            size = sizes.get(id(instruction))
            if size is None:  # not a RUN, an exec-form RUN or a Windows shell: the chain breaks
                previous = None
                continue
            before = sizes.get(id(previous)) if previous is not None else None
            if (
                previous is not None
                and before is not None
                and size <= _SMALL_RUN
                and before <= _SMALL_RUN
                and _flags(previous) == _flags(instruction)
            ):
                yield Hit(instruction.keyword.span, {"line": previous.line})
            previous = instruction


def _size(site: RunSite) -> int | None:
    if site.onbuild or site.dialect not in {"sh", "bash"}:
        return None
    return sum(1 for step in site.steps if step.command.name)


def _flags(instruction: model.Instruction) -> tuple[str, ...]:
    return tuple(sorted(flag.text for flag in instruction.flags))


# --- pipefail -------------------------------------------------------------------------------------

# Pipeline sources that cannot fail in a way pipefail would report.
_CANNOT_FAIL = frozenset({"echo", "printf", "true", ":", "yes"})


def pipe_without_pipefail(ctx: Context) -> Iterator[Hit]:
    for site in run_sites(ctx):
        if site.dialect not in {"sh", "bash"}:
            continue
        advice = _pipefail_advice(site.shell)
        for script in site.scripts:
            for pipeline in _pipelines(script):
                last = max(c.pipeline.index for c in pipeline if c.pipeline is not None)
                sources = [c for c in pipeline if c.pipeline is not None and c.pipeline.index < last]
                if pipeline[0].pipefail or all(c.program in _CANNOT_FAIL for c in sources):
                    continue
                if pipeline[0].negated or _failure_ignored(script, pipeline):
                    continue
                start = min(c.start for c in pipeline)
                end = max(c.end for c in pipeline)
                item = " | ".join(c.program for c in pipeline)  # one fix for the RUN: one finding
                yield Hit(
                    pipeline[0].offsets.span(start, end),
                    {"advice": advice},
                    group=site.instruction.span,
                    item=item,
                )


def _failure_ignored(script: ShellScript, pipeline: list[Command]) -> bool:
    """``a | b || true``: the script ignores the pipeline's status, so pipefail changes nothing.
    (A negated pipeline, ``! a | grep x``, is skipped by its caller for the same reason: a failure
    of ``a`` and grep's "not found" both make it succeed, with or without pipefail.)"""
    last = max(c.end for c in pipeline)
    after = next((c for c in script.commands if c.start >= last), None)
    return after is not None and after.connector_before == "||" and after.program in {"true", ":"}


def _pipelines(script: ShellScript) -> Iterator[list[Command]]:
    """The commands of each pipeline of ``script`` and of the ``sh -c`` bodies it runs."""
    groups: dict[int, list[Command]] = {}
    for command in script.commands:
        slot = command.pipeline
        if slot is not None and slot.length > 1:
            groups.setdefault(slot.id, []).append(command)
    yield from groups.values()
    for command in script.commands:
        if command.script is not None:
            yield from _pipelines(command.script)


def _pipefail_advice(shell: tuple[str, ...]) -> str:
    program = shell[0].rsplit("/", 1)[-1] if shell else "sh"
    if program in {"bash", "zsh", "ksh", "mksh", "ash"}:
        return "start the script with `set -o pipefail`"
    # dash (Debian's sh) has no pipefail; BusyBox ash (Alpine's) has
    return 'use `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (on Alpine: `set -o pipefail`)'


# --- ln -s ... /bin/sh ----------------------------------------------------------------------------

_DEFAULT_SHELLS = frozenset({"/bin/sh", "/usr/bin/sh"})


def symlink_default_shell(ctx: Context) -> Iterator[Hit]:
    """``ln`` whose link name is ``/bin/sh``: the default shell replaced behind Docker's back.
    Not under a SHELL that names another shell: the build does not run /bin/sh there (a busybox or
    distroless image without /bin/sh, where the link adds one)."""
    for site in run_sites(ctx):
        if site.shell and site.shell[0] not in _DEFAULT_SHELLS:
            continue
        for step in site.steps:
            command = step.command
            if command.program != "ln" or hides_options(command):
                continue
            operands = [w for w in command.args if not (w.value or "-").startswith("-")]
            if len(operands) < 2 or operands[-1].value not in _DEFAULT_SHELLS:
                continue
            source = operands[0].value or "/bin/bash"
            shell = source if source.startswith("/") else f"/bin/{source}"
            yield Hit(command.span, {"link": operands[-1].value, "shell": shell})


# --- curl and wget --------------------------------------------------------------------------------


def curl_and_wget(ctx: Context) -> Iterator[Hit]:
    """Both download tools in one stage: every use of the one that came second is reported."""
    groups: dict[tuple[int, bool], list[tuple[Download, model.Instruction]]] = {}
    for site in run_sites(ctx):
        key = (site.stage.index, site.onbuild)
        for step in site.steps:
            if isinstance(step.operation, Download):
                groups.setdefault(key, []).append((step.operation, site.instruction))
    for downloads in groups.values():
        first, where = downloads[0]
        for download, _ in downloads:
            name = download.command.name_word
            if download.tool != first.tool and name is not None:
                yield Hit(name.span, {"tool": download.tool, "other": first.tool, "line": where.line})


# --- wget progress --------------------------------------------------------------------------------

_QUIET_WGET = frozenset({"-q", "--quiet", "--no-verbose", "-o", "--output-file", "-a", "--append-output"})


def wget_without_progress(ctx: Context) -> Iterator[Hit]:
    for site in run_sites(ctx):
        for step in site.steps:
            download = step.operation
            if not isinstance(download, Download) or download.tool != "wget":
                continue
            command = download.command
            if hides_options(command) or _wget_quiet(download, command.args) or _small_files(download):
                continue
            if command.name_word is not None:
                yield Hit(command.name_word.span)


# Signatures, checksums and keys: a few kilobytes, one progress line at most.
_SMALL_FILE = re.compile(
    r"(\.(asc|sig|sign|sha1|sha256|sha512|md5|sha256sum|sha512sum|pub|pem|gpg|key)|/KEYS|/SHA256SUMS|/SHASUMS256\.txt)$",
    re.IGNORECASE,
)


def _small_files(download: Download) -> bool:
    """Every URL names a signature, checksum or key file (``Python-$V.tar.xz.asc``)."""
    urls = [(w.value or w.text.strip("\"'")).split("?", 1)[0] for w in download.urls]
    return bool(urls) and all(_SMALL_FILE.search(url) for url in urls)


def _wget_quiet(download: Download, args: tuple[Word, ...]) -> bool:
    # ``-nv`` is one option for wget (no-verbose), not ``-n -v``
    return (
        bool(download.flags & _QUIET_WGET)
        or "--progress" in download.flags
        or any(w.value == "-nv" for w in args)
    )


# --- useradd -l -----------------------------------------------------------------------------------

_HIGH_UID = 100_000  # six digits, as hadolint counts


def useradd_without_no_log_init(ctx: Context) -> Iterator[Hit]:
    for site in run_sites(ctx):
        for step in site.steps:
            op = step.operation
            if not isinstance(op, UserOp) or op.tool != "useradd" or op.no_log_init:
                continue
            name = op.command.name_word
            if op.id is None or not op.id.isdigit() or int(op.id) < _HIGH_UID or name is None:
                continue
            if hides_options(op.command):
                continue
            fix = insert_after(name, " -l", "Add `-l` (`--no-log-init`)")
            yield Hit(name.span, {"uid": op.id}, fix)

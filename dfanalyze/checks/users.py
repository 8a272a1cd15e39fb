"""Checks of the user a build and its image run as, and of the accounts they name: an image that
never leaves root, a package install after a non-root USER, a USER or ``--chown`` naming an account
nothing creates, and files made writable by everyone.

The user in effect at an instruction is the last USER before it in its stage, else at the end of
the in-file stage it is built on, else the base image's (``images.toml``); unknown when an ARG
hides it or the data does not know the base image, and the rules are silent on unknowns.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from msgspec import Struct

from dfanalyze import model
from dfanalyze.analysis.packages import Manager, PackageOp, UserOp
from dfanalyze.analysis.shell import SHELL_PROGRAMS, Command
from dfanalyze.checks.base_image import base_of, is_scratch, lineage
from dfanalyze.checks.context import Context, Hit
from dfanalyze.checks.run import RunSite, action_word, command_span, run_sites
from dfanalyze.knowledge.accounts import Accounts, accounts, drops_privileges
from dfanalyze.knowledge.base_images import ImageInfo
from dfanalyze.span import Span

_ROOT = frozenset({"root", "0"})
_SYSTEM_MANAGERS: tuple[Manager, ...] = ("apt", "apk", "yum", "dnf", "microdnf", "zypper")
_NEEDS_ROOT = frozenset({"install", "update", "upgrade", "dist-upgrade", "remove", "purge", "autoremove"})
_ELEVATE = frozenset({"sudo", "doas", "fakeroot"})


class UserAt(Struct, frozen=True):
    """The user in effect at an instruction, and who set it."""

    value: str
    """As USER gives it after ARG/ENV expansion: ``app``, ``1000:1000``, ``node``."""
    instruction: model.User | None
    """The USER instruction; None when it is the base image's."""

    @property
    def name(self) -> str:
        return self.value.split(":", 1)[0].strip()

    @property
    def root(self) -> bool:
        return self.name in _ROOT


def user_at(ctx: Context, stage: model.Stage, before: model.Instruction | None = None) -> UserAt | None:
    """The user in effect in ``stage`` right before ``before`` (at its end when None); None when
    unknown. A base image the data knows without a USER runs as root."""
    chain = lineage(ctx, stage)
    for index, current in enumerate(chain):
        instructions = current.instructions
        if index == 0 and before is not None:
            instructions = instructions[: next(i for i, ins in enumerate(instructions) if ins is before)]
        last = next((i for i in reversed(instructions) if isinstance(i, model.User)), None)
        if last is not None:
            if last.value is None:
                return None
            value = ctx.analysis.scopes.at(last).value(last.value.text, ctx.dockerfile.escape)
            return UserAt(value, last) if value else None
    info = _root_info(ctx, chain[-1])
    if info is None:
        return None
    return UserAt(info.user or "root", None)


def _root_info(ctx: Context, stage: model.Stage) -> ImageInfo | None:
    """What the data knows about the external image at the root of ``stage``'s chain (scratch
    included, unlike :func:`~dfanalyze.checks.base_image.root_image_info`)."""
    ref = base_of(ctx, lineage(ctx, stage)[-1]).image
    if ref is None:
        return None
    return ctx.analysis.image_info(ref.registry, ref.repository, None if is_scratch(ref) else ref.tag)


# --- DF508 package install after a non-root USER -------------------------------------------------


def install_as_non_root(ctx: Context) -> Iterator[Hit]:
    """A system package manager run while a non-root user is in effect, not through ``sudo``
    (``gosu``/``su-exec`` cannot switch users when they do not run as root)."""
    for site in run_sites(ctx):
        if site.onbuild or not site.packages:
            continue
        ops = [
            op
            for _, op in site.package_ops(*_SYSTEM_MANAGERS)
            if op.action in _NEEDS_ROOT and not any(w.name in _ELEVATE for w in op.command.wrappers)
        ]
        if not ops:
            continue
        user = user_at(ctx, site.stage, site.instruction)
        if user is None or user.root:
            continue
        where = f"USER on line {user.instruction.line}" if user.instruction is not None else "the base image"
        for op in ops:
            yield Hit(
                command_span(op.command, action_word(op)),
                {"tool": op.tool, "user": user.value, "where": where},
            )


# --- DF603 no USER at all ------------------------------------------------------------------------

# Programs that start a service as root and drop to its own user (the official images' way).
_DROPS_PRIVILEGES = re.compile(r"\b(gosu|su-exec|setpriv|chpst|s6-setuidgid|runuser|setuidgid)\b")


def no_user(ctx: Context) -> Iterator[Hit]:
    """The final image runs as root because no USER is set anywhere in its chain and the base
    image, which the data knows, sets none; not when the image drops privileges itself (gosu,
    su-exec... in a RUN or the ENTRYPOINT) or its base image does (the official service images
    switch to their service's account in their entrypoint or server)."""
    if not ctx.dockerfile.stages:
        return
    stage = ctx.dockerfile.stages[-1]
    chain = lineage(ctx, stage)
    if any(isinstance(i, model.User) for s in chain for i in s.instructions):
        return
    info = _root_info(ctx, chain[-1])
    if info is None or info.family in {"scratch", "distroless"}:
        return  # scratch: a static binary and no account; distroless: :nonroot variants are the way
    if info.user is not None and info.user.split(":", 1)[0] not in _ROOT:
        return
    if drops_privileges(info):
        return
    for s in chain:
        for ins in s.instructions:
            if not isinstance(ins, model.Arg | model.Env | model.Label) and _DROPS_PRIVILEGES.search(
                ins.text
            ):
                return
    image = stage.from_.image
    yield Hit(image.span if image is not None else stage.from_.keyword.span, {"image": info.repository})


# --- DF604 USER / --chown of an account nothing creates ------------------------------------------


class _Made(Struct, frozen=True):
    """The accounts a stage's chain has created by its end."""

    users: frozenset[str]
    groups: frozenset[str]
    anything: bool
    """The chain may make accounts this check cannot name (a script, an unknown useradd name, a
    write to /etc/passwd, files copied over /etc)."""


_NOTHING_MADE = _Made(frozenset(), frozenset(), False)


def _makes_unnamed(
    ctx: Context, ins: model.Instruction, sites: dict[int, RunSite], users: set[str], groups: set[str]
) -> bool:
    """Add the accounts ``ins`` creates to ``users``/``groups``; True when it may create accounts
    that cannot be named (from then on the check stays silent)."""
    if isinstance(ins, model.Copy | model.Add):
        return _over_etc(ctx, ins)
    if isinstance(ins, model.Run):
        site = sites.get(id(ins))
        return site is None or _may_make_accounts(site, users, groups)
    return False


def _over_etc(ctx: Context, ins: model.CopyLike) -> bool:
    if ins.dest is None:
        return True
    dest = ctx.analysis.scopes.at(ins).value(ins.dest.text, ctx.dockerfile.escape)
    return dest is None or dest.rstrip("/") in {"", "/etc"} or dest.startswith(("/etc/passwd", "/etc/group"))


def _may_make_accounts(site: RunSite, users: set[str], groups: set[str]) -> bool:
    """Add what ``site`` creates to ``users``/``groups``; True when it may create accounts that
    cannot be named (the caller then stays silent)."""
    if "passwd" in site.run.text or "/etc/group" in site.run.text:
        return True
    for step in site.steps:
        op, command = step.operation, step.command
        if isinstance(op, UserOp):
            if op.name is None or op.name.value is None:
                return True
            (groups if op.tool in {"groupadd", "addgroup"} else users).add(op.name.value)
            groups.add(op.name.value)  # useradd's and adduser's user group of the same name
        elif isinstance(op, PackageOp) and op.manager in _SYSTEM_MANAGERS and op.action == "install":
            if any(p.word.value is None for p in op.packages):
                return True
            users.update(p.name for p in op.packages)  # a service package may make its account
        elif command.program in _RENAMES:
            renamed = _renamed(command)
            if renamed is None:
                return True
            (users if command.program == "usermod" else groups).add(renamed)
        elif _runs_a_script(command):
            return True
    return False


_RENAMES = {"usermod": ("-l", "--login"), "groupmod": ("-n", "--new-name")}


def _renamed(command: Command) -> str | None:
    """The new name ``usermod -l NEW`` / ``groupmod -n NEW`` gives (the gradle image renames
    ubuntu's account so); "" when it renames nothing, None when the name is unknown."""
    short, long = _RENAMES[command.program]
    args = command.args
    for index, word in enumerate(args):
        text = word.value or ""
        if text.startswith(long + "="):
            return text.split("=", 1)[1] or None
        if text in {short, long}:
            return args[index + 1].value if index + 1 < len(args) else None
    return ""


def _runs_a_script(command: Command) -> bool:
    """A command that runs a file of the image or context: ``./setup.sh``, ``/opt/x/install``,
    ``bash setup.sh``, ``. ./env``; what it does is unknown."""
    if command.name_word is None:
        return False
    if "/" in command.name or command.name.endswith(".sh") or command.program in {".", "source"}:
        return True
    if command.program in SHELL_PROGRAMS and command.args:
        first = command.args[0].value
        return first is None or not first.startswith("-")
    return False


def _service_account(name: str, made: set[str]) -> bool:
    """``postgres`` made by the ``postgresql`` package, ``redis`` by ``redis-server``."""
    return any(name in package or package in name for package in made if len(package) > 2)


def unknown_user(ctx: Context) -> Iterator[Hit]:
    """``USER name`` and ``COPY/ADD --chown=name`` naming an account that neither the base image
    (as the data knows it) nor a RUN before it creates. One walk over the instructions: each stage
    starts from what its parent stage's chain had made by its end, kept until the last stage built
    on it has read it (a chain of stages holds one stage's accounts at a time, not all of them)."""
    sites = {id(s.instruction): s for s in run_sites(ctx)}
    children = Counter(chain[1].index for s in ctx.dockerfile.stages if len(chain := lineage(ctx, s)) > 1)
    ends: dict[int, _Made] = {}
    for stage in ctx.dockerfile.stages:
        chain = lineage(ctx, stage)
        info = _root_info(ctx, chain[-1])
        known = accounts(info) if info is not None else None
        if known is None:
            continue
        start = _NOTHING_MADE
        if len(chain) > 1:  # a stage is built on an earlier one, whose end is known by now
            parent = chain[1].index
            found = ends.get(parent)
            start = found if found is not None else _chain_end(ctx, chain[1:], sites)
            children[parent] -= 1
            if children[parent] == 0:
                ends.pop(parent, None)
        users, groups, anything = set(start.users), set(start.groups), start.anything
        for ins in stage.instructions:
            if anything:
                break
            for user, group, span in _named_accounts(ctx, ins):
                missing = _missing(user, group, known, users, groups)
                if missing is not None:
                    yield Hit(
                        span,
                        {"account": missing[1], "kind": missing[0], "image": info.repository if info else ""},
                    )
            anything = _makes_unnamed(ctx, ins, sites, users, groups)
        if children[stage.index]:
            ends[stage.index] = _Made(frozenset(users), frozenset(groups), anything)


def _chain_end(ctx: Context, chain: tuple[model.Stage, ...], sites: dict[int, RunSite]) -> _Made:
    """What ``chain`` (a stage, then the stages it is built on) has made by the stage's end."""
    users: set[str] = set()
    groups: set[str] = set()
    for stage in reversed(chain):
        for ins in stage.instructions:
            if _makes_unnamed(ctx, ins, sites, users, groups):
                return _Made(frozenset(), frozenset(), True)
    return _Made(frozenset(users), frozenset(groups), False)


def _missing(
    user: str, group: str | None, known: Accounts, users: set[str], groups: set[str]
) -> tuple[str, str] | None:
    """("user" or "group", name) of the first name that nothing makes; None when both exist."""
    for kind, name, image, made in (
        ("user", user, known.users, users),
        ("group", group, known.groups, groups),
    ):
        if (
            name
            and not name.isdigit()
            and name not in image
            and name not in made
            and not _service_account(name, users)
        ):
            return (kind, name)
    return None


def _named_accounts(ctx: Context, ins: model.Instruction) -> Iterator[tuple[str, str | None, Span]]:
    scope = ctx.analysis.scopes.at(ins)
    if isinstance(ins, model.User) and ins.value is not None:
        value = scope.value(ins.value.text, ctx.dockerfile.escape)
        if value:
            user, _, group = value.partition(":")
            yield user.strip(), group.strip() or None, ins.value.span
    elif isinstance(ins, model.Copy | model.Add):
        for flag in ins.flags_named("chown"):
            value = scope.value(flag.value, ctx.dockerfile.escape) if flag.value else None
            if value:
                user, _, group = value.partition(":")
                yield user.strip(), group.strip() or None, flag.span


# --- DF611 chmod 777 -----------------------------------------------------------------------------

_CHMOD_VALUES = frozenset({"--reference"})
_NUMERIC = re.compile(r"0*([0-7]?)([0-7])([0-7])([0-7])")
_SYMBOLIC = re.compile(r"([ugoa]*)([-+=])([rwxXst]*)")


def world_writable(ctx: Context) -> Iterator[Hit]:
    """``chmod`` that lets every user write (``777``, ``666``, ``a+w``, ``o+w``), without the
    sticky bit (``1777`` is /tmp's mode, on purpose), on a path the RUN does not remove again."""
    for site in run_sites(ctx):
        removed = {
            _plain(w.text) for step in site.steps if step.command.program == "rm" for w in step.command.args
        }
        for step in site.steps:
            command = step.command
            if command.program != "chmod":
                continue
            operands = [
                w for w in command.args if not (w.value or "").startswith("-") or _mode(w.value or "")
            ]
            if len(operands) < 2 or operands[0].value is None or not _mode(operands[0].value):
                continue
            targets = [w for w in operands[1:] if _plain(w.text) not in removed]
            if targets:
                span = command.offsets.span(operands[0].start, targets[-1].end)
                yield Hit(span, {"mode": operands[0].value, "path": targets[0].text})


def _plain(text: str) -> str:
    return text.strip("\"'").rstrip("/")


def _mode(mode: str) -> bool:
    """Whether a chmod mode is the "777" shortcut: a numeric mode that gives others write, without
    the sticky bit, or a symbolic one that gives everyone read, write and execute on every file
    (``a+rwx``, ``ugo=rwx``). Targeted symbolic modes (``o+rwx``, ``a+rwX``, ``a+w``) are left
    alone: the official images write them on purpose so that the image runs under any UID (gradle,
    redmine, rust), and ``X`` (execute on directories only) shows the care taken."""
    numeric = _NUMERIC.fullmatch(mode)
    if numeric is not None:
        special, others = numeric.group(1), numeric.group(4)
        return int(others) & 2 != 0 and not (special and int(special) & 1)
    clauses = [_SYMBOLIC.fullmatch(clause) for clause in mode.split(",")]
    if not clauses or any(c is None for c in clauses):
        return False
    sticky = any("t" in c.group(3) for c in clauses if c is not None and c.group(2) != "-")
    everyone = any(
        c.group(2) in "+="
        and set("rwx") <= set(c.group(3))
        and ("a" in c.group(1) or set("ugo") <= set(c.group(1)))
        for c in clauses
        if c is not None
    )
    return everyone and not sticky

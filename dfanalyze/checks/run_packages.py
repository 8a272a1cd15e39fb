"""Checks of package managers in RUN: prompts (``-y``), recommended packages, upgrades, version
pins, and caches left in the layer, for apt, apk, yum, dnf/microdnf, zypper, pip, npm/yarn/pnpm,
gem and go. hadolint's DL3005 to DL3062 define when they fire; where hadolint is known to be wrong
(cache mounts, cleanup in a later command, builder stages, ARG values, ``name-version`` guesses)
the rule's docs say how we differ."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator

from msgspec.structs import replace

from dfanalyze import model
from dfanalyze.analysis.expand import Unknown
from dfanalyze.analysis.packages import CacheCleanup, Manager, Package, PackageOp, pip_no_cache
from dfanalyze.analysis.shell import Word
from dfanalyze.checks.base_image import root_image_info
from dfanalyze.checks.context import Context, Hit
from dfanalyze.checks.run import (
    RunSite,
    Step,
    action_word,
    command_span,
    hides_options,
    ignored,
    insert_after,
    is_unknown,
    package_sites,
    run_sites,
)
from dfanalyze.findings import Edit, Fix


def _written(op: PackageOp, word: Word | None) -> str:
    """The command as the user wrote it, for messages: ``apt-get install``, ``python3 -m pip install``."""
    return op.tool if word is None else f"{op.tool} {word.value or word.text}"


def _literal(word: Word | None) -> Word | None:
    """``word`` when it was written as is (a fix may insert after it), not made of an expansion."""
    return word if word is not None and not is_unknown(word.text) else None


# --- prompts: -y / -n -----------------------------------------------------------------------------

_APT_PROMPTS = frozenset(
    {
        "install",
        "reinstall",
        "upgrade",
        "dist-upgrade",
        "remove",
        "purge",
        "autoremove",
        "build-dep",
        "satisfy",
    }
)
# apt-get's simulation options: nothing is changed, so nothing is asked (apt-get(8), -s)
_APT_SIMULATE = frozenset({"-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act"})
_RPM_PROMPTS = frozenset(
    {"install", "reinstall", "remove", "upgrade", "downgrade", "groupinstall", "groupupdate"}
    | {"groupremove", "autoremove", "distro-sync", "swap", "update-minimal", "upgrade-minimal"}
)
_RPM_GROUPS = frozenset({"group", "groups", "module"})  # these prompt only for the subcommands below
_RPM_GROUP_PROMPTS = frozenset(
    {"install", "remove", "upgrade", "update", "enable", "disable", "reset", "switch-to"}
)
_ZYPPER_PROMPTS = frozenset(
    {"install", "remove", "update", "dist-upgrade", "patch", "source-install", "si", "install-new-recommends"}
)


def apt_get_missing_yes(ctx: Context) -> Iterator[Hit]:
    yield from _missing_yes(
        ctx, ("apt",), lambda op, word: op.action in _APT_PROMPTS and not op.flags & _APT_SIMULATE
    )


def yum_missing_yes(ctx: Context) -> Iterator[Hit]:
    yield from _missing_yes(ctx, ("yum",), _rpm_prompts)


def dnf_missing_yes(ctx: Context) -> Iterator[Hit]:
    yield from _missing_yes(ctx, ("dnf",), _rpm_prompts)
    yield from _missing_yes(ctx, ("microdnf",), _rpm_prompts, _microdnf_asks)


def _microdnf_asks(ctx: Context, site: RunSite) -> bool:
    """Whether the stage's microdnf asks for confirmation: upstream microdnf does since 3.7 (2021),
    and at a closed standard input its prompt loop never ends. The base images the data knows to
    ship such a microdnf are RHEL 9 and later (UBI minimal) and Fedora; Oracle Linux's slim images
    install without ``-y`` (docker-library's openjdk builds them so), and an unknown base image
    may have an older microdnf that assumes yes."""
    info = root_image_info(ctx, site.stage)
    if info is None or info.distro is None:
        return False
    if info.distro == "fedora":
        return True
    release = (info.distro_release or "").split(".")[0]
    return info.distro == "rhel" and release.isdigit() and int(release) >= 9


def _rpm_prompts(op: PackageOp, word: Word | None) -> bool:
    if op.action in _RPM_GROUPS:
        sub = _next_operand(op, word)
        return sub is not None and sub.value in _RPM_GROUP_PROMPTS
    return op.action in _RPM_PROMPTS


def _next_operand(op: PackageOp, word: Word | None) -> Word | None:
    """The first operand after ``word`` (``install`` in ``yum module -q install``)."""
    if word is None:
        return None
    later = [w for w in op.command.args if w.start > word.start and not (w.value or "-").startswith("-")]
    return later[0] if later else None


def _missing_yes(
    ctx: Context,
    managers: tuple[Manager, ...],
    prompts: Callable[[PackageOp, Word | None], bool],
    asks: Callable[[Context, RunSite], bool] | None = None,
) -> Iterator[Hit]:
    for site in package_sites(ctx):
        if asks is not None and any(True for _ in site.package_ops(*managers)) and not asks(ctx, site):
            continue
        for _, op in site.package_ops(*managers):
            word = action_word(op)
            if op.yes or not prompts(op, word) or hides_options(op.command):
                continue
            where = _next_operand(op, word) if op.action in _RPM_GROUPS else word
            target = _literal(where)
            fix = insert_after(target, " -y", "Add `-y`") if target is not None else None
            yield Hit(command_span(op.command, where), {"command": _written(op, word)}, fix)


def zypper_missing_non_interactive(ctx: Context) -> Iterator[Hit]:
    """zypper's global ``-n`` goes before the command (after it, ``-n`` is ``--name``)."""
    for site in package_sites(ctx):
        for _, op in site.package_ops("zypper"):
            word = action_word(op)
            if op.yes or op.action not in _ZYPPER_PROMPTS or hides_options(op.command):
                continue
            name = _literal(op.command.name_word)
            fix = insert_after(name, " -n", "Add `-n` (`--non-interactive`)") if name is not None else None
            yield Hit(command_span(op.command, word), {"command": _written(op, word)}, fix)


# --- apt ------------------------------------------------------------------------------------------

_APT_GET_ACTIONS = frozenset(
    {"install", "remove", "purge", "update", "autoremove", "clean", "autoclean", "source"}
    | {"build-dep", "download", "satisfy", "changelog", "check"}
)
_APT_CACHE_ACTIONS = frozenset({"search", "show", "showsrc", "policy", "depends", "rdepends"})
_APT_OTHERS = {
    "upgrade": "`apt-get upgrade --with-new-pkgs` (what `apt upgrade` does)",
    "full-upgrade": "`apt-get dist-upgrade`",
    "list": "`dpkg-query --list` or `apt-cache policy`",
}


def apt_instead_of_apt_get(ctx: Context) -> Iterator[Hit]:
    """``apt``: replaced by ``apt-get`` (or ``apt-cache``) where the subcommand means the same."""
    for site in run_sites(ctx):
        for step in site.steps:
            command = step.command
            name = command.name_word
            if command.program != "apt" or name is None:
                continue
            op = step.operation
            word = action_word(op) if isinstance(op, PackageOp) else None
            action = word.value if word is not None else None
            tool = (
                "apt-get"
                if action in _APT_GET_ACTIONS
                else "apt-cache"
                if action in _APT_CACHE_ACTIONS
                else None
            )
            fix = None
            if tool is not None and _literal(name) is not None and name.text.endswith("apt"):
                new = name.text[: -len("apt")] + tool
                fix = Fix(f"Use `{tool}`", (Edit(name.span, new),))
            instead = (
                f"`{tool} {action}`" if tool else _APT_OTHERS.get(action or "", "`apt-get` or `apt-cache`")
            )
            yield Hit(
                command_span(command, word),
                {"command": f"apt {action or ''}".strip(), "instead": instead},
                fix,
            )


def apt_get_install_recommends(ctx: Context) -> Iterator[Hit]:
    found = [
        (site, op)
        for site in package_sites(ctx)
        for _, op in site.package_ops("apt")
        if op.action == "install" and not op.no_recommends and not hides_options(op.command)
    ]
    configured = _recommends_off(ctx.dockerfile) if found else frozenset()
    for site, op in found:
        if id(site.instruction) not in configured:
            word = action_word(op)
            target = _literal(word)
            fix = (
                insert_after(target, " --no-install-recommends", "Add `--no-install-recommends`", safe=False)
                if target is not None
                else None
            )
            yield Hit(command_span(op.command, word), {"command": _written(op, word)}, fix)


_RECOMMENDS_OFF = r"""(?i)APT::Install-Recommends\s+\\?["']?(false|0|no|off)\b"""


def _recommends_off(dockerfile: model.Dockerfile) -> frozenset[int]:
    """The instructions that come after a RUN writing ``APT::Install-Recommends "false"`` into
    apt's configuration, in its stage or a stage built FROM it."""
    after: set[int] = set()
    at_end: dict[int, bool] = {}
    for stage in dockerfile.stages:
        image = stage.from_.image
        parent = dockerfile.stage_named(image.text) if image is not None else None
        off = parent is not None and parent.index < stage.index and at_end.get(parent.index, False)
        for instruction in stage.instructions:
            if off:
                after.add(id(instruction))
            elif isinstance(instruction, model.Run):
                texts = (instruction.text, *(h.content for h in instruction.heredocs))
                off = any("Install-Recommends" in text and re.search(_RECOMMENDS_OFF, text) for text in texts)
        at_end[stage.index] = off
    return frozenset(after)


_LISTS = r"/var/lib/apt(/lists)?"


def apt_lists_not_removed(ctx: Context) -> Iterator[Hit]:
    """``apt-get update`` whose lists stay in a layer that ships: not removed later in the RUN, not
    in a cache (or tmpfs) mount."""
    for site in run_sites(ctx):
        if not site.ships or _mounted(site.mounts, "/var/lib/apt/lists"):
            continue
        update = _uncleaned(site, lambda op: op.manager == "apt" and op.action == "update", _removes_lists)
        if update is None:
            continue
        hint = (
            " (the cache mount on /var/cache/apt does not hold them)"
            if _mounted(site.mounts, "/var/cache/apt")
            else ""
        )
        word = action_word(update)
        yield Hit(command_span(update.command, word), {"command": _written(update, word), "hint": hint})


def _removes_lists(step: Step) -> bool:
    op = step.operation
    if isinstance(op, PackageOp):
        return op.manager == "apt" and op.action in {"distclean", "dist-clean"}
    return isinstance(op, CacheCleanup) and any(
        re.fullmatch(_LISTS, (word.value or "").strip("\"'").rstrip("/*").rstrip("/")) for word in op.paths
    )


def apt_get_upgrade(ctx: Context) -> Iterator[Hit]:
    yield from _actions(ctx, ("apt",), {"upgrade", "dist-upgrade"})


# --- apk ------------------------------------------------------------------------------------------


def apk_add_without_no_cache(ctx: Context) -> Iterator[Hit]:
    for site in run_sites(ctx):
        if not site.ships or site.cache_mounted("apk"):
            continue
        for index, op in site.package_ops("apk"):
            if op.action != "install" or op.no_cache or hides_options(op.command):
                continue
            if _cleaned_after(site, index, {"apk"}):
                continue
            word = action_word(op)
            target = _literal(word)
            fix = insert_after(target, " --no-cache", "Add `--no-cache`") if target is not None else None
            yield Hit(command_span(op.command, word), {"command": _written(op, word)}, fix)


def apk_upgrade(ctx: Context) -> Iterator[Hit]:
    yield from _actions(ctx, ("apk",), {"upgrade"})


# --- yum / dnf / zypper: upgrades and cleanup -----------------------------------------------------


def yum_update(ctx: Context) -> Iterator[Hit]:
    yield from _actions(
        ctx, ("yum",), {"upgrade", "update-to", "upgrade-to", "update-minimal", "upgrade-minimal"}
    )


def dnf_upgrade(ctx: Context) -> Iterator[Hit]:
    yield from _actions(ctx, ("dnf", "microdnf"), {"upgrade", "upgrade-minimal", "update-minimal"})


def zypper_dist_upgrade(ctx: Context) -> Iterator[Hit]:
    yield from _actions(ctx, ("zypper",), {"dist-upgrade"})


def _actions(ctx: Context, managers: tuple[Manager, ...], actions: Collection[str]) -> Iterator[Hit]:
    for site in package_sites(ctx):
        for _, op in site.package_ops(*managers):
            if op.action in actions:
                word = action_word(op)
                yield Hit(command_span(op.command, word), {"command": _written(op, word)})


_RPM_FILLS = frozenset({"install", "reinstall", "upgrade", "downgrade", "groupinstall", "makecache"})
_RPM_FILLS_GROUPED = _RPM_FILLS | _RPM_GROUPS | {"distro-sync", "swap", "update-minimal", "upgrade-minimal"}


def yum_clean_missing(ctx: Context) -> Iterator[Hit]:
    yield from _clean_missing(ctx, {"yum"}, {"yum", "dnf"}, _RPM_FILLS_GROUPED, _clean_all)


def dnf_clean_missing(ctx: Context) -> Iterator[Hit]:
    yield from _clean_missing(
        ctx, {"dnf", "microdnf"}, {"dnf", "microdnf", "yum"}, _RPM_FILLS_GROUPED, _clean_all
    )


def zypper_clean_missing(ctx: Context) -> Iterator[Hit]:
    fills = frozenset({"install", "update", "dist-upgrade", "refresh", "patch", "source-install", "si"})
    yield from _clean_missing(ctx, {"zypper"}, {"zypper"}, fills, lambda op: True)


def yarn_cache_clean_missing(ctx: Context) -> Iterator[Hit]:
    yield from _clean_missing(ctx, {"yarn"}, {"yarn"}, {"install"}, lambda op: True)


def _clean_all(op: PackageOp) -> bool:
    return any(word.value == "all" for word in op.command.args)


def _clean_missing(
    ctx: Context,
    managers: set[Manager],
    cleaners: set[Manager],
    fills: Collection[str],
    clean_command: Callable[[PackageOp], bool],
) -> Iterator[Hit]:
    """The last command of ``managers`` that fills their cache, when no cleanup follows it in the
    RUN and the cache is not a cache mount; only in layers that ship."""

    def cleans(step: Step) -> bool:
        op = step.operation
        if isinstance(op, CacheCleanup):
            return bool(op.managers & cleaners)
        return (
            isinstance(op, PackageOp)
            and op.action == "clean"
            and op.manager in cleaners
            and clean_command(op)
        )

    for site in package_sites(ctx):
        if not site.packages or not site.ships or site.cache_mounted(*managers, *cleaners):
            continue
        last = _uncleaned(site, lambda op: op.manager in managers and op.action in fills, cleans)
        if last is not None:
            word = action_word(last)
            yield Hit(command_span(last.command, word), {"command": _written(last, word)})


def _uncleaned(
    site: RunSite, fills: Callable[[PackageOp], bool], cleans: Callable[[Step], bool]
) -> PackageOp | None:
    """The last operation that ``fills`` a cache with no step that ``cleans`` it afterwards."""
    last: PackageOp | None = None
    for step in site.steps:
        op = step.operation
        if isinstance(op, PackageOp) and fills(op):
            last = op
        elif last is not None and cleans(step):
            last = None
    return last


def _cleaned_after(site: RunSite, index: int, managers: set[Manager]) -> bool:
    for step in site.steps[index + 1 :]:
        op = step.operation
        if isinstance(op, CacheCleanup) and op.managers & managers:
            return True
        if isinstance(op, PackageOp) and op.action == "clean" and op.manager in managers:
            return True
    return False


def _mounted(mounts: tuple[tuple[str, str], ...], directory: str) -> bool:
    """A cache or tmpfs mount holds ``directory`` (on it or on one of its parents)."""
    for kind, target in mounts:
        where = target.rstrip("/")
        if kind in {"cache", "tmpfs"} and (directory == where or directory.startswith(where + "/")):
            return True
    return False


# --- pip cache ------------------------------------------------------------------------------------


def pip_cache_not_disabled(ctx: Context) -> Iterator[Hit]:
    yield from _pip_no_cache_refused(ctx)
    for site in package_sites(ctx):
        installs = tuple(site.package_ops("pip"))
        if not installs or not site.ships or site.cache_mounted("pip") or _pip_cache_off(ctx, site):
            continue
        for index, op in installs:
            if (
                op.action != "install"
                or op.no_cache
                or op.tool in {"uv pip", "pipx"}
                or hides_options(op.command)
            ):
                continue
            if _cleaned_after(site, index, {"pip"}):
                continue
            word = action_word(op)
            target = _literal(word)
            fix = (
                insert_after(target, " --no-cache-dir", "Add `--no-cache-dir`")
                if target is not None
                else None
            )
            yield Hit(command_span(op.command, word), {"command": _written(op, word)}, fix)


def _pip_cache_off(ctx: Context, site: RunSite) -> bool:
    """``PIP_NO_CACHE_DIR`` is set by ARG/ENV (or may be: unknown), or exported by the script, to
    a value that turns the cache off or that pip refuses (then pip fails before it caches)."""
    if not site.onbuild:
        value = ctx.analysis.scopes.at(site.instruction).variables.get("PIP_NO_CACHE_DIR")
        if isinstance(value, Unknown) or (value is not None and pip_no_cache(value) is not False):
            return True
    for step in site.steps:
        if step.command.name != "export":
            continue
        for word in step.command.args:
            name, eq, exported = (word.value or "").partition("=")
            if name == "PIP_NO_CACHE_DIR" and eq and pip_no_cache(exported) is not False:
                return True
    return False


def _pip_no_cache_refused(ctx: Context) -> Iterator[Hit]:
    """``ENV PIP_NO_CACHE_DIR=<value>`` with a value pip refuses: every later pip command fails."""
    scopes = ctx.analysis.scopes
    for ins in ctx.instructions("ENV"):
        if not isinstance(ins, model.Env):
            continue
        for pair in ins.pairs:
            if pair.key.text != "PIP_NO_CACHE_DIR":
                continue
            value = scopes.at(ins).value(pair.value.text, ctx.dockerfile.escape)
            if value is not None and pip_no_cache(value) is None:
                message = (
                    f"`PIP_NO_CACHE_DIR={value}` is not a value pip accepts: every pip command stops with"
                    ' "invalid truth value"; write `PIP_NO_CACHE_DIR=1`'
                )
                yield Hit(pair.value.span, message=message)


# --- version pins ---------------------------------------------------------------------------------

PinState = Callable[[Package, bool], bool | None]
"""Whether a package is pinned (``exact``: to one version), or None when it is not a package
from a registry (a local file, a path, a URL) and needs no pin."""


def _unpinned(
    ctx: Context, select: Callable[[PackageOp], bool], state: PinState, managers: tuple[Manager, ...]
) -> Iterator[tuple[PackageOp, Package]]:
    exact = bool(ctx.options.get("exact", False))
    patterns = ctx.options.get("ignore-packages", [])
    for site in package_sites(ctx):
        for _, op in site.package_ops(*managers):
            if not select(op):
                continue
            for package in op.packages:
                if is_unknown(package.name) or ignored(package.name, patterns):
                    continue
                if state(package, exact) is False:
                    yield op, package


def _pin_hit(op: PackageOp, package: Package, pin: str) -> Hit:
    """An unpinned package: the packages of one command are one finding (the rule's group message)."""
    return Hit(package.span, {"package": package.name, "pin": pin}, group=op.command.span, item=package.name)


def _spec(package: Package) -> str:
    return package.name + (package.operator or "") + (package.version or "")


def _local(text: str, suffixes: tuple[str, ...]) -> bool:
    return text.startswith((".", "/", "~")) or text.endswith(suffixes) or "://" in text


_PATTERN_CHARS = frozenset("*?[]^$~()|!")


def _apt_state(package: Package, exact: bool) -> bool | None:
    if _local(package.name, (".deb",)) or _PATTERN_CHARS & set(package.name):
        return None
    if exact:
        return package.operator == "=" and "*" not in (package.version or "")
    return package.version is not None


def apt_get_unpinned(ctx: Context) -> Iterator[Hit]:
    for op, package in _unpinned(ctx, lambda op: op.action == "install", _apt_state, ("apt",)):
        yield _pin_hit(op, package, f"{package.name}=<version>")


def _apk_state(package: Package, exact: bool) -> bool | None:
    if _local(package.name, (".apk",)):
        return None
    return package.operator == "=" if exact else package.version is not None


def apk_add_unpinned(ctx: Context) -> Iterator[Hit]:
    for op, package in _unpinned(ctx, lambda op: op.action == "install", _apk_state, ("apk",)):
        yield _pin_hit(op, package, f"{package.name}=<version>")


_PIP_FILES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")


def _pip_state(package: Package, exact: bool) -> bool | None:
    text = _spec(package)
    if text.endswith(_PIP_FILES):
        return None  # an archive: one fixed file
    if "://" in text or text.startswith("git+"):
        return "@" in text.split("://", 1)[-1]  # a VCS URL pinned to a tag or commit
    if _local(text, ()) or "/" in text or "\\" in text:
        return None
    return package.pinned if exact else package.version is not None


def pip_unpinned(ctx: Context) -> Iterator[Hit]:
    def select(op: PackageOp) -> bool:
        constrained = op.requirements or op.flags & {"-c", "--constraint"}
        return op.action == "install" and not constrained and not hides_options(op.command)

    for op, package in _unpinned(ctx, select, _pip_state, ("pip",)):
        yield _pin_hit(op, package, f"{package.name}==<version>")


_NODE_MOVING = frozenset({"latest", "next", "*", "x", ""})
_NODE_GIT = r"(git\+|git@|github:|gitlab:|bitbucket:|gist:)|[\w.-]+/[\w.-]+(#.*)?$"


def _node_state(package: Package, exact: bool) -> bool | None:
    text = _spec(package)
    if text.startswith((".", "/", "~")) or text.endswith((".tgz", ".tar.gz", ".tar")):
        return None  # a folder or a tarball
    if "://" in text or re.match(_NODE_GIT, text):
        return "#" in text  # a git dependency pinned to a commit or tag
    if exact:
        return package.pinned
    return package.version is not None and package.version not in _NODE_MOVING


def npm_unpinned(ctx: Context) -> Iterator[Hit]:
    for op, package in _unpinned(
        ctx, lambda op: op.action == "install", _node_state, ("npm", "yarn", "pnpm")
    ):
        yield _pin_hit(op, package, f"{package.name}@<version>")


def _gem_state(package: Package, exact: bool) -> bool | None:
    if _local(package.name, (".gem",)):
        return None
    return package.pinned if exact else package.version is not None


def gem_unpinned(ctx: Context) -> Iterator[Hit]:
    for op, package in _unpinned(ctx, lambda op: op.action == "install", _gem_state, ("gem",)):
        yield _pin_hit(op, package, f"{package.name}:<version>")


_RPM_NOT_PACKAGE = r"^@|[*?\[(/]|\.rpm$"


def _rpm_state(package: Package, exact: bool) -> bool | None:
    if re.search(_RPM_NOT_PACKAGE, _spec(package)) or "://" in package.name:
        return None
    return package.version is not None


def yum_unpinned(ctx: Context) -> Iterator[Hit]:
    yield from _rpm_unpinned(ctx, ("yum",))


def dnf_unpinned(ctx: Context) -> Iterator[Hit]:
    yield from _rpm_unpinned(ctx, ("dnf", "microdnf"))


def _rpm_unpinned(ctx: Context, managers: tuple[Manager, ...]) -> Iterator[Hit]:
    for op, package in _unpinned(ctx, lambda op: op.action == "install", _rpm_state, managers):
        yield _pin_hit(op, package, f"{package.name}-<version>")
    patterns = ctx.options.get("ignore-packages", [])
    for site in package_sites(ctx):
        for _, op in site.package_ops(*managers):
            for word in _module_specs(op):
                name = word.value or word.text
                if ":" not in name and not is_unknown(name) and not ignored(name, patterns):
                    args = {"package": name, "pin": f"{name}:<stream>"}
                    yield Hit(word.span, args, group=op.command.span, item=name)


def _module_specs(op: PackageOp) -> list[Word]:
    """The module specs of ``yum module install`` / ``dnf module enable``."""
    operands = [w for w in op.command.args if not (w.value or w.text).startswith("-")]
    if op.action != "module" or len(operands) < 3 or operands[1].value not in {"install", "enable"}:
        return []
    return operands[2:]


def _zypper_state(package: Package, exact: bool) -> bool | None:
    if _local(package.name, (".rpm",)):
        return None
    return package.operator == "=" if exact else package.version is not None


def zypper_unpinned(ctx: Context) -> Iterator[Hit]:
    for op, package in _unpinned(ctx, lambda op: op.action == "install", _zypper_state, ("zypper",)):
        yield _pin_hit(op, package, f"{package.name}=<version>")


_GO_MOVING = frozenset({"latest", "upgrade", "patch", "master", "main", "HEAD"})


def _go_state(package: Package, exact: bool) -> bool | None:
    if package.name.startswith((".", "/")) or package.name.endswith(".go") or package.version == "none":
        return None  # a package of the module being built (its go.mod pins it), or a removal
    return package.version is not None and package.version not in _GO_MOVING


def go_install_unpinned(ctx: Context) -> Iterator[Hit]:
    """Packages of ``go install``, ``go get`` and ``go run`` without a version, or with a query
    that moves."""
    for op, package in _unpinned(ctx, lambda op: op.action in {"install", "run"}, _go_state, ("go",)):
        moving = f" (`@{package.version}` moves)" if package.version else ""
        hit = _pin_hit(op, package, f"{package.name}@<version>")
        yield replace(hit, args={**hit.args, "moving": moving})

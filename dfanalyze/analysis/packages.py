"""Package managers, downloads, user creation and cache cleanup in a RUN's shell commands.

Built on :mod:`dfanalyze.analysis.shell`: :func:`operations` reads every command of a
:class:`~dfanalyze.analysis.shell.ShellScript` (``sh -c`` bodies included) and returns a typed
operation for those it understands: :class:`PackageOp` (apt, apk, yum/dnf/microdnf, zypper, pip,
npm/yarn/pnpm, gem, go), :class:`Download` (curl, wget), :class:`UserOp` (useradd, adduser,
groupadd, addgroup), :class:`AptMark` (``apt-mark auto|manual|showmanual``) and
:class:`CacheCleanup` (``rm -rf /var/lib/apt/lists/*`` and friends).
The queries rules use are :func:`installs`, :func:`cleans_cache`, :func:`cache_mounted` and
:func:`removals` (packages a script installs and removes again).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Literal

from msgspec import Struct

from dfanalyze.analysis.shell import SHELL_PROGRAMS, Command, ShellScript, Word, _unquote_with_offsets
from dfanalyze.span import Span

Manager = Literal["apt", "apk", "yum", "dnf", "microdnf", "zypper", "pip", "npm", "yarn", "pnpm", "gem", "go"]
MANAGERS: tuple[Manager, ...] = (
    "apt", "apk", "yum", "dnf", "microdnf", "zypper", "pip", "npm", "yarn", "pnpm", "gem", "go"
)  # fmt: skip

CACHE_DIRS: dict[Manager, tuple[str, ...]] = {
    "apt": ("/var/cache/apt", "/var/lib/apt"),
    "apk": ("/var/cache/apk", "/etc/apk/cache"),
    "yum": ("/var/cache/yum",),
    "dnf": ("/var/cache/dnf", "/var/cache/libdnf5"),
    "microdnf": ("/var/cache/yum", "/var/cache/dnf"),
    "zypper": ("/var/cache/zypp",),
    "pip": ("~/.cache/pip",),
    "npm": ("~/.npm",),
    "yarn": ("~/.cache/yarn", "/usr/local/share/.cache/yarn", "~/.yarn/berry/cache"),
    "pnpm": ("~/.local/share/pnpm/store", "~/.cache/pnpm", "/pnpm/store"),
    "gem": ("~/.gem", "~/.local/share/gem", "/usr/local/bundle/cache"),
    "go": ("~/.cache/go-build", "~/go/pkg/mod", "/go/pkg/mod"),
}
"""Where each manager keeps its cache; ``~`` is any home directory (``/root``, ``/home/*``)."""

_HOME = r"(~|\$\{?HOME\}?|/root|/home/[^/]+)"
_CLEANUP_PATTERNS: tuple[tuple[Manager, str], ...] = (
    ("apt", r"/var/lib/apt/lists(/.*)?|/var/cache/apt(/.*)?"),
    ("apk", r"/var/cache/apk(/.*)?|/etc/apk/cache(/.*)?"),
    ("yum", r"/var/cache/yum(/.*)?"),
    ("dnf", r"/var/cache/dnf(/.*)?|/var/cache/yum(/.*)?|/var/cache/libdnf5(/.*)?"),
    ("microdnf", r"/var/cache/dnf(/.*)?|/var/cache/yum(/.*)?|/var/cache/libdnf5(/.*)?"),
    ("zypper", r"/var/cache/zypp(/.*)?"),
    ("pip", _HOME + r"/\.cache(/pip(/.*)?|/\*)?"),
    ("npm", _HOME + r"/\.npm(/.*)?"),
    ("yarn", r"(/usr/local/share|" + _HOME + r")/\.cache(/yarn(/.*)?|/\*)?"),
    ("pnpm", _HOME + r"/(\.local/share/pnpm|\.cache/pnpm)(/.*)?"),
    ("gem", _HOME + r"/\.gem(/.*)?|/usr/local/bundle/cache(/.*)?"),
    ("go", _HOME + r"/\.cache(/go-build(/.*)?|/\*)?"),
)


# --- results -------------------------------------------------------------------------------------


class Package(Struct, frozen=True):
    """A package named on a package manager's command line, with its version pin if any."""

    name: str
    """Without the version spec; extras (``requests[socks]``) and scopes (``@types/node``) kept."""
    version: str | None
    """The version or range after the operator: ``7.88.1-10``, ``2.0``, ``^4.17.21``, ``2,<3``."""
    operator: str | None
    """``=`` (apt, apk, zypper), ``==``/``>=``/``~=``... (pip, apk, zypper), ``@`` (npm, go),
    ``-`` (yum ``name-version``), ``-v`` (gem ``-v``), ``/`` (apt target release), ``:`` (gem)."""
    pinned: bool
    """The spec names one exact version (not a range, a release or ``latest``)."""
    word: Word

    @property
    def span(self) -> Span:
        return self.word.span


class PackageOp(Struct, frozen=True):
    """One package-manager command (install, remove, update ...) and its options."""

    manager: Manager
    tool: str
    """How it was invoked: ``apt-get``, ``apt``, ``pip3``, ``python3 -m pip``, ``uv pip``..."""
    action: str
    """Normalized: ``install``, ``update``, ``upgrade``, ``dist-upgrade``, ``remove``, ``purge``,
    ``autoremove``, ``clean``... (``npm cache clean`` and ``yarn cache clean`` are ``clean``)."""
    command: Command
    packages: tuple[Package, ...] = ()
    flags: frozenset[str] = frozenset()
    """Options present, short clusters split (``-qqy`` gives ``-q`` and ``-y``)."""
    options: tuple[tuple[str, str], ...] = ()
    """Options with their values, in order: ``("-o", "APT::Install-Recommends=false")``."""
    yes: bool = False
    """Runs without prompting (``-y``, ``-qq``, ``--non-interactive``; always for apk, pip...)."""
    no_recommends: bool = False
    """apt ``--no-install-recommends``, zypper ``--no-recommends``, dnf ``install_weak_deps``."""
    no_cache: bool = False
    """apk ``--no-cache``, pip ``--no-cache-dir`` (or ``PIP_NO_CACHE_DIR``), uv ``--no-cache``."""
    no_docs: bool = False
    """dnf/yum ``--nodocs``, gem ``--no-document``."""
    requirements: tuple[Word, ...] = ()
    """pip ``-r`` files."""
    user: bool = False
    """pip ``--user``."""
    global_install: bool = False
    """npm/pnpm ``-g``, ``yarn global``."""
    production: bool = False
    """npm ``--production``/``--omit=dev``/``--only=prod``, yarn ``--production``, pnpm ``--prod``."""
    virtual: str | None = None
    """apk ``--virtual`` name."""

    def option(self, *names: str) -> str | None:
        """The last value given to any of ``names``."""
        found = None
        for name, value in self.options:
            if name in names:
                found = value
        return found


class Download(Struct, frozen=True):
    """A curl or wget command: what it fetches and where the data goes."""

    tool: Literal["curl", "wget"]
    command: Command
    urls: tuple[Word, ...]
    output: Word | None
    """The word holding the ``curl -o``/``wget -O`` value: the next word, or the option's own
    word when the value is attached (``-qO-``, ``--output=FILE``)."""
    to_stdout: bool
    """The body goes to standard output (curl without ``-o``/``-O``, ``wget -O -``)."""
    piped_to: tuple[Command, ...]
    """The commands of the next pipeline element."""
    fails_on_http_error: bool
    """curl ``-f``/``--fail``; always for wget."""
    insecure: bool
    """curl ``-k``/``--insecure``, wget ``--no-check-certificate``."""
    flags: frozenset[str]
    options: tuple[tuple[str, str], ...]

    @property
    def piped_to_shell(self) -> bool:
        return any(c.program in SHELL_PROGRAMS for c in self.piped_to)

    @property
    def piped_to_tar(self) -> bool:
        return any(c.program == "tar" for c in self.piped_to)


class UserOp(Struct, frozen=True):
    """A useradd/adduser/groupadd command."""

    tool: Literal["useradd", "adduser", "groupadd", "addgroup"]
    command: Command
    name: Word | None
    id: str | None
    """The ``-u``/``--uid`` (users) or ``-g``/``--gid`` (groups) value."""
    system: bool
    """``-r``/``--system`` (``-S`` for BusyBox ``adduser``/``addgroup``)."""
    no_log_init: bool
    """useradd ``-l``/``--no-log-init``: no huge sparse /var/log/lastlog for a high UID."""
    flags: frozenset[str]
    options: tuple[tuple[str, str], ...]


class CacheCleanup(Struct, frozen=True):
    """A command that removes a package manager's caches or lists."""

    managers: frozenset[Manager]
    """Whose cache it removes (``rm -rf ~/.cache`` removes pip's, yarn's and go's)."""
    how: Literal["rm", "command"]
    """``rm`` of cache directories, or the manager's own clean command."""
    command: Command
    paths: tuple[Word, ...] = ()


class AptMark(Struct, frozen=True):
    """``apt-mark auto|manual|showmanual``, also run by ``xargs`` (``... | xargs apt-mark auto``)."""

    command: Command
    mode: str
    """``auto``, ``manual``, ``showmanual``, ``showauto``, ``hold``..."""
    names: tuple[Word, ...]
    """The package names (or patterns: ``'.*'``) given on the command line."""
    fed: bool
    """Run by ``xargs``: more names come from the output of a command."""


Operation = PackageOp | Download | UserOp | CacheCleanup | AptMark


# --- queries -------------------------------------------------------------------------------------


def operations(script: ShellScript) -> tuple[Operation, ...]:
    """The operations of every command of ``script`` (``sh -c`` bodies included), in order."""
    found = []
    for command in script.all_commands():
        operation = analyze(command, script)
        if operation is not None:
            found.append(operation)
    return tuple(found)


def installs(script: ShellScript, manager: Manager | None = None) -> tuple[PackageOp, ...]:
    """The package installations (of ``manager`` when given)."""
    return tuple(
        op
        for op in operations(script)
        if isinstance(op, PackageOp) and op.action == "install" and (manager is None or op.manager == manager)
    )


def cleanups(script: ShellScript) -> tuple[CacheCleanup, ...]:
    found: list[CacheCleanup] = []
    for op in operations(script):
        if isinstance(op, CacheCleanup):
            found.append(op)
        elif isinstance(op, PackageOp) and op.action == "clean":
            found.append(CacheCleanup(frozenset({op.manager}), "command", op.command))
    return tuple(found)


_FILLS_CACHE = frozenset({"install", "update", "upgrade", "dist-upgrade", "refresh", "makecache"})


def cleans_cache(script: ShellScript, manager: Manager) -> bool:
    """Whether ``script`` leaves no cache of ``manager`` behind: every installation uses the
    manager's no-cache option (apk ``--no-cache``, pip ``--no-cache-dir``...), or a cleanup
    (``rm`` of its cache, or its clean command) runs after the last command that fills it."""
    order = {id(c): index for index, c in enumerate(script.all_commands())}
    mine = [op for op in operations(script) if isinstance(op, PackageOp) and op.manager == manager]
    added = [op for op in mine if op.action == "install"]
    if added and all(op.no_cache for op in added):
        return True
    last = max((order[id(op.command)] for op in mine if op.action in _FILLS_CACHE), default=-1)
    return any(
        manager in cleanup.managers and order[id(cleanup.command)] > last for cleanup in cleanups(script)
    )


def cache_mounted(mounts: Iterable[tuple[str, str]], manager: Manager) -> bool:
    """Whether one of the RUN's mounts (``(type, target)`` pairs) holds ``manager``'s cache: a
    ``cache`` (or ``tmpfs``) mount on the cache directory, one of its parents or one of its
    subdirectories. Advice to clean that cache up is then wrong."""
    targets = [target.rstrip("/") or "/" for kind, target in mounts if kind in {"cache", "tmpfs"}]
    for directory in CACHE_DIRS[manager]:
        for target in targets:
            where = target
            if directory.startswith("~/"):
                home = re.match(r"(/root|/home/[^/]+)(/.*)?$", target)
                if home is None:
                    continue
                where = "~" + (home.group(2) or "")
            if _overlaps(directory, where):
                return True
    return False


def _overlaps(directory: str, target: str) -> bool:
    return (
        directory == target
        or directory.startswith(target.rstrip("/") + "/")
        or target.startswith(directory + "/")
        or target == "~"
    )


# --- recognizing commands ------------------------------------------------------------------------


def analyze(command: Command, script: ShellScript | None = None) -> Operation | None:
    """The operation ``command`` performs, if it is one this module understands. ``script`` (the
    script holding it) tells what a download is piped into; the answer is kept in the script, so
    each command is analyzed once however many rules ask."""
    if script is None:
        return _analyze(command, None)
    known = script.analyzed.get(id(command))
    if known is not None and known[0] is command:
        return known[1]
    operation = _analyze(command, script)
    script.analyzed[id(command)] = (command, operation)
    return operation


def _analyze(command: Command, script: ShellScript | None) -> Operation | None:
    program = command.program
    args = command.args
    if program in {"apt-get", "apt"}:
        return _apt(command, program)
    if program == "apk":
        return _apk(command)
    if program in {"yum", "dnf", "microdnf"}:
        return _yum(command, program)
    if program == "zypper":
        return _zypper(command)
    if program.startswith("pip") and re.fullmatch(_PIP, program):
        return _pip(command, program, args)
    if program.startswith("python") and re.fullmatch(_PYTHON, program) and _values(args[:2]) == ["-m", "pip"]:
        return _pip(command, f"{program} -m pip", args[2:])
    if program == "uv" and _values(args[:1]) == ["pip"]:
        return _pip(command, "uv pip", args[1:])
    if program == "pipx":
        return _pipx(command)
    if program in {"npm", "yarn", "pnpm"}:
        return _node(command, program)
    if program == "gem":
        return _gem(command)
    if program == "go":
        return _go(command)
    if program in {"curl", "wget"}:
        return _download(command, program, script)
    if program in {"useradd", "adduser", "groupadd", "addgroup"}:
        return _user(command, program)
    if program == "rm":
        return _rm(command)
    if program == "apt-mark":
        return _apt_mark(command, command.args, fed=False)
    if program == "xargs":
        return _xargs(command)
    return None


_PIP = r"pip(\d+(\.\d+)?)?"
_PYTHON = r"python(\d+(\.\d+)?)?"


class _Options(Struct, frozen=True):
    """The options and operands of a command line, as one manager's parser reads them."""

    flags: frozenset[str]
    options: tuple[tuple[str, str], ...]
    operands: tuple[Word, ...]
    valued: tuple[tuple[str, Word], ...]
    """Each option of ``options`` (same order) with the Word holding its value (the option's own
    word for ``-rFILE``)."""

    def words(self, *names: str) -> tuple[Word, ...]:
        return tuple(word for name, word in self.valued if name in names)

    def last(self, *names: str) -> str | None:
        return next((value for name, value in reversed(self.options) if name in names), None)


def _parse_options(words: Iterable[Word], takes_value: frozenset[str], clusters: bool = True) -> _Options:
    """Split words into options and operands. ``takes_value`` names the options that take a
    value (``-o X``, ``-oX``, ``--opt X``, ``--opt=X``); with ``clusters``, ``-abc`` is ``-a -b
    -c`` (else one option, as in ``go -ldflags``)."""
    flags: set[str] = set()
    options: list[tuple[str, str]] = []
    operands: list[Word] = []
    valued: list[tuple[str, Word]] = []
    pending: str | None = None
    only_operands = False
    for word in words:
        text = word.value if word.value is not None else word.text
        if pending is not None:
            options.append((pending, text))
            valued.append((pending, word))
            pending = None
        elif only_operands or not text.startswith("-") or text == "-" or word.value is None:
            operands.append(word)
        elif text == "--":
            only_operands = True
        elif text.startswith("--") or not clusters:
            name, equals, value = text.partition("=")
            flags.add(name)
            if equals:
                options.append((name, value))
                valued.append((name, word))
            elif name in takes_value:
                pending = name
        else:
            for index, letter in enumerate(text[1:], start=1):
                name = "-" + letter
                flags.add(name)
                rest = text[index + 1 :]
                if rest.startswith("="):
                    options.append((name, rest[1:]))
                    valued.append((name, word))
                    break
                if name in takes_value:
                    if rest:
                        options.append((name, rest))
                        valued.append((name, word))
                    else:
                        pending = name
                    break
    return _Options(frozenset(flags), tuple(options), tuple(operands), tuple(valued))


def _values(words: Iterable[Word]) -> list[str | None]:
    return [w.value for w in words]


def _text(word: Word) -> str:
    """The word's value, or for a word with expansions its text without quotes (``"flask==$V"``
    reads ``flask==$V``), so that a spec's structure shows even when a value is unknown."""
    if word.value is not None:
        return word.value
    return _unquote_with_offsets(word.text, 0)[0] if "'" in word.text or '"' in word.text else word.text


# apt ----------------------------------------------------------------------------------------------

# apt-get(8) and apt(8) (apt 2.9/3.0): the options that take a value.
_APT_VALUES = frozenset(
    {"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release", "-a"}
    | {"--host-architecture", "-P", "--build-profiles", "--solver", "--planner", "--comment"}
)
_APT_ACTIONS = {"full-upgrade": "dist-upgrade"}
_APT_SPEC = r"(?P<name>[^=/]+)(?:(?P<op>[=/])(?P<version>.+))?"


def _apt(command: Command, tool: str) -> PackageOp | None:
    parsed = _parse_options(command.args, _APT_VALUES)
    if not parsed.operands:
        return None
    action = _text(parsed.operands[0])
    quiet = sum(f == "-q" for f in _cluster_letters(command.args, "q"))
    quiet += sum(w.value == "--quiet" for w in command.args)
    yes = (
        bool(parsed.flags & {"-y", "--yes", "--assume-yes", "--force-yes"})
        or quiet >= 2
        or any(name in {"-q", "--quiet"} and value == "2" for name, value in parsed.options)
    )
    no_recommends = "--no-install-recommends" in parsed.flags or any(
        name in {"-o", "--option"}
        and re.fullmatch(r"APT::Install-Recommends=(false|0|no|off)", value, re.IGNORECASE)
        for name, value in parsed.options
    )
    packages = tuple(_package(word, _APT_SPEC, lambda op, version: op == "=") for word in parsed.operands[1:])
    return PackageOp(
        manager="apt",
        tool=tool,
        action=_APT_ACTIONS.get(action, action),
        command=command,
        packages=packages,
        flags=parsed.flags,
        options=parsed.options,
        yes=yes,
        no_recommends=no_recommends,
    )


def _cluster_letters(words: Iterable[Word], letter: str) -> list[str]:
    """Each occurrence of ``-<letter>`` in short-option clusters (``-qq`` counts twice)."""
    found: list[str] = []
    for word in words:
        text = word.value or ""
        if text.startswith("-") and not text.startswith("--"):
            found.extend("-" + letter for _ in range(text.split("=")[0].count(letter)))
    return found


# apt-mark ------------------------------------------------------------------------------------------

_APT_MARK_VALUES = frozenset({"-f", "--file", "-o", "--option", "-c", "--config-file"})
_XARGS_VALUES = frozenset({"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter"})


def _apt_mark(command: Command, args: tuple[Word, ...], fed: bool) -> AptMark | None:
    operands = _parse_options(
        args, frozenset({"-f", "--file", "-o", "--option", "-c", "--config-file"})
    ).operands
    if not operands:
        return None
    return AptMark(command, _text(operands[0]), operands[1:], fed)


def _xargs(command: Command) -> AptMark | None:
    """``xargs [options] apt-mark MODE``: the only command ``xargs`` runs that this module reads."""
    args = command.args
    index = 0
    while index < len(args) and (args[index].value or "").startswith("-"):
        option = args[index].value or ""
        index += 2 if option in _XARGS_VALUES else 1
    if index < len(args) and (args[index].value or "").rsplit("/", 1)[-1] == "apt-mark":
        return _apt_mark(command, args[index + 1 :], fed=True)
    return None


class Removal(Struct, frozen=True):
    """Packages of one installation that a later command of the same script removes again."""

    install: PackageOp
    remover: PackageOp
    names: frozenset[str]
    """The installation's packages (as named there) that are gone when the script ends."""
    everything: bool
    """Every package the installation brought in is gone, its dependencies too (an ``apk del``
    of its ``--virtual`` name, or an apt auto-remove after ``apt-mark auto '.*'``)."""
    kept_unknown: bool
    """An ``apt-mark manual`` fed by a command's output (``ldd ... | xargs apt-mark manual``, the
    official images' way of keeping the shared libraries a build links to) keeps packages that
    cannot be known here: run-time libraries, not the build tools named on the command line."""


_APT_ALL = frozenset({".*", "*", "^.*$", ".+"})
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


class _Marked(Struct):
    """What ``apt-mark auto`` did to one apt installation of the script."""

    everything: bool = False
    """``apt-mark auto '.*'`` after it: all it brought in is removable."""
    names: set[str] = set()
    """Its packages marked auto by name (or, after ``everything``, marked manual again)."""


def removals(script: ShellScript) -> tuple[Removal, ...]:
    """What ``script`` installs and removes again, so that none of it is in the layer.

    - ``apk add --virtual NAME ...`` (or ``-t NAME``) then ``apk del NAME``; ``apk del`` or
      ``apt-get purge`` of packages an earlier command of the script installed.
    - The official images' apt pattern: ``savedAptMark="$(apt-mark showmanual)"``, ``apt-get
      install ...``, then ``apt-mark auto '.*'`` (or ``apt-mark showmanual | xargs apt-mark auto``),
      ``apt-mark manual $savedAptMark`` and ``apt-get purge -y --auto-remove`` (or ``apt-get
      autoremove``): everything installed before the auto marking is removed, except packages
      named again in ``apt-mark manual``. A ``$savedAptMark`` taken after the installation, or an
      ``apt-mark manual`` of a word whose value is unknown, keeps everything (nothing is removed).
    """
    found: list[Removal] = []
    saved: dict[str, int] = {}  # shell variables holding ``apt-mark showmanual``, by where set
    apt: list[tuple[int, PackageOp, _Marked]] = []
    fed_manual = False
    apk: list[PackageOp] = []
    for position, command in enumerate(script.all_commands()):
        op = analyze(command, script)
        for assignment in command.assignments:
            if assignment.value is not None and "apt-mark showmanual" in assignment.value.text:
                saved[assignment.name] = position
        if isinstance(op, AptMark) and op.mode == "auto":
            every = op.fed or any(w.value in _APT_ALL for w in op.names)
            for _, _, marked in apt:
                if every:
                    marked.everything, marked.names = True, set()
                elif not marked.everything:
                    marked.names.update(w.value for w in op.names if w.value is not None)
        elif isinstance(op, AptMark) and op.mode == "manual":
            fed_manual = fed_manual or op.fed
            for word in op.names:
                _mark_manual(apt, word, saved)
        elif isinstance(op, PackageOp) and op.manager == "apt":
            if op.action == "install":
                apt.append((position, op, _Marked(names=set())))
            elif op.action in {"remove", "purge", "autoremove"}:
                found.extend(_apt_removals(op, apt, fed_manual))
        elif isinstance(op, PackageOp) and op.manager == "apk":
            if op.action == "install":
                apk.append(op)
            elif op.action == "remove":
                found.extend(_apk_removals(op, apk))
    return tuple(found)


def _mark_manual(apt: list[tuple[int, PackageOp, _Marked]], word: Word, saved: dict[str, int]) -> None:
    """``apt-mark manual WORD``: a named package stays; ``$savedAptMark`` re-marks what was
    manual when it was taken; any other unknown word may name anything, so everything stays."""
    variable = _VARIABLE.fullmatch(word.text)
    for where, _, marked in apt:
        if word.value is not None:
            if marked.everything:
                marked.names.add(word.value)  # kept out of the removal
            else:
                marked.names.discard(word.value)
        elif variable is None or variable.group(1) not in saved or saved[variable.group(1)] > where:
            marked.everything, marked.names = False, set()


def _apt_removals(
    op: PackageOp, apt: list[tuple[int, PackageOp, _Marked]], fed_manual: bool
) -> Iterator[Removal]:
    named = {p.name for p in op.packages}
    automatic = op.action == "autoremove" or bool(op.flags & {"--auto-remove", "--autoremove"})
    for _, install, marked in apt:
        mine = {p.name for p in install.packages}
        if automatic and marked.everything:
            gone = mine - marked.names
            everything = not marked.names
        else:
            gone = (named | (marked.names if automatic else set())) & mine
            everything = False
        if gone:
            yield Removal(install, op, frozenset(gone), everything, marked.everything and fed_manual)


def _apk_removals(op: PackageOp, apk: list[PackageOp]) -> Iterator[Removal]:
    named = {p.name for p in op.packages}
    for install in apk:
        mine = frozenset(p.name for p in install.packages)
        if install.virtual is not None and install.virtual in named:
            yield Removal(install, op, mine, True, False)
        elif named & mine:
            yield Removal(install, op, frozenset(named & mine), False, False)


# apk ----------------------------------------------------------------------------------------------

# apk(8) of apk-tools 2.14 and 3.0: the global options and those of add/del that take a value.
_APK_VALUES = frozenset(
    {"-t", "--virtual", "-X", "--repository", "-p", "--root", "--keys-dir", "--arch"}
    | {"--cache-dir", "--repositories-file", "--cache-max-age", "--timeout", "--wait"}
    | {"--progress-fd", "--from", "--repository-config", "--uvol-manager", "--cache-predownload"}
)
_APK_SPEC = r"(?P<name>[^=<>~]+)(?:(?P<op>~=|=~|>=|<=|=|~|>|<)(?P<version>.+))?"


def _apk(command: Command) -> PackageOp | None:
    parsed = _parse_options(command.args, _APK_VALUES)
    if not parsed.operands:
        return None
    action = _text(parsed.operands[0])
    if action == "cache" and _values(parsed.operands[1:2]) in (["clean"], ["purge"]):
        action = "clean"
    packages = (
        tuple(_package(word, _APK_SPEC, lambda op, version: op == "=") for word in parsed.operands[1:])
        if action in {"add", "del"}
        else ()
    )
    return PackageOp(
        manager="apk",
        tool="apk",
        action={"add": "install", "del": "remove"}.get(action, action),
        command=command,
        packages=packages,
        flags=parsed.flags,
        options=parsed.options,
        yes=True,
        no_cache="--no-cache" in parsed.flags,
        virtual=parsed.last("-t", "--virtual"),
    )


# yum / dnf / microdnf -----------------------------------------------------------------------------

# yum(8), dnf(8) (dnf 4 and dnf5) and microdnf: the options that take a value.
_YUM_VALUES = frozenset(
    {"-x", "--exclude", "--setopt", "--enablerepo", "--disablerepo", "--installroot"}
    | {"--releasever", "-c", "--config", "--repo", "--repoid", "--forcearch", "-d", "-e"}
    | {"--downloaddir", "--destdir", "--repofrompath", "--rpmverbosity", "--color", "--comment"}
    | {"--advisory", "--advisories", "--bz", "--bzs", "--cve", "--cves", "--sec-severity"}
    | {"--secseverity", "--disableexcludes", "--disableexcludepkgs", "--excludepkgs"}
    | {"--disableplugin", "--enableplugin", "--from-repo", "--setvar", "--debuglevel"}
    | {"--errorlevel", "--use-host-config-from", "--installroot-dir"}
)
# name-[epoch:]version[-release][.arch]: a dotted version, or any version after an epoch
# (`openssl-1:1.1.1k`), so that digits in a name (`java-17-openjdk`) are not taken for one.
_YUM_SPEC = r"(?P<name>.+?)(?P<op>-)(?P<version>\d+:[\w.+~^-]+|\d+(\.\d+)+[\w.+~^:-]*)"
_YUM_ACTIONS = {
    "erase": "remove",
    "update": "upgrade",
    "localinstall": "install",
    # dnf's own aliases (dnf/cli/commands: ``in``, ``install-n``..., ``erase-n``..., ``up``) and
    # dnf5's compatibility aliases (``rm``, ``rei``); yum is dnf since RHEL 8.
    "in": "install",
    "install-n": "install",
    "install-na": "install",
    "install-nevra": "install",
    "rm": "remove",
    "remove-n": "remove",
    "remove-na": "remove",
    "remove-nevra": "remove",
    "erase-n": "remove",
    "erase-na": "remove",
    "erase-nevra": "remove",
    "up": "upgrade",
    "update-to": "upgrade",
    "upgrade-to": "upgrade",
    "rei": "reinstall",
}


def _yum(command: Command, tool: str) -> PackageOp | None:
    parsed = _parse_options(command.args, _YUM_VALUES)
    if not parsed.operands:
        return None
    action = _text(parsed.operands[0])
    weak = [v for n, v in parsed.options if n == "--setopt" and v.startswith("install_weak_deps=")]
    no_weak = bool(weak) and weak[-1].split("=", 1)[1].lower() in {"false", "0", "no", "off"}
    return PackageOp(
        manager="dnf" if tool == "dnf" else "microdnf" if tool == "microdnf" else "yum",
        tool=tool,
        action=_YUM_ACTIONS.get(action, action),
        command=command,
        packages=tuple(
            _package(word, _YUM_SPEC, lambda op, version: True)
            for word in parsed.operands[1:]
            if action not in {"clean", "makecache", "module"}
        ),
        flags=parsed.flags,
        options=parsed.options,
        # microdnf asks for confirmation too since 3.7 (2021): only -y makes it non-interactive
        yes=bool(parsed.flags & {"-y", "--assumeyes"}),
        no_recommends=no_weak,
        no_docs="--nodocs" in parsed.flags,
    )


# zypper -------------------------------------------------------------------------------------------

# zypper(8): the global options and those of install/remove that take a value.
_ZYPPER_VALUES = frozenset(
    {"-R", "--root", "--reposd-path", "-D", "--config", "-c", "-t", "--type", "-r", "--repo"}
    | {"--from", "--download", "-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir"}
    | {"--pkg-cache-dir", "--userdata", "--releasever", "--installroot", "-p", "--plus-repo"}
    | {"--plus-content", "--oldpackage-of"}
)
_ZYPPER_ACTIONS = {
    "in": "install",
    "rm": "remove",
    "up": "update",
    "dup": "dist-upgrade",
    "ref": "refresh",
    "cc": "clean",
}
_ZYPPER_SPEC = r"(?P<name>[^=<>]+)(?:(?P<op>>=|<=|=|>|<)(?P<version>.+))?"


def _zypper(command: Command) -> PackageOp | None:
    parsed = _parse_options(command.args, _ZYPPER_VALUES)
    if not parsed.operands:
        return None
    action = _text(parsed.operands[0])
    action = _ZYPPER_ACTIONS.get(action, action)
    # -n is the global --non-interactive only before the command; after it, it is install's --name
    position = next(i for i, word in enumerate(command.args) if word is parsed.operands[0])
    global_flags = _parse_options(command.args[:position], _ZYPPER_VALUES).flags
    return PackageOp(
        manager="zypper",
        tool="zypper",
        action=action,
        command=command,
        packages=tuple(
            _package(word, _ZYPPER_SPEC, lambda op, version: op == "=") for word in parsed.operands[1:]
        )
        if action in {"install", "remove"}
        else (),
        flags=parsed.flags,
        options=parsed.options,
        yes=bool(global_flags & {"-n", "--non-interactive"} or parsed.flags & {"-y", "--no-confirm"}),
        no_recommends="--no-recommends" in parsed.flags,
    )


# pip ----------------------------------------------------------------------------------------------

# pip's options that take a value (pip 26.3: cli/cmdoptions.py and commands/install.py,
# download.py, wheel.py, uninstall.py, read from the source; --global-option and --install-option
# of older pips), and uv pip's --index-strategy.
_PIP_VALUES = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url"}
    | {"--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root"}
    | {"--src", "--progress-bar", "--trusted-host", "--platform", "--python-version"}
    | {"--implementation", "--abi", "--only-binary", "--no-binary", "--upgrade-strategy"}
    | {"--log", "--proxy", "--retries", "--timeout", "--cache-dir", "--config-settings", "-C"}
    | {"--global-option", "-p", "--python", "--report", "--exists-action", "--index-strategy"}
    | {"--root-user-action", "--use-feature", "--use-deprecated", "--keyring-provider", "--cert"}
    | {"--client-cert", "--build-constraint", "--group", "--resume-retries", "--default-timeout"}
    | {"--log-file", "--local-log", "--uploaded-prior-to", "--install-option", "-d", "--dest"}
    | {"-w", "--wheel-dir", "--source", "--source-dir", "--source-directory", "--path"}
)
_PIP_SPEC = (
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?)\s*"
    r"(?:(?P<op>===|==|~=|!=|>=|<=|>|<|@)\s*(?P<version>[^;]+?))?\s*(;.*)?"
)


def _pip_pinned(op: str | None, version: str | None) -> bool:
    return op in {"==", "==="} and version is not None and "*" not in version and "," not in version


# pip's booleans (src/pip/_internal/utils/misc.py, strtobool), case-insensitive.
_PIP_BOOLEANS = frozenset({"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"})


def pip_no_cache(value: str) -> bool | None:
    """What ``PIP_NO_CACHE_DIR=value`` does to pip (19.0 and later; read in pip 26.3's
    cli/cmdoptions.py ``_handle_no_cache_dir`` and cli/parser.py ``_update_defaults``): True, the
    cache is off, for every value pip's ``strtobool`` accepts, false ones (``0``, ``off``, ``no``)
    included, for backward compatibility; False, the cache stays on, for an empty value, which pip
    drops like every empty configuration value; None for any other value, which pip refuses: every
    pip command then stops with "invalid truth value"."""
    if not value:
        return False
    return True if value.lower() in _PIP_BOOLEANS else None


def _pip(command: Command, tool: str, args: tuple[Word, ...]) -> PackageOp | None:
    parsed = _parse_options(args, _PIP_VALUES)
    if not parsed.operands:
        return None
    action = _text(parsed.operands[0])
    if action == "cache" and _values(parsed.operands[1:2]) in (["purge"], ["remove"]):
        action = "clean"
    no_cache_env = any(
        a.name == "PIP_NO_CACHE_DIR"
        and a.value is not None
        and (a.value.value is None or pip_no_cache(a.value.value) is not False)
        for a in command.assignments
    )
    packages: list[Package] = []
    if action in {"install", "uninstall", "download", "wheel"}:
        packages.extend(_package(w, _PIP_SPEC, _pip_pinned) for w in parsed.operands[1:])
        packages.extend(
            _package(word, _PIP_SPEC, _pip_pinned, value)
            for (name, word), (_, value) in zip(parsed.valued, parsed.options, strict=True)
            if name in {"-e", "--editable"}
        )
    return PackageOp(
        manager="pip",
        tool=tool,
        action="remove" if action == "uninstall" else action,
        command=command,
        packages=tuple(packages),
        flags=parsed.flags,
        options=parsed.options,
        yes=True,
        no_cache=bool(parsed.flags & {"--no-cache-dir", "--no-cache"}) or no_cache_env,
        requirements=parsed.words("-r", "--requirement"),
        user="--user" in parsed.flags,
    )


# pipx install/inject (pipx 1.7): the options that take a value.
_PIPX_VALUES = frozenset(
    {"--suffix", "--python", "--preinstall", "-i", "--index-url", "--pip-args", "--backend"}
    | {"--spec", "--requirement", "-r"}
)


def _pipx(command: Command) -> PackageOp | None:
    """``pipx install PKG...`` and ``pipx inject VENV PKG...``: pip installs, each package into a
    virtual environment of its own (pipx's own options; ``--pip-args`` go to pip)."""
    parsed = _parse_options(command.args, _PIPX_VALUES)
    action = _text(parsed.operands[0]) if parsed.operands else ""
    if action not in {"install", "inject"}:
        return None
    words = parsed.operands[2:] if action == "inject" else parsed.operands[1:]
    return PackageOp(
        manager="pip",
        tool="pipx",
        action="install",
        command=command,
        packages=tuple(_package(w, _PIP_SPEC, _pip_pinned) for w in words),
        flags=parsed.flags,
        options=parsed.options,
        yes=True,
        requirements=parsed.words("-r", "--requirement"),
    )


# npm / yarn / pnpm --------------------------------------------------------------------------------

# npm (10), yarn (1 and 4) and pnpm (9): the options that take a value.
_NODE_VALUES = frozenset(
    {"--registry", "--prefix", "--omit", "--include", "--only", "--tag", "--cache", "-w"}
    | {"--workspace", "--userconfig", "--cwd", "--modules-folder", "--cache-folder"}
    | {"--network-timeout", "--mutex", "--filter", "-F", "--dir", "-C", "--store-dir"}
    | {"--loglevel", "--install-strategy", "--before", "--audit-level", "--globalconfig"}
    | {"--script-shell", "--node-options", "--location", "--save-prefix", "--otp", "--scope"}
    | {"--fetch-retries", "--fetch-timeout", "--cpu", "--os", "--libc", "--network-concurrency"}
    | {"--global-folder", "--link-folder", "--preferred-cache-folder", "--https-proxy"}
    | {"--proxy", "--reporter", "--virtual-store-dir", "--lockfile-dir", "--node-linker"}
    | {"--mode"}
)
_NODE_ACTIONS = {
    "i": "install",
    "in": "install",
    "add": "install",
    "ci": "install",
    "clean-install": "install",
    "install-clean": "install",
    "uninstall": "remove",
    "un": "remove",
    "rm": "remove",
    "r": "remove",
    "remove": "remove",
    "up": "update",
    "upgrade": "update",
}
_NODE_MANAGERS: dict[str, Manager] = {"npm": "npm", "yarn": "yarn", "pnpm": "pnpm"}
_NODE_SPEC = r"(?P<name>@?[^@]+)(?:(?P<op>@)(?P<version>.+))?"


def _node_pinned(op: str | None, version: str | None) -> bool:
    return (
        version is not None
        and version not in {"latest", "next", "*", "x"}
        and not version.startswith(("^", "~", ">", "<", "*"))
    )


def _node(command: Command, tool: str) -> PackageOp | None:
    parsed = _parse_options(command.args, _NODE_VALUES)
    operands = list(parsed.operands)
    global_install = bool(parsed.flags & {"-g", "--global"})
    if tool == "yarn" and operands and operands[0].value == "global":
        global_install = True
        operands = operands[1:]
    if not operands:
        if tool == "npm":
            return None
        action = "install"  # a bare ``yarn`` / ``pnpm`` installs
    else:
        action = _text(operands[0])
        operands = operands[1:]
    if (action, *_values(operands[:1])) in {("cache", "clean"), ("store", "prune")}:
        action, operands = "clean", []
    action = _NODE_ACTIONS.get(action, action)
    production = bool(parsed.flags & {"--production", "--prod", "-P"}) or any(
        (name == "--omit" and value == "dev") or (name == "--only" and value.startswith("prod"))
        for name, value in parsed.options
    )
    return PackageOp(
        manager=_NODE_MANAGERS[tool],
        tool=tool,
        action=action,
        command=command,
        packages=tuple(_package(w, _NODE_SPEC, _node_pinned) for w in operands)
        if action in {"install", "remove", "update"}
        else (),
        flags=parsed.flags,
        options=parsed.options,
        yes=True,
        global_install=global_install,
        production=production,
    )


# gem ----------------------------------------------------------------------------------------------

# gem install (RubyGems 3.5): the options that take a value.
_GEM_VALUES = frozenset(
    {"-v", "--version", "-i", "--install-dir", "-n", "--bindir", "--source", "-s", "-P"}
    | {"--trust-policy", "--platform", "-g", "--file", "--config-file", "--build-root"}
    | {"--target-rbconfig", "--http-proxy"}
)
_GEM_SPEC = r"(?P<name>[^:]+)(?:(?P<op>:)(?P<version>.+))?"


def _gem(command: Command) -> PackageOp | None:
    args = command.args
    end = next((i for i, w in enumerate(args) if w.value == "--"), len(args))
    parsed = _parse_options(args[:end], _GEM_VALUES)  # after `--`: the gems' build options
    if not parsed.operands:
        return None
    action = _text(parsed.operands[0])
    # RubyGems aliases ``i`` to install and takes any unambiguous prefix of a command (``gem ins``)
    if action == "i" or (len(action) >= 3 and "install".startswith(action)):
        action = "install"
    version = parsed.last("-v", "--version")
    packages = []
    for word in parsed.operands[1:] if action in {"install", "uninstall", "update"} else ():
        package = _package(word, _GEM_SPEC, lambda op, v: not v.startswith(("~", ">", "<")))
        if package.version is None and version is not None:
            exact = not version.lstrip().startswith(("~", ">", "<", "!"))
            package = Package(package.name, version, "-v", exact, word)
        packages.append(package)
    return PackageOp(
        manager="gem",
        tool="gem",
        action={"uninstall": "remove"}.get(action, action),
        command=command,
        packages=tuple(packages),
        flags=parsed.flags,
        options=parsed.options,
        yes=True,
        no_docs=bool(parsed.flags & {"--no-document", "--no-doc", "-N", "--no-ri", "--no-rdoc"}),
    )


# go -----------------------------------------------------------------------------------------------

# go install / go get (go help build): the build flags that take a value.
_GO_VALUES = frozenset(
    {"-o", "-C", "-ldflags", "-gcflags", "-tags", "-mod", "-modfile", "-p", "-asmflags"}
    | {"-pkgdir", "-toolexec", "-overlay", "-pgo", "-gccgoflags", "-compiler", "-buildmode"}
    | {"-installsuffix", "-covermode", "-coverpkg"}
)
_GO_SPEC = r"(?P<name>[^@]+)(?:(?P<op>@)(?P<version>.+))?"


def _go(command: Command) -> PackageOp | None:
    parsed = _parse_options(command.args, _GO_VALUES, clusters=False)
    if not parsed.operands:
        return None
    action = _text(parsed.operands[0])
    if action == "clean" and parsed.flags & {"-cache", "-modcache"}:
        action = "clean"
    elif action in {"install", "get"}:
        action = "install"
    elif action != "run":  # go run PACKAGE[@version] [arguments]: the package only
        return None
    words = parsed.operands[1:2] if action == "run" else parsed.operands[1:]
    return PackageOp(
        manager="go",
        tool="go",
        action=action,
        command=command,
        packages=tuple(
            _package(w, _GO_SPEC, lambda op, v: v not in {"latest", "master", "main", "upgrade"})
            for w in words
        ),
        flags=parsed.flags,
        options=parsed.options,
        yes=True,
    )


def _package(
    word: Word,
    spec: str,
    pinned: Callable[[str | None, str], bool],
    text: str | None = None,
) -> Package:
    """A package from a spec such as ``curl=7.88.1-10`` (``spec``: the manager's pattern, compiled
    on first use, as a run reads the specs of one or two managers); ``pinned`` tells whether an
    operator and a version name one exact version. ``text`` replaces the word's (for
    ``--editable=.``)."""
    written = _text(word) if text is None else text
    match = re.fullmatch(spec, written)
    if match is None:
        return Package(written, None, None, False, word)
    op, version = match.group("op"), match.group("version")
    pin = version is not None and pinned(op, version)
    return Package(match.group("name"), version, op if version is not None else None, pin, word)


# curl / wget --------------------------------------------------------------------------------------

_CURL_VALUES = frozenset(
    {"-o", "--output", "-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "-u"}
    | {"--user", "-A", "--user-agent", "-e", "--referer", "-X", "--request", "-w", "--write-out"}
    | {"--retry", "--retry-delay", "--retry-max-time", "-m", "--max-time", "--connect-timeout"}
    | {"-x", "--proxy", "--cacert", "--cert", "--key", "-T", "--upload-file", "-F", "--form"}
    | {"-b", "--cookie", "-c", "--cookie-jar", "-r", "--range", "-K", "--config", "--proto"}
    | {"--proto-redir", "--resolve", "-C", "--continue-at", "--output-dir", "-z", "--time-cond"}
    | {"--limit-rate", "-Y", "-y", "--url", "-E", "--ciphers"}
)
_WGET_VALUES = frozenset(
    {"-O", "--output-document", "-o", "--output-file", "-P", "--directory-prefix", "-U"}
    | {"--user-agent", "--header", "-t", "--tries", "-T", "--timeout", "--user", "--password"}
    | {"-e", "--execute", "-i", "--input-file", "--post-data", "--load-cookies"}
    | {"--save-cookies", "--ca-certificate", "-w", "--wait", "-a", "--append-output", "-Q"}
    | {"--quota", "-l", "--level", "-A", "--accept", "-R", "--reject", "-D", "--domains"}
)


def _download(command: Command, tool: str, script: ShellScript | None) -> Download:
    curl = tool == "curl"
    parsed = _parse_options(command.args, _CURL_VALUES if curl else _WGET_VALUES)
    output_names = ("-o", "--output") if curl else ("-O", "--output-document")
    outputs = parsed.words(*output_names)
    output = outputs[-1] if outputs else None
    output_value = parsed.last(*output_names)
    urls = (*parsed.operands, *parsed.words("--url"))
    if curl:
        to_stdout = output is None and not parsed.flags & {"-O", "--remote-name", "--remote-name-all"}
        to_stdout = to_stdout or output_value == "-"
    else:
        to_stdout = output_value == "-"
    return Download(
        tool="curl" if curl else "wget",
        command=command,
        urls=urls,
        output=output,
        to_stdout=to_stdout,
        piped_to=script.piped_into(command) if script is not None else (),
        fails_on_http_error=not curl or bool(parsed.flags & {"-f", "--fail", "--fail-with-body"}),
        insecure=bool(parsed.flags & {"-k", "--insecure", "--no-check-certificate"}),
        flags=parsed.flags,
        options=parsed.options,
    )


# users and groups ---------------------------------------------------------------------------------

_USER_VALUES = frozenset(
    {"-u", "--uid", "-g", "--gid", "-G", "--groups", "-d", "--home-dir", "-s", "--shell", "-c"}
    | {"--comment", "-e", "--expiredate", "-f", "--inactive", "-k", "--skel", "-K", "--key"}
    | {"-p", "--password", "-b", "--base-dir", "-R", "--root", "-Z", "--selinux-user", "-P"}
    | {"--prefix", "--home", "--gecos", "--ingroup", "--firstuid", "--lastuid", "--conf", "-h"}
    | {"--firstgid", "--lastgid"}
)


_USER_TOOLS: dict[str, Literal["useradd", "adduser", "groupadd", "addgroup"]] = {
    "useradd": "useradd",
    "adduser": "adduser",
    "groupadd": "groupadd",
    "addgroup": "addgroup",
}


def _user(command: Command, tool: str) -> UserOp:
    parsed = _parse_options(command.args, _USER_VALUES)
    group = tool in {"groupadd", "addgroup"}
    id_options = {"-g", "--gid"} if group else {"-u", "--uid"}
    system_flags = {"-r", "--system"} | ({"-S"} if tool in {"adduser", "addgroup"} else set())
    return UserOp(
        tool=_USER_TOOLS[tool],
        command=command,
        name=parsed.operands[0] if parsed.operands else None,
        id=parsed.last(*id_options),
        system=bool(parsed.flags & system_flags),
        no_log_init=tool == "useradd" and bool(parsed.flags & {"-l", "--no-log-init"}),
        flags=parsed.flags,
        options=parsed.options,
    )


# rm of cache directories --------------------------------------------------------------------------


@cache
def _cleanup_paths() -> tuple[tuple[Manager, re.Pattern[str]], ...]:
    """:data:`_CLEANUP_PATTERNS` compiled, when the first ``rm`` is read."""
    return tuple((manager, re.compile(pattern)) for manager, pattern in _CLEANUP_PATTERNS)


def _rm(command: Command) -> CacheCleanup | None:
    operands = _parse_options(command.args, frozenset()).operands
    managers: set[Manager] = set()
    paths: list[Word] = []
    for word in operands:
        path = _text(word).strip("\"'").rstrip("/")
        hits = {manager for manager, pattern in _cleanup_paths() if pattern.fullmatch(path)}
        if hits:
            managers |= hits
            paths.append(word)
    return CacheCleanup(frozenset(managers), "rm", command, tuple(paths)) if paths else None

"""What each step writes: the files of COPY and ADD, and what the shell commands of a RUN do.

A RUN is read command by command (``sh -c`` bodies included) from the shared shell model. The
commands whose effect on the filesystem is plain are replayed on a :class:`LayerBuilder`:
``dd``, ``truncate``, ``fallocate``, ``touch``, ``mkdir``, ``rm``, ``rmdir``, ``ln``, ``cp``,
``mv``, ``chmod``/``chown``/``chgrp`` (which copy every file they touch into the new layer),
``cd``, output redirections (with the exact size for ``echo``, ``printf``, here-documents and
``head -c``), and package managers through :mod:`dfanalyze.analysis.packages` (sizes from
:mod:`dfanalyze.layers.sizes`). Commands that only read (``ls``, ``grep``, ``X --version`` ...)
change nothing. Any other command may write anything: the layer gets an unknown part that names
it, and what it writes is never counted as zero.

Paths under a RUN's cache, tmpfs, secret or bind mounts never reach the layer.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter, methodcaller
from pathlib import Path

from msgspec import Struct
from msgspec.structs import replace

from dfanalyze import model
from dfanalyze.analysis.context import (
    BuildContext,
    ContextEntry,
    archive_members,
    go_clean,
    match_source_pattern,
)
from dfanalyze.analysis.expand import ExpansionError, Unknown, expand_static
from dfanalyze.analysis.packages import (
    AptMark,
    Download,
    PackageOp,
    analyze,
    cache_mounted,
    cleans_cache,
    removals,
)
from dfanalyze.analysis.shell import Command, ShellScript, Word
from dfanalyze.layers.fs import Bundle, LayerBuilder, NodeKind, PathsBuilder, Tree, make_bundle
from dfanalyze.layers.languages import (
    MANIFEST_ENDINGS,
    install_blobs,
    note_manifest,
    npm_install,
    pip_install,
    python_version,
)
from dfanalyze.layers.sizes import (
    BaseImage,
    Calibration,
    Profile,
    apt_install_blobs,
    apt_state_blob,
    installed_packages,
    unknown_blob,
)

Variables = Mapping[str, str | Unknown]

# Patterns of rare commands and instructions are compiled on first use (``re`` keeps them): a
# case-insensitive class costs ~1 ms to compile, on every start of the linter.
_URL = r"^[a-z][a-z0-9+.-]*://"
_GLOB = re.compile(r"[*?\[]")  # the same as analysis.context's: compiled once
_READ_ONLY = frozenset(
    {"true", "false", ":", "echo", "printf", "ls", "cat", "test", "[", "[[", "sleep", "env", "printenv"}
    | {"id", "whoami", "uname", "pwd", "which", "type", "exit", "set", "export", "unset", "hash", "date"}
    | {"grep", "egrep", "fgrep", "wc", "head", "tail", "sort", "uniq", "stat", "du", "df", "file", "cut"}
    | {"tr", "basename", "dirname", "readlink", "realpath", "expr", "seq", "nproc", "getent", "command"}
    | {"return", "shift", "local", "read", "wait", "ldd", "locale", "tty", "umask", "diff", "cmp", "md5sum"}
    | {"sha1sum", "sha256sum", "sha512sum", "awk", "find", "xxd", "od", "hexdump", "column", "nl", "rev"}
    | {"jq", "yq", "base64", "printenv", "arch", "free", "ps", "id", "groups", "tac", "paste", "join"}
)
_WRITES_WITH_OPTIONS = {"sed": ("-i", "--in-place"), "find": ("-delete", "-exec", "-execdir", "-fprint")}
_VERSION_ARGS = frozenset({"--version", "-version", "-v", "-V", "version", "--help", "-h"})
_COREUTILS_UNITS = {
    "": 1, "b": 512, "k": 1024, "K": 1024, "KiB": 1024, "KB": 1000, "kB": 1000, "M": 1024**2,
    "MiB": 1024**2, "MB": 1000**2, "G": 1024**3, "GiB": 1024**3, "GB": 1000**3, "T": 1024**4,
    "TiB": 1024**4, "TB": 1000**4,
}  # fmt: skip
_DD_UNITS = {**_COREUTILS_UNITS, "c": 1, "w": 2, "xM": 1024**2}
_SIZE = r"(\d+)([A-Za-z]*)"
_RECURSIVE = r"--recursive|-[a-zA-Z]*R[a-zA-Z]*"


class StepEnv(Struct, frozen=True):
    """What a step sees: its variables (ARG and ENV in scope), working directory and user."""

    variables: Variables
    workdir: str
    user: str | None
    escape: str = "\\"

    @property
    def home(self) -> str | None:
        return "/root" if self.user in (None, "", "root", "0") else None


def expand_word(text: str, env: StepEnv) -> str | None:
    """A Dockerfile word after ARG/ENV expansion; None when unknown."""
    try:
        return expand_static(text, env.variables, env.escape).value
    except ExpansionError:
        return None


def absolute(path: str, cwd: str, home: str | None = None) -> str | None:
    """``path`` made absolute against ``cwd`` (``~`` is ``home``); None when it cannot be."""
    if path.startswith("~"):
        if home is None or not (path == "~" or path.startswith("~/")):
            return None
        path = home + path[1:]
    cleaned = go_clean(path if path.startswith("/") else f"{cwd}/{path}")
    return cleaned if cleaned.startswith("/") else "/" + cleaned


def parse_size(text: str, units: Mapping[str, int]) -> int | None:
    """``10M``, ``512``, ``1KiB`` ... in the given unit table; ``2x512`` multiplies (dd)."""
    total = 1
    for factor in text.split("x"):
        match = re.fullmatch(_SIZE, factor)
        if match is None or match.group(2) not in units:
            return None
        total *= int(match.group(1)) * units[match.group(2)]
    return total


# --- RUN -------------------------------------------------------------------------------------------


class RunSetting(Struct, frozen=True):
    """What the interpreter needs beyond the layer: the step's environment, the RUN's mounts,
    heredoc bodies by name, the stage's base image, the calibration and the builder profile."""

    env: StepEnv
    mounts: tuple[model.Mount, ...]
    heredocs: Mapping[str, model.Heredoc]
    base: BaseImage
    calibration: Calibration
    profile: Profile
    estimate_packages: bool = True
    """False: package installs are not sized (linting does not read the Debian data)."""
    context: BuildContext | None = None
    """The build context, where the requirement and lock files the installs read are."""


def run_layer(
    builder: LayerBuilder, run: model.Run, scripts: Sequence[ShellScript], setting: RunSetting
) -> None:
    """Replay a RUN on ``builder``."""
    profile = setting.profile
    if builder.runs == 0:
        for path in profile.first_run_files:
            builder.write(path, "file", 0)
        for path in profile.first_run_dirs:
            builder.modify_dir(path)
    else:
        builder.extra_entries += profile.run_entries
    builder.runs += 1
    for pending in builder.pending_dirs:
        builder.mkdir(pending)
    builder.pending_dirs.clear()
    masked = []
    for mount in run.mounts:
        target = expand_word(mount.target, setting.env) if mount.target else None
        where = absolute(target, setting.env.workdir) if target else None
        if mount.type in ("cache", "tmpfs", "bind", "secret", "ssh") and where is not None:
            masked.append(where)
            if mount.type in ("cache", "tmpfs", "bind"):
                builder.mkdir(where)
    interpreter = _Interpreter(builder, setting, tuple(masked))
    if run.is_exec_form:
        words = [w.text for w in run.exec]
        if words and (_base_name(words[0]) in _READ_ONLY or (len(words) == 2 and words[1] in _VERSION_ARGS)):
            return
        builder.mark_unknown(f"`{' '.join(words)[:60]}` (exec form) may write files this model cannot list")
        return
    for script in scripts:
        if script.dialect in ("powershell", "cmd") or script.errors:
            builder.mark_unknown("a shell script this model cannot read may write anything")
        for command in script.all_commands():
            interpreter.command(command, script)


def glob_paths(nodes: PathsBuilder, pattern: str) -> list[str]:
    """The known paths an absolute shell pattern matches, sorted: component by component, listing
    only the directories on the pattern's way (a trailing ``/`` keeps directories only)."""
    if not pattern.startswith("/"):
        return []
    components = pattern.split("/")
    dirs_only = components[-1] == ""
    found = ["/"]
    for component in (c for c in components if c):
        matched: list[str] = []
        for base in found:
            if _GLOB.search(component):
                prefix = len(base) + (base != "/")
                matched += [p for p in nodes.entries(base) if match_source_pattern(component, p[prefix:])]
            else:
                child = f"{base.rstrip('/')}/{component}"
                if child in nodes:
                    matched.append(child)
        found = matched
    if dirs_only:
        found = [p for p in found if (node := nodes.get(p)) is not None and node.kind == "dir"]
    return sorted(p for p in found if p != "/")


def _base_name(program: str) -> str:
    return program.rsplit("/", 1)[-1]


class _Interpreter:
    """Replays one RUN's commands; holds the working directory ``cd`` changes."""

    def __init__(self, builder: LayerBuilder, setting: RunSetting, masked: tuple[str, ...]) -> None:
        self.builder = builder
        self.setting = setting
        self.env = setting.env
        self.cwd = setting.env.workdir
        self.masked = masked
        self.masked_below = tuple(m.rstrip("/") + "/" for m in masked)

    # -- helpers -------------------------------------------------------------------------------------

    def value(self, word: Word) -> str | None:
        """A shell word's value: None when it has a command substitution, or a variable that
        neither ARG nor ENV set (the base image's environment may set it)."""
        if word.value is not None:
            return word.value
        if "$(" in word.text or "`" in word.text:
            return None
        try:
            result = expand_static(word.text, self.env.variables, self.env.escape)
        except ExpansionError:
            return None
        return None if result.unset else result.value

    def path(self, text: str | None) -> str | None:
        return absolute(text, self.cwd, self.env.home) if text else None

    def hidden(self, path: str) -> bool:
        return path in self.masked or path.startswith(self.masked_below)

    def unknown(self, what: str) -> None:
        self.builder.mark_unknown(what)

    def expand_glob(self, pattern: str) -> list[str]:
        """Shell pathname expansion against what is known to exist (a pattern that matches
        nothing known stays as written when it has no wildcard, else expands to nothing)."""
        if not _GLOB.search(pattern):
            return [pattern]
        return glob_paths(self.builder.nodes, pattern)

    def write(self, path: str | None, size: int | None, what: str) -> None:
        if path is None:
            self.unknown(f"{what} writes to a path this model cannot resolve")
        elif not self.hidden(path):
            self.builder.write(path, "file", size)

    # -- commands ------------------------------------------------------------------------------------

    def command(self, command: Command, script: ShellScript) -> None:
        program = command.program
        values = [self.value(w) for w in command.args]
        output = self.output_size(command, values)
        if command.script is not None or not program:
            self.redirects(command, output)
            return
        operation = analyze(command, script)
        if isinstance(operation, PackageOp):
            self.package(operation, script)
        elif isinstance(operation, Download):
            self.download(operation)
        elif isinstance(operation, AptMark):
            pass  # only apt's extended_states changes (a few bytes); apt_remove reads the marks
        elif program in _HANDLERS:
            if None in values:
                self.unknown(f"`{program}` with an argument this model cannot resolve")
            _HANDLERS[program](self, command, values)
        elif not self.read_only(program, values):
            self.unknown(f"`{program}` may write files this model cannot list")
            self.written_somewhere(values)
        self.redirects(command, output)

    def written_somewhere(self, values: list[str | None]) -> None:
        """A command this model cannot follow may write into its working folder and into any
        folder its arguments name (``-o /out/app``, ``--prefix=/opt/x``, ``DESTDIR=/out``)."""
        self.builder.unknown_inside(self.cwd)
        for value in values:
            if value is None:
                continue
            for text in (value, value.partition("=")[2], value[2:] if value[:2] == "-o" else ""):
                if text.startswith("/"):
                    path = self.path(text)
                    if path is not None:
                        self.builder.unknown_inside(path)

    def read_only(self, program: str, values: list[str | None]) -> bool:
        if len(values) == 1 and values[0] in _VERSION_ARGS:
            return True
        if program in _WRITES_WITH_OPTIONS:
            return not any(v is not None and v.startswith(_WRITES_WITH_OPTIONS[program]) for v in values)
        return program in _READ_ONLY

    def redirects(self, command: Command, output: int | None) -> None:
        for redirect in command.redirections:
            if redirect.operator not in (">", ">>", "&>", "&>>", ">|") or redirect.target is None:
                continue
            target = self.value(redirect.target)
            if target is not None and target.startswith(("&", "/dev/")):
                continue
            path = self.path(target)
            size = output if redirect.fd in (None, 1) else None
            if redirect.operator.endswith(">>") and path is not None:
                node = self.builder.nodes.get(path)
                previous = node.size if node is not None else 0
                size = None if size is None or previous is None else previous + size
            self.write(path, size, f"`{command.program}` output")

    def output_size(self, command: Command, values: list[str | None]) -> int | None:
        """Bytes ``command`` writes to standard output, when they can be known."""
        program = command.program
        if program in ("true", ":", "") and not values:
            return 0
        if program == "echo":
            return _echo_size(values)
        if program == "printf":
            return _printf_size(values)
        if program == "cat" and not values:
            return self.heredoc_size(command)
        if program == "head" and len(values) >= 2 and values[0] == "-c" and values[1] is not None:
            return parse_size(values[1], _COREUTILS_UNITS)
        if program == "dd" and not any(v is not None and v.startswith("of=") for v in values):
            return _dd_size(_dd_operands(values), self.builder)
        return None

    def heredoc_size(self, command: Command) -> int | None:
        for redirect in command.redirections:
            if redirect.operator in ("<<", "<<-") and redirect.target is not None:
                body = self.setting.heredocs.get(redirect.target.value or "")
                if body is not None and not (body.expand and "$" in body.text):
                    return len(body.text.encode())
                if redirect.heredoc is not None and redirect.heredoc.value is not None:
                    return len(redirect.heredoc.value.encode())
            here_string = redirect.target.value if redirect.target is not None else None
            if redirect.operator == "<<<" and here_string is not None:
                return len(here_string.encode()) + 1
        return None

    def dd(self, command: Command, values: list[str | None]) -> None:
        operands = _dd_operands(values)
        if "of" not in operands:
            return
        self.write(self.path(operands["of"]), _dd_size(operands, self.builder), "dd")

    def truncate(self, command: Command, values: list[str | None]) -> None:
        size_text, files = _option_value(values, ("-s", "--size"))
        size = parse_size(size_text, _COREUTILS_UNITS) if size_text else None
        for name in files:
            self.write(self.path(name), size, "truncate")

    def fallocate(self, command: Command, values: list[str | None]) -> None:
        size_text, files = _option_value(values, ("-l", "--length"))
        size = parse_size(size_text, _COREUTILS_UNITS) if size_text else None
        for name in files[-1:]:
            self.write(self.path(name), size, "fallocate")

    def touch(self, command: Command, values: list[str | None]) -> None:
        for name in _operands(values, takes_value=("-d", "-t", "-r", "--date", "--reference")):
            path = self.path(name)
            if path is None or self.hidden(path):
                continue
            if path in self.builder.nodes:
                self.builder.copy_up(path)
            else:
                self.builder.write(path, "file", 0)

    def mkdir(self, command: Command, values: list[str | None]) -> None:
        for name in _operands(values, takes_value=("-m", "--mode")):
            path = self.path(name)
            if path is not None and not self.hidden(path):
                self.builder.mkdir(path)

    def rm(self, command: Command, values: list[str | None]) -> None:
        for name in _operands(values):
            path = self.path(name)
            if path is None:
                self.unknown("`rm` of a path this model cannot resolve")
                continue
            for match in self.expand_glob(path):
                if not self.hidden(match):
                    self.builder.remove(match)

    def ln(self, command: Command, values: list[str | None]) -> None:
        flags = {v for v in values if v is not None and v.startswith("-")}
        names = _operands(values)
        if len(names) < 2:
            return
        link = self.path(names[-1])
        if link is None:
            self.unknown("`ln` to a path this model cannot resolve")
            return
        if link in self.builder.nodes and self.builder.nodes[link].kind == "dir":
            link = f"{link}/{names[0].rstrip('/').rsplit('/', 1)[-1]}"
        if any(f in ("-s", "--symbolic") or (not f.startswith("--") and "s" in f) for f in flags):
            self.builder.write(link, "symlink", 0)
            return
        target = self.path(names[0])
        if target is None or target not in self.builder.nodes:
            self.unknown(f"`ln` of {names[0]}: the linked file is copied into the layer (size unknown)")
            return
        if target not in self.builder.changes:
            self.builder.copy_up(target)
        self.builder.hardlink(link)

    def cp(self, command: Command, values: list[str | None], *, move: bool = False) -> None:
        names = _operands(values, takes_value=("-t", "--target-directory", "-S", "--suffix"))
        if len(names) < 2:
            return
        dest = self.path(names[-1])
        sources = [self.path(n) for n in names[:-1]]
        if dest is None or any(s is None for s in sources):
            self.unknown(f"`{command.program}` of paths this model cannot resolve")
            return
        into = len(sources) > 1 or names[-1].endswith("/") or self.builder.nodes.get(dest, None) is not None
        for source in sources:
            assert source is not None
            known = self.builder.nodes.get(source)
            if known is None or (known.kind == "dir" and not known.complete):
                self.unknown(f"`{command.program} {source}`: what it copies is not known")
                self.builder.unknown_inside(dest)
                continue
            target = _join(dest, source.rsplit("/", 1)[-1]) if into and known.kind != "dir" else dest
            for path in self.builder.nodes.subtree(source):
                node = self.builder.nodes[path]
                where = target + path[len(source) :]
                if node.kind == "dir":
                    self.builder.mkdir(where)
                else:
                    self.builder.write(where, node.kind, node.size, node.origin)
            if move:
                self.builder.remove(source)

    def mv(self, command: Command, values: list[str | None]) -> None:
        self.cp(command, values, move=True)

    def chmod(self, command: Command, values: list[str | None]) -> None:
        recursive = any(v is not None and re.fullmatch(_RECURSIVE, v) for v in values)
        names = _operands(values, takes_value=("--reference",))
        for name in names[1:]:
            path = self.path(name)
            if path is None:
                self.unknown(f"`{command.program}` of a path this model cannot resolve")
                continue
            for match in self.expand_glob(path):
                self.change_metadata(match, recursive, command.program)

    def change_metadata(self, path: str, recursive: bool, program: str) -> None:
        node = self.builder.nodes.get(path)
        if node is None:
            self.unknown(f"`{program} {path}` copies files of unknown size into the layer")
            return
        if recursive and node.kind == "dir":
            if not node.complete:
                self.unknown(f"`{program} -R {path}` copies files of unknown size into the layer")
            for p in self.builder.nodes.subtree(path):
                self.builder.copy_up(p)
        else:
            self.builder.copy_up(path)

    def cd(self, command: Command, values: list[str | None]) -> None:
        target = values[0] if values else self.env.home
        where = self.path(target) if target else None
        if where is not None:
            self.cwd = where

    # -- package managers and downloads ----------------------------------------------------------------

    def package(self, op: PackageOp, script: ShellScript) -> None:
        mounts = [(m.type, m.target or "") for m in self.setting.mounts]
        if op.manager == "apt":
            self.apt(op, script)
            return
        if op.action == "install" and any(r.install is op and r.everything for r in removals(script)):
            return  # removed again by the same RUN (``apk add --virtual .x ... && apk del .x``)
        if op.action in ("install", "update", "upgrade", "dist-upgrade"):
            names = " ".join(
                [p.name for p in op.packages] + [f"-r {self.value(w) or w.text}" for w in op.requirements]
            )
            cached = cache_mounted(mounts, op.manager) or cleans_cache(script, op.manager)
            label = f"{op.manager} {op.action} {names}".strip()
            if op.action == "install" and self.setting.estimate_packages and self.language(op, label, cached):
                return
            blob = unknown_blob(label, self.builder.step)
            self.builder.add_blob(blob)
            self.builder.tainted = True
            if not cached and op.manager not in ("go",):
                self.unknown(f"{op.manager} cache left in the layer (size unknown)")

    def language(self, op: PackageOp, label: str, cached: bool) -> bool:
        """Size a pip or npm/yarn/pnpm install from the measured package data; False when the
        manager has none (the caller marks the install unknown)."""
        if op.manager == "pip":
            files = []
            for word in op.requirements:
                path = self.path(self.value(word))
                where = self.builder.manifests.get(path) if path is not None else None
                context = self.setting.context
                if where is None or context is None:
                    self.unknown(f"{label}: {word.text} is not a file copied from the build context")
                    continue
                files.append((context.root, where))
            python = python_version(self.setting.base, installed_packages(self.builder))
            install, unknown = pip_install(op, files, python)
            keep_cache = not (cached or op.no_cache) and self.setting.profile.pip_http_cache
            if op.tool == "uv pip" and keep_cache:  # uv keeps its own cache, not measured
                self.unknown(f"{label}: uv's cache left in the layer (size unknown)")
                keep_cache = False
        elif op.manager in ("npm", "yarn", "pnpm"):
            context = self.setting.context
            install, unknown = npm_install(
                op, self.builder.manifests, context.root if context else None, self.cwd
            )
            keep_cache = not cached
        else:
            return False
        for reason in unknown:
            self.unknown(f"{label}: {reason}")
        if install is None:
            return True
        measured_cache = op.manager in ("pip", "npm")  # yarn's and pnpm's caches were not measured
        root = self.install_root(op)
        for blob in install_blobs(
            op.manager, self.builder.step, label, install, keep_cache=keep_cache and measured_cache, root=root
        ):
            self.builder.add_located_blob(blob)
        if keep_cache and not measured_cache:
            self.unknown(f"{op.manager} cache left in the layer (size unknown)")
        return True

    def install_root(self, op: PackageOp) -> str | None:
        """The folder a pip or npm install puts all its files in, when one does: pip's
        ``--prefix``, ``--target`` or ``--root``, the working folder's ``node_modules`` (not a
        global install); None when they go where the interpreter's own packages are."""
        if op.manager == "pip":
            return self.path(op.option("--prefix", "--target", "-t", "--root"))
        if op.flags & {"-g", "--global"} or op.action not in ("install", "ci", "add"):
            return None
        return f"{self.cwd.rstrip('/')}/node_modules"

    def apt(self, op: PackageOp, script: ShellScript) -> None:
        calibration = self.setting.calibration
        if op.action == "update":
            lists = calibration.apt_lists
            suite = self.setting.base.apt_data
            if lists is None or suite is None:
                self.unknown("apt-get update: package lists of unknown size")
                return
            if suite == lists.suite:
                for name, size in lists.files:
                    self.write(f"{lists.directory}/{name}", size, "apt-get update")
            else:  # another release's lists were not measured: unknown, unless removed in this RUN
                self.write(f"{lists.directory}/{suite} package lists", None, "apt-get update")
                self.write(f"{lists.directory}/lock", 0, "apt-get update")
            for name in lists.dirs:
                path = f"{lists.directory}/{name}"
                if not self.hidden(path):
                    self.builder.mkdir(path)
            if not self.hidden(lists.directory):
                self.builder.extra_entries += lists.extra_entries
            return
        if not self.setting.estimate_packages and op.action != "clean":
            names = " ".join(p.name for p in op.packages)
            self.builder.add_blob(unknown_blob(f"apt-get {op.action} {names}".strip(), self.builder.step))
            return
        if op.action == "install":
            blobs, unknown = apt_install_blobs(op, self.builder, self.setting.base, calibration)
            for blob in blobs:
                self.builder.add_blob(blob)
            for reason, at_most in unknown:
                self.builder.mark_unknown(reason, at_most)
            return
        if op.action in ("remove", "purge", "autoremove"):
            self.apt_remove(op, script)
            return
        if op.action in ("dist-clean", "distclean") and calibration.apt_lists is not None:
            # apt 2.7+: ``clean``, and every package list and Release file (the lock file stays)
            directory = calibration.apt_lists.directory
            for path in self.builder.nodes.subtree(directory):
                node = self.builder.nodes.get(path)
                if node is not None and node.kind != "dir" and path != f"{directory}/lock":
                    self.builder.remove(path)
            return
        if op.action not in ("clean", "autoclean"):
            self.unknown(f"apt-get {op.action}: effect on the layer unknown")

    def apt_remove(self, op: PackageOp, script: ShellScript) -> None:
        """Removal by name, and of what the same RUN installed and marked auto (the official
        images' ``apt-mark auto '.*'`` ... ``apt-get purge --auto-remove``)."""
        names = {p.name for p in op.packages}
        taken = [r for r in removals(script) if r.remover is op]
        for removal in taken:
            names |= removal.names
        if any(r.kept_unknown for r in taken):
            self.unknown("`apt-mark manual` of a command's output keeps libraries this model cannot list")
        installed = installed_packages(self.builder)
        if installed is not None and names & installed:
            self.builder.add_blob(apt_state_blob(self.setting.calibration, recommends=False, debconf=False))
        auto = op.action == "autoremove" or "--auto-remove" in op.flags or "--autoremove" in op.flags
        for key, blob in list(self.builder.blobs.items()):
            hit = names & blob.packages
            if not hit:
                continue
            gone = blob.packages if auto else frozenset(hit)
            data = self.setting.calibration.package_bytes(gone)
            if self.builder.apt_installed is not None:
                self.builder.apt_installed -= gone
            if key in {b.key for b in self.builder.new_blobs}:
                self.builder.shrink_blob(key, gone, data)
            else:
                self.builder.drop_blob(key, None if gone == blob.packages else ",".join(sorted(gone)), data)
                self.unknown(f"apt-get {op.action}: whiteouts for the removed files (count unknown)")
            names -= hit
        if names:
            self.unknown(f"apt-get {op.action} {' '.join(sorted(names))}: packages of the base image")

    def download(self, op: Download) -> None:
        urls = [self.value(w) or w.text for w in op.urls]
        if op.to_stdout:
            if op.piped_to:
                into = op.piped_to[0].program
                self.unknown(f"{op.tool} {' '.join(urls)[:60]} | {into}: writes files of unknown size")
            return
        if op.output is not None:
            target = self.value(op.output)
            if target is not None and op.output.text.startswith("-") and "=" in target:
                target = target.split("=", 1)[1]
            self.write(self.path(target), None, f"{op.tool} download")
        elif urls:
            name = urls[0].rstrip("/").rsplit("/", 1)[-1] or "index.html"
            self.write(self.path(name), None, f"{op.tool} download")


_HANDLERS: dict[str, Callable[[_Interpreter, Command, list[str | None]], None]] = {
    "dd": _Interpreter.dd,
    "truncate": _Interpreter.truncate,
    "fallocate": _Interpreter.fallocate,
    "touch": _Interpreter.touch,
    "mkdir": _Interpreter.mkdir,
    "rm": _Interpreter.rm,
    "rmdir": _Interpreter.rm,
    "ln": _Interpreter.ln,
    "cp": _Interpreter.cp,
    "mv": _Interpreter.mv,
    "chmod": _Interpreter.chmod,
    "chown": _Interpreter.chmod,
    "chgrp": _Interpreter.chmod,
    "cd": _Interpreter.cd,
}
"""The commands whose effect on the filesystem is replayed."""


def _echo_size(values: list[str | None]) -> int | None:
    newline = True
    words = list(values)
    while words and words[0] in ("-n", "-e", "-E", "-ne", "-en"):
        newline = newline and "n" not in (words.pop(0) or "")
    if any(w is None or "\\" in w for w in words):
        return None
    text = " ".join(w for w in words if w is not None)
    return len(text.encode()) + (1 if newline else 0)


def _printf_size(values: list[str | None]) -> int | None:
    if len(values) != 1 or values[0] is None or "%" in values[0]:
        return None
    text = values[0].replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\x00")
    if "\\" in text:
        return None
    return len(text.encode())


def _dd_operands(values: Iterable[str | None]) -> dict[str, str]:
    found = {}
    for value in values:
        if value is not None and "=" in value:
            key, _, rest = value.partition("=")
            found[key] = rest
    return found


def _dd_size(operands: Mapping[str, str], builder: LayerBuilder) -> int | None:
    if "seek" in operands or "skip" in operands:
        return None
    block = parse_size(operands.get("bs") or operands.get("obs") or operands.get("ibs") or "512", _DD_UNITS)
    if "count" in operands:
        count = parse_size(operands["count"], _DD_UNITS)
        return None if block is None or count is None else block * count
    source = operands.get("if")
    node = builder.nodes.get(source) if source else None
    return node.size if node is not None else None


def _operands(values: list[str | None], takes_value: tuple[str, ...] = ()) -> list[str]:
    """The non-option arguments (an unknown one is dropped; the command is then partly unknown)."""
    found: list[str] = []
    skip = False
    only = False
    for value in values:
        if skip:
            skip = False
            continue
        if value is None:
            continue
        if not only and value == "--":
            only = True
        elif not only and value.startswith("-") and value != "-":
            skip = value in takes_value
        else:
            found.append(value)
    return found


def _option_value(values: list[str | None], names: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """The value of the first of ``names`` and the other operands."""
    found: str | None = None
    rest: list[str] = []
    pending = False
    for value in values:
        if pending:
            found, pending = value, False
        elif value is None:
            continue
        elif value in names:
            pending = True
        elif any(value.startswith(n + "=") for n in names if n.startswith("--")):
            found = value.split("=", 1)[1]
        elif any(value.startswith(n) and len(value) > len(n) for n in names if not n.startswith("--")):
            found = value[2:]
        elif not value.startswith("-"):
            rest.append(value)
    return found, rest


# --- COPY and ADD ---------------------------------------------------------------------------------


class CopySetting(Struct, frozen=True):
    env: StepEnv
    context: BuildContext | None
    source_tree: Tree | None
    """For ``--from=<stage>``: that stage's files."""
    external: str | None
    """For ``--from=<image>``: the image reference."""
    profile: Profile


def copy_layer(builder: LayerBuilder, ins: model.CopyLike, setting: CopySetting) -> None:
    """Replay a COPY or ADD on ``builder``."""
    env = setting.env
    dest_text = expand_word(ins.dest.text, env) if ins.dest is not None else None
    if dest_text is None:
        builder.mark_unknown(f"{ins.kind}: the destination is unknown")
        return
    dest = absolute(dest_text, env.workdir) or "/"
    heredocs = {h.name: h for h in ins.heredoc_sources} if ins.heredocs else {}
    sources = (
        [w for w in ins.sources if not any(w.text.endswith(name) for name in heredocs)]
        if heredocs
        else list(ins.sources)
    )
    existing = builder.nodes.get(dest)
    into = (
        dest_text.endswith(("/", "/."))
        or dest_text in (".", "..")
        or len(ins.sources) > 1
        or any(_GLOB.search(w.text) for w in sources)
        or (existing is not None and existing.kind == "dir")
    )
    for heredoc in heredocs.values():
        text = heredoc.text
        size = None if heredoc.expand and "$" in text else len(text.encode())
        builder.write(_join(dest, heredoc.name) if into else dest, "file", size)
    for word in sources:
        source = expand_word(word.text, env)
        if source is None:
            builder.mark_unknown(f"{ins.kind} {word.text}: the source is unknown")
        elif isinstance(ins, model.Add) and re.match(_URL, source, re.IGNORECASE):
            name = source.rstrip("/").rsplit("/", 1)[-1]
            builder.write(_join(dest, name) if dest_text.endswith("/") else dest, "file", None)
        elif setting.external is not None:
            builder.mark_unknown(f"{ins.kind} {source} from image {setting.external}: size unknown")
        elif setting.source_tree is not None:
            _copy_from_tree(builder, setting.source_tree, source, dest, into)
        elif setting.context is None:
            builder.mark_unknown(f"{ins.kind} {source}: the build context is not available")
        else:
            _copy_from_context(builder, ins, setting.context, source, dest, into)


def _copy_from_tree(builder: LayerBuilder, tree: Tree, source: str, dest: str, into: bool) -> None:
    path = absolute(source, "/") or "/"
    bundled = tree.lookup(path)
    if bundled is None:
        builder.mark_unknown(f"COPY --from {path}: what the stage holds there is not known")
        return
    found, bundles = bundled
    root = found[0][1]
    if root.kind == "dir":
        builder.mkdir(dest)
        for where, node in found[1:]:
            target = dest + where[len(path) :]
            if node.kind == "dir":
                builder.mkdir(target)
            else:
                builder.write(target, node.kind, node.size, node.origin)
        for bundle in bundles:
            _copy_bundle(builder, bundle, path, dest)
        inside = path.rstrip("/") + "/"
        for blob in tree.blobs.values():  # an install whose files are all in a folder taken
            if blob.root is not None and (blob.root == path or blob.root.startswith(inside)):
                moved = dest.rstrip("/") + blob.root[len(path.rstrip("/")) :]
                builder.add_located_blob(replace(blob, key=f"{blob.key}>{builder.step}", root=moved))
        return
    target = _join(dest, path.rsplit("/", 1)[-1]) if into else dest
    builder.write(target, root.kind, root.size, root.origin)


def _copy_bundle(builder: LayerBuilder, bundle: Bundle, source: str, dest: str) -> None:
    """Write what ``bundle`` (below the copied path ``source``) holds into its place under
    ``dest``: as a bundle when the folder there can hold one and its members keep their paths
    relative to the new prefix, else file by file, as copying its expanded paths does."""
    copied, base = source.rstrip("/"), dest.rstrip("/")
    root = base + bundle.root[len(copied) :]
    whole = bundle.prefix == copied or bundle.prefix.startswith(copied + "/")
    if whole and builder.bundle_root(root) and not builder.nodes.entries(root):
        relatives = list(map(itemgetter(0), bundle.members))
        prefix = base + bundle.prefix[len(copied) :]
        builder.add_bundle(make_bundle(root, prefix, bundle.members, relatives, builder.step))
        return
    for path, node, _ in bundle.paths():
        target = base + path[len(copied) :]
        if node.kind == "dir":
            builder.mkdir(target)
        else:
            builder.write(target, node.kind, node.size, node.origin)


def copied_origins(ins: model.CopyLike, env: StepEnv, tree: Tree) -> frozenset[str]:
    """The context paths whose content the files a ``COPY --from=<stage>`` takes hold, as far
    as the stage's known files tell (:attr:`~dfanalyze.layers.fs.Node.origin`)."""
    found: set[str] = set()
    for word in ins.sources:
        source = expand_word(word.text, env)
        if source is None:
            continue
        nodes = tree.nodes
        for path in nodes.subtree(absolute(source, "/") or "/"):
            origin = nodes[path].origin
            if origin is not None:
                found.add(origin)
    return frozenset(found)


def _copy_from_context(
    builder: LayerBuilder, ins: model.CopyLike, context: BuildContext, source: str, dest: str, into: bool
) -> None:
    excludes = [f.value for f in ins.flags_named("exclude") if f.value]
    parents = ins.flag("parents") is not None
    matches = context.select(source, excludes)
    if not matches:
        builder.mark_unknown(f"{ins.kind} {source}: nothing in the context matches (the build would fail)")
        return
    for match in matches:
        item = match.item
        base = dest + "/" + item.path if parents and item.path != "." else dest
        if item.kind == "dir":
            _place(builder, base, match.members, from_context=True, whole=not excludes)
            continue
        members = archive_members(Path(context.root, item.path)) if isinstance(ins, model.Add) else None
        kind: NodeKind = "symlink" if item.kind == "symlink" else "file"
        if members is not None:  # ADD unpacks a local archive
            _place(builder, base, [(m.path, m) for m in members], from_context=False)
        elif parents or not into:
            builder.write(base, kind, item.size, item.path)
            note_manifest(builder, base, item.path)
        else:
            name = item.name if _GLOB.search(source) else source.rstrip("/").rsplit("/", 1)[-1]
            builder.write(_join(dest, name), kind, item.size, item.path)
            note_manifest(builder, _join(dest, name), item.path)


def _join(folder: str, name: str) -> str:
    """``name`` inside ``folder`` (``/`` included: ``/x``, not ``//x``)."""
    return f"{folder.rstrip('/')}/{name}"


def _place(
    builder: LayerBuilder,
    base: str,
    members: Sequence[tuple[str, ContextEntry]],
    *,
    from_context: bool,
    whole: bool = False,
) -> None:
    """Write ``members`` (paths relative to ``base``, sorted) under the folder ``base``;
    ``from_context``: they are context entries (not an archive's members), the origin of what is
    written. With ``whole`` (context entries of which each folder is a member before what it holds),
    what goes into a folder nothing known is in is written as one
    :class:`~dfanalyze.layers.fs.Bundle`: all of them when ``base`` is such a folder, else one per
    new folder among them (its members are the ones between ``folder/`` and ``folder0`` in sorted
    order: ``0`` follows ``/``)."""
    builder.mkdir(base)
    keys = list(map(itemgetter(0), members)) if whole else []
    if keys and builder.bundle_root(base) and not builder.nodes.entries(base):
        _bundle(builder, base, base.rstrip("/"), members, keys)
        return
    blocks: dict[int, int] = {}  # first member of a bundle -> the one after its last
    index = 0
    while index < len(members):
        if index in blocks:
            index = blocks[index]
            continue
        relative, entry = members[index]
        index += 1
        where = _join(base, relative) if relative else base
        if entry.kind == "dir":
            new = whole and builder.nodes.get(where) is None and builder.bundle_root(where)
            builder.mkdir(where)
            if new:
                low = bisect.bisect_left(keys, relative + "/", index)
                high = bisect.bisect_left(keys, relative + "0", low)
                if high > low:
                    blocks[low] = high
                    _bundle(builder, where, base.rstrip("/"), members[low:high], keys[low:high])
        else:
            kind: NodeKind = "symlink" if entry.kind == "symlink" else "file"
            builder.write(where, kind, entry.size, entry.path if from_context else None)
            if from_context:
                note_manifest(builder, where, entry.path)


def _bundle(
    builder: LayerBuilder,
    root: str,
    prefix: str,
    members: Sequence[tuple[str, ContextEntry]],
    relatives: list[str],
) -> None:
    """Write ``members`` (``relatives``: their paths below ``prefix``) as one bundle under the new
    folder ``root``, and note the requirement and lock files among them."""
    builder.add_bundle(make_bundle(root, prefix, tuple(members), relatives, builder.step))
    for relative in filter(methodcaller("endswith", MANIFEST_ENDINGS), relatives):
        entry = members[bisect.bisect_left(relatives, relative)][1]
        if entry.kind == "file":
            note_manifest(builder, f"{prefix}/{relative}", entry.path)

"""Finding the Dockerfiles to lint.

Files named on the command line are linted whatever their name (a missing one is reported by the
reader, so that the other files are still linted). Folders are searched recursively for files named
like Dockerfiles (:func:`is_dockerfile`), skipping what ``.gitignore`` files ignore (those of the
folder's git repository above it too, and ``.git/info/exclude``), version-control and tool folders
(:data:`SKIPPED_FOLDERS`) and anything matching an ``--exclude`` pattern. ``--exclude`` patterns use
the ``.gitignore`` syntax, relative to the current folder, and apply to named files as well, so that
editors and pre-commit, which name files one by one, honour them too.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct

from dfanalyze.files import NotReadable, exists, is_folder, path_problem, read_regular
from dfanalyze.report.result import FileError

STDIN = "-"
SKIPPED_FOLDERS = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__"}
    | {".mypy_cache", ".pytest_cache", ".ruff_cache"}
)
_IGNORE_FILE_SUFFIXES = (".dockerignore", ".containerignore")


def is_dockerfile(name: str) -> bool:
    """Whether a file name is a Dockerfile's: ``Dockerfile``, ``Dockerfile.*``, ``*.Dockerfile``,
    ``*.dockerfile``, ``Containerfile*`` and lowercase ``dockerfile`` (BuildKit's per-Dockerfile
    ignore files, ``Dockerfile.dockerignore`` and the like, are not)."""
    if name.endswith(_IGNORE_FILE_SUFFIXES):
        return False
    return (
        name in ("Dockerfile", "dockerfile")
        or name.startswith(("Dockerfile.", "Containerfile"))
        or name.endswith((".Dockerfile", ".dockerfile"))
    )


class Discovered(Struct, frozen=True):
    """The Dockerfiles found under the given paths, and the paths that could not be read."""

    files: tuple[str, ...]  # display paths, in a stable order, each file once
    unreadable: tuple[FileError, ...] = ()  # folders that could not be searched


class _Ignore(Struct, frozen=True):
    """The patterns of one ignore file and the folder they are relative to."""

    base: Path
    spec: Any  # pathspec.GitIgnoreSpec


def _spec(lines: Sequence[str]) -> Any:
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _read_ignore(file: Path, base: Path) -> _Ignore | None:
    try:  # a .gitignore that is a FIFO or a link loop is no ignore file (and must not block)
        lines = read_regular(file).decode("utf-8", errors="replace").splitlines()
    except NotReadable:
        return None
    return _Ignore(base, _spec(lines)) if lines else None


def _ignored(path: Path, is_dir: bool, ignores: Sequence[_Ignore]) -> bool:
    """Git's answer: the last ignore file (the deepest) whose patterns decide about ``path`` wins."""
    decision = None
    for ignore in ignores:
        try:
            relative = path.relative_to(ignore.base).as_posix()
        except ValueError:
            continue
        result = ignore.spec.check_file(relative + "/" if is_dir else relative)
        if result.include is not None:
            decision = result.include
    return bool(decision)


def _repository_ignores(folder: Path) -> tuple[_Ignore, ...]:
    """The ignore files that apply to ``folder`` from outside it: ``.git/info/exclude`` and the
    ``.gitignore`` files of the folders above it, up to the root of its git repository (none when
    it is not inside a repository). The folder's own ``.gitignore`` is read by the walk."""
    ancestors = [folder, *folder.parents]
    root = next((p for p in ancestors if exists(p / ".git")), None)
    if root is None:
        return ()
    found = [_read_ignore(root / ".git" / "info" / "exclude", root)]
    for parent in reversed(ancestors[1 : ancestors.index(root) + 1]):
        found.append(_read_ignore(parent / ".gitignore", parent))
    return tuple(i for i in found if i is not None)


def _walk(
    top: Path,
    ignores: tuple[_Ignore, ...],
    gitignore: bool,
    exclude: _Ignore | None,
    unreadable: list[FileError],
) -> Iterator[Path]:
    """The Dockerfiles under ``top``, skipping ignored files and folders (an ignored folder is not
    entered at all, as in git: a file inside it cannot be re-included)."""
    stack = [(top, ignores)]
    while stack:
        folder, inherited = stack.pop()
        own = _read_ignore(folder / ".gitignore", folder) if gitignore else None
        if own is not None:
            inherited = (*inherited, own)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            unreadable.append(FileError(str(folder), f"{folder}: cannot search: {exc.strerror or exc}"))
            continue
        subfolders = []
        for entry in entries:
            path = folder / entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and entry.name in SKIPPED_FOLDERS:
                continue
            if _ignored(path, is_dir, inherited) or (
                exclude is not None and _ignored(path, is_dir, (exclude,))
            ):
                continue
            if is_dir:
                subfolders.append(path)
            elif is_dockerfile(entry.name) and not _links_to_folder(entry):
                problem = _special(entry)
                if problem is None:
                    yield path
                else:
                    unreadable.append(FileError(str(path), f"{path}: {problem}"))
        stack.extend((sub, inherited) for sub in reversed(subfolders))


def _hint(path: Path) -> str:
    """For a pipe named on the command line (``<(cat Dockerfile)``): how to lint one."""
    try:
        fifo = stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return ""
    return " (to lint what a pipe carries, give it on standard input as -)" if fifo else ""


def _special(entry: os.DirEntry[str]) -> str | None:
    """Why a file met in a folder walk, named like a Dockerfile, cannot be linted (a symbolic
    link loop or a dangling link, a FIFO, a device, a socket), or None for a regular file."""
    problem = None if _is(entry.is_file) else path_problem(entry.path)
    return None if problem is None else problem[len(entry.path) + 2 :]


def _is(test: Callable[[], bool]) -> bool:
    """``DirEntry.is_file``/``is_dir`` (which raise on a symbolic link loop): False on an error."""
    try:
        return test()
    except OSError:
        return False


def _links_to_folder(entry: os.DirEntry[str]) -> bool:
    """A symbolic link to a folder, named like a Dockerfile: not followed, not reported."""
    return _is(entry.is_dir)


def discover(
    paths: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    cwd: Path | None = None,
) -> Discovered:
    """The files to lint for the command-line ``paths`` (the current folder when there are none)."""
    here = Path(os.path.normpath((cwd or Path.cwd()).absolute()))
    excluded = _Ignore(here, _spec(exclude)) if exclude else None
    files: list[str] = []
    seen: set[str] = set()
    unreadable: list[FileError] = []

    def add(display: str, absolute: Path | None) -> None:
        key = str(absolute) if absolute is not None else display
        if key not in seen:
            seen.add(key)
            files.append(display)

    for given in paths or ["."]:
        if given == STDIN:
            add(STDIN, None)
            continue
        target = Path(os.path.normpath(here / given))
        if not is_folder(target):
            if excluded is not None and _ignored(target, False, (excluded,)):
                continue
            problem = path_problem(target)
            if problem is None:
                add(given, target)
            else:  # named with the path as given, not the absolute one
                unreadable.append(FileError(given, given + problem[len(str(target)) :] + _hint(target)))
            continue
        ignores = _repository_ignores(target) if respect_gitignore else ()
        found = sorted(_walk(target, ignores, respect_gitignore, excluded, unreadable))
        for path in sorted(found, key=lambda p: p.relative_to(target).parts):
            add(os.path.normpath(Path(given) / path.relative_to(target)), path)
    return Discovered(tuple(files), tuple(unreadable))

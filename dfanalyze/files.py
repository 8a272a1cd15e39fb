"""Reading files that other people wrote: only regular files are opened.

A linted repository may hold anything under a Dockerfile's or a configuration file's name: a FIFO
(reading it blocks until a writer comes), a device (opening one can have effects of its own), a
socket, a symbolic link loop. :func:`path_problem` says why such a path cannot be read without
opening it, and :func:`read_regular` opens only regular files, without blocking, and checks again
once the file is open, so that a file swapped for a FIFO in between cannot hang the run either.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class NotReadable(OSError):
    """A path that cannot be read as a file; the message names the path and says why."""


def path_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as a file, as ``"path: problem"``, or None for a regular file
    (symbolic links are followed)."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return f"{path}: no such file"
    except PermissionError:
        return f"{path}: permission denied (a folder on the way cannot be searched)"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{path}: symbolic link loop (too many levels of symbolic links)"
        return f"{path}: cannot read: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return f"{path}: is a directory, not a Dockerfile"
    kind = _KINDS.get(stat.S_IFMT(mode), "a special file")
    return f"{path}: is {kind}, not a regular file: not read"


def read_regular(path: str | Path) -> bytes:
    """The bytes of the regular file ``path``; :class:`NotReadable` for anything else, and for
    every I/O failure."""
    problem = path_problem(path)
    if problem is not None:
        raise NotReadable(problem)
    try:
        fd = os.open(path, _FLAGS)
    except PermissionError:
        raise NotReadable(f"{path}: permission denied") from None
    except OSError as exc:
        raise NotReadable(f"{path}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotReadable(f"{path}: not a regular file: not read")
        try:
            return handle.read()
        except OSError as exc:
            raise NotReadable(f"{path}: cannot read: {exc.strerror or exc}") from None


def _mode(path: str | Path) -> int | None:
    try:
        return Path(path).stat().st_mode
    except (OSError, ValueError):  # missing, a link loop, a folder that cannot be searched
        return None


def exists(path: str | Path) -> bool:
    """Whether ``path`` exists (False, not an exception, when a folder on the way cannot be
    searched: ``Path.exists`` raises then)."""
    return _mode(path) is not None


def is_regular(path: str | Path) -> bool:
    """Whether ``path`` is a regular file (False for anything that cannot be stat'ed)."""
    mode = _mode(path)
    return mode is not None and stat.S_ISREG(mode)


def is_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder (False for anything that cannot be stat'ed)."""
    mode = _mode(path)
    return mode is not None and stat.S_ISDIR(mode)

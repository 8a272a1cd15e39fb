"""Where dfanalyze keeps the caches that only ever save time, and how it reads and writes them.

``$DFANALYZE_CACHE_DIR``, else ``$XDG_CACHE_HOME/dfanalyze``, else ``~/.cache/dfanalyze``;
``DFANALYZE_NO_CACHE=1`` turns every cache off. A cache that cannot be read or written is ignored.
Caches decide what runs (compiled ``__init__`` code, rule checks and plugins to import), so a cache
file is written readable by its user only and read only when it is the user's own and nobody else
may write it: a cache folder pointed at a shared place cannot let another user run code as this one.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cache_dir() -> Path | None:
    if os.environ.get("DFANALYZE_NO_CACHE"):
        return None
    explicit = os.environ.get("DFANALYZE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no HOME and no passwd entry (a container's random UID)
            return None
    return Path(base) / "dfanalyze"


UNUSED_DAYS = 30


def forget_unused(directory: Path, pattern: str) -> None:
    """Delete the caches matching ``pattern`` not rewritten for ``UNUSED_DAYS`` days: most belong
    to installations that are gone (each pre-commit environment is an installation of its own); one
    still in use is simply made again on its next run."""
    import time

    too_old = time.time() - UNUSED_DAYS * 86400
    for stale in directory.glob(pattern):
        try:
            if stale.stat().st_mtime < too_old:
                stale.unlink()
        except OSError:
            continue


def tag(place: str) -> str:
    """A short, stable part of a cache file's name for a place (a path, a list of paths): its CRC-32,
    so that the caches of two installations or checkouts do not replace each other."""
    import binascii

    return f"{binascii.crc32(place.encode('utf-8', 'surrogateescape')):08x}"


def read_json(path: Path, object_hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
    """The JSON of a private cache file (see :func:`read_private`); None when there is none."""
    data = read_private(path)
    if data is None:
        return None
    import json

    try:
        return json.loads(data, object_hook=object_hook)
    except ValueError:
        return None


def read_private(path: Path) -> bytes | None:
    """The cache file's bytes; None when it is missing, unreadable, or not private to this user."""
    try:
        with path.open("rb") as handle:
            return handle.read() if _private(os.fstat(handle.fileno())) else None
    except OSError:
        return None


def write_private(path: Path, data: bytes) -> bool:
    """Replace the cache file atomically (a temporary file in its folder, then a rename), readable
    and writable by this user only; False when it cannot be written."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return False
    return True


def _private(status: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: the user's profile folder is private
        return True
    return status.st_uid == getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)

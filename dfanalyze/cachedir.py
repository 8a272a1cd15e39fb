"""Where dfanalyze keeps the caches that only ever save time.

``$DFANALYZE_CACHE_DIR``, else ``$XDG_CACHE_HOME/dfanalyze``, else ``~/.cache/dfanalyze``;
``DFANALYZE_NO_CACHE=1`` turns every cache off. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import os
from pathlib import Path


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

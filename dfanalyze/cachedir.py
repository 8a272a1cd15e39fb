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
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dfanalyze"

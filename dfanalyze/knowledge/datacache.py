"""Reading the shipped TOML data files fast: their parsed contents are cached as JSON (data only,
dates kept as dates) in the user's cache directory, one cache per file (by its path: two checkouts
do not evict each other's), reused while the file's size and modification time are unchanged.
Parsing TOML costs several times more than reading the same data as JSON, and the base-image rules
read two data files on every run. A cache that cannot be used is simply skipped."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

_DATE = "$date"


def _encode(value: object) -> object:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return {_DATE: value.isoformat()}
    raise TypeError(f"not JSON data: {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> object:
    if len(obj) == 1 and _DATE in obj:
        return datetime.date.fromisoformat(obj[_DATE])
    return obj


def load_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML file, from the JSON cache when the file is unchanged."""
    from dfanalyze.cachedir import cache_dir, read_json, tag, write_private

    stat = path.stat()
    directory = cache_dir()
    cached = None
    if directory is not None:
        where = tag(str(path.resolve()))
        cached = directory / f"data-{path.stem}-{where}-{stat.st_mtime_ns}-{stat.st_size}.json"
        data = read_json(cached, object_hook=_decode)
        if isinstance(data, dict):
            return data
    import tomllib

    with path.open("rb") as handle:
        data = tomllib.load(handle)
    if cached is not None:
        try:
            encoded = json.dumps(data, default=_encode).encode("utf-8")
        except (TypeError, ValueError):
            return data
        try:
            for stale in cached.parent.glob(f"data-{path.stem}-{where}-*.json"):
                stale.unlink(missing_ok=True)  # an older version of the same file
        except OSError:
            pass  # kept: only takes room
        write_private(cached, encoded)
    return data

"""Finding rule plugins: the ``dfanalyze.rules`` entry points of installed distributions.

This reads the ``entry_points.txt`` files of the ``*.dist-info`` and ``*.egg-info`` folders on
``sys.path`` directly (the format is the packaging specification's INI-like file), because importing
:mod:`importlib.metadata` costs more than the rest of a one-file run's start-up. As in
:mod:`importlib.metadata`, the first distribution of a name on ``sys.path`` wins.

What a folder holds is kept in the user's cache (:mod:`dfanalyze.cachedir`) with the folder's
modification time, as :mod:`importlib.metadata` keeps it in memory: installing or removing a
distribution adds or removes a folder entry, which changes that time. The current folder (the empty
``sys.path`` entry) is always read.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from msgspec import Struct

GROUP = "dfanalyze.rules"
_INFO_SUFFIXES = (".dist-info", ".egg-info")
_DIST = re.compile(r"^(?P<name>[^-]+(?:-[^-]+)*?)-[^-]+\.(?:dist|egg)-info$|^(?P<bare>[^-]+)\.egg-info$")


class EntryPoint(Struct, frozen=True):
    """One ``name = module:attr`` line of the group."""

    name: str
    value: str
    distribution: str

    def load(self) -> Any:
        module_name, _, attribute = self.value.partition(":")
        target: Any = importlib.import_module(module_name.strip())
        for part in attribute.strip().split(".") if attribute.strip() else ():
            target = getattr(target, part)
        return target


def parse_group(text: str, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` pairs of ``[group]`` in an entry_points.txt text."""
    pairs: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            pairs.append((name.strip(), value.split("[", 1)[0].strip()))
    return pairs


def entry_points(group: str = GROUP) -> Iterator[EntryPoint]:
    cache = _FolderCache.open(group)
    seen: set[str] = set()
    for folder in sys.path:
        for dist, pairs in cache.distributions(folder) if folder else _scan(".", group):
            if dist in seen:
                continue
            seen.add(dist)
            for name, value in pairs:
                yield EntryPoint(name, value, dist)
    cache.save()


_Distributions = list[tuple[str, list[tuple[str, str]]]]


def _scan(folder: str, group: str) -> _Distributions:
    """The distributions in ``folder`` (normalized names, in name order) with their ``group`` entries."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(_INFO_SUFFIXES))  # noqa: PTH208
    except OSError:
        return []
    found: _Distributions = []
    for entry in names:
        match = _DIST.match(entry)
        if match is None:
            continue
        dist = (match.group("name") or match.group("bare") or "").lower().replace("-", "_")
        try:
            # plain strings: a Path object for each of the hundreds of names on sys.path costs ~1 ms
            with open(os.path.join(folder, entry, "entry_points.txt"), encoding="utf-8") as handle:  # noqa: PTH118, PTH123
                pairs = parse_group(handle.read(), group)
        except (OSError, UnicodeDecodeError):
            pairs = []
        found.append((dist, pairs))
    return found


class _FolderCache:
    """The distributions of each ``sys.path`` folder, stored with the folder's modification time."""

    def __init__(self, location: Path | None, group: str, folders: dict[str, Any]) -> None:
        self.location = location
        self.group = group
        self.folders = folders
        self.dirty = False

    @classmethod
    def open(cls, group: str) -> _FolderCache:
        from dfanalyze.cachedir import cache_dir, read_json, tag

        directory = cache_dir()
        if directory is None:
            return cls(None, group, {})
        key = "\0".join([group, *(os.path.abspath(p) for p in sys.path if p)])  # noqa: PTH100
        location = directory / f"plugins-{tag(key)}.json"
        raw = read_json(location)
        folders = raw.get("folders") if isinstance(raw, dict) and raw.get("group") == group else None
        return cls(location, group, folders if isinstance(folders, dict) else {})

    def distributions(self, folder: str) -> _Distributions:
        try:
            mtime = os.stat(folder).st_mtime_ns  # noqa: PTH116
        except OSError:
            return []
        cached = self.folders.get(folder)
        if isinstance(cached, list) and len(cached) == 2 and cached[0] == mtime:
            try:
                return [(str(dist), [(str(n), str(v)) for n, v in pairs]) for dist, pairs in cached[1]]
            except (TypeError, ValueError):
                pass  # not what this module writes: read the folder again
        found = _scan(folder, self.group)
        self.folders[folder] = [mtime, found]
        self.dirty = True
        return found

    def save(self) -> None:
        if self.location is None or not self.dirty:
            return
        import json

        from dfanalyze.cachedir import forget_unused, write_private

        text = json.dumps({"group": self.group, "folders": self.folders})
        if write_private(self.location, text.encode("utf-8")):
            forget_unused(self.location.parent, "plugins-*.json")

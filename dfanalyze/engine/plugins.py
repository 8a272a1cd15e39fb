"""Finding rule plugins: the ``dfanalyze.rules`` entry points of installed distributions.

This reads the ``entry_points.txt`` files of the ``*.dist-info`` and ``*.egg-info`` folders on
``sys.path`` directly (the format is the packaging specification's INI-like file), because importing
:mod:`importlib.metadata` costs more than the rest of a one-file run's start-up. As in
:mod:`importlib.metadata`, the first distribution of a name on ``sys.path`` wins.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

from dfanalyze.records import record

GROUP = "dfanalyze.rules"
_INFO_SUFFIXES = (".dist-info", ".egg-info")
_DIST = re.compile(r"^(?P<name>[^-]+(?:-[^-]+)*?)-[^-]+\.(?:dist|egg)-info$|^(?P<bare>[^-]+)\.egg-info$")


@record
class EntryPoint:
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
    seen: set[str] = set()
    for folder in sys.path:
        base = folder or "."
        try:
            names = sorted(n for n in os.listdir(base) if n.endswith(_INFO_SUFFIXES))  # noqa: PTH208
        except OSError:
            continue
        for entry in names:
            match = _DIST.match(entry)
            if match is None:
                continue
            dist = (match.group("name") or match.group("bare") or "").lower().replace("-", "_")
            if dist in seen:
                continue
            seen.add(dist)
            try:
                # plain strings: a Path object for each of the hundreds of names on sys.path costs ~1 ms
                with open(os.path.join(base, entry, "entry_points.txt"), encoding="utf-8") as handle:  # noqa: PTH118, PTH123
                    text = handle.read()
            except (OSError, UnicodeDecodeError):
                continue
            for name, value in parse_group(text, group):
                yield EntryPoint(name, value, dist)

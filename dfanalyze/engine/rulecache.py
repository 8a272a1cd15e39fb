"""A cache of the built-in rule files' contents, so that a run does not re-parse every TOML file.

The cache holds *data only*, never code: for each rule file that passed validation, the part a lint
run needs (no docs, no examples: those are 80% of the text), as JSON. That part is validated again by
:func:`~dfanalyze.engine.rulefile.rule_from_lean` on every run; docs and examples are read from the
rule file if something asks for them (:class:`~dfanalyze.engine.rulefile.DetailsLoader`). It lives in
the user's cache directory (:mod:`dfanalyze.cachedir`), one file per dfanalyze version and
installation (rule folder), and an entry is reused only while the rule file's size and modification
time are unchanged. Only the rules shipped with dfanalyze are cached; plugin and
``extend-rules`` folders are small and read directly.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from dfanalyze import __version__
from dfanalyze.cachedir import cache_dir, forget_unused, read_json, tag, write_private
from dfanalyze.engine.rulefile import (
    DetailsLoader,
    Rule,
    RuleFileError,
    lean,
    rule_from_lean,
    rule_from_mapping,
)


def read_rule_data(path: Path) -> dict[str, Any]:
    import tomllib  # only when a rule file is not in the cache

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(str(path), "toml", str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(str(path), "file", str(exc)) from None


FORMAT = 2


class RuleFileCache(Struct):
    """The lean data of valid rule files, by path, with the (mtime_ns, size) they were read at."""

    location: Path | None
    entries: dict[str, list[Any]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def open(cls, folder: Path) -> RuleFileCache:
        directory = cache_dir()
        if directory is None:
            return cls(None)
        version = re.sub(r"[^A-Za-z0-9.]", "_", __version__)
        where = str(folder.resolve())
        location = (
            directory / f"rules-{version}-py{sys.version_info[0]}{sys.version_info[1]}-{tag(where)}.json"
        )
        raw = read_json(location)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT or raw.get("folder") != where:
            return cls(location)
        entries = raw.get("entries")
        return cls(location, entries if isinstance(entries, dict) else {})

    def load(self, path: str, docs_url: str) -> Rule:
        """The rule in ``path``, validated; its TOML is parsed only when the file changed."""
        try:
            stat = os.stat(path)  # noqa: PTH116 - a string path, like the cache keys
        except OSError as exc:
            raise RuleFileError(path, "file", exc.strerror or str(exc)) from None
        stamp = [stat.st_mtime_ns, stat.st_size]
        key = path
        cached = self.entries.get(key)
        if (
            isinstance(cached, list)
            and len(cached) == 3
            and cached[:2] == stamp
            and isinstance(cached[2], dict)
        ):
            return rule_from_lean(cached[2], key, docs_url, DetailsLoader(key))
        data = read_rule_data(Path(path))
        rule = rule_from_mapping(data, key, docs_url)  # raises RuleFileError: broken files are not cached
        self.entries[key] = [*stamp, lean(data)]
        self.dirty = True
        return rule

    def save(self, folder: Path) -> None:
        if self.location is None or not self.dirty:
            return
        text = json.dumps({"format": FORMAT, "folder": str(folder.resolve()), "entries": self.entries})
        if write_private(self.location, text.encode("utf-8")):
            forget_unused(self.location.parent, "rules-*.json")
            self.dirty = False

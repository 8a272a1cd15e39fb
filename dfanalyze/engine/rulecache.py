"""A cache of the built-in rule files' contents, so that a run does not re-parse every TOML file.

The cache holds *data only* (the parsed TOML of each file, as JSON), never code: each rule is still
validated by :func:`~dfanalyze.engine.rulefile.rule_from_mapping` on every run. It lives in the
user's cache directory (:mod:`dfanalyze.cachedir`), one file per dfanalyze version, and an entry
is reused only while the rule file's size and modification time are unchanged. Only the rules
shipped with dfanalyze are cached; plugin and ``extend-rules`` folders are small and read directly.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from dfanalyze import __version__
from dfanalyze.cachedir import cache_dir
from dfanalyze.engine.rulefile import Rule, RuleFileError, rule_from_mapping
from dfanalyze.records import field, record


def read_rule_data(path: Path) -> dict[str, Any]:
    import tomllib  # only when a rule file is not in the cache

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(str(path), "toml", str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(str(path), "file", str(exc)) from None


@record(frozen=False)
class RuleFileCache:
    """The parsed contents of rule files, by path, with the (mtime_ns, size) they were read at."""

    location: Path | None
    entries: dict[str, list[Any]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def open(cls, folder: Path) -> RuleFileCache:
        directory = cache_dir()
        if directory is None:
            return cls(None)
        version = re.sub(r"[^A-Za-z0-9.]", "_", __version__)
        location = directory / f"rules-{version}-py{sys.version_info[0]}{sys.version_info[1]}.json"
        try:
            raw = json.loads(location.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        entries = raw.get(str(folder.resolve()), {}) if isinstance(raw, dict) else {}
        return cls(location, entries if isinstance(entries, dict) else {})

    def load(self, path: Path, docs_url: str) -> Rule:
        """The rule in ``path``, validated; its TOML is parsed only when the file changed."""
        stat = path.stat()
        stamp = [stat.st_mtime_ns, stat.st_size]
        key = str(path)
        cached = self.entries.get(key)
        if (
            isinstance(cached, list)
            and len(cached) == 3
            and cached[:2] == stamp
            and isinstance(cached[2], dict)
        ):
            data = cached[2]
        else:
            data = read_rule_data(path)  # raises RuleFileError: broken files are never cached
            self.entries[key] = [*stamp, data]
            self.dirty = True
        return rule_from_mapping(data, str(path), docs_url)

    def save(self, folder: Path) -> None:
        if self.location is None or not self.dirty:
            return
        import tempfile

        try:
            self.location.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.location.parent, prefix=".rules-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({str(folder.resolve()): self.entries}, handle)
            Path(tmp).replace(self.location)
        except (OSError, TypeError, ValueError):
            return
        self.dirty = False

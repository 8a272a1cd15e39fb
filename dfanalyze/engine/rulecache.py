"""A cache of the built-in rule files' contents, so that a run does not re-parse every TOML file.

The cache holds *data only*, never code: for each rule file that passed validation, the part a lint
run needs (no docs, no examples: those are 80% of the text), as JSON. That part is validated again by
:func:`~dfanalyze.engine.rulefile.rule_from_lean` on every run; docs and examples are read from the
rule file if something asks for them (:class:`~dfanalyze.engine.rulefile.DetailsLoader`). It lives in
the user's cache directory (:mod:`dfanalyze.cachedir`), one file per dfanalyze version holding the
rule folders of up to eight installations, and an entry is reused only while the rule file's size and
modification time are unchanged. Only the rules shipped with dfanalyze are cached; plugin and
``extend-rules`` folders are small and read directly.
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
from dfanalyze.engine.rulefile import (
    DetailsLoader,
    Rule,
    RuleFileError,
    lean,
    rule_from_lean,
    rule_from_mapping,
)
from dfanalyze.records import field, record


def read_rule_data(path: Path) -> dict[str, Any]:
    import tomllib  # only when a rule file is not in the cache

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(str(path), "toml", str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(str(path), "file", str(exc)) from None


FORMAT = 2
FOLDERS_KEPT = 8


@record(frozen=False)
class RuleFileCache:
    """The lean data of valid rule files, by path, with the (mtime_ns, size) they were read at."""

    location: Path | None
    entries: dict[str, list[Any]] = field(default_factory=dict)
    dirty: bool = False
    others: dict[str, Any] = field(default_factory=dict)
    """The cached folders of other installations, kept when this one's is saved."""

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
        folders = raw.get("folders") if isinstance(raw, dict) and raw.get("format") == FORMAT else None
        if not isinstance(folders, dict):
            return cls(location)
        entries = folders.pop(str(folder.resolve()), {})
        return cls(location, entries if isinstance(entries, dict) else {}, others=folders)

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
            return rule_from_lean(cached[2], key, docs_url, DetailsLoader(key))
        data = read_rule_data(path)
        rule = rule_from_mapping(data, key, docs_url)  # raises RuleFileError: broken files are not cached
        self.entries[key] = [*stamp, lean(data)]
        self.dirty = True
        return rule

    def save(self, folder: Path) -> None:
        if self.location is None or not self.dirty:
            return
        import tempfile

        kept = dict(list(self.others.items())[-(FOLDERS_KEPT - 1) :])
        kept[str(folder.resolve())] = self.entries  # last: the most recently saved
        try:
            self.location.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.location.parent, prefix=".rules-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": FORMAT, "folders": kept}, handle)
            Path(tmp).replace(self.location)
        except (OSError, TypeError, ValueError):
            return
        self.dirty = False

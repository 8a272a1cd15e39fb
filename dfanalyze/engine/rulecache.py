"""A per-folder cache of parsed rule files, so that a run does not re-read every TOML file.

Each folder's cache is one pickle in the user's cache directory (``$DFANALYZE_CACHE_DIR``, else
``$XDG_CACHE_HOME/dfanalyze``, else ``~/.cache/dfanalyze``), keyed by the folder's absolute path, the
dfanalyze version and the Python version. An entry is reused only while the file's size and
modification time are unchanged. A cache that cannot be read or written is ignored: it only ever
saves time. ``DFANALYZE_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dfanalyze import __version__
from dfanalyze.engine.rulefile import Rule, load_rule_file

Stamp = tuple[int, int]  # (mtime_ns, size)


def cache_dir() -> Path | None:
    if os.environ.get("DFANALYZE_NO_CACHE"):
        return None
    explicit = os.environ.get("DFANALYZE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dfanalyze"


@dataclass
class RuleFileCache:
    """Parsed rules of one folder, by file path, with the stamp each was parsed at."""

    location: Path | None
    entries: dict[str, tuple[Stamp, Rule]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def open(cls, folder: Path) -> RuleFileCache:
        directory = cache_dir()
        if directory is None:
            return cls(None)
        key = f"{folder.resolve()}|{__version__}|{sys.version_info[:2]}"
        location = directory / f"rules-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pickle"
        try:
            with location.open("rb") as handle:
                entries = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            entries = {}
        return cls(location, entries if isinstance(entries, dict) else {})

    def load(self, path: Path, docs_url: str) -> Rule:
        """The rule in ``path``: from the cache when the file is unchanged, else parsed (and cached)."""
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        key = str(path)
        cached = self.entries.get(key)
        if cached is not None and cached[0] == stamp and cached[1].url.startswith(docs_url):
            return cached[1]
        rule = load_rule_file(path, docs_url)  # raises RuleFileError: such files are never cached
        self.entries[key] = (stamp, rule)
        self.dirty = True
        return rule

    def save(self) -> None:
        if self.location is None or not self.dirty:
            return
        try:
            self.location.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.location.parent, prefix=".rules-", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(self.entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
            Path(tmp).replace(self.location)
        except OSError:
            return
        self.dirty = False

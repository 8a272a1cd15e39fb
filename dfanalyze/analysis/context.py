"""The build context: the files ``docker build`` sends, and what each COPY or ADD source selects.

* ``.dockerignore`` is read as Docker does (``moby/patternmatcher``): a line starting with ``#`` is a
  comment, lines are trimmed, ``!`` starts an exception, every pattern is cleaned like Go's
  ``filepath.Clean`` and a leading ``/`` is dropped. A pattern is Go's ``filepath.Match`` syntax plus
  ``**`` (any number of directories, even none); a path is excluded when the last pattern that
  matches it, or one of its parent directories, is not an exception. BuildKit prefers a
  ``<Dockerfile>.dockerignore`` next to the Dockerfile over the context's ``.dockerignore``.
* Like BuildKit's file walker, an excluded directory is entered again only when an exception
  pattern starts with that directory's path: ``!**/keep.txt`` does not bring back ``dir/keep.txt``
  once ``dir`` is excluded (moby/moby#30018).
* A COPY source is cleaned and made relative to the context; wildcards (``*``, ``?``, ``[...]``)
  match one path component each, as ``filepath.Match``. A directory source brings its contents.
  ``--exclude`` patterns use the ``.dockerignore`` syntax relative to a directory source; BuildKit
  does not apply them to a source that is a file (moby/buildkit#5489), and neither does this model.
* Symbolic links are sent as links; a source that is itself a link is followed inside the context.
* ``ADD`` extracts a local tar archive (plain, gzip, bzip2 or xz, recognised by content, not by
  name): :func:`archive_members` lists what it unpacks.

Everything here is pure data once :func:`load_context` has read the disk.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
from collections.abc import Iterable, Iterator
from functools import cached_property, lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from msgspec import Struct

if TYPE_CHECKING:
    from tarfile import TarInfo

__all__ = [
    "BuildContext",
    "ContextEntry",
    "ContextTooLarge",
    "IgnorePattern",
    "IgnoreRules",
    "SourceMatch",
    "archive_members",
    "clean_source",
    "go_clean",
    "load_context",
    "match_source_pattern",
    "parse_ignore",
    "read_ignore_file",
]

EntryKind = Literal["file", "dir", "symlink", "other"]
MatchKind = Literal["exact", "prefix", "suffix", "regexp"]

_REGEX_SPECIAL = frozenset(".+()|{}$")
_WILDCARDS = re.compile(r"[*?\[]")


def go_clean(path: str) -> str:
    """Go's ``path.Clean``: the shortest equivalent slash path (``""`` gives ``"."``)."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


# --- .dockerignore ---------------------------------------------------------------------------------


class IgnorePattern(Struct, frozen=True):
    """One pattern of a ``.dockerignore`` (or of ``COPY --exclude``)."""

    pattern: str
    """Cleaned, without the leading ``!``."""
    exclusion: bool
    """An exception (``!pattern``): it re-includes what earlier patterns excluded."""
    line: int
    """1-based line in the ignore file (0 for ``--exclude``)."""
    kind: MatchKind
    regex: re.Pattern[str] | None

    @property
    def text(self) -> str:
        return ("!" if self.exclusion else "") + self.pattern

    def match(self, path: str) -> bool:
        """Whether the slash path ``path`` (relative to the context) matches, as Go's
        ``Pattern.match``: exact, prefix (``dir/**``), suffix (``**/name``) or regexp."""
        if self.kind == "exact":
            return path == self.pattern
        if self.kind == "prefix":
            return path.startswith(self.pattern[:-2])
        if self.kind == "suffix":
            suffix = self.pattern[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        assert self.regex is not None
        return self.regex.match(path) is not None


def compile_pattern(pattern: str, *, exclusion: bool = False, line: int = 0) -> IgnorePattern:
    """Compile a cleaned pattern the way ``patternmatcher`` does; ``ValueError`` for a pattern
    ``filepath.Match`` rejects (an unclosed ``[``, a trailing ``\\``)."""
    _check_syntax(pattern)
    regex = "^"
    kind: MatchKind = "exact"
    i, n, step = 0, len(pattern), 0
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                if i >= n:
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        regex += ".*"
                        kind = "regexp"
                else:
                    regex += "(.*/)?"
                    kind = "regexp"
                if step == 0:
                    kind = "suffix"
            else:
                regex += "[^/]*"
                kind = "regexp"
        elif ch == "?":
            regex += "[^/]"
            kind = "regexp"
        elif ch in _REGEX_SPECIAL:
            regex += "\\" + ch
        elif ch == "\\":
            if i < n:
                regex += "\\" + pattern[i]
                i += 1
                kind = "regexp"
            else:
                regex += "\\\\"
        elif ch in "[]":
            regex += ch
            kind = "regexp"
        else:
            regex += ch
        step += 1
    compiled = re.compile(regex + r"\Z") if kind == "regexp" else None
    return IgnorePattern(pattern, exclusion, line, kind, compiled)


def _check_syntax(pattern: str) -> None:
    """Reject what Go's ``filepath.Match`` reports as ``ErrBadPattern``."""
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise ValueError(f"syntax error in pattern: {pattern!r} ends with a backslash")
            i += 2
            continue
        if ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                raise ValueError(f"syntax error in pattern: {pattern!r} has an empty character class")
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            if j >= n:
                raise ValueError(f"syntax error in pattern: {pattern!r} has an unclosed '['")
            i = j
        i += 1


class IgnoreRules(Struct, frozen=True):
    """The patterns of one ignore file, in order, and the lines that could not be used."""

    patterns: tuple[IgnorePattern, ...]
    source: str | None = None
    errors: tuple[str, ...] = ()

    def decisive(self, path: str) -> IgnorePattern | None:
        """The pattern that excludes ``path`` (matched by it or by a parent directory), or None
        when ``path`` is sent (``MatchesOrParentMatches``)."""
        matched: IgnorePattern | None = None
        parents = _parents(path)
        for pattern in self.patterns:
            if pattern.exclusion != (matched is not None):
                continue
            hit = pattern.match(path) or any(pattern.match(parent) for parent in parents)
            if hit:
                matched = None if pattern.exclusion else pattern
        return matched

    def excludes(self, path: str) -> bool:
        return self.decisive(path) is not None

    def may_reinclude_below(self, directory: str) -> bool:
        """Whether BuildKit's walker enters the excluded ``directory``: only when an exception
        pattern starts with its path."""
        prefix = directory + "/"
        return any(p.exclusion and (p.pattern + "/").startswith(prefix) for p in self.patterns)


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def parse_ignore(text: str, source: str | None = None) -> IgnoreRules:
    """Read a ``.dockerignore`` as ``ignorefile.ReadAll`` and ``patternmatcher.New`` do."""
    patterns: list[IgnorePattern] = []
    errors: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removeprefix("\ufeff") if number == 1 else raw
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        exclusion = pattern.startswith("!")
        if exclusion:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = go_clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        if exclusion and not pattern:
            errors.append(f'line {number}: illegal exclusion pattern: "!"')
            continue
        try:
            patterns.append(compile_pattern(pattern, exclusion=exclusion, line=number))
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
    return IgnoreRules(tuple(patterns), source, tuple(errors))


def read_ignore_file(context_dir: Path, dockerfile: Path | None = None) -> IgnoreRules | None:
    """The ignore file BuildKit uses: ``<Dockerfile>.dockerignore`` next to the Dockerfile, else the
    context's ``.dockerignore``; None when there is neither."""
    candidates = []
    if dockerfile is not None:
        candidates.append(dockerfile.parent / (dockerfile.name + ".dockerignore"))
    candidates.append(context_dir / ".dockerignore")
    for candidate in candidates:
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        return parse_ignore(text, str(candidate))
    return None


# --- the files ---------------------------------------------------------------------------------------


class ContextEntry(Struct, frozen=True):
    """One file, directory or link of the context."""

    path: str
    """Relative to the context root, slash-separated."""
    kind: EntryKind
    size: int
    """Bytes for a regular file, 0 otherwise."""
    mode: int
    """Permission bits (``st_mode & 0o7777``)."""
    target: str | None = None
    """A symbolic link's target, as written."""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class SourceMatch(Struct, frozen=True):
    """One item a COPY/ADD source names (the source itself, or one wildcard match) and the context
    entries it brings, each with its path relative to the item (``""`` for a file source)."""

    item: ContextEntry
    members: tuple[tuple[str, ContextEntry], ...]


class BuildContext(Struct, frozen=True, dict=True):
    """The context as BuildKit would send it."""

    root: str
    entries: tuple[ContextEntry, ...]
    """Every entry sent, sorted by path."""
    ignored: tuple[ContextEntry, ...]
    """Entries ``.dockerignore`` excludes (an excluded directory that is not entered stands for all
    it holds, which is not read)."""
    ignore: IgnoreRules | None
    """None when the context has no ignore file."""

    @cached_property
    def _paths(self) -> list[str]:
        return list(map(_PATH, self.entries))

    def entry(self, path: str) -> ContextEntry | None:
        """The entry at ``path`` (found by bisection: a dictionary of 100,000 paths costs 60 ms)."""
        paths = self._paths
        index = bisect.bisect_left(paths, path)
        return self.entries[index] if index < len(paths) and paths[index] == path else None

    @property
    def total_bytes(self) -> int:
        return sum(e.size for e in self.entries)

    def below(self, directory: str) -> Iterator[ContextEntry]:
        """Every entry under ``directory`` (``""`` or ``"."``: the whole context)."""
        if directory in ("", "."):
            yield from self.entries
            return
        prefix = directory + "/"
        start = bisect.bisect_left(self._paths, prefix)
        for entry in self.entries[start:]:
            if not entry.path.startswith(prefix):
                break
            yield entry

    def resolve(self, path: str) -> ContextEntry | None:
        """The entry at ``path``, following symbolic links that stay inside the context."""
        entry = self.entry(path)
        for _ in range(40):
            if entry is None or entry.kind != "symlink" or entry.target is None:
                return entry
            base = "" if entry.target.startswith("/") else entry.path.rpartition("/")[0]
            target = go_clean("/" + base + "/" + entry.target).lstrip("/") or "."
            entry = self.entry(target) if target != "." else _ROOT
        return None

    @cached_property
    def _selected(self) -> dict[tuple[str, tuple[str, ...]], tuple[SourceMatch, ...]]:
        return {}

    def select(self, source: str, excludes: Iterable[str] = ()) -> tuple[SourceMatch, ...]:
        """What a COPY/ADD source selects (empty when nothing matches: the build would fail).
        Remembered: the layer model and the cache keys select the same sources (``COPY . .`` of
        100,000 files lists 100,000 members each time)."""
        key = (source, tuple(excludes))
        found = self._selected.get(key)
        if found is None:
            found = self._selected[key] = self._select(source, key[1])
        return found

    def _select(self, source: str, excludes: Iterable[str]) -> tuple[SourceMatch, ...]:
        cleaned = clean_source(source)
        rules = _exclude_rules(excludes)
        if not _WILDCARDS.search(cleaned):
            item = _ROOT if cleaned == "." else self.resolve(cleaned)
            if item is None:
                return ()
            name = cleaned if item is _ROOT else item.path
            return (self._match(item, name, rules),)
        depth = cleaned.count("/")
        found = []
        for entry in self.entries:
            if entry.path.count("/") == depth and match_source_pattern(cleaned, entry.path):
                item = self.resolve(entry.path)
                if item is not None:
                    found.append(self._match(item, item.path, rules))
        return tuple(found)

    def _match(self, item: ContextEntry, name: str, rules: IgnoreRules | None) -> SourceMatch:
        if item.kind != "dir":
            return SourceMatch(item, (("", item),))
        if name == ".":
            paths, entries = self._paths, self.entries
        else:
            start = bisect.bisect_left(self._paths, name + "/")
            end = bisect.bisect_left(self._paths, name + "0", start)  # "0" follows "/"
            paths = [path[len(name) + 1 :] for path in self._paths[start:end]]
            entries = self.entries[start:end]
        members = zip(paths, entries, strict=True)
        if rules is not None:
            return SourceMatch(item, tuple(m for m in members if not rules.excludes(m[0])))
        return SourceMatch(item, tuple(members))

    def digest(self, entry: ContextEntry) -> str:
        """A content fingerprint: the file's SHA-256, a link's target, nothing for a directory."""
        if entry.kind == "file":
            import hashlib  # for cache keys only: linting never needs it (~4 ms to import)

            return hashlib.sha256(Path(self.root, entry.path).read_bytes()).hexdigest()
        return entry.target or ""


_ROOT = ContextEntry(".", "dir", 0, 0o755)
_PATH = attrgetter("path")


def _exclude_rules(excludes: Iterable[str]) -> IgnoreRules | None:
    patterns = []
    for text in excludes:
        exclusion = text.startswith("!")
        cleaned = go_clean(text[1:] if exclusion else text).lstrip("/") or "."
        try:
            patterns.append(compile_pattern(cleaned, exclusion=exclusion))
        except ValueError:
            continue
    return IgnoreRules(tuple(patterns)) if patterns else None


def clean_source(source: str) -> str:
    """A COPY/ADD source as a path relative to the context (``"."`` for the whole context)."""
    return go_clean("/" + source).lstrip("/") or "."


@lru_cache(maxsize=1024)
def _glob_regex(pattern: str) -> re.Pattern[str] | None:
    """Go's ``filepath.Match`` pattern as a regex; None for a pattern Go refuses (``ErrBadPattern``:
    an empty or unterminated class, a trailing ``\\``, a range without an end). Classes follow Go:
    ``[^...]`` negates, ``]`` ends a class only after its first item, a reversed range matches
    nothing."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i >= n:
                return None
            out.append(re.escape(pattern[i]))
            i += 1
        elif ch == "[":
            negated = i < n and pattern[i] == "^"
            i += negated
            items: list[str] = []
            count = 0
            while True:
                if i < n and pattern[i] == "]" and count:
                    i += 1
                    break
                low, i = _class_char(pattern, i)
                if low is None:
                    return None
                high = low
                if i < n and pattern[i] == "-":
                    upper, i = _class_char(pattern, i + 1)
                    if upper is None:
                        return None
                    high = upper
                if low <= high:
                    items.append(re.escape(low) if low == high else f"{re.escape(low)}-{re.escape(high)}")
                count += 1
            if items:
                out.append(("[^" if negated else "[") + "".join(items) + "]")
            else:  # only reversed ranges: nothing matches, or (negated) any one character
                out.append("(?s:.)" if negated else "(?!)")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def _class_char(pattern: str, i: int) -> tuple[str | None, int]:
    """One character of a class at ``i`` (Go's ``getEsc``) and the index after it; None where Go
    reports a bad pattern."""
    if i >= len(pattern) or pattern[i] in "-]":
        return None, i
    if pattern[i] == "\\":
        i += 1
        if i >= len(pattern):
            return None, i
    return pattern[i], i + 1


def match_source_pattern(pattern: str, path: str) -> bool:
    """Go's ``filepath.Match``: each ``*`` and ``?`` stays inside one path component; a malformed
    pattern matches nothing (BuildKit stops the build on it)."""
    regex = _glob_regex(pattern)
    return regex is not None and regex.match(path) is not None


class ContextTooLarge(Exception):
    """The context holds more entries than the caller wants to read."""


_Sources = tuple[tuple[str, ...], ...] | None
"""The COPY/ADD sources still to be matched below a folder, as path components (None: all of it)."""


def load_context(
    root: str | Path,
    ignore: IgnoreRules | None,
    limit: int | None = None,
    sources: Iterable[str] | None = None,
) -> BuildContext:
    """Walk ``root`` (without following links) and split it into what is sent and what
    ``ignore`` excludes; unreadable folders are skipped, excluded folders are not entered (unless
    an exception pattern may bring back something below them). :class:`ContextTooLarge` when more
    than ``limit`` entries would be sent.

    ``sources``: the COPY/ADD sources (as written, relative to the context) the caller will
    select; only what they can match is read: the folders on the way to them are listed, and the
    folders they name (or match) read whole. None: the whole context."""
    base = str(root)
    wanted: _Sources = None
    if sources is not None:
        cleaned = [clean_source(s) for s in sources]
        if "." not in cleaned:
            wanted = tuple(tuple(c.split("/")) for c in dict.fromkeys(cleaned))
    walk = _Walk(base, ignore, limit)
    walk.folder("", wanted)
    if wanted is not None:
        walk.follow_links()
    return walk.result()


class _Walk:
    """One walk of a context folder (see :func:`load_context`)."""

    def __init__(self, base: str, ignore: IgnoreRules | None, limit: int | None) -> None:
        self.base = base
        self.ignore = ignore
        self.limit = limit
        self.sent: dict[str, ContextEntry] = {}
        self.ignored: dict[str, ContextEntry] = {}
        self.entered: dict[str, ContextEntry] = {}
        self.read: dict[str, _Sources] = {}

    def folder(self, start: str, wanted: _Sources) -> None:
        """Read the folder ``start`` and, for each entry, what ``wanted`` needs below it."""
        ignore = self.ignore
        stack: list[tuple[str, _Sources]] = [(start, wanted)]
        while stack:
            folder, want = stack.pop()
            if folder in self.read and (self.read[folder] is None or self.read[folder] == want):
                continue
            self.read[folder] = want
            depth = folder.count("/") + 1 if folder else 0
            try:
                with os.scandir(f"{self.base}/{folder}" if folder else self.base) as listing:
                    items = sorted(listing, key=lambda d: d.name)
            except OSError:
                continue
            prefix = f"{folder}/" if folder else ""
            sent = self.sent
            for item in items:
                below = want if want is None else _below(want, depth, item.name)
                if below == ():
                    continue  # no source reaches it
                path = prefix + item.name
                if item.is_file(follow_symlinks=False):  # most entries: no call, no ignored folder
                    try:
                        info = item.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    entry = ContextEntry(path, "file", info.st_size, info.st_mode & 0o7777)
                    if ignore is not None and ignore.excludes(path):
                        self.ignored[path] = entry
                    else:
                        sent[path] = entry
                    continue
                found = _entry(item, path)
                if found is None:
                    continue
                excluded = ignore is not None and ignore.excludes(path)
                if found.kind == "dir":
                    if not excluded:
                        sent[path] = found
                        stack.append((path, below))
                    elif ignore is not None and ignore.may_reinclude_below(path):
                        stack.append((path, below))
                        self.entered[path] = found
                    else:
                        self.ignored[path] = found
                elif excluded:
                    self.ignored[path] = found
                else:
                    sent[path] = found
            if self.limit is not None and len(sent) > self.limit:  # checked once per folder
                raise ContextTooLarge(f"{self.base}: more than {self.limit} entries")

    def follow_links(self) -> None:
        """Read what the links among the entries point to (a source may go through them)."""
        done: set[str] = set()
        while True:
            targets = []
            for path, entry in list(self.sent.items()):
                if entry.kind == "symlink" and entry.target is not None and path not in done:
                    done.add(path)
                    folder = "" if entry.target.startswith("/") else path.rpartition("/")[0]
                    target = go_clean("/" + folder + "/" + entry.target).lstrip("/")
                    if target and self.read.get(target, ()) is not None:  # not read whole yet
                        targets.append(target)
            if not targets:
                return
            for target in targets:
                parts = tuple(target.split("/"))
                self.folder("", (parts,))

    def result(self) -> BuildContext:
        sent = list(self.sent.values())
        # An excluded folder that holds an exception is sent as the parent of what it holds.
        parents = {p for e in sent for p in _parents(e.path)} if self.entered else set()
        sent.extend(entry for path, entry in self.entered.items() if path in parents)
        ignored = [*self.ignored.values(), *(e for path, e in self.entered.items() if path not in parents)]
        sent.sort(key=lambda e: e.path)
        ignored.sort(key=lambda e: e.path)
        return BuildContext(self.base, tuple(sent), tuple(ignored), self.ignore)


def _below(wanted: tuple[tuple[str, ...], ...], depth: int, name: str) -> _Sources:
    """What of ``wanted`` (sources whose first ``depth`` components matched the folder) the entry
    ``name`` of that folder needs: None when a source selects it whole, else the sources that go
    on below it (``()``: none reaches it)."""
    onward = []
    for parts in wanted:
        part = parts[depth]
        if part == name or (_WILDCARDS.search(part) and match_source_pattern(part, name)):
            if len(parts) == depth + 1:
                return None
            onward.append(parts)
    return tuple(onward)


def _entry(item: os.DirEntry[str], path: str) -> ContextEntry | None:
    try:
        info = item.stat(follow_symlinks=False)
    except OSError:
        return None
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode):
        return ContextEntry(path, "dir", 0, mode)
    if stat.S_ISREG(info.st_mode):
        return ContextEntry(path, "file", info.st_size, mode)
    if stat.S_ISLNK(info.st_mode):
        try:
            target = str(Path(item.path).readlink())
        except OSError:
            target = ""
        return ContextEntry(path, "symlink", 0, mode, target)
    return ContextEntry(path, "other", 0, mode)


# --- local archives that ADD extracts -----------------------------------------------------------------


def archive_members(path: str | Path) -> tuple[ContextEntry, ...] | None:
    """What ``ADD`` unpacks from a local archive; None when the file is not a tar archive it
    recognises (then ADD copies the file as it is)."""
    import tarfile

    try:
        if not tarfile.is_tarfile(path):
            return None
        members = []
        with tarfile.open(path, "r:*") as archive:
            for info in archive:
                name = go_clean(info.name).lstrip("/")
                if name in (".", ""):
                    continue
                members.append(
                    ContextEntry(name, _member_kind(info), info.size if info.isreg() else 0, info.mode)
                )
    except (OSError, tarfile.TarError, EOFError):
        return None
    return tuple(members)


def _member_kind(info: TarInfo) -> EntryKind:
    if info.isdir():
        return "dir"
    if info.isreg():
        return "file"
    return "symlink" if info.issym() else "other"

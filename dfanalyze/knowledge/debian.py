"""Debian package metadata and the size estimate of ``apt-get install``.

The data of each release (``data/apt/debian-bookworm/`` and the others in :data:`SUITES`) is made
by ``python -m tools.make_debian_packages`` from apt's own package lists: ``header.json`` (source,
resolution, the base image's package set) and one gzipped text file per column, one line per
package (:func:`write_columns`). A column is read lazily, once per process, the first time
something asks for it: importing this module costs nothing more than its own code, and a check
that only asks whether a name exists (rule DF516) decodes the names (0.5 MB gzipped for Ubuntu
jammy's 123,072 packages) and not the dependency columns (1.4 MB).

``apt_install_closure`` replays what ``apt-get install`` decides: the named packages, then their
Pre-Depends and Depends (and, when asked, Recommends) depth first in the order they are listed;
an alternative group is satisfied by any member that is already installed or already chosen, and
otherwise by its first member (the data file lists each group's real packages, apt's choice
first; see its header's ``resolution``). ``AptEstimate.layer_bytes`` adds to the packages'
Installed-Size what their maintainer scripts generate and what apt and dpkg write beside them
(``apt_layer_overhead``); the constants come from real layers measured by ``tools/calibrate_apt.py``
(``data/apt-calibration.json``).

Unknown is a value: a name that is not in the data (a typo, a package from another archive, a
glob or regex apt would expand, a foreign architecture) is reported in ``AptEstimate.unknown``
and never counted as zero bytes; a package whose archive entry has no Installed-Size is reported
in ``AptEstimate.unsized``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from msgspec import Struct

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FORMAT = "dfanalyze-debian-packages/2"
COLUMNS = ("name", "installed_kib", "depends", "recommends", "flags", "provides", "version")
"""The columns of a release's data, each a list parallel to ``name`` (described in its header)."""
ARCHITECTURE = "amd64"

# A package name as Debian policy (5.6.7) allows it: lower-case letters, digits, '+', '-', '.',
# at least two characters, starting with a letter or digit.
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")
# What apt-get install treats as a pattern (glob, regex or apt pattern) rather than a name.
_PATTERN_CHARS = frozenset("*?[]^$~()|!")
# Architecture qualifiers that name this data's architecture (``all`` packages install anywhere).
_OWN_ARCHES = frozenset({ARCHITECTURE, "all", "any", "native"})

# What an install layer holds beyond the packages' Installed-Size. Every constant below was
# measured on real buildah layers of ``RUN apt-get update && apt-get install -y
# --no-install-recommends ... && rm -rf /var/lib/apt/lists/*`` on a base set up like the
# official debian:bookworm image; the measurements and the script that made them are
# data/apt-calibration.json and tools/calibrate_apt.py, which prints these values again from new
# measurements (``constants_fitted``).
#
# Per call, whatever is installed: files every install rewrites, or merely opens for writing,
# so that the overlay layer holds a whole copy of each: debconf's templates.dat, config.dat and
# passwords.dat (about 760 KB on minbase: apt's dpkg-preconfigure hook opens them read-write
# even when no package uses debconf), /var/lib/dpkg/status and status-old (about 80 KB each on
# minbase, plus the new stanzas), /etc/ld.so.cache and ldconfig's aux-cache, apt's
# extended_states, eipp.log.xz, history.log and term.log, dpkg.log; and the tar headers of the
# directories above every changed path. Fitted by least squares, with the next constant.
APT_CALL_OVERHEAD_BYTES = 934_769
# Per new package: its /var/lib/dpkg/info files (.list, .md5sums, maintainer scripts, shlibs,
# symbols, triggers), its stanza in the status files, and the tar framing of its files (a
# 512-byte header each, data padded to 512 bytes), less what Installed-Size over-counts by
# rounding each file up to a whole KiB. Fitted, with the constant above.
APT_PACKAGE_OVERHEAD_BYTES = 22_879
# When a new package uses debconf (flag D: it Depends on debconf), debconf also keeps the
# previous templates.dat and config.dat as *-old files: the median extra over the sets without.
DEBCONF_CACHE_BYTES = 798_423
# Python byte-code that py3compile writes in postinst, per byte of the package's Installed-Size:
# pure-Python modules (flag Y, Architecture: all), packages with compiled extensions (flag X,
# whose .so files get no .pyc) and the interpreter's standard library (flag S). Measured: the
# .pyc bytes beside each package's .py files, pooled per class over the calibration sets.
PYC_BYTES_PER_INSTALLED_BYTE = {"Y": 1.08, "X": 0.49, "S": 0.84}


class AptEstimate(Struct, frozen=True):
    """What one ``apt-get install`` would add on top of ``installed``."""

    new_packages: frozenset[str]
    installed_size_bytes: int
    unknown: tuple[str, ...]
    unsized: tuple[str, ...] = ()
    removals: tuple[str, ...] = ()
    generated_bytes: int = 0
    """What the new packages' maintainer scripts write: Python byte-code, debconf's caches."""
    debconf: bool = False
    """A new package uses debconf (flag D)."""

    @property
    def complete(self) -> bool:
        """True when every package was found and sized, so the byte count is not a lower bound."""
        return not self.unknown and not self.unsized

    @property
    def layer_bytes(self) -> int:
        """The layer's uncompressed size: Installed-Size, generated files, apt and dpkg state."""
        if not self.new_packages:
            return 0
        return self.installed_size_bytes + self.generated_bytes + apt_layer_overhead(len(self.new_packages))


def apt_layer_overhead(n_packages: int) -> int:
    """Bytes apt and dpkg add for ``n_packages`` new packages, beyond what the packages hold."""
    if n_packages <= 0:
        return 0
    return APT_CALL_OVERHEAD_BYTES + APT_PACKAGE_OVERHEAD_BYTES * n_packages


def parse_request(word: str) -> str | None:
    """The package name in one ``apt-get install`` argument; None for a pattern or non-name.

    ``pkg=1.2-3`` (version pin) and ``pkg/bookworm-backports`` (release pin) select a version of
    ``pkg``; ``pkg:amd64`` qualifies the architecture (any other one is not in this data); a
    trailing ``-`` asks apt to remove the package and a trailing ``+`` to install it, which apt
    only reads so when no package has the full name (``DebianIndex.closure`` checks that).
    """
    name = word.split("=", 1)[0].split("/", 1)[0]
    if ":" in name:
        name, arch = name.split(":", 1)
        if arch not in _OWN_ARCHES:
            return None
    if _PATTERN_CHARS.intersection(name) or not _PACKAGE_NAME.fullmatch(name):
        return None
    return name


class DebianIndex:
    """One suite's packages, their dependencies and the base image set.

    ``header`` is the data's ``header.json``; ``read`` returns a column (:data:`COLUMNS`) and is
    called at most once per column, when something first needs it.
    """

    def __init__(self, header: Mapping[str, Any], read: Callable[[str], Sequence[Any]]) -> None:
        if header.get("format") != DATA_FORMAT:
            raise ValueError(f"not a {DATA_FORMAT} data file: format={header.get('format')!r}")
        self.header = header
        self._read = read
        self.base: frozenset[str] = frozenset(header["base"]["packages"])
        self._packages: dict[tuple[str, bool], _Package] = {}

    @classmethod
    def from_columns(cls, header: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]) -> DebianIndex:
        """An index over columns already in memory (the generator's, before it writes them)."""
        return cls(header, columns.__getitem__)

    @cached_property
    def _row(self) -> dict[str, int]:
        return {name: row for row, name in enumerate(self._read("name"))}

    @cached_property
    def _kib(self) -> Sequence[int | None]:
        return self._read("installed_kib")

    @cached_property
    def _depends(self) -> Sequence[str]:
        return self._read("depends")

    @cached_property
    def _recommends(self) -> Sequence[str]:
        return self._read("recommends")

    @cached_property
    def _flags(self) -> Sequence[str]:
        return self._read("flags")

    @cached_property
    def _provides(self) -> Sequence[str]:
        return self._read("provides")

    @cached_property
    def _version(self) -> Sequence[str] | None:
        return self._read("version") if "version" in self.header["columns"] else None

    def __contains__(self, name: object) -> bool:
        return name in self._row

    def __len__(self) -> int:
        return len(self._row)

    def names(self) -> Iterable[str]:
        """Every package name, sorted."""
        return self._row.keys()

    def installed_kib(self, name: str) -> int | None:
        """The package's Installed-Size in KiB; None when the archive does not give one."""
        return self._kib[self._row[name]]

    def depends(self, name: str) -> list[list[str]]:
        """Depends and Pre-Depends as alternative groups, each member a real package."""
        return _groups(self._depends[self._row[name]])

    def recommends(self, name: str) -> list[list[str]]:
        """Recommends as alternative groups (those apt could never satisfy were dropped)."""
        return _groups(self._recommends[self._row[name]])

    def version(self, name: str) -> str | None:
        """The candidate version apt installs (None when the data file has no version column)."""
        return self._version[self._row[name]] if self._version is not None else None

    def flags(self, name: str) -> str:
        """The data file's flags column (see its header's ``columns``)."""
        return self._flags[self._row[name]]

    def essential(self, name: str) -> bool:
        return "E" in self.flags(name)

    def priority(self, name: str) -> str:
        """Debian's Priority field: required, important, standard, optional, extra or unknown."""
        return _PRIORITY_NAMES.get(self.flags(name)[:1], "unknown")

    def _package(self, name: str, recommends: bool) -> _Package | None:
        """What a closure reads of a package, made once per process; None when it is not in the
        data. (The columns are large: reading them again for each install is slower.)"""
        key = (name, recommends)
        package = self._packages.get(key)
        if package is None and name in self._row:
            row = self._row[name]
            field = f"{self._depends[row]} {self._recommends[row]}" if recommends else self._depends[row]
            relations = tuple(tuple(group.split("|")) for group in field.split())
            package = self._packages[key] = _Package(relations, self._kib[row], self._flags[row])
        return package

    def providers(self, name: str) -> tuple[str, ...]:
        """The real packages that Provide a virtual ``name``, apt's choice first."""
        return self._virtual.get(name, ())

    @cached_property
    def _virtual(self) -> dict[str, tuple[str, ...]]:
        """Virtual name -> providers; built on the first command-line name that is not a package."""
        providers: dict[str, list[str]] = {}
        for name, provides in zip(self._row, self._provides, strict=True):
            for virtual in provides.split():
                providers.setdefault(virtual, []).append(name)
        return {
            virtual: tuple(sorted(names, key=lambda n: provider_rank(n, self.flags(n))))
            for virtual, names in providers.items()
        }

    def closure(
        self, packages: Iterable[str], *, recommends: bool, installed: Collection[str]
    ) -> AptEstimate:
        """What ``apt-get install packages`` adds on a system that has ``installed``."""
        unknown: list[str] = []
        removals: list[str] = []
        requested: list[str] = []
        for word in packages:
            parsed = parse_request(word)
            if parsed is None:
                unknown.append(word)
                continue
            name = parsed
            if name not in self._row and name[-1] in "-+":
                if name[-1] == "-":
                    removals.append(name[:-1])
                    continue
                name = name[:-1]
            providers = (name,) if name in self._row else self.providers(name)
            if len(providers) == 1:  # for a virtual, apt: "Note, selecting 'p' instead of 'v'"
                requested.append(providers[0])
            else:  # no such package, or a virtual apt will not pick a provider for (it fails)
                unknown.append(word)

        # apt marks the requested packages first, then settles each one's dependencies depth
        # first, in the order the package lists them (Pre-Depends, Depends, then Recommends):
        # that order decides which member of an alternative group is already chosen when the
        # group is reached, and so whether the group needs its first member.
        present = set(installed)  # installed or chosen
        fresh = [name for name in dict.fromkeys(requested) if name not in present]
        present.update(fresh)
        package = self._package
        chosen: dict[str, _Package] = {}
        for name in fresh:
            found = package(name, recommends)
            assert found is not None  # requested names are in the data
            chosen[name] = found
        for name in fresh:
            walk = [iter(chosen[name].relations)]
            while walk:
                for group in walk[-1]:
                    if not present.isdisjoint(group):
                        continue
                    first = group[0]
                    dependency = package(first, recommends)
                    if dependency is not None:
                        chosen[first] = dependency
                        present.add(first)
                        walk.append(iter(dependency.relations))
                        break
                    if first not in unknown:  # a dependency outside this archive component
                        unknown.append(first)
                else:
                    walk.pop()

        pyc = 0.0
        for found in chosen.values():
            for kind, ratio in PYC_BYTES_PER_INSTALLED_BYTE.items():
                if kind in found.flags:
                    pyc += ratio * 1024 * (found.kib or 0)
                    break
        debconf = any("D" in found.flags for found in chosen.values())
        return AptEstimate(
            new_packages=frozenset(chosen),
            installed_size_bytes=sum(found.kib or 0 for found in chosen.values()) * 1024,
            unknown=tuple(unknown),
            unsized=tuple(sorted(name for name, found in chosen.items() if found.kib is None)),
            removals=tuple(removals),
            generated_bytes=round(pyc) + (DEBCONF_CACHE_BYTES if debconf else 0),
            debconf=debconf,
        )


class _Package(Struct, frozen=True):
    """One package as the closure reads it."""

    relations: tuple[tuple[str, ...], ...]
    """Depends (then Recommends, when asked) as alternative groups."""
    kib: int | None
    flags: str


_PRIORITY_RANK = {letter: rank for rank, letter in enumerate("risox")}


def provider_rank(name: str, flags: str) -> tuple[int, int, str]:
    """Sort key for the providers of a virtual package, apt's choice first.

    apt (pkgDepCache's provider comparison) prefers an Essential provider, then a higher
    Priority; it breaks the remaining ties by its cache order, which we replace by the name.
    """
    return (0 if "E" in flags else 1, _PRIORITY_RANK.get(flags[:1], len(_PRIORITY_RANK)), name)


_PRIORITY_NAMES = {
    "r": "required",
    "i": "important",
    "s": "standard",
    "o": "optional",
    "x": "extra",
}


def _groups(field: str) -> list[list[str]]:
    return [group.split("|") for group in field.split()]


SUITES: Mapping[tuple[str, str], str] = {
    ("debian", "11"): "bullseye",
    ("debian", "12"): "bookworm",
    ("debian", "13"): "trixie",
    ("ubuntu", "22.04"): "jammy",
    ("ubuntu", "24.04"): "noble",
}
"""The releases whose package data is made by ``tools/make_debian_packages.py``: (distribution,
release) -> suite (code name)."""
_DISTRIBUTION = {suite: distro for (distro, _), suite in SUITES.items()}


def data_path(suite: str = "bookworm") -> Path:
    """The folder of a suite's data: ``header.json`` and one ``<column>.txt.gz`` per column."""
    return DATA_DIR / "apt" / f"{_DISTRIBUTION.get(suite, 'debian')}-{suite}"


def write_columns(folder: Path, header: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]) -> None:
    """Write a suite's data as :func:`load_index` reads it, byte for byte the same for the same
    input (no time in the gzip headers). A column is its values one per line, ``None`` as an
    empty line; no value holds a line break."""
    import gzip
    import json

    folder.mkdir(parents=True, exist_ok=True)
    for column in COLUMNS:
        values = ["" if value is None else str(value) for value in columns[column]]
        if any("\n" in value for value in values):
            raise ValueError(f"column {column!r} has a value with a line break")
        text = "\n".join(values).encode("utf-8")
        (folder / f"{column}.txt.gz").write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    body = json.dumps(dict(header), indent=1, ensure_ascii=False, sort_keys=True)
    (folder / "header.json").write_text(body + "\n", encoding="utf-8")


def _read_column(folder: Path, column: str) -> list[Any]:
    import gzip

    text = gzip.decompress((folder / f"{column}.txt.gz").read_bytes()).decode("utf-8")
    values = text.split("\n") if text else []
    if column == "installed_kib":
        return [int(value) if value else None for value in values]
    return values


def suite_of(distro: str | None, release: str | None) -> str | None:
    """The suite of a Debian or Ubuntu release (``debian``, ``12.15`` -> ``bookworm``; ``ubuntu``,
    ``24.04`` -> ``noble``) when its package data ships; None otherwise."""
    if distro is None or release is None:
        return None
    if _DISTRIBUTION.get(release) == distro:  # a code name
        return release if (data_path(release) / "header.json").is_file() else None
    parts = release.split(".")
    key = parts[0] if distro == "debian" else ".".join(parts[:2])
    suite = SUITES.get((distro, key))
    return suite if suite is not None and (data_path(suite) / "header.json").is_file() else None


@cache
def load_index(suite: str = "bookworm") -> DebianIndex:
    """The suite's data, once per process; each column is decoded when first needed."""
    return open_index(data_path(suite))


def open_index(folder: Path) -> DebianIndex:
    """The data :func:`write_columns` wrote to ``folder``."""
    import json

    header = json.loads((folder / "header.json").read_text(encoding="utf-8"))
    return DebianIndex(header, lambda column: _read_column(folder, column))


def apt_install_closure(
    packages: Iterable[str], *, recommends: bool, installed: Collection[str]
) -> AptEstimate:
    """What ``apt-get install packages`` adds to a Debian bookworm system that has ``installed``.

    Pass ``load_index().base`` as ``installed`` for a ``FROM debian:bookworm`` stage, and
    ``recommends=False`` for ``--no-install-recommends``.
    """
    return load_index().closure(packages, recommends=recommends, installed=installed)

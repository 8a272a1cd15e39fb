"""What ``pip install`` and ``npm install`` write, from real installs of the most used packages.

The data file ``data/package-sizes.json.gz`` is made by ``tools/make_package_sizes.py`` from
measurements of ``tools/measure_pip.py`` and ``tools/measure_npm.py``: each listed package was
installed alone, with its dependencies, into a fresh environment and a fresh cache on Linux
x86_64, and every installed distribution (PyPI) or package folder (npm) was measured on disk.
Its header says when, on what, with which tool versions, and from which package lists.

``PypiSizes.closure`` and ``NpmSizes.closure`` give what installing a set of requirements adds:
the union of the requirements' dependency closures, each distribution or package counted once
however many requirements share it (what one ``pip install a b`` or one ``npm ci`` does). A row
is one name at one version; its edges lead to the versions installed beside it when it was
measured, and a requirement that was itself measured counts what its install held. The real
resolvers may pick other versions when requirements constrain each other: pip keeps one version
per name (the first reached counts here), npm nests the others (all count). The file is read
lazily, once per process, the first time a closure is asked for: importing this module costs
only its own code.

Unknown is a value: a requirement that names no measured package (a typo, a private package,
a URL or a path) is reported in ``PackageInstall.unknown``, never counted as zero bytes; so is a
dependency that was not measured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from msgspec import Struct

DATA_PATH = Path(__file__).resolve().parent / "data" / "package-sizes.json.gz"
DATA_FORMAT = "dfanalyze-package-sizes/1"

# A PEP 508 requirement's name and extras, as pip reads the start of a requirement line.
_PYPI_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(.*)")
# An npm package name, optionally scoped, then an optional @version-or-tag.
_NPM_SPEC = re.compile(r"((?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*)(?:@(.*))?", re.IGNORECASE)


def normalize(name: str) -> str:
    """PEP 503: the name pip compares, lower case with runs of ``-_.`` made one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


class PackageInstall(Struct, frozen=True):
    """What one install of a set of requirements adds to a layer, and to the tool's cache."""

    packages: tuple[str, ...]
    """The installed distributions (``name==version``) or packages (``name@version``), sorted."""
    bytes: int
    """Apparent size of the installed files."""
    files: int
    blocks: int
    """Size on disk, each file rounded up to whole 4 KiB blocks."""
    tar_bytes: int
    """Size as tar entries in a layer: a 512-byte header per file and folder, data padded to 512."""
    cache_bytes: int
    """What the tool's cache keeps after the install, unless told not to (``--no-cache-dir``,
    ``npm cache clean``): downloaded archives, index pages or packuments, built wheels."""
    cache_files: int
    unknown: tuple[str, ...] = ()
    """Requirements, or dependencies of measured packages, that the data does not hold."""
    versions: Mapping[str, str] | None = None
    """Requested versions that differ from the measured one (name -> requested spec)."""

    @property
    def complete(self) -> bool:
        """True when every requirement and dependency was measured, so no byte count is a lower bound."""
        return not self.unknown


class _Counts(Struct, frozen=True):
    bytes: int
    files: int
    blocks: int
    tar: int


def _sum_counts(rows: Iterable[_Counts]) -> _Counts:
    total = [0, 0, 0, 0]
    for row in rows:
        total[0] += row.bytes
        total[1] += row.files
        total[2] += row.blocks
        total[3] += row.tar
    return _Counts(*total)


class PypiSizes:
    """One Python version's measured distributions (a row per name and version), their
    dependency edges (to rows), and the installs measured as a whole."""

    def __init__(self, python: str, table: Mapping[str, Any], roots: Mapping[str, Any]) -> None:
        self.python = python
        self._table = table
        self._names: Sequence[str] = table["name"]
        self._preferred: dict[str, int] = {}
        for row, name in enumerate(self._names):
            self._preferred.setdefault(name, row)  # the version ``pip install name`` picked comes first
        self._extras: Mapping[str, Mapping[str, str]] = table["extras"]
        self._unsized = frozenset(table["unsized"])
        self._roots: dict[tuple[str, frozenset[str]], Sequence[int]] = {}
        for spec, root in roots.items():
            parsed = _parse_pypi(spec)
            if parsed is not None:
                self._roots[(parsed[0], parsed[1])] = root["rows"]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize(name) in self._preferred

    def __len__(self) -> int:
        return len(self._names)

    def version(self, name: str) -> str:
        """The version ``pip install name`` installed."""
        return str(self._table["version"][self._preferred[normalize(name)]])

    def _counts(self, row: int, compile: bool) -> _Counts:
        table = self._table
        counts = _Counts(table["bytes"][row], table["files"][row], table["blocks"][row], table["tar"][row])
        if compile:
            return counts
        pyc = table["pyc"][row]  # [bytes, files, blocks, tar] of the .pyc files pip compiled
        return _Counts(
            counts.bytes - pyc[0], counts.files - pyc[1], counts.blocks - pyc[2], counts.tar - pyc[3]
        )

    def closure(
        self, requirements: Iterable[str], *, compile: bool = True, measured: bool = True
    ) -> PackageInstall:
        """What ``pip install requirements`` adds to an environment that has none of them.

        ``requirements`` are requirement specifiers as pip takes them (``Django>=4``,
        ``uvicorn[standard]``); their version constraints are not used for sizes (the measured
        version is), but a pin to another version is reported in ``versions``. Options, paths
        and URLs are unknown. ``compile=False`` is ``pip install --no-compile``. A requirement
        that was itself measured (installed alone) counts what that install held, unless
        ``measured`` is false; otherwise its dependency edges are followed. One version per
        name: when two requirements lead to different versions of a name, the first reached
        counts (pip would pick one that satisfies both).
        """
        unknown: list[str] = []
        versions: dict[str, str] = {}
        starts: list[tuple[int, frozenset[str]]] = []
        measured_rows: list[int] = []
        requested: set[str] = set()
        for requirement in requirements:
            parsed = _parse_pypi(requirement)
            if parsed is None or parsed[0] not in self._preferred:
                unknown.append(requirement)
                continue
            name, extras, constraint = parsed
            requested.add(name)
            root = self._roots.get((name, extras)) if measured else None
            if root is not None:
                measured_rows.extend(root)
            else:
                starts.append((self._preferred[name], extras))
            pinned = re.fullmatch(r"===?\s*([^\s,;]+)", constraint)
            if pinned and pinned.group(1) != self.version(name):
                versions[name] = constraint
        chosen: dict[str, int] = {}  # name -> its row
        for row in measured_rows:
            chosen.setdefault(self._names[row], row)
        expanded: dict[int, set[str]] = {}  # row -> extras whose requirements were followed
        todo = list(reversed(starts))
        while todo:
            row, extras = todo.pop()
            row = chosen.setdefault(self._names[row], row)
            done = expanded.get(row)
            if done is not None and extras <= done:
                continue
            words = self._table["requires"][row].split() if done is None else []
            for extra in sorted(extras - (done or set())):
                words.extend(self._extras.get(str(row), {}).get(extra, "").split())
            expanded.setdefault(row, set()).update(extras)
            for word in reversed(words):
                if word.startswith("?"):
                    if word[1:] not in unknown:
                        unknown.append(word[1:])
                    continue
                target, target_extras = _split_extras(word)
                todo.append((int(target), target_extras))
        rows = sorted(chosen.values(), key=lambda row: self._names[row])
        unknown.extend(self._names[row] for row in rows if row in self._unsized)
        table = self._table
        counts = _sum_counts(self._counts(row, compile) for row in rows)
        # pip writes an empty REQUESTED file into the dist-info of each distribution asked for
        counts = _Counts(
            counts.bytes, counts.files + len(requested), counts.blocks, counts.tar + 512 * len(requested)
        )
        return _install(
            packages=tuple(f"{self._names[row]}=={table['version'][row]}" for row in rows),
            counts=counts,
            cache_bytes=sum(table["cache_bytes"][row] for row in rows),
            cache_files=sum(table["cache_files"][row] for row in rows),
            unknown=unknown,
            versions=versions,
        )


class NpmSizes:
    """The measured npm packages (one row per name and version) and their resolved edges."""

    def __init__(self, table: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
        self.header = meta
        self._table = table
        self._first: dict[str, int] = {}
        for row, name in enumerate(table["name"]):
            self._first.setdefault(name, row)  # the version ``npm install name`` picked comes first
        overhead = meta["overhead"]
        self._modules_bytes_per_package: float = overhead["node_modules_bytes_per_package"]
        self._modules_files_per_install: int = overhead["node_modules_files_per_install"]
        self._cache_entry_bytes: float = overhead["cache_index_bytes_per_entry"]
        self._cache_log_bytes: int = overhead["cache_log_bytes"]
        self._packuments: Mapping[str, int] = table["packument_bytes"]
        self._roots: Mapping[str, Mapping[str, Any]] = meta["roots"]

    def __contains__(self, name: object) -> bool:
        return name in self._first

    def __len__(self) -> int:
        return len(self._table["name"])

    def version(self, name: str) -> str:
        return str(self._table["version"][self._first[name]])

    def install_script(self, name: str) -> bool:
        """The package has install scripts (its measured size is what npm writes with
        ``--ignore-scripts``; with scripts on, it may build or download more)."""
        return "S" in self._table["flags"][self._first[name]]

    @cached_property
    def _by_version(self) -> dict[tuple[str, str], int]:
        table = self._table
        return {
            (name, str(v)): row
            for row, (name, v) in enumerate(zip(table["name"], table["version"], strict=True))
        }

    def locked(self, packages: Iterable[tuple[str, str]]) -> PackageInstall:
        """What installing exactly ``packages`` (name, version: a lock file's entries) adds: each at
        the measured row of that version, else of the version ``npm install name`` picked when it
        has the same major version (the locked version is then reported in ``versions``); a name
        not measured, or measured only at another major version, is unknown (``typescript`` 5 is
        22 MB, 7 a 2.5 MB wrapper of a platform binary)."""
        rows: set[int] = set()
        unknown: list[str] = []
        versions: dict[str, str] = {}
        for name, version in packages:
            row = self._by_version.get((name, version))
            if row is None and name in self._first and _major(self.version(name)) == _major(version):
                row = self._first[name]
                versions[name] = version
            if row is None:
                unknown.append(f"{name}@{version}")
            else:
                rows.add(row)
        return self._install(rows, unknown, versions)

    def closure(self, specs: Iterable[str], *, measured: bool = True) -> PackageInstall:
        """What ``npm install specs`` (or ``npm ci`` of a lockfile that has them) adds to an
        empty ``node_modules``, with scripts off; ``specs`` are ``name`` or ``name@range``.

        A package that was measured (installed alone, or in one install with others) counts the
        packages its dependencies resolved to in that install, unless ``measured`` is false;
        otherwise the edges of its first row are followed. Versions of a name that different
        packages need are all counted (npm nests them)."""
        unknown: list[str] = []
        versions: dict[str, str] = {}
        table = self._table
        seen: set[int] = set()
        todo: list[int] = []
        for spec in specs:
            matched = _NPM_SPEC.fullmatch(spec.strip())
            if matched is None or matched.group(1) not in self._first:
                unknown.append(spec)
                continue
            name, wanted = matched.group(1), matched.group(2)
            root = self._roots.get(name) if measured else None
            if root is not None:
                seen.update(root["rows"])
            else:
                todo.append(self._first[name])
            if wanted and re.fullmatch(r"\d+\.\d+\.\d+\S*", wanted) and wanted != self.version(name):
                versions[name] = wanted
        while todo:
            row = todo.pop()
            if row in seen:
                continue
            seen.add(row)
            todo.extend(int(word) for word in table["deps"][row].split())
        return self._install(seen, unknown, versions)

    def _install(self, seen: set[int], unknown: list[str], versions: dict[str, str]) -> PackageInstall:
        table = self._table
        rows = sorted(seen, key=lambda row: (table["name"][row], table["version"][row]))
        counts = _sum_counts(
            _Counts(table["bytes"][row], table["files"][row], table["blocks"][row], table["tar"][row])
            for row in rows
        )
        fetched = {table["name"][row] for row in rows}
        for row in rows:
            fetched.update(table["fetches"][row].split())
        entries = len(fetched) + len(rows)  # one index entry per packument and per tarball
        if rows:  # the hidden lockfile node_modules/.package-lock.json and the .bin links
            extra_bytes = round(self._modules_bytes_per_package * len(rows))
            counts = _Counts(
                counts.bytes + extra_bytes,
                counts.files + self._modules_files_per_install,
                counts.blocks + -(-extra_bytes // 4096) * 4096,
                counts.tar + 512 * self._modules_files_per_install + -(-extra_bytes // 512) * 512,
            )
        return _install(
            packages=tuple(f"{table['name'][row]}@{table['version'][row]}" for row in rows),
            counts=counts,
            cache_bytes=(
                sum(table["tarball_bytes"][row] for row in rows)
                + sum(self._packuments.get(name, 0) for name in fetched)
                + round(self._cache_entry_bytes * entries)
                + (self._cache_log_bytes if rows else 0)
            )
            if rows
            else 0,
            cache_files=2 * entries + (1 if rows else 0) if rows else 0,
            unknown=unknown,
            versions=versions,
        )


def _major(version: str) -> str:
    """The major version of a semantic version (``0.x`` keeps its minor: npm treats it as major)."""
    parts = version.split(".")
    return ".".join(parts[:2]) if parts[0] == "0" else parts[0]


def _install(
    *,
    packages: tuple[str, ...],
    counts: _Counts,
    cache_bytes: int,
    cache_files: int,
    unknown: list[str],
    versions: dict[str, str],
) -> PackageInstall:
    return PackageInstall(
        packages=packages,
        bytes=counts.bytes,
        files=counts.files,
        blocks=counts.blocks,
        tar_bytes=counts.tar,
        cache_bytes=cache_bytes,
        cache_files=cache_files,
        unknown=tuple(unknown),
        versions=versions or None,
    )


def _split_extras(word: str) -> tuple[str, frozenset[str]]:
    """``name[a,b]`` -> (name, {a, b}); the data file writes edges that way."""
    if word.endswith("]") and "[" in word:
        name, extras = word[:-1].split("[", 1)
        return name, frozenset(extras.split(","))
    return word, frozenset()


def _parse_pypi(requirement: str) -> tuple[str, frozenset[str], str] | None:
    """(normalized name, extras, the rest) of a requirement specifier; None for anything else
    pip accepts (an option, a path, a URL, an archive file)."""
    text = requirement.split(";", 1)[0].split("#", 1)[0]
    if (
        text.lstrip().startswith("-")
        or "/" in text
        or "://" in text
        or text.strip().endswith((".whl", ".zip", ".gz"))
    ):
        return None
    matched = _PYPI_REQUIREMENT.fullmatch(text)
    if matched is None:
        return None
    extras = frozenset(
        normalize(extra.strip()) for extra in (matched.group(2) or "").split(",") if extra.strip()
    )
    rest = matched.group(3).strip()
    if rest and rest[0] not in "=<>!~(":
        return None  # not a version specifier: "name @ url" and friends
    return normalize(matched.group(1)), extras, rest


class PackageSizes:
    """The decoded data file: PyPI distributions per Python version, npm packages."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != DATA_FORMAT:
            raise ValueError(f"not a {DATA_FORMAT} data file: format={data.get('format')!r}")
        self.header: Mapping[str, Any] = {
            key: value for key, value in data.items() if key not in ("pypi", "npm")
        }
        pypi = data["pypi"]
        measured_on = pypi["roots_python"]  # the whole installs were measured on this version
        tables = pypi["pythons"]
        # another version's table has the rows of the measured one and only the columns that differ
        self._pypi = {
            python: PypiSizes(
                python, {**tables[measured_on], **table}, pypi["roots"] if python == measured_on else {}
            )
            for python, table in tables.items()
        }
        self.npm = NpmSizes(data["npm"]["packages"], data["npm"])

    @property
    def pythons(self) -> tuple[str, ...]:
        """The Python versions measured (``"3.11"``, ...)."""
        return tuple(self._pypi)

    def pypi(self, python: str = "3.12") -> PypiSizes:
        """The distributions as installed by CPython ``python`` (``"3.12"``); KeyError if not measured."""
        return self._pypi[python]


@cache
def load_package_sizes() -> PackageSizes:
    """Read and decode the data file, once per process."""
    import gzip
    import json

    with gzip.open(DATA_PATH, "rt", encoding="utf-8") as stream:
        return PackageSizes(json.load(stream))

"""What dfanalyze knows about base images and the releases they are built from.

The facts live in two committed data files, ``data/images.toml`` (image families, their variants and
what their Dockerfiles declare) and ``data/eol.toml`` (release cycles and their end-of-life dates).
Both are read on first use and cached; importing this module reads nothing.

Three questions are answered:

* :func:`lookup` -- which family, variant, product cycle and distribution an image reference names,
  and what that image declares (CMD, ENTRYPOINT, USER, WORKDIR, EXPOSE, VOLUME...);
* :func:`release_status` -- whether a product's release cycle is past its end of life on a date;
* :func:`cycle_of` -- every (product, cycle) an image tag depends on, e.g. both ``python 3.8`` and
  ``debian 10`` for ``python:3.8-slim-buster``.

Unknown always means ``None``: the data files leave out every fact no public source gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from msgspec import Struct, field

__all__ = [
    "ImageInfo",
    "ProductCycle",
    "ReleaseStatus",
    "SizeInfo",
    "codename_release",
    "cycle_of",
    "lookup",
    "release_status",
]

_DATA = Path(__file__).resolve().parent / "data"
_DOCKER_HUB = "docker.io"
_DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)$")
_ALPINE_TAG = re.compile(r"^alpine(\d+\.\d+)?$")
_DISTROLESS_DEBIAN = re.compile(r"-debian(\d+)$")
_WINDOWS_PREFIXES = ("windowsservercore", "nanoserver")
_DEFAULT_TAG = "latest"


class SizeInfo(Struct, frozen=True):
    """An image size that a public source gives, with what kind of number it is."""

    variant: str
    mib: float
    kind: str
    source: str
    read: date
    note: str | None


class ImageInfo(Struct, frozen=True):
    """What is known about one image reference; every field is ``None`` when unknown."""

    family: str
    label: str
    registry: str
    repository: str
    tag: str
    product: str | None
    cycle: str | None
    variant: str | None
    distro: str | None
    distro_release: str | None
    distro_cycle: str | None
    package_manager: str | None
    cmd: tuple[str, ...] | None
    entrypoint: tuple[str, ...] | None
    user: str | None
    uids: tuple[tuple[str, int], ...]  # (name, UID) of the accounts the image itself adds
    workdir: str | None
    stopsignal: str | None
    exposed_ports: tuple[str, ...] | None
    volumes: tuple[str, ...] | None
    data_dir_env: str | None
    data_dir: str | None
    deprecated: bool | None
    deprecation: str | None
    replacements: tuple[str, ...] | None
    sizes: tuple[SizeInfo, ...]
    source: str | None
    read: date | None


class ReleaseStatus(Struct, frozen=True):
    """Support status of one release cycle of a product on a given day."""

    product: str
    cycle: str
    released: date | None
    eol: date | None
    is_eol: bool | None
    eol_meaning: str | None
    extended_until: date | None
    in_extended_support: bool | None
    extended_meaning: str | None
    source: str
    read: date
    label: str | None = None  # the product's name as people write it ("Debian")
    extended_scope: str | None = None  # what the extended phase leaves out, in a few words


class ProductCycle(Struct, frozen=True):
    """A release cycle of a product that an image tag depends on."""

    product: str
    cycle: str


class _Cycle(Struct, frozen=True):
    """One release cycle of a product, with its dates and source."""

    cycle: str
    aliases: tuple[str, ...]
    released: date | None
    eol: date | None
    extended: date | None
    source: str
    read: date


class _Product(Struct, frozen=True):
    """A product (distribution or runtime) and its release cycles."""

    name: str
    eol_meaning: str | None
    extended_meaning: str | None
    cycles: tuple[_Cycle, ...]
    label: str | None = None
    extended_scope: str | None = None

    def find(self, name: str) -> _Cycle | None:
        wanted = name.lower()
        for cycle in self.cycles:
            if cycle.cycle == wanted or wanted in cycle.aliases:
                return cycle
        return None


class _Family(Struct, frozen=True):
    """An image family of the data file and its variants."""

    name: str
    registry: str
    repositories: frozenset[str]
    repository_prefix: str | None
    fields: dict[str, Any]
    variants: dict[str, dict[str, Any]]
    by_cycle: tuple[tuple[frozenset[str], dict[str, Any]], ...]
    sizes: tuple[SizeInfo, ...]

    def covers(self, registry: str, repository: str) -> bool:
        if registry != self.registry:
            return False
        if self.repository_prefix is not None:
            return repository.startswith(self.repository_prefix)
        return repository in self.repositories


def _load_toml(name: str) -> dict[str, Any]:
    from dfanalyze.compiled import load_toml

    return load_toml(_DATA / name)


def _to_date(value: object, *, field: str) -> date:
    """A TOML date, or a ``YYYY-MM`` string (month precision: the last day of that month)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        year, dash, month = value.partition("-")
        if dash and len(year) == 4 and len(month) == 2 and (year + month).isdecimal():
            first = date(int(year), int(month), 1)  # ValueError for month 00 or 13
            return (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    raise ValueError(f"{field}: {value!r} is neither a date nor YYYY-MM")


def _optional_date(table: dict[str, Any], key: str) -> date | None:
    value = table.get(key)
    return None if value is None else _to_date(value, field=key)


class _Products(Mapping[str, _Product]):
    """The products of ``eol.toml`` by name, each made on first use (a lint asks for two or three
    of them)."""

    def __init__(self, tables: Mapping[str, Any]) -> None:
        self._tables = tables
        self._made: dict[str, _Product] = {}

    def __getitem__(self, name: str) -> _Product:
        product = self._made.get(name)
        if product is None:
            product = self._made[name] = _product(name, self._tables[name])
        return product

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


def _product(name: str, table: Mapping[str, Any]) -> _Product:
    cycles = tuple(
        _Cycle(
            cycle=str(row["cycle"]),
            aliases=tuple(str(alias).lower() for alias in row.get("aliases", ())),
            released=_optional_date(row, "released"),
            eol=_optional_date(row, "eol"),
            extended=_optional_date(row, "extended"),
            source=str(row.get("source", table["source"])),
            read=_to_date(row.get("read", table["read"]), field="read"),
        )
        for row in table["cycles"]
    )
    return _Product(
        name=name,
        eol_meaning=table.get("eol_meaning"),
        extended_meaning=table.get("extended_meaning"),
        cycles=cycles,
        label=table.get("label"),
        extended_scope=table.get("extended_scope"),
    )


@cache
def _products() -> Mapping[str, _Product]:
    return _Products(_load_toml("eol.toml")["products"])


_STRUCTURAL = frozenset({"variants", "by_cycle", "sizes", "repositories", "repository_prefix"})


@cache
def _families() -> tuple[_Family, ...]:
    families = []
    for name, table in _load_toml("images.toml")["images"].items():
        sizes = tuple(
            SizeInfo(
                variant=str(row["variant"]),
                mib=float(row["mib"]),
                kind=str(row["kind"]),
                source=str(row["source"]),
                read=_to_date(row["read"], field="read"),
                note=row.get("note"),
            )
            for row in table.get("sizes", ())
        )
        by_cycle = tuple(
            (
                frozenset(str(c) for c in row["cycles"]),
                {k: v for k, v in row.items() if k != "cycles"},
            )
            for row in table.get("by_cycle", ())
        )
        families.append(
            _Family(
                name=name,
                registry=str(table.get("registry", _DOCKER_HUB)),
                repositories=frozenset(table.get("repositories", ())),
                repository_prefix=table.get("repository_prefix"),
                fields={k: v for k, v in table.items() if k not in _STRUCTURAL},
                variants=dict(table.get("variants", {})),
                by_cycle=by_cycle,
                sizes=sizes,
            )
        )
    return tuple(families)


def _normalise(registry: str | None, repository: str) -> tuple[str, str]:
    """Registry host and repository path, Docker Hub's ``library/`` prefix removed."""
    repo = repository.strip().strip("/")
    host = registry.strip().lower() if registry else None
    first, _, rest = repo.partition("/")
    if host is None and rest and ("." in first or ":" in first or first == "localhost"):
        host, repo = first.lower(), rest
    if host is None or host in _DOCKER_HUB_ALIASES:
        host = _DOCKER_HUB
        repo = repo.removeprefix("library/")
    return host, repo.lower()


@cache
def _codenames() -> dict[str, tuple[str, str]]:
    """Codename -> (distribution, cycle) for every Debian and Ubuntu cycle with an alias."""
    names: dict[str, tuple[str, str]] = {}
    products = _products()
    for distro in ("debian", "ubuntu"):
        product = products.get(distro)
        if product is None:
            continue
        for cycle in product.cycles:
            for alias in cycle.aliases:
                names[alias] = (distro, cycle.cycle)
    return names


def codename_release(name: str) -> tuple[str, str] | None:
    """The (distribution, cycle) a Debian or Ubuntu codename names (``bookworm`` -> debian 12)."""
    return _codenames().get(name.lower())


def _cycle_from_version(product: str | None, version: str) -> str | None:
    """The longest leading part of ``version`` that is a known cycle of ``product``."""
    if product is None:
        return None
    known = _products().get(product)
    if known is None:
        return None
    parts = version.split(".")
    for size in range(len(parts), 0, -1):
        candidate = ".".join(parts[:size])
        if known.find(candidate) is not None:
            return candidate
    return None


class _TagParts(Struct):
    """What a tag says: version, variant, distribution release."""

    version: str | None = None
    variants: list[str] = field(default_factory=list)
    distro: str | None = None
    distro_release: str | None = None
    distro_cycle: str | None = None


def _parse_tag(family: _Family, tag: str) -> _TagParts:
    parts = _TagParts()
    tokens = [token for token in tag.lower().split("-") if token]
    version = _VERSION.match(tokens[0]) if tokens else None
    if version is not None:
        parts.version = version.group(1)
        tokens = tokens[1:]
    codenames = _codenames()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        pair = f"{token}-{tokens[index + 1]}" if index + 1 < len(tokens) else None
        if pair is not None and pair in family.variants:
            parts.variants.append(pair)
            index += 2
            continue
        alpine = _ALPINE_TAG.match(token)
        if token in family.variants:
            parts.variants.append(token)
        if alpine:
            parts.distro = "alpine"
            if alpine.group(1):
                parts.distro_release = parts.distro_cycle = alpine.group(1)
            if "alpine" in family.variants and "alpine" not in parts.variants:
                parts.variants.append("alpine")
        elif token in codenames:
            parts.distro, parts.distro_cycle = codenames[token]
            parts.distro_release = token
        elif token.startswith(_WINDOWS_PREFIXES):
            parts.distro = "windows"
        index += 1
    return parts


def _base_os_parts(family: _Family, parts: _TagParts, first_token: str) -> None:
    """For the distribution images themselves, the tag names the distribution's own release."""
    product = family.fields.get("product")
    if product is None or product != family.fields.get("distro"):
        return
    if parts.version is not None:
        cycle = _cycle_from_version(product, parts.version)
        parts.distro_release = parts.version
        parts.distro_cycle = cycle
        return
    known = _products().get(product)
    found = known.find(first_token) if known is not None else None
    if found is not None:
        parts.distro_release = first_token
        parts.distro_cycle = found.cycle


def _tuple(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return (str(value),)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def lookup(registry: str | None, repository: str, tag: str | None) -> ImageInfo | None:
    """What is known about ``registry/repository:tag``; ``None`` for an image family not known.

    ``registry`` may be ``None`` (Docker Hub, or a host written at the start of ``repository``);
    ``docker.io/library/`` spellings are normalised. A ``None`` tag means ``latest``.
    """
    return _lookup(registry, repository, tag)


@lru_cache(maxsize=1024)
def _lookup(registry: str | None, repository: str, tag: str | None) -> ImageInfo | None:
    """:func:`lookup`, once per image reference (the rules and the layer model ask for the same
    few base images again and again)."""
    host, repo = _normalise(registry, repository)
    family = next((f for f in _families() if f.covers(host, repo)), None)
    if family is None:
        return None
    tag_text = (tag or _DEFAULT_TAG).strip()
    parts = _parse_tag(family, tag_text)
    _base_os_parts(family, parts, tag_text.lower().split("-")[0])

    product = family.fields.get("product")
    cycle: str | None = None
    if product is not None and product == family.fields.get("distro"):
        cycle = parts.distro_cycle
    elif parts.version is not None:
        cycle = _cycle_from_version(product, parts.version)

    fields: dict[str, Any] = dict(family.fields)
    if family.repository_prefix is not None:
        match = _DISTROLESS_DEBIAN.search(repo)
        if match:
            fields["distro_release"] = match.group(1)
    variants = list(parts.variants)
    for name in variants:
        fields.update(family.variants.get(name, {}))
    if cycle is not None:
        for cycles, overrides in family.by_cycle:
            if cycle in cycles:
                fields.update(overrides)

    distro = parts.distro or _text(fields.get("distro"))
    distro_release = parts.distro_release or _text(fields.get("distro_release"))
    distro_cycle = parts.distro_cycle
    if distro_cycle is None and distro_release is not None and distro is not None:
        known = _products().get(distro)
        found = known.find(distro_release) if known is not None else None
        distro_cycle = found.cycle if found is not None else None

    read = fields.get("read")
    return ImageInfo(
        family=family.name,
        label=str(fields.get("label", family.name)),
        registry=host,
        repository=repo,
        tag=tag_text,
        product=_text(product),
        cycle=cycle,
        variant="-".join(dict.fromkeys(variants)) or None,
        distro=distro,
        distro_release=distro_release,
        distro_cycle=distro_cycle,
        package_manager=_text(fields.get("package_manager")),
        cmd=_tuple(fields.get("cmd")),
        entrypoint=_tuple(fields.get("entrypoint")),
        user=_text(fields.get("user")),
        uids=tuple(sorted((str(k), int(v)) for k, v in (fields.get("uids") or {}).items())),
        workdir=_text(fields.get("workdir")),
        stopsignal=_text(fields.get("stopsignal")),
        exposed_ports=_tuple(fields.get("expose")),
        volumes=_tuple(fields.get("volumes")),
        data_dir_env=_text(fields.get("data_dir_env")),
        data_dir=_text(fields.get("data_dir")),
        deprecated=fields.get("deprecated"),
        deprecation=_text(fields.get("deprecation")),
        replacements=_tuple(fields.get("replacements")),
        sizes=family.sizes,
        source=_text(fields.get("source")),
        read=None if read is None else _to_date(read, field="read"),
    )


def release_status(product: str, cycle: str, on: date) -> ReleaseStatus | None:
    """Support status of ``product`` ``cycle`` (or a codename alias) on day ``on``.

    ``is_eol`` is ``None`` when no end-of-life date is known; a month-precision date counts as the
    last day of that month. ``None`` is returned for a product or cycle not in the data.
    """
    known = _products().get(product)
    if known is None:
        return None
    found = known.find(cycle)
    if found is None:
        return None
    return ReleaseStatus(
        product=product,
        cycle=found.cycle,
        released=found.released,
        eol=found.eol,
        is_eol=None if found.eol is None else on >= found.eol,
        eol_meaning=known.eol_meaning,
        extended_until=found.extended,
        in_extended_support=(
            None if found.extended is None or found.eol is None else found.eol <= on < found.extended
        ),
        extended_meaning=known.extended_meaning,
        source=found.source,
        read=found.read,
        label=known.label,
        extended_scope=known.extended_scope,
    )


def cycle_of(repository: str, tag: str | None) -> tuple[ProductCycle, ...]:
    """Every product release cycle a Docker Hub (or ``host/``-prefixed) image tag depends on.

    ``python:3.8-slim-buster`` gives python 3.8 and debian 10. The image's own product comes first,
    then the distribution it is built on; the tuple is empty when nothing is known.
    """
    info = lookup(None, repository, tag)
    if info is None:
        return ()
    found: list[ProductCycle] = []
    if info.product is not None and info.cycle is not None:
        found.append(ProductCycle(info.product, info.cycle))
    if info.distro is not None and info.distro_cycle is not None:
        distro = ProductCycle(info.distro, info.distro_cycle)
        if distro not in found:
            found.append(distro)
    return tuple(found)

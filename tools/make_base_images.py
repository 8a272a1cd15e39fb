"""Make ``dfanalyze/knowledge/data/base-images.json.gz`` from the repo-info transcriptions.

    python -m tools.make_base_images                  # check the sources, write the data file
    python -m tools.make_base_images --check          # exit 1 when the committed file is stale
    python -m tools.make_base_images --library GITDIR # check the sources' library keys against
                                                      # an official-images git directory

The sources are every ``tools/sources/repo-info/<image>.toml``, in the format their README.md
describes: what was read from docker-library/repo-info (the ``local`` scan of the amd64 image,
the ``remote`` manifest facts per platform) and from docker-library/official-images (tags,
aliases, architectures, Dockerfile repository, commit and folder). Every rule of that format is
checked here (:class:`SourceError` names the file, the tag and the key); nothing here names an
image.

What each entry of the data file holds, per library entry (all its tags) and platform:

* ``local.uncompressed_bytes``: the local file's "Virtual Size", the on-disk size of all layers of
  the amd64 image, in bytes. repo-info writes it as ``~ 116.57 Mb``: the unit is the SI megabyte,
  10**6 bytes (likewise ``Kb`` 10**3 and ``Gb`` 10**9; small images are written ``N bytes``). The
  evidence: repo-info's ``scan-local.sh`` (read at commit 72e4be79) formats
  ``docker image inspect``'s VirtualSize with awk constants ``oneKb = 1000``, ``oneMb = 1000 *
  oneKb``, ``oneGb = 1000 * oneMb`` and two decimals. The numbers agree: the apk "installed size"
  of every package of alpine 3.24.2 sums to 8,392,432 bytes and the file says 8.42 Mb (8,420,000
  bytes if Mb is 10**6, 0.3 % above the packages as the apk database adds a little; 8,829,010
  bytes, 5 % above, if it were MiB), and 3.23.6, 3.22.6 and 3.21.8 agree the same way (8,388,336
  / 8.42, 8,259,201 / 8.3, 7,759,583 / 7.8). For Debian the Installed-Size sum of the image's
  dpkg list (from ``data/apt/debian-<suite>/``: 117,538 KiB = 120,358,912 bytes for
  bookworm, 120,105 KiB = 122,987,520 bytes for trixie) is above the images' 116.57 and 119.88 Mb
  read as 10**6 (by 3.1 % and 2.5 % of the sum), as it should be: Installed-Size rounds every file
  up to a whole KiB. The two decimals make the byte count exact to +-0.005 of the unit (+-5,000
  bytes for Mb).
* ``remote.<arch>.compressed_bytes`` and ``layers``: the remote file's "Total Size" (compressed
  transfer size, the sum of the layers) and each filesystem layer's compressed bytes with the
  instruction that made it. Remote facts are per platform (official-images architecture names);
  the local facts (uncompressed size, packages, configuration stated by the scan, creation date)
  are the amd64 image's, the only one repo-info scans. The local and remote files may be of
  different builds of the same library entry: both creation dates, image ids and versions are
  kept where the sources give them.
* the package manager and the package set (binary package name -> version) with, for apk, each
  package's installed size in bytes (apk's rounded figure); ``packages_base`` differences are
  resolved here into full sets; identical sets are stored once and referenced by index. A name
  rpm installs more than once (``gpg-pubkey``, one per key) maps to its versions joined by a
  space (rpm versions hold no space).
* the configuration: the local file's keys and, per platform, the keys its history states.
* the library facts (architectures, Dockerfile repository, commit and directory), the
  distribution and release the image is built on with the evidence for it (``distro_from``),
  the day the sources were read, and the source (repository, commit, path) of every fact.

The distribution is derived from the data, first match wins: a release package in the package set
(``base-files`` for Debian and Ubuntu, ``alpine-release``, ``system-release`` and the
``*-release`` packages of rpm distributions), the first layer (a ``debian.sh`` suite, an
``alpine-minirootfs-<version>`` archive), ``DISTTAG=fNNcontainer`` in the environment (Fedora),
a Debian or Ubuntu codename or an ``alpineX.Y`` among the tags.

The output is deterministic (sorted keys, gzip mtime 0), so the staleness test can regenerate it
and compare bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from dfanalyze.knowledge.base_images import codename_release

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "tools" / "sources" / "repo-info"
OUTPUT = ROOT / "dfanalyze" / "knowledge" / "data" / "base-images.json.gz"
DATA_FORMAT = "dfanalyze-base-images/2"
REPO_INFO = "docker-library/repo-info"
OFFICIAL_IMAGES = "docker-library/official-images"
LOCAL_ARCH = "amd64"
ARCHITECTURES = frozenset(
    {"amd64", "arm32v5", "arm32v6", "arm32v7", "arm64v8", "i386", "mips64le", "ppc64le", "riscv64", "s390x"}
)
PACKAGE_MANAGERS = frozenset({"dpkg", "apk", "rpm", "none"})
LAYER_TEXT_MAX = 400
LAYER_INSTRUCTIONS = ("RUN ", "COPY ", "ADD ", "WORKDIR ")

_SHA1 = re.compile(r"[0-9a-f]{40}")
_IMAGE_ID = re.compile(r"sha256:[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_IMAGE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
_PACKAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9+._-]*=[A-Za-z0-9][A-Za-z0-9+.~:_-]*")
_ENV_ITEM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
_SIZE = re.compile(r"~?\s*(\d+(?:\.\d+)?)\s*(bytes|Kb|Mb|Gb)")
_SIZE_UNITS = {"bytes": 1, "Kb": 10**3, "Mb": 10**6, "Gb": 10**9}
_APK_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)")
_APK_UNITS = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
_DEBIAN_SH = re.compile(r"debian\.sh\b.*?'([a-z]+)'\s+'@\d+'")
_ALPINE_ROOTFS = re.compile(r"ADD alpine-minirootfs-(\d+\.\d+(?:\.\d+)?)-")
_ALPINE_TAG = re.compile(r"alpine(\d+\.\d+)")
_FEDORA_DISTTAG = re.compile(r"DISTTAG=f(\d+)container")
_DEBIAN_BASE_FILES = re.compile(r"(\d+)\.\d+\+deb\d+u(\d+)")
# In this order: Enterprise Linux rebuilds also install a redhat-release package (Oracle Linux 9:
# oraclelinux-release=9.8-1.0.7.el9 beside redhat-release=9.8-0.7.0.1.el9).
_RPM_RELEASE_PACKAGES = {
    "fedora-release-common": "fedora",
    "oraclelinux-release": "oraclelinux",
    "rocky-release": "rocky",
    "almalinux-release": "almalinux",
    "centos-stream-release": "centos",
    "centos-release": "centos",
    "redhat-release": "rhel",
}


class SourceError(ValueError):
    """A transcription that breaks the format: the message names the file, the tag and the key."""


# --- the format, key by key ------------------------------------------------------------------------


class Key(NamedTuple):
    """One key of a table: whether it must be there, and the test and description of its value."""

    required: bool
    test: Callable[[Any], bool]
    what: str


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value != "" and value == value.strip()


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _matches(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


def _is_layers(value: Any) -> bool:
    return (
        isinstance(value, list)
        and value != []
        and all(
            isinstance(layer, list)
            and len(layer) == 2
            and isinstance(layer[0], int)
            and not isinstance(layer[0], bool)
            and layer[0] >= 0
            and isinstance(layer[1], str)
            and layer[1].startswith(LAYER_INSTRUCTIONS)
            and len(layer[1]) <= LAYER_TEXT_MAX
            and "\t" not in layer[1]
            and "\n" not in layer[1]
            and "  " not in layer[1]
            for layer in value
        )
    )


_STRINGS = Key(False, _is_strings, "a list of strings")
_STRING = Key(False, lambda v: isinstance(v, str), "a string")
CONFIG_KEYS: dict[str, Key] = {
    "entrypoint": _STRINGS,
    "cmd": _STRINGS,
    "env": Key(
        False,
        lambda v: _is_strings(v) and all(_ENV_ITEM.fullmatch(item) for item in v),
        "a list of NAME=value strings",
    ),
    "labels": Key(
        False,
        lambda v: isinstance(v, dict) and all(isinstance(item, str) for item in v.values()),
        "a table of strings",
    ),
    "user": _STRING,
    "workdir": _STRING,
    "stopsignal": _STRING,
    "volumes": _STRINGS,
    "exposed_ports": _STRINGS,
    "shell": _STRINGS,
}
_COMMIT = Key(True, _matches(_SHA1), "a commit (40 hex digits)")
_BUILD_KEYS = {
    "image_id": Key(False, _matches(_IMAGE_ID), "sha256: and 64 hex digits"),
    "version": Key(False, _is_text, "a version"),
}
FILE_KEYS = {
    "image": Key(True, _matches(_IMAGE), "an image name"),
    "read": Key(True, lambda v: isinstance(v, date), "a date"),
    "official_images_commit": _COMMIT,
    "tag": Key(True, lambda v: isinstance(v, list) and v != [], "a list of [[tag]] tables"),
}
TAG_KEYS = {
    "tags": Key(True, lambda v: _is_strings(v) and v != [] and all(map(_TAG.fullmatch, v)), "a list of tags"),
    "architectures": Key(
        True,
        lambda v: _is_strings(v) and LOCAL_ARCH in v and set(v) <= ARCHITECTURES,
        f"a list of official-images architectures with {LOCAL_ARCH}",
    ),
    "git_repo": Key(True, lambda v: _is_text(v) and v.startswith("https://"), "an https:// URL"),
    "git_commit": _COMMIT,
    "directory": Key(False, _is_text, "a folder"),
    "official_images_commit": Key(False, _matches(_SHA1), "a commit (40 hex digits)"),
    "local": Key(False, lambda v: isinstance(v, dict), "a table"),
    "remote": Key(
        False,
        lambda v: isinstance(v, dict) and v != {} and all(isinstance(t, dict) for t in v.values()),
        "a table of [tag.remote.<arch>] tables",
    ),
}
LOCAL_KEYS = {
    "path": Key(True, _is_text, "a repo-info path"),
    "commit": _COMMIT,
    "created": Key(True, _matches(_TIMESTAMP), "a UTC time (2026-08-25T01:21:02Z)"),
    "virtual_size": Key(True, _matches(_SIZE), "a repo-info size (~ 124.1 Mb)"),
    "arch": Key(True, lambda v: v == f"linux/{LOCAL_ARCH}", f"linux/{LOCAL_ARCH}"),
    **_BUILD_KEYS,
    **CONFIG_KEYS,
    "package_manager": Key(True, lambda v: v in PACKAGE_MANAGERS, f"one of {sorted(PACKAGE_MANAGERS)}"),
    "packages": Key(
        False,
        lambda v: _is_strings(v) and all(map(_PACKAGE.fullmatch, v)),
        "a list of name=version strings",
    ),
    "packages_base": Key(False, lambda v: isinstance(v, str) and ":" in v, "an image:tag"),
    "packages_removed": _STRINGS,
    "installed_size": Key(
        False,
        lambda v: isinstance(v, dict) and all(_APK_SIZE.fullmatch(str(size)) for size in v.values()),
        "a table of apk sizes (18 KiB)",
    ),
}
REMOTE_KEYS = {
    "path": Key(True, _is_text, "a repo-info path"),
    "commit": _COMMIT,
    "layers": Key(
        True,
        _is_layers,
        f"a list of [bytes, instruction] (RUN/COPY/ADD/WORKDIR, whitespace collapsed, "
        f"at most {LAYER_TEXT_MAX} characters)",
    ),
    "total_bytes": Key(False, lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0, "bytes"),
    "created": Key(False, _matches(_TIMESTAMP), "a UTC time"),
    **_BUILD_KEYS,
    **CONFIG_KEYS,
}


def _check_table(table: Mapping[str, Any], keys: Mapping[str, Key], where: str) -> None:
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise SourceError(f"{where}: unknown keys {unknown} (allowed: {sorted(keys)})")
    for name, key in keys.items():
        if name not in table:
            if key.required:
                raise SourceError(f"{where}: {name!r} is missing")
        elif not key.test(table[name]):
            raise SourceError(f"{where}: {name!r} must be {key.what}, not {table[name]!r:.120}")


# --- reading the sources --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    """One ``[[tag]]`` of a source file, checked on its own (see :func:`load_sources` for the rest)."""

    image: str
    read: date
    official_images_commit: str
    table: Mapping[str, Any]
    where: str

    @property
    def tags(self) -> list[str]:
        return list(self.table["tags"])

    @property
    def name(self) -> str:
        return f"{self.image}:{self.tags[0]}"

    @property
    def local(self) -> Mapping[str, Any] | None:
        local: Mapping[str, Any] | None = self.table.get("local")
        return local

    @property
    def remote(self) -> Mapping[str, Mapping[str, Any]]:
        remote: Mapping[str, Mapping[str, Any]] = self.table.get("remote", {})
        return remote


def read_source(path: Path) -> list[Tag]:
    """The tags of one source file, each checked against the format on its own."""
    with path.open("rb") as handle:
        file = tomllib.load(handle)
    _check_table(file, FILE_KEYS, path.name)
    image = file["image"]
    if image != path.stem:
        raise SourceError(f"{path.name}: image {image!r} is not the file's name")
    tags: list[Tag] = []
    seen: dict[str, str] = {}
    for table in file["tag"]:
        if not isinstance(table, dict):
            raise SourceError(f"{path.name}: 'tag' must be a list of [[tag]] tables")
        first = table.get("tags", ["?"])[:1]
        commit = table.get("official_images_commit", file["official_images_commit"])
        tag = Tag(image, file["read"], commit, table, f"{path.name}: tag {first}")
        _check_tag(tag)
        for alias in tag.tags:
            if alias in seen:
                raise SourceError(f"{tag.where}: {image}:{alias} is also a tag of {seen[alias]}")
            seen[alias] = tag.where
        tags.append(tag)
    return tags


def _check_tag(tag: Tag) -> None:
    table, where = tag.table, tag.where
    _check_table(table, TAG_KEYS, where)
    if len(set(tag.tags)) != len(tag.tags):
        raise SourceError(f"{where}: a tag is listed twice in 'tags'")
    if tag.local is None and not tag.remote:
        raise SourceError(f"{where}: neither a [tag.local] nor a [tag.remote.<arch>] section")
    if tag.local is not None:
        _check_local(tag, tag.local, f"{where} [local]")
    if tag.remote and LOCAL_ARCH not in tag.remote:
        raise SourceError(f"{where}: the remote sections have no {LOCAL_ARCH} one")
    for arch, remote in tag.remote.items():
        rwhere = f"{where} [remote.{arch}]"
        if arch not in table["architectures"]:
            raise SourceError(f"{rwhere}: {arch} is not among the tag's architectures")
        _check_table(remote, REMOTE_KEYS, rwhere)
        _check_path(remote["path"], f"repos/{tag.image}/remote/", rwhere)
        total = remote.get("total_bytes")
        if total is not None and total != sum(size for size, _ in remote["layers"]):
            raise SourceError(f"{rwhere}: total_bytes {total} is not the sum of the layers")


def _check_path(path: str, folder: str, where: str) -> None:
    if not (path.startswith(folder) and path.endswith(".md") and "/" not in path[len(folder) :]):
        raise SourceError(f"{where}: path {path!r} is not {folder}<name>.md")


def _check_local(tag: Tag, local: Mapping[str, Any], where: str) -> None:
    _check_table(local, LOCAL_KEYS, where)
    _check_path(local["path"], f"repos/{tag.image}/local/", where)
    manager = local["package_manager"]
    based = "packages_base" in local
    if manager == "none" and ("packages" in local or based):
        raise SourceError(f"{where}: package_manager 'none' with a package list")
    if based and "packages" not in local:
        raise SourceError(f"{where}: packages_base without its (maybe empty) 'packages' difference")
    if "packages_removed" in local and not based:
        raise SourceError(f"{where}: packages_removed without packages_base")
    pairs = split_packages(local.get("packages", []))
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated and (manager != "rpm" or based or len(set(pairs)) != len(pairs)):
        raise SourceError(f"{where}: package {repeated[0]!r} listed twice")
    removed = set(local.get("packages_removed", []))
    if removed & set(names):
        raise SourceError(f"{where}: {sorted(removed & set(names))[0]!r} is both in packages and removed")
    if "installed_size" in local and (
        manager != "apk" or based or set(local["installed_size"]) != set(names)
    ):
        raise SourceError(f"{where}: installed_size must name exactly the packages of a full apk list")


def split_packages(items: Iterable[str]) -> list[tuple[str, str]]:
    """``name=version`` strings as (name, version) pairs."""
    return [(name, version) for name, _, version in (item.partition("=") for item in items)]


def load_sources(directory: Path = SOURCES) -> list[Tag]:
    """Every tag of every source file, checked (``SourceError`` on the first problem), in file order."""
    tags = [tag for path in sorted(directory.glob("*.toml")) for tag in read_source(path)]
    _check_layer_prefixes(tags)
    return tags


def _check_layer_prefixes(tags: Sequence[Tag]) -> None:
    """A remote section without total_bytes is a strict prefix of a whole image in the same file."""
    whole: dict[tuple[str, str, str], list[list[Any]]] = {}
    for tag in tags:
        for arch, remote in tag.remote.items():
            if "total_bytes" in remote:
                whole.setdefault((remote["path"], remote["commit"], arch), []).append(remote["layers"])
    for tag in tags:
        for arch, remote in tag.remote.items():
            if "total_bytes" in remote:
                continue
            layers = remote["layers"]
            longer = whole.get((remote["path"], remote["commit"], arch), [])
            if not any(len(other) > len(layers) and other[: len(layers)] == layers for other in longer):
                raise SourceError(
                    f"{tag.where} [remote.{arch}]: no total_bytes, and the layers are not the first layers "
                    f"of an image transcribed from {remote['path']} (commit {remote['commit'][:8]})"
                )


# --- package sets ---------------------------------------------------------------------------------

Packages = dict[str, str]


def resolve_packages(tags: Sequence[Tag]) -> list[Packages | None]:
    """The full package set of every tag (by position), ``packages_base`` differences applied.

    None where the list was not transcribed (or the manager is ``none``). A name listed more than
    once (rpm only) maps to its versions joined by a space.
    """
    by_alias = {f"{tag.image}:{alias}": index for index, tag in enumerate(tags) for alias in tag.tags}
    resolved: dict[int, Packages | None] = {}

    def resolve(index: int, chain: tuple[int, ...]) -> Packages | None:
        if index in resolved:
            return resolved[index]
        tag = tags[index]
        local = tag.local
        if index in chain:
            raise SourceError(f"{tag.where}: packages_base loops back to itself")
        if local is None or ("packages" not in local):
            resolved[index] = None
            return None
        own: Packages = {}
        for name, version in split_packages(local["packages"]):
            own[name] = f"{own[name]} {version}" if name in own else version
        base_ref = local.get("packages_base")
        if base_ref is None:
            result = own
        else:
            base_index = by_alias.get(base_ref)
            if base_index is None:
                raise SourceError(f"{tag.where}: packages_base {base_ref!r} is not a transcribed tag")
            base_local = tags[base_index].local
            if base_local is None or base_local["package_manager"] != local["package_manager"]:
                raise SourceError(
                    f"{tag.where}: packages_base {base_ref!r} is not a {local['package_manager']} list"
                )
            base = resolve(base_index, (*chain, index))
            if base is None:
                raise SourceError(f"{tag.where}: packages_base {base_ref!r} has no package list")
            result = dict(base)
            for name in local.get("packages_removed", []):
                if result.pop(name, None) is None:
                    raise SourceError(f"{tag.where}: packages_removed {name!r} is not in {base_ref}")
            result.update(own)
        resolved[index] = result
        return result

    return [resolve(index, ()) for index in range(len(tags))]


def parse_virtual_size(text: str) -> int:
    """Bytes of a repo-info "Virtual Size" (``~ 116.57 Mb``, ``~ 1.02 Gb``, ``812 bytes``)."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a repo-info size: {text!r}")
    return int(Decimal(match[1]) * _SIZE_UNITS[match[2]])


def parse_apk_size(text: str) -> int:
    """Bytes of an apk "installed size" (``6552 B``, ``18 KiB``)."""
    match = _APK_SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an apk size: {text!r}")
    return int(Decimal(match[1]) * _APK_UNITS[match[2]])


# --- the distribution ------------------------------------------------------------------------------


def derive_distro(tag: Tag, packages: Mapping[str, str] | None) -> tuple[str, str | None, str] | None:
    """(distribution, release, evidence) from the data, or None when nothing names a distribution.

    The release is the most precise one the evidence gives (``12.15`` from Debian's base-files,
    ``12`` from a codename), None when it names the distribution only.
    """
    packages = packages or {}
    local = tag.local or {}
    base_files = packages.get("base-files")
    if base_files is not None:
        if "ubuntu" in base_files:
            version = local.get("labels", {}).get("org.opencontainers.image.version")
            if version is not None:
                return "ubuntu", version, f"base-files={base_files}, label version {version}"
            return "ubuntu", None, f"base-files={base_files}"
        match = _DEBIAN_BASE_FILES.match(base_files)
        if match is not None:
            return "debian", f"{match[1]}.{match[2]}", f"base-files={base_files}"
        return "debian", base_files.split(".", 1)[0], f"base-files={base_files}"
    if "alpine-release" in packages:
        version = packages["alpine-release"]
        return "alpine", version.rsplit("-r", 1)[0], f"alpine-release={version}"
    system_release = packages.get("system-release")
    if system_release is not None and ".amzn" in system_release:
        return "amazonlinux", system_release.split("-", 1)[0], f"system-release={system_release}"
    for name, distro in _RPM_RELEASE_PACKAGES.items():
        if name in packages:
            return distro, packages[name].split("-", 1)[0], f"{name}={packages[name]}"
    for remote in (tag.remote.get(LOCAL_ARCH), *tag.remote.values()):
        first = remote["layers"][0][1] if remote else ""
        if match := _DEBIAN_SH.search(first):
            known = codename_release(match[1])
            if known is not None:
                return known[0], known[1], f"first layer: debian.sh suite {match[1]!r}"
        if match := _ALPINE_ROOTFS.match(first):
            return "alpine", match[1], f"first layer: alpine-minirootfs {match[1]}"
    for variable in local.get("env", []):
        if match := _FEDORA_DISTTAG.fullmatch(variable):
            return "fedora", match[1], f"env {variable}"
    for alias in tag.tags:
        for word in re.split(r"[-_]", alias):
            if match := _ALPINE_TAG.fullmatch(word):
                return "alpine", match[1], f"tag {alias!r} names {word}"
            known = codename_release(word)
            if known is not None:
                return known[0], known[1], f"tag {alias!r} names {word}"
    return None


# --- the data file ----------------------------------------------------------------------------------


def _source(repository: str, commit: str, path: str) -> dict[str, str]:
    return {"repository": repository, "commit": commit, "path": path}


def _config(table: Mapping[str, Any]) -> dict[str, Any]:
    return {key: table[key] for key in CONFIG_KEYS if key in table}


def _build_facts(table: Mapping[str, Any]) -> dict[str, Any]:
    return {key: table[key] for key in ("created", *_BUILD_KEYS) if key in table}


def build(tags: Sequence[Tag]) -> dict[str, Any]:
    """The data file's content (a JSON-able dict)."""
    packages = resolve_packages(tags)
    package_sets: list[Packages] = []
    set_ids: dict[tuple[tuple[str, str], ...], int] = {}
    images: dict[str, dict[str, Any]] = {}
    for tag, package_set in zip(tags, packages, strict=True):
        official: dict[str, Any] = {
            key: tag.table[key] for key in ("git_repo", "git_commit", "directory") if key in tag.table
        }
        official["library"] = _source(OFFICIAL_IMAGES, tag.official_images_commit, f"library/{tag.image}")
        entry: dict[str, Any] = {
            "tags": tag.tags,
            "architectures": tag.table["architectures"],
            "read": tag.read.isoformat(),
            "official": official,
            "local": None,
        }
        if tag.local is not None:
            local = tag.local
            package_id = None
            if package_set is not None:
                key = tuple(sorted(package_set.items()))
                package_id = set_ids.setdefault(key, len(set_ids))
                if package_id == len(package_sets):
                    package_sets.append(dict(key))
            entry["local"] = {
                "source": _source(REPO_INFO, local["commit"], local["path"]),
                "uncompressed_bytes": parse_virtual_size(local["virtual_size"]),
                "virtual_size": local["virtual_size"],
                "package_manager": local["package_manager"],
                "packages": package_id,
                "config": _config(local),
                **_build_facts(local),
            }
            if "installed_size" in local:
                entry["local"]["package_bytes"] = {
                    name: parse_apk_size(size) for name, size in sorted(local["installed_size"].items())
                }
        entry["remote"] = {
            arch: {
                "source": _source(REPO_INFO, remote["commit"], remote["path"]),
                "compressed_bytes": sum(size for size, _ in remote["layers"]),
                "layers": remote["layers"],
                "config": _config(remote),
                **_build_facts(remote),
            }
            for arch, remote in sorted(tag.remote.items())
        }
        distro = derive_distro(tag, package_set)
        entry["distro"], entry["distro_release"], entry["distro_from"] = distro or (None, None, None)
        image = images.setdefault(tag.image, {"entries": [], "tags": {}})
        for alias in tag.tags:
            image["tags"][alias] = len(image["entries"])
        image["entries"].append(entry)
    return {
        "format": DATA_FORMAT,
        "generated_by": "python -m tools.make_base_images",
        "local_arch": LOCAL_ARCH,
        "size_unit": "local.uncompressed_bytes: repo-info's Virtual Size, Mb = 10**6 bytes (see tools/)",
        "package_sets": package_sets,
        "images": images,
    }


def encode(data: Mapping[str, Any]) -> bytes:
    """The gzip'd JSON bytes, the same for the same data (sorted keys, no timestamp)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


# --- the library check --------------------------------------------------------------------------


class LibraryEntry(NamedTuple):
    """One entry of an official-images library file, as its amd64 image sees it."""

    tags: list[str]
    """Its Tags, then its SharedTags."""
    architectures: list[str]
    git_repo: str | None
    git_commit: str | None
    directory: str | None


def parse_library(text: str) -> list[LibraryEntry]:
    """The entries of a library file (RFC 2822-like blocks; the first block holds the defaults)."""
    blocks: list[dict[str, str]] = [{}]
    last = ""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if blocks[-1]:
                blocks.append({})
            continue
        if line[0].isspace() and last:
            blocks[-1][last] += " " + line.strip()
            continue
        last, _, value = line.partition(":")
        last = last.strip()
        blocks[-1][last] = value.strip()
    defaults, entries = blocks[0], [block for block in blocks[1:] if block]

    def listed(value: str) -> list[str]:
        return [item.strip() for item in value.split(",") if item.strip()]

    result = []
    for block in entries:
        fields = {**defaults, **block}

        def amd64(name: str, fields: Mapping[str, str] = fields) -> str | None:
            return fields.get(f"{LOCAL_ARCH}-{name}", fields.get(name))

        result.append(
            LibraryEntry(
                tags=listed(fields.get("Tags", "")) + listed(fields.get("SharedTags", "")),
                architectures=listed(fields.get("Architectures", LOCAL_ARCH)),
                git_repo=amd64("GitRepo"),
                git_commit=amd64("GitCommit"),
                directory=amd64("Directory"),
            )
        )
    return result


def library_problems(tags: Sequence[Tag], show: Callable[[str, str], str]) -> list[str]:
    """Where the sources' library keys differ from ``library/<image>`` at each tag's commit.

    ``show(commit, path)`` returns a file of official-images at a commit. An entry read at an
    older commit than another of its image leaves out the aliases that other entry lists now.
    """
    problems: list[str] = []
    libraries: dict[tuple[str, str], list[LibraryEntry]] = {}
    listed = {(tag.image, alias): tag.official_images_commit for tag in tags for alias in tag.tags}
    for tag in tags:
        key = (tag.official_images_commit, tag.image)
        if key not in libraries:
            libraries[key] = [
                entry
                for entry in parse_library(show(tag.official_images_commit, f"library/{tag.image}"))
                if LOCAL_ARCH in entry.architectures
            ]
        common = [(len(set(entry.tags) & set(tag.tags)), i) for i, entry in enumerate(libraries[key])]
        best = max(common, default=(0, -1))
        if best[0] == 0:
            problems.append(f"{tag.where}: no amd64 entry of library/{tag.image} has these tags")
            continue
        entry = libraries[key][best[1]]
        extra = [alias for alias in tag.tags if alias not in entry.tags]
        missing = [
            alias
            for alias in entry.tags
            if alias not in tag.tags
            and listed.get((tag.image, alias), tag.official_images_commit) == tag.official_images_commit
        ]
        if extra or missing:
            problems.append(f"{tag.where}: tags not in the library entry {extra}, left out {missing}")
        if sorted(tag.table["architectures"]) != sorted(entry.architectures):
            problems.append(
                f"{tag.where}: architectures {tag.table['architectures']} != {entry.architectures}"
            )
        for name, value in (
            ("git_repo", entry.git_repo),
            ("git_commit", entry.git_commit),
            ("directory", entry.directory),
        ):
            if tag.table.get(name) != value:
                problems.append(f"{tag.where}: {name} {tag.table.get(name)!r} != the library's {value!r}")
    return problems


def _git_show(git_dir: Path) -> Callable[[str, str], str]:
    def show(commit: str, path: str) -> str:
        command = ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    return show


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    parser.add_argument(
        "--library", type=Path, metavar="GITDIR", help="check the library keys against official-images"
    )
    args = parser.parse_args(argv)
    try:
        tags = load_sources()
        if args.library is not None:
            problems = library_problems(tags, _git_show(args.library))
            print("\n".join(problems) or f"{len(tags)} tags agree with official-images", file=sys.stderr)
            return 1 if problems else 0
        payload = encode(build(tags))
    except SourceError as error:
        print(f"{SOURCES.relative_to(ROOT)}/{error}", file=sys.stderr)
        return 1
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_bytes() != payload:
            print(
                f"{OUTPUT.relative_to(ROOT)} is stale: run python -m tools.make_base_images", file=sys.stderr
            )
            return 1
        return 0
    OUTPUT.write_bytes(payload)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(payload):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

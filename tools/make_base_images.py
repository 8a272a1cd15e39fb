"""Make ``dfanalyze/knowledge/data/base-images.json.gz`` from the repo-info transcriptions.

Usage: ``python tools/make_base_images.py`` (writes the data file) or ``--check`` (exits 1 when the
committed file differs from what the sources give). The sources are every
``tools/sources/repo-info/<image>.toml``: what helpers read from docker-library/repo-info (the
``local`` scan of the amd64 image and the ``remote`` manifest facts per platform) and from
docker-library/official-images (tags, aliases, architectures), in the format of REPOINFO-FORMAT.md.
Any image is handled; nothing here names one.

What each entry of the data file holds, per tag (with all its aliases) and platform:

* ``uncompressed_bytes``: the local file's "Virtual Size", the on-disk size of all layers of the
  amd64 image, in bytes. repo-info writes it as ``~ 116.57 Mb``: the unit is the SI megabyte,
  10**6 bytes (likewise ``Kb`` 10**3 and ``Gb`` 10**9; small images are written ``N bytes``). The
  evidence: repo-info's ``scan-local.sh`` (read at commit 72e4be79) formats
  ``docker image inspect``'s VirtualSize with awk constants ``oneKb = 1000``, ``oneMb = 1000 *
  oneKb``, ``oneGb = 1000 * oneMb`` and two decimals. The numbers agree: the apk "installed size"
  of every package of alpine 3.24.2 sums to 8,392,432 bytes and the file says 8.42 Mb (8,420,000
  bytes if Mb is 10**6, 0.3 % above the packages as the apk database adds a little; 8,829,010
  bytes, 5 % above, if it were MiB), and 3.23.6, 3.22.6 and 3.21.8 agree the same way (8,388,336
  / 8.42, 8,259,201 / 8.3, 7,759,583 / 7.8). For Debian the Installed-Size sum of the image's
  dpkg list (from ``debian-<suite>-packages.json.gz``: 117,538 KiB = 120,358,912 bytes for
  bookworm, 120,105 KiB = 122,987,520 bytes for trixie) is above the images' 116.57 and 119.88 Mb
  read as 10**6 (by 3.1 % and 2.5 % of the sum), as it should be: Installed-Size rounds every file
  up to a whole KiB. The two decimals make the byte count exact to +-0.005 of the unit (+-5,000
  bytes for Mb).
* ``compressed_bytes`` and ``layers``: the remote file's "Total Size" (compressed transfer size)
  and each filesystem layer's compressed bytes with the instruction that made it. Remote facts are
  per platform (amd64, arm64v8, ... as official-images names them); the local facts
  (uncompressed size, packages, configuration, creation date) are the amd64 image's, the only one
  repo-info scans. The local and remote files may be of different builds of the same tag; both
  creation dates are kept.
* the package manager and the package set (binary package name -> version) with, for apk, each
  package's installed size in bytes (apk's rounded figure); a ``packages_base`` delta in the
  sources is resolved here into the full set. Identical sets are stored once and referenced by
  index.
* the configuration the local file states (Env, Cmd, Entrypoint, User, WorkingDir, Volumes,
  ExposedPorts, Shell, StopSignal, Labels), the official-images data (architectures, Dockerfile
  repository, commit and directory), the distribution and release the image is built on and the
  evidence for it (``distro_from``), the day the sources were read, and the source (repository,
  commit, path) of every fact.

The distribution is derived from the data, first match wins: a release package in the package set
(``base-files`` for Debian and Ubuntu, ``alpine-release``, ``system-release`` and the
``*-release`` packages of rpm distributions), the Debian suite in a ``debian.sh`` first layer,
``DISTTAG=fNNcontainer`` in the environment (Fedora), a Debian or Ubuntu codename among the tags.

The output is deterministic (sorted keys, gzip mtime 0), so the staleness test can regenerate it
and compare bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dfanalyze.knowledge.base_images import codename_release  # noqa: E402

SOURCES = ROOT / "tools" / "sources" / "repo-info"
OUTPUT = ROOT / "dfanalyze" / "knowledge" / "data" / "base-images.json.gz"
DATA_FORMAT = "dfanalyze-base-images/1"
REPO_INFO = "docker-library/repo-info"
OFFICIAL_IMAGES = "docker-library/official-images"
LOCAL_ARCH = "amd64"

_FILE_KEYS = {"image", "read", "official_images_commit", "tag"}
_TAG_KEYS = {"tags", "architectures", "directory", "git_repo", "git_commit", "local", "remote"}
# The configuration keys of a [tag.local] table, each with the kind of value it holds.
_CONFIG_KEYS = {
    "env": list,
    "cmd": list,
    "entrypoint": list,
    "user": str,
    "workdir": str,
    "volumes": list,
    "exposed_ports": list,
    "shell": list,
    "stopsignal": str,
    "labels": dict,
}
_PACKAGE_KEYS = {"package_manager", "packages_base", "packages", "packages_removed", "installed_size"}
_LOCAL_KEYS = {"path", "commit", "created", "virtual_size", "arch"} | set(_CONFIG_KEYS) | _PACKAGE_KEYS
_REMOTE_KEYS = {"path", "commit", "created", "total_bytes", "layers"}
_PACKAGE_MANAGERS = {"dpkg", "apk", "rpm", "none"}

_SIZE = re.compile(r"~?\s*(\d+(?:\.\d+)?)\s*(bytes|Kb|Mb|Gb)")
_SIZE_UNITS = {"bytes": 1, "Kb": 10**3, "Mb": 10**6, "Gb": 10**9}
_APK_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)")
_APK_UNITS = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
_DEBIAN_SH = re.compile(r"debian\.sh\b.*?'([a-z]+)'\s+'@\d+'")
_FEDORA_DISTTAG = re.compile(r"DISTTAG=f(\d+)container")
_DEBIAN_BASE_FILES = re.compile(r"(\d+)\.\d+\+deb\d+u(\d+)")
_RPM_RELEASE_PACKAGES = {
    "fedora-release-common": "fedora",
    "centos-release": "centos",
    "centos-stream-release": "centos",
    "redhat-release": "rhel",
    "rocky-release": "rocky",
    "almalinux-release": "almalinux",
    "oraclelinux-release": "oraclelinux",
}


class SourceError(ValueError):
    """A transcription that breaks the format: the message names the file and the tag."""


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


def parse_packages(items: Iterable[str], where: str) -> dict[str, str]:
    """``name=version`` strings as a dict; an architecture qualifier on the name is dropped."""
    packages: dict[str, str] = {}
    for item in items:
        name, sep, version = item.partition("=")
        name = name.split(":", 1)[0]
        if not sep or not name or not version:
            raise SourceError(f"{where}: not a name=version package: {item!r}")
        if name in packages:
            raise SourceError(f"{where}: package {name!r} listed twice")
        packages[name] = version
    return packages


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise SourceError(f"{where}: unknown keys {unknown} (allowed: {sorted(allowed)})")


def _need(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise SourceError(f"{where}: {key!r} is missing")
    value = table[key]
    if not isinstance(value, kind):
        raise SourceError(f"{where}: {key!r} must be {kind}, not {type(value).__name__}")
    return value


def _strings(value: Any, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourceError(f"{where}: {key!r} must be a list of strings")
    return list(value)


class Tag:
    """One ``[[tag]]`` of a source file, checked, with its packages not yet resolved."""

    def __init__(self, image: str, table: Mapping[str, Any], source: Path, file: Mapping[str, Any]) -> None:
        where = f"{source.name}: tag {table.get('tags', ['?'])[:1]}"
        _check_keys(table, _TAG_KEYS, where)
        self.image = image
        self.where = where
        self.tags = _strings(_need(table, "tags", list, where), "tags", where)
        if not self.tags:
            raise SourceError(f"{where}: 'tags' is empty")
        self.architectures = _strings(_need(table, "architectures", list, where), "architectures", where)
        self.official: dict[str, str] = {
            key: value
            for key in ("directory", "git_repo", "git_commit")
            if isinstance(value := table.get(key), str)
        }
        self.read: date = file["read"]
        self.official_images_commit: str = file["official_images_commit"]
        self.local = dict(_need(table, "local", dict, where))
        _check_keys(self.local, _LOCAL_KEYS, f"{where} [local]")
        for key in ("commit", "created", "virtual_size"):
            _need(self.local, key, str, f"{where} [local]")
        for key, kind in _CONFIG_KEYS.items():
            value = self.local.get(key)
            if value is None:
                continue
            values = (
                value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
            )
            if not isinstance(value, kind) or not all(isinstance(v, str) for v in values):
                raise SourceError(f"{where} [local]: {key!r} must be a {kind.__name__} of strings")
        manager = self.local.get("package_manager")
        if manager is not None and manager not in _PACKAGE_MANAGERS:
            raise SourceError(
                f"{where}: package_manager {manager!r} is not one of {sorted(_PACKAGE_MANAGERS)}"
            )
        if self.local.get("arch", f"linux/{LOCAL_ARCH}") != f"linux/{LOCAL_ARCH}":
            raise SourceError(f"{where}: the local scan is of {self.local['arch']}, not linux/{LOCAL_ARCH}")
        self.remote: dict[str, dict[str, Any]] = {}
        for arch, remote in dict(table.get("remote", {})).items():
            rwhere = f"{where} [remote.{arch}]"
            _check_keys(remote, _REMOTE_KEYS, rwhere)
            _need(remote, "commit", str, rwhere)
            layers = _need(remote, "layers", list, rwhere)
            for layer in layers:
                if not (
                    isinstance(layer, list)
                    and len(layer) == 2
                    and isinstance(layer[0], int)
                    and layer[0] > 0
                    and isinstance(layer[1], str)
                ):
                    raise SourceError(f"{rwhere}: a layer must be [bytes, instruction]: {layer!r}")
            total = remote.get("total_bytes")
            if total is not None and total != sum(layer[0] for layer in layers):
                raise SourceError(f"{rwhere}: total_bytes {total} is not the sum of the layers")
            if arch not in self.architectures:
                raise SourceError(f"{rwhere}: {arch} is not among the tag's architectures")
            self.remote[arch] = dict(remote)

    @property
    def packages_given(self) -> bool:
        return "packages" in self.local or "packages_base" in self.local


def load_sources(directory: Path = SOURCES) -> list[Tag]:
    """Every tag of every source file, checked (``SourceError`` on the first problem)."""
    tags: list[Tag] = []
    images: set[str] = set()
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as handle:
            file = tomllib.load(handle)
        _check_keys(file, _FILE_KEYS, path.name)
        image = _need(file, "image", str, path.name)
        if image in images:
            raise SourceError(f"{path.name}: image {image!r} is also in another file")
        images.add(image)
        _need(file, "read", date, path.name)
        _need(file, "official_images_commit", str, path.name)
        tags.extend(Tag(image, table, path, file) for table in _need(file, "tag", list, path.name))
    return tags


def resolve_packages(tags: Sequence[Tag]) -> dict[int, dict[str, str] | None]:
    """The full package set of every tag (by position), ``packages_base`` deltas applied."""
    by_alias: dict[str, int] = {}
    for index, tag in enumerate(tags):
        for alias in tag.tags:
            key = f"{tag.image}:{alias}"
            if key in by_alias:
                raise SourceError(f"{tag.where}: {key} is also a tag of {tags[by_alias[key]].where}")
            by_alias[key] = index
    resolved: dict[int, dict[str, str] | None] = {}

    def resolve(index: int, chain: tuple[int, ...]) -> dict[str, str] | None:
        if index in resolved:
            return resolved[index]
        tag = tags[index]
        if index in chain:
            raise SourceError(f"{tag.where}: packages_base loops back to itself")
        local = tag.local
        if not tag.packages_given:
            resolved[index] = None
            return None
        own = parse_packages(_strings(local.get("packages", []), "packages", tag.where), tag.where)
        base_ref = local.get("packages_base")
        if base_ref is None:
            if "packages_removed" in local:
                raise SourceError(f"{tag.where}: packages_removed without packages_base")
            result = own
        else:
            if base_ref not in by_alias:
                raise SourceError(f"{tag.where}: packages_base {base_ref!r} is not a transcribed tag")
            base = resolve(by_alias[base_ref], (*chain, index))
            if base is None:
                raise SourceError(f"{tag.where}: packages_base {base_ref!r} has no package list")
            result = dict(base)
            for name in _strings(local.get("packages_removed", []), "packages_removed", tag.where):
                if result.pop(name, None) is None:
                    raise SourceError(f"{tag.where}: packages_removed {name!r} is not in {base_ref}")
            result.update(own)
        resolved[index] = result
        return result

    for index in range(len(tags)):
        resolve(index, ())
    return resolved


def derive_distro(tag: Tag, packages: Mapping[str, str] | None) -> tuple[str, str | None, str] | None:
    """(distribution, release, evidence) from the data, or None when nothing names a distribution.

    The release is the most precise one the evidence gives (``12.15`` from Debian's base-files,
    ``12`` from a codename), None when it names the distribution only.
    """
    packages = packages or {}
    base_files = packages.get("base-files")
    if base_files is not None:
        if "ubuntu" in base_files:
            version = tag.local.get("labels", {}).get("org.opencontainers.image.version")
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
        if remote and (match := _DEBIAN_SH.search(remote["layers"][0][1])):
            known = codename_release(match[1])
            if known is not None:
                return known[0], known[1], f"first layer: debian.sh suite {match[1]!r}"
    for variable in tag.local.get("env", []):
        if match := _FEDORA_DISTTAG.fullmatch(variable):
            return "fedora", match[1], f"env {variable}"
    for alias in tag.tags:
        for word in re.split(r"[-_.]", alias):
            known = codename_release(word)
            if known is not None:
                return known[0], known[1], f"tag {alias!r} names {word}"
    return None


def _source(repository: str, commit: str, path: str) -> dict[str, str]:
    return {"repository": repository, "commit": commit, "path": path}


def build(tags: Sequence[Tag]) -> dict[str, Any]:
    """The data file's content (a JSON-able dict)."""
    packages = resolve_packages(tags)
    package_sets: list[dict[str, str]] = []
    set_ids: dict[tuple[tuple[str, str], ...], int] = {}
    images: dict[str, dict[str, Any]] = {}
    for index, tag in enumerate(tags):
        local = tag.local
        entry: dict[str, Any] = {
            "tags": tag.tags,
            "architectures": tag.architectures,
            "read": tag.read.isoformat(),
            "created": local["created"],
            "uncompressed_bytes": parse_virtual_size(local["virtual_size"]),
            "virtual_size": local["virtual_size"],
            "package_manager": local.get("package_manager"),
        }
        entry["config"] = {key: local[key] for key in _CONFIG_KEYS if key in local}
        package_set = packages[index]
        if package_set is None:
            entry["packages"] = None
        else:
            key = tuple(sorted(package_set.items()))
            if key not in set_ids:
                set_ids[key] = len(package_sets)
                package_sets.append(dict(key))
            entry["packages"] = set_ids[key]
        if "installed_size" in local:
            sized = local["installed_size"]
            if not isinstance(sized, dict) or set(sized) != set(package_set or ()):
                raise SourceError(f"{tag.where}: installed_size must name exactly the tag's packages")
            entry["package_bytes"] = {
                name: parse_apk_size(size) for name, size in sorted(local["installed_size"].items())
            }
        distro = derive_distro(tag, package_set)
        entry["distro"], entry["distro_release"], entry["distro_from"] = distro or (None, None, None)
        first = tag.tags[0]
        entry["official"] = {
            **tag.official,
            "library": _source(OFFICIAL_IMAGES, tag.official_images_commit, f"library/{tag.image}"),
        }
        entry["local"] = _source(
            REPO_INFO, local["commit"], local.get("path", f"repos/{tag.image}/local/{first}.md")
        )
        entry["remote"] = {
            arch: {
                "compressed_bytes": remote.get("total_bytes", sum(layer[0] for layer in remote["layers"])),
                "layers": remote["layers"],
                "created": remote.get("created"),
                "source": _source(
                    REPO_INFO, remote["commit"], remote.get("path", f"repos/{tag.image}/remote/{first}.md")
                ),
            }
            for arch, remote in sorted(tag.remote.items())
        }
        image = images.setdefault(tag.image, {"entries": [], "tags": {}})
        for alias in tag.tags:
            image["tags"][alias] = len(image["entries"])
        image["entries"].append(entry)
    return {
        "format": DATA_FORMAT,
        "generated_by": "tools/make_base_images.py",
        "local_arch": LOCAL_ARCH,
        "size_unit": "uncompressed_bytes: repo-info's Virtual Size, Mb = 10**6 bytes (see the generator)",
        "package_sets": package_sets,
        "images": images,
    }


def encode(data: Mapping[str, Any]) -> bytes:
    """The gzip'd JSON bytes, the same for the same data (sorted keys, no timestamp)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    args = parser.parse_args(argv)
    payload = encode(build(load_sources()))
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_bytes() != payload:
            print(
                f"{OUTPUT.relative_to(ROOT)} is stale: run python tools/make_base_images.py", file=sys.stderr
            )
            return 1
        return 0
    OUTPUT.write_bytes(payload)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(payload):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

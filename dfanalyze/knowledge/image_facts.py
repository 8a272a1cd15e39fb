"""What official base images hold, as docker-library/repo-info reports it: sizes, layers, packages.

The data file ``data/base-images.json.gz`` is made by ``python -m tools.make_base_images`` from the
transcriptions in ``tools/sources/repo-info/`` (its docstring says what every number means and
where it comes from). It is read once per process, on the first :func:`lookup`: importing this
module reads nothing.

:func:`lookup` takes an image reference as a Dockerfile's FROM writes it (``debian:bookworm-slim``,
``library/debian:12``, ``docker.io/library/debian:bookworm``, with ``@sha256:...`` or not) and an
optional platform (``linux/arm64``, ``arm64v8``; amd64 when none is given) and returns the
:class:`BaseImageFacts` of that tag on that platform, or None when the data does not know the
image, the tag or the platform. The data holds no digests: a digest beside a tag is not checked
(the facts are the tag's, of the build repo-info read), and a reference with a digest and no tag
is not known.

Per platform: the compressed size and the layers come from the registry manifest of that
platform; the uncompressed size, the package set and the creation date come from repo-info's scan
of the amd64 image and are None on every other platform. The configuration is the scan's
(amd64), completed by what the platform's image history states (WORKDIR, EXPOSE, VOLUME, ...).
Some tags have only one of the two: a field the sources did not give is None.

The facts of a tag are those of the build repo-info read, which may be older or newer than the
build the tag names today (``created``, ``version`` and ``read`` say which and when).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct

__all__ = [
    "BaseImageFacts",
    "ImageConfig",
    "Layer",
    "Nearest",
    "Source",
    "TagParts",
    "lookup",
    "nearest",
    "platform_key",
    "tag_parts",
    "tags",
]

DATA_FILE = Path(__file__).resolve().parent / "data" / "base-images.json.gz"
DATA_FORMAT = "dfanalyze-base-images/2"
DEFAULT_PLATFORM = "amd64"
_DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

# Platform spellings (docker's os/arch[/variant], bare architectures, uname names) -> the
# architecture names of docker-library/official-images, which the data file uses.
_PLATFORMS = {
    "amd64": "amd64",
    "x86_64": "amd64",
    "x86-64": "amd64",
    "arm64": "arm64v8",
    "arm64/v8": "arm64v8",
    "arm64v8": "arm64v8",
    "aarch64": "arm64v8",
    "arm": "arm32v7",
    "arm/v7": "arm32v7",
    "arm32v7": "arm32v7",
    "armhf": "arm32v7",
    "arm/v6": "arm32v6",
    "arm32v6": "arm32v6",
    "arm/v5": "arm32v5",
    "arm32v5": "arm32v5",
    "armel": "arm32v5",
    "386": "i386",
    "i386": "i386",
    "i686": "i386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "mips64le": "mips64le",
}


class Layer(Struct, frozen=True):
    """One filesystem layer of the image as the registry serves it."""

    compressed_bytes: int
    instruction: str
    """The history line that made the layer (whitespace collapsed, long ones cut with "...")."""


class Source(Struct, frozen=True):
    """Where a fact was read: a repository, the commit read and the path in it."""

    role: str
    """``library`` (official-images: tags, architectures), ``local`` (repo-info's scan of the amd64
    image), ``remote`` (repo-info's manifest facts of the platform) or ``dockerfile`` (the amd64
    image's build repository, commit and directory, as the library gives them)."""
    repository: str
    commit: str | None
    path: str | None


class ImageConfig(Struct, frozen=True):
    """The image configuration repo-info's scan states; None where it states nothing."""

    env: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    entrypoint: tuple[str, ...] | None
    user: str | None
    workdir: str | None
    volumes: tuple[str, ...] | None
    exposed_ports: tuple[str, ...] | None
    shell: tuple[str, ...] | None
    stopsignal: str | None
    labels: Mapping[str, str] | None


class BaseImageFacts(Struct, frozen=True, kw_only=True):
    """One tag of one official image on one platform."""

    image: str
    """The repository on Docker Hub, ``library/`` left out (``debian``)."""
    tag: str
    """The tag looked up."""
    tags: tuple[str, ...]
    """Every tag of the same image, the one repo-info's files are named after first."""
    platform: str
    """The official-images architecture (``amd64``, ``arm64v8``, ...)."""
    architectures: tuple[str, ...]
    """Every architecture the tag is built for."""
    distro: str | None
    """The distribution the image is built on (``debian``, ``ubuntu``, ``alpine``, ...)."""
    distro_release: str | None
    """Its release, as precise as the evidence gives it (``12.15``, ``24.04``, ``12``)."""
    distro_from: str | None
    """The evidence for the two above (``base-files=12.4+deb12u15``)."""
    uncompressed_bytes: int | None
    """The image's size on disk, all layers (amd64 only)."""
    compressed_bytes: int | None
    """The registry's transfer size of this platform's image."""
    layers: tuple[Layer, ...] | None
    package_manager: str | None
    """``dpkg``, ``apk``, ``rpm`` or ``none`` (amd64 only)."""
    packages: Mapping[str, str] | None
    """Installed binary package -> version (amd64 only; None when not transcribed). A name rpm
    installs more than once (``gpg-pubkey``, one per key) maps to its versions joined by a space."""
    package_bytes: Mapping[str, int] | None
    """Installed size per package, where the package manager reports one (apk; amd64 only)."""
    config: ImageConfig | None
    """None when neither the scan nor the platform's history states any configuration."""
    created: str | None
    """When the amd64 image repo-info scanned was built."""
    version: str | None
    """The main software's version in that image, where the source gives it (``3.12.13``)."""
    image_id: str | None
    """That image's id, where the source gives it."""
    remote_created: str | None
    """When this platform's image of the remote facts was built (may be another build)."""
    remote_version: str | None
    remote_image_id: str | None
    """As above, of the remote facts' build (equal ids: the local and remote facts are of one build)."""
    read: date
    sources: tuple[Source, ...]


def platform_key(platform: str) -> str | None:
    """The official-images architecture of a platform (``linux/arm64`` -> ``arm64v8``), or None."""
    key = platform.strip().lower().removeprefix("linux/")
    return _PLATFORMS.get(key)


def lookup(reference: str, platform: str | None = None) -> BaseImageFacts | None:
    """The facts of an image reference on a platform (amd64 by default); None when unknown."""
    parts = _split_reference(reference)
    if parts is None:
        return None
    registry, repository, tag, digest = parts
    repo = _official_name(registry, repository)
    if repo is None:
        return None
    if tag is None:
        if digest is not None:
            return None
        tag = "latest"
    arch = platform_key(platform) if platform is not None else DEFAULT_PLATFORM
    if arch is None:
        return None
    data = _data()
    image = data["images"].get(repo)
    if image is None or tag not in image["tags"]:
        return None
    entry = image["entries"][image["tags"][tag]]
    if arch not in entry["architectures"]:
        return None
    return _facts(repo, tag, arch, entry, data)


class TagParts(Struct, frozen=True):
    """What a tag says, as the nearest-tag match compares it."""

    version: tuple[int, ...] | None
    """The leading version (``3.11.4`` -> (3, 11, 4); a Debian or Ubuntu codename of the distribution
    images themselves gives the release's version)."""
    words: frozenset[str]
    """The variant words (``slim``, ``fpm``, ``jdk``), without the distribution ones."""
    alpine: bool
    """An Alpine variant (``alpine``, ``alpine3.23``, ``alpine-3.24``)."""
    distro: str | None
    """The Debian or Ubuntu codename (``bookworm``) or ``alpine<version>`` the tag names."""


_VERSION_TOKEN = re.compile(r"v?(\d+(?:\.\d+)*)(?:_\d+)?")
_ALPINE_WORD = re.compile(r"alpine(\d+\.\d+)?")
_DATE_TOKEN = re.compile(r"\d{8}(?:\.\d+)?")
_DISTRO_IMAGES = frozenset({"debian", "ubuntu"})


def tag_parts(image: str, tag: str) -> TagParts:
    """The version, variant words and distribution of ``image:tag``."""
    from dfanalyze.knowledge.base_images import codename_release

    tokens = [token for token in tag.lower().split("-") if token]
    version: tuple[int, ...] | None = None
    words: set[str] = set()
    alpine = False
    distro: str | None = None
    for index, token in enumerate(tokens):
        number = _VERSION_TOKEN.fullmatch(token)
        if number is not None:
            if index == 0:
                version = tuple(int(part) for part in number[1].split("."))
            elif tokens[index - 1] == "alpine":
                distro = f"alpine{number[1]}"
            continue  # a build date or a second version says nothing more
        if _DATE_TOKEN.fullmatch(token):
            continue
        alpine_word = _ALPINE_WORD.fullmatch(token)
        if alpine_word is not None:
            alpine = True
            distro = f"alpine{alpine_word[1]}" if alpine_word[1] else distro
            continue
        release = codename_release(token)
        if release is not None:
            distro = token
            if image in _DISTRO_IMAGES and index == 0:
                version = tuple(int(part) for part in release[1].split(".") if part.isdigit()) or None
            continue
        if token not in ("latest", "stable", "mainline", "rolling", "lts"):
            words.add(token)
    return TagParts(version, frozenset(words), alpine, distro)


class Nearest(Struct, frozen=True):
    """The known tag an unknown one is estimated from, and how far apart they are."""

    facts: BaseImageFacts
    """The known tag's facts (``facts.tag`` is the alias matched)."""
    differs: str
    """``version`` (same variant and distribution, another version of the line), ``distro`` (same
    variant, another distribution release) or ``variant`` (other variant words)."""


def nearest(reference: str, platform: str | None = None) -> Nearest | None:
    """The closest tag the data knows of the same official image, when the tag itself is unknown.

    ``python:3.11.4-slim`` is estimated from ``python:3.11-slim`` (``version``),
    ``php:8.4-fpm-bookworm`` from ``php:8.4-fpm`` (``distro``); an Alpine tag only from an Alpine
    tag and the reverse. None when the tag is known (use :func:`lookup`), the image is not, or no tag
    of it shares the Alpine-or-not choice.
    """
    parts = _split_reference(reference)
    if parts is None or lookup(reference, platform) is not None:
        return None
    registry, repository, tag, digest = parts
    repo = _official_name(registry, repository)
    arch = platform_key(platform) if platform is not None else DEFAULT_PLATFORM
    if repo is None or arch is None or (tag is None and digest is not None):
        return None
    image = _data()["images"].get(repo)
    if image is None:
        return None
    wanted = tag_parts(repo, tag or "latest")
    found = closest_tag(repo, wanted, image["tags"], lambda alias: image["entries"][image["tags"][alias]])
    if found is None:
        return None
    alias, differs = found
    entry = image["entries"][image["tags"][alias]]
    if arch not in entry["architectures"]:
        return None
    return Nearest(_facts(repo, alias, arch, entry, _data()), differs)


def closest_tag(
    image: str, wanted: TagParts, aliases: Sequence[str], entry_of: Any
) -> tuple[str, str] | None:
    """The alias closest to ``wanted`` and how it differs (see :class:`Nearest`); None when no
    alias shares the Alpine-or-not choice. ``entry_of(alias)`` gives the data entry of an alias
    (the ones with an uncompressed size are preferred among equals)."""
    best: tuple[tuple[Any, ...], str, str] | None = None
    for alias in aliases:
        have = tag_parts(image, alias)
        if have.alpine != wanted.alpine:
            continue
        mismatch = len(have.words ^ wanted.words)
        same_distro = have.distro == wanted.distro or wanted.distro is None
        differs = "variant" if mismatch else "version" if same_distro else "distro"
        key = (
            mismatch,
            _version_distance(wanted.version, have.version),
            0 if same_distro else 1,
            0 if entry_of(alias)["local"] is not None else 1,
            alias,
        )
        if best is None or key < best[0]:
            best = (key, alias, differs)
    return None if best is None else (best[1], best[2])


def _version_distance(wanted: tuple[int, ...] | None, have: tuple[int, ...] | None) -> tuple[int, ...]:
    """Smaller is closer: the version components shared, then the distance where they part. A
    tag of the wanted line (3.11.4 for 3.11) is the closest; a tag naming a whole line the wanted
    one is in (1 for 1.25) comes after the tags that part from it nearby (1.26): it stands for the
    line's latest version, which may be far."""
    if wanted is None or have is None:
        return (0, 0) if wanted == have else (1, 0, 0, 0)
    shared = 0
    while shared < min(len(wanted), len(have)) and wanted[shared] == have[shared]:
        shared += 1
    if shared == len(wanted):
        return (0, -shared, 0, 0)
    if shared == len(have):
        return (0, -shared, 2, 0)
    return (0, -shared, 1, abs(wanted[shared] - have[shared]))


def tags(repository: str) -> tuple[str, ...]:
    """Every tag the data knows of an official image (``python``, ``library/python``,
    ``docker.io/library/python``), in the data's order; empty when it does not know the image."""
    parts = _split_reference(repository)
    if parts is None or parts[2] is not None or parts[3] is not None:
        return ()
    name = _official_name(parts[0], parts[1])
    image = _data()["images"].get(name) if name is not None else None
    return tuple(image["tags"]) if image is not None else ()


def _official_name(registry: str | None, repository: str) -> str | None:
    """The official image's name (``library/`` left out); None for another registry or a user's image."""
    if registry is not None and registry.lower() not in _DOCKER_HUB_HOSTS:
        return None
    name = repository.removeprefix("library/")
    return None if "/" in name else name


def _split_reference(reference: str) -> tuple[str | None, str, str | None, str | None] | None:
    """``[registry/]repository[:tag][@digest]`` split; None when it is not one reference."""
    text = reference.strip()
    if not text or any(char.isspace() for char in text):
        return None
    name, at, digest = text.partition("@")
    if at and not digest:
        return None
    tag: str | None = None
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :]
        if not tag:
            return None
    registry: str | None = None
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, name = first, rest
    if not name:
        return None
    return registry, name, tag, digest or None


def _facts(
    image: str, tag: str, arch: str, entry: Mapping[str, Any], data: Mapping[str, Any]
) -> BaseImageFacts:
    local = entry["local"] if arch == data["local_arch"] else None
    remote = entry["remote"].get(arch)
    official = entry["official"]
    library = official["library"]
    sources = [Source("library", library["repository"], library["commit"], library["path"])]
    if arch == data["local_arch"]:
        build = Source("dockerfile", official["git_repo"], official["git_commit"], official.get("directory"))
        sources.append(build)
    if local is not None:
        sources.append(Source("local", **local["source"]))
    if remote is not None:
        sources.append(Source("remote", **remote["source"]))
    packages = local["packages"] if local is not None else None
    return BaseImageFacts(
        image=image,
        tag=tag,
        tags=tuple(entry["tags"]),
        platform=arch,
        architectures=tuple(entry["architectures"]),
        distro=entry["distro"],
        distro_release=entry["distro_release"],
        distro_from=entry["distro_from"],
        uncompressed_bytes=local["uncompressed_bytes"] if local is not None else None,
        compressed_bytes=remote["compressed_bytes"] if remote is not None else None,
        layers=tuple(Layer(size, text) for size, text in remote["layers"]) if remote is not None else None,
        package_manager=local["package_manager"] if local is not None else None,
        packages=data["package_sets"][packages] if packages is not None else None,
        package_bytes=local.get("package_bytes") if local is not None else None,
        config=_config(local, remote),
        created=local.get("created") if local is not None else None,
        version=local.get("version") if local is not None else None,
        image_id=local.get("image_id") if local is not None else None,
        remote_created=remote.get("created") if remote is not None else None,
        remote_version=remote.get("version") if remote is not None else None,
        remote_image_id=remote.get("image_id") if remote is not None else None,
        read=date.fromisoformat(entry["read"]),
        sources=tuple(sources),
    )


def _config(local: Mapping[str, Any] | None, remote: Mapping[str, Any] | None) -> ImageConfig | None:
    """The local scan's configuration, completed by the platform's history; None when neither states any."""
    from_history = remote["config"] if remote is not None else {}
    if local is None and not from_history:
        return None
    config = {**from_history, **(local["config"] if local is not None else {})}

    def strings(key: str) -> tuple[str, ...] | None:
        value = config.get(key)
        return tuple(value) if value is not None else None

    return ImageConfig(
        env=strings("env"),
        cmd=strings("cmd"),
        entrypoint=strings("entrypoint"),
        user=config.get("user"),
        workdir=config.get("workdir"),
        volumes=strings("volumes"),
        exposed_ports=strings("exposed_ports"),
        shell=strings("shell"),
        stopsignal=config.get("stopsignal"),
        labels=config.get("labels"),
    )


@cache
def _data() -> dict[str, Any]:
    """The decoded data file (read once per process; gzip is imported here, not at start-up)."""
    import gzip

    from msgspec import json

    data: dict[str, Any] = json.decode(gzip.decompress(DATA_FILE.read_bytes()))
    if data.get("format") != DATA_FORMAT:
        raise ValueError(f"{DATA_FILE.name}: not a {DATA_FORMAT} file (format={data.get('format')!r})")
    return data

"""Size ranges: a point estimate and a low-high range for every step and for the image, and the
compressed (pull) size beside the size on disk.

What the model knows exactly (the files of the context, the Debian packages, a base image whose size
repo-info gives) has no spread. What it does not know widens the range by an amount read from
``data/size-ranges.json``, which ``python -m tools.calibrate_sizes`` makes from the official
images' own layers (repo-info, ``knowledge/data/base-images.json.gz``); nothing here is a guess:

* the unknown parts of a step add, once, the 10th, 50th and 90th percentiles of the uncompressed
  sizes of real layers made by the same kind of command (:func:`command_kind`: an ``apt-get
  install``, a download of an archive or of a single file, a build from source, ...; per package
  named for apt and apk); the point
  estimate takes the median;
* a base image known only by a nearby tag (``python:3.11.4-slim`` by ``python:3.11-slim``) is that
  tag's size times the spread of the ratio between neighbouring tags of the data (leave-one-out:
  every tag estimated from its nearest other tag), by how far the tags differ;
* a base image known only by its compressed size is that size times the spread of the
  uncompressed/compressed ratio of the official images (their local and remote sizes); a base image
  the data does not know at all takes the spread of the official images' sizes;
* the compressed size of a layer is its size on disk divided by the median of that same ratio.

The image's range adds the steps' spreads in quadrature (independent parts: the percentiles of a
sum of independent normal parts are exactly that), around the sum of the point estimates; the
steps whose spreads make most of it are named.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct

__all__ = [
    "RangeData",
    "SizeRange",
    "Spread",
    "combine",
    "command_kind",
    "exact",
    "installs_only",
    "range_data",
    "spread_range",
]

DATA = Path(__file__).resolve().parent / "data" / "size-ranges.json"
FORMAT = "dfanalyze-size-ranges/1"

# The kinds of command, most specific first: the first whose pattern matches the instruction (or
# the label of an unknown part) names it. Patterns over the text, not the shell model of
# :mod:`dfanalyze.analysis.shell`, on purpose: the calibration classifies repo-info's layer texts,
# which are cut (``...``) and are not always shell, and a step must be classified the same way.
# ``run`` (any other RUN), ``copy`` and ``rootfs`` (a distribution's root filesystem) are the rest.
# A download is ``archive`` when the instruction evidently fetches an archive (a .tar/.zip name,
# not its .asc or .sha256, or a pipe into tar) or runs the installer it fetched (piped into a
# shell, ``./NAME -OPTIONS``): the toolchains of the official images; else ``download``, a file
# kept as it is (a binary, a signature, a checksum).
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "rootfs",
        re.compile(
            r"debian\.sh|^ADD file:|rootfs|minirootfs|umoci raw add-layer|^ADD [\w.-]+\.tar(\.\w+)? /( |$)"
        ),
    ),
    (
        "build",
        re.compile(
            r"\./configure|\bcmake\b|\bninja\b|\bmake (-\S+ )*install\b|(;|&&) make( -j\S*)? *(;|&&|$)|"
            r"\bgo (build|install)\b|\bcargo (build|install)\b|docker-php-ext-install|\bpecl install\b|"
            r"built from source"
        ),
    ),
    (
        "pip",
        re.compile(
            r"\bpip3? install\b|\buv (pip|sync)\b|\bpoetry install\b|\bpipenv install\b|\bconda install\b"
        ),
    ),
    ("npm", re.compile(r"\b(npm|yarn|pnpm)\b")),
    ("gem", re.compile(r"\b(gem|bundle) install\b")),
    ("apk", re.compile(r"\bapk (add|upgrade)\b")),
    ("rpm", re.compile(r"\b(yum|dnf|microdnf|tdnf|zypper) (-\S+ )*(install|update|upgrade)\b")),
    (
        "archive",
        re.compile(
            r"^(?=.*(\b(curl|wget)\s[^;&|]*(https?://|\$)|https?://\S+\.(tar|tgz|zip|xz|gz)\b))"
            r".*(\.(tar|tgz|tbz2?|txz|zip)(\.(gz|xz|bz2|zst))?(?![\w.])|\|\s*(tar|unzip|bsdtar)\b|"
            r"\|\s*(sudo\s+)?(ba)?sh\b|(^|\s)\./[\w.-]+\s+-)"
        ),
    ),
    (
        "download",
        re.compile(
            r"\b(curl|wget)\s[^;&|]*(https?://|\$)|^ADD (--\S+ )*https?://|https?://\S+\.(tar|tgz|zip|xz|gz)\b"
        ),
    ),
    ("apt", re.compile(r"\bapt(-get)? (-\S+ )*(install|upgrade|dist-upgrade)\b|\bapt-get install\b")),
    ("copy", re.compile(r"^(COPY|ADD)\b")),
)
RUN_KIND = "run"
ANY_KIND = "any"
"""The spread of every layer, for a kind with too few layers of its own."""


PACKAGE_KINDS = ("apt", "apk", "rpm")
"""Kinds whose spread is per package named (when the instruction only installs and names them all:
:func:`installs_only`)."""
_INSTALL = re.compile(
    r"\b(?:apt-get|apt|apk|yum|dnf|microdnf|tdnf)\b(?P<args>(?:\s+-\S+)*\s+(?:install|add)(?!\S)[^;&|)]*)"
)
_OPTION_ARGUMENT = frozenset({"-o", "--option", "-t", "--target-release", "--virtual", "--repository", "-X"})


def named_packages(text: str) -> int | None:
    """How many packages an instruction's installs name (apt, apk, yum/dnf); None when it names
    none, or when a variable or a cut (``...``) hides some of them."""
    count = 0
    for match in _INSTALL.finditer(" ".join(text.split())):
        words = match["args"].split()
        skip = False
        for word in words[words.index(next(w for w in words if w in ("install", "add"))) + 1 :]:
            if skip:
                skip = False
            elif word in _OPTION_ARGUMENT:
                skip = True
            elif "$" in word or "..." in word or "`" in word:
                return None
            elif not word.startswith("-"):
                count += 1
    return count or None


def installs_only(text: str) -> int | None:
    """:func:`named_packages` of an instruction that does nothing else a kind of command names (no
    download, no build, no pip ...) and is not cut (``...`` may hide either); None otherwise. The
    per-package spread is of such layers only: a layer that also fetches or builds is not sized by
    its packages."""
    line = " ".join(text.split())
    if "..." in line or any(pattern.search(line) for kind, pattern in _KINDS if kind not in PACKAGE_KINDS):
        return None
    return named_packages(line)


_PART_KINDS = {
    "apt-get": "apt",
    "apt": "apt",
    "apk": "apk",
    "yum": "rpm",
    "dnf": "rpm",
    "microdnf": "rpm",
    "tdnf": "rpm",
    "pip": "pip",
    "pip3": "pip",
    "uv": "pip",
    "poetry": "pip",
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "gem": "gem",
    "bundle": "gem",
    "curl": "download",
    "wget": "download",
    "tar": "download",
    "unzip": "download",
    "git": "download",
    "make": "build",
    "configure": "build",
    "cmake": "build",
    "ninja": "build",
    "gcc": "build",
    "cc": "build",
    "g++": "build",
    "go": "build",
    "cargo": "build",
    "pecl": "build",
    "docker-php-ext-install": "build",
    "apt-mark": "apt",
    "dpkg": "apt",
    "rpm": "rpm",
}


def part_kind(label: str, own: str) -> str:
    """The kind of an unknown part by the tool its label starts with: ``apk install curl: size
    unknown`` is apk's (not a download); a command the model cannot follow (`` `tar` may write
    files...``) is of its tool's kind, ``run`` for any other tool; what a ``COPY --from`` takes
    from a stage whose files are not known is of any kind; else ``own``, the kind of the
    instruction (a file of unknown size, a COPY source)."""
    if label.startswith("COPY --from"):
        return ANY_KIND  # what another stage made: any kind of layer
    first = label.split(maxsplit=1)[0].strip(":") if label.strip() else ""
    tool = first.strip("`")
    if tool in _PART_KINDS:
        kind = _PART_KINDS[tool]
        return own if kind == "download" and own == "archive" else kind
    return RUN_KIND if first.startswith("`") else own


def layer_kind(kinds: Iterable[str]) -> str:
    """The kind of a layer made of commands of these kinds: the first in :func:`command_kind`'s
    order (a layer that builds and downloads is a build, as the calibration classifies it). What a
    ``COPY --from`` takes from a stage whose files are not known (:data:`ANY_KIND`) ranks after
    the commands and before a COPY's own files: it can be anything another stage made."""
    found = set(kinds)
    return next((kind for kind in _LAYER_ORDER if kind in found), RUN_KIND)


_LAYER_ORDER = (*(kind for kind, _ in _KINDS if kind != "copy"), ANY_KIND, "copy", RUN_KIND)


def command_kind(text: str) -> str:
    """The kind of command an instruction (``RUN ...``, ``COPY ...``) or an unknown part's label is."""
    line = " ".join(text.split())
    for kind, pattern in _KINDS:
        if pattern.search(line):
            return kind
    return RUN_KIND


class Spread(Struct, frozen=True):
    """Three percentiles of a measured quantity (bytes, or a ratio) and how many values gave them."""

    low: float
    mid: float
    high: float
    samples: int


class RangeData(Struct, frozen=True):
    """``data/size-ranges.json``."""

    source: str
    data_as_of: str
    """The day the official images' sizes it was made from were read."""
    percentiles: tuple[int, int, int]
    compression: Spread
    """Uncompressed / compressed size of the official images."""
    nearest: Mapping[str, Spread]
    """Actual / estimated size of a tag estimated from its nearest known tag, by how they differ."""
    layers: Mapping[str, Spread]
    """Uncompressed bytes of the official images' layers, by :func:`command_kind`."""
    images: Spread
    """Uncompressed bytes of the official images."""
    per_package: Mapping[str, Spread]
    """Uncompressed bytes per package named, of the official images' layers that only install the
    packages they name, by kind."""

    def layer_spread(self, kind: str) -> Spread:
        return self.layers.get(kind) or self.layers[ANY_KIND]


@cache
def range_data() -> RangeData:
    """The shipped calibration, read once."""
    import json

    return range_data_from(json.loads(DATA.read_text(encoding="utf-8")))


def _spread(table: Mapping[str, Any]) -> Spread:
    return Spread(float(table["low"]), float(table["mid"]), float(table["high"]), int(table["samples"]))


def range_data_from(data: Mapping[str, Any]) -> RangeData:
    if data.get("format") != FORMAT:
        raise ValueError(f"{DATA.name}: not a {FORMAT} file")
    low, mid, high = data["percentiles"]
    return RangeData(
        source=data["source"],
        data_as_of=data["data_as_of"],
        percentiles=(int(low), int(mid), int(high)),
        compression=_spread(data["compression"]),
        nearest={name: _spread(table) for name, table in data["nearest"].items()},
        layers={name: _spread(table) for name, table in data["layers"].items()},
        images=_spread(data["images"]),
        per_package={name: _spread(table) for name, table in data["per_package"].items()},
    )


class SizeRange(Struct, frozen=True):
    """A size as a point estimate in a low-high range, with the compressed size beside it."""

    point: int
    low: int
    high: int
    compressed: int
    basis: tuple[str, ...] = ()
    """What widened the range (empty when it is exact)."""

    @property
    def exact(self) -> bool:
        return self.low == self.high


def exact(size: int, compressed: int) -> SizeRange:
    return SizeRange(size, size, size, compressed)


def spread_range(known: int, spread: Spread, scale: float, data: RangeData, basis: str) -> SizeRange:
    """``known`` plus ``scale`` times the spread's percentiles (a ratio spread: ``known`` is 0 and
    ``scale`` the size it multiplies)."""
    point = known + round(spread.mid * scale)
    return SizeRange(
        point,
        known + round(spread.low * scale),
        known + round(spread.high * scale),
        compressed_of(point, data),
        (basis,),
    )


def compressed_of(size: int, data: RangeData) -> int:
    """The pull size of ``size`` bytes on disk: the official images' median ratio."""
    return round(size / data.compression.mid)


class Share(Struct, frozen=True):
    """One step's part of the image's uncertainty."""

    index: int
    share: float
    """Its part of the image's spread (the squares of the spreads add up to 1)."""


def combine(parts: Sequence[tuple[int, SizeRange]]) -> tuple[SizeRange, tuple[Share, ...]]:
    """The image's range from its steps' (index, range): the sum of the points, the spreads added in
    quadrature; and the steps that make the spread, largest first."""
    point = sum(size.point for _, size in parts)
    below = math.sqrt(sum((size.point - size.low) ** 2 for _, size in parts))
    above = math.sqrt(sum((size.high - size.point) ** 2 for _, size in parts))
    widths = [(index, (size.high - size.low) ** 2) for index, size in parts if size.high > size.low]
    total = sum(width for _, width in widths)
    shares = tuple(
        Share(index, width / total) for index, width in sorted(widths, key=lambda item: (-item[1], item[0]))
    )
    basis = tuple(dict.fromkeys(b for _, size in parts for b in size.basis))
    image = SizeRange(
        point,
        point - round(below),
        point + round(above),
        sum(size.compressed for _, size in parts),
        basis,
    )
    return image, shares

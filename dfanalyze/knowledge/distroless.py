"""The measured sizes of Google's distroless images (``data/distroless.json``).

The file is made by ``python -m tools.measure_distroless`` (run once, with network; its output is
committed): each image's Debian packages, read from the distroless repository at a named commit,
downloaded from the Debian archive and measured, plus the files distroless generates. Its
``method`` and ``spread`` fields say how; this module only reads it.

A reference ``gcr.io/distroless/<name>[-debianNN][:tag][@digest]`` names one image of the data:
the ``-debianNN`` suffix picks the Debian release, none picks the release the distroless README
names as the default (``default_distro`` in the data); a tag or digest does not change the size,
except the ``debug`` tags, which add busybox (:attr:`DistrolessMatch.debug`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct

DATA_FORMAT = "dfanalyze-distroless/1"
DATA_PATH = Path(__file__).resolve().parent / "data" / "distroless.json"
REGISTRY = "gcr.io"
PREFIX = "distroless/"
_SUFFIX = re.compile(r"-(debian\d+)$")


class DistrolessImage(Struct, frozen=True):
    """One image's uncompressed size: the measured point and the low-high of the package versions."""

    name: str
    suite: str
    bytes: int
    low: int
    high: int


class DistrolessData(Struct, frozen=True):
    measured: str
    """The day the packages were downloaded and measured (ISO date)."""
    commit: str
    default_distro: str
    images: Mapping[str, DistrolessImage]


class DistrolessMatch(Struct, frozen=True):
    image: DistrolessImage
    debug: bool
    """A ``debug`` tag: the image plus busybox in ``/busybox``."""
    measured: str
    commit: str


@cache
def load() -> DistrolessData:
    """The shipped data, read once."""
    return data_from(json.loads(DATA_PATH.read_text(encoding="utf-8")))


def data_from(data: Mapping[str, Any]) -> DistrolessData:
    if data.get("format") != DATA_FORMAT:
        raise ValueError(f"{DATA_PATH.name}: not a {DATA_FORMAT} file")
    return DistrolessData(
        measured=data["measured"],
        commit=data["source"]["commit"],
        default_distro=data["default_distro"],
        images={
            name: DistrolessImage(name, image["suite"], image["bytes"], image["low"], image["high"])
            for name, image in data["images"].items()
        },
    )


def lookup(registry: str | None, repository: str, tag: str | None) -> DistrolessMatch | None:
    """The measured image a ``gcr.io/distroless/...`` reference names; None for another registry
    or an image the data does not hold."""
    if registry != REGISTRY or not repository.startswith(PREFIX):
        return None
    data = load()
    name = repository.removeprefix(PREFIX)
    if _SUFFIX.search(name) is None:
        name = f"{name}-{data.default_distro}"
    image = data.images.get(name)
    if image is None:
        return None
    debug = tag is not None and "debug" in tag.split("-")
    return DistrolessMatch(image, debug, data.measured, data.commit)

"""The users and groups a base image holds, from ``data/accounts.toml`` (its header says how the
lists are made and where they come from). Read on the first :func:`accounts` call."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct

from dfanalyze.knowledge.base_images import ImageInfo

_DATA = Path(__file__).resolve().parent / "data" / "accounts.toml"


class Accounts(Struct, frozen=True):
    """The names in an image's ``/etc/passwd`` and ``/etc/group``."""

    users: frozenset[str]
    groups: frozenset[str]


@cache
def _data() -> dict[str, Any]:
    from dfanalyze.compiled import load_toml

    return load_toml(_DATA)


def accounts(info: ImageInfo) -> Accounts | None:
    """The accounts of the image ``info`` describes: its distribution's and its family's own;
    None when the data does not list the family, or the family's distribution is unknown."""
    data = _data()
    family = data["images"].get(info.family)
    if family is None:
        return None
    users = set(family.get("users", ()))
    groups = set(family.get("groups", ()))
    if family.get("distro", True):
        distro = data["distros"].get(info.distro or info.family)
        if distro is None:
            return None
        users.update(distro["users"])
        groups.update(distro["groups"])
    return Accounts(frozenset(users), frozenset(groups))


def drops_privileges(info: ImageInfo) -> bool:
    """The image starts as root by design and switches to its service's account itself."""
    family = _data()["images"].get(info.family)
    return family is not None and bool(family.get("drops_privileges", False))

"""Installs the base image's release cannot satisfy, judged with the package data of that release.

A stage whose root image is an official Debian or Ubuntu image of a release whose package data
ships (:func:`dfanalyze.knowledge.debian.suite_of`) installs from that release's archive only,
unless the Dockerfile adds a package source: then nothing is judged (a third-party repository,
backports or a local ``.deb`` may provide any name).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dfanalyze import model
from dfanalyze.checks.base_image import lineage, root_image
from dfanalyze.checks.context import Context, Hit
from dfanalyze.checks.run import is_unknown, package_sites

if TYPE_CHECKING:
    from dfanalyze.knowledge.debian import DebianIndex
    from dfanalyze.span import Span

# Signs that a Dockerfile adds a package source or installs packages from elsewhere: the names
# it installs need not be in the release's archive.
_SOURCES = re.compile(
    r"sources\.list|/etc/apt/|add-apt-repository|apt-add-repository|extrepo|apt-key|\.deb\b|"
    r"--target-release|\s-t\s|dpkg\s+(-i|--install)|--add-architecture|signed-by|/etc/apt\b",
    re.IGNORECASE,
)
_MAX_SUGGESTIONS = 3
_REGEX_CHARS = frozenset(".+")
# The release a stable or security update was built for: ``+deb12u3``, ``~deb11u1``;
# ``ubuntu0.22.04.1``, ``~22.04.1``.
_DEBIAN_MARKER = re.compile(r"[+~]deb(\d+)u\d+")
_UBUNTU_MARKER = re.compile(r"(?:ubuntu\d+[.~]|~)(\d\d\.\d\d)(?:\.\d+)*$")
# A library package's ABI version at the end of its name (``libssl1.1``, ``libcurl4t64``, ``libpq5``).
_ABI_VERSION = re.compile(r"-?[0-9][0-9.]*(t64)?(-[0-9][0-9.]*)?$")


def apt_package_not_in_release(ctx: Context) -> Iterator[Hit]:
    sites = [(site, op) for site in package_sites(ctx) for _, op in site.package_ops("apt")]
    installs = [(site, op) for site, op in sites if op.action == "install" and op.packages]
    if not installs or _SOURCES.search(ctx.dockerfile.source):
        return
    from dfanalyze.knowledge.debian import load_index, parse_request

    for site, op in installs:
        suite = _suite(ctx, site.stage)
        if suite is None:
            continue
        index = load_index(suite)
        for package in op.packages:
            if is_unknown(package.name) or package.operator == "/":
                continue
            name = parse_request(package.name)
            if name is not None and name in index and package.operator == "=" and package.version:
                hit = _foreign_pin(package.span, name, package.version, suite, index)
                if hit is not None:
                    yield hit
                continue
            if name is None or name in index or (name[-1] in "+-" and name[:-1] in index):
                continue
            providers = index.providers(name)
            if len(providers) == 1 or _regex_matches(name, index):
                continue  # apt selects the only provider of a virtual package
            yield _hit(package.span, name, suite, providers, index)


def _foreign_pin(span: Span, name: str, version: str, suite: str, index: DebianIndex) -> Hit | None:
    """A pin to a version built for another release (``+deb11u7`` on bookworm, ``ubuntu0.22.04.1``
    on noble): that release's stable updates are never in this one's archive."""
    candidate = index.version(name)
    if candidate is None or version == candidate or is_unknown(version) or "*" in version:
        return None
    from dfanalyze.knowledge.debian import SUITES

    distro, release = next(key for key, value in SUITES.items() if value == suite)
    marker = (_DEBIAN_MARKER if distro == "debian" else _UBUNTU_MARKER).search(version)
    if marker is None or marker.group(1) == release:
        return None
    built_for = f"Debian {marker.group(1)}" if distro == "debian" else f"Ubuntu {marker.group(1)}"
    return Hit(
        span,
        {
            "package": f"{name}={version}",
            "release": suite,
            "reason": f"is a version built for {built_for}, not a candidate",
            "instead": f"`{name}={candidate}`",
        },
    )


def _regex_matches(name: str, index: DebianIndex) -> bool:
    """apt-get takes a name it does not find that holds ``.`` or ``+`` as a regular expression,
    searched in every package name (``libldap-2.5`` installs ``libldap-2.5-0``)."""
    if not _REGEX_CHARS.intersection(name):
        return False
    pattern = re.compile(name)
    return any(pattern.search(n) for n in index.names())


def _hit(span: Span, name: str, suite: str, providers: tuple[str, ...], index: DebianIndex) -> Hit:
    if providers:
        names = providers[:_MAX_SUGGESTIONS]
        reason = "is a virtual package with several providers, and apt will not choose one"
    else:
        names = tuple(_closest(name, index))
        reason = "has no installation candidate"
    instead = ", ".join(f"`{n}`" for n in names) if names else "none close to it in its archive"
    return Hit(span, {"package": name, "release": suite, "reason": reason, "instead": instead})


def _closest(name: str, index: DebianIndex) -> list[str]:
    """Real package names close to ``name``: the python -> python3 renames, then the same library
    at another ABI version (``libssl1.1`` -> ``libssl3``), else the closest spellings."""
    found = [
        renamed
        for renamed in (name.replace("python-", "python3-", 1), f"{name}3" if name == "python" else "")
        if renamed and renamed != name and renamed in index
    ]
    stem = _ABI_VERSION.sub("", name)
    if stem != name:
        same = re.compile(re.escape(stem) + _ABI_VERSION.pattern)
        found += sorted(n for n in index.names() if same.fullmatch(n))
    if not found:
        same_start = [n for n in index.names() if n[:2] == name[:2]]
        found = difflib.get_close_matches(name, same_start, n=_MAX_SUGGESTIONS, cutoff=0.75)
    return found[:_MAX_SUGGESTIONS]


def _suite(ctx: Context, stage: model.Stage) -> str | None:
    """The suite of the official image at the root of ``stage``'s chain, when its data ships."""
    ref = root_image(ctx, lineage(ctx, stage)[-1])
    if ref is None:
        return None
    from dfanalyze.knowledge import image_facts
    from dfanalyze.knowledge.debian import suite_of

    facts = image_facts.lookup(ref.text)
    if facts is not None:
        return suite_of(facts.distro, facts.distro_release)
    info = ctx.analysis.image_info(ref.registry, ref.repository, ref.tag)
    return suite_of(info.distro, info.distro_cycle) if info is not None else None

"""Sizes that do not come from the build context: base images, package installs, and what the
builder itself leaves in a layer.

* A base image's size is known only when a source gives its uncompressed size: the ``sizes`` of
  :mod:`dfanalyze.knowledge.base_images` marked ``uncompressed`` for that variant, the images
  measured on this project's machine (``data/calibration.json``, made from ``oracle/`` by
  `tools/calibrate_layers.py`), repo-info's official images, Google's distroless images measured
  from their Debian packages (:mod:`dfanalyze.knowledge.distroless`), and ``scratch`` (empty).
  Everything else is unknown.
* ``apt-get install`` on Debian bookworm uses :mod:`dfanalyze.knowledge.debian` (the dependency
  closure against the packages the image already has, Installed-Size plus apt's overhead) and adds
  the ``.pyc`` files Debian's Python packages compile when they are installed (``py3compile``;
  a fraction of the Python packages' Installed-Size, fitted on the measured installs). The
  package set of an image is known for ``debian:bookworm`` (and the measured base made like it);
  on another Debian bookworm image (``python:3.12-bookworm``) the figure is only an upper bound, so
  it is reported as unknown with the bound in its description.
* ``apt-get update`` writes the package lists measured for bookworm (with the official image's
  ``Acquire::GzipIndexes``, lz4-compressed lists).
* apk, pip, npm, yarn, pnpm, gem, go and downloads: no package metadata ships with dfanalyze and
  the measurements here cannot calibrate them (one pip measurement of five pure-Python wheels says
  nothing about numpy), so their bytes are unknown, and so are the caches they leave.

A :class:`Profile` says what one builder adds beyond the files: BuildKit (the model's default)
makes WORKDIR a ``mkdir`` layer and leaves nothing else; buildah (the ground truth measured in
``oracle/``) makes no WORKDIR layer, creates WORKDIR and VOLUME directories with the next RUN, and
leaves mount-point entries in every RUN layer.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from dfanalyze.layers.fs import Blob
from dfanalyze.layers.ranges import SizeRange, exact

if TYPE_CHECKING:
    from dfanalyze.analysis.packages import PackageOp
    from dfanalyze.knowledge.debian import AptEstimate
    from dfanalyze.layers.fs import LayerBuilder
    from dfanalyze.model import ImageRef

DATA = Path(__file__).resolve().parent / "data" / "calibration.json"
FORMAT = "dfanalyze-layer-calibration/1"
MIB = 1024 * 1024
PYTHON_PACKAGES = ("python3", "libpython3")
"""Debian packages whose modules ``py3compile`` compiles at install time."""


class AptLists(Struct, frozen=True):
    """What ``apt-get update`` writes: files (name, bytes) and directories under ``directory``,
    and entries whose path the measurement does not name."""

    directory: str
    files: tuple[tuple[str, int], ...]
    dirs: tuple[str, ...]
    extra_entries: int
    suite: str = "bookworm"
    """The release whose lists were measured (other releases' lists differ in size)."""


class MeasuredBase(Struct, frozen=True):
    ref: str
    bytes: int
    distro: str
    release: str
    source: str
    packages: frozenset[str] = frozenset()


class Calibration(Struct, frozen=True):
    """The numbers measured with real builds (``data/calibration.json``)."""

    source: str
    measured: str
    bases: Mapping[str, MeasuredBase] = field(default_factory=dict)
    buildah_first_run_files: tuple[str, ...] = ()
    buildah_first_run_dirs: tuple[str, ...] = ()
    buildah_run_entries: int = 0
    apt_lists: AptLists | None = None
    apt_call_bytes: int = 0
    """Bytes an ``apt-get install`` layer holds beyond the Debian data's estimate, per call..."""
    apt_recommends_bytes: int = 0
    """... more per call that installs Recommends ..."""
    apt_package_bytes: int = 0
    """... and per new package."""
    pyc_ratio: float = 0.0
    """``.pyc`` bytes per byte of Installed-Size of Debian Python packages."""
    apt_rewrite_bytes: int = 0
    """Bytes of apt's and dpkg's databases an install rewrites (the earlier versions it hides)..."""
    apt_debconf_rewrite_bytes: int = 0
    """... and more when a new package uses debconf (debconf keeps ``*-old`` copies)."""

    def package_bytes(self, names: Collection[str], suite: str = "bookworm") -> int | None:
        """The Installed-Size of Debian packages, None when one is not in the data."""
        from dfanalyze.knowledge.debian import load_index

        index = load_index(suite)
        total = 0
        for name in names:
            kib = index.installed_kib(name) if name in index else None
            if kib is None:
                return None
            total += kib * 1024
        return total


@cache
def calibration() -> Calibration:
    """The shipped calibration, read once."""
    return calibration_from(json.loads(DATA.read_text(encoding="utf-8")))


def calibration_from(data: Mapping[str, Any]) -> Calibration:
    if data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    lists = data.get("apt_lists")
    apt = data["apt"]
    return Calibration(
        source=data["source"],
        measured=data["measured"],
        bases={
            b["ref"]: MeasuredBase(
                b["ref"], b["bytes"], b["distro"], b["release"], b["source"], frozenset(b["packages"])
            )
            for b in data.get("bases", [])
        },
        buildah_first_run_files=tuple(data["buildah"]["first_run_files"]),
        buildah_first_run_dirs=tuple(data["buildah"]["first_run_dirs"]),
        buildah_run_entries=data["buildah"]["run_entries"],
        apt_lists=AptLists(
            lists["directory"],
            tuple((name, size) for name, size in lists["files"]),
            tuple(lists["dirs"]),
            lists["extra_entries"],
        )
        if lists
        else None,
        apt_call_bytes=apt["call_bytes"],
        apt_recommends_bytes=apt["recommends_bytes"],
        apt_package_bytes=apt["package_bytes"],
        pyc_ratio=apt["pyc_ratio"],
        apt_rewrite_bytes=apt["rewrite_bytes"],
        apt_debconf_rewrite_bytes=apt["debconf_rewrite_bytes"],
    )


# --- builders ---------------------------------------------------------------------------------------


class Profile(Struct, frozen=True):
    """What a builder adds to layers beyond the files the instructions write."""

    name: str
    workdir_layer: bool
    """WORKDIR is its own (mkdir) layer (BuildKit); else the directory appears with the next RUN."""
    volume_dirs: bool
    """VOLUME directories appear with the next RUN (buildah)."""
    first_run_files: tuple[str, ...] = ()
    """Empty files (mount points) the first RUN of a chain of layers leaves..."""
    first_run_dirs: tuple[str, ...] = ()
    """... and the directories it modifies."""
    run_entries: int = 0
    """Entries every later RUN leaves (their paths were not recorded)."""
    pip_http_cache: bool = True
    """pip keeps what it downloads in its HTTP cache. Not on the machine of ``oracle/``: its
    TLS-intercepting proxy strips the caching headers, so pip caches nothing there (measured:
    the same layer with and without ``--no-cache-dir``)."""


BUILDKIT = Profile("buildkit", workdir_layer=True, volume_dirs=False)


def buildah_profile(data: Calibration, mount_files: tuple[str, ...] = ()) -> Profile:
    """buildah as measured in ``oracle/``; ``mount_files`` are files bind-mounted with
    ``buildah bud --volume`` (an empty mount point each, in the first RUN layer)."""
    return Profile(
        "buildah",
        workdir_layer=False,
        volume_dirs=True,
        first_run_files=data.buildah_first_run_files + mount_files,
        first_run_dirs=data.buildah_first_run_dirs,
        run_entries=data.buildah_run_entries,
        pip_http_cache=False,
    )


PROFILES = ("buildkit", "buildah")


def profile_named(name: str) -> Profile:
    if name == "buildah":
        return buildah_profile(calibration())
    if name == "buildkit":
        return BUILDKIT
    raise ValueError(f"unknown builder {name!r} (known: {', '.join(PROFILES)})")


# --- base images ------------------------------------------------------------------------------------


class BaseImage(Struct, frozen=True):
    """What is known about the image a stage starts from."""

    ref: str
    bytes: int | None
    """Uncompressed size (the point estimate when it is estimated), None when no source gives it."""
    source: str
    """Where the size comes from, or why it is unknown."""
    empty: bool = False
    """``scratch``."""
    apt_installed: frozenset[str] | None = None
    """Its Debian packages, when known exactly..."""
    apt_suite: str | None = None
    """... or the suite whose minimal package set of the Debian data it has (read when needed)."""
    apt_upper_bound: bool = False
    """An image of ``apt_data``'s release whose packages are not known: the minimal set of that
    release gives an upper bound."""
    apt_data: str | None = None
    """The suite whose package data ``apt-get install`` is estimated with (its distribution and
    release: ``bookworm``, ``noble``...); None when no data ships for it."""
    family: str | None = None
    variant: str | None = None
    size: SizeRange | None = None
    """The size as a range, with the compressed size (None when nothing is known)."""
    as_of: str | None = None
    """The day the size's source was read (ISO date)."""


def base_image(ref: ImageRef | None, written: str, data: Calibration) -> BaseImage:
    """The base image of ``FROM <ref>`` (``written`` is the text, for messages)."""
    from dfanalyze.layers.ranges import compressed_of, exact, range_data

    ranges = range_data()
    if ref is None:
        return BaseImage(written, None, "the image reference is not known before the build")
    if ref.repository == "scratch" and ref.registry is None:
        return BaseImage(
            "scratch", 0, "scratch is empty", empty=True, apt_installed=frozenset(), size=exact(0, 0)
        )
    name = ref.text
    from dfanalyze.knowledge.debian import suite_of

    measured = data.bases.get(name)
    if measured is not None:
        suite = suite_of(measured.distro, measured.release)
        return BaseImage(
            name,
            measured.bytes,
            f"measured ({measured.source})",
            apt_installed=measured.packages if suite is not None else None,
            family=measured.distro,
            apt_data=suite,
            size=exact(measured.bytes, compressed_of(measured.bytes, ranges)),
            as_of=data.measured[:10],
        )
    from dfanalyze.knowledge.base_images import lookup

    info = lookup(ref.registry, ref.repository, ref.tag)
    known = repo_info_size(name)
    packages = _image_packages(name)
    if info is None and known is None:
        return BaseImage(name, None, "no size data for this image", **packages)
    from msgspec.structs import replace

    if not packages and info is not None:
        suite = suite_of(info.distro, info.distro_cycle)
        minbase = suite is not None and info.family == info.distro == "debian" and info.variant is None
        packages = {
            "apt_suite": suite if minbase else None,
            "apt_upper_bound": suite is not None and not minbase,
            "apt_data": suite,
        }
    unsized = BaseImage(
        name,
        None,
        "no uncompressed size for this image in the data",
        family=info.family if info is not None else None,
        variant=info.variant if info is not None else None,
        **packages,
    )
    if known is None:
        known = distroless_size(ref)
    if known is not None:
        size, source, as_of = known
        return replace(unsized, bytes=size.point, source=source, size=size, as_of=as_of)
    assert info is not None
    named = info.variant or info.family
    listed = next((s for s in info.sizes if s.variant == named and s.kind == "uncompressed"), None)
    if listed is None:
        return unsized
    size_bytes = round(listed.mib * MIB)
    return replace(
        unsized,
        bytes=size_bytes,
        source=listed.source,
        size=exact(size_bytes, compressed_of(size_bytes, ranges)),
        as_of=listed.read.isoformat(),
    )


_DIFFERS = {
    "version": "another version",
    "distro": "another distribution release",
    "variant": "another variant",
}


def repo_info_size(reference: str) -> tuple[SizeRange, str, str] | None:
    """The size of an official image from repo-info's facts (:mod:`dfanalyze.knowledge.image_facts`),
    the source said in words and the day it was read: exact when the tag's uncompressed size is
    known; else estimated from its compressed size, or from the nearest tag the data knows, with the
    spread of :mod:`dfanalyze.layers.ranges`. None when the data does not know the image."""
    from dfanalyze.knowledge import image_facts
    from dfanalyze.layers.ranges import SizeRange, compressed_of, range_data

    ranges = range_data()
    facts = image_facts.lookup(reference)
    note = ""
    spreads = []
    if facts is None:
        near = image_facts.nearest(reference)
        if near is None:
            return None
        facts = near.facts
        spreads.append(ranges.nearest[near.differs])
        note = f"estimated from {facts.image}:{facts.tag} ({_DIFFERS[near.differs]})"
    where = f"repo-info {facts.image}:{facts.tag}"
    read = facts.read.isoformat()
    nearby = spreads[0] if spreads else None
    if facts.uncompressed_bytes is not None:
        size = facts.uncompressed_bytes
        compressed = facts.compressed_bytes or compressed_of(size, ranges)
        if nearby is None:
            return exact(size, compressed), f"{where}, read {read}", read
    elif facts.compressed_bytes is not None:
        compressed = facts.compressed_bytes
        size = round(compressed * ranges.compression.mid)
        spreads.append(ranges.compression)
        note = "; ".join(filter(None, (note, "estimated from its compressed size")))
    else:
        return None
    low = high = 1.0
    for spread in spreads:
        low, high = low * spread.low / spread.mid, high * spread.high / spread.mid
    shift = nearby.mid if nearby is not None else 1.0
    point = round(size * shift)
    estimate = SizeRange(
        point, round(point * low), round(point * high), round(compressed * shift), (f"base image: {note}",)
    )
    return estimate, f"{where}, read {read}; {note}", read


BUSYBOX = "busybox:musl"
"""The official image whose rootfs distroless's debug tags add in ``/busybox``
(``private/extensions/busybox.bzl``: docker-library's ``latest/musl`` rootfs)."""


def distroless_size(ref: ImageRef) -> tuple[SizeRange, str, str] | None:
    """The size of a ``gcr.io/distroless/...`` image measured from its Debian packages
    (:mod:`dfanalyze.knowledge.distroless`), the source in words and the day it was measured; the
    range is the drift of the package versions the archive holds. A ``debug`` tag adds
    ``busybox:musl``'s size from repo-info, or, when the data lacks it, the spread of the official
    images' root filesystem layers. None when the data does not hold the image."""
    from dfanalyze.knowledge import distroless, image_facts
    from dfanalyze.layers.ranges import compressed_of, range_data

    match = distroless.lookup(ref.registry, ref.repository, ref.tag)
    if match is None:
        return None
    ranges = range_data()
    image = match.image
    source = (
        f"measured from its Debian {image.suite} packages (distroless {match.commit[:12]}, "
        f"{image.name}), {match.measured}"
    )
    basis = [f"base image: {image.name}, the package versions the Debian archive holds"]
    point, low, high, compressed = image.bytes, image.low, image.high, compressed_of(image.bytes, ranges)
    as_of = match.measured
    if match.debug:
        busybox = image_facts.lookup(BUSYBOX)
        if busybox is not None and busybox.uncompressed_bytes is not None:
            size = busybox.uncompressed_bytes
            point, low, high = point + size, low + size, high + size
            compressed += busybox.compressed_bytes or compressed_of(size, ranges)
            read = busybox.read.isoformat()
            source += f" + busybox from repo-info {busybox.image}:{busybox.tag}, read {read}"
            as_of = min(as_of, read)
        else:
            spread = ranges.layer_spread("rootfs")
            point += round(spread.mid)
            low += round(spread.low)
            high += round(spread.high)
            compressed += compressed_of(round(spread.mid), ranges)
            source += " + busybox (its size not in the data: the spread of root filesystem layers)"
            basis.append("base image: busybox of the debug tag, size not in the data")
    return SizeRange(point, low, high, compressed, tuple(basis)), source, as_of


def _image_packages(reference: str) -> dict[str, Any]:
    """What the official image's data says of its Debian or Ubuntu packages, as BaseImage fields:
    the installed set when it was transcribed, else an upper bound by the release's minimal set;
    nothing when its release has no package data."""
    from dfanalyze.knowledge import image_facts
    from dfanalyze.knowledge.debian import suite_of

    facts = image_facts.lookup(reference)
    suite = suite_of(facts.distro, facts.distro_release) if facts is not None else None
    if facts is None or suite is None:
        return {}
    if facts.package_manager == "dpkg" and facts.packages:
        return {"apt_installed": frozenset(facts.packages), "apt_data": suite}
    return {"apt_upper_bound": True, "apt_data": suite}


def installed_packages(builder: LayerBuilder) -> frozenset[str] | None:
    """The Debian packages a stage has so far (None when not known)."""
    if builder.apt_installed is None and builder.apt_suite is not None:
        from dfanalyze.knowledge.debian import load_index

        builder.apt_installed = load_index(builder.apt_suite).base
    return builder.apt_installed


# --- packages ---------------------------------------------------------------------------------------


def unknown_blob(label: str, step: int) -> Blob:
    return Blob(f"pkg:{step}:{label}", label, None, None)


APT_STATE = "apt-state"
"""The blob of apt's and dpkg's databases, which every apt call that changes packages rewrites."""


def apt_state_blob(data: Calibration, *, recommends: bool, debconf: bool) -> Blob:
    """What an apt call rewrites beside the packages (dpkg's status, debconf's templates, the
    linker cache, logs). Its layer bytes are the per-call part of the estimate; the bytes it hides
    of the earlier databases were measured (the base's files an install shadows)."""
    from dfanalyze.knowledge import debian

    size = debian.APT_CALL_OVERHEAD_BYTES + data.apt_call_bytes
    size += data.apt_recommends_bytes if recommends else 0
    rewritten = data.apt_rewrite_bytes + (data.apt_debconf_rewrite_bytes if debconf else 0)
    return Blob(APT_STATE, "apt and dpkg databases", size, rewritten, rewrites=True)


def base_apt_state(data: Calibration) -> Blob:
    """The databases a Debian base image holds, which the first apt call of a build rewrites."""
    size = data.apt_rewrite_bytes + data.apt_debconf_rewrite_bytes
    return Blob(APT_STATE, "apt and dpkg databases of the base image", 0, size)


def apt_install_blobs(
    op: PackageOp, builder: LayerBuilder, base: BaseImage, data: Calibration
) -> tuple[list[Blob], list[tuple[str, int | None]]]:
    """The layer bytes of ``apt-get install`` (the packages, and the databases apt rewrites) and
    what stays unknown about them, each with the most bytes it can add when that is known."""
    from dfanalyze.knowledge.debian import load_index

    names = [p.name if p.version is None else f"{p.name}{p.operator}{p.version}" for p in op.packages]
    label = f"apt-get install {' '.join(p.name for p in op.packages)}"
    installed = installed_packages(builder)
    suite = base.apt_data
    if suite is None:
        return [], [(f"{label}: no package data for this base image", None)]
    index = load_index(suite)
    recommends = not op.no_recommends
    if installed is None and base.apt_upper_bound:
        bound = index.closure(names, recommends=recommends, installed=index.base)
        at_most = _packages_bytes(bound, suite, data)[0]
        at_most += apt_state_blob(data, recommends=recommends, debconf=bound.debconf).tar_bytes or 0
        reason = f"{label}: at most {at_most / 1e6:.1f} MB (the base image's packages are unknown)"
        return [], [(reason, at_most)]
    if installed is None:
        return [], [(f"{label}: no package data for this base image", None)]
    estimate = index.closure(names, recommends=recommends, installed=installed)
    builder.apt_installed = installed | estimate.new_packages
    unknown: list[tuple[str, int | None]] = [
        (f"{label}: {name} is not in the {suite} package data", None) for name in estimate.unknown
    ]
    unknown += [(f"{label}: {name} has no Installed-Size", None) for name in estimate.unsized]
    if not estimate.new_packages:
        return [], unknown
    tar_bytes, data_bytes = _packages_bytes(estimate, suite, data)
    packages = Blob(
        key=f"apt:{builder.step}",
        label=label,
        tar_bytes=tar_bytes,
        data_bytes=data_bytes,
        packages=estimate.new_packages,
    )
    return [packages, apt_state_blob(data, recommends=recommends, debconf=estimate.debconf)], unknown


def _packages_bytes(estimate: AptEstimate, suite: str, data: Calibration) -> tuple[int, int]:
    """The layer (tar) bytes and the data bytes of the packages an install adds: the packages'
    files, apt's per-package part and the ``.pyc`` files of the Python packages."""
    from dfanalyze.knowledge import debian

    python = [p for p in estimate.new_packages if p.startswith(PYTHON_PACKAGES)]
    pyc = round((data.package_bytes(python, suite) or 0) * data.pyc_ratio)
    extra = data.apt_package_bytes * len(estimate.new_packages) + pyc - debian.APT_CALL_OVERHEAD_BYTES
    return estimate.layer_bytes + extra, estimate.installed_size_bytes + pyc

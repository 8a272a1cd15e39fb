"""Make ``data/apt/<distribution>-<suite>/`` (a header and one gzipped file per column) from apt's
package lists.

    python -m tools.make_debian_packages [--suite bookworm] [--download]
    python -m tools.make_debian_packages --distro ubuntu --suite noble

Ubuntu (``--distro ubuntu``): the lists of the components the official ``ubuntu`` image's sources
name (main, universe, restricted, multiverse) are always downloaded, from archive.ubuntu.com and
security.ubuntu.com, and verified with the archive's own ubuntu-keyring package, accepted only
when it verifies the suite's InRelease with Ubuntu's pinned archive signing key. Everything below
says what is done for Debian; Ubuntu is read the same way.

What is read: the amd64 ``main`` Packages lists of the suite and of its ``-updates`` and
``-security`` pockets, the three sources the official ``debian:<suite>`` image is configured
with. apt itself picks the candidate version of every package (``apt-cache dumpavail``), so the
sizes and dependencies are those ``apt-get install`` would use. apt runs with a private
configuration (its own sources list, an empty dpkg status, no binary caches), so nothing the host
has installed or configured leaks in, and the host's apt state is never written. The mirrors are
those the host's apt uses for Debian and Debian-Security (or ``--mirrors ARCHIVE SECURITY``):

- by default the lists are read from the host's ``/var/lib/apt/lists`` when it holds them (a
  Debian host of that suite after ``apt-get update``);
- otherwise, or with ``--download``, they are fetched into a temporary directory by an
  ``apt-get update`` with the same private configuration.

The base set, the packages already in ``debian:<suite>``, is computed the way
``debootstrap --variant=minbase`` chooses them (Priority: required, plus apt, plus
usr-is-merged on bookworm, closed under Depends and Pre-Depends); the official image is built by
debuerreotype, which runs debootstrap with ``--variant=minbase`` and since bullseye adds nothing to
it in the non-slim image.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from dfanalyze.knowledge.debian import (
    ARCHITECTURE,
    DATA_FORMAT,
    DebianIndex,
    data_path,
    provider_rank,
    write_columns,
)

HOST_LISTS = Path("/var/lib/apt/lists")

RESOLUTION = (
    "Each package is the candidate apt picks across the suite and its -updates and -security "
    "pockets (the highest version; apt-cache dumpavail). Depends and Pre-Depends are merged; "
    "':any' qualifiers are dropped. Each alternative of a group 'a | b' is expanded to the real "
    "packages that meet it: first the package of that name, or for a virtual package the "
    "provider apt prefers (Essential first, then Priority required > important > standard > "
    "optional > extra, then name), then every other provider, as apt counts any installed "
    "provider as satisfying. A versioned alternative is met only by a candidate version, or a "
    "versioned Provides, that satisfies it (dpkg's version order); the versions themselves are "
    "not kept. Alternatives nothing meets are dropped, and so is a group the package meets "
    "itself. The estimator walks the dependencies depth first in the order they are listed "
    "(Pre-Depends, Depends, Recommends), as apt does, and takes a group's first member unless a "
    "member is already installed or chosen. A "
    "Depends group nothing can meet keeps its first name (the estimator reports it as unknown); "
    "such Recommends groups are dropped, as apt skips them. A command-line name that is a "
    "virtual package (column provides) selects its provider when it has exactly one; apt "
    "refuses to choose among several."
)

_PRIORITY_LETTERS = {
    "required": "r",
    "important": "i",
    "standard": "s",
    "optional": "o",
    "extra": "x",
}
# The packages whose postinst byte-compiles Python modules (py3compile, from dh_python3, which
# adds a python3 or python3.N dependency), and the interpreter's own standard library.
_PYTHON_VERSION = re.compile(r"python3\.\d+")
_PYTHON_STDLIB = re.compile(r"libpython3\.\d+-(minimal|stdlib)")
_RELATION = re.compile(
    r"(?P<name>[^\s(:\[<]+)(?::\S+)?\s*(?:\(\s*(?P<op><<|<=|=|>=|>>|<|>)\s*(?P<version>[^\s)]+)\s*\))?.*"
)
# The obsolete '<' and '>' mean '<=' and '>=' (Debian policy 7.1).
_OPERATORS = {"<": "<=", ">": ">="}
_VERSION_CHUNK = re.compile(r"(\D*)(\d*)")


def parse_stanzas(text: str) -> Iterator[dict[str, str]]:
    """Split deb822 text (a Packages list) into field dictionaries; continuation lines joined."""
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t"):
                if key:
                    fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            yield fields


Relation = tuple[str, str, str]
"""One alternative of a relation field: name, operator ('' when unversioned), version."""


def relations(field: str) -> list[list[Relation]]:
    """``"a (>= 1) | b:any, c"`` -> ``[[("a", ">=", "1"), ("b", "", "")], [("c", "", "")]]``."""
    groups = []
    for group in field.split(","):
        alternatives = []
        for alternative in group.split("|"):
            match = _RELATION.fullmatch(alternative.strip())
            if match:
                name, op, version = match.group("name", "op", "version")
                alternatives.append((name, _OPERATORS.get(op or "", op or ""), version or ""))
        if alternatives:
            groups.append(alternatives)
    return groups


def relation_groups(field: str) -> list[list[str]]:
    """``"a (>= 1) | b:any, c"`` -> ``[["a", "b"], ["c"]]``: names only, in order."""
    return [[name for name, _, _ in group] for group in relations(field)]


def _order(char: str) -> int:
    """dpkg's character order in the non-digit parts of a version: '~' first, letters next."""
    if char == "~":
        return -1
    return ord(char) if char.isalpha() else ord(char) + 256


def _version_part_key(part: str) -> list[tuple[list[int], int]]:
    return [
        ([_order(c) for c in text] + [0], int(digits or 0))
        for text, digits in _VERSION_CHUNK.findall(part)
        if text or digits
    ]


def compare_versions(a: str, b: str) -> int:
    """Debian version comparison (deb-version(7)): negative, zero or positive, like dpkg's."""
    keys = []
    for version in (a, b):
        epoch, _, rest = version.rpartition(":") if ":" in version else ("0", "", version)
        upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
        keys.append((int(epoch), _version_part_key(upstream), _version_part_key(revision)))
    (epoch_a, *parts_a), (epoch_b, *parts_b) = keys
    if epoch_a != epoch_b:
        return epoch_a - epoch_b
    for left, right in zip(parts_a, parts_b, strict=True):
        width = max(len(left), len(right))
        padding = ([0], 0)
        left_padded = left + [padding] * (width - len(left))
        right_padded = right + [padding] * (width - len(right))
        if left_padded != right_padded:
            return -1 if left_padded < right_padded else 1
    return 0


def satisfies(version: str, op: str, wanted: str) -> bool:
    """Whether ``version`` meets the relation ``op wanted`` (an empty op is always met)."""
    if not op:
        return True
    order = compare_versions(version, wanted)
    return {"<<": order < 0, "<=": order <= 0, "=": order == 0, ">=": order >= 0, ">>": order > 0}[op]


def uri_to_filename(uri: str) -> str:
    """apt's URItoFileName: how a URI is named inside /var/lib/apt/lists."""
    rest = uri.split("://", 1)[-1].rsplit("@", 1)[-1]
    quoted = "".join(f"%{ord(c):02x}" if c in '\\|{}[]<>"^~_=!@#$%^&*' else c for c in rest)
    return quoted.replace("/", "_")


def host_mirrors() -> tuple[str, str]:
    """The Debian archive and security archive this host's apt is configured with."""
    text = subprocess.run(
        ["apt-get", "indextargets", "--format", "$(LABEL)\t$(REPO_URI)", "Created-By: Packages"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = dict(line.split("\t", 1) for line in reversed(text.splitlines()))
    if "Debian" not in found or "Debian-Security" not in found:
        raise SystemExit("no Debian and Debian-Security sources in apt's configuration: pass --mirrors")
    return found["Debian"], found["Debian-Security"]


class Archive(Struct, frozen=True):
    """Where a distribution's packages are read: the archive and security archive, the components
    its official image's sources list, and the keyring that verifies them (None: apt's own)."""

    distro: str
    archive: str
    security: str
    components: tuple[str, ...]
    keyring: Path | None = None


# Ubuntu's archive signing key of 2018 (the key of every current release's InRelease).
UBUNTU_ARCHIVE_KEY = "F6ECB3762474EDA9D21B7022871920D1991BC93C"
UBUNTU_ARCHIVE = "http://archive.ubuntu.com/ubuntu"
UBUNTU_SECURITY = "http://security.ubuntu.com/ubuntu"
# The components of the official ubuntu image's /etc/apt/sources.list.d/ubuntu.sources.
UBUNTU_COMPONENTS = ("main", "universe", "restricted", "multiverse")


def ubuntu_keyring(workdir: Path, archive: str, suite: str) -> Path:
    """The archive's own ubuntu-keyring package, accepted only when it verifies the suite's
    InRelease with the pinned archive key and the Packages index naming it is the one InRelease
    lists (as oracle/make_base.sh does)."""
    import hashlib
    import lzma
    import urllib.request

    def fetch(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=60) as response:
            body: bytes = response.read()
            return body

    inrelease = workdir / "InRelease"
    inrelease.write_bytes(fetch(f"{archive}/dists/{suite}/InRelease"))
    index = fetch(f"{archive}/dists/{suite}/main/binary-amd64/Packages.xz")
    listed = f" {hashlib.sha256(index).hexdigest()} {len(index)} main/binary-amd64/Packages.xz"
    if not any(" ".join(line.split()) == listed.strip() for line in inrelease.read_text().splitlines()):
        raise SystemExit(f"{suite}: main/binary-amd64/Packages.xz is not the one InRelease lists")
    stanza = next(
        s for s in parse_stanzas(lzma.decompress(index).decode()) if s["Package"] == "ubuntu-keyring"
    )
    deb = fetch(f"{archive}/{stanza['Filename']}")
    if hashlib.sha256(deb).hexdigest() != stanza["SHA256"]:
        raise SystemExit("ubuntu-keyring: the package is not the one the index lists")
    (workdir / "keyring.deb").write_bytes(deb)
    subprocess.run(["dpkg-deb", "-x", str(workdir / "keyring.deb"), str(workdir / "x")], check=True)
    keyring = workdir / "x/usr/share/keyrings/ubuntu-archive-keyring.gpg"
    status = subprocess.run(  # gpgv fails on any bad signature; VALIDSIG of the pinned key decides
        check=False,
        args=["gpgv", "--status-fd", "1", "--keyring", str(keyring), str(inrelease)],
        capture_output=True,
        text=True,
    ).stdout
    if f"VALIDSIG {UBUNTU_ARCHIVE_KEY}" not in status:
        raise SystemExit(f"{suite}: InRelease is not signed by the pinned Ubuntu archive key")
    return keyring


class PrivateApt:
    """apt-get and apt-cache run with their own sources, an empty status and no caches."""

    def __init__(self, workdir: Path, suite: str, archive: Archive, lists: Path) -> None:
        self.lists = lists
        components = " ".join(archive.components)
        signed = f"[signed-by={archive.keyring}] " if archive.keyring is not None else ""
        sources = workdir / "sources.list"
        sources.write_text(
            f"deb {signed}{archive.archive} {suite} {components}\n"
            f"deb {signed}{archive.archive} {suite}-updates {components}\n"
            f"deb {signed}{archive.security} {suite}-security {components}\n",
            encoding="utf-8",
        )
        self.pockets = 3 * len(archive.components)
        status = workdir / "status"
        status.write_text("", encoding="utf-8")
        self.options = [
            f"-oDir::Etc::sourcelist={sources}",
            "-oDir::Etc::sourceparts=/nonexistent",
            f"-oDir::State::Lists={lists}",
            f"-oDir::State::status={status}",
            f"-oDir::Cache={workdir / 'cache'}",
            "-oDir::Cache::pkgcache=",
            "-oDir::Cache::srcpkgcache=",
            f"-oAPT::Architecture={ARCHITECTURE}",
            f"-oAPT::Architectures={ARCHITECTURE}",
            "-oAcquire::Languages=none",
            "-oAcquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false",
        ]

    def run(self, tool: str, *args: str) -> str:
        done = subprocess.run([tool, *self.options, *args], check=True, capture_output=True, text=True)
        return done.stdout

    def update(self) -> None:
        (self.lists / "partial").mkdir(parents=True, exist_ok=True)
        self.run("apt-get", "update", "-q")

    def targets(self) -> list[dict[str, str]]:
        """The Packages lists this configuration reads: file, suite, version, Release URI."""
        text = self.run(
            "apt-get",
            "indextargets",
            "--format",
            "$(FILENAME)\t$(RELEASE)\t$(VERSION)\t$(BASE_URI)",
            "Created-By: Packages",
        )
        keys = ("file", "suite", "version", "base_uri")
        return [dict(zip(keys, line.split("\t"), strict=True)) for line in text.splitlines()]

    def has_lists(self) -> bool:
        targets = self.targets()
        return len(targets) == self.pockets and all(Path(t["file"]).exists() for t in targets)

    def release_dates(self) -> list[dict[str, str]]:
        """Each list's suite, point release and the ``Date:`` of its Release file."""
        found = []
        for target in self.targets():
            release = self.lists / uri_to_filename(target["base_uri"] + "InRelease")
            date = next(
                (
                    line.partition(":")[2].strip()
                    for line in release.read_text(encoding="utf-8").splitlines()
                    if line.startswith("Date:")
                ),
                "",
            )
            found.append({"suite": target["suite"], "version": target["version"], "date": date})
        return found


def package_flags(stanza: Mapping[str, str]) -> str:
    """Priority initial, then E (Essential), D (uses debconf) and the Python byte-code class."""
    direct = {name for group in relation_groups(stanza.get("Pre-Depends", "")) for name in group}
    direct |= {name for group in relation_groups(stanza.get("Depends", "")) for name in group}
    flags = _PRIORITY_LETTERS.get(stanza.get("Priority", ""), "-")
    if stanza.get("Essential") == "yes":
        flags += "E"
    if "debconf" in direct:
        flags += "D"
    if _PYTHON_STDLIB.fullmatch(stanza["Package"]):
        flags += "S"
    elif any(name == "python3" or _PYTHON_VERSION.fullmatch(name) for name in direct):
        flags += "Y" if stanza.get("Architecture") == "all" else "X"
    return flags


def build_data(stanzas: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """Packages (one column per field), virtual packages and resolved dependencies."""
    flags = {s["Package"]: package_flags(s) for s in stanzas}
    versions = {s["Package"]: s["Version"] for s in stanzas}
    provided: dict[str, dict[str, str]] = {}  # name -> {provider: provided version or ''}
    for s in stanzas:
        for group in relations(s.get("Provides", "")):
            for virtual, _, version in group:
                provided.setdefault(virtual, {})[s["Package"]] = version

    def satisfiers(name: str, op: str, wanted: str) -> list[str]:
        """Who meets one alternative, apt's choice first: the real package of that name, else
        the preferred provider; then every other provider (apt counts any installed one). A
        versioned relation is met only by a candidate or a versioned Provides that satisfies it."""
        real = name in flags and satisfies(versions[name], op, wanted)
        providers = sorted(
            provider
            for provider, version in provided.get(name, {}).items()
            if provider != name and (not op or (version and satisfies(version, op, wanted)))
        )
        if not real and not providers:
            return []
        first = name if real else min(providers, key=lambda p: provider_rank(p, flags[p]))
        return [first, *(p for p in providers if p != first)]

    def resolve(owner: str, groups: list[list[Relation]], keep_unsatisfiable: bool) -> str:
        out: dict[str, None] = {}
        for group in groups:
            members = [member for relation in group for member in satisfiers(*relation)]
            members = list(dict.fromkeys(members))
            if owner in members:  # satisfied by the package itself (it Provides the name)
                continue
            if members:
                out["|".join(members)] = None
            elif keep_unsatisfiable:
                out[group[0][0]] = None
        return " ".join(out)

    names = sorted(flags)
    by_name = {s["Package"]: s for s in stanzas}
    depends, recommends, sizes = [], [], []
    for name in names:
        s = by_name[name]
        size = s.get("Installed-Size")
        sizes.append(int(size) if size else None)
        groups = relations(s.get("Pre-Depends", "")) + relations(s.get("Depends", ""))
        depends.append(resolve(name, groups, keep_unsatisfiable=True))
        recommends.append(resolve(name, relations(s.get("Recommends", "")), keep_unsatisfiable=False))
    return {
        "packages": {
            "name": names,
            "installed_kib": sizes,
            "depends": depends,
            "recommends": recommends,
            "flags": [flags[name] for name in names],
            "version": [by_name[name]["Version"] for name in names],
            "provides": [
                " ".join(
                    sorted(
                        {
                            virtual
                            for group in relation_groups(by_name[name].get("Provides", ""))
                            for virtual in group
                            if virtual not in flags
                        }
                    )
                )
                for name in names
            ],
        },
    }


def minbase_seeds(suite: str, packages: Mapping[str, list[Any]]) -> list[str]:
    """debootstrap's minbase selection (scripts/debian-common and scripts/gutsy, work_out_debs)."""
    required = [
        name for name, flag in zip(packages["name"], packages["flags"], strict=True) if flag.startswith("r")
    ]
    seeds = [*required, "apt"]
    if suite == "bookworm":
        seeds.append("usr-is-merged")
    return seeds


def generate(suite: str, archive: Archive, download: bool, now: dt.datetime) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dfanalyze-apt-") as tmp:
        workdir = Path(tmp)
        if archive.distro == "ubuntu":
            archive = replace(archive, keyring=ubuntu_keyring(workdir, archive.archive, suite))
            download = True
        apt = PrivateApt(workdir, suite, archive, HOST_LISTS)
        if download or not apt.has_lists():
            apt = PrivateApt(workdir, suite, archive, workdir / "lists")
            apt.update()
        releases = apt.release_dates()
        stanzas = list(parse_stanzas(apt.run("apt-cache", "dumpavail")))
        lists_read = "host" if apt.lists == HOST_LISTS else "downloaded"

    data: dict[str, Any] = {
        "format": DATA_FORMAT,
        "source": {
            "archive": (
                "Debian, and its security archive (the mirrors apt was configured with)"
                if archive.distro == "debian"
                else f"Ubuntu: {archive.archive} and {archive.security}, verified with the "
                f"archive's ubuntu-keyring package checked against the signing key {UBUNTU_ARCHIVE_KEY}"
            ),
            "distribution": archive.distro,
            "suite": suite,
            "component": " ".join(archive.components),
            "architecture": ARCHITECTURE,
            "releases": releases,
            "lists": lists_read,
            "generated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "generator": "python -m tools.make_debian_packages",
        },
        "resolution": RESOLUTION,
        "columns": {
            "name": "package names, sorted; the other columns are parallel to it",
            "installed_kib": "Installed-Size in KiB (null: the archive gives none)",
            "depends": "space-separated groups; 'a|b' is an alternative group, see resolution",
            "recommends": "same layout as depends",
            "flags": "Priority initial (r i s o x, '-' if none), then E: Essential: yes, D: depends "
            "on debconf, Y/X/S: byte-compiles Python modules (Y Architecture all, X with "
            "compiled extensions, S the standard library)",
            "provides": "the virtual package names it Provides (not those of real packages)",
            "version": "the candidate version apt would install (the highest of the pockets)",
        },
    }
    data.update(build_data(stanzas))
    data["base"] = {
        "image": f"{archive.distro}:{suite}",
        "method": (
            "debootstrap --variant=minbase selection: Priority required, apt"
            + (", usr-is-merged" if suite == "bookworm" else "")
            + "; closed under Depends/Pre-Depends with the resolution above. debuerreotype "
            "(which builds the official image) runs debootstrap --variant=minbase "
            "(scripts/debuerreotype-init) and adds no package to non-slim images since "
            "bullseye (examples/debian.sh)."
        ),
        "packages": [],
    }
    seeds = minbase_seeds(suite, data["packages"])
    header = {key: value for key, value in data.items() if key != "packages"}
    base = DebianIndex.from_columns(header, data["packages"]).closure(seeds, recommends=False, installed=())
    data["base"]["packages"] = sorted(base.new_packages)
    if base.unknown:
        raise SystemExit(f"base set has unresolvable dependencies: {base.unknown}")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--suite", default="bookworm")
    parser.add_argument("--distro", choices=("debian", "ubuntu"), default="debian")
    parser.add_argument(
        "--download",
        action="store_true",
        help="fetch the lists into a temporary directory even if the host has them",
    )
    parser.add_argument(
        "--mirrors",
        nargs=2,
        metavar=("ARCHIVE", "SECURITY"),
        help="archive and security archive URIs (default: Debian: those of this host's apt; "
        f"Ubuntu: {UBUNTU_ARCHIVE} {UBUNTU_SECURITY})",
    )
    parser.add_argument("--output", type=Path, help="default: the package's data directory")
    args = parser.parse_args(argv)
    if args.distro == "ubuntu":
        archive_uri, security = args.mirrors or (UBUNTU_ARCHIVE, UBUNTU_SECURITY)
        archive = Archive("ubuntu", archive_uri, security, UBUNTU_COMPONENTS)
    else:
        archive_uri, security = args.mirrors or host_mirrors()
        archive = Archive("debian", archive_uri, security, ("main",))
    data = generate(args.suite, archive, args.download, dt.datetime.now(dt.UTC))
    output: Path = args.output or data_path(args.suite)
    header = {key: value for key, value in data.items() if key != "packages"}
    write_columns(output, header, data["packages"])
    print(
        f"{output}: {len(data['packages']['name'])} packages, "
        f"{len(data['base']['packages'])} in the base set, "
        f"{sum(f.stat().st_size for f in output.iterdir())} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

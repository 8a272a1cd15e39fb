"""Measure the uncompressed size of Google's distroless images from the Debian packages they are
made of, and write ``dfanalyze/knowledge/data/distroless.json``.

    python -m tools.measure_distroless [--git-dir DIR] [--commit SHA] [--output PATH]

What an image holds is read from the distroless repository (a local git snapshot, ``--git-dir``):
the package lists of ``static/config.bzl``, ``base/config.bzl``, ``cc/config.bzl`` and
``python3/config.bzl``, and how the images stack (``static/static.bzl``, ``base/base.bzl``,
``cc/cc.bzl``, ``python3/python.bzl``: base and base-nossl are built on static, cc on base,
python3 on cc). Every image is a stack of layers, one per tar its ``oci_image`` rule lists:

* a Debian package is its ``data.tar`` plus its ``control`` and ``md5sums`` under
  ``/var/lib/dpkg/status.d/`` (``private/repos/deb/package.BUILD.tmpl``: rules_distroless'
  ``dpkg_statusd``), nothing run, no maintainer script;
* static adds what ``common/BUILD.bazel`` and ``static/BUILD`` generate: ``/etc/passwd`` and
  ``/etc/group`` (their entries are read from ``common/BUILD.bazel``), the home directories and
  ``/tmp``, ``/etc/nsswitch.conf`` (``static/nsswitch.conf``), ``os-release`` (``OS_RELEASE`` of
  ``common/variables.bzl``) and the ``cacerts`` layer: the certificates of ``ca-certificates``
  concatenated into ``/etc/ssl/certs/ca-certificates.crt``, its copyright file and status.d entry;
* python3 adds the ``python`` and ``python3`` symlinks and ``python3/ldconfig/ld.so.cache.amd64``.

The packages are the amd64 ``.deb`` files apt downloads today from the Debian archive (the
candidate of the suite and its -updates and -security pockets, as
:class:`tools.make_debian_packages.PrivateApt` configures apt, which verifies the Release
signatures and each file's hash), not the versions distroless pinned at that commit (its lock files,
recorded beside them; snapshot.debian.org is not reachable from the machine this ran on).

Sizes are in the unit of docker's image size and of repo-info's: the apparent size of every regular
file (a hard link once) plus the length of every symlink's target, summed over the layers (a file
two layers write counts twice, as in the image); ``tar_bytes`` is the size of the layers' tar
streams by :func:`dfanalyze.layers.fs.entry_bytes`.

The spread: what a user pulls later differs from what was measured by the security and point
updates of the packages since. The archive keeps several versions of some packages at once (the
point release's in the suite, a newer one in -security or -updates); every version of every
package the pockets hold is measured, and an image's ``low`` and ``high`` are its size with the
smallest and the largest of them (measured on 2026-12-07: at most 0.73% of an image, static-debian12's,
from tzdata 2025b-2026f and ca-certificates 20230311-20250419). The difference between the same
image of two releases (debian13 against debian12: static +12.5%, base +17.2%) is larger, but it is
another image, which the name's suffix already chooses: it is reported in the data for scale, not
used.

Not covered: the java images (their JRE comes from Adoptium's repository and their keystore is made
by a Java program), nodejs (Node.js from nodejs.org), the debug images' busybox (a docker-library
rootfs; dfanalyze takes its size from repo-info's ``busybox:musl``), other architectures.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from functools import cmp_to_key
from io import BytesIO
from pathlib import Path
from typing import Any

from msgspec import Struct

from dfanalyze.knowledge.distroless import DATA_FORMAT, DATA_PATH
from dfanalyze.layers.fs import TAR_END, ChangeKind, entry_bytes
from tools.make_debian_packages import Archive, PrivateApt, compare_versions

GIT_DIR = Path("/work/.mirror/GoogleContainerTools+distroless/repo")
COMMIT = "cd080764af3103b2f49fb5eb23297c72c945e77a"
REPOSITORY = "https://github.com/GoogleContainerTools/distroless"
ARCHIVE = Archive(
    "debian", "http://deb.debian.org/debian", "http://deb.debian.org/debian-security", ("main",)
)
DISTROS = {"debian12": "bookworm", "debian13": "trixie"}
LOCKS = {"": "private/repos/deb/{suite}.lock.json", "python": "private/repos/deb/{suite}_python.lock.json"}


class ImageRule(Struct, frozen=True):
    """One distroless image: the image it is built on, and the config list of its packages."""

    name: str
    parent: str | None
    rule: str
    """The .bzl file whose ``oci_image`` stacks it."""
    config: str
    variable: str
    lock: str = ""
    """The lock file's suffix its packages are pinned in (``LOCKS``)."""


IMAGES = (
    ImageRule("static", None, "static/static.bzl", "static/config.bzl", "STATIC_PACKAGES"),
    ImageRule("base-nossl", "static", "base/base.bzl", "base/config.bzl", "BASE_NOSSL_PACKAGES"),
    ImageRule("base", "static", "base/base.bzl", "base/config.bzl", "BASE_PACKAGES"),
    ImageRule("cc", "base", "cc/cc.bzl", "cc/config.bzl", "CC_PACKAGES"),
    ImageRule("python3", "cc", "python3/python.bzl", "python3/config.bzl", "PYTHON_PACKAGES", "python"),
)
PYTHON_ALIASES = ("/usr/bin/python", "/usr/bin/python3")
"""The symlinks of ``python_alias`` (python3/python.bzl), to ``/usr/bin/python<DISTRO_VERSION>``."""
LDCONFIG_CACHE = "python3/ldconfig/ld.so.cache.amd64"


class Git:
    def __init__(self, git_dir: Path, commit: str) -> None:
        self.git_dir = git_dir
        self.commit = commit

    def show(self, path: str) -> bytes:
        return subprocess.run(
            ["git", "--git-dir", str(self.git_dir), "show", f"{self.commit}:{path}"],
            check=True,
            capture_output=True,
        ).stdout

    def text(self, path: str) -> str:
        return self.show(path).decode()


def literals(source: str) -> dict[str, Any]:
    """The top-level ``NAME = <literal>`` and ``NAME = dict(key = <literal>, ...)`` assignments of a
    Starlark file."""
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict":
                value = ast.Dict(
                    [ast.Constant(k.arg) for k in value.keywords], [k.value for k in value.keywords]
                )
            try:
                found[node.targets[0].id] = ast.literal_eval(value)
            except ValueError:
                continue
    return found


class Files(Struct):
    """What a layer holds: apparent bytes (files and symlink targets) and its tar stream's bytes."""

    bytes: int = 0
    tar_bytes: int = TAR_END

    def add(self, path: str, kind: ChangeKind, size: int) -> None:
        if kind in ("file", "symlink"):
            self.bytes += size
        self.tar_bytes += entry_bytes(path, kind, size if kind == "file" else 0)


def _kind(member: tarfile.TarInfo) -> ChangeKind | None:
    if member.isreg():
        return "file"
    if member.isdir():
        return "dir"
    if member.issym():
        return "symlink"
    if member.islnk():
        return "hardlink"
    return None


def _members(data: bytes) -> Iterator[tarfile.TarInfo]:
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        yield from tar


def _size(member: tarfile.TarInfo, kind: ChangeKind) -> int:
    return len(member.linkname) if kind == "symlink" else member.size


class Package(Struct, frozen=True):
    """One version of a package, measured as the layer distroless makes of it."""

    name: str
    version: str
    bytes: int
    tar_bytes: int
    statusd: tuple[int, int]
    """The bytes and tar bytes of its status.d entry (part of ``bytes``)..."""
    cacerts: tuple[int, int] = (0, 0)
    """... and of its certificates and copyright file (ca-certificates: the cacerts layer)."""


def measure_deb(deb: Path) -> Package:
    """A package's layer as distroless makes it: data.tar, and control and md5sums in status.d."""
    name, version = subprocess.run(
        ["dpkg-deb", "--show", "--showformat", "${Package}\t${Version}", str(deb)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\t")
    layer = Files()
    certificates = copyright_bytes = 0
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
    for member in _members(data):
        kind = _kind(member)
        if kind is None:
            continue
        path = member.name.removeprefix(".")
        layer.add(path, kind, _size(member, kind))
        if kind == "file" and path.startswith("/usr/share/ca-certificates/"):
            certificates += member.size
        if kind == "file" and path == f"/usr/share/doc/{name}/copyright":
            copyright_bytes = member.size
    control = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(deb)], check=True, capture_output=True).stdout
    statusd = Files(tar_bytes=0)
    directory = f"/var/lib/dpkg/status.d/{name}"
    statusd.add("/var/lib/dpkg/status.d", "dir", 0)
    statusd.add(directory, "dir", 0)
    for member in _members(control):
        base = member.name.removeprefix("./")
        if member.isreg() and base in ("control", "md5sums"):
            statusd.add(f"{directory}/{base}", "file", member.size)
    return Package(
        name,
        version,
        layer.bytes + statusd.bytes,
        layer.tar_bytes + statusd.tar_bytes,
        (statusd.bytes, statusd.tar_bytes),
        (certificates, copyright_bytes),
    )


class _Names(ast.NodeTransformer):
    """Replaces the names of ``common/variables.bzl`` by their values (``"gid": ROOT``)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Constant(self.values[node.id]) if node.id in self.values else node


def call_arguments(source: str, function: str, names: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the one top-level call of ``function`` in a Starlark file."""
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == function
        ):
            return {
                k.arg: ast.literal_eval(_Names(names).visit(k.value))
                for k in node.value.keywords
                if k.arg is not None
            }
    raise SystemExit(f"no top-level {function}(...) call")


def passwd_text(entries: Sequence[Mapping[str, Any]]) -> str:
    return "".join(
        f"{e['username']}:{e['password']}:{e['uid']}:{e['gid']}:{','.join(e['gecos'])}:{e['home']}:{e['shell']}\n"
        for e in entries
    )


def group_text(entries: Sequence[Mapping[str, Any]]) -> str:
    return "".join(
        f"{e['name']}:{e['password']}:{e['gid']}:{','.join(e.get('users', []))}\n" for e in entries
    )


def os_release_text(fields: Mapping[str, str], codename: str, version: str) -> str:
    return "".join(
        f'{key}="{value.format(CODENAME=codename, VERSION=version)}"\n' for key, value in fields.items()
    )


def generated_files(git: Git, distro: str) -> Files:
    """The files static's rules generate besides the packages and the cacerts layer: one tar each
    (rootfs, passwd, home, group, tmp, nsswitch, os_release), counted as one layer's bytes."""
    variables = literals(git.text("common/variables.bzl"))
    common = git.text("common/BUILD.bazel")
    codename, version = next(
        (c, v) for d, c, v in literals(git.text("distro.bzl"))["VERSIONS"] if d == distro
    )
    files = Files(tar_bytes=0)
    tars = 0
    contents = {
        "/etc/passwd": passwd_text(call_arguments(common, "passwd", variables)["entries"]),
        "/etc/group": group_text(call_arguments(common, "group", variables)["entries"]),
        "/etc/nsswitch.conf": git.text("static/nsswitch.conf"),
        "/etc/os-release": os_release_text(variables["OS_RELEASE"], codename, version),
    }
    for path, text in contents.items():
        files.add("/etc", "dir", 0)
        files.add(path, "file", len(text.encode()))
        tars += 1
    for home in call_arguments(common, "home", variables)["dirs"]:
        files.add(home["home"], "dir", 0)
    files.add("/tmp", "dir", 0)
    files.add("/", "dir", 0)
    tars += 3  # home, tmp, rootfs
    files.tar_bytes += tars * TAR_END
    return files


def accounts(git: Git) -> dict[str, Any]:
    """The users and groups of every distroless image's ``/etc/passwd`` and ``/etc/group``."""
    variables = literals(git.text("common/variables.bzl"))
    common = git.text("common/BUILD.bazel")
    return {
        "users": [e["username"] for e in call_arguments(common, "passwd", variables)["entries"]],
        "groups": [e["name"] for e in call_arguments(common, "group", variables)["entries"]],
        "source": "common/BUILD.bazel (the passwd and group rules)",
    }


def cacerts_layer(package: Package) -> tuple[int, int]:
    """rules_distroless' ``cacerts`` of ca-certificates (its certificates concatenated into
    ``/etc/ssl/certs/ca-certificates.crt``, its copyright file) with the package's status.d entry:
    bytes and tar bytes."""
    certificates, copyright_bytes = package.cacerts
    files = Files()
    for directory in ("/etc", "/etc/ssl", "/etc/ssl/certs", "/usr/share/doc/ca-certificates"):
        files.add(directory, "dir", 0)
    files.add("/etc/ssl/certs/ca-certificates.crt", "file", certificates)
    files.add("/usr/share/doc/ca-certificates/copyright", "file", copyright_bytes)
    return files.bytes + package.statusd[0], files.tar_bytes + package.statusd[1]


def madison_versions(apt: PrivateApt, name: str) -> list[str]:
    """Every version of ``name`` the suite's pockets hold, the candidate (highest) first."""
    versions = {line.split("|")[1].strip() for line in apt.run("apt-cache", "madison", name).splitlines()}
    if not versions:
        raise SystemExit(f"{name}: not in the archive")
    return sorted(versions, key=cmp_to_key(compare_versions), reverse=True)


def download(apt: PrivateApt, workdir: Path, name: str, version: str) -> Path:
    """``apt-get download`` (apt checks the file against the hash of the verified index)."""
    target = workdir / "debs" / f"{name}_{version.replace(':', '%3a')}"
    target.mkdir(parents=True, exist_ok=True)
    command = ["apt-get", *apt.options, "download", "-q", f"{name}={version}"]
    subprocess.run(command, cwd=target, check=True, capture_output=True)
    (deb,) = target.glob("*.deb")
    return deb


class Layer(Struct, frozen=True):
    """A layer of an image: a package (all its versions in the archive) or generated files."""

    name: str
    bytes: int
    low: int
    high: int
    tar_bytes: int
    version: str | None = None
    pinned: str | None = None
    versions: Mapping[str, int] | None = None


def package_layer(name: str, measured: Sequence[Package], pinned: str | None, cacerts: bool = False) -> Layer:
    sizes = {p.version: cacerts_layer(p) if cacerts else (p.bytes, p.tar_bytes) for p in measured}
    candidate = measured[0].version
    return Layer(
        "cacerts (ca-certificates)" if cacerts else name,
        sizes[candidate][0],
        min(b for b, _ in sizes.values()),
        max(b for b, _ in sizes.values()),
        sizes[candidate][1],
        candidate,
        pinned,
        {version: size for version, (size, _) in sizes.items()},
    )


def pinned_versions(git: Git, suite: str, lock: str) -> dict[str, str]:
    data = json.loads(git.text(LOCKS[lock].format(suite=suite)))
    return {p["name"]: p["version"] for p in data["packages"] if p["arch"] == "amd64"}


def measure_distro(git: Git, distro: str, workdir: Path) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The images of one Debian release, each with its own layers and its total (with its parent's)."""
    suite = DISTROS[distro]
    apt = PrivateApt(workdir, suite, ARCHIVE, workdir / "lists")
    apt.update()
    measured: dict[str, list[Package]] = {}

    def versions(name: str) -> list[Package]:
        if name not in measured:
            measured[name] = [
                measure_deb(download(apt, workdir, name, v)) for v in madison_versions(apt, name)
            ]
        return measured[name]

    images: dict[str, Any] = {}
    generated = generated_files(git, distro)
    for rule in IMAGES:
        packages = literals(git.text(rule.config))[rule.variable].get(distro)
        if packages is None:
            continue
        pins = pinned_versions(git, suite, rule.lock)
        layers = [package_layer(name, versions(name), pins.get(name)) for name in packages]
        if rule.name == "static":
            layers.append(
                Layer(
                    "generated files", generated.bytes, generated.bytes, generated.bytes, generated.tar_bytes
                )
            )
            layers.append(
                package_layer(
                    "ca-certificates", versions("ca-certificates"), pins.get("ca-certificates"), cacerts=True
                )
            )
        if rule.name == "python3":
            extra = Files()
            python = literals(git.text("python3/python.bzl"))["DISTRO_VERSION"][distro]
            for alias in PYTHON_ALIASES:
                extra.add(alias, "symlink", len(f"/usr/bin/python{python}"))
            cache = len(git.show(LDCONFIG_CACHE))
            extra.add("/etc/ld.so.cache", "file", cache)
            layers.append(
                Layer(
                    "python aliases and ld.so.cache",
                    extra.bytes,
                    extra.bytes,
                    extra.bytes,
                    extra.tar_bytes + TAR_END,
                )
            )
        parent = images[f"{rule.parent}-{distro}"] if rule.parent else None
        totals = {
            key: sum(getattr(layer, key) for layer in layers) + (parent[key] if parent else 0)
            for key in ("bytes", "low", "high", "tar_bytes")
        }
        images[f"{rule.name}-{distro}"] = {
            "suite": suite,
            "built_on": f"{rule.parent}-{distro}" if rule.parent else None,
            **totals,
            "rule": rule.rule,
            "packages_from": f"{rule.config} {rule.variable}[{distro!r}]",
            "layers": [_layer_json(layer) for layer in layers],
        }
    return images, apt.release_dates()


def _layer_json(layer: Layer) -> dict[str, Any]:
    fields = {
        "name": layer.name,
        "bytes": layer.bytes,
        "low": layer.low,
        "high": layer.high,
        "tar_bytes": layer.tar_bytes,
        "version": layer.version,
        "pinned": layer.pinned,
        "versions": dict(sorted(layer.versions.items())) if layer.versions else None,
    }
    return {key: value for key, value in fields.items() if value is not None}


_DEFAULT = re.compile(r"without the distribution will currently select `-(debian\d+)`")


def generate(git: Git, today: dt.date) -> dict[str, Any]:
    readme = git.text("README.md")
    default = _DEFAULT.search(readme)
    if default is None:
        raise SystemExit("README.md: no sentence naming the default distribution")
    images: dict[str, Any] = {}
    releases: dict[str, Any] = {}
    for distro, suite in DISTROS.items():
        with tempfile.TemporaryDirectory(prefix="dfanalyze-distroless-") as tmp:
            found, releases[suite] = measure_distro(git, distro, Path(tmp))
        images.update(found)
    files = sorted(
        {"README.md", "distro.bzl", "common/BUILD.bazel", "common/variables.bzl", "static/nsswitch.conf"}
        | {r.rule for r in IMAGES}
        | {r.config for r in IMAGES}
        | {LDCONFIG_CACHE, "python3/python.bzl"}
        | {
            LOCKS[r.lock].format(suite=s)
            for r in IMAGES
            for s in DISTROS.values()
            if r.lock == "" or s == "trixie"
        }
    )
    return {
        "format": DATA_FORMAT,
        "measured": today.isoformat(),
        "generator": "python -m tools.measure_distroless",
        "source": {
            "repository": REPOSITORY,
            "commit": git.commit,
            "files": files,
            "archive": f"{ARCHIVE.archive} and {ARCHIVE.security}: the suite and its -updates and -security "
            "pockets, main, amd64; apt verified the Release signatures and each .deb's hash",
            "releases": releases,
        },
        "default_distro": default.group(1),
        "accounts": accounts(git),
        "default_source": "README.md: an image named without -debianNN selects that release",
        "method": METHOD,
        "spread": f"{SPREAD} {spread_note(images)}",
        "not_measured": NOT_MEASURED,
        "images": dict(sorted(images.items())),
    }


def spread_note(images: Mapping[str, Mapping[str, Any]]) -> str:
    """The spreads measured, in words: the widest image's, and, for scale, how far the same image
    is between the two releases (a different image: not a spread of either)."""
    widths = {name: (image["high"] - image["low"]) / image["bytes"] for name, image in images.items()}
    widest = max(sorted(widths), key=widths.__getitem__)
    releases = [
        (name, images[f"{name}-debian13"]["bytes"] / images[f"{name}-debian12"]["bytes"] - 1)
        for name in ("static", "base-nossl", "base", "cc")
    ]
    between = ", ".join(f"{name} {100 * change:+.1f}%" for name, change in releases)
    return (
        f"Measured: the widest range is {widest}'s, {100 * widths[widest]:.2f}% of its size; "
        f"{sum(1 for w in widths.values() if w == 0)} of {len(widths)} images have one version of every "
        f"package. For scale, debian13 against debian12 (another release, not a drift of either, so not "
        f"used): {between}."
    )


METHOD = (
    "Each image is the layers its oci_image rule stacks on its parent (static: none; base and "
    "base-nossl: static; cc: base; python3: cc). A package's layer is its data.tar plus control and "
    "md5sums in /var/lib/dpkg/status.d/<name>/ (rules_distroless dpkg_statusd); static adds the "
    "generated /etc/passwd, /etc/group, /etc/nsswitch.conf, os-release, the home directories, /tmp, "
    "and the cacerts layer (the certificates of ca-certificates concatenated into "
    "/etc/ssl/certs/ca-certificates.crt, its copyright file, its status.d entry); python3 adds the "
    "python/python3 symlinks and python3/ldconfig/ld.so.cache.amd64. bytes: the apparent size of "
    "the regular files (a hard link once) plus the symlinks' target lengths, summed over the layers "
    "(the unit of docker's image size and of repo-info's); tar_bytes: the layers' tar streams "
    "(dfanalyze.layers.fs.entry_bytes). version: the candidate apt picks today; pinned: the version "
    "distroless's lock file pins at the commit (not downloadable here: snapshot.debian.org)."
)
SPREAD = (
    "What a user pulls later differs from the measured versions by the packages' security and "
    "point updates. The pockets hold several versions of some packages at once (the point "
    "release's in the suite, a newer one in -security or -updates, sometimes an older one in "
    "-updates); every one was downloaded and measured (versions), and an image's low and high are "
    "its size with each package's smallest and largest version: the drift the archive itself shows "
    "between updates of the same release."
)
NOT_MEASURED = (
    "java images (the JRE comes from Adoptium's repository, the keystore is made by a Java program), "
    "nodejs (Node.js from nodejs.org), and the debug images' busybox (a docker-library rootfs: "
    "dfanalyze adds repo-info's size of busybox:musl); other architectures than amd64."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--git-dir", type=Path, default=GIT_DIR, help="a git snapshot of the distroless repository"
    )
    parser.add_argument("--commit", default=COMMIT)
    parser.add_argument("--output", type=Path, default=DATA_PATH)
    args = parser.parse_args(argv)
    data = generate(Git(args.git_dir, args.commit), dt.datetime.now(dt.UTC).date())
    args.output.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    for name, image in data["images"].items():
        print(f"{name}: {image['bytes']} bytes ({image['low']}-{image['high']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Measure real ``apt-get install`` layers and compare them with the estimator.

    sudo .venv/bin/python -m tools.calibrate_apt [--workdir /var/tmp/dfa-apt-calib]

Needs root, debootstrap, buildah and Debian's archive; writes ``data/apt-calibration.json``.
Never run by the tests (they read the committed JSON). ``--reuse`` re-runs only the estimator
on the committed measurements, with no root and no network.

1. A base like the official ``debian:bookworm`` image: ``debootstrap --variant=minbase bookworm``,
   then what debuerreotype does to it: the suite, -updates and -security sources, a full-upgrade,
   the Docker apt/dpkg settings (no .deb cache and no binary caches, gzip-kept lists, no
   translations, dpkg's force-unsafe-io, policy-rc.d), and the removal of apt's lists and caches
   and of the bootstrap logs. buildah imports it as a one-layer image.
2. For each package set, ``buildah bud`` (chroot isolation) of ``FROM`` that image and the usual
   ``RUN apt-get update && apt-get install -y --no-install-recommends PKGS && rm -rf
   /var/lib/apt/lists/*``.
3. The measurement is that RUN layer as containers/storage records it: ``diff-size``, the length
   of its uncompressed tar, the size Docker and buildah report. Its overlay directory tells the
   new packages (its copy of the dpkg status), the .pyc files py3compile wrote (matched to the
   package that ships the .py) and debconf's cache files. A real overlay matters: debconf opens
   its databases read-write in every install, which copies them up even unchanged, and a
   before/after comparison of a plain directory tree misses that (about 760 KB on this base).
4. The estimator (``apt_install_closure`` on the base set, ``layer_bytes``) is run on the same
   names; its package set, bytes and error are recorded beside the measurement, and the
   constants the measurements imply are printed for debian.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dfanalyze.knowledge.debian import (
    APT_CALL_OVERHEAD_BYTES,
    APT_PACKAGE_OVERHEAD_BYTES,
    DATA_DIR,
    DEBCONF_CACHE_BYTES,
    PYC_BYTES_PER_INSTALLED_BYTE,
    apt_install_closure,
    load_index,
)
from tools.make_debian_packages import host_mirrors

SUITE = "bookworm"
PACKAGE_SETS: tuple[tuple[str, ...], ...] = (
    ("curl",),
    ("git",),
    ("python3",),
    ("build-essential",),
    ("ca-certificates",),
    ("wget",),
    ("openssh-client",),
    ("gnupg",),
    ("procps", "less", "unzip"),
    ("nginx",),
    ("python3-pip",),
    ("libpq-dev", "gcc"),
    ("python3-numpy",),
    ("locales",),
    ("nodejs",),
    ("default-jre-headless",),
)
OUTPUT = DATA_DIR / "apt-calibration.json"

STORAGE = Path("/var/lib/containers/storage")
BASE_IMAGE = f"localhost/dfanalyze-calibration-base:{SUITE}"
PROBE_IMAGE = "localhost/dfanalyze-calibration-probe"
_PYC = re.compile(r"\.cpython-\d+(\.opt-\d)?\.pyc$")

# The official image's apt and dpkg settings (debuerreotype-minimizing-config), file -> content.
_OFFICIAL_SETTINGS = {
    "etc/apt/apt.conf.d/docker-clean": (
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
        '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
        '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
    ),
    "etc/apt/apt.conf.d/docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "etc/apt/apt.conf.d/docker-no-languages": 'Acquire::Languages "none";\n',
    "etc/apt/apt.conf.d/docker-autoremove-suggests": ('Apt::AutoRemove::SuggestsImportant "false";\n'),
    "etc/dpkg/dpkg.cfg.d/docker-apt-speedup": "force-unsafe-io\n",
    "usr/sbin/policy-rc.d": "#!/bin/sh\nexit 101\n",
}
# What debuerreotype removes before it packs the image (debuerreotype-fixup, .tar-exclude).
_REMOVED_FROM_IMAGE = (
    "var/log/dpkg.log",
    "var/log/bootstrap.log",
    "var/log/alternatives.log",
    "var/cache/ldconfig/aux-cache",
    "var/log/apt/history.log",
    "var/log/apt/term.log",
)


def chroot(root: Path, script: str) -> None:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
    # As in a container: /proc, and a pty for apt's term.log.
    mounts = (["-t", "proc", "proc", str(root / "proc")], ["--bind", "/dev/pts", str(root / "dev/pts")])
    for mount in mounts:
        subprocess.run(["mount", *mount], check=True)
    try:
        subprocess.run(["chroot", str(root), "sh", "-ec", script], check=True, env=env)
    finally:
        for mount in reversed(mounts):
            subprocess.run(["umount", mount[-1]], check=True)


def make_base(base: Path) -> None:
    """The debian:bookworm look-alike (see the module docstring), built once per workdir."""
    fresh = base.with_name(base.name + ".partial")
    shutil.rmtree(fresh, ignore_errors=True)
    archive, security = host_mirrors()
    subprocess.run(
        ["debootstrap", "--variant=minbase", SUITE, str(fresh), archive],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for name, content in _OFFICIAL_SETTINGS.items():
        path = fresh / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        path.chmod(0o755 if name.endswith("policy-rc.d") else 0o644)
    keyring = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    (fresh / "etc/apt/sources.list.d/debian.sources").write_text(
        f"Types: deb\nURIs: {archive}\nSuites: {SUITE} {SUITE}-updates\nComponents: main\n{keyring}\n"
        f"Types: deb\nURIs: {security}\nSuites: {SUITE}-security\nComponents: main\n{keyring}",
        encoding="utf-8",
    )
    (fresh / "etc/apt/sources.list").unlink()  # replaced by debian.sources, as in the image
    shutil.copy("/etc/resolv.conf", fresh / "etc/resolv.conf")
    chroot(fresh, "apt-get update -qq && apt-get full-upgrade -y -qq")
    for name in _REMOVED_FROM_IMAGE:
        (fresh / name).unlink(missing_ok=True)
    for folder in ("var/cache/apt", "var/lib/apt/lists"):
        for child in (fresh / folder).iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    fresh.rename(base)


def dpkg_packages(dpkg_dir: Path) -> set[str]:
    """Installed package names in a dpkg database directory (one with a status file)."""
    out = subprocess.run(
        ["dpkg-query", f"--admindir={dpkg_dir}", "-W", "-f", "${Package}\\n"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def buildah(*args: str) -> str:
    env = {**os.environ, "BUILDAH_ISOLATION": "chroot"}
    return subprocess.run(
        ["buildah", *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def import_base(base: Path) -> None:
    """The base tree as a one-layer image, like ``docker import`` of the official tarball."""
    container = buildah("from", "scratch")
    try:
        buildah("copy", container, str(base), "/")
        buildah("commit", "--quiet", container, BASE_IMAGE)
    finally:
        buildah("rm", container)


def top_layer(image: str) -> dict[str, Any]:
    """containers/storage's record of an image's top layer (id, parent, diff-size)."""
    image_id = buildah("inspect", "--type", "image", "--format", "{{.FromImageID}}", image)
    images = json.loads((STORAGE / "overlay-images/images.json").read_text(encoding="utf-8"))
    layer_id = next(entry["layer"] for entry in images if entry["id"] == image_id)
    layers = json.loads((STORAGE / "overlay-layers/layers.json").read_text(encoding="utf-8"))
    layer: dict[str, Any] = next(entry for entry in layers if entry["id"] == layer_id)
    return layer


def measure(workdir: Path, packages: Sequence[str], base_packages: set[str]) -> dict[str, Any]:
    """Build one RUN apt-get install layer; its size and what it holds."""
    context = workdir / "context"
    context.mkdir(parents=True, exist_ok=True)
    (context / "Containerfile").write_text(
        f"FROM {BASE_IMAGE}\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        + " ".join(packages)
        + " && rm -rf /var/lib/apt/lists/*\n",
        encoding="utf-8",
    )
    buildah("bud", "--quiet", "--layers=false", "-t", PROBE_IMAGE, str(context))
    try:
        layer = top_layer(PROBE_IMAGE)
        diff = STORAGE / "overlay" / layer["id"] / "diff"
        installed = sorted(dpkg_packages(diff / "var/lib/dpkg") - base_packages)
        return {
            "packages": list(packages),
            "new_package_names": installed,
            "layer_bytes": layer["diff-size"],
            **generated_files(diff),
        }
    finally:
        buildah("rmi", PROBE_IMAGE)


def generated_files(diff: Path) -> dict[str, Any]:
    """Bytes in a layer that no package ships: .pyc per owning package, debconf's caches."""
    owners = {}
    for listing in (diff / "var/lib/dpkg/info").glob("*.list"):
        package = listing.name.removesuffix(".list").split(":")[0]
        for line in listing.read_text(encoding="utf-8").splitlines():
            owners[line.lstrip("/")] = package
    pyc: dict[str, int] = {}
    for path in diff.rglob("__pycache__/*.pyc"):
        module = _PYC.sub(".py", path.name)
        source = path.parent.parent.relative_to(diff) / module
        owner = owners.get(str(source), "(no owner)")
        pyc[owner] = pyc.get(owner, 0) + path.lstat().st_size
    debconf = sum(f.lstat().st_size for f in (diff / "var/cache/debconf").glob("*") if f.is_file())
    return {"pyc_bytes_by_package": dict(sorted(pyc.items())), "debconf_cache_bytes": debconf}


def evaluate(measured: dict[str, Any], base: frozenset[str]) -> dict[str, Any]:
    """The estimator's answer for one measured set, and its error against the real layer."""
    estimate = apt_install_closure(measured["packages"], recommends=False, installed=base)
    real = set(measured["new_package_names"])
    return {
        "new_packages": len(estimate.new_packages),
        "installed_size_bytes": estimate.installed_size_bytes,
        "generated_bytes": estimate.generated_bytes,
        "layer_bytes": estimate.layer_bytes,
        "unknown": list(estimate.unknown),
        "closure_missing": sorted(real - estimate.new_packages),
        "closure_extra": sorted(estimate.new_packages - real),
        "error": (estimate.layer_bytes - measured["layer_bytes"]) / measured["layer_bytes"],
    }


def fit_constants(sets: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The estimator's constants, from the measurements (see debian.py for their meaning).

    The byte-code ratios pool each class's .pyc bytes over its packages' Installed-Size. The
    debconf constant is what sets with a debconf user (flag D) hold in debconf's caches beyond
    the sets without one (medians). The per-call and per-package overheads are a least-squares
    line through what is left of each layer once Installed-Size and those two are taken off.
    """
    index = load_index()
    pyc_bytes = dict.fromkeys(PYC_BYTES_PER_INSTALLED_BYTE, 0)
    installed_bytes = dict.fromkeys(PYC_BYTES_PER_INSTALLED_BYTE, 0)
    seen: set[str] = set()
    for measured in (s["measured"] for s in sets):
        for package in measured["new_package_names"]:
            kind = next((k for k in pyc_bytes if k in index.flags(package)), None)
            if kind is None or package in seen:
                continue
            seen.add(package)
            pyc_bytes[kind] += measured["pyc_bytes_by_package"].get(package, 0)
            installed_bytes[kind] += 1024 * (index.installed_kib(package) or 0)

    def uses_debconf(measured: dict[str, Any]) -> bool:
        return any("D" in index.flags(name) for name in measured["new_package_names"])

    debconf = {
        user: [s["measured"]["debconf_cache_bytes"] for s in sets if uses_debconf(s["measured"]) == user]
        for user in (True, False)
    }
    debconf_extra = round(statistics.median(debconf[True]) - statistics.median(debconf[False]))
    xs = [float(len(s["measured"]["new_package_names"])) for s in sets]
    ys = [
        float(
            s["measured"]["layer_bytes"]
            - s["predicted"]["installed_size_bytes"]
            - sum(s["measured"]["pyc_bytes_by_package"].values())
            - (debconf_extra if uses_debconf(s["measured"]) else 0)
        )
        for s in sets
    ]
    slope, intercept = statistics.linear_regression(xs, ys)
    return {
        "APT_CALL_OVERHEAD_BYTES": round(intercept),
        "APT_PACKAGE_OVERHEAD_BYTES": round(slope),
        "DEBCONF_CACHE_BYTES": debconf_extra,
        "PYC_BYTES_PER_INSTALLED_BYTE": {
            kind: round(pyc_bytes[kind] / installed_bytes[kind], 2) if installed_bytes[kind] else 0.0
            for kind in pyc_bytes
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--workdir", type=Path, default=Path("/var/tmp/dfa-apt-calib"))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the measurements in --output, only re-run the estimator (no root needed)",
    )
    args = parser.parse_args(argv)
    index = load_index()
    if args.reuse:
        previous = json.loads(args.output.read_text(encoding="utf-8"))
        base_info = previous["base"]
        wanted = [list(packages) for packages in PACKAGE_SETS]
        measured = [s["measured"] for s in previous["sets"] if s["measured"]["packages"] in wanted]
    else:
        base = args.workdir / "base"
        if not base.is_dir():
            make_base(base)
        import_base(base)
        base_packages = dpkg_packages(base / "var/lib/dpkg")
        base_info = {
            "made_by": "debootstrap --variant=minbase bookworm, the official image's apt/dpkg "
            "settings, full-upgrade, then apt lists, caches and bootstrap logs removed; "
            "imported by buildah as one layer",
            "packages": sorted(base_packages),
            "measured_on": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
            "buildah": buildah("--version"),
        }
        try:
            measured = [measure(args.workdir, packages, base_packages) for packages in PACKAGE_SETS]
        finally:
            buildah("rmi", BASE_IMAGE)
    base_info["same_as_data_base_set"] = set(base_info["packages"]) == index.base

    sets = [{"measured": m, "predicted": evaluate(m, index.base)} for m in measured]
    errors = sorted(abs(s["predicted"]["error"]) for s in sets)
    result = {
        "what": (
            "buildah layer diff-size (uncompressed tar bytes) of RUN apt-get update && apt-get "
            "install -y --no-install-recommends PKGS && rm -rf /var/lib/apt/lists/*"
        ),
        "base": base_info,
        "data_file_releases": index.header["source"]["releases"],
        "constants_used": {
            "APT_CALL_OVERHEAD_BYTES": APT_CALL_OVERHEAD_BYTES,
            "APT_PACKAGE_OVERHEAD_BYTES": APT_PACKAGE_OVERHEAD_BYTES,
            "DEBCONF_CACHE_BYTES": DEBCONF_CACHE_BYTES,
            "PYC_BYTES_PER_INSTALLED_BYTE": PYC_BYTES_PER_INSTALLED_BYTE,
        },
        "constants_fitted": fit_constants(sets),
        "sets": sets,
        "abs_error": {"median": statistics.median(errors), "worst": errors[-1]},
    }
    args.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for s in sets:
        print(
            f"{' '.join(s['measured']['packages']):28} "
            f"predicted {s['predicted']['layer_bytes']:>12,} "
            f"measured {s['measured']['layer_bytes']:>12,} error {s['predicted']['error']:+.1%}"
        )
    print("constants the measurements imply:", json.dumps(result["constants_fitted"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

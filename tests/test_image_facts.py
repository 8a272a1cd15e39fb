"""The base-image facts from repo-info: the data file, its generator and the reader.

The data file is checked three ways: its schema (every entry has its fields with their types,
every alias resolves, every fact has a source, sizes are positive and consistent), its freshness
(``tools/make_base_images.py`` run on the committed sources gives the committed bytes) and the
size unit the generator chose (repo-info's "Mb" is 10**6 bytes: the apk installed sizes of the
alpine images and the Debian archive's Installed-Size of the debian images agree with it).
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dfanalyze.knowledge import image_facts
from dfanalyze.knowledge.debian import load_index
from dfanalyze.knowledge.image_facts import DATA_FILE, ImageConfig, Layer, lookup, platform_key
from tools import make_base_images as gen

COMMIT = re.compile(r"[0-9a-f]{40}")
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(gzip.decompress(DATA_FILE.read_bytes()))
    return decoded


def _entries(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, entry) for name, image in data["images"].items() for entry in image["entries"]]


# --- the data file --------------------------------------------------------------------------------


def test_data_file_is_what_the_sources_give() -> None:
    """Staleness: regenerate from tools/sources/repo-info and compare bytes with the committed file."""
    assert gen.encode(gen.build(gen.load_sources())) == DATA_FILE.read_bytes(), (
        "run python tools/make_base_images.py"
    )


def test_every_source_file_is_in_the_data(data: dict[str, Any]) -> None:
    files = sorted(gen.SOURCES.glob("*.toml"))
    assert {path.stem for path in files} == set(data["images"])
    # the bases issue 13 names, each with at least one tag
    bases = ("ubuntu", "alpine", "debian", "python", "node", "centos", "golang", "php", "ruby")
    bases += ("buildpack-deps", "openjdk", "nginx", "busybox", "amazonlinux", "eclipse-temurin", "fedora")
    for must in bases:
        assert data["images"][must]["entries"], must


def _check_source(source: dict[str, str], repository: str, prefix: str, where: str) -> None:
    assert source["repository"] == repository, where
    assert COMMIT.fullmatch(source["commit"]), where
    assert source["path"].startswith(prefix) and source["path"].endswith(".md"), where


def test_entry_schema(data: dict[str, Any]) -> None:
    assert data["format"] == image_facts.DATA_FORMAT
    assert data["local_arch"] == "amd64"
    sets = data["package_sets"]
    assert all(isinstance(s, dict) and s for s in sets)
    assert len({tuple(sorted(s.items())) for s in sets}) == len(sets), "package sets are stored once"
    entries = _entries(data)
    assert len(entries) >= 120
    for name, entry in entries:
        where = f"{name}:{entry['tags'][0]}"
        assert entry["tags"] and all(isinstance(t, str) and t for t in entry["tags"]), where
        assert "amd64" in entry["architectures"], where
        date.fromisoformat(entry["read"])
        official = entry["official"]
        assert COMMIT.fullmatch(official["git_commit"]) and official["git_repo"].startswith("https://"), where
        library = official["library"]
        assert library["repository"] == "docker-library/official-images", where
        assert COMMIT.fullmatch(library["commit"]) and library["path"] == f"library/{name}", where
        assert (entry["distro"] is None) == (entry["distro_from"] is None), where
        assert entry["distro_release"] is None or entry["distro"] is not None, where
        assert entry["local"] is not None or entry["remote"], where
        local = entry["local"]
        if local is not None:
            _check_source(local["source"], "docker-library/repo-info", f"repos/{name}/local/", where)
            assert isinstance(local["uncompressed_bytes"], int) and local["uncompressed_bytes"] > 0, where
            assert re.fullmatch(r"~ \d+(\.\d+)? [KMG]b|\d+ bytes", local["virtual_size"]), where
            assert ISO_TIME.fullmatch(local["created"]), where
            assert local["package_manager"] in {"dpkg", "apk", "rpm", "none"}, where
            packages = local["packages"]
            assert packages is None or 0 <= packages < len(sets), where
            if local["package_manager"] == "none":
                assert packages is None, where
            if "package_bytes" in local:
                assert set(local["package_bytes"]) == set(sets[packages]), where
                assert all(isinstance(n, int) and n > 0 for n in local["package_bytes"].values()), where
            assert set(local["config"]) <= set(gen.CONFIG_KEYS), where
        for arch, remote in entry["remote"].items():
            assert arch in entry["architectures"], where
            _check_source(remote["source"], "docker-library/repo-info", f"repos/{name}/remote/", where)
            layers = remote["layers"]
            assert layers and all(size >= 0 and isinstance(text, str) for size, text in layers), where
            assert remote["compressed_bytes"] == sum(size for size, _ in layers) > 0, where
            assert "created" not in remote or ISO_TIME.fullmatch(remote["created"]), where
            assert set(remote["config"]) <= set(gen.CONFIG_KEYS), where
        if local is not None and "amd64" in entry["remote"]:
            assert entry["remote"]["amd64"]["compressed_bytes"] < local["uncompressed_bytes"], where


def test_every_alias_resolves_to_its_entry(data: dict[str, Any]) -> None:
    for name, image in data["images"].items():
        entries = image["entries"]
        for alias, index in image["tags"].items():
            assert alias in entries[index]["tags"], f"{name}:{alias}"
        assert sum(len(e["tags"]) for e in entries) == len(image["tags"]), f"{name}: an alias is shared"


def test_chains_of_build_images_grow(data: dict[str, Any]) -> None:
    """buildpack-deps: -curl < -scm < full, each a layer more on the same base layers."""
    image = data["images"]["buildpack-deps"]
    for release in ("bookworm", "trixie", "jammy", "noble"):
        chain = [image["entries"][image["tags"][t]] for t in (f"{release}-curl", f"{release}-scm", release)]
        sizes = [e["local"]["uncompressed_bytes"] for e in chain]
        assert sizes == sorted(sizes) and len(set(sizes)) == 3, release
        for arch in ("amd64", "arm64v8"):
            layers = [e["remote"][arch]["layers"] for e in chain]
            assert [len(x) for x in layers] == [2, 3, 4], release
            assert layers[2][:3] == layers[1] and layers[1][:2] == layers[0], release


def test_bookworm_curl_adds_what_apt_would_install(data: dict[str, Any]) -> None:
    """buildpack-deps:bookworm-curl's transcribed delta is apt's closure of its RUN's install list."""
    image = data["images"]["buildpack-deps"]
    curl = data["package_sets"][image["entries"][image["tags"]["bookworm-curl"]]["local"]["packages"]]
    debian = data["images"]["debian"]
    base = data["package_sets"][debian["entries"][debian["tags"]["bookworm"]]["local"]["packages"]]
    assert base.items() <= curl.items()
    estimate = load_index("bookworm").closure(
        ["ca-certificates", "curl", "gnupg", "netbase", "sq", "wget"], recommends=False, installed=set(base)
    )
    assert estimate.complete
    assert estimate.new_packages == set(curl) - set(base)


# --- the size unit ----------------------------------------------------------------------------------


def test_virtual_size_unit_is_the_si_megabyte() -> None:
    assert gen.parse_virtual_size("~ 116.57 Mb") == 116_570_000
    assert gen.parse_virtual_size("~ 1.02 Gb") == 1_020_000_000
    assert gen.parse_virtual_size("~ 150 Mb") == 150_000_000
    assert gen.parse_virtual_size("~ 812.5 Kb") == 812_500
    assert gen.parse_virtual_size("4096 bytes") == 4096
    for bad in ("116.57 MiB", "~ Mb", "", "12"):
        with pytest.raises(ValueError):
            gen.parse_virtual_size(bad)
    assert gen.parse_apk_size("6552 B") == 6552
    assert gen.parse_apk_size("18 KiB") == 18 * 1024


def test_alpine_sizes_fit_mb_as_a_million_bytes(data: dict[str, Any]) -> None:
    """The packages' installed sizes sum to within 1 % of Virtual Size read as 10**6 (MiB: 5 % off)."""
    checked = 0
    for entry in data["images"]["alpine"]["entries"]:
        local = entry["local"]
        installed = sum(local["package_bytes"].values())
        assert 0 < local["uncompressed_bytes"] - installed < 0.01 * installed, entry["tags"][0]
        as_mib = local["uncompressed_bytes"] / 10**6 * 2**20
        assert as_mib - installed > 0.04 * installed
        checked += 1
    assert checked == 4


@pytest.mark.parametrize("suite", ["bookworm", "trixie"])
def test_debian_sizes_fit_the_archives_installed_size(data: dict[str, Any], suite: str) -> None:
    """Installed-Size rounds each file up to a KiB: the image is a few percent below its sum."""
    index = load_index(suite)
    image = data["images"]["debian"]
    local = image["entries"][image["tags"][suite]]["local"]
    packages = data["package_sets"][local["packages"]]
    kib = [index.installed_kib(name) for name in packages]
    assert None not in kib
    installed = 1024 * sum(k for k in kib if k is not None)
    assert 0.95 * installed < local["uncompressed_bytes"] < installed


# --- the generator's derivations ------------------------------------------------------------------


def _source_tag(name: str, local: dict[str, Any] | None = None, first_layer: str | None = None) -> gen.Tag:
    table: dict[str, Any] = {"tags": [name]}
    if local is not None:
        table["local"] = local
    if first_layer is not None:
        table["remote"] = {"amd64": {"layers": [[1, first_layer]]}}
    return gen.Tag("demo", date(2026, 12, 6), "a" * 40, table, name)


@pytest.mark.parametrize(
    ("tag", "packages", "found"),
    [
        (_source_tag("deb"), {"base-files": "12.4+deb12u15"}, ("debian", "12.15")),
        (
            _source_tag("ubu", {"labels": {"org.opencontainers.image.version": "24.04"}}),
            {"base-files": "13ubuntu10.4"},
            ("ubuntu", "24.04"),
        ),
        (_source_tag("alp"), {"alpine-release": "3.24.2-r0"}, ("alpine", "3.24.2")),
        (
            _source_tag("al2023"),
            {"system-release": "2023.12.20260831-0.amzn2023"},
            ("amazonlinux", "2023.12.20260831"),
        ),
        (_source_tag("c7"), {"centos-release": "7-9.2009.0.el7.centos"}, ("centos", "7")),
        (
            _source_tag("ol9"),
            {"redhat-release": "9.8-0.7.0.1.el9", "oraclelinux-release": "9.8-1.0.7.el9"},
            ("oraclelinux", "9.8"),
        ),
        (
            _source_tag("suite", first_layer="RUN # debian.sh --arch 'amd64' out/ 'bookworm' '@1783900800'"),
            None,
            ("debian", "12"),
        ),
        (
            _source_tag("rootfs", first_layer="ADD alpine-minirootfs-3.24.1-x86_64.tar.gz /"),
            None,
            ("alpine", "3.24.1"),
        ),
        (_source_tag("fed", {"env": ["PATH=/bin", "DISTTAG=f44container"]}), None, ("fedora", "44")),
        (_source_tag("3.12-slim-trixie"), None, ("debian", "13")),
        (_source_tag("8.4-fpm-alpine3.23"), None, ("alpine", "3.23")),
        (_source_tag("static"), None, None),
    ],
    ids=lambda value: value.tags[0] if isinstance(value, gen.Tag) else "",
)
def test_distribution_is_derived_from_the_data(
    tag: gen.Tag, packages: dict[str, str] | None, found: tuple[str, str] | None
) -> None:
    derived = gen.derive_distro(tag, packages)
    assert (derived and derived[:2]) == found


def test_check_mode_reports_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "base-images.json.gz"
    copy.write_bytes(DATA_FILE.read_bytes())
    monkeypatch.setattr(gen, "OUTPUT", copy)
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 0
    copy.write_bytes(gzip.compress(b"{}", mtime=0))
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert copy.read_bytes() == DATA_FILE.read_bytes()


# --- the reader ------------------------------------------------------------------------------------------


def test_importing_the_reader_reads_nothing() -> None:
    code = (
        "import dfanalyze.knowledge.image_facts as m, sys; "
        "assert m._data.cache_info().currsize == 0; "
        "assert 'gzip' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "reference",
    [
        "debian:bookworm",
        "debian:12",
        "debian:12.15",
        "library/debian:12",
        "docker.io/library/debian:bookworm",
        "index.docker.io/library/debian:12",
        "docker.io/debian:bookworm",
        " debian:bookworm ",
        "debian:bookworm@sha256:" + "0" * 64,
    ],
)
def test_reference_forms_find_the_same_entry(reference: str) -> None:
    facts = lookup(reference)
    assert facts is not None
    assert facts.image == "debian"
    assert facts.tags == ("bookworm", "12.15", "12", "bookworm-20260803")
    assert facts.platform == "amd64"
    assert facts.uncompressed_bytes == 116_570_000
    assert facts.distro == "debian" and facts.distro_release == "12.15"
    assert facts.packages is not None and facts.packages["base-files"] == "12.4+deb12u15"


@pytest.mark.parametrize(
    "reference",
    [
        "debian:sid-20990101",
        "debian@sha256:" + "0" * 64,
        "quay.io/debian:bookworm",
        "myorg/debian:bookworm",
        "ghcr.io/library/debian:12",
        "nosuchimage",
        "DEBIAN:bookworm",
        "debian:",
        "debian:bookworm@",
        "",
        "debian bookworm",
    ],
)
def test_unknown_references_give_none(reference: str) -> None:
    assert lookup(reference) is None


def test_the_default_tag_is_latest() -> None:
    for image in ("ubuntu", "alpine", "busybox", "fedora", "amazonlinux", "buildpack-deps"):
        facts = lookup(image)
        assert facts is not None and "latest" in facts.tags and facts.tag == "latest", image
    assert lookup("centos") is None, "centos has no latest tag"


def test_platforms() -> None:
    amd64 = lookup("debian:bookworm-slim")
    arm64 = lookup("debian:bookworm-slim", "linux/arm64/v8")
    assert amd64 is not None and arm64 is not None
    assert arm64.platform == "arm64v8" and arm64.tags == amd64.tags
    assert arm64.compressed_bytes is not None and arm64.compressed_bytes != amd64.compressed_bytes
    assert arm64.layers == (
        Layer(arm64.compressed_bytes, "RUN # debian.sh --arch 'arm64' out/ 'bookworm' '@1785715200'"),
    )
    # The local scan is of amd64: nothing of it is claimed for another platform.
    assert arm64.uncompressed_bytes is arm64.packages is arm64.config is arm64.created is None
    assert {s.role for s in arm64.sources} == {"library", "remote"}
    assert {s.role for s in amd64.sources} == {"library", "dockerfile", "local", "remote"}
    assert arm64.distro == "debian"
    # Built for the platform, but no registry facts were transcribed for it.
    i386 = lookup("debian:bookworm", "linux/386")
    assert i386 is not None and i386.compressed_bytes is None and i386.layers is None
    # Not built for the platform, or not a platform.
    assert lookup("debian:bookworm", "linux/s390x") is None
    assert lookup("debian:bookworm", "windows/amd64") is None


@pytest.mark.parametrize(
    ("platform", "key"),
    [
        ("linux/amd64", "amd64"),
        ("AMD64", "amd64"),
        ("linux/arm64", "arm64v8"),
        ("arm64v8", "arm64v8"),
        ("linux/arm/v7", "arm32v7"),
        ("linux/arm/v6", "arm32v6"),
        ("linux/386", "i386"),
        ("linux/ppc64le", "ppc64le"),
        ("linux/sparc", None),
    ],
)
def test_platform_key(platform: str, key: str | None) -> None:
    assert platform_key(platform) == key


def test_facts_of_other_package_managers() -> None:
    alpine = lookup("alpine:3.24")
    assert alpine is not None and alpine.package_manager == "apk"
    assert alpine.packages is not None and alpine.packages["musl"].startswith("1.")
    assert alpine.package_bytes is not None and alpine.package_bytes["busybox-binsh"] == 1
    assert alpine.distro_release == "3.24.2"
    al2 = lookup("amazonlinux:2")
    assert al2 is not None and al2.package_manager == "rpm" and al2.packages is not None
    assert al2.packages["system-release"] == "2-18.amzn2"
    busybox = lookup("busybox:musl")
    assert busybox is not None and busybox.package_manager == "none" and busybox.packages is None
    assert busybox.distro is None
    fedora = lookup("fedora:latest")
    assert fedora is not None and fedora.package_manager == "rpm" and fedora.packages is None
    assert fedora.config is not None and fedora.config.cmd == ("/bin/bash",)
    assert fedora.config.labels == {"maintainer": "Clement Verna <cverna@fedoraproject.org>"}


@pytest.mark.parametrize(
    ("reference", "directory", "uncompressed"),
    [
        # what people write -> the library entry it names (by its Dockerfile folder, a library fact)
        ("python:3.12", "3.12/trixie", True),
        ("python:3.12-slim", "3.12/slim-trixie", True),
        ("python:3.12-slim-bookworm", "3.12/slim-bookworm", True),
        ("python:3.13-alpine", "3.13/alpine3.24", True),
        ("python", "3.14/trixie", True),
        ("node:lts", "24/bookworm", True),
        ("node:22-alpine", "22/alpine3.24", True),
        ("node:24-slim", "24/bookworm-slim", True),
        ("golang:1.26", "1.26/trixie", True),
        ("golang:alpine", "1.27/alpine3.24", True),
        ("php:8.4-apache", "8.4/trixie/apache", True),
        ("php:8.4-fpm-alpine", "8.4/alpine3.24/fpm", True),
        ("eclipse-temurin:21-jre", "21/jre/ubuntu/resolute", True),
        ("eclipse-temurin:17", "17/jdk/ubuntu/resolute", True),
        ("rust:slim", "stable/trixie/slim", True),
        ("ruby:3.4-slim", "3.4/slim-trixie", True),
        ("nginx", "mainline/debian", True),
        ("nginx:alpine", "mainline/alpine", True),
        ("nginx:perl", "mainline/debian-perl", False),
        ("redis:alpine", "alpine", False),
        ("postgres:alpine", "18/alpine3.24", True),
        ("ubuntu:24.04", "oci", True),
        ("ubuntu:noble-20260810", "oci", True),
        ("debian:bookworm-slim", "bookworm/slim/oci", True),
        ("debian:12", "bookworm/oci", True),
        ("alpine:3.22", "x86_64/", True),
        ("buildpack-deps:noble-curl", "ubuntu/noble/curl", True),
        ("alpine:3.20", None, None),  # not transcribed
        ("debian:stable", None, None),  # a library entry of its own, not read
        ("node:20", None, None),  # no longer in the library
        ("python:3.12-windowsservercore", None, None),  # not an amd64 linux image
    ],
)
def test_the_tags_people_write(reference: str, directory: str | None, uncompressed: bool | None) -> None:
    facts = lookup(reference)
    if directory is None:
        assert facts is None
        return
    assert facts is not None
    (dockerfile,) = (source for source in facts.sources if source.role == "dockerfile")
    assert dockerfile.path == directory
    assert facts.tag in facts.tags and facts.compressed_bytes is not None and facts.layers is not None
    assert (facts.uncompressed_bytes is not None) is uncompressed
    assert facts.distro is not None


def test_remote_only_tags_and_the_configuration_of_the_history() -> None:
    nginx = lookup("nginx:perl")
    assert nginx is not None and nginx.uncompressed_bytes is None and nginx.packages is None
    assert nginx.compressed_bytes == 78_482_724 and nginx.created is None
    assert nginx.config is not None and nginx.config.exposed_ports == ("80/tcp",)
    assert nginx.config.stopsignal == "SIGQUIT" and nginx.config.cmd is None
    assert {s.role for s in nginx.sources} == {"library", "dockerfile", "remote"}
    # the local scan's Cmd and Env, the history's WORKDIR
    golang = lookup("golang:1.26")
    assert golang is not None and golang.config is not None
    assert golang.config.workdir == "/go" and golang.config.cmd == ("bash",)
    assert golang.config.env is not None and "GOPATH=/go" in golang.config.env
    # another platform: its own history only
    mariadb = lookup("mariadb:lts", "linux/arm64")
    assert mariadb is not None and mariadb.uncompressed_bytes is None
    assert mariadb.config == ImageConfig(
        env=None,
        cmd=None,
        entrypoint=None,
        user=None,
        workdir=None,
        volumes=("/var/lib/mysql",),
        exposed_ports=("3306/tcp",),
        shell=None,
        stopsignal=None,
        labels=None,
    )


def test_build_facts_and_repeated_rpm_names() -> None:
    python = lookup("python:3.12-slim")
    assert python is not None and python.version is not None and python.version.startswith("3.12.")
    assert python.image_id is not None and python.image_id.startswith("sha256:")
    assert python.remote_version is not None and python.remote_image_id is not None
    mysql = lookup("mysql:8.4")
    assert mysql is not None and mysql.packages is not None and mysql.package_manager == "rpm"
    assert mysql.packages["gpg-pubkey"] == "8b4efbe6-629ec292 8d8b756f-629e59ec"
    assert (mysql.distro, mysql.distro_release) == ("oraclelinux", "9.8")


def test_coverage_tool_classifies_from_lines() -> None:
    """tools/base_image_coverage.py: what each FROM of a file is, after global ARG expansion."""
    from dfanalyze.api import parse
    from tools.base_image_coverage import classify

    dockerfile = parse(
        "ARG PY=3.12\nARG NOPE\n"
        "FROM python:${PY}-slim AS build\nFROM build\nFROM scratch\nFROM $NOPE\n"
        "FROM ghcr.io/org/app:1\nFROM nginx:perl\nFROM node:20-alpine\nFROM docker.io/library/debian\n"
        "FROM erlang-but-not-official:1\n"
    )
    assert classify(dockerfile) == [
        ("known", "python:3.12-slim"),
        ("stage", "build"),
        ("scratch", "scratch"),
        ("unresolved", "$NOPE"),
        ("other", "ghcr.io/org/app:1"),
        ("compressed only", "nginx:perl"),
        ("nearest tag", "node:20-alpine"),
        ("known", "debian:latest"),
        ("unknown", "erlang-but-not-official:1"),
    ]

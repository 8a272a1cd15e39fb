"""The base-image facts from repo-info: the data file, its generator and the reader.

The data file is checked three ways: its schema (every entry has its fields with their types,
every alias resolves, every fact has a source, sizes are positive and consistent), its freshness
(``tools/make_base_images.py`` run on the committed sources gives the committed bytes) and the
size unit the generator chose (repo-info's "Mb" is 10**6 bytes: the apk installed sizes of the
alpine images and the Debian archive's Installed-Size of the debian images agree with it).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dfanalyze.knowledge import image_facts
from dfanalyze.knowledge.debian import load_index
from dfanalyze.knowledge.image_facts import DATA_FILE, Layer, lookup, platform_key

ROOT = Path(__file__).resolve().parent.parent
COMMIT = re.compile(r"[0-9a-f]{40}")
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_base_images", ROOT / "tools" / "make_base_images.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


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
    files = sorted((ROOT / "tools" / "sources" / "repo-info").glob("*.toml"))
    assert len(files) >= 8
    assert {path.stem for path in files} <= set(data["images"])
    for must in (
        "debian",
        "ubuntu",
        "alpine",
        "busybox",
        "buildpack-deps",
        "fedora",
        "amazonlinux",
        "centos",
    ):
        assert must in data["images"]


def test_entry_schema(data: dict[str, Any]) -> None:
    assert data["format"] == image_facts.DATA_FORMAT
    assert data["local_arch"] == "amd64"
    sets = data["package_sets"]
    assert all(isinstance(s, dict) and s for s in sets)
    assert len({tuple(sorted(s.items())) for s in sets}) == len(sets), "package sets are stored once"
    entries = _entries(data)
    assert len(entries) >= 34
    for name, entry in entries:
        where = f"{name}:{entry['tags'][0]}"
        assert entry["tags"] and all(isinstance(t, str) and t for t in entry["tags"]), where
        assert "amd64" in entry["architectures"], where
        assert isinstance(entry["uncompressed_bytes"], int) and entry["uncompressed_bytes"] > 0, where
        assert re.fullmatch(r"~ \d+(\.\d+)? [KMG]b|\d+ bytes", entry["virtual_size"]), where
        assert ISO_TIME.fullmatch(entry["created"]), where
        date.fromisoformat(entry["read"])
        assert entry["package_manager"] in {"dpkg", "apk", "rpm", "none", None}, where
        packages = entry["packages"]
        assert packages is None or 0 <= packages < len(sets), where
        if entry["package_manager"] == "none":
            assert packages is None, where
        if "package_bytes" in entry:
            assert set(entry["package_bytes"]) == set(sets[packages]), where
            assert all(isinstance(n, int) and n > 0 for n in entry["package_bytes"].values()), where
        assert set(entry["config"]) <= set(gen._CONFIG_KEYS), where
        assert (entry["distro"] is None) == (entry["distro_from"] is None), where
        assert entry["distro_release"] is None or entry["distro"] is not None, where
        assert entry["local"]["repository"] == "docker-library/repo-info", where
        assert COMMIT.fullmatch(entry["local"]["commit"]), where
        assert entry["local"]["path"].startswith(f"repos/{name}/local/"), where
        library = entry["official"]["library"]
        assert library["repository"] == "docker-library/official-images", where
        assert COMMIT.fullmatch(library["commit"]) and library["path"] == f"library/{name}", where
        assert "amd64" in entry["remote"], f"{where}: no amd64 registry facts"
        for arch, remote in entry["remote"].items():
            assert arch in entry["architectures"], where
            layers = remote["layers"]
            assert layers and all(size > 0 and isinstance(text, str) for size, text in layers), where
            assert remote["compressed_bytes"] == sum(size for size, _ in layers), where
            assert remote["created"] is None or ISO_TIME.fullmatch(remote["created"]), where
            assert remote["source"]["repository"] == "docker-library/repo-info", where
            assert COMMIT.fullmatch(remote["source"]["commit"]), where
            assert remote["source"]["path"].startswith(f"repos/{name}/remote/"), where
        assert entry["remote"]["amd64"]["compressed_bytes"] < entry["uncompressed_bytes"], where


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
        sizes = [e["uncompressed_bytes"] for e in chain]
        assert sizes == sorted(sizes) and len(set(sizes)) == 3, release
        for arch in ("amd64", "arm64v8"):
            layers = [e["remote"][arch]["layers"] for e in chain]
            assert [len(x) for x in layers] == [2, 3, 4], release
            assert layers[2][:3] == layers[1] and layers[1][:2] == layers[0], release


def test_bookworm_curl_adds_what_apt_would_install(data: dict[str, Any]) -> None:
    """buildpack-deps:bookworm-curl's transcribed delta is apt's closure of its RUN's install list."""
    image = data["images"]["buildpack-deps"]
    curl = data["package_sets"][image["entries"][image["tags"]["bookworm-curl"]]["packages"]]
    debian = data["images"]["debian"]
    base = data["package_sets"][debian["entries"][debian["tags"]["bookworm"]]["packages"]]
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
        installed = sum(entry["package_bytes"].values())
        assert 0 < entry["uncompressed_bytes"] - installed < 0.01 * installed, entry["tags"][0]
        as_mib = entry["uncompressed_bytes"] / 10**6 * 2**20
        assert as_mib - installed > 0.04 * installed
        checked += 1
    assert checked == 4


@pytest.mark.parametrize("suite", ["bookworm", "trixie"])
def test_debian_sizes_fit_the_archives_installed_size(data: dict[str, Any], suite: str) -> None:
    """Installed-Size rounds each file up to a KiB: the image is a few percent below its sum."""
    index = load_index(suite)
    image = data["images"]["debian"]
    entry = image["entries"][image["tags"][suite]]
    packages = data["package_sets"][entry["packages"]]
    kib = [index.installed_kib(name) for name in packages]
    assert None not in kib
    installed = 1024 * sum(k for k in kib if k is not None)
    assert 0.95 * installed < entry["uncompressed_bytes"] < installed


# --- the generator on small sources -----------------------------------------------------------------

HEADER = 'image = "demo"\nread = 2026-12-06\nofficial_images_commit = "' + "a" * 40 + '"\n'
COMMIT_A = "b" * 40


def _tag(tags: str, local: str = "", remote: str = "", arch: str = '["amd64", "arm64v8"]') -> str:
    return (
        textwrap.dedent(f"""
        [[tag]]
        tags = {tags}
        architectures = {arch}
        [tag.local]
        commit = "{COMMIT_A}"
        created = "2026-08-01T00:00:00Z"
        virtual_size = "~ 10 Mb"
        """)
        + textwrap.dedent(local)
        + textwrap.dedent(remote)
    )


def _sources(tmp_path: Path, *tags: str) -> list[Any]:
    (tmp_path / "demo.toml").write_text(HEADER + "".join(tags))
    return list(gen.load_sources(tmp_path))


def test_packages_base_is_resolved_into_full_sets(tmp_path: Path) -> None:
    tags = _sources(
        tmp_path,
        _tag('["full", "latest"]', 'package_manager = "dpkg"\npackages = ["a=1", "b:amd64=2", "c=3"]\n'),
        _tag(
            '["slim"]',
            'package_manager = "dpkg"\npackages_base = "demo:latest"\n'
            'packages = ["b=2.1", "d=4"]\npackages_removed = ["c"]\n',
        ),
        _tag('["slimmer"]', 'package_manager = "dpkg"\npackages_base = "demo:slim"\npackages = []\n'),
    )
    resolved = gen.resolve_packages(tags)
    assert resolved[0] == {"a": "1", "b": "2", "c": "3"}
    assert resolved[1] == {"a": "1", "b": "2.1", "d": "4"}
    assert resolved[2] == resolved[1]
    built = gen.build(tags)
    assert len(built["package_sets"]) == 2
    entries = built["images"]["demo"]["entries"]
    assert entries[1]["packages"] == entries[2]["packages"] != entries[0]["packages"]
    assert built["images"]["demo"]["tags"] == {"full": 0, "latest": 0, "slim": 1, "slimmer": 2}


REMOTE = """
    [tag.remote.amd64]
    commit = "{commit}"
    total_bytes = {total}
    layers = [
      [3000, "RUN # debian.sh --arch 'amd64' out/ 'bookworm' '@1783900800'"],
      [1000, "RUN apt-get install"],
    ]
    """


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ((_tag('["x"]', 'color = "red"\n'),), "unknown keys"),
        ((_tag('["x"]'), _tag('["x"]')), "also a tag of"),
        ((_tag('["x"]', remote=REMOTE.format(commit=COMMIT_A, total=4001)),), "not the sum"),
        (
            (_tag('["x"]', remote=REMOTE.format(commit=COMMIT_A, total=4000), arch='["arm64v8"]'),),
            "architectures",
        ),
        ((_tag('["x"]', 'packages_base = "demo:y"\n'), _tag('["y"]', 'packages_base = "demo:x"\n')), "loops"),
        (
            (
                _tag('["x"]', 'packages = ["a=1"]\n'),
                _tag('["y"]', 'packages_base = "demo:x"\npackages_removed = ["b"]\n'),
            ),
            "not in",
        ),
        ((_tag('["x"]'), _tag('["y"]', 'packages_base = "demo:x"\n')), "no package list"),
        ((_tag('["x"]', 'packages_base = "demo:nope"\n'),), "not a transcribed tag"),
        ((_tag('["x"]', 'packages = ["a=1", "a=2"]\n'),), "listed twice"),
        ((_tag('["x"]', 'packages = ["a"]\n'),), "name=version"),
        ((_tag('["x"]', 'cmd = "bash"\n'),), "list of strings"),
        ((_tag('["x"]', 'package_manager = "pacman"\n'),), "package_manager"),
        ((_tag('["x"]', 'arch = "linux/arm64"\n'),), "local scan"),
        ((_tag('["x"]', 'packages = ["a=1"]\ninstalled_size = { b = "1 B" }\n'),), "installed_size"),
    ],
)
def test_sources_that_break_the_format_are_refused(
    tmp_path: Path, tags: tuple[str, ...], message: str
) -> None:
    with pytest.raises(gen.SourceError, match=message):
        gen.build(_sources(tmp_path, *tags))


def test_distribution_is_derived_from_the_data(tmp_path: Path) -> None:
    remote = REMOTE.format(commit=COMMIT_A, total=4000)
    tags = _sources(
        tmp_path,
        _tag('["deb"]', 'packages = ["base-files=12.4+deb12u15"]\n'),
        _tag(
            '["ubu"]',
            'labels = { "org.opencontainers.image.version" = "24.04" }\n'
            'packages = ["base-files=13ubuntu10.4"]\n',
        ),
        _tag('["suite"]', remote=remote),
        _tag('["fed"]', 'env = ["PATH=/bin", "DISTTAG=f44container"]\n'),
        _tag('["3.12-slim-trixie"]'),
        _tag('["alp"]', 'packages = ["alpine-release=3.24.2-r0"]\n'),
        _tag('["al2023"]', 'packages = ["system-release=2023.12.20260831-0.amzn2023"]\n'),
        _tag('["c7"]', 'packages = ["centos-release=7-9.2009.0.el7.centos"]\n'),
        _tag('["static"]'),
    )
    packages = gen.resolve_packages(tags)
    found = [gen.derive_distro(tag, packages[i]) for i, tag in enumerate(tags)]
    assert [f and f[:2] for f in found] == [
        ("debian", "12.15"),
        ("ubuntu", "24.04"),
        ("debian", "12"),
        ("fedora", "44"),
        ("debian", "13"),
        ("alpine", "3.24.2"),
        ("amazonlinux", "2023.12.20260831"),
        ("centos", "7"),
        None,
    ]


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
        "assert 'gzip' not in sys.modules and 'json' not in sys.modules"
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
    assert facts.tags == ("bookworm", "12.15", "12")
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

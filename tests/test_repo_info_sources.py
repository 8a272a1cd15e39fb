"""The repo-info transcriptions in tools/sources/repo-info/ (the generator's input) follow the shared format.

The format is described in REPOINFO-FORMAT.md (issue 13): one file per image repository, one [[tag]] per
official-images library entry, with what repo-info's local file (uncompressed size, configuration,
installed packages) and remote file (compressed size and layers of a platform) say about it. A tag may have
only one of the two (a local file the index does not hold, or one that is stale), and remote sections for
platforms besides linux/amd64 (e.g. [tag.remote.arm64v8]).
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

SOURCES = Path(__file__).resolve().parent.parent / "tools" / "sources" / "repo-info"
FILES = sorted(SOURCES.glob("*.toml"))
SHA1 = re.compile(r"[0-9a-f]{40}")
IMAGE_ID = re.compile(r"sha256:[0-9a-f]{64}")
VIRTUAL_SIZE = re.compile(r"~ \d+(\.\d+)? (B|[KMG][Bb])")
CREATED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
PACKAGE = re.compile(r"[a-z0-9][A-Za-z0-9+._-]*=[A-Za-z0-9][A-Za-z0-9+.~:_-]*")
MANAGERS = {"dpkg", "apk", "rpm", "none"}
LAYER_TEXT_MAX = 340  # "up to ~300 characters" in the format
# official-images' architecture names, which [tag.remote.<arch>] uses
ARCHITECTURES = {
    "amd64",
    "arm32v5",
    "arm32v6",
    "arm32v7",
    "arm64v8",
    "i386",
    "mips64le",
    "ppc64le",
    "riscv64",
    "s390x",
    "windows-amd64",
}


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _locals(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The [[tag]] tables of a file that have a local section, with that section."""
    return [(entry, entry["local"]) for entry in _load(path)["tag"] if "local" in entry]


def _all_tags() -> dict[str, dict[str, Any]]:
    """Every transcribed image reference (image:alias) and its [[tag]] table."""
    found: dict[str, dict[str, Any]] = {}
    for path in FILES:
        data = _load(path)
        for entry in data["tag"]:
            for alias in entry["tags"]:
                found[f"{data['image']}:{alias}"] = entry
    return found


def test_there_are_sources_to_check() -> None:
    assert FILES, f"no transcriptions in {SOURCES}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_header(path: Path) -> None:
    data = _load(path)
    assert data["image"] == path.stem
    assert isinstance(data["read"], date)
    assert SHA1.fullmatch(data["official_images_commit"])
    assert data["tag"], "a file lists at least one tag"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_tags_are_library_entries(path: Path) -> None:
    seen: set[str] = set()
    for entry in _load(path)["tag"]:
        tags = entry["tags"]
        assert tags and all(isinstance(tag, str) and tag for tag in tags)
        assert not seen.intersection(tags), f"alias listed twice: {sorted(seen.intersection(tags))}"
        seen.update(tags)
        assert "amd64" in entry["architectures"]
        assert entry["directory"] and entry["git_repo"].startswith("https://")
        assert SHA1.fullmatch(entry["git_commit"])
        assert "local" in entry or "remote" in entry, f"{tags[0]}: neither a local nor a remote section"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_local_sections(path: Path) -> None:
    image = path.stem
    for _entry, local in _locals(path):
        assert "path" not in local or re.fullmatch(
            rf"repos/{re.escape(image)}/local/[^/]+\.md", local["path"]
        )
        assert SHA1.fullmatch(local["commit"])
        assert VIRTUAL_SIZE.fullmatch(local["virtual_size"]), local["virtual_size"]
        assert CREATED.fullmatch(local["created"]), local["created"]
        assert local["arch"] == "linux/amd64"
        assert "image_id" not in local or IMAGE_ID.fullmatch(local["image_id"])
        assert all(isinstance(item, str) and "=" in item for item in local.get("env", []))
        assert local["package_manager"] in MANAGERS
        for package in local.get("packages", []):
            assert PACKAGE.fullmatch(package), package
            assert ":amd64" not in package
        if "packages_removed" in local:
            assert "packages_base" in local, "packages_removed needs a packages_base"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_remote_sections(path: Path) -> None:
    image = path.stem
    for entry in _load(path)["tag"]:
        if "remote" not in entry:
            continue
        platforms = entry["remote"]
        assert "amd64" in platforms, f"{entry['tags'][0]}: a remote section gives linux/amd64 first"
        for arch, remote in platforms.items():
            assert arch in ARCHITECTURES and arch in entry["architectures"], arch
            assert "path" not in remote or re.fullmatch(
                rf"repos/{re.escape(image)}/remote/[^/]+\.md", remote["path"]
            )
            assert SHA1.fullmatch(remote["commit"])
            assert "image_id" not in remote or IMAGE_ID.fullmatch(remote["image_id"])
            layers = remote["layers"]
            assert layers
            for size, text in layers:
                assert isinstance(size, int) and size >= 0
                assert text.startswith(("RUN ", "ADD ", "COPY ", "WORKDIR ")), text
                assert len(text) <= LAYER_TEXT_MAX and "\t" not in text and "  " not in text, text
            # repo-info's "Total Size" of a platform is the sum of its layers' compressed sizes
            assert sum(size for size, _ in layers) == remote["total_bytes"], (entry["tags"][0], arch)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_package_bases_resolve_to_full_lists(path: Path) -> None:
    """A packages_base names a transcribed tag; following bases ends at a list given in full."""
    everything = _all_tags()
    for entry, local in _locals(path):
        chain = [f"{path.stem}:{entry['tags'][0]}"]
        current = local
        while "packages_base" in current:
            base = current["packages_base"]
            assert base in everything, f"{chain[-1]}: packages_base {base} is not transcribed"
            assert base not in chain, f"packages_base cycle: {[*chain, base]}"
            assert "packages" in current, f"{chain[-1]}: packages_base without its (maybe empty) difference"
            assert "local" in everything[base], f"{chain[-1]}: packages_base {base} has no local section"
            based_on = everything[base]["local"]
            assert based_on["package_manager"] == current["package_manager"]
            chain.append(base)
            current = based_on
        if current["package_manager"] != "none" and len(chain) > 1:
            assert current.get("packages"), f"{chain}: the last base lists its packages in full"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_difference_names_no_package_twice(path: Path) -> None:
    for entry, local in _locals(path):
        packages = local.get("packages", [])
        names = [item.split("=", 1)[0] for item in packages]
        # rpm installs some names more than once (one gpg-pubkey per imported key): there the pair is unique
        keys = packages if local["package_manager"] == "rpm" else names
        assert len(keys) == len(set(keys)), entry["tags"][0]
        assert not set(names) & set(local.get("packages_removed", [])), entry["tags"][0]

"""The repo-info transcriptions in tools/sources/repo-info/ (the generator's input) follow the shared format.

The format is described in REPOINFO-FORMAT.md (issue 13): one file per image repository, one [[tag]] per
official-images library entry, with what repo-info's local file (uncompressed size, configuration,
installed packages) and remote file (compressed size and layers of a platform) say about it.
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
ENV_ITEM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
MANAGERS = {"dpkg", "apk", "rpm", "none"}
LAYER_TEXT_MAX = 340  # "up to ~300 characters" in the format


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


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


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_local_sections(path: Path) -> None:
    image = path.stem
    for entry in _load(path)["tag"]:
        local = entry["local"]
        assert "path" not in local or re.fullmatch(
            rf"repos/{re.escape(image)}/local/[^/]+\.md", local["path"]
        )
        assert SHA1.fullmatch(local["commit"])
        assert VIRTUAL_SIZE.fullmatch(local["virtual_size"]), local["virtual_size"]
        assert CREATED.fullmatch(local["created"]), local["created"]
        assert local["arch"] == "linux/amd64"
        assert "image_id" not in local or IMAGE_ID.fullmatch(local["image_id"])
        assert all(isinstance(item, str) and ENV_ITEM.fullmatch(item) for item in local.get("env", [])), (
            local["env"]
        )
        labels = local.get("labels", {})
        assert isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())
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
        remote = entry["remote"]["amd64"]
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
        assert sum(size for size, _ in layers) == remote["total_bytes"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_package_bases_resolve_to_full_lists(path: Path) -> None:
    """A packages_base names a transcribed tag; following bases ends at a list given in full."""
    everything = _all_tags()
    data = _load(path)
    for entry in data["tag"]:
        local = entry["local"]
        chain = [f"{data['image']}:{entry['tags'][0]}"]
        while "packages_base" in local:
            base = local["packages_base"]
            assert base in everything, f"{chain[-1]}: packages_base {base} is not transcribed"
            assert base not in chain, f"packages_base cycle: {[*chain, base]}"
            assert "packages" in local, f"{chain[-1]}: packages_base without its (maybe empty) difference"
            based_on = everything[base]["local"]
            assert based_on["package_manager"] == local["package_manager"]
            chain.append(base)
            local = based_on
        if local["package_manager"] != "none" and len(chain) > 1:
            assert local.get("packages"), f"{chain}: the last base lists its packages in full"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_difference_names_no_package_twice(path: Path) -> None:
    for entry in _load(path)["tag"]:
        local = entry["local"]
        names = [item.split("=", 1)[0] for item in local.get("packages", [])]
        assert len(names) == len(set(names)), entry["tags"][0]
        assert not set(names) & set(local.get("packages_removed", [])), entry["tags"][0]

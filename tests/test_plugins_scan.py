"""The entry-point scan that replaces importlib.metadata on the start-up path finds what
importlib.metadata finds."""

from __future__ import annotations

import os
import shutil
import sys
from importlib.metadata import entry_points as reference
from pathlib import Path
from typing import Any

import pytest

from dfanalyze.engine.plugins import entry_points, parse_group


def test_parse_group_reads_only_the_group() -> None:
    text = "[console_scripts]\nx = a:b\n\n[dfanalyze.rules]\n# comment\nacme = acme.rules:folder [extra]\n"
    assert parse_group(text, "dfanalyze.rules") == [("acme", "acme.rules:folder")]


def test_same_entry_points_as_importlib_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for dist, group_lines in (("pkg_one-1.0", ["one = one_mod:rules"]), ("pkg_two-2.0.1", ["two = two_mod"])):
        info = tmp_path / f"{dist}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist.split('-')[0]}\nVersion: 1\n")
        (info / "entry_points.txt").write_text("[dfanalyze.rules]\n" + "\n".join(group_lines) + "\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    ours = sorted((e.name, e.value) for e in entry_points("dfanalyze.rules"))
    theirs = sorted((e.name, e.value) for e in reference(group="dfanalyze.rules"))
    assert ours == theirs
    assert ("one", "one_mod:rules") in ours


def _install(folder: Path, dist: str, lines: list[str]) -> None:
    info = folder / f"{dist}.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text("[dfanalyze.rules]\n" + "\n".join(lines) + "\n")


def test_folders_are_cached_until_a_distribution_comes_or_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DFANALYZE_NO_CACHE", raising=False)
    site = tmp_path / "site"
    site.mkdir()
    _install(site, "pkg_one-1.0", ["one = one_mod:rules"])
    monkeypatch.setattr(sys, "path", [str(site)])

    def found() -> list[tuple[str, str]]:
        return sorted((e.name, e.value) for e in entry_points("dfanalyze.rules"))

    assert found() == [("one", "one_mod:rules")]
    (cached,) = (tmp_path / "cache").glob("plugins-*.json")
    opened: list[str] = []
    real_open = open

    def spying_open(file: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr("builtins.open", spying_open)
        assert found() == [("one", "one_mod:rules")]
    assert not [p for p in opened if p.endswith("entry_points.txt")]  # answered from the cache
    os.utime(site, ns=(1, 1))  # so the next change is visible even within one clock tick
    _install(site, "pkg_two-2.0", ["two = two_mod"])
    assert found() == [("one", "one_mod:rules"), ("two", "two_mod")]
    shutil.rmtree(site / "pkg_one-1.0.dist-info")
    assert found() == [("two", "two_mod")]
    cached.write_text("not json")
    assert found() == [("two", "two_mod")]


def test_the_current_folder_is_always_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [""])
    assert list(entry_points("dfanalyze.rules")) == []
    _install(tmp_path, "local_rules-0.1", ["local = local_rules"])
    assert [(e.name, e.value) for e in entry_points("dfanalyze.rules")] == [("local", "local_rules")]

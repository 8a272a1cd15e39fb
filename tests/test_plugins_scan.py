"""The entry-point scan that replaces importlib.metadata on the start-up path finds what
importlib.metadata finds."""

from __future__ import annotations

import shutil
import sys
from importlib.metadata import entry_points as reference
from pathlib import Path

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


def _found() -> list[tuple[str, str]]:
    return sorted((e.name, e.value) for e in entry_points("dfanalyze.rules"))


def test_distributions_that_come_and_go_are_seen_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install(site, "pkg_one-1.0", ["one = one_mod:rules"])
    monkeypatch.setattr(sys, "path", [str(site)])
    assert _found() == [("one", "one_mod:rules")]
    _install(site, "pkg_two-2.0", ["two = two_mod"])
    assert _found() == [("one", "one_mod:rules"), ("two", "two_mod")]
    shutil.rmtree(site / "pkg_one-1.0.dist-info")
    assert _found() == [("two", "two_mod")]


def test_the_first_distribution_of_a_name_on_the_path_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, module in ((first, "new_rules"), (second, "old_rules")):
        folder.mkdir()
        _install(folder, "Acme-Rules-1.0", [f"acme = {module}"])
    monkeypatch.setattr(sys, "path", [str(first), str(second)])
    assert _found() == [("acme", "new_rules")]


def test_the_current_folder_is_always_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [""])
    assert list(entry_points("dfanalyze.rules")) == []
    _install(tmp_path, "local_rules-0.1", ["local = local_rules"])
    assert [(e.name, e.value) for e in entry_points("dfanalyze.rules")] == [("local", "local_rules")]

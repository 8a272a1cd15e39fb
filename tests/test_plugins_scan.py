"""The entry-point scan that replaces importlib.metadata on the start-up path finds what
importlib.metadata finds."""

from __future__ import annotations

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

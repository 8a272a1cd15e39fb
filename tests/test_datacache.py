"""The JSON cache of shipped TOML data gives exactly what tomllib gives, dates included."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dfanalyze.knowledge.datacache import load_toml

DATA = Path(__file__).resolve().parent.parent / "dfanalyze" / "knowledge" / "data"


@pytest.mark.parametrize("name", ["eol.toml", "images.toml", "parity.toml"])
def test_cached_data_equals_the_toml(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path))
    expected = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
    assert load_toml(DATA / name) == expected  # parsed, then cached
    assert list(tmp_path.glob("data-*.json"))
    assert load_toml(DATA / name) == expected  # from the cache


def test_a_changed_file_replaces_its_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "x.toml"
    data.write_text("a = 1\nwhen = 2024-01-02\n")
    assert load_toml(data)["a"] == 1
    data.write_text("a = 22\nwhen = 2024-01-02\n")
    assert load_toml(data)["a"] == 22
    assert len(list((tmp_path / "cache").glob("data-x-*.json"))) == 1


def test_two_copies_of_a_file_keep_their_own_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path / "cache"))
    for checkout in ("one", "two"):
        (tmp_path / checkout).mkdir()
        (tmp_path / checkout / "x.toml").write_text(f'checkout = "{checkout}"\n')
    for checkout in ("one", "two", "one"):
        assert load_toml(tmp_path / checkout / "x.toml") == {"checkout": checkout}
    assert len(list((tmp_path / "cache").glob("data-x-*.json"))) == 2


def test_a_cache_file_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "x.toml"
    data.write_text("a = 1\n")
    assert load_toml(data) == {"a": 1}
    (cached,) = (tmp_path / "cache").glob("data-x-*.json")
    assert cached.stat().st_mode & 0o777 == 0o600
    cached.write_text('{"a": 666}')
    assert load_toml(data) == {"a": 666}  # the user's own file: trusted
    cached.chmod(0o666)
    assert load_toml(data) == {"a": 1}  # anyone could have written it: parsed again

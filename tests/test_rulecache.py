"""The rule-file cache: reused while a file is unchanged, re-read when it changes, never required;
it keeps what linting needs, and docs and examples are read from the file when asked for."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from dfanalyze.engine import rulecache
from dfanalyze.engine.registry import DOCS_URL, _rule_files
from dfanalyze.engine.rulefile import RuleFileError
from dfanalyze.resources import data_dir

RULE = data_dir("rules") / "syntax" / "DF701-unknown-instruction.toml"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DFANALYZE_NO_CACHE", raising=False)
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(RULE, rules / RULE.name)
    return rules


def test_only_data_is_cached_and_still_validated(folder: Path) -> None:
    cache = rulecache.RuleFileCache.open(folder)
    cache.load(str(folder / RULE.name), DOCS_URL)
    cache.save(folder)
    assert cache.location is not None and cache.location.suffix == ".json"
    saved = json.loads(cache.location.read_text())
    assert saved["folder"] == str(folder.resolve())
    (entry,) = saved["entries"].values()
    assert entry[2]["code"] == "DF701"
    assert "docs" not in entry[2] and "examples" not in entry[2]  # read from the file when asked for
    broken = folder / "DF799-broken.toml"
    text = (folder / RULE.name).read_text().replace('code = "DF701"', 'code = "DF799"')
    broken.write_text(text.replace("[[examples]]", "[[examples]]\nwrong = 1", 1))
    with pytest.raises(RuleFileError, match=r"examples\[0\]\.wrong: unknown key"):
        cache.load(str(broken), DOCS_URL)
    assert str(broken) not in cache.entries


def test_docs_and_examples_of_a_cached_rule_are_read_once_when_asked_for(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = rulecache.RuleFileCache.open(folder)
    first = cache.load(str(folder / RULE.name), DOCS_URL)
    cache.save(folder)
    calls: list[Path] = []
    read = rulecache.read_rule_data

    def counting(path: Path) -> dict[str, Any]:
        calls.append(path)
        return read(path)

    monkeypatch.setattr(rulecache, "read_rule_data", counting)
    again = rulecache.RuleFileCache.open(folder).load(str(folder / RULE.name), DOCS_URL)
    assert calls == []
    assert again.examples == first.examples and again.docs == first.docs
    assert again.examples[0].bad is not None
    assert calls == [folder / RULE.name]  # read_rule_data takes the Path
    assert pickle.loads(pickle.dumps(again)).docs == first.docs


def test_each_installation_has_its_own_cache_and_unused_ones_are_forgotten(
    tmp_path: Path, folder: Path
) -> None:
    other = tmp_path / "other-install"
    shutil.copytree(folder, other)
    for rules in (folder, other, folder):
        cache = rulecache.RuleFileCache.open(rules)
        cache.load(str(rules / RULE.name), DOCS_URL)
        cache.save(rules)
    for rules in (folder, other):
        assert str(rules / RULE.name) in rulecache.RuleFileCache.open(rules).entries
    first, second = (rulecache.RuleFileCache.open(rules).location for rules in (folder, other))
    assert first is not None and second is not None and first != second
    month_ago = time.time() - 31 * 86400
    os.utime(second, (month_ago, month_ago))
    cache = rulecache.RuleFileCache.open(folder)
    cache.dirty = True
    cache.save(folder)
    assert first.exists() and not second.exists()


def test_an_unchanged_file_is_read_from_the_cache(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = rulecache.RuleFileCache.open(folder)
    first = cache.load(str(folder / RULE.name), DOCS_URL)
    cache.save(folder)
    calls: list[Path] = []
    monkeypatch.setattr(rulecache, "read_rule_data", calls.append)
    again = rulecache.RuleFileCache.open(folder).load(str(folder / RULE.name), DOCS_URL)
    assert again == first
    assert calls == []


def test_a_changed_file_is_read_again(folder: Path) -> None:
    path = folder / RULE.name
    cache = rulecache.RuleFileCache.open(folder)
    assert cache.load(str(path), DOCS_URL).severity.value == "error"
    cache.save(folder)
    path.write_text(path.read_text().replace('severity = "error"', 'severity = "warning"'))
    os.utime(path, ns=(1, 1))  # even with an older modification time the size changed
    assert rulecache.RuleFileCache.open(folder).load(str(path), DOCS_URL).severity.value == "warning"


def test_a_corrupt_or_unwritable_cache_is_ignored(folder: Path, tmp_path: Path) -> None:
    cache = rulecache.RuleFileCache.open(folder)
    cache.load(str(folder / RULE.name), DOCS_URL)
    cache.save(folder)
    assert cache.location is not None
    cache.location.write_bytes(b"not json")
    assert rulecache.RuleFileCache.open(folder).load(str(folder / RULE.name), DOCS_URL).code == "DF701"
    blocked = rulecache.RuleFileCache(tmp_path / "file-not-dir" / "x.json", dirty=True)
    (tmp_path / "file-not-dir").write_text("")
    blocked.save(folder)  # no exception: the cache only ever saves time


def test_the_cache_can_be_turned_off(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFANALYZE_NO_CACHE", "1")
    cache = rulecache.RuleFileCache.open(folder)
    cache.load(str(folder / RULE.name), DOCS_URL)
    cache.save(folder)
    assert cache.location is None


def test_rule_files_are_listed_in_path_order(tmp_path: Path) -> None:
    for name in ("a-b/x.toml", "a/x.toml", "a/b/y.toml", "a.toml", "B/z.toml", "a/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    for folder in (tmp_path, data_dir("rules")):
        assert _rule_files(folder) == [str(p) for p in sorted(folder.rglob("*.toml"))]

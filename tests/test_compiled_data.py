"""The rule and data files compiled ahead of time: current, equal to their TOML, used only while
they describe their sources (in a checkout), and never required."""

from __future__ import annotations

import pickle
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from dfanalyze import compiled, resources
from dfanalyze.engine import ruleindex
from dfanalyze.engine.registry import build_registry, rule_files
from dfanalyze.resources import data_dir, rules_url
from tools import compile_data

RULES = data_dir("rules")
RULE = RULES / "syntax" / "DF701-unknown-instruction.toml"


def test_the_compiled_files_are_current() -> None:
    assert compile_data.stale() == [], "run: python -m tools.compile_data"


def test_every_compiled_rule_equals_the_rule_of_its_toml() -> None:
    entries = ruleindex.compiled_rules(RULES)
    paths = rule_files(RULES)
    assert len(entries) == len(paths) > 100
    for path in paths:
        lean = entries[ruleindex.index_key(RULES, path)]
        assert "docs" not in lean and "examples" not in lean  # read from the file when asked for
        from_index = ruleindex.load_rule(path, lean, rules_url())
        from_toml = ruleindex.load_rule(path, None, rules_url())
        assert from_index == from_toml
        assert from_index.docs == from_toml.docs and from_index.examples == from_toml.examples


@pytest.mark.parametrize("name", ["eol.toml", "images.toml"])
def test_compiled_data_equals_the_toml(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(compiled.__file__).parent / "knowledge" / "data" / name
    calls: list[object] = []
    monkeypatch.setattr(tomllib, "load", calls.append)
    data = compiled.load_toml(path)
    assert calls == []  # from the compiled JSON
    assert data == tomllib.loads(path.read_text(encoding="utf-8"))  # dates included


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of two built-in rules with their compiled index."""
    rules = tmp_path / "rules"
    for rule in (RULE, RULES / "syntax" / "DF702-invalid-flag.toml"):
        (rules / "syntax").mkdir(parents=True, exist_ok=True)
        shutil.copy(rule, rules / "syntax" / rule.name)
    (rules / ruleindex.INDEX_NAME).write_text(compile_data.compiled_rules(rules), encoding="utf-8")
    return rules


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    read = ruleindex.read_rule_data

    def counting(path: Path) -> dict[str, Any]:
        calls.append(path)
        return read(path)

    monkeypatch.setattr(ruleindex, "read_rule_data", counting)
    return calls


def test_docs_and_examples_of_a_compiled_rule_are_read_once_when_asked_for(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting_reads(monkeypatch)
    path = str(folder / "syntax" / RULE.name)
    rule = ruleindex.load_rule(path, ruleindex.compiled_rules(folder)["syntax/" + RULE.name], rules_url())
    assert calls == []
    assert rule.examples[0].bad is not None and rule.docs
    assert rule.examples == rule.examples
    assert calls == [Path(path)]
    assert pickle.loads(pickle.dumps(rule)).docs == rule.docs


def test_an_edited_rule_file_is_read_from_its_toml_in_a_checkout(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "installed", lambda: False)
    path = folder / "syntax" / RULE.name
    path.write_text(path.read_text().replace('severity = "error"', 'severity = "warning"'))
    assert set(ruleindex.compiled_rules(folder)) == {"syntax/DF702-invalid-flag.toml"}
    calls = _counting_reads(monkeypatch)
    registry = build_registry([folder], plugins=False)
    assert calls.count(path) == 1
    assert [str(e) for e in registry.errors] == [
        f"{path}: code: DF701 is already defined by {RULE}",
        f"{folder / 'syntax' / 'DF702-invalid-flag.toml'}: code: DF702 is already defined by "
        f"{RULES / 'syntax' / 'DF702-invalid-flag.toml'}",
    ]


def test_an_installed_wheel_trusts_its_compiled_rules(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "installed", lambda: True)
    path = folder / "syntax" / RULE.name
    path.write_text(path.read_text().replace('severity = "error"', 'severity = "warning"'))
    entry = ruleindex.compiled_rules(folder)["syntax/" + RULE.name]
    assert entry["severity"] == "error"


@pytest.mark.parametrize(
    "content", [b"not json", b'{"format": 999, "rules": {}}', b'{"format": 1, "rules": 3}']
)
def test_a_broken_or_foreign_index_is_ignored(
    folder: Path, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / ruleindex.INDEX_NAME).write_bytes(content)
    assert ruleindex.compiled_rules(folder) == {}
    calls = _counting_reads(monkeypatch)
    rule = ruleindex.load_rule(str(folder / "syntax" / RULE.name), None, rules_url())
    assert rule.code == "DF701" and len(calls) == 1


def test_an_edited_data_file_is_read_from_its_toml_in_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "installed", lambda: False)
    source = tmp_path / "x.toml"
    source.write_text("a = 1\nwhen = 2024-01-02\n")
    source.with_suffix(".compiled.json").write_text(compile_data.compiled_data(source))
    assert compiled.load_toml(source) == {"a": 1, "when": __import__("datetime").date(2024, 1, 2)}
    source.write_text("a = 22\nwhen = 2024-01-02\n")
    assert compiled.load_toml(source)["a"] == 22
    source.with_suffix(".compiled.json").unlink()
    assert compiled.load_toml(source)["a"] == 22


def test_rule_files_are_listed_in_path_order(tmp_path: Path) -> None:
    for name in ("a-b/x.toml", "a/x.toml", "a/b/y.toml", "a.toml", "B/z.toml", "a/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    for folder in (tmp_path, data_dir("rules")):
        assert rule_files(folder) == [str(p) for p in sorted(folder.rglob("*.toml"))]

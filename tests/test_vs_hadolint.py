"""The differential corpus against hadolint (benchmarks/vs_hadolint): dfanalyze's findings, mapped to
hadolint's DL codes, are still the reviewed ones in ``expected.json``. hadolint itself is not run
here; after a deliberate change, rerun ``python benchmarks/vs_hadolint/compare.py --write-expected``
(with hadolint installed) and review the disagreements it lists."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent.parent / "benchmarks" / "vs_hadolint"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vs_hadolint_compare", HERE / "compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


compare = _load()
EXPECTED: dict[str, list[str]] = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
FILES = compare.corpus_files()


def test_every_corpus_file_has_reviewed_findings() -> None:
    assert sorted(EXPECTED) == [p.name for p in FILES]
    assert len(FILES) >= 60


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_findings_are_the_reviewed_ones(path: Path) -> None:
    found = [f"{code}:{line}" for code, line in compare.dfanalyze_findings(path)]
    assert found == EXPECTED[path.name], (
        "dfanalyze's DL findings changed: if intended, rerun "
        "`python benchmarks/vs_hadolint/compare.py --write-expected` and review RESULTS.md"
    )


def test_expected_json_is_in_its_written_form() -> None:
    findings = {
        name: [(c, int(line)) for c, _, line in (k.partition(":") for k in keys)]
        for name, keys in EXPECTED.items()
    }
    assert compare.expected_json(findings) == (HERE / "expected.json").read_text(encoding="utf-8")


def test_every_review_is_well_formed() -> None:
    kinds = {"hadolint false positive", "hadolint miss", "deliberate", "dfanalyze bug"}
    names = {p.name for p in FILES}
    for review in compare.reviews():
        assert review["kind"] in kinds and review["note"] and review["code"].startswith("DL"), review
        assert review.get("file", next(iter(names))) in names, review
        assert review.get("side", "hadolint") in {"hadolint", "dfanalyze"}, review

"""The benchmark corpus (benchmarks/corpus): what its generator makes, and realistic files that parse
without a problem, every span inside its file."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dfanalyze.parse import parse_text

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
CORPUS = sorted((BENCHMARKS / "corpus").glob("*.Dockerfile"))


def _generator(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", BENCHMARKS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_corpus", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_corpus_is_what_the_generator_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _generator(monkeypatch).write_corpus(tmp_path)
    assert [p.name for p in made] == [p.name for p in CORPUS]
    for fresh, committed in zip(made, CORPUS, strict=True):
        assert fresh.read_bytes() == committed.read_bytes(), (
            f"run: python benchmarks/make_corpus.py ({fresh.name})"
        )


def test_the_corpus_has_realistic_sizes() -> None:
    sizes = [len(p.read_text(encoding="utf-8").splitlines()) for p in CORPUS]
    assert len(sizes) >= 40
    assert min(sizes) >= 30 and max(sizes) <= 200
    assert len((BENCHMARKS / "corpus" / "forty.Dockerfile").read_text(encoding="utf-8").splitlines()) == 40


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_files_parse_cleanly(path: Path) -> None:
    df = parse_text(path.read_text(encoding="utf-8"), path.name)
    assert df.diagnostics == ()
    assert len(df.stages) >= 2
    assert any(doc for ins in df.instructions for doc in ins.heredocs) or "<<" not in df.source
    last = len(df.lines)
    assert all(1 <= ins.span.start.line <= ins.span.end.line <= last for ins in df.instructions)

"""Fixes never add findings (issue 11): after ``--fix --unsafe-fixes`` no rule reports more than
before, on every test fixture and every rule example. A fix that would (a relative VOLUME path
made absolute inside another volume of the same line) is not applied, and not offered."""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path

import pytest
from test_rule_examples import unmarked

from dfanalyze.batch import Job, Task, check_file
from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import lint_dockerfile
from dfanalyze.parse import parse_text

FIXTURES = Path(__file__).parent / "fixtures"
EVERY_RULE = partial(lint_dockerfile, select=["ALL"], ignore=["shellcheck"])
FIX_ALL = Job(EVERY_RULE, fix=True, unsafe_fixes=True)


def _texts() -> list[tuple[str, str]]:
    found = [(str(p.relative_to(FIXTURES)), p.read_text()) for p in sorted(FIXTURES.rglob("*ockerfile*"))]
    for rule in default_registry().sorted_rules():
        for index, example in enumerate(rule.examples):
            for text in (example.bad, example.fixed):
                if text is not None:
                    found.append((f"{rule.code}-{index}", unmarked(text)))
    return found


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[name for name, _ in _texts()])
def test_fixing_adds_no_finding(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    before = Counter(f.code for f in EVERY_RULE(parse_text(text, str(path))))
    result = check_file(FIX_ALL, Task(str(path)))
    after = Counter(f.code for f in result.findings)
    grown = {code: (before[code], count) for code, count in after.items() if count > before[code]}
    assert not grown, f"{name}: rules report more after fixing: {grown}"


def test_a_fix_that_would_nest_a_volume_is_not_applied(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine:3.20\nWORKDIR /etc\nVOLUME logs /etc\n")
    result = check_file(FIX_ALL, Task(str(path)))
    assert result.fixed_text is None  # alone, `VOLUME /etc/logs /etc` nests a volume (DF304)
    relative = next(f for f in result.findings if f.code == "DF305")
    assert relative.fix is None  # so it is not offered as fixable either
    path.write_text("FROM alpine:3.20\nWORKDIR /srv\nVOLUME logs /etc\n")
    fixed = check_file(FIX_ALL, Task(str(path)))
    assert fixed.fixed_text is not None and "VOLUME /srv/logs /etc" in fixed.fixed_text

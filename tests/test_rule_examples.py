"""Every example of every rule is a test: each bad example yields exactly that rule at the marked
spans, each good example yields nothing from it, each fixed example equals the fix's result.

Spans are marked in a bad example with guillemets: ``FROM «ubuntu»``; several marks mean several
findings. The marks are removed before the example is parsed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.rulefile import Example, Rule
from dfanalyze.engine.run import Selection, lint_dockerfile
from dfanalyze.findings import Finding
from dfanalyze.fix import apply_fixes
from dfanalyze.parse import parse_text
from dfanalyze.span import Position, Span

REGISTRY = default_registry()


def strip_marks(text: str) -> tuple[str, list[Span]]:
    """Remove «» marks; return the clean text and the marked spans (1-based, end exclusive)."""
    clean: list[str] = []
    spans: list[Span] = []
    line, column = 1, 1
    start: Position | None = None
    for ch in text:
        if ch == "«":
            start = Position(line, column)
            continue
        if ch == "»":
            assert start is not None, "» without «"
            spans.append(Span(start, Position(line, column)))
            start = None
            continue
        clean.append(ch)
        if ch == "\n":
            line, column = line + 1, 1
        else:
            column += 1
    return "".join(clean), spans


def _dedent(text: str) -> str:
    return text[1:] if text.startswith("\n") else text


def cases() -> Iterator[object]:
    for rule in REGISTRY.sorted_rules():
        for index, example in enumerate(rule.examples):
            yield pytest.param(rule, example, id=f"{rule.code}-{rule.name}-{index}")


def _findings(rule: Rule, text: str, example: Example) -> list[Finding]:
    dockerfile = parse_text(text, "Dockerfile")
    selection = Selection(select=[rule.code], options={rule.code: dict(example.config)})
    with tempfile.TemporaryDirectory() as context_dir:
        for name, content in example.context.items():  # the example's build-context files
            (Path(context_dir) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(context_dir) / name).write_text(content, encoding="utf-8")
        findings = lint_dockerfile(
            dockerfile,
            build_args=dict(example.build_args),
            registry=REGISTRY,
            selection=selection,
            context_dir=context_dir if example.context else None,
        )
    return [f for f in findings if f.name == rule.name]


def _lint(rule: Rule, text: str, example: Example) -> list[tuple[Span, str]]:
    return [(f.span, f.message) for f in _findings(rule, text, example)]


def test_registry_loads_without_errors() -> None:
    assert REGISTRY.errors == []
    assert len(REGISTRY.rules) >= 4


@pytest.mark.parametrize(("rule", "example"), list(cases()))
def test_example(rule: Rule, example: Example) -> None:
    if example.bad is not None:
        text, expected = strip_marks(_dedent(example.bad))
        assert expected, f"{rule.code}: a bad example must mark the expected span with «»"
        found = _lint(rule, text, example)
        assert [s for s, _ in found] == expected, found
        for _, message in found:
            assert "{" not in message, f"unfilled placeholder in message: {message}"
    if example.fixed is not None:
        assert example.bad is not None
        text, _ = strip_marks(_dedent(example.bad))
        fixed, applied = apply_fixes(text, _findings(rule, text, example), unsafe=example.unsafe)
        assert applied, f"{rule.code}: no fix was applied"
        assert fixed == _dedent(example.fixed)
        # The fixed file lints clean for this rule, and fixing it again changes nothing.
        assert _lint(rule, fixed, example) == []
        again, _ = apply_fixes(fixed, _findings(rule, fixed, example), unsafe=example.unsafe)
        assert again == fixed
    if example.good is not None:
        text = _dedent(example.good)
        assert "«" not in text
        assert _lint(rule, text, example) == []

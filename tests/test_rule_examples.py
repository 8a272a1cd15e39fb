"""Every example of every rule is a test: each bad example yields exactly that rule at the marked
spans, each good example yields nothing from it, each fixed example equals the fix's result.

Spans are marked in a bad example with guillemets: ``FROM «ubuntu»``; several marks mean several
findings. A finding about several items (one per mistake, not per item) marks each of its related
locations with single guillemets (U+2039, U+203A) inside its own marks. The marks are removed
before the example is parsed.
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


OPEN, CLOSE, OPEN_ITEM, CLOSE_ITEM = "«", "»", "\u2039", "\u203a"
MARKS = OPEN + CLOSE + OPEN_ITEM + CLOSE_ITEM


def unmarked(text: str) -> str:
    """An example's text without its marks."""
    return text.translate({ord(c): None for c in MARKS})


def strip_marks(text: str) -> tuple[str, list[Span], list[Span]]:
    """Remove the marks; return the clean text, the spans of the findings and those of their
    items (1-based, end exclusive)."""
    clean: list[str] = []
    spans: dict[str, list[Span]] = {CLOSE: [], CLOSE_ITEM: []}
    starts: dict[str, Position | None] = {OPEN: None, OPEN_ITEM: None}
    line, column = 1, 1
    for ch in text:
        if ch in starts:
            starts[ch] = Position(line, column)
            continue
        if ch in spans:
            opening = OPEN if ch == CLOSE else OPEN_ITEM
            start = starts[opening]
            assert start is not None, f"{ch} without {opening}"
            spans[ch].append(Span(start, Position(line, column)))
            starts[opening] = None
            continue
        clean.append(ch)
        if ch == "\n":
            line, column = line + 1, 1
        else:
            column += 1
    return "".join(clean), spans[CLOSE], spans[CLOSE_ITEM]


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


def _related(rule: Rule, text: str, example: Example) -> list[Span]:
    return sorted((r.span for f in _findings(rule, text, example) for r in f.related), key=lambda s: s.start)


def test_registry_loads_without_errors() -> None:
    assert REGISTRY.errors == []
    assert len(REGISTRY.rules) >= 4


@pytest.mark.parametrize(("rule", "example"), list(cases()))
def test_example(rule: Rule, example: Example) -> None:
    if example.bad is not None:
        text, expected, related = strip_marks(_dedent(example.bad))
        assert expected, f"{rule.code}: a bad example must mark the expected span with «»"
        found = _lint(rule, text, example)
        assert [s for s, _ in found] == expected, found
        assert _related(rule, text, example) == sorted(related, key=lambda s: s.start)
        for _, message in found:
            assert "{" not in message, f"unfilled placeholder in message: {message}"
    if example.fixed is not None:
        assert example.bad is not None
        text = unmarked(_dedent(example.bad))
        fixed, applied = apply_fixes(text, _findings(rule, text, example), unsafe=example.unsafe)
        assert applied, f"{rule.code}: no fix was applied"
        assert fixed == _dedent(example.fixed)
        # The fixed file lints clean for this rule, and fixing it again changes nothing.
        assert _lint(rule, fixed, example) == []
        again, _ = apply_fixes(fixed, _findings(rule, fixed, example), unsafe=example.unsafe)
        assert again == fixed
    if example.good is not None:
        text = _dedent(example.good)
        assert not set(MARKS) & set(text)
        assert _lint(rule, text, example) == []

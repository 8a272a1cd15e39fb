"""Instructions before the first FROM (other than ARG) are reported by DF728, as BuildKit refuses
them, and still linted by every other rule, as hadolint does: templates and fragments that a build
script joins to a FROM have none."""

from __future__ import annotations

from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import Selection, lint_dockerfile
from dfanalyze.parse import orphan_view, parse_text

REGISTRY = default_registry()


def codes(text: str) -> list[tuple[int, str]]:
    found = lint_dockerfile(parse_text(text), registry=REGISTRY, selection=Selection(select=["ALL"]))
    return sorted((f.span.start.line, f.code) for f in found)


FRAGMENT = """\
RUN apt-get install curl && cd /src
COPY a b dest
"""


def test_a_fragment_without_from_is_linted() -> None:
    found = codes(FRAGMENT)
    for expected in [(1, "DF728"), (1, "DF511"), (1, "DF512"), (1, "DF513"), (1, "DF500"), (2, "DF722")]:
        assert expected in found
    assert (2, "DF725") in found


def test_before_a_from_the_same_and_nothing_twice() -> None:
    text = "ARG BASE=debian:12\n" + FRAGMENT + "FROM ${BASE}\nCOPY a b dest\n"
    found = codes(text)
    assert [c for c in found if c[0] == 1] == []  # the global ARG
    assert (2, "DF511") in found and (3, "DF722") in found and (5, "DF722") in found
    assert len(found) == len(set(found))


def test_rules_about_stages_do_not_report_the_made_up_from() -> None:
    """The view's FROM is an unknown image at a zero-width span: no finding lands on it."""
    found = lint_dockerfile(
        parse_text("WORKDIR /app\n"), registry=REGISTRY, selection=Selection(select=["ALL"])
    )
    assert [f.code for f in found] == ["DF728"]


def test_the_view() -> None:
    dockerfile = parse_text("ARG A=1\nRUN true\nARG B\nFROM alpine:3.20\nRUN false\n")
    view = orphan_view(dockerfile)
    assert view is not None
    fragment, from_ = view
    assert [i.kind for i in fragment.instructions] == ["ARG", "RUN", "ARG"]
    assert [i.line for i in fragment.stages[0].instructions] == [2]
    assert from_.span.start == from_.span.end == fragment.stages[0].instructions[0].span.start
    assert orphan_view(parse_text("ARG A\nFROM alpine\nRUN true\n")) is None

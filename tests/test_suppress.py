"""Suppression comments: every form, where each applies, how codes resolve, and how unused,
unknown and unreadable comments are reported (DF790, DF791, DF792).

The rules under test live in a registry of their own (three declarative test rules and the
suppression rules), so that other families' rules cannot change these results.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dfanalyze.engine.registry import Registry
from dfanalyze.engine.run import Linter
from dfanalyze.engine.selection import Selection
from dfanalyze.findings import Severity
from dfanalyze.parse import parse_text
from dfanalyze.resources import data_dir

TEST_RULE = """\
code = "{code}"
name = "{name}"
family = "test"
severity = "{severity}"
summary = "test rule"
message = "{name}"
aliases = {aliases}

[match]
instruction = "{instruction}"

[docs]
what = "For tests."
why = "For tests."

[[examples]]
bad = "FROM a\\n«{instruction} x»\\n"

[[examples]]
good = "FROM a\\n"
"""
RULES = [
    ("TST001", "shell-cmd", "warning", ["DL3025", "JSONArgsRecommended"], "CMD"),
    ("TST002", "every-run", "info", ["DL3059"], "RUN"),
    ("TST003", "every-user", "style", [], "USER"),
]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    folder = tmp_path_factory.mktemp("rules")
    for code, name, severity, aliases, instruction in RULES:
        text = TEST_RULE.format(
            code=code,
            name=name,
            severity=severity,
            aliases=str(aliases).replace("'", '"'),
            instruction=instruction,
        )
        (folder / f"{code}-{name}.toml").write_text(text)
    for path in (data_dir("rules") / "suppression").glob("DF79*.toml"):
        shutil.copy(path, folder / path.name)
    built = Registry().extended([folder])
    assert built.errors == []
    return built


def lint(
    registry: Registry, text: str, select: tuple[str, ...] = ("TST", "DF79"), *, hadolint_pragmas: bool = True
) -> list[str]:
    linter = Linter.create(registry, Selection(select=list(select)), hadolint_pragmas=hadolint_pragmas)
    return [f"{f.span.start.line}:{f.code}" for f in linter.lint(parse_text(text))]


BASE = """\
FROM alpine:3.20
RUN echo one
CMD echo two
USER app
"""


def test_without_comments_every_test_rule_reports(registry: Registry) -> None:
    assert lint(registry, BASE) == ["2:TST002", "3:TST001", "4:TST003"]


@pytest.mark.parametrize("code", ["TST002", "tst002", "every-run", "DL3059", "dl3059"])
def test_ignore_above_an_instruction_by_code_name_or_alias(registry: Registry, code: str) -> None:
    text = f"FROM alpine:3.20\n# dfanalyze: ignore={code}\nRUN echo one\nRUN echo two\n"
    assert lint(registry, text) == ["4:TST002"]


def test_ignore_reaches_past_blank_lines_and_other_comments(registry: Registry) -> None:
    text = """\
FROM alpine:3.20
# dfanalyze: ignore=TST002,TST001 -- both are fine here

# a plain comment
#
RUN echo one
CMD echo two
"""
    assert lint(registry, text) == ["2:DF790", "7:TST001"]  # TST001 is not on the RUN: unused


def test_ignore_inside_a_continued_instruction_applies_to_it(registry: Registry) -> None:
    text = """\
FROM alpine:3.20
RUN echo one \\
    # dfanalyze: ignore=TST002
    && echo two
RUN echo three
"""
    assert lint(registry, text) == ["5:TST002"]


def test_comment_lines_in_heredoc_bodies_are_not_suppressions(registry: Registry) -> None:
    text = """\
FROM alpine:3.20
RUN <<EOF
# dfanalyze: ignore-file=TST002
echo hi
EOF
"""
    assert lint(registry, text) == ["2:TST002"]


def test_ignore_file_anywhere(registry: Registry) -> None:
    assert lint(registry, BASE + "# dfanalyze: ignore-file=TST001,every-user\n") == ["2:TST002"]


def test_disable_and_enable_bound_a_range(registry: Registry) -> None:
    text = """\
FROM alpine:3.20
RUN echo one
# dfanalyze: disable=TST002
RUN echo two
RUN echo three
# dfanalyze: enable=every-run
RUN echo four
# dfanalyze: disable=TST002
RUN echo five
"""
    assert lint(registry, text) == ["2:TST002", "7:TST002"]


def test_hadolint_ignore_and_global_ignore_map_through_aliases(registry: Registry) -> None:
    text = """\
# hadolint global ignore=DL3025
FROM alpine:3.20
# hadolint ignore=DL3059, SC2086
RUN echo one
RUN echo two
CMD echo three
"""
    assert lint(registry, text) == ["5:TST002"]


def test_hadolint_pragmas_can_be_turned_off(registry: Registry) -> None:
    text = "FROM alpine:3.20\n# hadolint ignore=DL3059\nRUN echo one\n"
    assert lint(registry, text, hadolint_pragmas=False) == ["3:TST002"]


def test_check_skip_directive_skips_buildkit_names_for_the_file(registry: Registry) -> None:
    assert lint(registry, "# check=skip=JSONArgsRecommended\n" + BASE) == ["3:TST002", "5:TST003"]


def test_check_skip_all_skips_every_buildkit_aliased_rule_only(registry: Registry) -> None:
    assert lint(registry, "# check=skip=all\n" + BASE) == ["3:TST002", "5:TST003"]


def test_check_skip_names_are_case_sensitive(registry: Registry) -> None:
    found = lint(registry, "# check=skip=jsonargsrecommended\n" + BASE)
    assert found == ["1:DF791", "3:TST002", "4:TST001", "5:TST003"]


def test_check_skip_above_an_instruction_applies_to_it_only(registry: Registry) -> None:
    text = """\
FROM alpine:3.20
# check=skip=JSONArgsRecommended
CMD echo one
CMD echo two
"""
    assert lint(registry, text) == ["4:TST001"]


def test_an_empty_comment_cuts_a_check_comment_off_its_instruction(registry: Registry) -> None:
    text = "FROM alpine:3.20\n# check=skip=JSONArgsRecommended\n#\nCMD echo one\n"
    assert lint(registry, text) == ["4:TST001"]


def test_check_error_true_makes_buildkit_aliased_findings_errors(registry: Registry) -> None:
    linter = Linter.create(registry, Selection(select=["TST"]))
    findings = linter.lint(parse_text("# check=error=true\n" + BASE))
    assert {f.code: f.severity for f in findings} == {
        "TST001": Severity.ERROR,
        "TST002": Severity.INFO,
        "TST003": Severity.STYLE,
    }


def test_unused_suppressions_are_reported_per_code(registry: Registry) -> None:
    text = """\
FROM alpine:3.20
# dfanalyze: ignore=TST002,TST003
RUN echo one
# dfanalyze: ignore-file=TST001
# dfanalyze: disable=TST003
RUN echo two
# dfanalyze: enable=TST003
# dfanalyze: enable=TST001
"""
    found = lint(registry, text)
    assert found == ["2:DF790", "4:DF790", "5:DF790", "6:TST002", "8:DF790"]


def test_a_suppression_is_judged_even_when_its_rule_is_not_selected(registry: Registry) -> None:
    text = "FROM alpine:3.20\n# dfanalyze: ignore=TST002\nRUN echo one\n# dfanalyze: ignore=TST001\nRUN x\n"
    assert lint(registry, text, select=("DF790",)) == ["4:DF790"]


def test_unused_suppression_message_and_fixes(registry: Registry) -> None:
    text = (
        "FROM alpine:3.20\n# hadolint ignore=DL3059,DL3025\nRUN echo one\n# dfanalyze: ignore=TST001\nRUN x\n"
    )
    linter = Linter.create(registry, Selection(select=["DF790"]))
    hadolint, ours = linter.lint(parse_text(text))
    assert hadolint.message == "Unused suppression: `DL3025` reports nothing on this instruction"
    assert hadolint.fix is not None and not hadolint.fix.safe
    assert [e.content for e in hadolint.fix.edits] == ["DL3059"]
    assert ours.fix is not None and ours.fix.safe
    assert [(e.span.start.line, e.span.end.line, e.content) for e in ours.fix.edits] == [(4, 5, "")]


def test_foreign_codes_are_neither_unknown_nor_unused(registry: Registry) -> None:
    text = """\
# check=skip=CopyIgnoredFile
FROM alpine:3.20
# hadolint ignore=DL3008,SC2086
RUN echo one
"""
    assert lint(registry, text) == ["4:TST002"]


def test_unknown_codes_are_reported_with_a_hint(registry: Registry) -> None:
    text = "FROM alpine:3.20\n# dfanalyze: ignore=every-rn\nRUN echo one\n"
    linter = Linter.create(registry, Selection(select=["DF791"]))
    (finding,) = linter.lint(parse_text(text))
    assert finding.message == "Unknown code in suppression comment: `every-rn` names no rule"
    assert (finding.span.start.column, finding.span.end.column) == (21, 29)


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("# dfanalyze: ignroe=TST002", "unknown action `ignroe`: use ignore, ignore-file, disable, enable"),
        ("# dfanalyze: ignore", "unreadable suppression comment"),
        ("# dfanalyze: ignore=", "`ignore=` needs at least one code"),
        ("# dfanalyze: ignore=TST002,,TST001", "`ignore=` needs at least one code"),
        ("# dfanalyze: ignore=TST/2", "`TST/2` is not a rule code, name or alias"),
        ("# hadolint ignore=", "`# hadolint ignore=` needs at least one code"),
        ("# check=skip=JSONArgsRecommended;error=maybe", "failed to parse check option 'error=maybe'"),
        ("# check=nope=1", "invalid check option 'nope'"),
    ],
)
def test_unreadable_comments_are_reported(registry: Registry, comment: str, problem: str) -> None:
    text = f"FROM alpine:3.20\n  {comment}\nRUN echo one\n"
    linter = Linter.create(registry, Selection(select=["DF792"]))
    (finding,) = linter.lint(parse_text(text))
    assert problem in finding.message
    assert (finding.span.start.line, finding.span.start.column) == (2, 3)
    assert finding.span.end.column == 3 + len(comment)


def test_suppression_rules_findings_can_be_suppressed_too(registry: Registry) -> None:
    text = "# dfanalyze: ignore-file=DF791\nFROM alpine:3.20\n# dfanalyze: ignore=NOPE1\nRUN echo one\n"
    assert lint(registry, text) == ["4:TST002"]


def test_files_without_suppressions_take_the_fast_path(registry: Registry, tmp_path: Path) -> None:
    from dfanalyze.engine.suppress import read_comments

    assert not read_comments(parse_text(BASE))
    assert read_comments(parse_text("# check=error=true\n" + BASE)).buildkit_errors

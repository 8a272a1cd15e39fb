"""BuildKit's check configuration beyond ``skip``: ``experimental=`` in the ``# check=`` directive,
and the ``BUILDKIT_DOCKERFILE_CHECK`` build argument, which replaces the directive of every file
(frontend/dockerui reads it; dockerfile2llb then ignores the file's directive)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import Linter
from dfanalyze.engine.selection import Selection
from dfanalyze.engine.suppress import CheckOptionError, CheckOptions
from dfanalyze.parse import parse_text

# DF712 carries InvalidDefinitionDescription, BuildKit's experimental check; DF708 UndefinedVar;
# DF705 FromAsCasing.
DOCKERFILE = """\
FROM scratch as base
# not a description
ARG foo=1
COPY $missing /
"""


def lint(text: str, selection: Selection | None = None, **build_args: str) -> dict[str, str]:
    """Rule code -> severity of the findings of DF705, DF708 and DF712."""
    linter = Linter.create(default_registry(), selection or Selection(), build_args=build_args)
    found = linter.lint(parse_text(text))
    return {f.code: f.severity.value for f in found if f.code in ("DF705", "DF708", "DF712")}


def test_experimental_checks_are_off_without_the_directive() -> None:
    assert "DF712" not in lint(DOCKERFILE)
    assert set(lint(DOCKERFILE)) == {"DF705", "DF708"}


@pytest.mark.parametrize("value", ["InvalidDefinitionDescription", "all", " JSONArgsRecommended , all"])
def test_the_directive_turns_experimental_checks_on(value: str) -> None:
    assert "DF712" in lint(f"# check=experimental={value}\n" + DOCKERFILE)


def test_experimental_names_only_experimental_checks() -> None:
    assert "DF712" not in lint("# check=experimental=UndefinedVar\n" + DOCKERFILE)


def test_skip_all_does_not_skip_experimental_checks() -> None:
    """As BuildKit's linter: ``skip`` is not looked at for an experimental check."""
    assert set(lint("# check=skip=all;experimental=all\n" + DOCKERFILE)) == {"DF712"}


def test_an_explicit_selection_still_decides() -> None:
    directive = "# check=experimental=all\n" + DOCKERFILE
    assert "DF712" not in lint(directive, Selection(ignore=["DF712"]))
    assert set(lint(directive, Selection(select=["DF708"]))) == {"DF708"}
    assert "DF712" in lint(directive, Selection(extend_select=["DF705"]))


def test_the_build_argument_replaces_the_directive() -> None:
    directive = "# check=skip=all;experimental=all\n" + DOCKERFILE
    assert set(lint(directive, BUILDKIT_DOCKERFILE_CHECK="skip=UndefinedVar")) == {"DF705"}
    assert set(lint(directive, BUILDKIT_DOCKERFILE_CHECK="")) == {"DF705", "DF708"}
    on = lint(DOCKERFILE, BUILDKIT_DOCKERFILE_CHECK="experimental=InvalidDefinitionDescription")
    assert set(on) == {"DF705", "DF708", "DF712"}


def test_buildkit_rule_check_option_cases() -> None:
    """BuildKit's testRuleCheckOption: the build argument's ``error=true`` and ``skip`` win over
    the file's ``skip=all``; its ``skip=all`` over the file's ``error=true``."""
    casing = "FROM scratch as base\ncopy Dockerfile .\n"
    found = lint(
        "#check=skip=all\n" + casing, BUILDKIT_DOCKERFILE_CHECK="skip=ConsistentInstructionCasing;error=true"
    )
    assert found == {"DF705": "error"}
    assert lint("#check=error=true\n" + casing, BUILDKIT_DOCKERFILE_CHECK="skip=all") == {}
    assert lint("#check=error=true\n" + casing) == {"DF705": "error"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", CheckOptions()),
        ("skip=all", CheckOptions(skip=frozenset({"all"}))),
        (" skip = A, B ;error=True", CheckOptions(skip=frozenset({"A", "B"}), error=True)),
        ("experimental=all;error=0", CheckOptions(experimental=frozenset({"all"}))),
    ],
)
def test_check_options_parse_as_buildkit(value: str, expected: CheckOptions) -> None:
    assert CheckOptions.parse(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("skip", "invalid check option 'skip'"),
        ("ignore=A", "invalid check option 'ignore'"),
        ("error=yes", "failed to parse check option 'error=yes'"),
        ("error=tRuE", "failed to parse check option 'error=tRuE'"),  # Go's ParseBool
    ],
)
def test_values_buildkit_refuses_are_errors(value: str, problem: str) -> None:
    with pytest.raises(CheckOptionError, match=problem):
        CheckOptions.parse(value)


def test_the_command_line_reports_a_bad_value(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFANALYZE_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "no-config")
    result = subprocess.run(
        [sys.executable, "-m", "dfanalyze", "--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip", "Dockerfile"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 2
    assert "BUILDKIT_DOCKERFILE_CHECK: invalid check option 'skip'" in result.stderr

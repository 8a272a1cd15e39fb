"""Configuration files: discovery, every key, hadolint's file merged under ours, and the errors
(``path: key: problem``) for anything that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest
from msgspec.structs import replace

from dfanalyze.engine.config import (
    Config,
    ConfigError,
    ConfigFinder,
    Overrides,
    fails,
    load_config,
    load_dfanalyze,
    load_hadolint,
)
from dfanalyze.engine.linting import plan_linting
from dfanalyze.engine.registry import Registry, default_registry
from dfanalyze.engine.selection import Selection, SelectorError
from dfanalyze.findings import Finding, Severity
from dfanalyze.parse import parse_text
from dfanalyze.span import Span

RULE = """\
code = "LOC001"
name = "every-run"
family = "local"
severity = "warning"
summary = "A RUN instruction"
message = "RUN found (limit {limit})"
aliases = ["DL9999"]

[match]
instruction = "RUN"

[options]
limit = 3
names = ["a"]
strict = false
trusted-registries = []

[docs]
what = "For tests."
why = "For tests."

[[examples]]
bad = "FROM a\\n«RUN x»\\n"

[[examples]]
good = "FROM a\\n"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root (``.git``) with a folder of local rules."""
    (tmp_path / ".git").mkdir()
    write(tmp_path / "local-rules" / "LOC001-every-run.toml", RULE)
    return tmp_path


def registry_with(repo: Path) -> Registry:
    return default_registry().extended([repo / "local-rules"])


# --- discovery --------------------------------------------------------------------------------


def test_nearest_configuration_wins_whole(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.dfanalyze]\nignore = ["DF703"]\nexclude = ["vendor/"]\n')
    write(repo / "app" / ".dfanalyze.toml", 'select = ["DF700"]\n')
    (repo / "app" / "deep").mkdir()
    finder = ConfigFinder()
    assert finder.for_folder(repo).path == repo / "pyproject.toml"
    deep = finder.for_folder(repo / "app" / "deep")
    assert deep.path == repo / "app" / ".dfanalyze.toml"
    assert (deep.select, deep.ignore, deep.exclude) == (("DF700",), (), ())


def test_dfanalyze_toml_comes_before_pyproject_in_one_folder(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.dfanalyze]\nignore = ["DF703"]\n')
    write(repo / ".dfanalyze.toml", 'ignore = ["DF700"]\n')
    assert ConfigFinder().for_folder(repo).ignore == ("DF700",)


def test_a_pyproject_without_the_table_is_passed_over(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.dfanalyze]\nignore = ["DF703"]\n')
    write(repo / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    assert ConfigFinder().for_folder(repo / "sub").path == repo / "pyproject.toml"


def test_discovery_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".dfanalyze.toml", 'ignore = ["DF703"]\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    config = ConfigFinder().for_folder(tmp_path / "repo" / "sub")
    assert config == Config()


def test_hadolint_file_is_found_the_same_way_and_merged_under(repo: Path) -> None:
    write(repo / ".hadolint.yaml", "ignored: [DL3059]\nfailure-threshold: warning\n")
    write(repo / "svc" / ".dfanalyze.toml", 'failure-threshold = "error"\n')
    config = ConfigFinder().for_folder(repo / "svc")
    assert config.path == repo / "svc" / ".dfanalyze.toml"
    assert config.hadolint is not None and config.hadolint.path == repo / ".hadolint.yaml"
    assert config.threshold == "error"
    assert ConfigFinder().for_folder(repo).threshold == "warning"


def test_config_option_overrides_discovery(repo: Path) -> None:
    write(repo / ".dfanalyze.toml", 'ignore = ["DF703"]\n')
    other = write(repo / "ci" / "lint.toml", 'ignore = ["DF700"]\n')
    linting = plan_linting([str(repo / "Dockerfile")], default_registry(), Overrides(), config_file=other)
    assert all(p.linter.plan.codes.isdisjoint({"DF700"}) for p in linting.plans.values())
    assert all("DF703" in p.linter.plan.codes for p in linting.plans.values())


# --- keys -------------------------------------------------------------------------------------


def test_every_key_is_read(repo: Path) -> None:
    path = write(
        repo / "pyproject.toml",
        """\
[tool.dfanalyze]
select = ["syntax"]
extend-select = ["LOC001"]
ignore = ["DF703"]
failure-threshold = "warning"
extend-rules = ["local-rules"]
trusted-registries = ["docker.io"]
build-args = { TAG = "1.0" }
exclude = ["vendor/"]
output-format = "concise"
label-schema = { maintainer = "email" }
strict-labels = true

[tool.dfanalyze.severity]
syntax = "info"
DF700 = "error"

[tool.dfanalyze.rules.every-run]
limit = 5
""",
    )
    config = load_dfanalyze(path)
    assert config.select == ("syntax",)
    assert config.extend_rules == (repo / "local-rules",)
    assert config.build_args == {"TAG": "1.0"}
    assert (config.output_format, config.exclude, config.threshold) == ("concise", ("vendor/",), "warning")
    assert config.settings == {
        "trusted-registries": ["docker.io"],
        "label-schema": {"maintainer": "email"},
        "strict-labels": True,
    }
    linter = config.linter(default_registry(), Overrides())
    assert "LOC001" in linter.plan.codes and "DF703" not in linter.plan.codes
    assert linter.plan.severities["DF701"] is Severity.INFO
    assert linter.plan.severities["DF700"] is Severity.ERROR  # the code is more specific
    assert linter.plan.options["LOC001"]["limit"] == 5
    # a global setting is the default of a rule option of the same name
    assert linter.plan.options["LOC001"]["trusted-registries"] == ["docker.io"]
    assert linter.build_args == {"TAG": "1.0"}
    finding = next(f for f in linter.lint(parse_text("FROM a\nRUN x\n")) if f.code == "LOC001")
    assert finding.message == "RUN found (limit 5)"


def test_command_line_refines_the_configuration(repo: Path) -> None:
    path = write(repo / ".dfanalyze.toml", 'select = ["DF700", "DF701"]\nbuild-args = { A = "1", B = "2" }\n')
    config = load_dfanalyze(path)
    overrides = Overrides(Selection(extend_select=["DF702"], ignore=["DF700"]), {"B": "3"})
    linter = config.linter(default_registry(), overrides)
    assert sorted(linter.plan.codes) == ["DF701", "DF702"]
    assert linter.build_args == {"A": "1", "B": "3"}
    reset = config.linter(default_registry(), Overrides(Selection(select=["DF703"])))
    assert sorted(reset.plan.codes) == ["DF703"]


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("selct = []", "tool.dfanalyze.selct", "unknown key (did you mean 'select'?)"),
        ('select = "DF700"', "tool.dfanalyze.select", "must be a list of strings"),
        ('severity = { DF700 = "fatal" }', "tool.dfanalyze.severity.DF700", "'fatal' is not one of"),
        ('failure-threshold = "high"', "tool.dfanalyze.failure-threshold", "'high' is not one of"),
        ('extend-rules = ["nowhere"]', "tool.dfanalyze.extend-rules", "is not a folder"),
        ("rules = { DF700 = 1 }", "tool.dfanalyze.rules", "must be a table of option tables"),
        ("build-args = { A = 1 }", "tool.dfanalyze.build-args.A", "must be a string, not int"),
        ("strict-labels = 1", "tool.dfanalyze.strict-labels", "must be true or false"),
        ("output-format = 3", "tool.dfanalyze.output-format", "must be a string"),
        ("select = [", "toml", "at end of document"),
    ],
)
def test_bad_values_name_file_and_key(repo: Path, text: str, key: str, problem: str) -> None:
    path = write(repo / "pyproject.toml", f"[tool.dfanalyze]\n{text}\n")
    with pytest.raises(ConfigError) as caught:
        load_dfanalyze(path)
    assert str(caught.value).startswith(f"{path}: {key}: ")
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('select = ["DF7000"]', "select", "'DF7000' names no rule (did you mean 'DF700'?)"),
        ('extend-select = ["nothing"]', "extend-select", "'nothing' names no rule"),
        ('ignore = ["XX"]', "ignore", "'XX' names no rule"),
        ('severity = { nope = "info" }', "severity", "'nope' names no rule"),
        ("rules.DF7 = { x = 1 }", "rules.DF7", "names no rule (use a rule's code, name or alias)"),
        ("rules.LOC001 = { limitt = 1 }", "rules.LOC001.limitt", "LOC001 has no such option (its options:"),
        ('rules.DL9999 = { limit = "5" }', "rules.DL9999.limit", "must be like the default 3, not str"),
        ("rules.LOC001 = { strict = 1 }", "rules.LOC001.strict", "must be like the default False"),
        ("rules.LOC001 = { names = [1] }", "rules.LOC001.names", "must be like the default ['a']"),
    ],
)
def test_selectors_and_options_are_checked_against_the_rules(
    repo: Path, text: str, key: str, problem: str
) -> None:
    path = write(repo / ".dfanalyze.toml", f"{text}\n")
    with pytest.raises(ConfigError) as caught:
        load_dfanalyze(path).linter(registry_with(repo), Overrides())
    assert str(caught.value).startswith(f"{path}: {key}: {problem}")


def test_command_line_selectors_naming_nothing_raise_selector_error(repo: Path) -> None:
    with pytest.raises(SelectorError) as caught:
        Config().linter(default_registry(), Overrides(Selection(ignore=["DF7000"])))
    assert (caught.value.key, caught.value.selector) == ("ignore", "DF7000")


# --- hadolint ---------------------------------------------------------------------------------


def test_hadolint_keys(repo: Path) -> None:
    path = write(
        repo / ".hadolint.yaml",
        """\
ignored:
  - DL9999
  - SC2086
override:
  error: [DL3006]
  info: [DL3007]
trustedRegistries: [docker.io, ghcr.io]
label-schema:
  author: text
strict-labels: true
failure-threshold: info
disable-ignore-pragma: true
format: json
no-color: true
""",
    )
    h = load_hadolint(path)
    assert h.ignored == ("DL9999", "SC2086")
    assert h.override == {"DL3006": "error", "DL3007": "info"}
    assert (h.failure_threshold, h.pragmas, h.strict_labels) == ("info", False, True)
    config = Config(hadolint=h)
    assert config.settings["trusted-registries"] == ["docker.io", "ghcr.io"]
    linter = config.linter(registry_with(repo), Overrides())
    assert "LOC001" not in linter.plan.codes  # DL9999 through its alias; SC2086 is not implemented
    assert not linter.hadolint_pragmas


def test_hadolint_override_sets_severity_under_our_own(repo: Path) -> None:
    write(repo / ".hadolint.yaml", "override:\n  error: [DL9999]\n")
    config = ConfigFinder().for_folder(repo)
    plan = config.linter(registry_with(repo), Overrides(Selection(extend_select=["LOC001"]))).plan
    assert plan.severities["LOC001"] is Severity.ERROR
    write(repo / ".dfanalyze.toml", 'severity = { local = "style" }\n')
    config = ConfigFinder().for_folder(repo)
    plan = config.linter(registry_with(repo), Overrides()).plan
    assert plan.severities["LOC001"] is Severity.STYLE


@pytest.mark.parametrize(
    ("text", "threshold"),
    [
        ("no-fail: true\nfailure-threshold: error\n", "never"),
        ("failure-threshold: none\n", "style"),
        ("", "warning"),  # hadolint's own default (info) is not taken: dfanalyze's applies
    ],
)
def test_hadolint_failure_threshold(repo: Path, text: str, threshold: str) -> None:
    write(repo / ".hadolint.yml", text)
    assert ConfigFinder().for_folder(repo).threshold == threshold


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("trusted-registries: [docker.io]", "trusted-registries", "did you mean 'trustedRegistries'?"),
        ("ignored: DL3006", "ignored", "must be a list of strings"),
        ("override:\n  fatal: [DL3006]", "override.fatal", "unknown severity"),
        ("failure-threshold: high", "failure-threshold", "'high' is not one of"),
        ("no-fail: maybe", "no-fail", "must be true or false"),
        ("- a list", "yaml", "must be a mapping"),
    ],
)
def test_bad_hadolint_files_name_file_and_key(repo: Path, text: str, key: str, problem: str) -> None:
    path = write(repo / ".hadolint.yaml", text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_hadolint(path)
    assert str(caught.value).startswith(f"{path}: {key}: ")
    assert problem in str(caught.value)


def test_yaml_that_does_not_parse_is_named_at_its_line_and_column(repo: Path) -> None:
    path = write(repo / ".hadolint.yaml", "ignored: [\n")
    with pytest.raises(ConfigError) as caught:
        load_hadolint(path)
    assert str(caught.value) == (
        f"{path}:2:1: yaml: while parsing a flow node expected the node content, but found '<stream end>'"
    )


def test_hadolint_codes_that_are_not_hadolint_codes_are_refused(repo: Path) -> None:
    path = write(repo / ".hadolint.yaml", "ignored: [DL9999, FOO]\n")
    with pytest.raises(ConfigError, match=r"\.hadolint\.yaml: ignored: 'FOO' names no rule"):
        load_config(path).linter(registry_with(repo), Overrides())


def test_load_config_reads_either_kind_of_file(repo: Path) -> None:
    assert load_config(write(repo / "x.yml", "ignored: [DL9999]\n")).hadolint is not None
    assert load_config(write(repo / "x.toml", 'ignore = ["DF700"]\n')).ignore == ("DF700",)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(repo / "missing.toml")


# --- failure threshold --------------------------------------------------------------------------


def finding(severity: Severity) -> Finding:
    return Finding("DF1", "x", "f", severity, "m", "Dockerfile", Span.of(1, 1, 1, 2))


@pytest.mark.parametrize(
    ("severities", "threshold", "expected"),
    [
        ([Severity.STYLE], "style", True),
        ([Severity.STYLE, Severity.INFO], "warning", False),
        ([Severity.WARNING], "warning", True),
        ([Severity.WARNING], "error", False),
        ([Severity.ERROR], "never", False),
        ([], "style", False),
    ],
)
def test_fails(severities: list[Severity], threshold: str, expected: bool) -> None:
    assert fails([finding(s) for s in severities], threshold) is expected


def test_each_file_is_judged_by_its_own_threshold(repo: Path) -> None:
    write(repo / "strict" / ".dfanalyze.toml", 'failure-threshold = "style"\n')
    write(repo / "lax" / ".dfanalyze.toml", 'failure-threshold = "error"\n')
    strict, lax = str(repo / "strict" / "Dockerfile"), str(repo / "lax" / "Dockerfile")
    linting = plan_linting([strict, lax], default_registry(), Overrides(), cwd=repo)
    style = finding(Severity.STYLE)
    assert linting.fails([replace(style, path=strict)])
    assert not linting.fails([replace(style, path=lax)])
    forced = plan_linting([lax], default_registry(), Overrides(failure_threshold="style"), cwd=repo)
    assert forced.fails([replace(style, path=lax)])

"""Selection and running: selectors, layers (configuration under the command line), severity and
option tables by specificity, the rule plan, and a check that crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_plugins import rule_file

from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import Linter, RunProblem, lint_dockerfile
from dfanalyze.engine.selection import Selection, SelectorError, names_exactly, resolve, specificity
from dfanalyze.findings import Severity
from dfanalyze.parse import parse_text

REGISTRY = default_registry()
RULES = REGISTRY.sorted_rules()
DF703 = REGISTRY.rules["DF703"]


@pytest.mark.parametrize(
    ("selector", "rank"),
    [
        ("DF703", 1000),
        ("df703", 1000),
        ("empty-continuation-line", 1000),
        ("NoEmptyContinuation", 1000),
        ("noemptycontinuation", 1000),
        ("DF70", 5),
        ("DF7", 4),
        ("DF", 3),
        ("syntax", 1),
        ("ALL", 0),
        ("hadolint", None),  # a preset DF703 is not in (it has no hadolint code)
        ("DF71", None),
        ("base-image", None),
        ("Empty-Continuation-Line", None),
    ],
)
def test_specificity(selector: str, rank: int | None) -> None:
    assert specificity(DF703, selector) == rank
    assert names_exactly(DF703, selector) is (rank == 1000)


def test_resolve_explains_what_names_nothing() -> None:
    assert [r.code for r in resolve("DF70", RULES)][:4] == ["DF700", "DF701", "DF702", "DF703"]
    with pytest.raises(SelectorError) as caught:
        resolve("empty-continuation-lin", RULES, "ignore")
    assert (caught.value.key, caught.value.hint) == ("ignore", " (did you mean 'empty-continuation-line'?)")
    assert str(caught.value) == (
        "unknown rule selector: 'empty-continuation-lin' (did you mean 'empty-continuation-line'?)"
    )


def codes(selection: Selection) -> list[str]:
    return [r.code for r in selection.active(REGISTRY)]


def test_default_selection_is_every_enabled_rule() -> None:
    assert codes(Selection()) == [r.code for r in RULES if r.enabled]
    assert codes(Selection(select=["ALL"])) == [r.code for r in RULES]


def test_the_hadolint_preset_is_what_hadolint_runs_by_default() -> None:
    """Every rule carrying a hadolint code that hadolint 2.15 reports without configuration, and
    ShellCheck; not the codes hadolint turns off (DL3057) or removed (DL3005), not BuildKit-only
    rules; any case; in severity tables it ranks with ALL, below a family."""
    chosen = set(codes(Selection(select=["hadolint"])))
    assert {"DF100", "DF503", "DF513", "DF599", "DF739"} <= chosen
    assert chosen.isdisjoint({"DF240", "DF515", "DF741", "DF703", "DF103"})
    assert codes(Selection(select=["Hadolint"])) == sorted(chosen)
    assert specificity(REGISTRY.rules["DF513"], "hadolint") == 0
    config = Selection(severity={"run": "error", "hadolint": "style"})
    assert config.severity_of(REGISTRY.rules["DF513"]) is Severity.ERROR
    assert config.severity_of(REGISTRY.rules["DF100"]) is Severity.STYLE
    assert codes(Selection(ignore=["hadolint"], select=["DF1"])) == [
        c for c in codes(Selection(select=["DF1"])) if c not in chosen
    ]


def test_layers_select_replaces_extend_adds_ignore_removes() -> None:
    config = Selection(select=["DF700", "DF701"], ignore=["DF701"])
    assert codes(config) == ["DF700"]  # within a layer, ignore wins
    assert codes(Selection(extend_select=["DF702"], base=config)) == ["DF700", "DF702"]
    assert codes(Selection(select=["DF701"], base=config)) == ["DF701"]  # a later select resets
    assert codes(Selection(ignore=["syntax"], base=config)) == []


def test_ignores_below_carry_over_against_less_specific_selectors() -> None:
    """ruff's carry-over: a file's (or a .hadolint.yaml's) ignore holds against a broader select or
    extend-select on top of it, not against one naming the rule as precisely; re-selected below,
    nothing carries."""
    hadolint_file = Selection(ignore=["DL3008"])  # exact, through the alias
    config = Selection(ignore=["run"], base=hadolint_file)  # a family
    assert "DF513" not in codes(Selection(select=["hadolint"], base=hadolint_file))
    assert "DF512" in codes(Selection(select=["hadolint"], base=hadolint_file))
    assert "DF513" not in codes(Selection(extend_select=["DF5"], base=hadolint_file))
    assert "DF513" in codes(Selection(select=["DF513"], base=hadolint_file))
    assert "DF513" in codes(Selection(extend_select=["apt-get-unpinned"], base=hadolint_file))
    cli = codes(Selection(select=["DF51"], base=config))  # a prefix beats the family, not the code
    assert "DF512" in cli and "DF513" not in cli
    assert "DF512" not in codes(Selection(select=["ALL"], base=config))
    reselected = Selection(extend_select=["DF513"], base=hadolint_file)
    assert "DF513" in codes(Selection(select=["hadolint"], base=reselected))


def test_severity_most_specific_wins_and_later_layers_win() -> None:
    config = Selection(severity={"DF703": "error", "syntax": "info", "DF70": "style"})
    assert config.severity_of(DF703) is Severity.ERROR
    assert config.severity_of(REGISTRY.rules["DF701"]) is Severity.STYLE
    assert config.severity_of(REGISTRY.rules["DF729"]) is Severity.INFO
    cli = Selection(severity={"ALL": "warning"}, base=config)
    assert cli.severity_of(DF703) is Severity.WARNING
    assert Selection().severity_of(DF703) is DF703.severity


def test_options_merge_by_specificity_over_settings(tmp_path: Path) -> None:
    rule_file(
        tmp_path, "LOC001", "every-run", '[match]\ninstruction = "RUN"\n\n[options]\na = 1\nb = 2\nc = 3'
    )
    registry = REGISTRY.extended([tmp_path])
    rule = registry.rules["LOC001"]
    config = Selection(options={"local": {"a": 10, "b": 20}, "LOC001": {"b": 200}})
    cli = Selection(options={"every-run": {"c": 3000}}, base=config)
    assert cli.options_of(rule, {"a": -1, "c": -3, "unrelated": 0}) == {"a": 10, "b": 200, "c": 3000}
    assert Selection().options_of(rule, {"a": -1, "unrelated": 0}) == {"a": -1, "b": 2, "c": 3}


def test_plan_resolves_once_and_checks_every_layer() -> None:
    plan = Selection(select=["DF703"], severity={"DF703": "error"}).plan(REGISTRY)
    assert plan.codes == {"DF703"}
    assert plan.severities["DF703"] is Severity.ERROR
    assert plan.severities["DF700"] is REGISTRY.rules["DF700"].severity
    with pytest.raises(SelectorError) as caught:
        Selection(base=Selection(options={"nothing": {}})).plan(REGISTRY)
    assert (caught.value.key, caught.value.selector) == ("options", "nothing")


def test_a_crashing_check_is_a_problem_not_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "crashing_check.py").write_text("def check(ctx):\n    raise RuntimeError('boom')\n")
    rule_file(tmp_path / "rules", "LOC009", "crashes", 'check = "crashing_check:check"')
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = REGISTRY.extended([tmp_path / "rules"])
    assert "LOC009" in registry.rules and "LOC009" not in REGISTRY.rules
    problems: list[RunProblem] = []
    text = "FROM alpine:3.20\nRUN apk add \\\n\n    curl\n"
    findings = lint_dockerfile(
        parse_text(text),
        registry=registry,
        selection=Selection(select=["LOC009", "DF703"]),
        problems=problems,
    )
    assert [f.code for f in findings] == ["DF703"]
    assert problems == [RunProblem("LOC009", "Dockerfile", "RuntimeError: boom")]


def test_linter_is_reusable_across_files() -> None:
    linter = Linter.create(REGISTRY, Selection(select=["DF703"]))
    bad = parse_text("FROM alpine:3.20\nRUN apk add \\\n\n    curl\n", "a/Dockerfile")
    good = parse_text("FROM alpine:3.20\nRUN apk add curl\n", "b/Dockerfile")
    assert [(f.path, f.code) for f in linter.lint(bad)] == [("a/Dockerfile", "DF703")]
    assert linter.lint(good) == []
    assert [(f.path, f.code) for f in linter.lint(bad)] == [("a/Dockerfile", "DF703")]


def test_a_former_family_name_selects_the_families_its_rules_moved_to() -> None:
    """`run` held the shell and package-manager rules until they became families of their own."""
    moved = [r.code for r in RULES if r.family in {"shell", "packages"}]
    assert codes(Selection(select=["run"])) == moved
    assert "DF513" in moved and "DF503" in moved
    assert codes(Selection(select=["ALL"], ignore=["run"])) == [r.code for r in RULES if r.code not in moved]
    assert specificity(REGISTRY.rules["DF513"], "run") == 1


def test_every_rule_is_in_a_documented_family_and_syntax_only_stops_builds() -> None:
    from dfanalyze.engine.rulefile import FAMILIES

    assert {r.family for r in RULES} == set(FAMILIES)
    syntax = {r.code for r in RULES if r.family == "syntax"}
    # parse errors, unknown instructions and flags, misplaced instructions, forms BuildKit deprecates
    assert syntax == {"DF700", "DF701", "DF702", "DF703", "DF711", "DF713", "DF727", "DF728", "DF729"}

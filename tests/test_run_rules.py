"""The RUN rules beyond their examples: the shared RUN analysis (ARG/ENV resolution, run order of
heredoc scripts, shipping stages), exact spans across continuation lines and in heredoc bodies,
cache mounts, fixes that keep every other byte, Windows shells, and hadolint parity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from msgspec.structs import replace

from dfanalyze.analysis.packages import PackageOp
from dfanalyze.checks.context import Context, FileAnalysis, Hit
from dfanalyze.checks.run import action_word, command_span, run_sites
from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import Selection, finding_from_hits, item_list, lint_dockerfile
from dfanalyze.findings import Edit, Finding, Fix, Severity
from dfanalyze.fix import apply_fixes
from dfanalyze.parse import parse_text
from dfanalyze.span import Span

REGISTRY = default_registry()
RUN_CODES = [
    r.code for r in REGISTRY.sorted_rules() if r.family in {"shell", "packages"} and r.code != "DF599"
] + ["DF610"]


def lint(
    text: str,
    *codes: str,
    build_args: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[Finding]:
    selection = Selection(select=list(codes), options={c: dict(options or {}) for c in codes})
    return lint_dockerfile(
        parse_text(text, "Dockerfile"), build_args=build_args, registry=REGISTRY, selection=selection
    )


def spans(text: str, *codes: str, **kwargs: Any) -> list[tuple[str, Span]]:
    return [(f.code, f.span) for f in lint(text, *codes, **kwargs)]


def context(text: str, build_args: Mapping[str, str] | None = None) -> Context:
    return Context(FileAnalysis(parse_text(text, "Dockerfile"), build_args=build_args or {}), {})


def fix(text: str, *codes: str, unsafe: bool = False) -> str:
    fixed, _ = apply_fixes(text, lint(text, *codes), unsafe=unsafe)
    return fixed


# --- ARG / ENV resolution ---------------------------------------------------------------------------


def test_known_arg_list_is_split_into_packages_at_the_variable() -> None:
    text = 'FROM debian:12\nARG PACKAGES="curl git=1:2.39 jq"\nRUN apt-get install -y $PACKAGES\n'
    (found,) = lint(text, "DF513")
    assert found.span == Span.of(3, 24, 3, 33)
    assert found.message == "2 packages without a version: curl, jq"
    assert [r.span for r in found.related] == [Span.of(3, 24, 3, 33)] * 2
    assert [r.message for r in found.related] == [
        "`curl` has no version: pin it as `curl=<version>`",
        "`jq` has no version: pin it as `jq=<version>`",
    ]


def test_one_finding_per_install_command_naming_its_packages() -> None:
    many = " ".join(f"pkg{i}" for i in range(40))
    text = f"FROM debian:12\nRUN apt-get install -y {many} curl curl && apt-get install -y jq\n"
    first, second = lint(text, "DF513")
    assert first.message == "41 packages without a version: pkg0, pkg1, pkg2, pkg3 and 37 more"
    assert len(first.related) == 42  # every item, `curl` twice
    assert (first.span.start, first.span.end) == (first.related[0].span.start, first.related[-1].span.end)
    assert second.message == "`jq` has no version: pin it as `jq=<version>`"
    assert second.related == ()
    assert item_list(["a", "b", "c", "d", "e"]) == "a, b, c, d, e"  # five fit: no "and 1 more"
    assert item_list(["x" * 60]) == "x" * 39 + "\u2026"


def test_a_group_is_suppressed_at_its_line_and_its_fixes_join() -> None:
    text = (
        "FROM debian:12\n"
        "# hadolint ignore=DL3008\n"
        "RUN apt-get install -y curl \\\n    git\n"
        "RUN apt-get install -y wget \\\n    jq\n"
    )
    assert [f.span.start.line for f in lint(text, "DF513")] == [5]
    rule = REGISTRY.rules["DF513"]
    hits = [
        Hit(
            Span.of(3, 24, 3, 28),
            {"package": "b", "pin": "b=1"},
            Fix("Pin", (Edit(Span.of(3, 28, 3, 28), "=1"),)),
        ),
        Hit(
            Span.of(3, 20, 3, 23),
            {"package": "a", "pin": "a=1"},
            Fix("Pin", (Edit(Span.of(3, 23, 3, 23), "=1"),)),
        ),
    ]
    joined = finding_from_hits(
        rule, Severity.INFO, [replace(h, group=1, item=h.args["package"]) for h in hits], "D"
    )
    assert joined.span == Span.of(3, 20, 3, 28)
    assert joined.fix == Fix("Pin", (Edit(Span.of(3, 23, 3, 23), "=1"), Edit(Span.of(3, 28, 3, 28), "=1")))


def test_build_args_override_defaults() -> None:
    text = "FROM debian:12\nARG PACKAGES=curl=7.88\nRUN apt-get install -y $PACKAGES\n"
    assert lint(text, "DF513") == []
    assert len(lint(text, "DF513", build_args={"PACKAGES": "curl"})) == 1


def test_unknown_values_stay_unknown() -> None:
    # no default, a variable from the base image, a command substitution, an ONBUILD trigger
    text = (
        "FROM debian:12\nARG PACKAGES\n"
        "RUN apt-get install -y $PACKAGES $FROM_BASE_IMAGE $(cat /pkgs)\n"
        "ONBUILD RUN apt-get install -y $PACKAGES\n"
    )
    assert lint(text, "DF513") == []


def test_a_variable_the_script_assigns_is_not_the_arg() -> None:
    text = 'FROM debian:12\nARG PKG=curl\nRUN PKG="curl=7.88"; export PKG; apt-get install -y $PKG\n'
    assert lint(text, "DF513") == []
    steps = run_sites(context(text))[0].steps
    assert steps[-1].command.args[-1].value is None


def test_env_value_and_quoted_expansion_are_resolved() -> None:
    text = 'FROM python:3.12\nENV FLASK="flask"\nRUN pip install --no-cache-dir "$FLASK" "django==$V"\n'
    found = lint(text, "DF550")
    assert [(f.span, "`flask`" in f.message) for f in found] == [(Span.of(3, 32, 3, 40), True)]


def test_options_from_a_known_arg_count_and_unknown_ones_silence_flag_rules() -> None:
    known = "FROM debian:12\nARG OPTS=-y\nRUN apt-get install $OPTS --no-install-recommends curl\n"
    unknown = "FROM debian:12\nARG OPTS\nRUN apt-get install ${OPTS} curl\n"
    assert lint(known, "DF511") == []
    assert lint(unknown, "DF511", "DF512") == []
    assert len(lint(unknown.replace("${OPTS}", "-q"), "DF511")) == 1


# --- spans ------------------------------------------------------------------------------------------


def test_spans_across_continuation_lines() -> None:
    text = "FROM debian:12\nRUN apt-get \\\n    install \\\n      curl \\\n    && echo done\n"
    assert spans(text, "DF511", "DF513") == [
        ("DF511", Span.of(2, 5, 3, 12)),
        ("DF513", Span.of(4, 7, 4, 11)),
    ]


def test_spans_in_heredoc_bodies_and_sh_c_bodies() -> None:
    text = (
        "FROM debian:12\n"
        "RUN <<EOF\n"
        "set -e\n"
        "  apt-get install -y --no-install-recommends curl\n"
        "EOF\n"
        "RUN sh -c \"apt-get install -y --no-install-recommends 'git'\"\n"
    )
    assert spans(text, "DF513") == [("DF513", Span.of(4, 46, 4, 50)), ("DF513", Span.of(6, 55, 6, 60))]


def test_heredoc_body_is_ordered_where_its_command_runs() -> None:
    text = (
        "FROM debian:12\n"
        "RUN bash <<EOF && rm -rf /var/lib/apt/lists/*\n"
        "apt-get update && apt-get install -y --no-install-recommends curl\n"
        "EOF\n"
    )
    site = run_sites(context(text))[0]
    assert [s.command.name for s in site.steps] == ["bash", "apt-get", "apt-get", "rm"]
    assert lint(text, "DF514") == []


def test_action_word_and_command_span() -> None:
    text = "FROM debian:12\nRUN apt-get -o Dpkg::Use-Pty=0 -q install curl\n"
    op = run_sites(context(text))[0].steps[0].operation
    assert isinstance(op, PackageOp)
    word = action_word(op)
    assert word is not None and word.value == "install"
    assert command_span(op.command, word) == Span.of(2, 5, 2, 42)
    assert command_span(op.command) == Span.of(2, 5, 2, 12)


# --- cache mounts and shipping stages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("mount", "codes"),
    [
        ("", ["DF514", "DF551", "DF520"]),
        ("--mount=type=cache,target=/var/lib/apt/lists ", ["DF551", "DF520"]),
        (
            "--mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt ",
            ["DF551", "DF520"],
        ),
        ("--mount=type=cache,target=/var/cache/apt ", ["DF514", "DF551", "DF520"]),
        ("--mount=type=cache,target=/root/.cache/pip ", ["DF514", "DF520"]),
        ("--mount=type=cache,target=/root/.cache ", ["DF514", "DF520"]),
        ("--mount=type=tmpfs,target=/var/cache/apk ", ["DF514", "DF551"]),
        ("--mount=type=bind,target=/var/lib/apt/lists ", ["DF514", "DF551", "DF520"]),
    ],
)
def test_cache_mounts_silence_only_the_cache_they_hold(mount: str, codes: list[str]) -> None:
    text = f"FROM debian:12\nRUN {mount}apt-get update && pip install flask==3.0 && apk add jq\n"
    assert sorted(f.code for f in lint(text, "DF514", "DF551", "DF520")) == sorted(codes)


def test_cache_mount_on_var_cache_apt_says_why_lists_still_count() -> None:
    text = "FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\n"
    (finding,) = lint(text, "DF514")
    assert "does not hold them" in finding.message


def test_cleanup_rules_judge_only_layers_that_ship() -> None:
    text = (
        "FROM debian:12 AS base\nRUN apt-get update\n"  # the base of `final`: ships
        "FROM debian:12 AS build\nRUN apt-get update\n"  # only copied from: does not
        "FROM debian:12 AS dev\nRUN apt-get update\n"  # used by nothing: a --target, ships
        "FROM base AS final\nCOPY --from=build /x /x\nRUN apt-get update\n"
    )
    assert [f.span.start.line for f in lint(text, "DF514")] == [2, 6, 9]
    ships = {site.stage.name: site.ships for site in run_sites(context(text))}
    assert ships == {"base": True, "build": False, "dev": True, "final": True}


def test_the_last_stage_ships_even_when_copied_from() -> None:
    text = "FROM debian:12 AS a\nRUN apt-get update\nFROM a AS b\nCOPY --from=a /x /y\n"
    assert [s.ships for s in run_sites(context(text))] == [True]


# --- fixes keep every other byte --------------------------------------------------------------------


def test_fixes_insert_after_the_subcommand_and_keep_the_rest() -> None:
    text = (
        "FROM debian:12\n"
        "# install tools\n"
        "RUN apt-get update \\\n"
        "# a comment line inside the RUN is not part of it\n"
        "    && apt install   curl \\\n"
        "\n"
        "    && pip install\tflask==3.0 \\\n"
        "    && apk add jq  # the shell's own comment\n"
    )
    fixed = fix(text, "DF510", "DF511", "DF551", "DF520")
    assert fixed == (
        "FROM debian:12\n"
        "# install tools\n"
        "RUN apt-get update \\\n"
        "# a comment line inside the RUN is not part of it\n"
        "    && apt-get install -y   curl \\\n"
        "\n"
        "    && pip install --no-cache-dir\tflask==3.0 \\\n"
        "    && apk add --no-cache jq  # the shell's own comment\n"
    )


def test_unsafe_fix_needs_unsafe_fixes() -> None:
    text = "FROM debian:12\nRUN apt-get install -y curl\n"
    assert fix(text, "DF512") == text
    assert fix(text, "DF512", unsafe=True) == text.replace("install", "install --no-install-recommends")


def test_no_fix_when_the_subcommand_is_a_variable() -> None:
    text = "FROM debian:12\nARG ACTION=install\nRUN apt-get $ACTION curl\n"
    (finding,) = lint(text, "DF511")
    assert finding.fix is None


def test_zypper_fix_goes_before_the_command() -> None:
    text = "FROM opensuse/leap:15.6\nRUN zypper --quiet install -n curl\n"
    assert fix(text, "DF540") == "FROM opensuse/leap:15.6\nRUN zypper -n --quiet install -n curl\n"


# --- shells -----------------------------------------------------------------------------------------


def test_windows_shells_are_skipped_silently() -> None:
    text = (
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        'SHELL ["powershell", "-Command"]\n'
        "RUN apt-get install curl | sudo tee x; cd C:/app; pip install flask\n"
        "RUN wget https://example.com/x\n"
    )
    assert lint(text, *RUN_CODES) == []


def test_exec_form_run_has_no_shell() -> None:
    text = 'FROM debian:12\nRUN ["apt-get", "install", "curl"]\n'
    assert lint(text, *RUN_CODES) == []
    assert run_sites(context(text)) == ()


# --- parity -----------------------------------------------------------------------------------------

HADOLINT = {
    "DL3001": "DF501", "DL3003": "DF500", "DL3004": "DF610", "DL3005": "DF515", "DL3008": "DF513",
    "DL3009": "DF514", "DL3013": "DF550", "DL3014": "DF511", "DL3015": "DF512", "DL3016": "DF555",
    "DL3017": "DF522", "DL3018": "DF521", "DL3019": "DF520", "DL3027": "DF510", "DL3028": "DF560",
    "DL3030": "DF530", "DL3031": "DF533", "DL3032": "DF531", "DL3033": "DF532", "DL3034": "DF540",
    "DL3035": "DF541", "DL3036": "DF542", "DL3037": "DF543", "DL3038": "DF535", "DL3039": "DF538",
    "DL3040": "DF536", "DL3041": "DF537", "DL3042": "DF551", "DL3046": "DF507", "DL3047": "DF506",
    "DL3059": "DF502", "DL3060": "DF556", "DL3062": "DF565", "DL4001": "DF505", "DL4005": "DF504",
    "DL4006": "DF503",
}  # fmt: skip


@pytest.mark.parametrize(("alias", "code"), sorted(HADOLINT.items()))
def test_each_hadolint_code_has_one_rule(alias: str, code: str) -> None:
    assert [r.code for r in REGISTRY.sorted_rules() if alias in r.aliases] == [code]


def test_removed_hadolint_rules_are_opt_in() -> None:
    assert {"DF515", "DF522", "DF533", "DF538"} <= {c for c in RUN_CODES if not REGISTRY.rules[c].enabled}


def test_hadolint_selectors_and_suppression_comments_reach_the_rules() -> None:
    text = "FROM debian:12\n# hadolint ignore=DL3014\nRUN apt-get install curl\nRUN apt-get install git\n"
    selection = Selection(select=["DL3014"])
    found = lint_dockerfile(parse_text(text, "Dockerfile"), registry=REGISTRY, selection=selection)
    assert [f.span.start.line for f in found] == [4]


def test_the_missing_labels_are_one_finding_at_the_final_image() -> None:
    schema = {"org.opencontainers.image.title": "text", "org.opencontainers.image.version": "semver"}
    (found,) = lint("FROM alpine:3.20\n", "DF731", options={"label-schema": schema})
    assert found.span == Span.of(1, 6, 1, 17)
    assert found.message == (
        "2 labels required by the label schema are not set in the final image: "
        "org.opencontainers.image.title, org.opencontainers.image.version"
    )
    assert [r.span for r in found.related] == [found.span] * 2

"""The declarative matcher: every ``[match]`` key, what it reports, and the errors of bad tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from dfanalyze.checks.context import Context, FileAnalysis
from dfanalyze.engine.matcher import MatchError, compile_match
from dfanalyze.parse import parse_text
from dfanalyze.span import Span


def hits(
    table: Mapping[str, Any], text: str, build_args: Mapping[str, str] | None = None
) -> list[tuple[Span, dict[str, object]]]:
    check = compile_match(table)
    analysis = FileAnalysis(parse_text(text, "Dockerfile"), build_args=build_args or {})
    return [(h.span, dict(h.args)) for h in check(Context(analysis, {}))]


def lines(table: Mapping[str, Any], text: str, build_args: Mapping[str, str] | None = None) -> list[int]:
    return [span.start.line for span, _ in hits(table, text, build_args)]


# --- compile errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"instruction": "FROM", "colour": "red"}, "colour"),
        ({"form": "shell"}, "instruction"),
        ({"instruction": []}, "instruction"),
        ({"instruction": 3}, "instruction"),
        ({"instruction": "CMD", "form": "json"}, "form"),
        ({"instruction": "CMD", "flag_value": {"name": "x"}}, "flag_value"),
        ({"instruction": "CMD", "flag_value": {"name": "x", "pattern": "("}}, "flag_value.pattern"),
        ({"instruction": "CMD", "args": "("}, "args"),
        ({"instruction": "CMD", "no_args": 5}, "no_args"),
        ({"instruction": "FROM", "image": {"colour": "x"}}, "image"),
        ({"instruction": "FROM", "image": {"tag": "["}}, "image.tag"),
        ({"instruction": "FROM", "stage": {"last": True}}, "stage"),
        ({"instruction": "FROM", "position": "middle"}, "position"),
        ({"instruction": "FROM", "report": "everything"}, "report"),
        ({"instruction": "FROM", "report": "flag"}, "report"),
    ],
)
def test_bad_tables_name_the_key(table: Mapping[str, Any], field: str) -> None:
    with pytest.raises(MatchError) as info:
        compile_match(table)
    assert info.value.field == field
    assert str(info.value).startswith(f"match.{field}: ")


# --- instruction, form, flags, args ------------------------------------------------------------


def test_instruction_kinds_are_case_insensitive_and_any() -> None:
    text = 'FROM alpine:3.20\nrun echo hi\nCMD ["sh"]\n'
    assert lines({"instruction": "run"}, text) == [2]
    assert lines({"instruction": ["CMD", "RUN"]}, text) == [2, 3]
    assert lines({"instruction": "*"}, text) == [1, 2, 3]


def test_form_distinguishes_exec_and_shell() -> None:
    text = 'FROM alpine:3.20\nCMD ["sh"]\nCMD sh\nCMD\n'
    assert lines({"instruction": "CMD", "form": "exec"}, text) == [2]
    # A shell form without arguments is not reported as shell form.
    assert lines({"instruction": "CMD", "form": "shell"}, text) == [3]


def test_flag_presence_absence_and_value() -> None:
    text = "FROM alpine:3.20\nCOPY --chown=app a /a\nCOPY --chown=root b /b\nCOPY c /c\n"
    assert lines({"instruction": "COPY", "flag": "chown"}, text) == [2, 3]
    assert lines({"instruction": "COPY", "no_flag": "chown"}, text) == [4]
    found = hits({"instruction": "COPY", "flag_value": {"name": "chown", "pattern": "^root$"}}, text)
    assert [(s.start.line, a["value"], a["flag"]) for s, a in found] == [(3, "root", "chown")]


def test_args_and_no_args_search_the_text_after_flags() -> None:
    text = "FROM alpine:3.20\nRUN --network=none apk add curl\nRUN echo network\n"
    assert lines({"instruction": "RUN", "args": "^apk"}, text) == [2]
    assert lines({"instruction": "RUN", "no_args": "apk"}, text) == [3]
    found = hits({"instruction": "RUN", "args": "apk"}, text)
    assert found[0][1]["args"] == "apk add curl"


# --- image --------------------------------------------------------------------------------------


def test_image_keys() -> None:
    text = (
        "FROM ubuntu\n"
        "FROM ubuntu:latest\n"
        "FROM ubuntu:24.04@sha256:" + "a" * 64 + "\n"
        "FROM ghcr.io/acme/tool:1\n"
        "FROM scratch\n"
    )
    assert lines({"instruction": "FROM", "image": {"no_tag": True}}, text) == [1]
    assert lines({"instruction": "FROM", "image": {"tag": "^latest$"}}, text) == [2]
    assert lines({"instruction": "FROM", "image": {"no_digest": True}}, text) == [1, 2, 4]
    assert lines({"instruction": "FROM", "image": {"registry": "^ghcr\\.io$"}}, text) == [4]
    assert lines({"instruction": "FROM", "image": {"registry": "^docker\\.io$"}}, text) == [1, 2, 3]
    assert lines({"instruction": "FROM", "image": {"name": "^ubuntu$"}}, text) == [1, 2, 3]
    found = hits({"instruction": "FROM", "image": {"tag": "."}}, text)
    assert [(a["image"], a["tag"]) for _, a in found] == [
        ("ubuntu:latest", "latest"),
        ("ubuntu:24.04@sha256:" + "a" * 64, "24.04"),
        ("ghcr.io/acme/tool:1", "1"),
    ]


def test_image_is_matched_after_arg_expansion() -> None:
    text = "ARG BASE=ubuntu\nARG TAG\nFROM $BASE\nFROM ubuntu:${TAG}\n"
    found = hits({"instruction": "FROM", "image": {"no_tag": True}}, text)
    assert [(s.start.line, a["image"]) for s, a in found] == [(3, "ubuntu")]
    # The unknown TAG is silent, unless a build argument gives it a value.
    assert lines({"instruction": "FROM", "image": {"tag": "^latest$"}}, text) == []
    assert lines({"instruction": "FROM", "image": {"tag": "^latest$"}}, text, {"TAG": "latest"}) == [4]
    assert lines({"instruction": "FROM", "image": {"no_tag": True}}, text, {"BASE": "scratch"}) == []


def test_image_variable_looks_at_the_word_as_written() -> None:
    text = "ARG BASE=ubuntu:24.04\nFROM $BASE\nFROM ubuntu:24.04\n"
    assert lines({"instruction": "FROM", "image": {"variable": True}}, text) == [2]
    assert lines({"instruction": "FROM", "image": {"variable": False}}, text) == [3]


def test_image_keys_need_a_from() -> None:
    assert lines({"instruction": "*", "image": {"variable": False}}, "FROM alpine:3.20\nRUN true\n") == [1]


# --- stages and positions ----------------------------------------------------------------------


MULTI = (
    "ARG V=1\n"
    "FROM golang:1.22 AS build\n"
    "RUN go build\n"
    "FROM build AS test\n"
    "RUN go test\n"
    "FROM alpine:3.20\n"
    "COPY --from=build /app /app\n"
    "RUN true\n"
)


def test_stage_filters() -> None:
    assert lines({"instruction": "RUN", "stage": {"final": True}}, MULTI) == [8]
    assert lines({"instruction": "RUN", "stage": {"final": False}}, MULTI) == [3, 5]
    assert lines({"instruction": "FROM", "stage": {"named": False}}, MULTI) == [6]
    assert lines({"instruction": "FROM", "stage": {"base_is_stage": True}}, MULTI) == [4]
    assert lines({"instruction": "FROM", "stage": {"base_is_stage": False}}, MULTI) == [2, 6]
    found = hits({"instruction": "RUN"}, MULTI)
    assert [a["stage"] for _, a in found] == ["build", "test", "2"]


def test_base_is_stage_follows_arg_expansion() -> None:
    text = "ARG BASE=build\nFROM golang:1.22 AS build\nFROM $BASE\nFROM ${OTHER:-alpine}\n"
    from_stage = {"instruction": "FROM", "stage": {"base_is_stage": True}}
    untagged_image = {"instruction": "FROM", "image": {"no_tag": True}, "stage": {"base_is_stage": False}}
    assert lines(from_stage, text) == [3]
    assert lines(untagged_image, text) == [4]


def test_positions() -> None:
    assert lines({"instruction": "ARG", "position": "global"}, MULTI) == [1]
    assert lines({"instruction": "FROM", "position": "global"}, MULTI) == []
    assert lines({"instruction": "RUN", "position": "first-in-stage"}, MULTI) == []
    assert lines({"instruction": "FROM", "position": "first-in-stage"}, MULTI) == [2, 4, 6]
    assert lines({"instruction": "RUN", "position": "last-in-stage"}, MULTI) == [3, 5, 8]
    # Stage keys never match the global ARGs.
    assert lines({"instruction": "ARG", "stage": {"final": False}}, MULTI) == []


def test_after_before_and_repeated() -> None:
    text = 'FROM alpine:3.20\nCMD ["a"]\nRUN true\nCMD ["b"]\nFROM alpine:3.20\nCMD ["c"]\n'
    assert lines({"instruction": "CMD", "after": "RUN"}, text) == [4]
    assert lines({"instruction": "CMD", "before": "RUN"}, text) == [2]
    assert lines({"instruction": "CMD", "repeated": True}, text) == [2]


# --- report spans -------------------------------------------------------------------------------


def test_report_spans() -> None:
    text = "FROM --platform=linux/amd64 alpine:3.20 AS Build\nCOPY a \\\n  b /c\n"
    first = {"instruction": "FROM"}
    assert hits(first, text)[0][0] == Span.of(1, 1, 1, 49)
    assert hits({**first, "report": "keyword"}, text)[0][0] == Span.of(1, 1, 1, 5)
    assert hits({**first, "report": "image"}, text)[0][0] == Span.of(1, 29, 1, 40)
    assert hits({**first, "report": "stage-name"}, text)[0][0] == Span.of(1, 44, 1, 49)
    assert hits({**first, "flag": "platform", "report": "flag"}, text)[0][0] == Span.of(1, 6, 1, 28)
    assert hits({"instruction": "COPY", "report": "args"}, text)[0][0] == Span.of(2, 6, 3, 7)

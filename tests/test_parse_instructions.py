"""Spec sections 5, 6 and 9 (keyword and flags, each instruction's arguments, stages): the exact
``dfanalyze parse --format json`` result, spans included.

Each expectation was checked against BuildKit (frontend/dockerfile/parser/split_command.go,
line_parsers.go, instructions/parse.go and bflag.go, util/suggest); where we deliberately differ the
test says so.
"""

from __future__ import annotations

from typing import Any

import pytest
from parse_helpers import dump, node, problem

from dfanalyze import model
from dfanalyze.parse import parse_text

JSON_STRINGS_ONLY = "when using JSON array syntax, arrays must be comprised of strings only"


def second(text: str) -> dict[str, Any]:
    """The instruction after ``FROM a`` (the text is prefixed with it)."""
    out = dump("FROM a\n" + text)
    instruction: dict[str, Any] = out["instructions"][1]
    return instruction


def errors(text: str) -> list[str]:
    return [e["message"] for e in dump("FROM a\n" + text)["errors"]]


# -- 5. keyword -------------------------------------------------------------------------------
def test_keyword_spelling_is_kept_and_matched_case_insensitively() -> None:
    out = dump("from a AS b\nrUn x\n")
    assert [i["keyword"] for i in out["instructions"]] == ["from", "rUn"]
    df = parse_text("from a AS b\nrUn x\n")
    assert isinstance(df.instructions[1], model.Run)
    assert [s.name for s in df.stages] == ["b"]


@pytest.mark.parametrize("blank", [" ", "\t", "\v", "\f", "\r", " \t "])
def test_keyword_is_split_on_ascii_blanks(blank: str) -> None:
    text = f"RUN{blank}x"
    assert second(text) == node(
        "RUN",
        (2, 1, 2, 5 + len(blank)),
        (2, 1, 2, 4),
        args=(("x", (2, 4 + len(blank), 2, 5 + len(blank))),),
    )


def test_a_unicode_space_does_not_split_the_keyword() -> None:
    # reWhitespace is [\t\v\f\r ]: RUN<no-break space>x is one unknown keyword.
    assert second("RUN\u00a0x")["keyword"] == "RUN\u00a0x"
    assert errors("RUN\u00a0x") == ["unknown instruction: RUN\u00a0x (did you mean run?)"]


# -- 5. flags ---------------------------------------------------------------------------------
def test_flags_are_taken_for_every_instruction() -> None:
    assert second("WORKDIR --foo=1 /x") == node(
        "WORKDIR",
        (2, 1, 2, 19),
        (2, 1, 2, 8),
        flags=(("--foo=1", (2, 9, 2, 16)),),
        args=(("/x", (2, 17, 2, 19)),),
    )
    assert errors("WORKDIR --foo=1 /x") == ["unknown flag: --foo"]


def test_a_lone_double_dash_ends_the_flags_and_is_dropped() -> None:
    assert second("COPY --chown=a -- --b /d") == node(
        "COPY",
        (2, 1, 2, 25),
        (2, 1, 2, 5),
        flags=(("--chown=a", (2, 6, 2, 15)),),
        args=(("--b", (2, 19, 2, 22)), ("/d", (2, 23, 2, 25))),
    )


def test_quotes_inside_a_flag_are_removed_and_the_span_covers_them() -> None:
    assert second('RUN --mount="type=cache,target=/root/.cache" pip') == node(
        "RUN",
        (2, 1, 2, 49),
        (2, 1, 2, 4),
        flags=(("--mount=type=cache,target=/root/.cache", (2, 5, 2, 45)),),
        args=(("pip", (2, 46, 2, 49)),),
    )


def test_a_backslash_escapes_one_character_inside_a_flag() -> None:
    instruction = second("COPY --chown=a\\ b --chmod='6 4' x y")
    assert instruction["flags"] == ["--chown=a b", "--chmod=6 4"]
    assert instruction["args"] == ["x", "y"]


def test_the_flag_escape_is_a_backslash_whatever_the_escape_directive() -> None:
    out = dump("# escape=`\nFROM a\nCOPY --chown=a\\ b x y\n")
    assert out["instructions"][1]["flags"] == ["--chown=a b"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("COPY --chmodd=644 a b", "unknown flag: --chmodd (did you mean chmod?)"),
        ("COPY --frm=x a b", "unknown flag: --frm (did you mean from?)"),
        ("RUN --mnt=type=cache x", "unknown flag: --mnt (did you mean mount?)"),
        ("RUN --privileged x", "unknown flag: --privileged"),
        ("FROM --platfrom=linux/amd64 a", "unknown flag: --platfrom (did you mean platform?)"),
        ("FROM --plat=linux/amd64 a", "unknown flag: --plat"),
        ("USER --x=1 app", "unknown flag: --x"),
        ("COPY --From=b a b", "unknown flag: --From (did you mean from?)"),
    ],
)
def test_unknown_flags_with_did_you_mean(line: str, message: str) -> None:
    out = dump("FROM a\n" + line + "\n")
    assert [(e["message"], e["code"]) for e in out["errors"]] == [(message, "DF702")]
    flag = out["instructions"][-1]["locations"]["flags"][0]
    assert out["errors"][0]["start"] == flag["start"]
    assert out["errors"][0]["end"] == flag["end"]


def test_an_unknown_flag_never_stops_the_analysis() -> None:
    out = dump("FROM a\nCOPY --bogus a b\nRUN x\n")
    assert [i["keyword"] for i in out["instructions"]] == ["FROM", "COPY", "RUN"]
    assert out["instructions"][1]["args"] == ["a", "b"]


def test_every_known_flag_is_accepted() -> None:
    text = (
        "FROM --platform=linux/amd64 a\n"
        "ADD --chown=a --chmod=644 --link --keep-git-dir=true --checksum=sha256:0 --unpack=false "
        "--exclude=*.md --exclude=x s d\n"
        "COPY --chown=a --from=b --chmod=644 --link=false --exclude=x --parents s d\n"
        "HEALTHCHECK --interval=5s --timeout=3s --start-period=1m --start-interval=2s --retries=3 CMD x\n"
        "RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none "
        "--security=insecure --device=a --device=b x\n"
    )
    assert dump(text)["errors"] == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("COPY --from=a --from=b x y", "duplicate flag specified: --from"),
        ("COPY --link=yes a b", "expecting boolean value for flag --link, not: yes"),
        ("COPY --link= a b", "missing a value on flag: --link"),
        ("COPY --from a b", "missing a value on flag: --from"),
        ("RUN --mount x", "missing a value on flag: --mount"),
    ],
)
def test_flag_values_are_checked_like_bflags(line: str, message: str) -> None:
    assert errors(line) == [message]


def test_repeatable_and_boolean_flags() -> None:
    assert errors("RUN --mount=type=cache,target=/a --mount=type=cache,target=/b x") == []
    assert errors("COPY --link=FALSE --parents a b") == []


def test_flags_of_an_unknown_instruction_are_not_checked() -> None:
    assert errors("FOO --bar x") == ["unknown instruction: FOO (did you mean FROM?)"]


# -- 6. exec and shell form -------------------------------------------------------------------
@pytest.mark.parametrize("keyword", ["RUN", "CMD", "ENTRYPOINT"])
def test_exec_form_words_and_their_spans(keyword: str) -> None:
    k = len(keyword)
    assert second(f'{keyword} ["a", "b c"]') == node(
        keyword,
        (2, 1, 2, k + 14),
        (2, 1, 2, k + 1),
        json=True,
        args=(("a", (2, k + 3, 2, k + 6)), ("b c", (2, k + 8, 2, k + 13))),
    )


def test_shell_form_is_one_verbatim_trimmed_string() -> None:
    assert second("CMD   echo  'a  b'  \t") == node(
        "CMD", (2, 1, 2, 22), (2, 1, 2, 4), args=(("echo  'a  b'", (2, 7, 2, 19)),)
    )


def test_json_strings_are_decoded() -> None:
    assert second('CMD ["a\\"b", "\\u00e9\\t", "\\/"]')["args"] == ['a"b', "é\t", "/"]


def test_an_escaped_lone_surrogate_decodes_as_go_does() -> None:
    assert second('CMD ["\\ud800x", "\\ud83d\\ude00"]')["args"] == ["\ufffdx", "😀"]


@pytest.mark.parametrize(
    "rest",
    [
        "['a']",  # single quotes
        '["a"',  # unterminated
        '["a"] b',  # trailing text (BuildKit >= 0.15 uses json.Unmarshal, which refuses it)
        '["a",]',  # trailing comma
        '["a" "b"]',  # missing comma
        '["\\x"]',  # bad escape
        '[\v"a"]',  # \v is not JSON whitespace
    ],
)
def test_invalid_json_silently_falls_back_to_the_shell_form(rest: str) -> None:
    instruction = second(f"CMD {rest}")
    assert instruction["json"] is False
    assert instruction["args"] == [rest]
    assert errors(f"CMD {rest}") == []


def test_json_may_be_surrounded_by_blanks() -> None:
    assert second('RUN  [ "a" ,\t"b" ]  ') == node(
        "RUN", (2, 1, 2, 21), (2, 1, 2, 4), json=True, args=(("a", (2, 8, 2, 11)), ("b", (2, 14, 2, 17)))
    )


def test_an_empty_json_array_is_valid() -> None:
    assert second("CMD []") == node("CMD", (2, 1, 2, 7), (2, 1, 2, 4), json=True)
    assert errors("CMD []") == []


@pytest.mark.parametrize(
    ("rest", "bad"),
    [('["a", 1]', (2, 11, 2, 12)), ("[null]", (2, 6, 2, 10)), ('["a", ["b"]]', (2, 11, 2, 16))],
)
def test_valid_json_with_a_non_string_is_an_error(rest: str, bad: tuple[int, int, int, int]) -> None:
    out = dump(f"FROM a\nCMD {rest}\n")
    assert out["errors"] == [problem(JSON_STRINGS_ONLY, "DF700", bad)]
    assert out["instructions"][1]["json"] is True


def test_shell_requires_the_json_form() -> None:
    assert second('SHELL ["/bin/bash", "-c"]')["args"] == ["/bin/bash", "-c"]
    assert errors("SHELL /bin/bash -c") == ["SHELL requires the arguments to be in JSON form"]
    assert errors("SHELL []") == ["SHELL requires at least one argument"]


def test_shell_hints_at_unescaped_windows_paths() -> None:
    assert errors('SHELL ["C:\\Windows\\cmd.exe", "/S"]') == [
        "SHELL requires the arguments to be in JSON form. It looks like "
        '\'["c:\\windows\\cmd.exe", "/s"]\' includes a file path without an escaped back-slash. '
        'JSON requires back-slashes to be escaped such as ["c:\\\\path\\\\to\\\\file.exe", "/parameter"]'
    ]
    assert errors('SHELL ["C:\\\\Windows\\cmd.exe" /S]') == [
        "SHELL requires the arguments to be in JSON form"
    ]


# -- 6. ADD, COPY, VOLUME ---------------------------------------------------------------------
def test_copy_splits_on_whitespace_and_does_not_honour_quotes() -> None:
    assert second('COPY "a b" c') == node(
        "COPY",
        (2, 1, 2, 13),
        (2, 1, 2, 5),
        args=(('"a', (2, 6, 2, 8)), ('b"', (2, 9, 2, 11)), ("c", (2, 12, 2, 13))),
    )


def test_copy_and_add_json_form() -> None:
    assert second('ADD ["a b", "/c"]') == node(
        "ADD", (2, 1, 2, 18), (2, 1, 2, 4), json=True, args=(("a b", (2, 6, 2, 11)), ("/c", (2, 13, 2, 17)))
    )
    df = parse_text('FROM a\nCOPY ["x", "y", "/d/"]\n')
    copy = df.instructions[1]
    assert isinstance(copy, model.Copy)
    assert [w.text for w in copy.sources] == ["x", "y"]
    assert copy.dest is not None and copy.dest.text == "/d/"


def test_copy_needs_a_destination() -> None:
    message = (
        "COPY requires at least two arguments, but only one was provided. Destination could not be determined"
    )
    assert errors("COPY a") == [message]
    assert errors("ADD") == [message.replace("COPY", "ADD")]


def test_volume_words_and_the_empty_string() -> None:
    assert second("VOLUME /a  /b")["args"] == ["/a", "/b"]
    assert second('VOLUME ["/a"]')["json"] is True
    assert errors('VOLUME ["/a", " "]') == ["VOLUME specified can not be an empty string"]
    assert errors("VOLUME") == ["VOLUME requires at least one argument"]


# -- 6. FROM, EXPOSE --------------------------------------------------------------------------
def test_expose_splits_on_whitespace_and_has_no_json_form() -> None:
    assert second("EXPOSE 80/tcp \t 443") == node(
        "EXPOSE", (2, 1, 2, 20), (2, 1, 2, 7), args=(("80/tcp", (2, 8, 2, 14)), ("443", (2, 17, 2, 20)))
    )
    assert second('EXPOSE ["80"]')["args"] == ['["80"]']
    assert errors("EXPOSE") == ["EXPOSE requires at least one argument"]


# -- 6. ENV, LABEL ----------------------------------------------------------------------------
def test_env_key_value_words_keep_their_quotes() -> None:
    assert second('ENV A="x y" B=z\\ w') == node(
        "ENV",
        (2, 1, 2, 19),
        (2, 1, 2, 4),
        args=(
            ("A", (2, 5, 2, 6)),
            ('"x y"', (2, 7, 2, 12)),
            ("=", (2, 7, 2, 12)),
            ("B", (2, 13, 2, 14)),
            ("z\\ w", (2, 15, 2, 19)),
            ("=", (2, 15, 2, 19)),
        ),
    )


def test_env_legacy_form_takes_the_rest_of_the_line() -> None:
    assert second("ENV A  b c ") == node(
        "ENV",
        (2, 1, 2, 12),
        (2, 1, 2, 4),
        args=(("A", (2, 5, 2, 6)), ("b c", (2, 8, 2, 11)), ("", (2, 8, 2, 11))),
    )
    df = parse_text("FROM a\nENV A  b c\n")
    env = df.instructions[1]
    assert isinstance(env, model.Env) and env.is_legacy_form


def test_label_key_may_be_quoted() -> None:
    assert second('LABEL "a b"=c d=""')["args"] == ['"a b"', "c", "=", "d", '""', "="]


def test_escape_is_literal_in_single_quotes_and_escapes_in_double_quotes() -> None:
    assert second('ENV A=\'x\\ y\' B="x\\"y" C=a\\"b')["args"] == [
        "A",
        "'x\\ y'",
        "=",
        "B",
        '"x\\"y"',
        "=",
        "C",
        'a\\"b',
        "=",
    ]


def test_an_escape_at_the_end_of_env_words_is_dropped() -> None:
    # Reachable with the backtick escape: a backslash is then an ordinary character.
    out = dump('# escape=`\nFROM a\nENV A="x`\n')
    assert out["instructions"][1]["args"] == ["A", '"x', "="]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ENV A=1 B", 'Syntax error - can\'t find = in "B". Must be of the form: name=value'),
        ("LABEL a=1 'b c'", "Syntax error - can't find = in \"'b c'\". Must be of the form: name=value"),
        ("ENV A", "ENV must have two arguments"),
        ("LABEL a", "LABEL must have two arguments"),
        ("ENV =x", "ENV names can not be blank"),
        ("LABEL =x", "LABEL names can not be blank"),
        ("ENV", "ENV requires at least one argument"),
        ("LABEL", "LABEL requires at least one argument"),
    ],
)
def test_env_and_label_messages(line: str, message: str) -> None:
    assert errors(line) == [message]


def test_env_syntax_error_span_is_the_word() -> None:
    out = dump("FROM a\nENV A=1 B\n")
    assert out["errors"][0]["start"] == {"line": 2, "column": 9}
    assert out["errors"][0]["end"] == {"line": 2, "column": 10}


# -- 6. ARG -----------------------------------------------------------------------------------
def test_arg_words_are_names_or_name_value_pairs() -> None:
    assert second('ARG A B=1 C="x y"') == node(
        "ARG",
        (2, 1, 2, 18),
        (2, 1, 2, 4),
        args=(("A", (2, 5, 2, 6)), ("B=1", (2, 7, 2, 10)), ('C="x y"', (2, 11, 2, 18))),
    )
    df = parse_text('FROM a\nARG A B=1 C="x y"\n')
    arg = df.instructions[1]
    assert isinstance(arg, model.Arg)
    assert [(d.name, d.default) for d in arg.decls] == [("A", None), ("B", "1"), ("C", '"x y"')]


def test_arg_messages() -> None:
    assert errors("ARG") == ["ARG requires at least one argument"]
    assert errors("ARG =x") == ["ARG names can not be blank"]


# -- 6. HEALTHCHECK ---------------------------------------------------------------------------
def test_healthcheck_type_then_like_cmd() -> None:
    assert second('HEALTHCHECK CMD ["curl", "-f"]') == node(
        "HEALTHCHECK",
        (2, 1, 2, 31),
        (2, 1, 2, 12),
        json=True,
        args=(("CMD", (2, 13, 2, 16)), ("curl", (2, 18, 2, 24)), ("-f", (2, 26, 2, 30))),
    )
    assert second("HEALTHCHECK --interval=5s cmd  curl -f x")["args"] == ["cmd", "curl -f x"]
    assert second("HEALTHCHECK NONE")["args"] == ["NONE"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("HEALTHCHECK", "HEALTHCHECK requires at least one argument"),
        ("HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments"),
        ("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD"),
        ("HEALTHCHECK CMD []", "Missing command after HEALTHCHECK CMD"),
        ("HEALTHCHECK FOO x", 'Unknown type "FOO" in HEALTHCHECK (try CMD)'),
        ("HEALTHCHECK --retries=x CMD a", 'strconv.ParseInt: parsing "x": invalid syntax'),
        ("HEALTHCHECK --retries=1_0 CMD a", 'strconv.ParseInt: parsing "1_0": invalid syntax'),
        (
            "HEALTHCHECK --retries=3000000000 CMD a",
            'strconv.ParseInt: parsing "3000000000": value out of range',
        ),
        ("HEALTHCHECK --retries=-1 CMD a", "--retries cannot be negative (-1)"),
        ("HEALTHCHECK --interval=5 CMD a", 'time: missing unit in duration "5"'),
        ("HEALTHCHECK --timeout=1x CMD a", 'time: unknown unit "x" in duration "1x"'),
        ("HEALTHCHECK --timeout=x CMD a", 'time: invalid duration "x"'),
        ("HEALTHCHECK --start-period=1us CMD a", 'Interval "start-period" cannot be less than 1ms'),
        ("HEALTHCHECK --interval=-1s CMD a", 'Interval "interval" cannot be less than 1ms'),
    ],
)
def test_healthcheck_messages(line: str, message: str) -> None:
    assert errors(line) == [message]


def test_healthcheck_zero_values_are_the_defaults() -> None:
    # BuildKit >= 0.10.4 accepts 0 (the default) for the intervals and for --retries.
    assert errors("HEALTHCHECK --retries=0 --interval=0 --timeout=0s --start-period=-0 CMD a") == []
    df = parse_text("FROM a\nHEALTHCHECK --interval=1m30s --retries=+3 --timeout=1.5s CMD a\n")
    check = df.instructions[1]
    assert isinstance(check, model.Healthcheck)
    assert (check.interval, check.retries, check.timeout) == (90.0, 3, 1.5)


@pytest.mark.parametrize(
    "line", ["HEALTHCHECK --bogus=1 --retries=x NONE", "ARG --x=1 A", "STOPSIGNAL --x SIGKILL"]
)
def test_instructions_whose_flags_buildkit_never_reads(line: str) -> None:
    assert errors(line) == []
    assert second(line)["flags"] != []


# -- 6. the single-string instructions --------------------------------------------------------
@pytest.mark.parametrize("keyword", ["MAINTAINER", "USER", "WORKDIR", "STOPSIGNAL"])
def test_the_rest_is_one_string(keyword: str) -> None:
    k = len(keyword)
    assert second(f"{keyword} a  b ") == node(
        keyword, (2, 1, 2, k + 7), (2, 1, 2, k + 1), args=(("a  b", (2, k + 2, 2, k + 6)),)
    )
    assert errors(keyword) == [f"{keyword} requires exactly one argument"]


# -- 6. ONBUILD -------------------------------------------------------------------------------
def test_onbuild_nests_an_instruction_with_its_own_flags() -> None:
    assert second("ONBUILD RUN --network=none make") == node(
        "ONBUILD",
        (2, 1, 2, 32),
        (2, 1, 2, 8),
        children=(
            node(
                "RUN",
                (2, 9, 2, 32),
                (2, 9, 2, 12),
                flags=(("--network=none", (2, 13, 2, 27)),),
                args=(("make", (2, 28, 2, 32)),),
            ),
        ),
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ONBUILD", "ONBUILD requires at least one argument"),
        ("ONBUILD ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger"),
        ("ONBUILD maintainer x", "MAINTAINER isn't allowed as an ONBUILD trigger"),
        ("ONBUILD COPY --bad a b", "unknown flag: --bad"),
    ],
)
def test_onbuild_messages(line: str, message: str) -> None:
    assert errors(line) == [message]


def test_onbuild_trigger_errors_are_reported_at_parse_time() -> None:
    # BuildKit checks a trigger only when a later build runs it; a linter reports it now.
    assert errors("ONBUILD COPY a") == [
        "COPY requires at least two arguments, but only one was provided. Destination could not be determined"
    ]


# -- 6. unknown keywords ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("keyword", "message"),
    [
        ("RUNN", "unknown instruction: RUNN (did you mean RUN?)"),
        ("runn", "unknown instruction: runn (did you mean run?)"),
        ("Cpy", "unknown instruction: Cpy (did you mean copy?)"),
        ("FOOBAR", "unknown instruction: FOOBAR"),
    ],
)
def test_unknown_instructions_are_kept_with_a_suggestion(keyword: str, message: str) -> None:
    out = dump(f"FROM a\n{keyword} x y\nRUN z\n")
    assert out["instructions"][1] == node(keyword, (2, 1, 2, len(keyword) + 5), (2, 1, 2, len(keyword) + 1))
    assert out["errors"] == [problem(message, "DF701", (2, 1, 2, len(keyword) + 1))]
    assert out["instructions"][2]["args"] == ["z"]


# -- 9. stages --------------------------------------------------------------------------------
def test_from_with_platform_and_stage_name() -> None:
    out = dump("FROM --platform=$BUILDPLATFORM golang:1.22 as Build\n")
    assert out["instructions"][0] == node(
        "FROM",
        (1, 1, 1, 52),
        (1, 1, 1, 5),
        flags=(("--platform=$BUILDPLATFORM", (1, 6, 1, 31)),),
        args=(("golang:1.22", (1, 32, 1, 43)), ("as", (1, 44, 1, 46)), ("Build", (1, 47, 1, 52))),
    )
    df = parse_text("FROM --platform=$BUILDPLATFORM golang:1.22 as Build\n")
    assert df.stages[0].name == "build"
    assert df.stages[0].from_.platform is not None


@pytest.mark.parametrize("rest", ["", "a b", "a AS", "a AS b c", "a FROM b"])
def test_from_takes_one_or_three_arguments(rest: str) -> None:
    assert [e["message"] for e in dump(f"FROM {rest}\n")["errors"]] == [
        "FROM requires either one or three arguments"
    ]


@pytest.mark.parametrize("name", ["1st", "a/b", "café", "_x", "-x"])
def test_invalid_stage_names(name: str) -> None:
    out = dump(f"FROM a AS {name}\n")
    message = f'invalid name for build stage: "{name}", name can\'t start with a number or contain symbols'
    assert out["errors"] == [problem(message, "DF700", (1, 11, 1, 11 + len(name)))]


@pytest.mark.parametrize("name", ["b", "B-2", "b_c.d-e", "x9"])
def test_valid_stage_names_are_lowercased(name: str) -> None:
    df = parse_text(f"FROM a AS {name}\n")
    assert df.errors == ()
    assert df.stages[0].name == name.lower()


def test_instructions_before_the_first_from() -> None:
    df = parse_text("ARG V=1\n# c\nARG W\nFROM a:$V AS one\nRUN x\nFROM one\nCOPY --from=one / /\n")
    assert [a.decls[0].name for a in df.global_args] == ["V", "W"]
    assert [(s.index, s.name, len(s.instructions)) for s in df.stages] == [(0, "one", 1), (1, None, 1)]
    assert [(link.source, link.target, link.kind) for link in df.stage_links] == [
        (0, 1, "from"),
        (0, 1, "copy"),
    ]
    out = dump("RUN x\nFROM a\n")
    assert out["errors"] == [problem("no build stage in current context", "DF728", (1, 1, 1, 4))]


@pytest.mark.parametrize(
    ("line", "messages"),
    [
        (
            "COPY --chmodd=1 a",
            [
                "unknown flag: --chmodd (did you mean chmod?)",
                "COPY requires at least two arguments, but only one was provided. "
                "Destination could not be determined",
            ],
        ),
        ("VOLUME --x=1", ["unknown flag: --x", "VOLUME requires at least one argument"]),
        ("SHELL --x=1 sh", ["unknown flag: --x", "SHELL requires the arguments to be in JSON form"]),
        ('SHELL ["a", 1]', [JSON_STRINGS_ONLY]),  # BuildKit's parser stops at the JSON error
        ('COPY ["a", 1]', [JSON_STRINGS_ONLY]),
    ],
)
def test_every_problem_of_an_instruction_is_reported(line: str, messages: list[str]) -> None:
    # BuildKit stops at the first problem; a linter shows them all, except what one problem implies.
    assert errors(line) == messages


# -- 6. RUN --mount: what BuildKit checks when it parses the instruction ----------------------
def test_mount_options() -> None:
    df = parse_text('FROM a\nRUN --mount=type=cache,target=/root/.cache,\\"id=a,b\\",RO,sharing=locked x\n')
    run = df.instructions[1]
    assert isinstance(run, model.Run) and df.errors == ()
    mount = run.mounts[0]
    assert (mount.type, mount.target, mount.option("id"), mount.option("ro")) == (
        "cache",
        "/root/.cache",
        "a,b",
        None,
    )
    assert mount.options[-1] == ("sharing", "locked")
    assert mount.span == run.flags[0].span


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            '--mount=type=bind,src=\\"a,b\\"',
            'failed to parse csv mounts: parse error on line 1, column 15: bare " in non-quoted-field',
        ),
        (
            '--mount=type=bind,\\"src=a',
            "failed to parse csv mounts: parse error on line 1, column 11: "
            'extraneous or missing " in quoted-field',
        ),
        ("--mount=", "failed to parse csv mounts: EOF"),
        ("--mount=type=cache,target", "invalid field 'target' must be a key=value pair"),
        ('--mount="type=bind,source=a,b"', "invalid field 'b' must be a key=value pair"),  # quotes go first
        (
            "--mount=from=$STAGE,target=/x",
            "'from' doesn't support variable expansion, define alias stage instead",
        ),
    ],
)
def test_mount_errors(flag: str, message: str) -> None:
    out = dump(f"FROM a\nRUN {flag} x\n")
    assert [e["message"] for e in out["errors"]] == [message]
    assert out["errors"][0]["start"] == out["instructions"][1]["locations"]["flags"][0]["start"]


def test_mount_values_are_checked_at_build_time_only() -> None:
    assert errors("RUN --mount=type=nope,from=stage$,uid=x,rw x") == []

"""Spec sections 1-4 (lines, comments, parser directives, escape token and continuation): the exact
``dfanalyze parse --format json`` result, spans included.

Each expectation was checked against BuildKit's parser (frontend/dockerfile/parser/parser.go and
directives.go); where the code and docs/spec/buildkit-syntax.md differ, the test says so.
"""

from __future__ import annotations

from parse_helpers import dump, node, problem

from dfanalyze.parse import parse_text

FROM_A = node("FROM", (1, 1, 1, 7), (1, 1, 1, 5), args=(("a", (1, 6, 1, 7)),))


# -- 1. lines ---------------------------------------------------------------------------------
def test_crlf_files_parse_like_lf_files() -> None:
    lf = "FROM a\nRUN echo hi \\\n  there\n"
    crlf = lf.replace("\n", "\r\n")
    assert dump(crlf) == dump(lf)
    assert dump(lf)["instructions"][1] == node(
        "RUN", (2, 1, 3, 8), (2, 1, 2, 4), args=(("echo hi   there", (2, 5, 3, 8)),)
    )


def test_a_bare_carriage_return_is_whitespace_inside_a_line() -> None:
    out = dump("FROM a\rAS\rb\nRUN x\ry\n")
    assert out["instructions"][0] == node(
        "FROM",
        (1, 1, 1, 12),
        (1, 1, 1, 5),
        args=(("a", (1, 6, 1, 7)), ("AS", (1, 8, 1, 10)), ("b", (1, 11, 1, 12))),
    )
    assert out["instructions"][1]["args"] == ["x\ry"]
    assert out["errors"] == []


def test_a_bom_is_removed_from_line_one_only() -> None:
    out = dump("\ufeffFROM a\n\ufeffRUN x\n")
    assert out["instructions"][0] == FROM_A
    assert out["instructions"][1]["keyword"] == "\ufeffRUN"
    assert out["errors"] == [
        problem("unknown instruction: \ufeffRUN (did you mean RUN?)", "DF701", (2, 1, 2, 5))
    ]


def test_a_physical_line_of_65535_bytes_is_accepted() -> None:
    text = "FROM a\nRUN " + "x" * (65535 - 4) + "\n"
    assert dump(text)["errors"] == []


def test_a_physical_line_over_65535_bytes_is_an_error_and_parsing_goes_on() -> None:
    long_line = "RUN " + "é" * 32766  # 4 + 2 * 32766 = 65536 bytes, 32770 characters
    out = dump(f"FROM a\n{long_line}\nRUN ok\n")
    assert out["errors"] == [
        problem("dockerfile line greater than max allowed size of 65535", "DF700", (2, 1, 2, 32771))
    ]
    assert [i["keyword"] for i in out["instructions"]] == ["FROM", "RUN"]
    assert out["instructions"][1]["args"] == ["ok"]


def test_the_carriage_return_of_a_crlf_line_counts_towards_the_limit() -> None:
    # BuildKit's scanner holds the line with its "\r" when it checks the size (only "\n" splits).
    text = "FROM a\r\nRUN " + "x" * (65535 - 4) + "\r\n"
    assert [e["message"] for e in dump(text)["errors"]] == [
        "dockerfile line greater than max allowed size of 65535"
    ]


def test_an_instruction_spans_its_continuation_comment_blank_and_heredoc_lines() -> None:
    text = "FROM a\nRUN cat <<EOF \\\n# comment\n\n  && true\nbody\nEOF\nUSER x\n"
    out = dump(text)
    run = out["instructions"][1]
    assert (run["start"], run["end"]) == ({"line": 2, "column": 1}, {"line": 7, "column": 4})
    assert out["instructions"][2]["start"] == {"line": 8, "column": 1}


# -- 2. comments ------------------------------------------------------------------------------
def test_hash_inside_a_line_is_text() -> None:
    out = dump("FROM a\nRUN echo # x\n")
    assert out["instructions"][1] == node(
        "RUN", (2, 1, 2, 13), (2, 1, 2, 4), args=(("echo # x", (2, 5, 2, 13)),)
    )


def test_hash_in_env_is_a_word_without_equals() -> None:
    out = dump("FROM a\nENV A=1 # c\n")
    # BuildKit stops at the first bad word; we report every bad word of the instruction.
    assert out["errors"] == [
        problem(
            'Syntax error - can\'t find = in "#". Must be of the form: name=value', "DF700", (2, 9, 2, 10)
        ),
        problem(
            'Syntax error - can\'t find = in "c". Must be of the form: name=value', "DF700", (2, 11, 2, 12)
        ),
    ]


def test_comment_lines_inside_a_continuation_are_dropped() -> None:
    out = dump("FROM a\nRUN a \\\n# c\n    # indented\n  b\n")
    assert out["instructions"][1] == node("RUN", (2, 1, 5, 4), (2, 1, 2, 4), args=(("a   b", (2, 5, 5, 4)),))
    assert out["warnings"] == []


def test_previous_comments_accumulate_across_blank_lines() -> None:
    out = dump("# one\n\n# two\nFROM a\nRUN x\n")
    assert out["instructions"][0]["comments"] == ["one", "two"]
    assert out["instructions"][1]["comments"] == []


def test_an_empty_comment_resets_the_previous_comments() -> None:
    out = dump("# one\n#\n# two\nFROM a\n#   \nRUN x\n")
    assert out["instructions"][0]["comments"] == ["two"]
    assert out["instructions"][1]["comments"] == []


def test_indented_comment_quirk_keeps_the_hash() -> None:
    # BuildKit trims `line[1:]` of the untrimmed line: for an indented comment that drops a blank.
    out = dump("FROM a\n  # indented\n\t#\nRUN x\n")
    assert out["instructions"][1]["comments"] == ["# indented", "#"]


def test_comments_inside_a_continuation_are_not_previous_comments() -> None:
    out = dump("FROM a\n# above\nRUN a \\\n# inside\n b\nRUN c\n")
    assert [i["comments"] for i in out["instructions"]] == [[], ["above"], []]


def test_directive_lines_are_not_previous_comments() -> None:
    out = dump("# syntax=docker/dockerfile:1\n# escape=\\\n# about the image\nFROM a\n")
    assert out["instructions"][0]["comments"] == ["about the image"]


def test_check_comment_above_an_instruction_is_kept_for_it() -> None:
    out = dump("FROM a\n# check=skip=JSONArgsRecommended\nCMD x\n")
    assert out["instructions"][1]["comments"] == ["check=skip=JSONArgsRecommended"]
    assert out["directives"]["check"] is None


# -- 3. parser directives ---------------------------------------------------------------------
def test_the_three_directives() -> None:
    text = "# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all;error=true\nFROM a\n"
    out = dump(text)
    assert out["directives"] == {
        "syntax": "docker/dockerfile:1",
        "escape": "`",
        "check": "skip=all;error=true",
    }
    assert out["instructions"] == [
        node("FROM", (4, 1, 4, 7), (4, 1, 4, 5), args=(("a", (4, 6, 4, 7)),)),
    ]


def test_directive_keys_are_case_insensitive_and_values_keep_their_case() -> None:
    out = dump("#  SYNTAX = Docker/Dockerfile:1.7  \n#Check=skip=StageNameCasing\nFROM a\n")
    assert out["directives"] == {
        "syntax": "Docker/Dockerfile:1.7",
        "escape": None,
        "check": "skip=StageNameCasing",
    }


def test_directive_spans_cover_the_value() -> None:
    df = parse_text("#  escape =  `  \nFROM a\n")
    directive = df.directive("escape")
    assert directive is not None
    assert (directive.span.start.line, directive.span.start.column) == (1, 14)
    assert (directive.span.end.line, directive.span.end.column) == (1, 15)


def _escape_honoured(prefix: str) -> bool:
    """Whether ``# escape=``` after ``prefix`` makes the backtick continue lines."""
    out = dump(prefix + "# escape=`\nFROM a\nRUN a`\n b\n")
    return len(out["instructions"]) == 2


def test_directives_are_read_until_the_first_line_that_is_not_one() -> None:
    assert _escape_honoured("")
    assert _escape_honoured("# syntax=x\n")
    assert not _escape_honoured("\n")  # a blank line
    assert not _escape_honoured("# a plain comment\n")
    assert not _escape_honoured("# foo=bar\n")  # an unknown directive
    assert not _escape_honoured("ARG x\n")  # an instruction


def test_a_directive_after_an_instruction_is_a_comment() -> None:
    out = dump("FROM a\n# syntax=x\nRUN y\n")
    assert out["directives"]["syntax"] is None
    assert out["instructions"][1]["comments"] == ["syntax=x"]


def test_a_repeated_directive_is_an_error_and_the_first_value_stays() -> None:
    out = dump("# syntax=a\n# check=skip=all\n# syntax=b\n# escape=`\n# escape=\\\nFROM a\n")
    assert out["directives"] == {"syntax": "a", "escape": "`", "check": "skip=all"}
    assert out["errors"] == [
        problem("only one syntax parser directive can be used", "DF700", (3, 10, 3, 11)),
        problem("only one escape parser directive can be used", "DF700", (5, 10, 5, 11)),
    ]


def test_syntax_detection_stops_at_a_repeated_directive() -> None:
    # BuildKit's syntax/check detection gives up at its first error: `syntax` below is not seen.
    out = dump("# escape=`\n# escape=`\n# syntax=a\nFROM a\n")
    assert out["directives"] == {"syntax": None, "escape": "`", "check": None}


def test_an_invalid_escape_is_an_error_and_the_default_stays() -> None:
    out = dump("# escape=x\nFROM a\nRUN a \\\n b\n")
    assert out["directives"]["escape"] is None
    assert out["errors"] == [
        problem("invalid escape token 'x' does not match ` or \\", "DF700", (1, 10, 1, 11))
    ]
    assert out["instructions"][1]["args"] == ["a  b"]


def test_shebang_quirk_escape_is_no_longer_honoured() -> None:
    out = dump("#!/usr/bin/env dockerfile\n# escape=`\nFROM a\nRUN a \\\n b\n")
    assert out["directives"]["escape"] is None
    assert out["instructions"][1]["args"] == ["a  b"]
    # After a shebang the main parser sees no directive at all: the lines stay comments.
    assert out["instructions"][0]["comments"] == ["!/usr/bin/env dockerfile", "escape=`"]


def test_syntax_and_check_are_still_detected_after_a_shebang() -> None:
    out = dump("#!/bin/sh\n# syntax=foo\n# check=skip=all\n# syntax=bar\nFROM a\n")
    assert out["directives"] == {"syntax": "foo", "escape": None, "check": "skip=all"}
    assert out["errors"] == []  # BuildKit's syntax detection keeps the first and reports nothing


def test_an_indented_escape_directive_is_honoured_but_syntax_detection_wants_column_one() -> None:
    out = dump("  # escape=`\n  # syntax=x\nFROM a\nRUN a`\n b\n")
    assert out["directives"] == {"syntax": None, "escape": "`", "check": None}
    assert out["instructions"][1]["args"] == ["a b"]


# -- 4. escape token and continuation ---------------------------------------------------------
def test_continuation_lines_are_joined_with_nothing_inserted() -> None:
    out = dump("FROM a\nRUN echo foo\\\nbar\n")
    assert out["instructions"][1] == node(
        "RUN", (2, 1, 3, 4), (2, 1, 2, 4), args=(("echo foobar", (2, 5, 3, 4)),)
    )


def test_whitespace_before_the_escape_and_indentation_after_it_are_kept() -> None:
    out = dump("FROM a\n   RUN a  \\\n    b\n")
    assert out["instructions"][1] == node(
        "RUN", (2, 4, 3, 6), (2, 4, 2, 7), args=(("a      b", (2, 8, 3, 6)),)
    )


def test_escape_followed_by_blanks_still_continues() -> None:
    out = dump("FROM a\nRUN a \\ \t\nb\n")
    assert out["instructions"][1]["args"] == ["a b"]


def test_an_escaped_escape_at_end_of_line_does_not_continue() -> None:
    out = dump("FROM a\nRUN echo \\\\\nRUN b\n")
    assert out["instructions"][1] == node(
        "RUN", (2, 1, 2, 12), (2, 1, 2, 4), args=(("echo \\\\", (2, 5, 2, 12)),)
    )
    assert out["instructions"][2]["args"] == ["b"]


def test_three_escapes_quirk_does_not_continue_either() -> None:
    out = dump("FROM a\nRUN echo \\\\\\\nRUN b\n")
    assert [i["args"] for i in out["instructions"]] == [["a"], ["echo \\\\\\"], ["b"]]


def test_empty_continuation_lines_are_skipped_with_a_warning_on_the_last_line() -> None:
    out = dump("FROM a\nRUN a \\\n\n  \\\n   \n b\nUSER x\n")
    assert out["instructions"][1] == node("RUN", (2, 1, 6, 3), (2, 1, 2, 4), args=(("a    b", (2, 5, 6, 3)),))
    assert out["warnings"] == [problem("Empty continuation line", "DF703", (6, 1, 6, 3))]
    assert out["errors"] == []


def test_the_empty_continuation_warning_stays_before_a_heredoc_body() -> None:
    out = dump("FROM a\nRUN cat <<EOF \\\n\n  -\nbody\nEOF\n")
    assert out["warnings"] == [problem("Empty continuation line", "DF703", (4, 1, 4, 4))]


def test_end_of_file_ends_a_continued_instruction() -> None:
    out = dump("FROM a\nRUN a \\")
    assert out["instructions"][1] == node("RUN", (2, 1, 2, 8), (2, 1, 2, 4), args=(("a", (2, 5, 2, 6)),))
    assert out["errors"] == []


def test_a_lone_escape_line_contributes_nothing() -> None:
    out = dump("FROM a\n\\\nRUN x\n\\\n")
    assert out["instructions"][1] == node("RUN", (3, 1, 3, 6), (3, 1, 3, 4), args=(("x", (3, 5, 3, 6)),))
    assert len(out["instructions"]) == 2


def test_backtick_escape_continues_and_backslash_becomes_plain_text() -> None:
    text = "# escape=`\nFROM a\nRUN dir c:\\\nRUN echo a`\n  # c\n  b\n"
    out = dump(text)
    assert out["instructions"][1] == node(
        "RUN", (3, 1, 3, 12), (3, 1, 3, 4), args=(("dir c:\\", (3, 5, 3, 12)),)
    )
    assert out["instructions"][2] == node(
        "RUN", (4, 1, 6, 4), (4, 1, 4, 4), args=(("echo a  b", (4, 5, 6, 4)),)
    )


def test_backtick_escape_in_env_words() -> None:
    out = dump('# escape=`\nFROM a\nENV A=x` y B="c`"d"\n')
    assert out["instructions"][1]["args"] == ["A", "x` y", "=", "B", '"c`"d"', "="]


# -- whitespace is Go's unicode.IsSpace, not Python's str.isspace -----------------------------
def test_information_separators_are_not_whitespace() -> None:
    # Python's str.isspace() accepts \x1c-\x1f; Go's unicode.IsSpace does not.
    out = dump("FROM a\n\x1c# not a comment\n\x1fRUN x\n")
    assert [i["keyword"] for i in out["instructions"]] == ["FROM", "\x1c#", "\x1fRUN"]


def test_unicode_spaces_are_whitespace() -> None:
    out = dump("FROM a\n\u3000# a comment\n\u00a0RUN x\u2003\n")
    # The comment keeps its `#` (the indented-comment quirk). BuildKit slices off one *byte* of the
    # 3-byte ideographic space and keeps broken UTF-8; we slice off the character.
    assert out["instructions"][1] == node(
        "RUN", (3, 2, 3, 8), (3, 2, 3, 5), args=(("x", (3, 6, 3, 7)),), comments=("# a comment",)
    )


def test_directive_blanks_around_equals_are_ascii_only() -> None:
    # Go's regexp `\s` is [\t\n\f\r ]: an em space before `=` makes the line a plain comment.
    out = dump("#\u00a0syntax=a\n# check\u2003=x\nFROM a\n")
    assert out["directives"] == {"syntax": "a", "escape": None, "check": None}
    assert out["instructions"][0]["comments"] == ["check\u2003=x"]


def test_an_escape_token_continuing_to_the_end_of_the_file_is_an_error() -> None:
    # BuildKit makes a keyword-less instruction of it, which fails with "unknown instruction: ".
    out = dump("FROM a\n  \\\n# c\n\n")
    assert [i["keyword"] for i in out["instructions"]] == ["FROM"]
    assert out["errors"] == [
        problem(
            "unknown instruction: (nothing but an escape token before the end of the file)",
            "DF701",
            (2, 3, 4, 1),
        )
    ]

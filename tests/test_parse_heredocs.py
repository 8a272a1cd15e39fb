"""Spec section 7 (heredocs): the exact ``dfanalyze parse --format json`` result, spans included.

Checked against BuildKit's parser.go (``heredocsFromLine``, ``heredocFromMatch``, the body loop of
``Parse``) and shell/lex.go (``<<`` followed by blanks stays one word since frontend 1.16).
"""

from __future__ import annotations

import pytest
from parse_helpers import dump, heredoc, node, problem

from dfanalyze import model
from dfanalyze.parse import parse_text


def test_run_heredoc() -> None:
    out = dump("FROM a\nRUN <<EOF\necho hi\n  EOF\nEOF\nUSER x\n")
    assert out["instructions"][1] == node(
        "RUN",
        (2, 1, 5, 4),
        (2, 1, 2, 4),
        args=(("<<EOF", (2, 5, 2, 10)),),
        heredocs=(heredoc("EOF", "echo hi\n  EOF\n", (2, 5, 5, 4)),),
    )
    assert out["instructions"][2]["start"] == {"line": 6, "column": 1}


def test_several_heredocs_on_one_line_are_read_in_order() -> None:
    # BuildKit's own example: each body ends at its own terminator only.
    out = dump("FROM a\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n")
    assert out["instructions"][1] == node(
        "COPY",
        (2, 1, 6, 2),
        (2, 1, 2, 5),
        args=(("<<X", (2, 6, 2, 9)), ("<<Y", (2, 10, 2, 13)), ("/dest", (2, 14, 2, 19))),
        heredocs=(heredoc("X", "Y\n", (2, 6, 4, 2)), heredoc("Y", "X\n", (2, 10, 6, 2))),
    )
    copy = parse_text("FROM a\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n").instructions[1]
    assert isinstance(copy, model.Copy)
    assert [h.name for h in copy.heredoc_sources] == ["X", "Y"]


@pytest.mark.parametrize(
    ("word", "name"),
    [("<<'EOF'", "EOF"), ('<<"EOF"', "EOF"), ('<<E"O"F', "EOF"), ("<<'one two'", "one two")],
)
def test_a_quoted_name_turns_expansion_off(word: str, name: str) -> None:
    out = dump(f"FROM a\nRUN cat {word}\n$HOME\n{name}\n")
    assert out["instructions"][1]["heredocs"] == [
        heredoc(name, "$HOME\n", (2, 9, 4, len(name) + 1), expand=False),
    ]


def test_an_escaped_quote_keeps_expansion_on() -> None:
    out = dump('FROM a\nRUN cat <<E\\"F\n$HOME\nE"F\n')
    assert out["instructions"][1]["heredocs"] == [heredoc('E"F', "$HOME\n", (2, 9, 4, 4))]


def test_dash_chomps_leading_tabs_of_the_terminator_and_keeps_the_raw_body() -> None:
    out = dump("FROM a\nRUN <<-EOF\n\techo a\n\t\techo b\n\t\tEOF\n")
    assert out["instructions"][1]["heredocs"] == [
        heredoc("EOF", "\techo a\n\t\techo b\n", (2, 5, 5, 6), chomp=True),
    ]
    run = parse_text("FROM a\nRUN <<-EOF\n\techo a\n\t\techo b\n\t\tEOF\n").instructions[1]
    assert run.heredocs[0].text == "echo a\necho b\n"


def test_file_descriptor_prefix() -> None:
    out = dump("FROM a\nRUN cat 3<<EOF 0<<-'IN'\nx\nEOF\ny\nIN\n")
    assert out["instructions"][1]["heredocs"] == [
        heredoc("EOF", "x\n", (2, 9, 4, 4), fd=3),
        heredoc("IN", "y\n", (2, 16, 6, 3), expand=False, chomp=True),
    ]


def test_blanks_after_the_operator_are_allowed() -> None:
    out = dump("FROM a\nRUN python3 <<  EOF\nprint(1)\nEOF\n")
    assert out["instructions"][1] == node(
        "RUN",
        (2, 1, 4, 4),
        (2, 1, 2, 4),
        args=(("python3 <<  EOF", (2, 5, 2, 20)),),
        heredocs=(heredoc("EOF", "print(1)\n", (2, 13, 4, 4)),),
    )


def test_a_blank_after_dash_quirk_is_not_a_heredoc() -> None:
    out = dump("FROM a\nRUN cat <<- EOF\nhello\nEOF\n")
    assert out["instructions"][1]["heredocs"] == []
    assert [i["keyword"] for i in out["instructions"]] == ["FROM", "RUN", "hello", "EOF"]


def test_an_operator_followed_by_another_operator_is_not_a_heredoc() -> None:
    # The lexer makes `<< <<EOF` one word, which is no heredoc word.
    out = dump("FROM a\nRUN cat << <<EOF\nx\nEOF\n")
    assert out["instructions"][1]["heredocs"] == []


@pytest.mark.parametrize(
    "line",
    [
        'RUN "<<EOF"',  # a quoted word
        'RUN echo "a <<EOF',  # unbalanced quotes: the lexer fails, no heredoc and no error
        'RUN ["cat", "<<EOF"]',  # exec form
        "CMD cat <<EOF",  # only RUN, COPY and ADD
        "RUN cat<<EOF",  # the operator must start the word
        "RUN cat <<",  # no name
        'RUN cat <<""',  # an empty name
    ],
)
def test_lines_without_heredocs(line: str) -> None:
    out = dump(f"FROM a\n{line}\nx\nEOF\n")
    assert out["instructions"][1]["heredocs"] == []
    assert [i["keyword"] for i in out["instructions"][2:]] == ["x", "EOF"]


def test_onbuild_with_a_heredoc() -> None:
    out = dump("FROM a\nONBUILD RUN <<EOF\nmake\nEOF\nUSER x\n")
    body = heredoc("EOF", "make\n", (2, 13, 4, 4))
    assert out["instructions"][1] == node(
        "ONBUILD",
        (2, 1, 4, 4),
        (2, 1, 2, 8),
        heredocs=(body,),
        children=(
            node("RUN", (2, 9, 2, 18), (2, 9, 2, 12), args=(("<<EOF", (2, 13, 2, 18)),), heredocs=(body,)),
        ),
    )
    assert out["instructions"][2]["keyword"] == "USER"


def test_onbuild_exec_form_has_no_heredoc() -> None:
    out = dump('FROM a\nONBUILD RUN ["<<EOF"]\nx\n')
    assert out["instructions"][1]["heredocs"] == []
    assert out["instructions"][2]["keyword"] == "x"


def test_an_unterminated_heredoc_runs_to_the_end_of_the_file() -> None:
    out = dump("FROM a\nRUN <<EOF\nx\nEOF \n")
    assert out["instructions"][1] == node(
        "RUN",
        (2, 1, 4, 5),
        (2, 1, 2, 4),
        args=(("<<EOF", (2, 5, 2, 10)),),
        heredocs=(heredoc("EOF", "x\nEOF \n", (2, 5, 4, 5)),),
    )
    assert out["errors"] == [problem("unterminated heredoc", "DF700", (2, 5, 4, 5))]


def test_the_body_of_the_last_heredoc_has_no_newline_when_the_file_has_none() -> None:
    out = dump("FROM a\nRUN <<EOF\nx")
    assert out["instructions"][1]["heredocs"][0]["content"] == "x"


def test_bodies_are_read_raw() -> None:
    body = "# not a comment\nline \\\n# escape=`\n\n   \n"
    out = dump(f"FROM a\nRUN <<EOF\n{body}EOF\n")
    assert out["instructions"][1]["heredocs"][0]["content"] == body
    assert out["warnings"] == []


def test_bodies_start_after_the_whole_logical_line() -> None:
    out = dump("FROM a\nRUN cat <<EOF \\\n  # comment\n  && echo done\nbody\nEOF\n")
    assert out["instructions"][1] == node(
        "RUN",
        (2, 1, 6, 4),
        (2, 1, 2, 4),
        args=(("cat <<EOF   && echo done", (2, 5, 4, 15)),),
        heredocs=(heredoc("EOF", "body\n", (2, 9, 6, 4)),),
    )


def test_heredoc_in_a_crlf_file() -> None:
    # Lines are read with their "\r" removed, bodies included (BuildKit keeps "\r\n" in the body).
    out = dump("FROM a\r\nRUN <<EOF\r\nx\r\nEOF\r\n")
    assert out["instructions"][1]["heredocs"] == [heredoc("EOF", "x\n", (2, 5, 4, 4))]


def test_a_heredoc_as_destination_is_an_error() -> None:
    out = dump("FROM a\nCOPY a <<EOF\nx\nEOF\n")
    assert out["errors"] == [problem("COPY cannot accept a heredoc as a destination", "DF700", (2, 8, 2, 13))]
    assert out["instructions"][1]["heredocs"] == [heredoc("EOF", "x\n", (2, 8, 4, 4))]


def test_the_body_offsets_map_back_to_the_source() -> None:
    df = parse_text("FROM a\nRUN <<EOF\n  echo a\necho b\nEOF\n")
    doc = df.instructions[1].heredocs[0]
    position = doc.body_offsets.position(doc.content.index("echo b"))
    assert (position.line, position.column) == (4, 1)
    position = doc.body_offsets.position(doc.content.index("echo a"))
    assert (position.line, position.column) == (3, 3)


def test_a_heredoc_on_the_last_line_of_the_file() -> None:
    out = dump("FROM a\nRUN <<EOF")
    assert out["instructions"][1]["heredocs"] == [heredoc("EOF", "", (2, 5, 2, 10))]
    assert out["errors"] == [problem("unterminated heredoc", "DF700", (2, 5, 2, 10))]
    doc = parse_text("FROM a\nRUN <<EOF").instructions[1].heredocs[0]
    assert doc.body_span.start == doc.body_span.end == doc.span.end


@pytest.mark.parametrize("dest", ["<<", '<<""', "x<<EOF"])
def test_a_destination_that_is_no_heredoc_word(dest: str) -> None:
    assert dump(f"FROM a\nCOPY a {dest}\n")["errors"] == []

"""Code frames of the ``full`` format: carets under the exact span (tabs, wide and combining
characters, control characters), spans over several lines, long spans, and fixes shown as diffs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dfanalyze.findings import Edit, Finding, Fix, Severity
from dfanalyze.report.frame import finding_frames, fixed_block
from dfanalyze.report.result import Report
from dfanalyze.report.styled import cells, expand_line, plain, sanitize
from dfanalyze.report.text import finding_block
from dfanalyze.span import Span


def _finding(span: Span, fix: Fix | None = None) -> Finding:
    return Finding("DEMO1", "demo", "demo", Severity.WARNING, "message", "Dockerfile", span, fix=fix)


def _frame(lines: tuple[str, ...], span: Span, fix: Fix | None = None) -> str:
    _, frame, diff = finding_frames(_finding(span, fix), lines, "warning")
    return plain(frame + diff)


def test_carets_skip_tabs_and_wide_characters() -> None:
    lines = ("RUN\techo 日本語\tdone",)
    text = _frame(lines, Span.of(1, 11, 1, 13))  # 本語
    assert text.splitlines()[1:3] == [
        "1 | RUN echo 日本語 done",
        "  |            ^^^^",
    ]
    after = _frame(lines, Span.of(1, 14, 1, 18)).splitlines()[2]
    assert after == "  |                 ^^^^"  # "done", after the tab that fills its tab stop


def test_empty_span_and_span_past_the_end_get_one_caret() -> None:
    assert _frame(("FROM x",), Span.of(1, 3, 1, 3)).splitlines()[2] == "  |   ^"
    assert _frame(("FROM x",), Span.of(1, 7, 1, 7)).splitlines()[2] == "  |       ^"


def test_multi_line_span_is_drawn_in_the_margin() -> None:
    lines = ("FROM x", "RUN a \\", "  b \\", "  c", "CMD d")
    assert _frame(lines, Span.of(2, 5, 4, 4)) == (
        "  |\n"
        "1 |   FROM x\n"
        "2 |   RUN a \\\n"
        "  |  _____^\n"
        "3 | |   b \\\n"
        "4 | |   c\n"
        "  | |___^\n"
        "5 |   CMD d\n"
        "  |\n"
    )


def test_span_ending_at_column_one_ends_on_the_line_before() -> None:
    lines = ("FROM x", "RUN a", "CMD b")
    text = _frame(lines, Span.of(1, 1, 3, 1))
    assert "  | |_____^" in text.splitlines()  # under the last character of line 2
    assert "3 |   CMD b" in text.splitlines()  # line 3 is context, outside the margin


def test_long_spans_show_their_ends_around_an_ellipsis() -> None:
    lines = tuple(f"line {n}" for n in range(1, 31))
    assert _frame(lines, Span.of(2, 1, 29, 8)) == (
        "   |\n"
        " 1 |   line 1\n"
        " 2 |   line 2\n"
        "   |  _^\n"
        " 3 | | line 3\n"
        " 4 | | line 4\n"
        "   | | ...\n"
        "27 | | line 27\n"
        "28 | | line 28\n"
        "29 | | line 29\n"
        "   | |_______^\n"
        "30 |   line 30\n"
        "   |\n"
    )


def test_blank_context_lines_at_the_edges_are_dropped() -> None:
    text = _frame(("", "", "FROM x", "", ""), Span.of(3, 1, 3, 5)).splitlines()
    assert text[1] == "3 | FROM x"
    assert text[-1] == "  |"


def test_control_characters_are_shown_not_sent() -> None:
    text = _frame(("RUN echo \x1b[2J\x07",), Span.of(1, 10, 1, 14))
    assert "\x1b" not in text and "\x07" not in text
    assert "RUN echo ␛[2J␇" in text
    assert sanitize("a\x1bb\x9bc\x7f") == "a␛b\ufffdc␡"


def test_fix_diff_numbers_removed_and_added_lines() -> None:
    lines = ("FROM x", "run a", "CMD b")
    fix = Fix("Write RUN", (Edit(Span.of(2, 1, 2, 4), "RUN"),))
    diff = _frame(lines, Span.of(2, 1, 2, 4), fix).split("  |\n")
    assert diff[-2] == "1 | FROM x\n  - run a\n2 + RUN a\n3 | CMD b\n"


def test_fix_diff_of_inserted_and_deleted_lines() -> None:
    lines = ("FROM x", "RUN a", "CMD b")
    insert = Fix("Add a user", (Edit(Span.of(3, 1, 3, 1), "USER app\n"),))
    text = _frame(lines, Span.of(3, 1, 3, 4), insert)
    assert "2 | RUN a\n3 + USER app\n4 | CMD b\n" in text
    delete = Fix("Remove", (Edit(Span.of(2, 1, 3, 1), ""),))
    text = _frame(lines, Span.of(2, 1, 2, 6), delete)
    assert "1 | FROM x\n  - RUN a\n2 | CMD b\n" in text


def test_fix_at_the_end_of_the_file() -> None:
    lines = ("FROM x",)
    first, old, new = fixed_block(
        _finding(Span.of(1, 1, 1, 5), Fix("Add", (Edit(Span.of(2, 1, 2, 1), "CMD a\n"),))), lines
    )
    assert (first, old, new) == (2, [], ["CMD a"])


def test_gutter_is_as_wide_as_the_largest_number_shown() -> None:
    lines = tuple(f"L{n}" for n in range(1, 12))
    width, frame, _ = finding_frames(_finding(Span.of(9, 1, 9, 3)), lines, "warning")
    assert width == 2
    assert plain(frame).splitlines()[1] == " 7 | L7"


def test_finding_without_source_has_no_frame() -> None:
    finding = _finding(Span.of(1, 1, 1, 1))
    block = plain(finding_block(Report((finding,)), finding))
    assert block == "DEMO1 message\n --> Dockerfile:1:1\n  = warning (demo): `dfanalyze rule DEMO1`\n\n"


@given(st.text(alphabet=st.sampled_from("ab\t日本\u0301é\x1b "), max_size=30))
def test_cell_offsets_match_the_expanded_text(raw: str) -> None:
    from rich.cells import cell_len

    shown, offsets = expand_line(raw)
    assert offsets[0] == 0
    assert offsets[-1] == cells(shown) == cell_len(shown)
    assert list(offsets) == sorted(offsets)

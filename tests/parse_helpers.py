"""Helpers shared by the parser tests: the ``dfanalyze parse --format json`` view of a text, and
compact builders for the exact values expected in it."""

from __future__ import annotations

from typing import Any

from dfanalyze.parse import parse_text
from dfanalyze.parse.dump import to_json

Box = tuple[int, int, int, int]  # start line, start column, end line, end column (exclusive)


def dump(text: str) -> dict[str, Any]:
    """What ``dfanalyze parse --format json`` prints for ``text``."""
    return to_json(parse_text(text))


def span(box: Box) -> dict[str, Any]:
    line, column, end_line, end_column = box
    return {
        "start": {"line": line, "column": column},
        "end": {"line": end_line, "column": end_column},
    }


def node(
    keyword: str,
    at: Box,
    kw: Box,
    *,
    args: tuple[tuple[str, Box], ...] = (),
    flags: tuple[tuple[str, Box], ...] = (),
    json: bool = False,
    heredocs: tuple[dict[str, Any], ...] = (),
    children: tuple[dict[str, Any], ...] = (),
    comments: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One instruction as the JSON dump shows it; every word is given with its exact span."""
    return {
        "keyword": keyword,
        "flags": [text for text, _ in flags],
        "json": json,
        "args": [text for text, _ in args],
        "heredocs": list(heredocs),
        "children": list(children),
        **span(at),
        "comments": list(comments),
        "locations": {
            "keyword": span(kw),
            "flags": [span(box) for _, box in flags],
            "args": [span(box) for _, box in args],
        },
    }


def heredoc(
    name: str,
    content: str,
    at: Box,
    *,
    expand: bool = True,
    chomp: bool = False,
    fd: int = 0,
) -> dict[str, Any]:
    """A heredoc in the dump: ``at`` runs from the ``<<NAME`` word to the end of the terminator line."""
    return {"name": name, "content": content, "expand": expand, "chomp": chomp, "fd": fd, **span(at)}


def problem(message: str, code: str, at: Box) -> dict[str, Any]:
    return {"message": message, "code": code, **span(at)}

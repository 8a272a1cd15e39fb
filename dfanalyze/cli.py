"""The command line: argument parsing and exit codes, nothing else.

Exit codes: 0 no findings (at or above the failure threshold), 1 findings, 2 usage errors, files that
cannot be read or parsed, broken configuration or rule files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
COMMANDS = ("check", "parse", "rule", "rules")
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines")


def _check_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="lint Dockerfiles (the default command)")
    p.add_argument("paths", nargs="*", default=["Dockerfile"], help="Dockerfiles to lint")
    p.add_argument("--output-format", choices=OUTPUT_FORMATS, default=None)
    p.add_argument("--select", action="append", default=None, metavar="RULES")
    p.add_argument("--extend-select", action="append", default=[], metavar="RULES")
    p.add_argument("--ignore", action="append", default=[], metavar="RULES")
    p.add_argument("--build-arg", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--no-color", action="store_true", help="never colour the output")


def _split(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    from dfanalyze import __version__

    parser = argparse.ArgumentParser(
        prog="dfanalyze",
        description="Lint and analyse Dockerfiles. `dfanalyze PATH...` is `dfanalyze check PATH...`.",
    )
    parser.add_argument("--version", action="version", version=f"dfanalyze {__version__}")
    sub = parser.add_subparsers(dest="command")
    _check_parser(sub)
    p = sub.add_parser("parse", help="print the parse tree (BuildKit-equivalent AST with spans)")
    p.add_argument("path")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p = sub.add_parser("rule", help="explain a rule")
    p.add_argument("selector", help="a rule code, name or alias")
    p = sub.add_parser("rules", help="list every rule")
    p.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in ("--version", "-V"):
        from dfanalyze import __version__

        print(f"dfanalyze {__version__}")
        return EXIT_CLEAN
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, "check")
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return EXIT_CLEAN if exc.code == 0 else EXIT_ERROR
    try:
        if args.command == "parse":
            return _parse_command(args)
        if args.command == "rule":
            return _rule_command(args)
        if args.command == "rules":
            return _rules_command(args)
        return _check_command(args)
    except BrokenPipeError:
        return EXIT_CLEAN
    except KeyboardInterrupt:
        return 130


def _parse_command(args: argparse.Namespace) -> int:
    import json

    from dfanalyze.api import InputError, parse, read
    from dfanalyze.parse.dump import to_json, to_text

    try:
        dockerfile = parse(read(args.path), args.path)
    except InputError as exc:
        print(f"dfanalyze: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "json":
        print(json.dumps(to_json(dockerfile), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(to_text(dockerfile))
    return EXIT_ERROR if dockerfile.errors else EXIT_CLEAN


def _rule_command(args: argparse.Namespace) -> int:
    from dfanalyze.engine.registry import default_registry
    from dfanalyze.engine.run import SelectorError, resolve
    from dfanalyze.report.explain import explain

    registry = default_registry()
    try:
        rules = resolve(args.selector, registry.sorted_rules())
    except SelectorError as exc:
        print(f"dfanalyze: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    explain(rules[0])
    return EXIT_CLEAN


def _rules_command(args: argparse.Namespace) -> int:
    from dfanalyze.engine.registry import default_registry
    from dfanalyze.report.explain import list_rules

    list_rules(default_registry().sorted_rules(), args.format)
    return EXIT_CLEAN


def _check_command(args: argparse.Namespace) -> int:
    import os

    from dfanalyze.api import InputError, parse, read
    from dfanalyze.engine.registry import default_registry
    from dfanalyze.engine.run import Selection, SelectorError, lint_dockerfile
    from dfanalyze.findings import Finding
    from dfanalyze.report import render

    build_args: dict[str, str] = {}
    for item in args.build_arg:
        name, eq, value = item.partition("=")
        if not eq:
            value = os.environ.get(name, "")
        build_args[name] = value
    registry = default_registry()
    for problem in registry.errors:
        print(f"dfanalyze: error: {problem}", file=sys.stderr)
    selection = Selection(
        select=_split(args.select),
        extend_select=_split(args.extend_select) or [],
        ignore=_split(args.ignore) or [],
    )
    try:
        selection.active(registry)
    except SelectorError as exc:
        print(f"dfanalyze: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    findings: list[Finding] = []
    sources: dict[str, tuple[str, ...]] = {}
    failed = bool(registry.errors)
    for path in args.paths:
        try:
            data = read(path)
        except InputError as exc:
            print(f"dfanalyze: error: {exc}", file=sys.stderr)
            failed = True
            continue
        dockerfile = parse(data, path)
        sources[path] = dockerfile.lines
        if dockerfile.errors:
            failed = True
        findings.extend(
            lint_dockerfile(dockerfile, build_args=build_args, registry=registry, selection=selection)
        )
    output_format = args.output_format or os.environ.get("DFANALYZE_OUTPUT_FORMAT") or "full"
    render(findings, sources, output_format, color=not args.no_color)
    if failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings else EXIT_CLEAN

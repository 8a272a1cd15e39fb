"""The command line: argument parsing and exit codes, nothing else.

Exit codes: 0 no findings (at or above the failure threshold), 1 findings, 2 usage errors, files that
cannot be read or parsed, broken configuration or rule files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from dfanalyze.batch import FileResult, Task
    from dfanalyze.engine.config import Config, Overrides
    from dfanalyze.engine.linting import Linting
    from dfanalyze.engine.rulefile import Rule
    from dfanalyze.report import Report
    from dfanalyze.report.result import FileError

    _Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
COMMANDS = ("check", "parse", "rule", "rules", "layers", "server")


def _output_arguments(p: argparse.ArgumentParser) -> None:
    """What to lint and how to show it: paths, output formats, colour, fixes."""
    from dfanalyze.report import OUTPUT_FORMATS

    p.add_argument(
        "paths",
        nargs="*",
        help="Dockerfiles and folders to lint (default: the current folder); - reads standard input",
    )
    p.add_argument(
        "--output-format",
        "--format",
        choices=OUTPUT_FORMATS,
        default=None,
        help="default: $DFANALYZE_OUTPUT_FORMAT, else full (--format is the same option)",
    )
    p.add_argument("--output-file", "-o", metavar="PATH", help="write the report to PATH")
    p.add_argument(
        "--also-output",
        action="append",
        default=[],
        metavar="FORMAT=PATH",
        help="also write the report in FORMAT to PATH, from the same run (repeatable)",
    )
    quiet = p.add_mutually_exclusive_group()
    quiet.add_argument("-q", "--quiet", action="store_true", help="print the findings, without the summary")
    quiet.add_argument(
        "-s", "--silent", action="store_true", help="print nothing but errors; the exit status still tells"
    )
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="default: auto")
    p.add_argument("--no-color", dest="color", action="store_const", const="never", help="--color never")
    p.add_argument("--statistics", action="store_true", help="count findings per rule")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    p.add_argument("--fix", action="store_true", help="apply the fixes and write the files")
    p.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour")
    p.add_argument("--diff", action="store_true", help="print the fixes as a diff, write nothing")
    p.add_argument("--show-fixes", action="store_true", help="list what --fix changed")
    p.add_argument("--exclude", action="append", default=[], metavar="PATTERNS", help=".gitignore-style")
    p.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="also lint files that .gitignore files ignore",
    )
    p.add_argument("--stdin-filename", metavar="PATH", help="the name of the file read from standard input")
    p.add_argument(
        "--show-files",
        action="store_true",
        help="list the files that would be linted and the configuration of each",
    )
    p.add_argument(
        "--show-settings",
        action="store_true",
        help="show the settings each file is linted with, and where each value comes from",
    )
    p.add_argument(
        "--add-noqa",
        action="store_true",
        help="write a suppression comment for every current finding (to adopt dfanalyze on a big repository)",
    )


def _check_parser(sub: _Subparsers) -> None:
    p = sub.add_parser("check", help="lint Dockerfiles (the default command)", formatter_class=_HelpFormatter)
    _output_arguments(p)
    p.add_argument("--select", action="append", default=None, metavar="RULES", help="run only these rules")
    p.add_argument("--extend-select", action="append", default=[], metavar="RULES", help="also run these")
    p.add_argument("--ignore", action="append", default=[], metavar="RULES", help="do not run these")
    p.add_argument(
        "--shellcheck",
        action="store_true",
        help="also run ShellCheck on RUN commands and heredoc scripts (rule DF599)",
    )
    p.add_argument(
        "--fixable", action="append", default=None, metavar="RULES", help="only these rules' fixes apply"
    )
    p.add_argument(
        "--unfixable", action="append", default=[], metavar="RULES", help="these rules' fixes do not apply"
    )
    p.add_argument("--build-arg", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE_OR_SETTING",
        help="a configuration file for every file, or a setting over every configuration ('KEY = VALUE')",
    )
    p.add_argument(
        "--failure-threshold",
        choices=("error", "warning", "info", "style", "never"),
        help="exit 1 only for findings at least this severe (default: warning)",
    )


def _split(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, sized without importing shutil (argparse makes one per argument)."""

    def __init__(self, prog: str) -> None:
        import os

        try:
            columns = int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno() if sys.__stdout__ else 1).columns
            except (OSError, ValueError):
                columns = 80
        super().__init__(prog, width=max(columns - 2, 20))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `command`, the other subcommands are left out (faster)."""
    from dfanalyze import __version__

    parser = argparse.ArgumentParser(
        prog="dfanalyze",
        description="Lint and analyse Dockerfiles. `dfanalyze PATH...` is `dfanalyze check PATH...`.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dfanalyze {__version__}")
    sub = parser.add_subparsers(dest="command")
    for name, add in _SUBCOMMANDS.items():
        if command is None or command == name:
            add(sub)
    return parser


def _parse_parser(sub: _Subparsers) -> None:
    p = sub.add_parser(
        "parse",
        help="print the parse tree (BuildKit-equivalent AST with spans)",
        formatter_class=_HelpFormatter,
    )
    p.add_argument("path")
    p.add_argument("--output-format", "--format", dest="format", choices=("json", "text"), default="text")


def _rule_parser(sub: _Subparsers) -> None:
    p = sub.add_parser("rule", help="explain a rule", formatter_class=_HelpFormatter)
    p.add_argument("selector", help="a rule code, name or alias")


def _rules_parser(sub: _Subparsers) -> None:
    p = sub.add_parser("rules", help="list every rule", formatter_class=_HelpFormatter)
    p.add_argument("--output-format", "--format", dest="format", choices=("text", "json"), default="text")
    p.add_argument("--select", action="append", default=None, metavar="RULES", help="list only these")


def _layers_parser(sub: _Subparsers) -> None:
    p = sub.add_parser(
        "layers",
        help="the layer graph: size of each step, what a change rebuilds",
        formatter_class=_HelpFormatter,
    )
    p.add_argument("path", help="the Dockerfile, or a folder that holds one (then also the context)")
    p.add_argument("--context", metavar="DIR", help="the build context (default: the Dockerfile's folder)")
    p.add_argument("--target", metavar="STAGE", help="the stage to build (default: the last)")
    p.add_argument("--build-arg", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument(
        "--changed",
        action="append",
        default=[],
        metavar="PATH",
        help="a file changed since the last build (relative to the current folder, inside the context)",
    )
    p.add_argument("--changed-arg", action="append", default=[], metavar="NAME", help="a changed build arg")
    old = p.add_mutually_exclusive_group()
    old.add_argument(
        "--since",
        metavar="REF",
        help="the changes since git commit REF: the context files that differ and the old Dockerfile",
    )
    old.add_argument(
        "--against", metavar="OLD_DOCKERFILE", help="the Dockerfile as the last build read it (it was edited)"
    )
    p.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=("table", "json", "dot", "mermaid"),
        default="table",
    )
    p.add_argument("--builder", choices=("buildkit", "buildah"), default="buildkit", help="default: buildkit")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="default: auto")


def _server_parser(sub: _Subparsers) -> None:
    p = sub.add_parser(
        "server",
        help="run the language server (LSP over standard input and output; needs dfanalyze[lsp])",
        formatter_class=_HelpFormatter,
    )
    p.add_argument("--stdio", action="store_true", help="talk over standard input and output (the default)")
    p.add_argument("--log-file", metavar="PATH", help="write the server's log to PATH")


_SUBCOMMANDS: dict[str, Callable[[_Subparsers], None]] = {  # the annotation is not evaluated
    "check": _check_parser,
    "parse": _parse_parser,
    "rule": _rule_parser,
    "rules": _rules_parser,
    "layers": _layers_parser,
    "server": _server_parser,
}


def run() -> NoReturn:
    """The ``dfanalyze`` program: :func:`main` in a process of its own.

    The cyclic garbage collector runs every 50,000 new container objects instead of every 700:
    dfanalyze's objects form almost no reference cycles, and the default made 44 collections
    (7 ms, ~5% of the time) during the check of one 30-line file. Memory stays bounded."""
    import gc

    gc.set_threshold(50_000, 20, 20)
    sys.exit(main())


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in ("--version", "-V"):
        from dfanalyze import __version__

        print(f"dfanalyze {__version__}")
        return EXIT_CLEAN
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, "check")
    parser = build_parser(args_list[0] if args_list[0] in COMMANDS else None)
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
        if args.command == "layers":
            return _layers_command(args)
        if args.command == "server":
            from dfanalyze.server import main as serve

            return serve(args.log_file)
        return _check_command(args)
    except BrokenPipeError:
        return EXIT_CLEAN
    except KeyboardInterrupt:
        return 130


def _parse_command(args: argparse.Namespace) -> int:
    import json

    from dfanalyze.api import InputError, parse, read
    from dfanalyze.parse.dump import located, to_json, to_text

    try:
        dockerfile = parse(read(args.path), args.path)
    except InputError as exc:
        print(f"dfanalyze: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "json":
        print(json.dumps(to_json(dockerfile), indent=2, ensure_ascii=False))
        for problem in dockerfile.errors:  # the text format shows them in the tree
            print(located(dockerfile.path, problem), file=sys.stderr)
    else:
        sys.stdout.write(to_text(dockerfile))
    return EXIT_ERROR if dockerfile.errors else EXIT_CLEAN


def _layers_command(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from dfanalyze.api import InputError, layers, read
    from dfanalyze.layers.graph import TargetError, unused_changes
    from dfanalyze.layers.render import render, table_width
    from dfanalyze.layers.since import SinceError, changes_since
    from dfanalyze.report import use_color

    def fail(message: str) -> int:
        print(f"dfanalyze: error: {message}", file=sys.stderr)
        return EXIT_ERROR

    dockerfile = Path(args.path)
    context = Path(args.context) if args.context is not None else None
    if dockerfile.is_dir():
        context = context or dockerfile
        dockerfile = dockerfile / "Dockerfile"
        if not dockerfile.is_file():
            return fail(f"{args.path}: a folder without a Dockerfile")
    if context is not None and not context.is_dir():
        return fail(f"--context {args.context}: no such folder")
    build_args = {}
    for item in args.build_arg:
        name, eq, value = item.partition("=")
        build_args[name] = value if eq else os.environ.get(name, "")
    try:
        text = read(dockerfile)
        root = context or dockerfile.resolve().parent
        given, warnings = _changed_paths(args.changed, root, dockerfile)
        changed = list(given)
        previous: bytes | None = None
        if args.since is not None:
            since = changes_since(args.since, root, dockerfile)
            changed.extend(since.paths)
            previous = since.previous.encode("utf-8", "surrogateescape")
        elif args.against is not None:
            previous = read(args.against)
        edited = [p for p in args.changed if Path(p).resolve() == dockerfile.resolve()]
        if edited and previous is None:
            return fail(
                f"--changed {edited[0]} is the Dockerfile: give its old version with --against OLD_DOCKERFILE"
                " or --since REF (an edit rebuilds the edited step and every later one of its stage)"
            )
        graph = layers(
            text,
            str(dockerfile),
            context_dir=context,
            target=args.target,
            build_args=build_args,
            changed_paths=changed,
            changed_args=args.changed_arg,
            builder=args.builder,
            previous=previous,
        )
    except (InputError, TargetError, SinceError) as exc:
        return fail(str(exc))
    checked = [p for p in given if (root / p).resolve() != dockerfile.resolve()]  # the Dockerfile: --against
    for warning in [*warnings, *unused_changes(graph, checked, args.changed_arg)]:
        print(f"dfanalyze: warning: {warning}", file=sys.stderr)
    color = use_color(args.color, sys.stdout, os.environ)
    render(graph, args.format, sys.stdout, color=color, width=table_width(sys.stdout, os.environ))
    return EXIT_CLEAN


def _changed_paths(given: Sequence[str], context: Path, dockerfile: Path) -> tuple[list[str], list[str]]:
    """``--changed`` paths (relative to the current folder) as paths of the build context, and
    warnings for those outside it. The Dockerfile is one when the context holds it."""
    from pathlib import Path

    root = context.resolve()
    paths: list[str] = []
    warnings: list[str] = []
    for text in given:
        try:
            paths.append(Path(text).resolve().relative_to(root).as_posix())
        except ValueError:
            if Path(text).resolve() != dockerfile.resolve():
                warnings.append(f"changed path {text} is outside the build context {context}: ignored")
    return paths, warnings


def _catalogue() -> tuple[Mapping[str, Rule], Mapping[str, str]] | None:
    """The rules known here (built-in, plugins, the current folder's ``extend-rules``) and their
    origins; None after printing why the configuration cannot be read."""
    from pathlib import Path

    from dfanalyze.engine.config import ConfigError, ConfigFinder
    from dfanalyze.engine.registry import default_registry

    try:
        registry = ConfigFinder.default().for_folder(Path.cwd().resolve()).registry(default_registry())
    except ConfigError as exc:
        print(f"dfanalyze: error: {exc}", file=sys.stderr)
        return None
    for problem in registry.errors:
        print(f"dfanalyze: error: {problem}", file=sys.stderr)
    return registry.rules, registry.origins


def _rule_command(args: argparse.Namespace) -> int:
    from dfanalyze.engine.selection import SelectorError, names_exactly, resolve
    from dfanalyze.report.explain import explain

    catalogue = _catalogue()
    if catalogue is None:
        return EXIT_ERROR
    rules = sorted(catalogue[0].values(), key=lambda r: r.code)
    found = [r for r in rules if names_exactly(r, args.selector)]
    if not found:
        try:
            resolve(args.selector, rules)
            hint = f": it names a group of rules, list them with `dfanalyze rules --select {args.selector}`"
        except SelectorError as exc:
            hint = exc.hint
        print(f"dfanalyze: error: no rule is named {args.selector!r}{hint}", file=sys.stderr)
        return EXIT_ERROR
    explain(found, sys.stdout)
    return EXIT_CLEAN


def _rules_command(args: argparse.Namespace) -> int:
    from dfanalyze.engine.selection import SelectorError, resolve
    from dfanalyze.report.explain import list_rules

    catalogue = _catalogue()
    if catalogue is None:
        return EXIT_ERROR
    rules = sorted(catalogue[0].values(), key=lambda r: r.code)
    if args.select is not None:
        try:
            chosen = {r.code for s in _split(args.select) or [] for r in resolve(s, rules)}
        except SelectorError as exc:
            print(f"dfanalyze: error: --select: {exc.selector!r} names no rule{exc.hint}", file=sys.stderr)
            return EXIT_ERROR
        rules = [r for r in rules if r.code in chosen]
    list_rules(rules, catalogue[1], args.format, sys.stdout)
    return EXIT_CLEAN


def _check_command(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from dfanalyze.engine.config import ConfigError, ConfigFinder, Overrides, inline_settings, load_config
    from dfanalyze.engine.linting import plan_linting
    from dfanalyze.engine.registry import default_registry
    from dfanalyze.engine.selection import Selection, SelectorError

    build_args: dict[str, str] = {}
    for item in args.build_arg:
        name, eq, value = item.partition("=")
        if not eq:
            value = os.environ.get(name, "")
        build_args[name] = value
    if args.select is not None and not _split(args.select):
        print(
            "dfanalyze: error: --select: no rule given (to run the default rules, leave it out)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    # --config FILE, or --config 'KEY = VALUE' (ruff's convention: a file when one exists)
    files = [c for c in args.config if "=" not in c or Path(c).is_file()]
    settings = [c for c in args.config if c not in files]
    if len(files) > 1:
        print(
            f"dfanalyze: error: --config: one configuration file at most, not {len(files)}", file=sys.stderr
        )
        return EXIT_ERROR
    config_file = Path(files[0]) if files else None
    try:
        overrides = Overrides(
            Selection(
                select=_split(args.select),
                extend_select=[
                    *(_split(args.extend_select) or []),
                    *(["shellcheck"] if args.shellcheck else []),
                ],
                ignore=_split(args.ignore) or [],
            ),
            build_args,
            args.failure_threshold,
            fixable=tuple(_split(args.fixable) or ()) if args.fixable is not None else None,
            unfixable=tuple(_split(args.unfixable) or ()),
            settings=inline_settings(settings) if settings else None,
        )

        def linting(paths: Sequence[str]) -> Linting:
            return plan_linting(paths, default_registry(), overrides, config_file=config_file)

        found = (
            load_config(config_file)
            if config_file
            else ConfigFinder.default().for_folder(Path.cwd().resolve())
        )
        return _lint_paths(args, linting, overrides.apply(found), overrides)
    except ConfigError as exc:
        print(f"dfanalyze: error: {exc}", file=sys.stderr)
    except SelectorError as exc:
        print(f"dfanalyze: error: --{exc.key}: {exc.selector!r} names no rule{exc.hint}", file=sys.stderr)
    return EXIT_ERROR


def _lint_paths(
    args: argparse.Namespace,
    linting_for: Callable[[Sequence[str]], Linting],
    config: Config,
    overrides: Overrides,
) -> int:
    """Find the files, lint them, apply or show fixes, write the report; returns the exit code.

    ``config`` is the run's configuration (``--config``, or the current folder's): its
    ``output-format`` and ``exclude`` apply to the whole run."""
    import os

    from dfanalyze.batch import Job, Task, check_files, fixes_diff, make_report, show_progress, write_fixes
    from dfanalyze.discover import STDIN, discover
    from dfanalyze.report import OUTPUT_FORMATS

    output_format = (
        args.output_format or os.environ.get("DFANALYZE_OUTPUT_FORMAT") or config.output_format or "full"
    )
    if output_format not in OUTPUT_FORMATS:
        where = config.where("output-format") if output_format == config.output_format else "error"
        print(f"dfanalyze: {where}: unknown output format: {output_format!r}", file=sys.stderr)
        return EXIT_ERROR
    extra = _extra_outputs(args.also_output)
    if extra is None:
        return EXIT_ERROR
    exclude = [*(_split(args.exclude) or []), *config.exclude]
    found = discover(args.paths, exclude=exclude, respect_gitignore=args.respect_gitignore)
    names = [(args.stdin_filename or STDIN) if p == STDIN else p for p in found.files]
    linting = linting_for(names)
    for problem in linting.errors:
        print(f"dfanalyze: error: {problem}", file=sys.stderr)
    for skipped in linting.skipped:
        if skipped.named or not args.silent:
            print(f"dfanalyze: {'error' if skipped.named else 'warning'}: {skipped.message}", file=sys.stderr)
    if not args.silent:
        for warning in linting.warnings:
            print(f"dfanalyze: warning: {warning}", file=sys.stderr)
    if args.show_files or args.show_settings:
        from dfanalyze.report.settings import show_files, show_settings

        _print_errors(make_report([], found.unreadable))
        if args.show_files:
            sys.stdout.write(show_files(names, linting))
        else:
            sys.stdout.write(show_settings(names, linting, overrides))
        return EXIT_ERROR if found.unreadable or linting.errors else EXIT_CLEAN
    stdin = sys.stdin.buffer.read() if STDIN in found.files else None
    name = args.stdin_filename or STDIN
    tasks = [Task(name, stdin) if path == STDIN else Task(path) for path in found.files]
    job = Job(linting, fix=args.fix or args.diff, unsafe_fixes=args.unsafe_fixes)
    show = show_progress(sys.stderr, len(tasks)) and not (args.quiet or args.silent)
    results = check_files(job, tasks, progress=sys.stderr if show else None)
    failed = bool(linting.errors or found.unreadable or any(s.named for s in linting.skipped)) or any(
        r.error or r.parse_failed or r.failures for r in results
    )
    if args.add_noqa:
        if args.fix or args.diff:
            print("dfanalyze: error: --add-noqa cannot be used with --fix or --diff", file=sys.stderr)
            return EXIT_ERROR
        return _add_noqa(results, linting, tasks, found.unreadable, failed)
    if args.diff:
        sys.stdout.write(fixes_diff(results))
        would_fix = sum(len(r.fixed) for r in results)
        if not args.silent:
            print(f"Would fix {would_fix} {'finding' if would_fix == 1 else 'findings'}.", file=sys.stderr)
        _print_errors(make_report(results, found.unreadable))
        return EXIT_ERROR if failed else EXIT_FINDINGS if would_fix and not args.exit_zero else EXIT_CLEAN
    report = make_report(
        results, found.unreadable, write_fixes(results) if args.fix else (), args.unsafe_fixes
    )
    _print_errors(report)
    out = sys.stdout
    if args.fix and stdin is not None:  # the fixed text goes to stdout, as a filter; the report to stderr
        fixed = next(r.fixed_text for t, r in zip(tasks, results, strict=True) if t.data is not None)
        # Bytes, not text: what no fix touched goes out exactly as it came in, whatever its encoding
        # (fixes apply only to UTF-8 input, which encodes back to the same bytes).
        _write_bytes(fixed.encode("utf-8") if fixed is not None else stdin)
        out = sys.stderr
    try:
        if not args.silent:
            _write_report(args, report, output_format, linting.rules, out, args.output_file)
        for extra_format, path in extra:
            _write_report(args, report, extra_format, linting.rules, out, path)
    except OSError as exc:
        print(f"dfanalyze: error: cannot write the report: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if failed or report.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if linting.fails(report.findings) and not args.exit_zero else EXIT_CLEAN


def _write_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _extra_outputs(values: Sequence[str]) -> list[tuple[str, str]] | None:
    """``--also-output FORMAT=PATH`` values; None after saying what is wrong with one."""
    from dfanalyze.report import OUTPUT_FORMATS

    extra = []
    for value in values:
        output_format, eq, path = value.partition("=")
        if not eq or not path or output_format not in OUTPUT_FORMATS:
            formats = ", ".join(OUTPUT_FORMATS)
            print(
                f"dfanalyze: error: --also-output: {value!r} is not FORMAT=PATH (formats: {formats})",
                file=sys.stderr,
            )
            return None
        extra.append((output_format, path))
    return extra


def _add_noqa(
    results: Sequence[FileResult],
    linting: Linting,
    tasks: Sequence[Task],
    unreadable: Sequence[FileError],
    failed: bool,
) -> int:
    """``--add-noqa``: write a suppression comment for every finding, then say how many."""
    from pathlib import Path

    from dfanalyze.batch import make_report
    from dfanalyze.fix import write_atomic
    from dfanalyze.noqa import add_suppressions
    from dfanalyze.parse import parse_text

    late = {code for code, rule in linting.rules.items() if rule.phase == "late"}
    added = files = 0
    problems = []
    for task, result in zip(tasks, results, strict=True):
        original = task.data if task.data is not None else b""
        text, count = None, 0
        if result.findings and result.error is None:
            original = original or Path(task.path).read_bytes()
            try:
                source = original.decode("utf-8")
            except UnicodeDecodeError:  # not text: nothing can be written into it
                problems.append((task.path, f"{task.path}: not UTF-8: no suppression comments written"))
            else:
                text, count = add_suppressions(parse_text(source, task.path), result.findings, late)
        if task.data is not None:  # standard input: a filter, the file comes back whatever happened
            _write_bytes(text.encode("utf-8") if text is not None else original)
        elif count and text is not None:
            try:
                write_atomic(Path(task.path), text, original)
            except OSError as exc:
                problems.append((task.path, str(exc)))
                continue
        added += count
        files += bool(count)
    _print_errors(make_report(results, unreadable, problems))
    comments, in_files = "comment" if added == 1 else "comments", "file" if files == 1 else "files"
    print(f"Added {added} suppression {comments} to {files} {in_files}.", file=sys.stderr)
    return EXIT_ERROR if failed or problems else EXIT_CLEAN


def _print_errors(report: Report) -> None:
    from dfanalyze.report.result import failure_messages

    for error in report.errors:
        print(f"dfanalyze: error: {error.message}", file=sys.stderr)
    for _, message in failure_messages(report.failures):
        print(f"dfanalyze: {message} (a bug: please report it)", file=sys.stderr)


def _write_report(
    args: argparse.Namespace,
    report: Report,
    output_format: str,
    rules: Mapping[str, Rule],
    out: TextIO,
    path: str | None,
) -> None:
    import os
    from pathlib import Path

    from dfanalyze.report import render, use_color

    def write(stream: TextIO) -> None:
        render(
            report,
            output_format,
            stream,
            color=use_color(args.color, stream, os.environ),
            rules=rules,
            env=os.environ,
            statistics=args.statistics,
            show_fixes=args.show_fixes,
            quiet=args.quiet,
            step_summary=path is None or path == args.output_file,
        )

    if path:
        with Path(path).open("w", encoding="utf-8") as handle:
            write(handle)
    else:
        write(out)

"""``--show-files`` and ``--show-settings``: what a run would lint, and with which settings.

Configuration is chosen per file (each folder's nearest configuration), so both say it per file:
``--show-files`` lists each file with the configuration it gets, ``--show-settings`` shows each
configuration's settings once, with the files it applies to and where each value comes from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dfanalyze.engine.config import Config, Overrides
from dfanalyze.engine.linting import Linting, describe
from dfanalyze.report.result import printable


def _shown(path: Path) -> str:
    """A configuration file's path, relative to the current folder when it is inside it."""
    try:
        return printable(path.relative_to(Path.cwd()).as_posix())
    except ValueError:
        return printable(str(path))


def _source(config: Config) -> str:
    files = [_shown(config.path)] if config.path is not None else []
    if config.hadolint is not None:
        files.append(_shown(config.hadolint.path))
    return " + ".join(files) or "(no configuration file: defaults)"


def show_files(paths: Sequence[str], linting: Linting) -> str:
    """One line per file: its path, then the configuration file(s) it is linted with."""
    if not paths:
        return "No Dockerfiles found.\n"
    shown = [printable(p) for p in paths]
    width = max(len(p) for p in shown)
    return "".join(
        f"{name:<{width}}  {_source(linting.plan(path).config)}\n"
        for name, path in zip(shown, paths, strict=True)
    )


def _toml(value: Any) -> str:
    """A value as it would be written in the configuration file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _relative(source: str) -> str:
    """A source that names a file (``/repo/.hadolint.yaml (ignored)``), with the file's path shown
    relative to the current folder."""
    head, space, rest = source.partition(" ")
    return _shown(Path(head)) + space + rest if Path(head).is_absolute() else source


def show_settings(paths: Sequence[str], linting: Linting, overrides: Overrides) -> str:
    """For each configuration the files use: the files, then every setting with its source."""
    groups: dict[int, list[str]] = {}
    plans = {}
    for path in paths:
        plan = linting.plan(path)
        groups.setdefault(id(plan), []).append(printable(path))
        plans[id(plan)] = plan
    if not paths:
        plan = linting.plan(".")
        groups[id(plan)], plans[id(plan)] = [], plan
    out = []
    for key, files in groups.items():
        plan = plans[key]
        out.append(f"# Configuration: {_source(plan.config)}\n")
        out.append(f"# Files: {', '.join(files) if files else '(none found)'}\n")
        settings = describe(plan, overrides)
        rows = [(f"{s.key} = {_toml(s.value)}", _relative(s.source)) for s in settings]
        width = min(max(len(row) for row, _ in rows), 72)
        out += [f"{row:<{width}}  # {source}\n" for row, source in rows]
        out.append("\n")
    return "".join(out)

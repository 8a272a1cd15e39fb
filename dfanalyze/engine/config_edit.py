"""Editing a configuration file: turning a rule off for every Dockerfile it applies to.

The file is rewritten with ``tomlkit`` (in the ``lsp`` extra, imported here only), which keeps the
user's comments, order and formatting: ``tomllib`` can only read. The configuration that applies to
a Dockerfile is changed where it is (``.dfanalyze.toml``, or ``[tool.dfanalyze]`` of
``pyproject.toml``); when there is none, a ``.dfanalyze.toml`` is made at the root of the
repository (the folder holding ``.git``), else in the Dockerfile's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dfanalyze.engine.config import DFANALYZE_FILES, ConfigError


def _table(document: Any, path: Path) -> Any:
    """The table of ``document`` that holds dfanalyze's keys (made in ``pyproject.toml``)."""
    import tomlkit

    if path.name != "pyproject.toml":
        return document
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    return tool.setdefault("dfanalyze", tomlkit.table())


def new_config_path(folder: Path) -> Path:
    """Where a new configuration for the Dockerfiles of ``folder`` goes."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate / DFANALYZE_FILES[0]
    return folder / DFANALYZE_FILES[0]


def ignore_rule(config_file: Path | None, folder: Path, code: str) -> tuple[Path, str]:
    """The file to write and its new text, ``code`` added to its ``ignore`` list.
    :class:`ConfigError` when the file cannot be read or its ``ignore`` is not a list."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    path = config_file if config_file is not None else new_config_path(folder)
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        document = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
        raise ConfigError(str(path), "file", str(exc)) from None
    table = _table(document, path)
    prefix = "tool.dfanalyze." if path.name == "pyproject.toml" else ""
    ignore = table.get("ignore")
    if ignore is None:
        table["ignore"] = [code]
    elif not isinstance(ignore, list):
        raise ConfigError(str(path), f"{prefix}ignore", "must be a list of strings")
    elif code not in ignore:
        ignore.append(code)
    return path, tomlkit.dumps(document)

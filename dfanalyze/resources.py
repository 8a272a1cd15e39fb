"""Where the data that ships with dfanalyze lives: the rule files.

In a wheel they are under ``dfanalyze/_data/``; in a source checkout or an editable install they are
the top-level ``rules/`` folder next to the package. (The grammar ships compiled, as
``dfanalyze/parse/dockerfile_tables.json``.)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def installed() -> bool:
    """Whether this is an installed wheel (its data under ``dfanalyze/_data/``), not a source
    checkout or an editable install, where the data files can change between runs."""
    return (_PACKAGE / "_data").is_dir()


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``"rules"``) wherever this install keeps it."""
    if installed():
        return _PACKAGE / "_data" / name
    return _PACKAGE.parent / name


def _metadata_urls(metadata: str) -> dict[str, str]:
    """The ``Project-URL: Label, URL`` headers of a package's ``METADATA`` file."""
    urls = {}
    for line in metadata.splitlines():
        if not line:
            break  # the headers end at the first empty line; the description follows
        key, _, value = line.partition(": ")
        if key == "Project-URL":
            label, _, url = value.partition(", ")
            urls[label.strip()] = url.strip()
    return urls


@cache
def project_urls() -> dict[str, str]:
    """The project's URLs, ``[project.urls]`` in ``pyproject.toml``: the one place that says where
    the repository and the rules' documentation are. They are read from the installed package's
    metadata (``Project-URL`` in ``dfanalyze-<version>.dist-info/METADATA``, found on the import path
    as ``importlib.metadata`` finds it, without the ~10 ms its import costs); a source tree that is
    not installed reads ``pyproject.toml`` (tomllib and the parse cost ~10 ms more)."""
    import sys

    from dfanalyze import __version__

    name = f"dfanalyze-{__version__}.dist-info"
    for entry in (str(_PACKAGE.parent), *sys.path):
        metadata = Path(entry or ".") / name / "METADATA"
        if metadata.is_file():
            return _metadata_urls(metadata.read_text(encoding="utf-8"))
    pyproject = _PACKAGE.parent / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    import tomllib

    urls = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("urls", {})
    return {str(label): str(url) for label, url in urls.items()}


def rules_url() -> str:
    """Where the rules' documentation is published (``Rules`` in ``[project.urls]``); each rule's
    URL is this with the rule's anchor. Empty when the metadata has none: links are then left out
    and ``dfanalyze rule CODE`` remains."""
    return project_urls().get("Rules", "")

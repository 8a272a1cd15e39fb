"""Documentation links come from one place, ``[project.urls]`` in ``pyproject.toml``: read from the
installed package's metadata (``Project-URL``), or from ``pyproject.toml`` by a source tree that is
not installed."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from dfanalyze.engine.registry import default_registry
from dfanalyze.report.result import Report
from dfanalyze.report.sarif import sarif_log
from dfanalyze.resources import _metadata_urls, project_urls, rules_url

PYPROJECT = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
URLS = PYPROJECT["project"]["urls"]


def test_the_installed_metadata_says_what_pyproject_says() -> None:
    assert project_urls() == URLS, "pyproject.toml changed: reinstall (pip install -e '.[dev]')"
    assert rules_url() == URLS["Rules"]


def test_a_source_tree_that_is_not_installed_reads_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    from dfanalyze import resources

    monkeypatch.setattr(sys, "path", [p for p in sys.path if "site-packages" not in p])
    monkeypatch.setattr(resources, "_PACKAGE", Path(resources.__file__).resolve().parent)
    project_urls.cache_clear()
    try:
        assert project_urls() == URLS
    finally:
        project_urls.cache_clear()


def test_rule_urls_are_made_from_the_rules_url() -> None:
    rule = default_registry().rules["DF704"]
    assert rule.url == f"{URLS['Rules']}#df704-consistent-instruction-casing"


def test_sarif_names_the_homepage() -> None:
    driver = sarif_log(Report(()), {})["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == URLS["Homepage"]


def test_a_wheels_metadata_is_read_up_to_its_description() -> None:
    metadata = (
        "Metadata-Version: 2.4\n"
        "Name: dfanalyze\n"
        "Project-URL: Homepage, https://example.test/dfanalyze\n"
        "Project-URL: Rules, https://example.test/dfanalyze/rules.md\n"
        "\n"
        "Project-URL: Rules, https://example.test/from-the-readme\n"
    )
    assert _metadata_urls(metadata) == {
        "Homepage": "https://example.test/dfanalyze",
        "Rules": "https://example.test/dfanalyze/rules.md",
    }

"""Test-wide setting: dfanalyze's caches go to a folder of the test runs (in the temporary folder,
kept between runs), not to the user's cache folder: the suite installs dfanalyze in temporary places
and changes ``sys.path``, and each installation and path has caches of its own. Subprocesses started
by tests inherit it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    uid = getattr(os, "getuid", lambda: 0)()
    os.environ.setdefault(
        "DFANALYZE_CACHE_DIR", str(Path(tempfile.gettempdir()) / f"dfanalyze-test-cache-{uid}")
    )

"""Installed sizes of PyPI and npm packages (dfanalyze.knowledge.package_sizes).

The shipped data file is checked for its schema and against the installs it was made from: the
expected package sets below are what ``pip install`` and ``npm install`` installed when the data
was measured (its ``roots``), and the closure over the dependency edges must find the same. The
closure arithmetic (shared dependencies once, extras, unknowns, ``--no-compile``, REQUESTED, npm's
overheads) is checked exactly on a small table written here.
"""

from __future__ import annotations

import datetime
import gzip
import json
import re
import subprocess
import sys
from typing import Any

import pytest

from dfanalyze.knowledge.package_sizes import (
    DATA_FORMAT,
    DATA_PATH,
    PackageSizes,
    load_package_sizes,
    normalize,
)

COUNTS = ("bytes", "files", "blocks", "tar")


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    with gzip.open(DATA_PATH, "rt", encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    return data


@pytest.fixture(scope="module")
def sizes() -> PackageSizes:
    return load_package_sizes()


# ---------------------------------------------------------------------------------------------
# The shipped file: header and schema


def test_header_says_when_how_and_on_what(raw: dict[str, Any]) -> None:
    assert raw["format"] == DATA_FORMAT
    assert datetime.date.fromisoformat(raw["measured"]) >= datetime.date(2026, 1, 1)
    machine = raw["machine"]
    assert machine["platform"] == "Linux x86_64"
    assert machine["python"]["3.11"].startswith("3.11.")
    for tool in ("pip", "node", "npm"):
        assert re.fullmatch(r"\d+\.\d+(\.\d+)?", machine[tool]), tool
    assert set(raw["method"]) == {"pypi", "npm"}
    assert "hugovk/top-pypi-packages" in raw["sources"]["pypi"]
    assert "wooorm/npm-high-impact" in raw["sources"]["npm"]
    assert {"pypi", "npm"} <= set(raw["verification"])


def test_file_stays_small() -> None:
    # it ships in the wheel
    assert DATA_PATH.stat().st_size < 600_000


def test_pypi_tables_are_consistent(raw: dict[str, Any]) -> None:
    pypi = raw["pypi"]
    assert "3.11" in pypi["pythons"]
    assert pypi["roots_python"] in pypi["pythons"]
    measured = pypi["pythons"][pypi["roots_python"]]
    for python, own in pypi["pythons"].items():
        table = {**measured, **own}  # another version keeps only the columns that differ
        assert set(own) <= set(measured), python
        rows = len(table["name"])
        assert rows >= 300, python
        for column in ("version", *COUNTS, "pyc", "kind", "requires", "cache_bytes", "cache_files"):
            assert len(table[column]) == rows, (python, column)
        assert all(name == normalize(name) for name in table["name"])
        assert len(set(zip(table["name"], table["version"], strict=True))) == rows  # one row per version
        for row in range(rows):
            size, files, blocks, tar = (table[column][row] for column in COUNTS)
            assert 0 <= size <= blocks and size <= tar and files >= 1, (python, table["name"][row])
            pyc = table["pyc"][row]
            assert 0 <= pyc[0] <= size and 0 <= pyc[1] <= files, (python, table["name"][row])
            assert table["kind"][row] in {"any", "none", "abi3", "sdist"} or re.fullmatch(
                r"cp3\d+t?", table["kind"][row]
            )
            for word in table["requires"][row].split():
                _check_word(word, rows)
        for row, extras in table["extras"].items():
            assert 0 <= int(row) < rows
            for words in extras.values():
                for word in words.split():
                    _check_word(word, rows)
        assert all(0 <= row < rows for row in table["unsized"])
    rows_311 = len(pypi["pythons"]["3.11"]["name"])
    assert len(pypi["roots"]) >= 300
    for root in pypi["roots"].values():
        assert root["rows"] and all(0 <= row < rows_311 for row in root["rows"])
        assert root["bytes"] > 0 and root["files"] > 0


def _check_word(word: str, rows: int) -> None:
    matched = re.fullmatch(r"(\?[a-z0-9-]+)|(\d+)(\[[a-z0-9,-]+\])?", word)
    assert matched, word
    if matched.group(2):
        assert 0 <= int(matched.group(2)) < rows, word


def test_npm_table_is_consistent(raw: dict[str, Any]) -> None:
    npm = raw["npm"]
    table = npm["packages"]
    rows = len(table["name"])
    assert rows >= 1000
    for column in ("version", *COUNTS, "flags", "deps", "fetches", "tarball_bytes"):
        assert len(table[column]) == rows, column
    assert len(set(zip(table["name"], table["version"], strict=True))) == rows
    for row in range(rows):
        assert all(0 <= int(word) < rows for word in table["deps"][row].split())
        assert set(table["flags"][row]) <= {"S", "O"}
        assert table["bytes"][row] <= table["blocks"][row]
    assert len(npm["roots"]) >= 300
    for root in npm["roots"].values():
        assert root["rows"] and all(0 <= row < rows for row in root["rows"])
    overhead = npm["overhead"]
    assert 0 < overhead["node_modules_bytes_per_package"] < 5_000
    assert 0 < overhead["cache_index_bytes_per_entry"] < 5_000


def test_loading_is_lazy() -> None:
    code = (
        "import sys, dfanalyze.knowledge.package_sizes as m;"
        "print(m.load_package_sizes.cache_info().currsize, 'gzip' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


# ---------------------------------------------------------------------------------------------
# Closures over the shipped data, against what the real installs held

# pip install NAME on CPython 3.11, Linux x86_64, when the data was measured.
PIP_SETS = {
    "django": {"django", "asgiref", "sqlparse"},
    "requests": {"requests", "urllib3", "idna", "certifi", "charset-normalizer"},
    "flask": {"flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker"},
}


@pytest.mark.parametrize("name", sorted(PIP_SETS))
def test_pip_closure_follows_the_edges_to_what_pip_installed(
    raw: dict[str, Any], sizes: PackageSizes, name: str
) -> None:
    pypi = sizes.pypi("3.11")
    followed = pypi.closure([name], measured=False)
    assert {package.split("==")[0] for package in followed.packages} == PIP_SETS[name]
    assert followed.complete
    measured = raw["pypi"]["roots"][name]
    whole = pypi.closure([name])
    assert whole.packages == followed.packages
    # the same distributions; bytes differ only by the .pyc files' embedded paths (<0.5%)
    assert whole.bytes == pytest.approx(measured["bytes"], rel=0.005)
    assert whole.files == measured["files"]


def test_every_measured_pip_install_is_reproduced_by_the_edges(raw: dict[str, Any]) -> None:
    check = raw["verification"]["pypi"]["3.11"]
    assert check["installs"] >= 300
    assert check["same_packages"] >= 0.95 * check["installs"]
    assert check["relative_error_bytes"]["p90"] < 0.01


def test_pip_shared_dependencies_count_once(sizes: PackageSizes) -> None:
    pypi = sizes.pypi("3.11")
    one = pypi.closure(["django"], measured=False)
    alone = pypi.closure(["djangorestframework"], measured=False)
    both = pypi.closure(["django", "djangorestframework"], measured=False)
    assert set(both.packages) == set(one.packages) | set(alone.packages)
    assert set(one.packages) < set(alone.packages)  # DRF requires Django
    # Django's closure is inside DRF's: installing both adds nothing to DRF's bytes
    assert both.bytes == alone.bytes
    assert both.files == alone.files + 1  # one more REQUESTED file: django was asked for too


def test_pip_no_compile_leaves_out_the_byte_code(sizes: PackageSizes) -> None:
    pypi = sizes.pypi("3.11")
    compiled = pypi.closure(["django"])
    plain = pypi.closure(["django"], compile=False)
    assert plain.bytes < 0.9 * compiled.bytes
    assert plain.files < compiled.files


def test_pip_extras_and_unknowns(sizes: PackageSizes) -> None:
    pypi = sizes.pypi("3.11")
    plain = pypi.closure(["uvicorn"], measured=False)
    standard = pypi.closure(["uvicorn[standard]"], measured=False)
    names = {package.split("==")[0] for package in standard.packages}
    assert {"uvloop", "httptools", "websockets", "watchfiles"} <= names
    assert set(plain.packages) < set(standard.packages)
    odd = pypi.closure(
        ["Django==1.0", "-r requirements.txt", "git+https://example.org/x.git", "no-such-dist-xyz"]
    )
    assert odd.unknown == ("-r requirements.txt", "git+https://example.org/x.git", "no-such-dist-xyz")
    assert odd.versions == {"django": "==1.0"}
    assert not odd.complete


def test_pip_cache_is_about_the_downloads(sizes: PackageSizes) -> None:
    install = sizes.pypi("3.11").closure(["django"])
    # the django wheel is about 8 MB compressed, installed about 31 MB with byte-code
    assert 0.15 * install.bytes < install.cache_bytes < 0.5 * install.bytes
    assert install.cache_files == 2 * len(install.packages)


def test_other_pythons(raw: dict[str, Any], sizes: PackageSizes) -> None:
    assert set(sizes.pythons) == {"3.11", "3.12", "3.13"}
    base = sizes.pypi("3.11")
    for python in ("3.12", "3.13"):
        other = sizes.pypi(python)
        # a compiled wheel swapped for that version's: a different size, the same version
        numpy = other.closure(["numpy"])
        assert numpy.packages == base.closure(["numpy"]).packages
        assert numpy.bytes != base.closure(["numpy"]).bytes
        assert numpy.bytes == pytest.approx(base.closure(["numpy"]).bytes, rel=0.1)
        # the derived tables were checked against real installs on that version
        check = raw["verification"]["pypi"][python]
        assert check["installs"] >= 20 and check["relative_error_bytes"]["max"] < 0.1


# npm install NAME (scripts off), Linux x64, when the data was measured: react is react-dom's
# peer dependency (npm installs peers); typescript 7 brings its compiler as a platform package
# (an optional dependency per platform, npm picks this one's).
NPM_SETS = {
    "react-dom": {"react-dom", "react", "scheduler"},
    "typescript": {"typescript", "@typescript/typescript-linux-x64"},
}


@pytest.mark.parametrize("name", sorted(NPM_SETS))
def test_npm_closure(raw: dict[str, Any], sizes: PackageSizes, name: str) -> None:
    followed = sizes.npm.closure([name], measured=False)
    assert {package.rsplit("@", 1)[0] for package in followed.packages} == NPM_SETS[name]
    measured = raw["npm"]["roots"][name]
    assert sizes.npm.closure([name]).bytes == pytest.approx(measured["bytes"], rel=0.01)


def test_npm_union_and_flags(sizes: PackageSizes) -> None:
    npm = sizes.npm
    both = npm.closure(["react", "react-dom"])
    assert both.packages == npm.closure(["react-dom"]).packages  # react is react-dom's peer
    assert npm.install_script("esbuild")
    express = npm.closure(["express@4.0.0", "express"])
    assert express.versions == {"express": "4.0.0"}
    assert npm.closure(["no-such-package-xyz"]).unknown == ("no-such-package-xyz",)


def test_npm_measured_installs_are_reproduced(raw: dict[str, Any]) -> None:
    check = raw["verification"]["npm"]
    assert check["same_packages"] >= 0.9 * check["installs"]
    assert check["relative_error_bytes"]["p90"] < 0.05


# ---------------------------------------------------------------------------------------------
# Exact arithmetic on a table written here


def _table(rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    table: dict[str, Any] = {key: [row[key] for row in rows] for key in rows[0]}
    table.update(extra)
    return table


def _pypi_row(name: str, version: str, size: int, requires: str = "", pyc: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "bytes": size,
        "files": 10,
        "blocks": 4096 * 10 + size,
        "tar": 5120 + size,
        "pyc": [pyc, 2, 8192, 1024 + pyc],
        "kind": "any",
        "requires": requires,
        "cache_bytes": size // 4,
        "cache_files": 2,
    }


def _small_data() -> dict[str, Any]:
    pypi = [
        _pypi_row("app", "1.0", 1000, "1 2[fast]", pyc=300),  # 0
        _pypi_row("base", "2.0", 2000, "3"),  # 1: pip install base picks 2.0
        _pypi_row("srv", "1.0", 500, "?private-dep"),  # 2
        _pypi_row("util", "1.0", 100),  # 3
        _pypi_row("base", "1.5", 1800, "3"),  # 4: another version, measured under "old"
        _pypi_row("old", "1.0", 50, "4"),  # 5
        _pypi_row("speed", "1.0", 70),  # 6
    ]
    npm = [
        {"name": "web", "version": "1.0.0", "deps": "1 2", "fetches": "web-win32"},
        {"name": "dep", "version": "2.0.0", "deps": "", "fetches": ""},
        {"name": "shared", "version": "1.0.0", "deps": "", "fetches": ""},
        {"name": "dep", "version": "1.0.0", "deps": "2", "fetches": ""},
        {"name": "other", "version": "1.0.0", "deps": "3 2", "fetches": ""},
    ]
    for number, row in enumerate(npm):
        row.update(bytes=100 * (number + 1), files=2, blocks=8192, tar=2048, flags="", tarball_bytes=10)
    return {
        "format": DATA_FORMAT,
        "pypi": {
            "pythons": {
                "3.11": _table(pypi, extras={"2": {"fast": "6"}}, unsized=[]),
                "3.12": _table(pypi, extras={"2": {"fast": "6"}}, unsized=[6]),
            },
            "roots_python": "3.11",
            "roots": {"old": {"rows": [5, 4, 3], "bytes": 1950, "files": 31}},
        },
        "npm": {
            "overhead": {
                "node_modules_bytes_per_package": 100.0,
                "node_modules_files_per_install": 2,
                "cache_index_bytes_per_entry": 10.0,
                "cache_log_bytes": 1000,
            },
            "packages": _table(
                npm, packument_bytes={"web": 5, "dep": 7, "shared": 9, "other": 11, "web-win32": 13}
            ),
            "roots": {"other": {"rows": [4, 3, 2]}},
        },
    }


def test_small_pypi_closure_is_exact() -> None:
    pypi = PackageSizes(_small_data()).pypi("3.11")
    install = pypi.closure(["App"])
    assert install.packages == ("app==1.0", "base==2.0", "speed==1.0", "srv==1.0", "util==1.0")
    assert install.bytes == 1000 + 2000 + 70 + 500 + 100
    assert install.files == 5 * 10 + 1  # and REQUESTED for app
    assert install.tar_bytes == 5 * 5120 + 3670 + 512
    assert install.cache_bytes == 250 + 500 + 17 + 125 + 25
    assert install.unknown == ("private-dep",)
    assert pypi.closure(["app"], compile=False).bytes == 3670 - 300


def test_small_pypi_measured_root_and_first_version_wins() -> None:
    pypi = PackageSizes(_small_data()).pypi("3.11")
    old = pypi.closure(["old"])
    assert old.packages == ("base==1.5", "old==1.0", "util==1.0")
    assert old.bytes == 1950 and old.files == 31
    # "old" was measured with base 1.5; following app's edges afterwards keeps that version
    both = pypi.closure(["old", "app"])
    assert "base==1.5" in both.packages and "base==2.0" not in both.packages
    assert pypi.version("BASE") == "2.0"
    assert "Base" in pypi and "nothing" not in pypi


def test_small_pypi_other_python_reports_unsized_rows() -> None:
    install = PackageSizes(_small_data()).pypi("3.12").closure(["app"])
    assert install.unknown == ("private-dep", "speed")


def test_small_npm_closure_is_exact() -> None:
    npm = PackageSizes(_small_data()).npm
    web = npm.closure(["web"])
    assert web.packages == ("dep@2.0.0", "shared@1.0.0", "web@1.0.0")
    assert web.bytes == 100 + 200 + 300 + 300  # three folders, the lockfile's 100 bytes each
    assert web.files == 6 + 2
    # tarballs, packuments (web-win32's too: npm reads it), one index entry per packument and tarball
    assert web.cache_bytes == 30 + (5 + 7 + 9 + 13) + 10 * 7 + 1000
    other = npm.closure(["other", "web"])  # other was measured with dep 1.0.0: both versions count
    assert other.packages == ("dep@1.0.0", "dep@2.0.0", "other@1.0.0", "shared@1.0.0", "web@1.0.0")
    assert npm.closure([]).bytes == 0 and npm.closure([]).cache_bytes == 0


def test_wrong_format_is_refused() -> None:
    with pytest.raises(ValueError, match="not a"):
        PackageSizes({"format": "something-else/1"})

"""Debian package data and the apt-get install size estimate (dfanalyze.knowledge.debian).

The expected package sets are apt's own answers: ``apt-get -s install`` against the same lists,
with the dpkg status of a ``debootstrap --variant=minbase bookworm`` tree, and the real installs
recorded in data/apt-calibration.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dfanalyze.knowledge.debian import (
    APT_CALL_OVERHEAD_BYTES,
    APT_PACKAGE_OVERHEAD_BYTES,
    COLUMNS,
    DEBCONF_CACHE_BYTES,
    PYC_BYTES_PER_INSTALLED_BYTE,
    AptEstimate,
    apt_install_closure,
    apt_layer_overhead,
    load_index,
    open_index,
    parse_request,
    write_columns,
)
from tools.calibrate_apt import OUTPUT as CALIBRATION
from tools.make_debian_packages import compare_versions, relations, satisfies

# apt-get -s install --no-install-recommends curl, on minbase.
CURL = frozenset(
    {
        "curl",
        "libbrotli1",
        "libcurl4",
        "libgssapi-krb5-2",
        "libk5crypto3",
        "libkeyutils1",
        "libkrb5-3",
        "libkrb5support0",
        "libldap-2.5-0",
        "libnghttp2-14",
        "libpsl5",
        "librtmp1",
        "libsasl2-2",
        "libsasl2-modules-db",
        "libssh2-1",
        "libssl3",
    }
)
# apt-get -s install curl (Recommends too), on minbase.
CURL_WITH_RECOMMENDS = CURL | {
    "ca-certificates",
    "krb5-locales",
    "libldap-common",
    "libsasl2-modules",
    "openssl",
    "publicsuffix",
}
# The estimator's layer size is within this fraction of the measured layer for every calibrated
# package set, and within the second bound for the median set.
WORST_ERROR_BOUND = 0.05
MEDIAN_ERROR_BOUND = 0.02


def install(*words: str, recommends: bool = False) -> AptEstimate:
    return apt_install_closure(words, recommends=recommends, installed=load_index().base)


def test_header_names_source_dates_and_resolution() -> None:
    header = load_index().header
    assert header["format"] == "dfanalyze-debian-packages/2"
    source = header["source"]
    assert (source["suite"], source["component"], source["architecture"]) == ("bookworm", "main", "amd64")
    assert [r["suite"] for r in source["releases"]] == [
        "bookworm",
        "bookworm-updates",
        "bookworm-security",
    ]
    assert all(r["date"] for r in source["releases"])
    assert source["generated"]
    assert "first member" in header["resolution"]
    assert header["base"]["image"] == "debian:bookworm"


def test_base_set_is_minbase() -> None:
    index = load_index()
    assert len(index.base) == 88
    assert {"apt", "bash", "dpkg", "debconf", "tzdata", "usr-is-merged", "mawk"} <= index.base
    assert not {"curl", "ca-certificates", "usrmerge", "perl"} & index.base
    assert index.essential("bash") and index.priority("bash") == "required"


def test_trixie_data() -> None:
    index = load_index("trixie")
    assert index.header["source"]["suite"] == "trixie"
    assert len(index.base) == 78 and "usr-is-merged" not in index.base
    assert index.closure(["curl"], recommends=False, installed=index.base).new_packages >= {"curl"}


def test_curl_closure_on_minbase() -> None:
    assert install("curl").new_packages == CURL
    assert install("curl", recommends=True).new_packages == CURL_WITH_RECOMMENDS


def test_sizes_are_installed_size_in_bytes() -> None:
    index = load_index()
    estimate = install("curl")
    assert estimate.installed_size_bytes == 1024 * sum(index.installed_kib(n) or 0 for n in CURL)
    assert estimate.complete
    assert estimate.layer_bytes == estimate.installed_size_bytes + apt_layer_overhead(len(CURL))


@pytest.mark.parametrize("word", ["curl=7.88.1-10+deb12u14", "curl:amd64", "curl/bookworm", "curl+"])
def test_pins_arch_and_plus_select_the_package(word: str) -> None:
    assert install(word).new_packages == CURL


def test_foreign_architecture_is_unknown() -> None:
    estimate = install("curl:i386")
    assert estimate.unknown == ("curl:i386",)
    assert not estimate.new_packages and not estimate.complete


def test_unknown_names_are_reported_not_counted() -> None:
    estimate = install("curl", "no-such-package-dfanalyze")
    assert estimate.unknown == ("no-such-package-dfanalyze",)
    assert estimate.new_packages == CURL
    assert estimate.installed_size_bytes == install("curl").installed_size_bytes
    assert not estimate.complete


@pytest.mark.parametrize("word", ["python3*", "^lib.*ssl$", "?name(curl)", "lib[ab]c", "$PKG", "./x.deb"])
def test_patterns_and_non_names_are_unknown(word: str) -> None:
    assert parse_request(word) is None
    assert install(word).unknown == (word,)


def test_trailing_minus_is_a_removal() -> None:
    estimate = install("curl", "nano-")
    assert estimate.removals == ("nano",)
    assert estimate.new_packages == CURL and not estimate.unknown


def test_virtual_packages() -> None:
    # One provider: apt selects it. Several (awk: mawk, gawk, ...): apt refuses, even with
    # mawk installed, so the RUN fails and the size is unknown.
    assert install("ack-grep").new_packages >= {"ack"}
    assert install("awk").unknown == ("awk",)


def test_dependency_satisfied_by_an_installed_provider() -> None:
    # gnupg's dependencies want lsb-base, which sysvinit-utils (in minbase) provides.
    assert "lsb-base" not in install("gnupg").new_packages


def test_already_installed_adds_nothing() -> None:
    estimate = install("bash", "apt")
    assert not estimate.new_packages
    assert estimate.layer_bytes == 0 == apt_layer_overhead(0)


def test_package_without_installed_size_is_unsized() -> None:
    estimate = install("libc6-amd64-cross")
    assert "libc6-amd64-cross" in estimate.unsized
    assert not estimate.complete


def test_generated_bytes_follow_the_flags() -> None:
    index = load_index()
    assert "Y" in index.flags("python3-pip") and "S" in index.flags("libpython3.11-stdlib")
    assert "D" in index.flags("ca-certificates")
    assert install("curl").generated_bytes == 0
    assert install("ca-certificates").generated_bytes == DEBCONF_CACHE_BYTES
    assert install("python3").generated_bytes > 5_000_000


def test_data_file_is_loaded_lazily_and_once() -> None:
    code = (
        "import dfanalyze.knowledge.debian as d\n"
        "assert d.load_index.cache_info().currsize == 0\n"
        "assert d.load_index() is d.load_index()\n"
        "assert d.load_index.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def calibration() -> dict[str, object]:
    data: dict[str, object] = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    return data


def test_calibration_used_the_current_constants() -> None:
    assert calibration()["constants_used"] == {
        "APT_CALL_OVERHEAD_BYTES": APT_CALL_OVERHEAD_BYTES,
        "APT_PACKAGE_OVERHEAD_BYTES": APT_PACKAGE_OVERHEAD_BYTES,
        "DEBCONF_CACHE_BYTES": DEBCONF_CACHE_BYTES,
        "PYC_BYTES_PER_INSTALLED_BYTE": PYC_BYTES_PER_INSTALLED_BYTE,
    }


def test_calibration_closures_match_real_apt() -> None:
    sets = calibration()["sets"]
    assert isinstance(sets, list) and len(sets) >= 4
    for entry in sets:
        measured = entry["measured"]
        assert install(*measured["packages"]).new_packages == set(measured["new_package_names"])


def test_calibration_error_within_bound() -> None:
    """Re-run the estimator on the measured sets: the data file and constants in this tree."""
    sets = calibration()["sets"]
    assert isinstance(sets, list)
    errors = []
    for entry in sets:
        measured = entry["measured"]
        predicted = install(*measured["packages"]).layer_bytes
        errors.append(abs(predicted - measured["layer_bytes"]) / measured["layer_bytes"])
    assert max(errors) <= WORST_ERROR_BOUND
    assert statistics.median(errors) <= MEDIAN_ERROR_BOUND


def test_alternative_groups_follow_apts_depth_first_order() -> None:
    # python3-fonttools wants "python3-unicodedata2 | python3-all". In apt's depth-first walk
    # of python3-matplotlib's dependencies, python3-all-dev (listed earlier) has already brought
    # python3-all, so the group is met and python3-unicodedata2 stays out.
    estimate = install("python3-matplotlib")
    assert {"python3-all", "python3-fonttools"} <= estimate.new_packages
    assert "python3-unicodedata2" not in estimate.new_packages
    assert len(estimate.new_packages) == 158  # apt-get -s install --no-install-recommends


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0~rc1", "1.0"),
        ("1.0", "1.0+b1"),
        ("1.0", "1.0.0"),
        ("2.36-9+deb12u4", "2.36-9+deb12u10"),
        ("3.0.20-1~deb12u2", "3.0.22-1~deb12u2"),
        ("9", "10"),
        ("1.0~~", "1.0~"),
        ("1.0a", "1.0.a"),
        ("2.0", "1:0.9"),
    ],
)
def test_compare_versions_orders_like_dpkg(lower: str, higher: str) -> None:
    assert compare_versions(lower, higher) < 0 < compare_versions(higher, lower)
    assert compare_versions(lower, lower) == 0
    assert compare_versions("0:1.0-0", "1.0") == 0


def test_relations_keep_operators_and_drop_qualifiers() -> None:
    assert relations("a (>= 1:2.0) | b:any, c (<< 3), d (> 1)") == [
        [("a", ">=", "1:2.0"), ("b", "", "")],
        [("c", "<<", "3")],
        [("d", ">=", "1")],
    ]
    assert satisfies("14.0.0+ds2-1+b2", ">=", "14.0.0")
    assert not satisfies("1.0", ">>", "1.0")
    assert satisfies("1.0", "", "")


def test_a_name_check_decodes_only_the_columns_it_reads(tmp_path: Path) -> None:
    """DF516 asks whether a name is in the release and which version it has; the dependency
    columns (most of the data) stay on disk, and so do the sizes."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM ubuntu:jammy\nRUN apt-get update && apt-get install -y curl=7.81.0-1ubuntu1.99 libfoo\n"
    )
    code = (
        "import dfanalyze.knowledge.debian as d\n"
        "from dfanalyze.cli import main\n"
        f"code = main(['check', '--select', 'DF516', {str(dockerfile)!r}])\n"
        "read = sorted(k for k in vars(d.load_index('jammy')) if k.startswith('_') and k != '_read')\n"
        "print(code, read)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.splitlines()[-1] == "1 ['_flags', '_packages', '_provides', '_row', '_version', '_virtual']"


def test_columns_round_trip(tmp_path: Path) -> None:
    header = {**load_index().header, "columns": dict.fromkeys(COLUMNS, "")}
    columns: dict[str, list[Any]] = {
        "name": ["a", "b"],
        "installed_kib": [12, None],
        "depends": ["b", ""],
        "recommends": ["", ""],
        "flags": ["o", "rE"],
        "provides": ["", "virt"],
        "version": ["1.0", "2:3-1"],
    }
    write_columns(tmp_path, header, columns)
    index = open_index(tmp_path)
    assert [index.installed_kib(n) for n in ("a", "b")] == [12, None]
    assert index.depends("a") == [["b"]] and index.version("b") == "2:3-1"
    assert index.providers("virt") == ("b",) and len(index) == 2
    with pytest.raises(ValueError, match="line break"):
        write_columns(tmp_path, header, {**columns, "version": ["1\n0", "2"]})

"""The shipped base-image data: every row sourced and well-formed, and the lookups built on it."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dfanalyze.knowledge import base_images
from dfanalyze.knowledge.base_images import ProductCycle, cycle_of, lookup, release_status

DATA = Path(base_images.__file__).resolve().parent / "data"
ON = date(2026, 11, 27)


def _load(name: str) -> dict[str, Any]:
    with (DATA / name).open("rb") as handle:
        return tomllib.load(handle)


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    assert isinstance(value, str), value
    year, month = value.split("-")
    return date(int(year), int(month), 28)


EOL = _load("eol.toml")["products"]
IMAGES = _load("images.toml")["images"]
CYCLE_ROWS = [
    pytest.param(product, row, id=f"{product}-{row['cycle']}")
    for product, table in EOL.items()
    for row in table["cycles"]
]


def test_every_product_names_its_source_and_read_date() -> None:
    for name, table in EOL.items():
        assert str(table["source"]).startswith("https://"), name
        assert isinstance(table["read"], date), name
        assert table["cycles"], name


@pytest.mark.parametrize(("product", "row"), CYCLE_ROWS)
def test_cycle_rows_parse_and_are_ordered(product: str, row: dict[str, Any]) -> None:
    assert str(row.get("source", EOL[product]["source"])).startswith("https://")
    released = row.get("released")
    assert released is None or isinstance(released, date)
    eol = row.get("eol")
    extended = row.get("extended")
    if eol is not None and released is not None:
        assert _as_date(eol) > released
    if extended is not None:
        assert isinstance(extended, date)
        assert eol is not None and extended >= _as_date(eol)


def test_cycles_and_aliases_are_unique_per_product() -> None:
    for name, table in EOL.items():
        spellings = [row["cycle"] for row in table["cycles"]]
        spellings += [alias for row in table["cycles"] for alias in row.get("aliases", ())]
        assert len(spellings) == len(set(spellings)), name


def test_every_image_fact_has_a_source() -> None:
    for name, table in IMAGES.items():
        facts = set(table) - {"label", "registry", "repositories", "repository_prefix", "note"}
        facts -= {"variants", "by_cycle", "sizes", "product"}
        if table.get("distro") == table.get("product"):
            facts.discard("distro")  # a distribution's own image: named, not read
        if facts:
            assert str(table.get("source", "")).startswith("https://"), name
            assert isinstance(table["read"], date), name
        for size in table.get("sizes", ()):
            assert size["kind"] in {"compressed", "uncompressed", "unstated"}, name
            assert str(size["source"]).startswith("https://"), name
        assert table.get("product") is None or table["product"] in EOL, name


# (registry, repository, tag) -> (family, cycle, variant, distro, distro cycle)
REFERENCES = [
    ((None, "python", "3.12-slim"), ("python", "3.12", "slim", "debian", None)),
    ((None, "python", "3.12.1-slim-bookworm"), ("python", "3.12", "slim", "debian", "12")),
    ((None, "node", "20-alpine"), ("node", "20", "alpine", "alpine", None)),
    ((None, "postgres", "16"), ("postgres", "16", None, "debian", None)),
    ((None, "postgres", "16.3-alpine3.19"), ("postgres", "16", "alpine", "alpine", "3.19")),
    ((None, "nginx", "1.25-alpine"), ("nginx", "1.25", "alpine", "alpine", None)),
    ((None, "ubuntu", "jammy"), ("ubuntu", "22.04", None, "ubuntu", "22.04")),
    ((None, "ubuntu", "22.04"), ("ubuntu", "22.04", None, "ubuntu", "22.04")),
    ((None, "debian", "bookworm-slim"), ("debian", "12", "slim", "debian", "12")),
    ((None, "golang", "1.22"), ("golang", "1.22", None, "debian", None)),
    ((None, "golang", "1.22.1-alpine3.19"), ("golang", "1.22", "alpine", "alpine", "3.19")),
    ((None, "eclipse-temurin", "21-jre"), ("eclipse-temurin", "21", "jre", "ubuntu", None)),
    (
        (None, "eclipse-temurin", "17-jdk-jammy"),
        ("eclipse-temurin", "17", "jdk", "ubuntu", "22.04"),
    ),
    ((None, "centos", "7"), ("centos", "7", None, "centos", "7")),
    ((None, "alpine", "3.18"), ("alpine", "3.18", None, "alpine", "3.18")),
    (("docker.io", "library/redis", "7.2-alpine"), ("redis", "7.2", "alpine", "alpine", None)),
    ((None, "docker.io/library/mysql", "8.0"), ("mysql", "8.0", None, "oraclelinux", None)),
    ((None, "mongo", "7.0"), ("mongo", "7.0", None, "ubuntu", None)),
    ((None, "php", "8.3-fpm-alpine"), ("php", "8.3", "fpm-alpine", "alpine", None)),
    ((None, "ruby", "3.3-slim-bookworm"), ("ruby", "3.3", "slim", "debian", "12")),
    (
        (None, "gcr.io/distroless/static-debian12", "nonroot"),
        ("distroless", None, "nonroot", "debian", "12"),
    ),
    (
        ("registry.access.redhat.com", "ubi9/ubi-minimal", None),
        ("ubi9-minimal", None, None, "rhel", None),
    ),
]


@pytest.mark.parametrize(("reference", "expected"), REFERENCES)
def test_lookup_of_realistic_references(
    reference: tuple[str | None, str, str | None],
    expected: tuple[str, str | None, str | None, str | None, str | None],
) -> None:
    info = lookup(*reference)
    assert info is not None
    assert (info.family, info.cycle, info.variant, info.distro, info.distro_cycle) == expected


def test_lookup_carries_declared_volumes_and_data_dirs() -> None:
    postgres = lookup(None, "postgres", "16")
    assert postgres is not None
    assert postgres.volumes == ("/var/lib/postgresql/data",)
    assert postgres.data_dir_env == "PGDATA"
    assert postgres.cmd == ("postgres",)
    assert postgres.exposed_ports == ("5432",)
    postgres18 = lookup(None, "postgres", "18")
    assert postgres18 is not None and postgres18.volumes == ("/var/lib/postgresql",)
    unversioned = lookup(None, "postgres", "latest")
    assert unversioned is not None and unversioned.volumes is None
    mysql = lookup(None, "mysql", "8.4")
    assert mysql is not None and mysql.volumes == ("/var/lib/mysql",)
    assert mysql.package_manager == "microdnf"
    mongo = lookup(None, "mongo", None)
    assert mongo is not None and mongo.volumes == ("/data/db", "/data/configdb")
    redis = lookup(None, "redis", "7")
    assert redis is not None and redis.volumes == ("/data",) and redis.workdir == "/data"
    memcached = lookup(None, "memcached", "1.6")
    assert memcached is not None and memcached.user == "memcache"


def test_lookup_flags_deprecated_images_and_knows_nothing_else() -> None:
    openjdk = lookup(None, "openjdk", "11-jre")
    assert openjdk is not None and openjdk.deprecated is True
    assert openjdk.replacements is not None and "eclipse-temurin" in openjdk.replacements
    centos = lookup(None, "library/centos", "8")
    assert centos is not None and centos.deprecated is True
    python = lookup(None, "python", "3.12")
    assert python is not None and python.deprecated is None
    assert lookup(None, "example/unknown", "1.0") is None
    assert lookup("quay.io", "python", "3.12") is None
    scratch = lookup(None, "scratch", None)
    assert scratch is not None and scratch.package_manager == "none" and scratch.cmd is None


def test_cycle_of_returns_the_image_and_its_distribution() -> None:
    assert cycle_of("python", "3.8-slim-buster") == (
        ProductCycle("python", "3.8"),
        ProductCycle("debian", "10"),
    )
    assert cycle_of("node", "16-alpine3.18") == (
        ProductCycle("node", "16"),
        ProductCycle("alpine", "3.18"),
    )
    assert cycle_of("debian", "bookworm") == (ProductCycle("debian", "12"),)
    assert cycle_of("python", "latest") == ()
    assert cycle_of("example/unknown", "1") == ()


@pytest.mark.parametrize(
    ("product", "cycle"),
    [("debian", "9"), ("debian", "stretch"), ("python", "3.7"), ("node", "16"), ("centos", "8")],
)
def test_known_eol_releases_are_eol(product: str, cycle: str) -> None:
    status = release_status(product, cycle, ON)
    assert status is not None
    assert status.is_eol is True
    assert status.source.startswith("https://")


def test_current_releases_on_the_reference_day() -> None:
    bookworm = release_status("debian", "bookworm", ON)
    assert bookworm is not None
    assert bookworm.cycle == "12"
    assert bookworm.eol == date(2026, 6, 10)
    assert bookworm.is_eol is True
    assert bookworm.in_extended_support is True
    python = release_status("python", "3.12", ON)
    assert python is not None and python.is_eol is False
    node = release_status("node", "22", ON)
    assert node is not None and node.is_eol is False and node.eol == date(2027, 4, 30)
    centos8 = release_status("centos", "8", date(2021, 12, 30))
    assert centos8 is not None and centos8.is_eol is False


def test_month_precision_eol_counts_from_the_end_of_the_month() -> None:
    before = release_status("python", "3.10", date(2026, 10, 30))
    after = release_status("python", "3.10", date(2026, 10, 31))
    assert before is not None and before.is_eol is False
    assert after is not None and after.is_eol is True


def test_unknown_dates_stay_unknown() -> None:
    trixie = release_status("debian", "13", ON)
    assert trixie is not None and trixie.eol is None and trixie.is_eol is None
    assert release_status("debian", "99", ON) is None
    assert release_status("no-such-product", "1", ON) is None

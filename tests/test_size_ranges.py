"""Size ranges: the calibration file, the kinds of command, the nearest-tag estimate of a base image,
and the ranges ``dfanalyze layers`` reports (JSON and the layer graph)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from dfanalyze.api import layers
from dfanalyze.knowledge.image_facts import DATA_FILE, lookup, nearest, tag_parts
from dfanalyze.layers.ranges import (
    DATA,
    SizeRange,
    combine,
    command_kind,
    installs_only,
    layer_kind,
    named_packages,
    part_kind,
    range_data,
)
from dfanalyze.layers.render import to_json
from tools import calibrate_sizes


def test_the_data_file_is_what_the_base_image_data_gives() -> None:
    facts = json.loads(gzip.decompress(DATA_FILE.read_bytes()))
    assert calibrate_sizes.encode(calibrate_sizes.build(facts)) == DATA.read_text(encoding="utf-8"), (
        "run python -m tools.calibrate_sizes"
    )


def test_data_schema() -> None:
    data = range_data()
    assert data.percentiles == (10, 50, 90)
    spreads = [data.compression, data.images, *data.layers.values(), *data.nearest.values()]
    for spread in spreads:
        assert 0 <= spread.low <= spread.mid <= spread.high and spread.samples >= 1
    assert "any" in data.layers and all(s.samples >= calibrate_sizes.MIN_LAYERS for s in data.layers.values())
    assert set(data.nearest) <= {"version", "distro", "variant"}
    assert 1.5 < data.compression.mid < 4  # official images compress 2-3x
    assert data.data_as_of == max(
        e["read"]
        for i in json.loads(gzip.decompress(DATA_FILE.read_bytes()))["images"].values()
        for e in i["entries"]
    )


def test_percentile_interpolates() -> None:
    assert calibrate_sizes.percentile([1, 2, 3, 4, 5], 50) == 3
    assert calibrate_sizes.percentile([0, 10], 10) == pytest.approx(1)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("RUN apt-get update && apt-get install -y curl", "apt"),
        ("RUN apk add --no-cache git", "apk"),
        ("RUN pip install -r requirements.txt", "pip"),
        ("RUN npm ci", "npm"),
        ("RUN bundle install", "gem"),
        ("RUN microdnf install -y tar", "rpm"),
        ("RUN curl -fsSL https://x/y.tgz | tar xz", "archive"),
        ("RUN curl https://sh.rustup.rs | sh -s -- -y", "archive"),  # an installer run
        ('RUN wget "$url"; ./rustup-init -y --no-modify-path', "archive"),
        ('RUN curl -fsSL -o php.tar.xz "$PHP_URL"; curl -fsSL -o php.tar.xz.asc "$PHP_ASC_URL"', "archive"),
        (
            "RUN curl -fL -o /usr/local/bin/gosu https://x/gosu-amd64; chmod +x /usr/local/bin/gosu",
            "download",
        ),
        ("RUN curl -fsSLO https://x/y.tar.gz.asc", "download"),  # a signature, not the archive
        ("RUN ./configure && make && make install", "build"),
        ("RUN apt-get install -y make gcc", "apt"),  # packages named make and gcc install, they build nothing
        ("COPY . /app", "copy"),
        ("RUN # debian.sh --arch 'amd64' out/ 'trixie' '@1785715200'", "rootfs"),
        ("RUN groupadd -r app", "run"),
        ("RUN set -eux; BINARY_URL='https://example.com/jdk-21_linux-x64.tar.gz'; ...", "archive"),
    ],
)
def test_command_kind(text: str, kind: str) -> None:
    assert command_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates", 2),
        ("RUN apk add --no-cache --virtual .build-deps gcc musl-dev && apk add git", 3),
        ("RUN apt-get install -y -o Dpkg::Options::=--force-confold tzdata", 1),
        ("RUN apt-get install -y $PACKAGES", None),
        ("RUN apt-get install -y curl ...", None),
        ("RUN pip install flask", None),
        ("RUN apt-get install\x01python3-dev gcc", None),  # found by the long fuzz run: no verb word
    ],
)
def test_named_packages(text: str, count: int | None) -> None:
    assert named_packages(text) == count


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("RUN apk add --no-cache ca-certificates tzdata", 2),
        ("RUN apk add --no-cache curl && curl -fsSL https://x/y.tgz | tar xz", None),  # also downloads
        ("RUN apk add --virtual .deps gcc make && ./configure && make && make install", None),  # builds
        ("RUN set -eux; apk add --no-cache --virtual .gosu-deps dpkg gnupg ; ...", None),  # cut
        ("RUN apt-get install -y $PACKAGES", None),
    ],
)
def test_installs_only(text: str, count: int | None) -> None:
    assert installs_only(text) == count


def test_an_install_that_also_downloads_takes_its_kinds_layer_spread(tmp_path: Path) -> None:
    text = "FROM alpine:3.22\nRUN apk add --no-cache curl && curl -fsSL https://x/y.tgz | tar xz\n"
    step = _json(tmp_path, text)["steps"][1]  # type: ignore[index]
    assert "per package named" not in step["range_from"][0]


def test_an_install_with_an_upper_bound_stays_below_it(tmp_path: Path) -> None:
    # python:3.12-bookworm's own packages are not in the data: the closure of the install on the
    # smallest bookworm is an upper bound of what it adds
    text = "FROM python:3.12-bookworm\nRUN apt-get install -y --no-install-recommends curl\n"
    step = _json(tmp_path, text)["steps"][1]  # type: ignore[index]
    (part,) = step["unknown_parts"]
    most = float(part.split("at most ")[1].split(" MB")[0]) * 1e6
    assert step["known_bytes"] <= step["low_bytes"] <= step["estimated_bytes"] <= step["high_bytes"]
    assert abs(step["high_bytes"] - step["known_bytes"] - most) <= 0.05e6  # the label rounds to 0.1 MB
    assert step["range_from"][-1] == "at most what the unknown parts can add (their upper bounds)"


def test_an_unknown_part_is_of_the_tool_that_left_it() -> None:
    assert part_kind("apk install curl: size unknown", "download") == "apk"
    assert part_kind("pip cache left in the layer (size unknown)", "apt") == "pip"
    assert part_kind("`make` may write files this model cannot list", "apt") == "build"
    assert part_kind("`tar` may write files this model cannot list", "apt") == "download"
    assert part_kind("`tar` may write files this model cannot list", "archive") == "archive"
    assert part_kind("`curl` may write files this model cannot list", "archive") == "archive"
    assert part_kind("`gpg` may write files this model cannot list", "apt") == "run"
    assert part_kind("/log: size unknown", "build") == "build"
    assert part_kind("COPY --from /target/: what the stage holds there is not known", "copy") == "any"


def test_what_another_stage_made_is_of_any_kind() -> None:
    """A layer whose unknown part is a ``COPY --from`` of unknown files takes the spread of every
    official layer, not that of small RUN commands or of a COPY's own files."""
    assert layer_kind(["any"]) == "any"
    assert layer_kind(["copy", "any"]) == "any" and layer_kind(["run", "any"]) == "any"
    assert layer_kind(["any", "apt"]) == "apt" and layer_kind(["copy", "run"]) == "copy"


def test_package_installs_scale_with_the_packages_named(tmp_path: Path) -> None:
    one = _json(tmp_path, "FROM alpine:3.22\nRUN apk add --no-cache curl\n")["steps"][1]  # type: ignore[index]
    four = _json(tmp_path, "FROM alpine:3.22\nRUN apk add --no-cache curl git jq bash\n")["steps"][1]  # type: ignore[index]
    per = range_data().per_package["apk"]
    assert one["high_bytes"] - one["known_bytes"] == round(per.high)
    assert four["high_bytes"] - four["known_bytes"] == round(4 * per.high)
    assert "per package named, times 4" in four["range_from"][0]


def test_tag_parts() -> None:
    assert tag_parts("python", "3.11.4-slim-bookworm") == tag_parts("python", "3.11.4-slim-bookworm")
    parts = tag_parts("eclipse-temurin", "21.0.12_8-jdk-alpine-3.24")
    assert (parts.version, parts.words, parts.alpine, parts.distro) == (
        (21, 0, 12),
        {"jdk"},
        True,
        "alpine3.24",
    )
    assert tag_parts("ubuntu", "jammy").version == (22, 4)


@pytest.mark.parametrize(
    ("reference", "tag", "differs"),
    [
        ("python:3.11.4-slim", "3.11-slim", "version"),
        ("golang:1.26.4-alpine", "1.26.5-alpine", "version"),  # the nearest patch release known
        ("php:8.4-fpm-bullseye", "8.4-fpm", "distro"),  # no bullseye line at the library commit
        ("eclipse-temurin:17-jdk-focal", "17-jdk", "distro"),  # no focal line either
        # a tag naming the whole line (golang:1, python:3) is the line's latest: a neighbour is closer
        ("golang:1.24", "1.25", "version"),
        ("python:3.9-slim", "3.10-slim", "version"),
    ],
)
def test_nearest_tag(reference: str, tag: str, differs: str) -> None:
    """The entry estimated from is the one ``tag`` names (``found.facts.tag`` is one of its aliases)."""
    assert lookup(reference) is None
    found = nearest(reference)
    assert found is not None and tag in found.facts.tags and found.differs == differs


def test_nearest_keeps_alpine_apart_and_knows_nothing_of_other_images() -> None:
    found = nearest("python:3.9.1-alpine")
    assert found is not None and found.facts.distro == "alpine"
    assert nearest("python:3.12-slim") is None  # known: no estimate needed
    assert nearest("example.com/python:3.12") is None
    assert nearest("no-such-official-image:1") is None


def test_combine_adds_spreads_in_quadrature() -> None:
    total, shares = combine(
        [(0, SizeRange(100, 100, 100, 40)), (1, SizeRange(50, 20, 90, 20)), (2, SizeRange(10, 6, 14, 4))]
    )
    assert (total.point, total.compressed) == (160, 64)
    assert total.low == 160 - round((30**2 + 4**2) ** 0.5) and total.high == 160 + round(
        (40**2 + 4**2) ** 0.5
    )
    assert [s.index for s in shares] == [1, 2] and sum(s.share for s in shares) == pytest.approx(1)


def _json(tmp_path: Path, text: str) -> dict[str, object]:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return to_json(layers(path))


def test_a_known_base_is_exact_and_dated(tmp_path: Path) -> None:
    data = _json(tmp_path, 'FROM debian:bookworm-slim\nCMD ["sh"]\n')
    image, base = data["image"], data["steps"][0]  # type: ignore[index]
    facts = lookup("debian:bookworm-slim")
    assert facts is not None
    assert base["estimated_bytes"] == base["low_bytes"] == base["high_bytes"] == facts.uncompressed_bytes
    assert base["compressed_bytes"] == facts.compressed_bytes
    assert image["estimated_bytes"] == image["low_bytes"] == image["high_bytes"] == facts.uncompressed_bytes
    assert image["data_as_of"] == facts.read.isoformat() and image["uncertainty"] == []


def test_unknown_parts_give_a_range_and_name_the_step(tmp_path: Path) -> None:
    data = _json(
        tmp_path, "FROM python:3.11.4-slim\nRUN ./configure && make && make install\nRUN groupadd -r app\n"
    )
    image, steps = data["image"], data["steps"]  # type: ignore[index]
    for part in (image, *steps):
        assert part["low_bytes"] <= part["estimated_bytes"] <= part["high_bytes"]
        assert 0 < part["compressed_bytes"] < part["estimated_bytes"]
    assert steps[0]["range_from"] == ["base image: estimated from python:3.11.16-slim (another version)"]
    assert steps[1]["range_from"][0].startswith("build: ")
    assert {share["step"] for share in image["uncertainty"]} == {0, 1, 2}
    assert image["estimated_bytes"] == sum(s["estimated_bytes"] for s in steps)

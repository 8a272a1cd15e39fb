"""The layer model: what each step writes and how big its layer is, the cache model, wasted
space, the graph and its API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dfanalyze.api import layers
from dfanalyze.layers.fs import Change, Layer, entry_bytes, needs_pax, padded
from dfanalyze.layers.graph import LayerGraph, Step, TargetError
from dfanalyze.layers.sizes import base_apt_state, calibration
from dfanalyze.layers.waste import waste

BASE = "localhost/debian:bookworm"  # the measured base: its size is known
BASE_BYTES = calibration().bases[BASE].bytes


def build(
    tmp_path: Path, dockerfile: str, files: dict[str, str] | None = None, **options: object
) -> LayerGraph:
    """The layer graph of ``dockerfile`` with ``files`` as its build context."""
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    (tmp_path / "Dockerfile").write_text(dockerfile)
    return layers(tmp_path / "Dockerfile", **options)  # type: ignore[arg-type]


def step(graph: LayerGraph, text: str) -> Step:
    return next(s for s in graph.steps if s.text.startswith(text))


def sizes(graph: LayerGraph) -> list[int | None]:
    """The size of every layer, None where it is an estimate (part of it unknown)."""
    return [s.estimated_bytes if s.size.exact else None for s in graph.steps if s.creates_layer]


# --- tar arithmetic --------------------------------------------------------------------------------


def test_tar_sizes() -> None:
    assert [padded(n) for n in (0, 1, 512, 513)] == [0, 512, 512, 1024]
    assert entry_bytes("/f", "file", 6) == 1024
    assert entry_bytes("/d", "dir", 0) == 512
    assert entry_bytes("/d", "opaque", 0) == 1024  # the directory and its .wh..wh..opq marker
    long_name = "var/lib/apt/lists/" + "x" * 85
    assert not needs_pax(long_name, "file")  # split into prefix and name: plain USTAR
    assert needs_pax("a" * 101, "file")
    assert needs_pax("d/" + "b" * 101, "file")
    assert Layer(0, {"/f": Change("file", 1)}).known_bytes == 1024 + 1024


# --- what RUN writes ---------------------------------------------------------------------------------


def test_plain_commands_are_replayed(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"""FROM {BASE}
ENV TARGET=/payload.bin
ARG MB=2
RUN dd if=/dev/zero of=$TARGET bs=1M count=$MB
RUN echo hello > /greeting && printf 'a\\nb' > /two && echo -n x >> /greeting
RUN head -c 1000 /dev/urandom > /random && truncate -s 1K /t && fallocate -l 2KiB /f
RUN mkdir -p /tmp /opt/a/b && touch /opt/a/b/empty && ln -s /greeting /link
RUN true && ls / && grep -q x /greeting || cat /greeting
""",
    )
    assert sizes(graph) == [
        1024 + 512 + 2 * 1024 * 1024,
        1024 + 1024 + 1024,  # /greeting (7 bytes) and /two (3 bytes)
        1024 + 1536 + 1536 + 2560,  # /random (1000 bytes), /t (1 KiB), /f (2 KiB)
        1024 + 512 * 5,  # opt, opt/a, opt/a/b, empty, link: mkdir -p /tmp changes nothing
        1024,
    ]
    assert graph.image.estimated_bytes == BASE_BYTES + sum(s or 0 for s in sizes(graph))
    assert graph.image.unknown_parts == ()


def test_heredoc_outputs_are_sized(tmp_path: Path) -> None:
    graph = build(tmp_path, f"FROM {BASE}\nRUN cat <<'EOF' > /conf\nkey=value\nEOF\n")
    assert sizes(graph) == [1024 + 512 + 512]
    graph = build(tmp_path, f"FROM {BASE}\nCOPY <<EOF /etc/motd\nhello\nEOF\n")
    assert sizes(graph) == [1024 + 512 + 512 + 512]


def test_a_later_step_hides_but_never_shrinks(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"""FROM {BASE}
RUN dd if=/dev/zero of=/tmp/blob bs=1M count=10
RUN rm /tmp/blob
RUN dd if=/dev/zero of=/same bs=1K count=1 && rm /same
""",
    )
    assert sizes(graph) == [1024 + 1024 + 10 * 1024 * 1024, 1024 + 1024, 1024]
    assert step(graph, "RUN dd if=/dev/zero of=/tmp").wasted_bytes == 10 * 1024 * 1024
    assert graph.image.reclaimable_bytes == 10 * 1024 * 1024
    assert graph.image.wasted_bytes == 2 * 10 * 1024 * 1024  # dive: the file and its whiteout
    base = base_apt_state(calibration()).data_bytes or 0  # the base's apt databases count once
    blob = 10 * 1024 * 1024
    assert graph.image.efficiency == pytest.approx((blob + base) / (2 * blob + base))
    assert graph.image.removals == {(1, 2): 10 * 1024 * 1024}


def test_chmod_and_chown_copy_files_up(tmp_path: Path) -> None:
    files = {"app/a.bin": "x" * 5000, "app/b.txt": "y" * 10}
    graph = build(
        tmp_path, f"FROM {BASE}\nCOPY app /app\nRUN chmod -R g+w /app\nRUN chown root /app/b.txt\n", files
    )
    copy, chmod, chown = sizes(graph)
    assert chmod == copy
    assert chown == 1024 + 1024 + 512  # app, b.txt
    assert step(graph, "COPY").wasted_bytes == 5010
    assert step(graph, "RUN chmod").wasted_bytes == 10


def test_copy_up_of_what_the_base_holds_is_unknown(tmp_path: Path) -> None:
    graph = build(tmp_path, f"FROM {BASE}\nRUN chmod -R o-rwx /etc\n")
    assert not step(graph, "RUN").size.exact
    assert step(graph, "RUN").unknown_parts == ("`chmod /etc` copies files of unknown size into the layer",)


def test_unknown_commands_are_unknown_never_zero(tmp_path: Path) -> None:
    graph = build(tmp_path, f"FROM {BASE}\nRUN make install && ./configure\nRUN gcc -o /app main.c > /log\n")
    first, second = (s for s in graph.steps if s.creates_layer)
    assert not first.size.exact and first.low_bytes < first.estimated_bytes < first.high_bytes
    assert first.unknown_parts == (
        "`make` may write files this model cannot list",
        "`configure` may write files this model cannot list",
    )
    assert second.unknown_parts == ("`gcc` may write files this model cannot list", "/log: size unknown")
    assert graph.image.known_bytes == BASE_BYTES + first.known_bytes + second.known_bytes
    assert graph.image.estimated_bytes == BASE_BYTES + first.estimated_bytes + second.estimated_bytes
    assert graph.image.low_bytes < graph.image.estimated_bytes < graph.image.high_bytes
    assert len(graph.image.unknown_parts) == 4


def test_scripts_that_cannot_be_read_are_unknown(tmp_path: Path) -> None:
    graph = build(tmp_path, f'FROM {BASE}\nSHELL ["pwsh", "-Command"]\nRUN New-Item -Path C:/x\nRUN echo (\n')
    assert [s.unknown_parts for s in graph.steps if s.creates_layer] == [
        ("a shell script this model cannot read may write anything",)
    ] * 2


def test_cache_mount_targets_never_reach_the_layer(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"FROM {BASE}\nRUN --mount=type=cache,target=/cache dd if=/dev/zero of=/cache/big bs=1M count=5\n",
    )
    assert sizes(graph) == [1024 + 512]  # the mount point only


def test_apt_install_on_a_known_debian_base(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"FROM {BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends curl "
        "&& rm -rf /var/lib/apt/lists/*\n",
    )
    size = step(graph, "RUN").estimated_bytes
    assert size is not None and 11_000_000 < size < 15_000_000
    noclean = build(
        tmp_path, f"FROM {BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
    )
    apt_lists = calibration().apt_lists
    assert apt_lists is not None
    lists = sum(size for _, size in apt_lists.files)
    assert (step(noclean, "RUN").estimated_bytes or 0) - size > lists


def test_apt_on_an_image_with_unknown_packages_is_an_upper_bound(tmp_path: Path) -> None:
    graph = build(tmp_path, "FROM python:3.12\nRUN apt-get install -y --no-install-recommends curl\n")
    (part,) = step(graph, "RUN").unknown_parts
    assert part.startswith("apt-get install curl: at most ") and part.endswith(
        "(the base image's packages are unknown)"
    )
    assert graph.image.unknown_parts == (part,)  # the base's size is repo-info's
    assert step(graph, "FROM").size.exact


@pytest.mark.parametrize(
    ("image", "suite"),
    [
        ("python:3.12-slim-bookworm", "bookworm"),
        ("python:3.12-slim", "trixie"),
        ("buildpack-deps:bookworm-curl", "bookworm"),
        ("ubuntu:noble", "noble"),
        ("debian:bullseye", "bullseye"),
    ],
)
def test_apt_closure_starts_from_the_base_images_packages(tmp_path: Path, image: str, suite: str) -> None:
    """Only what the official image (its package list in repo-info) lacks is installed, from the
    package data of the image's release."""
    graph = build(tmp_path, f"FROM {image}\nRUN apt-get install -y --no-install-recommends curl\n")
    run = step(graph, "RUN")
    assert run.unknown_parts == ()
    base = graph.steps[0].base
    assert base is not None and base.apt_data == suite and base.apt_installed
    assert run.layer is not None
    installed = {p for blob in run.layer.blobs for p in blob.packages}
    assert not installed & base.apt_installed
    if "curl" in base.apt_installed:
        assert installed == set() and (run.estimated_bytes or 0) <= 1024  # an empty layer
    else:
        assert "curl" in installed and (run.estimated_bytes or 0) > 1_000_000


def test_apt_closure_on_slim_python_counts_only_the_missing_libraries(tmp_path: Path) -> None:
    graph = build(
        tmp_path, "FROM python:3.12-slim-bookworm\nRUN apt-get install -y --no-install-recommends curl\n"
    )
    run = step(graph, "RUN")
    assert run.layer is not None
    assert {p for blob in run.layer.blobs for p in blob.packages} == {
        "curl", "libbrotli1", "libcurl4", "libldap-2.5-0", "libnghttp2-14", "libpsl5", "librtmp1",
        "libsasl2-2", "libsasl2-modules-db", "libssh2-1",
    }  # fmt: skip


def test_language_installs_without_their_inputs_are_unknown(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"FROM {BASE}\nRUN pip install --no-cache-dir -r requirements.txt\nRUN npm ci\n"
        "RUN gem install rails\n",
    )
    pip, npm, gem = (s for s in graph.steps if s.creates_layer)
    assert pip.unknown_parts == (
        "pip install -r requirements.txt: requirements.txt is not a file copied from the build context",
        "pip install -r requirements.txt: no measured package sizes for an unknown Python version",
    )
    assert npm.unknown_parts == (
        "npm install: no package.json or lock file copied into the working directory",
    )
    assert gem.unknown_parts == (
        "gem cache left in the layer (size unknown)",
        "gem install rails: size unknown",
    )


def test_pip_install_reads_the_copied_requirement_files(tmp_path: Path) -> None:
    from dfanalyze.knowledge.package_sizes import load_package_sizes

    files = {
        "requirements.txt": "# app\nflask==3.1.0\n-r more.txt\n",
        "more.txt": "requests\n--hash=sha256:0\n",
    }
    graph = build(
        tmp_path,
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt more.txt ./\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nRUN pip install django\n",
        files,
    )
    data = load_package_sizes().pypi("3.12")
    with_reqs, django = (s for s in graph.steps if s.text.startswith("RUN"))
    expected = data.closure(["flask==3.1.0", "requests"])
    assert with_reqs.unknown_parts == () and with_reqs.layer is not None
    (blob,) = with_reqs.layer.blobs
    assert blob.tar_bytes == expected.tar_bytes and blob.packages == set(expected.packages)
    assert {p.split("==")[0] for p in blob.packages} >= {"flask", "werkzeug", "requests", "urllib3"}
    assert django.layer is not None
    _, cache = django.layer.blobs  # without --no-cache-dir, pip's cache stays
    assert cache.tar_bytes is not None and cache.tar_bytes > data.closure(["django"]).cache_bytes


def test_npm_ci_installs_the_locked_versions(tmp_path: Path) -> None:
    from dfanalyze.knowledge.package_sizes import load_package_sizes

    npm = load_package_sizes().npm
    express = npm.version("express")
    lock = (
        '{"lockfileVersion": 3, "packages": {"": {"name": "app"}, '
        f'"node_modules/express": {{"version": "{express}"}}, '
        '"node_modules/typescript": {"version": "1.0.0", "dev": true}}}'
    )
    files = {"package.json": '{"name": "app"}', "package-lock.json": lock}
    prod = build(
        tmp_path, "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\n", files
    )
    run = step(prod, "RUN")
    assert run.layer is not None and run.unknown_parts == ()
    assert {b.key.split(":")[0] for b in run.layer.blobs} == {"npm", "npm-cache"}
    assert run.layer.blobs[0].packages == {f"express@{express}"}
    full = step(build(tmp_path, "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", files), "RUN")
    # typescript 1.0.0 was not measured, and the measured major version is another
    assert full.unknown_parts == ("npm install: typescript@1.0.0 is not in the measured npm data",)


def test_an_install_into_its_own_folder_is_taken_by_copy_from(tmp_path: Path) -> None:
    files = {"requirements.txt": "flask==3.1.0\n"}
    graph = build(
        tmp_path,
        "FROM python:3.12-slim AS build\nWORKDIR /src\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir --prefix=/install -r requirements.txt\n"
        "FROM python:3.12-slim\nCOPY --from=build /install /usr/local\n",
        files,
    )
    run, copy = step(graph, "RUN pip"), step(graph, "COPY --from=build /install")
    assert run.layer is not None and copy.layer is not None
    (install,) = run.layer.blobs
    assert install.root == "/install"
    (copied,) = copy.layer.blobs  # the install, in its new place
    assert (copied.root, copied.tar_bytes) == ("/usr/local", install.tar_bytes)
    assert copy.size.exact and copy.unknown_parts == ()
    assert graph.image.size.exact  # the base, the install, nothing unknown


def test_an_install_into_the_base_images_trees_is_not_all_there_is(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        "FROM python:3.12-slim AS build\n"
        "RUN pip install --no-cache-dir --target=/usr/lib/python3/dist-packages flask\n"
        "FROM scratch\nCOPY --from=build /usr/lib/python3/dist-packages /deps\n",
    )
    (blob,) = step(graph, "RUN pip").layer.blobs  # type: ignore[union-attr]
    assert blob.root == "/usr/lib/python3/dist-packages"
    copy = step(graph, "COPY --from")  # the folder may hold the distribution's own packages too
    assert copy.unknown_parts == (
        "COPY --from /usr/lib/python3/dist-packages: what the stage holds there is not known",
    )


def test_node_modules_removed_go_with_their_install(tmp_path: Path) -> None:
    from dfanalyze.knowledge.package_sizes import load_package_sizes

    express = load_package_sizes().npm.version("express")
    lock = f'{{"lockfileVersion": 3, "packages": {{"node_modules/express": {{"version": "{express}"}}}}}}'
    files = {"package.json": '{"name": "app"}', "package-lock.json": lock}
    head = "FROM node:20 AS build\nWORKDIR /app\nCOPY package*.json ./\n"
    same = build(tmp_path, head + "RUN npm ci && rm -rf node_modules\n", files)
    made = step(same, "RUN").layer
    assert made is not None and [b.key.split(":")[0] for b in made.blobs] == [
        "npm-cache"
    ]  # the install: gone
    later = build(
        tmp_path,
        head + "RUN npm ci --no-audit\nRUN rm -rf /app/node_modules\n"
        "FROM scratch\nCOPY --from=build /app/node_modules /node_modules\n",
        files,
    )
    install = step(later, "RUN npm ci").layer.blobs[0]  # type: ignore[union-attr]
    assert install.root == "/app/node_modules"
    removal = step(later, "RUN rm")
    assert removal.layer is not None and removal.layer.removed_blobs == ((install.key, install.data_bytes),)
    assert later.steps[-1].unknown_parts == (  # gone by then: not copied
        "COPY --from /app/node_modules: what the stage holds there is not known",
    )


def test_caches_cleaned_in_the_same_step_are_not_left(tmp_path: Path) -> None:
    graph = build(tmp_path, "FROM fedora:40\nRUN dnf install -y gcc && dnf clean all\nRUN rm -rf $UNSET/x\n")
    install, remove = (s for s in graph.steps if s.creates_layer)
    assert install.unknown_parts == ("dnf install gcc: size unknown",)
    assert remove.unknown_parts == ("`rm` with an argument this model cannot resolve",)


def test_purge_in_the_same_step_leaves_only_bookkeeping(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"FROM {BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends git "
        "&& apt-get purge -y --auto-remove git && rm -rf /var/lib/apt/lists/*\n",
    )
    size = step(graph, "RUN").estimated_bytes
    assert size is not None and size < 3_000_000


def test_apt_mark_auto_then_auto_remove_leaves_only_bookkeeping(tmp_path: Path) -> None:
    """The official images' pattern: what the RUN installed and marked auto is purged again."""
    graph = build(
        tmp_path,
        f'FROM {BASE}\nRUN set -eux; saved="$(apt-mark showmanual)"; apt-get update; '
        "apt-get install -y --no-install-recommends gcc make; make -v; "
        "apt-mark auto '.*' > /dev/null; apt-mark manual $saved; "
        "find /usr/local -type f -exec ldd '{}' ';' | awk '{ print $3 }' | xargs -r apt-mark manual; "
        "apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; "
        "rm -rf /var/lib/apt/lists/*\n",
    )
    run = step(graph, "RUN set -eux")
    assert run.known_bytes < 3_000_000  # make, find and awk leave unknown parts
    assert (
        "`apt-mark manual` of a command's output keeps libraries this model cannot list" in run.unknown_parts
    )


def test_apt_mark_manual_of_a_later_list_keeps_the_install(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"FROM {BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends gcc "
        "&& saved=\"$(apt-mark showmanual)\" && apt-mark auto '.*' && apt-mark manual $saved "
        "&& apt-get purge -y --auto-remove && rm -rf /var/lib/apt/lists/*\n",
    )
    size = step(graph, "RUN").estimated_bytes
    assert size is not None and size > 50_000_000


def test_apk_virtual_removed_in_the_same_step_adds_nothing(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        "FROM alpine:3.20\nRUN apk add --no-cache -t .build gcc && make && apk del --no-network .build\n",
    )
    assert not any("apk install" in part for part in step(graph, "RUN").unknown_parts)


def test_purge_in_a_later_step_wastes_the_install(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"FROM {BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends git\n"
        "RUN apt-get purge -y --auto-remove git\n",
    )
    install = step(graph, "RUN apt-get update")
    assert install.wasted_bytes > 90_000_000
    assert step(graph, "RUN apt-get purge").unknown_parts == (
        "apt-get purge: whiteouts for the removed files (count unknown)",
    )


# --- COPY and ADD ------------------------------------------------------------------------------------


def test_copy_from_the_context(tmp_path: Path) -> None:
    files = {
        ".dockerignore": "logs\n",
        "logs/a.log": "x" * 9000,
        "src/a.py": "x" * 600,
        "big.bin": "y" * 2000,
    }
    graph = build(tmp_path, "FROM scratch\nWORKDIR /app\nCOPY src/ ./src/\nCOPY big.bin .\n", files)
    workdir, src, big = sizes(graph)
    assert workdir == 1024 + 512
    assert src == 1024 + 512 * 3 + 1024  # app, src, a.py (600 bytes)
    assert big == 1024 + 512 + 512 + 2048
    assert graph.image.estimated_bytes == workdir + src + big  # scratch is empty


def test_copy_without_a_context_is_unknown() -> None:
    graph = layers("FROM scratch\nCOPY . /app\n")
    assert graph.context is None
    assert step(graph, "COPY").unknown_parts == ("COPY .: the build context is not available",)


def test_copy_from_a_stage_uses_what_the_stage_wrote(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"""FROM {BASE} AS build
RUN mkdir -p /out && dd if=/dev/zero of=/out/app bs=1K count=3
FROM scratch
COPY --from=build /out/app /app
COPY --from=build /out/ /opt/
COPY --from=build /etc/os-release /
COPY --from=alpine:3.20 /bin/busybox /
""",
    )
    app, folder, base_file, image_file = (s for s in graph.steps if s.creates_layer and s.stage == 1)
    assert app.estimated_bytes == 1024 + 512 + 3072
    assert folder.estimated_bytes == 1024 + 1024 + 3072
    assert base_file.unknown_parts == (
        "COPY --from /etc/os-release: what the stage holds there is not known",
    )
    assert image_file.unknown_parts == ("COPY /bin/busybox from image alpine:3.20: size unknown",)


@pytest.mark.parametrize(
    "run",
    [
        # the golang image's build stage: unpacked where the model cannot list, moved into /target
        "mkdir -p /target/usr/local && curl -fsSL https://x/go.tgz | tar -C /usr/local -xz"
        " && mv -vT /usr/local/go /target/usr/local/go",
        "mkdir -p /target && curl -fsSL https://x/a.tgz | tar -xz -C /target",  # named by an argument
        "mkdir -p /target && cd /target && ./configure && make",  # in its working folder
        "mkdir -p /target/bin && go build -o /target/bin/app ./...",
        "mkdir -p /target && make install DESTDIR=/target",
    ],
)
def test_copy_from_a_folder_an_unknown_write_reached_is_not_known(tmp_path: Path, run: str) -> None:
    graph = build(tmp_path, f"FROM {BASE} AS build\nRUN {run}\nFROM scratch\nCOPY --from=build /target/ /\n")
    copy = step(graph, "COPY --from=build")
    assert copy.unknown_parts == ("COPY --from /target: what the stage holds there is not known",)
    assert not copy.size.exact and copy.high_bytes > 100 * 1024 * 1024


def test_an_unknown_write_elsewhere_leaves_a_folder_known(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"FROM {BASE} AS build\nRUN mkdir -p /target && touch /target/x\n"
        "WORKDIR /src\nRUN make\nFROM scratch\nCOPY --from=build /target/ /\n",
    )
    assert step(graph, "COPY --from=build").size.exact


def test_add_extracts_local_archives_and_fetches_urls(tmp_path: Path) -> None:
    import tarfile

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "tool").write_text("t" * 100)
    with tarfile.open(tmp_path / "tool.tgz", "w:gz") as archive:
        archive.add(tmp_path / "src" / "tool", arcname="bin/tool")
    graph = build(
        tmp_path,
        "FROM scratch\nADD tool.tgz /opt/\nCOPY tool.tgz /opt/\nADD https://example.com/a.tar.gz /dl/\n",
    )
    extracted, copied, downloaded = (s for s in graph.steps if s.creates_layer)
    assert extracted.estimated_bytes == 1024 + 512 * 3 + 512  # opt, opt/bin, opt/bin/tool
    assert copied.estimated_bytes == 1024 + 512 * 2 + padded((tmp_path / "tool.tgz").stat().st_size)
    assert downloaded.unknown_parts == ("/dl/a.tar.gz: size unknown",)


def test_builders_differ_in_workdir_and_mount_points(tmp_path: Path) -> None:
    text = f"FROM {BASE}\nWORKDIR /srv/app\nVOLUME /data\nRUN true\n"
    buildkit = build(tmp_path, text)
    buildah = build(tmp_path, text, builder="buildah")
    assert sizes(buildkit) == [1024 + 1024, 1024]
    assert step(buildah, "WORKDIR").creates_layer is False
    # buildah: the mount points /etc/hosts (and /etc) and /run, then srv, srv/app and data.
    assert sizes(buildah) == [1024 + 512 * 6]


# --- base images ---------------------------------------------------------------------------------------


def test_base_sizes_are_known_or_unknown(tmp_path: Path) -> None:
    assert step(build(tmp_path, f"FROM {BASE}\n"), "FROM").estimated_bytes == BASE_BYTES
    assert step(build(tmp_path, "FROM scratch\n"), "FROM").estimated_bytes == 0
    unknown = build(tmp_path, "FROM example.com/team/tool:1\n")
    assert not step(unknown, "FROM").size.exact
    assert unknown.image.unknown_parts == ("base image example.com/team/tool:1: no size data for this image",)
    variable = build(tmp_path, "ARG IMAGE\nFROM $IMAGE\n")
    assert variable.image.unknown_parts == (
        "base image $IMAGE: the image reference is not known before the build",
    )


# --- the cache ---------------------------------------------------------------------------------------

APP = """FROM {base}
WORKDIR /app
COPY requirements.txt .
RUN sort requirements.txt > /deps
ARG VERSION=1
COPY . .
ENV MODE=prod
RUN find /app > /files
"""
APP_FILES = {
    ".dockerignore": "*.log\n",
    "requirements.txt": "a\n",
    "src/main.py": "print()\n",
    "debug.log": "x",
}


def rebuilds(graph: LayerGraph) -> list[tuple[str, bool | None]]:
    return [(s.text.split()[0], s.rebuilds) for s in graph.steps]


def test_nothing_changed_nothing_rebuilds(tmp_path: Path) -> None:
    graph = build(tmp_path, APP.format(base=BASE), APP_FILES)
    assert rebuilds(graph) == [
        ("FROM", None),
        ("WORKDIR", False),
        ("COPY", False),
        ("RUN", False),
        ("ARG", None),
        ("COPY", False),
        ("ENV", None),
        ("RUN", False),
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"changed_paths": ["src/main.py"]}, [False, False, False, True, True]),
        ({"changed_paths": ["./requirements.txt"]}, [False, True, True, True, True]),
        ({"changed_paths": ["debug.log"]}, [False, False, False, False, False]),  # .dockerignore
        ({"changed_paths": ["src/deleted.py"]}, [False, False, False, True, True]),  # gone from disk
        ({"changed_args": ["VERSION"]}, [False, False, False, False, True]),  # RUNs after the ARG
        ({"changed_args": ["UNDECLARED"]}, [False, False, False, False, False]),
    ],
)
def test_what_a_change_rebuilds(tmp_path: Path, changes: dict[str, list[str]], expected: list[bool]) -> None:
    graph = build(tmp_path, APP.format(base=BASE), APP_FILES, **changes)
    assert [s.rebuilds for s in graph.steps if s.cache_vertex] == expected


def test_proxy_args_never_invalidate(tmp_path: Path) -> None:
    graph = build(tmp_path, f"FROM {BASE}\nARG HTTP_PROXY\nRUN true\n", changed_args=["HTTP_PROXY"])
    assert step(graph, "RUN").rebuilds is False


def test_a_global_arg_in_from_rebuilds_the_stage(tmp_path: Path) -> None:
    text = "ARG TAG=3.20\nFROM alpine:$TAG AS app\nRUN true\nFROM alpine:3.20\nRUN true\n"
    graph = build(tmp_path, text, changed_args=["TAG"], target="app")
    assert [s.rebuilds for s in graph.steps if s.cache_vertex] == [True, None]  # the other stage is not built


def test_glob_sources_see_new_files_by_name(tmp_path: Path) -> None:
    text = f"FROM {BASE}\nCOPY conf/*.conf /etc/app/\n"
    files = {"conf/a.conf": "a"}
    assert step(build(tmp_path, text, files, changed_paths=["conf/new.conf"]), "COPY").rebuilds is True
    assert step(build(tmp_path, text, files, changed_paths=["conf/readme.txt"]), "COPY").rebuilds is False


def test_mounts_count_by_content_except_caches_and_secrets(tmp_path: Path) -> None:
    text = (
        f"FROM {BASE}\n"
        "RUN --mount=type=bind,source=requirements.txt,target=/r true\n"
        "RUN --mount=type=secret,id=token --mount=type=cache,target=/root/.cache true\n"
    )
    graph = build(tmp_path, text, {"requirements.txt": "a"}, changed_paths=["requirements.txt"])
    assert [s.rebuilds for s in graph.steps if s.cache_vertex] == [True, True]  # the second by its parent
    graph = build(
        tmp_path, text.replace("RUN --mount=type=bind", "RUN --mount=type=tmpfs"), {"requirements.txt": "a"}
    )
    assert (
        "--mount type=cache (its contents never count)" in step(graph, "RUN --mount=type=secret").cache_inputs
    )


def test_content_based_copy_from_a_rebuilt_stage_is_unknown(tmp_path: Path) -> None:
    text = f"""FROM {BASE} AS builder
COPY input.txt /src/
RUN sort /src/input.txt > /out
FROM {BASE} AS docs
COPY docs/ /docs/
FROM {BASE}
RUN echo base > /b
COPY --from=builder /out /sorted
RUN wc -l /sorted > /count
"""
    files = {"input.txt": "b\na\n", "docs/x.md": "x"}
    graph = build(tmp_path, text, files, changed_paths=["input.txt"])
    assert [(s.stage, s.rebuilds) for s in graph.steps if s.cache_vertex] == [
        (0, True),
        (0, True),
        (1, None),  # not built for the target
        (2, False),
        (2, None),  # reused only if the builder's output came out the same
        (2, None),
    ]
    assert graph.unreachable_stages == (1,)


COPIED_SOURCES = f"""FROM {BASE} AS builder
WORKDIR /src
COPY app/ ./app/
RUN chmod -R go-w /src/app && cp app/main.py /main.py && sort app/words.txt > /sorted.txt
FROM {BASE}
COPY --from=builder /src/app /app
COPY --from=builder /main.py /main.py
COPY --from=builder /sorted.txt /sorted.txt
"""
COPIED_FILES = {"app/main.py": "print()", "app/words.txt": "b\na\n"}


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        # the file itself, through chmod -R; its copy by cp; sort's output is made by the RUN
        ("app/main.py", [True, True, None]),
        ("app/words.txt", [True, None, None]),  # /main.py: made by cp of an unchanged file
        ("app/new.py", [True, None, None]),  # a new file in the copied folder
    ],
)
def test_copy_from_a_rebuilt_stage_follows_the_changed_files(
    tmp_path: Path, changed: str, expected: list[bool | None]
) -> None:
    files = {**COPIED_FILES, changed: "edited"}
    graph = build(tmp_path, COPIED_SOURCES, files, changed_paths=[changed])
    assert [s.rebuilds for s in graph.steps if s.text.startswith("COPY --from")] == expected


def test_a_later_write_hides_the_changed_file(tmp_path: Path) -> None:
    text = COPIED_SOURCES.replace("&& sort", "&& echo generated > /src/app/main.py && sort")
    graph = build(tmp_path, text, COPIED_FILES, changed_paths=["app/main.py"])
    assert step(graph, "COPY --from=builder /src/app").rebuilds is None  # main.py was rewritten
    assert step(graph, "COPY --from=builder /main.py").rebuilds is True  # cp ran before the rewrite


def test_dockerfile_edits_rebuild_the_edited_step_and_the_rest_of_its_stage(tmp_path: Path) -> None:
    old = f"""FROM {BASE} AS builder
# a comment
RUN echo one > /one
RUN echo two > /two
RUN echo three > /three
FROM {BASE}
RUN echo final > /final
COPY --from=builder /two /two
"""
    new = old.replace("echo two", "echo TWO").replace("# a comment\n", "")
    graph = build(tmp_path, new, previous=old)
    assert rebuilds(graph) == [
        ("FROM", None),
        ("RUN", False),  # a removed comment changes no key
        ("RUN", True),
        ("RUN", True),
        ("FROM", None),
        ("RUN", False),
        ("COPY", None),  # the RUN's output: known after the build
    ]
    appended = build(tmp_path, old + "RUN echo appended\n", previous=old)
    assert [s.rebuilds for s in appended.steps if s.cache_vertex] == [False, False, False, False, False, True]
    moved = build(
        tmp_path,
        old.replace("RUN echo final", "ENV X=1\nRUN echo final"),
        previous=old,
    )
    assert step(moved, "RUN echo final").rebuilds is True  # ENV is part of the RUN's key


def test_a_new_dockerfile_rebuilds_everything(tmp_path: Path) -> None:
    graph = build(tmp_path, f"FROM {BASE}\nRUN true\n", previous="")
    assert step(graph, "RUN").rebuilds is True


def test_add_of_a_url_depends_on_the_server(tmp_path: Path) -> None:
    graph = build(
        tmp_path,
        f"FROM {BASE}\nADD https://example.com/a.txt /a\n"
        "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d "
        "https://example.com/b.txt /b\n",
        changed_paths=["x"],
    )
    assert [s.rebuilds for s in graph.steps if s.cache_vertex] == [None, None]
    assert step(graph, "ADD --checksum").cache_inputs[-1] == "https://example.com/b.txt (checksum)"


def test_keys_follow_content_and_mode_not_mtime(tmp_path: Path) -> None:
    import os

    from dfanalyze.checks.context import FileAnalysis
    from dfanalyze.layers.cache import rebuilds as compare
    from dfanalyze.layers.graph import build_keys, load_build_context
    from dfanalyze.parse import parse_text

    (tmp_path / "a.sh").write_text("echo\n")
    analysis = FileAnalysis(parse_text(f"FROM {BASE}\nCOPY a.sh /\nRUN true\n", "Dockerfile"))

    def keys(reference: object = None) -> object:
        return build_keys(analysis, load_build_context(tmp_path), None, reference)  # type: ignore[arg-type]

    before = keys()
    os.utime(tmp_path / "a.sh", (1, 1))
    assert set(compare(before, keys(before)).values()) == {None, False}  # type: ignore[arg-type]
    (tmp_path / "a.sh").chmod(0o755)
    assert compare(before, keys(before))[1] is True  # type: ignore[arg-type]


# --- the graph -----------------------------------------------------------------------------------------


def test_the_graph_links_steps_stages_and_inputs(tmp_path: Path) -> None:
    text = f"""FROM {BASE} AS deps
RUN --mount=type=secret,id=npm --mount=type=cache,target=/root/.npm apt-get install -y curl \\
    && curl -fsSL https://example.com/x.sh -o /x.sh
FROM deps AS build
COPY app.js /app/
RUN --mount=from=deps,target=/d true
FROM scratch AS unused
FROM {BASE}
COPY --from=build /app /app
ADD https://example.com/data.bin /data.bin
"""
    graph = build(tmp_path, text, {"app.js": "1"})
    g = graph.graph
    kinds = {(u, v): d["kind"] for u, v, d in g.edges(data=True)}
    assert kinds[(f"image:{BASE}", "step:0")] == "from"
    assert kinds[("step:0", "step:1")] == "parent"
    assert kinds[("step:1", "step:2")] == "from"  # FROM deps
    assert kinds[("context:app.js", "step:3")] == "reads"
    assert kinds[("step:1", "step:4")] == "mount-from"
    assert kinds[("step:4", "step:7")] == "copy-from"
    assert kinds[("url:https://example.com/data.bin", "step:8")] == "downloads"
    assert kinds[("url:https://example.com/x.sh", "step:1")] == "downloads"
    assert kinds[("secret:npm", "step:1")] == "mounts"
    assert kinds[("cache:/root/.npm", "step:1")] == "mounts"
    assert kinds[("package:apt:curl", "step:1")] == "installs"
    assert kinds[("step:8", "result")] == "result"
    assert kinds[("stage:0", "step:0")] == "contains"
    assert graph.unreachable_stages == (2,)
    assert [s.in_image for s in graph.steps] == [False] * 6 + [True] * 3
    assert {s.stage for s in graph.steps if not s.reachable} == {2}


def test_target_selects_the_image(tmp_path: Path) -> None:
    text = f"FROM {BASE} AS base\nRUN true\nFROM base AS dev\nRUN true\nFROM {BASE}\n"
    graph = build(tmp_path, text, target="dev")
    assert graph.target == 1
    assert [s.in_image for s in graph.steps] == [True, True, True, True, False]
    assert graph.unreachable_stages == (2,)
    with pytest.raises(TargetError, match=r"no stage is named 'nope' \(stages: base, dev, 2\)"):
        build(tmp_path, text, target="nope")


def test_linting_without_layer_rules_never_imports_networkx(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {BASE}\nCOPY . /app\nRUN true\n")
    code = (
        "import sys\nfrom dfanalyze.api import lint, layers\n"
        f"lint({str(tmp_path / 'Dockerfile')!r}, select=['DF100'])\n"
        f"lint(open({str(tmp_path / 'Dockerfile')!r}).read(), select=['DF401', 'DF402'])\n"
        "assert 'networkx' not in sys.modules\n"
        "layers('FROM scratch\\n').graph\nassert 'networkx' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_linting_never_reads_the_debian_data(tmp_path: Path) -> None:
    code = (
        "from dfanalyze.api import lint\n"
        "from dfanalyze.knowledge.debian import load_index\n"
        "text = 'FROM python:3.12-slim-bookworm\\nRUN apt-get update && apt-get install -y gcc\\n'\n"
        "assert [f.code for f in lint(text, select=['DF404'])] == ['DF404']\n"
        "assert load_index.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_waste_counts_only_known_sizes() -> None:
    layers_ = [
        Layer(1, {"/a": Change("file", 100), "/b": Change("file", None)}),
        Layer(2, {"/a": Change("file", 40), "/b": Change("whiteout", 0)}),
    ]
    result = waste(layers_)
    assert (result.reclaimable_bytes, result.wasted_bytes, result.complete) == (100, 140, False)
    assert result.efficiency == pytest.approx(40 / 140)


def test_uv_pip_writes_no_byte_code_unless_asked(tmp_path: Path) -> None:
    from dfanalyze.knowledge.package_sizes import load_package_sizes

    data = load_package_sizes().pypi("3.12")
    graph = build(
        tmp_path,
        "FROM python:3.12-slim\nRUN uv pip install --system --no-cache flask\n"
        "RUN uv pip install --system --no-cache --compile-bytecode flask\nRUN uv pip install --system rich\n",
    )
    plain, compiled, cached = (s for s in graph.steps if s.text.startswith("RUN"))
    assert plain.layer is not None and compiled.layer is not None
    assert plain.layer.blobs[0].tar_bytes == data.closure(["flask"], compile=False).tar_bytes
    assert compiled.layer.blobs[0].tar_bytes == data.closure(["flask"]).tar_bytes
    assert cached.unknown_parts == ("pip install rich: uv's cache left in the layer (size unknown)",)


@pytest.mark.parametrize(
    ("lock_name", "lock"),
    [
        (
            "yarn.lock",
            '# yarn lockfile v1\n\n\n"express@^{v}", express@{v}:\n  version "{v}"\n'
            '  resolved "https://registry.yarnpkg.com/express/-/express-{v}.tgz"\n',
        ),
        (
            "yarn.lock",
            '__metadata:\n  version: 8\n\n"express@npm:^{v}":\n  version: {v}\n'
            '  resolution: "express@npm:{v}"\n\n"app@workspace:.":\n  version: 0.0.0-use.local\n',
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\n\npackages:\n\n  express@{v}:\n    resolution: {{integrity: x}}\n"
            "\nsnapshots:\n\n  express@{v}:\n    dependencies: {{}}\n",
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: 5.4\n\npackages:\n\n  /express/{v}:\n    resolution: {{integrity: x}}\n",
        ),
    ],
)
def test_yarn_and_pnpm_install_the_locked_packages(tmp_path: Path, lock_name: str, lock: str) -> None:
    from dfanalyze.knowledge.package_sizes import load_package_sizes

    npm = load_package_sizes().npm
    version = npm.version("express")
    tool = "yarn install --frozen-lockfile" if lock_name == "yarn.lock" else "pnpm install --frozen-lockfile"
    graph = build(
        tmp_path,
        f"FROM node:20\nWORKDIR /app\nCOPY package.json {lock_name} ./\nRUN {tool}\n",
        {"package.json": '{"name": "app"}', lock_name: lock.format(v=version)},
    )
    run = step(graph, "RUN")
    assert run.layer is not None
    (blob,) = run.layer.blobs
    assert blob.packages == {f"express@{version}"}
    assert blob.tar_bytes == npm.locked([("express", version)]).tar_bytes
    assert run.unknown_parts == (f"{tool.split(maxsplit=1)[0]} cache left in the layer (size unknown)",)


@pytest.mark.parametrize("targets", ["target=/a,target=$A", "target=$A,target=/a"])
def test_a_mount_option_given_twice_with_an_unknown_value_has_a_cache_key(
    tmp_path: Path, targets: str
) -> None:
    """Found by the long fuzz run: sorting a mount's options compared an unknown (None) value with
    a known one and raised TypeError."""
    graph = build(tmp_path, f"FROM {BASE}\nARG A\nRUN --mount=type=cache,{targets} true\n")
    assert step(graph, "RUN").cache_inputs  # what the cache key of the RUN is made of

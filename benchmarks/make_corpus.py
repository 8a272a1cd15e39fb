"""Generate the benchmark corpus: realistic Dockerfiles of 30 to 200 lines in ``benchmarks/corpus/``.

Each file is a multi-stage build for one of a dozen stacks, assembled from blocks written the way
people write them: package installs as long continued RUN chains, heredoc scripts and config files,
cache mounts, ARG/ENV/LABEL blocks, comments, HEALTHCHECK, exec-form entrypoints. A fixed seed keeps the
corpus stable, so that figures from different runs compare. ``forty.Dockerfile`` has exactly 40 lines
(the parse-time target is for a 40-line file).

    python benchmarks/make_corpus.py
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus")
FILES = 48
SEED = 20240611


@dataclass(frozen=True)
class Stack:
    name: str
    build_image: str
    run_image: str
    manifests: tuple[str, ...]
    install: str  # the command that installs dependencies from the manifests
    build: str
    artifact: str
    port: int
    cache: str  # the package manager's cache directory


STACKS = (
    Stack(
        "python",
        "python:3.12-slim-bookworm",
        "python:3.12-slim-bookworm",
        ("requirements.txt",),
        "pip install --no-cache-dir -r requirements.txt",
        "python -m compileall -q src",
        "/app",
        8000,
        "/root/.cache/pip",
    ),
    Stack(
        "node",
        "node:20-bookworm-slim",
        "node:20-bookworm-slim",
        ("package.json", "package-lock.json"),
        "npm ci --omit=dev",
        "npm run build",
        "/app/dist",
        3000,
        "/root/.npm",
    ),
    Stack(
        "go",
        "golang:1.22-bookworm",
        "gcr.io/distroless/static-debian12:nonroot",
        ("go.mod", "go.sum"),
        "go mod download",
        "go build -trimpath -ldflags='-s -w' -o /out/app ./cmd/app",
        "/out/app",
        8080,
        "/go/pkg/mod",
    ),
    Stack(
        "rust",
        "rust:1.78-bookworm",
        "debian:bookworm-slim",
        ("Cargo.toml", "Cargo.lock"),
        "cargo fetch --locked",
        "cargo build --release --locked",
        "/src/target/release/app",
        8080,
        "/usr/local/cargo/registry",
    ),
    Stack(
        "java",
        "maven:3.9-eclipse-temurin-21",
        "eclipse-temurin:21-jre-jammy",
        ("pom.xml",),
        "mvn -B -q dependency:go-offline",
        "mvn -B -q package -DskipTests",
        "/src/target/app.jar",
        8080,
        "/root/.m2",
    ),
    Stack(
        "ruby",
        "ruby:3.3-bookworm",
        "ruby:3.3-slim-bookworm",
        ("Gemfile", "Gemfile.lock"),
        "bundle install --jobs 4 --without development test",
        "bundle exec rake assets:precompile",
        "/app",
        3000,
        "/usr/local/bundle/cache",
    ),
    Stack(
        "php",
        "composer:2.7",
        "php:8.3-fpm-alpine",
        ("composer.json", "composer.lock"),
        "composer install --no-dev --prefer-dist --no-progress",
        "composer dump-autoload -o",
        "/app",
        9000,
        "/tmp/composer-cache",
    ),
    Stack(
        "dotnet",
        "mcr.microsoft.com/dotnet/sdk:8.0",
        "mcr.microsoft.com/dotnet/aspnet:8.0",
        ("App.csproj",),
        "dotnet restore",
        "dotnet publish -c Release -o /out",
        "/out",
        8080,
        "/root/.nuget/packages",
    ),
    Stack(
        "cpp",
        "gcc:13-bookworm",
        "debian:bookworm-slim",
        ("CMakeLists.txt",),
        "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release",
        "cmake --build build --parallel",
        "/src/build/app",
        7000,
        "/root/.ccache",
    ),
    Stack(
        "static",
        "node:20-alpine",
        "nginx:1.27-alpine",
        ("package.json", "yarn.lock"),
        "yarn install --frozen-lockfile",
        "yarn build",
        "/src/dist",
        80,
        "/usr/local/share/.cache/yarn",
    ),
    Stack(
        "elixir",
        "elixir:1.16-otp-26",
        "debian:bookworm-slim",
        ("mix.exs", "mix.lock"),
        "mix deps.get --only prod",
        "mix release",
        "/app/_build/prod/rel/app",
        4000,
        "/root/.hex",
    ),
    Stack(
        "django",
        "python:3.11-bookworm",
        "python:3.11-slim-bookworm",
        ("requirements.txt", "constraints.txt"),
        "pip install --no-cache-dir -r requirements.txt -c constraints.txt",
        "python manage.py collectstatic --noinput",
        "/app",
        8000,
        "/root/.cache/pip",
    ),
)
DEB_PACKAGES = (
    "ca-certificates",
    "curl",
    "git",
    "gnupg",
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libpq-dev",
    "libffi-dev",
    "zlib1g-dev",
    "libxml2-dev",
    "libjpeg-dev",
    "unzip",
    "xz-utils",
    "tzdata",
    "locales",
    "openssh-client",
    "jq",
    "make",
    "cmake",
    "ninja-build",
    "python3",
    "gettext-base",
    "tini",
    "dumb-init",
)
APK_PACKAGES = (
    "ca-certificates",
    "curl",
    "git",
    "bash",
    "tzdata",
    "tini",
    "su-exec",
    "openssl",
    "jq",
    "gettext",
)


def apt_install(rnd: random.Random, cache_mount: bool) -> list[str]:
    packages = sorted(rnd.sample(DEB_PACKAGES, rnd.randint(4, 14)))
    mount = "--mount=type=cache,target=/var/cache/apt,sharing=locked \\\n    " if cache_mount else ""
    lines = [
        f"RUN {mount}set -eux; \\",
        "    apt-get update; \\",
        "    apt-get install -y --no-install-recommends \\",
    ]
    lines += [f"        {p} \\" for p in packages]
    lines += ["    ; \\", "    rm -rf /var/lib/apt/lists/*"]
    return lines


def apk_install(rnd: random.Random) -> list[str]:
    packages = sorted(rnd.sample(APK_PACKAGES, rnd.randint(3, 8)))
    return ["RUN apk add --no-cache \\", *[f"      {p} \\" for p in packages[:-1]], f"      {packages[-1]}"]


def install_block(rnd: random.Random, image: str) -> list[str]:
    return apk_install(rnd) if "alpine" in image else apt_install(rnd, rnd.random() < 0.5)


def heredoc_script(rnd: random.Random) -> list[str]:
    steps = rnd.sample(
        [
            "groupadd --system app",
            "useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app",
            "mkdir -p /app/data /app/logs",
            "chown -R app:app /app",
            'echo "export TZ=UTC" >> /etc/profile.d/tz.sh',
            "ln -sf /usr/share/zoneinfo/UTC /etc/localtime",
            "update-ca-certificates",
            "find /usr/local -name '*.pyc' -delete",
            'printf "%s\\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null',
        ],
        rnd.randint(3, 7),
    )
    return ["RUN <<EOF", "#!/bin/sh", "set -eu", *steps, "EOF"]


def heredoc_file(rnd: random.Random, port: int) -> list[str]:
    kind = rnd.choice(["conf", "json", "sh"])
    if kind == "conf":
        return [
            "COPY <<-'CONF' /etc/app/app.conf",
            "\t[server]",
            f"\tport = {port}",
            "\tworkers = ${WORKERS}",
            "\t[log]",
            "\tlevel = info",
            "\tCONF",
        ]
    if kind == "json":
        return [
            "COPY <<JSON /etc/app/settings.json",
            "{",
            f'  "port": {port},',
            '  "metrics": true,',
            '  "features": ["a", "b"]',
            "}",
            "JSON",
        ]
    return [
        "COPY --chmod=755 <<'SH' /usr/local/bin/entrypoint.sh",
        "#!/bin/sh",
        "set -e",
        'if [ "${1#-}" != "$1" ]; then',
        '  set -- app "$@"',
        "fi",
        'exec "$@"',
        "SH",
    ]


def padding(rnd: random.Random, stack: Stack) -> list[str]:
    """One more block of the kind that makes real Dockerfiles long."""
    choice = rnd.randrange(6)
    if choice == 0:
        return [
            "",
            "# Tools used by the health check and by operators",
            *install_block(rnd, stack.build_image),
        ]
    if choice == 1:
        names = rnd.sample(["LANG", "LC_ALL", "TZ", "WORKERS", "LOG_LEVEL", "APP_ENV", "PATH_PREFIX"], 4)
        values = ["C.UTF-8", "C.UTF-8", "UTC", "4", "info", "production", "/api"]
        return ["ENV " + " \\\n    ".join(f"{n}={values[i]}" for i, n in enumerate(names))]
    if choice == 2:
        return heredoc_script(rnd)
    if choice == 3:
        return ["", "# Configuration", *heredoc_file(rnd, stack.port)]
    if choice == 4:
        return [
            "RUN set -eux \\",
            *[
                f"    && {cmd} \\"
                for cmd in rnd.sample(
                    [
                        "mkdir -p /opt/app",
                        "touch /opt/app/.keep",
                        "chmod 0755 /opt/app",
                        "ls -la /opt",
                        "test -d /tmp",
                        "echo ok > /opt/app/status",
                        "rm -rf /tmp/* /var/tmp/*",
                    ],
                    5,
                )
            ],
            "    && true",
        ]
    return [
        "ARG BUILD_DATE",
        "ARG VCS_REF",
        "LABEL org.opencontainers.image.created=$BUILD_DATE \\",
        "      org.opencontainers.image.revision=$VCS_REF",
    ]


def dockerfile(rnd: random.Random, stack: Stack, target_lines: int) -> str:
    head = [
        "# syntax=docker/dockerfile:1.7",
        f"# {stack.name} service: built in one stage, run from another",
        "",
    ]
    build = [
        f"ARG BASE_IMAGE={stack.build_image}",
        "",
        "FROM ${BASE_IMAGE} AS build",
        "WORKDIR /src",
        *install_block(rnd, stack.build_image),
        f"COPY {' '.join(stack.manifests)} ./",
        f"RUN --mount=type=cache,target={stack.cache} \\",
        f"    {stack.install}",
        "COPY . .",
        f"RUN {stack.build}",
    ]
    final = [
        "",
        f"FROM {stack.run_image} AS runtime",
        'LABEL org.opencontainers.image.title="app" \\',
        '      org.opencontainers.image.licenses="Apache-2.0"',
        "WORKDIR /app",
    ]
    tail = [
        f"COPY --from=build {stack.artifact} /app/",
        f"EXPOSE {stack.port}",
        "USER 10001:10001",
        'HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]',
        'ENTRYPOINT ["/app/entrypoint"]',
        'CMD ["--serve"]',
    ]
    extra_build: list[str] = []
    extra_final: list[str] = []
    while (
        len(head) + len(build) + len(extra_build) + len(final) + len(extra_final) + len(tail) < target_lines
    ):
        (extra_build if rnd.random() < 0.4 else extra_final).extend(padding(rnd, stack))
    lines = [*head, *build, *extra_build, *final, *extra_final, *tail]
    return "\n".join(lines) + "\n"


def forty_lines() -> str:
    """A fixed 40-line file (the parse-time target is for a 40-line file)."""
    rnd = random.Random(40)
    stack = STACKS[0]
    text = dockerfile(rnd, stack, 0)
    lines = text.splitlines()
    while len(lines) < 40:
        lines.insert(len(lines) - 6, f"ENV FEATURE_{len(lines)}=on")
    return "\n".join(lines[:40]) + "\n"


def write_corpus(folder: Path) -> list[Path]:
    """Write the corpus into ``folder`` (replacing the Dockerfiles already there)."""
    rnd = random.Random(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.Dockerfile"):
        old.unlink()
    for index in range(FILES):
        stack = STACKS[index % len(STACKS)]
        text = dockerfile(rnd, stack, rnd.randint(30, 175))
        (folder / f"{index:02d}-{stack.name}.Dockerfile").write_text(text, encoding="utf-8")
    (folder / "forty.Dockerfile").write_text(forty_lines(), encoding="utf-8")
    return sorted(folder.glob("*.Dockerfile"))


def main() -> int:
    files = write_corpus(CORPUS)
    sizes = sorted(len(p.read_text(encoding="utf-8").splitlines()) for p in files)
    print(f"wrote {len(sizes)} files to {CORPUS} ({sizes[0]} to {sizes[-1]} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``dfanalyze parse``: snapshots of both output formats on representative Dockerfiles.

The JSON format is a public interface (README): a change to these snapshots is a change to it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from dfanalyze.cli import main

FILES = {
    "multi-stage.Dockerfile": """\
# syntax=docker/dockerfile:1.7
ARG GO_VERSION=1.22

# The build stage
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \\
    go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static:nonroot
LABEL org.opencontainers.image.title="app" \\
      org.opencontainers.image.licenses=MIT
COPY --from=build /out/app /app
EXPOSE 8080/tcp
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=3s CMD ["/app", "health"]
ENTRYPOINT ["/app"]
""",
    "heredocs.Dockerfile": """\
FROM python:3.12-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF
COPY <<-"CONF" /etc/app.conf
\tlisten = ${PORT}
\tCONF
COPY <<PY <<SH /app/
print("hello")
PY
echo hi
SH
RUN python3 <<  'EOF' && echo done
import sys; print(sys.version)
EOF
""",
    "onbuild.Dockerfile": """\
# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
ONBUILD COPY . C:\\app
ONBUILD RUN --network=none <<EOF
build.cmd
EOF
SHELL ["powershell", "-Command"]
RUN Write-Host `
    hello
""",
    "errors.Dockerfile": """\
# escape=x
RUN echo before any stage
FROM alpine:3.20 AS 1st
COPY --chmodd=644 only-one-argument
ENV A=1 B
CMD ["echo", 1]
RUNN make \\

    install
HEALTHCHECK --retries=-1 CMD true
RUN <<EOF
never ends
""",
}


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("output_format", ["json", "text"])
def test_parse_output(
    name: str,
    output_format: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    snapshot: SnapshotAssertion,
) -> None:
    (tmp_path / name).write_text(FILES[name], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["parse", "--format", output_format, name])
    out, err = capsys.readouterr()
    assert code == (2 if name == "errors.Dockerfile" else 0)
    assert (json.loads(out) if output_format == "json" else out) == snapshot
    assert err == snapshot


def test_the_text_format_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Dockerfile").write_text(FILES["heredocs.Dockerfile"], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["parse", "Dockerfile"]) == 0
    default = capsys.readouterr().out
    assert main(["parse", "--format", "text", "Dockerfile"]) == 0
    assert capsys.readouterr().out == default

# syntax=docker/dockerfile:1.7
# go service: built in one stage, run from another

ARG BASE_IMAGE=golang:1.22-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        gettext-base \
        libpq-dev \
        libxml2-dev \
        make \
        ninja-build \
        pkg-config \
        python3 \
        tini \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN go build -trimpath -ldflags='-s -w' -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN <<EOF
#!/bin/sh
set -eu
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
find /usr/local -name '*.pyc' -delete
chown -R app:app /app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
update-ca-certificates
mkdir -p /app/data /app/logs
groupadd --system app
EOF
COPY --from=build /out/app /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

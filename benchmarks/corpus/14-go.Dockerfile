# syntax=docker/dockerfile:1.7
# go service: built in one stage, run from another

ARG BASE_IMAGE=golang:1.22-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        dumb-init \
        pkg-config \
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

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        cmake \
        libjpeg-dev \
        libxml2-dev \
        pkg-config \
        tini \
        unzip \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        cmake \
        curl \
        libssl-dev \
        locales \
        openssh-client \
        pkg-config \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 8080
	workers = ${WORKERS}
	[log]
	level = info
	CONF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        git \
        openssh-client \
        tini \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 8080
	workers = ${WORKERS}
	[log]
	level = info
	CONF

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 8080,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 8080
	workers = ${WORKERS}
	[log]
	level = info
	CONF

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        dumb-init \
        gnupg \
        jq \
        libjpeg-dev \
        libxml2-dev \
        make \
        ninja-build \
        openssh-client \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
find /usr/local -name '*.pyc' -delete
chown -R app:app /app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
EOF

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 8080,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
COPY --from=build /out/app /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

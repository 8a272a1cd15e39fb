# syntax=docker/dockerfile:1.7
# rust service: built in one stage, run from another

ARG BASE_IMAGE=rust:1.78-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        dumb-init \
        gettext-base \
        libffi-dev \
        libssl-dev \
        locales \
        ninja-build \
        openssh-client \
        python3 \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo fetch --locked
COPY . .
RUN cargo build --release --locked
RUN set -eux \
    && chmod 0755 /opt/app \
    && echo ok > /opt/app/status \
    && mkdir -p /opt/app \
    && test -d /tmp \
    && ls -la /opt \
    && true

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        git \
        gnupg \
        libffi-dev \
        libpq-dev \
        ninja-build \
        python3 \
    ; \
    rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim AS runtime
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
COPY --from=build /src/target/release/app /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

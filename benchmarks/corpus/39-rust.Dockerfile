# syntax=docker/dockerfile:1.7
# rust service: built in one stage, run from another

ARG BASE_IMAGE=rust:1.78-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        cmake \
        curl \
        gettext-base \
        git \
        jq \
        libffi-dev \
        libxml2-dev \
        make \
        openssh-client \
        python3 \
        unzip \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo fetch --locked
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
mkdir -p /app/data /app/logs
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
chown -R app:app /app
EOF

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

# syntax=docker/dockerfile:1.7
# cpp service: built in one stage, run from another

ARG BASE_IMAGE=gcc:13-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        dumb-init \
        libffi-dev \
        libssl-dev \
        libxml2-dev \
        ninja-build \
        openssh-client \
        unzip \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
RUN --mount=type=cache,target=/root/.ccache \
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
COPY . .
RUN cmake --build build --parallel
RUN set -eux \
    && rm -rf /tmp/* /var/tmp/* \
    && ls -la /opt \
    && echo ok > /opt/app/status \
    && mkdir -p /opt/app \
    && test -d /tmp \
    && true

FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN <<EOF
#!/bin/sh
set -eu
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
find /usr/local -name '*.pyc' -delete
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
chown -R app:app /app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
mkdir -p /app/data /app/logs
EOF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        dumb-init \
        git \
        gnupg \
        jq \
        libffi-dev \
        libssl-dev \
        locales \
        ninja-build \
        openssh-client \
        tini \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/app /app/
EXPOSE 7000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

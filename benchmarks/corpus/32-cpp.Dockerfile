# syntax=docker/dockerfile:1.7
# cpp service: built in one stage, run from another

ARG BASE_IMAGE=gcc:13-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        cmake \
        gettext-base \
        gnupg \
        jq \
        libjpeg-dev \
        libxml2-dev \
        locales \
        make \
        pkg-config \
        python3 \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
RUN --mount=type=cache,target=/root/.ccache \
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
COPY . .
RUN cmake --build build --parallel
ENV LANG=C.UTF-8 \
    PATH_PREFIX=C.UTF-8 \
    LOG_LEVEL=UTC \
    WORKERS=4
RUN <<EOF
#!/bin/sh
set -eu
find /usr/local -name '*.pyc' -delete
mkdir -p /app/data /app/logs
groupadd --system app
update-ca-certificates
EOF

FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 7000,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
ENV PATH_PREFIX=C.UTF-8 \
    APP_ENV=C.UTF-8 \
    WORKERS=UTC \
    LOG_LEVEL=4
ENV LOG_LEVEL=C.UTF-8 \
    TZ=C.UTF-8 \
    LC_ALL=UTC \
    APP_ENV=4
RUN set -eux \
    && touch /opt/app/.keep \
    && mkdir -p /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && echo ok > /opt/app/status \
    && ls -la /opt \
    && true
RUN <<EOF
#!/bin/sh
set -eu
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
find /usr/local -name '*.pyc' -delete
chown -R app:app /app
update-ca-certificates
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
EOF
RUN set -eux \
    && touch /opt/app/.keep \
    && rm -rf /tmp/* /var/tmp/* \
    && mkdir -p /opt/app \
    && ls -la /opt \
    && test -d /tmp \
    && true
COPY --from=build /src/build/app /app/
EXPOSE 7000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

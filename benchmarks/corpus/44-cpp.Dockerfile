# syntax=docker/dockerfile:1.7
# cpp service: built in one stage, run from another

ARG BASE_IMAGE=gcc:13-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        git \
        libffi-dev \
        libxml2-dev \
        ninja-build \
        tini \
        unzip \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
RUN --mount=type=cache,target=/root/.ccache \
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
COPY . .
RUN cmake --build build --parallel
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
update-ca-certificates
groupadd --system app
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
find /usr/local -name '*.pyc' -delete
chown -R app:app /app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
find /usr/local -name '*.pyc' -delete
chown -R app:app /app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
mkdir -p /app/data /app/logs
EOF

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        dumb-init \
        git \
        make \
        pkg-config \
        python3 \
        tzdata \
        unzip \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        cmake \
        gettext-base \
        jq \
        libffi-dev \
        libpq-dev \
        libssl-dev \
        make \
        ninja-build \
        openssh-client \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV LANG=C.UTF-8 \
    LC_ALL=C.UTF-8 \
    WORKERS=UTC \
    LOG_LEVEL=4
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
chown -R app:app /app
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
groupadd --system app
EOF
ENV PATH_PREFIX=C.UTF-8 \
    WORKERS=C.UTF-8 \
    LOG_LEVEL=UTC \
    LANG=4
RUN set -eux \
    && ls -la /opt \
    && rm -rf /tmp/* /var/tmp/* \
    && mkdir -p /opt/app \
    && echo ok > /opt/app/status \
    && chmod 0755 /opt/app \
    && true
COPY --from=build /src/build/app /app/
EXPOSE 7000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

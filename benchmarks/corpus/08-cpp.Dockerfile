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
        ca-certificates \
        gettext-base \
        jq \
        libpq-dev \
        libssl-dev \
        libxml2-dev \
        ninja-build \
        tini \
        tzdata \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
RUN --mount=type=cache,target=/root/.ccache \
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
COPY . .
RUN cmake --build build --parallel
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
update-ca-certificates
groupadd --system app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV PATH_PREFIX=C.UTF-8 \
    TZ=C.UTF-8 \
    WORKERS=UTC \
    LOG_LEVEL=4
RUN <<EOF
#!/bin/sh
set -eu
chown -R app:app /app
update-ca-certificates
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
groupadd --system app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ENV LC_ALL=C.UTF-8 \
    TZ=C.UTF-8 \
    PATH_PREFIX=UTC \
    APP_ENV=4

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 7000
	workers = ${WORKERS}
	[log]
	level = info
	CONF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        cmake \
        git \
        locales \
        openssh-client \
        tini \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/app /app/
EXPOSE 7000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

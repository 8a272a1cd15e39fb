# syntax=docker/dockerfile:1.7
# elixir service: built in one stage, run from another

ARG BASE_IMAGE=elixir:1.16-otp-26

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        gnupg \
        jq \
        libjpeg-dev \
        libssl-dev \
        libxml2-dev \
        locales \
        make \
        ninja-build \
        openssh-client \
        pkg-config \
        unzip \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY mix.exs mix.lock ./
RUN --mount=type=cache,target=/root/.hex \
    mix deps.get --only prod
COPY . .
RUN mix release

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 4000,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
ENV LANG=C.UTF-8 \
    APP_ENV=C.UTF-8 \
    WORKERS=UTC \
    LOG_LEVEL=4
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        gnupg \
        jq \
        libffi-dev \
        libxml2-dev \
        locales \
        make \
        tzdata \
        unzip \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN <<EOF
#!/bin/sh
set -eu
update-ca-certificates
find /usr/local -name '*.pyc' -delete
chown -R app:app /app
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
EOF
ENV LC_ALL=C.UTF-8 \
    LOG_LEVEL=C.UTF-8 \
    LANG=UTC \
    WORKERS=4

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 4000
	workers = ${WORKERS}
	[log]
	level = info
	CONF

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        gettext-base \
        libffi-dev \
        libpq-dev \
        libxml2-dev \
        locales \
        make \
        ninja-build \
        openssh-client \
        pkg-config \
        tzdata \
        unzip \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN <<EOF
#!/bin/sh
set -eu
groupadd --system app
mkdir -p /app/data /app/logs
chown -R app:app /app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 4000,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
ENV PATH_PREFIX=C.UTF-8 \
    WORKERS=C.UTF-8 \
    APP_ENV=UTC \
    LANG=4
COPY --from=build /app/_build/prod/rel/app /app/
EXPOSE 4000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

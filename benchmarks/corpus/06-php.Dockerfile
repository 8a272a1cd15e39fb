# syntax=docker/dockerfile:1.7
# php service: built in one stage, run from another

ARG BASE_IMAGE=composer:2.7

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        dumb-init \
        gnupg \
        ninja-build \
        tini \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY composer.json composer.lock ./
RUN --mount=type=cache,target=/tmp/composer-cache \
    composer install --no-dev --prefer-dist --no-progress
COPY . .
RUN composer dump-autoload -o
ENV LANG=C.UTF-8 \
    APP_ENV=C.UTF-8 \
    WORKERS=UTC \
    LOG_LEVEL=4

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        gettext-base \
        git \
        libffi-dev \
        libjpeg-dev \
        libssl-dev \
        libxml2-dev \
        make \
        openssh-client \
        pkg-config \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
ENV WORKERS=C.UTF-8 \
    TZ=C.UTF-8 \
    LANG=UTC \
    LOG_LEVEL=4
ENV PATH_PREFIX=C.UTF-8 \
    LC_ALL=C.UTF-8 \
    LANG=UTC \
    APP_ENV=4

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 9000,
  "metrics": true,
  "features": ["a", "b"]
}
JSON

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        dumb-init \
        gettext-base \
        jq \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN set -eux \
    && rm -rf /tmp/* /var/tmp/* \
    && ls -la /opt \
    && mkdir -p /opt/app \
    && chmod 0755 /opt/app \
    && test -d /tmp \
    && true
ENV WORKERS=C.UTF-8 \
    TZ=C.UTF-8 \
    LANG=UTC \
    PATH_PREFIX=4

FROM php:8.3-fpm-alpine AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN <<EOF
#!/bin/sh
set -eu
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
find /usr/local -name '*.pyc' -delete
groupadd --system app
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
EOF
ENV LOG_LEVEL=C.UTF-8 \
    LANG=C.UTF-8 \
    TZ=UTC \
    PATH_PREFIX=4
RUN set -eux \
    && touch /opt/app/.keep \
    && ls -la /opt \
    && chmod 0755 /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && mkdir -p /opt/app \
    && true

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 9000,
  "metrics": true,
  "features": ["a", "b"]
}
JSON

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 9000
	workers = ${WORKERS}
	[log]
	level = info
	CONF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        libpq-dev \
        libxml2-dev \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*
ENV LOG_LEVEL=C.UTF-8 \
    LANG=C.UTF-8 \
    LC_ALL=UTC \
    TZ=4

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        curl \
        dumb-init \
        git \
        gnupg \
        libssl-dev \
        python3 \
        tini \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 9000
	workers = ${WORKERS}
	[log]
	level = info
	CONF
COPY --from=build /app /app/
EXPOSE 9000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

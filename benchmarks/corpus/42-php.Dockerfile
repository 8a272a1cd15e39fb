# syntax=docker/dockerfile:1.7
# php service: built in one stage, run from another

ARG BASE_IMAGE=composer:2.7

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        jq \
        libffi-dev \
        ninja-build \
        tini \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY composer.json composer.lock ./
RUN --mount=type=cache,target=/tmp/composer-cache \
    composer install --no-dev --prefer-dist --no-progress
COPY . .
RUN composer dump-autoload -o
RUN set -eux \
    && rm -rf /tmp/* /var/tmp/* \
    && test -d /tmp \
    && echo ok > /opt/app/status \
    && mkdir -p /opt/app \
    && ls -la /opt \
    && true

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        dumb-init \
        libffi-dev \
        libjpeg-dev \
        libpq-dev \
        libssl-dev \
        libxml2-dev \
        make \
        ninja-build \
        pkg-config \
        tini \
        unzip \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN set -eux \
    && chmod 0755 /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && ls -la /opt \
    && touch /opt/app/.keep \
    && mkdir -p /opt/app \
    && true
ENV LANG=C.UTF-8 \
    PATH_PREFIX=C.UTF-8 \
    LOG_LEVEL=UTC \
    TZ=4
RUN set -eux \
    && test -d /tmp \
    && rm -rf /tmp/* /var/tmp/* \
    && mkdir -p /opt/app \
    && touch /opt/app/.keep \
    && chmod 0755 /opt/app \
    && true
RUN <<EOF
#!/bin/sh
set -eu
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
groupadd --system app
chown -R app:app /app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
mkdir -p /app/data /app/logs
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
find /usr/local -name '*.pyc' -delete
EOF
RUN <<EOF
#!/bin/sh
set -eu
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
groupadd --system app
find /usr/local -name '*.pyc' -delete
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
EOF

FROM php:8.3-fpm-alpine AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN set -eux \
    && touch /opt/app/.keep \
    && mkdir -p /opt/app \
    && chmod 0755 /opt/app \
    && echo ok > /opt/app/status \
    && test -d /tmp \
    && true

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 9000
	workers = ${WORKERS}
	[log]
	level = info
	CONF
RUN set -eux \
    && touch /opt/app/.keep \
    && rm -rf /tmp/* /var/tmp/* \
    && mkdir -p /opt/app \
    && echo ok > /opt/app/status \
    && ls -la /opt \
    && true
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ENV PATH_PREFIX=C.UTF-8 \
    WORKERS=C.UTF-8 \
    LOG_LEVEL=UTC \
    TZ=4
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
update-ca-certificates
find /usr/local -name '*.pyc' -delete
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        libjpeg-dev \
        libxml2-dev \
        locales \
        make \
        ninja-build \
        openssh-client \
        tini \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app/
EXPOSE 9000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

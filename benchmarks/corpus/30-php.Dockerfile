# syntax=docker/dockerfile:1.7
# php service: built in one stage, run from another

ARG BASE_IMAGE=composer:2.7

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        libffi-dev \
        python3 \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY composer.json composer.lock ./
RUN --mount=type=cache,target=/tmp/composer-cache \
    composer install --no-dev --prefer-dist --no-progress
COPY . .
RUN composer dump-autoload -o
RUN <<EOF
#!/bin/sh
set -eu
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
update-ca-certificates
groupadd --system app
find /usr/local -name '*.pyc' -delete
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
mkdir -p /app/data /app/logs
EOF
RUN set -eux \
    && test -d /tmp \
    && touch /opt/app/.keep \
    && mkdir -p /opt/app \
    && echo ok > /opt/app/status \
    && chmod 0755 /opt/app \
    && true

FROM php:8.3-fpm-alpine AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN <<EOF
#!/bin/sh
set -eu
chown -R app:app /app
find /usr/local -name '*.pyc' -delete
groupadd --system app
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
EOF
ENV PATH_PREFIX=C.UTF-8 \
    TZ=C.UTF-8 \
    LC_ALL=UTC \
    APP_ENV=4
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
groupadd --system app
find /usr/local -name '*.pyc' -delete
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
update-ca-certificates
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
chown -R app:app /app
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
find /usr/local -name '*.pyc' -delete
groupadd --system app
mkdir -p /app/data /app/logs
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
EOF
COPY --from=build /app /app/
EXPOSE 9000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

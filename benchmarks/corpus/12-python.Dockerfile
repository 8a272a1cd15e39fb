# syntax=docker/dockerfile:1.7
# python service: built in one stage, run from another

ARG BASE_IMAGE=python:3.12-slim-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        gettext-base \
        gnupg \
        jq \
        libjpeg-dev \
        make \
        ninja-build \
        pkg-config \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python -m compileall -q src
RUN <<EOF
#!/bin/sh
set -eu
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
mkdir -p /app/data /app/logs
chown -R app:app /app
groupadd --system app
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
find /usr/local -name '*.pyc' -delete
EOF
RUN set -eux \
    && test -d /tmp \
    && chmod 0755 /opt/app \
    && touch /opt/app/.keep \
    && echo ok > /opt/app/status \
    && ls -la /opt \
    && true

FROM python:3.12-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN set -eux \
    && test -d /tmp \
    && touch /opt/app/.keep \
    && chmod 0755 /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && echo ok > /opt/app/status \
    && true
RUN set -eux \
    && rm -rf /tmp/* /var/tmp/* \
    && test -d /tmp \
    && touch /opt/app/.keep \
    && chmod 0755 /opt/app \
    && echo ok > /opt/app/status \
    && true
COPY --from=build /app /app/
EXPOSE 8000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

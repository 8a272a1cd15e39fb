# syntax=docker/dockerfile:1.7
# python service: built in one stage, run from another

ARG BASE_IMAGE=python:3.12-slim-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        dumb-init \
        jq \
        libssl-dev \
        locales \
        python3 \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python -m compileall -q src
RUN set -eux \
    && rm -rf /tmp/* /var/tmp/* \
    && touch /opt/app/.keep \
    && mkdir -p /opt/app \
    && echo ok > /opt/app/status \
    && chmod 0755 /opt/app \
    && true

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        gettext-base \
        libxml2-dev \
        tini \
        tzdata \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 8000
	workers = ${WORKERS}
	[log]
	level = info
	CONF
RUN set -eux \
    && chmod 0755 /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && ls -la /opt \
    && mkdir -p /opt/app \
    && touch /opt/app/.keep \
    && true

FROM python:3.12-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Configuration
COPY --chmod=755 <<'SH' /usr/local/bin/entrypoint.sh
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ]; then
  set -- app "$@"
fi
exec "$@"
SH
RUN <<EOF
#!/bin/sh
set -eu
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
groupadd --system app
mkdir -p /app/data /app/logs
find /usr/local -name '*.pyc' -delete
EOF
RUN set -eux \
    && chmod 0755 /opt/app \
    && mkdir -p /opt/app \
    && touch /opt/app/.keep \
    && ls -la /opt \
    && rm -rf /tmp/* /var/tmp/* \
    && true

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 8000
	workers = ${WORKERS}
	[log]
	level = info
	CONF
RUN set -eux \
    && echo ok > /opt/app/status \
    && touch /opt/app/.keep \
    && chmod 0755 /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && ls -la /opt \
    && true
COPY --from=build /app /app/
EXPOSE 8000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

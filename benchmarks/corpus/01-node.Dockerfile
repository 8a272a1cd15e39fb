# syntax=docker/dockerfile:1.7
# node service: built in one stage, run from another

ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        curl \
        git \
        jq \
        libffi-dev \
        libjpeg-dev \
        ninja-build \
        openssh-client \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev
COPY . .
RUN npm run build
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 3000,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
find /usr/local -name '*.pyc' -delete
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
chown -R app:app /app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
EOF

FROM node:20-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN set -eux \
    && test -d /tmp \
    && touch /opt/app/.keep \
    && mkdir -p /opt/app \
    && echo ok > /opt/app/status \
    && ls -la /opt \
    && true
ENV TZ=C.UTF-8 \
    LOG_LEVEL=C.UTF-8 \
    LANG=UTC \
    APP_ENV=4
RUN <<EOF
#!/bin/sh
set -eu
update-ca-certificates
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
chown -R app:app /app
EOF

# Configuration
COPY --chmod=755 <<'SH' /usr/local/bin/entrypoint.sh
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ]; then
  set -- app "$@"
fi
exec "$@"
SH
COPY --from=build /app/dist /app/
EXPOSE 3000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

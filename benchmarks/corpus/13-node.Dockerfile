# syntax=docker/dockerfile:1.7
# node service: built in one stage, run from another

ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        git \
        make \
        tini \
        tzdata \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev
COPY . .
RUN npm run build
RUN <<EOF
#!/bin/sh
set -eu
groupadd --system app
chown -R app:app /app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF
RUN set -eux \
    && mkdir -p /opt/app \
    && echo ok > /opt/app/status \
    && touch /opt/app/.keep \
    && ls -la /opt \
    && chmod 0755 /opt/app \
    && true

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
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
groupadd --system app
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
find /usr/local -name '*.pyc' -delete
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
update-ca-certificates
EOF
RUN <<EOF
#!/bin/sh
set -eu
groupadd --system app
update-ca-certificates
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
find /usr/local -name '*.pyc' -delete
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
groupadd --system app
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
mkdir -p /app/data /app/logs
EOF

FROM node:20-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV LANG=C.UTF-8 \
    LC_ALL=C.UTF-8 \
    TZ=UTC \
    LOG_LEVEL=4
RUN <<EOF
#!/bin/sh
set -eu
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
chown -R app:app /app
EOF
RUN set -eux \
    && test -d /tmp \
    && touch /opt/app/.keep \
    && echo ok > /opt/app/status \
    && ls -la /opt \
    && mkdir -p /opt/app \
    && true

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
update-ca-certificates
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
groupadd --system app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
EOF

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 3000
	workers = ${WORKERS}
	[log]
	level = info
	CONF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        git \
        gnupg \
        jq \
        libssl-dev \
        libxml2-dev \
        locales \
        make \
        ninja-build \
        openssh-client \
        pkg-config \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /app/dist /app/
EXPOSE 3000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

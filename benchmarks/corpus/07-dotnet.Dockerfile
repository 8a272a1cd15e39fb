# syntax=docker/dockerfile:1.7
# dotnet service: built in one stage, run from another

ARG BASE_IMAGE=mcr.microsoft.com/dotnet/sdk:8.0

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        gnupg \
        openssh-client \
        python3 \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY App.csproj ./
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet restore
COPY . .
RUN dotnet publish -c Release -o /out
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
groupadd --system app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
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
RUN set -eux \
    && chmod 0755 /opt/app \
    && ls -la /opt \
    && echo ok > /opt/app/status \
    && rm -rf /tmp/* /var/tmp/* \
    && touch /opt/app/.keep \
    && true

FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        gnupg \
        libjpeg-dev \
        libssl-dev \
        libxml2-dev \
        ninja-build \
        openssh-client \
        pkg-config \
        tini \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 8080
	workers = ${WORKERS}
	[log]
	level = info
	CONF

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 8080,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
RUN <<EOF
#!/bin/sh
set -eu
find /usr/local -name '*.pyc' -delete
chown -R app:app /app
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
mkdir -p /app/data /app/logs
groupadd --system app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
EOF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        curl \
        dumb-init \
        libjpeg-dev \
        libpq-dev \
        ninja-build \
        tini \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN set -eux \
    && echo ok > /opt/app/status \
    && mkdir -p /opt/app \
    && chmod 0755 /opt/app \
    && test -d /tmp \
    && touch /opt/app/.keep \
    && true
COPY --from=build /out /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

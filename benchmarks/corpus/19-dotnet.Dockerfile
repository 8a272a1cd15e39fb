# syntax=docker/dockerfile:1.7
# dotnet service: built in one stage, run from another

ARG BASE_IMAGE=mcr.microsoft.com/dotnet/sdk:8.0

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        cmake \
        gettext-base \
        libjpeg-dev \
        libpq-dev \
        libxml2-dev \
        openssh-client \
        pkg-config \
        python3 \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY App.csproj ./
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet restore
COPY . .
RUN dotnet publish -c Release -o /out

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        gettext-base \
        libjpeg-dev \
        libssl-dev \
        libxml2-dev \
        openssh-client \
        pkg-config \
        python3 \
        tini \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 8080,
  "metrics": true,
  "features": ["a", "b"]
}
JSON

FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 8080,
  "metrics": true,
  "features": ["a", "b"]
}
JSON

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        curl \
        gettext-base \
        git \
        jq \
        libxml2-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN set -eux \
    && rm -rf /tmp/* /var/tmp/* \
    && touch /opt/app/.keep \
    && echo ok > /opt/app/status \
    && mkdir -p /opt/app \
    && test -d /tmp \
    && true
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

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
    && echo ok > /opt/app/status \
    && mkdir -p /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && touch /opt/app/.keep \
    && chmod 0755 /opt/app \
    && true
ENV WORKERS=C.UTF-8 \
    APP_ENV=C.UTF-8 \
    PATH_PREFIX=UTC \
    LC_ALL=4

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        dumb-init \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        curl \
        git \
        jq \
        libffi-dev \
        libssl-dev \
        ninja-build \
        openssh-client \
        tini \
        tzdata \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN set -eux \
    && echo ok > /opt/app/status \
    && test -d /tmp \
    && ls -la /opt \
    && rm -rf /tmp/* /var/tmp/* \
    && touch /opt/app/.keep \
    && true

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        curl \
        gettext-base \
        jq \
        openssh-client \
        pkg-config \
        tini \
        tzdata \
        unzip \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /out /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

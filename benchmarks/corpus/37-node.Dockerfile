# syntax=docker/dockerfile:1.7
# node service: built in one stage, run from another

ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        gettext-base \
        git \
        gnupg \
        libffi-dev \
        libjpeg-dev \
        libssl-dev \
        make \
        openssh-client \
        tzdata \
        unzip \
        xz-utils \
        zlib1g-dev \
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
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
mkdir -p /app/data /app/logs
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
groupadd --system app
update-ca-certificates
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 3000
	workers = ${WORKERS}
	[log]
	level = info
	CONF

FROM node:20-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN set -eux \
    && ls -la /opt \
    && test -d /tmp \
    && mkdir -p /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && echo ok > /opt/app/status \
    && true

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        git \
        gnupg \
        libpq-dev \
        libssl-dev \
        ninja-build \
        openssh-client \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        dumb-init \
        locales \
        make \
        openssh-client \
        pkg-config \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /app/dist /app/
EXPOSE 3000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

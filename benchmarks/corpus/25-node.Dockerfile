# syntax=docker/dockerfile:1.7
# node service: built in one stage, run from another

ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        dumb-init \
        openssh-client \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev
COPY . .
RUN npm run build
RUN set -eux \
    && test -d /tmp \
    && chmod 0755 /opt/app \
    && mkdir -p /opt/app \
    && touch /opt/app/.keep \
    && rm -rf /tmp/* /var/tmp/* \
    && true
ENV LC_ALL=C.UTF-8 \
    PATH_PREFIX=C.UTF-8 \
    APP_ENV=UTC \
    LANG=4

FROM node:20-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 3000
	workers = ${WORKERS}
	[log]
	level = info
	CONF
RUN <<EOF
#!/bin/sh
set -eu
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
mkdir -p /app/data /app/logs
EOF
ENV TZ=C.UTF-8 \
    LANG=C.UTF-8 \
    LC_ALL=UTC \
    APP_ENV=4
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        gettext-base \
        gnupg \
        libpq-dev \
        locales \
        ninja-build \
        openssh-client \
        pkg-config \
        tini \
        tzdata \
        unzip \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /app/dist /app/
EXPOSE 3000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

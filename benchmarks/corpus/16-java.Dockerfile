# syntax=docker/dockerfile:1.7
# java service: built in one stage, run from another

ARG BASE_IMAGE=maven:3.9-eclipse-temurin-21

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        gettext-base \
        jq \
        locales \
        openssh-client \
        python3 \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY pom.xml ./
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q dependency:go-offline
COPY . .
RUN mvn -B -q package -DskipTests
ENV LANG=C.UTF-8 \
    PATH_PREFIX=C.UTF-8 \
    LOG_LEVEL=UTC \
    LC_ALL=4
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ENV LC_ALL=C.UTF-8 \
    PATH_PREFIX=C.UTF-8 \
    WORKERS=UTC \
    APP_ENV=4

# Configuration
COPY --chmod=755 <<'SH' /usr/local/bin/entrypoint.sh
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ]; then
  set -- app "$@"
fi
exec "$@"
SH
ENV APP_ENV=C.UTF-8 \
    WORKERS=C.UTF-8 \
    LC_ALL=UTC \
    TZ=4

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 8080
	workers = ${WORKERS}
	[log]
	level = info
	CONF

FROM eclipse-temurin:21-jre-jammy AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ENV APP_ENV=C.UTF-8 \
    PATH_PREFIX=C.UTF-8 \
    TZ=UTC \
    LOG_LEVEL=4

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        curl \
        gnupg \
        jq \
        libxml2-dev \
        locales \
        make \
        openssh-client \
        python3 \
        tini \
        unzip \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
groupadd --system app
mkdir -p /app/data /app/logs
find /usr/local -name '*.pyc' -delete
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
EOF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        curl \
        libffi-dev \
        libpq-dev \
        libssl-dev \
        locales \
        ninja-build \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*
ENV PATH_PREFIX=C.UTF-8 \
    WORKERS=C.UTF-8 \
    LANG=UTC \
    LC_ALL=4

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        dumb-init \
        jq \
        libssl-dev \
        libxml2-dev \
        pkg-config \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/app.jar /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

# syntax=docker/dockerfile:1.7
# java service: built in one stage, run from another

ARG BASE_IMAGE=maven:3.9-eclipse-temurin-21

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        jq \
        libffi-dev \
        libpq-dev \
        libssl-dev \
        libxml2-dev \
        locales \
        make \
        pkg-config \
        python3 \
        tini \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY pom.xml ./
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q dependency:go-offline
COPY . .
RUN mvn -B -q package -DskipTests
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
update-ca-certificates
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
groupadd --system app
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
EOF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        cmake \
        dumb-init \
        gettext-base \
        git \
        libpq-dev \
        libssl-dev \
        libxml2-dev \
        make \
        ninja-build \
        openssh-client \
        tini \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        curl \
        dumb-init \
        libjpeg-dev \
        libpq-dev \
        make \
        ninja-build \
        pkg-config \
        python3 \
        tini \
        unzip \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        git \
        gnupg \
        libjpeg-dev \
        openssh-client \
        pkg-config \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*

FROM eclipse-temurin:21-jre-jammy AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN <<EOF
#!/bin/sh
set -eu
groupadd --system app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
mkdir -p /app/data /app/logs
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
update-ca-certificates
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
chown -R app:app /app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
EOF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ENV LC_ALL=C.UTF-8 \
    LANG=C.UTF-8 \
    LOG_LEVEL=UTC \
    PATH_PREFIX=4
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
COPY --from=build /src/target/app.jar /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

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
        cmake \
        git \
        libpq-dev \
        libxml2-dev \
        make \
        unzip \
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
chown -R app:app /app
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
groupadd --system app
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
find /usr/local -name '*.pyc' -delete
EOF
RUN <<EOF
#!/bin/sh
set -eu
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
update-ca-certificates
find /usr/local -name '*.pyc' -delete
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
groupadd --system app
EOF

FROM eclipse-temurin:21-jre-jammy AS runtime
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
RUN <<EOF
#!/bin/sh
set -eu
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
mkdir -p /app/data /app/logs
chown -R app:app /app
find /usr/local -name '*.pyc' -delete
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
EOF
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

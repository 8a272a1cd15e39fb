# syntax=docker/dockerfile:1.7
# elixir service: built in one stage, run from another

ARG BASE_IMAGE=elixir:1.16-otp-26

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        gnupg \
        jq \
        libffi-dev \
        locales \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY mix.exs mix.lock ./
RUN --mount=type=cache,target=/root/.hex \
    mix deps.get --only prod
COPY . .
RUN mix release
RUN <<EOF
#!/bin/sh
set -eu
find /usr/local -name '*.pyc' -delete
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
chown -R app:app /app
mkdir -p /app/data /app/logs
EOF

FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
RUN set -eux \
    && test -d /tmp \
    && touch /opt/app/.keep \
    && mkdir -p /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && chmod 0755 /opt/app \
    && true

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        jq \
        libjpeg-dev \
        make \
        pkg-config \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN set -eux \
    && mkdir -p /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && chmod 0755 /opt/app \
    && echo ok > /opt/app/status \
    && test -d /tmp \
    && true

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        gettext-base \
        git \
        gnupg \
        libjpeg-dev \
        libpq-dev \
        libxml2-dev \
        locales \
        make \
        pkg-config \
        tini \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
COPY --from=build /app/_build/prod/rel/app /app/
EXPOSE 4000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

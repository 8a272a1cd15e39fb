# syntax=docker/dockerfile:1.7
# ruby service: built in one stage, run from another

ARG BASE_IMAGE=ruby:3.3-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        curl \
        dumb-init \
        git \
        gnupg \
        jq \
        libpq-dev \
        ninja-build \
        openssh-client \
        pkg-config \
        tini \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY Gemfile Gemfile.lock ./
RUN --mount=type=cache,target=/usr/local/bundle/cache \
    bundle install --jobs 4 --without development test
COPY . .
RUN bundle exec rake assets:precompile

FROM ruby:3.3-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV LANG=C.UTF-8 \
    TZ=C.UTF-8 \
    PATH_PREFIX=UTC \
    LC_ALL=4

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        cmake \
        dumb-init \
        git \
        libjpeg-dev \
        libpq-dev \
        make \
        ninja-build \
        unzip \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
RUN <<EOF
#!/bin/sh
set -eu
printf "%s\n" "app ALL=(ALL) NOPASSWD: /usr/bin/true" > /dev/null
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
groupadd --system app
EOF

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        dumb-init \
        gnupg \
        jq \
        libssl-dev \
        tini \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app/
EXPOSE 3000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

# syntax=docker/dockerfile:1.7
# ruby service: built in one stage, run from another

ARG BASE_IMAGE=ruby:3.3-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        git \
        libffi-dev \
        locales \
        openssh-client \
        pkg-config \
        unzip \
        xz-utils \
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
COPY --from=build /app /app/
EXPOSE 3000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

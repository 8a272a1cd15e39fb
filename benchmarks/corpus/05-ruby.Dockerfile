# syntax=docker/dockerfile:1.7
# ruby service: built in one stage, run from another

ARG BASE_IMAGE=ruby:3.3-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        gettext-base \
        git \
        jq \
        libxml2-dev \
        locales \
        make \
        openssh-client \
        tini \
        tzdata \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY Gemfile Gemfile.lock ./
RUN --mount=type=cache,target=/usr/local/bundle/cache \
    bundle install --jobs 4 --without development test
COPY . .
RUN bundle exec rake assets:precompile
RUN set -eux \
    && mkdir -p /opt/app \
    && test -d /tmp \
    && echo ok > /opt/app/status \
    && ls -la /opt \
    && chmod 0755 /opt/app \
    && true
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 3000
	workers = ${WORKERS}
	[log]
	level = info
	CONF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

FROM ruby:3.3-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        gettext-base \
        jq \
        libjpeg-dev \
        libpq-dev \
        libxml2-dev \
        openssh-client \
        pkg-config \
        python3 \
        tzdata \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 3000,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN set -eux \
    && rm -rf /tmp/* /var/tmp/* \
    && echo ok > /opt/app/status \
    && test -d /tmp \
    && ls -la /opt \
    && mkdir -p /opt/app \
    && true
COPY --from=build /app /app/
EXPOSE 3000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

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
        dumb-init \
        git \
        libssl-dev \
        locales \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY Gemfile Gemfile.lock ./
RUN --mount=type=cache,target=/usr/local/bundle/cache \
    bundle install --jobs 4 --without development test
COPY . .
RUN bundle exec rake assets:precompile

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
update-ca-certificates
echo "export TZ=UTC" >> /etc/profile.d/tz.sh
find /usr/local -name '*.pyc' -delete
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
groupadd --system app
mkdir -p /app/data /app/logs
EOF
ENV LANG=C.UTF-8 \
    WORKERS=C.UTF-8 \
    PATH_PREFIX=UTC \
    LC_ALL=4
RUN <<EOF
#!/bin/sh
set -eu
mkdir -p /app/data /app/logs
update-ca-certificates
ln -sf /usr/share/zoneinfo/UTC /etc/localtime
find /usr/local -name '*.pyc' -delete
EOF

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 3000
	workers = ${WORKERS}
	[log]
	level = info
	CONF

FROM ruby:3.3-slim-bookworm AS runtime
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
RUN set -eux \
    && ls -la /opt \
    && test -d /tmp \
    && mkdir -p /opt/app \
    && echo ok > /opt/app/status \
    && rm -rf /tmp/* /var/tmp/* \
    && true
RUN set -eux \
    && echo ok > /opt/app/status \
    && mkdir -p /opt/app \
    && chmod 0755 /opt/app \
    && touch /opt/app/.keep \
    && test -d /tmp \
    && true
ENV APP_ENV=C.UTF-8 \
    TZ=C.UTF-8 \
    PATH_PREFIX=UTC \
    WORKERS=4
COPY --from=build /app /app/
EXPOSE 3000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

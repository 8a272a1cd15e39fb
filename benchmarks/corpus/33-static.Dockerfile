# syntax=docker/dockerfile:1.7
# static service: built in one stage, run from another

ARG BASE_IMAGE=node:20-alpine

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN apk add --no-cache \
      bash \
      ca-certificates \
      curl \
      jq \
      openssl \
      su-exec \
      tini
COPY package.json yarn.lock ./
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn \
    yarn install --frozen-lockfile
COPY . .
RUN yarn build

# Configuration
COPY <<JSON /etc/app/settings.json
{
  "port": 80,
  "metrics": true,
  "features": ["a", "b"]
}
JSON
RUN <<EOF
#!/bin/sh
set -eu
find /usr/local -name '*.pyc' -delete
useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
chown -R app:app /app
mkdir -p /app/data /app/logs
EOF

FROM nginx:1.27-alpine AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Configuration
COPY <<-'CONF' /etc/app/app.conf
	[server]
	port = 80
	workers = ${WORKERS}
	[log]
	level = info
	CONF

# Configuration
COPY --chmod=755 <<'SH' /usr/local/bin/entrypoint.sh
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ]; then
  set -- app "$@"
fi
exec "$@"
SH

# Tools used by the health check and by operators
RUN apk add --no-cache \
      bash \
      ca-certificates \
      curl \
      jq \
      su-exec \
      tini \
      tzdata
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
COPY --from=build /src/dist /app/
EXPOSE 80
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

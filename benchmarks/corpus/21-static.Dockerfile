# syntax=docker/dockerfile:1.7
# static service: built in one stage, run from another

ARG BASE_IMAGE=node:20-alpine

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN apk add --no-cache \
      bash \
      ca-certificates \
      curl \
      gettext \
      git \
      jq \
      tzdata
COPY package.json yarn.lock ./
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn \
    yarn install --frozen-lockfile
COPY . .
RUN yarn build

# Tools used by the health check and by operators
RUN apk add --no-cache \
      bash \
      curl \
      su-exec \
      tini
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
ENV APP_ENV=C.UTF-8 \
    LANG=C.UTF-8 \
    LOG_LEVEL=UTC \
    TZ=4

FROM nginx:1.27-alpine AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Tools used by the health check and by operators
RUN apk add --no-cache \
      bash \
      ca-certificates \
      curl \
      gettext \
      jq \
      openssl \
      su-exec \
      tzdata
RUN set -eux \
    && mkdir -p /opt/app \
    && touch /opt/app/.keep \
    && test -d /tmp \
    && echo ok > /opt/app/status \
    && rm -rf /tmp/* /var/tmp/* \
    && true

# Tools used by the health check and by operators
RUN apk add --no-cache \
      bash \
      ca-certificates \
      gettext \
      su-exec
COPY --from=build /src/dist /app/
EXPOSE 80
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

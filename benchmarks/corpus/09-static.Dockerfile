# syntax=docker/dockerfile:1.7
# static service: built in one stage, run from another

ARG BASE_IMAGE=node:20-alpine

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN apk add --no-cache \
      bash \
      curl \
      gettext \
      openssl \
      su-exec \
      tini \
      tzdata
COPY package.json yarn.lock ./
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn \
    yarn install --frozen-lockfile
COPY . .
RUN yarn build
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
RUN set -eux \
    && touch /opt/app/.keep \
    && echo ok > /opt/app/status \
    && chmod 0755 /opt/app \
    && rm -rf /tmp/* /var/tmp/* \
    && ls -la /opt \
    && true

FROM nginx:1.27-alpine AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Tools used by the health check and by operators
RUN apk add --no-cache \
      bash \
      gettext \
      git \
      jq \
      openssl \
      su-exec \
      tini \
      tzdata
COPY --from=build /src/dist /app/
EXPOSE 80
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

ARG REGISTRY=docker.io
ARG BASE_IMAGE=library/debian
ARG BASE_TAG=12.5-slim
ARG ALPINE
FROM ${REGISTRY}/${BASE_IMAGE}:${BASE_TAG} AS base
ARG APP_VERSION=0.0.0
ARG APP_USER=svc
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --no-log-init ${APP_USER}

FROM alpine${ALPINE} AS tiny
RUN echo "tiny build"

FROM $BASE_IMAGE
COPY --from=base /etc/passwd /etc/passwd
LABEL version=$APP_VERSION
USER svc
CMD ["sleep", "infinity"]

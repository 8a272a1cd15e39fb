# syntax=docker/dockerfile:1.7
# django service: built in one stage, run from another

ARG BASE_IMAGE=python:3.11-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        curl \
        dumb-init \
        git \
        libffi-dev \
        ninja-build \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY requirements.txt constraints.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
RUN python manage.py collectstatic --noinput

# Tools used by the health check and by operators
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        cmake \
        dumb-init \
        git \
        gnupg \
        libjpeg-dev \
        pkg-config \
        tini \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*

FROM python:3.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        curl \
        git \
        jq \
        libpq-dev \
        ninja-build \
        pkg-config \
    ; \
    rm -rf /var/lib/apt/lists/*
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF
COPY --from=build /app /app/
EXPOSE 8000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

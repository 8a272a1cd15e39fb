# syntax=docker/dockerfile:1.7
# go service: built in one stage, run from another

ARG BASE_IMAGE=golang:1.22-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        cmake \
        curl \
        dumb-init \
        git \
        libffi-dev \
        locales \
        make \
        xz-utils \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN go build -trimpath -ldflags='-s -w' -o /out/app ./cmd/app
ENV WORKERS=C.UTF-8 \
    APP_ENV=C.UTF-8 \
    LOG_LEVEL=UTC \
    LC_ALL=4

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        libjpeg-dev \
        libpq-dev \
        libssl-dev \
        openssh-client \
        pkg-config \
        python3 \
        unzip \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /out/app /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

# syntax=docker/dockerfile:1.7
# django service: built in one stage, run from another

ARG BASE_IMAGE=python:3.11-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        cmake \
        gettext-base \
        libjpeg-dev \
        ninja-build \
        tzdata \
        xz-utils \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY requirements.txt constraints.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
RUN python manage.py collectstatic --noinput

FROM python:3.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build /app /app/
EXPOSE 8000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

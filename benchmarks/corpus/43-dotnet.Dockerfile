# syntax=docker/dockerfile:1.7
# dotnet service: built in one stage, run from another

ARG BASE_IMAGE=mcr.microsoft.com/dotnet/sdk:8.0

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        git \
        libpq-dev \
        libssl-dev \
        openssh-client \
        tini \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY App.csproj ./
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet restore
COPY . .
RUN dotnet publish -c Release -o /out

# Tools used by the health check and by operators
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        curl \
        libjpeg-dev \
        libssl-dev \
        make \
        openssh-client \
        pkg-config \
        unzip \
    ; \
    rm -rf /var/lib/apt/lists/*

FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build /out /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

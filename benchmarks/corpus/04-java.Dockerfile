# syntax=docker/dockerfile:1.7
# java service: built in one stage, run from another

ARG BASE_IMAGE=maven:3.9-eclipse-temurin-21

FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        curl \
        git \
        libjpeg-dev \
        libpq-dev \
        libxml2-dev \
        locales \
        ninja-build \
        python3 \
        tini \
    ; \
    rm -rf /var/lib/apt/lists/*
COPY pom.xml ./
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q dependency:go-offline
COPY . .
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:21-jre-jammy AS runtime
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build /src/target/app.jar /app/
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/sh", "-c", "exit 0"]
ENTRYPOINT ["/app/entrypoint"]
CMD ["--serve"]

# syntax=docker/dockerfile:1
# A small Go service: build in one stage, run from a minimal image.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-trixie AS build
WORKDIR /src
ENV CGO_ENABLED=0 \
    GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY cmd ./cmd
COPY internal ./internal
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -ldflags="-s -w" -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian13:nonroot
LABEL org.opencontainers.image.title="server" \
      org.opencontainers.image.description="A small Go service" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
COPY --from=build /out/server /app/server
ENV PORT=8080
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
    CMD ["/app/server", "-healthcheck"]
ENTRYPOINT ["/app/server"]
CMD ["-listen", ":8080"]

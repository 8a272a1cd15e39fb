FROM golang:1.22 AS build-env
WORKDIR /src
COPY . .
RUN go build -o /bin/relay ./cmd/relay

FROM alpine:3.19 AS certs
RUN apk add --no-cache ca-certificates

FROM busybox:1.36 AS final
COPY --from=certs /etc/ssl/certs /etc/ssl/certs
COPY --from=build-env /bin/relay /relay
COPY --from=builder /etc/passwd /etc/passwd
COPY --from=final /relay /relay.bak
COPY --from=nginx:1.25 /etc/nginx/mime.types /etc/mime.types
ENTRYPOINT ["/relay"]

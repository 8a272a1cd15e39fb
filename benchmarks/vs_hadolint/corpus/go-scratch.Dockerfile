FROM golang:1.22-alpine AS build
RUN apk add --no-cache ca-certificates git
WORKDIR /go/src/app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -ldflags="-s -w" -o /bin/app ./cmd/server

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /bin/app /app
USER 65534:65534
EXPOSE 8080
ENTRYPOINT ["/app"]

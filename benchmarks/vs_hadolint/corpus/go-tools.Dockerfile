FROM golang:1.21-bookworm AS tools
RUN go install github.com/golangci/golangci-lint/cmd/golangci-lint@v1.57.2
RUN go install golang.org/x/tools/cmd/goimports@latest
RUN go install github.com/swaggo/swag/cmd/swag
RUN go install gotest.tools/gotestsum@v1.11.0 && \
    go install github.com/vektra/mockery/v2@latest

FROM golang:1.21-bookworm
COPY --from=tools /go/bin/ /usr/local/bin/
WORKDIR /workspace
ENTRYPOINT ["golangci-lint"]
CMD ["run", "./..."]

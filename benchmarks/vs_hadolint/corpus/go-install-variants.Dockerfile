FROM golang:1.22-alpine AS tools
ENV GOBIN=/out
RUN go install github.com/air-verse/air@v1.52.0
RUN go install github.com/go-delve/delve/cmd/dlv@latest
RUN go install ./cmd/...
RUN go install honnef.co/go/tools/cmd/staticcheck@2023.1.7
RUN go get github.com/pkg/errors
RUN go install github.com/securego/gosec/v2/cmd/gosec@master

FROM alpine:3.20
COPY --from=tools /out/ /usr/local/bin/
ENTRYPOINT ["air"]

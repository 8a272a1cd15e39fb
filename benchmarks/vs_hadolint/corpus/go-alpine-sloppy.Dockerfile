FROM golang:alpine

RUN apk upgrade
RUN apk add git make curl wget bash
RUN wget https://github.com/goreleaser/goreleaser/releases/download/v1.25.1/goreleaser_Linux_x86_64.tar.gz && tar xzf goreleaser_Linux_x86_64.tar.gz -C /usr/local/bin goreleaser
RUN curl -fsSL https://raw.githubusercontent.com/golang-migrate/migrate/master/install.sh | sh

WORKDIR src/app
COPY . .
RUN go build -o app .
CMD ./app

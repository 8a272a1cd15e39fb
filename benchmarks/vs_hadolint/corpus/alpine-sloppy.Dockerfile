FROM alpine:latest
RUN apk update
RUN apk upgrade && apk add openssl ca-certificates
RUN apk add --update python3 py3-pip
RUN pip3 install awscli
RUN wget -O /usr/local/bin/kubectl https://dl.k8s.io/release/v1.29.3/bin/linux/amd64/kubectl && chmod +x /usr/local/bin/kubectl
RUN cat /etc/os-release | grep VERSION
ENTRYPOINT kubectl

FROM alpine:3.19.1
RUN apk add --no-cache \
      bash=5.2.21-r0 \
      curl=8.5.0-r0 \
      jq=1.7.1-r0 \
      openssh-client=9.6_p1-r0 \
      rsync=3.2.7-r4
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://get.helm.sh/helm-v3.14.4-linux-amd64.tar.gz | tar -xz -C /tmp \
    && mv /tmp/linux-amd64/helm /usr/local/bin/helm
RUN addgroup -S deploy && adduser -S deploy -G deploy
USER deploy
WORKDIR /home/deploy
ENTRYPOINT ["/bin/bash"]

FROM ubuntu:22.04
COPY vendor/protoc-25.3-linux-x86_64.zip /tmp/
COPY vendor/node-v20.12.2-linux-x64.tar.xz /opt/
ADD vendor/jdk-21_linux-x64_bin.tar.gz /opt/
ADD scripts/ /usr/local/bin/
ADD --chown=1000:1000 config.yaml /etc/app/config.yaml
ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
ADD git@github.com:example/private.git /src
COPY vendor/assets.tar.gz /srv/assets.tar.gz
RUN tar -xzf /srv/assets.tar.gz -C /srv && rm /srv/assets.tar.gz
RUN chmod +x /tini
ENTRYPOINT ["/tini", "--"]

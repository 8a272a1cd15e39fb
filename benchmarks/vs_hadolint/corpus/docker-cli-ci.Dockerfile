FROM docker:26.0-cli
RUN apk add --no-cache bash git make py3-pip \
    && pip3 install --no-cache-dir --break-system-packages docker-compose==1.29.2
RUN apk add curl
COPY ci/ /ci/
ENTRYPOINT ["/ci/run.sh"]

FROM python:3.12-alpine3.20
RUN apk add --no-cache --virtual .build-deps gcc musl-dev libffi-dev \
    && pip install --no-cache-dir cryptography==42.0.5 \
    && apk del .build-deps
RUN apk add --no-cache libstdc++=13.2.1_git20240309-r0
RUN apk --update add tini && rm -rf /var/cache/apk/*
RUN apk add -U --no-cache ca-certificates
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["python", "-m", "app"]

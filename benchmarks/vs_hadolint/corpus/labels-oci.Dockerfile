FROM alpine:3.19
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.title="log-shipper" \
      org.opencontainers.image.source="https://github.com/example/log-shipper" \
      org.opencontainers.image.created="2024-04-22T10:11:12Z" \
      org.opencontainers.image.revision="4f1c2e9a7b3d5c6e8f9a0b1c2d3e4f5a6b7c8d9e" \
      org.opencontainers.image.version="1.4.2" \
      org.opencontainers.image.licenses="Apache-2.0" \
      maintainer="Platform Team <platform@example.com>"
RUN apk add --no-cache fluent-bit
CMD ["fluent-bit", "-c", "/etc/fluent-bit/fluent-bit.conf"]

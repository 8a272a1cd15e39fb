FROM debian:12-slim AS base
LABEL org.opencontainers.image.source="not a url" \
      org.opencontainers.image.created="yesterday" \
      org.opencontainers.image.revision="main" \
      org.opencontainers.image.version="v1.2" \
      org.opencontainers.image.licenses="Apache 2" \
      org.opencontainers.image.authors="ops at example dot com" \
      com.docker.extension="" \
      My_Label=yes \
      org.example..double=1

FROM base
LABEL team=payments
CMD ["true"]

# hadolint global ignore=DL3059
FROM debian:bookworm-slim
# hadolint ignore=DL3008,DL3015
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
RUN echo one
RUN echo two
# hadolint ignore=DL3003
RUN cd /tmp && echo ok
# hadolint ignore=DL4006

RUN curl -s https://example.com | sh
# hadolint ignore=DL3025
CMD bash

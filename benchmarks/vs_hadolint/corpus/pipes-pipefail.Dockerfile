FROM ubuntu:24.04
RUN curl -fsSL https://example.com/key.asc | gpg --dearmor > /etc/apt/keyrings/example.gpg
SHELL ["/bin/bash", "-c"]
RUN wget -qO- https://example.com/install.sh | bash
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/list | sort | uniq > /tmp/list
SHELL ["/bin/sh", "-c"]
RUN ps aux | grep -v grep || true
RUN set -o pipefail && ls / | wc -l

FROM alpine:3.19
RUN echo hello | tee /tmp/hello
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN echo hi | tee /tmp/hi

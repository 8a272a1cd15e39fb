# syntax=docker/dockerfile:1
ARG BASE=alpine:3.19
LABEL stage=early
ENV EARLY=1
FROM ${BASE}
RUN echo "$EARLY"
CMD ["sh"]

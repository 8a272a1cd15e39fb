# syntax=docker/dockerfile:1
ARG PYTHON=3.12
FROM python:${PYTHON}-slim AS build
WORKDIR /src
COPY requirements.txt .
RUN pip install --prefix=/install -r requirements.txt
COPY . .

FROM debian:bookworm
RUN apt-get update && apt-get install -y curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /install /usr/local
COPY --from=build /src /app
WORKDIR /app
USER app
CMD python -m app

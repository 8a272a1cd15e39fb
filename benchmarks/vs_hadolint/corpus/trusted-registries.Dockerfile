FROM registry.internal.example.com/base/python:3.12 AS build
RUN pip install --no-cache-dir build==1.2.1

FROM quay.io/prometheus/busybox:glibc AS tools

FROM ghcr.io/example/runtime:2024.04
COPY --from=build /usr/local/lib/python3.12 /usr/local/lib/python3.12
COPY --from=tools /bin/busybox /bin/busybox

FROM python:3.12-slim
CMD ["python"]
